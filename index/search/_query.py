"""A visitor's words understood and turned into Whoosh queries (private: see ``index.search``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as Q

from index.analysis import query_grams, query_words
from index.bounds import keep_terms
from index.docnumber import DocNumber, OrderNumber
from index.models import CURRENT_VALIDITY, Filters
from index.normalize import LATIN_QUERY, clean_query, has_cjk, normalize
from index.search._ranking import (
    BOOST_RUN,
    BOOST_TITLE,
    BOOST_TITLE_WORD,
    QUESTION_BOOSTS,
    WORD_BOOSTS,
    Boosts,
)
from index.vocab import Vocabulary
from index.whoosh_index import exact_key


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
    doc_number: DocNumber | None = None  # when the query is a 文号
    order_number: OrderNumber | None = None  # when the query is a decree number (令)
    from_pinyin: bool = False  # words came from Latin letters via the vocabulary

    @property
    def typed(self) -> str:
        """What the visitor meant as text: the words picked for Latin letters, else the text."""
        return "".join(self.words) if self.from_pinyin else self.text

    @property
    def display_terms(self) -> list[str]:
        return [w for w in self.words if w]


def parse_query(raw: str, vocab: Vocabulary, issuers: dict[str, str] | None = None) -> ParsedQuery:
    """``issuers``: staff's short names of decree issuers (setting ``search.order_issuers``)."""
    from index.docnumber import looks_like_doc_number, looks_like_order_number, parse_doc_number

    text = clean_query(raw)
    pq = ParsedQuery(text=text)
    if not text:
        return pq
    pq.order_number = looks_like_order_number(text, issuers)
    if looks_like_doc_number(text):
        pq.doc_number = parse_doc_number(text)
    if pq.order_number is not None and pq.doc_number is None:
        return pq
    if LATIN_QUERY.match(text) and not pq.doc_number:
        segmented = vocab.segment(text)
        if segmented:
            pq.words, pq.from_pinyin = keep_terms(segmented), True
            return pq
    words: list[str] = []
    for n, part in enumerate(_QUOTES.split(text)):
        if n % 2:  # inside quotes: one phrase, as typed
            words.extend(p for p in part.split() if p)
        else:
            words.extend(_merge_singles(query_words(part)))
    pq.words = keep_terms(words)
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


def _all_grams(fieldname: str, grams: list[str], boost: float) -> Q.Query:
    """Every one of ``grams`` in the field (one gram is a plain term: Whoosh drops the boost of
    an ``And`` of one when it simplifies it)."""
    if len(grams) == 1:
        return Q.Term(fieldname, grams[0], boost=boost)
    return Q.And([Q.Term(fieldname, g) for g in dict.fromkeys(grams)], boost=boost)


def _phrase(fieldname: str, word: str, boost: float) -> Q.Query:
    # All the word's bigrams must occur; the library then checks the run of characters
    # itself on the ranked hits (Library._has_phrases). Whoosh's positional phrase
    # matching cost seconds on common words at 10,000 documents, and the body keeps
    # no positions at all (a third of the build time).
    return _all_grams(fieldname, query_grams(word), boost)


def word_query(word: str, boosts: Boosts = WORD_BOOSTS) -> Q.Query:
    """One query word against every text field."""
    if len(word) == 1 and has_cjk(word):
        # Single characters are indexed (as unigrams) in the short fields only.
        return Or([Q.Term("title", word, boost=boosts.title), Q.Term("meta", word, boost=boosts.meta)])
    parts = [
        _phrase("title", word, boosts.title),
        _phrase("meta", word, boosts.meta),
        _phrase("body", word, boosts.body),
    ]
    if has_cjk(word):
        parts.append(Q.Term("title_words", word, boost=boosts.title_word))
    return Or(parts)


# Words that carry the shape of a question, not its subject.
QUESTION_WORDS = frozenset(["如何", "怎么", "怎样", "怎么办", "什么", "为什么", "哪些", "哪个", "是否", "能否", "可以", "可不可以", "需要", "应该", "应当", "有没有", "有关", "规定", "问题", "情况", "我们", "我的", "自己", "他人", "别人", "对方", "一方", "属于", "算不算", "还是", "或者", "以及", "这种", "那么", "因为", "所以", "但是", "如果", "是不是"])


# More words that carry no subject: asking, wanting, quantities, time, people in general.
QUESTION_WORDS_MORE = frozenset(["请问", "咨询", "想问", "想要", "想知道", "知道", "怎么样", "多少", "多久", "几个", "哪里",
                                 "哪儿", "谁", "吗", "呢", "吧", "的话", "一下", "现在", "已经", "这个", "那个", "这样",
                                 "怎么处理", "合法", "违法吗", "能不能", "会不会", "要不要", "时候", "什么样", "一个", "没有",
                                 "不是", "就是", "还有", "而且", "然后", "之后", "之前", "时间", "要求", "相关", "依法",
                                 "办理", "手续", "什么手续", "怎么办理", "需要什么"])
QUESTION_MIN_WORDS = 3  # more than two content words: a question in plain words (rank by any of them)


def content_words(pq: ParsedQuery) -> list[str]:
    """The words of a query that carry its subject: question words, particles and single characters dropped."""
    if pq.doc_number is not None or pq.order_number is not None:
        return []
    if pq.from_pinyin:
        return list(dict.fromkeys(pq.words))
    out: list[str] = []
    for w in query_words(pq.text):
        if len(w) < 2 or w in QUESTION_WORDS or w in QUESTION_WORDS_MORE or w in out:
            continue
        out.append(w)
    return keep_terms(out)


def any_words_query(words: list[str]) -> Q.Query:
    """Documents with any of ``words`` (a question), scored by BM25F over the fields with the
    question's boosts (the body decides, see ``QUESTION_BOOSTS``)."""
    return Or([word_query(w, QUESTION_BOOSTS) for w in words])


def all_words_query(words: list[str]) -> Q.Query:
    return Q.And([word_query(w) for w in words])


def loose_query(pq: ParsedQuery) -> Q.Query:
    """Documents with some of the words, the more the better (a question in plain words)."""
    words = [w for w in dict.fromkeys(pq.words) if len(w) >= 2 and w not in QUESTION_WORDS] or pq.words
    return Or([word_query(w) for w in words])


def title_query(pq: ParsedQuery) -> Q.Query | None:
    """Every word in the title: the documents that rank first (Library's fast path)."""
    if pq.doc_number is not None or pq.order_number is not None or not pq.words:
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


def doc_number_query(dn: DocNumber) -> Q.Query:
    """Year and sequence must match; the query's issuer code must be the document's code or a suffix of it."""
    from index.docnumber import query_doc_number_key

    return Q.Term("dn_key", query_doc_number_key(dn), boost=50.0)


def order_number_query(on: OrderNumber) -> Q.Query:
    from index.docnumber import query_order_key

    return Q.Term("dn_key", query_order_key(on), boost=50.0)


def build_query(pq: ParsedQuery) -> Q.Query | None:
    if pq.order_number is not None and pq.doc_number is not None:  # 国务院令第735号 parses as both
        return Or([doc_number_query(pq.doc_number), order_number_query(pq.order_number)])
    if pq.order_number is not None:
        return order_number_query(pq.order_number)
    if pq.doc_number is not None:
        return doc_number_query(pq.doc_number)
    if not pq.words:
        return None
    main: Q.Query = Q.And([word_query(w) for w in pq.words])
    exact = Q.Term("title_exact", exact_key(pq.typed), boost=100.0)
    run = typed_run(pq)
    bridges = [g for g in dict.fromkeys(query_grams(run)) if not any(g in w for w in pq.words)] if run else []
    if not bridges:
        return Q.AndMaybe(main, exact)
    # Words typed as one run (信息公开, split by jieba into 信息 + 公开): documents that hold the
    # run itself, not only its words apart, score more. The main query already asks for each
    # word's bigrams; what the run adds are the bigrams across the joins (息公), so only those.
    joined = [_all_grams("title", bridges, BOOST_TITLE), _all_grams("body", bridges, BOOST_RUN)]
    return Q.AndMaybe(main, Or([exact, *joined]))


RUN_MAX_CHARS = 12  # a longer run is a sentence: its words count, not the run (and the query stays bounded)


def typed_run(pq: ParsedQuery) -> str | None:
    """The query as one run of Chinese characters when it was typed (or tapped) as one and
    holds several words; None otherwise."""
    text = pq.typed
    if len(pq.words) < 2 or " " in text or not 3 <= len(text) <= RUN_MAX_CHARS or not all(has_cjk(ch) for ch in text):
        return None
    return text


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
        terms.append(Q.Term("validity", CURRENT_VALIDITY))
    return Q.And(terms) if terms else None


def restrict(q: Q.Query, flt: Q.Query | None) -> Q.Query:
    """``q`` limited to documents matching ``flt``, scored as ``q`` alone.

    Whoosh's ``filter=`` goes through ``FilterCollector``, which tests ``bool(BitSet)`` per
    match (a scan of the whole set each time: seconds on a filtered common word). A
    ``Require`` matcher skips to the filter's documents instead and keeps ``q``'s scores.
    Searches with it must pass ``optimize=False``: whoosh3 3.54 raises ``AssertionError``
    in ``IntersectionMatcher._find_next`` for ``Require`` with block quality on.
    """
    return q if flt is None else Q.Require(q, flt)


def fuzzy_title_query(text: str) -> Q.Query | None:
    """Titles sharing most bigrams with ``text``: one wrong character spoils at most two bigrams."""
    chars = "".join(ch for ch in normalize(text) if has_cjk(ch))
    if len(chars) < 4:
        return None
    grams = sorted({chars[i : i + 2] for i in range(len(chars) - 1)})
    need = max(1, len(grams) - 2)
    return Or([Q.Term("title", g) for g in grams], minmatch=need)
