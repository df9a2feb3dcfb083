"""Ranking: field weights, tiers (exact title, every word in the title), validity, date (private)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from whoosh import scoring

from index.normalize import normalize
from index.whoosh_index import exact_key, is_current

if TYPE_CHECKING:
    from index.search._query import ParsedQuery


@dataclass(frozen=True)
class Boosts:
    """How much a word counts in each field."""

    title: float
    title_word: float
    meta: float
    body: float


# Words typed to find a document: the title says what a document is.
WORD_BOOSTS = Boosts(title=8.0, title_word=4.0, meta=3.0, body=1.0)
BOOST_TITLE, BOOST_TITLE_WORD = WORD_BOOSTS.title, WORD_BOOSTS.title_word
BOOST_RUN = 16.0  # the words as typed, in one run, in the body (see _query.build_query)
# A question in plain words (more than two content words) names its subject, rarely the law's
# title: the 民法典's parts are titled by their 编, and a title word such as 个体工商户 pulled
# the 个体工商户条例 above the code that answers. The body decides; a long law is not held
# down by its length (body_B), and a word repeated in its articles counts for more (K1).
# Measured on STARD's dev questions over lawrefbook (benchmarks/relevance.py): success@10
# 0.42 with the word boosts and default BM25F, 0.7 with these.
QUESTION_BOOSTS = Boosts(title=0.5, title_word=0.25, meta=0.5, body=1.0)
QUESTION_WEIGHTING = scoring.BM25F(K1=2.0, body_B=0.1)
RERANK_DEPTH = 60
REPEALED_FACTOR = 0.85


def rank_key(pq: ParsedQuery, fields: dict[str, Any], score: float) -> tuple[Any, ...]:
    """Exact 文号 or title first; title matches above body-only; current above repealed; newer first."""
    title_n = normalize(fields.get("title", ""))
    tier = 0
    if pq.doc_number is not None or pq.order_number is not None or (pq.words and exact_key(fields.get("title", "")) == exact_key(pq.typed)):
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
