"""A JSON answer (the server ignored "stream": true) gives the same events; a web page does not."""

import json

import chatsse
from chatsse.testing import ReplayServer, Reply

COMPLETION = {
    "id": "chatcmpl-7",
    "object": "chat.completion",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Take an umbrella."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
}
SSE = b'data: {"choices": [{"index": 0, "delta": {"content": "Hi"}}]}\n\ndata: [DONE]\n\n'
REPLIES = {
    "application/json": Reply(json.dumps(COMPLETION), content_type="application/json"),
    "no Content-Type": Reply(SSE, content_type=None),
    "text/html": Reply(b"<html><body>Sign in to continue</body></html>", content_type="text/html"),
}

with ReplayServer(*REPLIES.values()) as server:
    for name in REPLIES:
        print(f"{name}:")
        try:
            for event in chatsse.stream_chat(server.chat_url, {"model": "m", "messages": []}):
                print("   ", event)
        except chatsse.StreamError as error:
            print("    StreamError:", error.message.replace(server.url, "http://127.0.0.1:PORT"))
