"""Queries over a library's index: parsing a visitor's words, ranking, facets, snippets,
suggestions. Pure functions over a Whoosh searcher and the catalogue; ``Library`` wires them.
"""

from __future__ import annotations

import html
import re
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


class Or(Q.Or):
    """A union that walks its matchers in step. Whoosh's default for indexes under 5,000
    documents preloads a 2,048-slot score array per clause and segment, which made a
    query on a 60-document library take 200 ms."""

    matcher_type = Q.Or.DEFAULT_MATCHER


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
        segmented = vocab.segment(text)
        if segmented:
            pq.words, pq.from_pinyin = segmented, True
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
    # All the word's bigrams must occur; the library then checks the run of characters
    # itself on the ranked hits (Library._has_phrases). Whoosh's positional phrase
    # matching cost seconds on common words at 10,000 documents, and the body keeps
    # no positions at all (a third of the build time).
    return Q.And([Q.Term(fieldname, g) for g in dict.fromkeys(grams)], boost=boost)


def word_query(word: str) -> Q.Query:
    """One query word against every text field."""
    if len(word) == 1 and has_cjk(word):
        # Single characters are indexed (as unigrams) in the short fields only.
        return Or([Q.Term("title", word, boost=BOOST_TITLE), Q.Term("meta", word, boost=BOOST_META)])
    parts = [
        _phrase("title", word, BOOST_TITLE),
        _phrase("meta", word, BOOST_META),
        _phrase("body", word, BOOST_BODY),
    ]
    if has_cjk(word):
        parts.append(Q.Term("title_words", word, boost=BOOST_TITLE_WORD))
    return Or(parts)


# Words that carry the shape of a question, not its subject.
QUESTION_WORDS = frozenset(["如何", "怎么", "怎样", "怎么办", "什么", "为什么", "哪些", "哪个", "是否", "能否", "可以", "可不可以", "需要", "应该", "应当", "有没有", "有关", "规定", "问题", "情况", "我们", "我的", "自己", "他人", "别人", "对方", "一方", "属于", "算不算", "还是", "或者", "以及", "这种", "那么", "因为", "所以", "但是", "如果", "是不是"])


def loose_query(pq: ParsedQuery) -> Q.Query:
    """Documents with some of the words, the more the better (a question in plain words)."""
    words = [w for w in dict.fromkeys(pq.words) if len(w) >= 2 and w not in QUESTION_WORDS] or pq.words
    return Or([word_query(w) for w in words])


def title_query(pq: ParsedQuery) -> Q.Query | None:
    """Every word in the title: the documents that rank first (Library's fast path)."""
    if pq.doc_number is not None or not pq.words:
        return None
    parts: list[Q.Query] = []
    for w in pq.words:
        if len(w) == 1 and has_cjk(w):
            parts.append(Q.Term("title", w, boost=BOOST_TITLE))
        elif has_cjk(w):
            parts.append(Or([_phrase("title", w, BOOST_TITLE), Q.Term("title_words", w, boost=BOOST_TITLE_WORD)]))
        else:
            parts.append(_phrase("title", w, BOOST_TITLE))
    return Q.And(parts)


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
    return Q.AndMaybe(main, exact)


UNKNOWN_YEAR = 0  # Filters(year=0): the documents whose date is not known


def filter_query(filters: Filters | None) -> Q.Query | None:
    if filters is None:
        return None
    terms: list[Q.Query] = []
    for name in ("kind", "issuer", "topic", "validity"):
        value = getattr(filters, name)
        if value:
            terms.append(Q.Term(name, value))
    if filters.year == UNKNOWN_YEAR:  # documents without a date (browse by year: 日期不详)
        terms.append(Q.Or([Q.Term("year", ""), Q.Not(Q.Every("year"))]))  # indexed as "" (or absent)
    elif filters.year:
        terms.append(Q.Term("year", str(filters.year)))
    if filters.valid_only:
        terms.append(Q.Term("validity", "有效"))
    return Q.And(terms) if terms else None


def count_and_facets(searcher: Any, q: Q.Query, flt: Q.Query | None,
                     with_facets: bool = True) -> tuple[int, dict[str, dict[str, int]]]:
    """One unscored pass over all matches: their number and the counts per facet value."""
    facets = {name: sorting.FieldFacet(name, allow_overlap=False) for name in FACET_FIELDS} if with_facets else None
    results = searcher.search(q, filter=flt, limit=None, groupedby=facets, scored=False, terms=False)
    out: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS if with_facets else ():
        groups = results.groups(name)
        counts = {str(k): len(v) for k, v in groups.items() if k not in (None, "", b"")}
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return len(results), out


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
    terms = sorted({normalize(t) for t in terms if t}, key=len, reverse=True)
    # Normalising a whole document is the slow part: look in the text as it is first.
    first = min((i for i in (text.find(t) for t in terms) if i >= 0), default=-1)
    norm = text
    if first < 0 and terms:
        norm = normalize(text)
        first = min((i for i in (norm.find(t) for t in terms) if i >= 0), default=-1)
    start = max(first - width // 3, 0) if first >= 0 else 0
    end = min(start + width, len(text))
    piece = text[start:end]
    npiece = normalize(piece)
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
    return Or([Q.Term("title", g) for g in grams], minmatch=need)


def similarity(query: str, title: str) -> float:
    """How closely ``query`` matches (part of) ``title``, 0..100; a query longer than the title scores 0."""
    from rapidfuzz import fuzz

    q, t = exact_key(query), exact_key(title)
    if len(q) > len(t):
        return 0.0
    return float(fuzz.partial_ratio(q, t))

