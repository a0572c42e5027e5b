"""Results and their three forms: the text table printed, the JSON, the Markdown for the docs."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import machine


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


@dataclass
class Target:
    """A goal of the issue, and whether this run meets it."""

    suite: str
    name: str
    comparison: str  # "<=" or ">="
    limit: float
    value: float
    unit: str  # what value counts: "×", "s", "ms"...
    holds: bool

    @property
    def limit_text(self) -> str:
        return f"{'≤' if self.comparison == '<=' else '≥'} {self.limit:g} {self.unit}"

    def as_json(self) -> dict[str, object]:
        return {
            "suite": self.suite,
            "name": self.name,
            "comparison": self.comparison,
            "limit": self.limit,
            "value": self.value,
            "unit": self.unit,
            "holds": self.holds,
        }


def at_most(suite: str, name: str, value: float, limit: float, unit: str) -> Target:
    return Target(suite, name, "<=", limit, value, unit, value <= limit)


def at_least(suite: str, name: str, value: float, limit: float, unit: str) -> Target:
    return Target(suite, name, ">=", limit, value, unit, value >= limit)


@dataclass
class SuiteResult:
    name: str
    title: str
    #: Raw medians and ratios, JSON-ready.
    data: dict[str, Any]
    tables: list[Table]
    targets: list[Target]


def number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits (at most 6 decimals), without an exponent."""
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value))) + 1  # digits before the point
    return f"{value:,.{min(6, max(0, digits - magnitude))}f}"


def span(quartiles: tuple[float, float]) -> str:
    """A ratio's middle half (its rounds' first to third quartile), as the tables give it."""
    return f"{quartiles[0]:.2f} to {quartiles[1]:.2f}"


def holds_text(target: Target) -> str:
    return "holds" if target.holds else "**does not hold**"


def targets_table(targets: list[Target]) -> Table:
    return Table(
        "Targets met by this run",
        ["suite", "target", "limit", "measured", "verdict"],
        [[t.suite, t.name, t.limit_text, number(t.value), holds_text(t)] for t in targets],
    )


# -- text -------------------------------------------------------------------------------------


_NUMERIC = re.compile(r"[-\d,.]+( ?[A-Za-zµ×]+)?|-|")


def _numeric(table: Table) -> list[bool]:
    """Which columns hold numbers (right-aligned)."""
    return [
        index > 0 and all(_NUMERIC.fullmatch(row[index]) for row in table.rows)
        for index in range(len(table.columns))
    ]


def as_text(table: Table) -> str:
    cells = [table.columns, *table.rows]
    cells = [[cell.replace("**", "") for cell in row] for row in cells]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
    numeric = _numeric(table)

    def line(row: list[str]) -> str:
        parts = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [table.title, line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells[1:]]
    out += [f"  {note}" for note in table.notes]
    return "\n".join(out) + "\n"


# -- Markdown ---------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def as_markdown(table: Table) -> str:
    right = ["--:" if numeric else ":--" for numeric in _numeric(table)]
    out = [f"**{table.title}**", ""]
    out.append("| " + " | ".join(_cell(c) for c in table.columns) + " |")
    out.append("| " + " | ".join(right) + " |")
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    if table.notes:
        out.append("")
        out += [f"- {note}" for note in table.notes]
    return "\n".join(out) + "\n"


def markdown_document(meta: dict[str, Any], results: list[SuiteResult]) -> str:
    info = meta["machine"]
    versions = ", ".join(f"{name} {v}" for name, v in meta["versions"].items() if v is not None)
    command = meta["command"]
    how = (
        "`make bench` (`python tools/bench`)" if command == "python tools/bench" else f"`{command}`"
    )
    parts = [
        f"Measured on {meta['date'][:16].replace('T', ' ')} UTC with {how}, "
        f"in {meta['seconds']:.0f} s.",
        "",
        f"Machine: {machine.describe(info)}.",
        "",
        f"Packages: {versions}; chatsse decoded chunks with `{meta['decoder']}`.",
        "",
    ]
    for result in results:
        parts.append(f"# {result.title}\n")
        parts += [as_markdown(table) for table in result.tables]
    targets = [target for result in results for target in result.targets]
    parts.append("# Targets\n")
    parts.append(as_markdown(targets_table(targets)))
    return "\n".join(parts)


# -- JSON -------------------------------------------------------------------------------------


def json_document(meta: dict[str, Any], results: list[SuiteResult]) -> dict[str, Any]:
    return {
        **meta,
        "suites": {
            result.name: {
                "title": result.title,
                "results": result.data,
                "targets": [target.as_json() for target in result.targets],
            }
            for result in results
        },
        "targets_hold": all(target.holds for result in results for target in result.targets),
    }


def write(out_dir: Path, meta: dict[str, Any], results: list[SuiteResult]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    markdown_path = out_dir / "results.md"
    document = json_document(meta, results)
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    markdown_path.write_text(markdown_document(meta, results))
    return [json_path, markdown_path]
