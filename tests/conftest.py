"""Fixtures shared by every test area."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def find_shared_corpus() -> Path | None:
    """../shared/corpus beside the checkout (or a parent of it: git worktrees), or $KIOSK_SHARED_CORPUS."""
    env = os.environ.get("KIOSK_SHARED_CORPUS")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for parent in REPO.parents:
        if (parent / "shared" / "corpus").is_dir():
            return parent / "shared" / "corpus"
    return None


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """The real documents, or skip: they are beside the project on developer machines and CI,
    not in a user's fresh clone."""
    corpus = find_shared_corpus()
    if corpus is None:
        pytest.skip("needs ../shared/corpus (real government texts; on developer machines and CI, not in a fresh clone)")
    return corpus
