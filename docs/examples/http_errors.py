"""A non-2xx answer raises HTTPStatusError, with the provider's message and when to retry."""

import chatsse
from chatsse.testing import ReplayServer, Reply

REPLIES = [
    Reply.error(
        401,
        "Incorrect API key provided: sk-...",
        type="invalid_request_error",
        code="invalid_api_key",
    ),
    Reply.error(429, "Rate limit reached for requests", headers={"Retry-After": "20"}),
    Reply.error(
        429,
        "Rate limit reached for tokens",
        headers={"retry-after-ms": "1500", "Retry-After": "2"},  # OpenAI sends both
    ),
    Reply(b"<html>Bad gateway</html>", status=502, content_type="text/html"),
]

with ReplayServer(*REPLIES) as server:
    for _ in REPLIES:
        try:
            chatsse.stream_chat(server.chat_url, {"model": "m", "messages": []})
        except chatsse.HTTPStatusError as error:
            print(error)
            print(f"    status_code={error.status_code} retry_after={error.retry_after}")
            print(f"    message={error.message!r}")
            print(f"    body={error.body[:72]!r}")
