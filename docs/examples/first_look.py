"""The whole answer of a recorded Chat Completions stream."""

import chatsse
from chatsse._cli import demo_transcript

body = demo_transcript()  # the response body of a "stream": true request, as bytes

result = chatsse.collect(chatsse.iter_events(body))

print(result.text)
for call in result.tool_calls:
    print(f"{call.name}({call.arguments})")
print(result.finish_reason, result.usage)
