"""idle_timeout bounds each wait for bytes: what a slow, a stalled and a broken stream give."""

import json
import time

import chatsse
from chatsse.testing import ReplayServer, Reply


def sse(*chunks):
    """A Chat Completions SSE body: one ``data:`` event per chunk, then ``[DONE]``."""
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return "".join([*events, "data: [DONE]\n\n"]).encode()


def text(piece):
    return {"id": "r1", "choices": [{"index": 0, "delta": {"content": piece}}]}


FINISH = {"id": "r1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
USAGE = {"id": "r1", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3}}
BODY = sse(text("Take"), text(" an"), text(" umbrella."), FINISH, USAGE)
MID_ANSWER = BODY.index(b" an")  # a byte offset inside the second event
AFTER_FINISH = BODY.index(b'"usage"')  # inside the usage chunk, after the finish reason


def run(title, reply):
    with ReplayServer(reply) as server:
        started = time.monotonic()
        texts = []
        try:
            for event in chatsse.stream_chat(server.chat_url, {"model": "m"}, idle_timeout=0.5):
                if isinstance(event, chatsse.OutputTextDelta):
                    texts.append(event.delta)
                elif isinstance(event, chatsse.Completed):
                    usage = event.token_usage and event.token_usage.total_tokens
                    outcome = f"Completed(finish_reason={event.finish_reason!r}), usage: {usage}"
        except chatsse.StreamError as error:  # IdleTimeoutError is a StreamError
            reason = str(error).split(":")[0]
            cause = type(error.__cause__).__name__
            outcome = f"{type(error).__name__}: {reason} (__cause__: {cause})"
            outcome += f"\n    partial_items: {error.partial_items}"
        took = "at least" if time.monotonic() - started >= 0.5 else "less than"
    print(f"{title}: got {''.join(texts)!r} in {took} 0.5 s\n    {outcome}")


# Four keep-alive comments 0.2 s apart: 0.8 s in all, but never 0.5 s without a byte.
run("keep-alive comments", Reply(b": keep-alive\n\n" * 4 + BODY, delay=0.2))
run("stalled mid-answer", Reply(BODY, stall_after=MID_ANSWER))
run("stalled after the finish reason", Reply(BODY, stall_after=AFTER_FINISH))
run("connection reset mid-answer", Reply(BODY, drop_after=MID_ANSWER))
run("connection reset after the finish reason", Reply(BODY, drop_after=AFTER_FINISH))
