"""Decoding a chunk's JSON: orjson when it is installed (the ``fast`` extra), else ``json``.

Decoding is the largest cost of a stream after the SSE parsing itself, and
orjson decodes a typical chunk about twice as fast as the standard library.
It is optional: ``pip install chatsse[fast]`` installs it, and chatsse uses
it whenever it can be imported.

The answer never depends on which decoder runs. orjson rejects a few
documents that ``json`` accepts (``NaN`` and ``Infinity``, escaped lone UTF-16
surrogates): any payload orjson rejects is decoded again by ``json``, which
decides (P4). orjson also reads integers beyond 64 bits as floats, where
``json`` keeps them exact: payloads holding a run of 19 digits or more go to
``json`` directly. For everything else both give equal Python values (the
test suite checks it over the whole corpus and random documents).

Nesting is bounded (:data:`MAX_JSON_DEPTH`): a payload nested deeper is not
read, as if it were not JSON (P4). orjson reads up to 1,024 levels, and
``json`` as deep as the interpreter's recursion limit and the caller's stack
allow, so without a bound the answer would depend on both; and every step
after decoding that walks a value (turning tool-call arguments sent as JSON
back into text, the message of an error, the check of a repeat) recurses
too, where a value a thousand levels deep would run out of stack.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

try:
    import orjson
except ImportError:  # the fast extra is not installed
    orjson = None  # type: ignore[assignment]

logger = logging.getLogger("chatsse")

# The decoder's scanner (what JSONDecoder.raw_decode calls) skips json.loads'
# two regex scans for surrounding whitespace, which the parser has already
# stripped (P1): a third of the cost of a chunk. It raises StopIteration where
# no value starts, as raw_decode turns into "Expecting value".
_scan_once: Callable[[str, int], tuple[Any, int]]
_scan_once = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # set in __init__

#: Which decoder :func:`decode_object` uses: ``"orjson"`` or ``"json"``.
DECODER = "json" if orjson is None else "orjson"

#: The deepest nesting of a payload that is read, its top-level object
#: counting as the first level; a deeper one is skipped as not JSON (P4).
#: Chunks nest a handful of levels.
MAX_JSON_DEPTH = 256


def nested_too_deep(data: str, value: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value``, decoded from ``data``, nests deeper than ``limit`` levels."""
    # Each level opens a bracket: a payload with few of them is not too deep,
    # which two counts in C tell (a short one needs not even those).
    if len(data) <= 2 * limit or data.count("[") + data.count("{") <= limit:
        return False
    # A level at a time, without recursion: the containers one level further down.
    level = [value] if type(value) is dict or type(value) is list else []
    for _ in range(limit):
        level = [
            child
            for container in level
            for child in (container.values() if type(container) is dict else container)
            if type(child) is dict or type(child) is list
        ]
        if not level:
            return False
    return True


def stdlib_decode_object(data: str) -> dict[str, Any] | None:
    """``data`` (stripped) as a JSON object, or None (logged) if it is not one (P4)."""
    try:
        value, end = _scan_once(data, 0)
    except (ValueError, RecursionError, StopIteration):
        logger.debug("skipping SSE data that is not JSON: %.200r", data)
        return None
    if end != len(data):
        logger.debug("skipping SSE data that is not JSON (extra data): %.200r", data)
        return None
    return _object_or_none(data, value)


def _object_or_none(data: str, value: object) -> dict[str, Any] | None:
    """``value`` if it is an object nested no deeper than the bound, else None (logged)."""
    if type(value) is not dict:
        logger.debug("skipping SSE data that is not a JSON object: %.200r", data)
        return None
    if nested_too_deep(data, value):
        logger.debug("skipping SSE data nested over %d levels: %.200r", MAX_JSON_DEPTH, data)
        return None
    return value


# orjson reads an integer beyond 64 bits (19 digits and more) as a float, where
# json keeps it exact: a payload with a run of 19 digits is left to json. With
# every digit turned into "0", the run is a plain substring search.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGIT_RUN = b"0" * 19


def _orjson_decode_object(data: str) -> dict[str, Any] | None:
    """As :func:`stdlib_decode_object`, with orjson first."""
    try:
        raw = data.encode()
    except UnicodeEncodeError:  # lone surrogates, from a caller's str: orjson refuses them
        return stdlib_decode_object(data)
    if raw.translate(_DIGITS_AS_ZERO).find(_LONG_DIGIT_RUN) >= 0:  # find: faster than "in"
        return stdlib_decode_object(data)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return stdlib_decode_object(data)  # json may accept it: it decides
    return _object_or_none(data, value)


#: ``data`` (stripped) as a JSON object, or None if it is not one (P4).
decode_object: Callable[[str], dict[str, Any] | None] = (
    stdlib_decode_object if orjson is None else _orjson_decode_object
)
