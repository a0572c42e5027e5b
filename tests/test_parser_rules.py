"""SPEC §3, rule by rule: each test names the rule it proves (P1-P13)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import events, sse_body
from sseclient import Event

from chatsse import (
    MAX_JSON_DEPTH,
    APIError,
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
    collect,
)


def feed_all(parser: ChatStreamParser, *chunks: Any) -> list[ResponseEvent]:
    out: list[ResponseEvent] = []
    for chunk in chunks:
        out += parser.feed(chunk if isinstance(chunk, str) else json.dumps(chunk))
    return out


def run(*chunks: Any, **options: Any) -> list[ResponseEvent]:
    """Feed the chunks, then end the stream; return every event."""
    parser = ChatStreamParser(**options)
    return feed_all(parser, *chunks) + parser.end()


def delta(**fields: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": fields}]}


def finish(reason: str | None, **extra: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {}, "finish_reason": reason, **extra}]}


def deltas_of(got: list[ResponseEvent]) -> str:
    return "".join(e.delta for e in got if isinstance(e, OutputTextDelta))


def done_items(got: list[ResponseEvent]) -> list[Any]:
    return [e.item for e in got if isinstance(e, OutputItemDone)]


# -- §1 the feed() contract ----------------------------------------------------


def test_feed_accepts_sseclient_events_and_plain_strings() -> None:
    parser = ChatStreamParser()
    assert parser.feed(Event(data=json.dumps(delta(content="a")))) == [
        OutputItemAdded(Message()),
        OutputTextDelta("a"),
    ]
    assert parser.feed(json.dumps(delta(content="b"))) == [OutputTextDelta("b")]


def test_feed_rejects_what_is_not_sse_data_with_type_error() -> None:
    parser = ChatStreamParser()
    with pytest.raises(TypeError, match="str"):
        parser.feed(b'{"choices": []}')
    with pytest.raises(TypeError):
        ChatStreamParser(choice="0")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="choice"):
        ChatStreamParser(choice=-1)


def test_feed_returns_events_eagerly_even_if_ignored() -> None:
    parser = ChatStreamParser()
    parser.feed(json.dumps(delta(content="kept")))  # result dropped on purpose
    assert parser.end()[0] == OutputItemDone(Message(content=(OutputText("kept"),)))


# -- P1 ---------------------------------------------------------------------------


def test_p1_data_is_stripped_and_empty_data_gives_nothing() -> None:
    parser = ChatStreamParser()
    assert parser.feed("") == []
    assert parser.feed(" \t\n ") == []
    assert parser.feed("  " + json.dumps(delta(content="x")) + "\n ") == [
        OutputItemAdded(Message()),
        OutputTextDelta("x"),
    ]
    assert not parser.finished


def test_feed_takes_a_str_subclass_as_a_str() -> None:
    class Payload(str):
        def __str__(self) -> str:
            return "not the text"

    parser = ChatStreamParser()
    assert parser.feed(Payload(json.dumps(delta(content="x")))) == [
        OutputItemAdded(Message()),
        OutputTextDelta("x"),
    ]
    assert parser.feed(Payload("[DONE]"))[-1] == Completed("", None, None)


@pytest.mark.parametrize("separator", ["\x1c", "\x1d", "\x1e", "\x1f"])
def test_p1_whitespace_is_the_seeds_not_pythons(separator: str) -> None:
    # The seed trims Unicode White_Space (Rust's trim()); Python's strip()
    # also takes the four information separators, which are not whitespace.
    # Data wrapped in one is not JSON (P4), nor [DONE] (P2): skipped.
    parser = ChatStreamParser()
    assert parser.feed("\u3000\u2029 " + json.dumps(delta(content="a")) + "\x85\xa0") == [
        OutputItemAdded(Message()),
        OutputTextDelta("a"),
    ]
    for data in (
        separator + json.dumps(delta(content="b")),
        json.dumps(delta(content="b")) + separator,  # (a repeat of the chunk before, but for it)
        separator + "[DONE]",
        "[DONE]" + separator,
    ):
        assert parser.feed(data) == []
    assert not parser.finished
    assert deltas_of(parser.feed(json.dumps(delta(content="c")))) == "c"


# -- P2 ---------------------------------------------------------------------------


@pytest.mark.parametrize("sentinel", ["[DONE]", "DONE", "  [DONE]  "])
def test_p2_done_sentinel_finishes(sentinel: str) -> None:
    parser = ChatStreamParser()
    assert parser.feed(sentinel) == [
        Completed(response_id="", token_usage=None, finish_reason=None)
    ]
    assert parser.finished


def test_p2_nothing_after_done_is_read() -> None:
    def source() -> Iterator[bytes]:
        yield sse_body(delta(content="hi"), finish("stop"))  # ends with [DONE]
        raise AssertionError("the source was read after [DONE]")

    got = events(source())  # type: ignore[arg-type]
    assert deltas_of(got) == "hi"
    assert isinstance(got[-1], Completed)


def test_p2_an_error_after_done_is_never_seen() -> None:
    body = sse_body(delta(content="hi")) + b'event: error\ndata: {"error": {"message": "late"}}\n\n'
    assert isinstance(events(body)[-1], Completed)


# -- P3 ---------------------------------------------------------------------------


def test_p3_error_event_with_json_error_object() -> None:
    # Groq's mid-stream failure (see corpus groq/gpt-oss-120b-error-after-text.sse).
    parser = ChatStreamParser()
    payload = {
        "error": {
            "message": "Tool choice is required",
            "type": "invalid_request_error",
            "code": "tool_use_failed",
            "failed_generation": "",
        }
    }
    with pytest.raises(APIError) as caught:
        parser.feed(Event(event="error", data=json.dumps(payload)))
    assert caught.value.message == "Tool choice is required"
    assert caught.value.code == "tool_use_failed"
    assert caught.value.type == "invalid_request_error"
    assert caught.value.raw == payload["error"]
    assert parser.finished


def test_p3_error_event_with_plain_text() -> None:
    with pytest.raises(APIError, match="upstream exploded"):
        ChatStreamParser().feed(Event(event="error", data="upstream exploded"))


def test_p3_error_event_through_iter_events() -> None:
    body = sse_body(delta(content="partial")).replace(b"data: [DONE]", b"event: error\ndata: oops")
    with pytest.raises(APIError, match="oops") as caught:
        events(body)
    assert caught.value.partial_items == (Message(content=(OutputText("partial"),)),)


# -- P4 ---------------------------------------------------------------------------


def test_p4_data_that_is_not_json_is_skipped_and_logged_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="chatsse")
    got = run("not json {", delta(content="ok"))
    assert deltas_of(got) == "ok"
    assert any("not JSON" in r.getMessage() and r.levelno == logging.DEBUG for r in caplog.records)


@pytest.mark.parametrize("value", ["[1, 2]", "42", '"text"', "null", "true", "[[[[[[[]]]]]]]"])
def test_p4_json_that_is_not_an_object_is_skipped(value: str) -> None:
    assert run(value) == [Completed(response_id="", token_usage=None, finish_reason=None)]


def test_p4_absurdly_nested_json_is_skipped_not_a_crash() -> None:
    assert len(run("[" * 100_000 + "]" * 100_000)) == 1


def nested(depth: int) -> str:
    """A JSON value ``depth`` arrays deep."""
    return "[" * depth + "]" * depth


class EveryChunkDecoded(ChatStreamParser):
    _follow_repeats = False


# Chunks that hold a deep value where the parser reads it, or beside what it
# reads: each read step (the tool call's arguments made JSON text, the error's
# message, the repeat check comparing decoded chunks) must not run out of stack.
DEEP_CHUNKS = [
    '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":'
    '{"name":"f","arguments":DEEP}}]}}]}',
    '{"error":DEEP}',
    '{"choices":[{"index":0,"delta":{},"error":DEEP}]}',
    '{"choices":[{"index":0,"delta":{"content":"hi"}}],"x":DEEP}',
]


@pytest.mark.parametrize("chunk", DEEP_CHUNKS)
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, 990, 1000, 1020])
@pytest.mark.parametrize("parser_class", [ChatStreamParser, EveryChunkDecoded])
def test_p4_a_chunk_nested_deeper_than_the_bound_is_skipped(
    chunk: str, depth: int, parser_class: type[ChatStreamParser]
) -> None:
    # Nested past MAX_JSON_DEPTH (the top-level object is the first level), a
    # chunk counts as not JSON, whichever decoder runs and however deep the
    # caller's stack: never a RecursionError.
    parser = parser_class()
    got = feed_all(parser, delta(content="a"), chunk.replace("DEEP", nested(depth)))
    got += feed_all(parser, delta(content="b")) + parser.end()
    assert deltas_of(got) == "ab"
    assert not any(isinstance(item, FunctionCall) for item in done_items(got))


def test_p4_a_chunk_nested_to_the_bound_is_read() -> None:
    # The arguments sit 7 levels down (object, choices, choice, delta,
    # tool_calls, call, function): with MAX_JSON_DEPTH - 7 more, the chunk is
    # exactly as deep as the bound.
    arguments = nested(MAX_JSON_DEPTH - 7)
    calls = run(DEEP_CHUNKS[0].replace("DEEP", arguments))
    assert done_items(calls) == [FunctionCall(name="f", arguments=arguments, call_id="c")]
    beside = run(DEEP_CHUNKS[3].replace("DEEP", nested(MAX_JSON_DEPTH - 1)))
    assert deltas_of(beside) == "hi"


@pytest.mark.parametrize("chunk", DEEP_CHUNKS[1:3])
def test_p5_an_error_nested_to_the_bound_raises(chunk: str) -> None:
    with pytest.raises(APIError, match=r"^error: \[\[\[.*\.\.\.$"):
        run(chunk.replace("DEEP", nested(MAX_JSON_DEPTH - 3)))


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, 990, 1000, 100_000])
def test_p3_an_error_event_nested_too_deep_raises_with_its_text(depth: int) -> None:
    data = '{"error":' + nested(depth) + "}"
    with pytest.raises(APIError) as caught:
        ChatStreamParser().feed(Event(event="error", data=data))
    assert caught.value.message == data


# -- P5 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chunk", "message", "code"),
    [
        ({"error": {"message": "Token limit reached", "code": 400}}, "Token limit reached", 400),
        (
            {"error": {"message": "bad", "code": "server_error", "type": "x", "param": "p"}},
            "bad",
            "server_error",
        ),
        ({"error": "plain string error"}, "plain string error", None),
        (
            {"object": "error", "message": "older vLLM", "type": "BadRequestError", "code": 400},
            "older vLLM",
            400,
        ),
        (
            {
                "choices": [
                    {"index": 0, "delta": {}, "error": {"message": "in choice", "code": 502}}
                ]
            },
            "in choice",
            502,
        ),
        (
            {
                "choices": [
                    {
                        "index": 0,
                        "delta": {},
                        "finish_reason": "error",
                        "error": {"message": "router error", "code": 500},
                    }
                ]
            },
            "router error",
            500,
        ),
    ],
)
def test_p5_error_payloads_raise_api_error(
    chunk: dict[str, Any], message: str, code: object
) -> None:
    parser = ChatStreamParser()
    with pytest.raises(APIError) as caught:
        parser.feed(json.dumps(chunk))
    assert caught.value.message == message
    assert caught.value.code == code
    assert parser.finished


def test_p5_finish_reason_error_without_an_error_object() -> None:
    with pytest.raises(APIError, match="finish_reason 'error'"):
        run(delta(content="x"), finish("error"))


def test_p5_null_error_is_not_an_error() -> None:
    got = run({"error": None, **delta(content="fine")})
    assert deltas_of(got) == "fine"


def test_p5_text_in_the_same_chunk_as_a_choice_error_is_kept() -> None:
    parser = ChatStreamParser()
    chunk = {
        "choices": [{"index": 0, "delta": {"content": "last words"}, "error": {"message": "cut"}}]
    }
    with pytest.raises(APIError) as caught:
        parser.feed(json.dumps(chunk))
    assert caught.value.events == (OutputItemAdded(Message()), OutputTextDelta("last words"))
    assert caught.value.partial_items == (Message(content=(OutputText("last words"),)),)


@pytest.mark.parametrize("code", [True, 1.5, None, [429], {"n": 429}])
def test_p5_code_that_is_neither_string_nor_whole_number_is_dropped(code: object) -> None:
    with pytest.raises(APIError) as caught:
        run({"error": {"message": "m", "code": code}})
    assert caught.value.code is None
    assert caught.value.raw == {"message": "m", "code": code}  # kept there


def test_p5_a_whole_number_written_with_a_fraction_is_an_integer_code() -> None:
    with pytest.raises(APIError) as caught:
        run({"error": {"message": "rate limited", "code": 429.0}})
    assert caught.value.code == 429
    assert type(caught.value.code) is int


# -- P6 ---------------------------------------------------------------------------


def test_p6_first_non_empty_id_is_the_response_id() -> None:
    got = run(
        {"id": "", "choices": []},
        {"id": "chatcmpl-1", **delta(content="a")},
        {"id": "stub", **finish("stop")},
    )
    assert got[-1] == Completed(response_id="chatcmpl-1", token_usage=None, finish_reason="stop")


def test_p6_last_usage_wins_and_is_never_summed() -> None:
    got = run(
        {
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            **delta(content="a"),
        },
        {"usage": None, **finish("stop")},
        {"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}},
    )
    completed = got[-1]
    assert isinstance(completed, Completed)
    assert completed.token_usage == TokenUsage(input_tokens=10, output_tokens=5, total_tokens=15)


def test_p6_x_groq_usage_is_the_fallback() -> None:
    groq = {
        "x_groq": {
            "id": "req_1",
            "usage": {
                "prompt_tokens": 7,
                "completion_tokens": 3,
                "total_tokens": 10,
                "queue_time": 0.01,
            },
        }
    }
    completed = run({**finish("stop"), **groq})[-1]
    assert isinstance(completed, Completed)
    assert completed.token_usage is not None
    assert completed.token_usage.total_tokens == 10
    assert completed.token_usage.raw["queue_time"] == 0.01
    both = run({**finish("stop"), **groq, "usage": {"total_tokens": 99}})[-1]
    assert isinstance(both, Completed)
    assert both.token_usage is not None
    assert both.token_usage.total_tokens == 99


@pytest.mark.parametrize("choices", [None, [], "nonsense", 3])
def test_p6_chunks_without_usable_choices_still_carry_metadata(choices: object) -> None:
    chunk: dict[str, Any] = {"id": "r", "usage": {"total_tokens": 3}}
    if choices is not None:
        chunk["choices"] = choices
    completed = run(chunk)[-1]
    assert isinstance(completed, Completed)
    assert completed.token_usage is not None
    assert (completed.response_id, completed.token_usage.total_tokens) == ("r", 3)


# -- P7 ---------------------------------------------------------------------------


def test_p7_other_choice_indexes_are_ignored() -> None:
    chunks = [
        {"choices": [{"index": 1, "delta": {"content": "B"}}]},
        {"choices": [{"index": 0, "delta": {"content": "A"}}]},
        {
            "choices": [
                {"index": 0, "delta": {}, "finish_reason": "stop"},
                {"index": 1, "delta": {"content": "B2"}, "finish_reason": "length"},
            ]
        },
    ]
    assert deltas_of(run(*chunks)) == "A"
    assert deltas_of(run(*chunks, choice=1, raise_on_length=False)) == "BB2"


def test_p7_another_choices_error_is_ignored_too_and_raises_when_followed() -> None:
    # P5's choices[i].error is read in the followed choice only (P7).
    chunks = [
        {"choices": [{"index": 0, "delta": {"content": "A"}}]},
        {"choices": [{"index": 1, "delta": {}, "error": {"message": "choice 1 failed"}}]},
        {"choices": [{"index": 1, "delta": {}, "finish_reason": "error"}]},
        finish("stop"),
    ]
    got = run(*chunks)
    assert deltas_of(got) == "A"
    assert got[-1] == Completed("", None, "stop")
    with pytest.raises(APIError, match="choice 1 failed"):
        run(*chunks, choice=1)


def test_p7_choices_without_index_are_all_taken_in_order() -> None:
    got = run(
        {
            "choices": [
                {"delta": {"content": "a"}},
                {"delta": {"content": "b"}},
                {"index": "0", "delta": {"content": "c"}},
            ]
        }
    )
    assert deltas_of(got) == "abc"


def test_p7_delta_is_read_reasoning_text_refusal_tools_in_that_order() -> None:
    got = run(
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {"index": 0, "id": "c1", "function": {"name": "f", "arguments": "{}"}}
                        ],
                        "refusal": "no",
                        "content": "text",
                        "reasoning_content": "think",
                    },
                }
            ]
        },
        tool_call_deltas=True,
    )
    assert got[:6] == [
        OutputItemAdded(Reasoning()),
        ReasoningContentDelta("think", 0),
        OutputItemAdded(Message()),
        OutputTextDelta("text"),
        RefusalDelta("no"),
        FunctionCallArgumentsDelta(index=0, call_id="c1", name="f", delta="{}"),
    ]


def test_p7_reasoning_details_win_over_reasoning_fields() -> None:
    # OpenRouter sends the same text twice: in reasoning_details and in reasoning.
    got = run(
        delta(
            reasoning="dup",
            reasoning_content="dup2",
            reasoning_details=[
                {"type": "reasoning.text", "text": "Thinking"},
                {"type": "reasoning.summary", "summary": "Sum"},
                {"type": "reasoning.encrypted", "data": "enc1"},
                {"type": "reasoning.encrypted", "data": "enc2"},
                {"type": "reasoning.unknown", "text": "ignored"},
                "not a dict",
            ],
        )
    )
    assert got == [
        OutputItemAdded(Reasoning()),
        ReasoningContentDelta("Thinking", 0),
        OutputItemDone(
            Reasoning(
                summary=("Sum",), content=(ReasoningText("Thinking"),), encrypted_content="enc1enc2"
            )
        ),
        Completed(response_id="", token_usage=None, finish_reason=None),
    ]


def test_p7_a_summary_alone_opens_the_reasoning_item() -> None:
    got = run(delta(reasoning_details=[{"type": "reasoning.summary", "summary": "**Plan**"}]))
    assert got[0] == OutputItemAdded(Reasoning())
    assert got[1] == OutputItemDone(Reasoning(summary=("**Plan**",)))


def test_p7_empty_reasoning_details_fall_back_to_reasoning_fields() -> None:
    got = run(delta(reasoning_details=[], reasoning_content="rc"), delta(reasoning="r"))
    assert [e.delta for e in got if isinstance(e, ReasoningContentDelta)] == ["rc", "r"]


@pytest.mark.parametrize("value", ["because", {"text": "because"}, {"content": "because"}])
def test_p7_reasoning_shapes_of_the_seed(value: object) -> None:
    got = run(delta(reasoning=value))
    assert got[1] == ReasoningContentDelta("because", 0)


def test_p7_reasoning_content_wins_over_reasoning() -> None:
    got = run(delta(reasoning_content="A", reasoning="B"))
    assert [e.delta for e in got if isinstance(e, ReasoningContentDelta)] == ["A"]


def test_p7_content_parts_text_and_mistral_thinking() -> None:
    got = run(
        delta(content=[{"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]}]),
        delta(content=[{"type": "thinking", "thinking": "more"}]),
        delta(content=[{"type": "thinking", "text": " and more"}]),  # as a text part's shape
        delta(
            content=[
                {"type": "text", "text": "Hello"},
                {"text": " world"},
                {"type": "image_url", "image_url": {"url": "x"}},
                "junk",
            ]
        ),
    )
    assert [e.delta for e in got if isinstance(e, ReasoningContentDelta)] == [
        "hmm",
        "more",
        " and more",
    ]
    assert deltas_of(got) == "Hello world"


def test_p7_refusal_goes_into_the_message() -> None:
    got = run(delta(refusal="I can't"), delta(refusal=" help"), finish("stop"))
    assert got[:3] == [OutputItemAdded(Message()), RefusalDelta("I can't"), RefusalDelta(" help")]
    message = done_items(got)[0]
    assert message == Message(content=(Refusal("I can't"), Refusal(" help")))
    assert (message.refusal, message.text) == ("I can't help", "")


def test_p7_legacy_function_call_is_a_tool_call_at_index_0() -> None:
    got = run(
        delta(function_call={"name": "cricket", "arguments": ""}),
        delta(function_call={"arguments": '{"n":'}),
        delta(function_call={"arguments": "1}"}),
        finish("function_call"),
    )
    assert done_items(got) == [
        FunctionCall(name="cricket", arguments='{"n":1}', call_id="tool-call-0")
    ]


def test_p7_message_reasoning_as_the_seed() -> None:
    got = run({"choices": [{"index": 0, "message": {"reasoning": {"content": "final thought"}}}]})
    assert got[1] == ReasoningContentDelta("final thought", 0)


@pytest.mark.parametrize("bad_delta", [None, "text", 5, [], {"content": 5}, {"content": None}])
def test_p7_deltas_of_the_wrong_shape_are_ignored(bad_delta: object) -> None:
    assert len(run({"choices": [{"index": 0, "delta": bad_delta}]})) == 1


# -- P7a / P7b ------------------------------------------------------------------


def test_p7a_empty_strings_never_produce_events_or_open_items() -> None:
    got = run(
        delta(role="assistant", content=""),
        delta(reasoning_content=""),
        delta(reasoning=""),
        delta(refusal=""),
        delta(content=[{"text": ""}]),
        delta(
            reasoning_details=[
                {"type": "reasoning.text", "text": ""},
                {"type": "reasoning.summary", "summary": ""},
                {"type": "reasoning.encrypted", "data": ""},
            ]
        ),
    )
    assert got == [Completed(response_id="", token_usage=None, finish_reason=None)]


def test_p7b_first_reasoning_opens_reasoning_first_text_opens_message() -> None:
    got = run(
        delta(reasoning_content="a"),
        delta(reasoning_content="b"),
        delta(content="c"),
        delta(content="d"),
    )
    assert got[:6] == [
        OutputItemAdded(Reasoning()),
        ReasoningContentDelta("a", 0),
        ReasoningContentDelta("b", 1),
        OutputItemAdded(Message()),
        OutputTextDelta("c"),
        OutputTextDelta("d"),
    ]


# -- P8 ---------------------------------------------------------------------------


def calls(got: list[ResponseEvent]) -> list[FunctionCall]:
    return [item for item in done_items(got) if isinstance(item, FunctionCall)]


def tc(**fragment: Any) -> dict[str, Any]:
    return delta(tool_calls=[fragment])


def test_p8_empty_id_counts_as_no_id() -> None:
    # Qwen (Alibaba) repeats "id": "" on every continuation.
    got = run(
        tc(index=0, id="call_1", function={"name": "weather", "arguments": ""}),
        tc(index=0, id="", function={"arguments": '{"city": "SF'}),
        tc(index=0, id="", function={"arguments": '"}'}),
        finish("tool_calls"),
    )
    assert calls(got) == [
        FunctionCall(name="weather", arguments='{"city": "SF"}', call_id="call_1")
    ]


@pytest.mark.parametrize("index", [True, -1, "0", 1.0, None])
def test_p8_only_non_negative_integer_indexes_count(index: object) -> None:
    # An unusable index is treated as absent: the fragment goes to the last call.
    got = run(
        tc(index=3, id="a", function={"name": "f", "arguments": "{"}),
        tc(index=index, function={"arguments": "}"}),
        finish("tool_calls"),
    )
    assert calls(got) == [FunctionCall(name="f", arguments="{}", call_id="a")]


def test_p8_new_id_at_an_occupied_index_is_a_new_call() -> None:
    # Ollama puts every parallel call at index 0.
    got = run(
        tc(index=0, id="call_a", function={"name": "add", "arguments": '{"a":1}'}),
        tc(index=0, id="call_b", function={"name": "mul", "arguments": '{"b":'}),
        tc(index=0, function={"arguments": "2}"}),  # continues the newest call
        finish("tool_calls"),
    )
    assert calls(got) == [
        FunctionCall(name="add", arguments='{"a":1}', call_id="call_a"),
        FunctionCall(name="mul", arguments='{"b":2}', call_id="call_b"),
    ]


def test_p8_new_id_without_a_name_at_an_occupied_index_continues_the_call() -> None:
    # Poolside: the continuations carry another id than the first fragment, and
    # no name. A new call there could never be delivered (it has no name), so
    # its arguments would be lost; the seed merges them by index.
    got = run(
        tc(index=0, id="call_A", function={"name": "get_weather", "arguments": ""}),
        tc(index=0, id="call_B", function={"arguments": '{"city":'}),
        tc(index=0, id="call_B", function={"arguments": '"Paris"}'}),
        finish("tool_calls"),
    )
    assert calls(got) == [
        FunctionCall(name="get_weather", arguments='{"city":"Paris"}', call_id="call_A")
    ]


def test_p8_an_index_never_joins_a_call_moved_to_its_slot() -> None:
    # Ollama's second call at index 0 is moved to a free slot (1); a later call
    # at index 1 must not join it, with or without an id.
    got = run(
        tc(index=0, id="a", function={"name": "f", "arguments": "{}"}),
        tc(index=0, id="b", function={"name": "g", "arguments": '{"b":'}),
        tc(index=1, function={"name": "h", "arguments": '{"x":1}'}),
        tc(index=0, function={"arguments": "2}"}),
        tc(index=2, id="c", function={"arguments": "[]"}),
        tc(index=2, function={"name": "k"}),
        finish("tool_calls"),
    )
    assert calls(got) == [
        FunctionCall(name="f", arguments="{}", call_id="a"),
        FunctionCall(name="g", arguments='{"b":2}', call_id="b"),
        FunctionCall(name="h", arguments='{"x":1}', call_id="tool-call-1"),
        FunctionCall(name="k", arguments="[]", call_id="c"),
    ]


def test_p8_after_a_tool_calls_finish_an_index_is_its_own_slot_again() -> None:
    got = run(
        tc(index=0, id="a", function={"name": "f"}),
        tc(index=0, id="b", function={"name": "g"}),
        finish("tool_calls"),
        tc(index=0, function={"name": "h"}),
        finish("tool_calls"),
    )
    assert [(call.name, call.call_id) for call in calls(got)] == [
        ("f", "a"),
        ("g", "b"),
        ("h", "tool-call-0"),
    ]


def test_p8_known_id_goes_to_its_call_whatever_the_index() -> None:
    got = run(
        tc(index=0, id="a", function={"name": "f", "arguments": "["}),
        tc(index=1, id="b", function={"name": "g", "arguments": "{"}),
        tc(index=7, id="a", function={"arguments": "]"}),
        tc(id="b", function={"arguments": "}"}),
        finish("tool_calls"),
    )
    assert calls(got) == [
        FunctionCall(name="f", arguments="[]", call_id="a"),
        FunctionCall(name="g", arguments="{}", call_id="b"),
    ]


def test_p8_no_index_no_id_continues_the_last_call_and_new_ids_take_free_slots() -> None:
    got = run(
        tc(index=1, function={"name": "first", "arguments": "{"}),
        tc(function={"arguments": "}"}),
        tc(id="x", function={"name": "second"}),
        tc(id="y", function={"name": "third"}),
        finish("tool_calls"),
    )
    assert calls(got) == [
        FunctionCall(name="first", arguments="{}", call_id="tool-call-1"),
        FunctionCall(name="second", arguments="{}", call_id="x"),
        FunctionCall(name="third", arguments="{}", call_id="y"),
    ]


def test_p8_first_non_empty_name_is_kept_never_concatenated() -> None:
    # OpenRouter's Kimi repeats the name on every fragment.
    got = run(
        tc(index=0, id="0", function={"name": "llm_version", "arguments": ""}),
        tc(index=0, id="0", function={"name": "llm_version", "arguments": "{}"}),
        tc(index=0, function={"name": "other"}),
        finish("tool_calls"),
    )
    assert calls(got) == [FunctionCall(name="llm_version", arguments="{}", call_id="0")]


def test_p8_a_call_that_never_got_a_name_is_skipped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="chatsse")
    got = run(
        tc(index=0, function={"arguments": "{}"}),
        tc(index=1, id="ok", function={"name": "named"}),
        finish("tool_calls"),
    )
    assert calls(got) == [FunctionCall(name="named", arguments="{}", call_id="ok")]
    assert any("never received a name" in r.getMessage() for r in caplog.records)


def test_p8_empty_arguments_become_an_empty_object() -> None:
    got = run(
        tc(index=0, id="c", function={"name": "no_params", "arguments": ""}), finish("tool_calls")
    )
    assert calls(got)[0].arguments == "{}"


def test_p8_arguments_sent_as_json_objects_are_kept_as_json_text() -> None:
    got = run(
        tc(index=0, id="c", function={"name": "f", "arguments": {"city": "Zürich"}}),
        finish("tool_calls"),
    )
    assert json.loads(calls(got)[0].arguments) == {"city": "Zürich"}


@pytest.mark.parametrize(
    "fragment", [None, "x", 1, [], {"function": "nope"}, {"function": {"name": 5, "arguments": 5}}]
)
def test_p8_malformed_fragments_are_ignored(fragment: object) -> None:
    got = run(delta(tool_calls=[fragment]), finish("tool_calls"))
    assert calls(got) == []


# -- P9 ---------------------------------------------------------------------------


def test_p9_tool_calls_finish_closes_reasoning_and_calls_but_not_the_message() -> None:
    parser = ChatStreamParser()
    feed_all(
        parser,
        delta(reasoning_content="r", content="t"),
        tc(index=0, id="c", function={"name": "f", "arguments": "{}"}),
    )
    got = parser.feed(json.dumps(finish("tool_calls")))
    assert got == [
        OutputItemDone(Reasoning(content=(ReasoningText("r"),))),
        OutputItemDone(FunctionCall(name="f", arguments="{}", call_id="c")),
    ]
    assert parser.end()[0] == OutputItemDone(Message(content=(OutputText("t"),)))


@pytest.mark.parametrize("reason", ["stop", "content_filter", "eos", "end_turn"])
def test_p9_stop_and_unknown_reasons_close_everything_in_order(reason: str) -> None:
    parser = ChatStreamParser()
    feed_all(
        parser,
        delta(reasoning_content="r", content="t"),
        tc(index=0, id="c", function={"name": "f", "arguments": "{}"}),
    )
    got = parser.feed(json.dumps(finish(reason)))
    assert got == [
        OutputItemDone(Reasoning(content=(ReasoningText("r"),))),
        OutputItemDone(FunctionCall(name="f", arguments="{}", call_id="c")),
        OutputItemDone(Message(content=(OutputText("t"),))),
    ]
    assert parser.end() == [Completed(response_id="", token_usage=None, finish_reason=reason)]


def test_p9_drop_mode_logs_the_dropped_calls_at_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="chatsse")
    got = run(
        tc(index=0, id="c", function={"name": "get_weather"}),
        finish("stop"),
        drop_tool_calls_on_stop=True,
    )
    assert calls(got) == []
    assert any(
        r.levelno == logging.WARNING and "get_weather" in r.getMessage() for r in caplog.records
    )


def test_p9_drop_mode_keeps_calls_pending_at_stop_for_a_later_tool_calls_finish() -> None:
    # "Reproduces the seed exactly": the seed's "stop" leaves its calls
    # pending, and a "tool_calls" finish after it still delivers them.
    got = run(
        tc(index=0, id="c", function={"name": "f", "arguments": "{}"}),
        finish("stop"),
        finish("tool_calls"),
        drop_tool_calls_on_stop=True,
    )
    assert calls(got) == [FunctionCall(name="f", arguments="{}", call_id="c")]


def test_p9_length_raises_with_this_chunks_events_and_the_partial_items() -> None:
    parser = ChatStreamParser()
    feed_all(parser, delta(reasoning_content="r"), delta(content="Once upon"))
    with pytest.raises(ContextWindowExceededError) as caught:
        parser.feed(
            json.dumps(
                {
                    "choices": [
                        {"index": 0, "delta": {"content": " a time"}, "finish_reason": "length"}
                    ]
                }
            )
        )
    assert caught.value.events == (OutputTextDelta(" a time"),)
    assert caught.value.partial_items == (
        Reasoning(content=(ReasoningText("r"),)),
        Message(content=(OutputText("Once upon"), OutputText(" a time"))),
    )
    assert parser.finished


def test_p9_length_without_raising_completes_like_stop() -> None:
    got = run(
        delta(content="Once"),
        finish("length"),
        {"choices": [], "usage": {"total_tokens": 9}},
        raise_on_length=False,
    )
    assert done_items(got) == [Message(content=(OutputText("Once"),))]
    completed = got[-1]
    assert isinstance(completed, Completed)
    assert completed.token_usage is not None
    assert (completed.finish_reason, completed.token_usage.total_tokens) == ("length", 9)


@pytest.mark.parametrize("null_reason", [None, "", 0, False, {"x": 1}])
def test_p9_empty_and_non_string_finish_reasons_count_as_null(null_reason: object) -> None:
    got = run(delta(content="a"), finish("stop"), finish(null_reason))  # type: ignore[arg-type]
    assert got[-1] == Completed(response_id="", token_usage=None, finish_reason="stop")


def test_p9_the_last_finish_reason_is_reported() -> None:
    # OpenRouter sends finish_reason twice; another provider might change it.
    got = run(tc(index=0, id="c", function={"name": "f"}), finish("tool_calls"), finish("stop"))
    assert got[-1] == Completed(response_id="", token_usage=None, finish_reason="stop")
    assert len(calls(got)) == 1


# -- P10 / P11 / P12 ------------------------------------------------------------


def test_p10_completed_comes_once_at_the_end_and_includes_a_trailing_usage_chunk() -> None:
    parser = ChatStreamParser()
    before_end = feed_all(
        parser,
        {"id": "r1", **delta(content="hi")},
        finish("stop"),
        {"id": "r1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1}},
    )
    assert not any(isinstance(e, Completed) for e in before_end)
    got = parser.feed("[DONE]")
    assert got == [
        Completed(
            response_id="r1",
            finish_reason="stop",
            token_usage=TokenUsage(input_tokens=3, output_tokens=1, total_tokens=4),
        )
    ]


def test_p11_closing_order_reasoning_calls_message_completed() -> None:
    parser = ChatStreamParser()
    feed_all(
        parser,
        delta(content="t"),
        delta(reasoning_content="r"),
        tc(index=0, id="c", function={"name": "f", "arguments": "{}"}),
    )
    got = parser.feed("[DONE]")
    assert [type(e).__name__ + ":" + type(getattr(e, "item", e)).__name__ for e in got] == [
        "OutputItemDone:Reasoning",
        "OutputItemDone:FunctionCall",
        "OutputItemDone:Message",
        "Completed:Completed",
    ]


def test_p11_drop_mode_also_drops_calls_pending_at_the_end() -> None:
    got = run(tc(index=0, id="c", function={"name": "f"}), drop_tool_calls_on_stop=True)
    assert calls(got) == []


def test_p12_end_without_finish_reason_still_completes() -> None:
    got = run(delta(content="trunc"))
    assert got[-1] == Completed(response_id="", token_usage=None, finish_reason=None)
    assert done_items(got) == [Message(content=(OutputText("trunc"),))]


# -- P13 --------------------------------------------------------------------------


def test_p13_errors_are_terminal_and_carry_the_open_items_in_order() -> None:
    parser = ChatStreamParser()
    feed_all(
        parser,
        delta(content="text"),
        delta(reasoning_content="why"),
        tc(index=0, id="c1", function={"name": "f", "arguments": '{"a":'}),
        tc(index=1, function={"arguments": "[1"}),
    )
    with pytest.raises(APIError) as caught:
        parser.feed(json.dumps({"error": {"message": "boom"}}))
    assert caught.value.partial_items == (
        Reasoning(content=(ReasoningText("why"),)),
        Message(content=(OutputText("text"),)),
        FunctionCall(name="f", arguments='{"a":', call_id="c1"),
        FunctionCall(name="", arguments="[1", call_id="tool-call-1"),
    )
    assert parser.finished
    with pytest.raises(ParserStateError):
        parser.feed(json.dumps(delta(content="more")))
    with pytest.raises(ParserStateError):
        parser.end()


def test_feeding_or_ending_after_the_end_is_misuse() -> None:
    parser = ChatStreamParser()
    parser.feed("[DONE]")
    with pytest.raises(ParserStateError, match="finished"):
        parser.feed("[DONE]")
    parser = ChatStreamParser()
    parser.end()
    with pytest.raises(ParserStateError):
        parser.end()


# -- tool_call_deltas (extension) ----------------------------------------------


def test_tool_call_deltas_report_each_argument_piece() -> None:
    got = run(
        tc(index=0, id="c", function={"name": "f", "arguments": ""}),
        tc(index=0, function={"arguments": '{"q"'}),
        tc(index=0, function={"arguments": ": 1}"}),
        finish("tool_calls"),
        tool_call_deltas=True,
    )
    assert [e for e in got if isinstance(e, FunctionCallArgumentsDelta)] == [
        FunctionCallArgumentsDelta(index=0, call_id="c", name="f", delta='{"q"'),
        FunctionCallArgumentsDelta(index=0, call_id="c", name="f", delta=": 1}"),
    ]


def test_tool_call_deltas_are_off_by_default() -> None:
    got = run(tc(index=0, id="c", function={"name": "f", "arguments": "{}"}))
    assert not any(isinstance(e, FunctionCallArgumentsDelta) for e in got)


def test_p7_an_empty_reasoning_content_counts_as_absent() -> None:
    # P7 step 1 reads reasoning_content "if a string", else reasoning. An empty
    # one could never produce an event (P7a), so a reasoning beside it is read
    # rather than lost (docs/behaviour.rst says so).
    got = run(delta(reasoning_content="", reasoning="think"), delta(reasoning_content="on"))
    assert [e.delta for e in got if isinstance(e, ReasoningContentDelta)] == ["think", "on"]


def test_p7_a_reasoning_delta_beside_another_field_reads_both() -> None:
    # {"content": null, "reasoning_content": ...} takes a shorter path; any
    # other pair of fields must still be read in P7's order.
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": None, "reasoning_content": "think"}}]},
        {"choices": [{"index": 0, "delta": {"reasoning_content": "more", "refusal": "no"}}]},
        {"choices": [{"index": 0, "delta": {"content": None, "reasoning_content": None}}]},
        {"choices": [{"index": 0, "delta": {"content": None, "reasoning_content": ""}}]},
        {
            "choices": [
                {"index": 0, "delta": {"content": [{"text": "L"}], "reasoning_content": "r"}}
            ]
        },
        {"choices": [{"index": 0, "delta": {"content": "T", "reasoning_content": None}}]},
        {"choices": [{"index": 0, "delta": {"reasoning": "R"}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    )
    result = collect(iter(events(body)))
    assert result.reasoning == "thinkmorerR"
    assert result.refusal == "no"
    assert result.text == "LT"
