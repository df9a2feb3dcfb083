"""Copy a file from the share into the library, atomically and verified.

The copy goes to a temporary file next to its destination while it is hashed; the
source's size and mtime are checked before and after (a file still being written or
replaced during the copy is refused); the copy is fsynced and renamed to its name by
content (``files/ab/abcd….pdf``), so a rename on the share needs no new copy.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


class SourceChanged(Exception):
    """The source changed while it was being copied: try again when it is stable."""


@dataclass(frozen=True)
class CopyResult:
    path: Path  # the library copy
    checksum: str  # sha256 hex
    size: int
    mtime: float


def file_checksum(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def atomic_copy(src: Path, files_dir: Path) -> CopyResult:
    """Copy ``src`` into ``files_dir/<sha[:2]>/<sha><suffix>``; raise SourceChanged if it moved under us."""
    before = os.stat(src)
    tmp = files_dir / f".tmp-{uuid.uuid4().hex}"
    files_dir.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    size = 0
    try:
        with src.open("rb") as fin, tmp.open("wb") as fout:
            while chunk := fin.read(CHUNK):
                h.update(chunk)
                fout.write(chunk)
                size += len(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        after = os.stat(src)
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or size != before.st_size:
            raise SourceChanged(f"{src} changed during the copy")
        checksum = h.hexdigest()
        dest = files_dir / checksum[:2] / f"{checksum}{src.suffix.lower()}"
        dest.parent.mkdir(exist_ok=True)
        if dest.exists():
            tmp.unlink()
        else:
            os.rename(tmp, dest)
            fd = os.open(dest.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return CopyResult(dest, checksum, size, before.st_mtime)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
