"""chatsse's benchmarks: ``python tools/bench`` (``make bench``).

Prints each table as it goes, then writes them as JSON (results.json) and as
Markdown (results.md, which the docs' performance page includes). The suites:

* throughput - iter_events in memory, next to the floor F0 and the openai SDK
* scaling    - the per-event cost of 1k, 10k and 100k deltas
* hostile    - a 16 MiB single-line event in tiny chunks, an event of 1M lines
* http       - stream_chat over loopback, next to iter_events in memory
* latency    - release() on the server -> event yielded, per framing
* memory     - peak RSS of a long stream; RSS per idle stream
* instructions - the throughput comparison in instructions counted by
               callgrind: the same numbers every run (needs valgrind)

Every comparison is a ratio measured in the same run, interleaved, as medians.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Callable
from pathlib import Path

import hostile
import instructions
import loopback
import machine
import memory
import pipelines
import report
import throughput
from settings import Settings

import chatsse._json

SUITES: dict[str, Callable[[Settings], report.SuiteResult]] = {
    "throughput": throughput.run,
    "scaling": throughput.run_scaling,
    "hostile": hostile.run,
    "http": loopback.run_http,
    "latency": loopback.run_latency,
    "memory": memory.run,
    "instructions": instructions.run,
}
DEFAULT_OUT = Path(__file__).resolve().parent.parent.parent / "docs" / "bench"


def _suites(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SUITES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown suite {', '.join(unknown) or text!r}; the suites are {', '.join(SUITES)}"
        )
    return names


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--quick", action="store_true", help="a smoke test: small and fast")
    parser.add_argument(
        "--out-dir", type=Path, default=DEFAULT_OUT, help=f"where to write (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--only", type=_suites, default=list(SUITES), metavar="SUITE,...", help=", ".join(SUITES)
    )
    parser.add_argument("--rounds", type=_positive, help="interleaved rounds (default 21; quick 3)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress, via make
    arguments = sys.argv[1:] if argv is None else argv

    with_orjson = chatsse._json.DECODER == "orjson"
    settings = Settings(
        quick=args.quick,
        rounds=args.rounds or (3 if args.quick else 21),
        with_orjson=with_orjson,
        with_sdk=pipelines.sdk_available(),
    )
    info = machine.machine()
    meta: dict[str, object] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["python tools/bench", *arguments]),
        "quick": settings.quick,
        "machine": info,
        "versions": machine.versions(),
        "decoder": chatsse._json.DECODER,
    }
    print(f"chatsse benchmarks: {machine.describe(info)}")
    print(f"iter_events decodes with {chatsse._json.DECODER}", end="")
    print("" if with_orjson else " (orjson is not installed: no chatsse (orjson) rows)")
    print()

    results: list[report.SuiteResult] = []
    started = time.perf_counter()
    for name in args.only:
        print(f"== {name}")
        suite_started = time.perf_counter()
        result = SUITES[name](settings)
        results.append(result)
        print(f"   ({time.perf_counter() - suite_started:.1f} s)\n")
        for table in result.tables:
            print(report.as_text(table))
    targets = [target for result in results for target in result.targets]
    print(report.as_text(report.targets_table(targets)))
    meta["seconds"] = round(time.perf_counter() - started, 1)
    for path in report.write(args.out_dir, meta, results):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
