"""Hostile shapes (SPEC F4): one huge event in tiny chunks, one event of many lines.

sseclient-py alone is quadratic in both; chatsse must stay linear, and a
hostile event at the bounds (``DEFAULT_MAX_EVENT_BYTES``, ``MAX_EVENT_LINES``)
should cost about a second at most. Each event is a valid chunk whose text
is checked, so it must come out whole. The chunks come from a generator (a
list of 16 million 1-byte objects would take about 600 MB); the generator
alone is timed too, to show the source's own cost.
"""

from __future__ import annotations

import functools
import json
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from report import SuiteResult, Table, Target, at_most, number
from settings import Settings
from timing import each, once

import chatsse

MiB = 1024 * 1024
BOUND_SECONDS = 1.0  # "about a second at most" for a hostile event at the bound
LINEAR = 1.25  # 1-byte chunks: seconds per byte, large event ÷ small event (fastest runs)
_DONE = b"\n\ndata: [DONE]\n\n"


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    chunk_size: int
    text: str  # what collect() must find
    repeats: int


@functools.cache
def single_line(line_bytes: int) -> tuple[bytes, str]:
    """A body whose first event is one ``data:`` line of ``line_bytes`` bytes, and its text."""
    head = b'data: {"id":"chatcmpl-hostile","object":"chat.completion.chunk","choices":'
    head += b'[{"index":0,"delta":{"content":"'
    tail = b'"},"finish_reason":"stop"}]}'
    text = "x" * (line_bytes - len(head) - len(tail))
    return head + text.encode() + tail + _DONE, text


def many_lines(lines: int) -> bytes:
    """A body whose first event has ``lines`` data: lines: a chunk padded with a long array."""
    chunk = {
        "id": "chatcmpl-hostile",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": "many lines"}, "finish_reason": "stop"}],
    }
    head = json.dumps(chunk, separators=(",", ":"))[:-1] + ',"padding":['
    return b"data: " + head.encode() + b"\n" + b"data: 0,\n" * (lines - 2) + b"data: 0]}" + _DONE


def _size_name(size: int) -> str:
    if size == chatsse.DEFAULT_MAX_EVENT_BYTES - 1024:
        return "16 MiB - 1 KiB"
    return f"{size / MiB:g} MiB" if size >= MiB else f"{size // 1024:,} KiB"


def pieces(body: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _drain(body: bytes, size: int) -> None:
    for _ in pieces(body, size):
        pass


def _parse(case: Case) -> None:
    result = chatsse.collect(chatsse.iter_events(pieces(case.body, case.chunk_size)))
    if result.text != case.text:
        raise AssertionError(f"{case.name}: the event did not come out whole")


def _cases(quick: bool) -> tuple[list[Case], tuple[Case, Case]]:
    """The cases, and the two 1-byte cases whose cost per byte must be equal (linear)."""
    limit = chatsse.DEFAULT_MAX_EVENT_BYTES
    big = limit - 1024 if not quick else MiB  # a single line just under the bound
    small_1b, big_1b = (64 * 1024, 512 * 1024) if quick else (MiB, big)
    lines = 65_536 if quick else chatsse.MAX_EVENT_LINES

    def line_case(size: int, chunk_size: int, repeats: int) -> Case:
        body, text = single_line(size)
        name = f"one line of {_size_name(size)}, {chunk_size:,} B chunks"
        return Case(name, body, chunk_size, text, repeats)

    reference = line_case(small_1b, 1, 3)
    largest = line_case(big_1b, 1, 2)
    cases = [
        reference,
        largest,
        line_case(big, 64, 3),
        line_case(big, 4096, 3),
        Case(f"{lines:,} data: lines, 64 KiB chunks", many_lines(lines), 65536, "many lines", 3),
    ]
    return cases, (reference, largest)


def run(settings: Settings) -> SuiteResult:
    cases, (reference, largest) = _cases(settings.quick)
    table = Table(
        "Hostile events",
        ["event", "bytes", "source alone s", "chatsse s", "MB/s", "µs/chunk"],
        [],
        notes=[
            "chatsse s includes the source; median of 3 runs (2 for the largest 1-byte case)",
            "1 B chunks, linear: the seconds per byte of the fastest run of each 1-byte case "
            "(noise only adds time, and one slow spell can cover a whole 10-second run)",
            f"bounds: DEFAULT_MAX_EVENT_BYTES = {chatsse.DEFAULT_MAX_EVENT_BYTES:,}, "
            f"MAX_EVENT_LINES = {chatsse.MAX_EVENT_LINES:,}",
        ],
    )
    data: dict[str, object] = {}
    fastest: dict[str, float] = {}
    targets: list[Target] = []
    for case in cases:
        source = once(partial(_drain, case.body, case.chunk_size), case.repeats)
        runs = each(partial(_parse, case), case.repeats)  # which checks the text
        total = statistics.median(runs)
        chunks = -(-len(case.body) // case.chunk_size)
        fastest[case.name] = min(runs)
        data[case.name] = {
            "bytes": len(case.body),
            "chunk_size": case.chunk_size,
            "chunks": chunks,
            "source_seconds": source,
            "seconds": total,
            "mb_per_s": len(case.body) / total / 1e6,
        }
        table.rows.append(
            [
                case.name,
                f"{len(case.body):,}",
                number(source),
                number(total),
                number(len(case.body) / total / 1e6),
                number(total / chunks * 1e6),
            ]
        )
        if case.chunk_size > 1:
            targets.append(at_most("hostile", case.name, total, BOUND_SECONDS, "s"))
    per_byte = [fastest[c.name] / len(c.body) for c in (reference, largest)]
    linear = per_byte[1] / per_byte[0]
    data["one_byte_linearity"] = linear
    name = f"1 B chunks, s/byte: {largest.name.split(',')[0]} ÷ {reference.name.split(',')[0]}"
    targets.append(at_most("hostile", name, linear, LINEAR, "×"))
    return SuiteResult("hostile", "Hostile shapes", data, [table], targets)
