"""Search over a library's index: one ``SearchEngine`` per open index.

The public face is small: ``SearchEngine`` (searcher, vocabulary, facet arrays, caches,
refresh), the query parser for tools and tests, and ``strip_marks`` for plain-text output.
The modules behind it are private: ``_query`` (a visitor's words to Whoosh queries),
``_ranking`` (weights, tiers), ``_facets`` (counts without scoring), ``_snippets``,
``_titles`` (title matches from the catalogue while the index is rebuilt).
The schema and the analyzers live in ``index.whoosh_index`` and ``index.analysis``,
shared with the writer.
"""

from __future__ import annotations

from index.search._engine import SearchEngine
from index.search._query import (
    UNKNOWN_YEAR,
    ParsedQuery,
    build_query,
    filter_query,
    parse_query,
    restrict,
)
from index.search._snippets import make_snippet, strip_marks
from index.search._titles import title_search

__all__ = [
    "UNKNOWN_YEAR",
    "ParsedQuery",
    "SearchEngine",
    "build_query",
    "filter_query",
    "make_snippet",
    "parse_query",
    "restrict",
    "strip_marks",
    "title_search",
]
