"""Fixtures shared by every test area."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("KIOSK_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """../shared/corpus, or skip: it is beside the project on developer machines and CI, not in a user's clone."""
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"needs the shared corpus at {corpus} (present on developer machines and CI, not in a fresh clone)")
    return corpus
