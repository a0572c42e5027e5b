"""Instructions, counted: the throughput comparison without the machine's noise.

On a shared machine a wall-clock ratio moves by a tenth from one run to the
next, which is as much as separates 0.95 from 1.05 × F0. valgrind's callgrind
counts the instructions a run executes instead: the same count for the same
code and input, whatever else the machine is doing.

One process per transcript runs under callgrind: it builds the transcript,
then runs each pipeline twice, a warm-up and the run counted, calling a marker
(``zlib.crc32``, which nothing else here calls) before each. callgrind writes
its counters out at each marker (``--dump-before``), so each run's count is
one of those dumps. Instructions are not time (a cache miss costs more than an
add), but two counts that close are two costs that close.

Run as a script, this module is that process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pipelines
import transcripts
from report import SuiteResult, Table, Target, at_most, number
from settings import Settings

HERE = Path(__file__).resolve().parent
# The targets, as in the throughput suite.
JSON_VS_F0 = 1.6
ORJSON_VS_F0 = 1.0
_SUMMARY = re.compile(rb"^summary: (\d+)$", re.MULTILINE)
_MARKER = "crc32"  # zlib's C function: the dumps' boundaries


def available() -> bool:
    return shutil.which("valgrind") is not None


def _mark() -> None:
    zlib.crc32(b"chatsse")


def _count(transcript: str, names: Sequence[str], quick: bool) -> dict[str, int]:
    """Each pipeline's instructions for one run of ``transcript``, after a warm-up run."""
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            f"--dump-before={_MARKER}",
            sys.executable,
            str(HERE / "instructions.py"),
            transcript,
            "quick" if quick else "full",
            *names,
        ]
        # A fixed hash seed: dict layouts, and so the counts, are the same every time.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        finished = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        # Dump k holds what ran between marker k - 1 and marker k: dump 1 is the
        # setup, then a warm-up and a counted run for each pipeline in turn.
        dumps = sorted(
            Path(directory).glob("callgrind.out.*"), key=lambda path: int(path.suffix[1:])
        )
        counts = []
        for dump in dumps:
            found = _SUMMARY.search(dump.read_bytes())
            counts.append(int(found.group(1)) if found else -1)
    if finished.returncode != 0 or len(counts) != 1 + 2 * len(names) or min(counts) < 0:
        raise RuntimeError(f"callgrind failed on {transcript}:\n{finished.stderr[-2000:]}")
    return {name: counts[2 + 2 * at] for at, name in enumerate(names)}


def run(settings: Settings) -> SuiteResult:
    names = pipelines.available(settings.with_orjson, with_sdk=False)
    which: tuple[str, ...] = transcripts.NAMES
    if settings.quick:  # a smoke test: a short chat, F0 and chatsse
        names, which = [pipelines.F0, pipelines.CHATSSE_JSON], ("chat",)
    table = Table(
        "Instructions per run (callgrind), 1 KiB chunks",
        ["transcript", "pipeline", "instructions", "per SSE event", "× F0"],
        [],
        notes=[
            "counted by valgrind's callgrind, after a warm-up run: the same count every "
            "run (PYTHONHASHSEED=0), unlike the wall-clock medians; instructions are not "
            "time, but close counts are close costs"
        ],
    )
    if not available():
        table.notes.append("valgrind is not installed (apt-get install valgrind): not measured")
        return SuiteResult("instructions", "Instructions", {"available": False}, [table], [])
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counted = dict(
            zip(
                which,
                pool.map(lambda name: _count(name, names, settings.quick), which),
                strict=True,
            )
        )
    data: dict[str, object] = {}
    targets: list[Target] = []
    for transcript in which:
        events = transcripts.standard(transcript, settings.quick).sse_events
        per_run = counted[transcript]
        floor = per_run[pipelines.F0]
        data[transcript] = {"sse_events": events, "instructions": per_run}
        for name, count in per_run.items():
            table.rows.append(
                [
                    transcript,
                    name,
                    f"{count / 1e6:,.1f} M",
                    f"{number(count / events / 1e3)} k",
                    f"{count / floor:.3f}",
                ]
            )
        json_ratio = per_run[pipelines.CHATSSE_JSON] / floor
        name = f"{transcript}: chatsse (json) ÷ F0, in instructions"
        targets.append(at_most("instructions", name, json_ratio, JSON_VS_F0, "×"))
        if pipelines.CHATSSE_ORJSON in per_run:
            ratio = per_run[pipelines.CHATSSE_ORJSON] / floor
            name = f"{transcript}: chatsse (orjson) ÷ F0, in instructions"
            targets.append(at_most("instructions", name, ratio, ORJSON_VS_F0, "×"))
    return SuiteResult("instructions", "Instructions", data, [table], targets)


def _worker(transcript: str, quick: bool, names: Sequence[str]) -> None:
    chunks = transcripts.standard(transcript, quick).chunks(1024)
    for name in names:
        run = pipelines.PIPELINES[name]
        _mark()
        run(chunks)  # the warm-up
        _mark()
        run(chunks)  # counted
    _mark()


if __name__ == "__main__":
    _worker(sys.argv[1], sys.argv[2] == "quick", sys.argv[3:])
