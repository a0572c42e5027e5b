"""Timing on a noisy machine: every contender in the same run, interleaved, medians.

A round runs each contender once, starting from a different one each round,
so that a burst of noise (another process, a frequency change) hits them all
alike; a comparison is the median over the rounds of the ratio within each
round (:func:`paired_ratio`), or, where rounds are not kept, a ratio of medians.
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
    wall, cpu = _rounds(contenders, rounds, warmup)
    return medians(wall), medians(cpu)


def interleaved_samples(
    contenders: Mapping[str, Callable[[], object]], rounds: int, *, warmup: int = 1
) -> dict[str, list[float]]:
    """Each contender's wall-clock seconds in each of ``rounds`` interleaved rounds, in order."""
    return _rounds(contenders, rounds, warmup)[0]


def interleaved_samples_with_cpu(
    contenders: Mapping[str, Callable[[], object]], rounds: int, *, warmup: int = 1
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """:func:`interleaved_samples`, and the CPU seconds this process used in each."""
    return _rounds(contenders, rounds, warmup)


def paired_ratio(samples: Mapping[str, list[float]], name: str, reference: str) -> float:
    """The median over the rounds of ``name``'s time ÷ ``reference``'s in the same round.

    Each round runs the contenders one after the other, so a slow spell of the
    machine that lasts a round hits both sides of its ratio; the ratio of two
    medians taken apart does not cancel it.
    """
    return statistics.median(_ratios(samples, name, reference))


def paired_ratio_quartiles(
    samples: Mapping[str, list[float]], name: str, reference: str
) -> tuple[float, float]:
    """The first and third quartiles of the ratios :func:`paired_ratio` takes the median of.

    Half the rounds fall between them: how far the machine's noise moves a ratio
    within one run.
    """
    ratios = _ratios(samples, name, reference)
    if len(ratios) < 2:
        return ratios[0], ratios[0]
    first, _, third = statistics.quantiles(ratios, n=4)
    return first, third


def _ratios(samples: Mapping[str, list[float]], name: str, reference: str) -> list[float]:
    return [this / other for this, other in zip(samples[name], samples[reference], strict=True)]


def _rounds(
    contenders: Mapping[str, Callable[[], object]], rounds: int, warmup: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
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
    return wall, cpu


def medians(samples: Mapping[str, list[float]]) -> dict[str, float]:
    """Each contender's median."""
    return {name: statistics.median(values) for name, values in samples.items()}


def once(run: Callable[[], object], repeats: int = 1) -> float:
    """The median seconds of ``repeats`` runs of ``run`` (for runs too long to interleave)."""
    return statistics.median(each(run, repeats))


def each(run: Callable[[], object], repeats: int) -> list[float]:
    """The seconds of each of ``repeats`` runs of ``run``, one after the other."""
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times
