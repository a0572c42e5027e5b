"""SPEC §4 (F1, F2, F5-F7): the 170 WHATWG framing cases of ../shared/sse-conformance."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from conftest import SHARED, shared_path

from chatsse._framing import DEFAULT_MAX_EVENT_BYTES, _bridge, _event, _Framer


def _load_cases() -> list[dict[str, Any]]:
    path = SHARED / "sse-conformance" / "cases.json"
    if not path.exists():
        return [{"name": "MISSING", "missing": True}]
    return list(json.loads(path.read_text(encoding="utf-8")))


CASES = _load_cases()


def _streams(case: dict[str, Any]) -> list[list[bytes]]:
    if "gen" in case:
        gen = case["gen"]
        data = (gen["prefix"] + gen["fill"] * gen["repeat"] + gen["suffix"]).encode("latin-1")
        size = gen["chunk_size"]
        return [[data[i : i + size] for i in range(0, len(data), size)]]
    if case.get("sweep") == "single_split":
        data = case["stream"].encode("latin-1")
        return [[data[:cut], data[cut:]] for cut in range(len(data) + 1)]
    return [[chunk.encode("latin-1") for chunk in case["chunks"]]]


def _matches(expected: dict[str, Any], event: Any) -> bool:
    if event.event != expected.get("event", "message"):
        return False
    if "data" in expected:
        return bool(event.data == expected["data"])
    digest = hashlib.sha256(event.data.encode("utf-8")).hexdigest()
    return bool(len(event.data) == expected["data_len"] and digest == expected["data_sha256"])


def iter_sse(chunks: list[bytes], one_event_per_chunk: bool) -> list[Any]:
    framer = _Framer(DEFAULT_MAX_EVENT_BYTES)
    batches = _bridge(framer, chunks, one_event_per_chunk=one_event_per_chunk)
    # A message event may come as its data alone (see sse_batches).
    return [
        _event("message", item) if isinstance(item, str) else item
        for batch in batches
        for item in batch
    ]


# iter_sse hands sseclient-py one event per chunk (skipping its own framing);
# should sseclient-py stop reading chunks through _read(), every chunk ends
# with a blank line instead. Both ways pass every case.
@pytest.mark.parametrize("one_event_per_chunk", [True, False], ids=["direct", "reframed"])
@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_conformance_case(case: dict[str, Any], one_event_per_chunk: bool) -> None:
    if case.get("missing"):
        shared_path("sse-conformance", "cases.json")
    for chunks in _streams(case):
        got = iter_sse(chunks, one_event_per_chunk)
        assert len(got) == len(case["expected"]), (
            case["name"],
            [(e.event, e.data[:80]) for e in got],
        )
        for expected, event in zip(case["expected"], got, strict=True):
            assert _matches(expected, event), (case["name"], expected, event.event, event.data[:80])


def test_all_170_cases_are_present() -> None:
    shared_path("sse-conformance", "cases.json")
    assert len(CASES) == 170
