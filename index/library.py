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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from index.bounds import QueryBounds
from index.config import Config, load_config
from index.errors import IndexCorrupt, LibraryError
from index.library_writer import LibraryWriter, family_of
from index.lock import WriterLock
from index.metadata.review import review_state
from index.models import (
    STATE_PENDING,
    STATE_PUBLIC,
    DocumentMeta,
    DocumentRecord,
    Filters,
    Hit,
    Rejection,
    SearchResult,
)
from index.recovery import guarded, index_damaged_message, open_catalogue, verify_index
from index.search import SearchEngine, title_search
from index.vocab import Vocabulary
from index.whoosh_index import index_documents, open_index

log = logging.getLogger(__name__)
_T = TypeVar("_T")

CATALOGUE_NAME = "catalogue.sqlite"
FILES_DIR = "files"
INDEX_DIR = "index"
MAX_SEGMENTS = 12  # more after a commit: that commit merges the small ones


class Library:
    """Open with ``Library.open(root)``; use as a context manager or call ``close()``."""

    def __init__(self, root: Path, config: Config, *, writable: bool, while_rebuilt: bool = False) -> None:
        self.root = root
        self.config = config
        self.writable = writable
        # A reader that stays open on a damaged index (the app): title matches from the
        # catalogue until the writer has rebuilt it (``search`` results say ``restoring``).
        self.while_rebuilt = while_rebuilt and not writable
        self._lock = threading.RLock()
        self._writer_lock: WriterLock | None = None
        if writable:
            root.mkdir(parents=True, exist_ok=True)
            self._writer_lock = WriterLock(root).acquire()  # one writer per library (LibraryBusy)
            (root / FILES_DIR).mkdir(exist_ok=True)
        elif not (root / CATALOGUE_NAME).exists():
            raise LibraryError(f"{root} is not a library (no {CATALOGUE_NAME}); run 'kiosk sync --once' first", path=str(root))
        try:
            self.catalogue = open_catalogue(root, root / CATALOGUE_NAME, root / INDEX_DIR, writable=writable)
            self.index_damaged = False
            self._fallback_vocab: Vocabulary | None = None
            self._ix: Any = None
            self._engine: SearchEngine = None  # type: ignore[assignment]  # set by _open_index
            self._index_inode = 0
            self.bounds = QueryBounds.from_config(config)
            self._open_index()
            if writable:
                self._recover()
        except BaseException:
            if self._writer_lock is not None:
                self._writer_lock.release()
            raise

    @classmethod
    def open(cls, root: Path | str, config: Config | None = None, *, writable: bool = False,
             while_rebuilt: bool = False) -> Library:
        """``while_rebuilt``: a reader on a damaged index opens anyway and searches titles in the
        catalogue until the index is whole again (the app); otherwise damage is an error (the CLI)."""
        return cls(Path(root), config or load_config(), writable=writable, while_rebuilt=while_rebuilt)

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None  # type: ignore[assignment]
            self.catalogue.close()
            if self._writer_lock is not None:
                self._writer_lock.release()
                self._writer_lock = None

    # ------------------------------------------------------------------ paths
    @property
    def index_path(self) -> Path:
        return self.root / INDEX_DIR

    def copy_path_for(self, checksum: str, suffix: str) -> Path:
        return self.root / FILES_DIR / checksum[:2] / f"{checksum}{suffix.lower()}"

    # ------------------------------------------------------------------ reading
    def _open_index(self) -> None:
        try:
            # An empty index is made only for an empty catalogue; a TOC gone is damage (rebuilt).
            self._ix = open_index(self.index_path, create=self.writable and not self.catalogue.count(STATE_PUBLIC))
            problems = verify_index(self.index_path, deep=self.writable)
            if problems:
                raise IndexCorrupt(problems[0])
            self._swap_engine()
        except IndexCorrupt as exc:
            if self.while_rebuilt:
                self._index_lost(exc)
                return
            if not self.writable:
                raise IndexCorrupt(index_damaged_message(self.root), path=str(self.root)) from exc
            log.warning("index at %s is damaged or missing (%s); rebuilding from the catalogue", self.index_path, exc)
            self.rebuild_index()

    def _index_lost(self, exc: BaseException) -> None:
        log.warning("index at %s is damaged (%s); searching titles in the catalogue until it is rebuilt",
                    self.index_path, exc)
        self.index_damaged = True
        self._index_inode = _inode(self.index_path)  # the damaged one: a rebuild swaps in another
        if self._engine is not None:
            self._engine.close()
            self._engine = None  # type: ignore[assignment]

    @property
    def searching_titles(self) -> bool:
        """A ``while_rebuilt`` reader whose index was lost: it answers from the catalogue.
        (``index_damaged`` only says damage was seen; a writer then rebuilds.)"""
        return self._engine is None

    def _on_index(self, read: Callable[[], _T]) -> _T | None:
        """``read()`` on the index; None when this reader searches titles instead (the index is
        damaged, or turns out to be, and ``while_rebuilt``). Other readers get the error."""
        if self.searching_titles:
            return None
        try:
            return read()
        except IndexCorrupt as exc:
            if not self.while_rebuilt:
                raise
            self._index_lost(exc)
            return None

    def refresh(self) -> bool:
        """Pick up what the writer committed; True when anything changed (also: the index is
        whole again after damage)."""
        if self.searching_titles:
            return self._healed()
        return self._on_index(self._refresh) is not False

    def _healed(self) -> bool:
        """Damaged until the writer swaps in a rebuilt index (a folder of its own): then open it."""
        with self._lock:
            if _inode(self.index_path) == self._index_inode:
                return False
            try:
                self._ix = open_index(self.index_path)
                if verify_index(self.index_path, deep=False):
                    return False
                self._swap_engine()
            except Exception:  # still being written: ask again at the next refresh
                return False
            self.index_damaged = False
            self._fallback_vocab = None
            log.info("index at %s is whole again", self.index_path)
            return True

    @guarded
    def _refresh(self) -> bool:
        with self._lock:
            if _inode(self.index_path) != self._index_inode:  # rebuilt and swapped in
                self._ix = open_index(self.index_path)
                self._swap_engine()
                return True
            return self._engine.refresh()

    def _swap_engine(self) -> None:
        old, self._engine = self._engine, SearchEngine(self._ix, self.catalogue, self.config["search.order_issuers"])
        self._index_inode = _inode(self.index_path)
        if old is not None:
            old.close()

    def reopen_index(self) -> None:
        """A fresh searcher over the index on disk (a merge removed a segment the old one read)."""
        with self._lock:
            self._ix = open_index(self.index_path)
            self._swap_engine()  # the old SearchEngine is closed

    @property
    def _searcher(self) -> Any:
        return self._engine.searcher

    @property
    def engine(self) -> SearchEngine:
        """The search over the open index (``index.search``); call under nothing: Library serialises."""
        return self._engine

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
        """Public documents matching ``query`` (all of them for an empty query), best first.

        A query over the bounds (``self.bounds``) is cut to them; the result says so. While the
        index is damaged (``while_rebuilt``): title matches from the catalogue, ``restoring``."""
        query, cut = self.bounds.cut(query)
        found = self._on_index(lambda: self._search(query, filters, limit=limit, offset=offset, sort=sort,
                                                    with_facets=with_facets, cut=cut))
        if found is not None:
            return found
        result = title_search(self.catalogue, query, filters, limit=limit, offset=offset, with_facets=with_facets)
        result.query_cut = cut
        return result

    @guarded
    def _search(self, query: str, filters: Filters | None, *, limit: int, offset: int, sort: str,
                with_facets: bool, cut: bool) -> SearchResult:
        with self._lock:
            return self._engine.search(query, filters, limit=limit, offset=offset, sort=sort,
                                       with_facets=with_facets, query_cut=cut)

    def words_to_warm(self, n: int) -> list[str]:
        """The vocabulary words whose first results are worth computing ahead (most documents first)."""
        if self.searching_titles:
            return []
        with self._lock:
            return self._engine.vocab.most_common(n)

    def warm(self, word: str, filters: Filters | None = None, *, limit: int = 20, sort: str = "relevance",
             with_facets: bool = False) -> bool:
        """Compute the first results of a candidate word before a visitor taps it (the candidate
        bar offers only vocabulary words); kept until the library changes. Call one word at a
        time from the reader's worker, so a visitor's search waits for one word at most."""
        query, _cut = self.bounds.cut(word)
        done = self._on_index(lambda: self._warm(query, filters, limit=limit, sort=sort, with_facets=with_facets))
        return bool(done)

    @guarded
    def _warm(self, word: str, filters: Filters | None, *, limit: int, sort: str, with_facets: bool) -> bool:
        with self._lock:
            return self._engine.warm(word, filters, limit=limit, sort=sort, with_facets=with_facets)

    def search_facets(self, query: str, filters: Filters | None = None) -> dict[str, dict[str, int]]:
        """Only the facet counts of a search (no ranking, no hits): the screen's filter chips."""
        query, _cut = self.bounds.cut(query)
        counts = self._on_index(lambda: self._search_facets(query, filters))
        if counts is not None:
            return counts
        return title_search(self.catalogue, query, filters, limit=0).facets

    @guarded
    def _search_facets(self, query: str, filters: Filters | None) -> dict[str, dict[str, int]]:
        from index.search import build_query, filter_query, parse_query

        with self._lock:
            e = self._engine
            q = build_query(parse_query(query, e.vocab, e.issuers))
            if q is None:
                from whoosh import query as Q

                q = Q.Term("unit", "doc")
            return e.facet_counts(q, filter_query(filters))[1]

    def suggestions(self, query: str) -> list[str]:
        return self.search(query, limit=1, with_facets=False).suggestions

    @guarded
    def candidates(self, letters: str, limit: int = 12) -> list[str]:
        """Chinese words of the library's own vocabulary for Latin letters (``xxgk`` -> 信息公开)."""
        letters = self.bounds.cut(letters)[0].lower()
        with self._lock:
            if self.searching_titles:  # the vocabulary is the catalogue's: words only, no phrases
                return self._catalogue_vocabulary().lookup(letters, limit=limit)
            return self._engine.candidates(letters, limit)

    def is_vocabulary_word(self, word: str) -> bool:
        return word in (self._catalogue_vocabulary() if self.searching_titles else self._engine.vocab)

    def _catalogue_vocabulary(self) -> Vocabulary:
        if self._fallback_vocab is None:
            self._fallback_vocab = Vocabulary(self.catalogue.vocab_rows())
        return self._fallback_vocab

    @guarded
    def facets(self, filters: Filters | None = None) -> dict[str, dict[str, int]]:
        return self.search_facets("", filters)

    def newest(self, n: int = 10) -> list[Hit]:
        return self.search("", limit=n, with_facets=False).hits

    @guarded
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

    @guarded
    def related(self, doc_id: str, n: int = 5) -> list[Hit]:
        rec = self.catalogue.get(doc_id)
        if rec is None or self.searching_titles:
            return []
        with self._lock:
            return self._engine.related(doc_id, rec.meta.title + " " + rec.meta.topic, n)

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
        """The document's state under this terminal's review settings (index.metadata.review)."""
        return review_state(source_path, meta, self.config)

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
            w.settle_families()
        if not defer_index:
            self.apply_index_todo()
        self._gc_copies(w.orphan_candidates)

    @guarded
    def apply_index_todo(self, *, merge: bool = False) -> int:
        """Bring the index in line with the catalogue for every id in the journal."""
        ids = self.catalogue.todo()
        if not ids:
            return 0
        with self._lock:
            writer = self._ix.writer(compound=False, limitmb=256)  # a batch stays in memory: no spill to disk
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
            # Under constant change the idle merge never comes: Whoosh's small-segment merge keeps
            # the segments (and the descriptors every reader holds open) bounded (benchmarks/soak.py).
            writer.commit(merge=merge or len(self._ix._segments()) >= MAX_SEGMENTS)
            self.catalogue.done(ids)
        self.refresh()
        return len(ids)

    def merge_segments(self) -> None:
        """Merge index segments (call when the terminal is idle)."""
        with self._lock:
            self._ix.optimize()
        self.refresh()

    def _recover(self) -> None:
        unknown = self.catalogue.families_unknown()  # rows of a schema 1 catalogue
        if unknown:
            with self.catalogue.transaction() as conn:
                self.catalogue.set_families(conn, {r.id: family_of(r.meta) for r in unknown})
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
            self._ix = open_index(self.index_path)
            self._swap_engine()
            with self.catalogue.conn:
                self.catalogue.conn.execute("DELETE FROM index_todo")
            if old.exists():
                shutil.rmtree(old, ignore_errors=True)
        return n

    @guarded
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
