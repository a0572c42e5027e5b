"""Timing on a noisy machine: every contender in the same run, interleaved, medians.

A round runs each contender once, starting from a different one each round,
so that a burst of noise (another process, a frequency change) hits them all
alike; comparisons are ratios of the medians of those rounds.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping


def interleaved(
    contenders: Mapping[str, Callable[[], object]], rounds: int, *, warmup: int = 1
) -> dict[str, float]:
    """The median seconds of each contender over ``rounds`` interleaved rounds."""
    return interleaved_with_cpu(contenders, rounds, warmup=warmup)[0]


def interleaved_with_cpu(
    contenders: Mapping[str, Callable[[], object]], rounds: int, *, warmup: int = 1
) -> tuple[dict[str, float], dict[str, float]]:
    """The median wall-clock seconds, and the median CPU seconds this process used."""
    names = list(contenders)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for number in range(warmup + rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()  # a collection owed by the previous contender is not this one's
            run = contenders[name]
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            elapsed, used = time.perf_counter() - start, time.process_time() - start_cpu
            if number >= warmup:
                wall[name].append(elapsed)
                cpu[name].append(used)
    return _medians(wall), _medians(cpu)


def _medians(samples: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in samples.items()}


def once(run: Callable[[], object], repeats: int = 1) -> float:
    """The median seconds of ``repeats`` runs of ``run`` (for runs too long to interleave)."""
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
