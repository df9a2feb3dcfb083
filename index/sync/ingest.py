"""Taking the files the watcher reports into the library (the daemon's side of ingestion).

The copying, extraction, description and recording are the core's
(``index.sync.reconcile.Ingestor``, shared with ``kiosk sync --once``), so a document
taken by the daemon is recorded exactly as the one-shot pass records it. This module
adds what only the daemon needs:

* ``share_file(share, rel)``: one path as the core's ``ShareFile``, judged from
  ``lstat`` before anything is opened: a symbolic link leading outside the share is
  refused (``symlink_outside``), a FIFO/device/socket is never opened (opening a FIFO
  would block the daemon forever), a file over ``extract.max_file_mb`` is refused by
  the core from its size without being read;
* skipping what the catalogue already holds (same size, mtime and metadata sources),
  or a rejection of this very version (retried when the file changes);
* free-space checks: ``DiskFull`` pauses ingestion (the terminal keeps serving).

Names: ``key(rel)`` is the catalogue's name for a share path; a name that is not UTF-8
(GBK bytes from an old Windows server) is stored in its readable form, as the core's
scan does (``reconcile.display_rel``), and opened by its raw name.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from index.config import Config
from index.library import Library
from index.metadata import metadata_signature
from index.sync.admit import Refused, link_outside, refusal
from index.sync.reconcile import Ingestor as CoreIngestor
from index.sync.reconcile import ShareFile, SyncSummary, display_rel, needs_taking
from index.sync.status import free_mb

log = logging.getLogger(__name__)


class DiskFull(Exception):
    """The library's disk is (nearly) full: ingestion must pause."""


@dataclass(frozen=True)
class OutsideLink:
    key: str
    target: str


def key(rel: str) -> str:
    """The catalogue's name for a share path (readable even when the raw name is GBK bytes)."""
    return display_rel(os.fsencode(rel))


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, DiskFull):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


def check_space(library_root: Path, min_free_mb: int) -> None:
    """Raise DiskFull when the library's disk has less than ``min_free_mb`` free."""
    free = free_mb(library_root)
    if 0 <= free < min_free_mb:
        raise DiskFull(f"{free} MiB free < sync.min_free_mb {min_free_mb}")


def share_file(share_root: Path, rel: str) -> ShareFile | OutsideLink | Refused | None:
    """``rel`` as the core's ShareFile; OutsideLink for a link out of the share; Refused for a
    file the library must refuse (``index.sync.admit``); None to skip."""
    path = Path(share_root) / rel
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            target = link_outside(os.path.realpath(share_root), path)
            if target is not None:
                return OutsideLink(key(rel), target)
            st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read %s (retried at the next rescan): %s", key(rel), exc.strerror or exc)
        return None
    try:
        share_dev: int | None = os.stat(share_root).st_dev
    except OSError:
        share_dev = None
    why = refusal(os.fsencode(os.path.basename(rel)), st, share_dev)
    if why is not None:
        return Refused(key(rel), why[0], why[1], st.st_size, st.st_mtime)
    return ShareFile(key(rel), path, st.st_size, st.st_mtime, metadata_signature(path))


class DaemonIngest:
    """Ready files -> library, through the core's Ingestor."""

    def __init__(self, share_root: Path, library: Library, config: Config) -> None:
        self.share_root = Path(share_root)
        self.lib = library
        self.config = config
        self.core = CoreIngestor(self.share_root, library, config)
        self.min_free_mb = int(config["sync.min_free_mb"])

    def check_space(self) -> None:
        check_space(self.lib.root, self.min_free_mb)

    def take(self, rels: Iterable[str], gone_keys: Iterable[str] = ()) -> SyncSummary:
        """Take ``rels`` (raw relative paths) in one batch. ``gone_keys``: documents whose files
        vanished, so a file with the same content is recognised as their rename (not re-extracted).
        Raises DiskFull (pause ingestion) when the disk is full."""
        summary = SyncSummary()
        cat = self.lib.catalogue
        known = cat.file_states()  # the one read of the catalogue's file states for this batch
        files: list[ShareFile] = []
        outside: list[OutsideLink] = []
        refused: list[Refused] = []
        for rel in rels:
            got = share_file(self.share_root, rel)
            if isinstance(got, Refused):
                rej = self.lib.catalogue.rejection(got.key)
                if rej is None or (rej.reason, rej.size, rej.mtime) != (got.reason, got.size, got.mtime):
                    refused.append(got)
            elif isinstance(got, OutsideLink):
                rej = self.lib.catalogue.rejection(got.key)
                if rej is None or rej.reason != "symlink_outside":
                    outside.append(got)
            elif got is not None and needs_taking(got, known.get(got.rel_path), cat.rejection(got.rel_path)):
                files.append(got)
        if outside or refused:
            with self.lib.writer() as w:
                for r in refused:
                    w.reject(r.key, r.reason, r.detail, r.size, r.mtime)
                    summary.rejected.append((r.key, r.reason))
                    log.warning("refused %s: %s (%s)", r.key, r.reason, r.detail)
                for o in outside:
                    w.reject(o.key, "symlink_outside", "symbolic link leads outside the share", 0, 0.0)
                    summary.rejected.append((o.key, "symlink_outside"))
                    log.warning("refused %s: symbolic link leads outside the share", o.key)
        if not files:
            return summary
        self.check_space()
        gone = {known[k].checksum: k for k in gone_keys if k in known}
        try:
            self.core.ingest(files, summary, gone, known)
        except Exception as exc:
            if is_disk_full(exc):
                raise DiskFull(str(exc)) from exc
            raise
        return summary
