"""The JSON form of events and items (SPEC §7, re-streaming).

``to_dict`` turns an event into a dict of JSON types only (dict, list, str,
int, float, bool, None) and ``from_dict`` is its exact inverse. The CLI's
``--json`` lines use it, and a web backend can re-stream the events to a
browser as SSE frames ``event: <type>\\ndata: <json>\\n\\n``: every ``type`` tag is
a valid SSE event name (letters, ``.`` and ``_``; no spaces, newlines or colons).

``from_dict`` reads what a peer sent, so it trusts nothing: exact keys, exact
JSON types, every problem reported as one ``ValueError`` naming where it is.
Both directions sit on a re-streaming hot path, so the common events are
handled by small functions picked from a table by exact type, with no
reflection over attrs fields.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn

from ._events import (
    Completed,
    FunctionCall,
    FunctionCallArgumentsDelta,
    Message,
    OutputItemAdded,
    OutputItemDone,
    OutputText,
    OutputTextDelta,
    Reasoning,
    ReasoningContentDelta,
    ReasoningText,
    Refusal,
    RefusalDelta,
    ResponseEvent,
    ResponseItem,
    TokenUsage,
)

# ---------------------------------------------------------------------------
# Events to dicts.
#
# The events are typed, but attrs does not check types at construction, so
# each field is checked here too (an exact ``type() is`` test costs tens of
# nanoseconds): whatever to_dict returns, from_dict accepts.
# ---------------------------------------------------------------------------


def json_text(data: Mapping[str, Any], separators: tuple[str, str] = (",", ":")) -> str:
    """``data`` (a :func:`to_dict`) as JSON text that any JSON parser takes.

    A provider may put ``NaN`` or an infinity in its usage object, which
    Python's ``json`` writes as ``NaN``/``Infinity``, not JSON (a browser's
    ``JSON.parse`` refuses them): they become ``null``. Non-ASCII text is
    written as is.
    """
    try:
        try:
            return json.dumps(data, ensure_ascii=False, separators=separators, allow_nan=False)
        except ValueError:
            return json.dumps(_finite(data), ensure_ascii=False, separators=separators)
    except RecursionError:
        # A usage object built by hand: the parser reads none this deep.
        raise ValueError("the event's raw usage nests too deep to write as JSON") from None


def _finite(value: Any) -> Any:
    """``value`` with every NaN and infinity replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def to_dict(event: ResponseEvent) -> dict[str, Any]:
    """The JSON form of an event: a new dict holding only JSON types.

    The first key is always ``"type"``, a valid SSE event name, so the dict
    can be sent as ``event: <type>`` / ``data: <json>``. The forms::

        {"type": "output_item.added", "item": ITEM}
        {"type": "output_item.done", "item": ITEM}
        {"type": "output_text.delta", "delta": str}
        {"type": "reasoning_content.delta", "delta": str, "content_index": int}
        {"type": "refusal.delta", "delta": str}
        {"type": "function_call_arguments.delta", "index": int,
         "call_id": str | None, "name": str | None, "delta": str}
        {"type": "completed", "response_id": str, "token_usage": USAGE | None,
         "finish_reason": str | None}

        ITEM is one of
        {"type": "message", "role": str, "id": str | None,
         "content": [{"type": "output_text", "text": str}
                     or {"type": "refusal", "refusal": str}, ...]}
        {"type": "reasoning", "id": str, "summary": [str, ...],
         "content": [{"type": "reasoning_text", "text": str}, ...],
         "encrypted_content": str | None}
        {"type": "function_call", "name": str, "arguments": str, "call_id": str,
         "id": str | None}

        USAGE is
        {"input_tokens": int, "cached_input_tokens": int, "output_tokens": int,
         "reasoning_output_tokens": int, "total_tokens": int,
         "raw": {...the provider's usage object, as it came...}}

    The items' tuples become lists. ``TokenUsage.raw`` is copied, so changing
    the result never changes the event; it must hold JSON types only (dicts,
    lists, scalars: what the parser decoded). ``json.dumps`` accepts the
    result as it is (unless a ``raw`` built by hand nests deeper than its
    recursion allows), and :func:`from_dict` turns it back into an equal
    event.

    Raises ``TypeError`` if ``event`` is not one of the seven event classes
    (a subclass is refused too: it would come back as its base class), or if
    one of its fields does not hold what its annotation says (attrs does not
    check types when an event is built by hand); ``ValueError`` for a
    negative ``index`` or ``content_index``.
    """
    encode = _EVENT_ENCODERS.get(type(event))
    if encode is None:
        raise TypeError(
            f"to_dict() needs a chatsse event ({', '.join(_EVENT_NAMES)}), "
            f"got {type(event).__name__}: {_safe_repr(event)}"
        )
    return encode(event)


def _text_delta_to_dict(event: OutputTextDelta) -> dict[str, Any]:
    delta = event.delta
    if type(delta) is not str:
        _bad_attribute(event, "delta", "a str")
    return {"type": "output_text.delta", "delta": delta}


def _reasoning_delta_to_dict(event: ReasoningContentDelta) -> dict[str, Any]:
    delta, content_index = event.delta, event.content_index
    if type(delta) is not str:
        _bad_attribute(event, "delta", "a str")
    if type(content_index) is not int:
        _bad_attribute(event, "content_index", "an int")
    if content_index < 0:
        raise ValueError(
            f"ReasoningContentDelta.content_index is negative: {_safe_repr(content_index)}"
        )
    return {"type": "reasoning_content.delta", "delta": delta, "content_index": content_index}


def _refusal_delta_to_dict(event: RefusalDelta) -> dict[str, Any]:
    delta = event.delta
    if type(delta) is not str:
        _bad_attribute(event, "delta", "a str")
    return {"type": "refusal.delta", "delta": delta}


def _arguments_delta_to_dict(event: FunctionCallArgumentsDelta) -> dict[str, Any]:
    index, call_id, name, delta = event.index, event.call_id, event.name, event.delta
    if type(index) is not int:
        _bad_attribute(event, "index", "an int")
    if index < 0:
        raise ValueError(f"FunctionCallArgumentsDelta.index is negative: {_safe_repr(index)}")
    if call_id is not None and type(call_id) is not str:
        _bad_attribute(event, "call_id", "a str or None")
    if name is not None and type(name) is not str:
        _bad_attribute(event, "name", "a str or None")
    if type(delta) is not str:
        _bad_attribute(event, "delta", "a str")
    return {
        "type": "function_call_arguments.delta",
        "index": index,
        "call_id": call_id,
        "name": name,
        "delta": delta,
    }


def _item_added_to_dict(event: OutputItemAdded) -> dict[str, Any]:
    return {"type": "output_item.added", "item": _item_to_dict(event.item)}


def _item_done_to_dict(event: OutputItemDone) -> dict[str, Any]:
    return {"type": "output_item.done", "item": _item_to_dict(event.item)}


def _completed_to_dict(event: Completed) -> dict[str, Any]:
    response_id, usage, finish_reason = event.response_id, event.token_usage, event.finish_reason
    if type(response_id) is not str:
        _bad_attribute(event, "response_id", "a str")
    if finish_reason is not None and type(finish_reason) is not str:
        _bad_attribute(event, "finish_reason", "a str or None")
    if usage is not None and type(usage) is not TokenUsage:
        _bad_attribute(event, "token_usage", "a TokenUsage or None")
    return {
        "type": "completed",
        "response_id": response_id,
        "token_usage": None if usage is None else _usage_to_dict(usage),
        "finish_reason": finish_reason,
    }


def _item_to_dict(item: ResponseItem) -> dict[str, Any]:
    """The JSON form of an item (``Message``, ``Reasoning`` or ``FunctionCall``)."""
    encode = _ITEM_ENCODERS.get(type(item))
    if encode is None:
        raise TypeError(
            "an item must be a Message, Reasoning or FunctionCall, "
            f"got {type(item).__name__}: {_safe_repr(item)}"
        )
    return encode(item)


def _message_to_dict(item: Message) -> dict[str, Any]:
    role, content, id_ = item.role, item.content, item.id
    if type(role) is not str:
        _bad_attribute(item, "role", "a str")
    if id_ is not None and type(id_) is not str:
        _bad_attribute(item, "id", "a str or None")
    if type(content) is not tuple:
        _bad_attribute(item, "content", "a tuple")
    parts: list[dict[str, Any]] = []
    for part in content:
        if type(part) is OutputText and type(part.text) is str:
            parts.append({"type": "output_text", "text": part.text})
        elif type(part) is Refusal and type(part.refusal) is str:
            parts.append({"type": "refusal", "refusal": part.refusal})
        else:
            _bad_attribute(item, "content", "a tuple of OutputText(str) and Refusal(str)")
    return {"type": "message", "role": role, "id": id_, "content": parts}


def _reasoning_to_dict(item: Reasoning) -> dict[str, Any]:
    id_, summary, content, encrypted = item.id, item.summary, item.content, item.encrypted_content
    if type(id_) is not str:
        _bad_attribute(item, "id", "a str")
    if type(summary) is not tuple or any(type(piece) is not str for piece in summary):
        _bad_attribute(item, "summary", "a tuple of str")
    if type(content) is not tuple or any(
        type(part) is not ReasoningText or type(part.text) is not str for part in content
    ):
        _bad_attribute(item, "content", "a tuple of ReasoningText(str)")
    if encrypted is not None and type(encrypted) is not str:
        _bad_attribute(item, "encrypted_content", "a str or None")
    return {
        "type": "reasoning",
        "id": id_,
        "summary": list(summary),
        "content": [{"type": "reasoning_text", "text": part.text} for part in content],
        "encrypted_content": encrypted,
    }


def _function_call_to_dict(item: FunctionCall) -> dict[str, Any]:
    name, arguments, call_id, id_ = item.name, item.arguments, item.call_id, item.id
    for attribute, value in (("name", name), ("arguments", arguments), ("call_id", call_id)):
        if type(value) is not str:
            _bad_attribute(item, attribute, "a str")
    if id_ is not None and type(id_) is not str:
        _bad_attribute(item, "id", "a str or None")
    return {
        "type": "function_call",
        "name": name,
        "arguments": arguments,
        "call_id": call_id,
        "id": id_,
    }


def _usage_to_dict(usage: TokenUsage) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in _USAGE_COUNTS:
        value = getattr(usage, field)
        if type(value) is not int:
            _bad_attribute(usage, field, "an int")
        out[field] = value
    if type(usage.raw) is not dict:
        _bad_attribute(usage, "raw", "a dict")
    out["raw"] = _copy_json(usage.raw, "TokenUsage.raw", TypeError)
    return out


def _bad_attribute(obj: object, attribute: str, expected: str) -> NoReturn:
    value = getattr(obj, attribute)
    raise TypeError(
        f"{type(obj).__name__}.{attribute} must be {expected} to be serialized, "
        f"got {type(value).__name__}: {_safe_repr(value)}"
    )


_EVENT_ENCODERS: dict[type, Callable[[Any], dict[str, Any]]] = {
    OutputTextDelta: _text_delta_to_dict,
    ReasoningContentDelta: _reasoning_delta_to_dict,
    RefusalDelta: _refusal_delta_to_dict,
    FunctionCallArgumentsDelta: _arguments_delta_to_dict,
    OutputItemAdded: _item_added_to_dict,
    OutputItemDone: _item_done_to_dict,
    Completed: _completed_to_dict,
}
_EVENT_NAMES = tuple(cls.__name__ for cls in _EVENT_ENCODERS)
_ITEM_ENCODERS: dict[type, Callable[[Any], dict[str, Any]]] = {
    Message: _message_to_dict,
    Reasoning: _reasoning_to_dict,
    FunctionCall: _function_call_to_dict,
}
_USAGE_COUNTS = (
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
)

# ---------------------------------------------------------------------------
# Dicts to events.
#
# Each decoder checks the number of keys, then reads each expected key: when
# both pass, the keys are exactly the expected ones. Only on failure is the
# work done to say which keys are missing or unexpected.
# ---------------------------------------------------------------------------


def from_dict(data: Mapping[str, Any]) -> ResponseEvent:
    """The event whose JSON form is ``data``: the exact inverse of :func:`to_dict`.

    ``from_dict(to_dict(event)) == event`` for every event, and
    ``to_dict(from_dict(data)) == data`` for every ``data`` it accepts, which
    is exactly what :func:`to_dict` produces, after ``json.loads`` or not.

    ``data`` may come from an untrusted peer (a backend re-streaming events),
    so it is checked strictly: the ``type`` must be known; every object
    (the event, its item, content parts, usage) must have exactly its keys,
    none missing and **no unknown extra key**; each value must have its
    exact JSON type (a string is a ``str``, an integer an ``int`` but not a
    ``bool`` or a ``float``, an array a ``list`` (not a tuple), an object any
    ``Mapping``); ``index`` and ``content_index`` must not be negative;
    ``token_usage.raw`` must be an object and may hold any JSON value, NaN
    and infinities included as Python's ``json`` reads them (it is copied,
    so the event shares nothing with ``data``). Arrays become tuples in the
    event.

    Raises ``ValueError`` for any invalid ``data``, with a message saying
    what is wrong and where (such as ``item.content[1].text``); ``TypeError``
    only if ``data`` itself is not a ``Mapping``.
    """
    if type(data) is not dict and not isinstance(data, Mapping):
        raise TypeError(f"from_dict() needs a Mapping, got {type(data).__name__}")
    try:
        tag = data["type"]
    except KeyError:
        raise _invalid("event", "missing field 'type'") from None
    if type(tag) is not str:
        _bad_value("event", "type", "a string", tag)
    decode = _EVENT_DECODERS.get(tag)
    if decode is None:
        raise _invalid(
            "event", f"unknown type {tag!r:.100} (expected one of {', '.join(_EVENT_DECODERS)})"
        )
    return decode(data)


def _text_delta_from_dict(data: Mapping[str, Any]) -> OutputTextDelta:
    return OutputTextDelta(delta=_lone_delta(data, "output_text.delta event"))


def _lone_delta(data: Mapping[str, Any], where: str) -> str:
    """The ``delta`` of an event whose only other key is ``type``."""
    if len(data) != 2 or "delta" not in data:
        _bad_keys(data, _KEYS_DELTA, where)
    delta = data["delta"]
    if type(delta) is not str:
        _bad_value(where, "delta", "a string", delta)
    return delta


def _reasoning_delta_from_dict(data: Mapping[str, Any]) -> ReasoningContentDelta:
    where = "reasoning_content.delta event"
    try:
        if len(data) != 3:
            raise KeyError
        delta, content_index = data["delta"], data["content_index"]
    except KeyError:
        _bad_keys(data, _KEYS_REASONING_DELTA, where)
    if type(delta) is not str:
        _bad_value(where, "delta", "a string", delta)
    if type(content_index) is not int or content_index < 0:
        _bad_value(where, "content_index", "an integer >= 0", content_index)
    return ReasoningContentDelta(delta=delta, content_index=content_index)


def _refusal_delta_from_dict(data: Mapping[str, Any]) -> RefusalDelta:
    return RefusalDelta(delta=_lone_delta(data, "refusal.delta event"))


def _arguments_delta_from_dict(data: Mapping[str, Any]) -> FunctionCallArgumentsDelta:
    where = "function_call_arguments.delta event"
    try:
        if len(data) != 5:
            raise KeyError
        index, call_id, name, delta = data["index"], data["call_id"], data["name"], data["delta"]
    except KeyError:
        _bad_keys(data, _KEYS_ARGUMENTS_DELTA, where)
    if type(index) is not int or index < 0:
        _bad_value(where, "index", "an integer >= 0", index)
    if call_id is not None and type(call_id) is not str:
        _bad_value(where, "call_id", "a string or null", call_id)
    if name is not None and type(name) is not str:
        _bad_value(where, "name", "a string or null", name)
    if type(delta) is not str:
        _bad_value(where, "delta", "a string", delta)
    return FunctionCallArgumentsDelta(index=index, call_id=call_id, name=name, delta=delta)


def _item_added_from_dict(data: Mapping[str, Any]) -> OutputItemAdded:
    if len(data) != 2 or "item" not in data:
        _bad_keys(data, _KEYS_ITEM_EVENT, "output_item.added event")
    return OutputItemAdded(item=_item_from_dict(data["item"], "output_item.added event", "item"))


def _item_done_from_dict(data: Mapping[str, Any]) -> OutputItemDone:
    if len(data) != 2 or "item" not in data:
        _bad_keys(data, _KEYS_ITEM_EVENT, "output_item.done event")
    return OutputItemDone(item=_item_from_dict(data["item"], "output_item.done event", "item"))


def _completed_from_dict(data: Mapping[str, Any]) -> Completed:
    where = "completed event"
    try:
        if len(data) != 4:
            raise KeyError
        response_id, usage, finish_reason = (
            data["response_id"],
            data["token_usage"],
            data["finish_reason"],
        )
    except KeyError:
        _bad_keys(data, _KEYS_COMPLETED, where)
    if type(response_id) is not str:
        _bad_value(where, "response_id", "a string", response_id)
    if finish_reason is not None and type(finish_reason) is not str:
        _bad_value(where, "finish_reason", "a string or null", finish_reason)
    return Completed(
        response_id=response_id,
        token_usage=None if usage is None else _usage_from_dict(usage, where, "token_usage"),
        finish_reason=finish_reason,
    )


def _item_from_dict(value: Any, where: str = "item", path: str = "") -> ResponseItem:
    """The item whose JSON form is ``value``; ``where`` and ``path`` name it in errors."""
    obj = _object(value, where, path)
    try:
        kind = obj["type"]
    except KeyError:
        raise _invalid(where, f"{_at(path)}missing field 'type'") from None
    if type(kind) is not str:
        _bad_value(where, _join(path, "type"), "a string", kind)
    decode = _ITEM_DECODERS.get(kind)
    if decode is None:
        raise _invalid(
            where,
            f"{_join(path, 'type')}: unknown item type {kind!r:.100} "
            f"(expected one of {', '.join(_ITEM_DECODERS)})",
        )
    return decode(obj, where, path)


def _message_from_dict(obj: Mapping[str, Any], where: str, path: str) -> Message:
    try:
        if len(obj) != 4:
            raise KeyError
        role, id_, content = obj["role"], obj["id"], obj["content"]
    except KeyError:
        _bad_keys(obj, _KEYS_MESSAGE, where, path)
    if type(role) is not str:
        _bad_value(where, _join(path, "role"), "a string", role)
    if id_ is not None and type(id_) is not str:
        _bad_value(where, _join(path, "id"), "a string or null", id_)
    content_path = _join(path, "content")
    parts: list[OutputText | Refusal] = []
    for index, part in enumerate(_array(content, where, content_path)):
        # A finished message can hold thousands of parts: take the usual
        # shape at once, and build error paths only for the others.
        if type(part) is dict and len(part) == 2:
            kind, text = part.get("type"), part.get("text")
            if kind == "output_text" and type(kind) is str and type(text) is str:
                parts.append(OutputText(text=text))
                continue
            refusal = part.get("refusal")
            if kind == "refusal" and type(kind) is str and type(refusal) is str:
                parts.append(Refusal(refusal=refusal))
                continue
        parts.append(_message_part(part, where, f"{content_path}[{index}]"))
    return Message(role=role, content=tuple(parts), id=id_)


def _message_part(value: Any, where: str, path: str) -> OutputText | Refusal:
    part = _object(value, where, path)
    kind = part.get("type")
    if kind == "output_text" and type(kind) is str:
        return OutputText(text=_only_string(part, "text", _KEYS_TEXT, where, path))
    if kind == "refusal" and type(kind) is str:
        return Refusal(refusal=_only_string(part, "refusal", _KEYS_REFUSAL, where, path))
    if "type" not in part:
        raise _invalid(where, f"{_at(path)}missing field 'type'")
    raise _invalid(where, f"{path}.type: expected 'output_text' or 'refusal', got {_shown(kind)}")


def _reasoning_from_dict(obj: Mapping[str, Any], where: str, path: str) -> Reasoning:
    try:
        if len(obj) != 5:
            raise KeyError
        id_, summary, content, encrypted = (
            obj["id"],
            obj["summary"],
            obj["content"],
            obj["encrypted_content"],
        )
    except KeyError:
        _bad_keys(obj, _KEYS_REASONING, where, path)
    if type(id_) is not str:
        _bad_value(where, _join(path, "id"), "a string", id_)
    summary_path = _join(path, "summary")
    for index, piece in enumerate(_array(summary, where, summary_path)):
        if type(piece) is not str:
            _bad_value(where, f"{summary_path}[{index}]", "a string", piece)
    content_path = _join(path, "content")
    parts: list[ReasoningText] = []
    for index, part in enumerate(_array(content, where, content_path)):
        if type(part) is dict and len(part) == 2:  # the usual shape, as for messages
            kind, text = part.get("type"), part.get("text")
            if kind == "reasoning_text" and type(kind) is str and type(text) is str:
                parts.append(ReasoningText(text=text))
                continue
        parts.append(_reasoning_part(part, where, f"{content_path}[{index}]"))
    if encrypted is not None and type(encrypted) is not str:
        _bad_value(where, _join(path, "encrypted_content"), "a string or null", encrypted)
    return Reasoning(
        id=id_, summary=tuple(summary), content=tuple(parts), encrypted_content=encrypted
    )


def _reasoning_part(value: Any, where: str, path: str) -> ReasoningText:
    part = _object(value, where, path)
    kind = part.get("type")
    if kind == "reasoning_text" and type(kind) is str:
        return ReasoningText(text=_only_string(part, "text", _KEYS_TEXT, where, path))
    if "type" not in part:
        raise _invalid(where, f"{_at(path)}missing field 'type'")
    raise _invalid(where, f"{path}.type: expected 'reasoning_text', got {_shown(kind)}")


def _function_call_from_dict(obj: Mapping[str, Any], where: str, path: str) -> FunctionCall:
    try:
        if len(obj) != 5:
            raise KeyError
        name, arguments, call_id, id_ = obj["name"], obj["arguments"], obj["call_id"], obj["id"]
    except KeyError:
        _bad_keys(obj, _KEYS_FUNCTION_CALL, where, path)
    for key, value in (("name", name), ("arguments", arguments), ("call_id", call_id)):
        if type(value) is not str:
            _bad_value(where, _join(path, key), "a string", value)
    if id_ is not None and type(id_) is not str:
        _bad_value(where, _join(path, "id"), "a string or null", id_)
    return FunctionCall(name=name, arguments=arguments, call_id=call_id, id=id_)


def _usage_from_dict(value: Any, where: str, path: str) -> TokenUsage:
    obj = _object(value, where, path)
    if len(obj) != 6 or any(key not in obj for key in _KEYS_USAGE):
        _bad_keys(obj, _KEYS_USAGE, where, path)
    counts: dict[str, int] = {}
    for key in _USAGE_COUNTS:
        count = obj[key]
        if type(count) is not int:
            _bad_value(where, _join(path, key), "an integer", count)
        counts[key] = count
    raw_path = _join(path, "raw")
    raw = _object(obj["raw"], where, raw_path)
    return TokenUsage(**counts, raw=_copy_json(raw, f"invalid {where}: {raw_path}", ValueError))


def _only_string(
    obj: Mapping[str, Any], key: str, keys: tuple[str, ...], where: str, path: str
) -> str:
    # A content part: {"type": ..., key: <string>} and nothing else.
    if len(obj) != 2 or key not in obj:
        _bad_keys(obj, keys, where, path)
    value = obj[key]
    if type(value) is not str:
        _bad_value(where, _join(path, key), "a string", value)
    return value


_EVENT_DECODERS: dict[str, Callable[[Mapping[str, Any]], ResponseEvent]] = {
    "output_item.added": _item_added_from_dict,
    "output_item.done": _item_done_from_dict,
    "output_text.delta": _text_delta_from_dict,
    "reasoning_content.delta": _reasoning_delta_from_dict,
    "refusal.delta": _refusal_delta_from_dict,
    "function_call_arguments.delta": _arguments_delta_from_dict,
    "completed": _completed_from_dict,
}
_ITEM_DECODERS: dict[str, Callable[[Mapping[str, Any], str, str], ResponseItem]] = {
    "message": _message_from_dict,
    "reasoning": _reasoning_from_dict,
    "function_call": _function_call_from_dict,
}
#: Every ``type`` tag an event dict can carry (all valid SSE event names).
EVENT_TYPES: tuple[str, ...] = tuple(_EVENT_DECODERS)

_KEYS_DELTA = ("type", "delta")
_KEYS_REASONING_DELTA = ("type", "delta", "content_index")
_KEYS_ARGUMENTS_DELTA = ("type", "index", "call_id", "name", "delta")
_KEYS_ITEM_EVENT = ("type", "item")
_KEYS_COMPLETED = ("type", "response_id", "token_usage", "finish_reason")
_KEYS_MESSAGE = ("type", "role", "id", "content")
_KEYS_REASONING = ("type", "id", "summary", "content", "encrypted_content")
_KEYS_FUNCTION_CALL = ("type", "name", "arguments", "call_id", "id")
_KEYS_TEXT = ("type", "text")
_KEYS_REFUSAL = ("type", "refusal")
_KEYS_USAGE = (*_USAGE_COUNTS, "raw")

# -- error reporting (only ever on the failure path) -------------------------


def _invalid(where: str, problem: str) -> ValueError:
    return ValueError(f"invalid {where}: {problem}")


def _at(path: str) -> str:
    return f"{path}: " if path else ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _bad_value(where: str, path: str, expected: str, value: Any) -> NoReturn:
    raise _invalid(where, f"{path}: expected {expected}, got {_shown(value)}")


def _bad_keys(
    obj: Mapping[Any, Any], keys: tuple[str, ...], where: str, path: str = ""
) -> NoReturn:
    missing = [key for key in keys if key not in obj]
    extra = [key for key in obj if key not in keys]
    problems = []
    if missing:
        problems.append(f"missing field{'s' if len(missing) > 1 else ''} {_listed(missing)}")
    if extra:
        # The peer chose these names and how many there are: show a bounded sample.
        shown = ", ".join(_safe_repr(key, 50) for key in extra[:5])
        more = f" and {len(extra) - 5} more" if len(extra) > 5 else ""
        problems.append(f"unexpected field{'s' if len(extra) > 1 else ''} {shown}{more}")
    if not problems:  # a Mapping whose len() disagrees with its keys
        problems.append(f"expected exactly the fields {_listed(list(keys))}")
    raise _invalid(where, _at(path) + "; ".join(problems))


def _listed(keys: list[str]) -> str:
    return ", ".join(repr(key) for key in keys)


def _object(value: Any, where: str, path: str) -> Mapping[str, Any]:
    if type(value) is dict or isinstance(value, Mapping):
        return value
    _bad_value(where, path, "an object", value)


def _array(value: Any, where: str, path: str) -> list[Any]:
    if type(value) is list:
        return value
    _bad_value(where, path, "an array", value)


def _json_type(value: Any) -> str:
    name = _JSON_TYPE_NAMES.get(type(value))
    if name is not None:
        return name
    if isinstance(value, Mapping):
        return "an object"
    return f"a Python {type(value).__name__}"


def _shown(value: Any) -> str:
    kind = _json_type(value)
    if type(value) in (str, int, float):
        return f"{kind} {_safe_repr(value, 60)}"
    return kind


def _safe_repr(value: Any, limit: int = 100) -> str:
    # A peer's integer can be too long for repr() (Python refuses more than
    # 4300 digits), and a hand-built object's repr can fail: never let the
    # error message raise instead of the error.
    if type(value) is int and value.bit_length() > 256:
        return f"<{value.bit_length()}-bit integer>"
    try:
        text = repr(value)
    except Exception:
        return f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


_JSON_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
    list: "an array",
    dict: "an object",
}

# -- copying TokenUsage.raw --------------------------------------------------

_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _copy_json(value: Any, where: str, error: type[Exception]) -> Any:
    """A copy of ``value`` made of dicts, lists and JSON scalars only.

    ``error`` (TypeError from to_dict, ValueError from from_dict) if it holds
    anything else: a non-string key, a tuple, a set, another object, a cycle.
    Iterative, so any depth the JSON decoder produced is copied without
    touching the recursion limit. Floats pass as they are, NaN and infinities
    included: Python's json module reads and writes them, and the parser kept
    whatever the provider sent.
    """
    if type(value) in _JSON_SCALARS:
        return value
    root = _new_container(value)
    if root is None:
        raise error(f"{where}: expected a JSON value, got {_json_type(value)}")
    # Each frame: the source's (key, child) pairs still to copy, the copy being
    # filled, the source's id, and the key under which the source sits.
    stack: list[tuple[Iterator[tuple[Any, Any]], Any, int, Any]] = [
        (_children(value), root, id(value), None)
    ]
    on_path = {id(value)}  # containers being copied: meeting one again is a cycle
    copied: dict[int, Any] = {}  # finished containers, so shared ones stay shared
    while stack:
        children, target, ident, _ = stack[-1]
        for key, child in children:
            if type(child) in _JSON_SCALARS:
                copy = child
            elif id(child) in copied:
                copy = copied[id(child)]
            else:
                copy = _new_container(child)
                if copy is None or id(child) in on_path:
                    problem = "a cycle" if copy is not None else _json_type(child)
                    raise error(
                        f"{_path_of(where, stack, key)}: expected a JSON value, got {problem}"
                    )
            if type(target) is list:
                target.append(copy)
            elif type(key) is str:
                target[key] = copy
            else:
                raise error(
                    f"{_path_of(where, stack, None)}: object keys must be strings, got "
                    f"{type(key).__name__} {_safe_repr(key, 60)}"
                )
            if copy is not child and id(child) not in copied:
                stack.append((_children(child), copy, id(child), key))
                on_path.add(id(child))
                break
        else:
            stack.pop()
            on_path.discard(ident)
            copied[ident] = target
    return root


def _new_container(value: Any) -> dict[str, Any] | list[Any] | None:
    if type(value) is list:
        return []
    if type(value) is dict or isinstance(value, Mapping):
        return {}
    return None


def _children(value: Any) -> Iterator[tuple[Any, Any]]:
    if type(value) is list:
        return enumerate(value)
    return iter(value.items())


def _path_of(where: str, stack: list[tuple[Any, Any, int, Any]], key: Any) -> str:
    keys = [frame[3] for frame in stack[1:]]
    if key is not None:
        keys.append(key)
    return where + "".join(f"[{key}]" if type(key) is int else f".{str(key)[:50]}" for key in keys)
