"""The whole answer at once: collect() in a script that runs the model's tool calls."""

import json

import chatsse
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer


def get_weather(city, unit, when):  # your own code: the tool the model may call
    return {"city": city, "when": when, "rain": "70%", "temperature": f"14 {unit}"}


TOOLS = {"get_weather": get_weather}


def sse(*chunks):
    """A Chat Completions SSE body: one ``data:`` event per chunk, then ``[DONE]``."""
    return "".join([*(f"data: {json.dumps(c)}\n\n" for c in chunks), "data: [DONE]\n\n"]).encode()


# The provider: the bundled answer (a get_weather call) first, then a final answer.
FINAL = sse(
    {"id": "r2", "choices": [{"index": 0, "delta": {"content": "Yes: 70% chance of rain."}}]},
    {"id": "r2", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    {"id": "r2", "choices": [], "usage": {"prompt_tokens": 240, "completion_tokens": 9}},
)

with ReplayServer(demo_transcript(), FINAL) as server:
    messages = [{"role": "user", "content": "Umbrella in Paris this afternoon?"}]
    for round_number in range(1, 5):  # a bound: never loop forever on a model's whims
        request = {
            "model": "deepseek-reasoner",
            "messages": messages,
            "stream_options": {"include_usage": True},
        }
        # collect() reads the stream to its end (which releases the connection) and
        # raises what the stream raises: a ChatSSEError ends the script here.
        result = chatsse.collect(chatsse.stream_chat(server.chat_url, request, idle_timeout=60))
        tokens = result.usage.total_tokens if result.usage else "?"
        print(f"round {round_number}: finish_reason={result.finish_reason!r}, ", end="")
        print(f"{len(result.tool_calls)} tool call(s), {tokens} tokens")
        if result.finish_reason != "tool_calls":
            break  # "stop"; None would mean the stream ended without a finish reason: cut short
        messages.append(
            {
                "role": "assistant",
                "content": result.text or None,
                "tool_calls": [
                    {
                        "id": call.call_id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                    for call in result.tool_calls
                ],
            }
        )
        for call in result.tool_calls:
            output = TOOLS[call.name](**json.loads(call.arguments))
            print(f"    {call.name}({call.arguments}) -> {json.dumps(output)}")
            messages.append(
                {"role": "tool", "tool_call_id": call.call_id, "content": json.dumps(output)}
            )

    print("answer:", result.text)
    sent = server.requests[-1].json["messages"]
    print("roles sent in the last request:", [message["role"] for message in sent])
