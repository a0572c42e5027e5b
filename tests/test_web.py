"""Re-streaming: sse_frames() and decode_frames(), in memory, through a plain WSGI
server, and hanging up on the upstream when the client goes away."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import wsgiref.simple_server
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from conftest import shared_path
from helpers import drain, split_every, split_randomly, sse_body

import chatsse
from chatsse import (
    APIError,
    ChatSSEError,
    Completed,
    OutputTextDelta,
    StreamError,
)
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer, Reply

REQUEST = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
LONG_BODY = sse_body(
    *[{"choices": [{"index": 0, "delta": {"content": f" w{i}"}}]} for i in range(200)],
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
)


def frames_of(events: Any, **options: Any) -> bytes:
    return b"".join(chatsse.sse_frames(events, **options))


# -- the frames ------------------------------------------------------------------------


def test_each_event_is_one_frame_named_by_its_type() -> None:
    frames = list(chatsse.sse_frames(chatsse.iter_events(demo_transcript())))
    events = list(chatsse.iter_events(demo_transcript()))
    assert len(frames) == len(events)
    for raw, event in zip(frames, events, strict=True):
        head, data = raw.decode().split("\n", 1)
        assert head == f"event: {chatsse.to_dict(event)['type']}"
        assert data.startswith("data: ")
        assert data.endswith("\n\n")
        assert "\n" not in data[:-2]
        assert json.loads(data[6:]) == chatsse.to_dict(event)


def test_frames_round_trip_for_the_demo_and_every_corpus_file() -> None:
    corpus = shared_path("corpus")
    bodies = [demo_transcript(), *(path.read_bytes() for path in sorted(corpus.glob("*/*.sse")))]
    for body in bodies:
        events: list[chatsse.ResponseEvent] = []
        try:
            for event in chatsse.iter_events(body, raise_on_length=False):
                events.append(event)
        except ChatSSEError:
            continue  # error streams are covered below
        encoded = frames_of(events)
        for chunks in (encoded, split_every(encoded, 1), split_randomly(encoded, 5)):
            assert list(chatsse.decode_frames(chunks)) == events


def test_an_upstream_failure_ends_the_frames_with_an_error_frame(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": "Half an"}}]},
        {"error": {"message": "Overloaded", "code": 529, "type": "server_error"}},
    )
    caplog.set_level(logging.WARNING, logger="chatsse")
    frames = list(chatsse.sse_frames(chatsse.iter_events(body)))
    assert frames[-1] == (
        b'event: error\ndata: {"type":"error","error":"APIError",'
        b'"message":"Overloaded","code":529}\n\n'
    )
    assert any("Overloaded" in record.getMessage() for record in caplog.records)
    got, error = drain(chatsse.decode_frames(b"".join(frames)))
    assert isinstance(error, APIError)
    assert (error.message, error.code) == ("Overloaded", 529)
    assert "".join(e.delta for e in got if isinstance(e, OutputTextDelta)) == "Half an"


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (chatsse.IdleTimeoutError("idle timeout waiting for SSE"), chatsse.IdleTimeoutError),
        (chatsse.ContextWindowExceededError("token limit"), chatsse.ContextWindowExceededError),
        (chatsse.HTTPStatusError(503, "Overloaded", retry_after=2.0), chatsse.HTTPStatusError),
        (StreamError("the connection broke mid-stream: reset"), StreamError),
    ],
)
def test_error_frames_carry_the_kind_and_message_back(error: ChatSSEError, kind: type) -> None:
    def failing() -> Iterator[chatsse.ResponseEvent]:
        yield OutputTextDelta("x")
        raise error

    with pytest.raises(kind) as caught:
        list(chatsse.decode_frames(frames_of(failing())))
    assert caught.value.message == error.message
    if isinstance(error, chatsse.HTTPStatusError):
        assert isinstance(caught.value, chatsse.HTTPStatusError)
        assert (caught.value.status_code, caught.value.retry_after) == (503, 2.0)


def test_a_bug_is_reported_without_details_then_raised() -> None:
    def broken() -> Iterator[chatsse.ResponseEvent]:
        yield OutputTextDelta("x")
        raise KeyError("internal detail")

    frames = chatsse.sse_frames(broken())
    assert next(frames).startswith(b"event: output_text.delta")
    error_frame = next(frames)
    assert b'"error":"InternalError"' in error_frame
    assert b"internal detail" not in error_frame
    with pytest.raises(KeyError):
        next(frames)


@pytest.mark.parametrize("keepalive", [None, 5])
def test_a_none_among_the_events_is_a_bug_not_a_keepalive(keepalive: float | None) -> None:
    frames = chatsse.sse_frames([OutputTextDelta("x"), None], keepalive=keepalive)  # type: ignore[list-item]
    assert next(frames).startswith(b"event: output_text.delta")
    assert b'"error":"InternalError"' in next(frames)
    with pytest.raises(TypeError):
        next(frames)


def test_a_lone_surrogate_still_makes_valid_utf8() -> None:
    event = OutputTextDelta("a\ud800b")
    raw = chatsse.sse_frames([event])
    encoded = next(raw)
    encoded.decode("utf-8")  # valid
    assert b"\\ud800" in encoded
    assert list(chatsse.decode_frames(encoded)) == [event]


def test_decoding_skips_comments_and_unknown_types_and_rejects_malformed_frames() -> None:
    good = chatsse.to_dict(OutputTextDelta("ok"))
    stream = (
        b": keep-alive\n\nevent: future.kind\ndata: {}\n\n"
        b"event: output_text.delta\ndata: " + json.dumps(good).encode() + b"\n\n"
    )
    assert list(chatsse.decode_frames(stream)) == [OutputTextDelta("ok")]
    for bad in (
        b"event: output_text.delta\ndata: {nope\n\n",
        b'event: output_text.delta\ndata: {"type": "output_text.delta"}\n\n',
        b"event: completed\ndata: " + json.dumps(good).encode() + b"\n\n",
    ):
        with pytest.raises(StreamError):
            list(chatsse.decode_frames(bad))
    with pytest.raises(ChatSSEError, match="FutureError: from the future"):
        list(
            chatsse.decode_frames(
                b'event: error\ndata: {"error": "FutureError", "message": "from the future"}\n\n'
            )
        )
    with pytest.raises(StreamError, match="not json"):
        list(chatsse.decode_frames(b"event: error\ndata: not json\n\n"))


def test_bad_arguments() -> None:
    for keepalive in (0, -1, math.nan, math.inf, 1e10):  # (1e10 s: more than a thread can wait)
        with pytest.raises(ValueError, match="keepalive"):
            chatsse.sse_frames([], keepalive=keepalive)
    with pytest.raises(ValueError, match="max_event_bytes"):
        chatsse.decode_frames(b"", max_event_bytes=0)
    with pytest.raises(TypeError, match="max_event_bytes must be an int"):
        chatsse.decode_frames(b"", max_event_bytes=2.5)  # type: ignore[arg-type]


# -- keep-alive ------------------------------------------------------------------------


def test_keepalive_comments_while_the_upstream_is_thinking() -> None:
    body = sse_body({"choices": [{"index": 0, "delta": {"content": "Hi"}}]})
    with ReplayServer(body, first_byte_delay=0.6) as server:
        stream = chatsse.stream_chat(server.chat_url, REQUEST)
        frames = list(chatsse.sse_frames(stream, keepalive=0.1))
    first_event = next(i for i, f in enumerate(frames) if f.startswith(b"event:"))
    assert first_event >= 3
    assert set(frames[:first_event]) == {b": keep-alive\n\n"}
    assert list(chatsse.decode_frames(b"".join(frames))) == list(chatsse.iter_events(body))


def test_keepalive_keeps_errors_and_order() -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": "a"}}]},
        {"error": {"message": "late failure"}},
    )
    frames = frames_of(chatsse.iter_events(body), keepalive=5)
    with pytest.raises(APIError, match="late failure"):
        list(chatsse.decode_frames(frames))


# -- hanging up on the upstream ------------------------------------------------------------


def assert_upstream_hung_up(server: ReplayServer) -> None:
    assert server.wait_idle(1.0), "the upstream did not see the disconnect within a second"
    assert server.responses[0].client_left
    assert not server.responses[0].finished


@pytest.mark.parametrize("keepalive", [None, 0.2])
def test_closing_the_frames_closes_the_upstream(keepalive: float | None) -> None:
    with ReplayServer(LONG_BODY, delay=0.02) as server:
        frames = chatsse.sse_frames(
            chatsse.stream_chat(server.chat_url, REQUEST), keepalive=keepalive
        )
        for _ in range(5):
            next(frames)
        frames.close()  # what a WSGI server does when the client leaves
        assert_upstream_hung_up(server)


@pytest.mark.parametrize("framing", ["chunked", "close", "content-length"])
def test_closing_while_the_upstream_is_silent_hangs_up_at_once(framing: str) -> None:
    # The helper thread is blocked reading a silent upstream when the frames
    # are closed: the socket is shut down under it, whatever the framing.
    with ReplayServer(LONG_BODY, stall_after=300, framing=framing) as server:
        frames = chatsse.sse_frames(chatsse.stream_chat(server.chat_url, REQUEST), keepalive=0.1)
        while next(frames) != b": keep-alive\n\n":
            pass
        started = time.monotonic()
        frames.close()
        assert_upstream_hung_up(server)
        assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("keepalive", [None, 0.1])
def test_closing_the_frames_from_another_thread_than_the_reading_one_hangs_up(
    keepalive: float | None,
) -> None:
    # An async server iterates a sync body in a worker thread and closes it
    # from its event loop's thread when the client leaves.
    with ReplayServer(LONG_BODY, stall_after=300) as server:
        frames = chatsse.sse_frames(
            lambda: chatsse.stream_chat(server.chat_url, REQUEST), keepalive=keepalive
        )
        next(frames)
        worker = threading.Thread(target=lambda: list(frames))
        worker.start()
        time.sleep(0.2)  # the worker inside next(frames), waiting on the upstream
        frames.close()
        assert_upstream_hung_up(server)
        worker.join(5.0)
        assert not worker.is_alive()


@pytest.mark.parametrize("keepalive", [None, 0.1])
def test_closing_from_another_thread_stops_a_generator_of_yours_at_its_next_event(
    keepalive: float | None, caplog: pytest.LogCaptureFixture
) -> None:
    # Your generator (around the stream, say to word its errors) is inside
    # next() in the worker thread, where no other thread can close it: the
    # frames stop at its next event, and close it, which hangs up.
    def answer(url: str) -> Iterator[chatsse.ResponseEvent]:
        with chatsse.stream_chat(url, REQUEST) as stream:
            yield from stream

    with ReplayServer(LONG_BODY, delay=0.02) as server:
        frames = chatsse.sse_frames(answer(server.chat_url), keepalive=keepalive)
        next(frames)
        after_close: list[bytes] = []
        closed = threading.Event()

        def worker() -> None:
            for piece in frames:
                if closed.is_set():
                    after_close.append(piece)

        thread = threading.Thread(target=worker)
        thread.start()
        time.sleep(0.2)
        closed.set()
        frames.close()
        thread.join(5.0)
        assert not thread.is_alive()
        assert_upstream_hung_up(server)
    assert len(after_close) <= 1  # a frame already on its way at most
    assert b"event: error" not in b"".join(after_close)  # the client left: nothing failed
    assert "upstream stream failed" not in caplog.text


@pytest.mark.parametrize("keepalive", [None, 15.0])
def test_closing_while_the_function_is_still_opening_the_stream_hangs_up_once_it_has(
    keepalive: float | None,
) -> None:
    # The model thinks for 3 s after the headers: no event to stop at before.
    with ReplayServer(LONG_BODY, first_byte_delay=3.0, delay=0.02) as server:

        def slow_to_open() -> chatsse.ChatStream:
            time.sleep(0.4)  # (waiting for the response's headers, say)
            return chatsse.stream_chat(server.chat_url, REQUEST)

        frames = chatsse.sse_frames(slow_to_open, keepalive=keepalive)
        worker = threading.Thread(target=lambda: list(frames))
        worker.start()
        time.sleep(0.1)  # the worker (or the helper thread) inside slow_to_open
        frames.close()
        deadline = time.monotonic() + 5.0
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        assert_upstream_hung_up(server)  # within a second, not at the first event
        worker.join(5.0)
        assert not worker.is_alive()


def test_a_function_opening_the_stream_turns_its_http_error_into_an_error_frame() -> None:
    reply = Reply.error(401, "Incorrect API key provided", code="invalid_api_key")
    with ReplayServer(reply) as upstream:
        frames = list(chatsse.sse_frames(lambda: chatsse.stream_chat(upstream.chat_url, REQUEST)))
    assert len(frames) == 1
    with pytest.raises(chatsse.HTTPStatusError, match="Incorrect API key") as caught:
        list(chatsse.decode_frames(frames[0]))
    assert caught.value.status_code == 401


@pytest.mark.parametrize("keepalive", [None, 0.1])
def test_a_function_opening_the_stream_hangs_up_at_once(keepalive: float | None) -> None:
    with ReplayServer(LONG_BODY, stall_after=300) as server:
        frames = chatsse.sse_frames(
            lambda: chatsse.stream_chat(server.chat_url, REQUEST), keepalive=keepalive
        )
        next(frames)
        next(frames)
        frames.close()
        assert_upstream_hung_up(server)


def test_a_generator_of_yours_read_with_keepalive_is_closed_at_its_next_event() -> None:
    def answer(url: str) -> Iterator[chatsse.ResponseEvent]:
        with chatsse.stream_chat(url, REQUEST) as stream:
            yield from stream

    with ReplayServer(LONG_BODY, delay=0.02) as server:
        frames = chatsse.sse_frames(answer(server.chat_url), keepalive=0.5)
        for _ in range(5):
            next(frames)
        frames.close()
        assert_upstream_hung_up(server)


class WSGIServer:
    """A real WSGI server (wsgiref) on 127.0.0.1, in a thread, for an app of ours."""

    def __init__(self, app: Any) -> None:
        self.server = wsgiref.simple_server.make_server(
            "127.0.0.1",
            0,
            app,
            server_class=wsgiref.simple_server.WSGIServer,
            handler_class=_QuietHandler,
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WSGIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class _QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def chat_app(upstream_url: str) -> Any:
    """The whole backend: a WSGI app that re-streams an upstream answer."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        stream = chatsse.stream_chat(upstream_url, REQUEST)
        start_response(
            "200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]
        )
        return chatsse.sse_frames(stream)

    return app


def test_a_wsgi_app_re_streams_the_answer() -> None:
    with (
        ReplayServer(demo_transcript(), delay=0.001) as upstream,
        WSGIServer(chat_app(upstream.chat_url)) as backend,
        requests.get(backend.url, stream=True, timeout=10) as response,
    ):
        assert response.headers["Content-Type"] == "text/event-stream"
        events = list(chatsse.decode_frames(response.raw))
    assert events == list(chatsse.iter_events(demo_transcript()))
    assert isinstance(events[-1], Completed)


def test_a_client_leaving_a_wsgi_app_hangs_up_on_the_upstream() -> None:
    with (
        ReplayServer(LONG_BODY, delay=0.02) as upstream,
        WSGIServer(chat_app(upstream.chat_url)) as backend,
    ):
        response = requests.get(backend.url, stream=True, timeout=10)
        seen = 0
        for event in chatsse.decode_frames(response.raw):
            if isinstance(event, OutputTextDelta):
                seen += 1
                if seen == 5:
                    break
        response.close()  # the browser tab is closed
        assert_upstream_hung_up(upstream)


# -- hostile values and early closes (found by an adversarial review) -----------


class Closable:
    """Events with a close(), recording whether it was called."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[chatsse.ResponseEvent]:
        yield chatsse.OutputTextDelta("hi")

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("keepalive", [None, 5.0])
def test_closing_the_frames_before_the_first_closes_the_events(keepalive: float | None) -> None:
    # A WSGI server may close the body without reading it (an error before
    # the first write): the upstream must still be let go.
    events = Closable()
    chatsse.sse_frames(events, keepalive=keepalive).close()
    assert events.closed


def test_closing_the_frames_before_the_first_does_not_open_the_stream() -> None:
    opened: list[bool] = []
    chatsse.sse_frames(lambda: opened.append(True) or []).close()
    assert opened == []


def browser_json(data: bytes) -> Any:
    """What a browser's JSON.parse accepts: no NaN, no Infinity."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(data, parse_constant=refuse)


def test_non_finite_numbers_become_null_in_frames() -> None:
    body = (
        b'data: {"id":"r","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}],'
        b'"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"cost":NaN,'
        b'"more":[Infinity,-Infinity,1.5]}}\n\ndata: [DONE]\n\n'
    )
    last = list(chatsse.sse_frames(chatsse.iter_events(body)))[-1]
    data = browser_json(last.split(b"data: ", 1)[1])
    assert data["token_usage"]["raw"]["cost"] is None
    assert data["token_usage"]["raw"]["more"] == [None, None, 1.5]
    assert data["token_usage"]["output_tokens"] == 1


@pytest.mark.parametrize("header", [("Retry-After", "1e999"), ("retry-after-ms", "inf")])
def test_a_retry_after_that_is_not_finite_is_none(header: tuple[str, str]) -> None:
    reply = Reply.error(429, "Rate limited", headers=dict([header]))
    with ReplayServer(reply) as server:
        frames = b"".join(chatsse.sse_frames(lambda: chatsse.stream_chat(server.chat_url, REQUEST)))
    data = browser_json(frames.split(b"data: ", 1)[1])
    assert data["retry_after"] is None
    assert data["status_code"] == 429


@pytest.mark.parametrize("retry_after", [b"1" * 400, b"1e999", b"true", b"-Infinity"])
def test_an_error_frame_with_a_hostile_retry_after_decodes(retry_after: bytes) -> None:
    body = (
        b'event: error\ndata: {"error":"HTTPStatusError","message":"m","status_code":429,'
        b'"retry_after":' + retry_after + b"}\n\n"
    )
    with pytest.raises(chatsse.HTTPStatusError) as caught:
        list(chatsse.decode_frames(body))
    assert caught.value.retry_after is None


def test_an_error_frame_with_a_bool_code_has_no_code() -> None:
    body = b'event: error\ndata: {"error":"APIError","message":"m","code":true}\n\n'
    with pytest.raises(chatsse.APIError) as caught:
        list(chatsse.decode_frames(body))
    assert caught.value.code is None


def test_an_error_frame_of_unknown_shape_has_a_bounded_message() -> None:
    data = json.dumps({"error": ["x" * 100] * 10_000}).encode()
    with pytest.raises(chatsse.ChatSSEError) as caught:
        list(chatsse.decode_frames(b"event: error\ndata: " + data + b"\n\n"))
    assert len(str(caught.value)) < 1000


def nested(depth: int) -> dict[str, Any]:
    """An object ``depth`` levels deep, itself the first."""
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"d": value}
    return value


def test_the_deepest_usage_the_parser_reads_goes_through_frames_and_back() -> None:
    # The parser reads chunks up to MAX_JSON_DEPTH levels: the usage object
    # one level down, so its raw copy, one level further down in a frame.
    usage = nested(chatsse.MAX_JSON_DEPTH - 1)
    usage.update(prompt_tokens=1, completion_tokens=2)
    body = sse_body({"choices": [], "usage": usage})
    events = list(chatsse.iter_events(body))
    completed = events[-1]
    assert isinstance(completed, chatsse.Completed)
    assert completed.token_usage is not None
    assert completed.token_usage.raw == usage
    assert list(chatsse.decode_frames(b"".join(chatsse.sse_frames(events)))) == events


def test_a_frame_nested_deeper_than_any_the_parser_makes_is_malformed() -> None:
    # Read back, it could not be written again (json.dumps recurses).
    usage = {**chatsse.to_dict(chatsse.Completed("", chatsse.TokenUsage(), None))}
    usage["token_usage"]["raw"] = nested(chatsse.MAX_JSON_DEPTH + 1)
    frame = b"event: completed\ndata: " + json.dumps(usage).encode() + b"\n\n"
    with pytest.raises(StreamError, match="nested deeper than"):
        list(chatsse.decode_frames(frame))


def test_an_event_of_yours_too_deep_for_json_is_a_value_error() -> None:
    event = chatsse.Completed("", chatsse.TokenUsage(raw=nested(5_000)), None)
    frames = chatsse.sse_frames([event])
    assert b'"error":"InternalError"' in next(frames)
    with pytest.raises(ValueError, match="too deep"):
        next(frames)


def test_a_lone_surrogate_escapes_only_itself() -> None:
    # The rest of the frame stays UTF-8 (3 bytes for a CJK character, not 6),
    # so a frame is never inflated beyond what decode_frames reads back.
    events = [chatsse.OutputTextDelta("漢" * 1000 + "\ud800")]
    frame = b"".join(chatsse.sse_frames(events))
    assert len(frame) < 3 * 1000 + 100
    assert b"\\ud800" in frame
    assert list(chatsse.decode_frames(frame)) == events
