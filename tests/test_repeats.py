"""Chunks that repeat the previous one but for their text (chatsse._repeats).

The parser reads such a chunk without decoding it. That must never change
what it gives: every test here runs the same input through the parser as it
is and through one that decodes every chunk (``EveryChunkDecoded``), and
requires the same events and the same error. The counts of chunks decoded in
full show that the short way is taken where it should be, and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import SHARED
from hypothesis import given, note, settings
from hypothesis import strategies as st
from test_properties import FAST, OPTIONS, TEXT, chunk_strategy, drive, error_key

import chatsse
from chatsse import ChatStreamParser, ResponseEvent
from chatsse._api import parse_source
from chatsse._framing import DEFAULT_MAX_EVENT_BYTES, iter_sse


class EveryChunkDecoded(ChatStreamParser):
    """The parser without repeats: every chunk decoded in full."""

    _follow_repeats = False


def counting(parser_class: type[ChatStreamParser]) -> tuple[type[ChatStreamParser], list[str]]:
    """A subclass of ``parser_class`` whose decoder records each payload it decodes."""
    decoded: list[str] = []
    decode = parser_class._decode_object

    def record(data: str) -> dict[str, Any] | None:
        decoded.append(data)
        return decode(data)

    class Counting(parser_class):  # type: ignore[valid-type, misc]
        _decode_object = staticmethod(record)

    return Counting, decoded


Outcome = tuple[list[ResponseEvent], Any]


def read(parser_class: type[ChatStreamParser], feeds: Iterable[Any], **options: Any) -> Outcome:
    events, error = drive(parser_class(**options), feeds)
    return events, error_key(error)


def read_body(parser_class: type[ChatStreamParser], body: bytes, **options: Any) -> Outcome:
    events: list[ResponseEvent] = []
    try:
        for event in parse_source(parser_class(**options), body, DEFAULT_MAX_EVENT_BYTES):
            events.append(event)
    except chatsse.ChatSSEError as error:
        return events, error_key(error)
    return events, None


def as_body(feeds: Iterable[Any]) -> bytes:
    """The SSE body that carries ``feeds`` (data strings, or events with a type)."""
    lines = []
    for feed in feeds:
        data = feed if isinstance(feed, str) else feed.data
        if not isinstance(feed, str):
            lines.append(f"event: {feed.event}")
        lines += [f"data: {line}" for line in data.split("\n")]
        lines.append("")
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def same_either_way(feeds: Sequence[Any], **options: Any) -> tuple[Outcome, list[str]]:
    """The outcome of ``feeds`` (the same with and without repeats) and what was decoded.

    Both ways a parser is fed: feed() one event at a time, and iter_events'
    pipeline (batches of events) over the SSE body that carries them.
    """
    parser_class, decoded = counting(ChatStreamParser)
    got = read(parser_class, feeds, **options)
    assert got == read(EveryChunkDecoded, feeds, **options)
    body = as_body(feeds)
    assert read_body(ChatStreamParser, body, **options) == read_body(
        EveryChunkDecoded, body, **options
    )
    return got, decoded


def dumps(chunk: dict[str, Any], **options: Any) -> str:
    return json.dumps(chunk, ensure_ascii=False, separators=(",", ":"), **options)


def openai_chunk(delta: dict[str, Any], padding: str = "", **top: Any) -> dict[str, Any]:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1754693439,
        "model": "gpt-4o",
        "system_fingerprint": "fp_1",
        "usage": None,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}],
        **top,
    }
    if padding:
        chunk["obfuscation"] = padding
    return chunk


WORDS = ["The", " capital", " of", " France", " is", " Paris", ".", "\n\n", ' "quoted"', " é🙂"]


def text_stream(words: Sequence[str], **dump_options: Any) -> list[str]:
    """An OpenAI-shaped text answer: role chunk, one chunk per word with padding, finish."""
    feeds = [dumps(openai_chunk({"role": "assistant", "content": ""}, "ab"), **dump_options)]
    for number, word in enumerate(words):
        padding = "xyz"[: 1 + number % 3] * (1 + number % 4)
        feeds.append(dumps(openai_chunk({"content": word}, padding), **dump_options))
    feeds.append(
        dumps(openai_chunk({}, "q", choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]))
    )
    return feeds


# -- the short way is taken ---------------------------------------------------------


def test_an_openai_text_answer_is_decoded_once_per_envelope() -> None:
    feeds = text_stream(WORDS * 20)
    (events, error), decoded = same_either_way(feeds)
    assert error is None
    result = chatsse.collect(events)
    assert result.text == "".join(WORDS * 20)
    # The role chunk, the first word (which becomes the repeat, and its check),
    # the finish chunk; the 199 other words are read from their strings.
    assert len(decoded) == 4, decoded


@pytest.mark.parametrize(
    "delta_of",
    [
        pytest.param(lambda piece: {"content": piece}, id="content"),
        pytest.param(lambda piece: {"content": None, "reasoning_content": piece}, id="deepseek"),
        pytest.param(
            lambda piece: {"content": piece, "reasoning_content": None}, id="deepseek-text"
        ),
        pytest.param(
            lambda piece: {"role": "assistant", "content": "", "reasoning": piece}, id="ollama"
        ),
        pytest.param(
            lambda piece: {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]},
            id="tool-arguments",
        ),
        pytest.param(lambda piece: {"content": piece, "refusal": None}, id="with-null-refusal"),
    ],
)
@pytest.mark.parametrize(
    "dump_options",
    [
        pytest.param({}, id="compact"),
        pytest.param({"separators": (", ", ": ")}, id="spaced"),
        pytest.param({"ensure_ascii": True}, id="ascii-escapes"),
        pytest.param({"indent": 1}, id="indented"),
    ],
)
def test_each_shape_of_delta_repeats(
    delta_of: Callable[[str], dict[str, Any]], dump_options: dict[str, Any]
) -> None:
    opening = {
        "tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": ""}}]
    }
    feeds = [json.dumps(openai_chunk(opening), **dump_options)]
    for number, word in enumerate(WORDS * 3):
        chunk = openai_chunk(delta_of(word), padding="p" * (1 + number % 5))
        feeds.append(json.dumps(chunk, **dump_options))
    (events, error), decoded = same_either_way(feeds)
    assert error is None
    assert len(decoded) <= 3, decoded  # the opening chunk, the first piece and its check
    assert sum(1 for event in events if isinstance(event, chatsse.Completed)) == 1


@pytest.mark.parametrize("padded", [False, True], ids=["mistral", "mistral with padding p"])
def test_a_mistral_stream_repeats(padded: bool) -> None:
    feeds = []
    for number, word in enumerate(WORDS * 5):
        chunk = {
            "id": "m1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "mistral",
            "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}],
        }
        if padded:
            chunk["p"] = "abcdefghijklmnopqrstuvwxyz"[: 5 + number % 20]
        feeds.append(dumps(chunk))  # fmt: skip
    _, decoded = same_either_way(feeds)
    assert len(decoded) == 2


def test_a_new_envelope_is_learned_again() -> None:
    # Ollama's "created" ticks every second; reasoning turns into text; a new
    # tool call starts at the next index: each is decoded once, then repeats.
    feeds = []
    for second in range(3):
        for word in WORDS:
            feeds.append(
                dumps({"created": second, "choices": [{"index": 0, "delta": {"reasoning": word}}]})
            )
    for word in WORDS:
        feeds.append(dumps({"created": 9, "choices": [{"index": 0, "delta": {"content": word}}]}))
    for index in range(3):
        for piece in ('{"a":', "1", "}"):
            delta = {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
            feeds.append(dumps({"created": 9, "choices": [{"index": 0, "delta": delta}]}))
    (events, _), decoded = same_either_way(feeds)
    assert len(decoded) == 2 * (3 + 1 + 3)
    assert chatsse.collect(events).reasoning == "".join(WORDS * 3)


def test_a_stream_that_never_repeats_gives_up_after_a_few_tries() -> None:
    # A counter in every chunk: each repeat made fails at once. Making one
    # costs a decode; after three, the parser stops trying.
    feeds = [
        dumps({"n": number, "choices": [{"index": 0, "delta": {"content": f"w{number}"}}]})
        for number in range(50)
    ]
    _, decoded = same_either_way(feeds)
    assert len(decoded) == 50 + 4


def test_a_huge_chunk_is_not_made_a_repeat() -> None:
    # Checking a repeat decodes its chunk again: not worth it for a huge one.
    big = "x" * (64 * 1024)
    feeds = [dumps({"choices": [{"index": 0, "delta": {"content": big + word}}]}) for word in "abc"]
    (events, _), decoded = same_either_way(feeds)
    assert chatsse.collect(events).text == big + "a" + big + "b" + big + "c"
    assert len(decoded) == 3


def test_a_chunk_for_another_choice_is_never_a_repeat() -> None:
    feeds = [
        dumps({"choices": [{"index": index, "delta": {"content": word}}]})
        for word in WORDS * 4
        for index in (0, 1)
    ]
    (events, _), decoded = same_either_way(feeds, choice=1)
    assert chatsse.collect(events).text == "".join(WORDS * 4)
    assert len(decoded) < len(feeds) // 2 + 4


# -- what the short way must not get wrong ---------------------------------------------

HEAD = '{"id":"c","choices":[{"index":0,"delta":{"content":"'


@pytest.mark.parametrize(
    "later",
    [
        pytest.param(HEAD + 'ab","refusal":"sorry"}}]}', id="a key slipped in through the text"),
        pytest.param(HEAD + 'a\x01b"}}]}', id="raw control character: not JSON"),
        pytest.param(HEAD + 'a\\qb"}}]}', id="invalid escape: not JSON"),
        pytest.param(HEAD + 'a\\"}}]}"}}]}', id="escaped quote before the closing"),
        pytest.param(HEAD + 'a\\\\"}}]}', id="escaped backslash"),
        pytest.param(HEAD + '\\ud83d\\ude42 \\u00e9\\n"}}]}', id="escapes"),
        pytest.param(HEAD + '\\ud800"}}]}', id="lone surrogate escape"),
        pytest.param(HEAD + '"}}]}', id="empty piece"),
        pytest.param(HEAD + 'ab"}}]}  ', id="trailing whitespace"),
        pytest.param(HEAD + 'ab"}}]}x', id="trailing garbage"),
        pytest.param(HEAD + 'ab"}}]}"}}]}', id="the end twice"),
        pytest.param(HEAD + 'ab"}}]', id="cut short"),
        pytest.param(HEAD + "ab", id="cut in the string"),
        pytest.param(HEAD + 'ab"},"finish_reason":"stop"}]}', id="a finish reason added"),
        pytest.param(HEAD + 'a\ud800b"}}]}', id="raw lone surrogate in a str"),
        pytest.param('{"id":"c","choices":[{"index":0,"delta":{"content":"', id="head alone"),
    ],
)
def test_a_chunk_that_looks_like_a_repeat_reads_as_json_says(later: str) -> None:
    first = HEAD + 'first"}}]}'
    (events, _), _ = same_either_way([first, first, later, first])
    assert chatsse.collect(events).text.startswith("firstfirst")


PADDED = '{"obfuscation":"pad","choices":[{"index":0,"delta":{"content":"'


@pytest.mark.parametrize("head", [HEAD, PADDED], ids=["text only", "padding first"])
@pytest.mark.parametrize(
    "rest",
    [
        pytest.param('x\\"}}]}"]]]]', id="an escaped end, then the wrong end"),
        pytest.param('x\\n"}}]}x', id="escapes, then trailing garbage"),
        pytest.param('x\\u00e9\\n"}}]}', id="escapes"),
        pytest.param('x"}}]}x', id="trailing garbage"),
    ],
)
def test_the_end_of_a_piece_is_where_json_says(head: str, rest: str) -> None:
    first = head + 'first"}}]}'
    (events, _), _ = same_either_way([first, first, head + rest, first])
    assert chatsse.collect(events).text.startswith("firstfirst")


@pytest.mark.parametrize(
    "rest",
    [
        pytest.param('ab"}}x', id="trailing garbage"),
        pytest.param('a\\nb"}]}', id="escapes, then more"),
        pytest.param('a\\nb"]', id="escapes, then the wrong end"),
        pytest.param('a\x01b"}', id="raw control character: not JSON"),
        pytest.param('a"}', id="plain"),
        pytest.param('a\\"}', id="an escaped quote at the end: not JSON"),
        pytest.param('a\\"}b"]', id="an escaped quote, then the wrong end"),
    ],
)
def test_the_end_of_padding_is_where_json_says(rest: str) -> None:
    first = HEAD + 'a"}}],"obfuscation":"xyz"}'
    later = HEAD + 'a"}}],"obfuscation":"' + rest
    (events, _), _ = same_either_way([first, first, later, first])
    assert chatsse.collect(events).text in ("aaa", "aaaa")


@pytest.mark.parametrize(
    ("first", "later", "valid"),
    [
        pytest.param(
            PADDED + 'first"}}]}',
            '{"obfuscation":"p\\","choices":[{"index":0,"delta":{"content":"wxyz"}}]}',
            False,
            id="padding first, ending in a backslash: not JSON",
        ),
        pytest.param(
            PADDED + 'first"}}]}',
            '{"obfuscation":"p\\q","choices":[{"index":0,"delta":{"content":"x"}}]}',
            False,
            id="padding first, an invalid escape: not JSON",
        ),
        pytest.param(
            PADDED + 'first"}}]}',
            '{"obfuscation":"p-_\\/\\u00e9","choices":[{"index":0,"delta":{"content":"x"}}]}',
            True,
            id="padding first, not letters and digits",
        ),
        pytest.param(
            HEAD + 'first"}}],"obfuscation":"xyz","o":"q"}',
            HEAD + 'x"}}],"obfuscation":"p\\","o":"q"}',
            False,
            id="keys after the padding, which ends in a backslash: not JSON",
        ),
        pytest.param(
            HEAD + 'first"}}],"obfuscation":"xyz","o":"q"}',
            HEAD + 'x"}}],"obfuscation":"p+/=\\"\\u00e9","o":"q"}',
            True,
            id="keys after the padding, not letters and digits",
        ),
    ],
)
def test_padding_that_is_not_letters_and_digits_is_read_as_json_says(
    first: str, later: str, valid: bool
) -> None:
    # Padding is read quickly when it is letters and digits; any other is
    # read by json's scanner, and still repeats when it is valid.
    (events, _), decoded = same_either_way([first, first, later, first])
    if valid:
        assert chatsse.collect(events).text == "firstfirstxfirst"
        assert later not in decoded
    else:
        assert chatsse.collect(events).text == "firstfirstfirst"


def test_a_key_slipped_in_through_the_padding_is_read() -> None:
    first = HEAD + 'a"}}],"obfuscation":"xyz"}'
    usage = '{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}'
    later = HEAD + f'b"}}}}],"obfuscation":"x","usage":{usage},"o":"q"}}'
    (events, _), _ = same_either_way([first, first, later])
    result = chatsse.collect(events)
    assert result.text == "aab"
    assert result.usage is not None
    assert result.usage.input_tokens == 5


def test_a_finish_reason_in_every_chunk_is_read_in_every_chunk() -> None:
    feeds = [
        dumps({"choices": [{"index": 0, "delta": {"content": word}, "finish_reason": "length"}]})
        for word in ("a", "b")
    ]
    (events, error), _ = same_either_way(feeds)
    assert error is not None
    assert error[0] is chatsse.ContextWindowExceededError  # at the first chunk
    # Each chunk's finish reason closes the message before what comes next.
    feeds.append(dumps({"choices": [{"index": 0, "delta": {"reasoning_content": "r"}}]}))
    (events, error), _ = same_either_way(feeds, raise_on_length=False)
    kinds = [type(event).__name__ for event in events]
    assert kinds.index("ReasoningContentDelta") > max(
        at for at, kind in enumerate(kinds) if kind == "OutputItemDone" and at < len(kinds) - 3
    )
    assert [item.text for item in chatsse.collect(events).items] == ["a", "b", "r"]


def test_a_message_beside_the_delta_is_read_with_every_chunk() -> None:
    feeds = [
        dumps(
            {"choices": [{"index": 0, "delta": {"content": word}, "message": {"reasoning": "m"}}]}
        )
        for word in ("a", "b", "c")
    ]
    (events, _), decoded = same_either_way(feeds)
    result = chatsse.collect(events)
    assert (result.text, result.reasoning) == ("abc", "mmm")
    assert len(decoded) == 2  # the first chunk and its check: the others repeat it


def test_a_key_written_with_escapes_is_not_taken_for_another() -> None:
    # "cont\u0065nt" is "content": the place found by name holds another
    # "content", which the marks show is not the delta's.
    first = '{"choices":[{"index":0,"delta":{"cont\\u0065nt":"hi"},"x":{"content":"hi"}}]}'
    later = '{"choices":[{"index":0,"delta":{"cont\\u0065nt":"hi"},"x":{"content":"ho"}}]}'
    (events, _), decoded = same_either_way([first, later, later])
    assert chatsse.collect(events).text == "hihihi"
    assert len(decoded) >= 3  # no repeat was made of a place that is not the text


def test_a_duplicated_key_repeats_the_one_json_keeps() -> None:
    # json keeps the last of two equal keys: the text is "b", then "c", then "d".
    feeds = [HEAD + f'a","content":"{piece}"}}}}]}}' for piece in "bcd"]
    (events, _), decoded = same_either_way(feeds)
    assert chatsse.collect(events).text == "bcd"
    assert len(decoded) == 2


def test_a_duplicated_key_with_the_same_text_repeats_the_live_one() -> None:
    # Both "content" values are "b": the first is dead (json keeps the last),
    # so the text later chunks change must be the second.
    feeds = [HEAD + f'{first}","content":"{last}"}}}}]}}' for first, last in ("bb", "xb", "bc")]
    (events, _), _ = same_either_way(feeds)
    assert chatsse.collect(events).text == "bbc"


def test_a_piece_that_is_a_mark_is_not_taken_for_one() -> None:
    mark = "\\u0000chatsse piece\\u0000"
    feeds = [HEAD + f'{mark}","content":"{mark}"}}}}]}}', HEAD + f'x","content":"{mark}"}}}}]}}']
    (events, _), _ = same_either_way(feeds)
    assert chatsse.collect(events).text == "\x00chatsse piece\x00" * 2


def test_padding_that_is_not_top_level_is_not_skipped() -> None:
    feeds = [
        dumps(
            {
                "choices": [{"index": 0, "delta": {"content": "x"}, "obfuscation": pad}],
                "obfuscation": pad,
            }
        )
        for pad in ("a", "b", "c")
    ]
    (events, _), decoded = same_either_way(feeds)
    assert chatsse.collect(events).text == "xxx"
    assert len(decoded) > 3  # each chunk decoded, and repeats tried


def test_a_piece_equal_to_the_padding_or_a_mark_is_handled() -> None:
    feeds = [dumps(openai_chunk({"content": "same"}, "same")) for _ in range(3)]
    feeds += [dumps(openai_chunk({"content": "\x00chatsse piece\x00"}, "p")) for _ in range(3)]
    (events, _), _ = same_either_way(feeds)
    assert chatsse.collect(events).text == "same" * 3 + "\x00chatsse piece\x00" * 3


def test_an_error_event_is_an_error_even_if_its_data_repeats() -> None:
    first = HEAD + 'ok"}}]}'
    feeds = [SimpleNamespace(event=kind, data=first) for kind in ("message", "message", "error")]
    (events, error), _ = same_either_way(feeds)
    assert error is not None
    assert error[0] is chatsse.APIError  # P3
    assert [e.delta for e in events if isinstance(e, chatsse.OutputTextDelta)] == ["ok", "ok"]


def test_a_finished_parser_refuses_a_batch_of_repeats() -> None:
    # The pipeline's way in (_feed_all) tries repeats first: not on a finished parser.
    feeds = text_stream(["a", "b"])
    parser = ChatStreamParser()
    out: list[ResponseEvent] = []
    parser._feed_all([*feeds, "[DONE]"], out)
    assert parser.finished
    with pytest.raises(chatsse.ParserStateError):
        parser._feed_all(feeds[1:2], out)


def test_an_error_while_reading_a_repeat_ends_the_stream_like_any_other() -> None:
    # No reading of a repeat raises today (its chunk was read without raising,
    # and no error depends on the piece); should one, P13 still holds.
    feeds = text_stream(["a", "b", "c"])
    parser = ChatStreamParser()
    out: list[ResponseEvent] = []
    parser._feed_all(feeds[:3], out)
    repeat = parser._repeats._repeat if parser._repeats else None
    assert repeat is not None

    def failing(parser: Any, piece: str, events: list[Any]) -> None:
        ChatStreamParser._add_text(parser, piece, events)
        raise chatsse.APIError("failed while reading " + piece)

    repeat.reader = failing
    with pytest.raises(chatsse.APIError) as raised:
        parser._feed_all(feeds[3:], out)
    assert parser.finished
    assert raised.value.events == (chatsse.OutputTextDelta("c"),)
    assert [getattr(item, "text", None) for item in raised.value.partial_items] == ["abc"]
    assert chatsse.OutputTextDelta("c") not in out


def test_each_parser_follows_its_own_stream() -> None:
    # No repeat is shared between parsers (no global state): two streams with
    # the same envelope, read in turns, each get their own text.
    feeds_a = text_stream(["a"] * 5)
    feeds_b = text_stream(["b"] * 5)
    parser_a, parser_b = ChatStreamParser(), ChatStreamParser()
    out_a: list[ResponseEvent] = []
    out_b: list[ResponseEvent] = []
    for data_a, data_b in zip(feeds_a, feeds_b, strict=True):
        out_a += parser_a.feed(data_a)
        out_b += parser_b.feed(data_b)
    assert chatsse.collect(out_a + parser_a.end()).text == "aaaaa"
    assert chatsse.collect(out_b + parser_b.end()).text == "bbbbb"


# -- any stream: the same events either way -------------------------------------------------

PIECES = TEXT | st.sampled_from(['","refusal":"x', "\\", '"', "\x00", "\x1f", "}]}", '"}}]}'])


@st.composite
def repeating_streams(draw: st.DrawFn) -> list[str]:
    """Chunks that mostly repeat one envelope with other pieces, sometimes differ
    elsewhere, sometimes are cut or have raw text slipped in where the piece is."""
    base = draw(chunk_strategy(wild=False))
    if not (isinstance(base.get("choices"), list) and base["choices"]):
        base["choices"] = [{"index": 0, "delta": {}}]
    choice = base["choices"][0]
    if not isinstance(choice.get("delta"), dict):
        choice["delta"] = {}
    path = draw(st.sampled_from(["content", "reasoning_content", "reasoning", "arguments"]))
    padded = draw(st.booleans())
    dump_options = draw(
        st.sampled_from(
            [
                {"separators": (",", ":"), "ensure_ascii": False},
                {"separators": (", ", ": "), "ensure_ascii": True},
                {"ensure_ascii": False},
            ]
        )
    )
    feeds = []
    for _ in range(draw(st.integers(1, 10))):
        chunk = json.loads(json.dumps(base))
        piece = draw(PIECES)
        delta = chunk["choices"][0]["delta"]
        if path == "arguments":
            delta["tool_calls"] = [
                {"index": draw(st.sampled_from([0, 0, 1])), "function": {"arguments": piece}}
            ]
        else:
            delta[path] = piece
        if padded:
            chunk["obfuscation"] = draw(st.sampled_from(["a", "bb", "ccc", '"', "\\"]))
        change = draw(st.sampled_from(["none"] * 6 + ["finish", "usage", "index", "raw", "cut"]))
        if change == "finish":
            chunk["choices"][0]["finish_reason"] = draw(
                st.sampled_from(["stop", "tool_calls", "length", ""])
            )
        elif change == "usage":
            chunk["usage"] = {"prompt_tokens": 1, "completion_tokens": 2}
        elif change == "index":
            chunk["choices"][0]["index"] = 1
        data = json.dumps(chunk, **dump_options)
        if change == "raw" and piece:
            # The piece's text as it stands in the JSON, replaced by raw text.
            encoded = json.dumps(piece, ensure_ascii=dump_options["ensure_ascii"])[1:-1]
            data = data.replace(encoded, draw(PIECES), 1)
        elif change == "cut":
            data = data[: draw(st.integers(0, len(data)))]
        feeds.append(data)
    note(feeds)
    return feeds


@FAST
@given(feeds=repeating_streams(), options=OPTIONS)
def test_any_repeating_stream_gives_the_same_events_either_way(
    feeds: list[str], options: dict[str, Any]
) -> None:
    same_either_way(feeds, **options)


@settings(max_examples=100, deadline=None)
@given(
    base=repeating_streams(), others=st.lists(chunk_strategy(wild=True), max_size=4), data=st.data()
)
def test_wild_chunks_between_repeats_change_nothing(
    base: list[str], others: list[Any], data: st.DataObject
) -> None:
    feeds = list(base)
    for other in others:
        feeds.insert(data.draw(st.integers(0, len(feeds))), json.dumps(other))
    same_either_way(feeds)


# -- the recorded corpus ---------------------------------------------------------------------


def _corpus_files() -> list[Path]:
    return sorted((SHARED / "corpus").glob("*/*.sse"))


def test_every_corpus_stream_gives_the_same_events_either_way() -> None:
    payloads = decoded = 0
    for path in _corpus_files():
        body = path.read_bytes()
        for options in ({}, {"tool_call_deltas": True}):
            parser_class, seen = counting(ChatStreamParser)
            got = _as_dicts(parse_source(parser_class(**options), body, DEFAULT_MAX_EVENT_BYTES))
            plain = _as_dicts(
                parse_source(EveryChunkDecoded(**options), body, DEFAULT_MAX_EVENT_BYTES)
            )
            assert got == plain, path
        payloads += sum(1 for sse in iter_sse([body]) if sse.data.strip() != "[DONE]")
        decoded += len(seen)
    # Most real chunks repeat: the corpus' 3,422 payloads need about 1,400 decodes.
    assert len(_corpus_files()) == 79
    assert decoded < 0.45 * payloads, (decoded, payloads)


def _as_dicts(events: Iterable[ResponseEvent]) -> tuple[list[dict[str, Any]], str | None]:
    # to_dict shows what equality leaves out (TokenUsage.raw).
    got: list[dict[str, Any]] = []
    try:
        for event in events:
            got.append(chatsse.to_dict(event))
    except chatsse.ChatSSEError as error:
        return got, repr(error)
    return got, None
