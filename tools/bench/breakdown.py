"""Where chatsse's time goes: each stage of iter_events timed alone, in one run.

Each stage runs on what the stage before it produced, precomputed, so that
its time is its own: the framing on the 1 KiB chunks, sseclient-py's field
parsing on the framer's frames, each decoder on the payloads, the parser on
chunks already decoded. Their sum, beside the whole pipeline's time, shows
what the generators between them cost, and which targets the stages alone
rule out.
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
JSON = "json: decoding each payload"
ORJSON = "orjson: decoding each payload (with the big-integer check)"
PARSER = "the parser, on chunks already decoded"


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

    class Predecoded(chatsse.ChatStreamParser):
        _decode_object = staticmethod(decoded.__getitem__)

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

    def parser() -> None:
        feed = Predecoded().feed
        for data in payloads:
            feed(data)

    found: dict[str, Callable[[], object]] = {
        pipelines.F0: lambda: pipelines.f0(chunks),
        FRAMING: framing,
        SSECLIENT: sseclient,
        JSON: decoding(chatsse._json.stdlib_decode_object),
        PARSER: parser,
        pipelines.CHATSSE_JSON: lambda: pipelines.chatsse_json(chunks),
    }
    if with_orjson:
        found[ORJSON] = decoding(chatsse._json.decode_object)
        found[pipelines.CHATSSE_ORJSON] = lambda: pipelines.chatsse_installed(chunks)
    return found


def table(transcript: Transcript, medians: dict[str, float]) -> tuple[Table, dict[str, Any]]:
    """The breakdown table: µs per SSE event and share of F0 for each stage."""
    per_event = {name: seconds / transcript.sse_events * 1e6 for name, seconds in medians.items()}
    floor = per_event[pipelines.F0]
    rows = []
    for name, value in per_event.items():
        rows.append([name, number(value), f"{value / floor:.2f}"])
    for decoder, whole in ((JSON, pipelines.CHATSSE_JSON), (ORJSON, pipelines.CHATSSE_ORJSON)):
        if decoder not in per_event:
            continue
        parts = per_event[FRAMING] + per_event[SSECLIENT] + per_event[decoder] + per_event[PARSER]
        label = "json" if decoder == JSON else "orjson"
        rows.append([f"sum of the stages, with {label}", number(parts), f"{parts / floor:.2f}"])
        rows.append(
            [
                f"the rest: generators and calls between them, with {label}",
                number(per_event[whole] - parts),
                f"{(per_event[whole] - parts) / floor:.2f}",
            ]
        )
    result = Table(
        f"Where the time goes ({transcript.name} transcript, 1 KiB chunks)",
        ["stage", "µs/event", "÷ F0's time"],
        rows,
        notes=[
            "each stage alone on its precomputed input, interleaved with F0 and the whole "
            "pipeline; µs per SSE event of the input",
        ],
    )
    return result, {"us_per_event": per_event}
