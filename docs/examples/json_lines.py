"""The JSON lines of ``--json``: to_dict() of each event; from_dict() reads them back."""

import json

import chatsse
from chatsse._cli import demo_transcript

events = list(chatsse.iter_events(demo_transcript()))
lines = [json.dumps(chatsse.to_dict(event), ensure_ascii=False) for event in events]

for line in lines:  # the tool call, and the first piece of text
    if '"function_call"' in line or '"delta": "Let"' in line:
        print(line)

assert [chatsse.from_dict(json.loads(line)) for line in lines] == events
print("from_dict(json.loads(line)) gives back all", len(events), "events")
