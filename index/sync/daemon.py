"""The watching sync: ``kiosk sync --share SHARE --library LIB`` (without ``--once``).

Reconcile once at start, then watch. One thread owns the library writer and does all
the work in a loop (``step``): it drains the watcher's events into the stability
tracker, takes ready files in batches (one writer transaction and one index commit
per batch of up to ``sync.batch_size``), applies removals only when the removal guard
allows them, rescans the whole share every ``sync.rescan_interval_s`` as a safety
net, merges index segments when idle, and writes the status file. Observer threads
only put events on a queue. A corrupt or missing index is rebuilt in a helper thread
into ``index.new`` and swapped in (``Library.rebuild_index``) while the app keeps
searching the last good one; ingestion waits meanwhile, watching does not.

SIGTERM/SIGINT stop the loop; the observer threads are joined and the extraction
workers shut down. With ``NOTIFY_SOCKET`` set (systemd ``Type=notify``) the daemon
sends READY=1 after the first pass, WATCHDOG=1 while its loop and watcher are
healthy, STATUS= lines and STOPPING=1.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import queue
import signal
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from index.config import Config

if TYPE_CHECKING:
    from index.library import Library
from index.errors import IndexCorrupt, KioskError, ShareUnavailable
from index.sync import ingest as ing
from index.sync.admit import Refused
from index.sync.events import Deleted, DirDeleted, DirTouched, MetadataChanged, Moved, Touched
from index.sync.guard import RemovalGuard
from index.sync.reconcile import needs_taking, reconcile_once, scan_share
from index.sync.stability import FileStabilityTracker
from index.sync.status import StatusPublisher, SyncState, build_status, free_mb
from index.sync.watch import Event, ShareWatcher, walk_share

log = logging.getLogger(__name__)

IDLE_MERGE_S = 60.0  # merge index segments after this long without work
STATUS_MIN_INTERVAL_S = 5.0  # status written at most this often after changes
STATUS_MAX_INTERVAL_S = 60.0  # and at least this often
DISK_RECHECK_S = 0.0  # while paused: free space measured again on every poll (statvfs costs microseconds)
HEALTH_CHECK_S = 10.0  # watcher health
GUARD_RECHECK_S = 30.0  # held removals are looked at again this often
GUARD_KEYS = ("sync.guard_share_unreachable", "sync.guard_share_empty", "sync.guard_no_marker", "sync.guard_mass_removal")


class SdNotifier:
    """systemd's notify protocol: one datagram to $NOTIFY_SOCKET (no dependency needed)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        addr = env.get("NOTIFY_SOCKET", "")
        self.address = ("\0" + addr[1:]) if addr.startswith("@") else addr
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        own = not pid or pid == str(os.getpid())
        self.watchdog_interval_s = int(usec) / 2e6 if usec.isdigit() and own and int(usec) > 0 else None

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def notify(self, *lines: str) -> bool:
        if not self.address:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                # Never block the daemon on a receiver that does not read (a full queue: EAGAIN).
                sock.sendto("\n".join(lines).encode("utf-8"), socket.MSG_DONTWAIT, self.address)
        except OSError as exc:
            log.debug("sd_notify failed: %s", exc)
            return False
        return True


class SyncDaemon:
    """One share, one library, one writer. ``start()``, then ``step()`` until told to stop, then ``stop()``."""

    def __init__(
        self,
        share_root: Path,
        library_root: Path,
        config: Config,
        *,
        now: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        notifier: SdNotifier | None = None,
        watcher_factory: Callable[..., ShareWatcher] = ShareWatcher,
    ) -> None:
        self.share_root = Path(share_root)
        self.library_root = Path(library_root)
        self.config = config
        self._now = now
        self._wall = wall
        self.notifier = notifier or SdNotifier()
        self.events: queue.Queue[Event] = queue.Queue()
        self.tracker = FileStabilityTracker(float(config["sync.stability_delay_s"]), now=now)
        self.state = SyncState()
        self.publisher = StatusPublisher(self.share_root, self.library_root, config)
        self._watcher_factory = watcher_factory
        self.watcher: ShareWatcher | None = None
        self._lib: Library | None = None  # opened by start()
        self.ingestor: ing.DaemonIngest | None = None
        self.todo: OrderedDict[str, None] = OrderedDict()  # raw rels ready to take, in order
        self.removals: dict[str, str] = {}  # catalogue key -> raw rel, waiting for the guard
        self.batches = 0
        self.taken = 0  # documents added or updated
        self.extracted = 0  # files run through extraction
        self._commits_since_merge = 0
        self._last_work = now()
        self._last_rescan = now()
        self._last_status = -1e18
        self._status_dirty = True
        self._last_watchdog = -1e18
        self._last_health = now()
        self._paused_since: float | None = None
        self._last_disk_check = -1e18
        self._rebuild: threading.Thread | None = None
        self._rebuild_error: BaseException | None = None
        self._last_status_doc: dict[str, Any] | None = None
        self._held: frozenset[str] = frozenset()
        self._held_at = -1e18
        self._last_removal_event = -1e18
        self._wrong_share = False
        self._free_at_full: int | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        from index.library import Library

        self._lib = Library.open(self.library_root, self.config, writable=True)
        self.ingestor = ing.DaemonIngest(self.share_root, self.lib, self.config)
        # Watch first, then reconcile: nothing written during the first pass is missed.
        self.watcher = self._watcher_factory(self.share_root, self.events, self.config)
        self.watcher.start()
        self.first_pass()
        self.check_index()
        self.publish_status(force=True)
        self.publisher.export_counts()
        self.notifier.notify("READY=1", f"STATUS=watching ({self.watcher.mode}); {self.lib.counts()['public']} public documents")

    def first_pass(self) -> None:
        """The core's one-shot ``reconcile_once`` (removals guarded), then watching takes over."""

        if not self.share_root.is_dir():
            log.warning("share %s is not available at start; watching for it", self.share_root)
            self.state.share_ok = False
            self.state.last_sync_ok = False
            return
        try:
            self.ingestor.check_space()  # type: ignore[union-attr]
            summary = reconcile_once(self.share_root, self.lib, self.config)
        except ShareUnavailable as exc:
            log.warning("share not available at start: %s", exc)
            self.state.share_ok = False
            self.state.last_sync_ok = False
            return
        except Exception as exc:
            if not ing.is_disk_full(exc):
                raise
            self._pause(str(exc))
            self.rescan()  # what the pass could not take waits in the tracker
            return
        log.info("first pass: added %d, updated %d, moved %d, removed %d, rejected %d, unchanged %d",
                 len(summary.added), len(summary.updated), len(summary.moved), len(summary.removed),
                 len(summary.rejected), summary.unchanged)
        if summary.held_removals:
            self.state.note(summary.hold_reason, count=summary.held_removals, total=self.lib.catalogue.count(),
                            marker=self.config["share.marker"], share=str(self.share_root))
        self.state.share_ok = True
        self.state.last_sync_at = self._wall()
        self.state.last_sync_ok = not summary.held_removals
        self._last_rescan = self._now()

    def stop(self) -> None:
        self.notifier.notify("STOPPING=1")
        if self.watcher is not None:
            self.watcher.stop()  # joins the observer threads
        if self._rebuild is not None:
            self._rebuild.join()
        if self._lib is not None:  # not when the start failed (busy library, wrong share)
            try:
                self.publish_status(force=True)
            except OSError as exc:  # the share went away while stopping: the next start publishes again
                log.warning("last status not written: %s", exc)
        from index.extract import shutdown

        shutdown()
        if self._lib is not None:
            self._lib.close()
            self._lib = None

    @property
    def lib(self) -> Library:
        """The library, open from ``start()`` to ``stop()``."""
        if self._lib is None:
            raise RuntimeError("the sync daemon's library is not open (start() first)")
        return self._lib

    def run(self, stop: threading.Event) -> int:
        try:
            self.start()
        except BaseException:
            self.stop()  # observer threads joined, extraction workers ended, writer lock released
            raise
        try:
            while not stop.is_set():
                self.step(0.5)
        finally:
            self.stop()
        return 0

    # ------------------------------------------------------------ the loop
    def step(self, timeout: float = 0.5) -> bool:
        """One round of the loop; True when it did any work. Waits at most ``timeout`` for an event."""
        did = self._drain(timeout)
        now = self._now()
        if now - self._last_health >= HEALTH_CHECK_S and self.watcher is not None:
            self._last_health = now
            self.watcher.check_health()
        for path in self.tracker.ready():
            rel = os.path.relpath(path, self.share_root).replace(os.sep, "/")
            self.todo[rel] = None
        if not self._rebuilding():
            if self.state.ingest_paused:
                self._resume_if_space()  # measured again on every poll, not remembered
            did = self._retry_index_journal() or did
            did = self._ingest_batch() or did
            if not self.todo and not len(self.tracker):
                did = self.apply_removals() or did  # after pending files: a rename is then a move
            if now - self._last_rescan >= float(self.config["sync.rescan_interval_s"]):
                self.rescan()
                self.check_index()
                self.publisher.export_counts()
                did = True
            if did:
                self._last_work = now
            elif self._commits_since_merge and now - self._last_work >= IDLE_MERGE_S:
                self.merge_segments()
        self.publish_status()
        self._watchdog()
        return did

    def _drain(self, timeout: float) -> bool:
        due = self.tracker.next_due()
        wait = timeout if due is None else min(timeout, due)
        try:
            item = self.events.get(timeout=wait) if wait > 0 else self.events.get_nowait()
        except queue.Empty:
            return False
        count = 0
        while True:
            self._handle(item)
            count += 1
            try:
                item = self.events.get_nowait()
            except queue.Empty:
                return count > 0

    def _handle(self, event: Event) -> None:
        match event:
            case Touched(rel):
                self.tracker.touch(self.share_root / rel)
                self.removals.pop(ing.key(rel), None)
            case MetadataChanged(rel):
                # A sidecar (NAME.EXT.json) or folder catalogue changed: its documents are taken
                # again; same content, so only their metadata is derived anew.
                for doc in self._documents_described_by(rel):
                    self.tracker.touch(self.share_root / doc)
            case Deleted(rel):
                self.tracker.forget(self.share_root / rel)
                self.todo.pop(rel, None)
                self.removals[ing.key(rel)] = rel
                self._last_removal_event = self._now()
            case DirDeleted(rel):
                self.tracker.forget_under(self.share_root / rel)
                prefix = ing.key(rel) + "/"
                for k in self.lib.catalogue.paths_under(ing.key(rel)):
                    self.removals[k] = rel + "/" + k[len(prefix):]
                self._last_removal_event = self._now()
            case DirTouched(rel):
                path = self.share_root / rel
                for sub, _st in walk_share(path):
                    self.tracker.touch(path / sub)
            case Moved(rel, new):
                self.tracker.forget(self.share_root / rel)
                self.todo.pop(rel, None)
                self.tracker.touch(self.share_root / new)
                # The new name is taken when stable and recognised as the old document by its
                # checksum (only the path changes); the old name waits among the removals.
                self.removals[ing.key(rel)] = rel
                self.removals.pop(ing.key(new), None)

    def _documents_described_by(self, rel: str) -> list[str]:
        if rel.endswith(".json"):
            doc = rel[: -len(".json")]
            return [doc] if os.path.lexists(self.share_root / doc) else []
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        cut = len(folder) + 1 if folder else 0
        return [k for k in self.lib.catalogue.paths_under(folder) if "/" not in k[cut:]]

    # ------------------------------------------------------------ ingestion
    def _pause(self, why: str) -> None:
        if not self.state.ingest_paused:
            log.warning("ingestion paused: %s; the terminal keeps serving", why)
        self.state.ingest_paused = True
        self._paused_since = self._now()
        self._last_disk_check = self._now()
        free = free_mb(self.library_root)
        if "No space" in why or "disk is full" in why or "Errno 28" in why:
            # The disk filled above the floor: resume once space was freed (more than now).
            self._free_at_full = free
            self.state.note("sync.disk_full")
        else:
            self.state.note("sync.disk_low", free_mb=free, min_mb=self.config["sync.min_free_mb"])
        self._status_dirty = True

    def _resume_if_space(self) -> bool:
        if not self.state.ingest_paused:
            return True
        if self._now() - self._last_disk_check < DISK_RECHECK_S:
            return False
        self._last_disk_check = self._now()
        assert self.ingestor is not None
        free = free_mb(self.library_root)
        try:
            self.ingestor.check_space()
            if self._free_at_full is not None and free <= self._free_at_full:
                raise ing.DiskFull(f"{free} MiB free, no more than when the disk filled")
        except ing.DiskFull:
            if "sync.disk_low" in self.state.notes and self.state.note_params["sync.disk_low"].get("free_mb") != free:
                self.state.note("sync.disk_low", free_mb=free, min_mb=self.config["sync.min_free_mb"])
                self._status_dirty = True  # the status shows the space measured now
            return False
        self._free_at_full = None
        log.warning("free disk space is back; ingestion resumes")
        self.state.ingest_paused = False
        self.state.clear("sync.disk_low")
        self.state.clear("sync.disk_full")
        self._status_dirty = True
        self._retry_index_journal()
        return True

    def _retry_index_journal(self) -> bool:
        """Bring the index in line with the catalogue for the ids in its journal (``index_todo``):
        what a full disk interrupted between the catalogue commit and the index commit."""
        if self.state.ingest_paused or self._rebuilding() or not self.lib.catalogue.todo():
            return False
        try:
            n = self.lib.apply_index_todo()
        except Exception as exc:
            if not ing.is_disk_full(exc):
                raise
            self._pause(str(exc))
            return False
        if n:
            log.info("index caught up with %d catalogue changes from the journal", n)
            self._commits_since_merge += 1
            self._status_dirty = True
        return bool(n)

    def _ingest_batch(self) -> bool:
        if self._wrong_share or not self.todo or not self._resume_if_space():
            return False
        assert self.ingestor is not None
        batch_size = int(self.config["sync.batch_size"])
        batch: list[str] = []
        while self.todo and len(batch) < batch_size:
            rel = next(iter(self.todo))
            del self.todo[rel]
            batch.append(rel)
        try:
            summary = self.ingestor.take(batch, self.removals.keys())
        except ing.DiskFull as exc:
            for rel in reversed(batch):  # taken again when space is back
                self.todo[rel] = None
                self.todo.move_to_end(rel, last=False)
            self._pause(str(exc))
            return True
        except (IndexCorrupt, OSError) as exc:
            # The catalogue committed or rolled back; the index journal keeps what is left.
            log.error("index update failed (%s); rebuilding the index in the background", exc)
            self.start_rebuild()
            return True
        except KioskError as exc:
            log.error("batch of %d files not taken: %s", len(batch), exc)
            return True
        for old, _new in summary.moved:
            self.removals.pop(old, None)
        changed = summary.added or summary.updated or summary.moved or summary.rejected
        if changed:
            self.batches += 1
            self.taken += len(summary.added) + len(summary.updated)
            self.extracted += summary.extracted
            self._commits_since_merge += 1
            self._status_dirty = True
            self.state.last_sync_at = self._wall()
            self.state.share_ok = True  # files were read from it
        return True

    # ------------------------------------------------------------ removals
    def apply_removals(self) -> bool:
        """Remove documents whose files are gone, when the removal guard allows it."""
        if self._wrong_share or not self.removals:
            return False
        known = self.lib.catalogue.file_states()
        for k in [k for k, rel in self.removals.items() if k not in known or os.path.lexists(self.share_root / rel)]:
            del self.removals[k]  # not a document, or it came back
        if not self.removals:
            self._clear_holds()
            return False
        now = self._now()
        if now - self._last_removal_event < max(float(self.config["sync.stability_delay_s"]), 1.0):
            return False  # deletions still arriving: judge them together, as one pass
        pending = frozenset(self.removals)
        if pending == self._held and now - self._held_at < GUARD_RECHECK_S:
            return False  # held a moment ago for exactly these: look again later
        decision = RemovalGuard.check(self.share_root, len(pending), len(known), self.config)
        if not decision.allowed:
            if pending != self._held:
                log.warning("held %d removals: %s", len(pending), decision.detail)
            self._held, self._held_at = pending, now
            self.state.note(decision.reason_key, **decision.params)
            self.state.share_ok = decision.reason_key != "sync.guard_share_unreachable"
            self.state.last_sync_ok = False
            self._status_dirty = True
            return False
        self._held = frozenset()
        for key in GUARD_KEYS:
            self.state.clear(key)
        with self.lib.writer() as w:
            for k in pending:
                w.remove(k)
                log.info("removed %s (gone from the share)", k)
        self.removals.clear()
        self.state.share_ok = True
        self.state.last_sync_ok = True
        self._commits_since_merge += 1
        self._status_dirty = True
        return True

    def _clear_holds(self) -> None:
        """Status notes are re-derived on each pass: a hold with nothing held is over."""
        if any(k in self.state.notes for k in GUARD_KEYS):
            for key in GUARD_KEYS:
                self.state.clear(key)
            self._held = frozenset()
            self._status_dirty = True

    # ------------------------------------------------------------ rescans
    def rescan(self) -> None:
        """Safety net: compare the whole share with the catalogue (the reconcile pass's scan and
        its ``needs_taking``: size, mtime and metadata sources); feed differences to the tracker."""
        self._last_rescan = self._now()
        cat = self.lib.catalogue
        if not self._share_is_ours():
            return
        known = cat.file_states()
        rejected = {r.source_path: r for r in cat.rejections()}
        outside: list[str] = []
        refused: list[Refused] = []
        try:
            with os.scandir(self.share_root):  # the walk below skips what it cannot read: not the root
                pass
            files = scan_share(self.share_root, outside.append, refused.append)
        except OSError as exc:
            log.warning("rescan of %s failed: %s", self.share_root, exc.strerror or exc)
            self.state.share_ok = False
            self.state.last_sync_ok = False
            self._status_dirty = True
            return
        seen = {f.rel_path for f in files} | set(outside) | {r.key for r in refused}
        for f in files:
            if needs_taking(f, known.get(f.rel_path), rejected.get(f.rel_path)):
                rel = f.path.relative_to(self.share_root).as_posix()
                if rel not in self.todo:
                    self.tracker.touch(f.path)
        for key in outside:  # taken to be refused with their reason (once)
            rej = rejected.get(key)
            if rej is None or rej.reason != "symlink_outside":
                self.tracker.touch(self.share_root / key)
        for r in refused:
            rej = rejected.get(r.key)
            if rej is None or (rej.reason, rej.size, rej.mtime) != (r.reason, r.size, r.mtime):
                self.tracker.touch(self.share_root / r.key)
        for k in known.keys() - seen:
            self.removals.setdefault(k, k)
        for k in [k for k in self.removals if k in seen]:
            del self.removals[k]  # back on the share
        if not self.removals:
            self._clear_holds()
        self.state.share_ok = True
        self.state.last_sync_at = self._wall()
        self.state.last_sync_ok = True
        self._status_dirty = True

    def _share_is_ours(self) -> bool:
        """False (ingestion stops, a status note says why) while another share is mounted."""
        from index.errors import WrongShare
        from index.sync.identity import check_share

        try:
            if self.share_root.is_dir():
                check_share(self.lib.catalogue, self.share_root, str(self.config["share.marker"]))
        except WrongShare as exc:
            if not self._wrong_share:
                log.error("%s", exc)
            self._wrong_share = True
            self.state.note("sync.wrong_share", share=str(self.share_root))
            self.state.last_sync_ok = False
            self._status_dirty = True
            return False
        if self._wrong_share:
            self._wrong_share = False
            self.state.clear("sync.wrong_share")
            self._status_dirty = True
        return True

    # ------------------------------------------------------------ index upkeep
    def check_index(self) -> None:
        """Rebuild in the background when the index disagrees with the catalogue or is damaged."""
        if self._rebuilding():
            return
        problems = self._index_opens_fresh()
        if not problems:
            try:
                problems = [p for p in self.lib.check_index() if "not yet in the index" not in p]
            except Exception as exc:  # a damaged index fails in many ways inside Whoosh
                problems = [f"index unreadable: {exc!r}"]
        if problems:
            log.warning("index disagrees with the catalogue (%d problems, first: %s)", len(problems), problems[0])
            self.start_rebuild()

    def _index_opens_fresh(self) -> list[str]:
        """Read the index from disk as a newly started app would, to the last term of every
        field (the live searcher may not notice damage): ``index.recovery.verify_index``."""
        from index.recovery import verify_index

        return verify_index(self.lib.index_path)

    def start_rebuild(self) -> None:
        if self._rebuilding():
            return
        self.state.note("sync.index_rebuilding")
        self._status_dirty = True
        self.publish_status(force=True)
        self._start_background("index-rebuild", self._run_rebuild)

    def _run_rebuild(self) -> None:
        n = self.lib.rebuild_index()
        log.warning("index rebuilt from the catalogue: %d documents", n)

    def _start_background(self, name: str, work: Callable[[], None]) -> None:
        """Long index work in a helper thread: the loop keeps watching and pinging systemd;
        ingestion waits until it is done (one writer)."""

        def run() -> None:
            try:
                work()
            except BaseException as exc:
                self._rebuild_error = exc
                log.exception("%s failed", name)

        self._rebuild = threading.Thread(target=run, name=name)
        self._rebuild.start()

    def _rebuilding(self) -> bool:
        """True while helper-thread index work (rebuild or merge) runs."""
        if self._rebuild is None:
            return False
        if self._rebuild.is_alive():
            return True
        self._rebuild.join()
        self._rebuild = None
        if self._rebuild_error is None:
            self.state.clear("sync.index_rebuilding")
        self._rebuild_error = None
        self._status_dirty = True
        return False

    def merge_segments(self) -> None:
        """Idle: merge the index segments the batches left (one per commit)."""
        if self._rebuilding():
            return
        log.info("idle: merging index segments")
        self._commits_since_merge = 0
        self._start_background("index-merge", self.lib.merge_segments)

    # ------------------------------------------------------------ status, watchdog
    def publish_status(self, *, force: bool = False) -> None:
        now = self._now()
        since = now - self._last_status
        if not force and not (self._status_dirty and since >= STATUS_MIN_INTERVAL_S) and since < STATUS_MAX_INTERVAL_S:
            return
        self._last_status = now
        self._status_dirty = False
        if self._rebuilding() and self._last_status_doc is not None:
            doc = dict(self._last_status_doc)
            doc["notes"] = self.state.texts()
        else:
            doc = build_status(self.lib, self.config, self.state, now=self._wall)
        self._last_status_doc = doc
        self.publisher.publish(doc)

    def _watchdog(self) -> None:
        interval = self.notifier.watchdog_interval_s
        if interval is None:
            return
        now = self._now()
        if now - self._last_watchdog < interval:
            return
        healthy = self.watcher is not None and self.watcher.observer is not None and self.watcher.observer.is_alive()
        if healthy:
            self._last_watchdog = now
            self.notifier.notify("WATCHDOG=1")


def run_daemon(share: Path, library: Path, config: Config, *, allow_mass_removal: bool = False) -> int:
    """The CLI's entry: run until SIGTERM/SIGINT."""
    if allow_mass_removal:
        config = config.with_overrides({"sync.allow_mass_removal": True})
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    # `kill -USR1 <pid>` prints every thread's stack to stderr (the journal): for a daemon that hangs.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        return SyncDaemon(share, library, config).run(stop)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
