"""The real recorded corpus (../shared/corpus): 79 streams from 23 providers.

Every file is fed to ``iter_events`` whole, one byte at a time and at seeded
random splits: all ways must give the same events, or the same error after
the same events (F1). The final answer must then match the file's golden
expectation in ``tests/corpus_golden/<provider>/<name>.json``. The goldens
were worked out from the raw bytes and SPEC.md by an independent reader, not
dumped from chatsse; each one's ``notes`` say what is odd about the stream and
which rule decides. A golden may add ``variants``: the same file read with
other parser options (another choice, ``raise_on_length=False``...).
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED, shared_path
from helpers import events_until_error, split_every, split_randomly

import chatsse
from chatsse import ChatSSEError, FunctionCall, Message, OutputItemDone, Reasoning, ResponseEvent

CORPUS = SHARED / "corpus"
GOLDEN = Path(__file__).resolve().parent / "corpus_golden"
CORPUS_SIZE = 79
#: The largest chunk of each random split: from a few bytes to several events per chunk.
RANDOM_SPLIT_SIZES = (4, 16, 64, 1024)

#: The fields a golden expectation (and each of its variants) holds about the answer.
ANSWER_FIELDS = (
    "text",
    "refusal",
    "reasoning",
    "reasoning_summary",
    "has_encrypted_reasoning",
    "tool_calls",
    "finish_reason",
    "response_id",
    "usage",
    "error",
    "event_counts",
)
USAGE_FIELDS = (
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
)


def _corpus_files() -> list[str]:
    return sorted(path.relative_to(CORPUS).as_posix() for path in CORPUS.glob("*/*.sse"))


def _golden_files() -> list[str]:
    return sorted(path.relative_to(GOLDEN).as_posix() for path in GOLDEN.glob("*/*.json"))


# A missing corpus must fail, never skip: one placeholder case reports it.
FILES = _corpus_files() or ["<corpus missing>"]


def _corpus_body(name: str) -> bytes:
    return shared_path("corpus").joinpath(*name.split("/")).read_bytes()


def _golden(name: str) -> dict[str, Any]:
    path = GOLDEN / (name.removesuffix(".sse") + ".json")
    assert path.exists(), f"{name} has no golden expectation at {path}"
    golden: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return golden


def _ways_to_feed(body: bytes, name: str) -> list[tuple[str, Any]]:
    """The body whole, one byte at a time, and at random splits seeded by the file name."""
    seed = zlib.crc32(name.encode())
    ways: list[tuple[str, Any]] = [("whole", body), ("bytewise", split_every(body, 1))]
    ways += [
        (f"random-{size}", split_randomly(body, seed + size, max_size=size))
        for size in RANDOM_SPLIT_SIZES
    ]
    return ways


def _error_facts(error: ChatSSEError | None) -> tuple[Any, ...] | None:
    if error is None:
        return None
    return type(error).__name__, error.message, error.partial_items


def _answer(events: list[ResponseEvent], error: ChatSSEError | None) -> dict[str, Any]:
    """What the stream said, in the golden's terms.

    Without an error it is ``collect()``'s result. With one, it is what was
    streamed before it: the items closed by then plus the error's ``partial_items``
    (P13); no ``Completed`` came, so finish reason, id and usage are ``None``.
    """
    answer: dict[str, Any]
    if error is None:
        result = chatsse.collect(events)
        items = list(result.items)
        usage = result.usage
        answer = {
            "finish_reason": result.finish_reason,
            "response_id": result.response_id,
            "usage": None if usage is None else {f: getattr(usage, f) for f in USAGE_FIELDS},
            "error": None,
        }
    else:
        items = [event.item for event in events if isinstance(event, OutputItemDone)]
        items += error.partial_items
        facts: dict[str, Any] = {"type": type(error).__name__, "message": error.message}
        if isinstance(error, chatsse.APIError):
            facts["code"] = error.code
        answer = {"finish_reason": None, "response_id": None, "usage": None, "error": facts}
    messages = [item for item in items if isinstance(item, Message)]
    reasonings = [item for item in items if isinstance(item, Reasoning)]
    answer |= {
        "text": "".join(message.text for message in messages),
        "refusal": "".join(message.refusal for message in messages),
        "reasoning": "".join(reasoning.text for reasoning in reasonings),
        "reasoning_summary": "".join("".join(reasoning.summary) for reasoning in reasonings),
        "has_encrypted_reasoning": any(reasoning.encrypted_content for reasoning in reasonings),
        "tool_calls": [
            {"name": item.name, "arguments": item.arguments, "call_id": item.call_id}
            for item in items
            if isinstance(item, FunctionCall)
        ],
        "event_counts": dict(Counter(type(event).__name__ for event in events)),
    }
    return answer


def _check(name: str, body: bytes, expected: dict[str, Any]) -> None:
    options = expected["options"]
    label = f"{name} with options {options}"
    results = {
        way: events_until_error(chunks, **options) for way, chunks in _ways_to_feed(body, name)
    }
    events, error = results["whole"]
    for way, (other_events, other_error) in results.items():
        assert other_events == events, f"{label}: fed {way}, the events differ from fed whole"
        assert _error_facts(other_error) == _error_facts(error), (
            f"{label}: fed {way}, the error differs from fed whole"
        )
    answer = _answer(events, error)
    for field in ANSWER_FIELDS:
        assert answer[field] == expected[field], f"{label}: {field}"


@pytest.mark.parametrize("name", FILES)
def test_corpus_file(name: str) -> None:
    body = _corpus_body(name)
    golden = _golden(name)
    assert golden["file"] == name
    assert golden["provider"] == name.split("/", maxsplit=1)[0]
    _check(name, body, golden)
    for variant in golden.get("variants", []):
        _check(name, body, variant)


def test_every_corpus_file_has_a_golden_and_every_golden_a_file() -> None:
    shared_path("corpus")
    corpus = _corpus_files()
    goldens = [name.removesuffix(".json") + ".sse" for name in _golden_files()]
    assert len(corpus) == CORPUS_SIZE, f"expected {CORPUS_SIZE} corpus files, found {len(corpus)}"
    assert sorted(set(corpus) - set(goldens)) == [], "corpus files without a golden"
    assert sorted(set(goldens) - set(corpus)) == [], "goldens without a corpus file"
    assert len(goldens) == CORPUS_SIZE
