"""The example page in a real browser: headless Chromium, driven by Selenium, against
the Flask example served by gunicorn (gthread) in front of a ReplayServer upstream.

Needs Debian's Chromium and ChromeDriver (``sudo apt-get install chromium
chromium-driver``); the tests skip without them, unless
``CHATSSE_REQUIRE_BROWSER=1`` (as in CI), where they fail instead. Selenium is
never allowed to download a browser or a driver.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import shared_path
from helpers import sse_body
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from test_web_examples import served_example

import chatsse
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer, Reply

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Generous: the first page load starts a whole browser on a loaded machine.
WAIT_SECONDS = 30.0
# How soon the upstream must see a closed tab: Chromium closes the connection
# at once, gunicorn notices at its next write (the next event, every 50 ms).
DISCONNECT_SECONDS = 5.0
# Chromium's EventSource reconnects 3 s after a stream ends, unless closed.
RECONNECT_SECONDS = 3.5
PROMPT = "Should I take an umbrella in Paris?"


def _require_browser() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return
    message = (
        f"{' and '.join(missing)} not found: the browser tests need Debian's Chromium and "
        "ChromeDriver (sudo apt-get install chromium chromium-driver)"
    )
    if os.environ.get("CHATSSE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message}; CHATSSE_REQUIRE_BROWSER=1 requires them", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def serve_flask(tmp_path: Path) -> Iterator[Callable[[ReplayServer], str]]:
    """``serve_flask(upstream)``: the base URL of the Flask example, served until the test ends."""
    with contextlib.ExitStack() as stack:

        def start(upstream: ReplayServer) -> str:
            log_path = tmp_path / "gunicorn-flask.log"
            return stack.enter_context(served_example("flask", upstream.chat_url, log_path))

        yield start


@pytest.fixture
def driver(tmp_path: Path, serve_flask: Callable[[ReplayServer], str]) -> Iterator[WebDriver]:
    """Headless Chromium with a fresh profile, quit when the test ends.

    It depends on ``serve_flask`` so that it quits first: gunicorn's graceful
    stop would otherwise wait for the browser's idle connections.
    """
    _require_browser()
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # as root in a container, the sandbox cannot start
        "--disable-gpu",
        "--disable-dev-shm-usage",
        # The network is closed: nothing may be asked of it in the background.
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-proxy-server",
        "--window-size=1000,900",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    # A driver path given: Selenium Manager (which downloads) is never run.
    service = Service(
        executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log")
    )
    browser = webdriver.Chrome(service=service, options=options)
    try:
        yield browser
    finally:
        # quit() stops the driver and the browser even when its command fails
        # (a session whose last tab the test closed).
        with contextlib.suppress(WebDriverException):
            browser.quit()


def page_state(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "body").get_attribute("data-state") or ""


def text_of(driver: WebDriver, element_id: str) -> str:
    # textContent, not .text: exactly what the page appended, spaces included.
    return str(driver.find_element(By.ID, element_id).get_property("textContent"))


def send_prompt(driver: WebDriver, base_url: str) -> None:
    driver.get(base_url + "/")
    driver.find_element(By.ID, "prompt").send_keys(PROMPT)
    driver.find_element(By.ID, "send").click()


def test_the_page_shows_reasoning_answer_and_tool_call(
    driver: WebDriver, serve_flask: Callable[[ReplayServer], str], tmp_path: Path
) -> None:
    expected = chatsse.collect(chatsse.iter_events(demo_transcript()))
    [call] = expected.tool_calls
    with ReplayServer(demo_transcript(), delay=0.01) as upstream:
        base_url = serve_flask(upstream)
        send_prompt(driver, base_url)
        WebDriverWait(driver, WAIT_SECONDS).until(lambda d: page_state(d) in ("done", "error"))
        status = text_of(driver, "status")
        assert page_state(driver) == "done", status

        assert text_of(driver, "answer") == expected.text
        assert text_of(driver, "reasoning") == expected.reasoning
        assert driver.find_element(By.ID, "reasoning").is_displayed()
        calls = driver.find_elements(By.CSS_SELECTOR, "#tool-calls li")
        assert [li.text for li in calls] == [f"{call.name}({call.arguments})"]
        assert calls[0].is_displayed()
        assert "finished: tool_calls" in status
        assert "283 total" in status

        screenshot = tmp_path / "answer.png"
        assert driver.save_screenshot(str(screenshot))
        print(f"\nscreenshot of the answered page: {screenshot}")

        # The page closed its EventSource on "completed": it neither asks
        # again nor reports the end of the response as a failure.
        time.sleep(RECONNECT_SECONDS)
        assert len(upstream.requests) == 1
        assert (page_state(driver), text_of(driver, "status")) == ("done", status)
    assert upstream.requests[0].json["messages"] == [{"role": "user", "content": PROMPT}]


def test_the_page_shows_a_refusal_apart_from_the_answer(
    driver: WebDriver, serve_flask: Callable[[ReplayServer], str]
) -> None:
    body = shared_path("corpus", "openai", "gpt-4o-structured-output-refusal.sse").read_bytes()
    expected = chatsse.collect(chatsse.iter_events(body))
    assert expected.refusal
    with ReplayServer(body) as upstream:
        base_url = serve_flask(upstream)
        send_prompt(driver, base_url)
        WebDriverWait(driver, WAIT_SECONDS).until(lambda d: page_state(d) in ("done", "error"))
        assert page_state(driver) == "done", text_of(driver, "status")
        assert text_of(driver, "refusal") == expected.refusal
        assert driver.find_element(By.ID, "refusal").is_displayed()
        assert text_of(driver, "answer") == expected.text


def test_the_page_shows_an_upstream_error(
    driver: WebDriver, serve_flask: Callable[[ReplayServer], str]
) -> None:
    reply = Reply.error(401, "Incorrect API key provided", code="invalid_api_key")
    with ReplayServer(reply) as upstream:
        base_url = serve_flask(upstream)
        send_prompt(driver, base_url)
        WebDriverWait(driver, WAIT_SECONDS).until(lambda d: page_state(d) in ("done", "error"))
        assert page_state(driver) == "error"
        assert text_of(driver, "status") == (
            "error: HTTPStatusError (HTTP 401): Incorrect API key provided"
        )
        assert text_of(driver, "answer") == ""


def test_closing_the_tab_mid_answer_hangs_up_on_the_upstream(
    driver: WebDriver, serve_flask: Callable[[ReplayServer], str]
) -> None:
    slow_body = sse_body(
        *[{"choices": [{"index": 0, "delta": {"content": f" w{i}"}}]} for i in range(600)],
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    )
    with ReplayServer(slow_body, delay=0.05) as upstream:
        base_url = serve_flask(upstream)
        # A second tab keeps the browser running once the chat's tab is closed.
        driver.switch_to.new_window("tab")
        send_prompt(driver, base_url)
        WebDriverWait(driver, WAIT_SECONDS).until(lambda d: len(text_of(d, "answer")) > 20)
        assert page_state(driver) == "streaming"

        driver.close()
        closed = time.monotonic()
        assert upstream.wait_idle(DISCONNECT_SECONDS), (
            f"the upstream did not see the tab close within {DISCONNECT_SECONDS} s"
        )
        print(f"\nthe upstream saw the tab close after {time.monotonic() - closed:.3f} s")
        assert upstream.wait_responses(1, 5.0)
        assert upstream.responses[0].client_left
        assert not upstream.responses[0].finished
        assert len(upstream.requests) == 1
