"""Taking single files from the share into the library (the watching daemon's path).

Two steps per batch, so the catalogue's write transaction stays short and a
``kill -9`` anywhere leaves every document fully present or absent:

1. ``prepare(rel)`` outside any transaction: stat, refuse what must not be read
   (symlinks leading outside the share, FIFOs and devices, files over
   ``extract.max_file_mb`` - judged from ``stat``, never read), skip what the
   catalogue already holds (same size and mtime, or a rejection of this very
   version), copy atomically into the library, recognise a rename (same checksum as a
   document whose old path is gone: only the path changes, nothing is re-extracted),
   extract in the worker process (from the library's copy, not the share), derive
   metadata.
2. ``apply(writer, outcomes)`` inside one ``Library.writer()`` transaction.

Names: a relative path that is not valid UTF-8 (GBK bytes from an old Windows
server) is opened with its raw name but stored in the catalogue under its readable
form (``names.display_name``); ``key()`` is that mapping, used everywhere the daemon
talks to the catalogue.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import ExtractionError, KioskError
from index.models import DocumentMeta, Extracted
from index.sync.names import display_name

log = logging.getLogger("index.sync")


class DiskFull(Exception):
    """The library's disk is (nearly) full: ingestion must pause."""


@dataclass
class Prepared:
    key: str  # catalogue source_path
    copy_path: Path
    checksum: str
    size: int
    mtime: float
    extracted: Extracted
    meta: DocumentMeta


@dataclass
class Moved:
    old_key: str
    key: str
    mtime: float


@dataclass
class Refused:
    key: str
    reason: str  # message key under [reject]
    detail: str
    size: int
    mtime: float
    checksum: str = ""


Outcome = Prepared | Moved | Refused


def key(rel: str) -> str:
    """The catalogue's name for a share path (readable even when the raw name is GBK bytes)."""
    return display_name(rel)


class Ingestor:
    """Prepares files of one share for one library; holds no transaction itself."""

    def __init__(self, share_root: Path, library: Any, config: Mapping[str, Any]) -> None:
        self.share_root = Path(share_root)
        self._real_root = os.path.realpath(self.share_root)
        self.lib = library
        self.config = config
        self.max_bytes = int(config["extract.max_file_mb"]) * 1024 * 1024
        self.min_free_mb = int(config["sync.min_free_mb"])

    # ------------------------------------------------------------ one file
    def prepare(self, rel: str) -> Outcome | None:
        """What to do with ``rel``; None when there is nothing to do (gone, unchanged, ignored)."""
        k = key(rel)
        path = self.share_root / rel
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read %s (will retry at the next rescan): %s", k, exc.strerror or exc)
            return None
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(path)
            if not (target == self._real_root or target.startswith(self._real_root + os.sep)):
                return self._refuse(k, "symlink_outside", f"link leads outside the share to {display_name(target)}", st)
            try:
                st = os.stat(path)
            except OSError:
                return self._refuse(k, "symlink_outside", "link leads nowhere", st)
        if not stat.S_ISREG(st.st_mode):
            return self._refuse(k, "not_regular", f"not a regular file (mode {stat.filemode(st.st_mode)})", st)
        if st.st_size > self.max_bytes:
            return self._refuse(
                k, "too_large",
                f"{st.st_size / 1048576:.0f} MiB > extract.max_file_mb {self.config['extract.max_file_mb']}", st,
            )
        cat = self.lib.catalogue
        rec = cat.by_path(k)
        if rec is not None and rec.size == st.st_size and rec.mtime == st.st_mtime:
            return None  # unchanged
        rej = cat.rejection(k)
        if rej is not None and rej.size == st.st_size and rej.mtime == st.st_mtime and rec is None:
            return None  # this very version was refused already; retried when it changes
        self.check_space()
        copy = self._copy(path)
        if rec is not None and rec.checksum == copy.checksum:
            return Moved(k, k, copy.mtime)  # touched, same content: only the mtime changes
        for other in cat.by_checksum(copy.checksum):
            if other.source_path != k and not self._exists_on_share(other.source_path):
                log.info("%s was renamed to %s; not extracted again", other.source_path, k)
                return Moved(other.source_path, k, copy.mtime)
        return self._extract(rel, k, copy)

    def _copy(self, path: Path) -> Any:
        from index.sync.copy import atomic_copy

        try:
            return atomic_copy(path, self.lib.root / "files")
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFull(str(exc)) from exc
            raise

    def _extract(self, rel: str, k: str, copy: Any) -> Outcome:
        from index.extract import ExtractLimits, extract_file
        from index.metadata import derive_metadata

        try:
            extracted = extract_file(copy.path, ExtractLimits.from_config(self.config))
        except ExtractionError as exc:
            self._drop_unreferenced(copy)
            return Refused(k, exc.reason, exc.detail, copy.size, copy.mtime, copy.checksum)
        meta = derive_metadata(rel, self.share_root, extracted, self.config)
        return Prepared(k, copy.path, copy.checksum, copy.size, copy.mtime, extracted, meta)

    def _drop_unreferenced(self, copy: Any) -> None:
        if not self.lib.catalogue.by_checksum(copy.checksum):
            Path(copy.path).unlink(missing_ok=True)

    def _refuse(self, k: str, reason: str, detail: str, st: os.stat_result) -> Refused | None:
        rej = self.lib.catalogue.rejection(k)
        if rej is not None and rej.reason == reason and rej.size == st.st_size and rej.mtime == st.st_mtime:
            return None  # already recorded
        log.info("refused %s: %s (%s)", k, reason, detail)
        return Refused(k, reason, detail, st.st_size, st.st_mtime)

    def _exists_on_share(self, k: str) -> bool:
        # Keys of GBK names differ from their raw names; such a document is looked up by the rescan.
        return os.path.lexists(self.share_root / k)

    def check_space(self) -> None:
        """Raise DiskFull when the library's disk has less than sync.min_free_mb free."""
        from index.sync.status import free_mb

        free = free_mb(self.lib.root)
        if 0 <= free < self.min_free_mb:
            raise DiskFull(f"{free} MiB free < sync.min_free_mb {self.min_free_mb}")

    # ------------------------------------------------------------ metadata only
    def refresh_meta(self, rel: str) -> tuple[str, DocumentMeta] | None:
        """A sidecar or folder catalogue changed: new metadata for the document at ``rel``."""
        from index.metadata import derive_metadata

        cat = self.lib.catalogue
        rec = cat.by_path(key(rel))
        if rec is None:
            return None
        pages = cat.get_text(rec.checksum)
        extracted = Extracted(pages=pages, page_count=rec.page_count, has_text=rec.has_text, format=rec.format)
        try:
            meta = derive_metadata(rel, self.share_root, extracted, self.config)
        except (OSError, KioskError) as exc:
            log.warning("metadata of %s not refreshed: %s", rec.source_path, exc)
            return None
        if meta == rec.meta:
            return None
        return rec.id, meta

    # ------------------------------------------------------------ apply
    @staticmethod
    def apply(writer: Any, outcomes: list[Outcome]) -> None:
        """Record prepared outcomes in one writer transaction."""
        for o in outcomes:
            if isinstance(o, Prepared):
                writer.add_or_update(o.key, o.copy_path, o.checksum, o.size, o.mtime, o.extracted, o.meta)
                writer.cat.clear_rejection(writer.conn, o.key)
            elif isinstance(o, Moved):
                if writer.cat.by_path(o.old_key) is None:
                    continue
                if o.key != o.old_key and writer.cat.by_path(o.key) is not None:
                    writer.remove(o.key)  # the new name held another document: replaced
                writer.move(o.old_key, o.key, o.mtime)
            else:
                writer.reject(o.key, o.reason, o.detail, o.size, o.mtime, o.checksum)
