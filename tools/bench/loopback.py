"""Over HTTP on loopback: stream_chat against the ReplayServer, and per-event latency.

Throughput: one ``python -m chatsse serve`` process per framing and way of
writing writes the chat transcript, in 1 KiB writes or one SSE event per
write (what servers do: they write each event as it is made); stream_chat
reads it (one requests.Session per server, so keep-alive framings reuse their
connection), interleaved with iter_events over the same chunks in memory. The
servers run in their own processes, so they do not share the client's GIL
(this machine has two cores: a server and the client each get one).

Beside stream_chat, two clients that do less: *requests alone* makes the
same request and reads the body with the calls stream_chat uses, parsing
nothing; *socket alone* sends the same request over a plain socket and
receives the response's bytes until the server closes, decoding nothing: how
long the body takes to reach a client that does no work (on a new connection
each time, where stream_chat keeps its connection but with close-delimited
bodies).

Latency: a gated ReplayServer in this process writes one SSE event at a
time and waits for release(); each sample is the time from release() to
stream_chat() yielding the event that write carried (the server thread's
wake-up, the write, loopback, urllib3, the framing and the parser). The
server shares the GIL with the client there: it is the only way to time from
the moment the server may write.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import requests
import transcripts
from report import SuiteResult, Table, Target, at_most, number, span
from settings import Settings
from timing import interleaved_samples_with_cpu, medians, paired_ratio, paired_ratio_quartiles

import chatsse
from chatsse._driver import _body_reader
from chatsse.testing import ReplayServer

CHUNK_SIZE = 1024
# How the servers write the body (results name each "writes of 1 KiB" and so on):
# bytes per write, or None for one SSE event per write.
WRITES = {"1 KiB": CHUNK_SIZE, "one event": None}
LOOPBACK_VS_MEMORY = 1.3  # the target
LATENCY_MS = 5.0  # each event yielded within 5 ms of its bytes being sent
REQUEST = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}
# (framing, gzip)
THROUGHPUT_FRAMINGS = [
    ("chunked", False),
    ("close", False),
    ("content-length", False),
    ("chunked", True),
]
LATENCY_FRAMINGS = [
    (framing, gzip) for framing in ("chunked", "close", "content-length") for gzip in (False, True)
]
IN_MEMORY = "in memory (iter_events)"
_RECV_BYTES = 64 * 1024  # socket alone's reads: whatever has arrived, up to this


def framing_name(framing: str, gzip: bool) -> str:
    return framing + (" + gzip" if gzip else "")


def _key(writes: str, name: str) -> str:
    return f"{name}, writes of {writes}"


def _alone(key: str) -> str:
    return f"requests alone: {key}"


def _socket(key: str) -> str:
    return f"socket alone: {key}"


@contextlib.contextmanager
def serve(path: Path, framing: str, gzip: bool, chunk_size: int | None) -> Iterator[str]:
    """``chatsse serve`` in a subprocess; yields its chat URL."""
    command = [sys.executable, "-m", "chatsse", "serve", str(path), "--framing", framing]
    command += ["--chunk-size", str(chunk_size)] if chunk_size is not None else []
    command += ["--gzip"] if gzip else []
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"\(POST (\S+)\)", line)
        if found is None:
            raise RuntimeError(f"chatsse serve said {line!r}")
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(10)


def _over_http(url: str, session: requests.Session, first_events: list[float]) -> int:
    count = 0
    with chatsse.stream_chat(url, REQUEST, session=session, idle_timeout=30) as stream:
        for _ in stream:
            count += 1
    first_event = stream.stats.time_to_first_token
    assert first_event is not None
    first_events.append(first_event)
    return count


def _requests_alone(url: str, session: requests.Session) -> int:
    """The same request, its body read with the calls stream_chat uses, and not parsed."""
    headers = {"Accept": "text/event-stream"}
    timeout = (10, 30)  # stream_chat's connect timeout, and the idle timeout _over_http gives it
    with session.post(url, json=REQUEST, headers=headers, stream=True, timeout=timeout) as response:
        read = _body_reader(response)
        size = 0
        while data := read():
            size += len(data)
    return size


def _socket_request(url: str) -> tuple[tuple[str, int], bytes]:
    """Where to connect, and the bytes of the same request, asking the server to close after it."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    body = json.dumps(REQUEST).encode()
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Content-Type: application/json\r\nAccept: text/event-stream\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return (parts.hostname, parts.port), head.encode() + body


def _socket_alone(address: tuple[str, int], request: bytes, keep: list[bytes] | None = None) -> int:
    """The request sent over a plain socket, the response received until the server
    closes; its size (and its bytes appended to ``keep``, for the check)."""
    size = 0
    with socket.create_connection(address, timeout=30) as sock:
        sock.sendall(request)
        while data := sock.recv(_RECV_BYTES):
            size += len(data)
            if keep is not None:
                keep.append(data)
    return size


def _body_of(response: bytes) -> bytes:
    """The body of a whole HTTP response, its chunked encoding and gzip undone (for the check)."""
    head, _, body = response.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200 "):
        raise AssertionError(f"not a 200 response: {head[:100]!r}")
    head = head.lower()
    if b"\r\ntransfer-encoding: chunked" in head:
        pieces = []
        while True:
            size_line, _, body = body.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if not size:
                break
            pieces.append(body[:size])
            body = body[size + 2 :]  # the chunk and its CRLF
        body = b"".join(pieces)
    if b"\r\ncontent-encoding: gzip" in head:
        body = zlib.decompress(body, wbits=31)
    return body


def _in_memory(chunks: list[bytes]) -> int:
    count = 0
    for _ in chatsse.iter_events(chunks):
        count += 1
    return count


def run_http(settings: Settings) -> SuiteResult:
    transcript = transcripts.chat(200 if settings.quick else 2000)
    expected = chatsse.collect(chatsse.iter_events(transcript.body))
    contenders: dict[str, Callable[[], object]] = {}
    first_events: dict[str, list[float]] = {}
    rows: list[tuple[str, str]] = []  # (writes, framing name), in table order
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        path = Path(folder) / "chat.sse"
        path.write_bytes(transcript.body)
        for writes, chunk_size in WRITES.items():
            chunks = transcript.chunks(chunk_size) if chunk_size else transcript.event_chunks()
            if b"".join(chunks) != transcript.body:
                raise AssertionError(f"the chunks of writes of {writes} are not the body")
            contenders[_key(writes, IN_MEMORY)] = partial(_in_memory, chunks)
            rows.append((writes, IN_MEMORY))
            for framing, gzip in THROUGHPUT_FRAMINGS:
                url = stack.enter_context(serve(path, framing, gzip, chunk_size))
                session = stack.enter_context(requests.Session())
                result = chatsse.collect(chatsse.stream_chat(url, REQUEST, session=session))
                name = framing_name(framing, gzip)
                key = _key(writes, name)
                if result != expected:
                    raise AssertionError(f"stream_chat misread the body, {key}")
                first_events[key] = []
                contenders[key] = partial(_over_http, url, session, first_events[key])
                contenders[_alone(key)] = partial(_requests_alone, url, session)
                address, request = _socket_request(url)
                response: list[bytes] = []
                _socket_alone(address, request, response)
                if _body_of(b"".join(response)) != transcript.body:
                    raise AssertionError(f"a plain socket did not receive the body, {key}")
                contenders[_socket(key)] = partial(_socket_alone, address, request)
                rows.append((writes, name))
        samples, cpu_samples = interleaved_samples_with_cpu(contenders, settings.rounds)
    times, cpu = medians(samples), medians(cpu_samples)
    size, events = len(transcript.body), transcript.sse_events
    table = Table(
        "Loopback HTTP, stream_chat against chatsse serve (another process)",
        [
            "writes",
            "framing",
            "ms",
            "µs/event",
            "MB/s",
            "÷ in memory",
            "÷ in memory, middle half",
            "client CPU ms",
            "requests alone: ms, CPU ms",
            "socket alone: ms, CPU ms",
            "socket alone ÷ in memory (middle half)",
            "first event ms",
        ],
        [],
        notes=[
            f"{transcript.description}, {size:,} bytes, {events:,} SSE events, written in "
            f"{CHUNK_SIZE} B writes or one SSE event per write (in memory: the same chunks); "
            f"medians of {settings.rounds} interleaved rounds; one requests.Session per server; "
            "÷ in memory: the median of this time ÷ the in-memory time of the same chunks in "
            "the same round; middle half: the first to the third quartile of those ratios",
            "client CPU ms: the CPU time the client process used (the rest of ms is waiting); "
            "first event ms: from sending the request to the first event yielded",
            "requests alone: a client that only reads: the same request, its body read with the "
            "calls stream_chat uses (urllib3's read_chunked or read1), not parsed; with read1 it "
            "makes more, smaller reads than stream_chat, which nothing slows down",
            "socket alone: a client that only receives: the same request over a plain socket, "
            "the response's bytes received and dropped; its ÷ in memory is what a client doing "
            "no work at all scores. It opens a new connection for each request (the server "
            "closes it), as stream_chat does with close only: on the keep-alive framings "
            "(chunked, content-length) stream_chat reuses its connection",
        ],
    )
    data: dict[str, object] = {"bytes": size, "sse_events": events, "rounds": settings.rounds}
    targets: list[Target] = []
    for writes, name in rows:
        key = _key(writes, name)
        seconds = times[key]
        in_memory = _key(writes, IN_MEMORY)
        ratio = paired_ratio(samples, key, in_memory)
        quartiles = paired_ratio_quartiles(samples, key, in_memory)
        found = first_events.get(key)
        first = statistics.median(found) if found else None
        alone = (times[_alone(key)], cpu[_alone(key)]) if _alone(key) in times else None
        socket_alone = None
        if _socket(key) in times:
            socket_alone = (
                times[_socket(key)],
                cpu[_socket(key)],
                paired_ratio(samples, _socket(key), in_memory),
                paired_ratio_quartiles(samples, _socket(key), in_memory),
            )
        data[key] = {
            "first_event_seconds": first,
            "seconds": seconds,
            "cpu_seconds": cpu[key],
            "us_per_event": seconds / events * 1e6,
            "x_memory": ratio,
            "x_memory_quartiles": list(quartiles),
            "requests_alone_seconds": alone[0] if alone else None,
            "requests_alone_cpu_seconds": alone[1] if alone else None,
            "socket_alone_seconds": socket_alone[0] if socket_alone else None,
            "socket_alone_cpu_seconds": socket_alone[1] if socket_alone else None,
            "socket_alone_x_memory": socket_alone[2] if socket_alone else None,
            "socket_alone_x_memory_quartiles": list(socket_alone[3]) if socket_alone else None,
        }
        table.rows.append(
            [
                writes,
                name,
                number(seconds * 1e3),
                number(seconds / events * 1e6),
                number(size / seconds / 1e6),
                f"{ratio:.2f}",
                span(quartiles),
                number(cpu[key] * 1e3),
                f"{number(alone[0] * 1e3)}, {number(alone[1] * 1e3)}" if alone else "-",
                f"{number(socket_alone[0] * 1e3)}, {number(socket_alone[1] * 1e3)}"
                if socket_alone
                else "-",
                f"{socket_alone[2]:.2f} ({span(socket_alone[3])})" if socket_alone else "-",
                number(first * 1e3) if first is not None else "-",
            ]
        )
        if name != IN_MEMORY:
            label = f"{key} ÷ in memory"
            targets.append(at_most("http", label, ratio, LOOPBACK_VS_MEMORY, "×"))
    return SuiteResult("http", "Over HTTP on loopback", data, [table], targets)


def _latencies(body: bytes, deltas: int, framing: str, gzip: bool) -> list[float]:
    """release() -> OutputTextDelta yielded, for every text delta but the first."""
    samples: list[float] = []
    with ReplayServer(body, framing=framing, gzip=gzip, gated=True) as server:
        stream = chatsse.stream_chat(server.chat_url, REQUEST, idle_timeout=10)
        with stream:
            server.release()  # the role chunk went ungated; this lets the first delta out
            seen, released = 0, 0.0
            for event in stream:
                if type(event) is not chatsse.OutputTextDelta:
                    continue
                if seen:
                    samples.append(time.perf_counter() - released)
                seen += 1
                if seen == deltas:
                    server.release(10)  # the finish, usage and [DONE] events
                    continue
                released = time.perf_counter()
                server.release()
    return samples


def run_latency(settings: Settings) -> SuiteResult:
    deltas, streams = (30, 1) if settings.quick else (200, 3)
    body = transcripts.chat(deltas).body
    table = Table(
        "Event latency over loopback: release() → event yielded",
        ["framing", "samples", "median ms", "p95 ms", "max ms"],
        [],
        notes=[
            f"{streams} stream(s) of {deltas} text deltas per framing, one event per write; "
            "the gated ReplayServer runs in this process (it shares the GIL)"
        ],
    )
    data: dict[str, object] = {}
    targets: list[Target] = []
    for framing, gzip in LATENCY_FRAMINGS:
        name = framing_name(framing, gzip)
        samples = sorted(
            sample for _ in range(streams) for sample in _latencies(body, deltas, framing, gzip)
        )
        median = statistics.median(samples) * 1e3
        p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))] * 1e3
        worst = samples[-1] * 1e3
        data[name] = {"samples": len(samples), "median_ms": median, "p95_ms": p95, "max_ms": worst}
        table.rows.append([name, str(len(samples)), number(median), number(p95), number(worst)])
        targets.append(at_most("latency", f"{name}: max", worst, LATENCY_MS, "ms"))
    return SuiteResult("latency", "Event latency", data, [table], targets)
