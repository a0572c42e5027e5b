"""raise_on_length=: finish_reason "length" raises by default; False accepts the answer."""

import json

import chatsse


def sse(*chunks):
    """A Chat Completions SSE body: one ``data:`` event per chunk, then ``[DONE]``."""
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return "".join([*events, "data: [DONE]\n\n"]).encode()


BODY = sse(
    {"choices": [{"index": 0, "delta": {"content": "Once upon"}}]},
    {"choices": [{"index": 0, "delta": {"content": " a time"}, "finish_reason": "length"}]},
    {"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}},
)

# Default: ContextWindowExceededError, raised after the events of the last chunk.
text = ""
try:
    for event in chatsse.iter_events(BODY):
        if isinstance(event, chatsse.OutputTextDelta):
            text += event.delta
except chatsse.ContextWindowExceededError as error:
    print(f"raised {type(error).__name__}; text received: {text!r}")
    print("partial_items:", error.partial_items)

# raise_on_length=False: an ordinary ending, with the usage of the trailing chunk.
result = chatsse.collect(chatsse.iter_events(BODY, raise_on_length=False))
print(f"raise_on_length=False: {result.text!r}, finish_reason={result.finish_reason!r}")
print("usage:", result.usage)
