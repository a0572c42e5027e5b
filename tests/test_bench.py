"""A smoke test of the benchmarks (``make bench``): they run and write what the docs include.

``python tools/bench --quick`` runs every suite on small inputs. Nothing here
looks at a time or a ratio: those are the benchmark's to report, never a
test's to assert (these machines are shared and noisy).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SUITES = ("throughput", "scaling", "hostile", "http", "latency", "memory")
TABLE_TITLES = (
    "Throughput in memory, iter_events",
    "Per-event cost by stream length",
    "Hostile events",
    "Loopback HTTP",
    "Event latency over loopback",
    "Peak memory",
    "Idle streams",
    "Targets",
)


def quick_run(out_dir: Path, suites: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(REPO / "tools" / "bench"), "--quick"]
    command += ["--only", ",".join(suites), "--out-dir", str(out_dir)]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def test_quick_run_writes_every_suite_as_json_and_markdown(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "bench"),
            "--quick",
            "--only",
            ",".join(SUITES),
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr

    document = json.loads((tmp_path / "results.json").read_text())
    for key in ("date", "command", "machine", "versions", "decoder"):
        assert document[key], key
    assert document["decoder"] in ("json", "orjson")
    assert document["machine"]["logical_cores"] >= 1
    assert isinstance(document["machine"]["cpu"], str)
    assert set(document["versions"]) >= {"chatsse", "sseclient-py", "requests", "urllib3"}
    assert "--quick" in document["command"]
    assert isinstance(document["targets_hold"], bool)

    assert set(document["suites"]) == set(SUITES)
    for name, suite in document["suites"].items():
        assert isinstance(suite["results"], dict), name
        assert suite["results"], name
        assert suite["targets"], f"{name} has no target"
        for target in suite["targets"]:
            assert target["suite"] == name
            assert isinstance(target["name"], str)
            assert target["name"]
            assert target["comparison"] in ("<=", ">=")
            assert isinstance(target["limit"], float | int)
            assert isinstance(target["value"], float | int)
            assert isinstance(target["unit"], str)
            assert isinstance(target["holds"], bool)
    targets = [t["name"] for suite in document["suites"].values() for t in suite["targets"]]
    for transcript in ("chat", "reasoning", "tools"):
        assert f"{transcript}: chatsse (json) ÷ F0" in targets
    throughput = document["suites"]["throughput"]["results"]
    for transcript in ("chat", "reasoning", "tools"):
        pipelines = throughput[transcript]["pipelines"]
        assert {"F0 split + json.loads", "chatsse (json)"} <= set(pipelines)
        for row in pipelines.values():
            assert isinstance(row["us_per_event"], float)
            assert isinstance(row["x_f0"], float)
            low, high = row["x_f0_quartiles"]
            assert low <= row["x_f0"] <= high  # the median lies between the quartiles

    http = document["suites"]["http"]["results"]
    for writes in ("1 KiB", "one event"):  # as the bench writes them, and as servers do
        for framing in ("chunked", "close", "content-length", "chunked + gzip"):
            row = http[f"{framing}, writes of {writes}"]
            assert isinstance(row["x_memory"], float)
            assert row["requests_alone_cpu_seconds"] > 0  # the transport, timed beside
            low, high = row["x_memory_quartiles"]
            assert low <= row["x_memory"] <= high
            assert row["socket_alone_seconds"] > 0  # a client that only receives, timed beside
            low, high = row["socket_alone_x_memory_quartiles"]
            assert low <= row["socket_alone_x_memory"] <= high
        assert f"in memory (iter_events), writes of {writes}" in http

    markdown = (tmp_path / "results.md").read_text()
    assert "Machine: " in markdown
    assert document["command"] in markdown
    for title in TABLE_TITLES:
        assert f"**{title}" in markdown, title
    assert markdown.count("| --") + markdown.count("| :--") >= len(TABLE_TITLES)
    for target in targets:
        assert target in markdown
    assert completed.stdout.count("hold") >= len(targets)  # a verdict each, printed


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_quick_instruction_counts(tmp_path: Path) -> None:
    completed = quick_run(tmp_path, ("instructions",))
    assert completed.returncode == 0, completed.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    chat = document["suites"]["instructions"]["results"]["chat"]["instructions"]
    assert set(chat) == {"F0 split + json.loads", "chatsse (json)"}
    assert all(count > 0 for count in chat.values())  # a pipeline costs something
    targets = document["suites"]["instructions"]["targets"]
    assert [target["name"] for target in targets] == ["chat: chatsse (json) ÷ F0, in instructions"]
    assert "**Instructions per run (callgrind)" in (tmp_path / "results.md").read_text()
