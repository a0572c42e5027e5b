"""In memory: iter_events against the floor F0 and the openai SDK, and how it scales.

The body is fed as 1 KiB chunks. "µs per event" divides by the SSE events
of the input (its data: events, [DONE] included), the same denominator for
every pipeline; MB/s counts the input bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import breakdown
import pipelines
import transcripts
from report import SuiteResult, Table, Target, at_least, at_most, number, span
from settings import Settings
from timing import (
    interleaved,
    interleaved_samples,
    medians,
    paired_ratio,
    paired_ratio_quartiles,
)
from transcripts import Transcript

CHUNK_SIZE = 1024
# The targets.
JSON_VS_F0 = 1.6  # iter_events with the standard library's json, x F0
ORJSON_VS_F0 = 1.0  # with orjson, x F0 (F0 keeps the standard library's json)
SDK_SPEEDUP = 25.0  # the openai SDK's time / chatsse's
SCALING_FLAT = 1.25  # µs per event at the largest size / at the smallest


def _transcripts(quick: bool) -> list[Transcript]:
    return [transcripts.standard(name, quick) for name in transcripts.NAMES]


def _measure(
    transcript: Transcript, names: Sequence[str], rounds: int
) -> tuple[list[bytes], int, dict[str, list[float]]]:
    """The chunks, how many payloads chatsse decoded in full, each pipeline's seconds per round."""
    chunks = transcript.chunks(CHUNK_SIZE)
    decoded = pipelines.check(transcript, chunks, names)
    contenders = {name: partial(pipelines.PIPELINES[name], chunks) for name in names}
    return chunks, decoded, interleaved_samples(contenders, rounds)


def run(settings: Settings) -> SuiteResult:
    names = pipelines.available(settings.with_orjson, settings.with_sdk)
    inputs = Table(
        "Transcripts (fed as 1 KiB chunks)",
        ["transcript", "content", "SSE events", "bytes", "chunks", "decoded in full"],
        [],
        notes=[
            "decoded in full: the payloads chatsse decodes; every other one repeats the "
            "chunk before it but for its text, and is read from that text"
        ],
    )
    table = Table(
        "Throughput in memory, iter_events",
        [
            "transcript",
            "pipeline",
            "ms",
            "µs/event",
            "MB/s",
            "× F0",
            "× F0, middle half",
            "SDK ÷ this",
        ],
        [],
        notes=[
            f"medians of {settings.rounds} interleaved rounds; × F0 = the median of this "
            "pipeline's time ÷ F0's in the same round; SDK ÷ this = the median of the openai "
            "SDK's time ÷ this pipeline's in the same round",
            "× F0, middle half: the first to the third quartile of the rounds' ratios, how "
            "far the machine's noise moved the ratio in this run",
        ],
    )
    if not settings.with_sdk:
        table.notes.append("the openai SDK is not installed (pip install '.[bench]'): no SDK row")
    if not settings.with_orjson:
        table.notes.append("orjson is not installed: no chatsse (orjson) row")
    data: dict[str, object] = {"chunk_size": CHUNK_SIZE, "rounds": settings.rounds}
    targets: list[Target] = []
    sdk_seconds: dict[str, float] = {}
    for transcript in _transcripts(settings.quick):
        chunks, decoded, samples = _measure(transcript, names, settings.rounds)
        times = medians(samples)
        size = len(transcript.body)
        inputs.rows.append(
            [
                transcript.name,
                transcript.description,
                f"{transcript.sse_events:,}",
                f"{size:,}",
                f"{len(chunks):,}",
                f"{decoded:,}",
            ]
        )
        sdk = times.get(pipelines.OPENAI_SDK)
        if sdk is not None:
            sdk_seconds[transcript.name] = sdk
        rows: dict[str, dict[str, object]] = {}
        for name, seconds in times.items():
            x_f0 = paired_ratio(samples, name, pipelines.F0)
            low, high = paired_ratio_quartiles(samples, name, pipelines.F0)
            sdk_x = paired_ratio(samples, pipelines.OPENAI_SDK, name) if sdk is not None else None
            rows[name] = {
                "seconds": seconds,
                "us_per_event": seconds / transcript.sse_events * 1e6,
                "mb_per_s": size / seconds / 1e6,
                "x_f0": x_f0,
                "x_f0_quartiles": [low, high],
                "sdk_x": sdk_x,
            }
            table.rows.append(
                [
                    transcript.name,
                    name,
                    number(seconds * 1e3),
                    number(seconds / transcript.sse_events * 1e6),
                    number(size / seconds / 1e6),
                    f"{x_f0:.2f}",
                    span((low, high)),
                    f"{sdk_x:.1f}" if sdk_x is not None else "-",
                ]
            )
        data[transcript.name] = {
            "description": transcript.description,
            "bytes": size,
            "sse_events": transcript.sse_events,
            "chunks": len(chunks),
            "decoded_in_full": decoded,
            "pipelines": rows,
        }
        suite, label = "throughput", transcript.name
        json_ratio = rows[pipelines.CHATSSE_JSON]["x_f0"]
        assert isinstance(json_ratio, float)
        targets.append(at_most(suite, f"{label}: chatsse (json) ÷ F0", json_ratio, JSON_VS_F0, "×"))
        if pipelines.CHATSSE_ORJSON in rows:
            ratio = rows[pipelines.CHATSSE_ORJSON]["x_f0"]
            assert isinstance(ratio, float)
            targets.append(
                at_most(suite, f"{label}: chatsse (orjson) ÷ F0", ratio, ORJSON_VS_F0, "×")
            )
        speedup = rows[pipelines.CHATSSE_JSON]["sdk_x"]
        if isinstance(speedup, float):
            name = f"{label}: openai SDK ÷ chatsse (json)"
            targets.append(at_least(suite, name, speedup, SDK_SPEEDUP, "×"))
    measured = []
    for transcript in _transcripts(settings.quick):
        stages = breakdown.stages(transcript.chunks(CHUNK_SIZE), settings.with_orjson)
        measured.append(
            (transcript, interleaved(stages, settings.rounds), sdk_seconds.get(transcript.name))
        )
    stages_table, data["breakdown"] = breakdown.table(measured, SDK_SPEEDUP)
    return SuiteResult("throughput", "Throughput", data, [inputs, table, stages_table], targets)


def run_scaling(settings: Settings) -> SuiteResult:
    sizes = (200, 1000, 5000) if settings.quick else (1000, 10_000, 100_000)
    names = pipelines.available(settings.with_orjson, with_sdk=False)
    table = Table(
        "Per-event cost by stream length (chat transcript, 1 KiB chunks)",
        ["text deltas", "bytes", *(f"{name} µs/event" for name in names)],
        [],
    )
    per_event: dict[int, dict[str, float]] = {}
    by_size: dict[str, object] = {}
    for index, deltas in enumerate(sizes):
        transcript = transcripts.chat(deltas)
        # Fewer rounds for the longer streams: each takes ten times as long as the last.
        rounds = max(3, settings.rounds // (1, 2, 4)[index])
        _, _, samples = _measure(transcript, names, rounds)
        per_event[deltas] = {
            name: seconds / transcript.sse_events * 1e6
            for name, seconds in medians(samples).items()
        }
        by_size[str(deltas)] = {
            "bytes": len(transcript.body),
            "sse_events": transcript.sse_events,
            "rounds": rounds,
            "us_per_event": per_event[deltas],
        }
        table.rows.append(
            [f"{deltas:,}", f"{len(transcript.body):,}"]
            + [number(per_event[deltas][name]) for name in names]
        )
    small, large = sizes[0], sizes[-1]
    ratios = {name: per_event[large][name] / per_event[small][name] for name in names}
    data = {"chunk_size": CHUNK_SIZE, "sizes": by_size, "ratio_largest_to_smallest": ratios}
    table.rows.append([f"{large:,} ÷ {small:,}", ""] + [f"{ratios[n]:.2f}" for n in names])
    table.notes.append("medians of interleaved rounds; the last row should stay near 1 (flat)")
    targets = [
        at_most("scaling", f"{name}: µs/event {large:,} ÷ {small:,}", ratio, SCALING_FLAT, "×")
        for name, ratio in ratios.items()
        if name != pipelines.F0
    ]
    return SuiteResult("scaling", "Scaling", data, [table], targets)
