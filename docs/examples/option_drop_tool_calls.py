"""drop_tool_calls_on_stop=: what happens to tool calls when the finish reason is "stop".

OpenAI ends a forced ``tool_choice`` with ``finish_reason: "stop"``, not "tool_calls"
(corpus: openai/gpt-4o-forced-tool-finish-stop.sse). chatsse delivers those calls;
``drop_tool_calls_on_stop=True`` drops them, as the reference implementation did.
"""

import json
import logging
import sys

import chatsse

logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(name)s: %(message)s")


def sse(*chunks):
    """A Chat Completions SSE body: one ``data:`` event per chunk, then ``[DONE]``."""
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return "".join([*events, "data: [DONE]\n\n"]).encode()


def tool_call(**fragment):
    return {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, **fragment}]}}]}


BODY = sse(
    tool_call(id="call_1", type="function", function={"name": "Book", "arguments": ""}),
    tool_call(function={"arguments": '{"title": "Dune"}'}),
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
)

print("default:", chatsse.collect(chatsse.iter_events(BODY)).tool_calls)
dropped = chatsse.collect(chatsse.iter_events(BODY, drop_tool_calls_on_stop=True))
print("drop_tool_calls_on_stop=True:", dropped.tool_calls)
