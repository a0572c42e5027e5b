"""Retries: urllib3's Retry on the Session's adapter. They happen before the stream starts."""

import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

import chatsse
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer, Reply

REQUEST = {"model": "deepseek-reasoner", "messages": [{"role": "user", "content": "Umbrella?"}]}


def session_with_retries(backoff_factor=0.5):
    retry = Retry(
        total=3,  # at most 3 retries, whatever their cause
        status_forcelist=[429, 500, 502, 503],  # retry these statuses
        allowed_methods=None,  # None: any method; the default list leaves POST out
        backoff_factor=backoff_factor,  # 0.5: waits 0, 1, 2 s between attempts...
        respect_retry_after_header=True,  # ...or what Retry-After says, when it is there
        raise_on_status=False,  # out of retries: hand back the last answer (HTTPStatusError)
        read=False,  # no answer after the request was sent: raise, do not send it again
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


BODY = demo_transcript()
RATE_LIMITED = Reply.error(429, "Rate limit reached", headers={"Retry-After": "1"})
OVERLOADED = Reply.error(503, "Overloaded")

# A 503 and a 429 (wait 1 s), then the answer.
with ReplayServer(OVERLOADED, RATE_LIMITED, BODY) as server, session_with_retries() as session:
    started = time.monotonic()
    result = chatsse.collect(chatsse.stream_chat(server.chat_url, REQUEST, session=session))
    server.wait_responses(3, timeout=5)  # each is recorded once the server is done with it
    print(f"{result.text!r} after {[r.status for r in server.responses]}")
    print(f"    waited at least the Retry-After second: {time.monotonic() - started >= 1}")

# Out of retries: the last answer raises HTTPStatusError as without retries.
with ReplayServer(OVERLOADED) as server, session_with_retries(0.01) as session:
    try:
        chatsse.stream_chat(server.chat_url, REQUEST, session=session)
    except chatsse.HTTPStatusError as error:
        print(f"{error} after {len(server.requests)} requests")

# The connection breaks mid-stream: no retry, whatever the Session says.
with (
    ReplayServer(Reply(BODY, drop_after=len(BODY) // 2), BODY) as server,
    session_with_retries() as session,
):
    try:
        chatsse.collect(chatsse.stream_chat(server.chat_url, REQUEST, session=session))
    except chatsse.StreamError as error:
        print(f"{type(error).__name__} after {len(server.requests)} request; retry in your code")
