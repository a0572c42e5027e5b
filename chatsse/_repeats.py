"""Chunks that repeat the previous one but for their text, read without decoding them.

Providers send every delta in the same envelope: the response id, model,
timestamps and fingerprint, ``"usage": null``, ``"finish_reason": null``,
identical from chunk to chunk; only the piece of text (or reasoning, or tool-
call arguments) changes, and on OpenAI and Azure an ``obfuscation`` string of
random padding beside it. Decoding that envelope again for every delta is most
of the cost of a stream.

So, once a chunk has been decoded and read, the parser keeps it as a
:class:`Repeat`: the chunk's text cut around two string values, its *piece*
(the text the choice carries) and, when there is one, its padding (OpenAI's
``obfuscation``, Mistral's ``p``). A later chunk that is the same text with
other strings in those two places is read by scanning just those two
strings, and the parser reads the choice of the first chunk with the new
piece in it: exactly what decoding the later chunk would have given it.
Where reading that choice only adds its piece (a text delta, say), the
parser takes its own step for that piece directly. Any other chunk is
decoded as usual.

Why that is exact: both places hold a JSON string token, so swapping their
contents for any other valid string literal leaves every other token, and so
the decoded document, unchanged. Which value each place holds is not assumed
from key names (a key may be written with escapes, or appear twice): when a
Repeat is made, the chunk is decoded once more with markers in the two places,
and the Repeat is kept only if the markers land at the piece and at the
top-level padding, and nowhere else differs. The parser reads the padding
nowhere; the chunk-level keys it reads (``error``, ``object``,
``id``, ``usage``, ``x_groq``, ``choices`` and the choice's ``index``) are
outside both places, so they read the same; a Repeat is only made from a
chunk with one choice, the one the parser follows, and no usage to record.

A stream whose chunks never repeat (a counter or a timing in each, say)
gives up after a few Repeats that never matched, so it costs a few extra
decodes in all.
"""

from __future__ import annotations

from collections.abc import Callable
from json.decoder import scanstring  # type: ignore[attr-defined]  # json's C string scanner
from typing import Any

# Where the piece of a choice's delta can be: the first of these holding a
# non-empty string is the piece (or, failing all, its one tool call's arguments).
_PIECE_KEYS = ("content", "reasoning_content", "reasoning")

# Per-chunk random padding, a top-level string: OpenAI's and Azure's, Mistral's.
_PADDING_KEYS = ("obfuscation", "p")

# What a Repeat's check puts in the two places (a chunk that holds one of them
# there already is not made a Repeat: where the mark landed could not be told).
_PIECE_MARK = "\x00chatsse piece\x00"
_PADDING_MARK = "\x00chatsse padding\x00"
_PIECE_MARK_LITERAL = '"\\u0000chatsse piece\\u0000"'
_PADDING_MARK_LITERAL = '"\\u0000chatsse padding\\u0000"'

# Where a key's string value is looked for: at most this many places (a
# chunk is not searched further for a key it repeats many times).
_MAX_PLACES = 4

# Places tried (each costs a decode) before a chunk is given up as a Repeat.
_MAX_TRIES = 3

# Repeats made in a row that never matched, after which a stream stops making them.
_GIVE_UP_AFTER = 3

# No Repeat is made of a longer chunk: checking one costs a second decode.
# Text deltas are well under a kilobyte; the corpus' longest chunks (audio
# data, search results) are 26 KB.
_MAX_REPEAT_CHARS = 64 * 1024

_WHITESPACE = " \t\n\r"

Decoder = Callable[[str], "dict[str, Any] | None"]


#: Reads a piece as the parser would read the chunk's choice with that piece
#: in it: ``reader(parser, piece, events)``.
Reader = Callable[[Any, str, "list[Any]"], None]


class Repeat:
    """A chunk's text cut around its piece (and padding), and how to read it with another piece.

    The piece is the first string value, and the padding (if any) the second,
    or the other way round (``piece_first``).
    """

    __slots__ = (
        "_after_first",
        "_after_first_size",
        "_after_last",
        "_after_last_size",
        "_head",
        "_piece_first",
        "_start",
        "reader",
    )

    def __init__(self, segments: tuple[str, ...], piece_first: bool, reader: Reader) -> None:
        # segments: the text around the values, each value cut just inside its quotes.
        self._head = segments[0]
        self._start = len(segments[0])
        # What follows a value: its closing quote, then the next segment.
        self._after_first = '"' + segments[1]
        self._after_last = '"' + segments[2] if len(segments) == 3 else ""  # "": one value
        self._after_first_size = len(self._after_first)
        self._after_last_size = len(self._after_last)
        self._piece_first = piece_first
        self.reader = reader

    def piece_of(self, data: str) -> str | None:
        """The piece of ``data`` if it is this chunk with other string values, else None."""
        # json's own scanner reads the piece: it finds where the string ends,
        # and that it is one. The padding is not needed, only its end.
        if not data.startswith(self._head):
            return None
        start = self._start
        after = self._after_first
        last = self._after_last
        piece: str
        if self._piece_first:
            try:
                piece, end = scanstring(data, start)
            except ValueError:  # not a valid string: decoding the chunk will tell
                return None
            end -= 1  # its closing quote
            if not data.startswith(after, end):
                return None
            padding_start = end + self._after_first_size
            if not last:
                return piece if padding_start == len(data) else None
            # The padding runs from there to where the last segment begins.
            padding_end = len(data) - self._after_last_size
            if data.endswith(last) and (
                data[padding_start:padding_end].isalnum()  # (see _padding_end)
                or _string_ends_at(data, padding_start, padding_end)
            ):
                return piece
            return None
        else:
            end = _padding_end(data, start, after)
            if end < 0:
                return None
            try:
                piece, end = scanstring(data, end + self._after_first_size)
            except ValueError:
                return None
            end -= 1
            if not data.startswith(last, end):
                return None
        return piece if end + self._after_last_size == len(data) else None


def _padding_end(data: str, start: int, after: str) -> int:
    """Where the string value starting at ``start`` ends (its closing quote), if
    it is a valid JSON string followed by ``after``; else -1 (the chunk is then
    decoded: never wrong, only slower)."""
    end = data.find(after, start)
    if end < 0:
        return -1
    # Padding is letters and digits: then it holds no quote, backslash or
    # control character, and that is enough. Anything else, json's scanner reads.
    return end if data[start:end].isalnum() or _string_ends_at(data, start, end) else -1


def _string_ends_at(data: str, start: int, end: int) -> bool:
    """Whether the JSON string value starting at ``start`` ends with the quote at ``end``."""
    stop: int
    try:
        _, stop = scanstring(data, start)
    except ValueError:
        return False
    return stop - 1 == end


class Repeats:
    """The Repeat a parser follows, made from the chunks it decodes.

    ``reader_for(choice, key)`` is how the parser reads ``choice`` again with
    another piece under ``delta[key]`` (the arguments of its one tool call
    when ``key`` is None).
    """

    __slots__ = ("_choice", "_decode", "_matched", "_reader_for", "_repeat", "_unmatched")

    def __init__(
        self,
        choice: int,
        decode: Decoder,
        reader_for: Callable[[dict[str, Any], str | None], Reader],
    ) -> None:
        self._choice = choice  # the choice index the parser follows (P7)
        self._decode = decode
        self._reader_for = reader_for
        self._repeat: Repeat | None = None
        self._matched = False  # the current Repeat has matched a chunk
        self._unmatched = 0  # Repeats made in a row that never matched

    def read(self, parser: Any, data: str, out: list[Any]) -> bool:
        """Read ``data`` into ``out`` if it repeats the current Repeat; True if it did."""
        repeat = self._repeat
        if repeat is None:
            return False
        piece = repeat.piece_of(data)
        if piece is None:
            return False
        self._matched = True
        repeat.reader(parser, piece, out)
        return True

    def learn(self, data: str, chunk: dict[str, Any]) -> None:
        """``chunk`` was decoded from ``data`` and read: make it the Repeat if it can be one."""
        if self._unmatched >= _GIVE_UP_AFTER or len(data) > _MAX_REPEAT_CHARS:
            return
        found = _piece_of(chunk, self._choice)
        if found is None:
            return  # the current Repeat stays: a finish or usage chunk ends most streams
        key, piece = found
        cut = _cut(data, chunk, key, piece, self._decode)
        if cut is None:
            self._unmatched += 1  # it cost a search, and maybe a decode
            return
        segments, piece_first = cut
        if self._repeat is not None:
            self._unmatched = 0 if self._matched else self._unmatched + 1
        reader = self._reader_for(chunk["choices"][0], key)
        self._repeat, self._matched = Repeat(segments, piece_first, reader), False


def _piece_of(chunk: dict[str, Any], choice: int) -> tuple[str | None, str] | None:
    """The key of the piece of a chunk that can be a Repeat (None for tool-call
    arguments) and its text; None if it cannot be one."""
    if chunk.get("usage") is not None or "x_groq" in chunk:
        return None  # reading it records usage (P6)
    choices = chunk.get("choices")
    if type(choices) is not list or len(choices) != 1:
        return None
    first = choices[0]
    if type(first) is not dict:
        return None
    index = first.get("index")
    if type(index) is int and index != choice:
        return None  # not the followed choice: nothing to gain
    delta = first.get("delta")
    if type(delta) is not dict:
        return None
    for key in _PIECE_KEYS:
        value = delta.get(key)
        if type(value) is str and value:
            return key, value
    calls = delta.get("tool_calls")
    if type(calls) is list and len(calls) == 1 and type(calls[0]) is dict:
        function = calls[0].get("function")
        if type(function) is dict:
            arguments = function.get("arguments")
            if type(arguments) is str and arguments:
                return None, arguments
    return None


def _cut(
    data: str, chunk: dict[str, Any], key: str | None, piece: str, decode: Decoder
) -> tuple[tuple[str, ...], bool] | None:
    """``data`` cut around its piece (and padding), if the marks prove the places
    right; and whether the piece comes first."""
    padding_key = next((k for k in _PADDING_KEYS if type(chunk.get(k)) is str), None)
    padding: str = chunk[padding_key] if padding_key is not None else ""
    if piece == _PIECE_MARK or padding == _PADDING_MARK:
        return None  # a mark must differ from what it replaces to tell where it landed
    piece_places = _places(data, key or "arguments", piece)
    padding_places: list[tuple[int, int] | None] = [None]
    if padding_key is not None:
        padding_places = list(_places(data, padding_key, padding))
    tries = 0
    for piece_place in piece_places:
        for padding_place in padding_places:
            if padding_place is not None and not _apart(padding_place, piece_place):
                continue
            if tries == _MAX_TRIES:
                return None
            tries += 1
            places = [(piece_place, True)]
            if padding_place is not None:
                places.append((padding_place, False))
            places.sort()
            if _marks_land(
                data, places, chunk, key=key, piece=piece, padding_key=padding_key, decode=decode
            ):
                segments, start = [], 0
                for (begin, end), _ in places:
                    segments.append(data[start:begin])  # up to the value's opening quote
                    start = end + 1  # past its closing quote
                segments.append(data[start:])
                return tuple(segments), places[0][1]
    return None


def _places(data: str, key: str, value: str) -> list[tuple[int, int]]:
    """Where a string value equal to ``value`` follows ``"key":`` in ``data``.

    Each place is (start, end): where the value's characters start, just past
    its opening quote, and where its closing quote is.
    """
    places: list[tuple[int, int]] = []
    quoted = f'"{key}"'
    at = data.find(quoted)
    while at >= 0 and len(places) < _MAX_PLACES:
        start = _skip_whitespace(data, at + len(quoted))
        if data.startswith(":", start):
            start = _skip_whitespace(data, start + 1)
            if data.startswith('"', start):
                try:
                    found, end = scanstring(data, start + 1)
                except ValueError:
                    found, end = None, 0
                if found == value:
                    places.append((start + 1, end - 1))
        at = data.find(quoted, at + 1)
    return places


def _skip_whitespace(data: str, at: int) -> int:
    while at < len(data) and data[at] in _WHITESPACE:
        at += 1
    return at


def _apart(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[1] < b[0] or b[1] < a[0]


def _marks_land(
    data: str,
    places: list[tuple[tuple[int, int], bool]],
    chunk: dict[str, Any],
    *,
    key: str | None,
    piece: str,
    padding_key: str | None,
    decode: Decoder,
) -> bool:
    """Decoding ``data`` with marks in ``places`` gives ``chunk`` with marks at the piece
    (``piece`` under ``key``) and the padding, and nothing else changed."""
    pieces, start = [], 0
    for (begin, end), is_piece in places:
        pieces.append(data[start : begin - 1])  # up to the opening quote
        pieces.append(_PIECE_MARK_LITERAL if is_piece else _PADDING_MARK_LITERAL)
        start = end + 1  # past the closing quote
    pieces.append(data[start:])
    marked = decode("".join(pieces))
    if marked is None:
        return False
    try:
        delta = marked["choices"][0]["delta"]
        holder = delta if key is not None else delta["tool_calls"][0]["function"]
        piece_key = key if key is not None else "arguments"
        if holder[piece_key] != _PIECE_MARK:
            return False
        holder[piece_key] = piece
        if padding_key is not None:
            if marked.get(padding_key) != _PADDING_MARK:
                return False
            marked[padding_key] = chunk[padding_key]
    except (KeyError, IndexError, TypeError):
        return False
    return bool(marked == chunk)
