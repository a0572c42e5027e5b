"""SPEC §4 beyond the conformance cases: limits (F3, F4), timing (F5), the end
of input (F6), ignored fields (F7), invalid UTF-8 in payloads (F2), and the
sources iter_events accepts."""

from __future__ import annotations

import io
import json
import os
import threading
import tracemalloc
from collections.abc import Iterator

import pytest
from helpers import Index, events, events_until_error, split_every, sse_body

import chatsse
from chatsse import (
    Completed,
    ContextWindowExceededError,
    Message,
    OutputItemAdded,
    OutputText,
    OutputTextDelta,
    StreamError,
)
from chatsse._framing import _GROUP_LINES, MAX_EVENT_LINES, _Framer, _Lines, iter_sse


def text_chunk(text: str) -> dict[str, object]:
    return {"choices": [{"index": 0, "delta": {"content": text}}]}


def text_of(got: list[chatsse.ResponseEvent]) -> str:
    return "".join(e.delta for e in got if isinstance(e, OutputTextDelta))


# -- F2 -------------------------------------------------------------------------


def test_f2_invalid_utf8_in_a_payload_becomes_replacement_characters() -> None:
    body = b'data: {"choices":[{"delta":{"content":"caf\xc3\xa9 \xff\xfe ok \xe2\x82"}}]}\n\n'
    for chunks in (body, split_every(body, 1)):
        assert text_of(events(chunks)) == "café \ufffd\ufffd ok \ufffd"


# -- F3 -------------------------------------------------------------------------


def endless_event(chunk_size: int) -> Iterator[bytes]:
    yield b'data: {"choices":[{"delta":{"content":"'
    filler = b"x" * chunk_size
    while True:
        yield filler


@pytest.mark.parametrize("chunk_size", [1, 4096, 1 << 20])
def test_f3_an_endless_event_raises_stream_error_with_bounded_memory(chunk_size: int) -> None:
    limit = 256 * 1024 if chunk_size == 1 else 4 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(StreamError, match="max_event_bytes"):
            list(chatsse.iter_events(endless_event(chunk_size), max_event_bytes=limit))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The partial event plus one chunk, and a join of them: never more.
    assert peak < 3 * (limit + chunk_size) + 256 * 1024, peak


def test_f3_the_limit_is_on_the_event_not_the_stream() -> None:
    one = b"data: " + b"x" * 94 + b"\n\n"  # 101 bytes before the blank line
    assert len(list(iter_sse([one * 50], max_event_bytes=101))) == 50
    with pytest.raises(StreamError):
        list(iter_sse([one], max_event_bytes=100))
    with pytest.raises(StreamError):  # the same event, split: caught while it grows
        list(iter_sse(split_every(one, 7), max_event_bytes=100))


def test_f3_the_limit_counts_the_bytes_received_not_their_replacements() -> None:
    # Invalid UTF-8 becomes U+FFFD (F2), three bytes for one invalid byte: the
    # limit is on what the peer sent, whatever else shares its chunk (F1).
    small = sse_body(text_chunk("a"), done=False)
    invalid = b'data: {"choices":[{"delta":{"content":"' + b"\xff" * 30 + b'"}}]}\n\n'
    assert len(invalid) - 1 <= 100 < len(invalid) - 1 + 2 * 30
    for chunks in ([small + invalid], [small, invalid], split_every(small + invalid, 1)):
        assert text_of(events(chunks, max_event_bytes=100)) == "a" + "\ufffd" * 30
    over = b"data: " + b"\xff" * 95 + b"\n\n"  # 101 bytes before the blank line
    for chunks in ([small + over], [small, over], split_every(small + over, 1)):
        got, error = events_until_error(chunks, max_event_bytes=100)
        assert isinstance(error, StreamError)
        assert text_of(got) == "a"


def test_f3_an_event_of_invalid_bytes_under_the_default_bound_passes() -> None:
    # 6 MiB of invalid bytes: 18 MiB once replaced, still under the bound as sent.
    count = 6 * 1024 * 1024
    body = b'data: {"choices":[{"delta":{"content":"' + b"\xff" * count + b'"}}]}\n\n'
    result = chatsse.collect(chatsse.iter_events(split_every(body, 64 * 1024)))
    assert result.text == "\ufffd" * count


def test_f3_an_oversized_event_among_small_ones_in_one_chunk() -> None:
    small = b'data: {"choices":[{"delta":{"content":"ok"}}]}\n\n'
    big = b"data: " + b"y" * 5000 + b"\n\n"
    got, error = events_until_error(small + big + small, max_event_bytes=4096)
    assert isinstance(error, StreamError)
    assert error.partial_items == (Message(content=(OutputText("ok"),)),)
    assert text_of(got) == "ok"


def test_f3_a_single_line_event_up_to_the_default_bound_passes() -> None:
    text = "z" * (chatsse.DEFAULT_MAX_EVENT_BYTES - 200)
    body = sse_body(text_chunk(text))
    result = chatsse.collect(chatsse.iter_events(split_every(body, 64 * 1024)))
    assert result.text == text


# -- F4 -------------------------------------------------------------------------


def frames_for(data: bytes, chunk_size: int, max_event_bytes: int) -> list[bytes]:
    framer = _Framer(max_event_bytes)
    return list(framer.frames(split_every(data, chunk_size)))


def test_f4_a_hostile_many_line_event_costs_work_linear_in_its_size() -> None:
    # An event of bare "data:" lines just under the 16 MiB bound: about 2.8
    # million lines. sseclient-py alone would do (lines x bytes) ~ 2e13 byte
    # copies; what it is handed here is bounded by (group lines x bytes).
    lines = (chatsse.DEFAULT_MAX_EVENT_BYTES - 16) // 6
    lines = min(lines, MAX_EVENT_LINES)  # at the line limit, the worst case that passes
    hostile = b"data:\n" * lines + b"\n"
    frames = frames_for(hostile, 1 << 16, chatsse.DEFAULT_MAX_EVENT_BYTES)

    work = sum(len(frame) * frame.count(b"\n") for frame in frames)
    assert max(frame.count(b"\n") for frame in frames) <= _GROUP_LINES + 3
    assert work <= (_GROUP_LINES + 3) * 2 * len(hostile)
    assert sum(len(frame) for frame in frames) <= 2 * len(hostile)

    got = list(iter_sse([hostile]))
    assert len(got) == 1
    assert got[0].data == "\n" * (lines - 1)


def test_f4_more_lines_than_the_line_limit_is_a_stream_error() -> None:
    hostile = b":\n" * (MAX_EVENT_LINES + 1) + b"data: x\n\n"
    with pytest.raises(StreamError, match="lines"):
        list(iter_sse([hostile]))


def test_f4_long_events_keep_their_data_and_last_event_type() -> None:
    lines = [f"data: line {i}".encode() for i in range(3 * _GROUP_LINES + 5)]
    lines[10] = b"event: first"
    lines[-3] = b"event: delta"
    lines[-2] = b": a comment"
    body = b"\n".join(lines) + b"\n\ndata: after\n\n"
    for chunks in ([body], split_every(body, 1), split_every(body, 777)):
        got = list(iter_sse(chunks))
        expected = "\n".join(line[6:].decode() for line in lines if line.startswith(b"data: "))
        assert [(e.event, e.data) for e in got] == [("delta", expected), ("message", "after")]


def test_f4_a_long_events_type_counts_from_any_of_its_groups() -> None:
    # The type line is in the first group handed to sseclient-py; lines that
    # only start like one ("eventful", "events:") in later groups are not.
    lines = [b"event: error", *[b"data: x"] * (3 * _GROUP_LINES), b"eventful: no", b"events:"]
    lines[2 * _GROUP_LINES] = b"eventual"
    body = b"\n".join(lines) + b"\n\n"
    for chunks in ([body], split_every(body, 100)):
        got = list(iter_sse(chunks))
        data = "\n".join(["x"] * (3 * _GROUP_LINES - 1))  # one "data: x" became "eventual"
        assert [(e.event, e.data) for e in got] == [("error", data)]


def test_f4_a_long_event_without_data_dispatches_nothing() -> None:
    body = b": keep-alive\n" * (5 * _GROUP_LINES) + b"event: x\n\ndata: after\n\n"
    assert [(e.event, e.data) for e in iter_sse([body])] == [("message", "after")]


def test_f4_a_long_event_whose_type_is_reset_to_message() -> None:
    body = b"event: delta\n" + b"data: a\n" * (2 * _GROUP_LINES) + b"event\n\n"
    got = list(iter_sse([body]))
    assert [e.event for e in got] == ["message"]


# -- F5 -------------------------------------------------------------------------


def test_f5_each_event_is_delivered_before_the_next_chunk_is_read() -> None:
    pieces = [sse_body(text_chunk(f"w{i}"), done=False) for i in range(5)]
    pulled: list[int] = []

    def source() -> Iterator[bytes]:
        for i, piece in enumerate(pieces):
            pulled.append(i)
            yield piece

    seen = []
    for event in chatsse.iter_events(source()):
        if isinstance(event, OutputTextDelta):
            seen.append((event.delta, len(pulled)))
    assert seen == [(f"w{i}", i + 1) for i in range(5)]


@pytest.mark.parametrize("line_end", [b"\n", b"\r", b"\r\n"])
def test_f5_the_blank_line_alone_releases_the_event(line_end: bytes) -> None:
    # The event must not wait for more bytes than its blank line, even when
    # the blank line is a CR that might still be followed by an LF.
    data = json.dumps(text_chunk("now")).encode()
    first = b"data: " + data + line_end + line_end
    pulled = 0

    def source() -> Iterator[bytes]:
        nonlocal pulled
        pulled = 1
        yield first
        pulled = 2
        yield b"\n" if line_end == b"\r" else b""  # a LF that may complete the CR

    for event in chatsse.iter_events(source()):
        if isinstance(event, OutputTextDelta):
            assert pulled == 1
            break
    else:
        pytest.fail("no text event")


def test_f5_events_arrive_through_a_pipe_before_the_writer_finishes() -> None:
    read_fd, write_fd = os.pipe()
    sent_second = threading.Event()
    reader = os.fdopen(read_fd, "rb")
    writer = os.fdopen(write_fd, "wb", buffering=0)

    def write() -> None:
        writer.write(sse_body(text_chunk("first"), done=False))
        sent_second.wait(5)
        writer.write(sse_body(text_chunk("second")))
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        got = []
        for event in chatsse.iter_events(reader):
            got.append(event)
            if isinstance(event, OutputTextDelta):
                sent_second.set()  # only now does the writer send the rest
    finally:
        sent_second.set()
        thread.join(5)
        reader.close()
    assert text_of(got) == "firstsecond"


# -- F6 -------------------------------------------------------------------------


def test_f6_a_final_event_without_its_blank_line_is_dispatched() -> None:
    body = sse_body(text_chunk("last"), done=False).rstrip(b"\n")
    for ending in (b"", b"\n"):
        got = events(body + ending)
        assert text_of(got) == "last"
        assert got[-1] == Completed(response_id="", token_usage=None, finish_reason=None)


def test_f6_a_payload_cut_mid_json_is_skipped_and_the_truncation_reported() -> None:
    body = sse_body(text_chunk("kept"), done=False) + b'data: {"choices":[{"delta":{"cont'
    got = events(body)
    assert text_of(got) == "kept"
    assert got[-1] == Completed(response_id="", token_usage=None, finish_reason=None)


# -- F7 -------------------------------------------------------------------------


def test_f7_id_and_retry_fields_are_ignored() -> None:
    body = b"id: 41\nretry: 10\n" + sse_body(text_chunk("a"), done=False) + b"id\nretry: x\n\n"
    assert text_of(events(body)) == "a"


# -- sources of iter_events -----------------------------------------------------


BODY = sse_body(text_chunk("hello"), {"choices": [{"index": 0, "finish_reason": "stop"}]})


@pytest.mark.parametrize(
    "make_source",
    [
        lambda: BODY,
        lambda: bytearray(BODY),
        lambda: memoryview(BODY),
        lambda: io.BytesIO(BODY),
        lambda: io.BufferedReader(io.BytesIO(BODY)),  # type: ignore[arg-type]
        lambda: [BODY[:10], bytearray(BODY[10:20]), memoryview(BODY[20:])],
        lambda: iter(split_every(BODY, 3)),
    ],
    ids=[
        "bytes",
        "bytearray",
        "memoryview",
        "BytesIO",
        "BufferedReader",
        "mixed-chunks",
        "generator",
    ],
)
def test_iter_events_sources(make_source: object) -> None:
    got = events(make_source())  # type: ignore[operator]
    assert got[:2] == [OutputItemAdded(Message()), OutputTextDelta("hello")]
    assert got[-1] == Completed(response_id="", token_usage=None, finish_reason="stop")


def test_iter_events_reads_a_real_binary_file(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "body.sse")
    with open(path, "wb") as file:
        file.write(BODY)
    with open(path, "rb") as file:
        assert text_of(events(file)) == "hello"


@pytest.mark.parametrize("bad", ["data: x\n\n", ["data: x\n\n"], 42, io.StringIO("data: x\n\n")])
def test_iter_events_rejects_text_and_non_bytes_with_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        list(chatsse.iter_events(bad))  # type: ignore[arg-type]


def test_iter_events_refuses_a_non_blocking_file_rather_than_ending_early() -> None:
    # A raw file in non-blocking mode reads None while no bytes have come:
    # not the end of the input, which would cut the answer short in silence.
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    with open(read_end, "rb", buffering=0) as pipe, open(write_end, "wb", buffering=0) as writer:
        writer.write(BODY[:20])
        stream = chatsse.iter_events(pipe)
        with pytest.raises(ValueError, match="non-blocking"):
            list(stream)


def test_iter_events_takes_chunks_of_a_bytes_subclass() -> None:
    class Chunk(bytes):
        pass

    assert text_of(events([Chunk(BODY)])) == "hello"
    assert text_of(events(Chunk(BODY))) == "hello"


def test_iter_events_checks_its_options_at_call_time() -> None:
    with pytest.raises(TypeError):
        chatsse.iter_events(BODY, no_such_option=True)
    with pytest.raises(ValueError, match="max_event_bytes"):
        chatsse.iter_events(BODY, max_event_bytes=0)
    with pytest.raises(TypeError, match="max_event_bytes must be an int, got True"):
        chatsse.iter_events(BODY, max_event_bytes=True)  # (it would read "True bytes" later)
    size = Index(4096)  # an integer type that is not an int, as numpy's
    assert text_of(list(chatsse.iter_events(BODY, max_event_bytes=size))) == "hello"


def test_a_failing_source_becomes_a_stream_error_with_the_partial_answer() -> None:
    def source() -> Iterator[bytes]:
        yield sse_body(text_chunk("half an ans"), done=False)
        raise ConnectionResetError("peer reset")

    got, error = events_until_error(source())
    assert text_of(got) == "half an ans"
    assert isinstance(error, StreamError)
    assert isinstance(error.__cause__, ConnectionResetError)
    assert error.partial_items == (Message(content=(OutputText("half an ans"),)),)


def test_a_source_failing_after_the_finish_reason_ends_the_stream_normally() -> None:
    # The answer was whole; only the [DONE] (or the usage chunk) was lost (D4).
    def source() -> Iterator[bytes]:
        yield sse_body(
            text_chunk("done"), {"choices": [{"index": 0, "finish_reason": "stop"}]}, done=False
        )
        raise ConnectionResetError("peer reset")

    got, error = events_until_error(source())
    assert error is None
    assert text_of(got) == "done"
    assert got[-1] == Completed(response_id="", token_usage=None, finish_reason="stop")


def test_iter_events_yields_the_failing_chunks_events_before_raising() -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": "The end"}, "finish_reason": "length"}]}
    )
    got, error = events_until_error(body)
    assert got == [OutputItemAdded(Message()), OutputTextDelta("The end")]
    assert isinstance(error, ContextWindowExceededError)


def test_the_framer_hands_over_whole_events_and_nothing_else() -> None:
    framer = _Framer(chatsse.DEFAULT_MAX_EVENT_BYTES)
    # A chunk that is one whole event of one line (what servers send) is its frame.
    assert list(framer.feed(b"data: a\n\n")) == [b"data: a"]
    assert list(framer.feed(b"\n\n")) == []  # blank lines: nothing to parse
    assert list(framer.feed(b":keep-alive\n\n")) == [b":keep-alive"]
    [lines] = framer.feed(b"data: b\ndata: c\n\n")  # an event of two lines goes alone
    assert isinstance(lines, _Lines)
    assert lines.event == b"data: b\ndata: c"
    # The rest of a pending event, then a whole one: one run of both.
    assert list(framer.feed(b"data: d")) == []
    assert list(framer.feed(b"\n\ndata: e\n\n")) == [b"data: d\ndata: e"]


def test_sseclient_is_handed_one_event_per_chunk() -> None:
    # The installed sseclient-py reads its chunks through _read(), which the
    # bridge replaces to skip re-framing: if a release changes that, the
    # slower, re-framed path is used (the conformance cases run both).
    from chatsse._framing import _READ_IS_USED

    assert _READ_IS_USED
