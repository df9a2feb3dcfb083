"""The catalogue's own columns for the sync signature and the family key, the schema 1 → 2
upgrade, and families of versions re-ranked in the writer for the families it touched."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from index.catalogue import Catalogue
from index.config import parse_config
from index.library import CATALOGUE_NAME, Library

from .conftest import add_docs

# The documents table as schema 1 created it (c7e2f3c): the signature rode in the meta JSON.
SCHEMA_1 = """
CREATE TABLE documents (
    id TEXT PRIMARY KEY, source_path TEXT NOT NULL UNIQUE, checksum TEXT NOT NULL, size INTEGER NOT NULL,
    mtime REAL NOT NULL, state TEXT NOT NULL, format TEXT NOT NULL, page_count INTEGER NOT NULL,
    has_text INTEGER NOT NULL, meta TEXT NOT NULL, words TEXT NOT NULL DEFAULT '[]', copy_path TEXT NOT NULL,
    added_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', '1'), ('generation', '3');
"""


def _v1_catalogue(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_1)
    meta = {"title": "威海市停车管理办法", "issuer": "威海市人民政府", "publish_date": "2013-02-19",
            "sources": {"title": "text", "_sig": "-:1700000000000000000/120:-:-:-"}}
    conn.execute("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                 ("d1", "规范性文件/停车.txt", "ab" * 32, 120, 5.0, "public", "txt", 1, 1,
                  json.dumps(meta, ensure_ascii=False), "[]", "files/ab/x.txt", 1.0, 1.0))
    conn.commit()
    conn.close()


def test_a_reader_reads_a_schema_1_catalogue_before_any_writer_upgraded_it(tmp_path: Path) -> None:
    path = tmp_path / CATALOGUE_NAME
    _v1_catalogue(path)
    cat = Catalogue(path, readonly=True)
    try:
        rec = cat.get("d1")
        assert rec is not None and rec.meta.title == "威海市停车管理办法"
        assert rec.sync_sig == ""
    finally:
        cat.close()


def test_a_writer_moves_the_signature_out_of_the_meta_json(tmp_path: Path) -> None:
    path = tmp_path / CATALOGUE_NAME
    _v1_catalogue(path)
    cat = Catalogue(path)
    try:
        assert cat.file_states()["规范性文件/停车.txt"].sync_sig == "-:1700000000000000000/120:-:-:-"
        rec = cat.get("d1")
        assert rec is not None and "_sig" not in rec.meta.sources
        assert rec.meta.sources == {"title": "text"}
        assert cat.get_meta("schema") == "2"
        assert [r.id for r in cat.families_unknown()] == ["d1"]
    finally:
        cat.close()


def test_opening_the_library_fills_the_family_column(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    _v1_catalogue(root / CATALOGUE_NAME)
    config = parse_config("")
    with Library.open(root, config, writable=True) as lib:
        assert lib.catalogue.families_unknown() == []
        fam = lib.catalogue.conn.execute("SELECT family FROM documents WHERE id = 'd1'").fetchone()[0]
        assert fam == "威海市停车管理办法\t威海市人民政府"


def _version(path: str, date: str, number: str) -> dict:
    return dict(path=path, title="威海市停车管理办法", doc_number=number, issuer="威海市人民政府",
                publish_date=date, body="第一条 为了加强机动车停车管理，制定本办法。")


def _validity(lib: Library, path: str) -> tuple[str, str]:
    rec = lib.catalogue.by_path(path)
    assert rec is not None
    return rec.meta.validity, rec.meta.replaced_by


def test_removing_the_newest_version_gives_the_older_one_back(make_library) -> None:
    lib = make_library([_version("a/2008.txt", "2008-05-04", "威政发〔2008〕21号"),
                        _version("a/2013.txt", "2013-02-19", "威政发〔2013〕8号")])
    assert _validity(lib, "a/2008.txt") == ("已修订", "威海市停车管理办法（威政发〔2013〕8号）")
    with lib.writer() as w:  # what the daemon's removals do: no sync pass follows
        w.remove("a/2013.txt")
    assert _validity(lib, "a/2008.txt") == ("有效", "")
    assert lib.search("停车管理办法").hits[0].validity == "有效"  # the index followed in the same commit


def test_a_batch_re_ranks_only_the_families_it_touched(make_library) -> None:
    lib = make_library([_version("a/2008.txt", "2008-05-04", "威政发〔2008〕21号"),
                        _version("a/2013.txt", "2013-02-19", "威政发〔2013〕8号"),
                        dict(path="b/低保.txt", title="城乡低保救助标准", issuer="威海市民政局",
                             publish_date="2014-06-30", body="提高城乡居民最低生活保障标准。")])
    # Put family a out of line behind the writer's back: a pass over the whole library would
    # mend it, a batch that touches only family b must leave it.
    rec = lib.catalogue.by_path("a/2008.txt")
    assert rec is not None
    rec.meta.validity, rec.meta.replaced_by = "有效", ""
    with lib.catalogue.conn:
        lib.catalogue.conn.execute("UPDATE documents SET meta = ? WHERE id = ?",
                                   (json.dumps(rec.meta.to_dict(), ensure_ascii=False), rec.id))
    add_docs(lib, [dict(path="b/低保2016.txt", title="城乡低保救助标准", issuer="威海市民政局",
                        publish_date="2016-01-01", body="再次提高城乡居民最低生活保障标准。")])
    assert _validity(lib, "b/低保.txt") == ("已修订", "城乡低保救助标准")
    assert _validity(lib, "a/2008.txt") == ("有效", "")  # untouched family: not read, not changed
    add_docs(lib, [_version("a/2019.txt", "2019-01-01", "威政发〔2019〕1号")])
    assert _validity(lib, "a/2008.txt") == ("已修订", "威海市停车管理办法（威政发〔2019〕1号）")
    assert _validity(lib, "a/2013.txt") == ("已修订", "威海市停车管理办法（威政发〔2019〕1号）")


def test_a_retitled_document_leaves_its_old_family(make_library) -> None:
    lib = make_library([_version("a/2008.txt", "2008-05-04", "威政发〔2008〕21号"),
                        _version("a/2013.txt", "2013-02-19", "威政发〔2013〕8号")])
    assert _validity(lib, "a/2008.txt")[0] == "已修订"
    newest = lib.catalogue.by_path("a/2013.txt")
    assert newest is not None
    newest.meta.title = "威海市公共停车场管理办法"  # a corrected sidecar: now another document
    with lib.writer() as w:
        w.update_meta(newest.id, newest.meta)
    assert _validity(lib, "a/2008.txt") == ("有效", "")


def test_paths_under_a_folder_are_the_documents_below_it_only(make_library) -> None:
    lib = make_library([dict(path=p, title=f"文件{i}", body="正文。")
                        for i, p in enumerate(["a/b/x.txt", "a/bc/y.txt", "a/b.txt", "a/b/c/d.txt", "z.txt"])])
    assert sorted(lib.catalogue.paths_under("a/b")) == ["a/b/c/d.txt", "a/b/x.txt"]
    assert sorted(lib.catalogue.paths_under("a/b/")) == ["a/b/c/d.txt", "a/b/x.txt"]
    assert len(lib.catalogue.paths_under("")) == 5
