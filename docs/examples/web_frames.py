"""sse_frames() and decode_frames(): events to SSE frames and back, errors included."""

import json
import logging
import sys
import time

import chatsse
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer, Reply

# sse_frames() logs each upstream failure at WARNING ("chatsse" logger): show it here.
logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(name)s: %(message)s")

# 1. Every event as one frame; decode_frames() gives the same events back.
events = list(chatsse.iter_events(demo_transcript()))
frames = list(chatsse.sse_frames(events))
body = b"".join(frames)
print(f"{len(events)} events, {len(frames)} frames, {len(body)} bytes")
print("decoded == events:", list(chatsse.decode_frames(body)) == events)


# 2. Keep-alive comments while no event comes; decode_frames() skips them.
def thinking_model():  # stands for an upstream whose first event takes a while
    time.sleep(0.3)
    yield from events


frames = list(chatsse.sse_frames(thinking_model(), keepalive=0.1))
print("\nfirst frame:", frames[0])
print("decoded == events:", list(chatsse.decode_frames(b"".join(frames))) == events)


# 3. An upstream that fails mid-answer: the last frame reports the error.
def sse(*chunks):
    return "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks).encode()


def text(piece):
    return {"id": "r1", "choices": [{"index": 0, "delta": {"content": piece}}]}


ERROR = {"error": {"message": "Overloaded", "type": "server_error", "code": "overloaded"}}
FAILING = sse(text("Take"), text(" an")) + f"event: error\ndata: {json.dumps(ERROR)}\n\n".encode()
frames = list(chatsse.sse_frames(chatsse.iter_events(FAILING)))
print("\nlast frame:", frames[-1].decode(), end="")
received = []
try:
    for event in chatsse.decode_frames(b"".join(frames)):
        received.append(event)
except chatsse.APIError as error:  # raised again on the client's side
    deltas = "".join(e.delta for e in received if isinstance(e, chatsse.OutputTextDelta))
    print(f"decoded: {deltas!r}, then {type(error).__name__}: {error.message} ({error.code})")

# 4. An HTTP error from the upstream: pass a function that opens the stream, and
#    the error reaches the browser as a frame too (a 500 page otherwise).
with ReplayServer(Reply.error(429, "Rate limit reached", headers={"Retry-After": "20"})) as up:
    frames = list(chatsse.sse_frames(lambda: chatsse.stream_chat(up.chat_url, {"model": "m"})))
print("\nonly frame:", frames[0].decode(), end="")
try:
    list(chatsse.decode_frames(b"".join(frames)))
except chatsse.HTTPStatusError as error:
    print(f"decoded: {type(error).__name__}: {error} (retry_after={error.retry_after})")
