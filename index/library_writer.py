"""The writing half of a library: the catalogue changes of one transaction (``Library.writer``).

Adds, updates, moves and removals of documents and rejections; at the end of the transaction
the families of versions the changes touched are re-ranked in it (``settle_families``). The
index follows when ``Library.writer`` has committed (the ``index_todo`` journal).
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from index.catalogue import Catalogue
from index.errors import LibraryError
from index.metadata.families import assign_families, family_key
from index.models import DocumentMeta, DocumentRecord, Extracted, Rejection
from index.vocab import document_words

if TYPE_CHECKING:
    from index.library import Library


class LibraryWriter:
    """Catalogue changes of one batch; the index follows when the batch commits."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self.cat: Catalogue = lib.catalogue
        self.conn: sqlite3.Connection = None  # type: ignore[assignment]  # set by Library.writer
        self.orphan_candidates: set[str] = set()
        self.touched_families: set[str] = set()  # before and after each change: settle_families
        self.touched_ids: set[str] = set()

    def add_or_update(
        self,
        source_path: str,
        copy_path: Path,
        checksum: str,
        size: int,
        mtime: float,
        extracted: Extracted,
        meta: DocumentMeta,
        sync_sig: str = "",
    ) -> DocumentRecord:
        now = time.time()
        old = self.cat.by_path(source_path)
        if old is not None and old.copy_path != str(copy_path.relative_to(self.lib.root)):
            self.orphan_candidates.add(old.copy_path)
        rec = DocumentRecord(
            id=old.id if old else (self.cat.take_id_hint(self.conn, source_path) or uuid.uuid4().hex[:16]),
            source_path=source_path,
            checksum=checksum,
            size=size,
            mtime=mtime,
            state=self.lib.state_for(source_path, meta),
            format=extracted.format,
            page_count=extracted.page_count,
            has_text=extracted.has_text,
            meta=meta,
            copy_path=str(copy_path.relative_to(self.lib.root)),
            added_at=old.added_at if old else now,
            updated_at=now,
            sync_sig=sync_sig,
        )
        self.cat.put_text(self.conn, checksum, extracted.pages)
        self._put(rec)
        return rec

    def _put(self, rec: DocumentRecord) -> None:
        family, meta = family_of(rec.meta), rec.meta
        old_family = self.cat.put(self.conn, rec, document_words(meta.title, meta.issuer, meta.topic, meta.keywords),
                                  family)
        self.touched_families.update((old_family, family))
        self.touched_ids.add(rec.id)

    def update_meta(self, doc_id: str, meta: DocumentMeta) -> None:
        """New metadata for a known document (a sidecar or spreadsheet changed, a family re-ranked)."""
        rec = self.cat.get(doc_id)
        if rec is None:
            return
        rec.meta = meta
        rec.state = self.lib.state_for(rec.source_path, meta)
        rec.updated_at = time.time()
        self._put(rec)

    def move(self, old_path: str, new_path: str, mtime: float, meta: DocumentMeta | None = None,
             sync_sig: str = "") -> None:
        rec = self.cat.by_path(old_path)
        if rec is None:
            raise LibraryError(f"no document at {old_path}")
        self.cat.set_path(self.conn, rec.id, new_path, mtime, sync_sig)
        self.cat.clear_rejection(self.conn, new_path)
        if meta is not None:
            self.update_meta(rec.id, meta)

    def remove(self, source_path: str) -> None:
        rec = self.cat.by_path(source_path)
        if rec is not None:
            self.touched_families.add(self.cat.delete(self.conn, rec.id))
            self.orphan_candidates.add(rec.copy_path)
            self.cat.prune_texts(self.conn)
        self.cat.clear_rejection(self.conn, source_path)

    def reject(self, source_path: str, reason: str, detail: str, size: int, mtime: float, checksum: str = "") -> None:
        self.cat.reject(self.conn, Rejection(source_path, reason, detail, size, mtime, checksum, time.time()))

    def settle_families(self) -> int:
        """Versions of one document (``index.metadata.families``), re-ranked for the families this
        transaction touched, in the same transaction: older versions 已修订, pointing to the newest;
        a document that left its family given back. Returns how many documents changed."""
        families = self.touched_families - {""}
        recs = {r.id: r for r in self.cat.in_families(self.conn, families)}
        for doc_id in self.touched_ids - recs.keys():  # no family key (no title): may give back
            rec = self.cat.get(doc_id)
            if rec is not None:
                recs[doc_id] = rec
        changes = assign_families([(r.id, r.meta) for r in recs.values()])
        n = 0
        for doc_id, (validity, replaced_by) in changes.items():
            rec = recs[doc_id]
            if (rec.meta.validity, rec.meta.replaced_by) == (validity, replaced_by):
                continue
            rec.meta.validity, rec.meta.replaced_by = validity, replaced_by
            rec.meta.sources["validity"] = "family"
            self.update_meta(doc_id, rec.meta)
            n += 1
        self.touched_families.clear()
        self.touched_ids.clear()
        return n


def family_of(meta: DocumentMeta) -> str:
    """The catalogue's family column: normalised title and issuer ("" without a title)."""
    title, issuer = family_key(meta)
    return f"{title}\t{issuer}" if title else ""
