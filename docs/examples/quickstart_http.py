"""The same events over HTTP: stream_chat() sends the request and yields them as they arrive."""

import os

import chatsse
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer

with ReplayServer(demo_transcript()) as server:  # stands in for the provider: runs offline
    url = server.chat_url  # for OpenAI: "https://api.openai.com/v1/chat/completions"
    headers = {"Authorization": f"Bearer {os.environ.get('OPENAI_API_KEY', 'sk-...')}"}
    request = {
        "model": "deepseek-reasoner",
        "messages": [{"role": "user", "content": "Umbrella in Paris this afternoon?"}],
    }
    with chatsse.stream_chat(url, request, headers=headers) as stream:
        for event in stream:
            if isinstance(event, chatsse.OutputTextDelta):
                print(event.delta, end="", flush=True)
            elif isinstance(event, chatsse.Completed):
                print(f"\n[{event.finish_reason}, {stream.stats.events} events]")
