"""Sphinx configuration for the chatsse documentation."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The project's own extensions: compat_table (the provider compatibility tables).
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

import attrs

from chatsse import __version__

project = "chatsse"
author = "chatsse developers"
copyright = "2026, chatsse developers"
version = release = __version__

# No intersphinx: the docs build offline (CI machines have no internet).
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "compat_table",
    "myst_parser",  # performance.rst includes the benchmark's Markdown tables
]
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
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
        "Mapping",
        "collections.abc.Mapping",
        "Generator",
        "collections.abc.Generator",
        "requests.Response",
        "requests.Session",
        "requests.models.Response",
        "requests.sessions.Session",
        "TextIO",
        "os.PathLike",
        "PathLike",
        "typing.Literal",
        "types.TracebackType",
        "Callable",
        "collections.abc.Callable",
    )
]
nitpick_ignore += [("py:func", "time.monotonic")]
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
html_static_path = ["_static"]
html_css_files = ["chatsse.css"]
# bench/results.md is written by `make bench` and included by performance.rst,
# not a page of its own.
exclude_patterns = ["_build", "bench"]


def _attrs_signature(app, what, name, obj, *rest):
    """Show the real defaults of attrs classes (an autodoc-process-signature handler).

    With autodoc_preserve_defaults, the defaults of an attrs-generated __init__
    read ``attr_dict['role'].default``; rebuild the signature from the fields.
    """
    _options, signature, return_annotation = rest
    if what != "class" or not attrs.has(obj) or signature is None:
        return None
    params = []
    for field in attrs.fields(obj):
        if not field.init:
            continue
        default = field.default
        if isinstance(default, attrs.Factory):
            default = default.factory()
        params.append(field.name if default is attrs.NOTHING else f"{field.name}={default!r}")
    return f"({', '.join(params)})", return_annotation


def _no_return_type_on_exceptions(app, domain, objtype, contentnode):
    """Drop the "Return type: None" of __init__ that Sphinx adds to exceptions (not classes)."""
    if domain != "py" or objtype != "exception":
        return
    signature = contentnode.parent[0]
    module = signature.get("module")
    fullname = f"{module}.{signature['fullname']}" if module else signature["fullname"]
    document = getattr(app.env, "current_document", None)  # Sphinx >= 8.2
    if document is not None:
        annotations = document.autodoc_annotations
    else:
        annotations = app.env.temp_data.get("annotations", {})
    annotations.get(fullname, {}).pop("return", None)


def setup(app):
    app.connect("autodoc-process-signature", _attrs_signature)
    # Before sphinx.ext.autodoc.typehints turns the annotations into field lists.
    app.connect("object-description-transform", _no_return_type_on_exceptions, priority=400)
