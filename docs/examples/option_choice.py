"""choice=: follow one choice of an ``n > 1`` request; one parser (or iter_events) per choice."""

import json

import chatsse


def sse(*chunks):
    """A Chat Completions SSE body: one ``data:`` event per chunk, then ``[DONE]``."""
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return "".join([*events, "data: [DONE]\n\n"]).encode()


def delta(index, **fields):
    return {"id": "chatcmpl-n2", "choices": [{"index": index, "delta": fields}]}


BODY = sse(
    delta(0, role="assistant", content="Heads"),
    delta(1, role="assistant", content="Tails"),
    delta(0, content=", again"),
    delta(1, content=", again"),
    {"id": "chatcmpl-n2", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    {"id": "chatcmpl-n2", "choices": [{"index": 1, "delta": {}, "finish_reason": "stop"}]},
)

for choice in (0, 1):
    result = chatsse.collect(chatsse.iter_events(BODY, choice=choice))
    print(f"choice={choice}: {result.text!r} ({result.finish_reason})")
