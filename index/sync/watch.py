"""Hearing about changes on the share: the observer, chosen for the kind of mount.

* ``index.sync.mounts`` says whether the share is local (native inotify events) or a
  network/FUSE mount (polling, ``index.sync.polling``); ``sync.watch_mode`` can force either.
* When inotify cannot watch everything (``ENOSPC``: the watch limit; ``EMFILE``: the
  instance limit), the watcher falls back to polling with a logged warning; when the
  native observer's thread dies, ``check_health`` does the same. It never stops silently.
* ``index.sync.handler`` turns the observer's events into ``index.sync.events`` items on
  the daemon's queue; ``walk_share`` lists the share for the safety-net rescan.
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import stat
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from watchdog.observers.api import BaseObserver

from index.sync.events import ShareEvent
from index.sync.filters import SHARE_FILTER
from index.sync.handler import ShareEventHandler
from index.sync.mounts import MOUNTINFO, choose_mode
from index.sync.names import display_name
from index.sync.polling import ScandirPollingObserver

log = logging.getLogger(__name__)

Event = ShareEvent


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
            for entry, st in SHARE_FILTER.entries(it, SHARE_FILTER.is_document_name):
                if st is None:
                    stack.append(entry.path)
                elif stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode) or stat.S_ISFIFO(st.st_mode):
                    yield entry.path[cut:].replace(os.sep, "/"), st
