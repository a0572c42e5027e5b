"""The event-sequence diagram of the docs is what chatsse does now.

``docs/_static/event-sequence.svg`` is drawn by ``tools/make_sequence_diagram.py``,
which runs the real parser over the bundled demo transcript. The committed file
must be exactly what the tool writes today: a change in the library's events
changes the picture, and this test says to redraw it.
"""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
TOOL = REPO / "tools" / "make_sequence_diagram.py"
SVG = REPO / "docs" / "_static" / "event-sequence.svg"
NS = "{http://www.w3.org/2000/svg}"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sequence_diagram", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_sequence_diagram", module)
    spec.loader.exec_module(module)
    return module


tool = _tool()


def test_committed_diagram_is_what_the_tool_draws_now() -> None:
    assert SVG.read_text(encoding="utf-8") == tool.render(), (
        "docs/_static/event-sequence.svg is out of date: run "
        ".venv/bin/python tools/make_sequence_diagram.py and look at the result"
    )


def test_the_tool_is_deterministic() -> None:
    assert tool.render() == tool.render()


def test_diagram_is_well_formed_svg_with_real_text() -> None:
    root = ET.fromstring(SVG.read_bytes())
    assert root.tag == f"{NS}svg"
    assert int(root.get("width", "0")) <= 800
    texts = ["".join(node.itertext()) for node in root.iter(f"{NS}text")]
    # The sequence of a typical stream, as the events reference describes it.
    for label in (
        "OutputItemAdded(Reasoning)",
        "ReasoningContentDelta",
        "OutputItemAdded(Message)",
        "OutputTextDelta",
        "OutputItemDone(Reasoning)",
        "OutputItemDone(FunctionCall)",
        "OutputItemDone(Message)",
        "Completed",
    ):
        assert label in texts, label
    assert "× 35" in texts  # the reasoning deltas, drawn as one row
    assert "token_usage: 187 in, 96 out" in texts


def test_event_boxes_follow_the_order_chatsse_yields() -> None:
    root = ET.fromstring(SVG.read_bytes())
    events = [
        "".join(node.itertext()) for node in root.iter(f"{NS}text") if node.get("class") == "event"
    ]
    assert events == [
        "OutputItemAdded(Reasoning)",
        "ReasoningContentDelta",
        "OutputItemAdded(Message)",
        "OutputTextDelta",
        "OutputItemDone(Reasoning)",
        "OutputItemDone(FunctionCall)",
        "OutputItemDone(Message)",
        "Completed",
    ]
