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
        # watchdog 7 shares one inotify reader thread per process by design (InotifyFD.get_instance);
        # from 7.1 that thread starts a dispatcher of its own ("InotifyFD-Dispatcher"), which
        # lives as long as it does. Whichever test first starts native events starts both.
        if type(thread).__name__ == "InotifyFD" or thread.name == "InotifyFD-Dispatcher":
            continue
        thread.join(timeout=5)
        if thread.is_alive():
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


@pytest.fixture
def library_root(tmp_path: Path) -> Path:
    return tmp_path / "library"


def add_document(lib, rel: str, text: str, *, title: str = "", reviewed: bool = True):  # type: ignore[no-untyped-def]
    """Put one document straight into a library through its writer (no share, no extraction)."""
    import hashlib

    from index.models import DocumentMeta, Extracted

    data = text.encode("utf-8")
    checksum = hashlib.sha256(data).hexdigest()
    copy = lib.copy_path_for(checksum, ".txt")
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(data)
    meta = DocumentMeta(kind="规范性文件", title=title or rel.rsplit("/", 1)[-1],
                        reviewer="张三" if reviewed else "", review_date="2024-01-02" if reviewed else "")
    extracted = Extracted(pages=[text], page_count=1, has_text=True, format="txt")
    with lib.writer() as w:
        return w.add_or_update(rel, copy, checksum, len(data), 1_700_000_000.0, extracted, meta)
