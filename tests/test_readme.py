"""The README's Python examples must at least be valid and name only real chatsse API."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import chatsse
import chatsse.testing

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_readme_has_python_examples_that_parse() -> None:
    assert len(BLOCKS) >= 4
    for block in BLOCKS:
        ast.parse(block)


def test_readme_examples_use_only_names_chatsse_exports() -> None:
    for block in BLOCKS:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "chatsse":
                    assert node.attr in chatsse.__all__, f"chatsse.{node.attr} is not public"
            if isinstance(node, ast.ImportFrom) and node.module == "chatsse.testing":
                for alias in node.names:
                    assert hasattr(chatsse.testing, alias.name), alias.name


def test_readme_gives_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text
    assert "make test" in text
