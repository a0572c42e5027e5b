"""The provider compatibility page lists every corpus golden, and nothing else.

Its tables are generated at build time by ``docs/_ext/compat_table.py`` from
``tests/corpus_golden`` and the shared corpus' ``MANIFEST.tsv``; these tests run
the same code the directives run and count what it renders.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from conftest import shared_path
from docutils import nodes

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "corpus_golden"
CORPUS_SIZE = 79
PROVIDERS = 23


def _extension() -> ModuleType:
    path = REPO / "docs" / "_ext" / "compat_table.py"
    spec = importlib.util.spec_from_file_location("compat_table", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("compat_table", module)
    spec.loader.exec_module(module)
    return module


compat = _extension()


def _goldens() -> list[str]:
    return sorted(
        json.loads(path.read_text(encoding="utf-8"))["file"] for path in GOLDEN.glob("*/*.json")
    )


@pytest.fixture(scope="module")
def streams() -> list:  # type: ignore[type-arg]
    return compat.load_corpus(GOLDEN, shared_path("corpus", "MANIFEST.tsv"))


def _body_rows(table: nodes.table) -> list[nodes.row]:
    return [row for body in table.findall(nodes.tbody) for row in body.findall(nodes.row)]


def test_the_page_uses_the_generated_tables() -> None:
    page = (REPO / "docs" / "compatibility.rst").read_text(encoding="utf-8")
    assert ".. corpus-summary::" in page
    assert ".. corpus-files::" in page
    assert "compat_table" in (REPO / "docs" / "conf.py").read_text(encoding="utf-8")


def test_the_table_lists_every_golden_once(streams: list) -> None:  # type: ignore[type-arg]
    assert len(_goldens()) == CORPUS_SIZE
    sections = compat.provider_sections(streams)
    rows = [row for section in sections for row in _body_rows(section[1])]
    assert len(rows) == CORPUS_SIZE
    listed = sorted(
        f"{section[0].astext()}/{_body_rows(section[1])[i][0].astext()}"
        for section in sections
        for i in range(len(_body_rows(section[1])))
    )
    assert listed == _goldens()


def test_rows_are_grouped_by_provider(streams: list) -> None:  # type: ignore[type-arg]
    sections = compat.provider_sections(streams)
    titles = [section[0].astext() for section in sections]
    assert titles == sorted(path.name for path in GOLDEN.iterdir() if path.is_dir())
    assert len(titles) == PROVIDERS
    per_provider = Counter(path.parent.name for path in GOLDEN.glob("*/*.json"))
    assert {s[0].astext(): len(_body_rows(s[1])) for s in sections} == per_provider


def test_the_summary_has_one_row_per_provider(streams: list) -> None:  # type: ignore[type-arg]
    rows = _body_rows(compat.summary_table(streams))
    assert len(rows) == PROVIDERS
    assert sum(int(row[1].astext()) for row in rows) == CORPUS_SIZE


def test_each_row_says_what_chatsse_gives(streams: list) -> None:  # type: ignore[type-arg]
    by_file = {stream.file: compat._stream_row(stream)[2].astext() for stream in streams}
    assert (
        "raises APIError (code 'tool_use_failed')"
        in (by_file["groq/gpt-oss-120b-error-after-text.sse"])
    )
    parallel = by_file["openai/gpt-4o-parallel-tool-calls.sse"]
    assert "2 tool calls (get_country, get_product_name)" in parallel
    assert "finish reason tool_calls; usage: 404 tokens" in parallel
    assert "With raise_on_length=False" in by_file["vllm/opt-125m-length.sse"]
    assert "finish reason None" in by_file["snowflake/claude-sonnet-4-6-text.sse"]


def test_features_come_from_the_manifest(streams: list) -> None:  # type: ignore[type-arg]
    by_file = {stream.file: compat._stream_row(stream)[1].astext() for stream in streams}
    assert "CRLF line ends" in by_file["perplexity/sonar-small-online-crlf.sse"]
    assert "no [DONE]" in by_file["perplexity/sonar-small-online-crlf.sse"]
    assert "several choices (n > 1)" in by_file["openai/gpt-4o-mini-n-multi-choice.sse"]


def test_a_missing_manifest_fails_the_build_clearly(tmp_path: Path) -> None:
    with pytest.raises(compat.CorpusError, match=r"MANIFEST\.tsv is missing.*CHATSSE_SHARED"):
        compat.load_corpus(GOLDEN, tmp_path / "corpus" / "MANIFEST.tsv")


def test_a_golden_missing_from_the_manifest_fails_the_build(tmp_path: Path) -> None:
    manifest = shared_path("corpus", "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    partial = tmp_path / "MANIFEST.tsv"
    partial.write_text("\n".join(manifest[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(compat.CorpusError, match="has no row in"):
        compat.load_corpus(GOLDEN, partial)
