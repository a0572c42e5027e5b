"""The events a chat stream produces, and the items they carry (SPEC §2).

Every class here is a frozen, slotted ``attrs`` class: immutable, compared by
value, with a generated repr. Collections inside them are tuples, so an event
can be shared between threads or kept as a dict key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeAlias

import attrs

_SURROGATE = re.compile("[\ud800-\udfff]")


def join_pieces(pieces: Iterable[str]) -> str:
    """The pieces joined, with each character a server cut into its two UTF-16
    halves across pieces (a lone high surrogate, then a lone low one: what a
    JavaScript server slicing its text sends) made whole again. A half
    without its other stays as it came."""
    text = "".join(pieces)
    if text.isascii() or _SURROGATE.search(text) is None:  # (isascii() reads a flag)
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


# ---------------------------------------------------------------------------
# Items: the things a response is made of.
# ---------------------------------------------------------------------------


@attrs.frozen
class OutputText:
    """One piece of assistant text, as one delta delivered it."""

    text: str


@attrs.frozen
class Refusal:
    """One piece of a refusal (OpenAI structured outputs), as one delta delivered it."""

    refusal: str


@attrs.frozen
class ReasoningText:
    """One piece of reasoning text, as one delta delivered it."""

    text: str


@attrs.frozen
class Message:
    """The assistant message: its text and refusal pieces, in arrival order."""

    role: str = "assistant"
    content: tuple[OutputText | Refusal, ...] = ()
    id: str | None = None

    @property
    def text(self) -> str:
        """The assistant text: every :class:`OutputText` piece joined."""
        return join_pieces([part.text for part in self.content if isinstance(part, OutputText)])

    @property
    def refusal(self) -> str:
        """The refusal text: every :class:`Refusal` piece joined (``""`` if none)."""
        return join_pieces([part.refusal for part in self.content if isinstance(part, Refusal)])


@attrs.frozen
class Reasoning:
    """The model's reasoning: text pieces, summary pieces and opaque encrypted content."""

    id: str = ""
    summary: tuple[str, ...] = ()
    content: tuple[ReasoningText, ...] = ()
    encrypted_content: str | None = None

    @property
    def text(self) -> str:
        """The reasoning text: every :class:`ReasoningText` piece joined."""
        return join_pieces([part.text for part in self.content])


@attrs.frozen
class FunctionCall:
    """A finished tool call. ``arguments`` is the JSON text the model produced."""

    name: str
    arguments: str
    call_id: str
    id: str | None = None


#: Anything an :class:`OutputItemAdded` / :class:`OutputItemDone` can carry.
ResponseItem: TypeAlias = Message | Reasoning | FunctionCall


@attrs.frozen
class TokenUsage:
    """Token counts of one response.

    The counts are read from the provider's usage object: OpenAI names first,
    then the alternatives other providers use (``input_tokens``,
    ``output_tokens``, DeepSeek's ``prompt_cache_hit_tokens``, a top-level
    ``reasoning_tokens``). A count that is missing or not an integer is 0.
    ``raw`` keeps the provider's object as it came, so nothing is lost (costs,
    timings, audio tokens...); it is not part of equality, and must not be
    modified.
    """

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    total_tokens: int = 0
    raw: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @classmethod
    def from_usage(cls, usage: dict[str, Any]) -> TokenUsage:
        """Read a provider's usage object (OpenAI, DeepSeek, Groq, Anthropic-style names).

        ``TypeError`` if ``usage`` is not a dict.
        """
        if not isinstance(usage, dict):
            raise TypeError(f"usage must be a dict, got {type(usage).__name__}")
        prompt_details = usage.get("prompt_tokens_details")
        completion_details = usage.get("completion_tokens_details")
        input_tokens = _first_int(usage, "prompt_tokens", "input_tokens")
        output_tokens = _first_int(usage, "completion_tokens", "output_tokens")
        cached = _int_in(prompt_details, "cached_tokens")
        if cached is None:
            cached = _int_in(usage, "prompt_cache_hit_tokens")  # DeepSeek
        reasoning = _int_in(completion_details, "reasoning_tokens")
        if reasoning is None:
            reasoning = _int_in(usage, "reasoning_tokens")
        total = _int_in(usage, "total_tokens")
        return cls(
            input_tokens=input_tokens or 0,
            cached_input_tokens=cached or 0,
            output_tokens=output_tokens or 0,
            reasoning_output_tokens=reasoning or 0,
            total_tokens=total if total is not None else (input_tokens or 0) + (output_tokens or 0),
            raw=usage,
        )


def _int_in(obj: object, key: str) -> int | None:
    # JSON booleans are Python ints; a count is only ever a real integer.
    if isinstance(obj, dict):
        value = obj.get(key)
        if type(value) is int:
            return value
    return None


def _first_int(obj: dict[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = _int_in(obj, key)
        if value is not None:
            return value
    return None


# ---------------------------------------------------------------------------
# Events: what ChatStreamParser.feed() returns.
# ---------------------------------------------------------------------------


@attrs.frozen
class OutputItemAdded:
    """An item opened. It carries the item as it was then: with no content yet."""

    item: ResponseItem


@attrs.frozen
class OutputItemDone:
    """An item is complete; ``item`` holds everything it received."""

    item: ResponseItem


@attrs.frozen
class OutputTextDelta:
    """A piece of assistant text, to show as it arrives."""

    delta: str


@attrs.frozen
class ReasoningContentDelta:
    """A piece of reasoning text; ``content_index`` is its position in the reasoning item."""

    delta: str
    content_index: int


@attrs.frozen
class RefusalDelta:
    """A piece of a refusal (extension: OpenAI sends refusals apart from the text)."""

    delta: str


@attrs.frozen
class FunctionCallArgumentsDelta:
    """A piece of a tool call's arguments (only with ``tool_call_deltas=True``).

    ``index`` identifies the call within this response; ``call_id`` and
    ``name`` are what is known of the call so far (``None`` until they arrive).
    """

    index: int
    call_id: str | None
    name: str | None
    delta: str


@attrs.frozen
class Completed:
    """The stream ended. Always the last event of a successful stream, exactly once.

    ``response_id`` is ``""`` when no chunk carried an id. ``finish_reason``
    is the last one the provider sent, or ``None`` if it sent none: then the
    stream ended without saying why, which usually means the answer was cut
    off (though a few providers, such as Snowflake, never send one).
    """

    response_id: str
    token_usage: TokenUsage | None
    finish_reason: str | None


#: The union of every event :class:`~chatsse.ChatStreamParser` produces.
ResponseEvent: TypeAlias = (
    OutputItemAdded
    | OutputItemDone
    | OutputTextDelta
    | ReasoningContentDelta
    | RefusalDelta
    | FunctionCallArgumentsDelta
    | Completed
)
