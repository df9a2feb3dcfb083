"""When is a file on the share finished? (Separate from the watcher, testable alone.)

A file is *ready* when no event arrived for it within the stability delay and its size
and mtime have not changed for that long. Events only say "look again"; the decision
is made on what ``stat`` shows, so a file copied slowly onto a network share (where a
watcher may see one event or none) is taken once, when it is complete.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Signature = tuple[int, int]  # (size, mtime_ns)


@dataclass
class _Entry:
    last_event: float
    last_change: float
    signature: Signature | None


def signature_of(path: Path) -> Signature | None:
    """(size, mtime_ns) of a regular file, or None when it is gone or not a file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_size, st.st_mtime_ns)


class FileStabilityTracker:
    """Collects paths that events mention; hands each out once, when it has settled.

    ``now`` is injected (``time.monotonic`` by default) so tests move time by hand;
    ``signature`` is injected for the same reason and defaults to a real ``stat``.
    Not thread-safe on its own: the daemon calls it from one thread.
    """

    def __init__(
        self,
        delay_s: float,
        *,
        now: Callable[[], float] = time.monotonic,
        signature: Callable[[Path], Signature | None] = signature_of,
    ) -> None:
        self.delay_s = delay_s
        self._now = now
        self._signature = signature
        self._entries: dict[Path, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path: object) -> bool:
        return path in self._entries

    def touch(self, path: Path) -> None:
        """An event mentioned ``path`` (created, modified, moved here, or a rescan saw it)."""
        now = self._now()
        entry = self._entries.get(path)
        if entry is None:
            self._entries[path] = _Entry(now, now, self._signature(path))
        else:
            entry.last_event = now

    def forget(self, path: Path) -> None:
        """``path`` was deleted or moved away: stop waiting for it."""
        self._entries.pop(path, None)

    def forget_under(self, folder: Path) -> None:
        """A folder was deleted or moved away."""
        for path in [p for p in self._entries if folder in p.parents]:
            del self._entries[path]

    def ready(self) -> list[Path]:
        """Paths that have settled, each returned once; gone paths are dropped silently."""
        now = self._now()
        done: list[Path] = []
        for path, entry in list(self._entries.items()):
            sig = self._signature(path)
            if sig is None:
                if entry.signature is not None or now - entry.last_change >= self.delay_s:
                    del self._entries[path]  # deleted, or never became a regular file
                continue
            if sig != entry.signature:
                entry.signature = sig
                entry.last_change = now
                continue
            if now - entry.last_event >= self.delay_s and now - entry.last_change >= self.delay_s:
                done.append(path)
                del self._entries[path]
        return done

    def next_due(self) -> float | None:
        """Seconds until the earliest entry could be ready (None when nothing waits)."""
        if not self._entries:
            return None
        now = self._now()
        due = min(max(e.last_event, e.last_change) + self.delay_s for e in self._entries.values())
        return max(0.0, due - now)
