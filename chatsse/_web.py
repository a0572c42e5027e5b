"""Re-streaming to browsers: events as SSE frames, and frames back into events.

A web backend (Flask, Django, any WSGI app) calls an upstream model with
``stream_chat`` and returns ``sse_frames(stream)`` as its response body. Each
event becomes one frame, ``event: <type>`` + ``data: <to_dict JSON>``, so a
browser's ``EventSource`` can listen per event type. An upstream failure
becomes a last ``event: error`` frame, so the browser learns why the answer
stopped. When the browser goes away, the WSGI server closes the frame
generator; that closes the upstream stream, so the model stops generating.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import queue
import re
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any, TypeAlias, cast

from ._api import ByteSource, _chunks_of, check_seconds
from ._errors import (
    APIError,
    ChatSSEError,
    ContextWindowExceededError,
    HTTPStatusError,
    IdleTimeoutError,
    ParserStateError,
    StreamError,
)
from ._events import ResponseEvent
from ._framing import DEFAULT_MAX_EVENT_BYTES, check_max_event_bytes, iter_sse
from ._json import MAX_JSON_DEPTH, nested_too_deep
from ._serialize import EVENT_TYPES, from_dict, json_text, to_dict

logger = logging.getLogger("chatsse")

# The deepest frame of a parsed stream: a usage object's raw copy sits one
# level further down in a completed frame than the usage in its chunk.
_MAX_FRAME_DEPTH = MAX_JSON_DEPTH + 1

#: The SSE event type of the frame that reports an upstream failure.
ERROR_EVENT = "error"
_KEEPALIVE_FRAME = b": keep-alive\n\n"

_ERROR_CLASSES: dict[str, type[ChatSSEError]] = {
    cls.__name__: cls
    for cls in (
        ChatSSEError,
        StreamError,
        IdleTimeoutError,
        ContextWindowExceededError,
        APIError,
        HTTPStatusError,
        ParserStateError,
    )
}


# What sse_frames() re-streams: the events, or a function that opens them.
_Events: TypeAlias = Iterable[ResponseEvent] | Callable[[], Iterable[ResponseEvent]]


def sse_frames(events: _Events, *, keepalive: float | None = None) -> Generator[bytes, None, None]:
    """The events as Server-Sent Events frames, ready to return from a WSGI view.

    ``events`` is an iterable of events (a :class:`ChatStream`, say), or a
    function without arguments that returns one, such as
    ``lambda: chatsse.stream_chat(url, body)``: it is called when the first
    frame is asked for, so that an error in opening the stream (an HTTP error
    from the upstream, a refused connection) reaches the browser as an error
    frame too.

    Each event is one frame: ``event: <type>`` and ``data: <JSON>``, where the
    type and the JSON are those of :func:`to_dict` (``output_text.delta``,
    ``completed``...). If the events raise a :class:`ChatSSEError` (the
    upstream failed), the last frame is ``event: error`` with
    ``{"type": "error", "error": <exception class>, "message": ...}`` (plus
    ``code`` for :class:`APIError`, ``status_code`` and ``retry_after`` for
    :class:`HTTPStatusError`), and the generator ends normally; the failure is
    logged at WARNING. Any other exception is reported to the browser as an
    ``InternalError`` frame without details, then raised.

    ``keepalive``: while no event comes for that many seconds (the model is
    thinking), send an SSE comment so that proxies and browsers keep the
    connection. The events are then read in a helper thread.

    Closing the generator (what a WSGI server does when the browser goes
    away) closes the events if they have a ``close()`` method: a
    :class:`ChatStream` hangs up on the upstream server at once, even while
    the helper thread is waiting on it. (A generator of yours that is being
    read, in the helper thread or in another thread iterating the frames,
    cannot be closed from outside it: the frames stop, and close it, when
    its next event arrives. Pass the stream, or a function opening it, to
    hang up at once.)
    """
    if keepalive is not None:
        check_seconds("keepalive", keepalive)
    source = _Source(events)
    return _Frames(_frames(source, keepalive), source)


class _Frames(Generator[bytes, None, None]):
    """The frames' generator, whose ``close()`` closes the events even before the
    first frame (a generator that has not started runs no clean-up when closed)."""

    def __init__(self, frames: Generator[bytes, None, None], source: _Source) -> None:
        self._frames = frames
        self._source = source

    def send(self, value: None) -> bytes:
        return self._frames.send(value)

    def throw(self, *args: Any) -> bytes:  # as the generator's
        return self._frames.throw(*args)

    def close(self) -> None:
        # The events first: a ChatStream hangs up at once, even while another
        # thread is inside next() on these frames (an async server's worker),
        # which then ends by itself.
        self._source.close()
        with contextlib.suppress(ValueError):  # "generator already executing"
            self._frames.close()  # (its clean-up closes the events again: that is fine)


class _Source:
    """The events to re-stream, opened on first use, closable from either thread."""

    def __init__(self, source: _Events) -> None:
        self._factory = source if callable(source) else None
        self.events: Iterable[ResponseEvent] | None = None if callable(source) else source
        self.closed = False  # close() was called: the client has gone

    def open(self) -> Iterable[ResponseEvent]:
        if self.events is None:
            assert self._factory is not None
            self.events = self._factory()
            if self.closed:
                self.close()  # closed while it was opening: hang up now, not at its first event
        return self.events

    def close(self) -> None:
        self.closed = True
        close = getattr(self.events, "close", None)
        if callable(close):
            # A ChatStream hangs up even while the helper thread reads it; a
            # generator running in the helper thread raises ValueError here
            # and is closed by that thread instead (_Pump).
            with contextlib.suppress(ValueError):
                close()


def _frames(source: _Source, keepalive: float | None) -> Generator[bytes, None, None]:
    pumped = _pumped(source, keepalive) if keepalive is not None else None
    try:
        for event in pumped if pumped is not None else source.open():
            if source.closed:
                return  # closed from another thread, which could not stop a generator of yours
            # (not checked to be an event: frame() raises TypeError for anything else)
            yield _KEEPALIVE_FRAME if event is _KEEPALIVE else frame(cast(ResponseEvent, event))
    except ChatSSEError as error:
        if source.closed:
            return  # it failed because the client left: nothing to report, no one to tell
        logger.warning("upstream stream failed: %s: %s", type(error).__name__, error)
        yield error_frame(error)
    except Exception:
        yield _frame(
            ERROR_EVENT,
            {
                "type": ERROR_EVENT,
                "error": "InternalError",
                "message": "the server failed while streaming",
            },
        )
        raise
    finally:
        if pumped is not None:
            pumped.close()  # tells the helper thread to stop
        source.close()


def frame(event: ResponseEvent) -> bytes:
    """One event as an SSE frame (``event:`` + ``data:`` + blank line), UTF-8."""
    data = to_dict(event)
    return _frame(data["type"], data)


def error_frame(error: ChatSSEError) -> bytes:
    """The ``event: error`` frame that reports ``error`` to a browser."""
    data: dict[str, Any] = {
        "type": ERROR_EVENT,
        "error": type(error).__name__,
        "message": error.message,
    }
    if isinstance(error, APIError) and error.code is not None:
        data["code"] = error.code
    if isinstance(error, HTTPStatusError):
        data["status_code"] = error.status_code
        data["retry_after"] = error.retry_after
    return _frame(ERROR_EVENT, data)


def _frame(event_type: str, data: dict[str, Any]) -> bytes:
    text = json_text(data)  # (NaN and infinities as null: JSON.parse refuses them)
    try:
        return f"event: {event_type}\ndata: {text}\n\n".encode()
    except UnicodeEncodeError:
        # A lone surrogate (from a "\\ud800" escape in the upstream's JSON)
        # cannot be UTF-8: it alone becomes a JSON \\u escape (it can only be
        # inside a string), the rest stays UTF-8.
        text = _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
        return f"event: {event_type}\ndata: {text}\n\n".encode()


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _Pump:
    """Reads the events in a thread, so the consumer can time out waiting."""

    _END = object()

    def __init__(self, source: _Source) -> None:
        self.queue: queue.Queue[object] = queue.Queue(maxsize=256)
        self.stopped = threading.Event()
        self._source = source
        self.thread = threading.Thread(target=self._run, name="chatsse-sse-frames", daemon=True)

    def _run(self) -> None:
        try:
            events = self._source.open()
            if self.stopped.is_set():
                self._source.close()  # the consumer left while the stream opened
                return
            for event in events:
                if not self._put(event):
                    self._source.close()  # this thread runs it, so it can close it
                    return
        except BaseException as error:  # handed to the consumer, raised there
            self._put(error)
            return
        self._put(self._END)

    def _put(self, item: object) -> bool:
        # A bounded queue: a stalled browser must not make the pump buffer the
        # whole answer; once the consumer is gone, stop.
        while not self.stopped.is_set():
            try:
                self.queue.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False


#: What _pumped yields when ``keepalive`` seconds pass without an event.
_KEEPALIVE = object()


def _pumped(source: _Source, keepalive: float) -> Generator[object, None, None]:
    """The events, with ``_KEEPALIVE`` whenever ``keepalive`` seconds pass without one."""
    pump = _Pump(source)
    pump.thread.start()
    try:
        while True:
            try:
                item = pump.queue.get(timeout=keepalive)
            except queue.Empty:
                yield _KEEPALIVE
                continue
            if item is _Pump._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        pump.stopped.set()


def decode_frames(
    source: ByteSource, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
) -> Iterator[ResponseEvent]:
    """The events of a stream of :func:`sse_frames` frames: the inverse, for Python
    clients of a re-streaming backend and for tests.

    ``source`` is what :func:`iter_events` accepts. Keep-alive comments are
    skipped, and so are frames of an unknown type (from a newer server). An
    ``error`` frame raises the exception it reports (:class:`APIError`,
    :class:`StreamError`...; :class:`ChatSSEError` for a kind this version
    does not know) with its message. A malformed frame raises
    :class:`StreamError`, as does one nested deeper than any frame of a
    parsed stream. Frames that stop without ``completed`` (a backend that
    died mid-answer) just end: check that the last event is a
    :class:`Completed`.
    """
    max_event_bytes = check_max_event_bytes(max_event_bytes)
    return _decode(_chunks_of(source), max_event_bytes)


def _decode(chunks: Iterable[bytes], max_event_bytes: int) -> Iterator[ResponseEvent]:
    for sse in iter_sse(chunks, max_event_bytes):
        if sse.event == ERROR_EVENT:
            raise _error_from_frame(sse.data)
        if sse.event not in EVENT_TYPES:
            logger.debug("skipping a frame of unknown type %r", sse.event)
            continue
        try:
            data = json.loads(sse.data)
            event = from_dict(data)
        except (ValueError, TypeError, RecursionError) as error:
            raise StreamError(f"malformed {sse.event!r} frame: {error}") from error
        if nested_too_deep(sse.data, data, _MAX_FRAME_DEPTH):
            # Deeper than any frame sse_frames makes of a parsed stream (a hostile
            # or broken backend's): refused, before a backend re-streaming it
            # finds json.dumps' recursion limit.
            raise StreamError(
                f"malformed {sse.event!r} frame: nested deeper than {_MAX_FRAME_DEPTH}"
            )
        if data["type"] != sse.event:
            raise StreamError(f"frame type {sse.event!r} holds a {data['type']!r} event")
        yield event


def _seconds(value: object) -> float | None:
    """A frame's ``retry_after``: a finite number of seconds, else None."""
    if type(value) is not int and type(value) is not float:
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer of hundreds of digits
        return None
    return seconds if math.isfinite(seconds) else None


def _error_from_frame(text: str) -> ChatSSEError:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return StreamError(f"the server reported an error: {text[:500]}")
    if not isinstance(data, dict):
        return StreamError(f"the server reported an error: {text[:500]}")
    kind = data.get("error")
    message = data.get("message")
    message = message if isinstance(message, str) else f"the server reported {kind!r:.500}"
    cls = _ERROR_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is APIError:
        code = data.get("code")
        valid_code = type(code) is int or isinstance(code, str)
        return APIError(message, code=code if valid_code else None, raw=data)
    if cls is HTTPStatusError:
        status = data.get("status_code")
        return HTTPStatusError(
            status if type(status) is int else 0,
            message,
            retry_after=_seconds(data.get("retry_after")),
        )
    if cls is None:
        return ChatSSEError(f"{kind}: {message}" if isinstance(kind, str) else message)
    return cls(message)
