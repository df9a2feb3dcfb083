"""Damage to a library's index or catalogue: found on open and during a search, repaired without a person.

The index (``LIB/index``) is derived data: any damage (a segment file truncated,
zeroed or deleted, the table of contents gone, the folder gone) is repaired by
rebuilding it from the catalogue and the stored texts (``Library.rebuild_index``).
Whoosh raises a dozen kinds of error on damaged files, some only when a damaged
part is read; ``verify_index`` opens the index as a fresh reader would and reads the
first and last entry of every part of every segment (terms and postings of each
field, each column, the stored fields), which finds truncated and zeroed files in
milliseconds. ``guarded`` turns an error raised inside Whoosh or SQLite during a
search into ``IndexCorrupt`` / ``LibraryError`` with one line saying what to do.

The catalogue (``catalogue.sqlite``) is the source of truth; when SQLite finds it
damaged (truncated, zeroed start, overwritten pages: ``PRAGMA quick_check``), a
writer moves it aside (``catalogue.sqlite.damaged-TIME``) and starts a fresh one
that the next pass fills from the share and the stored copies. So that the old
index never shows a document twice meanwhile, the fresh catalogue first learns each
document's id from the old index (``id_hints``): a document taken again keeps its id
and replaces its old index entry.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar

from index.catalogue import Catalogue
from index.errors import IndexCorrupt, KioskError, LibraryError

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def verify_index(path: Path, *, deep: bool = True) -> list[str]:
    """Problems found reading the index at ``path`` from disk (empty when it reads whole).

    ``deep`` reads every field's whole term list to reach its last term (about 2 s at
    10,000 documents: the writer's check); without it only first terms are read (ms:
    a reader's open; damage further in is met by ``guarded`` during a search)."""
    from whoosh import index as wi

    from index.whoosh_index import INDEX_NAME

    try:
        if not wi.exists_in(str(path), indexname=INDEX_NAME):
            return [f"no index at {path}"]
        ix = wi.open_dir(str(path), indexname=INDEX_NAME)
        with ix.searcher() as s:
            for reader, _base in s.reader().leaf_readers():
                _probe_segment(reader, deep)
    except Exception as exc:  # whoosh raises many kinds on damaged files
        return [f"index at {path} is damaged: {type(exc).__name__}: {exc}"]
    return []


def _probe_segment(reader: Any, deep: bool) -> None:
    n = reader.doc_count_all()
    if n == 0:
        return
    docs = range(n) if deep else sorted({0, n - 1})
    for docnum in sorted({0, n - 1}):
        reader.stored_fields(docnum)
    schema = reader.schema
    for name in schema.names():
        field = schema[name]
        if field.column_type is not None and reader.has_column(name):
            col = reader.column_reader(name)
            if deep and sum(1 for _ in col) != n:  # a column file cut short reads as fewer values
                raise ValueError(f"column {name!r} holds fewer values than the {n} documents")
            for docnum in docs:
                if col[docnum] is None:
                    raise ValueError(f"column {name!r} ends before document {docnum}")
        if not field.indexed:
            continue
        terms = _first_last(reader.lexicon(name)) if deep else _first(reader.lexicon(name))
        for term in terms:
            m = reader.postings(name, term)
            while m.is_active():  # every block of the term's postings
                docnum, _w = m.id(), m.weight()
                if field.scorable and not reader.doc_field_length(docnum, name):
                    # a document with the term has no length: the length column is cut short
                    raise ValueError(f"no length of {name!r} for document {docnum} that has a term in it")
                m.next()


def _first(it: Any) -> list[Any]:
    for t in it:
        return [t]
    return []


def _first_last(it: Any) -> list[Any]:
    first = last = None
    for t in it:
        if first is None:
            first = t
        last = t
    return [t for t in {first, last} if t is not None]


# Errors that mean "the bytes on disk are not what Whoosh or SQLite wrote".
_DAMAGE = (EOFError, OSError, ValueError, KeyError, TypeError, IndexError, UnicodeError, AttributeError,
           sqlite3.DatabaseError)


class Guarded(Protocol):
    """What ``guarded`` needs of the object whose methods it guards (``index.library.Library``)."""

    root: Path
    index_path: Path
    index_damaged: bool

    def reopen_index(self) -> None: ...


def guarded(method: F) -> F:
    """Library read methods: damage met while searching becomes one clear error."""

    @functools.wraps(method)
    def wrapper(self: Guarded, *args: Any, **kwargs: Any) -> Any:
        for attempt in (1, 2):
            try:
                return method(self, *args, **kwargs)
            except KioskError:
                raise
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise  # a full disk is not damage: the sync pauses and retries from the journal
                failure: Exception = exc
            except sqlite3.DatabaseError as exc:
                raise LibraryError(catalogue_damaged_message(self.root), path=str(self.root)) from exc
            except Exception as exc:
                failure = exc
            if attempt == 1 and (_from_whoosh(failure) or isinstance(failure, _DAMAGE)) and not verify_index(self.index_path):
                # The index on disk is whole: this searcher read a segment a writer's merge had just
                # removed (a lazily opened file). A fresh searcher over the new segments answers.
                log.info("search met a segment merged away (%s); searching again on a fresh searcher", failure)
                self.reopen_index()
                continue
            return _judge(self, failure)
        raise AssertionError("unreachable")

    return wrapper  # type: ignore[return-value]


def _judge(lib: Guarded, exc: Exception) -> NoReturn:
    """Re-raise ``exc``, as ``IndexCorrupt`` when it came from damaged index files."""
    if not _from_whoosh(exc) and not isinstance(exc, _DAMAGE):
        raise exc
    from index.whoosh_index import DamagedColumn

    problems = verify_index(lib.index_path)
    if not problems and not _from_whoosh(exc) and not isinstance(exc, DamagedColumn):
        raise exc
    log.error("index damaged (%s: %s); %s", type(exc).__name__, exc, problems[:1])
    lib.index_damaged = True
    raise IndexCorrupt(index_damaged_message(lib.root), path=str(lib.root)) from exc


def _from_whoosh(exc: BaseException) -> bool:
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return bool(last) and f"{os.sep}whoosh{os.sep}" in str(last)


def index_damaged_message(root: Path) -> str:
    return (f"the search index of {root} is damaged; the sync service rebuilds it by itself "
            f"(if it is not running: kiosk index rebuild --library {root})")


def catalogue_damaged_message(root: Path) -> str:
    return (f"the catalogue of {root} is damaged; the sync service rebuilds it from the share by itself "
            f"(if it is not running: kiosk sync --once --library {root})")


# ---------------------------------------------------------------- the catalogue
def catalogue_is_damaged(path: Path) -> str:
    """Why SQLite cannot use ``path`` (empty when it checks out or does not exist)."""
    if not path.exists():
        return ""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
            conn.execute("SELECT COUNT(*) FROM documents").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    verdict = [r[0] for r in rows]
    return "" if verdict == ["ok"] else "; ".join(verdict[:3])


def set_damaged_catalogue_aside(path: Path, index_path: Path) -> dict[str, str]:
    """Move a damaged catalogue (and its WAL) aside; return source_path -> doc id read from the old index."""
    hints = _ids_from_index(index_path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            os.replace(p, Path(f"{path}{suffix}.damaged-{stamp}"))
    log.warning("catalogue %s was damaged: set aside as %s.damaged-%s; it is rebuilt from the share "
                "(%d document ids kept from the index)", path, path.name, stamp, len(hints))
    return hints


def _ids_from_index(index_path: Path) -> dict[str, str]:
    from whoosh import index as wi

    from index.whoosh_index import INDEX_NAME

    try:
        ix = wi.open_dir(str(index_path), indexname=INDEX_NAME)
        with ix.searcher() as s:
            return {f["source_path"]: f["doc_id"] for f in s.documents(unit="doc") if f.get("source_path")}
    except Exception as exc:  # a damaged index as well: the ids are then new
        log.warning("no document ids from the index at %s: %s", index_path, exc)
        return {}


def open_catalogue(root: Path, path: Path, index_path: Path, *, writable: bool) -> Catalogue:
    """The library's ``Catalogue``; a damaged one is set aside and started afresh by a writer,
    reported with what to do to a reader."""
    why = catalogue_is_damaged(path) if writable else ""
    if why:
        log.error("catalogue %s is damaged: %s", path, why)
        hints = set_damaged_catalogue_aside(path, index_path)
        cat = Catalogue(path, readonly=False)
        cat.put_id_hints(hints)
        return cat
    try:
        return Catalogue(path, readonly=False)
    except sqlite3.DatabaseError as exc:
        if writable:
            raise
        raise LibraryError(catalogue_damaged_message(root), path=str(root)) from exc
