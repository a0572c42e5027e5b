"""How fast is iter_events, next to the floor of any SSE + JSON pipeline?

The transcript: 2,000 content-delta chunks shaped like OpenAI's (ids,
fingerprint, obfuscation padding), a finish chunk, a usage chunk and [DONE],
fed as 1 KiB chunks. Every pipeline is timed in the same run, interleaved,
and the median of the rounds is compared, because these machines are noisy:

* F0, the floor: split the bytes on blank lines and json.loads each payload.
* chatsse: every event of iter_events().
* openai SDK (if installed): its SSEDecoder, ChatCompletionChunk models and
  ChatCompletionStreamState - what `client.chat.completions.stream()` runs.

Usage: python tools/speed.py [--rounds N] [--deltas N] [--chunk-size N]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable

import chatsse

WORDS = (
    "the", "of", "and", "to", "in", "is", "that", "it", "for", "on", "with", "as", "was",
    "be", "by", "this", "are", "or", "at", "from", "stream", "token", "model", "answer",
    "reason", "call", "weather", "Paris,", "café", "東京", "naïve", "🙂.",
)  # fmt: skip


def chat_transcript(deltas: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)

    def chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
        padding = "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGH0123456789")
            for _ in range(rng.randint(2, 12))
        )
        return {
            "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
            "object": "chat.completion.chunk",
            "created": 1741570283,
            "model": "gpt-4o-2024-08-06",
            "service_tier": "default",
            "system_fingerprint": "fp_eb9dce56a8",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            "usage": None,
            "obfuscation": padding,
        }

    chunks = [chunk({"role": "assistant", "content": "", "refusal": None})]
    chunks += [chunk({"content": " " + rng.choice(WORDS)}) for _ in range(deltas)]
    chunks.append(chunk({}, "stop"))
    usage = {
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": "chat.completion.chunk",
        "created": 1741570283,
        "model": "gpt-4o-2024-08-06",
        "choices": [],
        "usage": {
            "prompt_tokens": 19,
            "completion_tokens": deltas,
            "total_tokens": 19 + deltas,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    }
    body = "".join(
        f"data: {json.dumps(c, separators=(',', ':'), ensure_ascii=False)}\n\n"
        for c in [*chunks, usage]
    )
    return (body + "data: [DONE]\n\n").encode()


def floor_f0(chunks: list[bytes]) -> int:
    """Split on blank lines, json.loads each payload: the least any pipeline must do."""
    buffer, count = b"", 0
    for chunk in chunks:
        buffer += chunk
        *complete, buffer = buffer.split(b"\n\n")
        for event in complete:
            payload = event[6:]
            if payload != b"[DONE]":
                json.loads(payload)
                count += 1
    return count


def run_chatsse(chunks: list[bytes]) -> int:
    count = 0
    for _ in chatsse.iter_events(chunks):
        count += 1
    return count


def openai_sdk_pipeline() -> Callable[[list[bytes]], int] | None:
    try:
        from openai._models import construct_type
        from openai._streaming import SSEDecoder
        from openai.lib.streaming.chat import ChatCompletionStreamState
        from openai.types.chat import ChatCompletionChunk
    except ImportError:
        return None

    def run(chunks: list[bytes]) -> int:
        state: ChatCompletionStreamState[None] = ChatCompletionStreamState()
        count = 0
        for sse in SSEDecoder().iter_bytes(iter(chunks)):
            if sse.data.startswith("[DONE]"):
                break
            chunk = construct_type(type_=ChatCompletionChunk, value=sse.json())
            count += len(state.handle_chunk(chunk))  # type: ignore[arg-type]
        return count

    return run


def measure(
    pipelines: dict[str, Callable[[list[bytes]], int]], chunks: list[bytes], rounds: int
) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in pipelines}
    for _ in range(rounds):
        for name, pipeline in pipelines.items():  # interleaved: noise hits all alike
            start = time.perf_counter()
            pipeline(chunks)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--deltas", type=int, default=2000)
    parser.add_argument("--chunk-size", type=int, default=1024)
    args = parser.parse_args(argv)

    body = chat_transcript(args.deltas)
    chunks = [body[i : i + args.chunk_size] for i in range(0, len(body), args.chunk_size)]
    pipelines: dict[str, Callable[[list[bytes]], int]] = {
        "F0 split+json.loads": floor_f0,
        "chatsse iter_events": run_chatsse,
    }
    sdk = openai_sdk_pipeline()
    if sdk is not None:
        pipelines["openai SDK"] = sdk
    result = chatsse.collect(chatsse.iter_events(body))
    assert result.finish_reason == "stop"
    assert result.usage is not None

    medians = measure(pipelines, chunks, args.rounds)
    floor = medians["F0 split+json.loads"]
    events = args.deltas + 3
    print(
        f"{args.deltas} OpenAI-shaped content deltas, {len(body)} bytes in "
        f"{len(chunks)} chunks of {args.chunk_size} B; median of {args.rounds} interleaved "
        f"rounds; Python {sys.version.split()[0]}"
    )
    print(f"{'pipeline':<22} {'ms':>8} {'us/chunk':>9} {'MB/s':>7} {'x F0':>6}")
    for name, seconds in medians.items():
        print(
            f"{name:<22} {seconds * 1e3:8.2f} {seconds / events * 1e6:9.2f} "
            f"{len(body) / seconds / 1e6:7.1f} {seconds / floor:6.2f}"
        )
    if sdk is None:
        print("(openai SDK not installed: pip install openai to compare with it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
