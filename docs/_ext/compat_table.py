"""Sphinx extension: the provider compatibility tables, generated from the corpus goldens.

The tables on ``compatibility.rst`` are built at build time from the files the
test suite checks, so they cannot drift from what chatsse does:

* ``tests/corpus_golden/<provider>/<name>.json``: what chatsse gives for each
  recorded stream (text, reasoning, tool calls, finish reason, usage, error),
  with notes saying what is odd about the stream and which rule decides;
* ``MANIFEST.tsv`` of the shared corpus (``$CHATSSE_SHARED/corpus``, by
  default ``shared/corpus`` beside the checkout, as for the tests): the
  ``features`` of each stream. It is not part of the repository; the build
  fails with a clear message without it (CI always has it).

Directives:

``.. corpus-summary::``
   One row per provider: how many recorded streams, and what they exercise.
``.. corpus-files::``
   One section per provider, with one table row per recorded stream.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.errors import ExtensionError

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "corpus_golden"


def manifest_path() -> Path:
    """Where the shared corpus' manifest is: the same place the tests look (tests/conftest.py)."""
    shared = Path(os.environ.get("CHATSSE_SHARED", REPO.parent / "shared"))
    return shared / "corpus" / "MANIFEST.tsv"


class CorpusError(ExtensionError):
    """The goldens or the manifest are missing or disagree: the tables cannot be built."""


@dataclass(frozen=True)
class Stream:
    """One recorded stream: its golden expectation and its manifest features."""

    file: str  # "openai/gpt-4o-mini-tool-call.sse"
    provider: str
    features: tuple[str, ...]
    golden: dict[str, Any]

    @property
    def name(self) -> str:
        return self.file.split("/", 1)[1]


def load_corpus(golden_dir: Path = GOLDEN, manifest: Path | None = None) -> list[Stream]:
    """Every golden with its manifest row, sorted by provider then file name."""
    manifest = manifest or manifest_path()
    if not manifest.is_file():
        raise CorpusError(
            f"{manifest} is missing: the provider compatibility page is built from the shared "
            "corpus' manifest. Put the shared directory beside the checkout (as CI does) or "
            "set CHATSSE_SHARED to where it is."
        )
    with manifest.open(encoding="utf-8", newline="") as handle:
        rows = {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}
    goldens = sorted(golden_dir.glob("*/*.json"))
    if not goldens:
        raise CorpusError(f"no golden expectations under {golden_dir}")
    streams = []
    for path in goldens:
        golden = json.loads(path.read_text(encoding="utf-8"))
        row = rows.pop(golden["file"], None)
        if row is None:
            raise CorpusError(f"{path}: {golden['file']} has no row in {manifest}")
        features = tuple(feature for feature in row["features"].split(",") if feature)
        streams.append(Stream(golden["file"], golden["provider"], features, golden))
    if rows:
        raise CorpusError(f"{manifest} lists files without a golden: {', '.join(sorted(rows))}")
    return sorted(streams, key=lambda stream: (stream.provider, stream.name))


# -- what a stream does: its manifest features, in words --------------------------------
#
# Labels use `backticks` for code. The order is the order of the quirk list in a row.
# A feature missing here (a new one) is shown under its own name.
FEATURE_LABELS: dict[str, str] = {
    # reasoning and content
    "reasoning_content": "reasoning in `reasoning_content`",
    "reasoning": "reasoning in `reasoning`",
    "reasoning_details": "`reasoning_details`",
    "thinking_parts": "`thinking` parts",
    "content_parts": "content as a list of parts",
    "refusal": "`refusal`",
    "audio": "`audio` deltas (not modelled)",
    "annotations": "`annotations` (ignored)",
    "citations": "`citations` (ignored)",
    "search_results": "`search_results` (ignored)",
    "executed_tools": "`executed_tools` (ignored)",
    "multi_choice": "several choices (`n` > 1)",
    # tool calls
    "function_call_legacy": "legacy `function_call`",
    "parallel_tool_calls": "parallel tool calls",
    "tool_call_args_in_one_chunk": "each call whole in one chunk",
    "tool_call_no_index": "tool calls without `index`",
    "tool_call_id_repeated": "call `id` on every fragment",
    "tool_call_empty_id": '`"id": ""` on continuations',
    # finish
    "finish_length": "`finish_reason: length`",
    "no_finish_reason": "no finish reason",
    # usage
    "usage_chunk": "usage in a `choices: []` chunk",
    "usage_inline": "usage on a choice chunk",
    "x_groq": "`x_groq`",
    # errors
    "error": "error object",
    "event_error": "`event: error`",
    # chunk shape
    "empty_choices": "chunks with `choices: []`",
    "choices_key_missing": "chunks without `choices`",
    "choice_chunk_after_usage_chunk": "a delta after the usage chunk",
    "empty_id": '`"id": ""`',
    "chunk_id_changes": "`id` changes mid-stream",
    "role_every_chunk": "`role` on every chunk",
    "prompt_filter_results": "`prompt_filter_results`",
    "content_filter_results": "`content_filter_results`",
    "provider_field": "`provider` field",
    "obfuscation": "`obfuscation` field",
    "no_object_field": "no `object` field",
    "spaced_json": "spaced JSON",
    "mixed_json_spacing": "mixed JSON spacing",
    # SSE framing
    "crlf": "CRLF line ends",
    "sse_comments": "SSE comments",
    "no_done": "no `[DONE]`",
    "unterminated_final_event": "no blank line after the last event",
}
#: Features every stream of its kind has: they say nothing about a provider.
PLAIN_FEATURES = {"text", "tool_calls", "finish_stop", "finish_tool_calls", "event_field"}


def feature_label(feature: str) -> str:
    if feature in FEATURE_LABELS:
        return FEATURE_LABELS[feature]
    if feature.startswith("object="):
        return f"`object: {feature.removeprefix('object=')}`"
    if feature.startswith("nonstandard_field:"):
        name = feature.removeprefix("nonstandard_field:").replace("<sp>", " ")
        return f'a field named `"{name}"`'
    if feature.startswith("finish_"):
        return f"`finish_reason: {feature.removeprefix('finish_')}`"
    return feature


def _rank(feature: str) -> tuple[int, str]:
    order = list(FEATURE_LABELS)
    return (order.index(feature) if feature in order else len(order), feature)


def quirks(features: Iterable[str]) -> list[str]:
    """The labels of the features worth naming, most telling first."""
    named = set(features) - PLAIN_FEATURES
    if "usage_chunk" in named:
        named.discard("empty_choices")  # the usage chunk is the chunk with choices []
    return [feature_label(feature) for feature in sorted(named, key=_rank)]


# -- what chatsse gives: from the golden -------------------------------------------------


def _options(options: dict[str, Any]) -> str:
    return ", ".join(f"`{key}={value!r}`" for key, value in options.items())


def outcome(answer: dict[str, Any]) -> list[str]:
    """What chatsse gives for a golden (or one of its variants), one fact per entry."""
    facts = []
    parts = [
        name
        for name, present in (
            ("reasoning", answer["reasoning"]),
            ("reasoning summary", answer["reasoning_summary"]),
            ("encrypted reasoning", answer["has_encrypted_reasoning"]),
            ("text", answer["text"]),
            ("refusal", answer["refusal"]),
        )
        if present
    ]
    calls = answer["tool_calls"]
    if calls:
        names = ", ".join(f"`{call['name']}`" for call in calls)
        parts.append(f"{len(calls)} tool call{'s' if len(calls) > 1 else ''} ({names})")
    error = answer["error"]
    if error:
        facts.append(f"{', '.join(parts)} streamed, then" if parts else "nothing streamed, then")
        code = f" (code `{error['code']!r}`)" if error.get("code") is not None else ""
        facts.append(f"raises `{error['type']}`{code}")
        return facts
    facts.append(", ".join(parts) if parts else "no item")
    reason = answer["finish_reason"]
    facts.append(f"finish reason `{reason}`" if reason is not None else "finish reason `None`")
    usage = answer["usage"]
    facts.append(f"usage: {usage['total_tokens']} tokens" if usage else "no usage")
    return facts


# -- docutils nodes ----------------------------------------------------------------------


def inline(text: str) -> list[nodes.Node]:
    """Text whose `backticked` parts are code."""
    result: list[nodes.Node] = []
    for position, part in enumerate(text.split("`")):
        if part:
            result.append(nodes.literal(part, part) if position % 2 else nodes.Text(part))
    return result


def _paragraph(text: str) -> nodes.paragraph:
    paragraph = nodes.paragraph()
    paragraph += inline(text)
    return paragraph


def _entry(*children: nodes.Node) -> nodes.entry:
    entry = nodes.entry()
    for child in children:
        entry += child
    return entry


def _table(
    widths: Sequence[int], header: Sequence[str], rows: list[list[nodes.entry]]
) -> nodes.table:
    table = nodes.table(classes=["corpus-table"])
    group = nodes.tgroup(cols=len(widths))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    head_row = nodes.row()
    head += head_row
    for title in header:
        head_row += _entry(nodes.paragraph(title, title))
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            row += cell
        body += row
    return table


def section_id(provider: str) -> str:
    return f"corpus-{nodes.make_id(provider)}"


def summary_table(streams: list[Stream]) -> nodes.table:
    """One row per provider: its streams, and the quirks they exercise."""
    rows = []
    for provider in sorted({stream.provider for stream in streams}):
        mine = [stream for stream in streams if stream.provider == provider]
        reference = nodes.reference("", provider, internal=True, refid=section_id(provider))
        labels = quirks(feature for stream in mine for feature in stream.features)
        rows.append(
            [
                _entry(nodes.paragraph("", "", reference)),
                _entry(nodes.paragraph("", str(len(mine)))),
                _entry(_paragraph("; ".join(labels) if labels else "plain OpenAI shape")),
            ]
        )
    return _table([16, 6, 78], ["provider", "files", "quirks in its recorded streams"], rows)


def _stream_row(stream: Stream) -> list[nodes.entry]:
    golden = stream.golden
    labels = quirks(stream.features)
    what = _entry(_paragraph("; ".join(labels) if labels else "plain OpenAI shape"))
    if golden["notes"]:
        what += nodes.paragraph("", "", *inline(golden["notes"]), classes=["corpus-notes"])
    gives = _entry(_paragraph("; ".join(outcome(golden))))
    for variant in golden.get("variants", []):
        text = f"With {_options(variant['options'])}: {'; '.join(outcome(variant))}"
        gives += _paragraph(text)
    return [_entry(nodes.paragraph("", "", nodes.literal(stream.name, stream.name))), what, gives]


def provider_sections(streams: list[Stream]) -> list[nodes.section]:
    """One section per provider, titled with its name, holding its streams' table."""
    sections = []
    for provider in sorted({stream.provider for stream in streams}):
        mine = [stream for stream in streams if stream.provider == provider]
        section = nodes.section(ids=[section_id(provider)], names=[section_id(provider)])
        section += nodes.title(provider, provider)
        rows = [_stream_row(stream) for stream in mine]
        header = ["recorded stream", "what the stream does", "what chatsse gives"]
        section += _table([24, 46, 30], header, rows)
        sections.append(section)
    return sections


class _CorpusDirective(Directive):
    has_content = False

    def streams(self) -> list[Stream]:
        env = self.state.document.settings.env
        streams = load_corpus()
        # Re-read the page when a golden or the manifest changes (and see _outdated).
        for path in [manifest_path(), *GOLDEN.glob("*/*.json")]:
            env.note_dependency(str(path))
        env.chatsse_corpus_docs = {*getattr(env, "chatsse_corpus_docs", set()), env.docname}
        return streams


class CorpusSummary(_CorpusDirective):
    def run(self) -> list[nodes.Node]:
        return [summary_table(self.streams())]


class CorpusFiles(_CorpusDirective):
    def run(self) -> list[nodes.Node]:
        return list(provider_sections(self.streams()))


def _outdated(
    app: Any, env: Any, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    # A golden added since the last build is not a noted dependency yet: always re-read.
    return sorted(getattr(env, "chatsse_corpus_docs", set()) - removed)


def _purge(app: Any, env: Any, docname: str) -> None:
    getattr(env, "chatsse_corpus_docs", set()).discard(docname)


def _merge(app: Any, env: Any, docnames: set[str], other: Any) -> None:
    mine = getattr(env, "chatsse_corpus_docs", set())
    env.chatsse_corpus_docs = mine | (getattr(other, "chatsse_corpus_docs", set()) & docnames)


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("corpus-summary", CorpusSummary)
    app.add_directive("corpus-files", CorpusFiles)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
