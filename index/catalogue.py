"""The SQLite catalogue of a library: the source of truth the index is derived from.

Tables: ``documents`` (one row per document on the share, public or pending),
``texts`` (extracted text per page, by content checksum, compressed), ``rejections``
(files that did not make it, with their reason), ``vocab`` (the vocabulary of public
documents with pinyin), ``index_todo`` (ids whose index entry must be brought in line
with the catalogue: the journal that makes a crash between catalogue and index safe)
and ``meta`` (key/value: generation counter, last sync…).

A document row also carries the sync's signature of its metadata sources (``sync_sig``:
sidecar and folder catalogue, so a changed sidecar re-describes the document) and its
family key (``family``: normalised title and issuer, so a batch re-ranks only the families
it touched). Schema 1 catalogues gain both columns when a writer opens them.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index.models import STATE_PUBLIC, DocumentMeta, DocumentRecord, FileState, Rejection

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source_path TEXT NOT NULL UNIQUE,
    checksum TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    state TEXT NOT NULL,
    format TEXT NOT NULL,
    page_count INTEGER NOT NULL,
    has_text INTEGER NOT NULL,
    meta TEXT NOT NULL,
    words TEXT NOT NULL DEFAULT '[]',
    copy_path TEXT NOT NULL,
    added_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    sync_sig TEXT NOT NULL DEFAULT '',
    family TEXT
);
CREATE INDEX IF NOT EXISTS documents_checksum ON documents(checksum);
CREATE TABLE IF NOT EXISTS texts (
    checksum TEXT PRIMARY KEY,
    pages BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS rejections (
    source_path TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    checksum TEXT NOT NULL DEFAULT '',
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS vocab (
    word TEXT PRIMARY KEY,
    df INTEGER NOT NULL,
    full TEXT NOT NULL,
    initials TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS index_todo (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS id_hints (source_path TEXT PRIMARY KEY, id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_DOC_COLUMNS = ("id, source_path, checksum, size, mtime, state, format, page_count, has_text, meta, copy_path, "
                "added_at, updated_at, sync_sig")
# What a reader selects from a schema 1 catalogue that no writer has opened since the upgrade.
_DOC_COLUMNS_V1 = _DOC_COLUMNS.replace("sync_sig", "'' AS sync_sig")


def _row_to_record(row: sqlite3.Row | tuple[Any, ...]) -> DocumentRecord:
    (id_, source_path, checksum, size, mtime, state, fmt, page_count, has_text, meta, copy_path, added, updated,
     sync_sig) = row
    return DocumentRecord(
        id=id_, source_path=source_path, checksum=checksum, size=size, mtime=mtime, state=state,
        format=fmt, page_count=page_count, has_text=bool(has_text),
        meta=DocumentMeta.from_dict(json.loads(meta)), copy_path=copy_path, added_at=added, updated_at=updated,
        sync_sig=sync_sig,
    )


def _migrate(conn: sqlite3.Connection) -> None:
    """Schema 1 → 2: the sync signature leaves ``meta.sources["_sig"]`` for its own column;
    the family column starts empty (NULL: the library fills it, see ``families_unknown``)."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
    if "sync_sig" not in columns:
        conn.execute("ALTER TABLE documents ADD COLUMN sync_sig TEXT NOT NULL DEFAULT ''")
        conn.execute("UPDATE documents SET sync_sig = json_extract(meta, '$.sources._sig'), "
                     "meta = json_remove(meta, '$.sources._sig') "
                     "WHERE json_extract(meta, '$.sources._sig') IS NOT NULL")
    if "family" not in columns:
        conn.execute("ALTER TABLE documents ADD COLUMN family TEXT")
    conn.execute("CREATE INDEX IF NOT EXISTS documents_family ON documents(family)")
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))


class Catalogue:
    """One connection to ``catalogue.sqlite``; use one per thread."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        if readonly:
            self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, check_same_thread=False)
        else:
            self.conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.executescript(_SCHEMA)
            with self.conn:
                _migrate(self.conn)
                self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        self.conn.execute("PRAGMA busy_timeout=30000")
        columns = {r[1] for r in self.conn.execute("PRAGMA table_info(documents)")}
        self._columns = _DOC_COLUMNS if "sync_sig" in columns else _DOC_COLUMNS_V1

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Commit on success, roll back on error; bumps the generation counter readers watch."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()

    # -- meta
    def get_meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        return int(self.get_meta("generation", "0"))

    # -- documents
    def get(self, doc_id: str) -> DocumentRecord | None:
        row = self.conn.execute(f"SELECT {self._columns} FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return _row_to_record(row) if row else None

    def by_path(self, source_path: str) -> DocumentRecord | None:
        row = self.conn.execute(f"SELECT {self._columns} FROM documents WHERE source_path = ?", (source_path,)).fetchone()
        return _row_to_record(row) if row else None

    def by_checksum(self, checksum: str) -> list[DocumentRecord]:
        rows = self.conn.execute(f"SELECT {self._columns} FROM documents WHERE checksum = ?", (checksum,)).fetchall()
        return [_row_to_record(r) for r in rows]

    def iter_documents(self, state: str | None = None) -> Iterator[DocumentRecord]:
        if state is None:
            cur = self.conn.execute(f"SELECT {self._columns} FROM documents ORDER BY source_path")
        else:
            cur = self.conn.execute(f"SELECT {self._columns} FROM documents WHERE state = ? ORDER BY source_path", (state,))
        for row in cur:
            yield _row_to_record(row)

    def file_states(self) -> dict[str, FileState]:
        """source_path -> what the sync compares with the share, for every document."""
        return {p: FileState(s, m, c, g) for p, s, m, c, g in
                self.conn.execute("SELECT source_path, size, mtime, checksum, sync_sig FROM documents")}

    def paths_under(self, folder: str) -> list[str]:
        """Source paths of the documents below ``folder`` ("a/b", or "" for the whole share)."""
        if not folder:
            return [r[0] for r in self.conn.execute("SELECT source_path FROM documents")]
        prefix = folder.rstrip("/") + "/"
        # A range on the UNIQUE index of source_path: every path that begins with the prefix.
        return [r[0] for r in self.conn.execute(
            "SELECT source_path FROM documents WHERE source_path >= ? AND source_path < ?",
            (prefix, prefix[:-1] + chr(ord("/") + 1)))]

    def in_families(self, conn: sqlite3.Connection, families: Iterable[str]) -> list[DocumentRecord]:
        """Every document of the given families (see ``Library``'s family keys)."""
        keys = sorted(set(families))
        out: list[DocumentRecord] = []
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.extend(_row_to_record(r) for r in conn.execute(
                f"SELECT {self._columns} FROM documents WHERE family IN ({marks})", chunk))
        return out

    def families_unknown(self) -> list[DocumentRecord]:
        """Documents whose family key was never stored (rows from schema 1)."""
        return [_row_to_record(r) for r in
                self.conn.execute(f"SELECT {self._columns} FROM documents WHERE family IS NULL")]

    def set_families(self, conn: sqlite3.Connection, families: dict[str, str]) -> None:
        conn.executemany("UPDATE documents SET family = ? WHERE id = ?", [(f, i) for i, f in families.items()])

    def ids(self, state: str | None = STATE_PUBLIC) -> set[str]:
        if state is None:
            return {r[0] for r in self.conn.execute("SELECT id FROM documents")}
        return {r[0] for r in self.conn.execute("SELECT id FROM documents WHERE state = ?", (state,))}

    def count(self, state: str | None = None) -> int:
        if state is None:
            return int(self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])
        return int(self.conn.execute("SELECT COUNT(*) FROM documents WHERE state = ?", (state,)).fetchone()[0])

    def referenced_copies(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT copy_path FROM documents")}

    # Writes below run inside ``transaction()``.
    def put(self, conn: sqlite3.Connection, rec: DocumentRecord, words: Iterable[str], family: str) -> str:
        """Insert or replace ``rec``; returns the family key the row had before ("" if none)."""
        old = self._forget_words(conn, rec.id)
        conn.execute(
            f"INSERT OR REPLACE INTO documents ({_DOC_COLUMNS}, words, family) VALUES ({','.join('?' * 16)})",
            (rec.id, rec.source_path, rec.checksum, rec.size, rec.mtime, rec.state, rec.format, rec.page_count,
             int(rec.has_text), json.dumps(rec.meta.to_dict(), ensure_ascii=False), rec.copy_path,
             rec.added_at, rec.updated_at, rec.sync_sig, json.dumps(sorted(words), ensure_ascii=False), family),
        )
        if rec.state == STATE_PUBLIC:
            self._vocab_add(conn, sorted(words), +1)
        conn.execute("INSERT OR IGNORE INTO index_todo VALUES (?)", (rec.id,))
        conn.execute("DELETE FROM rejections WHERE source_path = ?", (rec.source_path,))
        return old

    def set_path(self, conn: sqlite3.Connection, doc_id: str, new_path: str, mtime: float, sync_sig: str) -> None:
        conn.execute("UPDATE documents SET source_path = ?, mtime = ?, sync_sig = ?, updated_at = ? WHERE id = ?",
                     (new_path, mtime, sync_sig, time.time(), doc_id))
        conn.execute("INSERT OR IGNORE INTO index_todo VALUES (?)", (doc_id,))

    def delete(self, conn: sqlite3.Connection, doc_id: str) -> str:
        """Delete the row; returns its family key ("" if none)."""
        old = self._forget_words(conn, doc_id)
        conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        conn.execute("INSERT OR IGNORE INTO index_todo VALUES (?)", (doc_id,))
        return old

    def _forget_words(self, conn: sqlite3.Connection, doc_id: str) -> str:
        """The row's words leave the vocabulary (when it was public); returns its family key."""
        old = conn.execute("SELECT state, words, family FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if old and old[0] == STATE_PUBLIC:
            self._vocab_add(conn, json.loads(old[1]), -1)
        return (old[2] or "") if old else ""

    def _vocab_add(self, conn: sqlite3.Connection, words: Iterable[str], delta: int) -> None:
        from index.vocab import word_pinyin

        for w in words:
            cur = conn.execute("UPDATE vocab SET df = df + ? WHERE word = ?", (delta, w))
            if cur.rowcount == 0 and delta > 0:
                full, initials = word_pinyin(w)
                conn.execute("INSERT INTO vocab VALUES (?, ?, ?, ?)", (w, delta, full, initials))
        conn.execute("DELETE FROM vocab WHERE df <= 0")

    def vocab_rows(self) -> list[tuple[str, int, str, str]]:
        return list(self.conn.execute("SELECT word, df, full, initials FROM vocab"))

    # -- texts
    def put_text(self, conn: sqlite3.Connection, checksum: str, pages: list[str]) -> None:
        blob = zlib.compress(json.dumps(pages, ensure_ascii=False).encode("utf-8"), 6)
        conn.execute("INSERT OR REPLACE INTO texts VALUES (?, ?)", (checksum, blob))

    def get_text(self, checksum: str) -> list[str]:
        row = self.conn.execute("SELECT pages FROM texts WHERE checksum = ?", (checksum,)).fetchone()
        if not row:
            return []
        pages: list[str] = json.loads(zlib.decompress(row[0]).decode("utf-8"))
        return pages

    def prune_texts(self, conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM texts WHERE checksum NOT IN (SELECT checksum FROM documents)")

    # -- rejections
    def reject(self, conn: sqlite3.Connection, r: Rejection) -> None:
        conn.execute("INSERT OR REPLACE INTO rejections VALUES (?,?,?,?,?,?,?)",
                     (r.source_path, r.reason, r.detail, r.size, r.mtime, r.checksum, r.at or time.time()))

    def rejection(self, source_path: str) -> Rejection | None:
        row = self.conn.execute("SELECT * FROM rejections WHERE source_path = ?", (source_path,)).fetchone()
        return Rejection(*row) if row else None

    def rejections(self) -> list[Rejection]:
        return [Rejection(*row) for row in self.conn.execute("SELECT * FROM rejections ORDER BY source_path")]

    def clear_rejection(self, conn: sqlite3.Connection, source_path: str) -> None:
        conn.execute("DELETE FROM rejections WHERE source_path = ?", (source_path,))

    # -- ids kept from the index when a damaged catalogue is started afresh (index.recovery)
    def put_id_hints(self, hints: dict[str, str]) -> None:
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO id_hints VALUES (?, ?)", list(hints.items()))

    def take_id_hint(self, conn: sqlite3.Connection, source_path: str) -> str | None:
        row = conn.execute("SELECT id FROM id_hints WHERE source_path = ?", (source_path,)).fetchone()
        if row is None:
            return None
        conn.execute("DELETE FROM id_hints WHERE source_path = ?", (source_path,))
        return str(row[0])

    # -- the index journal
    def todo(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM index_todo")]

    def done(self, ids: Iterable[str]) -> None:
        with self.conn:
            self.conn.executemany("DELETE FROM index_todo WHERE id = ?", [(i,) for i in ids])
