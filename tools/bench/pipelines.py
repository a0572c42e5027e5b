"""The pipelines compared: the floor F0, chatsse with each decoder, the openai SDK.

Each pipeline takes the body as a list of byte chunks and returns how many
things it produced (payloads, events), so that a run is never optimised away
and its output can be checked. :func:`check` verifies, before any timing,
that every pipeline reads a transcript correctly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from transcripts import Transcript

import chatsse
import chatsse._json
from chatsse._api import parse_source

Pipeline = Callable[[Sequence[bytes]], int]

F0 = "F0 split + json.loads"
CHATSSE_JSON = "chatsse (json)"
CHATSSE_ORJSON = "chatsse (orjson)"
CHATSSE_EVERY = "chatsse (json), every chunk decoded"
OPENAI_SDK = "openai SDK"


class StdlibParser(chatsse.ChatStreamParser):
    """The parser decoding chunks with the standard library's json, whatever is installed."""

    _decode_object = staticmethod(chatsse._json.stdlib_decode_object)


class EveryChunkDecodedParser(StdlibParser):
    """StdlibParser decoding every chunk in full: repeats are not read from their text.

    What a stream whose chunks never repeat (a counter in each, say) costs.
    """

    _follow_repeats = False


def f0(chunks: Sequence[bytes]) -> int:
    """Split on blank lines, json.loads each payload: the least any SSE + JSON pipeline does."""
    buffer, count = b"", 0
    for chunk in chunks:
        buffer += chunk
        *complete, buffer = buffer.split(b"\n\n")
        for event in complete:
            payload = event[6:]
            if payload != b"[DONE]":
                json.loads(payload)
                count += 1
    return count


def chatsse_json(chunks: Sequence[bytes]) -> int:
    """iter_events, exactly, with the standard library's json."""
    count = 0
    for _ in parse_source(StdlibParser(), chunks, chatsse.DEFAULT_MAX_EVENT_BYTES):
        count += 1
    return count


def chatsse_every_chunk(chunks: Sequence[bytes]) -> int:
    """iter_events with json, every chunk decoded in full."""
    count = 0
    for _ in parse_source(EveryChunkDecodedParser(), chunks, chatsse.DEFAULT_MAX_EVENT_BYTES):
        count += 1
    return count


def chatsse_installed(chunks: Sequence[bytes]) -> int:
    """Plain iter_events: orjson when it can be imported."""
    count = 0
    for _ in chatsse.iter_events(chunks):
        count += 1
    return count


def sdk_available() -> bool:
    try:
        import openai  # noqa: F401
    except ImportError:
        return False
    return True


def _sdk_state(chunks: Sequence[bytes]) -> tuple[object, int]:
    """What ``client.chat.completions.stream()`` runs: SSEDecoder, chunk models, stream state."""
    from openai._models import construct_type
    from openai._streaming import SSEDecoder
    from openai.lib.streaming.chat import ChatCompletionStreamState
    from openai.types.chat import ChatCompletionChunk

    state: ChatCompletionStreamState[None] = ChatCompletionStreamState()
    count = 0
    for sse in SSEDecoder().iter_bytes(iter(chunks)):
        if sse.data.startswith("[DONE]"):
            break
        chunk = construct_type(type_=ChatCompletionChunk, value=sse.json())
        count += len(state.handle_chunk(chunk))  # type: ignore[arg-type]
    return state, count


def openai_sdk(chunks: Sequence[bytes]) -> int:
    return _sdk_state(chunks)[1]


#: Every pipeline, in table order.
PIPELINES: dict[str, Pipeline] = {
    F0: f0,
    CHATSSE_JSON: chatsse_json,
    CHATSSE_ORJSON: chatsse_installed,
    CHATSSE_EVERY: chatsse_every_chunk,
    OPENAI_SDK: openai_sdk,
}


def available(with_orjson: bool, with_sdk: bool) -> list[str]:
    """The names of the pipelines that can run here, in table order."""
    missing = {CHATSSE_ORJSON: not with_orjson, OPENAI_SDK: not with_sdk}
    return [name for name in PIPELINES if not missing.get(name, False)]


def _check_result(name: str, result: chatsse.ChatResult, transcript: Transcript) -> None:
    calls = [(call.call_id, call.name, call.arguments) for call in result.tool_calls]
    expected = [(call.call_id, call.name, call.arguments) for call in transcript.tool_calls]
    problems = [
        what
        for what, ok in (
            ("text", result.text == transcript.text),
            ("reasoning", result.reasoning == transcript.reasoning),
            ("tool calls", calls == expected),
            ("finish reason", result.finish_reason == transcript.finish_reason),
            ("usage", result.usage is not None),
        )
        if not ok
    ]
    if problems:
        raise AssertionError(f"{name} misread {transcript.name}: {', '.join(problems)}")


def count_decodes(
    parser_class: type[chatsse.ChatStreamParser], chunks: Sequence[bytes]
) -> tuple[chatsse.ChatResult, int]:
    """collect() through a subclass of ``parser_class`` counting the payloads it decodes in full."""
    decoded = 0
    decode = parser_class._decode_object

    def counting(data: str) -> dict[str, Any] | None:
        nonlocal decoded
        decoded += 1
        return decode(data)

    class CountingParser(parser_class):  # type: ignore[valid-type, misc]
        _decode_object = staticmethod(counting)

    events = parse_source(CountingParser(), chunks, chatsse.DEFAULT_MAX_EVENT_BYTES)
    return chatsse.collect(events), decoded


def check(transcript: Transcript, chunks: Sequence[bytes], names: Sequence[str]) -> int:
    """Raise AssertionError unless every named pipeline reads ``transcript`` right.

    Returns how many payloads chatsse decoded in full (the others repeated the
    chunk before them but for their text, and were read from it).
    """
    payloads = f0(chunks)
    if payloads != transcript.sse_events - 1:
        raise AssertionError(f"F0 decoded {payloads} payloads of {transcript.name}")
    result, decoded = count_decodes(StdlibParser, chunks)
    if CHATSSE_JSON in names:
        _check_result(CHATSSE_JSON, result, transcript)
    if CHATSSE_EVERY in names:
        every, every_decoded = count_decodes(EveryChunkDecodedParser, chunks)
        _check_result(CHATSSE_EVERY, every, transcript)
        if every_decoded != payloads:
            raise AssertionError(
                f"{CHATSSE_EVERY} decoded {every_decoded} payloads of {payloads}: "
                "it would not measure decoding every chunk"
            )
    if CHATSSE_ORJSON in names:
        _check_result(CHATSSE_ORJSON, chatsse.collect(chatsse.iter_events(chunks)), transcript)
    if OPENAI_SDK in names:
        state, _ = _sdk_state(chunks)
        completion = state.get_final_completion()  # type: ignore[attr-defined]
        message = completion.choices[0].message
        calls = [
            (call.id, call.function.name, call.function.arguments)
            for call in message.tool_calls or ()
        ]
        expected = [(call.call_id, call.name, call.arguments) for call in transcript.tool_calls]
        reasoning = (message.model_extra or {}).get("reasoning_content") or ""
        if (message.content or "", reasoning, calls) != (
            transcript.text,
            transcript.reasoning,
            expected,
        ):
            raise AssertionError(f"the openai SDK misread {transcript.name}")
    return decoded
