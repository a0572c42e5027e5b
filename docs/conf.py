"""Sphinx configuration for the chatsse documentation."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatsse import __version__

project = "chatsse"
author = "chatsse developers"
copyright = "2026, chatsse developers"
version = release = __version__

# No intersphinx: the docs build offline (CI machines have no internet).
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
nitpicky = True
# Standard-library names: without intersphinx there is nothing to link them to.
nitpick_ignore = [
    ("py:class", name)
    for name in (
        "Any",
        "BinaryIO",
        "Iterable",
        "Iterator",
        "collections.abc.Iterable",
        "collections.abc.Iterator",
        "typing.Any",
        "typing.BinaryIO",
        "Exception",
    )
]
# The type aliases are documented as data; signatures refer to them as classes.
nitpick_ignore += [
    ("py:class", name)
    for name in (
        "chatsse.ResponseEvent",
        "chatsse.ResponseItem",
        "chatsse.ByteSource",
        "ResponseEvent",
        "ResponseItem",
        "ByteSource",
    )
]

html_theme = "furo"
html_title = f"chatsse {version}"
exclude_patterns = ["_build"]
