"""Human-readable one-line descriptions of events, for the command line."""

from __future__ import annotations

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
)


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
