"""What a run of the benchmark is asked to do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    #: A smoke test: few rounds and small inputs (the numbers mean little).
    quick: bool
    #: Interleaved rounds of the in-memory and loopback comparisons.
    rounds: int
    #: chatsse decodes with orjson (it is importable): the "chatsse (orjson)" rows run.
    with_orjson: bool
    #: The openai SDK is importable: its pipeline is the peer.
    with_sdk: bool
