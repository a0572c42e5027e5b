"""The example web backends (examples/flask_app, examples/django_app), end to end.

Each example is served as deployed - gunicorn with gthread workers, in a
subprocess - in front of a ReplayServer upstream, and asked over real HTTP on
127.0.0.1: the answer arrives event by event, upstream failures arrive as
error frames, and a client that leaves makes the backend hang up on the
upstream.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from helpers import drain, sse_body

import chatsse
from chatsse import APIError, Completed, HTTPStatusError, OutputTextDelta
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer, Reply

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# Where gunicorn runs each example from, and the application it loads there:
# the commands of the examples' docstrings.
APPS = {
    "flask": (EXAMPLES / "flask_app", "app:create_app_from_env()"),
    "django": (EXAMPLES / "django_app", "chat_site.wsgi"),
}
MODEL = "example-model"
API_KEY = "sk-example-test-key"
# Generous: a loaded machine may take a while to start Python, Flask or Django.
STARTUP_SECONDS = 60.0
STOP_SECONDS = 15.0
# How soon the upstream must see a client leave: gunicorn notices at its next
# write (the next event, every 50 ms here), then chatsse shuts the socket down.
DISCONNECT_SECONDS = 1.5
# A long answer, slowly: still being written when a client leaves.
SLOW_BODY = sse_body(
    *[{"choices": [{"index": 0, "delta": {"content": f" w{i}"}}]} for i in range(400)],
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
)
SLOW_DELAY = 0.05


def _gunicorn_args() -> list[str]:
    from gunicorn.config import KNOWN_SETTINGS

    args = ["--worker-class", "gthread", "--threads", "4", "--workers", "1"]
    # gunicorn 25+ opens a control socket at one path per user by default:
    # servers started side by side (parallel test runs) would fight over it.
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        args.append("--no-control-socket")
    # Stop in-flight answers soon when the test is over.
    return [*args, "--graceful-timeout", "5"]


@contextlib.contextmanager
def served_example(
    example: str, upstream_url: str, log_path: Path, *, api_key: str | None = API_KEY
) -> Iterator[str]:
    """Serve an example under gunicorn (gthread), asking ``upstream_url``; yield its base URL.

    The listening socket is bound here and handed to gunicorn (``fd://``, as
    systemd's socket activation does), so no other process can take the port
    between choosing and binding it, and connections queue from the start.
    """
    directory, app = APPS[example]
    env = {**os.environ, "UPSTREAM_URL": upstream_url, "MODEL": MODEL, "PYTHONUNBUFFERED": "1"}
    env.pop("OPENAI_API_KEY", None)  # never the developer's own key
    if api_key is not None:
        env["OPENAI_API_KEY"] = api_key
    with (
        socket.create_server(("127.0.0.1", 0)) as listener,
        open(log_path, "wb") as log,
    ):
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            *_gunicorn_args(),
            "--bind",
            f"fd://{listener.fileno()}",
            "--chdir",
            str(directory),
            app,
        ]
        process = subprocess.Popen(
            command,
            env=env,
            pass_fds=[listener.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with requests.get(url + "/", timeout=STARTUP_SECONDS) as response:
                if response.status_code == 200:
                    return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"gunicorn did not serve {url} in time:\n{log_path.read_text()}")
        time.sleep(0.1)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """``serve(example, upstream, api_key=...)``: the base URL of the example, served
    until the test ends."""
    with contextlib.ExitStack() as stack:

        def start(example: str, upstream: ReplayServer, **options: Any) -> str:
            log_path = tmp_path / f"gunicorn-{example}.log"
            return stack.enter_context(
                served_example(example, upstream.chat_url, log_path, **options)
            )

        yield start


@pytest.fixture(params=list(APPS))
def example(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def ask(base_url: str, prompt: str = "hi") -> requests.Response:
    """GET /chat, as the page's EventSource does; the body is left to stream."""
    return requests.get(
        base_url + "/chat",
        params={"prompt": prompt},
        headers={"Accept": "text/event-stream"},
        stream=True,
        timeout=30,
    )


def assert_upstream_hung_up(upstream: ReplayServer) -> None:
    assert upstream.wait_idle(DISCONNECT_SECONDS), (
        f"the upstream did not see the client leave within {DISCONNECT_SECONDS} s"
    )
    assert upstream.wait_responses(1, 5.0)
    assert upstream.responses[0].client_left
    assert not upstream.responses[0].finished


# -- the page --------------------------------------------------------------------------


def test_the_page_is_served(example: str, serve: Callable[..., str]) -> None:
    with ReplayServer() as upstream:
        base_url = serve(example, upstream)
        with requests.get(base_url + "/", timeout=30) as response:
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("text/html")
            page = response.text
    assert (EXAMPLES / "web_page" / "index.html").read_text(encoding="utf-8") == page
    assert 'new EventSource("chat?prompt="' in page
    assert upstream.requests == []


def test_a_missing_prompt_is_a_bad_request(example: str, serve: Callable[..., str]) -> None:
    with ReplayServer() as upstream:
        base_url = serve(example, upstream)
        with requests.get(base_url + "/chat", timeout=30) as response:
            assert response.status_code == 400
    assert upstream.requests == []


# -- (a) the answer, event by event ----------------------------------------------------------


@pytest.mark.parametrize("api_key", [API_KEY, None])
def test_the_answer_is_re_streamed_event_by_event(
    example: str, serve: Callable[..., str], api_key: str | None
) -> None:
    with ReplayServer(demo_transcript(), delay=0.005) as upstream:
        base_url = serve(example, upstream, api_key=api_key)
        with ask(base_url, "Should I take an umbrella?") as response:
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("text/event-stream")
            assert response.headers["Cache-Control"] == "no-cache"
            assert response.headers["X-Accel-Buffering"] == "no"
            events = list(chatsse.decode_frames(response.raw))
    assert events == list(chatsse.iter_events(demo_transcript()))
    assert isinstance(events[-1], Completed)

    [sent] = upstream.requests
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.json["model"] == MODEL
    assert sent.json["messages"] == [{"role": "user", "content": "Should I take an umbrella?"}]
    assert sent.json["stream"] is True
    assert sent.json["stream_options"] == {"include_usage": True}
    expected = None if api_key is None else f"Bearer {api_key}"
    assert sent.header("Authorization") == expected


# -- (b) a client that leaves ----------------------------------------------------------


def test_a_client_that_leaves_makes_the_backend_hang_up_on_the_upstream(
    example: str, serve: Callable[..., str]
) -> None:
    with ReplayServer(SLOW_BODY, delay=SLOW_DELAY) as upstream:
        base_url = serve(example, upstream)
        with ask(base_url) as response:
            seen = 0
            for event in chatsse.decode_frames(response.raw):
                if isinstance(event, OutputTextDelta):
                    seen += 1
                    if seen == 5:
                        break
        # The connection is closed, as when the browser tab is.
        left = time.monotonic()
        assert_upstream_hung_up(upstream)
        print(
            f"\n{example}: the upstream saw the client leave after {time.monotonic() - left:.3f} s"
        )
        # The thread is free again: the backend still answers.
        with requests.get(base_url + "/", timeout=30) as page:
            assert page.status_code == 200


# -- (c) (d) upstream failures ----------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "retry_after"),
    [
        (Reply.error(401, "Incorrect API key provided", code="invalid_api_key"), None),
        (Reply.error(429, "Rate limit reached", headers={"Retry-After": "2"}), 2.0),
    ],
    ids=["401", "429"],
)
def test_an_upstream_http_error_reaches_the_client_as_an_error_frame(
    example: str, serve: Callable[..., str], reply: Reply, retry_after: float | None
) -> None:
    with ReplayServer(reply) as upstream:
        base_url = serve(example, upstream)
        with ask(base_url) as response:
            # The stream is opened once the response has started: a 200 whose
            # only frame reports the failure, which the page can show.
            assert response.status_code == 200
            with pytest.raises(HTTPStatusError) as caught:
                list(chatsse.decode_frames(response.raw))
    assert caught.value.status_code == reply.status
    assert caught.value.retry_after == retry_after
    expected = "Incorrect API key provided" if reply.status == 401 else "Rate limit reached"
    assert expected in caught.value.message


def test_an_upstream_failure_mid_answer_ends_with_an_error_frame(
    example: str, serve: Callable[..., str]
) -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": "Half an"}}]},
        {"choices": [{"index": 0, "delta": {"content": " answer"}}]},
        {"error": {"message": "Overloaded", "code": 529, "type": "server_error"}},
    )
    with ReplayServer(body, delay=0.005) as upstream:
        base_url = serve(example, upstream)
        with ask(base_url) as response:
            events, error = drain(chatsse.decode_frames(response.raw))
    assert isinstance(error, APIError)
    assert (error.message, error.code) == ("Overloaded", 529)
    assert "".join(e.delta for e in events if isinstance(e, OutputTextDelta)) == "Half an answer"
