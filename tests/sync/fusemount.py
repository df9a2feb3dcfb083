"""A network share simulated with a FUSE bindfs mount (writes into the backing folder
reach the mount point without any inotify event there, as with SMB/NFS)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def fuse_unavailable_reason() -> str:
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse is not available (no FUSE in this container)"
    if not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return "/dev/fuse is not accessible to this user"
    if shutil.which("bindfs") is None or shutil.which("fusermount") is None:
        return "bindfs/fusermount not installed (apt install bindfs fuse3)"
    return ""


def _mounted(mnt: Path) -> bool:
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        return any(line.split()[4] == str(mnt) for line in fh)


@contextmanager
def bindfs_mount(backing: Path, mnt: Path) -> Iterator[Path]:
    reason = fuse_unavailable_reason()
    if reason:
        pytest.skip(reason)
    mnt.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(["bindfs", "-f", "--no-allow-other", str(backing), str(mnt)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not _mounted(mnt):
            if proc.poll() is not None:
                pytest.skip(f"bindfs could not mount: {proc.stderr.read().decode(errors='replace').strip()}")
            if time.monotonic() > deadline:
                raise RuntimeError("bindfs did not mount within 10 s")
            time.sleep(0.02)
        yield mnt
    finally:
        if _mounted(mnt) and subprocess.run(["fusermount", "-u", str(mnt)], capture_output=True).returncode:
            subprocess.run(["fusermount", "-u", "-z", str(mnt)], check=False, capture_output=True)  # busy: detach
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
