"""Decoding chunks with orjson (the ``fast`` extra) gives what ``json`` gives (chatsse._json).

orjson is used when it is installed; any payload it rejects is decoded again
by ``json``, which decides. These tests hold the two decoders to the same
answer: payload by payload (documents both accept, documents only ``json``
accepts, documents neither accepts), and stream by stream over the whole
recorded corpus.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED
from helpers import drain, sse_body
from hypothesis import given, settings
from hypothesis import strategies as st

import chatsse
from chatsse import _json
from chatsse._api import parse_source
from chatsse._framing import DEFAULT_MAX_EVENT_BYTES

orjson = pytest.importorskip("orjson", reason="the fast extra (orjson) is not installed")


class StdlibParser(chatsse.ChatStreamParser):
    """The parser decoding with the standard library's json only."""

    _decode_object = staticmethod(_json.stdlib_decode_object)


def same_value(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN and -0.0 told from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_orjson_is_the_decoder_when_installed() -> None:
    assert _json.DECODER == "orjson"
    assert chatsse.ChatStreamParser._decode_object is _json.decode_object


@pytest.mark.parametrize(
    "data",
    [
        '{"choices":[{"delta":{"content":"ok"}}]}',
        '{"a": NaN, "b": Infinity, "c": -Infinity}',  # json only
        # orjson reads these as floats: left to json
        '{"big": 123456789012345678901234567890, "neg": -9223372036854775809}',
        '{"u64": 18446744073709551615, "i64": -9223372036854775808, "s": "1234567890123456789"}',
        '{"surrogate": "\\ud800", "pair": "\\ud83d\\ude42"}',  # a lone one: json only
        '{"dup": 1, "dup": 2}',  # both: the last wins
        '{"f": 1e400, "g": -0.0, "h": 5e-324, "i": 0.1}',
        '{"s": "caf\\u00e9 東京 🙂", "t": "tab\\tnew\\nline"}',
        '{"deep": ' + "[" * 100 + "]" * 100 + "}",
    ],
)
def test_both_decoders_give_the_same_value(data: str) -> None:
    assert same_value(_json.decode_object(data), _json.stdlib_decode_object(data))
    assert _json.decode_object(data) is not None


@pytest.mark.parametrize(
    "data",
    [
        "not json",
        '{"a": 1} trailing',
        '{"a": 1}{"b": 2}',
        "[1, 2, 3]",
        '"a string"',
        "{'single': 'quotes'}",
        '{"control": "raw\x01char"}',
        '{"a": 1,}',
    ],
)
def test_both_decoders_reject_the_same_payloads(data: str) -> None:
    assert _json.decode_object(data) is None
    assert _json.stdlib_decode_object(data) is None


@pytest.mark.parametrize("depth", [2, _json.MAX_JSON_DEPTH, _json.MAX_JSON_DEPTH + 1, 1000, 1030])
def test_both_decoders_skip_a_payload_nested_deeper_than_the_bound(depth: int) -> None:
    # An object holding arrays depth - 1 deep: depth levels in all. Past the
    # bound, neither decoder reads it, however deep each could go.
    data = '{"d":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"
    if depth > _json.MAX_JSON_DEPTH:
        assert _json.decode_object(data) is None
        assert _json.stdlib_decode_object(data) is None
    else:
        assert same_value(_json.decode_object(data), _json.stdlib_decode_object(data))
        assert _json.decode_object(data) is not None


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6), st.booleans())
def test_any_json_object_decodes_the_same(value: dict[str, Any], ascii_only: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only)
    assert same_value(_json.decode_object(data), _json.stdlib_decode_object(data))


def test_a_stream_gives_the_same_events_with_either_decoder() -> None:
    body = sse_body(
        {"id": "x", "choices": [{"index": 0, "delta": {"content": "a", "score": float("nan")}}]},
        {"choices": [{"index": 0, "delta": {"content": "b"}}], "seed": 2**70},
        {"choices": [], "usage": {"prompt_tokens": 2**65, "completion_tokens": 3}},
    )
    fast = chatsse.collect(chatsse.iter_events(body))
    slow = chatsse.collect(parse_source(StdlibParser(), body, DEFAULT_MAX_EVENT_BYTES))
    assert fast == slow
    assert fast.text == "ab"
    assert fast.usage is not None
    assert fast.usage.input_tokens == 2**65


def _corpus_files() -> list[Path]:
    return sorted((SHARED / "corpus").glob("*/*.sse"))


@pytest.mark.parametrize(
    "path", _corpus_files(), ids=lambda path: f"{path.parent.name}/{path.name}"
)
def test_corpus_streams_give_the_same_events_with_either_decoder(path: Path) -> None:
    body = path.read_bytes()
    fast_events, fast_error = drain(chatsse.iter_events(body))
    slow_events, slow_error = drain(parse_source(StdlibParser(), body, DEFAULT_MAX_EVENT_BYTES))
    # to_dict includes what equality leaves out (TokenUsage.raw, as decoded).
    assert [chatsse.to_dict(e) for e in fast_events] == [chatsse.to_dict(e) for e in slow_events]
    assert fast_events == slow_events
    assert repr(fast_error) == repr(slow_error)
    assert (fast_error is None) == (slow_error is None)


def test_the_whole_corpus_is_compared() -> None:
    assert len(_corpus_files()) == 79
