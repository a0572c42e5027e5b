"""Memory: the peak of one long stream, and RSS per idle stream.

Each measurement runs in a fresh interpreter (``python tools/bench/memory.py
peak MODE`` or ``... idle URL``, printing one JSON line), so that nothing
measured before counts:

* ``peak``: the 100k-delta chat transcript, generated lazily chunk by chunk
  (the input does not count), through ``collect(iter_events(...))``, through
  ``iter_events`` alone, or through the SSE framing alone; or one event just
  under ``DEFAULT_MAX_EVENT_BYTES`` through the framing. After a warm-up the
  peak is reset (``/proc/self/clear_refs``), then the peak RSS growth is read
  from ``VmHWM``. RSS misses memory the process freed before and reuses, so
  each mode runs a second time under tracemalloc, for the exact peak of the
  Python heap.
* ``idle``: N ``stream_chat`` streams in N threads, against a server in
  another process (``upstream``) that stalls after the first events; each
  thread reads its first event then blocks. RSS growth ÷ N, then every
  stream is closed and the threads must end.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import gc
import json
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import transcripts
from report import SuiteResult, Table, at_most, number
from settings import Settings

import chatsse
from chatsse._framing import iter_sse
from chatsse.testing import ReplayServer, Reply

KiB = 1024
MiB = 1024 * KiB
TEXT_MULTIPLE = 3.0  # peak RSS growth for 100k deltas <= 3x the final text (the issue)
FRAMING_FLAT = 1 * MiB  # framing a long stream: its memory bounded, whatever its length
# Framing one event at the bound: a few copies of it. The framer holds two
# (the pending bytes, then the whole event); sseclient-py's field parsing
# (splitlines, decode, split, strip the space, append the LF) a few more.
FRAMING_EVENT_MULTIPLE = 8.0
SCRIPT = Path(__file__).resolve()
REQUEST = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}


# -- measuring, in the subprocess ------------------------------------------------------------


def _status(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * KiB
    except OSError:
        pass
    return None


def rss() -> int:
    current = _status("VmRSS")
    if current is not None:
        return current
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KiB  # the best there is


def reset_peak() -> bool:
    """Make VmHWM the current RSS; False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as file:
            file.write("5")
    except OSError:
        return False
    return _status("VmHWM") is not None


def peak() -> int:
    return _status("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KiB


def big_event_chunks(line_bytes: int) -> Iterator[bytes]:
    """One single-line event of ``line_bytes`` bytes in 64 KiB chunks, made as they are read."""
    head = b'data: {"id":"chatcmpl-big","choices":[{"index":0,"delta":{"content":"'
    tail = b'"},"finish_reason":"stop"}]}'
    yield head
    text_bytes = line_bytes - len(head) - len(tail)
    block = b"x" * (64 * KiB)
    for _ in range(text_bytes // len(block)):
        yield block
    yield b"x" * (text_bytes % len(block))
    yield tail + b"\n\ndata: [DONE]\n\n"


def measure_peak(mode: str, deltas: int, python_heap: bool = False) -> dict[str, object]:
    """Peak RSS growth, or with ``python_heap`` the peak of the Python heap (tracemalloc)."""

    def source() -> Iterator[bytes]:
        if mode == "framing-event":
            return big_event_chunks(chatsse.DEFAULT_MAX_EVENT_BYTES - 1024)
        return transcripts.rechunk(transcripts.chat_events(deltas), 1024)

    # Warm-up: every module, cache and free list in place before the baseline.
    chatsse.collect(chatsse.iter_events(transcripts.rechunk(transcripts.chat_events(50), 1024)))
    gc.collect()
    if python_heap:
        tracemalloc.start()
    exact = reset_peak()
    before = rss()
    result: dict[str, object] = {"mode": mode, "peak_is_exact": exact}
    if mode != "framing-event":
        result["deltas"] = deltas
    answer = None
    largest = 0
    if mode == "collect":
        answer = chatsse.collect(chatsse.iter_events(source()))
    elif mode == "iterate":
        for _ in chatsse.iter_events(source()):
            pass
    elif mode in ("framing", "framing-event"):
        for sse in iter_sse(source()):
            largest = max(largest, len(sse.data))
        result["largest_event_bytes"] = largest
    else:
        raise ValueError(f"unknown mode {mode!r}")
    # The peak is read before anything below allocates: encoding the 4-byte-per-character
    # text to UTF-8 alone takes a buffer as large as the str.
    if python_heap:
        result["python_heap_peak_bytes"] = tracemalloc.get_traced_memory()[1]
    else:
        result["growth_bytes"] = peak() - before
    if answer is not None:
        result["text_bytes"] = len(answer.text.encode())
        result["text_object_bytes"] = sys.getsizeof(answer.text)
        # SPEC §2: one OutputText per delta, so the Message holds a tuple that long.
        messages = [item for item in answer.items if isinstance(item, chatsse.Message)]
        result["content_tuple_bytes"] = sum(sys.getsizeof(item.content) for item in messages)
    return result


def measure_idle(url: str, streams: int) -> dict[str, object]:
    ready = threading.Semaphore(0)
    opened: list[chatsse.ChatStream] = []
    lock = threading.Lock()

    def reader() -> None:
        try:
            stream = chatsse.stream_chat(url, REQUEST, idle_timeout=120)
            with lock:
                opened.append(stream)
            next(stream)
        except chatsse.ChatSSEError:
            return
        finally:
            ready.release()
        try:
            for _ in stream:  # blocks: the server has stalled
                pass
        except chatsse.ChatSSEError:
            pass  # closed under it

    warm = chatsse.stream_chat(url, REQUEST, idle_timeout=120)
    next(warm)
    warm.close()
    gc.collect()
    before = rss()
    threads = [threading.Thread(target=reader, daemon=True) for _ in range(streams)]
    for thread in threads:
        thread.start()
    for _ in threads:
        if not ready.acquire(timeout=120):
            raise RuntimeError("the streams did not all open")
    time.sleep(0.2)  # every reader back inside its read
    gc.collect()
    growth = rss() - before
    started = time.perf_counter()
    for stream in opened:
        stream.close()
    for thread in threads:
        thread.join(max(0.0, 10 - (time.perf_counter() - started)))
    return {
        "streams": streams,
        "opened": len(opened),
        "growth_bytes": growth,
        "bytes_per_stream": growth / streams,
        "threads_left": sum(thread.is_alive() for thread in threads),
        "close_seconds": time.perf_counter() - started,
    }


def upstream(stall_after_events: int) -> None:
    """Serve a chat answer that stalls after a few events, until stdin closes."""
    events = list(transcripts.chat_events(20))
    stall_after = len(b"".join(events[:stall_after_events]))
    body = b"".join(events)
    with ReplayServer(Reply(body, stall_after=stall_after)) as server:
        print(server.chat_url, flush=True)
        sys.stdin.read()


# -- the suite, in the benchmark's process ---------------------------------------------------


def _subprocess(*args: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.splitlines()[-1])  # type: ignore[no-any-return]


@contextlib.contextmanager
def stalling_upstream() -> Iterator[str]:
    """The upstream server in its own process; yields its chat URL."""
    command = [sys.executable, str(SCRIPT), "upstream"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        assert process.stdin is not None
        process.stdin.close()  # it stops serving
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


MODES = ("collect", "iterate", "framing", "framing-event")


def _peaks(deltas: int) -> dict[str, dict[str, Any]]:
    """Every mode, measured both ways, two processes at a time (nothing here is timed)."""
    jobs = [(mode, heap) for mode in MODES for heap in (False, True)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        found = pool.map(
            lambda job: _subprocess(
                "peak", job[0], "--deltas", str(deltas), *(["--python-heap"] if job[1] else [])
            ),
            jobs,
        )
        results = dict(zip(jobs, found, strict=True))
    return {mode: {**results[mode, False], **results[mode, True]} for mode in MODES}


def run(settings: Settings) -> SuiteResult:
    deltas, streams = (10_000, 20) if settings.quick else (100_000, 200)
    peaks = _peaks(deltas)
    with stalling_upstream() as url:
        idle = _subprocess("idle", url, "--streams", str(streams))
    if idle["threads_left"]:
        raise AssertionError(f"{idle['threads_left']} reader threads did not end after close()")
    text_bytes = int(peaks["collect"]["text_bytes"])
    text_object = int(peaks["collect"]["text_object_bytes"])
    content_tuple = int(peaks["collect"]["content_tuple_bytes"])
    floor = text_object + content_tuple  # what the answer itself holds at the end
    event_bytes = int(peaks["framing-event"]["largest_event_bytes"])
    rss_growth = {mode: int(peaks[mode]["growth_bytes"]) for mode in MODES}
    heap = {mode: int(peaks[mode]["python_heap_peak_bytes"]) for mode in MODES}
    labels = {
        "collect": f"collect(iter_events()), {deltas:,} text deltas",
        "iterate": f"iter_events() alone, {deltas:,} text deltas",
        "framing": f"SSE framing alone, {deltas:,} text deltas",
        "framing-event": f"SSE framing alone, one {event_bytes / MiB:.1f} MiB event",
    }
    table = Table(
        "Peak memory (a fresh process each, the input generated as it is read)",
        [
            "what",
            "peak RSS growth",
            "peak Python heap",
            "RSS ÷ final text",
            "RSS ÷ text str",
            "heap ÷ event",
        ],
        [
            [
                labels[mode],
                _size(rss_growth[mode]),
                _size(heap[mode]),
                f"{rss_growth[mode] / text_bytes:.2f}" if mode in ("collect", "iterate") else "",
                f"{rss_growth[mode] / text_object:.2f}" if mode in ("collect", "iterate") else "",
                f"{heap[mode] / event_bytes:.2f}" if mode == "framing-event" else "",
            ]
            for mode in MODES
        ],
        notes=[
            f"final text: {text_bytes:,} B as UTF-8, held in a {text_object:,} B str "
            "(its emoji make CPython store 4 bytes per character)",
            f"what the answer itself holds at the end: that str, and the Message's tuple of one "
            f"OutputText per delta (SPEC §2), {content_tuple:,} B: {floor:,} B, "
            f"{floor / text_bytes:.2f} × the UTF-8 text",
            "peak RSS growth: VmHWM after a reset, minus VmRSS before; it misses memory the "
            "process had freed before the start and reuses. Peak Python heap: tracemalloc's "
            "peak in another run, exact for Python objects",
        ],
    )
    if not all(found["peak_is_exact"] for found in peaks.values()):
        table.notes.append("/proc/self/clear_refs unavailable: RSS peaks are since the start")
    idle_table = Table(
        "Idle streams (stream_chat in threads, the server stalled after the first events)",
        ["streams", "RSS growth", "per stream", "threads left after close()", "close s"],
        [
            [
                str(idle["streams"]),
                _size(int(idle["growth_bytes"])),
                _size(int(idle["bytes_per_stream"])),
                str(idle["threads_left"]),
                number(float(idle["close_seconds"])),
            ]
        ],
        notes=["per stream: a thread (its stack), a socket, a requests.Session, the parser"],
    )
    suite = "memory"
    targets = [
        at_most(
            suite,
            f"collect, {deltas:,} deltas: peak RSS growth ÷ final text (UTF-8)",
            rss_growth["collect"] / text_bytes,
            TEXT_MULTIPLE,
            "×",
        ),
        at_most(
            suite,
            f"framing, {deltas:,} deltas: peak Python heap",
            heap["framing"] / MiB,
            FRAMING_FLAT / MiB,
            "MiB",
        ),
        at_most(
            suite,
            "framing, one event at the bound: peak Python heap ÷ event",
            heap["framing-event"] / event_bytes,
            FRAMING_EVENT_MULTIPLE,
            "×",
        ),
    ]
    data = {"peak": peaks, "idle": idle}
    return SuiteResult(suite, "Memory", data, [table, idle_table], targets)


def _size(size: int) -> str:
    if abs(size) >= MiB:
        return f"{size / MiB:.1f} MiB"
    return f"{size / KiB:.0f} KiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one memory measurement, as a JSON line")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("peak")
    one.add_argument("mode", choices=("collect", "iterate", "framing", "framing-event"))
    one.add_argument("--deltas", type=int, default=100_000)
    one.add_argument("--python-heap", action="store_true", help="tracemalloc's peak instead")
    idle = commands.add_parser("idle")
    idle.add_argument("url")
    idle.add_argument("--streams", type=int, default=200)
    serving = commands.add_parser("upstream")
    serving.add_argument("--stall-after-events", type=int, default=3)
    args = parser.parse_args(argv)
    if args.command == "peak":
        print(json.dumps(measure_peak(args.mode, args.deltas, args.python_heap)))
    elif args.command == "idle":
        print(json.dumps(measure_idle(args.url, args.streams)))
    else:
        upstream(args.stall_after_events)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
