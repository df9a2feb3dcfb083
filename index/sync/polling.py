"""``ScandirPollingObserver``: polling a share that inotify cannot hear.

Watchdog's own ``PollingObserver`` snapshots and diffs the whole tree: measured on 100,000
files it costs about 2.6 s of CPU and 190 MB per poll, too much for a 10 s interval (see
benchmarks/sync_bench.py). This emitter keeps one small tuple per file, re-reads a folder
when its mtime changed (new, deleted, renamed entries) and, within a budget per poll,
re-reads the other folders in rotation (a file rewritten in place changes its own mtime,
not its folder's), so every file is looked at within a few polls. A file that vanished
under one name and appeared under another with the same inode and size is reported moved.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from watchdog.events import (
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
)
from watchdog.observers.api import (
    DEFAULT_EMITTER_TIMEOUT,
    BaseObserver,
    EventEmitter,
    EventQueue,
    ObservedWatch,
)

from index.sync.filters import SHARE_FILTER

log = logging.getLogger(__name__)

# Files the polling observer re-reads per poll in folders whose mtime did not change.
ROTATION_BUDGET_FILES = 10_000
# A folder modified this recently is read again next poll (coarse mtime on some mounts).
RECENT_DIR_S = 2.0

FileKey = tuple[int, int, int]  # (size, mtime_ns, inode)
Seen = tuple[str, FileKey]  # (path, key) of a file that appeared or vanished this pass
EventFilter = list[type[FileSystemEvent]] | None


@dataclass
class _DirState:
    mtime_ns: int
    files: dict[str, FileKey] = field(default_factory=dict)  # name -> (size, mtime_ns, ino)
    subdirs: set[str] = field(default_factory=set)
    read_at: float = 0.0


class ScandirPollingEmitter(EventEmitter):
    """Polls with ``os.scandir``; reads a folder again only when needed (see module doc)."""

    def __init__(
        self,
        event_queue: EventQueue,
        watch: ObservedWatch,
        *,
        timeout: float = DEFAULT_EMITTER_TIMEOUT,
        event_filter: EventFilter = None,
        budget_files: int = ROTATION_BUDGET_FILES,
        wall: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(event_queue, watch, timeout=timeout, event_filter=event_filter)
        self._root = os.fspath(watch.path)
        self._dirs: dict[str, _DirState] = {}
        self._cursor = 0
        self._budget = budget_files
        self._wall = wall
        self._failing = False
        self.polls = 0

    # The first full read happens in the caller's thread (as watchdog's PollingEmitter does),
    # so events after schedule() returns are never lost.
    def on_thread_start(self) -> None:
        self._read_tree(self._root)

    def queue_events(self, timeout: float) -> None:
        if self.stopped_event.wait(timeout):
            return
        self.poll()

    def poll(self) -> None:
        """One polling pass (public for benchmarks and tests that want no wait)."""
        self.polls += 1
        try:
            os.stat(self._root)
        except OSError as exc:
            if not self._failing:
                self._failing = True
                log.warning("cannot read the share %s, will retry: %s", self._root, exc.strerror or exc)
            return
        if self._failing:
            self._failing = False
            log.info("share %s readable again, resuming", self._root)
        created: list[Seen] = []
        deleted: list[Seen] = []
        order = sorted(self._dirs)
        if not order:  # the share was not there at start: everything on it now is new
            self._read_tree(self._root, created)
            self._emit(created, deleted)
            return
        # Folders read this pass regardless of their mtime: a rotating slice within the budget.
        rotate: set[str] = set()
        budget = self._budget
        n = len(order)
        for k in range(n):
            if budget <= 0:
                break
            d = order[(self._cursor + k) % n]
            rotate.add(d)
            budget -= max(1, len(self._dirs[d].files))
            self._cursor = (self._cursor + k + 1) % n
        now = self._wall()
        for d in order:
            state = self._dirs.get(d)
            if state is None:  # removed as part of a deleted parent during this pass
                continue
            try:
                st = os.stat(d)
            except FileNotFoundError:
                self._drop_tree(d, deleted)
                continue
            except OSError as exc:
                log.debug("cannot stat %s: %s", d, exc)
                continue
            recent = now - st.st_mtime < RECENT_DIR_S or state.read_at - st.st_mtime < RECENT_DIR_S
            if st.st_mtime_ns != state.mtime_ns or recent or d in rotate:
                self._read_dir(d, st.st_mtime_ns, created, deleted)
        self._emit(created, deleted)

    def _read_tree(self, top: str, created: list[Seen] | None = None) -> None:
        """Read ``top`` and every folder below it; the files found go to ``created`` (None: the
        first read, which reports nothing)."""
        stack = [top]
        while stack:
            d = stack.pop()
            try:
                st = os.stat(d)
            except OSError:
                continue
            sink: list[Seen] = created if created is not None else []
            self._dirs[d] = _DirState(st.st_mtime_ns)
            self._read_dir(d, st.st_mtime_ns, sink, [], recurse=False)
            stack.extend(os.path.join(d, s) for s in self._dirs[d].subdirs)

    def _read_dir(
        self, d: str, mtime_ns: int, created: list[Seen], deleted: list[Seen], *, recurse: bool = True
    ) -> None:
        state = self._dirs[d]
        files: dict[str, FileKey] = {}
        subdirs: set[str] = set()
        try:
            with os.scandir(d) as it:
                for entry, st in SHARE_FILTER.entries(it):
                    if st is None:
                        subdirs.add(entry.name)
                    else:
                        files[entry.name] = (st.st_size, st.st_mtime_ns, st.st_ino)
        except FileNotFoundError:
            self._drop_tree(d, deleted)
            return
        except OSError as exc:
            log.debug("cannot read folder %s: %s", d, exc)
            return
        old = state.files
        for name, sig in files.items():
            before = old.get(name)
            if before is None:
                created.append((os.path.join(d, name), sig))
            elif before != sig:
                self.queue_event(FileModifiedEvent(os.path.join(d, name)))
        for name, sig in old.items():
            if name not in files:
                deleted.append((os.path.join(d, name), sig))
        for name in state.subdirs - subdirs:
            self._drop_tree(os.path.join(d, name), deleted)
        new_subdirs = subdirs - state.subdirs
        state.files, state.subdirs, state.mtime_ns, state.read_at = files, subdirs, mtime_ns, self._wall()
        if recurse:
            for name in new_subdirs:
                self._read_tree(os.path.join(d, name), created)

    def _drop_tree(self, top: str, deleted: list[Seen]) -> None:
        prefix = top + os.sep
        for d in [d for d in self._dirs if d == top or d.startswith(prefix)]:
            state = self._dirs.pop(d)
            deleted.extend((os.path.join(d, name), sig) for name, sig in state.files.items())

    def _emit(self, created: list[Seen], deleted: list[Seen]) -> None:
        # A file that vanished under one name and appeared under another with the same
        # inode and size was moved (renamed), not deleted and created.
        by_key: dict[tuple[int, int], list[str]] = {}
        for path, (size, _mtime, ino) in deleted:
            by_key.setdefault((ino, size), []).append(path)
        for path, (size, _mtime, ino) in created:
            olds = by_key.get((ino, size))
            if olds and ino:
                self.queue_event(FileMovedEvent(olds.pop(), path))
            else:
                self.queue_event(FileCreatedEvent(path))
        for olds in by_key.values():
            for path in olds:
                self.queue_event(FileDeletedEvent(path))

    @property
    def file_count(self) -> int:
        return sum(len(s.files) for s in self._dirs.values())


class ScandirPollingObserver(BaseObserver):
    """A watchdog observer (threads, scheduling, handlers) with the cheap scandir emitter."""

    def __init__(self, *, timeout: float = 10.0, budget_files: int = ROTATION_BUDGET_FILES) -> None:
        def make(event_queue: EventQueue, watch: ObservedWatch, *, timeout: float = timeout,
                 event_filter: EventFilter = None) -> ScandirPollingEmitter:
            return ScandirPollingEmitter(event_queue, watch, timeout=timeout, event_filter=event_filter,
                                         budget_files=budget_files)

        super().__init__(make, timeout=timeout)  # type: ignore[arg-type]
