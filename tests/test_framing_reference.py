"""SPEC §4 against a reference: any stream, split anywhere, gives the events a
line-by-line WHATWG parser gives.

The framer hands sseclient-py runs of one-line events, events of a few lines,
and groups of long events (see ``chatsse._framing``); this checks every mix of
them - event types, comments, ignored fields, empty data, the three line ends,
CRLFs split across chunks - against the plain algorithm of the standard.
"""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from chatsse._framing import _GROUP_LINES, _RUN_EVENTS, iter_sse


def reference_events(body: bytes) -> list[tuple[str, str]]:
    """WHATWG's event stream interpretation, plus F6: the input's end ends an event."""
    text = body.decode("utf-8").removeprefix("\ufeff")
    lines = re.split("\r\n|\r|\n", text)
    if lines[-1] == "":
        lines.pop()  # the input ended with a line end
    lines.append("")  # F6: the end of input dispatches a pending event
    found: list[tuple[str, str]] = []
    event_type, data = "", ""
    for line in lines:
        if not line:
            if data:
                found.append((event_type or "message", data.removesuffix("\n")))
            event_type, data = "", ""
            continue
        if line.startswith(":"):
            continue
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "event":
            event_type = value
        elif field == "data":
            data += value + "\n"
    return found


LINES = st.sampled_from(
    [
        "data: {}",
        'data: {"choices":[]}',
        "data:no space",
        "data:  two spaces",
        "data",
        "data:",
        "data: é 😀 ✓",
        "event: error",
        "event: message",
        "event:",
        ": keep-alive",
        ":",
        "id: 7",
        "retry: 1000",
        "unknown: field",
        "   ",
        "",
    ]
)
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    lines = draw(st.lists(st.tuples(LINES, LINE_ENDS), max_size=60))
    # Long events too: more lines than a group holds.
    if draw(st.booleans()):
        at = draw(st.integers(0, len(lines)))
        long_event = [("data: x", "\n")] * (_GROUP_LINES + draw(st.integers(1, 80)))
        lines[at:at] = [("", "\n"), *long_event, ("", "\n")]
    body = "".join(line + end for line, end in lines).encode()
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=12)))
    edges = [0, *cuts, len(body)]
    return body, [body[a:b] for a, b in itertools.pairwise(edges)]


@settings(max_examples=400, deadline=None)
@given(streams())
def test_any_stream_split_anywhere_gives_the_reference_events(
    stream: tuple[bytes, list[bytes]],
) -> None:
    body, chunks = stream
    expected = reference_events(body)
    assert [(sse.event, sse.data) for sse in iter_sse(chunks)] == expected
    assert [(sse.event, sse.data) for sse in iter_sse([body])] == expected


def test_runs_of_one_line_events_keep_types_and_empty_data_apart() -> None:
    # One chunk of one-line events: a type line alone (dispatches nothing and
    # types nothing else), a comment, empty data, and more events than a run holds.
    body = (
        b"event: error\n\n: ping\n\ndata:\n\ndata: a\n\n"
        + b"".join(b"data: %d\n\n" % i for i in range(3 * _RUN_EVENTS))
        + b"event: error\ndata: typed\n\ndata: last\n\n"
    )
    got = [(sse.event, sse.data) for sse in iter_sse([body])]
    assert got == reference_events(body)
    assert got[:2] == [("message", ""), ("message", "a")]
    assert got[-2:] == [("error", "typed"), ("message", "last")]
    assert len(got) == 3 * _RUN_EVENTS + 4
