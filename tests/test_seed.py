"""The reference implementation's eight unit tests, ported (SPEC: "as the seed").

As in the seed, each body is `event: message` + `data:` per chunk and ends
without [DONE]: the end of input completes the stream (P12).
"""

from __future__ import annotations

from helpers import events, sse_body

from chatsse import (
    Completed,
    FunctionCall,
    Message,
    OutputItemAdded,
    OutputItemDone,
    OutputText,
    OutputTextDelta,
    Reasoning,
    ReasoningContentDelta,
    ReasoningText,
)


def body(*chunks: object) -> bytes:
    return sse_body(*chunks, event="message", done=False)


def tool_delta(**call: object) -> dict[str, object]:
    return {"choices": [{"delta": {"tool_calls": [call]}}]}


FINISH_TOOL_CALLS = {"choices": [{"finish_reason": "tool_calls"}]}


def test_completes_on_done_sentinel_without_json() -> None:
    got = events(b"event: message\ndata: [DONE]\n\n")
    assert got == [Completed(response_id="", token_usage=None, finish_reason=None)]


def test_concatenates_tool_call_arguments_across_deltas() -> None:
    got = events(
        body(
            tool_delta(id="call_a", index=0, function={"name": "do_a"}),
            tool_delta(index=0, function={"arguments": '{ "foo":'}),
            tool_delta(index=0, function={"arguments": "1}"}),
            FINISH_TOOL_CALLS,
        )
    )
    assert got == [
        OutputItemDone(FunctionCall(name="do_a", arguments='{ "foo":1}', call_id="call_a")),
        Completed(response_id="", token_usage=None, finish_reason="tool_calls"),
    ]


def test_emits_multiple_tool_calls() -> None:
    got = events(
        body(
            tool_delta(id="call_a", function={"name": "do_a", "arguments": '{"foo":1}'}),
            tool_delta(id="call_b", function={"name": "do_b", "arguments": '{"bar":2}'}),
            FINISH_TOOL_CALLS,
        )
    )
    assert got == [
        OutputItemDone(FunctionCall(name="do_a", arguments='{"foo":1}', call_id="call_a")),
        OutputItemDone(FunctionCall(name="do_b", arguments='{"bar":2}', call_id="call_b")),
        Completed(response_id="", token_usage=None, finish_reason="tool_calls"),
    ]


def test_emits_tool_calls_for_multiple_choices() -> None:
    # The choices carry no "index", so both are taken (P7), as in the seed.
    payload = {
        "choices": [
            {
                "delta": {
                    "tool_calls": [
                        {
                            "id": "call_a",
                            "index": 0,
                            "function": {"name": "do_a", "arguments": "{}"},
                        }
                    ]
                },
                "finish_reason": "tool_calls",
            },
            {
                "delta": {
                    "tool_calls": [
                        {
                            "id": "call_b",
                            "index": 0,
                            "function": {"name": "do_b", "arguments": "{}"},
                        }
                    ]
                },
                "finish_reason": "tool_calls",
            },
        ]
    }
    got = events(body(payload))
    assert got == [
        OutputItemDone(FunctionCall(name="do_a", arguments="{}", call_id="call_a")),
        OutputItemDone(FunctionCall(name="do_b", arguments="{}", call_id="call_b")),
        Completed(response_id="", token_usage=None, finish_reason="tool_calls"),
    ]


def test_merges_tool_calls_by_index_when_id_missing_on_subsequent_deltas() -> None:
    got = events(
        body(
            tool_delta(index=0, id="call_a", function={"name": "do_a", "arguments": '{ "foo":'}),
            tool_delta(index=0, function={"arguments": "1}"}),
            FINISH_TOOL_CALLS,
        )
    )
    assert got == [
        OutputItemDone(FunctionCall(name="do_a", arguments='{ "foo":1}', call_id="call_a")),
        Completed(response_id="", token_usage=None, finish_reason="tool_calls"),
    ]


def test_preserves_tool_call_name_when_empty_deltas_arrive() -> None:
    got = events(
        body(
            tool_delta(id="call_a", function={"name": "do_a"}),
            tool_delta(id="call_a", function={"name": "", "arguments": "{}"}),
            FINISH_TOOL_CALLS,
        )
    )
    assert got == [
        OutputItemDone(FunctionCall(name="do_a", arguments="{}", call_id="call_a")),
        Completed(response_id="", token_usage=None, finish_reason="tool_calls"),
    ]


def test_emits_tool_calls_even_when_content_and_reasoning_present() -> None:
    got = events(
        body(
            {
                "choices": [
                    {
                        "delta": {
                            "content": [{"text": "hi"}],
                            "reasoning": "because",
                            "tool_calls": [
                                {"id": "call_a", "function": {"name": "do_a", "arguments": "{}"}}
                            ],
                        }
                    }
                ]
            },
            FINISH_TOOL_CALLS,
        )
    )
    call = FunctionCall(name="do_a", arguments="{}", call_id="call_a")
    assert got == [
        OutputItemAdded(Reasoning()),
        ReasoningContentDelta(delta="because", content_index=0),
        OutputItemAdded(Message()),
        OutputTextDelta("hi"),
        OutputItemDone(Reasoning(content=(ReasoningText("because"),))),
        OutputItemDone(call),
        OutputItemDone(Message(content=(OutputText("hi"),))),
        Completed(response_id="", token_usage=None, finish_reason="tool_calls"),
    ]


TOOL_THEN_STOP = body(
    tool_delta(id="call_a", function={"name": "do_a", "arguments": "{}"}),
    {"choices": [{"finish_reason": "stop"}]},
)


def test_drops_partial_tool_calls_on_stop_finish_reason() -> None:
    # The seed's behaviour, kept behind drop_tool_calls_on_stop=True (P9).
    got = events(TOOL_THEN_STOP, drop_tool_calls_on_stop=True)
    assert not any(isinstance(e, OutputItemDone) and isinstance(e.item, FunctionCall) for e in got)
    assert isinstance(got[-1], Completed)


def test_delivers_tool_calls_pending_at_stop_by_default() -> None:
    # The default-mode counterpart: P9 departs from the seed and delivers them.
    got = events(TOOL_THEN_STOP)
    assert got == [
        OutputItemDone(FunctionCall(name="do_a", arguments="{}", call_id="call_a")),
        Completed(response_id="", token_usage=None, finish_reason="stop"),
    ]
