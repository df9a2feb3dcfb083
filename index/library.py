"""A terminal's library: copies of the documents, the catalogue, and the Whoosh index.

One writer (the sync) and any number of readers (the app, the CLI). Readers call
``refresh()`` to see the writer's commits; the searcher is refreshed, not reopened.

Write protocol (what makes ``kill -9`` safe): a copy is renamed into ``files/``
before its catalogue row exists; catalogue changes and the ids they touch
(``index_todo``) are committed in one SQLite transaction; then the index is brought
in line for those ids and committed; then the ids leave ``index_todo``. On open, a
writer replays ``index_todo`` and removes copies no row refers to. So after any
crash every document is either fully present (row, copy, index) or absent.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import query as Q

from index import search as S
from index.catalogue import Catalogue
from index.config import Config, load_config
from index.errors import IndexCorrupt, LibraryError
from index.models import (
    STATE_PENDING,
    STATE_PUBLIC,
    DocumentMeta,
    DocumentRecord,
    Extracted,
    Filters,
    Hit,
    Rejection,
    SearchResult,
)
from index.normalize import has_cjk, normalize
from index.vocab import Vocabulary, document_words
from index.whoosh_index import index_documents, open_index

log = logging.getLogger("index.library")

CATALOGUE_NAME = "catalogue.sqlite"
FILES_DIR = "files"
INDEX_DIR = "index"


def _facets_of(hits: list[Hit]) -> dict[str, dict[str, int]]:
    """Counts per filter value over a short list of hits (the typo fallback's, at most a page)."""
    out: dict[str, dict[str, int]] = {"kind": {}, "year": {}, "issuer": {}, "topic": {}, "validity": {}}
    for hit in hits:
        values = {"kind": hit.kind, "year": hit.date[:4] if hit.date[:4].isdigit() else "", "issuer": hit.issuer,
                  "topic": hit.topic, "validity": hit.validity}
        for name, value in values.items():
            if value:
                out[name][value] = out[name].get(value, 0) + 1
    return {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for k, v in out.items()}


class Library:
    """Open with ``Library.open(root)``; use as a context manager or call ``close()``."""

    def __init__(self, root: Path, config: Config, *, writable: bool) -> None:
        self.root = root
        self.config = config
        self.writable = writable
        self._lock = threading.RLock()
        self._text_cache: OrderedDict[str, list[str]] = OrderedDict()
        if writable:
            root.mkdir(parents=True, exist_ok=True)
            (root / FILES_DIR).mkdir(exist_ok=True)
        elif not (root / CATALOGUE_NAME).exists():
            raise LibraryError(f"{root} is not a library (no {CATALOGUE_NAME}); run 'kiosk sync --once' first", path=str(root))
        self.catalogue = Catalogue(root / CATALOGUE_NAME, readonly=False)
        self._ix: Any = None
        self._searcher: Any = None
        self._index_inode = 0
        self._generation = -1
        self._vocab = Vocabulary([])
        self._open_index()
        if writable:
            self._recover()
        self._load_vocab()

    @classmethod
    def open(cls, root: Path | str, config: Config | None = None, *, writable: bool = False) -> Library:
        return cls(Path(root), config or load_config(), writable=writable)

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            self.catalogue.close()

    # ------------------------------------------------------------------ paths
    @property
    def index_path(self) -> Path:
        return self.root / INDEX_DIR

    def copy_path_for(self, checksum: str, suffix: str) -> Path:
        return self.root / FILES_DIR / checksum[:2] / f"{checksum}{suffix.lower()}"

    # ------------------------------------------------------------------ reading
    def _open_index(self) -> None:
        try:
            self._ix = open_index(self.index_path, create=self.writable)
        except IndexCorrupt:
            if not self.writable:
                raise
            log.warning("index at %s is damaged or missing; rebuilding from the catalogue", self.index_path)
            self.rebuild_index()
            return
        self._searcher = self._ix.searcher()
        self._index_inode = _inode(self.index_path)

    def _load_vocab(self) -> None:
        self._generation = self.catalogue.generation()
        self._vocab = Vocabulary(self.catalogue.vocab_rows())

    def refresh(self) -> bool:
        """Pick up what the writer committed; True when anything changed."""
        with self._lock:
            changed = False
            if _inode(self.index_path) != self._index_inode:  # rebuilt and swapped in
                old = self._searcher
                self._ix = open_index(self.index_path)
                self._searcher = self._ix.searcher()
                self._index_inode = _inode(self.index_path)
                if old is not None:
                    old.close()
                changed = True
            else:
                if self._searcher.up_to_date():
                    new = self._searcher
                else:
                    # Not Searcher.refresh(): it reuses segment readers by segment id and so
                    # keeps showing documents deleted from an existing segment (seen with
                    # whoosh3 3.54). A fresh searcher over uncompound segments opens in ms.
                    new = self._ix.searcher()
                    self._searcher.close()
                if new is not self._searcher:
                    self._searcher = new
                    changed = True
            if self.catalogue.generation() != self._generation:
                self._load_vocab()
                self._text_cache.clear()
                changed = True
            return changed

    def _pages(self, doc_id: str) -> list[str]:
        pages = self._text_cache.get(doc_id)
        if pages is None:
            rec = self.catalogue.get(doc_id)
            pages = self.catalogue.get_text(rec.checksum) if rec else []
            self._text_cache[doc_id] = pages
            if len(self._text_cache) > 64:
                self._text_cache.popitem(last=False)
        return pages

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
        with_facets: bool = True,
    ) -> SearchResult:
        """Public documents matching ``query`` (all of them for an empty query), best first."""
        with self._lock:
            s = self._searcher
            pq = S.parse_query(query, self._vocab)
            q = S.build_query(pq)
            flt = S.filter_query(filters)
            browse = q is None
            if q is None:
                q = Q.Term("unit", "doc")
            want = offset + limit
            if browse or sort == "newest":
                results = s.search(q, filter=flt, limit=want, sortedby="date", reverse=True)
                ranked = [(dict(r.fields()), 0.0) for r in results]
                dropped = 0
            else:
                results = None
                tq = S.title_query(pq) if not with_facets else None
                if tq is not None:
                    # Fast path: documents with every word in the title rank above all others
                    # (S.rank_key), so when they fill the page the body need not be searched.
                    # The total is then the title matches only; the facet pass counts them all.
                    first = s.search(tq, filter=flt, limit=max(S.RERANK_DEPTH, want))
                    if len(first) >= max(S.RERANK_DEPTH, want):
                        results = first
                if results is None:
                    results = s.search(q, filter=flt, limit=max(S.RERANK_DEPTH, want))
                ranked = [(dict(r.fields()), r.score) for r in results]
                # The body index has bigrams without positions: check longer words really occur.
                kept = [fs for fs in ranked if self._has_phrases(pq, fs[0])]
                dropped = len(ranked) - len(kept)
                ranked = sorted(kept, key=lambda fs: S.rank_key(pq, fs[0], fs[1]))
            if with_facets:
                total, facets = S.count_and_facets(s, q, flt)
            else:  # the scored pass counted every match unless it could skip blocks
                total, facets = len(results), {}
            total = max(total - dropped, len(ranked))
            terms = pq.display_terms if not pq.doc_number else []
            hits = [self._hit(f, sc, terms) for f, sc in ranked[offset:want]]
            suggestions: list[str] = []
            corrected = ""
            if total == 0 and pq.text:
                hits, corrected = self._typo_fallback(pq, flt, limit)
                total = len(hits)
                if with_facets and hits:  # the filters offer what the corrected results hold
                    facets = _facets_of(self._typo_fallback(pq, flt, 1000)[0])
                if not hits and len(pq.words) > 1 and pq.doc_number is None:
                    # Nothing has every word: rank what has some of them (questions in plain words).
                    loose = S.loose_query(pq)
                    results = s.search(loose, filter=flt, limit=want)
                    hits = [self._hit(dict(r.fields()), r.score, terms) for r in results][offset:want]
                    total = len(results)
                    if with_facets:  # the filters offer what these results hold, not the empty AND match's
                        total, facets = S.count_and_facets(s, loose, flt)
                suggestions = self._suggest(pq, flt)
                if corrected and corrected not in suggestions:
                    suggestions.insert(0, corrected)
            return SearchResult(query=query, total=total, hits=hits, facets=facets,
                                suggestions=suggestions[:6], corrected_query=corrected)

    def _has_phrases(self, pq: S.ParsedQuery, fields: dict[str, Any]) -> bool:
        long_words = [w for w in pq.words if len(w) >= 3 and has_cjk(w)]
        if not long_words:
            return True
        head = normalize(" ".join(str(fields.get(k, "")) for k in ("title", "issuer", "topic", "doc_number")))
        missing = [w for w in long_words if w not in head]
        if not missing:
            return True
        raw = "".join("".join(self._pages(fields.get("doc_id", fields["id"]))).split())
        missing = [w for w in missing if w not in raw]  # most text is already normal: skip the slow path
        if not missing:
            return True
        text = normalize(raw)
        rec = self.catalogue.get(fields.get("doc_id", fields["id"]))
        if rec is not None:
            text += normalize(" ".join(rec.meta.keywords) + rec.meta.index_number)
        return all(w in text for w in missing)

    def _hit(self, fields: dict[str, Any], score: float, terms: list[str]) -> Hit:
        pages = self._pages(fields.get("doc_id", fields["id"]))
        page = int(fields.get("page") or 1)
        if fields.get("unit") == "item" and pages:
            pages = pages[page - 1 : page + 1]
        return S.hit_from_fields(fields, score, S.make_snippet(pages, terms), terms)

    def _count(self, q: Q.Query, flt: Q.Query | None) -> int:
        return len(self._searcher.search(q, filter=flt, limit=1))

    def _typo_fallback(self, pq: S.ParsedQuery, flt: Q.Query | None, limit: int) -> tuple[list[Hit], str]:
        fq = S.fuzzy_title_query(pq.text)
        if fq is None:
            return [], ""
        results = self._searcher.search(fq, filter=flt, limit=20)
        close = []
        for r in results:
            fields = dict(r.fields())
            sim = S.similarity(pq.text, fields.get("title", ""))
            if sim >= 75:
                close.append((sim, r.score, fields))
        close.sort(key=lambda c: (-c[0], -c[1]))
        hits = [self._hit(f, sc, []) for _sim, sc, f in close[:limit]]
        return hits, (close[0][2].get("title", "") if close else "")

    def _suggest(self, pq: S.ParsedQuery, flt: Q.Query | None) -> list[str]:
        out: list[str] = []
        # Same sound, other characters (a homophone slip).
        from index.vocab import word_pinyin

        chars = "".join(pq.words) if pq.words else pq.text
        full, _ = word_pinyin(chars)
        if full:
            out.extend(w for w in self._vocab.lookup(full, limit=3) if w != chars)
        # Fewer words: drop one at a time, keep those that find something (short queries only).
        if 1 < len(pq.words) <= 4:
            for i in range(len(pq.words)):
                rest = pq.words[:i] + pq.words[i + 1 :]
                q = Q.And([S.word_query(w) for w in rest])
                if self._count(q, flt):
                    out.append(" ".join(rest))
        # Vocabulary words sharing a word with the query.
        for w in pq.words:
            if len(w) >= 2:
                out.extend(v for v in self._vocab.lookup(word_pinyin(w)[0], limit=2) if v != w)
        seen: set[str] = set()
        return [s for s in out if s and not (s in seen or seen.add(s))]  # type: ignore[func-returns-value]

    def suggestions(self, query: str) -> list[str]:
        return self.search(query, limit=1, with_facets=False).suggestions

    def candidates(self, letters: str, limit: int = 12) -> list[str]:
        """Chinese words of the library's own vocabulary for Latin letters (``xxgk`` -> 信息公开)."""
        with self._lock:
            letters = letters.strip().lower()
            found = self._vocab.lookup(letters, limit=limit)
            exact = [w for w in found if self._vocab.matches_exactly(w, letters)]
            out = list(exact)
            seg = self._vocab.segment(letters)
            if seg and len(seg) > 1:
                phrase = " ".join(seg)
                res = self.search(phrase, limit=1, with_facets=False)
                if res.total and not res.corrected_query:
                    out.append(phrase)  # several words: every candidate must lead to results
            out.extend(w for w in found if w not in out)
            return out[:limit]

    def is_vocabulary_word(self, word: str) -> bool:
        return word in self._vocab

    def facets(self, filters: Filters | None = None) -> dict[str, dict[str, int]]:
        with self._lock:
            return S.count_and_facets(self._searcher, Q.Term("unit", "doc"), S.filter_query(filters))[1]

    def newest(self, n: int = 10) -> list[Hit]:
        return self.search("", limit=n, with_facets=False).hits

    def gazette_shelf(self) -> dict[int, list[Hit]]:
        res = self.search("", Filters(kind="政府公报"), limit=10_000, with_facets=False)
        shelf: dict[int, list[tuple[int, Hit]]] = {}
        for h in res.hits:  # one catalogue read per issue: its year and its number
            rec = self.catalogue.get(h.doc_id)
            year = (rec.meta.gazette_year or rec.meta.year) if rec else None
            issue_no = int(rec.meta.gazette_issue or 0) if rec else 0
            shelf.setdefault(int(year or 0), []).append((issue_no, h))
        return {
            year: [h for _n, h in sorted(items, key=lambda nh: (nh[0], nh[1].date), reverse=True)]
            for year, items in sorted(shelf.items(), reverse=True)
        }

    def related(self, doc_id: str, n: int = 5) -> list[Hit]:
        with self._lock:
            s = self._searcher
            docnum = s.document_number(id=doc_id)
            rec = self.catalogue.get(doc_id)
            if docnum is None or rec is None:
                return []
            results = s.more_like(docnum, "title_words", text=rec.meta.title + " " + rec.meta.topic, top=n + 5,
                                  filter=Q.Term("unit", "doc"))
            out = [self._hit(dict(r.fields()), r.score, []) for r in results if r["doc_id"] != doc_id]
            return out[:n]

    def document(self, doc_id: str) -> DocumentRecord | None:
        rec = self.catalogue.get(doc_id.split("#")[0])
        return rec if rec and rec.state == STATE_PUBLIC else None

    def document_by_path(self, source_path: str) -> DocumentRecord | None:
        """The public document at ``source_path`` on the share (``/``-separated, relative), if any."""
        rec = self.catalogue.by_path(source_path.strip("/"))
        return rec if rec and rec.state == STATE_PUBLIC else None

    def document_pages(self, doc_id: str) -> list[str]:
        rec = self.document(doc_id)
        return self.catalogue.get_text(rec.checksum) if rec else []

    def document_file(self, doc_id: str) -> Path:
        rec = self.document(doc_id)
        if rec is None:
            raise LibraryError(f"document {doc_id} is not in the library (withdrawn?)", doc_id=doc_id)
        return self.root / rec.copy_path

    def counts(self) -> dict[str, int]:
        return {
            "public": self.catalogue.count(STATE_PUBLIC),
            "pending": self.catalogue.count(STATE_PENDING),
            "rejected": len(self.catalogue.rejections()),
        }

    def pending(self) -> list[DocumentRecord]:
        return list(self.catalogue.iter_documents(STATE_PENDING))

    def rejections(self) -> list[Rejection]:
        return self.catalogue.rejections()

    # ------------------------------------------------------------------ writing
    def state_for(self, source_path: str, meta: DocumentMeta) -> str:
        """public when review is not required, or the document carries a review record,
        or it lies in a folder that staff fill only with reviewed files."""
        from index.metadata import is_trusted_folder

        if not self.config["review.required"] or meta.reviewed:
            return STATE_PUBLIC
        if is_trusted_folder(source_path, self.config["review.trusted_folders"]):
            return STATE_PUBLIC
        return STATE_PENDING

    @contextmanager
    def writer(self, *, defer_index: bool = False) -> Iterator[LibraryWriter]:
        """Catalogue changes in one transaction, then the index follows. ``defer_index``
        leaves the index to a later ``apply_index_todo()`` or ``rebuild_index()`` (bulk loads)."""
        if not self.writable:
            raise LibraryError("library opened read-only")
        w = LibraryWriter(self)
        with self.catalogue.transaction() as conn:
            w.conn = conn
            yield w
        if not defer_index:
            self.apply_index_todo()
        self._gc_copies(w.orphan_candidates)

    def apply_index_todo(self, *, merge: bool = False) -> int:
        """Bring the index in line with the catalogue for every id in the journal."""
        ids = self.catalogue.todo()
        if not ids:
            return 0
        with self._lock:
            writer = self._ix.writer(compound=False)
            try:
                for doc_id in ids:
                    writer.delete_by_term("doc_id", doc_id)
                    rec = self.catalogue.get(doc_id)
                    if rec is not None and rec.state == STATE_PUBLIC:
                        for d in index_documents(rec, self.catalogue.get_text(rec.checksum)):
                            writer.add_document(**d)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(merge=merge)
            self.catalogue.done(ids)
        self.refresh()
        return len(ids)

    def merge_segments(self) -> None:
        """Merge index segments (call when the terminal is idle)."""
        with self._lock:
            self._ix.optimize()
        self.refresh()

    def _recover(self) -> None:
        n = self.apply_index_todo()
        if n:
            log.info("replayed %d pending index updates after an interrupted run", n)
        self._gc_copies(None)
        for tmp in (self.root / FILES_DIR).glob("**/.tmp-*"):
            tmp.unlink(missing_ok=True)

    def _gc_copies(self, candidates: set[str] | None) -> None:
        referenced = self.catalogue.referenced_copies()
        files: Iterable[str] = candidates if candidates is not None else (
            str(p.relative_to(self.root)) for p in (self.root / FILES_DIR).glob("*/*") if p.is_file())
        for rel in files:
            if rel not in referenced:
                (self.root / rel).unlink(missing_ok=True)

    def rebuild_index(self, procs: int = 1) -> int:
        """Recreate the index from the catalogue into a new folder, then swap it in."""
        new = self.root / (INDEX_DIR + ".new")
        if new.exists():
            shutil.rmtree(new)
        ix = open_index(new, create=True)
        procs = max(1, min(procs, os.cpu_count() or 1))
        if procs > 1:  # Whoosh's MpWriter: analysis and segment writing on several cores
            writer = ix.writer(procs=procs, limitmb=128, multisegment=True, compound=False)
        else:
            writer = ix.writer(compound=False, limitmb=256)
        n = 0
        try:
            for rec in self.catalogue.iter_documents(STATE_PUBLIC):
                for d in index_documents(rec, self.catalogue.get_text(rec.checksum)):
                    writer.add_document(**d)
                n += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        old = self.root / (INDEX_DIR + ".old")
        with self._lock:
            if old.exists():
                shutil.rmtree(old)
            if self.index_path.exists():
                os.rename(self.index_path, old)
            os.rename(new, self.index_path)
            _fsync_dir(self.root)
            if self._searcher is not None:
                self._searcher.close()
            self._ix = open_index(self.index_path)
            self._searcher = self._ix.searcher()
            self._index_inode = _inode(self.index_path)
            with self.catalogue.conn:
                self.catalogue.conn.execute("DELETE FROM index_todo")
            if old.exists():
                shutil.rmtree(old, ignore_errors=True)
        return n

    def check_index(self) -> list[str]:
        """Differences between the index and the catalogue (empty when they agree)."""
        self.refresh()
        problems: list[str] = []
        todo = self.catalogue.todo()
        if todo:
            problems.append(f"{len(todo)} catalogue changes not yet in the index")
        with self._lock:
            indexed: dict[str, str] = {}
            for fields in self._searcher.documents(unit="doc"):
                indexed[fields["id"]] = fields.get("source_path", "")
        public = {r.id: r for r in self.catalogue.iter_documents(STATE_PUBLIC)}
        for doc_id in sorted(public.keys() - indexed.keys()):
            problems.append(f"missing from index: {public[doc_id].source_path} ({doc_id})")
        for doc_id in sorted(indexed.keys() - public.keys()):
            problems.append(f"in index but not public in catalogue: {indexed[doc_id]} ({doc_id})")
        for doc_id in sorted(indexed.keys() & public.keys()):
            if indexed[doc_id] != public[doc_id].source_path:
                problems.append(f"path differs: index {indexed[doc_id]} vs catalogue {public[doc_id].source_path}")
        for rec in public.values():
            if not (self.root / rec.copy_path).exists():
                problems.append(f"copy missing: {rec.source_path} ({rec.copy_path})")
        return problems


class LibraryWriter:
    """Catalogue changes of one batch; the index follows when the batch commits."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self.cat = lib.catalogue
        self.conn: Any = None
        self.orphan_candidates: set[str] = set()

    def add_or_update(
        self,
        source_path: str,
        copy_path: Path,
        checksum: str,
        size: int,
        mtime: float,
        extracted: Extracted,
        meta: DocumentMeta,
    ) -> DocumentRecord:
        now = time.time()
        old = self.cat.by_path(source_path)
        if old is not None and old.copy_path != str(copy_path.relative_to(self.lib.root)):
            self.orphan_candidates.add(old.copy_path)
        rec = DocumentRecord(
            id=old.id if old else uuid.uuid4().hex[:16],
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
        )
        self.cat.put_text(self.conn, checksum, extracted.pages)
        words = document_words(meta.title, meta.issuer, meta.topic, meta.keywords)
        self.cat.put(self.conn, rec, words)
        return rec

    def update_meta(self, doc_id: str, meta: DocumentMeta) -> None:
        """New metadata for a known document (a sidecar or spreadsheet changed, a family re-ranked)."""
        rec = self.cat.get(doc_id)
        if rec is None:
            return
        rec.meta = meta
        rec.state = self.lib.state_for(rec.source_path, meta)
        rec.updated_at = time.time()
        self.cat.put(self.conn, rec, document_words(meta.title, meta.issuer, meta.topic, meta.keywords))

    def move(self, old_path: str, new_path: str, mtime: float, meta: DocumentMeta | None = None) -> None:
        rec = self.cat.by_path(old_path)
        if rec is None:
            raise LibraryError(f"no document at {old_path}")
        self.cat.set_path(self.conn, rec.id, new_path, mtime)
        self.cat.clear_rejection(self.conn, new_path)
        if meta is not None:
            self.update_meta(rec.id, meta)

    def remove(self, source_path: str) -> None:
        rec = self.cat.by_path(source_path)
        if rec is not None:
            self.cat.delete(self.conn, rec.id)
            self.orphan_candidates.add(rec.copy_path)
            self.cat.prune_texts(self.conn)
        self.cat.clear_rejection(self.conn, source_path)

    def reject(self, source_path: str, reason: str, detail: str, size: int, mtime: float, checksum: str = "") -> None:
        self.cat.reject(self.conn, Rejection(source_path, reason, detail, size, mtime, checksum, time.time()))


def _inode(path: Path) -> int:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return 0


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
