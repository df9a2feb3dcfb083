from __future__ import annotations

import os
from pathlib import Path

from index.sync.stability import FileStabilityTracker

from .conftest import FakeClock

MB = 1024 * 1024


def _set_mtime(path: Path, clock: FakeClock) -> None:
    ns = int(clock() * 1e9)
    os.utime(path, ns=(ns, ns))


def test_slowly_growing_file_is_taken_once_when_complete(tmp_path: Path, clock: FakeClock) -> None:
    """A '500 MB file at 1 MB/s': grown in steps (sparse, so no 500 MB of disk) with the clock moved by hand."""
    tracker = FileStabilityTracker(5.0, now=clock)
    path = tmp_path / "big.pdf"
    path.touch()
    tracker.touch(path)
    taken: list[tuple[float, Path]] = []
    size = 0
    step_mb = 1
    while size < 500 * MB:
        clock.advance(1.0)  # one second per megabyte
        size += step_mb * MB
        os.truncate(path, size)
        _set_mtime(path, clock)
        # A native watcher would send an event per write; a polling one maybe none.
        if (size // MB) % 7 == 0:
            tracker.touch(path)
        taken += [(clock(), p) for p in tracker.ready()]
    assert taken == [], "file taken while still growing"
    finished_at = clock()
    for _ in range(20):
        clock.advance(1.0)
        taken += [(clock(), p) for p in tracker.ready()]
    assert [p for _, p in taken] == [path]
    assert taken[0][0] - finished_at >= 5.0
    assert len(tracker) == 0


def test_growth_without_events_is_noticed(tmp_path: Path, clock: FakeClock) -> None:
    """On a network mount a watcher may report one event only: the size check still holds the file."""
    tracker = FileStabilityTracker(5.0, now=clock)
    path = tmp_path / "a.docx"
    path.write_bytes(b"x")
    tracker.touch(path)
    for _ in range(10):
        clock.advance(4.0)  # less than the delay between growth steps
        with path.open("ab") as fh:
            fh.write(b"more")
        assert tracker.ready() == []
    clock.advance(5.0)
    assert tracker.ready() == [path]


def test_event_restarts_the_wait(tmp_path: Path, clock: FakeClock) -> None:
    tracker = FileStabilityTracker(5.0, now=clock)
    path = tmp_path / "a.txt"
    path.write_text("x", encoding="utf-8")
    tracker.touch(path)
    clock.advance(4.9)
    tracker.touch(path)  # e.g. metadata change without size/mtime change
    clock.advance(4.9)
    assert tracker.ready() == []
    assert tracker.next_due() is not None and 0 < tracker.next_due() <= 0.11
    clock.advance(0.2)
    assert tracker.ready() == [path]
    assert tracker.ready() == []  # only once


def test_deleted_file_is_dropped(tmp_path: Path, clock: FakeClock) -> None:
    tracker = FileStabilityTracker(2.0, now=clock)
    path = tmp_path / "gone.pdf"
    path.write_bytes(b"%PDF")
    tracker.touch(path)
    path.unlink()
    clock.advance(3.0)
    assert tracker.ready() == []
    assert len(tracker) == 0


def test_forget_and_forget_under(tmp_path: Path, clock: FakeClock) -> None:
    tracker = FileStabilityTracker(1.0, now=clock)
    (tmp_path / "d").mkdir()
    a, b, c = tmp_path / "d" / "a.txt", tmp_path / "d" / "b.txt", tmp_path / "c.txt"
    for p in (a, b, c):
        p.write_text("x", encoding="utf-8")
        tracker.touch(p)
    tracker.forget(c)
    tracker.forget_under(tmp_path / "d")
    clock.advance(2.0)
    assert tracker.ready() == []


def test_zero_delay_takes_at_next_check(tmp_path: Path, clock: FakeClock) -> None:
    tracker = FileStabilityTracker(0.0, now=clock)
    path = tmp_path / "a.txt"
    path.write_text("x", encoding="utf-8")
    tracker.touch(path)
    assert tracker.ready() == [path]
