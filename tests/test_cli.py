"""The command line, run for real in a subprocess: output and exit codes (SPEC §7)."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import shared_path
from helpers import sse_body

import chatsse
from chatsse import OutputTextDelta, ReasoningContentDelta
from chatsse._render import LiveRenderer
from chatsse.testing import ReplayServer, Reply

DEMO = Path(chatsse.__file__).parent / "data" / "demo.sse"
KEY = "sk-test-do-not-print-0123456789"


def run(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    environment.update(env or {})
    environment["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "chatsse", *args],
        input=stdin.decode() if stdin else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        check=False,
    )


# -- demo -----------------------------------------------------------------------------


def test_demo_streams_the_bundled_answer_live_through_the_driver() -> None:
    result = run("demo", "--pace", "0")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "ReplayServer" in out
    assert "stream_chat" in out
    assert "thinking: The user asks whether to take an umbrella" in out
    assert "Let me check the forecast for Paris before I answer." in out
    assert '-> get_weather({"city":"Paris","unit":"celsius","when":"this afternoon"})' in out
    assert "finish: tool_calls" in out
    assert "187 in (128 cached), 96 out (41 reasoning), 283 total" in out
    assert "first token" in out
    assert "events in" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_demo_as_json_lines_round_trips() -> None:
    result = run("demo", "--pace", "0", "--json")
    assert result.returncode == 0, result.stderr
    events = [chatsse.from_dict(json.loads(line)) for line in result.stdout.splitlines()]
    assert events == list(chatsse.iter_events(DEMO.read_bytes()))


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("chatsse")
    assert script.exists()
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for command in ("demo", "chat", "replay", "serve"):
        assert command in result.stdout


# -- replay ---------------------------------------------------------------------------


def test_replay_prints_one_line_per_event() -> None:
    result = run("replay", str(DEMO))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(list(chatsse.iter_events(DEMO.read_bytes())))
    assert "ReasoningContentDelta" in lines[1]
    assert lines[-1].split()[1] == "Completed"


def test_replay_from_stdin_as_json_in_small_chunks_gives_the_same_events() -> None:
    whole = run("replay", str(DEMO), "--json")
    piecewise = run("replay", "-", "--json", "--chunk-size", "7", stdin=DEMO.read_bytes())
    assert whole.returncode == piecewise.returncode == 0
    assert whole.stdout == piecewise.stdout


def test_replay_parser_options() -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": "cut"}, "finish_reason": "length"}]}
    )
    path = shared_path("corpus", "vllm", "opt-125m-length.sse")
    assert run("replay", str(path)).returncode == 1
    assert run("replay", str(path), "--no-raise-on-length").returncode == 0
    result = run("replay", "-", "--json", "--no-raise-on-length", stdin=body)
    assert json.loads(result.stdout.splitlines()[-1])["finish_reason"] == "length"


def test_replay_of_a_stream_with_an_error_exits_1_after_printing_what_came() -> None:
    path = shared_path("corpus", "groq", "gpt-oss-120b-error-after-text.sse")
    result = run("replay", str(path))
    assert result.returncode == 1
    assert "OutputTextDelta" in result.stdout
    assert "APIError: Tool choice is required, but model did not call a tool" in result.stderr


def test_replay_of_a_missing_file_is_a_usage_error() -> None:
    result = run("replay", "/no/such/file.sse")
    assert result.returncode == 2
    assert "cannot read /no/such/file.sse" in result.stderr


# -- chat ---------------------------------------------------------------------------------

ANSWER = sse_body(
    {"id": "c1", "choices": [{"index": 0, "delta": {"reasoning_content": "Easy."}}]},
    {"id": "c1", "choices": [{"index": 0, "delta": {"content": "Four."}}]},
    {"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    {"id": "c1", "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3}},
)


def chat(server: ReplayServer, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {"OPENAI_API_KEY": KEY, "OPENAI_MODEL": "m-1", **kwargs.pop("env", {})}
    return run("chat", *args, "--base-url", server.base_url, env=env, **kwargs)


def test_chat_sends_the_request_and_prints_the_answer_live() -> None:
    with ReplayServer(ANSWER) as server:
        result = chat(server, "What is 2+2?", "--system", "Be brief.", "--max-tokens", "50")
        request = server.requests[0]
    assert result.returncode == 0, result.stderr
    assert "thinking: Easy." in result.stdout
    assert "Four." in result.stdout
    assert "12 in (0 cached), 3 out (0 reasoning), 15 total" in result.stdout
    assert request.path == "/v1/chat/completions"
    assert request.json == {
        "model": "m-1",
        "stream": True,
        "max_tokens": 50,
        "stream_options": {"include_usage": True},
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is 2+2?"},
        ],
    }
    assert request.headers.get("Authorization") == f"Bearer {KEY}"
    assert KEY not in result.stdout + result.stderr


def test_chat_reads_the_prompt_from_stdin_and_prints_json() -> None:
    with ReplayServer(ANSWER) as server:
        result = chat(server, "-", "--json", "--model", "m-2", "--no-usage", stdin=b"from stdin")
        request = server.requests[0]
    assert result.returncode == 0, result.stderr
    assert request.json["messages"] == [{"role": "user", "content": "from stdin"}]
    assert request.json["model"] == "m-2"
    assert "stream_options" not in request.json
    events = [chatsse.from_dict(json.loads(line)) for line in result.stdout.splitlines()]
    assert chatsse.collect(events).text == "Four."


def test_chat_http_errors_print_the_status_and_the_providers_message() -> None:
    reply = Reply.error(
        401,
        "Incorrect API key provided: sk-te****6789.",
        type="invalid_request_error",
        code="invalid_api_key",
    )
    with ReplayServer(reply) as server:
        result = chat(server, "hi")
    assert result.returncode == 3
    assert "HTTP 401: Incorrect API key provided: sk-te****6789." in result.stderr
    assert KEY not in result.stdout + result.stderr


def test_chat_rate_limit_prints_when_to_retry() -> None:
    with ReplayServer(Reply.error(429, "Rate limit reached", headers={"Retry-After": "7"})) as s:
        result = chat(s, "hi")
    assert result.returncode == 3
    assert "retry after 7 s" in result.stderr


def test_chat_idle_timeout_exits_4() -> None:
    with ReplayServer(ANSWER, stall_after=ANSWER.index(b"Four")) as server:
        result = chat(server, "hi", "--idle-timeout", "0.5")
    assert result.returncode == 4
    assert "IdleTimeoutError: idle timeout waiting for SSE" in result.stderr
    assert "Easy." in result.stdout  # what came before the stall is shown


def test_chat_error_inside_the_stream_exits_1() -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": "par"}}]},
        {"error": {"message": "overloaded", "code": 529}},
    )
    with ReplayServer(body) as server:
        result = chat(server, "hi")
    assert result.returncode == 1
    assert "APIError: overloaded" in result.stderr


def test_chat_unreachable_server_exits_4() -> None:
    with ReplayServer(ANSWER) as server:
        base_url = server.base_url
    result = run("chat", "hi", "--base-url", base_url, "--model", "m")
    assert result.returncode == 4
    assert "StreamError: could not connect to http://127.0.0.1:" in result.stderr
    assert "Connection refused" in result.stderr


def test_chat_without_a_model_is_a_usage_error() -> None:
    result = run("chat", "hi", "--base-url", "http://127.0.0.1:9/v1")
    assert result.returncode == 2
    assert "no model" in result.stderr


# -- serve --------------------------------------------------------------------------------


def test_serve_replays_files_in_turn_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    first, second = tmp_path / "first.sse", tmp_path / "second.sse"
    first.write_bytes(sse_body({"choices": [{"index": 0, "delta": {"content": "one"}}]}))
    second.write_bytes(sse_body({"choices": [{"index": 0, "delta": {"content": "two"}}]}))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chatsse",
            "serve",
            str(first),
            str(second),
            "--chunk-size",
            "5",
            "--framing",
            "close",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "serving 2 transcript(s) at http://127.0.0.1:" in banner
        url = banner.split("(POST ")[1].split(")")[0]
        texts = []
        for _ in range(3):
            with requests.Session() as session:
                stream = chatsse.stream_chat(url, {"model": "m", "messages": []}, session=session)
                texts.append(chatsse.collect(stream).text)
        assert texts == ["one", "two", "one"]
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "stopped" in out


def test_serve_a_missing_file_is_a_usage_error() -> None:
    result = run("serve", "/no/such.sse")
    assert result.returncode == 2


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["nope"],
        ["demo", "--pace", "x"],
        ["demo", "--pace", "-1"],
        ["replay", "-", "--chunk-size", "0"],
        ["replay", "-", "--chunk-size", "-1"],
        ["replay", "-", "--choice", "-1"],
        ["serve", "x.sse", "--chunk-size", "0"],
        ["serve", "x.sse", "--delay", "-1"],
        ["serve", "x.sse", "--port", "70000"],
        ["chat", "hi", "--model", "m", "--max-tokens", "0"],
        ["chat", "hi", "--model", "m", "--base-url", "not a url"],
    ],
)
def test_bad_command_lines_exit_2_without_a_traceback(command: list[str]) -> None:
    result = run(*command, stdin=b"")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "usage: chatsse" in result.stderr


def test_chat_usage_errors_show_the_chat_usage() -> None:
    result = run("chat", "hi", "--base-url", "http://127.0.0.1:9/v1")
    assert "usage: chatsse chat" in result.stderr


# -- hostile environments (found by an adversarial review) ----------------------------------


def test_a_reader_that_leaves_at_once_is_not_an_error() -> None:
    # Pretty output is buffered: the last buffer is written after the command
    # ran, and a pipe already closed must still give exit 0, not Python's 120.
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with subprocess.Popen(
        [sys.executable, "-m", "chatsse", "replay", str(DEMO)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()  # the reader went away before the first line
        err = process.stderr.read()
        assert process.wait(30) == 0, err
    assert b"BrokenPipeError" not in err


@pytest.mark.parametrize("key", [KEY + "\r", "\t" + KEY + "\r\n", KEY + "é€"])
def test_a_key_a_header_cannot_carry_is_stripped_or_refused_never_printed(key: str) -> None:
    with ReplayServer(ANSWER) as server:
        result = chat(server, "hi", env={"OPENAI_API_KEY": key})
        requests_seen = server.requests
    assert KEY not in result.stdout + result.stderr
    if key.strip() == KEY:  # surrounding whitespace (a key read from a file): stripped
        assert result.returncode == 0, result.stderr
        assert requests_seen[0].header("Authorization") == f"Bearer {KEY}"
    else:
        assert result.returncode == 2
        assert "OPENAI_API_KEY" in result.stderr
        assert requests_seen == []


@pytest.mark.parametrize("timeout", ["0", "inf", "1e400", "1e10", "nan", "-1"])
def test_an_idle_timeout_out_of_range_is_a_usage_error(timeout: str) -> None:
    with ReplayServer(ANSWER) as server:
        result = chat(server, "hi", "--idle-timeout", timeout)
        assert server.requests == []
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr


def test_json_lines_hold_no_nan_or_infinity(tmp_path: Path) -> None:
    path = tmp_path / "weird.sse"
    path.write_bytes(
        b'data: {"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}],'
        b'"usage":{"prompt_tokens":NaN,"completion_tokens":Infinity,"total_tokens":2}}\n\n'
    )
    result = run("replay", str(path), "--json")
    assert result.returncode == 0, result.stderr

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    lines = [json.loads(line, parse_constant=refuse) for line in result.stdout.splitlines()]
    assert lines[-1]["token_usage"]["raw"]["prompt_tokens"] is None


def test_json_lines_are_utf_8_whatever_the_locale(tmp_path: Path) -> None:
    path = tmp_path / "text.sse"
    path.write_bytes(sse_body({"choices": [{"index": 0, "delta": {"content": "café 🙂 東京"}}]}))
    result = subprocess.run(
        [sys.executable, "-m", "chatsse", "replay", str(path), "--json"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "latin-1"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [line["delta"] for line in lines if line["type"] == "output_text.delta"] == [
        "café 🙂 東京"
    ]


# An emoji cut into its two UTF-16 halves, one per delta (a JavaScript server).
SPLIT_EMOJI = (
    b'data: {"choices":[{"index":0,"delta":{"content":"Sunny \\ud83d"}}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{"content":"\\ude00 all day."},'
    b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)


def test_json_lines_write_a_lone_utf16_half_as_its_json_escape() -> None:
    result = run("replay", "-", "--json", stdin=SPLIT_EMOJI)
    assert result.returncode == 0, result.stderr
    deltas = [json.loads(line) for line in result.stdout.splitlines()][1:3]
    assert [line["delta"] for line in deltas] == ["Sunny \ud83d", "\ude00 all day."]


def test_live_output_joins_an_emoji_cut_across_deltas() -> None:
    with ReplayServer(SPLIT_EMOJI) as server:
        result = chat(server, "hi")
    assert result.returncode == 0, result.stderr
    assert "Sunny \U0001f600 all day." in result.stdout


def test_live_output_shows_a_held_half_when_the_stream_ends_in_an_error() -> None:
    body = (
        b'data: {"choices":[{"index":0,"delta":{"content":"ab\\ud83d"}}]}\n\n'
        b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\n\n'
    )
    with ReplayServer(body) as server:
        result = chat(server, "hi")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("ab\\ud83d")  # (backslashreplace: the half as it came)


def test_the_live_renderer_holds_a_first_half_back_until_its_other_comes_or_never_will() -> None:
    out = io.StringIO()
    renderer = LiveRenderer(out, color=False)
    for delta in ("a\ud83d", "\ude00b", "c\ud83d"):
        renderer.event(OutputTextDelta(delta))
    assert out.getvalue() == "a\U0001f600bc"  # the last half is held back
    renderer.event(ReasoningContentDelta("think", 0))  # another section: it never will come
    assert out.getvalue() == "a\U0001f600bc\ud83d\n\nthinking: think"


def test_live_output_shows_control_characters_instead_of_obeying_them() -> None:
    hostile = "clear\x1b[2J title\x1b]0;pwned\x07 back\rover\x9b done\ttab\nline"
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": hostile}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    )
    with ReplayServer(body) as server:
        result = chat(server, "hi")
    assert result.returncode == 0, result.stderr
    assert (
        "clear\u241b[2J title\u241b]0;pwned\u2407 backover\ufffd done\ttab\nline" in result.stdout
    )
    assert "\x1b" not in result.stdout
    assert "\r" not in result.stdout


HOSTILE = "x\x1b]0;pwned\x07\x1b[2J\rover\n   9 Completed"  # (a forged replay line too)
SHOWN = "x\u241b]0;pwned\u2407\u241b[2Jover\u240a   9 Completed"


def assert_harmless(output: str) -> None:
    assert SHOWN in output
    assert "\x1b" not in output
    assert "\r" not in output


def test_the_summary_line_shows_control_characters_instead_of_obeying_them() -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": "hi"}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": HOSTILE}]},
    )
    with ReplayServer(body) as server:
        result = chat(server, "hi")
    assert result.returncode == 0, result.stderr
    assert_harmless(result.stdout)


def test_replayed_events_show_control_characters_instead_of_obeying_them(
    tmp_path: Path,
) -> None:
    call = {"index": 0, "id": HOSTILE, "function": {"name": HOSTILE, "arguments": HOSTILE}}
    path = tmp_path / "hostile.sse"
    path.write_bytes(
        sse_body(
            {"id": HOSTILE, "choices": [{"index": 0, "delta": {"tool_calls": [call]}}]},
            {"choices": [{"index": 0, "delta": {}, "finish_reason": HOSTILE}]},
        )
    )
    result = run("replay", str(path))
    assert result.returncode == 0, result.stderr
    assert_harmless(result.stdout)
    # The call's name and id, the response id, the finish reason (and the
    # arguments, which a line feed in already cuts short onto one line).
    assert result.stdout.count(SHOWN) == 4
    assert len(result.stdout.splitlines()) == 2  # one line per event, none forged


@pytest.mark.parametrize(
    "reply",
    [
        Reply.error(401, HOSTILE),
        Reply(sse_body({"error": {"message": HOSTILE}})),
    ],
    ids=["http-error", "api-error"],
)
def test_error_messages_show_control_characters_instead_of_obeying_them(reply: Reply) -> None:
    with ReplayServer(reply) as server:
        result = chat(server, "hi")
    assert result.returncode in (1, 3)
    assert_harmless(result.stderr)


@pytest.mark.parametrize(
    ("suffix", "path"),
    [
        ("/v1", "/v1/chat/completions"),
        ("/v1/", "/v1/chat/completions"),
        ("/openai?api-version=2024-06-01", "/openai/chat/completions?api-version=2024-06-01"),
        ("/v1#part", "/v1/chat/completions"),
    ],
)
def test_chat_adds_the_path_to_the_base_url_before_its_query(suffix: str, path: str) -> None:
    with ReplayServer(ANSWER) as server:
        result = run(
            "chat",
            "hi",
            "--model",
            "m",
            "--base-url",
            server.url + suffix,
            env={"OPENAI_API_KEY": KEY},
        )
        assert result.returncode == 0, result.stderr
        assert server.requests[0].path == path


@pytest.mark.parametrize("stderr_too", [False, True], ids=["stderr", "stderr-full-too"])
def test_output_that_cannot_be_written_is_an_error_without_a_traceback(
    tmp_path: Path, stderr_too: bool
) -> None:
    path = tmp_path / "a.sse"
    path.write_bytes(ANSWER)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "chatsse", "replay", str(path)],
            stdout=full,
            stderr=full if stderr_too else subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    if not stderr_too:
        assert result.stderr == "chatsse: OSError: [Errno 28] No space left on device\n"


def run_with_closed(stream: str, arguments: list[str]) -> subprocess.CompletedProcess[str]:
    """The command line started with standard input or output ("stdin", "stdout") closed."""
    number = 0 if stream == "stdin" else 1
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import os, sys; os.close({number}); sys.{stream} = None; "
            f"from chatsse._cli import main; raise SystemExit(main({arguments!r}))",
        ],
        stdout=subprocess.PIPE if stream == "stdin" else None,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_closed_standard_output_is_a_usage_error() -> None:
    result = run_with_closed("stdout", ["demo", "--pace", "0"])
    assert result.returncode == 2
    assert result.stderr == "chatsse: no standard output to write to (it is closed)\n"


def test_demo_refuses_a_pace_whose_first_wait_is_over_a_day() -> None:
    result = run("demo", "--pace", "9000")
    assert result.returncode == 2
    assert "--pace must be at most 8640 s" in result.stderr
    assert "first_byte_delay" not in result.stderr


@pytest.mark.parametrize(
    "arguments",
    [["replay", "-"], ["chat", "-", "--model", "m", "--base-url", "http://127.0.0.1:9"]],
)
def test_reading_a_closed_standard_input_is_a_usage_error(arguments: list[str]) -> None:
    result = run_with_closed("stdin", arguments)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "no standard input to read" in result.stderr


def test_serve_on_a_port_in_use_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "a.sse"
    path.write_bytes(ANSWER)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("serve", str(path), "--port", str(taken.getsockname()[1]), timeout=30)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot serve" in result.stderr


def test_serve_an_unreadable_file_is_a_usage_error() -> None:
    result = run("serve", "/proc/self/mem", timeout=30)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot read /proc/self/mem" in result.stderr
