"""Test code that calls stream_chat() against a ReplayServer: a real HTTP server on 127.0.0.1."""

import time
from pathlib import Path

import pytest

import chatsse
from chatsse.testing import ReplayServer, Reply

# A recorded answer (yours would sit beside your tests: Path(__file__).parent / "x.sse").
TRANSCRIPT = Path(chatsse.__file__).parent / "data" / "demo.sse"


# -- the code under test -------------------------------------------------------------------
def ask(base_url, question, *, api_key, attempts=2):
    """Ask a question; on HTTP 429 wait as told and try again. Returns a ChatResult."""
    request = {"model": "deepseek-reasoner", "messages": [{"role": "user", "content": question}]}
    headers = {"Authorization": f"Bearer {api_key}"}
    for attempt in range(1, attempts + 1):
        try:
            with chatsse.stream_chat(f"{base_url}/chat/completions", request, headers=headers) as s:
                return chatsse.collect(s)
        except chatsse.HTTPStatusError as error:
            if error.status_code != 429 or attempt == attempts:
                raise
            time.sleep(error.retry_after if error.retry_after is not None else 1.0)
    raise ValueError("attempts must be at least 1")


# -- the tests -----------------------------------------------------------------------------
@pytest.fixture(params=["chunked", "close", "content-length"])
def server(request):
    """The recorded answer, 7 bytes per write, with each framing in turn."""
    with ReplayServer(TRANSCRIPT, chunk_size=7, framing=request.param) as server:
        yield server


def test_the_answer(server):
    result = ask(server.base_url, "Umbrella in Paris?", api_key="sk-test")
    assert result.text == "Let me check the forecast for Paris before I answer."
    assert [call.name for call in result.tool_calls] == ["get_weather"]


def test_the_request(server):
    ask(server.base_url, "Umbrella in Paris?", api_key="sk-test")
    [received] = server.requests
    assert received.path == "/v1/chat/completions"
    assert received.header("authorization") == "Bearer sk-test"
    assert received.json["messages"][-1]["content"] == "Umbrella in Paris?"


def test_a_rate_limit_is_retried_after_the_time_it_says():
    rate_limited = Reply.error(429, "Rate limit reached", headers={"retry-after-ms": "100"})
    with ReplayServer(rate_limited, TRANSCRIPT) as server:  # replies in turn
        result = ask(server.base_url, "Umbrella?", api_key="sk-test")
        first, second = server.requests
    assert result.finish_reason == "tool_calls"
    assert second.received_at - first.received_at >= 0.1


def test_a_persistent_error_is_raised():
    with (
        ReplayServer(Reply.error(500, "The server had an error")) as server,
        pytest.raises(chatsse.HTTPStatusError, match="HTTP 500"),
    ):
        ask(server.base_url, "Umbrella?", api_key="sk-test")


if __name__ == "__main__":
    raise SystemExit(pytest.main(["-q", "-p", "no:cacheprovider", __file__]))
