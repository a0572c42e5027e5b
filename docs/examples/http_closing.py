"""Leaving early hangs up, so the server stops generating; after [DONE] the connection is reused."""

import time

import requests

import chatsse
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer

BODY = demo_transcript()  # 51 events
REQUEST = {"model": "deepseek-reasoner", "messages": [{"role": "user", "content": "Umbrella?"}]}

# 1. Stop reading after 5 events: leaving the with block closes the response.
with ReplayServer(BODY, delay=0.05) as server:  # a slow server: 50 ms between events
    with chatsse.stream_chat(server.chat_url, REQUEST) as stream:
        for number, _event in enumerate(stream, 1):
            if number == 5:
                break
    server.wait_idle(timeout=1.0)  # until the server has seen the connection close
    response = server.responses[0]
    print(f"left early: client_left={response.client_left}, finished={response.finished}")
    print(f"    the server sent under a quarter of the body: {response.bytes_sent < len(BODY) / 4}")

# 2. Whole streams on one requests.Session: the connection goes back to its pool.
with ReplayServer(BODY) as server, requests.Session() as session:
    for _ in range(3):
        chatsse.collect(chatsse.stream_chat(server.chat_url, REQUEST, session=session))
    print(f"3 streams on one Session: {server.connections} connection")

# 3. A server that keeps the connection open after [DONE]: the stream still ends at
#    [DONE] (it does not wait for the idle timeout), and the connection is closed.
with ReplayServer(BODY, keep_open=True) as server, requests.Session() as session:
    started = time.monotonic()
    for _ in range(3):
        chatsse.collect(
            chatsse.stream_chat(server.chat_url, REQUEST, session=session, idle_timeout=60)
        )
    print(f"keep_open: 3 streams in under a second: {time.monotonic() - started < 1},", end=" ")
    print(f"{server.connections} connections")
