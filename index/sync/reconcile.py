"""One pass that brings the library in line with the share (``kiosk sync --once``).

New and changed files are copied, extracted and indexed; files gone from the share
leave the library (when the removal guard allows); a file that moved (same content)
only changes its path; a file whose size and mtime are unchanged is not touched, and
a rejected file is retried only when it changes. The watching daemon calls the same
``reconcile_once`` for its start-up pass and its rescans, and ``ingest`` for the
files its watcher reports.
"""

from __future__ import annotations

import errno
import logging
import os
import stat as stat_mod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.config import Config
from index.errors import ExtractionError
from index.library import FILES_DIR, Library
from index.metadata import FolderSignatures
from index.models import DocumentMeta, DocumentRecord, Extracted, FileState, Rejection
from index.sync.admit import Refused, cap_text, escaped, link_outside, refusal
from index.sync.copy import CopyResult, SourceChanged, atomic_copy
from index.sync.filters import DOCUMENT_SUFFIXES, is_candidate
from index.sync.guard import RemovalGuard
from index.sync.identity import check_share

log = logging.getLogger(__name__)


@dataclass
class ShareFile:
    rel_path: str  # readable, forward slashes (GBK names decoded for display)
    path: Path  # the real path to open
    size: int
    mtime: float
    meta_sig: str  # changes when the sidecar or folder catalogue changes


@dataclass(frozen=True)
class _Copied:
    file: ShareFile
    copy: CopyResult
    same_content: bool  # the catalogue holds this content at this path: only the metadata is new


@dataclass
class SyncSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (path, reason key)
    unchanged: int = 0
    extracted: int = 0
    held_removals: int = 0
    hold_reason: str = ""  # message key when removals were held
    hold_detail: str = ""

    def to_json(self) -> dict[str, Any]:
        from index.messages import t

        return {
            "added": self.added,
            "updated": self.updated,
            "moved": [{"from": a, "to": b} for a, b in self.moved],
            "removed": self.removed,
            "rejected": [{"path": p, "reason": r, "reason_text": t(f"reject.{r}")} for p, r in self.rejected],
            "unchanged": self.unchanged,
            "extracted": self.extracted,
            "held_removals": self.held_removals,
            "hold_reason": self.hold_reason,
            "hold_detail": self.hold_detail,
        }


def display_rel(raw: bytes) -> str:
    """A relative path from the share as readable text: UTF-8, else GBK (Windows shares).

    Decoded name by name: a GBK file name inside a UTF-8 folder name keeps both readable."""
    parts = []
    for part in raw.split(b"/"):
        try:
            parts.append(part.decode("utf-8"))
        except UnicodeDecodeError:
            parts.append(part.decode("gb18030", errors="replace"))
    return "/".join(parts)


def scan_share(share: Path, on_outside_link: Callable[[str], None] | None = None,
               on_refused: Callable[[Refused], None] | None = None) -> list[ShareFile]:
    """Every candidate document under ``share``; symbolic links leading outside are not followed;
    files the library must refuse (``index.sync.admit``) go to ``on_refused``."""
    root_b = os.fsencode(share)
    real_root = os.path.realpath(root_b)
    share_dev = os.stat(root_b).st_dev
    names: dict[str, bytes] = {}  # decoded name -> the raw name that has it
    out: list[ShareFile] = []
    for dirpath, dirnames, filenames in os.walk(root_b, followlinks=False):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, root_b)
        signatures = FolderSignatures(Path(os.fsdecode(dirpath)), map(os.fsdecode, filenames + dirnames))
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = display_rel(os.path.normpath(os.path.join(rel_dir, name)))
            if not is_candidate(rel):
                continue
            try:
                st = os.lstat(full)
                if stat_mod.S_ISLNK(st.st_mode):
                    if link_outside(real_root, full) is not None:
                        if on_outside_link:
                            on_outside_link(rel)
                        continue
                    st = os.stat(full)
            except OSError:
                continue
            raw_rel = os.path.normpath(os.path.join(rel_dir, name))
            why = refusal(name, st, share_dev)
            if why is None and names.setdefault(rel, raw_rel) != raw_rel:
                why = ("name_collision", f"decodes to the same name as another file: {rel}")
                rel = escaped(raw_rel)
            if why is not None:
                if on_refused:
                    on_refused(Refused(rel, why[0], why[1], st.st_size, st.st_mtime))
                continue
            p = Path(os.fsdecode(full))
            out.append(ShareFile(rel, p, st.st_size, st.st_mtime, signatures.signature(p.name)))
    return out


class Ingestor:
    """Copy, extract, describe and record files; shared by the one-shot pass and the daemon."""

    def __init__(self, share: Path, library: Library, config: Config) -> None:
        from index.extract import ExtractLimits

        self.share = share
        self.lib = library
        self.config = config
        self.limits = ExtractLimits.from_config(config)
        self.max_bytes = int(config["extract.max_file_mb"]) * 1024 * 1024
        from index.ocr_cache import OcrCache

        # Scans: OCR results by checksum, in the library and shared under the status folder.
        self.ocr = OcrCache(library.root, share / str(config["sync.status_dir"]) / "ocr")

    def _extract(self, path: Path, checksum: str = "") -> Extracted:
        from index.extract import OCR_SUFFIXES, extract_file
        from index.extract._limits import OCR_LANGUAGES

        if checksum and self.limits.ocr_max_pages > 0 and path.suffix.lower() in OCR_SUFFIXES:
            extracted = self.ocr.extract(checksum, lambda: extract_file(path, self.limits), OCR_LANGUAGES)
        else:
            extracted = extract_file(path, self.limits)
        return cap_text(extracted, int(self.config["extract.max_indexed_chars"]))

    def _describe(self, rel: str, extracted: Extracted) -> DocumentMeta:
        from index.metadata import derive_metadata

        meta = derive_metadata(rel, self.share, extracted, self.config)
        total = sum(len(p) for p in extracted.pages)
        if total >= int(self.config["extract.max_indexed_chars"]):
            meta.sources["_text_cut"] = f"text cut at {total} characters (extract.max_indexed_chars)"
        return meta

    def ingest(self, files: list[ShareFile], summary: SyncSummary, gone: dict[str, str] | None = None,
               known: dict[str, FileState] | None = None) -> None:
        """Take ``files`` (new or changed) into the library in batches. ``gone``: checksum -> path of
        documents no longer on the share, so a moved file is recognised by its content. ``known``:
        the catalogue's file states, when the caller has just read them."""
        gone = dict(gone or {})
        if known is None:
            known = self.lib.catalogue.file_states()
        batch_size = int(self.config["sync.batch_size"])
        for start in range(0, len(files), batch_size):
            self._ingest_batch(files[start : start + batch_size], summary, gone, known)

    def _ingest_batch(self, files: list[ShareFile], summary: SyncSummary, gone: dict[str, str],
                      known: dict[str, FileState]) -> None:
        files_dir = self.lib.root / FILES_DIR
        copies: list[_Copied] = []
        rejects: list[tuple[ShareFile, str, str, str]] = []
        moves: list[tuple[str, ShareFile]] = []
        for f in files:
            if f.size > self.max_bytes:
                rejects.append((f, "too_large", f"{f.size} bytes > extract.max_file_mb", ""))
                continue
            if f.path.suffix.lower() not in DOCUMENT_SUFFIXES:
                rejects.append((f, "unsupported", f"suffix {f.path.suffix!r} is not a document format", ""))
                continue
            try:
                c = atomic_copy(f.path, files_dir)
            except SourceChanged as exc:
                log.info("not taken yet, still changing: %s (%s)", f.rel_path, exc)
                continue
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise  # the library's disk is full: not the file's fault; the caller pauses
                rejects.append((f, "unreadable", f"{exc.__class__.__name__}: {exc}", ""))
                continue
            if c.checksum in gone and f.rel_path not in known:
                moves.append((gone.pop(c.checksum), f))
                continue
            old = known.get(f.rel_path)
            copies.append(_Copied(f, c, same_content=bool(old and old.checksum == c.checksum)))

        # Extract on both cores: each extraction is a worker process anyway.
        def work(item: _Copied) -> tuple[ShareFile, CopyResult, Extracted | ExtractionError | None]:
            f, c = item.file, item.copy
            if item.same_content:  # reuse the stored text
                return f, c, None
            reuse = self._reuse(c.checksum)
            if reuse is not None:
                return f, c, reuse
            try:
                return f, c, self._extract(c.path, c.checksum)
            except ExtractionError as exc:
                return f, c, exc

        with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
            done = list(pool.map(work, copies))

        with self.lib.writer() as w:
            for f, reason, detail, checksum in rejects:
                w.reject(f.rel_path, reason, detail, f.size, f.mtime, checksum)
                summary.rejected.append((f.rel_path, reason))
                log.warning("rejected %s: %s (%s)", f.rel_path, reason, detail)
            for old_path, f in moves:
                rec = self.lib.catalogue.by_path(old_path)
                meta = self._describe(f.rel_path, self._stored_extracted(rec)) if rec else None
                w.move(old_path, f.rel_path, f.mtime, meta, f.meta_sig)
                summary.moved.append((old_path, f.rel_path))
                log.info("moved %s -> %s (no new extraction)", old_path, f.rel_path)
            for f, c, result in done:
                if isinstance(result, ExtractionError):
                    w.reject(f.rel_path, result.reason, result.detail, f.size, f.mtime, c.checksum)
                    summary.rejected.append((f.rel_path, result.reason))
                    log.warning("rejected %s: %s (%s)", f.rel_path, result.reason, result.detail)
                    continue
                if result is None:  # same content, new mtime or metadata sources changed
                    rec = self.lib.catalogue.by_path(f.rel_path)
                    if rec is None:
                        continue
                    extracted = self._stored_extracted(rec)
                    w.add_or_update(f.rel_path, c.path, c.checksum, f.size, f.mtime, extracted,
                                    self._describe(f.rel_path, extracted), f.meta_sig)
                    summary.updated.append(f.rel_path)
                    continue
                existed = f.rel_path in known
                extracted = result
                summary.extracted += 1
                w.add_or_update(f.rel_path, c.path, c.checksum, f.size, f.mtime, extracted,
                                self._describe(f.rel_path, extracted), f.meta_sig)
                (summary.updated if existed else summary.added).append(f.rel_path)
                log.info("%s %s", "updated" if existed else "added", f.rel_path)

    def _reuse(self, checksum: str) -> Extracted | None:
        """Text already extracted for identical content elsewhere in the library."""
        for rec in self.lib.catalogue.by_checksum(checksum):
            return self._stored_extracted(rec)
        return None

    def _stored_extracted(self, rec: DocumentRecord) -> Extracted:
        pages = self.lib.catalogue.get_text(rec.checksum)
        return Extracted(pages=pages, page_count=rec.page_count, has_text=rec.has_text, format=rec.format)


def reconcile_once(
    share: Path,
    library: Library,
    config: Config,
    *,
    allow_mass_removal: bool = False,
) -> SyncSummary:
    """Bring ``library`` in line with ``share`` in one pass."""
    share = Path(share)
    if share.is_dir():
        check_share(library.catalogue, share, str(config["share.marker"]))  # WrongShare: nothing taken
    summary = SyncSummary()
    outside: list[str] = []
    refused: list[Refused] = []
    files = scan_share(share, outside.append, refused.append) if share.is_dir() else []
    cat = library.catalogue
    known = cat.file_states()
    rejected = {r.source_path: r for r in cat.rejections()}

    todo: list[ShareFile] = []
    seen: set[str] = set()
    for f in files:
        seen.add(f.rel_path)
        if needs_taking(f, known.get(f.rel_path), rejected.get(f.rel_path)):
            todo.append(f)
        else:
            summary.unchanged += 1

    missing = [p for p in known if p not in seen]
    gone = {known[p].checksum: p for p in missing}
    ingestor = Ingestor(share, library, config)
    ingestor.ingest(todo, summary, gone, known)
    moved_from = {a for a, _ in summary.moved}
    to_remove = [p for p in missing if p not in moved_from]

    refused_keys = {r.key for r in refused}
    stale_rejections = [p for p in rejected if p not in seen and p not in outside and p not in refused_keys]
    new_outside = [rel for rel in outside if rel not in rejected]
    new_refused = [r for r in refused
                   if not (r.key in rejected and rejected[r.key].size == r.size and rejected[r.key].mtime == r.mtime)]
    if new_outside or stale_rejections or new_refused:
        with library.writer() as w:
            for r in new_refused:
                w.reject(r.key, r.reason, r.detail, r.size, r.mtime)
                summary.rejected.append((r.key, r.reason))
                log.warning("refused %s: %s (%s)", r.key, r.reason, r.detail)
            for rel in new_outside:
                w.reject(rel, "symlink_outside", "symbolic link leads outside the share", 0, 0.0)
                summary.rejected.append((rel, "symlink_outside"))
            for p in stale_rejections:
                w.cat.clear_rejection(w.conn, p)

    if to_remove:
        cfg = config.with_overrides({"sync.allow_mass_removal": True}) if allow_mass_removal else config
        decision = RemovalGuard.check(share, len(to_remove), cat.count(), cfg)
        if decision.allowed:
            with library.writer() as w:
                for p in to_remove:
                    w.remove(p)
                    summary.removed.append(p)
                    log.info("removed %s (gone from the share)", p)
        else:
            summary.held_removals = len(to_remove)
            summary.hold_reason = decision.reason_key
            summary.hold_detail = decision.detail
            log.warning("removals held: %s", decision.detail)
    return summary  # families of versions were re-ranked by each writer (Library.writer)


def needs_taking(f: ShareFile, state: FileState | None, rejection: Rejection | None) -> bool:
    """Whether a file on the share must be taken (again): the one answer for the reconcile pass
    and the daemon. A document is taken when its size, mtime or metadata sources (sidecar,
    folder catalogue) changed; a rejected file only when it changed (a document whose new version
    was rejected keeps its old version until the file changes again)."""
    if state is not None and (state.size, state.mtime, state.sync_sig) == (f.size, f.mtime, f.meta_sig):
        return False
    return not (rejection is not None and (rejection.size, rejection.mtime) == (f.size, f.mtime))
