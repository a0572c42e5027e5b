"""chatsse.testing.ReplayServer over real sockets on 127.0.0.1, with requests as the client.

Timing checks use loose lower bounds only; "eventually" conditions wait with
generous timeouts, except where noticing a client that left within a second is
the very point of the test.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from importlib import resources
from pathlib import Path

import pytest
import requests
import urllib3
from helpers import sse_body

import chatsse
from chatsse.testing import RecordedRequest, RecordedResponse, ReplayServer, Reply

EVENTS = [
    b'data: {"choices":[{"delta":{"content":"Hello"}}]}\n\n',
    b'data: {"choices":[{"delta":{"content":" there"}}]}\r\n\r\n',
    b'data: {"choices":[{"delta":{"content":"!"}}]}\r\r',
    b'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\r\n\n',
    b"data: [DONE]\n\n",
]
BODY = b"".join(EVENTS)
FRAMINGS = ["chunked", "close", "content-length"]


def read_raw(response: requests.Response) -> tuple[bytes, BaseException | None]:
    """The body as the driver reads it (read1, decoded), and the error that ended it."""
    got = bytearray()
    try:
        while data := response.raw.read1(65536, decode_content=True):
            got += data
    except Exception as error:
        return bytes(got), error
    return bytes(got), None


def read_exactly(response: requests.Response, size: int) -> bytes:
    got = bytearray()
    while len(got) < size:
        data = response.raw.read1(size - len(got), decode_content=True)
        assert data, f"the body ended after {len(got)} of {size} bytes"
        got += data
    return bytes(got)


def raw_request(server: ReplayServer, request: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(request)
    return sock


def recv_until(sock: socket.socket, marker: bytes) -> bytes:
    got = b""
    while marker not in got:
        data = sock.recv(65536)
        assert data, f"connection closed before {marker!r}: {got!r}"
        got += data
    return got


def recv_to_eof(sock: socket.socket) -> bytes:
    got = b""
    while data := sock.recv(65536):
        got += data
    return got


def body_so_far(wire: bytes, *, chunked: bool) -> bytes | None:
    """The body bytes received whole so far (None before the end of the head)."""
    _, sep, rest = wire.partition(b"\r\n\r\n")
    if not sep:
        return None
    if not chunked:
        return rest
    body = b""
    while True:
        size_line, sep, after = rest.partition(b"\r\n")
        if not sep:
            return body
        size = int(size_line, 16)
        if size == 0 or len(after) < size + 2:
            return body
        body += after[:size]
        rest = after[size + 2 :]


def recv_body(sock: socket.socket, expected: bytes, *, chunked: bool) -> bytes:
    """Receive until the body so far is ``expected``; returns the wire bytes."""
    wire = b""
    while (body := body_so_far(wire, chunked=chunked)) != expected:
        assert body is None or expected.startswith(body), (body, expected)
        data = sock.recv(65536)
        assert data, f"connection closed: {wire!r}"
        wire += data
    return wire


def assert_nothing_more(sock: socket.socket) -> None:
    """Nothing more arrives, not even an end of stream: the server holds the connection."""
    sock.settimeout(0.3)
    with pytest.raises(TimeoutError):
        sock.recv(65536)


def dechunk(wire: bytes) -> list[bytes]:
    """The chunks of a chunked body (after the response head), terminator excluded."""
    chunks, rest = [], wire
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            assert rest == b"\r\n"
            return chunks
        chunks.append(rest[:size])
        assert rest[size : size + 2] == b"\r\n"
        rest = rest[size + 2 :]


POST = (
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
    b"Connection: close\r\n\r\n{}"
)


# -- requests are recorded ---------------------------------------------------------------


def test_a_post_is_recorded() -> None:
    with ReplayServer(BODY) as server, requests.Session() as session:
        payload = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
        before = time.monotonic()
        response = session.post(
            server.chat_url + "?x=1",
            json=payload,
            headers={"Authorization": "Bearer sk-test", "X-Custom": "yes"},
        )
        assert response.content == BODY
        request = server.requests[0]
    assert isinstance(request, RecordedRequest)
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions?x=1"
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert request.headers["X-Custom"] == "yes"
    assert request.header("content-type") == "application/json"
    assert request.header("x-missing") is None
    assert request.json == payload
    assert json.loads(request.body) == payload
    assert before <= request.received_at <= time.monotonic()
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert server.base_url == server.url + "/v1"
    assert server.chat_url == server.url + "/v1/chat/completions"


def test_any_method_and_a_body_that_is_not_json() -> None:
    with ReplayServer(b"ok") as server, requests.Session() as session:
        assert session.get(server.url + "/anything").content == b"ok"
        assert session.put(server.url, data=b"\xff not json").content == b"ok"
        # A chunked request body (requests sends one for a generator).
        assert session.post(server.url, data=iter([b'{"a":', b" 1}"])).content == b"ok"
    got = [(r.method, r.path, r.body, r.json) for r in server.requests]
    assert got == [
        ("GET", "/anything", b"", None),
        ("PUT", "/", b"\xff not json", None),
        ("POST", "/", b'{"a": 1}', {"a": 1}),
    ]


def test_a_large_request_body_is_read_before_the_response() -> None:
    # Unread request bytes at close() make the kernel send a RST, which would
    # lose the response: the close-delimited reply proves they were read.
    big = {"messages": [{"role": "user", "content": "x" * 3_000_000}]}
    with ReplayServer(BODY, framing="close") as server:
        with requests.post(server.chat_url, json=big, timeout=10) as response:
            assert response.content == BODY
        assert server.requests[0].json == big


def test_expect_100_continue_is_answered() -> None:
    with ReplayServer(BODY, framing="close") as server:
        head = (
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        with raw_request(server, head) as sock:
            assert recv_until(sock, b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
            sock.sendall(b'{"a":1}')
            response = recv_to_eof(sock)
        assert response.startswith(b"HTTP/1.1 200 OK\r\n")
        assert response.endswith(b"\r\n\r\n" + BODY)
        assert server.requests[0].json == {"a": 1}


def test_pipelined_requests_are_answered_in_turn() -> None:
    one = b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
    two = b"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    with ReplayServer(b"a", b"b", framing="content-length", delay=0.01) as server:
        with raw_request(server, one + two) as sock:
            wire = recv_to_eof(sock)
        assert [r.path for r in server.requests] == ["/1", "/2"]
    assert wire.count(b"HTTP/1.1 200 OK") == 2
    assert wire.endswith(b"\r\n\r\nb")
    assert b"\r\n\r\naHTTP/1.1 200 OK" in wire


def test_a_malformed_request_gets_400_and_nothing_is_printed(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with ReplayServer(BODY) as server:
        with raw_request(server, b"NONSENSE\r\n\r\n") as sock:
            assert recv_to_eof(sock).startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert server.requests == []
        assert server.wait_idle(5)
    assert capfd.readouterr() == ("", "")


def test_logs_hold_no_headers_and_no_query(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="chatsse.testing")
    with ReplayServer(BODY) as server:
        url = server.chat_url + "?api-key=secret-in-query"
        with requests.post(url, json={}, headers={"Authorization": "Bearer secret-key"}) as r:
            assert r.content == BODY
    assert "request 0: POST /v1/chat/completions" in caplog.text
    assert "secret" not in caplog.text


# -- framing, gzip and writes ---------------------------------------------------------------


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_each_framing_delivers_the_body(framing: str, gzip: bool) -> None:
    reply = Reply(BODY, framing=framing, gzip=gzip)  # type: ignore[arg-type]
    with ReplayServer(reply) as server:
        with requests.post(server.chat_url, json={}) as response:
            assert response.status_code == 200
            assert response.headers["Content-Type"] == "text/event-stream"
            assert response.content == BODY
            headers = response.headers
        with requests.post(server.chat_url, json={}, stream=True) as response:
            assert read_raw(response) == (BODY, None)
        assert server.wait_responses(2, 5)
    assert headers.get("Content-Encoding") == ("gzip" if gzip else None)
    if framing == "chunked":
        assert headers["Transfer-Encoding"] == "chunked"
        assert "Content-Length" not in headers
    elif framing == "content-length":
        assert int(headers["Content-Length"]) == len(BODY) or gzip
        assert "Transfer-Encoding" not in headers
    else:
        assert headers["Connection"] == "close"
        assert "Content-Length" not in headers
        assert "Transfer-Encoding" not in headers
    assert min(server.responses, key=lambda r: r.index) == RecordedResponse(
        index=0, status=200, bytes_sent=len(BODY), writes=5, finished=True, client_left=False
    )


def test_one_write_per_event_whatever_the_line_ends() -> None:
    with ReplayServer(BODY) as server:
        with raw_request(server, POST) as sock:
            wire = recv_to_eof(sock)
        assert server.writes == len(EVENTS)
    head, _, body = wire.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert dechunk(body) == EVENTS  # one chunk per write


def test_a_body_without_a_final_blank_line_ends_with_its_tail() -> None:
    body = b"data: a\n\ndata: b"
    with ReplayServer(body) as server, raw_request(server, POST) as sock:
        wire = recv_to_eof(sock)
    assert dechunk(wire.partition(b"\r\n\r\n")[2]) == [b"data: a\n\n", b"data: b"]


def test_chunk_size_splits_the_uncompressed_body() -> None:
    body = bytes(range(100))
    with ReplayServer(body, chunk_size=7) as server:
        with raw_request(server, POST) as sock:
            wire = recv_to_eof(sock)
        with requests.post(server.url, stream=True) as response:
            assert read_raw(response) == (body, None)
        with requests.post(server.url, stream=True) as response:
            assert read_raw(response) == (body, None)
        assert server.wait_responses(3, 5)
        assert server.writes == 3 * 15
    chunks = dechunk(wire.partition(b"\r\n\r\n")[2])
    assert [len(c) for c in chunks] == [7] * 14 + [2]
    assert b"".join(chunks) == body


def test_gzip_writes_can_each_be_decoded_at_once() -> None:
    # Gated: the second write is withheld until the client has decoded the first.
    with (
        ReplayServer(BODY, gzip=True, gated=True) as server,
        requests.post(server.chat_url, stream=True, timeout=(5, 5)) as response,
    ):
        assert response.headers["Content-Encoding"] == "gzip"
        for number, event in enumerate(EVENTS, 1):
            assert read_exactly(response, len(event)) == event
            assert server.writes == number
            server.release()
        assert read_raw(response) == (b"", None)


def test_an_empty_body() -> None:
    with ReplayServer() as server, requests.Session() as session:
        for gzip in (False, True):
            for framing in FRAMINGS:
                reply = Reply(b"", framing=framing, gzip=gzip)  # type: ignore[arg-type]
                with ReplayServer(reply) as empty:
                    assert session.post(empty.url).content == b""
        response = session.post(server.chat_url)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/event-stream"
        assert response.content == b""


def test_a_body_from_text_or_a_file(tmp_path: Path) -> None:
    path = tmp_path / "recorded.sse"
    path.write_bytes(BODY)
    with ReplayServer(path, "data: é\n\n") as server, requests.Session() as session:
        assert session.post(server.url).content == BODY
        assert session.post(server.url).content == "data: é\n\n".encode()


def test_content_type_and_extra_headers() -> None:
    replies = [
        Reply(b"x", content_type=None),
        Reply(b"x", headers={"X-Request-Id": "abc", "content-type": "text/plain"}),
    ]
    with ReplayServer(*replies) as server:
        with raw_request(server, POST) as sock:
            head = recv_to_eof(sock).partition(b"\r\n\r\n")[0].lower()
        with requests.post(server.url) as response:
            headers = response.headers
    assert b"content-type" not in head
    assert headers["X-Request-Id"] == "abc"
    assert headers["Content-Type"] == "text/plain"


def test_extra_headers_are_a_mapping() -> None:
    with pytest.raises(TypeError, match="Reply headers are a mapping of names to values, not list"):
        Reply(b"x", headers=[("Retry-After", "2")])  # type: ignore[arg-type]


def test_the_body_parses_through_iter_events_as_it_arrives() -> None:
    body = resources.files("chatsse").joinpath("data", "demo.sse").read_bytes()
    with (
        ReplayServer(body, chunk_size=13, gzip=True) as server,
        requests.post(server.chat_url, stream=True) as response,
    ):

        def chunks() -> Iterator[bytes]:
            while data := response.raw.read1(65536, decode_content=True):
                yield data

        assert list(chatsse.iter_events(chunks())) == list(chatsse.iter_events(body))


def test_head_gets_no_body_and_the_connection_stays_usable() -> None:
    with ReplayServer(BODY) as server, requests.Session() as session:
        response = session.head(server.url)
        assert response.status_code == 200
        assert response.content == b""
        assert session.post(server.url).content == BODY
        assert server.connections == 1


@pytest.mark.parametrize("status", [204, 304])
def test_a_status_without_a_body_is_sent_without_framing(status: int) -> None:
    # RFC 9112: a 204 or 304 has no body; a 204 carries no Transfer-Encoding.
    with ReplayServer(Reply(status=status), framing="chunked") as server:
        with socket.create_connection(("127.0.0.1", server.port)) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
            raw.settimeout(2.0)
            received = b""
            while received.count(b"\r\n\r\n") < 2:
                received += raw.recv(65536)
        first, second, rest = received.split(b"\r\n\r\n")
        assert rest == b""  # no chunked terminator, no body
        for head in (first, second):
            assert head.startswith(b"HTTP/1.1 %d " % status)
            assert b"transfer-encoding" not in head.lower()
            assert b"content-length" not in head.lower()
        assert server.wait_responses(2, 2.0)
        assert [response.finished for response in server.responses] == [True, True]
    for options in ({"body": b"x"}, {"stall_after": 0}, {"drop_after": 0}, {"keep_open": True}):
        with pytest.raises(ValueError, match="no body"):
            Reply(status=status, **options)  # type: ignore[arg-type]


def test_a_status_may_be_an_http_status() -> None:
    reply = Reply.error(HTTPStatus.TOO_MANY_REQUESTS, "slow down")
    with ReplayServer(reply) as server:
        assert requests.post(server.chat_url).status_code == 429


# -- timing ---------------------------------------------------------------------------------


def test_delay_and_first_byte_delay_are_honoured() -> None:
    with ReplayServer(BODY, first_byte_delay=0.2, delay=0.1) as server:
        started = time.monotonic()
        with requests.post(server.chat_url, stream=True) as response:
            headers_at = time.monotonic()
            first = read_exactly(response, len(EVENTS[0]))
            first_at = time.monotonic()
            rest, error = read_raw(response)
            done_at = time.monotonic()
    assert first + rest == BODY
    assert error is None
    assert first_at - started >= 0.2
    assert done_at - started >= 0.2 + 4 * 0.1
    assert headers_at - started < first_at - started  # the headers came before the delay


# -- stalls, drops, clients leaving ------------------------------------------------------------


@pytest.mark.parametrize("framing", FRAMINGS)
def test_stall_after_stalls_and_the_server_sees_the_client_leave(framing: str) -> None:
    cut = len(EVENTS[0]) + 10
    reply = Reply(BODY, stall_after=cut, framing=framing)  # type: ignore[arg-type]
    with ReplayServer(reply) as server:
        with raw_request(server, POST) as sock:
            recv_body(sock, BODY[:cut], chunked=framing == "chunked")
            assert_nothing_more(sock)
        assert server.wait_idle(1.0)
        assert server.responses == [
            RecordedResponse(
                index=0, status=200, bytes_sent=cut, writes=2, finished=False, client_left=True
            )
        ]


def test_stall_after_zero_sends_only_the_headers() -> None:
    with ReplayServer(BODY, stall_after=0) as server:
        with raw_request(server, POST) as sock:
            assert recv_body(sock, b"", chunked=True).startswith(b"HTTP/1.1 200 OK\r\n")
            assert_nothing_more(sock)
        assert server.wait_idle(1.0)
        assert server.responses[0].bytes_sent == 0


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_drop_after_resets_the_connection(framing: str, gzip: bool) -> None:
    cut = len(EVENTS[0]) + 10
    reply = Reply(BODY, drop_after=cut, framing=framing, gzip=gzip)  # type: ignore[arg-type]
    with ReplayServer(reply) as server:
        # As the driver reads: the bytes before the cut, then an error, not a clean end.
        with requests.post(server.chat_url, stream=True) as response:
            got, error = read_raw(response)
        assert got == BODY[:cut]
        assert isinstance(error, urllib3.exceptions.ProtocolError)
        assert isinstance(error.args[1], ConnectionResetError)
        # As requests reads.
        with (
            pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)),
            requests.post(server.chat_url) as response,
        ):
            pass
        assert server.wait_idle(5)
        response_record = server.responses[0]
    assert response_record.bytes_sent == cut
    assert not response_record.finished
    assert not response_record.client_left


def test_drop_after_the_whole_body_withholds_only_the_end() -> None:
    with (
        ReplayServer(BODY, drop_after=len(BODY) + 100) as server,
        requests.post(server.chat_url, stream=True) as response,
    ):
        got, error = read_raw(response)
    assert got == BODY
    assert isinstance(error, urllib3.exceptions.ProtocolError)


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_keep_open_holds_the_connection_after_the_body(framing: str) -> None:
    reply = Reply(BODY, keep_open=True, framing=framing)  # type: ignore[arg-type]
    with ReplayServer(reply) as server:
        with raw_request(server, POST) as sock:
            wire = recv_body(sock, BODY, chunked=framing == "chunked")
            assert not wire.endswith(b"0\r\n\r\n")
            assert_nothing_more(sock)  # no terminator, no FIN
            assert server.open_connections == 1
        assert server.wait_idle(1.0)
        assert server.responses[0].finished
        assert server.responses[0].client_left


def test_keep_open_with_requests_reading_to_the_end() -> None:
    with ReplayServer(BODY, keep_open=True) as server:
        with requests.post(server.chat_url, stream=True, timeout=(5, 5)) as response:
            assert read_exactly(response, len(BODY)) == BODY
            assert server.open_connections == 1
        assert server.wait_idle(1.0)


def test_a_client_leaving_during_a_long_delay_is_noticed_at_once() -> None:
    with ReplayServer(BODY, delay=30) as server:
        assert server.wait_idle(0)  # nothing open yet: at once
        with requests.post(server.chat_url, stream=True) as response:
            assert read_exactly(response, len(EVENTS[0])) == EVENTS[0]
            assert not server.wait_idle(0.05)
        assert server.wait_idle(1.0)
        assert server.open_connections == 0
        assert server.responses == [
            RecordedResponse(
                index=0,
                status=200,
                bytes_sent=len(EVENTS[0]),
                writes=1,
                finished=False,
                client_left=True,
            )
        ]


def test_a_client_leaving_during_the_first_byte_delay_is_noticed_at_once() -> None:
    with ReplayServer(BODY, first_byte_delay=30) as server:
        with requests.post(server.chat_url, stream=True) as response:
            assert response.status_code == 200
        assert server.wait_idle(1.0)
        assert server.responses[0].bytes_sent == 0
        assert server.responses[0].client_left


# -- gated mode -------------------------------------------------------------------------------


def test_gated_sends_the_next_write_only_after_release() -> None:
    with ReplayServer(BODY, gated=True) as server, raw_request(server, POST) as sock:
        wire = recv_until(sock, EVENTS[0])
        assert server.writes == 1
        assert_nothing_more(sock)  # the second event is withheld
        sock.settimeout(5)
        for number, event in enumerate(EVENTS[1:], 2):
            server.release()
            wire = recv_until(sock, event)
            assert server.writes == number
        wire += recv_to_eof(sock)
    assert wire.endswith(b"0\r\n\r\n")


def test_gated_release_many_and_a_client_leaving_while_gated() -> None:
    with ReplayServer(BODY, gated=True) as server:
        server.release(2)  # permits may be granted in advance
        with requests.post(server.chat_url, stream=True) as response:
            head = EVENTS[0] + EVENTS[1] + EVENTS[2]
            assert read_exactly(response, len(head)) == head
        assert server.wait_idle(1.0)
        assert server.responses[0].client_left
        assert server.writes == 3


def test_release_is_for_gated_servers() -> None:
    with ReplayServer(BODY) as server, pytest.raises(RuntimeError):
        server.release()
    with ReplayServer(BODY, gated=True) as server:
        for bad in (-1, 0.5, True):
            with pytest.raises(ValueError, match="whole number of writes, not negative"):
                server.release(bad)  # type: ignore[arg-type]


# -- errors and cycling ------------------------------------------------------------------------


def test_reply_error_is_an_openai_style_json_body() -> None:
    reply = Reply.error(
        429, "Rate limit reached", type="requests", code="rate_limit_exceeded",
        headers={"Retry-After": "2"},
    )  # fmt: skip
    with ReplayServer(reply) as server, requests.post(server.chat_url, json={}) as response:
        assert response.status_code == 429
        assert response.reason == "Too Many Requests"
        assert response.headers["Retry-After"] == "2"
        assert response.headers["Content-Type"] == "application/json"
        assert int(response.headers["Content-Length"]) == len(response.content)
        assert response.json() == {
            "error": {
                "message": "Rate limit reached",
                "type": "requests",
                "code": "rate_limit_exceeded",
                "param": None,
            }
        }


def test_replies_cycle_across_requests_and_connections() -> None:
    replies = (Reply(b"a"), Reply.error(500, "boom"), b"c")
    with ReplayServer(*replies, framing="content-length") as server, requests.Session() as session:
        got = [session.post(server.url).content for _ in range(4)]
        got.append(requests.post(server.url).content)
        assert server.wait_responses(5, 5)  # recorded just after the last byte was sent
        statuses = sorted((r.index, r.status) for r in server.responses)
    assert got[0] == b"a"
    assert json.loads(got[1])["error"]["message"] == "boom"
    assert got[2:] == [b"c", b"a", got[1]]
    assert statuses == [(0, 200), (1, 500), (2, 200), (3, 200), (4, 500)]
    assert server.connections == 2


@pytest.mark.parametrize(
    ("framing", "connections"), [(f, 1 if f != "close" else 2) for f in FRAMINGS]
)
def test_a_session_reuses_one_connection(framing: str, connections: int) -> None:
    with ReplayServer(BODY, framing=framing) as server, requests.Session() as session:
        for _ in range(2):
            with session.post(server.chat_url, json={}, stream=True) as response:
                assert response.content == BODY
        assert len(server.requests) == 2
        assert server.connections == connections
    assert server.wait_idle(5)


# -- stop and concurrency ----------------------------------------------------------------------


def replay_threads(server: ReplayServer) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(f"chatsse-replay-{server.port}")]


def test_stop_returns_promptly_with_stalled_gated_and_kept_open_connections() -> None:
    replies = (
        Reply(BODY, stall_after=5),
        Reply(BODY, keep_open=True),
        Reply(BODY, keep_open=True, framing="close"),
        Reply(BODY, delay=60),
        Reply(b"", framing="content-length"),
    )
    server = ReplayServer(*replies, gated=True).start()
    responses = [requests.post(server.url, stream=True, timeout=(5, 5)) for _ in replies[:4]]
    try:
        with requests.Session() as idle:  # an idle kept-alive connection too
            idle.post(server.url).close()
            assert server.open_connections == 5
            server.release(100)
            started = time.monotonic()
            server.stop()
            assert time.monotonic() - started < 4  # joined, not timed out (5 s)
            assert replay_threads(server) == []
            assert server.open_connections == 0
        for response in responses:
            got, _ = read_raw(response)  # the server closed them all
            assert BODY.startswith(got)
    finally:
        for response in responses:
            response.close()
    server.stop()  # again: nothing happens
    with pytest.raises(requests.ConnectionError):
        requests.post(server.url, timeout=2)


def test_32_concurrent_clients_get_their_full_bodies() -> None:
    body = sse_body(*[{"choices": [{"delta": {"content": f"word {i} "}}]} for i in range(40)])
    with ReplayServer(body, chunk_size=97, delay=0.002) as server:

        def fetch(_: int) -> bytes:
            with requests.post(server.chat_url, json={}, stream=True, timeout=(10, 10)) as r:
                got, error = read_raw(r)
            assert error is None
            return got

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            bodies = list(pool.map(fetch, range(32)))
        assert server.wait_idle(5)
        assert server.wait_responses(32, 5)
        assert server.connections == 32
        assert len(server.requests) == 32
        assert all(r.finished and r.bytes_sent == len(body) for r in server.responses)
    assert bodies == [body] * 32


# -- the API around it ----------------------------------------------------------------------


def test_life_cycle_and_addresses() -> None:
    server = ReplayServer()
    assert "not started" in repr(server)
    with pytest.raises(RuntimeError):
        _ = server.port
    server.stop()  # before start: nothing to do
    server = ReplayServer()
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.port > 0
        with pytest.raises(RuntimeError):
            server.start()
        assert server.wait_idle(0)


def test_a_chosen_port() -> None:
    with ReplayServer() as first:
        port = first.port
    with ReplayServer(port=port) as second:
        assert second.port == port
        assert requests.post(second.url).status_code == 200


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"framing": "bogus"}, "framing must be one of chunked, close, content-length"),
        ({"chunk_size": 0}, "chunk_size must be at least 1"),
        ({"delay": -1}, "delay must not be negative"),
        ({"first_byte_delay": -0.5}, "first_byte_delay must not be negative"),
        ({"stall_after": -1}, "stall_after must not be negative"),
        ({"status": 99}, "status must be a final HTTP status"),
        ({"stall_after": 1, "drop_after": 2}, "stall or drop, not both"),
        ({"headers": {"X-Bad": "a\r\nInjected: yes"}}, "invalid response header 'X-Bad'"),
        ({"headers": {"X": "é€"}}, "invalid response header 'X'"),  # not Latin-1
        ({"content_type": "text/plain\r\nX-Injected: 1"}, "invalid content_type"),
        ({"content_type": "text/€"}, "invalid content_type"),
        ({"delay": float("nan")}, "delay must be a finite number"),
        ({"delay": float("inf")}, "delay must be a finite number"),
        ({"first_byte_delay": float("nan")}, "first_byte_delay must be a finite number"),
        # (more than the server's selector can wait: it cut the body short)
        ({"delay": 1e7}, "delay must be a finite number of seconds, at most a day"),
        ({"first_byte_delay": 86_401}, "first_byte_delay must be a finite number"),
        ({"status": 200.0}, "status must be a final HTTP status"),
        ({"status": True}, "status must be a final HTTP status"),
        ({"stall_after": 1.5}, "stall_after must be a whole number"),
        ({"drop_after": True}, "drop_after must be a whole number"),
        ({"chunk_size": 2.5}, "chunk_size must be a whole number"),
    ],
)
def test_invalid_reply_options_raise_value_error(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Reply(b"x", **options)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        ReplayServer(b"x", **options)


def test_header_joins_repeats_spelled_in_different_cases() -> None:
    request = RecordedRequest(
        method="POST",
        path="/",
        headers={"X-Trace": "1", "x-trace": "2"},
        body=b"",
        json=None,
        received_at=0.0,
    )
    assert request.header("X-TRACE") == "1, 2"
    assert request.header("missing") is None


@pytest.mark.parametrize("port", [-1, 70000, 1.5, "80"])
def test_a_port_out_of_range_is_a_value_error(port: object) -> None:
    with pytest.raises(ValueError, match="port must be a whole number from 0 to 65535"):
        ReplayServer(b"x", port=port)  # type: ignore[arg-type]


def test_stop_before_start_does_nothing() -> None:
    server = ReplayServer(b"data: [DONE]\n\n")
    server.stop()
    with server:  # it still starts
        assert requests.post(server.url, timeout=10).status_code == 200
    server.stop()  # and stopping twice does nothing


def test_a_body_of_another_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Reply(123)  # type: ignore[arg-type]
