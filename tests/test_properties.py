"""Property-based tests (hypothesis): what must hold for *every* input, not just examples.

Each test's docstring names the SPEC rules it proves. The strategies build Chat
Completions streams the way real servers send them (text, reasoning in its three
dialects, refusals, tool calls with every index/id convention, usage chunks,
comments, ``event:`` lines, all line ends, a BOM, multi-byte and invalid UTF-8)
and, for the robustness properties, with any field replaced by any JSON value.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import shared_path
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sseclient import Event

import chatsse
from chatsse import (
    APIError,
    ChatSSEError,
    ChatStreamParser,
    Completed,
    ContextWindowExceededError,
    FunctionCall,
    FunctionCallArgumentsDelta,
    Message,
    OutputItemAdded,
    OutputItemDone,
    OutputText,
    OutputTextDelta,
    ParserStateError,
    Reasoning,
    ReasoningContentDelta,
    ReasoningText,
    Refusal,
    RefusalDelta,
    ResponseEvent,
    TokenUsage,
)

# Small budgets: the whole file must run in a few seconds on a 2-core machine.
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CORPUS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A private-use character that the serializer replaces by invalid UTF-8 bytes
# (F2) when it lands raw in the body (``ensure_ascii=False``).
MARK = "\ue000"
MARK_BYTES = MARK.encode()
BOM = b"\xef\xbb\xbf"
INVALID_UTF8 = [b"\xff", b"\x80", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"]

# -- JSON values ----------------------------------------------------------------------

# Keys the parser reads, so that even random objects hit its code paths.
KNOWN_KEYS = [
    "id", "object", "usage", "x_groq", "choices", "index", "delta", "content", "text",
    "type", "thinking", "reasoning", "reasoning_content", "reasoning_details", "summary",
    "data", "refusal", "tool_calls", "function", "name", "arguments", "function_call",
    "message", "finish_reason", "error", "code", "param", "role", "prompt_tokens",
    "completion_tokens", "total_tokens", "input_tokens", "output_tokens",
    "prompt_tokens_details", "completion_tokens_details", "cached_tokens",
    "reasoning_tokens", "prompt_cache_hit_tokens",
]  # fmt: skip

KEYS = st.sampled_from(KNOWN_KEYS) | st.text(max_size=6)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities too: json.dumps writes them, json.loads reads them
    | st.text(max_size=10)
    | st.sampled_from(["", "stop", "length", "error", "tool_calls", "reasoning.text"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)

# -- text -----------------------------------------------------------------------------

# Text that has broken stream parsers: empty, multi-byte, line ends and SSE
# syntax inside JSON strings, U+2028, NEL, a BOM, and MARK (invalid UTF-8 on the wire).
TEXT_SAMPLES = [
    "", "", "Hello", " world", "😀", "👩‍💻", "é", "日本語", "a\nb", "\r\n", "\r", '"q"', "\\",
    "[DONE]", "data: x\n\n", "\u2028", "\x85", "\ufeff", MARK, f"x{MARK}y", f"é{MARK}",
]  # fmt: skip
TEXT = st.sampled_from(TEXT_SAMPLES) | st.text(st.characters(codec="utf-8"), min_size=1, max_size=8)
IDS = st.sampled_from(["chatcmpl-1", "chatcmpl-2", "", "gen-1"])
CALL_IDS = st.sampled_from(["", "call_a", "call_b", "call_c"])
NAMES = st.sampled_from(["", "get_weather", "get_weather", "lookup"])
ARGUMENTS = st.one_of(
    st.sampled_from(["", '{"city": ', '"Paris"}', "{}", '{"q": "é"}']),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 9), max_size=2),
)
FINISH_REASONS = st.sampled_from(
    [
        *[None] * 6,
        "stop",
        "stop",
        "tool_calls",
        "function_call",
        "length",
        "content_filter",
        "",
        "eos",
    ]
)
OPTIONS = st.fixed_dictionaries(
    {
        "choice": st.sampled_from([0, 0, 1]),
        "drop_tool_calls_on_stop": st.booleans(),
        "raise_on_length": st.booleans(),
        "tool_call_deltas": st.booleans(),
    }
)


# -- every shape of chunk the parser reads, as real servers send them -------------------


def _choice(delta: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": None, **extra}]}


_USAGE = {
    "prompt_tokens": 9,
    "completion_tokens": 4,
    "total_tokens": 13,
    "prompt_tokens_details": {"cached_tokens": 2},
    "completion_tokens_details": {"reasoning_tokens": 1},
}
#: Short streams that between them hold every field SPEC §3 reads.
TEMPLATES: list[list[dict[str, Any]]] = [
    [  # OpenAI: role chunk, text, refusal, finish, usage chunk
        {"id": "c1", "object": "chat.completion.chunk",
         **_choice({"role": "assistant", "content": ""})},
        _choice({"content": "Hi"}),
        _choice({"refusal": "no"}),
        _choice({}, finish_reason="stop"),
        {"id": "c1", "choices": [], "usage": _USAGE},
    ],
    [  # OpenRouter, DeepSeek, Groq, Ollama reasoning; the seed's message.reasoning
        _choice({"reasoning": "a", "reasoning_details": [
            {"type": "reasoning.text", "text": "a"},
            {"type": "reasoning.summary", "summary": "s"},
            {"type": "reasoning.encrypted", "data": "e"},
        ]}),
        _choice({"reasoning_content": "b"}),
        _choice({"reasoning": {"text": "c"}}),
        _choice({"reasoning": {"content": "d"}}),
        _choice({}, message={"reasoning": "m"}),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
         "x_groq": {"usage": _USAGE}},
    ],
    [  # Mistral content parts
        _choice({"content": [
            {"type": "text", "text": "x"},
            {"type": "thinking", "thinking": [{"type": "text", "text": "t"}]},
            {"type": "thinking", "thinking": "u"},
        ]}),
        _choice({}, finish_reason="stop"),
    ],
    [  # tool calls: OpenAI, Mistral, Qwen, Ollama conventions
        _choice({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                                 "function": {"name": "f", "arguments": ""}}]}),
        _choice({"tool_calls": [{"index": 0, "function": {"arguments": '{"a": '}}]}),
        _choice({"tool_calls": [{"id": "call_b",
                                 "function": {"name": "g", "arguments": {"x": 1}}}]}),
        _choice({"tool_calls": [{"index": 0, "id": "", "function": {"arguments": "1}"}}]}),
        _choice({"tool_calls": [{"index": 0, "id": "call_c", "function": {"name": "h"}}]}),
        _choice({}, finish_reason="tool_calls"),
    ],
    [  # the legacy functions API
        _choice({"function_call": {"name": "f", "arguments": "{}"}}),
        _choice({}, finish_reason="function_call"),
    ],
    [{"error": {"message": "m", "code": 429, "type": "t", "param": "p"}}],  # P5
    [{"object": "error", "message": "bad", "code": 400}],  # older vLLM
    [_choice({"content": "a"}, error={"message": "m", "code": "x"})],  # choice error
    [_choice({"content": "a"}, finish_reason="error")],  # OpenRouter
    [_choice({"content": "a"}, finish_reason="length")],
]  # fmt: skip
TEMPLATE_CHUNKS = [chunk for template in TEMPLATES for chunk in template]


@st.composite
def rare(
    draw: st.DrawFn, common: st.SearchStrategy[Any], uncommon: st.SearchStrategy[Any], one_in: int
) -> Any:
    """``uncommon`` about once in ``one_in`` draws, else ``common`` (which shrinking prefers)."""
    return draw(uncommon if draw(st.integers(0, one_in - 1)) == one_in - 1 else common)


def chunk_strategy(wild: bool) -> st.SearchStrategy[Any]:
    """Chunks shaped like Chat Completions chunks.

    With ``wild``, any field (and the chunk itself) may instead be any JSON value
    (about one time in four at each level, so that the levels below are reached too).
    """

    def w(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return rare(strategy, JSON, 4) if wild else strategy

    def fixed(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return st.fixed_dictionaries({k: w(v) for k, v in fields.items()})

    def opt(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return st.fixed_dictionaries({}, optional={k: w(v) for k, v in fields.items()})

    def error_or_none(one_in: int) -> st.SearchStrategy[Any]:
        # Errors end the stream (P5): rare, so that streams go on long enough.
        error = opt(
            message=TEXT, code=st.sampled_from([400, "rate_limit", None]), type=TEXT, param=TEXT
        )
        return rare(st.none(), error | TEXT | JSON if wild else error | TEXT, one_in)

    text = w(TEXT)
    usage = opt(
        prompt_tokens=st.integers(0, 99),
        completion_tokens=st.integers(0, 99),
        total_tokens=st.integers(0, 199),
        prompt_tokens_details=opt(cached_tokens=st.integers(0, 9)),
        completion_tokens_details=opt(reasoning_tokens=st.integers(0, 9)),
    )
    detail = w(
        st.one_of(
            fixed(type=st.just("reasoning.text"), text=TEXT),
            fixed(type=st.just("reasoning.summary"), summary=TEXT),
            fixed(type=st.just("reasoning.encrypted"), data=TEXT),
        )
    )
    thinking = st.lists(w(fixed(type=st.just("text"), text=TEXT)), max_size=3)
    part = w(
        st.one_of(
            fixed(type=st.just("text"), text=TEXT),
            fixed(type=st.just("thinking"), thinking=TEXT | thinking),
        )
    )
    function = opt(name=NAMES, arguments=ARGUMENTS)
    tool_call = w(
        st.fixed_dictionaries(
            {"function": w(function)},
            optional={
                "index": w(st.sampled_from([0, 0, 1, 2])),
                "id": w(CALL_IDS),
                "type": w(st.just("function")),
            },
        )
    )
    reasoning_value = text | fixed(text=TEXT) | fixed(content=TEXT)
    fields = {
        "content": TEXT,
        "reasoning_content": TEXT,
        "reasoning": reasoning_value,
        "reasoning_details": st.lists(detail, min_size=1, max_size=3),
        "refusal": TEXT,
        "tool_calls": st.lists(tool_call, min_size=1, max_size=3),
        "function_call": function,
    }
    delta = st.one_of(
        # One thing per chunk, as servers send it...
        *(fixed(**{name: value}) for name, value in fields.items()),
        fixed(content=st.lists(part, min_size=1, max_size=3)),
        st.just({"role": "assistant", "content": ""}),  # OpenAI's first chunk
        st.just({}),
        # ...or several at once (OpenRouter's reasoning_details and reasoning).
        opt(**fields),
    )
    choice = st.fixed_dictionaries(
        {"delta": w(delta)},
        optional={
            "index": w(st.sampled_from([0, 0, 0, 1])),
            "finish_reason": w(rare(FINISH_REASONS, st.just("error"), 40)),
            "message": w(opt(reasoning=reasoning_value)),
            "logprobs": st.none(),
            "error": error_or_none(40),
        },
    )
    chunk = st.fixed_dictionaries(
        {"choices": w(rare(st.lists(w(choice), min_size=1, max_size=2), st.just([]), 6))},
        optional={
            "id": w(IDS),
            "object": w(rare(st.just("chat.completion.chunk"), st.just("error"), 20)),
            "message": TEXT,
            "usage": w(st.none() | usage),
            "x_groq": w(opt(usage=usage)),
            "error": error_or_none(30),
        },
    )
    return w(chunk)


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a JSON value, depth first."""
    slots: list[tuple[Any, Any]] = []
    keys = (
        value.keys()
        if isinstance(value, dict)
        else range(len(value))
        if isinstance(value, list)
        else ()
    )
    for key in keys:
        slots.append((value, key))
        slots += _slots(value[key])
    return slots


@st.composite
def mutated(draw: st.DrawFn, chunks: st.SearchStrategy[Any]) -> Any:
    """A realistic chunk with one to three values, anywhere in it, replaced by any
    JSON value or deleted: every field of every shape gets its turn."""
    chunk = copy.deepcopy(draw(chunks))  # st.just({}) hands out the same object every time
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(chunk)
        where = draw(st.integers(0, len(slots)))
        if where == len(slots):
            return draw(JSON)  # the chunk itself
        container, key = slots[where]
        if isinstance(container, dict) and draw(rare(st.just(False), st.just(True), 4)):
            del container[key]
        else:
            container[key] = draw(JSON)
    return chunk


REALISTIC_CHUNKS = chunk_strategy(wild=False)
WILD_CHUNKS = chunk_strategy(wild=True) | mutated(
    st.sampled_from(TEMPLATE_CHUNKS) | REALISTIC_CHUNKS
)

# -- SSE bodies -----------------------------------------------------------------------


@dataclass
class Stream:
    """An SSE body and, per event, what an event-stream reader must hand the parser."""

    body: bytes
    # (event type, data) of every event a WHATWG reader dispatches, in order (F1, F2, F6, F7)
    events: list[tuple[str, str]] = field(repr=False)


DATA = rare(
    REALISTIC_CHUNKS.map(lambda c: ("json", c)),
    rare(
        st.sampled_from(["not json", "{", "[1, 2]", "null", '"text"', "42", "  ", ""]),
        st.sampled_from(["[DONE]", " [DONE] ", "DONE"]),  # P2: the rest is not read
        4,
    ).map(lambda d: ("raw", d)),
    8,
)
EOLS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def sse_streams(draw: st.DrawFn) -> Stream:
    """A realistic SSE body, with the events a conforming reader must see in it."""
    eol_mode = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    ensure_ascii = draw(st.sampled_from([False, False, True]))
    bad = draw(st.sampled_from(INVALID_UTF8))

    lines: list[tuple[bytes, str]] = []  # (line, its line end)

    def line(text: str) -> None:
        eol = draw(EOLS) if eol_mode == "mixed" else eol_mode
        raw = text.encode().replace(MARK_BYTES, bad)
        if not raw and lines and lines[-1][1] == "\r" and eol == "\n":
            eol = "\r\n"  # CR then LF would make one line end, not a blank line
        lines.append((raw, eol))

    events: list[tuple[str, str]] = []
    items = draw(st.lists(DATA, max_size=10))
    ending = draw(st.sampled_from(["[DONE]", "[DONE]", "DONE", None]))
    if ending is not None:
        items.append(("raw", ending))
    for kind, item in items:
        if draw(st.booleans()):
            line(draw(st.sampled_from([": keep-alive", ":", ": OPENROUTER PROCESSING"])))
        if draw(rare(st.just(False), st.just(True), 6)):
            # A comment may hold anything but a line end, invalid UTF-8 included.
            line(":" + draw(TEXT).replace("\r", " ").replace("\n", " "))
        if draw(rare(st.just(False), st.just(True), 6)):
            line(draw(st.sampled_from(["id: 7", "retry: 1000", "id", "foo: bar"])))  # F7
        # A long event is handed to sseclient-py in groups of lines (F4): its type
        # must still count (P3), so it is often "error" there.
        long = kind == "json" and draw(rare(st.just(False), st.just(True), 6))
        types = st.sampled_from([None, None, "message", "completion"])
        event_type = draw(rare(types, st.just("error"), 2 if long else 30))
        if kind == "json":
            indent = draw(rare(st.just(None), st.just(1), 4))
            text = json.dumps(item, ensure_ascii=ensure_ascii, indent=indent)
        else:
            text = item
        values = text.split("\n")
        type_first = draw(st.booleans())
        if event_type is not None and type_first:
            line(f"event: {event_type}")
        leading: list[str] = []  # the values of data lines written before the JSON
        if long:  # empty data lines and comments; the data's leading LFs are stripped (P1)
            for _ in range(draw(st.integers(50, 150))):
                pad = draw(st.sampled_from(["data:", "data", ": pad"]))
                line(pad)
                if pad != ": pad":
                    leading.append("")
        for value in values:
            if value or not draw(st.booleans()):
                space = " " if value.startswith(" ") else draw(st.sampled_from(["", " "]))
                line(f"data:{space}{value}")
            else:
                line(draw(st.sampled_from(["data", "data:"])))  # an empty data line
        if event_type is not None and not type_first:
            line(f"event: {event_type}")
        line("")
        for _ in range(draw(rare(st.just(0), st.just(1), 8))):
            line("")  # blank lines between events dispatch nothing
        data_text = "\n".join(
            v.encode().replace(MARK_BYTES, bad).decode("utf-8", "replace")
            for v in [*leading, *values]
        )
        events.append((event_type or "message", data_text))

    if lines and draw(rare(st.just(False), st.just(True), 4)):
        lines.pop()  # F6: the last event's blank line never came
        if draw(st.booleans()):
            lines[-1] = (lines[-1][0], "")  # nor the end of its last line
    body = b"".join(raw + eol.encode() for raw, eol in lines)
    if draw(rare(st.just(False), st.just(True), 3)):
        body = BOM + body  # F1: a leading BOM is removed
    return Stream(body, events)


# -- chunkings ------------------------------------------------------------------------


def _tricky_offsets(body: bytes) -> list[int]:
    """Where a cut is most likely to hurt: around line ends and non-ASCII bytes."""
    offsets = {len(body) - 1}
    for i, byte in enumerate(body):
        if byte in b"\r\n" or byte >= 0x80:
            offsets.update((i, i + 1))
    return sorted(o for o in offsets if 0 < o < len(body))


# The end of a blank line: where a server that writes one event at a time cuts.
_EVENT_END = re.compile(rb"(?:\r\n|\r|\n)(?:\r\n|\r|\n)")


@st.composite
def chunkings(draw: st.DrawFn, body: bytes) -> list[bytes]:
    """The body cut anywhere: at chosen points (empty chunks included), often
    where it hurts most, after each event as servers write, or every k bytes."""
    if draw(st.integers(0, 3)) == 0:
        cuts = [match.end() for match in _EVENT_END.finditer(body)]
    elif draw(st.booleans()):
        tricky = _tricky_offsets(body)
        points = st.integers(0, len(body))
        if tricky:
            points |= st.sampled_from(tricky)
        cuts = draw(st.lists(points, max_size=40))
        if draw(st.booleans()):
            cuts.append(draw(st.integers(1, 2)))  # into a BOM, or the first line
        cuts.sort()
    else:
        size = draw(st.integers(1, 7))
        cuts = list(range(size, len(body), size))
    bounds = [0, *cuts, len(body)]
    return [body[a:b] for a, b in itertools.pairwise(bounds)]


class _Reader:
    """A binary file that returns one chunk per read (a pipe or a socket file)."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = [c for c in chunks if c]  # b"" means end of file

    def read1(self, size: int = -1) -> bytes:
        return self._chunks.pop(0) if self._chunks else b""


def as_source(chunks: list[bytes], kind: str) -> Any:
    """The same chunks in each form iter_events() accepts."""
    if kind == "list":
        return chunks
    if kind == "generator":
        return (chunk for chunk in chunks)
    if kind == "bytearray":
        return [bytearray(chunk) for chunk in chunks]
    if kind == "memoryview":
        return [memoryview(chunk) for chunk in chunks]
    return _Reader(chunks)


SOURCE_KINDS = st.sampled_from(["list", "generator", "bytearray", "memoryview", "file"])

# -- running --------------------------------------------------------------------------

ErrorKey = tuple[type, str, tuple[Any, ...]]
Outcome = tuple[list[ResponseEvent], ErrorKey | None]


def error_key(error: ChatSSEError | None) -> ErrorKey | None:
    """What must match between two runs that fail: the class, the text, the partial items."""
    return None if error is None else (type(error), str(error), error.partial_items)


def outcome(source: Any, **options: Any) -> Outcome:
    """Every event iter_events() yields, and the error that ended it (type, text, partial items)."""
    out: list[ResponseEvent] = []
    try:
        for event in chatsse.iter_events(source, **options):
            out.append(event)
    except ChatSSEError as error:
        return out, error_key(error)
    return out, None


def drive(parser: ChatStreamParser, feeds: Iterable[Any]) -> tuple[list[ResponseEvent], Any]:
    """Feed until the parser finishes, then end() it if the input did not.

    Returns the events (with those the error carries) and the ChatSSEError
    raised, if any; any other exception escapes, failing the test (§5).
    """
    out: list[ResponseEvent] = []
    try:
        for sse in feeds:
            out += parser.feed(sse)
            if parser.finished:
                return out, None
        out += parser.end()
    except ChatSSEError as error:
        return [*out, *error.events], error
    return out, None


def feed_events(events: Iterable[tuple[str, str]], **options: Any) -> Outcome:
    """What the parser gives for these (type, data) events, as iter_events() drives it."""
    parser = ChatStreamParser(**options)
    out, error = drive(parser, (SimpleNamespace(event=t, data=d) for t, d in events))
    assert parser.finished
    return out, error_key(error)


def check_invariants(events: list[ResponseEvent], *, completed: bool) -> None:
    """What holds for every event sequence (P7a, P7b, P10, P11, §2)."""
    completes = [i for i, e in enumerate(events) if isinstance(e, Completed)]
    if completed:  # P10: last, exactly once
        assert completes == [len(events) - 1], events
    else:
        assert completes == [], events  # an error instead of Completed
    message: list[OutputText | Refusal] | None = None
    reasoning: list[ReasoningText] | None = None
    for event in events:
        if isinstance(
            event,
            (OutputTextDelta, RefusalDelta, ReasoningContentDelta, FunctionCallArgumentsDelta),
        ):
            assert isinstance(event.delta, str), event
            assert event.delta, f"P7a: an empty delta produced an event: {event!r}"
        if isinstance(event, OutputItemAdded):
            # P7b; §2: OutputItemAdded carries the item as opened, empty.
            if isinstance(event.item, Message):
                assert message is None, "a second Message opened while one is open"
                assert event.item == Message()
                message = []
            elif isinstance(event.item, Reasoning):
                assert reasoning is None, "a second Reasoning opened while one is open"
                assert event.item == Reasoning()
                reasoning = []
        elif isinstance(event, OutputTextDelta):
            assert message is not None, "text delta outside an open Message"
            message.append(OutputText(event.delta))
        elif isinstance(event, RefusalDelta):
            assert message is not None, "refusal delta outside an open Message"
            message.append(Refusal(event.delta))
        elif isinstance(event, ReasoningContentDelta):
            assert reasoning is not None, "reasoning delta outside an open Reasoning"
            assert event.content_index == len(reasoning), (event, reasoning)
            reasoning.append(ReasoningText(event.delta))
        elif isinstance(event, OutputItemDone):
            item = event.item
            if isinstance(item, Message):
                assert message is not None, "Message done without OutputItemAdded"
                assert item.content == tuple(message)
                assert item.content, "a Message opened without any text"
                assert item.text == "".join(p.text for p in message if isinstance(p, OutputText))
                assert item.refusal == "".join(p.refusal for p in message if isinstance(p, Refusal))
                message = None
            elif isinstance(item, Reasoning):
                assert reasoning is not None, "Reasoning done without OutputItemAdded"
                assert item.content == tuple(reasoning)
                assert item.text == "".join(p.text for p in reasoning)
                assert item.content or item.summary or item.encrypted_content
                reasoning = None
            else:
                assert isinstance(item, FunctionCall), item
                # P8: unnamed calls are skipped, empty arguments become "{}"
                for value in (item.name, item.arguments, item.call_id):
                    assert isinstance(value, str), item
                    assert value, item
        elif isinstance(event, Completed):
            assert isinstance(event.response_id, str)
            assert event.finish_reason is None or (
                isinstance(event.finish_reason, str) and event.finish_reason
            )
            if event.token_usage is not None:
                check_usage_fields(event.token_usage)
    if completed:  # P11: everything is closed before Completed
        assert message is None, "a Message left open at Completed"
        assert reasoning is None, "a Reasoning left open at Completed"


def check_usage_fields(usage: TokenUsage) -> None:
    for name in ("input_tokens", "cached_input_tokens", "output_tokens",
                 "reasoning_output_tokens", "total_tokens"):  # fmt: skip
        assert type(getattr(usage, name)) is int, (name, usage)


# -- a model of what the stream says (P6, P7) ---------------------------------------------


@dataclass
class Said:
    """What the chunks of the followed choice carried, channel by channel."""

    text: str = ""
    refusal: str = ""
    reasoning: str = ""
    arguments: str = ""
    response_id: str = ""
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None


def what_was_said(events: Iterable[tuple[str, str]], choice: int) -> Said:
    """Read the events as SPEC §3 describes, without the parser's state machine."""
    said = Said()

    def reasoning_value(value: Any) -> None:
        if isinstance(value, dict):
            text = value.get("text")
            value = text if isinstance(text, str) else value.get("content")
        if isinstance(value, str):
            said.reasoning += value

    for _, raw in events:
        data = raw.strip()
        if data in {"[DONE]", "DONE"}:
            break
        try:
            chunk = json.loads(data)
        except ValueError:
            continue
        if not isinstance(chunk, dict):
            continue
        if not said.response_id and isinstance(chunk.get("id"), str):
            said.response_id = chunk["id"]
        usage = chunk.get("usage")
        if not isinstance(usage, dict) and isinstance(chunk.get("x_groq"), dict):
            usage = chunk["x_groq"].get("usage")
        if isinstance(usage, dict):
            said.usage = usage
        for c in chunk.get("choices") or ():
            if type(c.get("index")) is int and c["index"] != choice:
                continue
            delta = c.get("delta") or {}
            details = delta.get("reasoning_details")
            if details:
                for d in details:
                    if d.get("type") == "reasoning.text":
                        said.reasoning += d["text"]
            elif delta.get("reasoning_content"):
                said.reasoning += delta["reasoning_content"]
            else:
                reasoning_value(delta.get("reasoning"))
            content = delta.get("content")
            if isinstance(content, str):
                said.text += content
            for part in content if isinstance(content, list) else ():
                if part.get("type") != "thinking":
                    said.text += part["text"]
                elif isinstance(part.get("thinking"), str):
                    said.reasoning += part["thinking"]
                else:
                    said.reasoning += "".join(p["text"] for p in part.get("thinking", ()))
            said.refusal += delta.get("refusal", "")
            calls = list(delta.get("tool_calls", ()))
            if "function_call" in delta:
                calls.append({"function": delta["function_call"]})
            for call in calls:
                arguments = call["function"].get("arguments", "")
                if not isinstance(arguments, str):
                    arguments = json.dumps(arguments, ensure_ascii=False)
                said.arguments += arguments
            reasoning_value((c.get("message") or {}).get("reasoning"))
            if c.get("finish_reason"):
                said.finish_reason = c["finish_reason"]
    return said


def joined(events: list[ResponseEvent], kind: type) -> str:
    return "".join(e.delta for e in events if isinstance(e, kind))


# =====================================================================================
# 1. Any chunking of a stream gives the same events (F1, R17)
# =====================================================================================


@FAST
@given(stream=sse_streams(), options=OPTIONS, data=st.data())
def test_any_chunking_of_a_generated_stream_gives_the_same_events(
    stream: Stream, options: dict[str, Any], data: st.DataObject
) -> None:
    """F1 (R17): cutting a body anywhere - inside a CRLF pair, a UTF-8 character,
    a BOM, an invalid byte sequence, between an event and its blank line - and
    handing it over as a list, generator, bytearrays, memoryviews or a file gives
    the events (and the error, with its partial items) of the body fed whole,
    with or without a small max_event_bytes (F3)."""
    chunks = data.draw(chunkings(stream.body), label="chunks")
    kind = data.draw(SOURCE_KINDS, label="source kind")
    limit = data.draw(st.sampled_from([None, None, None, 40, 200, 1000]), label="max_event_bytes")
    options = {**options, "max_event_bytes": limit} if limit else options  # F3 too
    whole = outcome(stream.body, **options)
    assert outcome(as_source(chunks, kind), **options) == whole
    # One byte at a time splits everything that can be split; a leading BOM
    # (removed, F1) makes sure that it is split too.
    body = stream.body if stream.body.startswith(BOM) else BOM + stream.body
    assert outcome([body[i : i + 1] for i in range(len(body))], **options) == whole


@FAST
@given(stream=sse_streams(), options=OPTIONS)
def test_framing_delivers_what_the_event_stream_says(
    stream: Stream, options: dict[str, Any]
) -> None:
    """F1, F2, F6, F7 (and P2): iter_events() hands the parser exactly the
    events a WHATWG event-stream reader finds in the body - comments, ``id``,
    ``retry`` and unknown fields ignored, multi-line data joined with LF, invalid
    UTF-8 replaced by U+FFFD, the BOM dropped, the last event dispatched without
    its blank line - so its result is the parser's on those events."""
    assert outcome(stream.body, **options) == feed_events(stream.events, **options)


@functools.cache
def corpus_files() -> tuple[Path, ...]:
    files = tuple(sorted(shared_path("corpus").rglob("*.sse")))
    assert len(files) >= 50, f"the corpus under {shared_path('corpus')} looks incomplete"
    return files


@functools.cache
def corpus_whole(path: Path, tool_call_deltas: bool) -> Outcome:
    return outcome(path.read_bytes(), tool_call_deltas=tool_call_deltas)


@CORPUS
@given(data=st.data())
def test_any_chunking_of_a_corpus_file_gives_the_same_events(data: st.DataObject) -> None:
    """F1 (R17) on real server output (../shared/corpus): any split of a
    recorded body gives the events of the body fed whole."""
    files = corpus_files()  # fails (never skips) when ../shared is missing
    path = data.draw(st.sampled_from(files), label="corpus file")
    tool_call_deltas = data.draw(st.booleans(), label="tool_call_deltas")
    body = path.read_bytes()
    chunks = data.draw(chunkings(body), label="chunks")
    kind = data.draw(SOURCE_KINDS, label="source kind")
    got = outcome(as_source(chunks, kind), tool_call_deltas=tool_call_deltas)
    assert got == corpus_whole(path, tool_call_deltas)


def test_every_corpus_file_fed_one_byte_at_a_time_gives_the_same_events() -> None:
    """F1 (R17), exhaustively for the smallest chunks: every corpus file, one byte per chunk."""
    for path in corpus_files():
        body = path.read_bytes()
        bytewise = outcome([body[i : i + 1] for i in range(len(body))])
        assert bytewise == corpus_whole(path, False), path


# =====================================================================================
# 2. Arbitrary input never raises anything but ChatSSEError (P4-P9, §5)
# =====================================================================================

EVENT_TYPES = rare(st.sampled_from(["message", "message", "", "completion"]), st.just("error"), 25)


@FAST
@given(
    chunks=st.lists(st.tuples(EVENT_TYPES, WILD_CHUNKS, st.booleans()), max_size=6),
    options=OPTIONS,
    done=st.booleans(),
    as_event=st.booleans(),
)
def test_arbitrary_json_in_any_field_raises_only_chatsse_errors(
    chunks: list[tuple[str, Any, bool]], options: dict[str, Any], done: bool, as_event: bool
) -> None:
    """§5 ("any other exception escaping a public call is a bug"), P4-P9, P13:
    chunks whose every field may be any JSON value make the parser raise only
    ChatSSEError subclasses, leave it finished after a raise, and keep the
    event invariants (P7a, P7b, P10); ``tool_call_deltas`` only adds
    FunctionCallArgumentsDelta events."""
    texts = [(t, json.dumps(c, ensure_ascii=a)) for t, c, a in chunks]
    if done:
        texts.append(("message", "[DONE]"))
    feeds = [Event(data=text, event=t) if as_event else text for t, text in texts]
    parser = ChatStreamParser(**options)
    events, error = drive(parser, feeds)
    assert parser.finished, "P13: an error must finish the parser"
    check_invariants(events, completed=error is None)
    if error is not None:
        assert isinstance(error.events, tuple)
        assert isinstance(error.partial_items, tuple)
    plain = ChatStreamParser(**{**options, "tool_call_deltas": False})
    plain_events, plain_error = drive(plain, feeds)
    assert [e for e in events if not isinstance(e, FunctionCallArgumentsDelta)] == plain_events
    assert error_key(plain_error) == error_key(error)


@FAST
@given(
    chunks=st.lists(st.tuples(EVENT_TYPES, WILD_CHUNKS), max_size=6),
    options=OPTIONS,
    data=st.data(),
)
def test_arbitrary_json_as_sse_bytes_raises_only_chatsse_errors(
    chunks: list[tuple[str, Any]], options: dict[str, Any], data: st.DataObject
) -> None:
    """§5, P4-P9 through iter_events(): wild chunks as SSE bytes raise only
    ChatSSEError, keep the invariants (P7a, P10), and any chunking agrees (F1)."""
    body = b"".join(
        f"event: {t}\ndata: {json.dumps(c, ensure_ascii=False)}\n\n".encode() for t, c in chunks
    )
    whole = outcome(body, **options)
    check_invariants(whole[0], completed=whole[1] is None)
    assert outcome(data.draw(chunkings(body), label="chunks"), **options) == whole


_DELETE = object()

#: One value of every JSON type, and the values the parser compares against.
NASTY = [
    None, True, False, 0, 1, -1, 2**70, 1.5, float("nan"), float("-inf"), "", "x", "stop",
    "length", "error", "tool_calls", "reasoning.text", [], [None], [1, "a", {}], {}, {"text": 1},
    {"type": "reasoning.text", "text": 5}, {"message": 1, "code": [], "type": {}}, [[[[]]]],
]  # fmt: skip


def _variants(template: list[Any]) -> Iterator[list[Any]]:
    """Copies of a stream with one value (or a whole chunk) set to each NASTY value, or deleted."""
    for position, chunk in enumerate(template):
        for where in range(len(_slots(chunk)) + 1):
            for value in [*NASTY, _DELETE]:
                chunks = copy.deepcopy(template)
                container, key = [*_slots(chunks[position]), (chunks, position)][where]
                if value is _DELETE:
                    del container[key]
                else:
                    container[key] = value
                yield chunks


def _run_parser(chunks: list[Any], **options: Any) -> None:
    """Feed the chunks and end: only ChatSSEError may escape, and the invariants hold."""
    parser = ChatStreamParser(**options)
    feeds = [c if isinstance(c, str) else json.dumps(c) for c in chunks]
    events, error = drive(parser, feeds)
    assert parser.finished, "P13: an error must finish the parser"
    check_invariants(events, completed=error is None)


def test_every_field_of_every_chunk_shape_takes_any_json_type() -> None:
    """§5, P4-P9 exhaustively: in each template stream (every shape SPEC §3
    reads), each value at each position - replaced by one value of every JSON
    type, or deleted - makes the parser raise only ChatSSEError, never
    anything else, and keeps the event invariants."""
    options = [
        {},
        {"tool_call_deltas": True, "drop_tool_calls_on_stop": True, "raise_on_length": False},
    ]
    for template in TEMPLATES:
        for chunks in _variants(template):
            for option in options:
                _run_parser(chunks, **option)
    # P4: JSON too deep for the decoder is not JSON, not a crash.
    _run_parser(['{"choices": ' + "[" * 100_000 + "]" * 100_000 + "}"])


# Pieces of SSE syntax, to build byte soups far likelier than random bytes to
# reach the framing's corners.
SSE_PIECES = [
    b"data:", b"data: ", b"event:", b"event: error", b"id:", b"retry:", b":", b" ", b"\n",
    b"\n", b"\r", b"\r\n", b"[DONE]", b"DONE", b"{", b"}", b'"error"', b'{"error": 1}',
    b'{"choices": [{"delta": {"content": "hi"}}]}', b"\xef\xbb\xbf", b"\xff", b"\xe2\x82",
    b"\xf0\x9f\x98\x80", b"x" * 40,
]  # fmt: skip
SSE_SOUP = st.lists(st.sampled_from(SSE_PIECES) | st.binary(max_size=8), max_size=40).map(b"".join)


@FAST
@given(
    body=st.binary(max_size=300) | SSE_SOUP,
    max_event_bytes=st.sampled_from([16 * 1024 * 1024, 64, 16, 1]),
    data=st.data(),
)
def test_arbitrary_bytes_raise_only_chatsse_errors(
    body: bytes, max_event_bytes: int, data: st.DataObject
) -> None:
    """§5, F2, F3: any bytes, cut anywhere, with any event size limit, give
    events or a ChatSSEError - never another exception - and any chunking
    gives the same result (F1)."""
    whole = outcome(body, max_event_bytes=max_event_bytes)
    check_invariants(whole[0], completed=whole[1] is None)
    chunks = data.draw(chunkings(body), label="chunks")
    assert outcome(chunks, max_event_bytes=max_event_bytes) == whole


# =====================================================================================
# 3. A finished parser refuses input (§1, P2, P13)
# =====================================================================================

ENDINGS = {
    "[DONE]": ("message", "[DONE]"),
    "DONE": ("message", " DONE "),
    "error chunk": ("message", '{"error": {"message": "boom", "code": 500}}'),
    "error object": ("message", '{"object": "error", "message": "bad", "code": 400}'),
    "event: error": ("error", "overloaded"),
    "choice error": ("message", '{"choices": [{"delta": {}, "error": "x"}]}'),
    "finish error": ("message", '{"choices": [{"delta": {}, "finish_reason": "error"}]}'),
    "length": ("message", '{"choices": [{"delta": {"content": "a"}, "finish_reason": "length"}]}'),
}
ENDING_ERRORS: dict[str, type[ChatSSEError]] = {
    "error chunk": APIError,
    "error object": APIError,
    "event: error": APIError,
    "choice error": APIError,
    "finish error": APIError,
    "length": ContextWindowExceededError,
}
LATE_CALLS = st.lists(
    st.one_of(
        st.just(("end", None)),
        st.tuples(st.just("feed"), st.sampled_from(["", "[DONE]", "{}", '{"choices": []}'])),
        st.tuples(st.just("feed"), REALISTIC_CHUNKS.map(json.dumps)),
    ),
    min_size=1,
    max_size=4,
)


@FAST
@given(
    prefix=st.lists(REALISTIC_CHUNKS, max_size=5),
    ending=st.sampled_from([*ENDINGS, "end()"]),
    late=LATE_CALLS,
    options=OPTIONS,
)
def test_a_finished_parser_refuses_feed_and_end(
    prefix: list[Any], ending: str, late: list[tuple[str, str | None]], options: dict[str, Any]
) -> None:
    """§1, P13: after ``[DONE]``, after ``end()`` and after any error, every
    further ``feed()`` (even of empty data or ``[DONE]``) and ``end()`` raises
    ParserStateError, and the parser stays finished."""
    parser = ChatStreamParser(**{**options, "raise_on_length": True})
    prefix_error = None
    try:
        for chunk in prefix:  # may itself end in an error (finish_reason "length"...)
            parser.feed(json.dumps(chunk))
    except ChatSSEError as error:
        prefix_error = error
    assert not isinstance(prefix_error, ParserStateError)
    if prefix_error is None:
        expected = ENDING_ERRORS.get(ending)
        if ending == "end()":
            parser.end()
        elif expected is None:
            parser.feed(SimpleNamespace(event=ENDINGS[ending][0], data=ENDINGS[ending][1]))
        else:
            with pytest.raises(expected):
                parser.feed(SimpleNamespace(event=ENDINGS[ending][0], data=ENDINGS[ending][1]))
    assert parser.finished
    for call, text in late:
        late_call = parser.end if call == "end" else functools.partial(parser.feed, text)
        with pytest.raises(ParserStateError):
            late_call()
        assert parser.finished


@FAST
@given(stream=sse_streams(), tail=st.binary(max_size=64) | SSE_SOUP, options=OPTIONS)
def test_nothing_after_done_is_read(stream: Stream, tail: bytes, options: dict[str, Any]) -> None:
    """P2: after ``[DONE]`` nothing is read - whatever bytes follow it (an
    error event, garbage, an oversized event) the events are the same."""
    body = stream.body + b"\n\ndata: [DONE]\n\n"
    limit = max(64, len(body))  # the stream itself fits; the tail may not
    expected = outcome(body, max_event_bytes=limit, **options)
    assert outcome(body + tail, max_event_bytes=limit, **options) == expected
    oversized = b"data: " + b"x" * limit + b"\n\n"
    assert outcome(body + oversized, max_event_bytes=limit, **options) == expected


# =====================================================================================
# 4. Invariants of valid streams (P6, P7, P7a, P7b, P10, P11)
# =====================================================================================


@FAST
@given(stream=sse_streams(), options=OPTIONS)
def test_generated_streams_keep_the_invariants_and_lose_nothing(
    stream: Stream, options: dict[str, Any]
) -> None:
    """P10: Completed is last and appears once on success (never on error);
    P7b/§2: every Message/Reasoning OutputItemDone follows its OutputItemAdded
    and holds exactly the deltas streamed into it; P7a: no empty delta;
    ReasoningContentDelta.content_index counts 0, 1, 2... within an item.
    And nothing is lost (P6, P7): the text, refusal, reasoning and tool-call
    argument deltas and Completed's id, usage and finish reason are those the
    chunks of the followed choice carried; collect() agrees."""
    events, error = outcome(stream.body, **options)
    check_invariants(events, completed=error is None)
    if error is not None:
        return
    said = what_was_said(stream.events, options["choice"])
    note(f"said: {said}")
    assert joined(events, OutputTextDelta) == said.text
    assert joined(events, RefusalDelta) == said.refusal
    assert joined(events, ReasoningContentDelta) == said.reasoning
    if options["tool_call_deltas"]:
        assert joined(events, FunctionCallArgumentsDelta) == said.arguments
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert completed.response_id == said.response_id
    assert completed.finish_reason == said.finish_reason
    if said.usage is None:
        assert completed.token_usage is None
    else:
        assert completed.token_usage == TokenUsage.from_usage(said.usage)
        assert completed.token_usage.raw == said.usage  # P6: the last one wins, never summed
    result = chatsse.collect(events)
    assert result.text == said.text
    assert result.refusal == said.refusal
    assert result.reasoning == said.reasoning


# =====================================================================================
# 5. TokenUsage.from_usage (§2)
# =====================================================================================

COUNTS = st.integers(-5, 10**12) | st.booleans() | JSON
USAGE_KEYS = st.sampled_from(
    ["prompt_tokens", "completion_tokens", "total_tokens", "input_tokens", "output_tokens",
     "prompt_cache_hit_tokens", "reasoning_tokens", "prompt_tokens_details",
     "completion_tokens_details"]
) | st.text(max_size=5)  # fmt: skip
DETAILS = st.dictionaries(
    st.sampled_from(["cached_tokens", "reasoning_tokens", "audio_tokens"]), COUNTS, max_size=3
)
USAGES = st.dictionaries(USAGE_KEYS, COUNTS | DETAILS, max_size=8) | st.dictionaries(KEYS, JSON)


def _count(obj: Any, *keys: str) -> int | None:
    for key in keys:
        value = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


@FAST
@given(usage=USAGES)
def test_token_usage_from_any_json_object(usage: dict[str, Any]) -> None:
    """§2: TokenUsage.from_usage never raises on any JSON object, every count is
    an int (never a bool, never None), each read from the names §2 lists in
    order, missing ones 0, total falling back to input + output; raw is kept."""
    got = TokenUsage.from_usage(usage)
    check_usage_fields(got)
    inputs = _count(usage, "prompt_tokens", "input_tokens") or 0
    outputs = _count(usage, "completion_tokens", "output_tokens") or 0
    cached = _count(usage.get("prompt_tokens_details"), "cached_tokens")
    if cached is None:
        cached = _count(usage, "prompt_cache_hit_tokens")
    reasoning = _count(usage.get("completion_tokens_details"), "reasoning_tokens")
    if reasoning is None:
        reasoning = _count(usage, "reasoning_tokens")
    total = _count(usage, "total_tokens")
    assert (
        got.input_tokens,
        got.cached_input_tokens,
        got.output_tokens,
        got.reasoning_output_tokens,
        got.total_tokens,
    ) == (
        inputs,
        cached or 0,
        outputs,
        reasoning or 0,
        inputs + outputs if total is None else total,
    )
    assert got.raw is usage
