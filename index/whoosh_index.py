"""The Whoosh index of a library: schema, opening, and turning catalogue records into index documents.

Only public documents are indexed (pending ones never reach visitors). A gazette
issue becomes one index document for the issue (its cover and contents) and one per
item of its contents (that item's pages), so a hit on an item opens the issue at
its page.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from whoosh import index as wi
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Frequency
from whoosh.system import pack_uint

from index.analysis import NgramAnalyzer, WordAnalyzer, gram_counts
from index.errors import IndexCorrupt
from index.models import CURRENT_VALIDITY, DocumentRecord
from index.normalize import normalize

log = logging.getLogger(__name__)

INDEX_NAME = "main"
FACET_FIELDS = ("kind", "year", "issuer", "topic", "validity")


class BigramText(TEXT):
    """The body: character bigrams with frequencies, counted in one pass in C (``gram_counts``).

    Indexes exactly what ``TEXT(analyzer=NgramAnalyzer(), phrase=False)`` indexes (same
    terms, frequencies, weights), without a Token per bigram; queries are unchanged."""

    def index(self, value: Any, **kwargs: Any) -> Generator[tuple[bytes, int, float | int, bytes], Any, None]:
        if not isinstance(value, str) or type(self.format) is not Frequency:
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        for gram, freq in gram_counts(value).items():
            yield gram.encode("utf-8"), freq, freq * boost, pack_uint(freq)


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        unit=ID(stored=True),
        page=STORED(),
        title=TEXT(analyzer=NgramAnalyzer(unigrams=True), phrase=True, stored=True),
        title_words=TEXT(analyzer=WordAnalyzer(), phrase=False),
        title_exact=ID(),
        meta=TEXT(analyzer=NgramAnalyzer(unigrams=True), phrase=True),
        body=BigramText(analyzer=NgramAnalyzer(unigrams=False), phrase=False),
        dn_key=TEXT(analyzer=_keys_analyzer(), phrase=False),
        kind=ID(stored=True, sortable=True),
        validity=ID(stored=True, sortable=True),
        issuer=ID(stored=True, sortable=True),
        topic=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        doc_number=STORED(),
        source_path=STORED(),
        replaced_by=STORED(),
    )


def _keys_analyzer() -> Any:
    from whoosh.analysis import SpaceSeparatedTokenizer

    return SpaceSeparatedTokenizer()


_EXACT_DROP = re.compile(r"[\s《》<>“”\"'()（）〔〕\[\]【】、，,。.:：;；!！?？·-]+")


def exact_key(text: str) -> str:
    """A title or query reduced to its characters, for exact-title matching."""
    return _EXACT_DROP.sub("", normalize(text))


def open_index(path: Path, *, create: bool = False) -> wi.Index:
    """Open the index in ``path``; with ``create``, make an empty one when missing.

    A damaged index raises ``IndexCorrupt`` (the sync rebuilds it from the catalogue).
    """
    try:
        if wi.exists_in(str(path), indexname=INDEX_NAME):
            return wi.open_dir(str(path), indexname=INDEX_NAME)
    except Exception as exc:  # whoosh raises many kinds on damaged files
        raise IndexCorrupt(f"index at {path} cannot be opened: {exc}") from exc
    if not create:
        raise IndexCorrupt(f"no index at {path}")
    path.mkdir(parents=True, exist_ok=True)
    return FileStorage(str(path)).create_index(make_schema(), indexname=INDEX_NAME)


def reset_index(path: Path) -> wi.Index:
    if path.exists():
        shutil.rmtree(path)
    return open_index(path, create=True)


def card_fields(rec: DocumentRecord) -> dict[str, Any]:
    """What a result card shows of a record, stored with each of its index documents."""
    m = rec.meta
    return {
        "doc_id": rec.id,
        "kind": m.kind,
        "validity": m.validity,
        "issuer": m.issuer,
        "topic": m.topic,
        "year": str(m.year or ""),
        "date": m.date,
        "doc_number": m.doc_number or m.order_number,  # the card shows the decree number of a law
        "source_path": rec.source_path,
        "replaced_by": m.replaced_by,
    }


def index_documents(rec: DocumentRecord, pages: list[str]) -> Iterator[dict[str, Any]]:
    """The index documents of one public catalogue record."""
    from index.docnumber import (
        doc_number_match_keys,
        order_keys,
        parse_doc_number,
        parse_order_number,
    )

    m = rec.meta
    dn = parse_doc_number(m.doc_number) if m.doc_number else None
    # A decree number (令) is found by its own keys, from order_number or a 文号 that is one.
    order = parse_order_number(m.order_number or m.doc_number)
    dn_keys = (doc_number_match_keys(dn) if dn else []) + (order_keys(order) if order else [])
    common = card_fields(rec)
    meta_text = " ".join([m.issuer, m.topic, " ".join(m.keywords), m.doc_number, m.index_number])
    items = sorted(m.contents, key=lambda it: it.page) if m.contents else []
    first_item_page = items[0].page if items else len(pages) + 1
    issue_body = "\n".join(pages[: max(first_item_page - 1, 0)]) if items else "\n".join(pages)
    yield {
        **common,
        "id": rec.id,
        "unit": "doc",
        "page": 1,
        "title": m.title,
        "title_words": m.title,
        "title_exact": exact_key(m.title),
        "meta": meta_text + " " + " ".join(it.title for it in items),
        "body": issue_body,
        "dn_key": " ".join(dn_keys),
    }
    for n, item in enumerate(items):
        end = items[n + 1].page - 1 if n + 1 < len(items) else len(pages)
        item_dn = parse_doc_number(item.doc_number) if item.doc_number else None
        yield {
            **common,
            "id": f"{rec.id}#{item.page}",
            "unit": "item",
            "page": item.page,
            "title": item.title,
            "title_words": item.title,
            "title_exact": exact_key(item.title),
            "meta": meta_text,
            "body": "\n".join(pages[item.page - 1 : max(end, item.page)]),
            "dn_key": " ".join(doc_number_match_keys(item_dn)) if item_dn else "",
            "doc_number": item.doc_number,
        }


def is_current(validity: str) -> bool:
    return validity == CURRENT_VALIDITY


class DamagedColumn(ValueError):
    """A column holds fewer values than its segment has documents (a column file cut short)."""
