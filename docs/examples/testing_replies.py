"""What each Reply option does, seen from stream_chat() and from the server's records."""

import json

import chatsse
from chatsse.testing import ReplayServer, Reply


def sse(*chunks):
    """A Chat Completions SSE body: one ``data:`` event per chunk, then ``[DONE]``."""
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return "".join([*events, "data: [DONE]\n\n"]).encode()


def text(piece):
    return {"choices": [{"index": 0, "delta": {"content": piece}}]}


BODY = sse(text("Take"), text(" an"), text(" umbrella."), {"choices": [], "usage": {}})
CUT = BODY.index(b" an")  # inside the second event

REPLIES = {
    "Reply(BODY)": Reply(BODY),
    "framing='close'": Reply(BODY, framing="close"),
    "framing='content-length'": Reply(BODY, framing="content-length"),
    "gzip=True": Reply(BODY, gzip=True),
    "chunk_size=1": Reply(BODY, chunk_size=1),
    "first_byte_delay=0.1": Reply(BODY, first_byte_delay=0.1),
    "delay=0.01": Reply(BODY, delay=0.01),
    "stall_after=CUT": Reply(BODY, stall_after=CUT),
    "drop_after=CUT": Reply(BODY, drop_after=CUT),
    "keep_open=True": Reply(BODY, keep_open=True),
    "Reply.error(503, ...)": Reply.error(503, "Overloaded", headers={"Retry-After": "5"}),
    "content_type='text/html'": Reply(b"<html>Log in</html>", content_type="text/html"),
}

with ReplayServer(*REPLIES.values()) as server:  # request k gets reply k (modulo their number)
    for number, name in enumerate(REPLIES):
        try:
            stream = chatsse.stream_chat(server.chat_url, {"model": "m"}, idle_timeout=0.5)
            outcome = repr(chatsse.collect(stream).text)
        except chatsse.ChatSSEError as error:
            outcome = type(error).__name__
        server.wait_responses(number + 1, timeout=5)  # recorded when the server is done with it
        [response] = [r for r in server.responses if r.index == number]
        print(f"{name:24} {outcome:19} writes={response.writes:<3}", end=" ")
        print(f"finished={response.finished!s:5} client_left={response.client_left}")
    print(f"{len(server.requests)} requests on {server.connections} connections")
