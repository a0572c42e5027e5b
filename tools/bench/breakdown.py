"""Where chatsse's time goes: each stage of iter_events timed alone, in one run.

Each stage runs on what the stage before it produced, precomputed, so that
its time is its own: the framing on the 1 KiB chunks, sseclient-py's field
parsing on the framer's frames, the parser on the payloads (the few it
decodes in full decoded beforehand; the others repeat the chunk before them
but for their text, and are read from it). Their sum, beside the whole
pipeline's time, shows what the generators between them cost. For
comparison, each decoder alone on every payload, and the parser with every
chunk decoded beforehand: what a stream whose chunks never repeat costs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pipelines
from report import Table, number
from transcripts import Transcript

import chatsse
import chatsse._json
from chatsse._framing import _Framer, _OneEventPerChunk, sse_batches

FRAMING = "framing (_Framer: line ends, UTF-8, limits, runs)"
SSECLIENT = "sseclient-py's field parsing (events() on the frames)"
JSON = "json: decoding each payload (for comparison)"
ORJSON = "orjson: decoding each payload, with the big-integer check (for comparison)"
PARSER = "the parser: repeats read from their text, the rest decoded beforehand"
PARSER_EVERY = "the parser, every chunk decoded beforehand (for comparison)"


def stages(chunks: Sequence[bytes], with_orjson: bool) -> dict[str, Callable[[], object]]:
    """Each stage of iter_events, ready to run alone on its precomputed input."""
    framer = _Framer(chatsse.DEFAULT_MAX_EVENT_BYTES)
    frames = list(framer.frames(chunks))
    payloads = [
        item if isinstance(item, str) else item.data
        for batch in sse_batches(chunks)
        for item in batch
    ]
    payloads = [data for data in payloads if data != "[DONE]"]
    decoded = {data: chatsse._json.stdlib_decode_object(data) for data in payloads}

    def lookup(data: str) -> Any:
        # The parser also decodes a chunk with marks in it when it makes a repeat.
        found = decoded.get(data, lookup)
        return chatsse._json.stdlib_decode_object(data) if found is lookup else found

    class Predecoded(chatsse.ChatStreamParser):
        _decode_object = staticmethod(lookup)

    class EveryChunkPredecoded(Predecoded):
        _follow_repeats = False

    def framing() -> Any:
        return sum(1 for _ in _Framer(chatsse.DEFAULT_MAX_EVENT_BYTES).frames(chunks))

    def sseclient() -> Any:
        return sum(1 for _ in _OneEventPerChunk(iter(frames)).events())

    # Each result is dropped at once, as in the pipeline (keeping them all
    # would time the allocator instead).
    def decoding(decode: Callable[[str], object]) -> Callable[[], object]:
        def run() -> None:
            for data in payloads:
                decode(data)

        return run

    def parser(parser_class: type[chatsse.ChatStreamParser]) -> Callable[[], object]:
        def run() -> None:
            feed = parser_class().feed
            for data in payloads:
                feed(data)

        return run

    found: dict[str, Callable[[], object]] = {
        pipelines.F0: lambda: pipelines.f0(chunks),
        FRAMING: framing,
        SSECLIENT: sseclient,
        PARSER: parser(Predecoded),
        pipelines.CHATSSE_JSON: lambda: pipelines.chatsse_json(chunks),
        JSON: decoding(chatsse._json.stdlib_decode_object),
        PARSER_EVERY: parser(EveryChunkPredecoded),
    }
    if with_orjson:
        found[ORJSON] = decoding(chatsse._json.decode_object)
        found[pipelines.CHATSSE_ORJSON] = lambda: pipelines.chatsse_installed(chunks)
    return found


def _rows(times: dict[str, float], sdk: float | None, sdk_speedup: float) -> dict[str, float]:
    """The breakdown of one transcript: label -> µs per SSE event."""
    rows = dict(times)
    parts = times[FRAMING] + times[SSECLIENT] + times[PARSER]
    rows["sum of the stages (framing, sseclient-py, the parser)"] = parts
    for whole in (pipelines.CHATSSE_JSON, pipelines.CHATSSE_ORJSON):
        if whole in times:
            label = whole.removeprefix("chatsse ")
            rows[f"the rest: generators and calls between them, {label}"] = times[whole] - parts
    if sdk is not None:
        # The SDK's time from the throughput table: timed in its own
        # interleave, its long runs would leave these short stages cold.
        budget = sdk / sdk_speedup
        rows[f"the openai SDK ÷ {sdk_speedup:g}: the most chatsse (json) may take"] = budget
        rows["of it, what sseclient-py leaves"] = budget - times[SSECLIENT]
        rows["chatsse's own code (framing, parser, the rest), with json"] = (
            times[pipelines.CHATSSE_JSON] - times[SSECLIENT]
        )
    return rows


def table(
    measured: Sequence[tuple[Transcript, dict[str, float], float | None]], sdk_speedup: float
) -> tuple[Table, dict[str, Any]]:
    """The breakdown table: µs per SSE event and share of F0 of each stage, per transcript.

    With the SDK measured, the last rows set the time the SDK target leaves
    chatsse, less what the client-chosen sseclient-py and the decoder alone
    take, beside what chatsse's own code (framing, parser, the steps between)
    takes. ``measured`` holds each transcript, its stages' medians and the
    SDK's median seconds (``None`` without the SDK).
    """
    per_event = {
        transcript.name: {
            name: seconds / transcript.sse_events * 1e6 for name, seconds in medians.items()
        }
        for transcript, medians, _ in measured
    }
    sdk_per_event = {
        transcript.name: None if sdk is None else sdk / transcript.sse_events * 1e6
        for transcript, _, sdk in measured
    }
    breakdowns = {
        name: _rows(times, sdk_per_event[name], sdk_speedup) for name, times in per_event.items()
    }
    columns = ["stage"]
    for name in breakdowns:
        columns += [f"{name} µs/event", "÷ F0"]
    rows = []
    for label in next(iter(breakdowns.values())):
        row = [label]
        for name, breakdown in breakdowns.items():
            value = breakdown[label]
            row += [number(value), f"{value / per_event[name][pipelines.F0]:.2f}"]
        rows.append(row)
    result = Table(
        "Where the time goes (1 KiB chunks)",
        columns,
        rows,
        notes=[
            "each stage alone on its precomputed input, interleaved with F0 and the whole "
            "pipeline; µs per SSE event of the input; ÷ F0: ÷ F0's time",
            "the parser alone is handed the payloads all at once, where the pipeline hands "
            "them a run at a time; its time varies from one run to the next more than the "
            "others', and the sum of the stages can exceed the whole pipeline ('the rest' "
            "below 0)",
            "the openai SDK's time: its median in the throughput table (timed beside "
            "these short stages, its long runs would leave them cold)",
        ],
    )
    return result, {"us_per_event": per_event, "rows": breakdowns}
