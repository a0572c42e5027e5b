"""The HTTP driver: POST a Chat Completions request and stream its events (SPEC §6).

The only module that imports ``requests``. It owns what the parser must not:
the socket, the clock, timeouts and closing. The body is read as it arrives
(D3): a chunked body one HTTP chunk at a time, with urllib3's ``read_chunked``
(a sender has a whole chunk in hand when it announces its size, so waiting
for the rest of a chunk holds an event back no longer than the chunk takes
to cross the network; requests' own ``iter_content`` waits the same way);
any other body with urllib3's ``read1``, which returns whatever has arrived,
where ``iter_content`` would wait for a full buffer. gzip is decoded on the way
either way. The socket's read timeout is the idle timeout (D1): it bounds
each wait for bytes, so keep-alive comments keep a slow stream alive.
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import functools
import json as jsonlib
import logging
import math
import socket
import time
import urllib.parse
from collections.abc import Callable, Generator, Iterator, Mapping
from types import TracebackType
from typing import Any, Protocol

import attrs
import requests
import urllib3.exceptions
import urllib3.response

from ._api import check_seconds
from ._errors import ChatSSEError, HTTPStatusError, IdleTimeoutError, StreamError
from ._events import Completed, ResponseEvent
from ._framing import (
    DEFAULT_MAX_EVENT_BYTES,
    ServerSentEvent,
    SSEBatch,
    check_max_event_bytes,
    iter_sse,
    sse_batches,
)
from ._json import MAX_JSON_DEPTH, nested_too_deep
from ._parser import ChatStreamParser
from ._pipeline import end_or_raise, event_lists

logger = logging.getLogger("chatsse")

_READ_SIZE = 64 * 1024
# How much of an error body (non-2xx) or an unexpected body is kept.
_ERROR_BODY_LIMIT = 64 * 1024
# After [DONE], how long the rest of the body (the chunked terminator) may take
# to arrive before the connection is closed rather than returned to the pool.
_DRAIN_TIMEOUT = 0.05
_DRAIN_LIMIT = 64 * 1024
_CLOSED_EARLY = "close() was called before the answer ended"

# What reading the body raises when the connection fails or the server breaks
# the HTTP framing: ValueError is http.client's for a negative chunk size.
_TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, OSError, ValueError)


class SSETelemetry(Protocol):
    """What ``telemetry=`` receives (the seed's ``SseTelemetry``).

    ``on_sse_poll`` is called after every read of one SSE event with what the
    read gave - the SSE event, ``None`` when the body ended, or the error - and
    the seconds the read waited. It runs on the consuming thread; an exception
    it raises ends the stream.
    """

    def on_sse_poll(
        self, outcome: ServerSentEvent | ChatSSEError | None, elapsed_seconds: float
    ) -> None: ...


@attrs.frozen
class StreamStats:
    """Measurements of one stream (a snapshot: read ``ChatStream.stats`` again for news).

    Times are seconds since the request was sent.
    """

    #: When the first byte of the body arrived (``None`` before that).
    time_to_first_byte: float | None
    #: When the first event carrying model output was yielded (``None`` before that).
    time_to_first_token: float | None
    #: SSE events read from the body.
    sse_events: int
    #: chatsse events yielded (those of one SSE event are counted together, as it is read).
    events: int
    #: Body bytes received (after gzip decoding).
    bytes_received: int
    #: From sending the request to the end of the stream, or to now while it runs.
    duration: float


class _Progress:
    """Counters shared by a ChatStream and its reading generator (which must not
    hold the ChatStream itself: an abandoned stream must be freed at once)."""

    __slots__ = (
        "bytes",
        "closing",
        "ended",
        "events",
        "first_byte",
        "first_token",
        "sse_events",
        "started",
    )

    def __init__(self, started: float) -> None:
        self.started = started
        self.closing = False  # ChatStream.close() was called (from any thread)
        self.first_byte: float | None = None
        self.first_token: float | None = None
        self.ended: float | None = None
        self.sse_events = 0
        self.events = 0
        self.bytes = 0

    def snapshot(self) -> StreamStats:
        def since(moment: float | None) -> float | None:
            return None if moment is None else moment - self.started

        end = self.ended if self.ended is not None else time.perf_counter()
        return StreamStats(
            time_to_first_byte=since(self.first_byte),
            time_to_first_token=since(self.first_token),
            sse_events=self.sse_events,
            events=self.events,
            bytes_received=self.bytes,
            duration=end - self.started,
        )


class ChatStream:
    """The events of one streaming response, as they arrive.

    Iterate it (once) for :data:`~chatsse.ResponseEvent`\\ s; use it as a
    context manager, or call :meth:`close`, to hang up early. Whatever way
    the stream ends - ``[DONE]``, an error, ``close()``, leaving the ``with``
    block, or the stream being dropped or garbage-collected mid-answer - the
    response is closed and the server sees the client leave, so it can stop
    generating (D5). After ``[DONE]`` the connection goes back to the
    session's pool if the server finished the body at once.

    Iterating raises what :func:`~chatsse.iter_events` raises, plus
    :class:`IdleTimeoutError` (no bytes for ``idle_timeout`` seconds) and
    :class:`StreamError` (the connection broke). Neither is raised once a
    finish reason has arrived: then the stream just completes (D4).
    """

    def __init__(
        self,
        response: requests.Response,
        events: Generator[ResponseEvent, None, None],
        progress: _Progress,
        session: requests.Session | None,
    ) -> None:
        #: The ``requests.Response``: status, headers (read-only: the body is chatsse's).
        self.response = response
        self._events = events
        self._progress = progress
        self._owned_session = session

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> ResponseEvent:
        try:
            return next(self._events)
        except ValueError:
            if self._progress.closing:
                # close(), in another thread, is running the reader's clean-up
                # ("generator already executing"): the stream is over.
                raise StopIteration from None
            raise

    @property
    def stats(self) -> StreamStats:
        """Time to first byte and first token, counts and duration, so far."""
        return self._progress.snapshot()

    def close(self) -> None:
        """Stop reading and release the connection. Safe to call at any time, repeatedly,
        and from another thread than the one iterating (a web server's, say)."""
        self._progress.closing = True
        try:
            self._events.close()  # runs the reader's clean-up if it had started
        except ValueError:
            # Another thread is inside next(), blocked reading the socket.
            # Shutting the socket down wakes it at once; its own clean-up
            # then closes the response. Closing it from here would race.
            _shut_down(self.response)
            return
        self.response.close()
        if self._owned_session is not None:
            _close_session(self._owned_session)
            self._owned_session = None
        if self._progress.ended is None:
            self._progress.ended = time.perf_counter()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # A stream dropped before it was iterated still holds a connection.
        with contextlib.suppress(Exception):  # nothing may escape a finaliser
            self.close()


def stream_chat(
    url: str,
    json: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    idle_timeout: float = 300.0,
    connect_timeout: float = 10.0,
    telemetry: SSETelemetry | None = None,
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    **parser_options: Any,
) -> ChatStream:
    """POST a Chat Completions request and return its events as a :class:`ChatStream`.

    ``url`` is the full endpoint (``https://api.openai.com/v1/chat/completions``);
    ``json`` the request body, sent with ``"stream": true`` added unless it says
    otherwise. ``headers`` are added to the request (put your ``Authorization``
    here; chatsse never logs headers). ``session`` lets streams share a
    connection pool, and carries any retry policy: nothing is retried once the
    stream has started. ``idle_timeout`` bounds each wait for bytes (a
    keep-alive comment counts); ``connect_timeout`` bounds connecting.
    ``parser_options`` are those of :class:`ChatStreamParser`.

    The request is sent before this returns. Raises :class:`HTTPStatusError`
    for a non-2xx answer; :class:`StreamError` if the server cannot be
    reached or answers something that is not an event stream (a JSON answer,
    from a server that ignored ``stream``, is turned into the same events);
    :class:`IdleTimeoutError` if the response headers take longer than
    ``idle_timeout``. ``TypeError``/``ValueError`` for invalid arguments.
    """
    parser = ChatStreamParser(**parser_options)
    max_event_bytes = check_max_event_bytes(max_event_bytes)
    check_seconds("idle_timeout", idle_timeout)
    check_seconds("connect_timeout", connect_timeout)
    body = dict(json)
    body.setdefault("stream", True)
    request_headers = {"Accept": "text/event-stream", **(headers or {})}
    owned_session = requests.Session() if session is None else None
    http = session or owned_session
    assert http is not None
    where, secrets = _url_parts(url)

    logger.debug("POST %s", where)
    progress = _Progress(time.perf_counter())
    try:
        response = _post(http, url, body, request_headers, (connect_timeout, idle_timeout))
    except BaseException as error:
        if owned_session is not None:
            _close_session(owned_session)
        failure = _request_error(error, where, connect_timeout, secrets)
        if failure is error:
            hidden = _without_secrets(error, url)
            if hidden is not None:
                raise hidden from None  # (the original quotes a key or password)
            raise  # the caller's own mistake, or KeyboardInterrupt: as it came
        cause = error.__cause__ if isinstance(error, _SendError) else error
        raise failure from _cause_without_secrets(cause, secrets)

    try:
        events = _response_events(
            response,
            parser=parser,
            progress=progress,
            telemetry=telemetry,
            max_event_bytes=max_event_bytes,
            where=where,
            owned_session=owned_session,
        )
    except BaseException:
        response.close()
        if owned_session is not None:
            _close_session(owned_session)
        raise
    return ChatStream(response, events, progress, owned_session)


def _check_headers(headers: Mapping[Any, Any]) -> None:
    """Refuse a header requests would refuse, or http.client fail to send, without
    quoting its value, as requests' message would: the value may be a key.
    ``None`` values are skipped (requests drops them: a Session's header removed)."""
    for name, value in headers.items():
        if value is None:
            continue
        try:
            requests.utils.check_header_validity((name, value))
            # What http.client sends: an ASCII name, a Latin-1 value. A NUL in
            # either is invalid (RFC 9110), and neither requests nor it checks.
            sent_name = name.encode("ascii") if isinstance(name, str) else name
            sent = value.encode("latin-1") if isinstance(value, str) else value
            if b"\0" in sent_name or b"\0" in sent:
                raise requests.exceptions.InvalidHeader
        except (requests.exceptions.InvalidHeader, UnicodeEncodeError):
            raise ValueError(
                f"header {name!r} cannot be sent: a name or value that is not a str or bytes, "
                "or that holds a line break, a NUL, whitespace at its start or a character "
                "outside ASCII (a name) or Latin-1 (a value); the value is not shown, as it "
                "may hold a key"
            ) from None


class _SendError(Exception):
    """Sending the request failed, after the caller's arguments made a valid one."""


def _post(
    http: requests.Session,
    url: str,
    body: dict[str, Any],
    headers: Mapping[str, str],
    timeout: tuple[float, float],
) -> requests.Response:
    """``http.post(...)``, in its two steps: what fails in preparing the request is
    the caller's (an invalid URL, a body that is not JSON) and raised as it came,
    but for a header that cannot be sent (a ValueError naming it, never quoting
    its value); what fails in sending it, redirects included, is the connection's
    or the server's (an invalid Location or Content-Length), raised as a
    _SendError, and a redirect not followed is an HTTPStatusError."""
    received: list[requests.Response] = []  # every answer, redirects included

    def keep(response: requests.Response, **_: Any) -> None:
        received.append(response)
        if response.is_redirect:
            refusal = _redirect_refusal(http, response)
            if refusal is not None:
                raise _RefusedRedirect(response, refusal)  # out of send(), before it follows

    # The Session's own response hooks too: the request's would replace them.
    session_hooks = http.hooks.get("response") or []
    hooks = [session_hooks] if callable(session_hooks) else list(session_hooks)
    hooks.append(keep)
    request = requests.Request("POST", url, json=body, headers=headers, hooks={"response": hooks})
    try:
        prepared = http.prepare_request(request)
    except requests.exceptions.InvalidHeader:
        _check_headers({**http.headers, **headers})  # names the header, unquoted
        raise ValueError("a header cannot be sent") from None  # (not found: never seen)
    _check_headers(prepared.headers)  # the headers sent, the Session's among them
    assert prepared.url is not None
    http.get_adapter(prepared.url)  # InvalidSchema for a URL no adapter serves (ftp://...)
    settings = http.merge_environment_settings(prepared.url, {}, True, None, None)
    try:
        return http.send(prepared, timeout=timeout, allow_redirects=True, **settings)
    except _RefusedRedirect as refused:
        for response in received:
            if response is not refused.response:
                response.close()
        raise _http_status_error(refused.response, refused.reason) from None
    except BaseException as error:
        for response in received:  # a redirect that could not be followed, say
            response.close()
        if isinstance(error, (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout)):
            raise
        if isinstance(error, Exception):
            raise _SendError(error) from error
        raise


class _RefusedRedirect(Exception):
    """A redirect chatsse does not follow; ``reason`` says why."""

    def __init__(self, response: requests.Response, reason: str) -> None:
        super().__init__(reason)
        self.response = response
        self.reason = reason


def _redirect_refusal(http: requests.Session, response: requests.Response) -> str | None:
    """Why the redirect ``response`` must not be followed, or None to follow it.

    Only a 307 or 308 keeps the POST and its body, and only to the same
    server (as requests judges it, when deciding to keep ``Authorization``):
    requests sends every other header, ``api-key`` and the like, wherever the
    redirect points.
    """
    try:
        target = urllib.parse.urljoin(response.url, http.get_redirect_target(response))
        # (requests' own rule; types-requests leaves it untyped)
        another_server = http.should_strip_auth(response.url, target)  # type: ignore[no-untyped-call]
    except ValueError:
        return None  # an invalid Location: requests fails to follow it
    if response.status_code not in (307, 308):
        return (
            f"redirected to {_safe_url(target)}: not followed, as a {response.status_code} "
            "turns the POST into a GET without its body"
        )
    if another_server:
        return (
            f"redirected to {_safe_url(target)}, another server: not followed, "
            "as it would be sent the request's headers, and any key in them"
        )
    return None


def _request_error(
    error: BaseException, where: str, connect_timeout: float, secrets: list[str]
) -> BaseException:
    """The chatsse error for what failed in sending the request (or ``error`` itself,
    for the caller's own mistakes); its message never quotes ``secrets``."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return StreamError(f"could not connect to {where} within {connect_timeout} s")
    if isinstance(error, requests.exceptions.ReadTimeout):
        return IdleTimeoutError("idle timeout waiting for SSE")
    if isinstance(error, requests.exceptions.InvalidJSONError):
        return TypeError(f"the request body is not JSON-serialisable: {error}")
    if isinstance(error, _SendError):
        # requests' message quotes the whole URL; ours never shows its query.
        cause = error.__cause__
        assert cause is not None
        if isinstance(cause, requests.ConnectionError):
            broken = _broken_answer(cause)
            if broken is not None:
                return StreamError(f"no HTTP answer from {where}: {_reason(broken, secrets)}")
            return StreamError(f"could not connect to {where}: {_os_reason(cause)}")
        # (A Session's Retry that ran out: urllib3's message quotes the URL.)
        return StreamError(f"the request to {where} failed: {_reason(cause, secrets)}")
    return error  # the caller's own mistake, or KeyboardInterrupt


def _cause_without_secrets(cause: BaseException | None, secrets: list[str]) -> BaseException | None:
    """``cause`` to chain to a chatsse error; but when the URL holds secrets, a copy
    of the operating system's error at its root, without a chain, or nothing:
    urllib3's and requests' messages quote the URL as sent, its query string
    re-encoded (so no search for the secrets' text in them can be trusted)."""
    if cause is None or not secrets:
        return cause
    root = _root_os_error(cause)
    if root is None:
        return None
    try:
        return type(root)(root.errno, root.strerror)
    except Exception:  # a class that wants other arguments
        return OSError(root.errno, root.strerror)


def _without_secrets(error: BaseException, url: str) -> BaseException | None:
    """``error`` again if its message quotes what ``_safe_url`` leaves out of ``url``
    (requests' InvalidURL quotes the whole URL), with the safe URL instead; else None."""
    where, secrets = _url_parts(url)
    message = str(error)
    if not isinstance(error, ValueError) or not any(secret in message for secret in secrets):
        return None
    message = message.replace(url, where)
    if any(secret in message for secret in secrets):
        message = f"invalid URL: {where}"
    try:
        return type(error)(message)  # requests' InvalidURL, say: the same class
    except Exception:  # a class that wants other arguments
        return ValueError(message)


def _broken_answer(error: requests.ConnectionError) -> BaseException | None:
    """What broke the answer, if the connection was made but no HTTP answer came:
    the server closed it, sent something that is not HTTP, or too many headers."""
    failure = error.args[0] if error.args else None
    if isinstance(failure, urllib3.exceptions.MaxRetryError):  # (a Session's Retry)
        failure = failure.reason
    if not isinstance(failure, urllib3.exceptions.ProtocolError):
        return None
    # ("Connection aborted.", RemoteDisconnected(...)): the second says what happened.
    return next((arg for arg in failure.args if isinstance(arg, BaseException)), failure)


def _reason(error: BaseException, secrets: list[str]) -> str:
    """The operating system's reason, if any; else the error's type and its own
    words, which quote the URL as sent: with ``secrets`` in the URL, only a
    retry's reason, which names no URL, is kept of them."""
    reason = _os_reason(error)
    if reason != type(error).__name__ or not str(error):
        return reason
    if not secrets:
        return f"{reason}: {str(error)[:300]}"
    retry = next(
        (arg for arg in error.args if isinstance(arg, urllib3.exceptions.MaxRetryError)), None
    )
    if retry is None or retry.reason is None:
        return reason
    return f"{reason}: {str(retry.reason)[:300]}"


def _os_reason(error: BaseException) -> str:
    """The operating system's reason at the root of a requests/urllib3 error, if any."""
    root = _root_os_error(error)
    return type(error).__name__ if root is None else str(root.strerror)


def _root_os_error(error: BaseException) -> OSError | None:
    """The operating system's error under a requests/urllib3 error, if any."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue  # (a "reason" may be a string)
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current  # "Connection refused", "Name or service not known"...
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None)]
        pending += [arg for arg in current.args if isinstance(arg, BaseException)]
    return None


def _response_events(
    response: requests.Response,
    *,
    parser: ChatStreamParser,
    progress: _Progress,
    telemetry: SSETelemetry | None,
    max_event_bytes: int,
    where: str,
    owned_session: requests.Session | None,
) -> Generator[ResponseEvent, None, None]:
    """Check the status and Content-Type; return the generator that reads the body."""
    if response.status_code < 200:
        # http.client reads past 100 Continue only: a 103 Early Hints or a 102
        # is taken for the answer, and the real one follows on this connection,
        # where the next request from the pool would read it. Hang up instead.
        _shut_down(response)
        response.close()
        raise HTTPStatusError(
            response.status_code,
            f"an interim answer ({response.reason or 'no reason given'}), which requests "
            "cannot read past: the connection was closed",
        )
    if not 200 <= response.status_code < 300:
        raise _http_status_error(response)
    content_type = response.headers.get("Content-Type", "")
    sent = {part.strip() for part in content_type.split(",")}
    if len(sent) == 1:  # (the header sent twice with one value: requests joins them)
        content_type = sent.pop()
    media_type = content_type.split(";", 1)[0].strip().lower()
    logger.debug("HTTP %d from %s, %s", response.status_code, where, content_type or "no type")
    encoding = response.headers.get("Content-Encoding", "")
    if encoding and _compressed_but_not_decoded(encoding):
        # urllib3 hands over what it does not decode as it came: read as SSE,
        # a compressed body would give no event at all.
        decodable = urllib3.response.HTTPResponse.CONTENT_DECODERS
        raise StreamError(
            f"{where} sent its answer in Content-Encoding {encoding[:100]!r}, which cannot "
            f"be decoded here (urllib3 decodes {', '.join(decodable)})"
        )
    if media_type == "application/json":
        # The server ignored "stream": true and sent a whole chat.completion.
        return _completion_events(response, parser, progress, max_event_bytes, owned_session)
    if media_type not in ("text/event-stream", ""):
        body, _ = _read_some(response, 500, keep_partial=True)
        raise StreamError(
            f"expected an event stream from {where}, got Content-Type {content_type!r}: "
            f"{body.decode('utf-8', 'replace')!r}"
        )
    return _stream_events(
        response,
        parser=parser,
        progress=progress,
        telemetry=telemetry,
        max_event_bytes=max_event_bytes,
        owned_session=owned_session,
    )


def _stream_events(
    response: requests.Response,
    *,
    parser: ChatStreamParser,
    progress: _Progress,
    telemetry: SSETelemetry | None,
    max_event_bytes: int,
    owned_session: requests.Session | None,
) -> Generator[ResponseEvent, None, None]:
    completed = False
    read = _body_reader(response)
    try:
        chunks = _read_body(read, parser, progress)
        batches: Iterator[SSEBatch]
        if telemetry is None:
            batches = _count(sse_batches(chunks, max_event_bytes), progress)
        else:
            batches = _watch(iter_sse(chunks, max_event_bytes), progress, telemetry)
        for events in event_lists(parser, batches):
            _count_events(events, progress)
            # Set before the events go out: a caller that stops at Completed
            # leaves a finished body, whose connection can be reused.
            completed = type(events[-1]) is Completed
            yield from events
    finally:
        _end_of_body(response, progress, reusable=completed, owned_session=owned_session, read=read)


def _body_reader(response: requests.Response) -> Callable[[], bytes]:
    """A function returning the next bytes of the body as they arrive, ``b""`` at its end.

    A chunked body is read an HTTP chunk at a time by urllib3's own chunked
    reader: a third of the cost of ``read1``, which goes through http.client's
    chunked reader and urllib3's buffers for every chunk. Reading the whole
    body this way returns the connection to the pool at its end; leaving
    the reader half-way closes it.
    """
    raw = response.raw
    if raw.chunked and raw.supports_chunked_reads():
        chunks = raw.read_chunked(_READ_SIZE, decode_content=True)
        return functools.partial(next, chunks, b"")
    return functools.partial(raw.read1, _READ_SIZE, decode_content=True)


def _read_body(
    read: Callable[[], bytes], parser: ChatStreamParser, progress: _Progress
) -> Iterator[bytes]:
    """The body's bytes as they arrive, with transport failures made chatsse errors."""
    while True:
        failure: StreamError
        cause: BaseException | None = None
        try:
            data = read()
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as error:
            failure = IdleTimeoutError("idle timeout waiting for SSE")
            cause = error
        except _TRANSPORT_ERRORS as error:
            failure = StreamError(f"the connection broke mid-stream: {error}")
            cause = error
        else:
            if data:
                if progress.first_byte is None:
                    progress.first_byte = time.perf_counter()
                progress.bytes += len(data)
                yield data
                continue
            if not progress.closing:
                return  # the body's end
        if progress.closing:
            # close(), in another thread, shut the socket down: however the
            # read ended (a close-delimited body reads as over), it was cut short.
            failure = StreamError(_CLOSED_EARLY)
        failure.__cause__ = cause
        end_or_raise(parser, failure)  # D4: after a finish reason, this is just the end
        return


def _count(batches: Iterator[SSEBatch], progress: _Progress) -> Iterator[SSEBatch]:
    """Count the SSE events (no telemetry: no clock to read)."""
    for batch in batches:
        progress.sse_events += len(batch)
        yield batch


def _watch(
    sse_events: Iterator[ServerSentEvent], progress: _Progress, telemetry: SSETelemetry
) -> Iterator[SSEBatch]:
    """Count the SSE events, and report each read to the telemetry (D6)."""
    while True:
        started = time.perf_counter()
        try:
            sse = next(sse_events)
        except StopIteration:
            telemetry.on_sse_poll(None, time.perf_counter() - started)
            return
        except ChatSSEError as error:
            telemetry.on_sse_poll(error, time.perf_counter() - started)
            raise
        progress.sse_events += 1
        telemetry.on_sse_poll(sse, time.perf_counter() - started)
        yield (sse,)


def _completion_events(
    response: requests.Response,
    parser: ChatStreamParser,
    progress: _Progress,
    max_event_bytes: int,
    owned_session: requests.Session | None,
) -> Generator[ResponseEvent, None, None]:
    """A whole ``chat.completion`` (no streaming) as the events its stream would give."""
    try:
        try:
            body, complete = _read_some(response, max_event_bytes)
        except StreamError:
            if not progress.closing:
                raise
            body, complete = b"", False
        if progress.closing:
            raise StreamError(_CLOSED_EARLY)  # (cut short, as in _read_body)
        if body:
            progress.first_byte = time.perf_counter()
            progress.bytes = len(body)
        if not complete:
            raise StreamError(f"JSON response larger than max_event_bytes ({max_event_bytes})")
        text = body.decode("utf-8-sig", "replace")  # invalid UTF-8 as in a stream (F2)
        too_deep = False
        try:
            completion = jsonlib.loads(text)
        except RecursionError:
            too_deep = True  # (nested too deep for the interpreter)
        except ValueError as error:
            raise StreamError(
                f"the server sent application/json that is not JSON: {text[:500]!r}"
            ) from error
        if too_deep or nested_too_deep(text, completion):
            # The whole answer is one chunk here: skipping it (P4) would lose all of it.
            raise StreamError(f"the server's JSON answer nests deeper than {MAX_JSON_DEPTH} levels")
        completion = _first_of_list(completion)
        if not isinstance(completion, dict) or not (
            "choices" in completion or "error" in completion or completion.get("object") == "error"
        ):
            raise StreamError(
                f"the server sent JSON that is neither a chat completion nor an error: "
                f"{text[:500]!r}"
            )
        chunk = _completion_as_chunk(completion)
        for events in event_lists(parser, [[jsonlib.dumps(chunk)]]):
            _count_events(events, progress)
            yield from events
    finally:
        _end_of_body(response, progress, reusable=False, owned_session=owned_session)


# Content-Encodings that compress the body (RFC 9110's registry, and Brotli's and
# Zstandard's): one urllib3 does not decode leaves the body unreadable. Any other
# value ("none", "utf-8": servers send those on event streams) is plain text.
_COMPRESSIONS = frozenset(("gzip", "x-gzip", "deflate", "br", "zstd", "compress", "x-compress"))


def _compressed_but_not_decoded(encoding: str) -> bool:
    """Whether a body with this ``Content-Encoding`` is compressed, and urllib3 will
    not decode it (as its ``_init_decoder`` decides: the whole value, lowercased, is
    one it decodes, or a list holding one)."""
    value = encoding.lower()
    codings = [coding.strip() for coding in value.split(",")]
    decodable = urllib3.response.HTTPResponse.CONTENT_DECODERS
    if value in decodable or ("," in value and any(c in decodable for c in codings)):
        return False  # decoded (or a DecodeError, a StreamError, if urllib3 cannot)
    return any(coding in _COMPRESSIONS for coding in codings)  # "gzip " included


def _first_of_list(data: Any) -> Any:
    """Gemini's OpenAI endpoint wraps its error objects in a list: the one object."""
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
        return data[0]
    return data


def _count_events(events: list[ResponseEvent], progress: _Progress) -> None:
    """Count the events about to be yielded; time the first one with model output."""
    progress.events += len(events)
    if progress.first_token is None and (len(events) > 1 or type(events[0]) is not Completed):
        progress.first_token = time.perf_counter()


def _completion_as_chunk(completion: Any) -> Any:
    # A chat.completion is one chunk whose choices hold the whole "message"
    # where a stream has "delta"s; everything else (id, usage, error) is alike.
    if not isinstance(completion, dict) or not isinstance(completion.get("choices"), list):
        return completion
    choices = []
    for choice in completion["choices"]:
        if isinstance(choice, dict) and "delta" not in choice and "message" in choice:
            as_delta = {**choice, "delta": choice["message"]}
            del as_delta["message"]
            choices.append(as_delta)
        else:
            choices.append(choice)
    return {**completion, "choices": choices}


def _end_of_body(
    response: requests.Response,
    progress: _Progress,
    *,
    reusable: bool,
    owned_session: requests.Session | None,
    read: Callable[[], bytes] | None = None,
) -> None:
    """However reading ended: stop the clock, and release or close the connection (D5).

    ``read`` is what read the body (see ``_body_reader``), to read its end with.
    """
    if progress.ended is None:
        progress.ended = time.perf_counter()
    if reusable and owned_session is None and read is not None:
        _release(response, read)  # a caller's session may reuse the connection
    else:
        response.close()  # mid-answer: hang up, so the server stops generating
    if owned_session is not None:
        _close_session(owned_session)  # nothing else will use its pool


def _release(response: requests.Response, read: Callable[[], bytes]) -> None:
    """After ``[DONE]``: return the connection to the pool if the body is over, else close.

    The rest of the body is normally just the chunked terminator, already
    sent. It is read within one short wait in all, however many chunks it
    trickles in, so a server that keeps the connection open after [DONE]
    costs at most that wait (D5). Only one read of a long chunk, its bytes
    trickling in, can outlast it: each of its waits is shorter, but one read
    cannot be stopped midway (it ends at the chunk's end or _DRAIN_LIMIT).
    A timeout raises rather than returning part of the terminator, so a
    connection with unread bytes never goes back to the pool; urllib3 resets
    the socket timeout when it next uses the connection.
    """
    sock = _socket_of(response)
    deadline = time.monotonic() + _DRAIN_TIMEOUT
    try:
        drained = 0
        while drained <= _DRAIN_LIMIT:
            left = deadline - time.monotonic()
            if left <= 0:
                break  # still coming: closed below
            if sock is not None:
                sock.settimeout(left)
            data = read()
            if not data:
                break  # the body is over: urllib3 has put the connection back
            drained += len(data)
    except _TRANSPORT_ERRORS:
        pass
    response.close()  # a no-op for a connection already back in the pool


def _close_session(session: requests.Session) -> None:
    """Close a Session chatsse made, and the connections in its pools.

    ``Session.close()`` alone leaves them open in urllib3 2 (its pool manager
    no longer closes the pools it forgets): an answer read to its end, an
    error's say, puts its connection back in the pool, and the socket stayed
    open for as long as anything, such as a kept error's traceback, held the
    Session.
    """
    for adapter in session.adapters.values():
        managers = [getattr(adapter, "poolmanager", None)]
        managers += getattr(adapter, "proxy_manager", {}).values()  # (behind HTTP_PROXY)
        for manager in managers:
            pools = getattr(manager, "pools", None)
            if pools is not None:
                for key in list(pools.keys()):
                    with contextlib.suppress(KeyError):
                        pools[key].close()
    session.close()


def _shut_down(response: requests.Response) -> None:
    """Shut the socket down, waking a thread blocked reading it (``close()`` would not)."""
    sock = _socket_of(response)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _socket_of(response: requests.Response) -> socket.socket | None:
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:
        # A close-delimited body (no length, not chunked): http.client has
        # handed the socket over to the response, under its file object.
        file = getattr(getattr(response.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(file, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _read_some(
    response: requests.Response, limit: int, *, keep_partial: bool = False
) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of the body, and whether that was all of it.

    A read that times out or fails raises :exc:`IdleTimeoutError` or
    :exc:`StreamError`; with ``keep_partial``, what arrived before it is
    returned instead (an error body: the provider's message may be whole).
    """
    pieces: list[bytes] = []
    size = 0
    try:
        while size <= limit:
            data = response.raw.read1(_READ_SIZE, decode_content=True)
            if not data:
                return b"".join(pieces)[:limit], True
            pieces.append(data)
            size += len(data)
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as error:
        if not keep_partial:
            raise IdleTimeoutError("idle timeout waiting for SSE") from error
        logger.debug("idle timeout reading the body: keeping its first %d bytes", size)
    except _TRANSPORT_ERRORS as error:
        if not keep_partial:
            raise StreamError(f"the connection broke while reading the body: {error}") from error
        logger.debug("reading the body failed: keeping its first %d bytes: %s", size, error)
    return b"".join(pieces)[:limit], False


def _http_status_error(response: requests.Response, message: str | None = None) -> HTTPStatusError:
    """The error for a non-2xx answer; ``message`` is chatsse's own, else the server's."""
    try:
        raw_body, _ = _read_some(response, _ERROR_BODY_LIMIT, keep_partial=True)
    finally:
        response.close()
    body = raw_body.decode("utf-8", "replace")
    message = message or _provider_message(body) or response.reason or "error"
    return HTTPStatusError(
        response.status_code, message, body=body, retry_after=_retry_after(response.headers)
    )


def _provider_message(body: str) -> str | None:
    """The message of an OpenAI-style error body, or of its common variants."""
    try:
        data = _first_of_list(jsonlib.loads(body))
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])  # OpenAI, Azure, OpenRouter, vLLM, llama.cpp
    if isinstance(error, str):
        return error  # Ollama, some proxies
    for key in ("message", "detail"):  # older vLLM; FastAPI-based servers
        value = data.get(key)
        if isinstance(value, str):
            return value
    detail = data.get("detail")
    if isinstance(detail, list):  # FastAPI validation errors
        messages = [item.get("msg") for item in detail if isinstance(item, dict)]
        text = "; ".join(m for m in messages if isinstance(m, str))
        return text or None
    return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` (OpenAI) or ``Retry-After`` (seconds or a date)."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        with contextlib.suppress(ValueError):
            seconds = float(milliseconds) / 1000
            if math.isfinite(seconds):  # not "inf", not "nan"
                return max(0.0, seconds)
    value = headers.get("retry-after")
    if value is None:
        return None
    with contextlib.suppress(ValueError):
        seconds = float(value)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):  # (a year or an offset no C int holds)
        return None
    if when.tzinfo is None:  # asctime's form, or "-0000": an HTTP date is in GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, when.timestamp() - time.time())


def _safe_url(url: str) -> str:
    """``url`` for messages and logs: see ``_url_parts``."""
    return _url_parts(url)[0]


def _url_parts(url: str) -> tuple[str, list[str]]:
    """``url`` without its query string, fragment and user-info, and those it left
    out (the non-empty ones). A query string may hold a key (``api-key=...``),
    and so may the user-info before the host (``https://user:key@host/``)."""
    head = url.split("?", 1)[0].split("#", 1)[0]
    left_out = [url[len(head) + 1 :]]  # the query and fragment, after their "?" or "#"
    scheme, separator, rest = head.partition("://")
    if separator:
        authority, slash, path = rest.partition("/")
        user_info, _, host = authority.rpartition("@")
        left_out.append(user_info)
        head = f"{scheme}://{host}{slash}{path}"
    return head, [part for part in left_out if part]
