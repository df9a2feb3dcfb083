"""One writer per library: an exclusive ``flock`` on ``LIB/writer.lock``.

The sync daemon, ``kiosk sync --once`` and ``kiosk index rebuild`` open the library
writable and so take this lock; readers (the app, ``kiosk search``) never do. The
kernel drops a ``flock`` when the last descriptor of its open file closes, so a
writer killed with ``kill -9`` never leaves it stale: the file may stay, the lock
does not. The holder writes its PID into the file, for the message a second writer
prints and for ``kiosk doctor``. The descriptor is close-on-exec (extraction
workers started with ``subprocess`` never inherit it).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path

from index.errors import LibraryBusy

LOCK_NAME = "writer.lock"


class WriterLock:
    """``acquire()`` or raise ``LibraryBusy``; ``release()`` (or process death) frees it."""

    def __init__(self, library_root: Path) -> None:
        self.path = Path(library_root) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> WriterLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            pid = holder_pid(Path(self.path).parent)
            who = f"process {pid}" if pid else "another process"
            raise LibraryBusy(
                f"library {self.path.parent} is in use by {who} (kiosk sync or kiosk index rebuild); "
                f"stop it first (systemctl stop kiosk-sync) or wait for it to finish",
                path=str(self.path.parent), pid=pid,
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder_pid(library_root: Path) -> int | None:
    """The PID of the live process holding the writer lock, or None when nobody holds it.

    Judged by the lock itself (a non-blocking shared probe), not by the file's content
    alone: a PID left in the file by a dead writer is never reported."""
    path = Path(library_root) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            return int(text) if text.isdigit() else 0
        fcntl.flock(fd, fcntl.LOCK_UN)  # nobody holds it
        return None
    finally:
        os.close(fd)
