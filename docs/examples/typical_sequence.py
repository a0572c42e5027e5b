"""Every event of a short stream, chunk by chunk: reasoning, text, a tool call, usage, [DONE]."""

import json

import chatsse


def delta(**fields):
    return {"choices": [{"index": 0, "delta": fields}]}


DATA = [
    {"id": "chatcmpl-42", **delta(role="assistant", content="", reasoning_content="Need the")},
    delta(reasoning_content=" weather."),
    delta(content="Checking"),
    delta(content=" now."),
    delta(tool_calls=[{"index": 0, "id": "call_7", "function": {"name": "get_weather"}}]),
    delta(tool_calls=[{"index": 0, "function": {"arguments": '{"city": "Paris"}'}}]),
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    {"choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": 9}},
]

parser = chatsse.ChatStreamParser()
for data in [*map(json.dumps, DATA), "[DONE]"]:
    print("data:", data)
    for event in parser.feed(data):
        print("   ", event)
