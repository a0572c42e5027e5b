"""Print a stream as it arrives: reasoning, then the answer, then tool calls and usage."""

import chatsse
from chatsse import Completed, FunctionCall, Message, OutputItemAdded, OutputItemDone
from chatsse._cli import demo_transcript

body = demo_transcript()  # any Chat Completions SSE body: bytes, a binary file, or chunks

for event in chatsse.iter_events(body):
    match event:
        case OutputItemAdded(item=chatsse.Reasoning()):
            print("reasoning: ", end="")
        case chatsse.ReasoningContentDelta(delta=text):
            print(text, end="", flush=True)
        case OutputItemAdded(item=Message()):
            print("\n\nanswer: ", end="")
        case chatsse.OutputTextDelta(delta=text):
            print(text, end="", flush=True)
        case OutputItemDone(item=FunctionCall(name=name, arguments=arguments)):
            print(f"\ntool call: {name}({arguments})")
        case Completed(finish_reason=reason, token_usage=usage):
            print(f"finish_reason={reason}, total_tokens={usage.total_tokens if usage else '?'}")
