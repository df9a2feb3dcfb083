"""One way to write a file that readers see whole or not at all.

Every status file, count file, report and metrics textfile is written here: a
temporary file in the same folder (so the rename never crosses a file system),
fsync, optional mode and mtime, then ``os.replace``. On any error the temporary
file is removed and the old file is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *, mode: int | None = 0o644,
                 mtime: float | None = None, sync_folder: bool = False) -> None:
    """Replace ``path`` by ``data`` (str is written as UTF-8) atomically.

    ``sync_folder`` also fsyncs the folder, so that the rename itself survives a power cut.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if mtime is not None:
            os.utime(tmp, (mtime, mtime))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync_folder:
        _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # e.g. some network file systems: the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
