"""What stream_chat() sends, as the server received it; and the response's status and headers."""

import json

import chatsse
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer

with ReplayServer(demo_transcript()) as server:
    request = {"model": "deepseek-reasoner", "messages": [{"role": "user", "content": "Hi"}]}
    headers = {"Authorization": "Bearer sk-...", "X-Request-Id": "req-42"}
    with chatsse.stream_chat(server.chat_url, request, headers=headers) as stream:
        print("status:", stream.response.status_code, stream.response.headers["Content-Type"])
        chatsse.collect(stream)

received = server.requests[0]
print(received.method, received.path)
for name in ("Content-Type", "Accept", "Authorization", "X-Request-Id"):
    print(f"{name}: {received.header(name)}")
print(json.dumps(received.json))
print("the caller's dict is unchanged:", request)
