"""ChatStreamParser: the pure state machine of a Chat Completions stream.

Theory of operation
-------------------
The parser is fed one parsed SSE event at a time (its ``data``, and its
``event`` type) and returns the :mod:`events <chatsse._events>` that event
causes. It does no I/O, reads no clock and starts no thread: the caller owns
the bytes, the sockets and the timeouts. Its whole state is the attributes set
in ``__init__``:

* ``_state`` - STREAMING until the stream ends (``[DONE]`` or :meth:`end`) or
  an error is raised; after that the parser is finished and refuses input.
* ``_response_id``, ``_usage``, ``_finish_reason`` - what ``Completed`` will report.
* ``_reasoning`` / ``_message`` - the open reasoning and message items (None
  when closed), built up piece by piece.
* ``_tool_calls`` - the tool calls still receiving fragments.

Each chunk is read in a fixed order (SPEC §3): errors (P5), metadata (P6),
then for the followed choice (P7) its reasoning, text, refusal and tool calls,
then its ``finish_reason`` (P9), which closes items. ``Completed`` is emitted
only when the stream ends (P10), so that a usage chunk sent after the finish
reason is included.

The behaviour is that of the reference implementation (SPEC.md's "seed"),
with the departures SPEC.md lists; comments cite the rule that decides.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ._errors import APIError, ChatSSEError, ContextWindowExceededError, ParserStateError
from ._events import (
    Completed,
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
from ._json import decode_object, nested_too_deep
from ._repeats import Reader, Repeats
from ._tool_calls import PendingCall, ToolCallAccumulator

logger = logging.getLogger("chatsse")

# P1: what the seed strips (Rust's trim(): Unicode White_Space). Python's
# strip() also takes U+001C to U+001F, which are not whitespace.
_WHITESPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    map(chr, range(0x2000, 0x200B))
)

# Finish reasons after which the message stays open (P9): the model handed
# over to tools and may still be talking.
_TOOL_FINISH_REASONS = frozenset(("tool_calls", "function_call"))

# How many distinct text pieces a parser shares (see _shared): tokens,
# mostly; a bound, so that a stream of unique pieces costs no more than that.
_SHARED_PIECES = 4096


_Shared = TypeVar("_Shared")


def _shared(pieces: dict[str, _Shared], text: str, make: Callable[[str], _Shared]) -> _Shared:
    """``make(text)``, made once per distinct text of a stream.

    Items and events are frozen, so equal ones can be one object: a long answer
    costs a list slot per delta, not an object per delta (tokens repeat).
    """
    shared = pieces.get(text)
    if shared is None:
        shared = make(text)
        if len(pieces) < _SHARED_PIECES:
            pieces[text] = shared
    return shared


def _text_pair(text: str) -> tuple[OutputText, OutputTextDelta]:
    # A text piece: the message's part and the delta event announcing it.
    return OutputText(text), OutputTextDelta(text)


class _State(enum.Enum):
    STREAMING = "streaming"
    DONE = "done"
    ERROR = "error"


_STREAMING = _State.STREAMING  # a global: read once per chunk


class _OpenReasoning:
    """The reasoning item while it receives pieces."""

    __slots__ = ("content", "encrypted", "summary")

    def __init__(self) -> None:
        self.content: list[ReasoningText] = []
        self.summary: list[str] = []
        self.encrypted: list[str] = []

    def to_item(self) -> Reasoning:
        return Reasoning(
            summary=tuple(self.summary),
            content=tuple(self.content),
            encrypted_content="".join(self.encrypted) if self.encrypted else None,
        )


class ChatStreamParser:
    """Turns the SSE events of one Chat Completions stream into typed events.

    Options:

    * ``choice`` - the choice index to follow when the request asked for
      ``n > 1`` (P7); run one parser per choice to follow several.
    * ``drop_tool_calls_on_stop`` - do not deliver the tool calls pending at
      ``finish_reason: "stop"``, and drop those still pending at the end
      (logged at WARNING), as the reference implementation did. By default
      they are delivered (P9).
    * ``raise_on_length`` - ``finish_reason: "length"`` raises
      :class:`ContextWindowExceededError` (default); with ``False`` it ends the
      answer normally, with ``Completed.finish_reason == "length"``.
    * ``tool_call_deltas`` - also emit :class:`FunctionCallArgumentsDelta` for
      every piece of tool-call arguments, for UIs that show calls being written.

    One parser serves one stream; it is not thread-safe, and needs not be:
    use one per stream.
    """

    # The chunk decoder (orjson when installed, see chatsse._json): a class
    # attribute, so that tests can run the standard library's in a subclass.
    _decode_object = staticmethod(decode_object)
    # Whether chunks that repeat the previous one but for their text are read
    # without decoding them (see chatsse._repeats); tests turn it off to
    # compare.
    _follow_repeats = True

    def __init__(
        self,
        *,
        choice: int = 0,
        drop_tool_calls_on_stop: bool = False,
        raise_on_length: bool = True,
        tool_call_deltas: bool = False,
    ) -> None:
        if type(choice) is not int:
            raise TypeError(f"choice must be an int, got {choice!r}")
        if choice < 0:
            raise ValueError(f"choice must be >= 0, got {choice}")
        self._choice = choice
        self._drop_tool_calls_on_stop = drop_tool_calls_on_stop
        self._raise_on_length = raise_on_length
        self._tool_call_deltas = tool_call_deltas

        self._state = _State.STREAMING
        self._response_id = ""
        self._usage: dict[str, Any] | None = None
        self._finish_reason: str | None = None
        self._reasoning: _OpenReasoning | None = None
        self._message: list[OutputText | Refusal] | None = None
        self._tool_calls = ToolCallAccumulator()
        # One OutputText (with its delta) / ReasoningText per distinct piece (see _shared).
        self._text_pieces: dict[str, tuple[OutputText, OutputTextDelta]] = {}
        self._reasoning_pieces: dict[str, ReasoningText] = {}
        self._repeats = (
            Repeats(choice, self._decode_object, _reader_for) if self._follow_repeats else None
        )

    # -- public interface -------------------------------------------------

    @property
    def finished(self) -> bool:
        """True once the stream ended (``[DONE]``, :meth:`end`) or an error was raised."""
        return self._state is not _STREAMING

    @property
    def finish_reason(self) -> str | None:
        """The last finish reason seen so far, or ``None``: what ``Completed`` will report."""
        return self._finish_reason

    def feed(self, sse: Any) -> list[ResponseEvent]:
        """Consume one SSE event and return the events it causes.

        ``sse`` is the event's data as a ``str``, or an object with ``.data``
        and ``.event`` (sseclient-py's ``Event``).

        Raises :class:`APIError` (an error payload, P3/P5),
        :class:`ContextWindowExceededError` (``finish_reason: "length"``, P9),
        :class:`ParserStateError` (the parser already finished). An error
        carries ``events`` (produced by this call before it) and
        ``partial_items``; after it the parser is finished (P13).
        """
        out: list[ResponseEvent] = []
        self._feed(sse, out)
        return out

    def _feed_all(self, batch: Iterable[Any], out: list[ResponseEvent]) -> None:
        # feed() for each SSE event of a batch, appending to out (the pipeline's
        # way: no list per SSE event). Stops at the end of the stream: what
        # follows [DONE] is not read (P2). If an event raises, out keeps what
        # the events before it caused; the error's events are its own.
        if self._state is not _STREAMING:
            raise ParserStateError("feed() called on a finished parser; use one parser per stream")
        repeats = self._repeats
        for sse in batch:
            # Most events repeat the chunk before them but for their text: tried
            # first, before _feed's other checks. A repeat is never [DONE], an
            # error event, or data with whitespace around it (P1), which would
            # not match.
            if repeats is None or type(sse) is not str:
                self._feed(sse, out)
            else:
                start = len(out)
                try:
                    if repeats.read(self, sse, out):
                        continue  # (reading a repeat never ends the stream)
                except ChatSSEError as error:
                    self._fail(error, out, start)
                    raise
                self._feed(sse, out, try_repeat=False)
            if self._state is not _STREAMING:
                return

    def _feed(self, sse: Any, out: list[ResponseEvent], *, try_repeat: bool = True) -> None:
        # feed(), appending the events to out; try_repeat=False when the
        # caller has already tried the event as a repeat.
        if self._state is not _STREAMING:
            raise ParserStateError("feed() called on a finished parser; use one parser per stream")
        event_type: object
        if type(sse) is str:
            data, event_type = sse, "message"
        elif isinstance(sse, str):
            data, event_type = str.__str__(sse), "message"  # (a str subclass: its text as is)
        else:
            raw_data = getattr(sse, "data", None)
            if not isinstance(raw_data, str):
                raise TypeError(
                    f"feed() takes a str or an SSE event with str .data, got {sse!r:.100}"
                )
            data, event_type = raw_data, getattr(sse, "event", "message")

        stripped = data.strip()  # P1
        if stripped is not data:  # (unchanged, it is the same object: the common case)
            stripped = data.strip(_WHITESPACE)  # the seed's whitespace, not Python's
        data = stripped
        if len(data) <= 6:  # compared only when short: hashing a whole chunk costs
            if not data:
                return
            if data in ("[DONE]", "DONE"):  # P2; "DONE" from old test stubs (seed)
                out += self._complete()
                return

        start = len(out)
        try:
            if event_type == "error":  # P3 (Groq)
                raise _api_error_from_text(data)
            repeats = self._repeats
            if try_repeat and repeats is not None and repeats.read(self, data, out):
                return  # a chunk read before, with another piece of text (see _repeats)
            chunk = self._decode_object(data)  # P4: None if not a JSON object
            if chunk is not None:
                self._read_chunk(chunk, out)
                if repeats is not None:
                    repeats.learn(data, chunk)
        except ChatSSEError as error:
            self._fail(error, out, start)
            raise

    def _fail(self, error: ChatSSEError, out: list[ResponseEvent], start: int) -> None:
        # P13: an error ends the stream, and carries the events its chunk
        # produced (out[start:], taken out of out) and the items still open.
        self._state = _State.ERROR
        error.events = tuple(out[start:])
        del out[start:]
        error.partial_items = tuple(self.partial_items())

    def end(self) -> list[ResponseEvent]:
        """The input ended without ``[DONE]``: close what is open and complete (P12).

        ``Completed.finish_reason`` is ``None`` if no finish reason was seen,
        so a truncated answer can be told from a finished one.
        Raises :class:`ParserStateError` if the parser already finished.
        """
        if self._state is not _STREAMING:
            raise ParserStateError("end() called on a finished parser")
        return self._complete()

    def partial_items(self) -> list[ResponseItem]:
        """The items open right now: reasoning, message, then pending tool calls (P13)."""
        items: list[ResponseItem] = []
        if self._reasoning is not None:
            items.append(self._reasoning.to_item())
        if self._message is not None:
            items.append(Message(content=tuple(self._message)))
        items.extend(self._tool_calls.partial_items())
        return items

    # -- one chunk ----------------------------------------------------------

    def _read_chunk(self, chunk: dict[str, Any], out: list[ResponseEvent]) -> None:
        if "error" in chunk or chunk.get("object") == "error":
            _raise_on_error_payload(chunk)  # P5

        # P6: metadata may ride on any chunk, including ones without choices.
        if not self._response_id:
            response_id = chunk.get("id")
            if isinstance(response_id, str) and response_id:  # Azure's first chunk has ""
                self._response_id = response_id
        if chunk.get("usage") is not None or "x_groq" in chunk:
            self._read_usage(chunk)

        choices = chunk.get("choices")
        if type(choices) is not list:
            return
        for choice in choices:
            if type(choice) is not dict:
                continue
            index = choice.get("index")
            if type(index) is int and index != self._choice:
                continue  # P7: another choice of an n > 1 request
            self._read_choice(choice, out)

    def _read_usage(self, chunk: dict[str, Any]) -> None:
        usage = chunk.get("usage")
        if not isinstance(usage, dict):
            x_groq = chunk.get("x_groq")
            usage = x_groq.get("usage") if isinstance(x_groq, dict) else None
        if isinstance(usage, dict):
            self._usage = usage  # the last one wins: providers repeat totals, never parts

    def _read_choice(self, choice: dict[str, Any], out: list[ResponseEvent]) -> None:
        delta = choice.get("delta")
        if type(delta) is dict:
            size = len(delta)
            if "content" in delta and (size == 1 or (size == 2 and "reasoning_content" in delta)):
                # The hot path: {"content": ...}, or with "reasoning_content"
                # beside it (DeepSeek, vLLM), one of the two usually null.
                # Nothing else to read; P7's order: reasoning, then content.
                if size == 2:
                    reasoning = delta["reasoning_content"]
                    if type(reasoning) is str:
                        self._add_reasoning_text(reasoning, out)
                content = delta["content"]
                if type(content) is str:
                    self._add_text(content, out)
                elif type(content) is list:
                    self._read_content_parts(content, out)
            elif size == 1 and type(delta.get("tool_calls")) is list:
                # The tool-call path: {"tool_calls": [...]} and nothing else.
                for fragment in delta["tool_calls"]:
                    self._add_tool_call_fragment(fragment, out)
            else:
                self._read_delta(delta, out)

        if "message" in choice:
            message = choice["message"]
            if isinstance(message, dict):
                self._add_reasoning_value(message.get("reasoning"), out)  # as the seed

        # P5, read after the delta so that text arriving with the error is in
        # the error's events rather than lost.
        if "error" in choice and choice["error"] is not None:
            raise _api_error_from_object(choice["error"])

        finish_reason = choice.get("finish_reason")
        if isinstance(finish_reason, str) and finish_reason:  # P9: "" counts as null
            self._finish(finish_reason, choice, out)

    def _read_delta(self, delta: dict[str, Any], out: list[ResponseEvent]) -> None:
        # P7, in its order: reasoning, content, refusal, tool calls.
        if "reasoning_content" in delta or "reasoning" in delta or "reasoning_details" in delta:
            self._read_reasoning(delta, out)
        content = delta.get("content")
        if type(content) is str:
            self._add_text(content, out)
        elif type(content) is list:
            self._read_content_parts(content, out)
        refusal = delta.get("refusal")
        if isinstance(refusal, str):
            self._add_refusal(refusal, out)
        tool_calls = delta.get("tool_calls")
        if isinstance(tool_calls, list):
            for fragment in tool_calls:
                self._add_tool_call_fragment(fragment, out)
        function_call = delta.get("function_call")
        if isinstance(function_call, dict):
            # The legacy functions API: one call, no id, no index.
            self._add_tool_call_fragment({"index": 0, "function": function_call}, out)

    def _read_reasoning(self, delta: dict[str, Any], out: list[ResponseEvent]) -> None:
        # P7 step 1. OpenRouter sends reasoning_details *and* reasoning with the
        # same text: the structured form wins and the plain one is ignored.
        details = delta.get("reasoning_details")
        if isinstance(details, list) and details:
            for detail in details:
                if isinstance(detail, dict):
                    self._add_reasoning_detail(detail, out)
            return
        reasoning_content = delta.get("reasoning_content")  # DeepSeek, vLLM, llama.cpp
        if isinstance(reasoning_content, str) and reasoning_content:
            self._add_reasoning_text(reasoning_content, out)
            return
        self._add_reasoning_value(delta.get("reasoning"), out)  # Groq, OpenRouter, Ollama

    def _add_reasoning_detail(self, detail: dict[str, Any], out: list[ResponseEvent]) -> None:
        kind = detail.get("type")
        if kind == "reasoning.text":
            text = detail.get("text")
            if isinstance(text, str):
                self._add_reasoning_text(text, out)
        elif kind == "reasoning.summary":
            summary = detail.get("summary")
            if isinstance(summary, str) and summary:
                self._open_reasoning(out).summary.append(summary)
        elif kind == "reasoning.encrypted":
            data = detail.get("data")
            if isinstance(data, str) and data:
                self._open_reasoning(out).encrypted.append(data)

    def _add_reasoning_value(self, value: Any, out: list[ResponseEvent]) -> None:
        # The seed's three shapes: a string, {"text": ...}, {"content": ...}.
        if isinstance(value, dict):
            text = value.get("text")
            value = text if isinstance(text, str) else value.get("content")
        if isinstance(value, str):
            self._add_reasoning_text(value, out)

    def _read_content_parts(self, parts: list[Any], out: list[ResponseEvent]) -> None:
        # P7 step 2: content as a list of parts (Mistral). "thinking" parts hold
        # reasoning as a list of text parts; other parts count by their "text".
        for part in parts:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "thinking":
                thinking = part.get("thinking")
                if thinking is None:
                    thinking = part.get("text")  # a thinking part in a text part's shape
                if isinstance(thinking, str):
                    self._add_reasoning_text(thinking, out)
                elif isinstance(thinking, list):
                    for piece in thinking:
                        if isinstance(piece, dict):
                            text = piece.get("text")
                            if isinstance(text, str):
                                self._add_reasoning_text(text, out)
                continue
            text = part.get("text")
            if isinstance(text, str):
                self._add_text(text, out)

    # -- items ----------------------------------------------------------------

    def _open_reasoning(self, out: list[ResponseEvent]) -> _OpenReasoning:
        if self._reasoning is None:  # P7b
            self._reasoning = _OpenReasoning()
            out.append(OutputItemAdded(Reasoning()))
        return self._reasoning

    def _add_reasoning_text(self, text: str, out: list[ResponseEvent]) -> None:
        # A step for each reasoning delta (DeepSeek's, vLLM's): _open_reasoning
        # and _shared are called only when they have something to do.
        if not text:  # P7a
            return
        reasoning = self._reasoning
        if reasoning is None:
            reasoning = self._open_reasoning(out)
        content = reasoning.content
        out.append(ReasoningContentDelta(text, len(content)))
        content.append(
            self._reasoning_pieces.get(text) or _shared(self._reasoning_pieces, text, ReasoningText)
        )

    def _open_message(self, out: list[ResponseEvent]) -> list[OutputText | Refusal]:
        if self._message is None:  # P7b
            self._message = []
            out.append(OutputItemAdded(Message()))
        return self._message

    def _add_text(self, text: str, out: list[ResponseEvent]) -> None:
        # A step for each text delta: _open_message and _shared are called
        # only when they have something to do.
        if not text:  # P7a: OpenAI's first delta is "content": ""
            return
        message = self._message
        if message is None:
            message = self._open_message(out)
        pair = self._text_pieces.get(text) or _shared(self._text_pieces, text, _text_pair)
        message.append(pair[0])
        out.append(pair[1])

    def _add_refusal(self, refusal: str, out: list[ResponseEvent]) -> None:
        if not refusal:
            return
        self._open_message(out).append(Refusal(refusal))
        out.append(RefusalDelta(refusal))

    def _add_tool_call_fragment(self, fragment: Any, out: list[ResponseEvent]) -> None:
        merged = self._tool_calls.add(fragment)
        if merged is not None and self._tool_call_deltas:
            _announce_arguments(*merged, out)

    def _close_reasoning(self, out: list[ResponseEvent]) -> None:
        if self._reasoning is not None:
            out.append(OutputItemDone(self._reasoning.to_item()))
            self._reasoning = None

    def _close_tool_calls(self, out: list[ResponseEvent]) -> None:
        if not self._tool_calls:
            return
        if self._drop_tool_calls_on_stop:
            names = self._tool_calls.discard()
            logger.warning(
                "drop_tool_calls_on_stop: dropping %d pending tool call(s): %s",
                len(names),
                ", ".join(names),
            )
            return
        out.extend(OutputItemDone(call) for call in self._tool_calls.take_finished())

    def _close_message(self, out: list[ResponseEvent]) -> None:
        if self._message is not None:
            out.append(OutputItemDone(Message(content=tuple(self._message))))
            self._message = None

    # -- endings ----------------------------------------------------------------

    def _finish(self, reason: str, choice: dict[str, Any], out: list[ResponseEvent]) -> None:
        self._finish_reason = reason  # the last one is reported by Completed
        if reason == "error":  # P5 (OpenRouter), with no error object in the choice
            raise APIError("the stream ended with finish_reason 'error'", raw=choice)
        if reason == "length" and self._raise_on_length:
            raise ContextWindowExceededError(
                "the model stopped at the token limit (finish_reason 'length'): the context "
                "window or max_tokens ran out; pass raise_on_length=False to accept it"
            )
        self._close_reasoning(out)
        if reason in _TOOL_FINISH_REASONS:
            # P9: the calls are due now; the message stays open (as the seed).
            out.extend(OutputItemDone(call) for call in self._tool_calls.take_finished())
            return
        # P9, "stop" and every other value: real servers end complete tool-call
        # turns with "stop" (OpenAI with a forced tool_choice, Gemini), so the
        # pending calls are delivered rather than dropped as the seed did. The
        # seed's way, on request: they stay pending, for a later "tool_calls"
        # finish to deliver or the end to drop (P11).
        if not self._drop_tool_calls_on_stop:
            self._close_tool_calls(out)
        self._close_message(out)

    def _complete(self) -> list[ResponseEvent]:
        # P10, P11: close everything in order, then Completed, exactly once.
        out: list[ResponseEvent] = []
        self._close_reasoning(out)
        self._close_tool_calls(out)
        self._close_message(out)
        usage = TokenUsage.from_usage(self._usage) if self._usage is not None else None
        out.append(Completed(self._response_id, usage, self._finish_reason))
        self._state = _State.DONE
        return out


# -- chunks that repeat the previous one but for their text (see _repeats) ------


def _reader_for(choice: dict[str, Any], key: str | None) -> Reader:
    """How to read ``choice`` again with another piece under ``delta[key]`` (the
    arguments of its one tool call when ``key`` is None).

    In general: read a copy of the choice with the new piece in it (everything
    else shared: the parser never changes what it reads). When reading the
    piece is all that reading the choice does, the parser's own step for it,
    which must agree with _read_choice: a choice with no message and no finish
    reason (and no error: that ended the stream), whose delta holds its text;
    or its reasoning_content beside a content that adds nothing; or one
    tool-call fragment.
    """
    delta: dict[str, Any] = choice["delta"]
    finish_reason = choice.get("finish_reason")
    plain = "message" not in choice and not (isinstance(finish_reason, str) and finish_reason)
    if key is None:
        fragment: dict[str, Any] = delta["tool_calls"][0]
        function: dict[str, Any] = fragment["function"]
        if plain and len(delta) == 1:
            # What ToolCallAccumulator.add reads of the fragment, read once.
            call_id, index, name = fragment.get("id"), fragment.get("index"), function.get("name")

            def add_arguments(
                parser: ChatStreamParser, piece: str, out: list[ResponseEvent]
            ) -> None:
                # _add_tool_call_fragment, the fragment's fields read already.
                merged = parser._tool_calls.merge(call_id, index, name, piece)
                if parser._tool_call_deltas:
                    _announce_arguments(*merged, out)

            return add_arguments

        def read_arguments(parser: ChatStreamParser, piece: str, out: list[ResponseEvent]) -> None:
            calls = [{**fragment, "function": {**function, "arguments": piece}}]
            parser._read_choice({**choice, "delta": {**delta, "tool_calls": calls}}, out)

        return read_arguments
    if plain and len(delta) == 1 and key == "content":
        return ChatStreamParser._add_text
    if plain and len(delta) == 2 and "content" in delta and "reasoning_content" in delta:
        if key == "content" and type(delta["reasoning_content"]) is not str:
            return ChatStreamParser._add_text
        if key == "reasoning_content" and delta["content"] in (None, ""):
            return ChatStreamParser._add_reasoning_text

    def read_piece(parser: ChatStreamParser, piece: str, out: list[ResponseEvent]) -> None:
        parser._read_choice({**choice, "delta": {**delta, key: piece}}, out)

    return read_piece


def _announce_arguments(call: PendingCall, added: str, out: list[ResponseEvent]) -> None:
    # tool_call_deltas: the arguments a fragment added, as an event.
    if added:
        out.append(FunctionCallArgumentsDelta(call.slot, call.call_id, call.name, added))


# -- error payloads (P3, P5) -------------------------------------------------


def _raise_on_error_payload(chunk: dict[str, Any]) -> None:
    error = chunk.get("error")
    if error is not None:  # OpenAI, SGLang, vLLM, llama.cpp, OpenRouter mid-stream
        raise _api_error_from_object(error)
    if chunk.get("object") == "error" and "message" in chunk:  # older vLLM
        raise _api_error_from_object(chunk)


def _api_error_from_text(text: str) -> APIError:
    # An `event: error` SSE event: usually {"error": {...}}, sometimes plain text.
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        return APIError(text, raw=text)
    if nested_too_deep(text, payload):  # (as chunks are: see MAX_JSON_DEPTH)
        return APIError(text, raw=text)
    if isinstance(payload, dict) and payload.get("error") is not None:
        return _api_error_from_object(payload["error"])
    return _api_error_from_object(payload)


def _api_error_from_object(error: Any) -> APIError:
    if isinstance(error, str):
        return APIError(error or "unspecified error", raw=error)
    if not isinstance(error, dict):
        return APIError(f"error: {_short_json(error)}", raw=error)
    message = error.get("message")
    if not isinstance(message, str) or not message:
        message = f"error: {_short_json(error)}"
    code = error.get("code")
    if type(code) is float and code.is_integer():
        code = int(code)  # 429.0: the same JSON number as 429
    elif type(code) is not int and not isinstance(code, str):
        code = None  # (still in raw)
    kind = error.get("type")
    param = error.get("param")
    return APIError(
        message,
        code=code,
        type=kind if isinstance(kind, str) else None,
        param=param if isinstance(param, str) else None,
        raw=error,
    )


def _short_json(value: Any, limit: int = 500) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
