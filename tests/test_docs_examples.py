"""The documentation's examples: every script runs and prints what the docs show.

Each ``docs/examples/NAME.py`` is run in a fresh interpreter (warnings are errors)
and its output compared with ``docs/examples/NAME.out``, which the pages include
next to the code. After a deliberate change of an example's output, rewrite the
``.out`` files with ``.venv/bin/python tests/test_docs_examples.py --update`` and
review the diff.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import chatsse
from chatsse._cli import demo_transcript

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXAMPLES = DOCS / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))

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


def default_run(script: Path) -> str:
    # read_file.py reads standard input when given no file.
    return run_example(script, stdin=demo_transcript() if script.name == "read_file.py" else b"")


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
    assert output == expected_output(script)
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
    """Rewrite every .out file from the example's current output."""
    for script in SCRIPTS:
        script.with_suffix(".out").write_text(default_run(script), encoding="utf-8")
        print(f"wrote {script.with_suffix('.out').relative_to(DOCS.parent)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        raise SystemExit("usage: python tests/test_docs_examples.py --update")
    _update()
