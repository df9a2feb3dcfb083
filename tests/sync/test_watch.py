from __future__ import annotations

import contextlib
import errno
import logging
import os
import queue
import time
from pathlib import Path

import pytest
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from index.config import Config
from index.sync.events import Deleted, MetadataChanged, Moved, ShareEvent, Touched
from index.sync.handler import ShareEventHandler
from index.sync.mounts import choose_mode, mount_for, parse_mountinfo
from index.sync.polling import ScandirPollingObserver
from index.sync.watch import ShareWatcher, walk_share

from .fusemount import bindfs_mount

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
40 27 0:50 / /mnt/archive\\040share rw,relatime - cifs //nas/archive rw,vers=3.0
41 27 0:51 / /mnt/nfs rw,relatime - nfs4 nas:/export rw
42 27 0:52 / /mnt/fuse rw,relatime - fuse.sshfs user@nas: rw
43 27 0:53 / /srv/share rw,relatime - xfs /dev/sdb1 rw
"""


def _events(q: queue.Queue, want: int = 1, timeout: float = 10.0) -> list[ShareEvent]:
    """Collect events until ``want`` arrived (real observers run in real time)."""
    got: list[ShareEvent] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        with contextlib.suppress(queue.Empty):
            got.append(q.get(timeout=0.05))
    return got


def test_parse_mountinfo_unescapes_spaces() -> None:
    mounts = parse_mountinfo(MOUNTINFO)
    assert [m.mount_point for m in mounts][2] == "/mnt/archive share"
    assert mounts[2].fs_type == "cifs" and mounts[2].source == "//nas/archive"


@pytest.mark.parametrize(
    ("path", "mode"),
    [("/mnt/archive share/规范性文件", "polling"), ("/mnt/nfs", "polling"), ("/mnt/fuse/x", "polling"),
     ("/srv/share", "native"), ("/home/x", "native")],
)
def test_choose_mode_from_filesystem_type(tmp_path: Path, path: str, mode: str) -> None:
    info = tmp_path / "mountinfo"
    info.write_text(MOUNTINFO, encoding="utf-8")
    assert choose_mode(Path(path), "auto", info)[0] == mode


def test_watch_mode_setting_overrides(tmp_path: Path) -> None:
    info = tmp_path / "mountinfo"
    info.write_text(MOUNTINFO, encoding="utf-8")
    assert choose_mode(Path("/mnt/nfs"), "native", info)[0] == "native"
    assert choose_mode(Path("/srv/share"), "polling", info)[0] == "polling"
    assert choose_mode(Path("/srv/share"), "auto", tmp_path / "missing")[0] == "polling"


def test_native_watcher_on_local_folder(share: Path, config: Config) -> None:
    q: queue.Queue = queue.Queue()
    watcher = ShareWatcher(share, q, config)
    watcher.start()
    try:
        assert watcher.mode == "native", watcher.why
        (share / "a.txt").write_text("hello", encoding="utf-8")
        (share / "Thumbs.db").write_bytes(b"debris")
        (share / "b.pdf.part").write_bytes(b"partial")
        got = _events(q, 2, timeout=3)
    finally:
        watcher.stop()
    assert Touched("a.txt") in got
    assert all(e.rel == "a.txt" for e in got), got  # debris names never reach the queue


def test_network_share_seen_by_polling_not_inotify(tmp_path: Path, config: Config) -> None:
    """bindfs mount: a write into the backing folder (another SMB client) reaches the mount
    point with no inotify event there; polling sees it, and 'auto' chooses polling."""
    backing = tmp_path / "server"
    backing.mkdir()
    (backing / ".kiosk-share").write_text("", encoding="utf-8")
    with bindfs_mount(backing, tmp_path / "mnt") as mnt:
        mode, why = choose_mode(mnt, "auto")
        assert mode == "polling", why
        inotify_q: queue.Queue = queue.Queue()
        native = Observer()
        native.schedule(ShareEventHandler(mnt, inotify_q), str(mnt), recursive=True)
        poll_q: queue.Queue = queue.Queue()
        polling = ScandirPollingObserver(timeout=0.1)
        polling.schedule(ShareEventHandler(mnt, poll_q), str(mnt), recursive=True)
        wd_q: queue.Queue = queue.Queue()
        wd_polling = PollingObserver(timeout=0.1)
        wd_polling.schedule(ShareEventHandler(mnt, wd_q), str(mnt), recursive=True)
        for obs in (native, polling, wd_polling):
            obs.start()
        try:
            (backing / "规范性文件").mkdir()
            (backing / "规范性文件" / "通知.txt").write_text("内容", encoding="utf-8")
            assert (mnt / "规范性文件" / "通知.txt").read_text(encoding="utf-8") == "内容"
            polled = _events(poll_q, 1, timeout=5)
            wd_polled = _events(wd_q, 1, timeout=5)
            # By now polling has seen the file; inotify on the mount has had as long.
            native_events = _events(inotify_q, 1, timeout=0.5)
        finally:
            for obs in (native, polling, wd_polling):
                obs.stop()
            for obs in (native, polling, wd_polling):
                obs.join()
        assert Touched("规范性文件/通知.txt") in polled
        assert Touched("规范性文件/通知.txt") in wd_polled
        assert native_events == [], "inotify saw a write made behind the mount"


def test_watcher_uses_polling_on_bindfs_and_takes_file(tmp_path: Path, config: Config) -> None:
    backing = tmp_path / "server"
    backing.mkdir()
    with bindfs_mount(backing, tmp_path / "mnt") as mnt:
        q: queue.Queue = queue.Queue()
        watcher = ShareWatcher(mnt, q, config.with_overrides({"sync.poll_interval_s": 0.1}))
        watcher.start()
        try:
            assert watcher.mode == "polling"
            (backing / "a.pdf").write_bytes(b"%PDF-1.4")
            got = _events(q, 1, timeout=5)
        finally:
            watcher.stop()
    assert got == [Touched("a.pdf")]


class _NoWatchesObserver(Observer):  # type: ignore[misc, valid-type]
    """The real inotify observer, on a kernel that refuses more watches (as when
    fs.inotify.max_user_watches is exhausted): inotify_add_watch fails with ENOSPC."""

    def schedule(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "inotify watch limit reached")


def test_watch_limit_falls_back_to_polling_with_warning(
    share: Path, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    q: queue.Queue = queue.Queue()
    watcher = ShareWatcher(share, q, config.with_overrides({"sync.poll_interval_s": 0.1}),
                           native_factory=_NoWatchesObserver)
    with caplog.at_level(logging.WARNING, logger="index.sync"):
        watcher.start()
    try:
        assert watcher.mode == "polling"
        assert "watch limit" in watcher.fallback_reason
        assert any("falling back to polling" in r.getMessage() for r in caplog.records)
        (share / "a.txt").write_text("x", encoding="utf-8")
        assert _events(q, 1, timeout=5) == [Touched("a.txt")]
    finally:
        watcher.stop()


def test_dead_native_observer_is_replaced_by_polling(
    share: Path, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    q: queue.Queue = queue.Queue()
    watcher = ShareWatcher(share, q, config.with_overrides({"sync.poll_interval_s": 0.1}))
    watcher.start()
    try:
        assert watcher.mode == "native"
        obs = watcher.observer
        assert isinstance(obs, BaseObserver)
        obs.stop()  # the observer dies behind the watcher's back
        obs.join()
        with caplog.at_level(logging.WARNING, logger="index.sync"):
            assert watcher.check_health() is False
        assert watcher.mode == "polling"
        assert any("native observer stopped" in r.getMessage() for r in caplog.records)
        assert watcher.check_health() is True
    finally:
        watcher.stop()


def _poll_once(share: Path, budget: int = 10_000) -> tuple[ScandirPollingObserver, queue.Queue]:
    q: queue.Queue = queue.Queue()
    obs = ScandirPollingObserver(timeout=3600, budget_files=budget)  # polls only when told
    obs.schedule(ShareEventHandler(share, q), str(share), recursive=True)
    return obs, q


def _drain(q: queue.Queue) -> list[ShareEvent]:
    out = []
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out


def _poll(obs: ScandirPollingObserver, q: queue.Queue) -> list[ShareEvent]:
    for emitter in obs.emitters:
        emitter.poll()
    # The observer thread dispatches the emitter's queue to the handler.
    return _events(q, 10_000, timeout=0.3)


def test_scandir_polling_detects_create_modify_move_delete(share: Path) -> None:
    (share / "d").mkdir()
    (share / "d" / "old.txt").write_text("one", encoding="utf-8")
    obs, q = _poll_once(share)
    obs.start()
    try:
        (share / "d" / "new.txt").write_text("two", encoding="utf-8")
        assert _poll(obs, q) == [Touched("d/new.txt")]
        os.rename(share / "d" / "old.txt", share / "d" / "renamed.txt")
        assert _poll(obs, q) == [Moved("d/old.txt", "d/renamed.txt")]
        (share / "d" / "new.txt").unlink()
        assert _poll(obs, q) == [Deleted("d/new.txt")]
        (share / "e" / "f").mkdir(parents=True)
        (share / "e" / "f" / "deep.pdf").write_bytes(b"%PDF")
        assert _poll(obs, q) == [Touched("e/f/deep.pdf")]
    finally:
        obs.stop()
        obs.join()


def test_scandir_polling_sees_rewrite_in_place_within_rotation(share: Path) -> None:
    """A file rewritten in place does not change its folder's mtime: the rotation finds it."""
    for i in range(6):
        (share / f"d{i}").mkdir()
        (share / f"d{i}" / "a.txt").write_text("x", encoding="utf-8")
    old = time.time() - 60  # folders and files look old: not 'recently modified'
    for p in share.rglob("*"):
        os.utime(p, (old, old))
    os.utime(share, (old, old))
    obs, q = _poll_once(share, budget=2)
    obs.start()
    try:
        target = share / "d4" / "a.txt"
        dir_mtime = (share / "d4").stat().st_mtime_ns
        target.write_text("changed", encoding="utf-8")
        assert (share / "d4").stat().st_mtime_ns == dir_mtime
        seen: list[tuple[str, ...]] = []
        polls = 0
        while Touched("d4/a.txt") not in seen and polls < 10:
            seen += _poll(obs, q)
            polls += 1
        assert Touched("d4/a.txt") in seen
        assert 1 < polls <= 7  # not every folder every poll, but all within a few polls
    finally:
        obs.stop()
        obs.join()


def test_walk_share_skips_debris_and_ignored_folders(share: Path) -> None:
    (share / "@eaDir").mkdir()
    (share / "@eaDir" / "x.pdf").write_bytes(b"%PDF")
    (share / "a.pdf").write_bytes(b"%PDF")
    (share / "~$a.docx").write_bytes(b"lock")
    (share / ".DS_Store").write_bytes(b"")
    assert sorted(rel for rel, _ in walk_share(share)) == ["a.pdf"]


def test_mount_for_finds_longest_prefix(tmp_path: Path) -> None:
    info = tmp_path / "mountinfo"
    info.write_text(MOUNTINFO, encoding="utf-8")
    m = mount_for(Path("/mnt/nfs/sub/dir"), info)
    assert m is not None and m.fs_type == "nfs4"


def test_one_share_filter_decides_for_every_path() -> None:
    """Reconcile, watcher and rescan ask the same ShareFilter: documents, metadata and debris."""
    from index.sync.filters import SHARE_FILTER as f

    documents = ["a.pdf", "通知.docx", "report.TMP", "Thumbs.DB", "x.txt"]
    debris = ["x.pdf.part", "y.tmp", "~$z.docx", ".~lock.a.docx#", "._a.pdf", ".DS_Store", "Thumbs.db",
              "desktop.ini", ".kiosk-share", ".hidden.pdf", "a.crdownload", "b.filepart", ".syncthing.a.pdf.tmp"]
    metadata = ["a.pdf.json", "目录.xlsx", "catalog.csv"]
    for name in documents:
        assert f.is_document(f"规范性文件/{name}") and f.is_document_name(name), name
    for name in debris + metadata:
        assert not f.is_document(f"规范性文件/{name}") and not f.is_document_name(name), name
    for name in metadata:
        assert f.is_metadata(f"规范性文件/{name}"), name
        assert not f.is_metadata(f"@eaDir/{name}"), name
    assert not f.is_document("@eaDir/a.pdf") and not f.is_document(".kiosk-status/a.pdf")
    assert f.in_ignored_dir("a/__MACOSX/b") and not f.in_ignored_dir("a/b/c.pdf")
    assert not f.enters(".kiosk-status") and f.enters("规范性文件")


def test_handler_ignores_status_writes_and_reports_sidecars(share: Path, config: Config) -> None:
    """Atomic writes in .kiosk-status (temp + rename) are not share changes; sidecars are."""
    (share / "规范性文件").mkdir()
    (share / "规范性文件" / "a.txt").write_text("x", encoding="utf-8")
    q: queue.Queue = queue.Queue()
    watcher = ShareWatcher(share, q, config)
    watcher.start()
    try:
        status = share / ".kiosk-status"
        status.mkdir()
        (status / ".t.json.123.tmp").write_text("{}", encoding="utf-8")
        os.replace(status / ".t.json.123.tmp", status / "t.json")
        (share / "规范性文件" / "a.txt.json").write_text("{}", encoding="utf-8")
        got = _events(q, 1, timeout=3)
        (share / "规范性文件" / "a.txt.json").unlink()
        got += _events(q, 2, timeout=3)
    finally:
        watcher.stop()
    assert got and all(e == MetadataChanged("规范性文件/a.txt.json") for e in got), got


def test_scandir_polling_reports_a_share_that_appears_later(tmp_path: Path) -> None:
    share = tmp_path / "not-mounted-yet"
    obs, q = _poll_once(share)
    obs.start()
    try:
        assert _poll(obs, q) == []
        share.mkdir()
        (share / "a.txt").write_text("x", encoding="utf-8")
        assert _poll(obs, q) == [Touched("a.txt")]
    finally:
        obs.stop()
        obs.join()


def test_events_of_different_kinds_never_compare_equal() -> None:
    assert Touched("a.pdf") == Touched("a.pdf") and hash(Touched("a.pdf")) == hash(Touched("a.pdf"))
    assert Touched("a.pdf") != Deleted("a.pdf") != MetadataChanged("a.pdf")
    assert Moved("a.pdf", "b.pdf") != Moved("a.pdf", "c.pdf")
