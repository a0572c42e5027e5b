"""gated=True: the server sends one write per release(), so a test controls the timing."""

import json

import pytest

import chatsse
from chatsse.testing import ReplayServer


# -- the code under test: a web view passing an answer on, piece by piece -----------------------
def relay(url):
    request = {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}
    with chatsse.stream_chat(url, request) as stream:
        for event in stream:
            if isinstance(event, chatsse.OutputTextDelta):
                yield f"data: {json.dumps(event.delta)}\n\n"


# -- the tests -----------------------------------------------------------------------------
def sse(*chunks):
    """A Chat Completions SSE body: one ``data:`` event per chunk, then ``[DONE]``."""
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return "".join([*events, "data: [DONE]\n\n"]).encode()


def text(piece):
    return {"choices": [{"index": 0, "delta": {"content": piece}}]}


WORDS = ["Take", " an", " umbrella", "."]
BODY = sse(*(text(word) for word in WORDS))


def test_each_piece_is_passed_on_before_the_next_is_sent():
    # The server writes the first event, then one more per release(). If relay()
    # held a piece back waiting for more bytes, next() would block until the idle
    # timeout (here, forever): the test would hang instead of passing.
    with ReplayServer(BODY, gated=True) as server:
        frames = relay(server.chat_url)
        for sent, word in enumerate(WORDS, 1):
            assert next(frames) == f"data: {json.dumps(word)}\n\n"
            assert server.writes == sent  # nothing more was sent yet
            server.release()  # the next write: a word, then [DONE]
        assert list(frames) == []


def test_a_browser_that_leaves_stops_the_generation():
    long_answer = sse(*(text(f" word{i}") for i in range(200)))
    with ReplayServer(long_answer, delay=0.01) as server:  # 2 s in all
        frames = relay(server.chat_url)
        next(frames)
        frames.close()  # what a WSGI server does when the browser disconnects
        assert server.wait_idle(timeout=1.0)
        [response] = server.responses
        assert response.client_left
        assert not response.finished


if __name__ == "__main__":
    raise SystemExit(pytest.main(["-q", "-p", "no:cacheprovider", __file__]))
