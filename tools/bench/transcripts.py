"""The benchmark's input: Chat Completions SSE bodies shaped like real OpenAI chunks.

Every chunk carries what OpenAI sends (id, object, created, model,
service_tier, system_fingerprint, usage, obfuscation padding of random
length); the stream opens with a role chunk, closes with a finish chunk, a
usage chunk (``choices: []``) and ``data: [DONE]``. Generation is
deterministic (a seeded Random), and lazy: :func:`chat_events` and friends
yield one SSE event's bytes at a time, so that the memory benchmark can feed a
long stream without holding it.

* chat: text deltas of one word each.
* reasoning: ``reasoning_content`` deltas, then text deltas, with the
  ``"content": null`` / ``"reasoning_content": null`` companions that
  DeepSeek and vLLM send beside them.
* tools: parallel tool calls sent one after another with increasing index,
  as OpenAI does: the first fragment has the id and name, the next ones
  pieces of the arguments (30 bytes each).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

WORDS = (
    "the", "of", "and", "to", "in", "is", "that", "it", "for", "on", "with", "as", "was",
    "be", "by", "this", "are", "or", "at", "from", "stream", "token", "model", "answer",
    "reason", "call", "weather", "Paris,", "café", "東京", "naïve", "🙂.",
)  # fmt: skip
ARGUMENT_WORDS = (
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
    "juliett", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
)  # fmt: skip
TOOL_NAMES = ("get_weather", "search_flights", "lookup_order", "create_calendar_event")
ARGUMENT_PIECE = 30  # bytes per tool-call arguments delta
_PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True)
class ToolCall:
    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Transcript:
    """A whole SSE body and what a correct parser must find in it."""

    name: str
    description: str
    body: bytes
    sse_events: int  # every data: event, [DONE] included
    text: str
    reasoning: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str

    def chunks(self, size: int) -> list[bytes]:
        return [self.body[i : i + size] for i in range(0, len(self.body), size)]

    def event_chunks(self) -> list[bytes]:
        """One SSE event per chunk, as servers write them (the body's events end with LF LF)."""
        return [event + b"\n\n" for event in self.body.split(b"\n\n")[:-1]]


class _Writer:
    """Builds the chunks of one response, with OpenAI's envelope."""

    def __init__(self, seed: int, model: str) -> None:
        self.rng = random.Random(seed)
        self.model = model
        self.id = "chatcmpl-" + "".join(self.rng.choices(_PADDING, k=29))
        self.fingerprint = "fp_" + "".join(self.rng.choices("0123456789abcdef", k=10))

    def _event(self, chunk: dict[str, object]) -> bytes:
        chunk["obfuscation"] = "".join(self.rng.choices(_PADDING, k=self.rng.randint(2, 14)))
        text = json.dumps(chunk, separators=(",", ":"), ensure_ascii=False)
        return b"data: " + text.encode() + b"\n\n"

    def delta(self, delta: dict[str, object], finish_reason: str | None = None) -> bytes:
        return self._event(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": 1754693439,
                "model": self.model,
                "service_tier": "default",
                "system_fingerprint": self.fingerprint,
                "usage": None,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
                ],
            }
        )

    def usage(self, completion_tokens: int, reasoning_tokens: int = 0) -> bytes:
        return self._event(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": 1754693439,
                "model": self.model,
                "service_tier": "default",
                "system_fingerprint": self.fingerprint,
                "choices": [],
                "usage": {
                    "prompt_tokens": 364,
                    "completion_tokens": completion_tokens,
                    "total_tokens": 364 + completion_tokens,
                    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                    "completion_tokens_details": {
                        "reasoning_tokens": reasoning_tokens,
                        "audio_tokens": 0,
                        "accepted_prediction_tokens": 0,
                        "rejected_prediction_tokens": 0,
                    },
                },
            }
        )

    def word(self) -> str:
        return " " + self.rng.choice(WORDS)


def chat_events(deltas: int, seed: int = 7) -> Iterator[bytes]:
    """The SSE events of a text answer of ``deltas`` text deltas, one at a time."""
    writer = _Writer(seed, "gpt-4o-2024-08-06")
    yield writer.delta({"role": "assistant", "content": "", "refusal": None})
    for _ in range(deltas):
        yield writer.delta({"content": writer.word()})
    yield writer.delta({}, "stop")
    yield writer.usage(deltas)
    yield _DONE


def reasoning_events(thoughts: int, deltas: int, seed: int = 11) -> Iterator[bytes]:
    """``thoughts`` reasoning_content deltas, then ``deltas`` text deltas."""
    writer = _Writer(seed, "deepseek-reasoner")
    yield writer.delta({"role": "assistant", "content": None, "reasoning_content": ""})
    for _ in range(thoughts):
        yield writer.delta({"content": None, "reasoning_content": writer.word()})
    for _ in range(deltas):
        yield writer.delta({"content": writer.word(), "reasoning_content": None})
    yield writer.delta({"content": "", "reasoning_content": None}, "stop")
    yield writer.usage(thoughts + deltas, reasoning_tokens=thoughts)
    yield _DONE


def tool_arguments(rng: random.Random, size: int) -> str:
    """A JSON object of about ``size`` bytes (ASCII, so bytes and characters agree)."""
    query = " ".join(rng.choices(ARGUMENT_WORDS, k=6))
    items: list[dict[str, object]] = []
    while len(arguments := json.dumps({"query": query, "items": items})) < size:
        items.append({"name": rng.choice(ARGUMENT_WORDS), "quantity": rng.randint(1, 99)})
    return arguments


def tool_calls_for(calls: int, arguments_size: int, seed: int) -> tuple[ToolCall, ...]:
    rng = random.Random(seed)
    return tuple(
        ToolCall(
            call_id="call_" + "".join(rng.choices(_PADDING, k=24)),
            name=TOOL_NAMES[index % len(TOOL_NAMES)],
            arguments=tool_arguments(rng, arguments_size),
        )
        for index in range(calls)
    )


def tool_events(calls: tuple[ToolCall, ...], seed: int = 13) -> Iterator[bytes]:
    """Parallel tool calls, one after another, arguments in 30-byte deltas."""
    writer = _Writer(seed, "gpt-4o-2024-08-06")
    yield writer.delta({"role": "assistant", "content": None, "refusal": None})
    for index, call in enumerate(calls):
        opening = {"name": call.name, "arguments": ""}
        fragment = {"index": index, "id": call.call_id, "type": "function", "function": opening}
        yield writer.delta({"tool_calls": [fragment]})
        for start in range(0, len(call.arguments), ARGUMENT_PIECE):
            piece = call.arguments[start : start + ARGUMENT_PIECE]
            yield writer.delta({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield writer.delta({}, "tool_calls")
    yield writer.usage(sum(len(call.arguments) // 4 for call in calls))
    yield _DONE


def rechunk(events: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The bytes of ``events`` cut into chunks of ``size`` bytes (the last may be shorter)."""
    pending = b""
    for event in events:
        pending += event
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if pending:
        yield pending


def _text_of(events: Iterable[bytes], key: str) -> str:
    pieces = []
    for event in events:
        if event == _DONE:
            continue
        for choice in json.loads(event[6:])["choices"]:
            piece = choice["delta"].get(key)
            if piece:
                pieces.append(piece)
    return "".join(pieces)


def _transcript(
    name: str,
    description: str,
    events: list[bytes],
    finish_reason: str,
    tool_calls: tuple[ToolCall, ...] = (),
) -> Transcript:
    return Transcript(
        name=name,
        description=description,
        body=b"".join(events),
        sse_events=len(events),
        text=_text_of(events, "content"),
        reasoning=_text_of(events, "reasoning_content"),
        tool_calls=tool_calls,
        finish_reason=finish_reason,
    )


def chat(deltas: int = 2000) -> Transcript:
    return _transcript(
        "chat", f"{deltas:,} text deltas", list(chat_events(deltas)), finish_reason="stop"
    )


def reasoning(thoughts: int = 1000, deltas: int = 500) -> Transcript:
    return _transcript(
        "reasoning",
        f"{thoughts:,} reasoning_content deltas, then {deltas:,} text deltas",
        list(reasoning_events(thoughts, deltas)),
        finish_reason="stop",
    )


def tools(calls: int = 4, arguments_size: int = 2000) -> Transcript:
    tool_calls = tool_calls_for(calls, arguments_size, seed=17)
    return _transcript(
        "tools",
        f"{calls} parallel tool calls, ~{arguments_size:,} B of arguments each "
        f"in {ARGUMENT_PIECE} B deltas",
        list(tool_events(tool_calls)),
        finish_reason="tool_calls",
        tool_calls=tool_calls,
    )


#: The benchmark's transcripts, in table order.
NAMES = ("chat", "reasoning", "tools")


def standard(name: str, quick: bool = False) -> Transcript:
    """One of :data:`NAMES` at the benchmark's size, or small for ``--quick``."""
    if name == "chat":
        return chat(200) if quick else chat()
    if name == "reasoning":
        return reasoning(100, 50) if quick else reasoning()
    if name == "tools":
        return tools(4, 300) if quick else tools()
    raise ValueError(f"no transcript {name!r}; they are {', '.join(NAMES)}")
