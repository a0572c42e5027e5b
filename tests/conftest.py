"""Shared test fixtures: where ../shared lives, and helpers to feed bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CHATSSE_SHARED", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared; fails the test (never skips) when it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"{path} is missing: the tests read the shared corpus and conformance cases from "
            f"{SHARED} (a 'shared' directory beside the checkout; set CHATSSE_SHARED to move it)",
            pytrace=False,
        )
    return path
