"""ChatStreamParser fed by an SSE parser of your own, or by plain data strings."""

from sseclient import SSEClient

import chatsse
from chatsse._cli import demo_transcript


def chat_events(sse_events, **parser_options):
    """Chat events from parsed SSE events (objects with .data and .event, or data strings)."""
    parser = chatsse.ChatStreamParser(**parser_options)
    for sse in sse_events:
        try:
            events = parser.feed(sse)
        except chatsse.ChatSSEError as error:
            yield from error.events  # what the same chunk produced before the error
            raise
        yield from events
        if parser.finished:  # [DONE] was fed: Completed was the last event
            return
    yield from parser.end()  # the input ended without [DONE]


# 1. Events from another SSE library: sseclient-py's Event has .data and .event.
sse_events = SSEClient([demo_transcript()]).events()
result = chatsse.collect(chat_events(sse_events))
print(repr(result.text), result.finish_reason)

# 2. The data of each event as a string; this stream has no [DONE], so end() completes it.
data = [
    '{"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"content": "Hello"}}]}',
    '{"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"content": " world"}}]}',
]
for event in chat_events(data):
    print(event)
