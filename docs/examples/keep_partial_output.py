"""Handling errors without losing what was already streamed.

The stream below is shaped like Groq's mid-stream failure (corpus:
groq/gpt-oss-120b-error-after-text.sse): reasoning, some text, then ``event: error``.
"""

import json

import chatsse


def delta(**fields):
    return "data: " + json.dumps({"choices": [{"index": 0, "delta": fields}]}) + "\n\n"


ERROR = {
    "error": {
        "message": "Tool choice is required",
        "type": "invalid_request_error",
        "code": "tool_use_failed",
    }
}
BODY = (
    delta(role="assistant", reasoning="The user wants a tool.")
    + delta(content="maybe")
    + "event: error\ndata: "
    + json.dumps(ERROR)
    + "\n\n"
).encode()


def stream_answer(body):
    """Show the text as it arrives; return every item, finished or not, and the error."""
    events = []
    try:
        for event in chatsse.iter_events(body):
            events.append(event)
            if isinstance(event, chatsse.OutputTextDelta):
                print(event.delta, end="", flush=True)
    except chatsse.ChatSSEError as error:
        # Items finished before the error are in the events already received;
        # the items still open are in error.partial_items. Together: everything.
        print()
        return chatsse.collect(events).items + error.partial_items, error
    print()
    return chatsse.collect(events).items, None


items, error = stream_answer(BODY)
if isinstance(error, chatsse.APIError):
    print(f"provider error: {error.message} (code={error.code!r}, type={error.type!r})")
elif isinstance(error, chatsse.ContextWindowExceededError):
    print("the answer was cut at the token limit")
elif error is not None:  # StreamError: the bytes broke off, or an event was too large
    print(f"stream failed: {error}")
for item in items:
    print(item)
