"""Writes chatsse/data/demo.sse: the transcript `chatsse demo` replays.

It is composed for the demo (not recorded), in the exact shape a vLLM or
DeepSeek server streams: reasoning_content deltas, content deltas, one tool
call in argument fragments, finish_reason "tool_calls", a usage chunk with
empty choices, then [DONE]. Run it again after editing the script below.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "chatsse" / "data" / "demo.sse"
ID = "chatcmpl-demo-5f3c2a9e1b"
MODEL = "deepseek-reasoner"
CREATED = 1764028800

REASONING = (
    "The user asks whether to take an umbrella in Paris this afternoon. "
    "I don't know today's weather, so I should call the get_weather tool "
    "for Paris and base the advice on the chance of rain."
)
TEXT = "Let me check the forecast for Paris before I answer."
ARGUMENTS = [
    '{"',
    "city",
    '":"',
    "Paris",
    '","',
    "unit",
    '":"',
    "celsius",
    '","',
    "when",
    '":"',
    "this afternoon",
    '"}',
]


def words(text: str) -> list[str]:
    pieces, current = [], ""
    for char in text:
        if char == " " and current:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current]


def chunk(delta: dict[str, object], finish_reason: str | None = None) -> dict[str, object]:
    return {
        "id": ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def main() -> None:
    chunks = [chunk({"role": "assistant", "content": None, "reasoning_content": ""})]
    chunks += [chunk({"content": None, "reasoning_content": word}) for word in words(REASONING)]
    chunks += [chunk({"content": word, "reasoning_content": None}) for word in words(TEXT)]
    chunks.append(
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_0_7d2e5b",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ]
            }
        )
    )
    chunks += [
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        for piece in ARGUMENTS
    ]
    chunks.append(chunk({}, finish_reason="tool_calls"))
    usage = {
        "prompt_tokens": 187,
        "completion_tokens": 96,
        "total_tokens": 283,
        "prompt_tokens_details": {"cached_tokens": 128},
        "completion_tokens_details": {"reasoning_tokens": 41},
    }
    chunks.append(
        {
            "id": ID,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": MODEL,
            "choices": [],
            "usage": usage,
        }
    )
    body = "".join(f"data: {json.dumps(c, separators=(',', ':'))}\n\n" for c in chunks)
    OUT.write_text(body + "data: [DONE]\n\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(chunks)} chunks)")


if __name__ == "__main__":
    main()
