"""Hearing about changes on the share: the observer, chosen for the kind of mount.

* A local folder gets watchdog's native observer (inotify on Linux).
* A network mount (cifs, smb3, smbfs, nfs, nfs4, any FUSE mount ``fuse.*``) gets polling:
  inotify only sees changes made *through this machine*, so a file another client
  writes onto an SMB/NFS share never produces an event here. The mount's filesystem
  type is read from ``/proc/self/mountinfo``; ``sync.watch_mode`` can force either.
* When inotify cannot watch everything (``ENOSPC``: the watch limit; ``EMFILE``: the
  instance limit), the watcher falls back to polling with a logged warning; when the
  native observer's thread dies, ``check_health`` does the same. It never stops silently.

Polling uses ``ScandirPollingObserver`` rather than watchdog's ``PollingObserver``:
measured on 100,000 files, watchdog's snapshot-and-diff costs about 2.6 s of CPU and
190 MB per poll, too much for a 10 s interval (see benchmarks/sync_bench.py). The
scandir observer keeps one small tuple per file, re-reads a folder when its mtime
changed (new, deleted, renamed entries) and, within a budget per poll, re-reads the
other folders in rotation (a file rewritten in place changes its own mtime, not its
folder's), so every file is looked at within a few polls.

Events are reduced to the few kinds of ``index.sync.events`` (touched, deleted,
moved, folder deleted or touched, metadata changed), queued for the daemon's single
thread.
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers.api import (
    DEFAULT_EMITTER_TIMEOUT,
    BaseObserver,
    EventEmitter,
    EventQueue,
    ObservedWatch,
)

from index.sync.events import (
    Deleted,
    DirDeleted,
    DirTouched,
    MetadataChanged,
    Moved,
    ShareEvent,
    Touched,
)
from index.sync.filters import SHARE_FILTER
from index.sync.names import display_name

log = logging.getLogger(__name__)

MOUNTINFO = Path("/proc/self/mountinfo")
NETWORK_FS_TYPES: frozenset[str] = frozenset({
    "cifs", "smb3", "smbfs", "smb2", "nfs", "nfs4", "9p", "ceph", "afs", "davfs", "ncpfs", "fuse",
})

# Files the polling observer re-reads per poll in folders whose mtime did not change.
ROTATION_BUDGET_FILES = 10_000
# A folder modified this recently is read again next poll (coarse mtime on some mounts).
RECENT_DIR_S = 2.0

Event = ShareEvent


# --------------------------------------------------------------------- mounts


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


# ------------------------------------------------------------ polling observer


@dataclass
class _DirState:
    mtime_ns: int
    files: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # name -> (size, mtime_ns, ino)
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
        event_filter: Any = None,
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
        self._read_tree(self._root, emit=False)

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
        created: list[tuple[str, tuple[int, int, int]]] = []
        deleted: list[tuple[str, tuple[int, int, int]]] = []
        order = sorted(self._dirs)
        if not order:  # the share was not there at start: everything on it now is new
            self._read_tree(self._root, emit=True, created=created)
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

    def _read_tree(self, top: str, *, emit: bool, created: list[Any] | None = None) -> None:
        stack = [top]
        while stack:
            d = stack.pop()
            try:
                st = os.stat(d)
            except OSError:
                continue
            sink: list[Any] = created if created is not None else []
            self._dirs[d] = _DirState(st.st_mtime_ns)
            self._read_dir(d, st.st_mtime_ns, sink, [], recurse=False)
            stack.extend(os.path.join(d, s) for s in self._dirs[d].subdirs)

    def _read_dir(
        self, d: str, mtime_ns: int, created: list[Any], deleted: list[Any], *, recurse: bool = True
    ) -> None:
        state = self._dirs[d]
        files: dict[str, tuple[int, int, int]] = {}
        subdirs: set[str] = set()
        try:
            with os.scandir(d) as it:
                for entry in it:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if SHARE_FILTER.enters(entry.name):
                                subdirs.add(entry.name)
                            continue
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
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
                self._read_tree(os.path.join(d, name), emit=True, created=created)

    def _drop_tree(self, top: str, deleted: list[Any]) -> None:
        prefix = top + os.sep
        for d in [d for d in self._dirs if d == top or d.startswith(prefix)]:
            state = self._dirs.pop(d)
            deleted.extend((os.path.join(d, name), sig) for name, sig in state.files.items())

    def _emit(self, created: list[tuple[str, tuple[int, int, int]]], deleted: list[tuple[str, tuple[int, int, int]]]) -> None:
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
                 event_filter: Any = None) -> ScandirPollingEmitter:
            return ScandirPollingEmitter(event_queue, watch, timeout=timeout, event_filter=event_filter,
                                         budget_files=budget_files)

        super().__init__(make, timeout=timeout)  # type: ignore[arg-type]


# -------------------------------------------------------------- event handler


def rel_path(share_root: str, path: str | bytes) -> str | None:
    """Path relative to the share root with '/' separators; None when outside it."""
    p = os.fsdecode(path)
    rel = os.path.relpath(p, share_root)
    if rel == "." or rel.startswith(".." + os.sep) or rel == "..":
        return None
    return rel.replace(os.sep, "/")


class ShareEventHandler(FileSystemEventHandler):
    """Turns watchdog events into ``index.sync.events`` items on a queue."""

    def __init__(self, share_root: Path, events: queue.Queue[Event]) -> None:
        self.share_root = os.fspath(share_root)
        self.events = events

    def _rel(self, path: str | bytes) -> str | None:
        return rel_path(self.share_root, path)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, (FileCreatedEvent, FileModifiedEvent)) or event.event_type == "closed":
            if event.is_directory:
                return
            rel = self._rel(event.src_path)
            if rel and SHARE_FILTER.is_document(rel):
                self.events.put(Touched(rel))
            elif rel and SHARE_FILTER.is_metadata(rel):
                self.events.put(MetadataChanged(rel))
        elif isinstance(event, (FileDeletedEvent, DirDeletedEvent)):
            rel = self._rel(event.src_path)
            if rel is None:
                return
            if event.is_directory:
                if not SHARE_FILTER.in_ignored_dir(rel):
                    self.events.put(DirDeleted(rel))
            elif SHARE_FILTER.is_document(rel):
                self.events.put(Deleted(rel))
            elif SHARE_FILTER.is_metadata(rel):
                self.events.put(MetadataChanged(rel))  # a sidecar removed: its document is described anew
        elif isinstance(event, (FileMovedEvent, DirMovedEvent)):
            old, new = self._rel(event.src_path), self._rel(event.dest_path)
            if event.is_directory:
                # Folder renamed: the files below the new name are taken (recognised as moves by
                # their checksums), the old names wait among the removals.
                if old and not SHARE_FILTER.in_ignored_dir(old):
                    self.events.put(DirDeleted(old))
                if new and not SHARE_FILTER.in_ignored_dir(new):
                    self.events.put(DirTouched(new))
                return
            old_rel, new_rel = old or "", new or ""
            old_doc = bool(old_rel) and SHARE_FILTER.is_document(old_rel)
            new_doc = bool(new_rel) and SHARE_FILTER.is_document(new_rel)
            if old_doc and new_doc:
                self.events.put(Moved(old_rel, new_rel))
                return
            if old_doc:
                self.events.put(Deleted(old_rel))
            elif old_rel and SHARE_FILTER.is_metadata(old_rel):
                self.events.put(MetadataChanged(old_rel))
            if new_doc:
                self.events.put(Touched(new_rel))
            elif new_rel and SHARE_FILTER.is_metadata(new_rel):
                self.events.put(MetadataChanged(new_rel))


# ---------------------------------------------------------------- the watcher


class ShareWatcher:
    """Owns the observer for one share; falls back to polling rather than going deaf."""

    def __init__(
        self,
        share_root: Path,
        events: queue.Queue[Event],
        config: Mapping[str, Any],
        *,
        mountinfo: Path = MOUNTINFO,
        native_factory: Callable[[], BaseObserver] | None = None,
        polling_factory: Callable[[float], BaseObserver] | None = None,
    ) -> None:
        self.share_root = Path(share_root)
        self.events = events
        self.poll_interval_s = float(config["sync.poll_interval_s"])
        self.watch_mode = str(config["sync.watch_mode"])
        self._mountinfo = mountinfo
        self._native_factory = native_factory or _native_observer
        self._polling_factory = polling_factory or (lambda t: ScandirPollingObserver(timeout=t))
        self.observer: BaseObserver | None = None
        self.mode = ""
        self.why = ""
        self.fallback_reason = ""
        self._lock = threading.Lock()

    def start(self) -> None:
        mode, why = choose_mode(self.share_root, self.watch_mode, self._mountinfo)
        self.why = why
        if mode == "native":
            try:
                self._start(self._native_factory(), "native")
                log.info("watching %s with native events: %s", self.share_root, why)
                return
            except OSError as exc:
                self._fall_back(f"native events unavailable ({_describe(exc)})")
                return
        self._start(self._polling_factory(self.poll_interval_s), "polling")
        log.info("watching %s by polling every %g s: %s", self.share_root, self.poll_interval_s, why)

    def _start(self, observer: BaseObserver, mode: str) -> None:
        handler = ShareEventHandler(self.share_root, self.events)
        observer.schedule(handler, os.fspath(self.share_root), recursive=True)
        observer.start()
        self.observer, self.mode = observer, mode

    def _fall_back(self, reason: str) -> None:
        self._stop_observer()
        self.fallback_reason = reason
        log.warning("%s: falling back to polling %s every %g s", reason, self.share_root, self.poll_interval_s)
        self._start(self._polling_factory(self.poll_interval_s), "polling")

    def check_health(self) -> bool:
        """Called regularly by the daemon: True when the observer still runs (restarting it if not)."""
        with self._lock:
            obs = self.observer
            if obs is None:
                return False
            emitters_alive = all(e.is_alive() for e in getattr(obs, "emitters", ()))
            if obs.is_alive() and emitters_alive:
                return True
            if self.mode == "native":
                self._fall_back("native observer stopped")
            else:
                log.warning("polling observer stopped; restarting it")
                self._stop_observer()
                self._start(self._polling_factory(self.poll_interval_s), "polling")
            return False

    def _stop_observer(self) -> None:
        obs, self.observer = self.observer, None
        if obs is None:
            return
        try:
            obs.stop()
            if obs.is_alive():
                obs.join(timeout=10)
        except RuntimeError:
            pass  # never started

    def stop(self) -> None:
        with self._lock:
            self._stop_observer()


def _native_observer() -> BaseObserver:
    from watchdog.observers import Observer

    return Observer()


def _describe(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "inotify watch limit reached (raise fs.inotify.max_user_watches)"
    if exc.errno == errno.EMFILE:
        return "inotify instance limit reached (raise fs.inotify.max_user_instances)"
    return f"{exc.strerror or exc}"


# ------------------------------------------------------------------ rescans


def walk_share(share_root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every candidate file under the share: (rel, lstat). Ignored folders are not entered.

    Used by the safety-net rescan. Symlinks are reported (lstat) so that the ingestion can
    refuse those that lead outside the share; folders behind symlinks are not entered.
    """
    root = os.fspath(share_root)
    cut = len(root.rstrip(os.sep)) + 1
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError as exc:
            if d == root:
                raise
            log.warning("cannot read folder %s: %s", display_name(d), exc.strerror or exc)
            continue
        with it:
            for entry in it:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if SHARE_FILTER.enters(entry.name):
                            stack.append(entry.path)
                        continue
                    if not SHARE_FILTER.is_document_name(entry.name):
                        continue
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode) or stat.S_ISFIFO(st.st_mode):
                    yield entry.path[cut:].replace(os.sep, "/"), st
