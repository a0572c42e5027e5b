"""A real HTTP/1.1 server on 127.0.0.1 that replays SSE bytes, for tests.

:class:`ReplayServer` answers every request with the next of its
:class:`Reply` objects: recorded or hand-written SSE bytes, sent with a chosen
framing (chunked, close-delimited, ``Content-Length``), optional gzip, chunk
sizes, delays, stalls, abrupt resets and error statuses. It records every
request it receives (:class:`RecordedRequest`) and what it did with every
response (:class:`RecordedResponse`), so a test can check both what the client
sent and whether the client went away when it should have::

    from chatsse.testing import ReplayServer, Reply

    with ReplayServer(Reply(body, chunk_size=7, delay=0.01)) as server:
        stream = chatsse.stream_chat(server.chat_url, {"model": "m", "messages": []})
        ...
    assert server.requests[0].json["model"] == "m"

The server binds 127.0.0.1 only, uses the standard library only (the client
side may be anything), runs each connection in a daemon thread, never prints,
and logs at DEBUG to the ``chatsse.testing`` logger without headers or query
strings (they may hold API keys). It waits on its sockets with a selector
rather than sleeping, so it notices a client that leaves at once, even while it
is delaying, stalled, gated or holding a connection open; :meth:`ReplayServer.stop`
never hangs.
"""

from __future__ import annotations

import contextlib
import http
import json
import logging
import math
import os
import re
import selectors
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Literal, NoReturn

import attrs

__all__ = ["Framing", "RecordedRequest", "RecordedResponse", "ReplayServer", "Reply"]

logger = logging.getLogger("chatsse.testing")

#: How a response body is delimited on the wire.
Framing = Literal["chunked", "close", "content-length"]

_FRAMINGS = ("chunked", "close", "content-length")
_HOST = "127.0.0.1"
_MAX_HEADER_BYTES = 64 * 1024
_MAX_BODY_BYTES = 64 * 1024 * 1024
# Bytes a client may send while a response is being written (a pipelined
# request); more than this and the connection is dropped.
_MAX_PENDING_BYTES = 1024 * 1024
# drop_after: time for the client to read the bytes before the reset.
_DROP_PAUSE = 0.05
# After a server-side close, how long to wait for the client's FIN while
# discarding what it sends: closing with unread input makes the kernel send a
# RST, which can destroy the end of the response before the client reads it.
_LINGER_SECONDS = 2.0
_STOP_JOIN_SECONDS = 5.0
_READ_SIZE = 65536

# A blank line: two line ends, where a line end is CRLF, a lone CR or LF (as the
# SSE spec); a CR followed by LF is never two line ends.
_BLANK_LINE = re.compile(rb"(?:\r\n|\r(?!\n)|\n){2}")


def _body_bytes(body: bytes | bytearray | memoryview | str | os.PathLike[str]) -> bytes:
    """Convert a Reply body: text as UTF-8, a path as the file's bytes."""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if isinstance(body, os.PathLike):
        with open(os.fspath(body), "rb") as file:
            return file.read()
    raise TypeError(f"a Reply body is bytes, str or a path, not {type(body).__name__}")


def _header_items(headers: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    """Convert and check extra response headers (no CR or LF: no header injection)."""
    if headers is None:
        return ()
    if not isinstance(headers, Mapping):
        raise TypeError(
            f"Reply headers are a mapping of names to values, not {type(headers).__name__}"
        )
    items = tuple((str(name), str(value)) for name, value in headers.items())
    for name, value in items:
        if not name or any(c in name for c in ":\r\n \t") or not _header_text(name + value):
            raise ValueError(f"invalid response header {name!r}")
    return items


def _header_text(text: str) -> bool:
    """Whether ``text`` can be sent in a header: Latin-1, no CR or LF (no injection)."""
    if "\r" in text or "\n" in text:
        return False
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _check_content_type(_instance: object, _attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (isinstance(value, str) and _header_text(value)):
        raise ValueError(f"invalid content_type {value!r}: Latin-1 text without CR or LF")


# The longest wait a Reply may ask for: a day. (The server's selector
# cannot wait past about 24 days; a test never needs more than seconds.)
_MAX_WAIT_SECONDS = 86_400.0


def _check_seconds(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not math.isfinite(value) or value > _MAX_WAIT_SECONDS:
        raise ValueError(
            f"{attribute.name} must be a finite number of seconds, at most a day "
            f"({_MAX_WAIT_SECONDS:g}), got {value!r}"
        )
    _non_negative(_instance, attribute, value)


def _check_byte_count(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _whole_bytes(attribute, value)
    _non_negative(_instance, attribute, value)


def _whole_bytes(attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and type(value) is not int:
        raise ValueError(f"{attribute.name} must be a whole number of bytes, got {value!r}")


def _non_negative(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value!r}")


def _check_framing(_instance: object, _attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in _FRAMINGS:
        raise ValueError(f"framing must be one of {', '.join(_FRAMINGS)}; got {value!r}")


# Statuses whose responses have no body (RFC 9110: 204 No Content, 304 Not Modified).
_BODILESS = frozenset((204, 304))


def _check_status(_instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 200 <= value <= 599:
        raise ValueError(f"status must be a final HTTP status (200-599), got {value!r}")


def _check_chunk_size(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _whole_bytes(attribute, value)
    if value is not None and value < 1:
        raise ValueError(f"chunk_size must be at least 1, got {value!r}")


@attrs.frozen
class Reply:
    """One response of a :class:`ReplayServer`: a body and how to send it.

    ``body`` is ``bytes``, ``str`` (sent as UTF-8) or a path (the file's bytes,
    read at once: a recorded ``.sse`` transcript).

    * ``status``, ``content_type`` (``None``: no ``Content-Type`` header) and
      ``headers`` (extra response headers, such as ``{"Retry-After": "2"}``,
      kept as a tuple of pairs; one named as a default header replaces it,
      framing headers included).
    * ``framing``: ``"chunked"`` (``Transfer-Encoding: chunked``, keep-alive),
      ``"content-length"`` (keep-alive) or ``"close"`` (``Connection: close``,
      no length: the body ends when the server closes the connection).
    * ``gzip``: ``Content-Encoding: gzip``; each write is compressed and
      flushed with ``Z_SYNC_FLUSH``, so a client can decode it as soon as it
      arrives; the gzip stream is finished with the last write.
    * ``chunk_size``: ``None`` writes one SSE event at a time (cut after each
      blank line: ``\\n\\n``, ``\\r\\n\\r\\n``, ``\\r\\r`` or mixed line ends);
      ``N`` writes N bytes at a time. Sizes count the uncompressed body.
    * ``first_byte_delay``: seconds between the headers and the first write;
      ``delay``: seconds before each later write.
    * ``stall_after``: after N body bytes (at most the whole body), write
      nothing more - not even the chunked terminator or the gzip trailer - and
      hold the connection open until the client leaves or the server stops.
    * ``drop_after``: after N body bytes (at most the whole body), pause about
      50 ms so the client can read them, then reset the connection (TCP RST).
      The end of the body is never sent.
    * ``keep_open``: after the whole body, hold the connection open (no
      chunked terminator, no close) until the client leaves or the server
      stops. With ``"content-length"`` framing the body is complete anyway and
      the connection stays open for the client's next request, as usual.

    With chunked framing the terminating zero-size chunk travels with the last
    write, as most servers send it: a client that reaches ``[DONE]`` finds
    the end of the body already there (use ``keep_open`` for the opposite).
    Raises ``ValueError`` for an out-of-range value (a delay that is negative
    or not finite, a byte count that is not a whole number, a header value or
    ``content_type`` that is not Latin-1 or holds a CR or LF), ``TypeError``
    for a body of another type, ``OSError`` for an unreadable path.
    """

    body: bytes = attrs.field(default=b"", converter=_body_bytes)
    status: int = attrs.field(default=200, kw_only=True, validator=_check_status)
    content_type: str | None = attrs.field(
        default="text/event-stream", kw_only=True, validator=_check_content_type
    )
    headers: tuple[tuple[str, str], ...] = attrs.field(
        default=None, kw_only=True, converter=_header_items
    )
    framing: Framing = attrs.field(default="chunked", kw_only=True, validator=_check_framing)
    gzip: bool = attrs.field(default=False, kw_only=True)
    chunk_size: int | None = attrs.field(default=None, kw_only=True, validator=_check_chunk_size)
    delay: float = attrs.field(default=0.0, kw_only=True, validator=_check_seconds)
    first_byte_delay: float = attrs.field(default=0.0, kw_only=True, validator=_check_seconds)
    stall_after: int | None = attrs.field(default=None, kw_only=True, validator=_check_byte_count)
    drop_after: int | None = attrs.field(default=None, kw_only=True, validator=_check_byte_count)
    keep_open: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.stall_after is not None and self.drop_after is not None:
            raise ValueError("a Reply can stall or drop, not both")
        if self.status in _BODILESS and (
            self.body
            or self.stall_after is not None
            or self.drop_after is not None
            or self.keep_open
        ):
            raise ValueError(
                f"a {self.status} reply has no body (RFC 9110), so no body, stall_after, "
                "drop_after or keep_open"
            )

    @classmethod
    def error(
        cls,
        status: int,
        message: str,
        *,
        type: str | None = None,
        code: str | int | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """An OpenAI-style JSON error response.

        The body is ``{"error": {"message": ..., "type": ..., "code": ...,
        "param": ...}}`` (``null`` for what is not given), sent as
        ``application/json`` with a ``Content-Length``. ``headers`` are extra
        response headers, such as ``{"Retry-After": "2"}``.
        """
        body = json.dumps(
            {"error": {"message": message, "type": type, "code": code, "param": param}}
        )
        return cls(
            body,
            status=status,
            content_type="application/json",
            headers=headers,
            framing="content-length",
        )


@attrs.frozen
class RecordedRequest:
    """A request as the server received it, recorded before it was answered.

    ``headers`` keeps the names as the client spelled them (repeated headers
    joined with ``", "``); :meth:`header` looks one up ignoring case. ``json``
    is the parsed body, or ``None`` when the body is not JSON. ``received_at``
    is the :func:`time.monotonic` time the whole request had arrived.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any
    received_at: float

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or ``None`` if it was not sent;
        repeats spelled in different cases joined with ``", "``, as repeats are
        (those of each spelling in turn: ``headers`` keeps one entry per spelling)."""
        wanted = name.lower()
        values = [value for key, value in self.headers.items() if key.lower() == wanted]
        return ", ".join(values) if values else None


@attrs.frozen
class RecordedResponse:
    """What the server did with one request, recorded when it stopped writing.

    ``index`` is the position of the request in :attr:`ReplayServer.requests`.
    ``bytes_sent`` counts the body bytes written (before compression) and
    ``writes`` the body writes started. ``finished`` is true when the whole
    body was written (the connection may then still be held by ``keep_open``);
    ``client_left`` is true when the client disconnected while the server was
    still writing, waiting or holding the response open.
    """

    index: int
    status: int
    bytes_sent: int
    writes: int
    finished: bool
    client_left: bool


class _ClientLeft(Exception):
    """The client closed or reset the connection (or sent too much)."""


class _Stopped(Exception):
    """ReplayServer.stop() was called."""


class _BadRequest(Exception):
    """The request cannot be parsed; answered with this status, then closed."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@attrs.frozen
class _Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]
    lower: dict[str, str]
    body: bytes

    @property
    def wants_close(self) -> bool:
        tokens = {t.strip().lower() for t in self.lower.get("connection", "").split(",")}
        if self.version == "HTTP/1.0":
            return "keep-alive" not in tokens
        return "close" in tokens


@attrs.frozen
class _Plan:
    """The wire bytes of one body: (uncompressed size, bytes) per write."""

    writes: tuple[tuple[int, bytes], ...]
    end: bytes  # the gzip trailer, sent with the last write when the body is whole
    cut: int | None  # how many writes are sent before a stall or drop

    @property
    def length(self) -> int:
        return sum(len(data) for _, data in self.writes) + len(self.end)


def _pieces(body: bytes, chunk_size: int | None) -> list[bytes]:
    if chunk_size is not None:
        return [body[i : i + chunk_size] for i in range(0, len(body), chunk_size)]
    pieces, start = [], 0
    for match in _BLANK_LINE.finditer(body):
        pieces.append(body[start : match.end()])
        start = match.end()
    if start < len(body):
        pieces.append(body[start:])
    return pieces


def _plan(reply: Reply) -> _Plan:
    pieces = _pieces(reply.body, reply.chunk_size)
    limit = reply.stall_after if reply.stall_after is not None else reply.drop_after
    cut = None
    if limit is not None:
        # Split the piece that holds the limit so that a write ends exactly there.
        limit = min(limit, len(reply.body))
        offset, split = 0, []
        for piece in pieces:
            if offset < limit < offset + len(piece):
                split += [piece[: limit - offset], piece[limit - offset :]]
            else:
                split.append(piece)
            offset += len(piece)
        pieces = split
        cut, offset = 0, 0
        while offset < limit:
            offset += len(pieces[cut])
            cut += 1
    if not reply.gzip:
        return _Plan(writes=tuple((len(p), p) for p in pieces), end=b"", cut=cut)
    compressor = zlib.compressobj(wbits=31)  # 31: a gzip header and trailer
    writes = tuple(
        (len(p), compressor.compress(p) + compressor.flush(zlib.Z_SYNC_FLUSH)) for p in pieces
    )
    return _Plan(writes=writes, end=compressor.flush(zlib.Z_FINISH), cut=cut)


def _status_line(status: int) -> str:
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    return f"HTTP/1.1 {status} {reason}\r\n"


def _head(status: int, headers: list[tuple[str, str]], extra: Iterable[tuple[str, str]]) -> bytes:
    merged = {name.lower(): (name, value) for name, value in headers}
    for name, value in extra:
        merged[name.lower()] = (name, value)
    lines = [_status_line(status)]
    lines += [f"{name}: {value}\r\n" for name, value in merged.values()]
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")


class _Connection:
    """One client connection, served by its own thread."""

    def __init__(self, server: ReplayServer, sock: socket.socket, number: int) -> None:
        self.server = server
        self.sock = sock
        self.number = number
        self.buf = bytearray()
        self.closed = False
        assert server._stop_r is not None
        self.stop_r = server._stop_r
        self.selector = selectors.DefaultSelector()
        self.selector.register(sock, selectors.EVENT_READ)
        self.selector.register(self.stop_r, selectors.EVENT_READ)
        self.watching_write = False
        # Gated mode: release() writes to every nudge socket to wake the waiters.
        self.nudge_r: socket.socket | None = None
        self.nudge_w: socket.socket | None = None
        if server._gated:
            self.nudge_r, self.nudge_w = socket.socketpair()
            self.nudge_r.setblocking(False)
            self.nudge_w.setblocking(False)
            self.selector.register(self.nudge_r, selectors.EVENT_READ)

    # -- waiting -------------------------------------------------------------

    def _poll(self, timeout: float | None, *, write: bool = False) -> bool:
        """Wait once for input, writability (if asked), a nudge, stop or the timeout.

        Input is appended to ``buf``; returns whether the socket is writable.
        Raises _ClientLeft when the client has gone, _Stopped on stop().
        """
        if self.server._stopping.is_set():
            raise _Stopped
        if write != self.watching_write:
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if write else 0)
            self.selector.modify(self.sock, events)
            self.watching_write = write
        writable = False
        for key, events in self.selector.select(timeout):
            if key.fileobj is self.stop_r:
                raise _Stopped
            if key.fileobj is self.nudge_r:
                self._drain_nudges()
            elif key.fileobj is self.sock:
                if events & selectors.EVENT_READ:
                    self._absorb()
                if events & selectors.EVENT_WRITE:
                    writable = True
        return writable

    def _absorb(self) -> None:
        try:
            data = self.sock.recv(_READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            self._raise_gone(error)
        if not data:
            self._raise_gone(None)
        if len(self.buf) + len(data) > _MAX_PENDING_BYTES + _MAX_HEADER_BYTES + _MAX_BODY_BYTES:
            raise _ClientLeft("too much input")
        self.buf += data

    def _raise_gone(self, error: OSError | None) -> NoReturn:
        if self.server._stopping.is_set():
            raise _Stopped from error
        raise _ClientLeft from error

    def _drain_nudges(self) -> None:
        assert self.nudge_r is not None
        try:
            while self.nudge_r.recv(_READ_SIZE):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` (0: just look), watching for the client leaving and stop()."""
        deadline = time.monotonic() + seconds
        while True:
            self._poll(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                return

    def _hold(self) -> None:
        """Wait until the client leaves or the server stops (always raises)."""
        while True:
            self._poll(None)
            # Input while holding (a request pipelined behind an unfinished
            # response) can never be answered: keep only a bounded amount.
            if len(self.buf) > _MAX_PENDING_BYTES:
                raise _ClientLeft("too much input while holding")

    def _await_permit(self) -> None:
        while not self.server._take_permit():
            self._poll(None)

    def _recv_more(self) -> None:
        """Wait until at least one more byte of request has arrived."""
        before = len(self.buf)
        while len(self.buf) == before:
            self._poll(None)

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                sent = self.sock.send(view)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as error:
                self._raise_gone(error)
            if sent:
                view = view[sent:]
            else:
                self._poll(None, write=True)

    # -- requests ------------------------------------------------------------

    def _read_request(self) -> _Request:
        # RFC 9112 2.2: ignore empty lines before a request line (some clients
        # send a CRLF after a body).
        while self.buf.startswith((b"\r", b"\n")):
            del self.buf[:1]
            if not self.buf:
                self._recv_more()
        while True:
            end = self.buf.find(b"\r\n\r\n")
            size = 4
            lf_end = self.buf.find(b"\n\n")
            if lf_end != -1 and (end == -1 or lf_end < end):
                end, size = lf_end, 2
            if end != -1:
                break
            if len(self.buf) > _MAX_HEADER_BYTES:
                raise _BadRequest(431, "request header too large")
            self._recv_more()
        if end > _MAX_HEADER_BYTES:
            raise _BadRequest(431, "request header too large")
        head = bytes(self.buf[:end]).decode("latin-1")
        del self.buf[: end + size]
        lines = head.replace("\r\n", "\n").split("\n")
        parts = lines[0].split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _BadRequest(400, "bad request line")
        method, target, version = parts
        headers: dict[str, str] = {}
        lower: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise _BadRequest(400, "bad header line")
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
            key = name.lower()
            lower[key] = f"{lower[key]}, {value}" if key in lower else value
        request = _Request(method, target, version, headers, lower, b"")
        body = self._read_body(request)
        return attrs.evolve(request, body=body)

    def _read_body(self, request: _Request) -> bytes:
        coding = request.lower.get("transfer-encoding", "").split(",")[-1].strip().lower()
        chunked = coding == "chunked"
        length = 0
        if not chunked and "content-length" in request.lower:
            text = request.lower["content-length"].split(",")[0].strip()
            if not text.isdigit():
                raise _BadRequest(400, "bad Content-Length")
            length = int(text)
            if length > _MAX_BODY_BYTES:
                raise _BadRequest(413, "request body too large")
        expects = request.lower.get("expect", "").strip().lower() == "100-continue"
        if expects and request.version == "HTTP/1.1" and (chunked or length > len(self.buf)):
            self._send(b"HTTP/1.1 100 Continue\r\n\r\n")
        if chunked:
            return self._read_chunked()
        while len(self.buf) < length:
            self._recv_more()
        body = bytes(self.buf[:length])
        del self.buf[:length]
        return body

    def _read_line(self) -> bytes:
        while (end := self.buf.find(b"\n")) == -1:
            if len(self.buf) > _MAX_HEADER_BYTES:
                raise _BadRequest(400, "bad chunked request body")
            self._recv_more()
        line = bytes(self.buf[:end]).rstrip(b"\r")
        del self.buf[: end + 1]
        return line

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size_text = self._read_line().split(b";")[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _BadRequest(400, "bad chunk size") from None
            if size < 0 or len(body) + size > _MAX_BODY_BYTES:
                raise _BadRequest(413, "request body too large")
            if size == 0:
                while self._read_line():  # trailer fields, up to a blank line
                    pass
                return bytes(body)
            while len(self.buf) < size + 2:
                self._recv_more()
            body += self.buf[:size]
            del self.buf[: size + 2]

    # -- the connection ------------------------------------------------------

    def run(self) -> None:
        """Serve requests until either side closes; never raises."""
        how = "close"
        try:
            while True:
                try:
                    request = self._read_request()
                except _BadRequest as error:
                    logger.debug("connection %d: %s", self.number, error)
                    body = f"{error}\n".encode()
                    self._send(
                        _head(
                            error.status,
                            [
                                ("Content-Type", "text/plain; charset=utf-8"),
                                ("Content-Length", str(len(body))),
                                ("Connection", "close"),
                            ],
                            (),
                        )
                        + body
                    )
                    how = "linger"
                    break
                how = self._respond(request)
                if how != "keep":
                    break
        except (_ClientLeft, _Stopped):
            how = "close"
        except Exception:
            # A bug in the server; a test thread must not print, so DEBUG only.
            logger.debug("connection %d: unexpected error", self.number, exc_info=True)
            how = "close"
        finally:
            try:
                if how == "linger":
                    self._linger()
            except Exception:
                logger.debug("connection %d: error while closing", self.number, exc_info=True)
            finally:
                self._close(reset=how == "reset")

    def _linger(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return
        deadline = time.monotonic() + _LINGER_SECONDS
        try:
            while time.monotonic() < deadline:
                self._poll(max(0.0, deadline - time.monotonic()))
                self.buf.clear()
        except (_ClientLeft, _Stopped):
            pass

    def _close(self, *, reset: bool) -> None:
        self.selector.close()
        with self.server._cond:  # release() and stop() use the sockets with the lock held
            for extra in (self.nudge_r, self.nudge_w):
                if extra is not None:
                    extra.close()
            if reset:
                # SO_LINGER 0: close() sends a RST instead of a FIN.
                with contextlib.suppress(OSError):
                    self.sock.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
            self.sock.close()
            self.closed = True
            self.server._connection_closed(self)

    def shutdown(self) -> None:
        """Called by stop() with the server lock held: wake and end the handler."""
        if not self.closed:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)

    def _respond(self, request: _Request) -> str:
        """Answer one request; returns how to go on: keep, close, linger or reset."""
        index, reply, plan = self.server._record_request(request)
        logger.debug(
            "connection %d: request %d: %s %s",
            self.number,
            index,
            request.method,
            request.target.split("?")[0],
        )
        framing = reply.framing
        if framing == "chunked" and request.version == "HTTP/1.0":
            framing = "close"  # HTTP/1.0 has no chunked encoding
        headers: list[tuple[str, str]] = []
        if reply.content_type is not None:
            headers.append(("Content-Type", reply.content_type))
        if reply.gzip:
            headers.append(("Content-Encoding", "gzip"))
        bodiless = reply.status in _BODILESS  # no body, so no framing header either
        if framing == "chunked" and not bodiless:
            headers.append(("Transfer-Encoding", "chunked"))
        elif framing == "content-length" and not bodiless:
            headers.append(("Content-Length", str(plan.length)))
        closing = framing == "close" or request.wants_close
        if closing:
            headers.append(("Connection", "close"))
        elif request.version == "HTTP/1.0":
            headers.append(("Connection", "keep-alive"))
        head = _head(reply.status, headers, reply.headers)

        sent = writes = 0
        finished = client_left = False
        how = "linger" if closing else "keep"
        try:
            self._send(head)
            if request.method == "HEAD" or bodiless:
                finished = True
                return how
            count = len(plan.writes) if plan.cut is None else plan.cut
            items = list(plan.writes[:count])
            if plan.cut is None and plan.end:
                if items:
                    size, data = items[-1]
                    items[-1] = (size, data + plan.end)
                else:
                    items.append((0, plan.end))
            for number, (size, payload) in enumerate(items):
                if number == 0:
                    self._pause(reply.first_byte_delay)
                else:
                    if self.server._gated:
                        self._await_permit()
                    self._pause(reply.delay)
                last = plan.cut is None and number == len(items) - 1
                data = payload
                if framing == "chunked":
                    data = b"%x\r\n%s\r\n" % (len(payload), payload)
                    if last and not reply.keep_open:
                        data += b"0\r\n\r\n"
                # Counted before the write: a client holding the bytes of k
                # writes always finds .writes >= k (gated: == k).
                writes += 1
                self.server._count_write()
                self._send(data)
                sent += size
            if plan.cut is not None:
                if reply.stall_after is not None:
                    self._hold()  # until the client leaves or stop(): raises
                self._pause(_DROP_PAUSE)
                how = "reset"
                return how
            if not items and framing == "chunked" and not reply.keep_open:
                self._send(b"0\r\n\r\n")
            finished = True
            if reply.keep_open and framing != "content-length":
                self._hold()
            return how
        except _ClientLeft:
            client_left = True
            how = "close"
            return how
        except _Stopped:
            how = "close"
            return how
        finally:
            self.server._record_response(
                RecordedResponse(
                    index=index,
                    status=reply.status,
                    bytes_sent=sent,
                    writes=writes,
                    finished=finished,
                    client_left=client_left,
                )
            )
            logger.debug(
                "connection %d: response %d: status %d, %d bytes in %d writes, %s",
                self.number,
                index,
                reply.status,
                sent,
                writes,
                "client left" if client_left else how,
            )


class ReplayServer:
    """An HTTP/1.1 server on 127.0.0.1 that answers requests with :class:`Reply` objects.

    Request *k* (counting from 0, on any connection, any method and path) gets
    ``replies[k % len(replies)]``. A plain body (``bytes``, ``str`` or a path)
    is wrapped as ``Reply(body, **reply_options)``; with no replies at all
    every request gets an empty ``200`` SSE body (``Reply(**reply_options)``).
    ``port`` 0 (the default) picks a free port; one outside 0 to 65535 raises
    ``ValueError``.

    ``gated=True``: before each body write but the first of each response, the
    server waits until :meth:`release` grants a write, so a test can check that
    each event reached the client before the next one is sent.

    A context manager: ``with ReplayServer(...) as server:`` starts it and
    stops it. The server keeps connections alive between requests (for
    chunked and ``Content-Length`` replies), so a ``requests.Session`` reuses
    one connection; it reads each request's body completely before answering,
    and answers ``Expect: 100-continue``.
    """

    def __init__(
        self,
        *replies: Reply | bytes | str | os.PathLike[str],
        gated: bool = False,
        port: int = 0,
        **reply_options: Any,
    ) -> None:
        default = Reply(**reply_options)  # checks the options even when unused
        wrapped = tuple(
            reply if isinstance(reply, Reply) else Reply(reply, **reply_options)
            for reply in replies
        )
        self._replies: tuple[Reply, ...] = wrapped or (default,)
        self._gated = gated
        if type(port) is not int or not 0 <= port <= 65535:
            raise ValueError(f"port must be a whole number from 0 to 65535, got {port!r}")
        self._requested_port = port
        self._port: int | None = None
        self._cond = threading.Condition()
        self._state = "new"
        self._stopping = threading.Event()
        self._requests: list[RecordedRequest] = []
        self._responses: list[RecordedResponse] = []
        self._connections = 0
        self._open: set[_Connection] = set()
        self._threads: set[threading.Thread] = set()
        self._writes = 0
        self._permits = 0
        self._plans: dict[int, _Plan] = {}
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stop_r: socket.socket | None = None
        self._stop_w: socket.socket | None = None

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"<ReplayServer {where} ({self._state}, {len(self._replies)} replies)>"

    # -- life cycle ----------------------------------------------------------

    def start(self) -> ReplayServer:
        """Bind 127.0.0.1 and start serving in daemon threads; returns the server.

        Raises ``RuntimeError`` if it was already started, ``OSError`` if the
        port cannot be bound.
        """
        with self._cond:
            if self._state != "new":
                raise RuntimeError(f"a ReplayServer can be started once (it is {self._state})")
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                if os.name == "posix":
                    # Lets `chatsse serve --port N` be restarted at once.
                    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind((_HOST, self._requested_port))
                listener.listen(128)
                listener.setblocking(False)
            except BaseException:
                listener.close()
                raise
            self._listener = listener
            self._port = listener.getsockname()[1]
            self._stop_r, self._stop_w = socket.socketpair()
            self._state = "running"
            self._accept_thread = threading.Thread(
                target=self._accept_loop, name=f"chatsse-replay-{self._port}", daemon=True
            )
            self._accept_thread.start()
        logger.debug("serving on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop accepting, end every open connection and wait for the threads.

        Connections in any state (stalled, gated, kept open, mid-write) are
        shut down; the threads are joined for at most a few seconds in all.
        Calling it again, or before :meth:`start`, does nothing.
        """
        with self._cond:
            if self._state != "running":
                return  # (a server stopped before it started can still start)
            self._state = "stopped"
            self._stopping.set()
            assert self._stop_w is not None
            self._stop_w.send(b"x")  # never read: wakes every selector for good
            for connection in list(self._open):
                connection.shutdown()
            threads = list(self._threads)
        deadline = time.monotonic() + _STOP_JOIN_SECONDS
        assert self._accept_thread is not None
        assert self._listener is not None
        self._accept_thread.join(max(0.0, deadline - time.monotonic()))
        if not self._accept_thread.is_alive():
            self._listener.close()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            alive = [t for t in self._threads if t.is_alive()]
        if alive or self._accept_thread.is_alive():
            # Still using the wake-up sockets: leave them to the garbage collector.
            logger.debug("stop: %d threads did not finish", len(alive))
            return
        for sock in (self._stop_r, self._stop_w):
            if sock is not None:
                sock.close()
        logger.debug("stopped %s", self.url)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port. Raises ``RuntimeError`` before :meth:`start`."""
        if self._port is None:
            raise RuntimeError("the ReplayServer is not started")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{_HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """``url + "/v1"``: what an OpenAI-compatible client takes as its base URL."""
        return f"{self.url}/v1"

    @property
    def chat_url(self) -> str:
        """``url + "/v1/chat/completions"``."""
        return f"{self.url}/v1/chat/completions"

    # -- what happened -------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, in order (a copy)."""
        with self._cond:
            return list(self._requests)

    @property
    def responses(self) -> list[RecordedResponse]:
        """The responses the server has stopped writing, in the order they ended (a copy).

        A response is recorded when the server is done with it: written
        whole, stalled or held until the client left or the server stopped,
        or reset. See :meth:`wait_responses`.
        """
        with self._cond:
            return list(self._responses)

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        with self._cond:
            return self._connections

    @property
    def open_connections(self) -> int:
        """Client connections currently open (a kept-alive idle one counts)."""
        with self._cond:
            return len(self._open)

    @property
    def writes(self) -> int:
        """Body writes performed so far, over all connections.

        A write is counted as it starts, so once a client has received the
        bytes of *k* writes, ``writes`` is at least *k*; in gated mode, with
        one response in progress, it is exactly *k* until the next :meth:`release`.
        """
        with self._cond:
            return self._writes

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no client connection is open; ``False`` if ``timeout`` passes first.

        Returns at once when none is open. A client that closes its socket is
        noticed at once, whatever the server was doing; a client that keeps a
        connection alive in a pool (``requests.Session``) keeps it open.
        """
        return self._wait_for(lambda: not self._open, timeout)

    def wait_responses(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` responses are recorded; ``False`` if ``timeout`` passes first."""
        return self._wait_for(lambda: len(self._responses) >= count, timeout)

    def release(self, n: int = 1) -> None:
        """Gated mode: allow ``n`` more body writes (shared by all connections).

        Raises ``RuntimeError`` if the server is not gated, ``ValueError`` if
        ``n`` is negative.
        """
        if not self._gated:
            raise RuntimeError("release() is for a ReplayServer(gated=True)")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"n must be a whole number of writes, not negative, got {n!r}")
        with self._cond:
            self._permits += n
            for connection in self._open:
                if connection.nudge_w is not None:
                    # OSError: the socket is full (a nudge is pending anyway).
                    with contextlib.suppress(OSError):
                        connection.nudge_w.send(b"x")

    # -- internals -----------------------------------------------------------

    def _wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        assert self._stop_r is not None
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ)
        selector.register(self._stop_r, selectors.EVENT_READ)
        try:
            while not self._stopping.is_set():
                ready = selector.select()
                if self._stopping.is_set():
                    break
                if not any(key.fileobj is self._listener for key, _ in ready):
                    continue
                try:
                    sock, _address = self._listener.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    # Out of file descriptors, say: back off instead of spinning.
                    logger.debug("accept failed", exc_info=True)
                    self._stopping.wait(0.05)
                    continue
                try:
                    self._serve(sock)
                except Exception:
                    logger.debug("could not serve a connection", exc_info=True)
        except Exception:
            logger.debug("accept loop failed", exc_info=True)
        finally:
            selector.close()

    def _serve(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._cond:
            if self._stopping.is_set():
                sock.close()
                return
            self._connections += 1
            number = self._connections
            try:
                connection = _Connection(self, sock, number)
            except BaseException:
                sock.close()
                raise
            self._open.add(connection)
            thread = threading.Thread(
                target=self._run_connection,
                args=(connection,),
                name=f"chatsse-replay-{self._port}-{number}",
                daemon=True,
            )
            self._threads.add(thread)
            # Started with the lock held, so that stop() never joins a thread
            # that has not started.
            thread.start()
            self._cond.notify_all()
        logger.debug("connection %d accepted", number)

    def _run_connection(self, connection: _Connection) -> None:
        try:
            connection.run()
        finally:
            with self._cond:
                self._threads.discard(threading.current_thread())

    def _connection_closed(self, connection: _Connection) -> None:
        # Called with the lock held.
        self._open.discard(connection)
        self._cond.notify_all()

    def _record_request(self, request: _Request) -> tuple[int, Reply, _Plan]:
        try:
            parsed: Any = json.loads(request.body) if request.body else None
        except (ValueError, RecursionError):
            parsed = None
        record = RecordedRequest(
            method=request.method,
            path=request.target,
            headers=dict(request.headers),
            body=request.body,
            json=parsed,
            received_at=time.monotonic(),
        )
        with self._cond:
            index = len(self._requests)
            self._requests.append(record)
            self._cond.notify_all()
            which = index % len(self._replies)
            reply = self._replies[which]
            plan = self._plans.get(which)
            if plan is None:  # computed once per reply: compressing a long body takes time
                plan = self._plans[which] = _plan(reply)
        return index, reply, plan

    def _record_response(self, response: RecordedResponse) -> None:
        with self._cond:
            self._responses.append(response)
            self._cond.notify_all()

    def _count_write(self) -> None:
        with self._cond:
            self._writes += 1

    def _take_permit(self) -> bool:
        with self._cond:
            if self._permits > 0:
                self._permits -= 1
                return True
            return False
