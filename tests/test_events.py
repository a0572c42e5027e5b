"""SPEC §2 and §5: the event model, TokenUsage's mapping, collect(), the
exception hierarchy, and the public surface of the package."""

from __future__ import annotations

import pickle
import typing
from typing import Any

import attrs
import pytest
from helpers import events, sse_body

import chatsse
from chatsse import (
    APIError,
    ChatSSEError,
    Completed,
    ContextWindowExceededError,
    FunctionCall,
    FunctionCallArgumentsDelta,
    HTTPStatusError,
    IdleTimeoutError,
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
    StreamError,
    TokenUsage,
)

EVENT_CLASSES = [
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningContentDelta,
    RefusalDelta,
    FunctionCallArgumentsDelta,
    Completed,
]
ITEM_CLASSES = [Message, Reasoning, FunctionCall, OutputText, Refusal, ReasoningText, TokenUsage]

SAMPLES: list[Any] = [
    OutputItemAdded(Message()),
    OutputItemDone(FunctionCall(name="f", arguments="{}", call_id="c")),
    OutputTextDelta("hi"),
    ReasoningContentDelta(delta="hm", content_index=2),
    RefusalDelta("no"),
    FunctionCallArgumentsDelta(index=0, call_id=None, name="f", delta="{"),
    Completed(response_id="r", token_usage=TokenUsage(total_tokens=3), finish_reason="stop"),
    Message(content=(OutputText("a"), Refusal("b"))),
    Reasoning(summary=("s",), content=(ReasoningText("t"),), encrypted_content="e"),
]


# -- §2 events and items --------------------------------------------------------


@pytest.mark.parametrize("cls", EVENT_CLASSES + ITEM_CLASSES)
def test_classes_are_frozen_slotted_attrs(cls: type) -> None:
    assert attrs.has(cls)
    assert "__slots__" in cls.__dict__
    instance = next((s for s in SAMPLES if type(s) is cls), None) or cls(
        **{f.name: "x" for f in attrs.fields(cls) if f.default is attrs.NOTHING}
    )
    field = attrs.fields(cls)[0].name
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(instance, field, "changed")


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: type(s).__name__)
def test_events_are_equal_by_value_hashable_and_readable(sample: Any) -> None:
    copy = attrs.evolve(sample)
    assert copy == sample
    assert copy is not sample
    assert hash(copy) == hash(sample)
    assert repr(sample).startswith(type(sample).__name__ + "(")


def test_contents_are_tuples_so_items_stay_immutable() -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": "a", "reasoning_content": "b"}}]},
        {"choices": [{"index": 0, "delta": {"refusal": "c"}, "finish_reason": "stop"}]},
    )
    items = [e.item for e in events(body) if isinstance(e, OutputItemDone)]
    for item in items:
        assert isinstance(item.content, tuple)
    assert isinstance(items[0], Reasoning)
    assert isinstance(items[0].summary, tuple)


def test_message_and_reasoning_text_join_their_pieces() -> None:
    message = Message(content=(OutputText("Hel"), Refusal("No"), OutputText("lo"), Refusal("!")))
    assert (message.text, message.refusal) == ("Hello", "No!")
    assert Message().text == Message().refusal == ""
    assert Reasoning(content=(ReasoningText("a"), ReasoningText("b"))).text == "ab"


def test_a_character_split_into_its_utf16_halves_across_pieces_is_whole_when_joined() -> None:
    # A server that cuts its text at UTF-16 code units (JavaScript's string
    # slicing) sends an emoji's two halves as escapes in two chunks: each
    # delta holds a lone surrogate, which no UTF-8 can carry. Joined, they
    # are the character the server meant; a half without its other stays.
    body = sse_body(
        '{"choices":[{"index":0,"delta":{"content":"hi \\ud83d"}}]}',
        '{"choices":[{"index":0,"delta":{"content":"\\ude00 \\ud83d"}}]}',
        '{"choices":[{"index":0,"delta":{"reasoning_content":"\\ud83e"}}]}',
        '{"choices":[{"index":0,"delta":{"reasoning_content":"\\udd14"}}]}',
        '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":'
        '{"name":"f","arguments":"{\\"e\\":\\"\\ud83d"}}]}}]}',
        '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":'
        '{"arguments":"\\ude80\\"}"}}]}}]}',
        '{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
    )
    got = events(body)
    assert [e.delta for e in got if isinstance(e, OutputTextDelta)] == [
        "hi \ud83d",
        "\ude00 \ud83d",
    ]
    result = chatsse.collect(got)
    assert result.text == "hi \U0001f600 \ud83d"  # the last half had no other
    assert result.reasoning == "\U0001f914"
    assert result.tool_calls[0].arguments == '{"e":"\U0001f680"}'
    message = Message(content=(OutputText("\ud83d"), Refusal("\ud83d"), OutputText("\ude00")))
    assert message.text == "\U0001f600"


def test_response_event_union_lists_every_event_class() -> None:
    assert set(typing.get_args(chatsse.ResponseEvent)) == set(EVENT_CLASSES)
    assert set(typing.get_args(chatsse.ResponseItem)) == {Message, Reasoning, FunctionCall}


# -- §2 TokenUsage ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (
            {
                "prompt_tokens": 10,
                "completion_tokens": 5,
                "total_tokens": 15,
                "prompt_tokens_details": {"cached_tokens": 4},
                "completion_tokens_details": {"reasoning_tokens": 3},
            },
            (10, 4, 5, 3, 15),
        ),
        ({"input_tokens": 7, "output_tokens": 2}, (7, 0, 2, 0, 9)),  # Anthropic-style names
        (
            {
                "prompt_tokens": 9,
                "completion_tokens": 1,
                "prompt_cache_hit_tokens": 8,
                "reasoning_tokens": 6,
            },
            (9, 8, 1, 6, 10),
        ),  # DeepSeek; a top-level reasoning count
        (
            {
                "prompt_tokens": None,
                "input_tokens": 3,
                "completion_tokens": "2",
                "output_tokens": 1,
            },
            (3, 0, 1, 0, 4),
        ),  # a non-integer falls back to the alternative name
        ({"prompt_tokens": True, "completion_tokens": 2.0, "total_tokens": False}, (0, 0, 0, 0, 0)),
        ({"prompt_tokens_details": None, "completion_tokens_details": []}, (0, 0, 0, 0, 0)),
        ({}, (0, 0, 0, 0, 0)),
    ],
)
def test_token_usage_mapping(usage: dict[str, Any], expected: tuple[int, ...]) -> None:
    got = TokenUsage.from_usage(usage)
    assert (
        got.input_tokens,
        got.cached_input_tokens,
        got.output_tokens,
        got.reasoning_output_tokens,
        got.total_tokens,
    ) == expected
    assert got.raw is usage


def test_token_usage_raw_is_kept_but_not_part_of_equality() -> None:
    a = TokenUsage.from_usage({"total_tokens": 3, "cost": 0.1})
    b = TokenUsage.from_usage({"total_tokens": 3, "cost": 0.2})
    assert a == b
    assert hash(a) == hash(b)
    assert a.raw["cost"] == 0.1
    assert "raw" not in repr(a)


# -- collect() -----------------------------------------------------------------


def test_collect_gathers_the_whole_answer() -> None:
    body = sse_body(
        {"id": "r1", "choices": [{"index": 0, "delta": {"reasoning_content": "think "}}]},
        {"choices": [{"index": 0, "delta": {"reasoning_content": "hard", "content": "Hi"}}]},
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "c1",
                                "function": {"name": "f", "arguments": '{"x":1}'},
                            }
                        ]
                    },
                }
            ]
        },
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
        {"choices": [], "usage": {"prompt_tokens": 2, "completion_tokens": 3}},
    )
    result = chatsse.collect(chatsse.iter_events(body))
    assert result.text == "Hi"
    assert result.refusal == ""
    assert result.reasoning == "think hard"
    assert result.tool_calls == (FunctionCall(name="f", arguments='{"x":1}', call_id="c1"),)
    assert result.usage == TokenUsage(input_tokens=2, output_tokens=3, total_tokens=5)
    assert (result.finish_reason, result.response_id) == ("tool_calls", "r1")
    assert [type(item) for item in result.items] == [Reasoning, FunctionCall, Message]


def test_collect_without_completed_leaves_the_end_fields_empty() -> None:
    result = chatsse.collect([OutputItemDone(Message(content=(OutputText("x"),)))])
    assert (result.text, result.usage, result.finish_reason, result.response_id) == (
        "x",
        None,
        None,
        "",
    )


def test_collect_lets_errors_through_with_the_partial_answer() -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": "par"}}]},
        {"error": {"message": "overloaded", "code": 529}},
    )
    with pytest.raises(APIError) as caught:
        chatsse.collect(chatsse.iter_events(body))
    assert caught.value.partial_items == (Message(content=(OutputText("par"),)),)


# -- §5 errors ------------------------------------------------------------------


def test_every_error_derives_from_chat_sse_error() -> None:
    for cls in (
        StreamError,
        IdleTimeoutError,
        ContextWindowExceededError,
        APIError,
        HTTPStatusError,
        ParserStateError,
    ):
        assert issubclass(cls, ChatSSEError)
    assert issubclass(IdleTimeoutError, StreamError)


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (
            APIError("Token limit", code=400, type="invalid", param=None, raw={"x": 1}),
            "Token limit (code=400, type='invalid')",
        ),
        (APIError("plain"), "plain"),
        (
            HTTPStatusError(429, "Rate limit reached", body="{}", retry_after=2.0),
            "HTTP 429: Rate limit reached",
        ),
        (IdleTimeoutError("idle timeout waiting for SSE"), "idle timeout waiting for SSE"),
        (StreamError("broken", partial_items=[Message()]), "broken"),
    ],
)
def test_errors_read_well_and_survive_pickling(error: ChatSSEError, text: str) -> None:
    assert str(error) == text
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == text
    assert copy.__dict__ == error.__dict__


def test_every_error_carries_events_and_partial_items() -> None:
    error = ParserStateError("misuse")
    assert (error.events, error.partial_items) == ((), ())


# -- the public surface -----------------------------------------------------------


def test_every_public_name_is_exported_documented_and_importable() -> None:
    for name in chatsse.__all__:
        obj = getattr(chatsse, name)
        if isinstance(obj, type) or callable(obj):
            assert obj.__doc__, f"{name} has no docstring"
    for cls in EVENT_CLASSES + ITEM_CLASSES:
        assert cls.__name__ in chatsse.__all__
    for name in ("ChatStreamParser", "iter_events", "collect", "ChatResult", "ResponseEvent"):
        assert name in chatsse.__all__


def test_the_package_is_typed() -> None:
    from importlib import resources

    assert resources.files("chatsse").joinpath("py.typed").is_file()
