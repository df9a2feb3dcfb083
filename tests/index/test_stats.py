"""Anonymous usage counts: counting, files, restarts, privacy, export and merge."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from index.errors import ConfigError
from index.stats import (
    COUNTS_SUBDIR,
    DayCounts,
    UsageCounter,
    day_file,
    export_counts,
    read_counts,
)
from tests.index._usage_data import CHINA, FREE_TEXT, FakeClock, is_vocabulary_word, simulate

REPO = Path(__file__).resolve().parents[2]


def make_counter(stats_dir: Path, clock: FakeClock, **kw: object) -> UsageCounter:
    kw.setdefault("is_vocabulary_word", is_vocabulary_word)
    kw.setdefault("tz", CHINA)
    kw.setdefault("background_flush", False)
    return UsageCounter(stats_dir, "t-01", now=clock, **kw)  # type: ignore[arg-type]


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=CHINA)


def test_counts_match_what_the_visitors_did(tmp_path: Path) -> None:
    days = [date(2026, 3, 2) + timedelta(days=i) for i in range(5)]
    truth = simulate(tmp_path, "t-01", days, seed=7)
    merged = read_counts([tmp_path])
    assert not merged.problems
    assert sorted(d for _, d in merged.days) == days
    snapshots = merged.select(days[0], days[-1])
    for event in ("session", "search", "search_no_result", "view", "qr", "print", "pages"):
        assert sum(c.total(event) for c in snapshots) == truth.totals[event], event
    assert truth.totals["session"] == 30
    views: dict[str, int] = {}
    for c in snapshots:
        for doc, n in c.docs.get("view", {}).items():
            views[doc] = views.get(doc, 0) + n
    assert views == dict(truth.views)
    hours = {h for c in snapshots for h in c.by_hour("session")}
    assert hours and all(9 <= h < 17 for h in hours)


def test_year_boundary_lands_in_the_right_year(tmp_path: Path) -> None:
    clock = FakeClock(at(2025, 12, 31, 23, 59).timestamp())
    with make_counter(tmp_path, clock) as counter:
        counter.record("session")
        counter.record("view", doc_id="a#3")  # a gazette item: counted for its issue
        clock.set(at(2026, 1, 1, 0, 0))
        counter.record("session")
    old = DayCounts.load(day_file(tmp_path, "t-01", date(2025, 12, 31)))
    new = DayCounts.load(day_file(tmp_path, "t-01", date(2026, 1, 1)))
    assert old.by_hour("session") == {23: 1} and old.docs["view"] == {"a": 1}
    assert new.by_hour("session") == {0: 1} and "view" not in new.docs


def test_no_free_text_and_no_fine_times_are_stored(tmp_path: Path) -> None:
    clock = FakeClock(at(2026, 5, 6, 10, 17, 43).timestamp())
    secret = FREE_TEXT[0]
    with make_counter(tmp_path, clock) as counter:
        counter.record("session")
        counter.record("search", word=secret)
        counter.record("search_no_result", word=secret)
        counter.record("search", word="住房公积金")
        counter.record("search_no_result", word="住房公积金")
        counter.record("search", word="  ")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files
    blob = b"".join(p.read_bytes() for p in files)
    assert secret.encode() not in blob and secret[:3].encode() not in blob
    assert "住房公积金".encode() in blob  # the vocabulary word is kept, so the grep can fail
    for minute_text in (b"10:17", b"17:43", b"T10", str(int(clock.t)).encode()):
        assert minute_text not in blob
    path = day_file(tmp_path, "t-01", date(2026, 5, 6))
    assert path.stat().st_mtime == at(2026, 5, 6, 10).timestamp()  # the hour, not the minute
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"schema", "kind", "terminal_id", "day", "revision", "hours", "docs", "words", "topics"}
    assert data["hours"] == {"10": {"session": 1, "search": 3, "search_no_result": 2}}
    assert data["words"] == {"search": {"住房公积金": 1}, "search_no_result": {"住房公积金": 1}}


def test_without_a_vocabulary_no_word_is_kept(tmp_path: Path) -> None:
    clock = FakeClock(at(2026, 5, 6, 10).timestamp())
    with make_counter(tmp_path, clock, is_vocabulary_word=None) as counter:
        counter.record("search", word="住房公积金")
    data = DayCounts.load(day_file(tmp_path, "t-01", date(2026, 5, 6)))
    assert data.total("search") == 1 and data.words == {}


def test_flushes_by_the_injected_clock(tmp_path: Path) -> None:
    clock = FakeClock(at(2026, 5, 6, 10).timestamp())
    counter = make_counter(tmp_path, clock, flush_interval_s=60.0)
    path = day_file(tmp_path, "t-01", date(2026, 5, 6))
    counter.record("session")
    clock.advance(59)
    counter.record("search")
    assert not path.exists()
    clock.advance(1)
    counter.record("search")
    assert DayCounts.load(path).total("search") == 2
    assert DayCounts.load(path).revision == 1
    counter.close()
    counter.close()  # twice is fine
    assert DayCounts.load(path).revision == 1  # nothing new: not rewritten
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


CRASH_CHILD = r"""
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from index.stats import UsageCounter
tz = timezone(timedelta(hours=8))
times = [float(x) for x in sys.argv[2].split(",")]
clock = {"t": times[0]}
counter = UsageCounter(Path(sys.argv[1]), "t-01", now=lambda: clock["t"], tz=tz,
                       flush_interval_s=60.0, background_flush=False)
for t in times:
    clock["t"] = t
    counter.record("view", doc_id="d1")
print("recorded", flush=True)
sys.stdin.read()  # wait to be killed
"""


def test_a_crash_loses_at_most_the_last_minute(tmp_path: Path) -> None:
    start = at(2026, 6, 1, 9).timestamp()
    times = [start + 13 * i for i in range(40)]  # one view every 13 s for 8.5 minutes
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_CHILD, str(tmp_path), ",".join(map(str, times))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"recorded"
    proc.send_signal(signal.SIGKILL)  # power cut: no close(), no flush
    proc.wait(timeout=10)
    path = day_file(tmp_path, "t-01", date(2026, 6, 1))
    before = DayCounts.load(path)
    saved = before.total("view")
    lost = times[saved:]
    assert 0 < saved < len(times)
    assert all(t > times[-1] - 60 for t in lost), "more than the last minute was lost"
    # The restarted app continues the same day's file.
    clock = FakeClock(times[-1] + 5)
    with make_counter(tmp_path, clock) as counter:
        counter.record("view", doc_id="d1")
    after = DayCounts.load(path)
    assert after.total("view") == saved + 1
    assert after.revision == before.revision + 1


def test_background_thread_flushes_without_further_events(tmp_path: Path) -> None:
    clock = FakeClock(at(2026, 6, 1, 9).timestamp())
    counter = UsageCounter(tmp_path, "t-01", now=clock, tz=CHINA, flush_interval_s=0.05)
    try:
        counter.record("session")
        path = day_file(tmp_path, "t-01", date(2026, 6, 1))
        deadline = time.monotonic() + 5
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.02)  # real time: the thread flushes on real time, not the injected clock
        assert DayCounts.load(path).total("session") == 1
    finally:
        counter.close()
    assert counter._thread is not None and not counter._thread.is_alive()


def test_a_refusing_disk_keeps_counts_until_it_works(tmp_path: Path) -> None:
    blocker = tmp_path / "stats"
    blocker.write_text("not a folder")  # mkdir under a file fails: like a dead disk
    clock = FakeClock(at(2026, 6, 1, 9).timestamp())
    counter = make_counter(blocker, clock)
    counter.record("session")
    clock.advance(120)
    counter.record("session")  # due to flush; fails quietly
    assert counter.flush() is False
    blocker.unlink()
    assert counter.flush() is True
    counter.close()
    assert DayCounts.load(day_file(blocker, "t-01", date(2026, 6, 1))).total("session") == 2


def test_a_corrupt_local_file_is_set_aside(tmp_path: Path) -> None:
    path = day_file(tmp_path, "t-01", date(2026, 6, 1))
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"schema": 1, "kind": "kiosk-usage-co')  # torn write from an old version
    clock = FakeClock(at(2026, 6, 1, 9).timestamp())
    with make_counter(tmp_path, clock) as counter:
        counter.record("session")
    assert DayCounts.load(path).total("session") == 1
    assert path.with_name(path.name + ".corrupt").exists()


def test_bad_calls_are_refused(tmp_path: Path) -> None:
    clock = FakeClock(at(2026, 6, 1, 9).timestamp())
    with pytest.raises(ConfigError):
        UsageCounter(tmp_path, "../evil", now=clock, background_flush=False)
    with make_counter(tmp_path, clock) as counter:
        with pytest.raises(ValueError, match="unknown usage event"):
            counter.record("click")
        with pytest.raises(ValueError, match="doc_id"):
            counter.record("view")
        with pytest.raises(ValueError, match="pages"):
            counter.record("print", doc_id="a", pages=-1)
        counter.record("session")
    assert DayCounts.load(day_file(tmp_path, "t-01", date(2026, 6, 1))).hours == {"09": {"session": 1}}


def test_export_twice_and_merge_counts_once(tmp_path: Path) -> None:
    lib_stats, share_status = tmp_path / "lib" / "stats", tmp_path / "share" / ".kiosk-status"
    days1 = [date(2026, 2, 27), date(2026, 2, 28)]
    truth = simulate(lib_stats, "t-01", days1, seed=1)
    first = export_counts(lib_stats, share_status, "t-01")
    assert (first.copied, first.unchanged) == (2, 0)
    again = export_counts(lib_stats, share_status, "t-01")
    assert (again.copied, again.unchanged) == (0, 2)
    # More visitors on the second day (same file, higher revision) and a new day.
    simulate(lib_stats, "t-01", [date(2026, 2, 28), date(2026, 3, 1)], seed=2, truth=truth)
    second = export_counts(lib_stats, share_status, "t-01")
    assert (second.copied, second.unchanged) == (2, 1)
    exported = share_status / COUNTS_SUBDIR / "t-01"
    assert sorted(p.name for p in exported.iterdir()) == ["2026-02-27.json", "2026-02-28.json", "2026-03-01.json"]
    # Someone keeps an old copy of the share folder beside it, and the library is read too.
    backup = share_status / COUNTS_SUBDIR / "t-01 (copy)"
    shutil.copytree(exported, backup)
    older = DayCounts.load(exported / "2026-02-28.json")
    older.revision = 1
    (backup / "2026-02-28.json").write_bytes(older.dumps())
    merged = read_counts([lib_stats, share_status / COUNTS_SUBDIR])
    assert not merged.problems
    assert merged.copies_ignored == 6
    total_sessions = sum(c.total("session") for c in merged.days.values())
    assert total_sessions == truth.totals["session"] == 24
    assert sum(c.total("pages") for c in merged.days.values()) == truth.totals["pages"]


def test_merge_skips_corrupt_files_and_sums_the_rest(tmp_path: Path) -> None:
    truth = simulate(tmp_path / "a", "t-01", [date(2026, 4, 1)], seed=3)
    truth = simulate(tmp_path / "a", "t-02", [date(2026, 4, 1)], seed=4, truth=truth)
    broken = tmp_path / "a" / "t-03" / "2026-04-01.json"
    broken.parent.mkdir()
    good = DayCounts.load(day_file(tmp_path / "a", "t-01", date(2026, 4, 1)))
    broken.write_bytes(good.dumps()[:40])
    negative = tmp_path / "a" / "t-04" / "2026-04-01.json"
    negative.parent.mkdir()
    data = good.to_json() | {"terminal_id": "t-04"}
    data["hours"]["12"] = {"session": -5}
    negative.write_text(json.dumps(data), encoding="utf-8")
    merged = read_counts([tmp_path / "a"])
    assert sorted(p for p, _ in merged.problems) == [broken, negative]
    assert merged.terminals == ["t-01", "t-02"]
    assert sum(c.total("session") for c in merged.days.values()) == truth.totals["session"]


def test_export_skips_corrupt_and_missing(tmp_path: Path) -> None:
    assert export_counts(tmp_path / "none", tmp_path / "share", "t-01").copied == 0
    simulate(tmp_path / "stats", "t-01", [date(2026, 4, 1)], seed=5)
    bad = tmp_path / "stats" / "t-01" / "2026-04-02.json"
    bad.write_text("garbage", encoding="utf-8")
    result = export_counts(tmp_path / "stats", tmp_path / "share", "t-01")
    assert result.copied == 1 and [p for p, _ in result.skipped] == [bad]
    dest = tmp_path / "share" / COUNTS_SUBDIR / "t-01"
    assert sorted(p.name for p in dest.iterdir()) == ["2026-04-01.json"]
