"""Unit tests of your own code with in-memory bytes: no server, no network."""

import json

import pytest

import chatsse


def weather_calls(events):
    """The code under test: the cities of the get_weather calls in a stream."""
    return [
        json.loads(event.item.arguments)["city"]
        for event in events
        if isinstance(event, chatsse.OutputItemDone)
        and isinstance(event.item, chatsse.FunctionCall)
        and event.item.name == "get_weather"
    ]


def sse(*chunks):
    """A Chat Completions SSE body: one ``data:`` event per chunk, then ``[DONE]``."""
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return "".join([*events, "data: [DONE]\n\n"]).encode()


def call(index, call_id=None, name=None, arguments=""):
    function = {"arguments": arguments, **({"name": name} if name else {})}
    tool_call = {"index": index, "function": function, **({"id": call_id} if call_id else {})}
    return {"choices": [{"index": 0, "delta": {"tool_calls": [tool_call]}}]}


BODY = sse(
    call(0, "call_1", "get_weather", '{"city": '),
    call(0, arguments='"Oslo"}'),
    call(1, "call_2", "get_weather", '{"city": "Lima"}'),
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
)


def test_two_parallel_calls():
    assert weather_calls(chatsse.iter_events(BODY)) == ["Oslo", "Lima"]


@pytest.mark.parametrize("size", [1, 7, 64])
def test_any_chunking_gives_the_same_calls(size):
    chunks = [BODY[i : i + size] for i in range(0, len(BODY), size)]
    assert weather_calls(chatsse.iter_events(chunks)) == ["Oslo", "Lima"]


def test_a_provider_error_mid_stream():
    body = sse(call(0, "call_1", "get_weather", '{"ci'), {"error": {"message": "overloaded"}})
    with pytest.raises(chatsse.APIError, match="overloaded") as caught:
        weather_calls(chatsse.iter_events(body))
    assert caught.value.partial_items[0].arguments == '{"ci'


if __name__ == "__main__":
    raise SystemExit(pytest.main(["-q", "-p", "no:cacheprovider", __file__]))
