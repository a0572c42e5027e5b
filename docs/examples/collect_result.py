"""collect(): consume the events, get the whole answer as one ChatResult."""

import chatsse
from chatsse._cli import demo_transcript

result = chatsse.collect(chatsse.iter_events(demo_transcript()))

print("text:         ", repr(result.text))
print("refusal:      ", repr(result.refusal))
print("reasoning:    ", repr(result.reasoning[:40] + "..."))
print("tool_calls:   ", result.tool_calls)
print("usage:        ", result.usage)
print("finish_reason:", repr(result.finish_reason))
print("response_id:  ", repr(result.response_id))
print("items:        ", [type(item).__name__ for item in result.items])
