"""Facet counts without scoring (private).

The engine lists the matching documents unscored (``SearchEngine.docs``), and each facet value is read from a per-document array made once per searcher from the
sortable columns, instead of Whoosh's grouped search (which scores nothing either, but
builds a categoriser and a list of documents per value, and went through ``filter=``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from index.models import Hit
from index.whoosh_index import FACET_FIELDS, DamagedColumn

_EMPTY = (None, "", b"")


class FacetArrays:
    """For one searcher: every document's value of each facet field, by document number."""

    def __init__(self, searcher: Any) -> None:
        # Segment by segment: a segment whose column file is gone reads as empty values
        # (Whoosh's MultiReader would leave that segment out and shift every later document).
        self.values: dict[str, list[Any]] = {name: [] for name in FACET_FIELDS}
        for leaf, _base in searcher.reader().leaf_readers():
            n = leaf.doc_count_all()
            for name, values in self.values.items():
                col = list(leaf.column_reader(name, translate=True)) if leaf.has_column(name) else []
                if len(col) != n:
                    if col:
                        raise DamagedColumn(f"column {name!r} holds {len(col)} values for {n} documents")
                    col = [None] * n
                values.extend(col)

    def count(self, docnums: list[int]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for name, values in self.values.items():
            counts = Counter(values[d] for d in docnums)
            cleaned = {str(k): n for k, n in counts.items() if k not in _EMPTY}
            out[name] = dict(sorted(cleaned.items(), key=lambda kv: (-kv[1], kv[0])))
        return out


def facets_of(hits: list[Hit]) -> dict[str, dict[str, int]]:
    """Counts per filter value over a short list of hits (a fallback's, when the query itself matched nothing)."""
    out: dict[str, dict[str, int]] = {"kind": {}, "year": {}, "issuer": {}, "topic": {}, "validity": {}}
    for hit in hits:
        values = {"kind": hit.kind, "year": hit.date[:4] if hit.date[:4].isdigit() else "", "issuer": hit.issuer,
                  "topic": hit.topic, "validity": hit.validity}
        for name, value in values.items():
            if value:
                out[name][value] = out[name].get(value, 0) + 1
    return {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for k, v in out.items()}
