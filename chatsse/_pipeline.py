"""The loop shared by iter_events() and the HTTP driver: SSE events in, chatsse events out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from ._errors import ChatSSEError, StreamError
from ._events import ResponseEvent
from ._framing import SSEBatch
from ._parser import ChatStreamParser

logger = logging.getLogger("chatsse")


def events_from_sse(
    parser: ChatStreamParser, batches: Iterable[SSEBatch]
) -> Iterator[ResponseEvent]:
    """Feed every SSE event to the parser and yield what it returns.

    ``batches`` are lists of SSE events (see ``sse_batches``). An error is
    raised after the events its chunk produced (they are in its ``events``),
    with the parser's open items as ``partial_items``. Nothing is read after
    ``[DONE]`` (P2); an input that ends without it is ended (P12).
    """
    for events in event_lists(parser, batches):
        yield from events


def event_lists(
    parser: ChatStreamParser, batches: Iterable[SSEBatch]
) -> Iterator[list[ResponseEvent]]:
    """:func:`events_from_sse`, a list per batch of SSE events (never an empty one).

    Handing events over a list at a time spares a step of every generator
    between the parser and the caller per event. The list that ends with
    ``Completed`` is the last; an error is raised after the list of the
    events before it, its chunk's included.
    """
    try:
        for batch in batches:
            events: list[ResponseEvent] = []
            try:
                parser._feed_all(batch, events)
            except ChatSSEError as error:
                events += error.events
                if events:
                    yield events
                raise
            if events:
                yield events
            if parser.finished:
                return  # [DONE]
    except StreamError as error:
        error.partial_items = tuple(parser.partial_items())
        raise
    yield parser.end()


def end_or_raise(parser: ChatStreamParser, error: StreamError) -> None:
    """The transport failed: raise ``error``, unless the answer was already whole.

    Once a finish reason has been seen the model has said everything it had to
    say; a connection that breaks or stalls after it (before ``[DONE]``) ends
    the stream normally instead (D4).
    """
    if parser.finish_reason is None:
        raise error
    logger.debug("stream ended after finish_reason %r: %s", parser.finish_reason, error)


def guard_source(chunks: Iterable[bytes], parser: ChatStreamParser) -> Iterator[bytes]:
    """The chunks of a caller's source, with ``OSError`` turned into ``StreamError``."""
    iterator = iter(chunks)
    while True:
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        except OSError as error:
            failure = StreamError(f"reading the SSE source failed: {error}")
            failure.__cause__ = error
            end_or_raise(parser, failure)
            return
        yield chunk
