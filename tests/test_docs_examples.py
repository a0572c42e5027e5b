"""The documentation's examples: every script runs and prints what the docs show.

Each ``docs/examples/NAME.py`` is run in a fresh interpreter (warnings are errors)
and its output compared with ``docs/examples/NAME.out``, which the pages include
next to the code. Each ``docs/examples/NAME.sh`` (the command line) is run by
bash, as a user would type it: in an empty directory holding
``chatsse/data/demo.sse`` (as a checkout does), with the ``chatsse`` console
script on ``PATH``, ``OPENAI_BASE_URL`` pointing at a local ReplayServer that
serves the bundled transcript (so nothing leaves the machine) and standard
error merged into standard output, as a terminal shows them.

Outputs are compared after masking what changes from run to run (durations,
rates, ports). After a deliberate change of an example's output, rewrite the
``.out`` files with ``.venv/bin/python tests/test_docs_examples.py --update`` and
review the diff.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import chatsse
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXAMPLES = DOCS / "examples"
SCRIPTS = sorted([*EXAMPLES.glob("*.py"), *EXAMPLES.glob("*.sh")])
# The port the shell examples show (cli_serve.sh: PORT=${PORT:-8765}); they run
# on a free port, written as this one in their output.
SHOWN_PORT = 8765
# What changes from one run to the next, masked on both sides of the comparison.
MASKS = [
    (re.compile(r"\b\d+\.\d+ s\b"), "#.## s"),  # the CLI's durations
    (re.compile(r"\(\d+/s\)"), "(#/s)"),  # the CLI's event rates
    (re.compile(r" in \d+\.\d+s\b"), " in #.##s"),  # pytest's summary line
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
]

# What each example must print, whatever its .out file says: the behaviour the
# page around it describes. (The .out comparison catches every other change.)
MUST_PRINT: dict[str, list[str]] = {
    "first_look.py": ["Let me check the forecast", "get_weather(", "tool_calls TokenUsage("],
    "print_live.py": ["reasoning: The user asks", "answer: Let me", "finish_reason=tool_calls"],
    "read_file.py": ["[tool call call_0_7d2e5b] get_weather(", "[tool_calls] response id"],
    "chunks.py": ["51 events, identical"],
    "collect_result.py": ["items:         ['Reasoning', 'FunctionCall', 'Message']"],
    "own_sse_source.py": ["tool_calls", "Completed(response_id='chatcmpl-1'", "finish_reason=None"],
    "option_choice.py": ["choice=0: 'Heads, again'", "choice=1: 'Tails, again'"],
    "option_drop_tool_calls.py": [
        "default: (FunctionCall(name='Book'",
        "WARNING chatsse: drop_tool_calls_on_stop: dropping 1 pending tool call(s)",
        "drop_tool_calls_on_stop=True: ()",
    ],
    "option_length.py": [
        "raised ContextWindowExceededError; text received: 'Once upon a time'",
        "finish_reason='length'",
        "total_tokens=15",
    ],
    "option_tool_call_deltas.py": ["FunctionCallArgumentsDelta(index=1, call_id='call_m'"],
    "typical_sequence.py": ["data: [DONE]\n    OutputItemDone(item=Message("],
    "closing.py": ["finish_reason='stop'", "end()", "finish_reason=None"],
    "keep_partial_output.py": ["provider error: Tool choice is required", "Message(role="],
    "feed_error_events.py": ["(OutputTextDelta(delta=' a time'),)", "ParserStateError"],
    "quickstart_http.py": ["Let me check the forecast", "[tool_calls, 51 events]"],
    # driver.rst
    "http_stream.py": ["reasoning: The user asks", "tool call: get_weather(", "total_tokens=283"],
    "http_request.py": ["POST /v1/chat/completions", "Accept: text/event-stream", '"stream": true'],
    "http_timeouts.py": [
        "keep-alive comments: got 'Take an umbrella.'",
        "IdleTimeoutError: idle timeout waiting for SSE",
        "stalled after the finish reason: got 'Take an umbrella.'",
        "StreamError: the connection broke mid-stream",
    ],
    "http_errors.py": ["status_code=429 retry_after=20.0", "retry_after=1.5", "HTTP 502: Bad"],
    "http_content_types.py": ["OutputTextDelta(delta='Take an umbrella.')", "got Content-Type"],
    "http_closing.py": ["client_left=True, finished=False", "3 streams on one Session: 1 conn"],
    "http_threads.py": ["Tunis: Forecast for Tunis: dry all day.", "at most: True"],
    "http_retries.py": ["after [503, 429, 200]", "HTTP 503: Overloaded after 4 requests"],
    "http_telemetry.py": ["63 reads", "63 SSE events read, 51 chatsse events yielded"],
    # testing.rst
    "testing_unit.py": ["5 passed"],
    "testing_fixture.py": ["8 passed"],
    "testing_gated.py": ["2 passed"],
    "testing_replies.py": ["stall_after=CUT          IdleTimeoutError", "12 requests"],
    "cli_capture.sh": ["Completed               id=chatcmpl-demo-5f3c2a9e1b"],
    # cli.rst
    "cli_demo.sh": ["thinking: The user asks", "finish: tool_calls", "first token"],
    "cli_replay.sh": ["   1 OutputItemAdded", "  51 Completed"],
    "cli_replay_json.sh": ['{"type": "output_item.added", "item": {"type": "reasoning"'],
    "cli_chat.sh": ["Let me check the forecast", '"type": "reasoning_content.delta"'],
    "cli_serve.sh": [f"serving 1 transcript(s) at http://127.0.0.1:{SHOWN_PORT}/v1", "-> get_"],
    "json_lines.py": ['"type": "function_call", "name": "get_weather"', "all 51 events"],
    "cli_exit_codes.sh": ["exit code 1", "exit code 2", "exit code 4", "APIError: Overloaded"],
    # scripts.rst
    "ask.py": [
        "(thinking) The user asks",
        "-> get_weather(",
        "[tool_calls] 187 tokens in (128 cached), 96 out (41 reasoning)",
        "ask: cut short: IdleTimeoutError: idle timeout waiting for SSE",
        "ask: the answer so far: 'Let me check the'",
        "$ echo $?\n1\n",
    ],
    "script_tools.py": [
        "round 1: finish_reason='tool_calls', 1 tool call(s), 283 tokens",
        "round 2: finish_reason='stop'",
        "['user', 'assistant', 'tool']",
    ],
    # web.rst
    "web_frames.py": [
        "51 events, 51 frames",
        "first frame: b': keep-alive\\n\\n'",
        'data: {"type":"error","error":"APIError","message":"Overloaded","code":"overloaded"}',
        "decoded: 'Take an', then APIError: Overloaded (overloaded)",
        '"status_code":429,"retry_after":20.0}',
        "WARNING chatsse: upstream stream failed: HTTPStatusError",
    ],
    "web_wsgi.py": [
        "200 text/event-stream",
        "event: output_item.added\ndata: {",
        "the second client left after 5 events",
        "upstream: client_left=True, finished=False",
    ],
}


def run_example(script: Path, *args: str, stdin: bytes = b"") -> str:
    """Run one example as a user would; return its standard output."""
    # The checkout first on the path, so the examples import this chatsse even
    # when it is not installed.
    path = os.pathsep.join(filter(None, [str(DOCS.parent), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": path}
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script), *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, f"{script.name} failed:\n{stderr}"
    assert not stderr, f"{script.name} wrote to stderr:\n{stderr}"
    return done.stdout.decode("utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_shell_example(script: Path) -> str:
    """Run one command-line example with bash; return what the terminal would show."""
    console_scripts = Path(sys.executable).parent
    assert (console_scripts / "chatsse").exists(), "install chatsse (make test does)"
    path = os.pathsep.join(filter(None, [str(DOCS.parent), os.environ.get("PYTHONPATH")]))
    port = _free_port()
    with tempfile.TemporaryDirectory() as workdir, ReplayServer(demo_transcript()) as server:
        data = Path(workdir, "chatsse", "data")
        data.mkdir(parents=True)
        shutil.copy(Path(chatsse.__file__).parent / "data" / "demo.sse", data)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")},
            "PATH": os.pathsep.join([str(console_scripts), os.environ.get("PATH", "")]),
            "PYTHONPATH": path,
            "PYTHONIOENCODING": "utf-8",
            "PYTHONUNBUFFERED": "1",  # stdout and stderr interleaved as on a terminal
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_MODEL": "deepseek-reasoner",
            "OPENAI_API_KEY": "sk-test",
            "PORT": str(port),
        }
        process = subprocess.Popen(
            ["bash", str(script)],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: background jobs included
        )
        try:
            output, _ = process.communicate(timeout=120)
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # a server left in the background
            process.wait()
    assert process.returncode == 0, f"{script.name} failed:\n{output.decode()}"
    return output.decode("utf-8").replace(f"127.0.0.1:{port}", f"127.0.0.1:{SHOWN_PORT}")


def default_run(script: Path) -> str:
    if script.suffix == ".sh":
        for tool in ("bash", "curl"):
            if shutil.which(tool) is None and (tool == "bash" or tool in script.read_text()):
                pytest.skip(f"{script.name} needs {tool}")
        return run_shell_example(script)
    # read_file.py reads standard input when given no file.
    return run_example(script, stdin=demo_transcript() if script.name == "read_file.py" else b"")


def masked(output: str) -> str:
    for pattern, replacement in MASKS:
        output = pattern.sub(replacement, output)
    return output


def expected_output(script: Path) -> str:
    out = script.with_suffix(".out")
    if not out.exists():
        pytest.fail(f"{out.name} is missing: run tests/test_docs_examples.py --update")
    return out.read_text(encoding="utf-8")


def test_there_are_examples() -> None:
    assert len(SCRIPTS) >= 10
    assert sorted(MUST_PRINT) == [script.name for script in SCRIPTS], (
        "add every new example to MUST_PRINT"
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.name for script in SCRIPTS])
def test_example_prints_what_the_docs_show(script: Path) -> None:
    output = default_run(script)
    assert masked(output) == masked(expected_output(script))
    for text in MUST_PRINT[script.name]:
        assert text in output


def test_read_file_example_with_a_file_argument(tmp_path: Path) -> None:
    path = tmp_path / "response.sse"
    path.write_bytes(demo_transcript())
    script = EXAMPLES / "read_file.py"
    assert run_example(script, str(path)) == expected_output(script)


def _pages() -> dict[str, str]:
    return {page.name: page.read_text(encoding="utf-8") for page in DOCS.glob("*.rst")}


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.name for script in SCRIPTS])
def test_every_example_is_shown_with_its_output(script: Path) -> None:
    text = "\n".join(_pages().values())
    assert f"literalinclude:: examples/{script.name}" in text
    assert f"literalinclude:: examples/{script.stem}.out" in text


def test_every_public_name_is_in_the_api_reference() -> None:
    api = _pages()["api.rst"]
    documented = re.findall(r"^\.\. (?:auto(?!module)\w+|py:\w+):: (\w+)", api, flags=re.MULTILINE)
    assert sorted(documented) == sorted(chatsse.__all__)


def test_constant_values_in_the_api_reference_are_current() -> None:
    api = _pages()["api.rst"]
    values = re.findall(r"^\.\. py:data:: (\w+)\n(?:   :.*\n)*?   :value: (.*)$", api, re.MULTILINE)
    assert values, "no :value: found in api.rst"
    for name, value in values:
        assert value == repr(getattr(chatsse, name)), name


def _update() -> None:
    """Rewrite the .out files whose example's output changed (beyond the masked parts)."""
    for script in SCRIPTS:
        out = script.with_suffix(".out")
        output = default_run(script)
        if out.exists() and masked(out.read_text(encoding="utf-8")) == masked(output):
            continue
        out.write_text(output, encoding="utf-8")
        print(f"wrote {out.relative_to(DOCS.parent)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        raise SystemExit("usage: python tests/test_docs_examples.py --update")
    _update()
