"""Parse a saved response body: ``python read_file.py response.sse``.

With ``-`` (or no argument) it reads standard input, so it can also follow a live
request: ``curl -sN ... | python read_file.py -``.
"""

import sys

import chatsse


def print_answer(body):
    for event in chatsse.iter_events(body):
        if isinstance(event, chatsse.OutputTextDelta):
            print(event.delta, end="", flush=True)
        elif isinstance(event, chatsse.OutputItemDone) and isinstance(
            event.item, chatsse.FunctionCall
        ):
            print(f"\n[tool call {event.item.call_id}] {event.item.name}({event.item.arguments})")
        elif isinstance(event, chatsse.Completed):
            print(f"[{event.finish_reason}] response id {event.response_id!r}")


path = sys.argv[1] if len(sys.argv) > 1 else "-"
if path == "-":
    print_answer(sys.stdin.buffer)  # a binary file: read as the bytes arrive
else:
    with open(path, "rb") as body:  # binary mode: iter_events() needs bytes, not str
        print_answer(body)
