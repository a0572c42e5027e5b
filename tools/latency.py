"""How soon does stream_chat() yield an event after the server sends it, per framing?

The ReplayServer runs gated: it writes one event, then waits for release().
Each sample is the time from release() (the server may now write the next
event) to stream_chat() yielding that event: server wake-up, the write,
loopback, urllib3, the framing, sseclient-py and the parser. Over loopback,
on one machine.

Usage: python tools/latency.py [--events N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import chatsse
from chatsse.testing import ReplayServer

FRAMINGS = [
    (framing, gzip) for framing in ("chunked", "close", "content-length") for gzip in (False, True)
]


def body(events: int) -> bytes:
    chunks = [
        {
            "id": "chatcmpl-latency",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": f" word{i}"}, "finish_reason": None}],
        }
        for i in range(events)
    ]
    chunks.append(
        {"id": "chatcmpl-latency", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    )
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return text.encode()


def measure(framing: str, gzip: bool, events: int) -> list[float]:
    samples = []
    with ReplayServer(body(events), framing=framing, gzip=gzip, gated=True) as server:
        stream = chatsse.stream_chat(
            server.chat_url, {"model": "m", "messages": []}, idle_timeout=10
        )
        with stream:
            released = None
            for event in stream:
                if isinstance(event, chatsse.OutputTextDelta):
                    if released is not None:
                        samples.append(time.perf_counter() - released)
                    released = time.perf_counter()
                    server.release()
                elif isinstance(event, chatsse.Completed):
                    break
                else:
                    server.release(0)
            server.release(5)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args(argv)
    print(
        f"release() -> event yielded, {args.events} events per framing, loopback, "
        f"Python {sys.version.split()[0]}"
    )
    print(f"{'framing':<22} {'median ms':>9} {'p95 ms':>7} {'max ms':>7}")
    for framing, gzip in FRAMINGS:
        samples = sorted(measure(framing, gzip, args.events))
        p95 = samples[int(len(samples) * 0.95)]
        name = framing + (" + gzip" if gzip else "")
        print(
            f"{name:<22} {statistics.median(samples) * 1e3:9.3f} {p95 * 1e3:7.3f} "
            f"{samples[-1] * 1e3:7.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
