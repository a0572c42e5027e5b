"""Errors from feed(): the events of the failing chunk, partial_items, and a finished parser."""

import json

import chatsse

parser = chatsse.ChatStreamParser()
parser.feed(json.dumps({"choices": [{"index": 0, "delta": {"content": "Once upon"}}]}))

# One chunk carries the last piece of text *and* finish_reason "length".
last = {"choices": [{"index": 0, "delta": {"content": " a time"}, "finish_reason": "length"}]}
try:
    parser.feed(json.dumps(last))
except chatsse.ContextWindowExceededError as error:
    print("events:       ", error.events)  # produced by this feed() before the error
    print("partial_items:", error.partial_items)  # the items still open

print("finished:     ", parser.finished)
try:
    parser.feed("[DONE]")
except chatsse.ParserStateError as error:
    print("ParserStateError:", error)
