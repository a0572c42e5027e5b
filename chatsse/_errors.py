"""The exceptions chatsse raises (SPEC §5). All derive from :class:`ChatSSEError`.

Any other exception escaping a public call of chatsse is a bug, except for
programming errors in the call itself: ``TypeError`` for an argument of the
wrong type (``mypy`` catches those) and ``ValueError`` for an invalid value
(such as ``max_event_bytes=0``), raised at once when the call is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._events import ResponseEvent, ResponseItem


class ChatSSEError(Exception):
    """Base class of every chatsse error.

    Attributes that every error carries, so that nothing already streamed is lost:

    * ``events`` - the events produced by the same ``feed()`` call just before
      the error (a chunk can hold the last text delta *and* the error); the
      iterators yield them before raising, so you only need them when you call
      :meth:`ChatStreamParser.feed` yourself.
    * ``partial_items`` - the items still open when the error happened:
      the reasoning, the message, then the pending tool calls (with the
      arguments received so far), in that order.
    """

    def __init__(
        self,
        message: str,
        *,
        events: Iterable[ResponseEvent] = (),
        partial_items: Iterable[ResponseItem] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.events: tuple[ResponseEvent, ...] = tuple(events)
        self.partial_items: tuple[ResponseItem, ...] = tuple(partial_items)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments would be lost by Exception's default
        # pickling; rebuild from the instance's attributes instead.
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[ChatSSEError], message: str, state: dict[str, Any]) -> ChatSSEError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class StreamError(ChatSSEError):
    """The byte stream failed: reading the source raised ``OSError`` (a broken
    connection, a failing file), or the peer sent an event larger than
    ``max_event_bytes`` or with more than :data:`MAX_EVENT_LINES` lines.
    The underlying exception, if any, is the ``__cause__``."""


class IdleTimeoutError(StreamError):
    """No bytes arrived for ``idle_timeout`` seconds before the stream finished."""


class ContextWindowExceededError(ChatSSEError):
    """The model stopped with ``finish_reason: "length"``: the context window (or
    ``max_tokens``) ran out. ``partial_items`` holds what was generated. Pass
    ``raise_on_length=False`` to receive a normal :class:`Completed` instead."""


class APIError(ChatSSEError):
    """The provider reported an error inside the stream: an ``event: error``
    SSE event, or an error object in a chunk (see :doc:`errors`).

    ``message``, ``code`` (a string or an integer, as the provider sent it;
    ``429.0`` is ``429``), ``type`` and ``param`` come from the provider's
    error object; ``raw`` is that object (or the raw text) as received.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | int | None = None,
        type: str | None = None,
        param: str | None = None,
        raw: Any = None,
        events: Iterable[ResponseEvent] = (),
        partial_items: Iterable[ResponseItem] = (),
    ) -> None:
        super().__init__(message, events=events, partial_items=partial_items)
        self.code = code
        self.type = type
        self.param = param
        self.raw = raw

    def __str__(self) -> str:
        details = [
            f"{name}={value!r}"
            for name, value in (("code", self.code), ("type", self.type))
            if value is not None
        ]
        suffix = f" ({', '.join(details)})" if details else ""
        return f"{self.message}{suffix}"


class HTTPStatusError(ChatSSEError):
    """The server answered with a non-2xx status before streaming.

    ``status_code``; ``message`` - the provider's message from an OpenAI-style
    error body, else the reason phrase; ``body`` - the response body, read up
    to a bound; ``retry_after`` - seconds to wait, from a ``Retry-After``
    header (seconds or HTTP date), or ``None``.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        body: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"HTTP {self.status_code}: {self.message}"


class ParserStateError(ChatSSEError):
    """Caller misuse: feeding (or ending) a parser that has already finished."""
