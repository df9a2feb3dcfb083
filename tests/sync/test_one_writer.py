"""One writer per library, one share per library: real ``kiosk`` processes, real flock, ``kill -9``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("index.extract", reason="index.extract (extraction helper) not merged on this branch yet")

from index.lock import holder_pid

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}


def _kiosk(cfg: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), *args], env=_env(),
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text('[sync]\nstability_delay_s = 0.2\n[review]\nrequired = false\n', encoding="utf-8")
    return path


def _one_line_error(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode != 0, res.stdout
    assert "Traceback" not in res.stderr, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_second_writer_refused_naming_the_holder_and_kill_9_leaves_no_stale_lock(
        tmp_path: Path, share: Path, cfg: Path) -> None:
    (share / "通知.txt").write_text("关于开馆时间的通知\n\n本馆每周一闭馆。\n", encoding="utf-8")
    lib = tmp_path / "library"
    daemon = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--config", str(cfg), "sync", "--share", str(share), "--library", str(lib)],
        env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while holder_pid(lib) != daemon.pid:
            assert daemon.poll() is None, daemon.stderr.read() if daemon.stderr else ""
            assert time.monotonic() < deadline, "daemon never took the writer lock"
            time.sleep(0.1)
        t0 = time.monotonic()
        once = _kiosk(cfg, "sync", "--once", "--share", str(share), "--library", str(lib))
        line = _one_line_error(once)
        assert str(daemon.pid) in line and "in use" in line
        assert time.monotonic() - t0 < 30  # at once: no waiting on the lock
        second = _kiosk(cfg, "sync", "--share", str(share), "--library", str(lib))  # a second daemon
        assert str(daemon.pid) in _one_line_error(second)
        rebuild = _kiosk(cfg, "index", "rebuild", "--library", str(lib))
        assert str(daemon.pid) in _one_line_error(rebuild)
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(timeout=10)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        if daemon.stderr:
            daemon.stderr.close()
    assert (lib / "writer.lock").exists()  # the file stays; the lock died with its holder
    assert holder_pid(lib) is None
    after = _kiosk(cfg, "sync", "--once", "--share", str(share), "--library", str(lib))
    assert after.returncode == 0, after.stderr
    assert "1 public" in after.stdout


def test_library_refuses_another_share_with_how_to_start_a_new_library(
        tmp_path: Path, share: Path, cfg: Path) -> None:
    (share / "甲.txt").write_text("关于甲的通知\n\n正文甲。\n", encoding="utf-8")
    other = tmp_path / "other-share"
    other.mkdir()
    (other / ".kiosk-share").write_text("", encoding="utf-8")
    for i in range(3):
        (other / f"乙{i}.txt").write_text(f"关于乙{i}的通知\n\n正文乙。\n", encoding="utf-8")
    lib = tmp_path / "library"
    first = _kiosk(cfg, "sync", "--once", "--share", str(share), "--library", str(lib))
    assert first.returncode == 0, first.stderr
    refused = _kiosk(cfg, "sync", "--once", "--share", str(other), "--library", str(lib))
    line = _one_line_error(refused)
    assert "new library" in line and f"--share {other}" in line
    daemon = _kiosk(cfg, "sync", "--share", str(other), "--library", str(lib), timeout=60)
    assert "new library" in _one_line_error(daemon)
    # Nothing of the other share was taken; the own share still syncs.
    again = _kiosk(cfg, "sync", "--once", "--json", "--share", str(share), "--library", str(lib))
    assert again.returncode == 0, again.stderr
    assert '"public": 1' in again.stdout
    fresh = _kiosk(cfg, "sync", "--once", "--share", str(other), "--library", str(tmp_path / "library-2"))
    assert fresh.returncode == 0 and "3 public" in fresh.stdout, fresh.stderr


def test_a_named_marker_follows_the_share_to_another_mount_point(tmp_path: Path, cfg: Path) -> None:
    from index.catalogue import Catalogue
    from index.errors import WrongShare
    from index.sync.identity import check_share

    a, b = tmp_path / "mnt-a", tmp_path / "mnt-b"
    for d, name in ((a, "share-7f3c"), (b, "share-7f3c")):
        d.mkdir()
        (d / ".kiosk-share").write_text(name + "\n", encoding="utf-8")
    cat = Catalogue(tmp_path / "catalogue.sqlite")
    try:
        check_share(cat, a, ".kiosk-share")
        check_share(cat, b, ".kiosk-share")  # same marker: the same share, mounted elsewhere
        assert cat.get_meta("share_path") == str(b.resolve())
        (b / ".kiosk-share").write_text("share-0000\n", encoding="utf-8")
        with pytest.raises(WrongShare):
            check_share(cat, b, ".kiosk-share")
    finally:
        cat.close()
