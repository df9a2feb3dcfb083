"""Queries over a library's index: parsing a visitor's words, ranking, facets, snippets,
suggestions. Pure functions over a Whoosh searcher and the catalogue; ``Library`` wires them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as Q
from whoosh import sorting

from index.analysis import query_grams, query_words
from index.models import Filters, Hit
from index.normalize import LATIN_QUERY, clean_query, has_cjk, normalize
from index.vocab import Vocabulary
from index.whoosh_index import FACET_FIELDS, exact_key, is_current

# Field weights: a title match outranks an issuer/topic match, which outranks the body.
BOOST_TITLE = 8.0
BOOST_TITLE_WORD = 4.0
BOOST_META = 3.0
BOOST_BODY = 1.0
RERANK_DEPTH = 60
REPEALED_FACTOR = 0.85


@dataclass
class ParsedQuery:
    """A visitor's query, understood."""

    text: str  # normalised, blanks collapsed
    words: list[str] = field(default_factory=list)  # Chinese words / Latin and digit runs
    doc_number: Any = None  # index.docnumber.DocNumber when the query is a 文号
    from_pinyin: bool = False  # words came from Latin letters via the vocabulary

    @property
    def display_terms(self) -> list[str]:
        return [w for w in self.words if w]


def parse_query(raw: str, vocab: Vocabulary) -> ParsedQuery:
    from index.docnumber import looks_like_doc_number, parse_doc_number

    text = clean_query(raw)
    pq = ParsedQuery(text=text)
    if not text:
        return pq
    if looks_like_doc_number(text):
        pq.doc_number = parse_doc_number(text)
    if LATIN_QUERY.match(text) and not pq.doc_number:
        words = vocab.segment(text)
        if words:
            pq.words, pq.from_pinyin = words, True
            return pq
    words: list[str] = []
    for n, part in enumerate(_QUOTES.split(text)):
        if n % 2:  # inside quotes: one phrase, as typed
            words.extend(p for p in part.split() if p)
        else:
            words.extend(_merge_singles(query_words(part)))
    pq.words = words
    return pq


_QUOTES = re.compile(r'["“”「」『』]')


def _merge_singles(words: list[str]) -> list[str]:
    """Glue single CJK characters to a neighbour: they were contiguous in the query."""
    out: list[str] = []
    for w in words:
        if (len(w) == 1 and has_cjk(w) and out and has_cjk(out[-1])) or (out and len(out[-1]) == 1 and has_cjk(out[-1]) and has_cjk(w)):
            out[-1] += w
        else:
            out.append(w)
    return out


def _phrase(fieldname: str, word: str, boost: float) -> Q.Query:
    grams = query_grams(word)
    if len(grams) == 1:
        return Q.Term(fieldname, grams[0], boost=boost)
    if fieldname == "body":
        # The body keeps no positions (a third of the build time): all its bigrams must
        # occur, and the library checks the phrase itself on the ranked hits.
        return Q.And([Q.Term(fieldname, g) for g in dict.fromkeys(grams)], boost=boost)
    return Q.Phrase(fieldname, grams, boost=boost)


def word_query(word: str) -> Q.Query:
    """One query word against every text field."""
    if len(word) == 1 and has_cjk(word):
        # Single characters are indexed (as unigrams) in the short fields only.
        return Q.Or([Q.Term("title", word, boost=BOOST_TITLE), Q.Term("meta", word, boost=BOOST_META)])
    parts = [
        _phrase("title", word, BOOST_TITLE),
        _phrase("meta", word, BOOST_META),
        _phrase("body", word, BOOST_BODY),
    ]
    if has_cjk(word):
        parts.append(Q.Term("title_words", word, boost=BOOST_TITLE_WORD))
    return Q.Or(parts)


def doc_number_query(dn: Any) -> Q.Query:
    """Year and sequence must match; the query's issuer code must be the document's code or a suffix of it."""
    from index.docnumber import query_doc_number_key

    return Q.Term("dn_key", query_doc_number_key(dn), boost=50.0)


def build_query(pq: ParsedQuery) -> Q.Query | None:
    if pq.doc_number is not None:
        return doc_number_query(pq.doc_number)
    if not pq.words:
        return None
    main: Q.Query = Q.And([word_query(w) for w in pq.words])
    exact = Q.Term("title_exact", exact_key(pq.text if not pq.from_pinyin else "".join(pq.words)), boost=100.0)
    return Q.Or([main, Q.And([exact, main])])


def filter_query(filters: Filters | None) -> Q.Query | None:
    if filters is None:
        return None
    terms: list[Q.Query] = []
    for name in ("kind", "issuer", "topic", "validity"):
        value = getattr(filters, name)
        if value:
            terms.append(Q.Term(name, value))
    if filters.year:
        terms.append(Q.Term("year", str(filters.year)))
    if filters.valid_only:
        terms.append(Q.Term("validity", "有效"))
    return Q.And(terms) if terms else None


def facet_counts(searcher: Any, q: Q.Query, flt: Q.Query | None) -> dict[str, dict[str, int]]:
    """Counts per value of each facet field over all matches of ``q`` (documents only, not gazette items)."""
    doc_only = Q.And([q, Q.Term("unit", "doc")]) if not isinstance(q, Q.Every) else Q.Term("unit", "doc")
    facets = {name: sorting.FieldFacet(name, allow_overlap=False) for name in FACET_FIELDS}
    results = searcher.search(doc_only, filter=flt, limit=None, groupedby=facets, scored=False, terms=False)
    out: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS:
        groups = results.groups(name)
        counts = {str(k): len(v) for k, v in groups.items() if k not in (None, "", b"")}
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def rank_key(pq: ParsedQuery, fields: dict[str, Any], score: float) -> tuple[Any, ...]:
    """Exact 文号 or title first; title matches above body-only; current above repealed; newer first."""
    title_n = normalize(fields.get("title", ""))
    tier = 0
    if pq.doc_number is not None or (pq.words and exact_key(fields.get("title", "")) == exact_key("".join(pq.words) if pq.from_pinyin else pq.text)):
        tier = 3
    elif pq.words and all(w in title_n for w in pq.words):
        tier = 2
    factor = 1.0 if is_current(fields.get("validity", "")) else REPEALED_FACTOR
    digits = "".join(ch for ch in str(fields.get("date", "")) if ch.isdigit())[:8]
    return (-tier, -round(score * factor, 3), -int(digits) if digits else 0)


_MARK = re.compile(r"<mark>|</mark>")


def make_snippet(pages: list[str], terms: list[str], width: int = 90) -> str:
    """A passage around the first matched word, matched words wrapped in <mark>…</mark> (HTML-escaped)."""
    text = " ".join(" ".join(pages).split()) if pages else ""
    if not text:
        return ""
    norm = normalize(text)
    terms = sorted({normalize(t) for t in terms if t}, key=len, reverse=True)
    first = min((i for i in (norm.find(t) for t in terms) if i >= 0), default=-1)
    start = max(first - width // 3, 0) if first >= 0 else 0
    end = min(start + width, len(text))
    piece, npiece = text[start:end], norm[start:end]
    spans: list[tuple[int, int]] = []
    for t in terms:
        i = npiece.find(t)
        while i >= 0:
            if not any(a < i + len(t) and i < b for a, b in spans):
                spans.append((i, i + len(t)))
            i = npiece.find(t, i + len(t))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:  # words that touch are one marked run (最低生活保障, not 最低|生活|保障)
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    spans = merged
    out, pos = [], 0
    for a, b in spans:
        out.append(html.escape(piece[pos:a]))
        out.append(f"<mark>{html.escape(piece[a:b])}</mark>")
        pos = b
    out.append(html.escape(piece[pos:]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + "".join(out) + suffix


def strip_marks(snippet: str) -> str:
    return html.unescape(_MARK.sub("", snippet))


def hit_from_fields(fields: dict[str, Any], score: float, snippet: str, terms: list[str]) -> Hit:
    return Hit(
        id=fields["id"],
        title=fields.get("title", ""),
        kind=fields.get("kind", ""),
        doc_number=fields.get("doc_number", ""),
        issuer=fields.get("issuer", ""),
        date=fields.get("date", ""),
        validity=fields.get("validity", ""),
        source_path=fields.get("source_path", ""),
        score=round(float(score), 4),
        snippet=snippet,
        doc_id=fields.get("doc_id", fields["id"]),
        page=int(fields.get("page") or 1),
        replaced_by=fields.get("replaced_by", ""),
        topic=fields.get("topic", ""),
        matched_terms=terms,
    )


def fuzzy_title_query(text: str) -> Q.Query | None:
    """Titles sharing most bigrams with ``text``: one wrong character spoils at most two bigrams."""
    chars = "".join(ch for ch in normalize(text) if has_cjk(ch))
    if len(chars) < 4:
        return None
    grams = sorted({chars[i : i + 2] for i in range(len(chars) - 1)})
    need = max(1, len(grams) - 2)
    return Q.Or([Q.Term("title", g) for g in grams], minmatch=need)


def similarity(query: str, title: str) -> float:
    """How closely ``query`` matches (part of) ``title``, 0..100; a query longer than the title scores 0."""
    from rapidfuzz import fuzz

    q, t = exact_key(query), exact_key(title)
    if len(q) > len(t):
        return 0.0
    return float(fuzz.partial_ratio(q, t))


TextLookup = Callable[[str], list[str]]
