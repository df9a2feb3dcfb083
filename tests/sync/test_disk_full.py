"""A full disk at each step of taking a file, on a real small file system (tmpfs, as root).

At the step named, a filler file takes every free byte of the library's file system
(a real ENOSPC from the kernel, no simulated error). Then the filler goes, and within
one poll interval (the injected clock) every document is searchable.
"""

from __future__ import annotations

import errno
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("index.extract", reason="index.extract (extraction helper) not merged on this branch yet")

from index.config import load_config
from index.library import Library
from index.sync.daemon import SyncDaemon

from .conftest import FakeClock
from .test_daemon import PUBLIC, write_doc

POLL_S = 10.0  # sync.poll_interval_s (the default)
TITLES = [f"关于第{i}批档案移交工作的通知" for i in range(3)]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs for the library")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if res.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(mnt: Path) -> Path:
    """Take every free byte of ``mnt``."""
    filler = mnt / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for chunk in (1 << 20, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def _step_targets() -> dict[str, tuple[Any, str]]:
    import whoosh.index

    import index.catalogue
    import index.library
    import index.sync.reconcile

    return {
        "copy": (index.sync.reconcile, "atomic_copy"),
        "catalogue": (index.catalogue.Catalogue, "put_text"),
        "index_segment": (index.library.Library, "apply_index_todo"),
        "index_commit": (whoosh.index.TOC, "write"),
    }


def _searchable(lib_root: Path, config: Any) -> int:
    with Library.open(lib_root, config) as reader:
        return sum(1 for title in TITLES if reader.search(title, limit=1).total >= 1)


@pytest.mark.parametrize("step", ["copy", "catalogue", "index_segment", "index_commit"])
def test_disk_full_at_each_step_catches_up_within_one_poll(
        step: str, small_disk: Path, share: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    cfg_file = tmp_path / "k.toml"
    cfg_file.write_text("", encoding="utf-8")
    config = load_config(cfg_file, {"sync.stability_delay_s": 1.0, "sync.min_free_mb": 0,
                                    "review.trusted_folders": [PUBLIC]})
    clock = FakeClock()
    lib_root = small_disk / "library"
    owner, name = _step_targets()[step]
    original = getattr(owner, name)
    filled: list[Path] = []

    def at_step(*args: Any, **kwargs: Any) -> Any:
        if not filled:
            filled.append(fill(small_disk))
        return original(*args, **kwargs)

    d = SyncDaemon(share, lib_root, config, now=clock)
    d.start()
    try:
        monkeypatch.setattr(owner, name, at_step if not isinstance(original, staticmethod) else staticmethod(at_step))
        for title in TITLES:
            write_doc(share, f"{PUBLIC}/{title}.txt", title, "各单位档案移交工作安排如下。" * 200)
        deadline = time.monotonic() + 60
        while not (filled and d.state.ingest_paused):
            assert time.monotonic() < deadline, f"disk never filled at {step} (or no pause): {d.state.notes}"
            d.step(0.05)
            clock.advance(0.5)
        assert d.lib.rejections() == []  # a full disk is not the file's fault
        assert "sync.disk_full" in d.state.notes or "sync.disk_low" in d.state.notes
        monkeypatch.setattr(owner, name, original)
        filled[0].unlink()  # space is back
        t0, start = time.monotonic(), clock()
        while _searchable(lib_root, config) < len(TITLES):
            assert clock() - start <= POLL_S, f"not all searchable within one poll after {step}"
            d.step(0.05)
            clock.advance(0.5)
        took = time.monotonic() - t0
        assert not d.state.ingest_paused and d.lib.catalogue.todo() == []
        assert d.lib.check_index() == []
    finally:
        d.stop()
    with capsys.disabled():
        print(f"\n  disk full at {step:13s}: all {len(TITLES)} searchable {took * 1000:.0f} ms after space was freed "
              f"({clock() - start:.1f} s of daemon clock)")


def test_pause_below_the_floor_is_lifted_on_the_next_poll(small_disk: Path, share: Path, tmp_path: Path) -> None:
    """The default kind of pause (free space under sync.min_free_mb), measured again on every poll."""
    cfg_file = tmp_path / "k.toml"
    cfg_file.write_text("", encoding="utf-8")
    config = load_config(cfg_file, {"sync.stability_delay_s": 1.0, "sync.min_free_mb": 8,
                                    "review.trusted_folders": [PUBLIC]})
    clock = FakeClock()
    lib_root = small_disk / "library"
    d = SyncDaemon(share, lib_root, config, now=clock)
    d.start()
    try:
        filler = small_disk / "filler"
        with filler.open("wb") as fh:  # leave about 4 MiB: under the 8 MiB floor
            free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
            fh.write(b"\0" * (free - (4 << 20)))
        write_doc(share, f"{PUBLIC}/{TITLES[0]}.txt", TITLES[0])
        deadline = time.monotonic() + 30
        while not d.state.ingest_paused:
            assert time.monotonic() < deadline
            d.step(0.05)
            clock.advance(0.5)
        filler.unlink()
        start = clock()
        while _searchable(lib_root, config) < 1:
            assert clock() - start <= POLL_S, "pause not lifted within one poll"
            d.step(0.05)
            clock.advance(0.5)
        assert "sync.disk_low" not in d.state.notes
    finally:
        d.stop()
