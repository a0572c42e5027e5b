"""SSE framing: byte chunks in, sseclient-py events out (SPEC §4).

sseclient-py parses the fields of an event; this module makes what it is
given safe to parse. Left to itself, sseclient-py

* misses blank lines made of mixed or split line ends (``\\n\\r``, a CR at the
  end of one chunk and its LF at the start of the next),
* raises ``UnicodeDecodeError`` on invalid UTF-8 and keeps a leading BOM,
* is quadratic in the number of chunks an event arrives in, and in the number
  of lines of one event (it grows a string with ``+=`` for each),
* and has no limit on the size of an event.

So the adapter, ``_Framer``, reads the chunks itself: it drops a leading BOM,
turns every line end into LF (a CR ending a chunk is turned into LF at once and
a LF opening the next chunk is then dropped, so no event waits for a byte that
may never come), replaces invalid UTF-8 with U+FFFD, enforces the size limit,
and hands sseclient-py only *whole events*: each chunk it passes is every
complete event received so far, and a partial event is never passed (F5:
an event is delivered as soon as its blank line arrives).

Most events are one ``data:`` line. Consecutive one-line events are handed
over as one *run*: their lines, one after the other, parsed by sseclient-py as
one event whose data holds one line per event; the bridge splits it back on
LF (a one-line event contributes at most one data line, and no LF can be in
one). sseclient-py's fixed cost per event (an ``Event`` object, a log call, a
generator step) is then paid once per run, not once per event. Runs are short
(``_RUN_EVENTS``) because sseclient-py copies the data it has
so far for every line it adds.

An event with more than ``_GROUP_LINES`` lines is handed over in groups of
lines, each followed by an empty ``data:`` line so that each group yields
exactly one sseclient-py event; the bridge joins them back.
This keeps sseclient-py's quadratic string building bounded by the group size
(F4), and ``MAX_EVENT_LINES`` bounds the per-line cost of one event.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, SupportsIndex

from sseclient import Event, SSEClient

from ._errors import StreamError

#: The default limit on the size of one SSE event (F3).
DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024


def check_max_event_bytes(value: object) -> int:
    """Refuse a ``max_event_bytes`` that is not a positive integer (an ``int``, or
    what ``operator.index`` takes, such as numpy's; a bool is not one); return it
    as an ``int``."""
    if type(value) is bool or not isinstance(value, SupportsIndex):
        raise TypeError(f"max_event_bytes must be an int, got {value!r:.100}")
    size = operator.index(value)
    if size <= 0:
        raise ValueError("max_event_bytes must be positive")
    return size


#: The limit on the number of lines of one SSE event. Real events have a few;
#: sseclient-py costs up to a microsecond per line on a slow or busy machine,
#: so this keeps one hostile event at about half a second (F4), leaving room
#: under the second that F4 allows.
MAX_EVENT_LINES = 1 << 19

# Lines per chunk handed to sseclient-py for a long event: its per-event cost
# grows with (lines x bytes), so a group of 64 lines costs at most 32 copies
# of each byte.
_GROUP_LINES = 64

# Events up to this size are handed over whole without counting their lines:
# at most 512 lines, so sseclient-py's (lines x bytes) stays under 256 KiB of
# copying per KiB, while counting the lines of every ordinary event would
# cost more than a third of the framing.
_SHORT_EVENT_BYTES = 1024

# A run of one-line events handed over as one (see the module's docstring)
# holds at most this many events: sseclient-py then copies each byte of a run
# _RUN_EVENTS / 2 times on average.
_RUN_EVENTS = 8

# What the frame the bridge is reading holds (the framer's ``kind``).
_EVENT = 0  # one event
_RUN = 1  # one-line events, one data line each at most
_GROUP = 2  # lines of a long event, more to come
_LAST_GROUP = 3  # the last lines of a long event

_BOM = b"\xef\xbb\xbf"
# bytes.split(b"\n\n") scans a byte at a time; the regex engine is twice as fast.
_split_events = re.compile(b"\n\n").split
# Up to _GROUP_LINES lines, each with its LF: found by the regex engine, not a
# loop over lines, which would cost more than sseclient-py's own parsing.
_line_groups = re.compile(b"(?:[^\n]*\n){1,%d}" % _GROUP_LINES).finditer
# Lines whose field name is "event", each with the LF before it: a search for
# a literal LF first is much faster than trying "^" at every byte.
_event_type_lines = re.compile(b"\nevent(?::[^\n]*)?(?![^\n])").findall
_LF = 10
_CR = 13


class _LongEvent:
    """An event with more than _GROUP_LINES lines, to hand over in groups."""

    __slots__ = ("event",)

    def __init__(self, event: bytes) -> None:
        self.event = event  # its lines, LF-separated, no blank line at the end

    def groups(self) -> Iterator[bytes]:
        # One copy with an LF on each side serves both searches: every line
        # then starts after an LF and ends with one.
        lines = b"\n" + _valid_utf8(self.event) + b"\n"
        last_type_line = _last_event_type_line(lines)
        found = _line_groups(lines, 1)
        group = next(found).group()
        for following in found:
            yield group + b"data:\n\n"
            group = following.group()
        if last_type_line is not None:
            # Only the last event-type line counts; repeating it in the
            # final group makes that group report the event's type.
            group += last_type_line + b"\n"
        yield group + b"data:\n\n"


class _Lines:
    """An event of 2 to _GROUP_LINES lines, to hand over alone."""

    __slots__ = ("event",)

    def __init__(self, event: bytes) -> None:
        self.event = event


# What the framer hands on: a run of one-line events (LF-separated), an event
# of a few lines, a long event to pass in groups, or an error to raise once
# everything before it is delivered.
_Frame = bytes | _Lines | _LongEvent | StreamError


class _Framer:
    """Cuts a byte stream into whole, normalised, valid-UTF-8 events."""

    def __init__(self, max_event_bytes: int) -> None:
        self._max_event_bytes = max_event_bytes
        # Events up to this size are passed on without looking inside them.
        self._short_event_bytes = min(_SHORT_EVENT_BYTES, max_event_bytes - 1)
        # The start of the next event (never starting with LF). A bytearray:
        # an event arriving one byte at a time costs one byte per byte.
        self._pending = bytearray()
        self._pending_ends_with_lf = False
        self._head: bytes | None = b""  # stream start, until a BOM is ruled in or out
        self._after_cr = False  # the previous chunk ended with CR
        # For the bridge: what the frame sseclient-py is parsing holds, set
        # before the frame goes out (_EVENT, _RUN, _GROUP or _LAST_GROUP).
        self.kind = _EVENT

    def frames(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Everything sseclient-py should parse: a run of events, an event, or a group."""
        for batch in self._batches(chunks):
            for frame in batch:
                if isinstance(frame, bytes):
                    self.kind = _RUN
                    yield _valid_utf8(frame)
                else:
                    yield from self._special(frame)

    def _batches(self, chunks: Iterable[bytes]) -> Iterator[Sequence[_Frame]]:
        # The frames of each chunk, then those the end of the input releases.
        for chunk in chunks:
            yield self.feed(chunk)
        yield self.finish()

    def _special(self, frame: _Lines | _LongEvent | StreamError) -> Iterator[bytes]:
        if isinstance(frame, StreamError):
            raise frame  # only now: the events before it have been delivered
        if isinstance(frame, _Lines):
            self.kind = _EVENT
            yield _valid_utf8(frame.event)
            return
        # The bridge reads kind while this generator is suspended at the
        # yield, so it must be set before each group goes out.
        groups = frame.groups()
        group = next(groups)
        for following in groups:
            self.kind = _GROUP
            yield group
            group = following
        self.kind = _LAST_GROUP
        yield group

    def feed(self, chunk: bytes) -> Sequence[_Frame]:
        if type(chunk) is not bytes:
            chunk = _as_bytes(chunk)
        if self._head is not None:
            chunk = self._strip_bom(chunk)
        if not chunk:
            return []
        if self._after_cr:
            self._after_cr = False
            if chunk[0] == _LF:  # the LF of a CRLF split across chunks
                chunk = chunk[1:]
                if not chunk:
                    return []
        if _CR in chunk:  # an int: a memchr, much cheaper than a bytes search
            self._after_cr = chunk[-1] == _CR
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return self._add(chunk)

    def finish(self) -> list[_Frame]:
        """End of input: dispatch a final event whose blank line never came (F6)."""
        frames: list[_Frame] = []
        if self._head:  # fewer than 3 bytes, all a BOM's prefix: they are content
            head, self._head = self._head, None
            frames += self.feed(head)
        if self._pending:
            frames += self._add(b"\n" if self._pending_ends_with_lf else b"\n\n")
        return frames

    def _strip_bom(self, chunk: bytes) -> bytes:
        assert self._head is not None
        head = self._head + chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._head = head  # still undecided
            return b""
        self._head = None
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def _add(self, chunk: bytes) -> Sequence[_Frame]:
        if not self._pending:
            if len(chunk) <= self._short_event_bytes:
                # Most chunks from an HTTP server are one event of one line: servers
                # write each event as it is made. That chunk is its own frame, found
                # with a single call (the general case below makes five or more).
                line, _, rest = chunk.partition(b"\n")
                if rest == b"\n" and line:
                    return [line]
            chunk = chunk.lstrip(b"\n")  # blank lines between events dispatch nothing
            if not chunk:
                return []
        found = chunk.rfind(b"\n\n")
        if found >= 0:
            end = found + 2  # everything up to the last blank line is whole events
        elif self._pending_ends_with_lf and chunk[0] == _LF:
            end = 1  # a blank line right after the pending event's last line
        else:
            end = 0
        if not end:
            self._pending += chunk
            self._pending_ends_with_lf = chunk[-1] == _LF
            return self._check_pending_size(())

        if self._pending:
            block = b"".join((self._pending, chunk[:end] if end < len(chunk) else chunk))
            self._pending.clear()
        else:
            block = chunk[:end]
        tail = chunk[end:].lstrip(b"\n")
        self._pending += tail
        self._pending_ends_with_lf = tail.endswith(b"\n")
        return self._check_pending_size(self._events_of(block))

    def _check_pending_size(self, frames: Sequence[_Frame]) -> Sequence[_Frame]:
        if len(self._pending) > self._max_event_bytes:
            self._pending = bytearray()
            return [*frames, self._too_large()]
        return frames

    def _too_large(self) -> StreamError:
        return StreamError(f"SSE event larger than max_event_bytes ({self._max_event_bytes} bytes)")

    def _events_of(self, block: bytes) -> Sequence[_Frame]:
        """The frames of a block that ends with a blank line: runs of one-line events, or
        each event alone (without its blank line) when some event has several lines."""
        # Sizes are those of the bytes received: invalid UTF-8 is replaced
        # (F2) only as each frame is handed over.
        events = _split_events(block)
        events.pop()  # the b"" after the last blank line
        short = self._short_event_bytes
        if len(block) > short:
            for event in events:  # (a loop: max() parses its arguments slowly)
                if len(event) > short:
                    return self._check_events(events)
        # Some event has several lines: each goes alone. (find, not "in": a bytes
        # operand of "in" is first tried as an int, which costs an exception.)
        if b"".join(events).find(b"\n") >= 0:
            return [_Lines(event) if event.find(b"\n") >= 0 else event for event in events]
        if len(events) <= _RUN_EVENTS:
            return [b"\n".join(events)]
        return [
            b"\n".join(events[start : start + _RUN_EVENTS])
            for start in range(0, len(events), _RUN_EVENTS)
        ]

    def _check_events(self, events: list[bytes]) -> list[_Frame]:
        """Events with one over the short size: check their size and lines (F3, F4)."""
        frames: list[_Frame] = []
        short = self._short_event_bytes
        for event in events:
            if len(event) <= short:
                frames.append(_Lines(event) if event.find(b"\n") >= 0 else event)
                continue
            event = event.lstrip(b"\n")  # noqa: PLW2901 - the same event, its blank lines dropped
            if len(event) + 1 > self._max_event_bytes:
                error = self._too_large()
            else:
                lines = event.count(b"\n") + 1
                if lines <= _GROUP_LINES:
                    frames.append(_Lines(event) if lines > 1 else event)
                    continue
                if lines <= MAX_EVENT_LINES:
                    frames.append(_LongEvent(event))
                    continue
                error = StreamError(f"SSE event with more than {MAX_EVENT_LINES} lines")
            # Events before a bad one are still delivered; the error ends the stream.
            self._pending = bytearray()
            frames.append(error)
            return frames
        return frames


def _as_bytes(chunk: object) -> bytes:
    if isinstance(chunk, (bytes, bytearray, memoryview)):  # bytes: a subclass of it
        return bytes(chunk)
    raise TypeError(f"SSE input must be bytes chunks, got {type(chunk).__name__}")


def _valid_utf8(data: bytes) -> bytes:
    # F2: invalid UTF-8 becomes U+FFFD (one per maximal subpart, as WHATWG's
    # decoder does) instead of an exception inside sseclient-py. Cutting at line
    # ends never splits a character: LF and CR never occur inside one.
    if data.isascii():
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace").encode("utf-8")
    return data


def _last_event_type_line(lines: bytes) -> bytes | None:
    # The last line whose field name is "event" (field names are case-sensitive)
    # of an event's lines, each following an LF.
    found = _event_type_lines(lines)
    return found[-1][1:] if found else None


class ServerSentEvent(Protocol):
    """What the parser reads of an SSE event (sseclient-py's ``Event`` is one)."""

    @property
    def event(self) -> str: ...

    @property
    def data(self) -> str: ...


class _OneEventPerChunk(SSEClient):
    """sseclient-py, handed chunks that each hold exactly one whole event.

    sseclient-py's ``events()`` parses the fields of each chunk its ``_read()``
    yields, and ``_read()`` re-joins the input line by line to find where
    events end. The framer has already found that, so ``_read()`` passes its
    chunks through unchanged: a third of sseclient-py's cost, saved. Should a
    release of sseclient-py stop calling ``_read()`` (``_READ_IS_USED``),
    every chunk ends with a blank line instead, so that any SSE parser frames
    it the same way.
    """

    def __init__(self, frames: Iterator[bytes]) -> None:
        super().__init__(frames)
        self._frames = frames

    def _read(self) -> Iterator[bytes]:
        return self._frames


# Whether SSEClient.events() still reads its chunks through _read().
_READ_IS_USED = "_read" in SSEClient.events.__code__.co_names


def _event(event_type: str, data: str) -> Event:
    # sseclient-py's own Event, so that every SSE event is of one type.
    sse = Event()
    sse.event = event_type
    sse.data = data
    return sse


def iter_sse(
    chunks: Iterable[bytes], max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
) -> Iterator[ServerSentEvent]:
    """Parse SSE events out of byte chunks, with sseclient-py doing the field parsing.

    Raises :class:`StreamError` for an event over ``max_event_bytes`` or
    ``MAX_EVENT_LINES``; ``TypeError`` if a chunk is not bytes-like.
    """
    for batch in sse_batches(chunks, max_event_bytes):
        for sse in batch:
            yield _event("message", sse) if isinstance(sse, str) else sse


#: What the parser is fed: SSE events, a ``message`` event possibly as its data alone.
SSEBatch = Sequence["ServerSentEvent | str"]


def sse_batches(
    chunks: Iterable[bytes], max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
) -> Iterator[SSEBatch]:
    """As :func:`iter_sse`, in batches: the events of one sseclient-py event each.

    A ``message`` event of a run comes as its data alone, a ``str``: the
    parser takes either, and a ``str`` costs no object. One batch per run
    saves a generator step per event.
    """
    return _bridge(_Framer(max_event_bytes), chunks, one_event_per_chunk=_READ_IS_USED)


def _bridge(
    framer: _Framer, chunks: Iterable[bytes], *, one_event_per_chunk: bool
) -> Iterator[SSEBatch]:
    frames = framer.frames(chunks)
    if one_event_per_chunk:
        sse_events = _OneEventPerChunk(frames).events()
    else:
        sse_events = SSEClient(frame + b"\n\n" for frame in frames).events()
    pieces: list[str] = []
    for sse in sse_events:
        kind = framer.kind
        if kind == _RUN:
            # One data line per event of the run (events without one add none).
            yield sse.data.split("\n")
        elif kind == _EVENT:
            yield (sse,)
        else:
            # One group of a long event. Each group's data is its data lines,
            # each followed by LF (the trailing empty "data:" line guarantees it).
            pieces.append(sse.data)
            if kind == _LAST_GROUP:
                data = "".join(pieces)
                pieces = []
                if data:  # no data line at all: nothing to dispatch (WHATWG)
                    yield (_event(sse.event, data[:-1]),)
