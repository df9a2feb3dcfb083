"""Fixtures for the sync tests: real folders, real observers, no leaked threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.config import Config, load_config


@pytest.fixture(autouse=True)
def _no_thread_leaks() -> Iterator[None]:
    """Fail any test that leaves a thread running (as watchdog's tests/conftest.py does)."""
    before = set(threading.enumerate())
    yield
    # Give threads that were told to stop a moment to finish joining.
    leaked: list[threading.Thread] = []
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
        if thread.is_alive() and thread.name != "share-probe":
            leaked.append(thread)
    assert not leaked, f"test leaked threads: {[t.name for t in leaked]}"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Default settings, with a short stability delay and no demo file."""
    cfg_file = tmp_path / "kiosk.toml"
    cfg_file.write_text("", encoding="utf-8")
    return load_config(cfg_file)


@pytest.fixture
def share(tmp_path: Path) -> Path:
    """A share folder with its marker file."""
    root = tmp_path / "share"
    root.mkdir()
    (root / ".kiosk-share").write_text("", encoding="utf-8")
    return root


class FakeClock:
    """An injected clock: time moves only when the test says so."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
