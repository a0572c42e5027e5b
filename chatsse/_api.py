"""The in-memory entry points: iter_events() over bytes, and collect()."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import attrs

from ._events import (
    Completed,
    FunctionCall,
    Message,
    OutputItemDone,
    Reasoning,
    ResponseEvent,
    ResponseItem,
    TokenUsage,
    join_pieces,
)
from ._framing import DEFAULT_MAX_EVENT_BYTES, check_max_event_bytes, sse_batches
from ._parser import ChatStreamParser
from ._pipeline import events_from_sse, guard_source

_READ_SIZE = 64 * 1024

#: What iter_events() accepts: the whole body, a binary file, or chunks.
ByteSource = bytes | bytearray | memoryview | BinaryIO | Iterable[bytes]


def iter_events(
    source: ByteSource,
    *,
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    **parser_options: Any,
) -> Iterator[ResponseEvent]:
    """Parse a Chat Completions SSE body from memory into events.

    ``source`` is the whole body as ``bytes``, a binary file object (read as
    it fills: a pipe or socket file yields events as they arrive), or any
    iterable of ``bytes`` chunks split anywhere. ``parser_options`` are those
    of :class:`ChatStreamParser`. Any split of the bytes gives the same
    events; see :doc:`behaviour` for the framing rules.

    Yields events as their bytes arrive, ending with :class:`Completed`.
    Raises what :meth:`ChatStreamParser.feed` raises (after yielding the
    events the failing chunk produced), and :class:`StreamError` for an
    event over ``max_event_bytes`` or :data:`MAX_EVENT_LINES`, or a source
    that fails with ``OSError``. Every error carries ``partial_items``.
    Reading stops at ``[DONE]``. ``TypeError`` if ``source`` is text or not
    bytes-like, ``ValueError`` if ``max_event_bytes`` is not positive or the
    file is in non-blocking mode (its ``read()`` returning ``None``).
    """
    parser = ChatStreamParser(**parser_options)  # bad options fail here, not at the first next()
    return parse_source(parser, source, max_event_bytes)


def check_seconds(name: str, seconds: float) -> None:
    """Refuse a wait that is not positive, or longer than a thread or a socket can
    wait (``threading.TIMEOUT_MAX``, 292 years: beyond it, they overflow); NaN too."""
    if not 0 < seconds <= threading.TIMEOUT_MAX:
        raise ValueError(
            f"{name} must be a positive number of seconds, at most "
            f"{threading.TIMEOUT_MAX:g} (the longest a thread or a socket can wait), "
            f"got {seconds!r}"
        )


def parse_source(
    parser: ChatStreamParser, source: ByteSource, max_event_bytes: int
) -> Iterator[ResponseEvent]:
    """iter_events() with the parser given (the benchmarks pass one decoding with ``json``)."""
    max_event_bytes = check_max_event_bytes(max_event_bytes)
    chunks = guard_source(_chunks_of(source), parser)
    return events_from_sse(parser, sse_batches(chunks, max_event_bytes))


def _chunks_of(source: object) -> Iterable[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return (bytes(source),)
    if isinstance(source, str):
        raise TypeError(
            "iter_events() needs bytes, not str: encode the body, or open files in 'rb'"
        )
    read = getattr(source, "read1", None) or getattr(source, "read", None)
    if callable(read):
        return _read_chunks(read)
    if not isinstance(source, Iterable):
        raise TypeError(f"iter_events() needs bytes, a binary file or chunks, got {source!r:.100}")
    return source


def _read_chunks(read: Any) -> Iterator[bytes]:
    while True:
        chunk = read(_READ_SIZE)
        if not chunk:
            if chunk is None:  # no bytes yet, which only a non-blocking file says
                raise ValueError(
                    "iter_events() needs a blocking file: this one is in non-blocking mode, "
                    "and its read() returned None before the input ended"
                )
            return
        if isinstance(chunk, str):
            raise TypeError("iter_events() needs a binary file: open it in 'rb' mode")
        yield chunk


@attrs.frozen
class ChatResult:
    """Everything one response said, gathered by :func:`collect`.

    ``text``, ``refusal`` and ``reasoning`` join every message / reasoning
    item; ``tool_calls`` are the finished calls in order; ``items`` every
    finished item in the order the stream closed them (nothing is lost:
    reasoning summaries and encrypted reasoning are there).
    """

    text: str
    refusal: str
    reasoning: str
    tool_calls: tuple[FunctionCall, ...]
    usage: TokenUsage | None
    finish_reason: str | None
    response_id: str
    items: tuple[ResponseItem, ...]


def collect(events: Iterable[ResponseEvent]) -> ChatResult:
    """Consume a stream's events and return the whole answer.

    Errors raised while iterating ``events`` propagate unchanged (they carry
    ``partial_items``). If the events end without :class:`Completed`, usage,
    finish reason and response id are empty.
    """
    items: list[ResponseItem] = []
    completed: Completed | None = None
    for event in events:
        if isinstance(event, OutputItemDone):
            items.append(event.item)
        elif isinstance(event, Completed):
            completed = event
    messages = [item for item in items if isinstance(item, Message)]
    return ChatResult(
        text=join_pieces([message.text for message in messages]),
        refusal=join_pieces([message.refusal for message in messages]),
        reasoning=join_pieces([item.text for item in items if isinstance(item, Reasoning)]),
        tool_calls=tuple(item for item in items if isinstance(item, FunctionCall)),
        usage=completed.token_usage if completed else None,
        finish_reason=completed.finish_reason if completed else None,
        response_id=completed.response_id if completed else "",
        items=tuple(items),
    )
