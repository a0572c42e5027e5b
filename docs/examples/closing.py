"""How streams close: at "stop", and when the input ends without a finish reason or [DONE]."""

import json

import chatsse


def delta(**fields):
    return {"choices": [{"index": 0, "delta": fields}]}


def show(title, data):
    print(f"# {title}")
    parser = chatsse.ChatStreamParser()
    for item in data:
        sse_data = item if isinstance(item, str) else json.dumps(item)
        print("data:", sse_data)
        for event in parser.feed(sse_data):
            print("   ", event)
    if not parser.finished:
        print("end()")
        for event in parser.end():
            print("   ", event)
    print()


show(
    'finish_reason "stop" closes everything; [DONE] adds only Completed',
    [
        delta(content="Booked."),
        delta(tool_calls=[{"index": 0, "id": "call_1", "function": {"name": "book"}}]),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        "[DONE]",
    ],
)
show(
    "no finish reason and no [DONE]: end() closes, finish_reason=None",
    [delta(content="The answer is")],
)
