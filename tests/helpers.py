"""Helpers for feeding real bytes to chatsse in the three ways every reader is tested."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import chatsse
from chatsse import ResponseEvent


class Index:
    """An integer type that is not an int (numpy's, say): ``operator.index`` takes it."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


def sse_body(*chunks: Any, event: str | None = "message", done: bool = True) -> bytes:
    """An SSE body with one event per JSON chunk (as the seed's build_body), then [DONE]."""
    lines = []
    for chunk in chunks:
        data = chunk if isinstance(chunk, str) else json.dumps(chunk)
        prefix = f"event: {event}\n" if event else ""
        lines.append(f"{prefix}data: {data}\n\n")
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def split_randomly(data: bytes, seed: int, max_size: int = 64) -> list[bytes]:
    rng = random.Random(seed)
    chunks, i = [], 0
    while i < len(data):
        size = rng.randint(1, max_size)
        chunks.append(data[i : i + size])
        i += size
    return chunks


def events(body: bytes, **options: Any) -> list[ResponseEvent]:
    """All events of a body fed whole; errors propagate."""
    return list(chatsse.iter_events(body, **options))


def drain(events: Any) -> tuple[list[ResponseEvent], chatsse.ChatSSEError | None]:
    """The events an iterable yields before an error, and the error (None if it completed)."""
    got: list[ResponseEvent] = []
    try:
        for event in events:
            got.append(event)
    except chatsse.ChatSSEError as error:
        return got, error
    return got, None


def events_until_error(
    chunks: Any, **options: Any
) -> tuple[list[ResponseEvent], chatsse.ChatSSEError | None]:
    """Events iter_events yields before an error (if any), and the error."""
    return drain(chatsse.iter_events(chunks, **options))


def ways_to_feed(body: bytes, seed: int = 0) -> Iterator[tuple[str, Any]]:
    """The body whole, one byte at a time, and at random splits."""
    yield "whole", body
    yield "bytewise", split_every(body, 1)
    yield "random", split_randomly(body, seed)
