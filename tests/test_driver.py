"""SPEC §6 (D1-D8): stream_chat() against a real HTTP server on 127.0.0.1,
through the real requests stack. Nothing here patches requests, urllib3 or
sockets: the server (chatsse.testing.ReplayServer) misbehaves on purpose."""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import math
import re
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from helpers import Index, drain, sse_body
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

import chatsse
from chatsse import (
    APIError,
    ChatStream,
    Completed,
    FunctionCall,
    HTTPStatusError,
    IdleTimeoutError,
    Message,
    OutputItemDone,
    OutputText,
    OutputTextDelta,
    StreamError,
)
from chatsse.testing import ReplayServer, Reply

REQUEST = {"model": "test-model", "messages": [{"role": "user", "content": "hi"}]}


def text_chunk(text: str, **extra: Any) -> dict[str, Any]:
    return {"id": "r1", "choices": [{"index": 0, "delta": {"content": text}}], **extra}


def finish_chunk(reason: str = "stop") -> dict[str, Any]:
    return {"id": "r1", "choices": [{"index": 0, "delta": {}, "finish_reason": reason}]}


WORDS = ["Hello", " there", ",", " how", " can", " I", " help", "?"]
ANSWER = "".join(WORDS)
BODY = sse_body(
    *[text_chunk(w) for w in WORDS],
    finish_chunk(),
    {"id": "r1", "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 8}},
)


def text_of(events: list[chatsse.ResponseEvent]) -> str:
    return "".join(e.delta for e in events if isinstance(e, OutputTextDelta))


def stream(server: ReplayServer, **options: Any) -> ChatStream:
    options.setdefault("idle_timeout", 5.0)
    return chatsse.stream_chat(server.chat_url, REQUEST, **options)


# -- D1: the request ---------------------------------------------------------------


def json_answer(body: bytes | str, status: int = 200) -> Reply:
    """A JSON body with a Content-Length, as servers send an answer or an error."""
    return Reply(body, status=status, content_type="application/json", framing="content-length")


def test_d1_the_request_is_a_streaming_post_with_the_callers_headers() -> None:
    with ReplayServer(BODY) as server:
        with stream(server, headers={"Authorization": "Bearer sk-test", "X-Trace": "7"}) as s:
            result = chatsse.collect(s)
        request = server.requests[0]
    assert result.text == ANSWER
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.json == {**REQUEST, "stream": True}
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["accept"] == "text/event-stream"
    assert headers["authorization"] == "Bearer sk-test"
    assert headers["x-trace"] == "7"
    assert "stream" not in REQUEST  # the caller's dict is not modified


def test_d1_an_explicit_stream_value_is_left_alone() -> None:
    with ReplayServer(BODY) as server:
        chatsse.collect(chatsse.stream_chat(server.chat_url, {**REQUEST, "stream": False}))
        assert server.requests[0].json["stream"] is False


def test_d1_keep_alive_comments_keep_a_slow_stream_alive() -> None:
    # 6 comments 0.2 s apart: 1.2 s of thinking in all, over twice the idle timeout.
    body = b": keep-alive\n\n" * 6 + sse_body(text_chunk("Ready."), finish_chunk())
    with ReplayServer(body, delay=0.2) as server:
        events = list(stream(server, idle_timeout=0.5))
    assert text_of(events) == "Ready."
    assert isinstance(events[-1], Completed)


def redirect(status: int, location: str) -> Reply:
    return Reply(b"", status=status, headers={"Location": location}, framing="content-length")


@pytest.mark.parametrize("status", [307, 308])
def test_d1_a_redirect_within_the_server_is_followed_with_the_post(status: int) -> None:
    with ReplayServer(redirect(status, "/v2/chat/completions"), BODY) as server:
        result = chatsse.collect(stream(server, headers={"api-key": "k-1"}))
        assert result.text == ANSWER
        first, second = server.requests
        assert (second.method, second.path) == ("POST", "/v2/chat/completions")
        assert second.json == first.json
        assert second.header("api-key") == "k-1"


@pytest.mark.parametrize("status", [307, 308])
def test_d1_a_redirect_to_another_server_is_not_followed(status: int) -> None:
    # requests drops Authorization on the way to another host, not api-key
    # (Azure), x-api-key (Anthropic-style proxies) or any other: following
    # would hand the key to the other server.
    with ReplayServer(BODY) as other:
        with (
            ReplayServer(redirect(status, other.chat_url + "?api-key=k-2")) as server,
            pytest.raises(HTTPStatusError) as caught,
        ):
            stream(server, headers={"api-key": "k-1", "x-api-key": "k-1"})
        assert other.requests == []
        assert len(server.requests) == 1
    assert caught.value.status_code == status
    assert caught.value.message == (
        f"redirected to {other.chat_url}, another server: not followed, "
        "as it would be sent the request's headers, and any key in them"
    )


@pytest.mark.parametrize("location", ["ftp://x/y", "http://" + "a" * 70 + ".com/"])
def test_d1_a_redirect_to_another_server_it_could_not_reach_is_not_followed_either(
    location: str,
) -> None:
    with ReplayServer(redirect(307, location)) as server, pytest.raises(HTTPStatusError) as caught:
        stream(server)
    assert caught.value.status_code == 307
    assert caught.value.message.startswith(f"redirected to {location}, another server: ")


@pytest.mark.parametrize("status", [301, 302, 303])
def test_d1_a_redirect_that_would_drop_the_post_is_not_followed(status: int) -> None:
    # requests follows these with a GET and no body: never a chat request.
    with ReplayServer(redirect(status, "/v2/chat/completions"), BODY) as server:
        with pytest.raises(HTTPStatusError) as caught:
            stream(server)
        assert len(server.requests) == 1
    assert caught.value.status_code == status
    assert caught.value.message == (
        f"redirected to {server.url}/v2/chat/completions: not followed, as a {status} "
        "turns the POST into a GET without its body"
    )


# -- D2: HTTP errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "kind", "headers", "retry_after"),
    [
        (401, "Incorrect API key provided: sk-te****.", "invalid_request_error", {}, None),
        (429, "Rate limit reached for requests", "requests", {"Retry-After": "2"}, 2.0),
        (429, "Rate limit reached", "tokens", {"retry-after-ms": "1500", "Retry-After": "2"}, 1.5),
        (500, "The server had an error while processing your request.", "server_error", {}, None),
    ],
)
def test_d2_non_2xx_answers_raise_http_status_error(
    status: int, message: str, kind: str, headers: dict[str, str], retry_after: float | None
) -> None:
    reply = Reply.error(status, message, type=kind, headers=headers)
    with ReplayServer(reply) as server, pytest.raises(HTTPStatusError) as caught:
        stream(server)
    error = caught.value
    assert (error.status_code, error.message, error.retry_after) == (status, message, retry_after)
    assert json.loads(error.body)["error"]["message"] == message
    assert str(error) == f"HTTP {status}: {message}"


@pytest.mark.parametrize(
    "form",
    ["%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"],
    ids=["imf-fixdate", "rfc850", "asctime"],  # the three forms of RFC 9110, 5.6.7
)
def test_d2_retry_after_as_an_http_date(form: str) -> None:
    when = time.time() + 30
    date = time.strftime(form, time.gmtime(when))
    reply = Reply.error(503, "Overloaded", headers={"Retry-After": date})
    with ReplayServer(reply) as server, pytest.raises(HTTPStatusError) as caught:
        stream(server)
    assert caught.value.retry_after is not None
    assert 20 < caught.value.retry_after <= 31


@pytest.mark.parametrize(
    "value",
    [
        "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",  # a year no datetime holds
        "Mon, 01 Jan 2020 99999999999999999999:00:00 GMT",
        "Mon, 01 Jan 2020 00:00:00 +99999999999999999",  # an offset no C int holds
        "Mon, 99 Jan 2020 00:00:00 GMT",
        "soon",
        "nan",
    ],
)
def test_d2_a_retry_after_that_is_no_date_is_none(value: str) -> None:
    reply = Reply.error(429, "Slow down", headers={"Retry-After": value})
    with ReplayServer(reply) as server, pytest.raises(HTTPStatusError) as caught:
        stream(server)
    assert (caught.value.status_code, caught.value.retry_after) == (429, None)


def test_d2_the_error_body_is_read_up_to_a_bound() -> None:
    reply = Reply(b"x" * (1 << 20), status=502, content_type="text/html", framing="content-length")
    with ReplayServer(reply) as server, pytest.raises(HTTPStatusError) as caught:
        stream(server)
    assert caught.value.status_code == 502
    assert caught.value.message == "Bad Gateway"
    assert 0 < len(caught.value.body) <= 64 * 1024


def test_d2_other_error_body_shapes() -> None:
    for body, message in [
        (b'{"detail": "Not Found"}', "Not Found"),  # FastAPI-based servers
        (b'{"error": "model not found"}', "model not found"),  # Ollama
        (b'{"object": "error", "message": "bad model", "code": 404}', "bad model"),  # vLLM
        (
            b'{"detail": [{"msg": "field required"}, {"msg": "too long"}]}',
            "field required; too long",
        ),
        (b"<html>gateway</html>", "Not Found"),
    ]:
        reply = json_answer(body, status=404)
        with ReplayServer(reply) as server, pytest.raises(HTTPStatusError) as caught:
            stream(server)
        assert caught.value.message == message


def test_d2_an_interim_answer_is_an_error_and_its_connection_never_reused() -> None:
    # http.client takes a 103 Early Hints (or 102) for the answer; the real answer
    # follows on the same connection. Were it returned to the Session's pool, the
    # next request would read the previous request's answer.
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1/chat/completions"

    def whole(text: str) -> bytes:
        return HEAD + chunked(sse_body(text_chunk(text), finish_chunk())) + b"0\r\n\r\n"

    answer, first = whole("the second answer"), whole("the first answer")
    connections: list[socket.socket] = []

    def serve() -> None:
        with listener:
            for reply in (b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", b""):
                connection, _ = listener.accept()
                connections.append(connection)
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(65536)
                connection.sendall(reply or answer)
                if reply:
                    time.sleep(0.2)
                    with contextlib.suppress(OSError):
                        connection.sendall(first)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with requests.Session() as session:
        with pytest.raises(HTTPStatusError) as caught:
            chatsse.stream_chat(url, REQUEST, session=session, idle_timeout=5.0)
        assert caught.value.status_code == 103
        assert str(caught.value) == (
            "HTTP 103: an interim answer (Early Hints), which requests cannot read "
            "past: the connection was closed"
        )
        result = chatsse.collect(chatsse.stream_chat(url, REQUEST, session=session))
    thread.join(5)
    for connection in connections:
        connection.close()
    assert result.text == "the second answer"


def test_d2_an_error_body_cut_short_keeps_what_arrived() -> None:
    # The connection breaks after the provider's error: its message still counts.
    error = b'{"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}'
    head = b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
    url, thread = raw_http_server(head + b"Content-Length: %d\r\n\r\n" % (len(error) + 99) + error)
    with pytest.raises(HTTPStatusError) as caught:
        chatsse.stream_chat(url, REQUEST, idle_timeout=5.0)
    thread.join(5)
    assert (caught.value.status_code, caught.value.message) == (401, "Incorrect API key provided")
    assert caught.value.body == error.decode()


def test_a_page_cut_short_instead_of_a_stream_is_quoted_as_far_as_it_came() -> None:
    page = b"<html><body>502 Bad Gateway</body></html>"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 999\r\n\r\n"
    url, thread = raw_http_server(head + page)
    with pytest.raises(StreamError, match=r"got Content-Type 'text/html': .*502 Bad Gateway"):
        chatsse.stream_chat(url, REQUEST, idle_timeout=5.0)
    thread.join(5)


def test_d5_an_error_kept_by_the_caller_holds_no_connection_open() -> None:
    # Its body read to the end, the connection went back to the pool of the
    # Session stream_chat made; the error's traceback holds that Session.
    with ReplayServer(Reply.error(429, "slow down")) as server:
        with pytest.raises(HTTPStatusError) as caught:
            stream(server)
        assert server.wait_idle(1.0), "the connection is still open"
        assert caught.value.status_code == 429


def test_d5_behind_a_proxy_too_an_error_kept_holds_no_connection_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # requests keeps a proxy's connections in pools of their own.
    with ReplayServer(Reply.error(429, "slow down")) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
        for name in ("NO_PROXY", "no_proxy", "http_proxy"):
            monkeypatch.delenv(name, raising=False)
        with pytest.raises(HTTPStatusError) as caught:
            stream(proxy)  # (the proxy is asked for its own URL: all on 127.0.0.1)
        assert proxy.requests[0].path.startswith("http://127.0.0.1:")  # through the proxy
        assert proxy.wait_idle(1.0), "the connection is still open"
        assert caught.value.status_code == 429


# -- D3: each event as soon as it arrives ------------------------------------------------


@pytest.mark.parametrize("framing", ["chunked", "close", "content-length"])
@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_d3_each_event_is_yielded_before_the_server_sends_the_next(
    framing: str, gzip: bool
) -> None:
    # Gated: the server writes one event, then waits for release(). If the
    # client held an event back, it would wait for the next write, which
    # never comes: the stream would hit its idle timeout and fail.
    with ReplayServer(BODY, framing=framing, gzip=gzip, gated=True) as server:
        seen = []
        with stream(server, idle_timeout=3.0) as s:
            for event in s:
                if isinstance(event, OutputTextDelta):
                    seen.append(event.delta)
                    assert server.writes == len(seen)  # nothing sent after this event yet
                    server.release()
                elif isinstance(event, OutputItemDone):  # the finish chunk: let the rest go
                    server.release(10)
        elapsed = s.stats.duration
    assert "".join(seen) == ANSWER
    assert elapsed < 2.5  # well before the idle timeout: no event waited for the next write


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_d3_http_chunks_larger_than_one_read_arrive_whole(gzip: bool) -> None:
    # Chunked bodies are read an HTTP chunk at a time, at most _READ_SIZE
    # (64 KiB) per read: a 300 KB chunk, and a 100 KB event inside it, take
    # several reads. Nothing is lost, and the connection is reused after.
    words = [f" w{i}" for i in range(20_000)]
    body = sse_body(text_chunk("x" * 100_000), *[text_chunk(w) for w in words], finish_chunk())
    assert len(body) > 4 * 64 * 1024
    answer = "x" * 100_000 + "".join(words)
    with (
        ReplayServer(Reply(body, chunk_size=300_000, gzip=gzip)) as server,
        requests.Session() as session,
    ):
        for _ in range(2):
            result = chatsse.collect(stream(server, session=session))
            assert result.text == answer
            assert result.finish_reason == "stop"
        assert server.connections == 1


# -- D4: timeouts and broken connections -------------------------------------------------


def test_d4_idle_timeout_mid_answer() -> None:
    cut = BODY.index(b"how")  # in the middle of the fourth event
    with ReplayServer(BODY, stall_after=cut) as server:
        started = time.monotonic()
        got, error = drain(stream(server, idle_timeout=0.5))
        waited = time.monotonic() - started
    assert isinstance(error, IdleTimeoutError)
    assert str(error) == "idle timeout waiting for SSE"
    assert 0.4 < waited < 5
    assert text_of(got) == "Hello there,"
    assert error.partial_items == (
        Message(content=(OutputText("Hello"), OutputText(" there"), OutputText(","))),
    )


def test_d4_idle_timeout_after_the_finish_reason_completes_normally() -> None:
    cut = BODY.index(b'data: {"id": "r1", "choices": [],')  # before the usage chunk and [DONE]
    with ReplayServer(BODY, stall_after=cut) as server:
        events = list(stream(server, idle_timeout=0.5))
    assert text_of(events) == ANSWER
    assert events[-1] == Completed(response_id="r1", token_usage=None, finish_reason="stop")


@pytest.mark.parametrize("framing", ["chunked", "close", "content-length"])
def test_d4_a_drop_mid_event_before_the_finish_reason_is_a_stream_error(framing: str) -> None:
    cut = BODY.index(b"how") + 2
    with ReplayServer(BODY, drop_after=cut, framing=framing) as server:
        got, error = drain(stream(server))
    assert isinstance(error, StreamError)
    assert not isinstance(error, IdleTimeoutError)
    assert error.__cause__ is not None
    assert not any(isinstance(e, Completed) for e in got)
    assert text_of(got).startswith("Hello")


def test_d4_a_drop_after_the_finish_reason_completes_normally() -> None:
    cut = BODY.index(b'data: {"id": "r1", "choices": [],') + 5
    with ReplayServer(BODY, drop_after=cut) as server:
        events = list(stream(server))
    assert text_of(events) == ANSWER
    assert isinstance(events[-1], Completed)
    assert events[-1].finish_reason == "stop"


def raw_http_server(response: bytes) -> tuple[str, threading.Thread]:
    """A server on 127.0.0.1 that answers one request with ``response``, byte for
    byte, then closes: for HTTP framing no well-behaved server would send."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with listener:
            connection, _ = listener.accept()
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(65536)
                head, _, body = request.partition(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])  # type: ignore[index]
                while len(body) < length:
                    body += connection.recv(65536)
                connection.sendall(response)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/v1/chat/completions", thread


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    "ending",
    [
        pytest.param(b"zz\r\nnot a chunk\r\n", id="invalid-chunk-size"),
        pytest.param(b"-5\r\nhello\r\n", id="negative-chunk-size"),
        pytest.param(b"100\r\ntoo short", id="closed-mid-chunk"),
        pytest.param(b"", id="closed-between-chunks"),
    ],
)
def test_d4_broken_chunked_framing_is_a_stream_error_after_the_events_before_it(
    ending: bytes,
) -> None:
    events = sse_body(text_chunk("Hello"), text_chunk(" there"), done=False)
    url, thread = raw_http_server(HEAD + chunked(events) + ending)
    got, error = drain(chatsse.stream_chat(url, REQUEST, idle_timeout=5.0))
    thread.join(5)
    assert text_of(got) == "Hello there"
    assert isinstance(error, StreamError)
    assert not isinstance(error, IdleTimeoutError)
    assert str(error).startswith("the connection broke mid-stream: ")
    assert error.partial_items == (Message(content=(OutputText("Hello"), OutputText(" there"))),)


def test_d4_broken_chunked_framing_after_the_finish_reason_completes_normally() -> None:
    events = sse_body(text_chunk("Hello"), finish_chunk(), done=False)
    url, thread = raw_http_server(HEAD + chunked(events) + b"-5\r\nhello\r\n")
    got = list(chatsse.stream_chat(url, REQUEST, idle_timeout=5.0))
    thread.join(5)
    assert text_of(got) == "Hello"
    assert isinstance(got[-1], Completed)
    assert got[-1].finish_reason == "stop"


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 5, 6\r\n",
            id="two-lengths",
        ),
        pytest.param(b"HTTP/1.1 307 Moved\r\nLocation: http://[::1\r\n", id="bad-ipv6"),
        pytest.param(b"HTTP/1.1 307 Moved\r\nLocation: http://127.0.0.1:99999/\r\n", id="bad-port"),
        pytest.param(b"HTTP/1.1 307 Moved\r\nLocation: http://\xff\xfe.com/\r\n", id="bad-bytes"),
    ],
)
def test_an_answer_with_invalid_headers_is_a_stream_error(head: bytes) -> None:
    # What the server sent, not the caller's arguments: a chatsse error (§5),
    # not requests' or urllib3's ValueError for an invalid URL or header.
    url, thread = raw_http_server(head + b"Connection: close\r\n\r\n")
    if b"Content-Length" in head:
        with warnings.catch_warnings():
            # urllib3 raises before any response holds the socket: the
            # garbage collector closes it, which warns.
            warnings.simplefilter("ignore", ResourceWarning)
            failed_request(url)
    else:
        failed_request(url)  # the redirect's answer is closed: no warning
    thread.join(5)


def failed_request(url: str) -> None:
    failed = r"^the request to http://127\.0\.0\.1:[0-9]+/v1/chat/completions failed: "
    with pytest.raises(StreamError, match=failed) as caught:
        chatsse.stream_chat(url, REQUEST, idle_timeout=5.0)
    assert caught.value.__cause__ is not None
    del caught
    gc.collect()


def test_d4_a_corrupt_gzip_body_is_a_stream_error() -> None:
    reply = Reply(BODY, headers={"Content-Encoding": "gzip"})
    with ReplayServer(reply) as server, pytest.raises(StreamError):
        list(stream(server))


def test_an_unreachable_server_is_a_stream_error() -> None:
    with ReplayServer(BODY) as server:
        url = server.chat_url
    with pytest.raises(StreamError) as caught:
        chatsse.stream_chat(url, REQUEST, connect_timeout=2)
    assert str(caught.value) == f"could not connect to {url}: Connection refused"
    assert isinstance(caught.value.__cause__, requests.ConnectionError)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (b"", "RemoteDisconnected: Remote end closed connection without response"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "BadStatusLine: SSH-2.0-OpenSSH_9.6\r\n"),
        (
            b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n",
            "HTTPException: got more than 100 headers",
        ),
    ],
    ids=["closed", "not-http", "too-many-headers"],
)
def test_a_server_that_connects_but_gives_no_http_answer_says_so(
    answer: bytes, reason: str
) -> None:
    url, thread = raw_http_server(answer)
    with pytest.raises(StreamError) as caught:
        chatsse.stream_chat(url, REQUEST, idle_timeout=5.0)
    thread.join(5)
    assert str(caught.value) == f"no HTTP answer from {url}: {reason}"
    assert isinstance(caught.value.__cause__, requests.ConnectionError)


def test_a_html_page_instead_of_a_stream_is_a_clear_stream_error() -> None:
    reply = Reply(b"<html><body>502 Bad Gateway</body></html>", content_type="text/html")
    with ReplayServer(reply) as server, pytest.raises(StreamError, match=r"text/html.*Bad Gateway"):
        stream(server)


# -- D5: closing ---------------------------------------------------------------------------


LONG_BODY = sse_body(*[text_chunk(f" w{i}") for i in range(200)], finish_chunk())


def slow_server() -> ReplayServer:
    return ReplayServer(LONG_BODY, delay=0.02)


def read_a_few(s: ChatStream, count: int = 3) -> None:
    seen = 0
    for event in s:
        if isinstance(event, OutputTextDelta):
            seen += 1
            if seen == count:
                return


def assert_hung_up(server: ReplayServer) -> None:
    assert server.wait_idle(1.0), "the server did not see the client leave within a second"
    response = server.responses[0]
    assert response.client_left
    assert not response.finished  # it stopped generating
    assert response.bytes_sent < len(LONG_BODY)


def test_d5_close_mid_answer_hangs_up() -> None:
    with slow_server() as server:
        s = stream(server)
        read_a_few(s)
        s.close()
        assert_hung_up(server)
        s.close()  # idempotent


@pytest.mark.parametrize("framing", ["chunked", "close", "content-length"])
@pytest.mark.parametrize("state", ["blocked", "busy"])
def test_d5_close_from_another_thread_hangs_up(framing: str, state: str) -> None:
    # A web server's thread closes the stream while another thread iterates
    # it: blocked reading a silent upstream, or busy reading a slow one. For a
    # close-delimited body, http.client has moved the socket from the
    # connection to the response: it must be found there too.
    if state == "blocked":
        body = sse_body(text_chunk("first"), done=False)
        server = ReplayServer(Reply(body, stall_after=len(body)), framing=framing)
    else:
        server = ReplayServer(LONG_BODY, delay=0.02, framing=framing)
    with server:
        s = stream(server, idle_timeout=30.0)
        first = threading.Event()
        outcome: list[object] = []

        def read() -> None:
            try:
                for event in s:
                    outcome.append(event)
                    first.set()
            except chatsse.ChatSSEError as error:
                outcome.append(error)

        reader = threading.Thread(target=read)
        reader.start()
        assert first.wait(5.0)
        time.sleep(0.2)
        s.close()
        reader.join(5.0)
        assert not reader.is_alive(), "close() did not stop the reading thread"
        assert server.wait_idle(1.0), "the server did not see the client leave within a second"
        assert server.responses[0].client_left
        assert not server.responses[0].finished
    # No finish reason had come: the reading thread learns the answer is cut
    # short, for a close-delimited body too (whose socket, shut down, reads
    # as the body's end).
    assert isinstance(outcome[-1], StreamError)
    assert str(outcome[-1]) == "close() was called before the answer ended"


@pytest.mark.parametrize("framing", ["chunked", "close", "content-length"])
def test_d5_close_from_another_thread_during_a_json_answer(framing: str) -> None:
    completion = json.dumps(
        {"id": "c", "choices": [{"index": 0, "message": {"content": "x" * 1000}}]}
    ).encode()
    reply = Reply(completion, content_type="application/json", framing=framing, stall_after=100)
    with ReplayServer(reply) as server:
        s = stream(server, idle_timeout=30.0)
        outcome: list[BaseException] = []

        def read() -> None:
            try:
                list(s)
            except chatsse.ChatSSEError as error:
                outcome.append(error)

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.3)  # the reader waits for the rest of the JSON
        s.close()
        reader.join(5.0)
        assert not reader.is_alive()
    assert [str(error) for error in outcome] == ["close() was called before the answer ended"]


def test_d5_next_while_another_thread_closes_the_stream_ends_it() -> None:
    # close() runs the reader's clean-up, which after [DONE] reads the rest of
    # the body for up to 50 ms (the server keeps the connection open): a
    # next() from the iterating thread meanwhile ends the stream, as after it.
    with ReplayServer(BODY, keep_open=True) as server, requests.Session() as session:
        s = chatsse.stream_chat(server.chat_url, REQUEST, session=session, idle_timeout=10.0)
        while not isinstance(next(s), Completed):
            pass
        closer = threading.Thread(target=s.close)
        closer.start()
        deadline = time.monotonic() + 5
        while not s._events.gi_running and closer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.0005)
        with pytest.raises(StopIteration):
            next(s)
        closer.join(5)
        with pytest.raises(StopIteration):
            next(s)


def test_d5_leaving_the_with_block_hangs_up() -> None:
    with slow_server() as server:
        with stream(server) as s:
            read_a_few(s)
        assert_hung_up(server)


def test_d5_an_abandoned_generator_hangs_up() -> None:
    # What a WSGI server does when the browser goes away: it closes the
    # view's generator, which drops the stream mid-answer.
    def view(server: ReplayServer) -> Iterator[str]:
        for event in stream(server):
            if isinstance(event, OutputTextDelta):
                yield event.delta

    with slow_server() as server:
        body = view(server)
        next(body), next(body)
        body.close()
        assert_hung_up(server)


def test_d5_a_stream_dropped_without_closing_hangs_up() -> None:
    with slow_server() as server:
        s = stream(server)
        read_a_few(s)
        del s
        gc.collect()
        assert_hung_up(server)


def test_d5_a_stream_never_iterated_is_closed_too() -> None:
    with slow_server() as server:
        s = stream(server)
        s.close()
        assert server.wait_idle(1.0)


def test_d5_a_server_that_keeps_the_connection_open_after_done() -> None:
    with ReplayServer(BODY, keep_open=True) as server:
        started = time.monotonic()
        events = list(stream(server, idle_timeout=10.0))
        assert time.monotonic() - started < 5  # far from the idle timeout
        assert isinstance(events[-1], Completed)
        assert server.wait_idle(1.0)


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_d5_a_server_that_keeps_the_connection_open_after_done_with_a_session(
    framing: str,
) -> None:
    # With the caller's session the rest of the body is read, for the
    # connection's reuse, with a short wait: for a close-delimited body too,
    # whose socket http.client has moved from the connection to the response.
    with (
        ReplayServer(BODY, keep_open=True, framing=framing) as server,
        requests.Session() as session,
    ):
        started = time.monotonic()
        events = list(
            chatsse.stream_chat(server.chat_url, REQUEST, session=session, idle_timeout=10.0)
        )
        assert time.monotonic() - started < 5  # far from the idle timeout
        assert isinstance(events[-1], Completed)
        assert server.wait_idle(1.0)


def test_d5_a_server_that_trickles_after_done_costs_one_short_wait_in_all() -> None:
    # After [DONE], a comment every 30 ms for six seconds: each read of the
    # body's end would come within the short wait, so the wait bounds the
    # whole drain, not each read of it.
    pings = b": ping\n\n" * 200
    reply = Reply(BODY + pings, delay=0.03)
    with ReplayServer(reply) as server, requests.Session() as session:
        events = stream(server, session=session, idle_timeout=10.0)
        for event in events:
            if isinstance(event, Completed):
                completed_at = time.monotonic()
        assert time.monotonic() - completed_at < 2  # far from the trickle's six seconds
        assert server.wait_idle(1.0)  # closed: the rest of the body never came


@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_d5_streams_on_one_session_reuse_one_connection(framing: str) -> None:
    with ReplayServer(BODY, framing=framing) as server, requests.Session() as session:
        for _ in range(2):
            result = chatsse.collect(chatsse.stream_chat(server.chat_url, REQUEST, session=session))
            assert result.text == ANSWER
        assert len(server.requests) == 2
        assert server.connections == 1


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_d5_the_connection_is_reused_when_done_comes_early_in_a_long_http_chunk(
    gzip: bool,
) -> None:
    # One HTTP chunk: the answer, [DONE], then a 70 KB comment. [DONE] is in
    # the first read of the chunk; the rest of the chunk must be read by the
    # same chunked reader (http.client's would take the comment for a chunk
    # size) before the connection can go back to the pool.
    body = BODY + b": " + b"p" * 70_000 + b"\n\n"
    with (
        ReplayServer(Reply(body, chunk_size=len(body), gzip=gzip)) as server,
        requests.Session() as session,
    ):
        for _ in range(2):
            assert chatsse.collect(stream(server, session=session)).text == ANSWER
        assert server.connections == 1


def test_d5_without_a_session_the_connection_closes_when_the_stream_ends() -> None:
    with ReplayServer(BODY) as server:
        s = stream(server)
        chatsse.collect(s)
        assert server.wait_idle(1.0)  # while the stream object is still alive
        assert s.stats.events > 0


# -- D6 / D7: telemetry and stats ------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.polls: list[tuple[Any, float]] = []

    def on_sse_poll(self, outcome: Any, elapsed_seconds: float) -> None:
        self.polls.append((outcome, elapsed_seconds))


def test_d6_telemetry_sees_every_sse_read_and_the_end() -> None:
    body = sse_body(text_chunk("a"), text_chunk("b"), finish_chunk(), done=False)
    recorder = Recorder()
    with ReplayServer(body, delay=0.05) as server:
        list(stream(server, telemetry=recorder))
    outcomes = [outcome for outcome, _ in recorder.polls]
    assert [json.loads(o.data)["choices"][0]["delta"].get("content") for o in outcomes[:-1]] == [
        "a",
        "b",
        None,
    ]
    assert outcomes[-1] is None  # the body ended
    assert all(elapsed >= 0 for _, elapsed in recorder.polls)
    assert max(elapsed for _, elapsed in recorder.polls[1:3]) > 0.03


def test_d6_telemetry_sees_the_error() -> None:
    recorder = Recorder()
    with ReplayServer(BODY, stall_after=10) as server, pytest.raises(IdleTimeoutError):
        list(stream(server, telemetry=recorder, idle_timeout=0.3))
    assert isinstance(recorder.polls[-1][0], IdleTimeoutError)


def test_d7_stats() -> None:
    with ReplayServer(BODY, first_byte_delay=0.2, delay=0.01) as server:
        s = stream(server)
        assert s.stats.events == 0
        events = list(s)
    stats = s.stats
    assert stats.time_to_first_byte is not None
    assert stats.time_to_first_token is not None
    assert 0.15 < stats.time_to_first_byte <= stats.time_to_first_token <= stats.duration
    assert stats.events == len(events)
    assert stats.sse_events == BODY.count(b"data:")
    assert stats.bytes_received == len(BODY)
    assert s.stats == stats  # frozen once the stream ended


# -- D8: threads, logging ------------------------------------------------------------------


def test_d8_32_concurrent_streams_in_threads_do_not_cross_talk() -> None:
    replies = [
        sse_body(
            *[
                {"id": f"resp-{k}", "choices": [{"index": 0, "delta": {"content": f"{k}:{i} "}}]}
                for i in range(20)
            ],
            finish_chunk(),
        )
        for k in range(32)
    ]
    results: list[chatsse.ChatResult] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    with ReplayServer(*replies, delay=0.005) as server, requests.Session() as session:
        session.mount("http://", HTTPAdapter(pool_maxsize=32))

        def run() -> None:
            try:
                result = chatsse.collect(
                    chatsse.stream_chat(server.chat_url, REQUEST, session=session)
                )
            except BaseException as error:
                with lock:
                    errors.append(error)
                return
            with lock:
                results.append(result)

        threads = [threading.Thread(target=run) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert errors == []
    assert sorted(r.response_id for r in results) == sorted(f"resp-{k}" for k in range(32))
    for result in results:
        k = result.response_id.removeprefix("resp-")
        assert result.text == "".join(f"{k}:{i} " for i in range(20))


def test_d8_headers_keys_and_query_strings_are_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with ReplayServer(BODY) as server:
        url = server.chat_url + "?api-key=secret-query-key"
        chatsse.collect(
            chatsse.stream_chat(url, REQUEST, headers={"Authorization": "Bearer sk-secret"})
        )
        # A key in the URL's user-info: requests sends it as a Basic Authorization.
        with_user = server.chat_url.replace("http://", "http://user:sk-secret-userinfo@")
        chatsse.collect(chatsse.stream_chat(with_user, REQUEST))
    with pytest.raises(StreamError) as caught:  # nothing listens there any more
        chatsse.stream_chat(with_user + "?api-key=secret-query-key", REQUEST)
    assert "secret" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
    # Nor in the traceback: requests' error, which quotes the URL, is not chained.
    assert "secret" not in chain_messages(caught.value)
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    # chatsse's own records only: urllib3 logs its request line (query string
    # included) at DEBUG, which is why keys belong in headers, not URLs.
    ours = [r for r in caplog.records if r.name.split(".")[0] in ("chatsse", "sseclient")]
    text = "\n".join(record.getMessage() for record in ours)
    assert "secret" not in text
    assert "chat/completions" in text  # the driver does log what it requests


# -- the non-streaming fallback, retries --------------------------------------------------------


def test_a_json_completion_gives_the_events_its_stream_would_have() -> None:
    completion = {
        "id": "chatcmpl-9",
        "object": "chat.completion",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": "Checking.",
                    "reasoning_content": "Need data.",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                        },
                        {
                            "id": "call_2",
                            "type": "function",
                            "function": {"name": "get_time", "arguments": "{}"},
                        },
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
    }
    streamed = sse_body(
        {
            "id": "chatcmpl-9",
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "reasoning_content": "Need data.",
                        "content": "Checking.",
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                            },
                            {
                                "index": 1,
                                "id": "call_2",
                                "function": {"name": "get_time", "arguments": "{}"},
                            },
                        ],
                    },
                }
            ],
        },
        {
            "id": "chatcmpl-9",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}],
            "usage": completion["usage"],
        },
    )
    reply = json_answer(json.dumps(completion))
    with ReplayServer(reply) as server:
        from_json = list(stream(server))
    assert from_json == list(chatsse.iter_events(streamed))
    assert chatsse.collect(from_json).tool_calls == (
        FunctionCall(name="get_weather", arguments='{"city":"Oslo"}', call_id="call_1"),
        FunctionCall(name="get_time", arguments="{}", call_id="call_2"),
    )


def test_a_json_answer_with_invalid_utf8_is_read_as_a_stream_would_be() -> None:
    completion = {"id": "c", "choices": [{"index": 0, "message": {"content": "caf\u00e9 ok"}}]}
    body = json.dumps(completion, ensure_ascii=False).encode().replace("é".encode(), b"\xe9")
    with ReplayServer(json_answer(body)) as server:
        result = chatsse.collect(stream(server))
    assert result.text == "caf\ufffd ok"  # F2, not "not JSON"


@pytest.mark.parametrize(
    "body",
    [b'{"detail": "no such deployment"}', b"[1, 2]", b'"accepted"', b"{}", b"null"],
)
def test_a_json_answer_that_is_no_completion_is_a_stream_error_quoting_it(body: bytes) -> None:
    with ReplayServer(json_answer(body)) as server, pytest.raises(StreamError) as caught:
        list(stream(server))
    assert str(caught.value) == (
        f"the server sent JSON that is neither a chat completion nor an error: {body.decode()!r}"
    )


def test_an_error_wrapped_in_a_list_is_read_as_the_error() -> None:
    # Gemini's OpenAI-compatible endpoint, as an answer and as an error body.
    body = b'[{"error": {"code": 400, "message": "API key not valid", "status": "INVALID"}}]'
    with ReplayServer(json_answer(body)) as server, pytest.raises(APIError) as caught:
        list(stream(server))
    assert (caught.value.message, caught.value.code) == ("API key not valid", 400)
    reply = json_answer(body, status=400)
    with ReplayServer(reply) as server, pytest.raises(HTTPStatusError) as status:
        stream(server)
    assert status.value.message == "API key not valid"


@pytest.mark.parametrize("encoding", ["compress", "x-compress", "gzip "])
def test_a_content_encoding_that_cannot_be_decoded_is_a_stream_error(encoding: str) -> None:
    # ("gzip " too: urllib3 compares the whole value, and leaves it undecoded.)
    reply = Reply(BODY, headers={"Content-Encoding": encoding})
    with ReplayServer(reply) as server, pytest.raises(StreamError) as caught:
        stream(server)
    assert str(caught.value).startswith(
        f"{server.chat_url} sent its answer in Content-Encoding {encoding!r}, which cannot be "
        "decoded here (urllib3 decodes gzip, x-gzip, deflate"
    )


@pytest.mark.parametrize("encoding", ["identity", "none", "None", "utf-8"])
def test_a_content_encoding_that_compresses_nothing_is_read_as_it_came(encoding: str) -> None:
    # Servers send "none" on event streams to keep proxies from compressing them.
    reply = Reply(BODY, headers={"Content-Encoding": encoding})
    with ReplayServer(reply) as server:
        assert chatsse.collect(stream(server)).text == ANSWER


def test_a_content_type_sent_twice_is_fine() -> None:
    twice = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        b"Content-Type: text/event-stream\r\nConnection: close\r\n\r\n"
    )
    url, thread = raw_http_server(twice + BODY)
    assert chatsse.collect(chatsse.stream_chat(url, REQUEST, idle_timeout=5.0)).text == ANSWER
    thread.join(5)


@pytest.mark.parametrize("depth", [300, 5000])
def test_a_json_answer_nested_too_deep_is_a_stream_error_not_an_empty_answer(depth: int) -> None:
    # One SSE chunk nested too deep is skipped (P4); the whole answer is one chunk here.
    extra = "[" * depth + "]" * depth
    body = b'{"choices": [{"index": 0, "message": {"content": "lost"}}], "extra": %s}' % (
        extra.encode()
    )
    with ReplayServer(json_answer(body)) as server, pytest.raises(StreamError) as caught:
        list(stream(server))
    assert str(caught.value) == "the server's JSON answer nests deeper than 256 levels"


def test_a_session_with_urllib3_retry_retries_before_the_stream_starts() -> None:
    # The documented way to retry: urllib3's Retry on the session's adapter.
    # It acts on 429/5xx answers and connection errors, never mid-stream.
    retry = Retry(
        total=3,
        status_forcelist=[429, 503],
        allowed_methods=None,
        backoff_factor=0,
        respect_retry_after_header=False,
    )
    with (
        ReplayServer(Reply.error(429, "slow down"), Reply(BODY)) as server,
        requests.Session() as session,
    ):
        session.mount("http://", HTTPAdapter(max_retries=retry))
        result = chatsse.collect(chatsse.stream_chat(server.chat_url, REQUEST, session=session))
        assert result.text == ANSWER
        assert len(server.requests) == 2


def chain_messages(error: BaseException) -> str:
    """What a traceback of ``error`` says of each exception in its chain."""
    lines: list[str] = []
    current: BaseException | None = error
    while current is not None:
        lines += traceback.format_exception_only(current)
        suppressed = current.__suppress_context__
        current = current.__cause__ or (None if suppressed else current.__context__)
    return "".join(lines)


@pytest.mark.parametrize(
    "query",
    ["?api-key=sk-SECRET", "?api-key=sk-SECRET#frag", "?api-key=sk-SECRET&note=a b|c%7E"],
    ids=["plain", "fragment", "re-encoded"],  # (requests sends the last two otherwise)
)
def test_d8_a_key_in_the_query_is_not_quoted_when_a_sessions_retries_run_out(query: str) -> None:
    # urllib3's RetryError quotes the URL as sent, query string and all.
    retry = Retry(total=1, status_forcelist=[429], allowed_methods=None, backoff_factor=0)
    with (
        ReplayServer(Reply.error(429, "slow down"), Reply.error(429, "slow down")) as server,
        requests.Session() as session,
    ):
        session.mount("http://", HTTPAdapter(max_retries=retry))
        with pytest.raises(StreamError) as caught:
            chatsse.stream_chat(server.chat_url + query, REQUEST, session=session)
    assert str(caught.value) == (
        f"the request to {server.chat_url} failed: RetryError: too many 429 error responses"
    )
    assert "SECRET" not in chain_messages(caught.value)


@pytest.mark.parametrize(
    "value",
    [
        "Bearer sk-SECRET\n",  # a key read from a file
        "Bearer sk-SECRET\r\n",
        " Bearer sk-SECRET",
        "Bearer sk-SECRET\x00",
        "Bearer sk-SECRET\u2019",  # not Latin-1: http.client could not send it
        b"Bearer sk-SECRET\n",
    ],
)
def test_d8_a_header_that_cannot_be_sent_is_refused_without_quoting_it(value: str) -> None:
    with ReplayServer(BODY) as server:
        with pytest.raises(ValueError, match=r"^header 'Authorization' cannot be sent: ") as caught:
            stream(server, headers={"Authorization": value})
        assert server.requests == []
    shown = "".join(traceback.format_exception(caught.value))
    assert "SECRET" not in shown


def test_d8_a_sessions_header_that_cannot_be_sent_is_refused_without_quoting_it_too() -> None:
    with ReplayServer(BODY) as server, requests.Session() as session:
        session.headers["Authorization"] = "Bearer sk-SECRET\n"
        with pytest.raises(ValueError, match=r"^header 'Authorization' cannot be sent: ") as caught:
            stream(server, session=session)
        assert "SECRET" not in chain_messages(caught.value)
        session.headers["Authorization"] = "Bearer sk-SECRET\u2019"
        with pytest.raises(ValueError, match=r"^header 'Authorization' cannot be sent: "):
            stream(server, session=session)
        assert server.requests == []


def test_a_header_name_http_cannot_carry_is_refused() -> None:
    with ReplayServer(BODY) as server:
        with pytest.raises(ValueError, match=r"^header 'X-Clé' cannot be sent: "):
            stream(server, headers={"X-Clé": "1"})
        assert server.requests == []


def test_a_none_header_drops_the_sessions_own_as_requests_does() -> None:
    with ReplayServer(BODY) as server, requests.Session() as session:
        session.headers["X-Org"] = "acme"
        assert chatsse.collect(stream(server, session=session, headers={"X-Org": None})).text
        assert server.requests[0].header("X-Org") is None


def test_the_sessions_own_response_hooks_still_run() -> None:
    seen: list[int] = []
    with (
        ReplayServer(redirect(307, "/v2/chat/completions"), BODY) as server,
        requests.Session() as session,
    ):
        session.hooks["response"].append(lambda response, **_: seen.append(response.status_code))
        assert chatsse.collect(stream(server, session=session)).text == ANSWER
    assert seen == [307, 200]


@pytest.mark.parametrize(
    "url",
    [
        "http://user:SECRET@127.0.0.1:99999/v1/chat/completions",
        "http://127.0.0.1:99999/v1/chat/completions?api-key=SECRET",
        "ftp://user:SECRET@127.0.0.1/v1/chat/completions?api-key=SECRET",
    ],
)
def test_d8_an_invalid_url_is_refused_without_quoting_its_key(url: str) -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1") as caught:
        chatsse.stream_chat(url, REQUEST)
    assert "SECRET" not in chain_messages(caught.value)


def test_stream_chat_checks_its_arguments_at_once() -> None:
    with pytest.raises(TypeError):
        chatsse.stream_chat("http://127.0.0.1:9/", REQUEST, no_such_option=1)
    with pytest.raises(ValueError, match="max_event_bytes"):
        chatsse.stream_chat("http://127.0.0.1:9/", REQUEST, max_event_bytes=0)
    with pytest.raises(ValueError, match="not a url") as caught:  # requests' own InvalidURL
        chatsse.stream_chat("not a url", REQUEST)
    assert caught.value.__cause__ is not caught.value  # passed on as it came
    for timeouts in (
        {"idle_timeout": 0},
        {"idle_timeout": math.inf},
        {"idle_timeout": 1e10},  # no socket waits longer than threading.TIMEOUT_MAX
        {"connect_timeout": -1},
    ):
        with pytest.raises(ValueError, match="must be a positive number of seconds, at most 9"):
            chatsse.stream_chat("http://127.0.0.1:9/", REQUEST, **timeouts)
    for size in (True, 1.5, "16"):
        with pytest.raises(TypeError, match="max_event_bytes must be an int"):
            chatsse.stream_chat("http://127.0.0.1:9/", REQUEST, max_event_bytes=size)
    with pytest.raises(ValueError, match="max_event_bytes must be positive"):
        chatsse.stream_chat("http://127.0.0.1:9/", REQUEST, max_event_bytes=Index(0))
    with pytest.raises(ValueError, match="idle_timeout"):
        chatsse.stream_chat("http://127.0.0.1:9/", REQUEST, idle_timeout=math.nan)
    with pytest.raises(ValueError, match="No connection adapters"):  # requests' InvalidSchema
        chatsse.stream_chat("ftp://127.0.0.1/v1/chat/completions", REQUEST)
    with pytest.raises(ValueError, match="header 'X-Bad' cannot be sent"):
        chatsse.stream_chat("http://127.0.0.1:9/", REQUEST, headers={"X-Bad": "a\nb"})
    with pytest.raises(TypeError, match="JSON"):
        chatsse.stream_chat("http://127.0.0.1:9/", {"x": object()})
