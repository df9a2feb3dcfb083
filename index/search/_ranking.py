"""Ranking: field weights, tiers (exact title, every word in the title), validity, date (private)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from index.normalize import normalize
from index.whoosh_index import exact_key, is_current

if TYPE_CHECKING:
    from index.search._query import ParsedQuery

BOOST_TITLE = 8.0
BOOST_TITLE_WORD = 4.0
BOOST_META = 3.0
BOOST_BODY = 1.0
RERANK_DEPTH = 60
REPEALED_FACTOR = 0.85


def rank_key(pq: ParsedQuery, fields: dict[str, Any], score: float) -> tuple[Any, ...]:
    """Exact 文号 or title first; title matches above body-only; current above repealed; newer first."""
    title_n = normalize(fields.get("title", ""))
    tier = 0
    if pq.doc_number is not None or pq.order_number is not None or (pq.words and exact_key(fields.get("title", "")) == exact_key("".join(pq.words) if pq.from_pinyin else pq.text)):
        tier = 3
    elif pq.words and all(w in title_n for w in pq.words):
        tier = 2
    factor = 1.0 if is_current(fields.get("validity", "")) else REPEALED_FACTOR
    digits = "".join(ch for ch in str(fields.get("date", "")) if ch.isdigit())[:8]
    return (-tier, -round(score * factor, 3), -int(digits) if digits else 0)


def similarity(query: str, title: str) -> float:
    """How closely ``query`` matches (part of) ``title``, 0..100; a query longer than the title scores 0."""
    from rapidfuzz import fuzz

    q, t = exact_key(query), exact_key(title)
    if len(q) > len(t):
        return 0.0
    return float(fuzz.partial_ratio(q, t))
