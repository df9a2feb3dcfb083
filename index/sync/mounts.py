"""Which kind of mount holds the share, and so which observer hears about its changes.

A local folder gets watchdog's native observer (inotify on Linux). A network mount (cifs,
smb3, smbfs, nfs, nfs4, any FUSE mount ``fuse.*``) gets polling: inotify only sees changes
made *through this machine*, so a file another client writes onto an SMB/NFS share never
produces an event here. The mount's filesystem type is read from ``/proc/self/mountinfo``;
``sync.watch_mode`` can force either.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")
NETWORK_FS_TYPES: frozenset[str] = frozenset({
    "cifs", "smb3", "smbfs", "smb2", "nfs", "nfs4", "9p", "ceph", "afs", "davfs", "ncpfs", "fuse",
})


@dataclass(frozen=True)
class MountInfo:
    mount_point: str
    fs_type: str
    source: str


def _unescape(field_: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo.
    out, i = [], 0
    while i < len(field_):
        if field_[i] == "\\" and i + 3 < len(field_) and field_[i + 1 : i + 4].isdigit():
            out.append(chr(int(field_[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field_[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[MountInfo]:
    mounts: list[MountInfo] = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, rfields = left.split(), right.split()
        if len(fields) < 5 or len(rfields) < 2:
            continue
        mounts.append(MountInfo(_unescape(fields[4]), rfields[0], _unescape(rfields[1])))
    return mounts


def mount_for(path: Path, mountinfo: Path = MOUNTINFO) -> MountInfo | None:
    """The mount that holds ``path`` (the last-mounted, longest matching mount point)."""
    try:
        text = mountinfo.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None
    target = os.path.realpath(path)
    best: MountInfo | None = None
    for m in parse_mountinfo(text):  # later lines are mounted later: ties go to the last
        mp = m.mount_point
        if (target == mp or target.startswith(mp.rstrip("/") + "/") or mp == "/") and (
            best is None or len(mp) >= len(best.mount_point)
        ):
            best = m
    return best


def is_network_fs(fs_type: str) -> bool:
    return fs_type in NETWORK_FS_TYPES or fs_type.startswith("fuse.")


def choose_mode(share_root: Path, watch_mode: str, mountinfo: Path = MOUNTINFO) -> tuple[str, str]:
    """('native' | 'polling', why) for the share, honouring ``sync.watch_mode``."""
    if watch_mode in ("native", "polling"):
        return watch_mode, f"sync.watch_mode = {watch_mode}"
    mount = mount_for(share_root, mountinfo)
    if mount is None:
        return "polling", "mount table unreadable: polling to be safe"
    if is_network_fs(mount.fs_type):
        return "polling", f"{mount.mount_point} is a {mount.fs_type} mount (inotify misses other clients' writes)"
    return "native", f"{mount.mount_point} is a local {mount.fs_type} filesystem"
