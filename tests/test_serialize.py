"""The JSON form of events (SPEC §7, re-streaming): ``to_dict`` and ``from_dict``.

The exact format is pinned by examples; round trips are proved on examples,
on every event of the demo transcript and of the real corpus, and on
arbitrary generated events; ``from_dict`` must turn every kind of malformed
input (as an untrusted peer could send) into ``ValueError`` and nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest
from conftest import shared_path
from helpers import events_until_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sseclient import SSEClient

import chatsse
from chatsse import (
    Completed,
    FunctionCall,
    FunctionCallArgumentsDelta,
    Message,
    OutputItemAdded,
    OutputItemDone,
    OutputText,
    OutputTextDelta,
    Reasoning,
    ReasoningContentDelta,
    ReasoningText,
    Refusal,
    RefusalDelta,
    ResponseEvent,
    TokenUsage,
)
from chatsse._cli import demo_transcript
from chatsse._serialize import EVENT_TYPES, _item_from_dict, _item_to_dict, from_dict, to_dict

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RAW_USAGE = {
    "prompt_tokens": 187,
    "completion_tokens": 96,
    "total_tokens": 283,
    "prompt_tokens_details": {"cached_tokens": 128, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 41, "accepted_prediction_tokens": None},
    "cost": 0.00123,
    "is_byok": False,
    "timings": [{"stage": "prefill", "ms": 12.5}, {"stage": "decode", "ms": 300}],
}
USAGE = TokenUsage(
    input_tokens=187,
    cached_input_tokens=128,
    output_tokens=96,
    reasoning_output_tokens=41,
    total_tokens=283,
    raw=RAW_USAGE,
)
USAGE_DICT = {
    "input_tokens": 187,
    "cached_input_tokens": 128,
    "output_tokens": 96,
    "reasoning_output_tokens": 41,
    "total_tokens": 283,
    "raw": RAW_USAGE,
}
MIXED_MESSAGE = Message(
    content=(
        OutputText(text="Je ne peux pas "),
        Refusal(refusal="I can't help with that."),
        OutputText(text=""),
        Refusal(refusal="🙅 拒绝"),
    ),
    id="msg_1",
)
REASONING = Reasoning(
    id="rs_1",
    summary=("**Plan**", ""),
    content=(ReasoningText(text="Let me think"), ReasoningText(text=" — 🤔\n")),
    encrypted_content="gAAAAB...==",
)
CALL = FunctionCall(
    name="get_weather", arguments='{"city": "Zürich"}', call_id="call_abc", id="fc_1"
)

#: (id, event, its exact JSON form): the format, pinned.
EXAMPLES: list[tuple[str, ResponseEvent, dict[str, Any]]] = [
    (
        "text",
        OutputTextDelta(delta="Hello, 世界 👋\n"),
        {"type": "output_text.delta", "delta": "Hello, 世界 👋\n"},
    ),
    ("text-empty", OutputTextDelta(delta=""), {"type": "output_text.delta", "delta": ""}),
    (
        "reasoning-delta",
        ReasoningContentDelta(delta="hmm", content_index=7),
        {"type": "reasoning_content.delta", "delta": "hmm", "content_index": 7},
    ),
    (
        "refusal-delta",
        RefusalDelta(delta="I can't"),
        {"type": "refusal.delta", "delta": "I can't"},
    ),
    (
        "arguments-delta",
        FunctionCallArgumentsDelta(index=1, call_id="call_1", name="f", delta='{"a"'),
        {
            "type": "function_call_arguments.delta",
            "index": 1,
            "call_id": "call_1",
            "name": "f",
            "delta": '{"a"',
        },
    ),
    (
        "arguments-delta-unknown",
        FunctionCallArgumentsDelta(index=0, call_id=None, name=None, delta=""),
        {
            "type": "function_call_arguments.delta",
            "index": 0,
            "call_id": None,
            "name": None,
            "delta": "",
        },
    ),
    (
        "added-message",
        OutputItemAdded(item=Message()),
        {
            "type": "output_item.added",
            "item": {"type": "message", "role": "assistant", "id": None, "content": []},
        },
    ),
    (
        "done-message-mixed",
        OutputItemDone(item=MIXED_MESSAGE),
        {
            "type": "output_item.done",
            "item": {
                "type": "message",
                "role": "assistant",
                "id": "msg_1",
                "content": [
                    {"type": "output_text", "text": "Je ne peux pas "},
                    {"type": "refusal", "refusal": "I can't help with that."},
                    {"type": "output_text", "text": ""},
                    {"type": "refusal", "refusal": "🙅 拒绝"},
                ],
            },
        },
    ),
    (
        "added-reasoning",
        OutputItemAdded(item=Reasoning()),
        {
            "type": "output_item.added",
            "item": {
                "type": "reasoning",
                "id": "",
                "summary": [],
                "content": [],
                "encrypted_content": None,
            },
        },
    ),
    (
        "done-reasoning",
        OutputItemDone(item=REASONING),
        {
            "type": "output_item.done",
            "item": {
                "type": "reasoning",
                "id": "rs_1",
                "summary": ["**Plan**", ""],
                "content": [
                    {"type": "reasoning_text", "text": "Let me think"},
                    {"type": "reasoning_text", "text": " — 🤔\n"},
                ],
                "encrypted_content": "gAAAAB...==",
            },
        },
    ),
    (
        "done-call",
        OutputItemDone(item=CALL),
        {
            "type": "output_item.done",
            "item": {
                "type": "function_call",
                "name": "get_weather",
                "arguments": '{"city": "Zürich"}',
                "call_id": "call_abc",
                "id": "fc_1",
            },
        },
    ),
    (
        "done-call-no-id",
        OutputItemDone(item=FunctionCall(name="", arguments="{}", call_id="tool-call-0")),
        {
            "type": "output_item.done",
            "item": {
                "type": "function_call",
                "name": "",
                "arguments": "{}",
                "call_id": "tool-call-0",
                "id": None,
            },
        },
    ),
    (
        "completed",
        Completed(response_id="chatcmpl-1", token_usage=USAGE, finish_reason="stop"),
        {
            "type": "completed",
            "response_id": "chatcmpl-1",
            "token_usage": USAGE_DICT,
            "finish_reason": "stop",
        },
    ),
    (
        "completed-bare",
        Completed(response_id="", token_usage=None, finish_reason=None),
        {"type": "completed", "response_id": "", "token_usage": None, "finish_reason": None},
    ),
    (
        "completed-empty-raw",
        Completed(response_id="x", token_usage=TokenUsage(), finish_reason="length"),
        {
            "type": "completed",
            "response_id": "x",
            "token_usage": {
                "input_tokens": 0,
                "cached_input_tokens": 0,
                "output_tokens": 0,
                "reasoning_output_tokens": 0,
                "total_tokens": 0,
                "raw": {},
            },
            "finish_reason": "length",
        },
    ),
]
EXAMPLE_IDS = [name for name, _, _ in EXAMPLES]
EXAMPLE_PAIRS = [(event, data) for _, event, data in EXAMPLES]

ALL_EVENT_CLASSES = {
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningContentDelta,
    RefusalDelta,
    FunctionCallArgumentsDelta,
    Completed,
}


def assert_round_trips(event: ResponseEvent) -> dict[str, Any]:
    """Both directions, with and without JSON text in between; returns the dict."""
    data = to_dict(event)
    assert next(iter(data)) == "type"
    back = from_dict(data)
    assert back == event
    assert to_dict(back) == data
    for text in (json.dumps(data), json.dumps(data, ensure_ascii=False)):
        decoded = json.loads(text)
        assert decoded == data
        assert from_dict(decoded) == event
        assert to_dict(from_dict(decoded)) == data
    # TokenUsage.raw is outside equality: check it on its own.
    if isinstance(event, Completed) and event.token_usage is not None:
        assert isinstance(back, Completed)
        assert back.token_usage is not None
        assert back.token_usage.raw == event.token_usage.raw
    return data


# -- the format, pinned -------------------------------------------------------------


@pytest.mark.parametrize(("event", "data"), EXAMPLE_PAIRS, ids=EXAMPLE_IDS)
def test_to_dict_gives_the_documented_form(event: ResponseEvent, data: dict[str, Any]) -> None:
    assert to_dict(event) == data
    assert list(to_dict(event)) == list(data)  # "type" first, then the documented order


@pytest.mark.parametrize(("event", "data"), EXAMPLE_PAIRS, ids=EXAMPLE_IDS)
def test_from_dict_reads_the_documented_form(event: ResponseEvent, data: dict[str, Any]) -> None:
    back = from_dict(data)
    assert back == event
    assert type(back) is type(event)


@pytest.mark.parametrize("event", [event for event, _ in EXAMPLE_PAIRS], ids=EXAMPLE_IDS)
def test_examples_round_trip_through_json(event: ResponseEvent) -> None:
    assert_round_trips(event)


def test_examples_cover_every_event_and_type_tag() -> None:
    assert {type(event) for event, _ in EXAMPLE_PAIRS} == ALL_EVENT_CLASSES
    assert {data["type"] for _, data in EXAMPLE_PAIRS} == set(EVENT_TYPES)
    assert len(EVENT_TYPES) == len(ALL_EVENT_CLASSES)


def test_contents_come_back_as_tuples_of_the_right_parts() -> None:
    event = from_dict(json.loads(json.dumps(to_dict(OutputItemDone(item=MIXED_MESSAGE)))))
    assert isinstance(event, OutputItemDone)
    message = event.item
    assert isinstance(message, Message)
    assert type(message.content) is tuple
    assert [type(part) for part in message.content] == [OutputText, Refusal, OutputText, Refusal]
    assert message.text == "Je ne peux pas "
    assert message.refusal == "I can't help with that.🙅 拒绝"
    reasoning = from_dict(to_dict(OutputItemDone(item=REASONING)))
    assert isinstance(reasoning, OutputItemDone)
    assert isinstance(reasoning.item, Reasoning)
    assert type(reasoning.item.summary) is tuple
    assert type(reasoning.item.content) is tuple
    assert reasoning.item.text == "Let me think — 🤔\n"


def test_lone_surrogates_and_control_characters_survive_json() -> None:
    # JSON's \ud800 escape decodes to a lone surrogate: a chunk can carry one.
    for text in ("\ud800", "a\udfffb", "\x00\x1f\x7f", "\u2028\u2029", "\r\n\t"):
        assert_round_trips(OutputTextDelta(delta=text))
        assert_round_trips(OutputItemDone(item=Message(content=(OutputText(text=text),))))


def test_items_round_trip_on_their_own() -> None:
    for item in (Message(), MIXED_MESSAGE, Reasoning(), REASONING, CALL):
        data = _item_to_dict(item)
        assert _item_from_dict(data) == item
        assert _item_from_dict(json.loads(json.dumps(data))) == item
        assert _item_to_dict(_item_from_dict(data)) == data


# -- TokenUsage.raw -----------------------------------------------------------------


def test_raw_usage_is_kept_and_copied_both_ways() -> None:
    event = Completed(response_id="r", token_usage=USAGE, finish_reason="stop")
    data = to_dict(event)
    assert data["token_usage"]["raw"] == RAW_USAGE
    # The dict shares nothing with the event: a backend may add to it freely.
    assert data["token_usage"]["raw"] is not RAW_USAGE
    data["token_usage"]["raw"]["prompt_tokens_details"]["cached_tokens"] = -1
    data["token_usage"]["raw"]["timings"].append("x")
    assert RAW_USAGE["prompt_tokens_details"] == {"cached_tokens": 128, "audio_tokens": 0}
    assert len(RAW_USAGE["timings"]) == 2
    # ...and the event shares nothing with the dict it was read from.
    data = to_dict(event)
    back = from_dict(data)
    assert isinstance(back, Completed)
    assert back.token_usage is not None
    data["token_usage"]["raw"]["timings"][0]["ms"] = 0
    assert back.token_usage.raw == RAW_USAGE


def test_raw_usage_from_any_mapping_becomes_plain_dicts() -> None:
    data = to_dict(Completed(response_id="r", token_usage=USAGE, finish_reason=None))
    data["token_usage"]["raw"] = MappingProxyType(
        {"nested": MappingProxyType({"a": 1}), "list": [MappingProxyType({})]}
    )
    event = from_dict(data)
    assert isinstance(event, Completed)
    assert event.token_usage is not None
    raw = event.token_usage.raw
    assert raw == {"nested": {"a": 1}, "list": [{}]}
    assert type(raw) is dict
    assert type(raw["nested"]) is dict
    assert type(raw["list"][0]) is dict


def test_raw_usage_keeps_shared_values_shared() -> None:
    shared = {"a": [1, 2]}
    usage = TokenUsage(raw={"x": shared, "y": shared, "z": [shared, shared]})
    data = assert_round_trips(Completed(response_id="", token_usage=usage, finish_reason=None))
    raw = data["token_usage"]["raw"]
    assert raw["x"] is raw["y"] is raw["z"][0]


def test_raw_usage_with_non_finite_floats_round_trips() -> None:
    # Python's json (and so the parser) reads NaN and Infinity: keep them.
    body = json.dumps({"type": "completed", "response_id": "", "finish_reason": None})
    data = json.loads(body)
    data["token_usage"] = dict(USAGE_DICT, raw={"cost": float("nan"), "big": float("inf")})
    event = from_dict(json.loads(json.dumps(data)))
    assert isinstance(event, Completed)
    assert event.token_usage is not None
    assert json.dumps(event.token_usage.raw) == '{"cost": NaN, "big": Infinity}'


def test_deeply_nested_raw_usage_does_not_hit_the_recursion_limit() -> None:
    depth = 20_000
    raw: dict[str, Any] = {}
    inner = raw
    for _ in range(depth):
        inner["d"] = {}
        inner = inner["d"]
    inner["leaf"] = [1]
    for direction in ("to_dict", "from_dict"):
        if direction == "to_dict":
            data = to_dict(
                Completed(response_id="", token_usage=TokenUsage(raw=raw), finish_reason=None)
            )
            copied = data["token_usage"]["raw"]
        else:
            data = dict(USAGE_DICT, raw=raw)
            event = from_dict(
                {"type": "completed", "response_id": "", "token_usage": data, "finish_reason": None}
            )
            assert isinstance(event, Completed)
            assert event.token_usage is not None
            copied = event.token_usage.raw
        original = raw
        for _ in range(depth):  # walk down without recursion (== would recurse)
            assert copied is not original
            copied, original = copied["d"], original["d"]
        assert copied == {"leaf": [1]}


# -- real events --------------------------------------------------------------------


def test_every_event_of_the_demo_transcript_round_trips() -> None:
    for options in ({}, {"tool_call_deltas": True}):
        events = list(chatsse.iter_events(demo_transcript(), **options))
        assert events
        kinds = {type(event) for event in events}
        assert {OutputItemAdded, OutputItemDone, OutputTextDelta, Completed} <= kinds
        for event in events:
            assert_round_trips(event)
        # The JSON lines of a whole stream read back as the same stream.
        lines = "\n".join(json.dumps(to_dict(event)) for event in events)
        assert [from_dict(json.loads(line)) for line in lines.splitlines()] == events


def _corpus_files() -> list[Any]:
    corpus = shared_path("corpus")
    files = sorted(corpus.glob("*/*.sse"))
    if not files:
        pytest.fail(f"no *.sse files under {corpus}: the shared corpus is incomplete")
    return files


def test_every_event_of_the_corpus_round_trips() -> None:
    seen: set[type] = set()
    items = 0
    for path in _corpus_files():
        # tool_call_deltas=True so FunctionCallArgumentsDelta is exercised too.
        for options in ({}, {"tool_call_deltas": True, "raise_on_length": False}):
            events, error = events_until_error(path.read_bytes(), **options)
            for event in events:
                seen.add(type(event))
                assert_round_trips(event)
            if error is not None:
                # Whatever an error carries can be re-streamed as well.
                for event in error.events:
                    assert_round_trips(event)
                for item in error.partial_items:
                    items += 1
                    assert _item_from_dict(json.loads(json.dumps(_item_to_dict(item)))) == item
    assert seen == ALL_EVENT_CLASSES
    assert items > 0


# -- arbitrary events (hypothesis) --------------------------------------------------

# Every code point, lone surrogates included (a JSON \ud800 escape yields one).
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
OPTIONAL_TEXT = st.none() | TEXT
COUNTS = st.integers(min_value=-(2**70), max_value=2**70)
INDEXES = st.integers(min_value=0, max_value=2**70)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
MESSAGES = st.builds(
    Message,
    role=st.sampled_from(["assistant", "tool", ""]) | TEXT,
    content=st.lists(
        st.builds(OutputText, text=TEXT) | st.builds(Refusal, refusal=TEXT), max_size=5
    ).map(tuple),
    id=OPTIONAL_TEXT,
)
REASONINGS = st.builds(
    Reasoning,
    id=TEXT,
    summary=st.lists(TEXT, max_size=3).map(tuple),
    content=st.lists(st.builds(ReasoningText, text=TEXT), max_size=5).map(tuple),
    encrypted_content=OPTIONAL_TEXT,
)
CALLS = st.builds(FunctionCall, name=TEXT, arguments=TEXT, call_id=TEXT, id=OPTIONAL_TEXT)
ITEMS = MESSAGES | REASONINGS | CALLS
USAGES = st.builds(
    TokenUsage,
    input_tokens=COUNTS,
    cached_input_tokens=COUNTS,
    output_tokens=COUNTS,
    reasoning_output_tokens=COUNTS,
    total_tokens=COUNTS,
    raw=st.dictionaries(TEXT, JSON_VALUES, max_size=5),
)
EVENTS = st.one_of(
    st.builds(OutputItemAdded, item=ITEMS),
    st.builds(OutputItemDone, item=ITEMS),
    st.builds(OutputTextDelta, delta=TEXT),
    st.builds(ReasoningContentDelta, delta=TEXT, content_index=INDEXES),
    st.builds(RefusalDelta, delta=TEXT),
    st.builds(
        FunctionCallArgumentsDelta,
        index=INDEXES,
        call_id=OPTIONAL_TEXT,
        name=OPTIONAL_TEXT,
        delta=TEXT,
    ),
    st.builds(
        Completed, response_id=TEXT, token_usage=st.none() | USAGES, finish_reason=OPTIONAL_TEXT
    ),
)


@FAST
@given(EVENTS)
def test_any_event_round_trips(event: ResponseEvent) -> None:
    assert_round_trips(event)


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value inside a JSON document (the document itself first)."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _places(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _places(child, (*path, index))


def _at_path(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


ODD_VALUES = JSON_VALUES | st.sampled_from(
    [True, False, 1.0, -1, 2**80, "", (), ("a",), {"type": "message"}, set(), b"x", object()]
)


@FAST
@given(EVENTS, st.data())
def test_any_damaged_dict_is_valid_or_raises_value_error(event: ResponseEvent, data: Any) -> None:
    """Replace, delete or add anything anywhere: ValueError or an exact round trip."""
    document = json.loads(json.dumps(to_dict(event)))
    path = data.draw(st.sampled_from(list(_places(document))))
    target = _at_path(document, path)
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace" and path:
        _at_path(document, path[:-1])[path[-1]] = data.draw(ODD_VALUES)
    elif action == "delete" and path:
        del _at_path(document, path[:-1])[path[-1]]
    elif action == "add" and isinstance(target, dict):
        target[data.draw(st.sampled_from(["type", "extra", "id", "raw"]) | TEXT)] = data.draw(
            ODD_VALUES
        )
    elif action == "add" and isinstance(target, list):
        target.append(data.draw(ODD_VALUES))
    else:
        document = data.draw(ODD_VALUES.filter(lambda value: isinstance(value, Mapping)))
    try:
        decoded = from_dict(document)
    except ValueError as error:
        message = str(error)
    else:
        message = ""
    if message:
        assert message.startswith("invalid ")
        assert len(message) < 1000
        return
    # Accepted: then it was a valid event's form (a harmless change, such as a
    # new text, or a raw usage object that is still JSON).
    assert to_dict(decoded) == document


# -- malformed input ---------------------------------------------------------------


def _text(**changes: Any) -> dict[str, Any]:
    return {"type": "output_text.delta", "delta": "hi", **changes}


def _done(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "output_item.done", "item": item}


def _message(**changes: Any) -> dict[str, Any]:
    return {"type": "message", "role": "assistant", "id": None, "content": [], **changes}


def _reasoning(**changes: Any) -> dict[str, Any]:
    base = {"type": "reasoning", "id": "", "summary": [], "content": [], "encrypted_content": None}
    return {**base, **changes}


def _call(**changes: Any) -> dict[str, Any]:
    base = {"type": "function_call", "name": "f", "arguments": "{}", "call_id": "c", "id": None}
    return {**base, **changes}


def _completed(**changes: Any) -> dict[str, Any]:
    base = {"type": "completed", "response_id": "r", "token_usage": None, "finish_reason": None}
    return {**base, **changes}


def _usage(**changes: Any) -> dict[str, Any]:
    return {**USAGE_DICT, **changes}


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


MALFORMED: list[tuple[str, Any, str]] = [
    # the type tag
    ("no-type", {"delta": "hi"}, "invalid event: missing field 'type'"),
    ("type-not-string", _text(type=1), "invalid event: type: expected a string, got an integer 1"),
    ("type-null", _text(type=None), "type: expected a string, got null"),
    ("type-unknown", _text(type="text.delta"), "unknown type 'text.delta' (expected one of "),
    ("type-wrong-case", _text(type="Output_Text.Delta"), "unknown type 'Output_Text.Delta'"),
    ("type-class-name", _text(type="OutputTextDelta"), "unknown type 'OutputTextDelta'"),
    # missing and extra fields
    (
        "missing-field",
        {"type": "output_text.delta"},
        "output_text.delta event: missing field 'delta'",
    ),
    ("extra-field", _text(index=0), "output_text.delta event: unexpected field 'index'"),
    (
        "missing-and-extra",
        {"type": "output_text.delta", "text": "hi"},
        "missing field 'delta'; unexpected field 'text'",
    ),
    (
        "many-extra-fields",
        _text(**{f"k{n}": n for n in range(100)}),
        "unexpected fields 'k0', 'k1', 'k2', 'k3', 'k4' and 95 more",
    ),
    (
        "missing-several",
        {"type": "function_call_arguments.delta", "delta": ""},
        "missing fields 'index', 'call_id', 'name'",
    ),
    (
        "completed-no-usage-key",
        _without(_completed(), "token_usage"),
        "missing field 'token_usage'",
    ),
    # JSON types
    (
        "delta-null",
        _text(delta=None),
        "output_text.delta event: delta: expected a string, got null",
    ),
    ("delta-number", _text(delta=3), "delta: expected a string, got an integer 3"),
    ("delta-array", _text(delta=["hi"]), "delta: expected a string, got an array"),
    ("delta-bytes", _text(delta=b"hi"), "delta: expected a string, got a Python bytes"),
    (
        "delta-huge-int",
        _text(delta=10**5000),
        "delta: expected a string, got an integer <16610-bit integer>",
    ),
    (
        "refusal-delta-object",
        {"type": "refusal.delta", "delta": {}},
        "refusal.delta event: delta: expected a string, got an object",
    ),
    (
        "content-index-bool",
        {"type": "reasoning_content.delta", "delta": "", "content_index": True},
        "content_index: expected an integer >= 0, got a boolean",
    ),
    (
        "content-index-float",
        {"type": "reasoning_content.delta", "delta": "", "content_index": 1.0},
        "content_index: expected an integer >= 0, got a number 1.0",
    ),
    (
        "content-index-string",
        {"type": "reasoning_content.delta", "delta": "", "content_index": "1"},
        "content_index: expected an integer >= 0, got a string '1'",
    ),
    (
        "content-index-negative",
        {"type": "reasoning_content.delta", "delta": "", "content_index": -1},
        "content_index: expected an integer >= 0, got an integer -1",
    ),
    (
        "index-negative",
        {
            "type": "function_call_arguments.delta",
            "index": -2,
            "call_id": None,
            "name": None,
            "delta": "",
        },
        "function_call_arguments.delta event: index: expected an integer >= 0",
    ),
    (
        "call-id-number",
        {
            "type": "function_call_arguments.delta",
            "index": 0,
            "call_id": 5,
            "name": None,
            "delta": "",
        },
        "call_id: expected a string or null, got an integer 5",
    ),
    (
        "name-bool",
        {
            "type": "function_call_arguments.delta",
            "index": 0,
            "call_id": None,
            "name": False,
            "delta": "",
        },
        "name: expected a string or null, got a boolean",
    ),
    (
        "response-id-null",
        _completed(response_id=None),
        "completed event: response_id: expected a string, got null",
    ),
    (
        "finish-reason-number",
        _completed(finish_reason=0),
        "finish_reason: expected a string or null",
    ),
    # items
    ("item-null", _done(None), "output_item.done event: item: expected an object, got null"),
    ("item-list", _done([]), "item: expected an object, got an array"),
    (
        "item-no-type",
        _done(_without(_message(), "type")),
        "output_item.done event: item: missing field 'type'",
    ),
    ("item-type-number", _done(_message(type=2)), "item.type: expected a string, got an integer 2"),
    (
        "item-type-unknown",
        _done(_message(type="output_text")),
        "item.type: unknown item type 'output_text' (expected one of message, reasoning, ",
    ),
    (
        "item-added-extra",
        {"type": "output_item.added", "item": _message(), "index": 0},
        "output_item.added event: unexpected field 'index'",
    ),
    ("message-extra", _done(_message(status="done")), "item: unexpected field 'status'"),
    ("message-missing-id", _done(_without(_message(), "id")), "item: missing field 'id'"),
    ("message-role-null", _done(_message(role=None)), "item.role: expected a string, got null"),
    ("message-id-number", _done(_message(id=1)), "item.id: expected a string or null"),
    (
        "message-content-string",
        _done(_message(content="hi")),
        "item.content: expected an array, got a string",
    ),
    (
        "message-content-tuple",
        _done(_message(content=())),
        "item.content: expected an array, got a Python tuple",
    ),
    (
        "message-part-string",
        _done(_message(content=["hi"])),
        "item.content[0]: expected an object, got a string",
    ),
    (
        "message-part-no-type",
        _done(_message(content=[{"text": "hi"}])),
        "item.content[0]: missing field 'type'",
    ),
    (
        "message-part-wrong-type",
        _done(
            _message(
                content=[
                    {"type": "output_text", "text": "a"},
                    {"type": "reasoning_text", "text": "b"},
                ]
            )
        ),
        "item.content[1].type: expected 'output_text' or 'refusal', got a string 'reasoning_text'",
    ),
    (
        "message-part-text-null",
        _done(_message(content=[{"type": "output_text", "text": None}])),
        "item.content[0].text: expected a string, got null",
    ),
    (
        "message-refusal-part-with-text",
        _done(_message(content=[{"type": "refusal", "text": "no"}])),
        "item.content[0]: missing field 'refusal'; unexpected field 'text'",
    ),
    (
        "message-part-extra",
        _done(_message(content=[{"type": "output_text", "text": "a", "annotations": []}])),
        "item.content[0]: unexpected field 'annotations'",
    ),
    ("reasoning-id-null", _done(_reasoning(id=None)), "item.id: expected a string, got null"),
    (
        "reasoning-summary-string",
        _done(_reasoning(summary="s")),
        "item.summary: expected an array, got a string",
    ),
    (
        "reasoning-summary-item",
        _done(_reasoning(summary=["a", {"text": "b"}])),
        "item.summary[1]: expected a string, got an object",
    ),
    (
        "reasoning-part-type",
        _done(_reasoning(content=[{"type": "output_text", "text": "a"}])),
        "item.content[0].type: expected 'reasoning_text', got a string 'output_text'",
    ),
    (
        "reasoning-part-list",
        _done(_reasoning(content=[["a"]])),
        "item.content[0]: expected an object, got an array",
    ),
    (
        "reasoning-encrypted-number",
        _done(_reasoning(encrypted_content=1)),
        "item.encrypted_content: expected a string or null",
    ),
    (
        "call-arguments-object",
        _done(_call(arguments={"city": "Paris"})),
        "item.arguments: expected a string, got an object",
    ),
    ("call-call-id-null", _done(_call(call_id=None)), "item.call_id: expected a string, got null"),
    ("call-missing-name", _done(_without(_call(), "name")), "item: missing field 'name'"),
    # usage
    (
        "usage-list",
        _completed(token_usage=[]),
        "completed event: token_usage: expected an object, got an array",
    ),
    (
        "usage-missing-raw",
        _completed(token_usage=_without(_usage(), "raw")),
        "token_usage: missing field 'raw'",
    ),
    ("usage-extra", _completed(token_usage=_usage(cost=1)), "token_usage: unexpected field 'cost'"),
    (
        "usage-count-bool",
        _completed(token_usage=_usage(output_tokens=True)),
        "token_usage.output_tokens: expected an integer, got a boolean",
    ),
    (
        "usage-count-float",
        _completed(token_usage=_usage(total_tokens=2.0)),
        "token_usage.total_tokens: expected an integer, got a number 2.0",
    ),
    (
        "usage-raw-null",
        _completed(token_usage=_usage(raw=None)),
        "token_usage.raw: expected an object, got null",
    ),
    (
        "usage-raw-tuple",
        _completed(token_usage=_usage(raw={"a": {"b": (1, 2)}})),
        "invalid completed event: token_usage.raw.a.b: expected a JSON value, got a Python tuple",
    ),
    (
        "usage-raw-set-in-list",
        _completed(token_usage=_usage(raw={"a": [1, {2}]})),
        "token_usage.raw.a[1]: expected a JSON value, got a Python set",
    ),
    (
        "usage-raw-int-key",
        _completed(token_usage=_usage(raw={"a": {1: 2}})),
        "token_usage.raw.a: object keys must be strings, got int 1",
    ),
    (
        "usage-raw-object",
        _completed(token_usage=_usage(raw={"a": object()})),
        "token_usage.raw.a: expected a JSON value, got a Python object",
    ),
]


@pytest.mark.parametrize(
    ("data", "message"),
    [(data, message) for _, data, message in MALFORMED],
    ids=[name for name, _, _ in MALFORMED],
)
def test_malformed_input_raises_value_error_saying_what_is_wrong(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        from_dict(data)
    assert str(caught.value).startswith("invalid ")
    assert len(str(caught.value)) < 400


def test_a_cycle_in_raw_usage_raises_value_error() -> None:
    raw: dict[str, Any] = {"a": []}
    raw["a"].append(raw)
    with pytest.raises(
        ValueError, match=re.escape("token_usage.raw.a[0]: expected a JSON value, got a cycle")
    ):
        from_dict(_completed(token_usage=_usage(raw=raw)))


def test_huge_peer_values_give_bounded_messages() -> None:
    for data in (
        _text(type="x" * 1_000_000),
        _text(delta=1.5, **{"y" * 100_000: 1}),
        _done(_message(type="z" * 100_000)),
        _text(delta=-(10**100_000)),
    ):
        with pytest.raises(ValueError, match=r"^invalid ") as caught:
            from_dict(data)
        assert len(str(caught.value)) < 400


@pytest.mark.parametrize(
    "data",
    [None, [], "output_text.delta", b"{}", 3, json.dumps(_text()), [("type", "completed")]],
    ids=["none", "list", "str", "bytes", "int", "json-text", "pairs"],
)
def test_from_dict_of_a_non_mapping_raises_type_error(data: Any) -> None:
    with pytest.raises(TypeError, match="from_dict\\(\\) needs a Mapping"):
        from_dict(data)


def test_from_dict_accepts_any_mapping() -> None:
    class Frozen(Mapping[str, Any]):
        def __init__(self, data: dict[str, Any]) -> None:
            self._data = data

        def __getitem__(self, key: str) -> Any:
            return self._data[key]

        def __iter__(self) -> Iterator[str]:
            return iter(self._data)

        def __len__(self) -> int:
            return len(self._data)

    for event, data in EXAMPLE_PAIRS:
        assert from_dict(MappingProxyType(data)) == event
        assert from_dict(Frozen(data)) == event


# -- to_dict's own errors ----------------------------------------------------------


class SubclassedDelta(OutputTextDelta):
    pass


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"type": "output_text.delta", "delta": "hi"},
        Message(),
        CALL,
        OutputText(text="hi"),
        USAGE,
        "output_text.delta",
        SubclassedDelta(delta="hi"),
    ],
    ids=["none", "dict", "message", "call", "part", "usage", "str", "subclass"],
)
def test_to_dict_of_a_non_event_raises_type_error(value: Any) -> None:
    with pytest.raises(TypeError, match="to_dict\\(\\) needs a chatsse event"):
        to_dict(value)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (OutputTextDelta(delta=None), "OutputTextDelta.delta must be a str"),
        (RefusalDelta(delta=b"x"), "RefusalDelta.delta must be a str"),
        (ReasoningContentDelta(delta="", content_index=True), "content_index must be an int"),
        (ReasoningContentDelta(delta="", content_index=1.0), "content_index must be an int"),
        (
            FunctionCallArgumentsDelta(index=0, call_id=1, name=None, delta=""),
            "call_id must be a str or None",
        ),
        (
            OutputItemDone(item=OutputText(text="x")),
            "an item must be a Message, Reasoning or FunctionCall",
        ),
        (
            OutputItemDone(item=Message(content=[OutputText(text="x")])),
            "Message.content must be a tuple",
        ),
        (
            OutputItemDone(item=Message(content=(ReasoningText(text="x"),))),
            "Message.content must be a tuple of OutputText",
        ),
        (
            OutputItemDone(item=Message(content=(OutputText(text=1),))),
            "Message.content must be a tuple of OutputText",
        ),
        (OutputItemDone(item=Reasoning(summary=["a"])), "Reasoning.summary must be a tuple of str"),
        (
            OutputItemAdded(item=Reasoning(content=(OutputText(text="x"),))),
            "Reasoning.content must be a tuple of ReasoningText",
        ),
        (
            OutputItemDone(item=FunctionCall(name="f", arguments={}, call_id="c")),
            "FunctionCall.arguments must be a str",
        ),
        (
            Completed(response_id=None, token_usage=None, finish_reason=None),
            "Completed.response_id must be a str",
        ),
        (
            Completed(response_id="", token_usage={}, finish_reason=None),
            "Completed.token_usage must be a TokenUsage or None",
        ),
        (
            Completed(
                response_id="", token_usage=TokenUsage(input_tokens=False), finish_reason=None
            ),
            "TokenUsage.input_tokens must be an int",
        ),
        (
            Completed(response_id="", token_usage=TokenUsage(raw={"a": (1,)}), finish_reason=None),
            "TokenUsage.raw.a: expected a JSON value, got a Python tuple",
        ),
        (
            Completed(response_id="", token_usage=TokenUsage(raw={1: 2}), finish_reason=None),
            "TokenUsage.raw: object keys must be strings",
        ),
    ],
)
def test_to_dict_of_a_badly_built_event_raises_type_error(event: Any, message: str) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        to_dict(event)


@pytest.mark.parametrize(
    "event",
    [
        ReasoningContentDelta(delta="", content_index=-1),
        FunctionCallArgumentsDelta(index=-1, call_id=None, name=None, delta=""),
    ],
)
def test_to_dict_of_a_negative_index_raises_value_error(event: ResponseEvent) -> None:
    with pytest.raises(ValueError, match="is negative"):
        to_dict(event)


# -- SSE frames ---------------------------------------------------------------------


def test_type_tags_are_valid_sse_event_names() -> None:
    for tag in EVENT_TYPES:
        # An SSE field value ends at CR or LF; a leading space would be eaten,
        # and a colon would read as a field separator to naive parsers.
        assert re.fullmatch(r"[a-z][a-z_.]*[a-z]", tag), tag
        assert tag == tag.strip()
        assert tag.isascii()


def test_events_survive_sse_frames() -> None:
    events = list(chatsse.iter_events(demo_transcript(), tool_call_deltas=True))
    events += [event for event, _ in EXAMPLE_PAIRS]
    frames = b"".join(
        f"event: {to_dict(event)['type']}\ndata: {json.dumps(to_dict(event))}\n\n".encode()
        for event in events
    )
    received = list(SSEClient([frames]).events())
    assert len(received) == len(events)
    for sse, event in zip(received, events, strict=True):
        data = json.loads(sse.data)
        assert sse.event == data["type"]
        assert from_dict(data) == event
