"""Search from the catalogue alone, while the index is damaged and being rebuilt (private).

No ranking and no body text: public documents whose title, 文号 or decree number holds every
word typed, newest first. The app shows them with a line that full search is being restored.
"""

from __future__ import annotations

from index.catalogue import Catalogue
from index.models import STATE_PUBLIC, DocumentMeta, Filters, Hit, SearchResult
from index.normalize import normalize
from index.search._facets import facets_of
from index.search._snippets import hit_from_fields
from index.whoosh_index import card_fields, is_current


def _passes(meta: DocumentMeta, f: Filters | None) -> bool:
    if f is None:
        return True
    wanted = {"kind": f.kind, "issuer": f.issuer, "topic": f.topic, "validity": f.validity}
    if any(value and getattr(meta, name) != value for name, value in wanted.items()):
        return False
    if f.valid_only and not is_current(meta.validity):
        return False
    return f.year is None or (meta.year or 0) == f.year


def title_search(catalogue: Catalogue, query: str, filters: Filters | None = None, *, limit: int = 20,
                 offset: int = 0, with_facets: bool = True) -> SearchResult:
    words = [normalize(w) for w in query.split()]
    found: list[Hit] = []
    for rec in catalogue.iter_documents(STATE_PUBLIC):
        m = rec.meta
        head = normalize(" ".join((m.title, m.doc_number, m.order_number)))
        if _passes(m, filters) and all(w in head for w in words):
            found.append(hit_from_fields({**card_fields(rec), "id": rec.id, "title": m.title}, 0.0, ""))
    found.sort(key=lambda h: h.date, reverse=True)
    return SearchResult(query=query, total=len(found), hits=found[offset : offset + limit],
                        facets=facets_of(found) if with_facets else {}, suggestions=[], restoring=True)
