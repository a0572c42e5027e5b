"""Stream a chat answer over HTTP: the reasoning and the text as they arrive, then the tool call."""

import chatsse
from chatsse import (
    Completed,
    FunctionCall,
    Message,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    Reasoning,
    ReasoningContentDelta,
)
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer

# A local server replaying a recorded answer, so that this example runs offline.
with ReplayServer(demo_transcript()) as server:
    url = server.chat_url  # in real use: "https://api.openai.com/v1/chat/completions"
    headers = {"Authorization": "Bearer sk-..."}  # in real use: your key, from the environment
    request = {
        "model": "deepseek-reasoner",
        "messages": [{"role": "user", "content": "Umbrella in Paris this afternoon?"}],
        "tools": [{"type": "function", "function": {"name": "get_weather"}}],
    }

    with chatsse.stream_chat(url, request, headers=headers) as stream:
        for event in stream:
            match event:
                case OutputItemAdded(item=Reasoning()):
                    print("reasoning: ", end="")
                case OutputItemAdded(item=Message()):
                    print("\n\nanswer: ", end="")
                case ReasoningContentDelta(delta=text) | OutputTextDelta(delta=text):
                    print(text, end="", flush=True)
                case OutputItemDone(item=FunctionCall(name=name, arguments=arguments)):
                    print(f"\ntool call: {name}({arguments})")
                case Completed(finish_reason=reason, token_usage=usage):
                    print(f"finish_reason={reason}, total_tokens={usage and usage.total_tokens}")
