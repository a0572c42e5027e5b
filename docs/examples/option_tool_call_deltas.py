"""tool_call_deltas=True: also see each piece of a tool call's arguments as it arrives."""

import json

import chatsse


def sse(*chunks):
    """A Chat Completions SSE body: one ``data:`` event per chunk, then ``[DONE]``."""
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return "".join([*events, "data: [DONE]\n\n"]).encode()


def tool_call(**fragment):
    return {"choices": [{"index": 0, "delta": {"tool_calls": [fragment]}}]}


BODY = sse(
    tool_call(index=0, id="call_a", function={"name": "add", "arguments": ""}),
    tool_call(index=0, function={"arguments": '{"a": 2, '}),
    tool_call(index=1, id="call_m", function={"name": "multiply", "arguments": '{"a": 2}'}),
    tool_call(index=0, function={"arguments": '"b": 3}'}),
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
)

for event in chatsse.iter_events(BODY, tool_call_deltas=True):
    print(event)
