"""Human-readable one-line descriptions of events, for the command line."""

from __future__ import annotations

from typing import TextIO

from ._driver import StreamStats
from ._events import (
    Completed,
    FunctionCall,
    FunctionCallArgumentsDelta,
    Message,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    Reasoning,
    ReasoningContentDelta,
    RefusalDelta,
    ResponseEvent,
    ResponseItem,
    TokenUsage,
    join_pieces,
)

# Control characters in streamed text would act on the terminal (an escape
# sequence can clear the screen or set its title, a CR overwrite the line):
# each is shown as its Unicode picture (ESC as U+241B; C1 controls, which have
# none, as U+FFFD) and a CR is dropped;
# line feeds and tabs are kept.
_VISIBLE: dict[int, int | None] = {
    **{code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A)},
    0x0D: None,
    0x7F: 0x2421,
    **dict.fromkeys(range(0x80, 0xA0), 0xFFFD),
}


# On a line of its own making, a line feed is shown too: it could forge a line.
_VISIBLE_ONE_LINE = {**_VISIBLE, 0x0A: 0x240A}


def visible(text: str, *, one_line: bool = False) -> str:
    """``text`` made harmless to a terminal: control characters shown, not obeyed."""
    return text.translate(_VISIBLE_ONE_LINE if one_line else _VISIBLE)


def describe_event(event: ResponseEvent) -> str:
    """``<EventName>  <what it carries>``, on one line."""
    name = type(event).__name__
    if isinstance(event, (OutputItemAdded, OutputItemDone)):
        detail = describe_item(event.item)
    elif isinstance(event, ReasoningContentDelta):
        detail = f"#{event.content_index} {event.delta!r}"
    elif isinstance(event, (OutputTextDelta, RefusalDelta)):
        detail = repr(event.delta)
    elif isinstance(event, FunctionCallArgumentsDelta):
        detail = f"call {event.index} {event.name or '?'} {event.delta!r}"
    else:
        detail = describe_completed(event)
    return f"{name:<23} {detail}"


def describe_item(item: ResponseItem) -> str:
    if isinstance(item, Message):
        parts = [f"Message {shorten(item.text)!r}" if item.content else "Message"]
        if item.refusal:
            parts.append(f"refusal={shorten(item.refusal)!r}")
        return " ".join(parts)
    if isinstance(item, Reasoning):
        if not (item.content or item.summary or item.encrypted_content):
            return "Reasoning"
        extra = f" +{len(item.summary)} summary pieces" if item.summary else ""
        extra += " +encrypted" if item.encrypted_content else ""
        return f"Reasoning {shorten(item.text)!r}{extra}"
    return describe_call(item)


def describe_call(call: FunctionCall) -> str:
    return f"FunctionCall {call.name}({shorten(call.arguments)}) call_id={call.call_id}"


def describe_completed(event: Completed) -> str:
    return (
        f"id={event.response_id or '-'} finish_reason={event.finish_reason} "
        f"usage: {describe_usage(event.token_usage)}"
    )


def describe_usage(usage: TokenUsage | None) -> str:
    if usage is None:
        return "not reported"
    return (
        f"{usage.input_tokens} in ({usage.cached_input_tokens} cached), "
        f"{usage.output_tokens} out ({usage.reasoning_output_tokens} reasoning), "
        f"{usage.total_tokens} total"
    )


def shorten(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


class LiveRenderer:
    """Prints a stream as it arrives: reasoning marked as such, text as it comes,
    tool calls when complete, then a summary line."""

    def __init__(self, out: TextIO, *, color: bool) -> None:
        self._out = out
        self._color = color
        self._section: str | None = None  # "reasoning", "text" or "refusal"
        self._held = ""  # the first UTF-16 half of a character cut in two (see _delta)

    def _style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self._color else text

    def _write(self, text: str, style: str | None = None) -> None:
        text = visible(text)  # what the server sent
        self._out.write(text if style is None else self._style(text, style))

    def _delta(self, text: str, style: str | None = None) -> None:
        # A JavaScript server may cut an emoji into its two UTF-16 halves, one
        # per delta: the first is held back until the second joins it.
        text = join_pieces((self._held, text))
        self._held = ""
        if text and "\ud800" <= text[-1] <= "\udbff":
            self._held, text = text[-1], text[:-1]
        if text:
            self._write(text, style)

    def flush_held(self) -> None:
        """Write a first UTF-16 half still held back (the stream ended without its other)."""
        if self._held:  # its other half never came: shown as it is
            held, self._held = self._held, ""
            self._write(held)

    def _enter(self, section: str, label: str) -> None:
        if self._section != section:
            self.flush_held()
            if self._section is not None:
                self._out.write("\n\n")
            self._out.write(self._style(label, "1;36" if section == "reasoning" else "1"))
            self._section = section

    def event(self, event: ResponseEvent) -> None:
        if isinstance(event, ReasoningContentDelta):
            self._enter("reasoning", "thinking: ")
            self._delta(event.delta, "2;3")
        elif isinstance(event, OutputTextDelta):
            self._enter("text", "")
            self._delta(event.delta)
        elif isinstance(event, RefusalDelta):
            self._enter("refusal", "refusal: ")
            self._delta(event.delta)
        elif isinstance(event, OutputItemDone) and isinstance(event.item, FunctionCall):
            self._enter("tool", "")
            call = event.item
            self._write(f"-> {call.name}({call.arguments})", "1;33")
            self._write(f"  [{call.call_id}]\n")  # (a line feed stays one)
        self._out.flush()

    def summary(self, completed: Completed | None, stats: StreamStats | None) -> None:
        self.flush_held()
        if self._section not in (None, "tool"):
            self._out.write("\n")
        parts = []
        if completed is not None:
            parts.append(f"finish: {completed.finish_reason}")
            parts.append(f"tokens: {describe_usage(completed.token_usage)}")
        if stats is not None:
            if stats.time_to_first_token is not None:
                parts.append(f"first token {stats.time_to_first_token:.2f} s")
            rate = stats.events / stats.duration if stats.duration > 0 else 0.0
            parts.append(f"{stats.events} events in {stats.duration:.2f} s ({rate:.0f}/s)")
        summary = visible("-- " + " | ".join(parts), one_line=True)
        self._out.write(self._style(summary, "2") + "\n")
        self._out.flush()
