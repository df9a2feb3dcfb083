"""Status files and notes across an unmount and a remount of a FUSE share (real bindfs)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("index.extract", reason="index.extract (extraction helper) not merged on this branch yet")

from index.sync.daemon import SyncDaemon

from .conftest import FakeClock
from .fusemount import bindfs_mount
from .test_daemon import PUBLIC, make_daemon, pump, settle, write_doc  # noqa: F401 - make_daemon is a fixture


def test_no_status_in_the_bare_mount_point_and_the_marker_note_goes_when_it_is_back(
    tmp_path: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock  # noqa: F811
) -> None:
    backing = tmp_path / "server"
    backing.mkdir()
    (backing / ".kiosk-share").write_text("", encoding="utf-8")
    for i in range(3):
        write_doc(backing, f"{PUBLIC}/通知{i}.txt", f"关于第{i}项工作的通知")
    mnt = tmp_path / "mnt"
    with bindfs_mount(backing, mnt):
        d = make_daemon(mnt)
        d.publish_status(force=True)
        assert (backing / ".kiosk-status" / "terminal-01.json").exists()  # written while mounted
        subprocess.run(["fusermount", "-u", "-z", str(mnt)], check=True)  # a dropped network mount
        pump(d, clock, lambda: len(d.removals) == 3, advance=0.2)
        settle(d, clock)
        assert "sync.guard_no_marker" in d.state.notes
        d.publish_status(force=True)
        assert list(mnt.iterdir()) == []  # nothing written into the bare mount point: a remount works
    with bindfs_mount(backing, mnt):  # the share is back (bindfs refuses a non-empty mount point? it is empty)
        d.rescan()
        settle(d, clock)
        assert "sync.guard_no_marker" not in d.state.notes  # re-derived on this pass
        assert d.lib.counts()["public"] == 3
        d.publish_status(force=True)
        status = (backing / ".kiosk-status" / "terminal-01.txt").read_text(encoding="utf-8")
        assert "标记文件" not in status
        d.stop()
