"""Fixtures for the analysis tests: one tagger for the session, and the labelled dev data."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.theming import Tagger

ROOT = Path(__file__).resolve().parents[2]
# The labelled sets live in shared/ beside the repository (CI) or at /work/shared (developers).
DATA_DIRS = [
    ROOT.parent / "shared" / "data",
    ROOT.parent.parent / "shared" / "data",
    Path("/work/shared/data"),
]


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    return Tagger.load()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    for folder in DATA_DIRS:
        if (folder / "theming-dev.jsonl").exists():
            return folder
    pytest.skip("the labelled development sets (shared/data) are not beside this checkout")
