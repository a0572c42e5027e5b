"""Writes docs/_static/event-sequence.svg: the events of a typical stream, as a picture.

It runs the real chatsse over the bundled demo transcript (chatsse/data/demo.sse:
reasoning, text, one tool call, finish_reason "tool_calls", a usage chunk,
[DONE]): the body goes to iter_events one SSE event at a time, and what chatsse
yields is drawn beside the chunk that caused it. Time runs from top to bottom.
Consecutive chunks of one kind are drawn as one row ("x 35"), and so are the
consecutive delta events they produce, so the picture stays readable.

The SVG is built as plain text (no dependencies) and is the same on every run;
tests/test_docs_diagram.py checks that the committed file is what this script
writes now, so the picture cannot drift from the library's behaviour.

Usage: python tools/make_sequence_diagram.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's chatsse, installed or not

import chatsse  # noqa: E402
from chatsse._cli import demo_transcript  # noqa: E402

OUT = REPO / "docs" / "_static" / "event-sequence.svg"

# -- layout (pixels) ----------------------------------------------------------------------

WIDTH = 800
TOP = 64  # below the column headings
ROW_GAP = 14  # between rows
CHUNK_X, CHUNK_W = 40, 300  # column 1: the chunks the server sends
EVENT_X, EVENT_W = 384, 262  # column 2: the events chatsse yields
BAR_X0, BAR_STEP, BAR_W = 676, 40, 18  # column 3: how long each item stays open
LINE = 16  # a line of text in a chunk box
BOX_PAD = 9
EVENT_H, DETAIL_LINE, EVENT_GAP = 26, 16, 6  # an event box, and each line of detail under it

SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"

# Fill and stroke per kind of item; the chunks, events and bars of one item share them.
COLORS = {
    "reasoning": ("#f3eefc", "#7b5fc0"),
    "message": ("#e9f2fd", "#3b78c4"),
    "function_call": ("#fdf1e3", "#c27a1f"),
    "completed": ("#e8f6ec", "#2f8a4c"),
    "plain": ("#f5f5f5", "#8a8a8a"),
}
ITEM_KINDS = {
    chatsse.Reasoning: "reasoning",
    chatsse.Message: "message",
    chatsse.FunctionCall: "function_call",
}
ITEM_NAMES = {"reasoning": "Reasoning", "message": "Message", "function_call": "FunctionCall"}
# What a row without events means: said only where chatsse yielded nothing.
SILENT_NOTES = {
    "empty": "nothing: empty strings open no item",
    "tool_calls": "nothing yet: the fragments are buffered",
    "usage": "nothing yet: kept for Completed",
}
DELTAS = (
    chatsse.ReasoningContentDelta,
    chatsse.OutputTextDelta,
    chatsse.RefusalDelta,
    chatsse.FunctionCallArgumentsDelta,
)


# -- the stream, read by chatsse -------------------------------------------------------------


@dataclass
class Row:
    """Consecutive SSE events of one kind, and the chatsse events they produced."""

    kind: str
    chunks: list[dict[str, Any] | None] = field(default_factory=list)  # None: [DONE]
    events: list[chatsse.ResponseEvent] = field(default_factory=list)


def chunk_kind(chunk: dict[str, Any] | None) -> str:
    if chunk is None:
        return "done"
    choices = chunk.get("choices") or []
    if not choices:
        return "usage" if chunk.get("usage") else "other"
    choice = choices[0]
    if choice.get("finish_reason"):
        return "finish"
    delta = choice.get("delta") or {}
    if delta.get("tool_calls"):
        return "tool_calls"
    if delta.get("content"):
        return "content"
    if delta.get("reasoning_content"):
        return "reasoning"
    return "empty"


def read_stream(body: bytes) -> list[Row]:
    """The body's SSE events, grouped into rows, with the events chatsse yields for each.

    The body is handed to iter_events one SSE event at a time: chatsse yields an
    event's results as soon as its blank line arrives (F5), before asking for the
    next piece, so every event it yields belongs to the piece read last.
    """
    pieces = [piece + b"\n\n" for piece in body.split(b"\n\n") if piece.strip()]
    produced: list[list[chatsse.ResponseEvent]] = [[] for _ in pieces]
    last_read = -1

    def one_event_at_a_time() -> Iterator[bytes]:
        nonlocal last_read
        for number, piece in enumerate(pieces):
            last_read = number
            yield piece

    for event in chatsse.iter_events(one_event_at_a_time()):
        produced[last_read].append(event)

    rows: list[Row] = []
    for piece, events in zip(pieces, produced, strict=True):
        lines = piece.decode().splitlines()
        data = "\n".join(line[5:].removeprefix(" ") for line in lines if line.startswith("data:"))
        chunk = None if data == "[DONE]" else json.loads(data)
        kind = chunk_kind(chunk)
        if not rows or rows[-1].kind != kind:
            rows.append(Row(kind))
        rows[-1].chunks.append(chunk)
        rows[-1].events.extend(events)
    return rows


# -- what each box says ----------------------------------------------------------------------


def js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def chunk_lines(row: Row) -> list[tuple[str, str]]:
    """The text of a row's chunk box: (text, "code" or "note") per line."""
    first = row.chunks[0]
    if first is None:
        return [("data: [DONE]", "code")]
    choice = (first.get("choices") or [{}])[0]
    delta = choice.get("delta") or {}
    if row.kind in ("reasoning", "content"):
        key = "reasoning_content" if row.kind == "reasoning" else "content"
        pieces = [chunk["choices"][0]["delta"][key] for chunk in row.chunks if chunk]
        lines = [(f'"{key}": {js(pieces[0])}', "code")]
        if len(pieces) > 2:
            lines.append((f"then {js(pieces[1])}, {js(pieces[2])} …", "note"))
        return lines
    if row.kind == "tool_calls":
        call = delta["tool_calls"][0]
        lines = [('"tool_calls": [{"function":', "code")]
        lines.append((f'  {{"name": {js(call["function"].get("name"))}, …}}}}]', "code"))
        if len(row.chunks) > 1:
            lines.append(("then the arguments, in fragments", "note"))
        return lines
    if row.kind == "finish":
        return [(f'"finish_reason": {js(choice["finish_reason"])}', "code")]
    if row.kind == "usage":
        total = first["usage"].get("total_tokens")
        return [('"choices": [],', "code"), (f'"usage": {{"total_tokens": {total}, …}}', "code")]
    shown = {key: value for key, value in delta.items() if value is not None}
    return [(f"{js(key)}: {js(value)}", "code") for key, value in shown.items()]


@dataclass
class EventBox:
    label: str
    detail: str | None
    kind: str
    count: int = 1
    # Set for OutputItemAdded / OutputItemDone: which item opens or closes.
    item: str | None = None
    opens: bool = False


def item_kind(item: chatsse.ResponseItem) -> str:
    return ITEM_KINDS[type(item)]


def event_boxes(events: list[chatsse.ResponseEvent]) -> list[EventBox]:
    boxes: list[EventBox] = []
    for event in events:
        name = type(event).__name__
        if isinstance(event, DELTAS):
            kind = "reasoning" if isinstance(event, chatsse.ReasoningContentDelta) else "message"
            if isinstance(event, chatsse.FunctionCallArgumentsDelta):
                kind = "function_call"
            if boxes and boxes[-1].label == name:
                boxes[-1].count += 1
            else:
                boxes.append(EventBox(name, None, kind))
        elif isinstance(event, (chatsse.OutputItemAdded, chatsse.OutputItemDone)):
            kind = item_kind(event.item)
            label = f"{name}({ITEM_NAMES[kind]})"
            detail = None
            if isinstance(event.item, chatsse.FunctionCall):
                detail = f"{event.item.name}({clip(event.item.arguments, 22)})"
            added = isinstance(event, chatsse.OutputItemAdded)
            boxes.append(EventBox(label, detail, kind, item=kind, opens=added))
        elif isinstance(event, chatsse.Completed):
            usage = event.token_usage
            detail = f"finish_reason={event.finish_reason!r}"
            if usage is not None:
                detail += f"\ntoken_usage: {usage.input_tokens} in, {usage.output_tokens} out"
            boxes.append(EventBox(name, detail, "completed"))
        else:
            boxes.append(EventBox(name, None, "plain"))
    return boxes


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- drawing ---------------------------------------------------------------------------------


class Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text)

    def rect(self, x: int, y: int, w: int, h: int, kind: str) -> None:
        fill, stroke = COLORS[kind]
        self.add(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="5" fill="{fill}" '
            f'stroke="{stroke}"/>'
        )

    def text(self, x: int, y: int, text: str, css: str, anchor: str = "start") -> None:
        end = ' text-anchor="end"' if anchor == "end" else ""
        end = ' text-anchor="middle"' if anchor == "middle" else end
        self.add(f'<text x="{x}" y="{y}" class="{css}"{end}>{escape(text)}</text>')


def row_kind(row: Row) -> str:
    return {"reasoning": "reasoning", "content": "message", "tool_calls": "function_call"}.get(
        row.kind, "plain"
    )


def draw_chunks(svg: Svg, row: Row, y: int, height: int) -> None:
    kind = row_kind(row)
    many = len(row.chunks) > 1
    if many:  # a stack of cards: several chunks
        for offset in (6, 3):
            svg.rect(CHUNK_X + offset, y + offset, CHUNK_W - 6, height - 6, kind)
    width = CHUNK_W - 6 if many else CHUNK_W
    svg.rect(CHUNK_X, y, width, height - (6 if many else 0), kind)
    lines = chunk_lines(row)
    for number, (line, css) in enumerate(lines):
        svg.text(CHUNK_X + BOX_PAD, y + BOX_PAD + 12 + number * LINE, clip(line, 38), css)
    if many:  # the count, at the end of the last line
        baseline = y + BOX_PAD + 12 + (len(lines) - 1) * LINE
        svg.text(CHUNK_X + width - BOX_PAD, baseline, f"× {len(row.chunks)}", "count", "end")


def chunk_height(row: Row) -> int:
    stacked = 6 if len(row.chunks) > 1 else 0
    return len(chunk_lines(row)) * LINE + 2 * BOX_PAD - 4 + stacked


def box_height(box: EventBox) -> int:
    return EVENT_H + (len(box.detail.split("\n")) * DETAIL_LINE if box.detail else 0)


def events_height(boxes: list[EventBox]) -> int:
    if not boxes:
        return EVENT_H
    return sum(box_height(box) for box in boxes) + EVENT_GAP * (len(boxes) - 1)


def draw_arrow(svg: Svg, y: int, dashed: bool) -> None:
    x1, x2 = CHUNK_X + CHUNK_W + 6, EVENT_X - 6
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    svg.add(
        f'<line x1="{x1}" y1="{y}" x2="{x2 - 7}" y2="{y}" stroke="#666" stroke-width="1.5"{dash}/>'
    )
    svg.add(f'<path d="M{x2 - 8},{y - 5} L{x2},{y} L{x2 - 8},{y + 5} Z" fill="#666"/>')


def render(body: bytes | None = None) -> str:
    rows = read_stream(demo_transcript() if body is None else body)
    svg = Svg()
    y = TOP
    # Where each item's bar starts and ends: the middle of its first and last box.
    spans: dict[str, list[int]] = {}
    pending_calls: int | None = None
    separators: list[int] = []
    for row in rows:
        boxes = event_boxes(row.events)
        height = max(chunk_height(row), events_height(boxes))
        separators.append(y - ROW_GAP // 2)
        draw_chunks(svg, row, y, chunk_height(row))
        draw_arrow(svg, y + EVENT_H // 2, dashed=not boxes)
        if not boxes:
            note = SILENT_NOTES.get(row.kind, "nothing")
            svg.text(EVENT_X + 2, y + EVENT_H // 2 + 4, note, "silent")
        if row.kind == "tool_calls" and pending_calls is None:
            pending_calls = y + EVENT_H // 2
        box_y = y
        for box in boxes:
            box_h = box_height(box)
            svg.rect(EVENT_X, box_y, EVENT_W, box_h, box.kind)
            svg.text(EVENT_X + BOX_PAD, box_y + 17, box.label, "event")
            if box.count > 1:
                svg.text(EVENT_X + EVENT_W - BOX_PAD, box_y + 17, f"× {box.count}", "count", "end")
            for number, line in enumerate(box.detail.split("\n") if box.detail else []):
                baseline = box_y + 34 + number * DETAIL_LINE
                svg.text(EVENT_X + BOX_PAD, baseline, clip(line, 36), "detail")
            if box.item is not None:
                middle = box_y + EVENT_H // 2
                spans.setdefault(box.item, []).append(middle)
                if box.item == "function_call" and pending_calls is not None:
                    spans[box.item].insert(0, pending_calls)
            box_y += box_h + EVENT_GAP
        y += height + ROW_GAP
    bottom = y - ROW_GAP

    # Column 3: each item, from the event that opens it to the one that closes it
    # (a tool call has no OutputItemAdded: dashed from its first fragment).
    bars = [
        (BAR_X0 + number * BAR_STEP, kind, spans[kind][0], spans[kind][-1])
        for number, kind in enumerate(spans)
    ]
    for x, kind, start, end in bars:
        for at in (start, end):
            svg.add(
                f'<line x1="{EVENT_X + EVENT_W + 4}" y1="{at}" x2="{x - 3}" y2="{at}" '
                f'stroke="{COLORS[kind][1]}" stroke-width="1" stroke-dasharray="2 3"/>'
            )
    for x, kind, start, end in bars:
        fill, stroke = COLORS[kind]
        dashed = ' stroke-dasharray="4 3"' if kind == "function_call" else ""
        svg.add(
            f'<rect x="{x}" y="{start - 4}" width="{BAR_W}" height="{end - start + 8}" rx="9" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dashed}/>'
        )
        label = ITEM_NAMES[kind]
        cx, cy = x + BAR_W // 2 + 4, (start + end) // 2
        svg.add(
            f'<text x="{cx}" y="{cy}" class="bar" text-anchor="middle" '
            f'transform="rotate(-90 {cx} {cy})">{escape(label)}</text>'
        )

    height = bottom + 40
    events = sum(len(row.events) for row in rows)
    chunks = sum(len(row.chunks) for row in rows)
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" '
        'aria-labelledby="title desc" font-size="13">',
        '<title id="title">The events of a typical stream</title>',
        '<desc id="desc">SSE chunks of a streamed answer (reasoning, text, a tool call, '
        "the finish reason, a usage chunk, [DONE]) and the chatsse events each one produces, "
        "in order, with how long each item stays open.</desc>",
        "<style>",
        f"text {{ font-family: {SANS}; fill: #222; }}",
        f".code {{ font-family: {MONO}; font-size: 12.5px; white-space: pre; }}",
        f".event {{ font-family: {MONO}; font-size: 12.5px; font-weight: 600; }}",
        f".detail {{ font-family: {MONO}; font-size: 11.5px; fill: #444; }}",
        ".note { font-size: 12px; fill: #555; font-style: italic; }",
        ".silent { font-size: 12.5px; fill: #666; font-style: italic; }",
        ".count { font-size: 13px; font-weight: 700; fill: #333; }",
        ".head { font-size: 14px; font-weight: 700; }",
        ".sub { font-size: 12px; fill: #555; }",
        ".bar { font-size: 11.5px; fill: #333; }",
        "</style>",
        f'<rect width="{WIDTH}" height="{height}" rx="8" fill="#ffffff"/>',
    ]
    svg_head = Svg()
    svg_head.text(CHUNK_X, 26, "The server sends (SSE chunks)", "head")
    svg_head.text(CHUNK_X, 44, "what each data: line carries, in order", "sub")
    svg_head.text(EVENT_X, 26, "chatsse yields", "head")
    svg_head.text(EVENT_X, 44, "the events each chunk causes", "sub")
    svg_head.text(BAR_X0 - 6, 26, "Items open", "head")
    svg_head.text(BAR_X0 - 6, 44, "added → done", "sub")
    # The time axis, and a faint line between rows.
    axis = [
        f'<line x1="20" y1="{TOP}" x2="20" y2="{bottom - 8}" stroke="#999" stroke-width="1.5"/>',
        f'<path d="M15,{bottom - 10} L20,{bottom} L25,{bottom - 10} Z" fill="#999"/>',
        f'<text x="14" y="{TOP + 30}" class="sub" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + 30})">time</text>',
    ]
    for at in separators[1:]:
        axis.append(
            f'<line x1="{CHUNK_X}" y1="{at}" x2="{WIDTH - 16}" y2="{at}" stroke="#e4e4e4" '
            'stroke-width="1"/>'
        )
    foot = Svg()
    foot.text(
        CHUNK_X,
        height - 14,
        f"chatsse/data/demo.sse: {chunks} SSE events in, {events} chatsse events out "
        "(drawn by tools/make_sequence_diagram.py)",
        "sub",
    )
    return "\n".join([*head, *svg_head.parts, *axis, *svg.parts, *foot.parts, "</svg>"]) + "\n"


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = options.parse_args()
    svg = render()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != svg:
            print(f"{OUT} is out of date: run python tools/make_sequence_diagram.py")
            return 1
        print(f"{OUT} is up to date")
        return 0
    OUT.write_text(svg, encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
