"""``SearchEngine``: the search over one open index (private: see ``index.search``).

It owns the searcher, the vocabulary, the per-searcher facet arrays and the caches, and
refreshes them when the writer commits. The caller (``index.library.Library``) owns the
index's lifecycle and serialises calls with its lock.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import OrderedDict
from typing import Any

from whoosh import query as Q
from whoosh.collectors import TopCollector

from index.catalogue import Catalogue
from index.models import Filters, Hit, SearchResult
from index.normalize import has_cjk, normalize
from index.search import _facets as F
from index.search import _query as S
from index.search._arrays import PostingArrays, Unsupported
from index.search._facets import facets_of
from index.search._ranking import QUESTION_WEIGHTING, RERANK_DEPTH, rank_key, similarity
from index.search._snippets import hit_from_fields, make_snippet
from index.vocab import Vocabulary, word_pinyin

TEXT_CACHE_SIZE = 64
RESULT_CACHE_SIZE = 256
MAX_HOMOPHONE_CHARS = 30  # longer input is no title with a slip: no homophone search


class SearchEngine:
    """Search, facets, candidates and suggestions over one Whoosh index and the catalogue's vocabulary."""

    def __init__(self, ix: Any, catalogue: Catalogue, issuers: dict[str, str] | None = None) -> None:
        self._ix = ix
        self.issuers = dict(issuers or {})  # staff's short names of decree issuers
        self.catalogue = catalogue
        self.searcher = ix.searcher()
        self.generation = 0  # bumped whenever what a search sees may have changed
        self._catalogue_generation = catalogue.generation()
        self.vocab = Vocabulary(catalogue.vocab_rows())
        self._facet_arrays: F.FacetArrays | None = None
        self._postings: PostingArrays | None = None
        self._text_cache: OrderedDict[str, list[str]] = OrderedDict()
        self._results: OrderedDict[tuple[Any, ...], SearchResult] = OrderedDict()
        # First results of vocabulary words, computed ahead (``warm``): kept apart from the
        # recent searches so that warming never pushes a visitor's search out; dropped together.
        self._warm: dict[tuple[Any, ...], SearchResult] = {}

    def close(self) -> None:
        self.searcher.close()

    def refresh(self) -> bool:
        """Pick up the writer's commits; True when anything changed (the caches are then dropped)."""
        changed = False
        if not self.searcher.up_to_date():
            # Not Searcher.refresh(): it reuses segment readers by segment id and so keeps
            # showing documents deleted from an existing segment (seen with whoosh3 3.54).
            # A fresh searcher over uncompound segments opens in milliseconds.
            old, self.searcher = self.searcher, self._ix.searcher()
            old.close()
            self._facet_arrays = None
            self._postings = None
            changed = True
        generation = self.catalogue.generation()
        if generation != self._catalogue_generation:
            self._catalogue_generation = generation
            self.vocab = Vocabulary(self.catalogue.vocab_rows())
            self._text_cache.clear()
            changed = True
        if changed:
            self.generation += 1
            self._results.clear()
            self._warm.clear()
        return changed

    # -- documents' text ----------------------------------------------------------------
    def _pages(self, doc_id: str) -> list[str]:
        pages = self._text_cache.get(doc_id)
        if pages is None:
            rec = self.catalogue.get(doc_id)
            pages = self.catalogue.get_text(rec.checksum) if rec else []
            self._text_cache[doc_id] = pages
            if len(self._text_cache) > TEXT_CACHE_SIZE:
                self._text_cache.popitem(last=False)
        return pages

    def _hit(self, fields: dict[str, Any], score: float, terms: list[str]) -> Hit:
        pages = self._pages(fields.get("doc_id", fields["id"]))
        page = int(fields.get("page") or 1)
        if fields.get("unit") == "item" and pages:
            pages = pages[page - 1 : page + 1]
        return hit_from_fields(fields, score, make_snippet(pages, terms))

    # -- search -------------------------------------------------------------------------
    def _arrays(self) -> PostingArrays:
        if self._postings is None:
            self._postings = PostingArrays(self.searcher)
        return self._postings

    def _ranked(self, q: Q.Query, flt: Q.Query | None, limit: int, weighting: Any = None) -> Any:
        """The top ``limit`` of ``q`` within ``flt``, with ``len()`` the number of all matches.

        On posting arrays (``_arrays``: the same documents, order and total as Whoosh's
        matchers, without a Python call per posting); Whoosh for what they do not evaluate.
        """
        try:
            return self._arrays().top(S.restrict(q, flt), limit, weighting)
        except Unsupported:
            return self._whoosh_ranked(q, flt, limit, weighting)

    def _whoosh_ranked(self, q: Q.Query, flt: Q.Query | None, limit: int, weighting: Any = None) -> Any:
        """Whoosh's top ``limit`` of ``q`` within ``flt``; ``len()`` of the answer is exact and free.

        No block-max (``usequality=False``): it skipped almost nothing on these queries (each
        word is an OR over fields of ANDs of bigrams) and cost more than it saved; without it
        the collector counts every match as it goes, so ``len(results)`` does not walk them
        all again, and ``Require`` (``S.restrict``) stays away from whoosh3's
        ``IntersectionMatcher`` assertion. No matcher replacement (``replace=0``): it prunes
        documents that cannot reach the top, which keeps the top but undercounts the total.
        """
        collector = TopCollector(limit=limit, usequality=False, replace=0)
        context = self.searcher.context(weighting=weighting) if weighting is not None else None
        self.searcher.search_with_collector(S.restrict(q, flt), collector, context=context)
        return collector.results()

    def docs(self, q: Q.Query) -> list[int]:
        """Every document number matching ``q``, ascending (unscored)."""
        try:
            return self._arrays().docs(q)
        except Unsupported:
            return sorted(self.searcher.docs_for_query(q))

    def count(self, q: Q.Query, flt: Q.Query | None) -> int:
        return len(self.docs(S.restrict(q, flt)))

    def facet_counts(self, q: Q.Query, flt: Q.Query | None) -> tuple[int, dict[str, dict[str, int]]]:
        if self._facet_arrays is None:
            self._facet_arrays = F.FacetArrays(self.searcher)
        docnums = self.docs(S.restrict(q, flt))
        return len(docnums), self._facet_arrays.count(docnums)

    def search(self, query: str, filters: Filters | None = None, *, limit: int = 20, offset: int = 0,
               sort: str = "relevance", with_facets: bool = True, query_cut: bool = False) -> SearchResult:
        key = self._key(query, filters, limit, offset, sort, with_facets)
        cached = self._results.get(key)
        if cached is not None:
            self._results.move_to_end(key)
            return _copy(cached)
        cached = self._warm.get(key)
        if cached is not None:
            return _copy(cached)
        result = self._search(query, filters, limit=limit, offset=offset, sort=sort, with_facets=with_facets)
        result.query_cut = query_cut
        self._results[key] = result
        if len(self._results) > RESULT_CACHE_SIZE:
            self._results.popitem(last=False)
        return _copy(result)

    def warm(self, word: str, filters: Filters | None = None, *, limit: int = 20, sort: str = "relevance",
             with_facets: bool = False) -> bool:
        """Compute ``word``'s first results ahead of a tap on it (``Library.warm``); False when
        they were there already."""
        key = self._key(word, filters, limit, 0, sort, with_facets)
        if key in self._results or key in self._warm:
            return False
        self._warm[key] = self._search(word, filters, limit=limit, offset=0, sort=sort, with_facets=with_facets)
        return True

    def is_cached(self, query: str, filters: Filters | None = None, *, limit: int = 20, offset: int = 0,
                  sort: str = "relevance", with_facets: bool = True) -> bool:
        key = self._key(query, filters, limit, offset, sort, with_facets)
        return key in self._results or key in self._warm

    def _key(self, query: str, filters: Filters | None, limit: int, offset: int, sort: str,
             with_facets: bool) -> tuple[Any, ...]:
        """A search's place in the caches; the generation makes every change drop them."""
        return (self.generation, query, _filters_key(filters), limit, offset, sort, with_facets)

    def _search(self, query: str, filters: Filters | None, *, limit: int, offset: int, sort: str,
                with_facets: bool) -> SearchResult:
        s = self.searcher
        pq = S.parse_query(query, self.vocab, self.issuers)
        q = S.build_query(pq)
        flt = S.filter_query(filters)
        browse = q is None
        if q is None:
            q = Q.Term("unit", "doc")
        want = offset + limit
        content = S.content_words(pq)
        typed = [w for w in pq.words if len(w) >= 2 and w not in S.QUESTION_WORDS]
        # A vocabulary word tapped or typed as one run (政府信息公开) is a name, not a question.
        run = S.typed_run(pq)
        named = run is not None and run in self.vocab
        question = (not browse and sort != "newest" and len(typed) >= S.QUESTION_MIN_WORDS and len(content) >= 2
                    and not named)
        if question:
            return self._question(query, pq, content, filters, flt, limit=limit, offset=offset, with_facets=with_facets)
        if browse or sort == "newest":
            results = s.search(S.restrict(q, flt), limit=want, sortedby="date", reverse=True)
            ranked = [(dict(r.fields()), 0.0) for r in results]
            dropped = 0
        else:
            results = None
            tq = S.title_query(pq) if not with_facets else None
            if tq is not None:
                # Fast path: documents with every word in the title rank above all others
                # (rank_key), so when they fill the page the body need not be searched.
                # The total is then the title matches only; the facet pass counts them all.
                first = self._ranked(tq, flt, max(RERANK_DEPTH, want))
                if first.scored_length() >= max(RERANK_DEPTH, want):
                    results = first
            if results is None:
                results = self._ranked(q, flt, max(RERANK_DEPTH, want))
            ranked = [(dict(r.fields()), r.score) for r in results]
            # The body index has bigrams without positions: check longer words really occur.
            kept = [fs for fs in ranked if self._has_phrases(pq, fs[0])]
            dropped = len(ranked) - len(kept)
            ranked = sorted(kept, key=lambda fs: rank_key(pq, fs[0], fs[1]))
        if with_facets:
            total, facets = self.facet_counts(q, flt)
        else:  # optimize=False: the scored pass counted every match
            total, facets = len(results), {}
        total = max(total - dropped, len(ranked))
        terms = pq.display_terms if not (pq.doc_number or pq.order_number) else []
        hits = [self._hit(f, sc, terms) for f, sc in ranked[offset:want]]
        suggestions: list[str] = []
        corrected = ""
        if total == 0 and pq.text:
            hits, corrected = self._typo_fallback(pq, flt, limit)
            total = len(hits)
            if with_facets and hits:  # the filters offer what the corrected results hold
                facets = facets_of(self._typo_fallback(pq, flt, 1000)[0])
            if not hits and len(pq.words) > 1 and pq.doc_number is None and pq.order_number is None:
                # Nothing has every word: rank what has some of them (questions in plain words).
                loose_q = S.loose_query(pq)
                loose = self._ranked(loose_q, flt, want)
                hits = [self._hit(dict(r.fields()), r.score, terms) for r in loose][offset:want]
                total = len(loose)
                if with_facets:  # the filters offer what these results hold, not the empty AND match's
                    total, facets = self.facet_counts(loose_q, flt)
            suggestions = self._suggest(pq, flt)
            if corrected and corrected not in suggestions:
                suggestions.insert(0, corrected)
        return SearchResult(query=query, total=total, hits=hits, facets=facets,
                            suggestions=suggestions[:6], corrected_query=corrected,
                            terms=list(terms) if hits and not corrected else [])

    def _question(self, query: str, pq: S.ParsedQuery, content: list[str], filters: Filters | None,
                  flt: Q.Query | None, *, limit: int, offset: int, with_facets: bool) -> SearchResult:
        """More than two content words: any of them may match (BM25F over the fields, title
        weighted), so one word the document does not use cannot hide it; documents with every
        word in the title, then with every word anywhere, still come first."""
        cq = dataclasses.replace(pq, words=content)
        want = offset + limit
        q = S.any_words_query(content)
        results = self._ranked(q, flt, max(RERANK_DEPTH, want), weighting=QUESTION_WEIGHTING)
        top = {r.docnum for r in results}
        complete = {d for d in self.docs(S.restrict(S.all_words_query(content), flt)) if d in top}
        typed = [w for w in pq.words if w not in S.QUESTION_WORDS]
        if (not complete) if typed == content else not self.count(S.all_words_query(typed), flt):
            # Nothing has every word as typed: a title with a wrong character first (the typo path).
            typo_hits, corrected = self._typo_fallback(pq, flt, limit)
            if typo_hits:
                suggestions = self._suggest(pq, flt)
                if corrected not in suggestions:
                    suggestions.insert(0, corrected)
                return SearchResult(query=query, total=len(typo_hits), hits=typo_hits,
                                    facets=facets_of(typo_hits) if with_facets else {},
                                    suggestions=suggestions[:6], corrected_query=corrected)

        def key(item: tuple[dict[str, Any], float, bool]) -> tuple[Any, ...]:
            fields, score, every = item
            tier, *rest = rank_key(cq, fields, score)
            return (tier, not every, *rest)

        ranked = sorted(((dict(r.fields()), r.score, r.docnum in complete) for r in results), key=key)
        total, facets = self.facet_counts(q, flt) if with_facets else (len(results), {})
        hits = [self._hit(f, sc, content) for f, sc, _every in ranked[offset:want]]
        return SearchResult(query=query, total=total, hits=hits, facets=facets, suggestions=[],
                            terms=list(content) if hits else [])

    def _has_phrases(self, pq: S.ParsedQuery, fields: dict[str, Any]) -> bool:
        long_words = [w for w in pq.words if len(w) >= 3 and has_cjk(w)]
        if not long_words or pq.order_number is not None:  # a decree number matched its key, not words
            return True
        head = normalize(" ".join(str(fields.get(k, "")) for k in ("title", "issuer", "topic", "doc_number")))
        missing = [w for w in long_words if w not in head]
        if not missing:
            return True
        raw = "".join("".join(self._pages(fields.get("doc_id", fields["id"]))).split())
        missing = [w for w in missing if w not in raw]  # most text is already normal: skip the slow path
        if not missing:
            return True
        text = normalize(raw)
        rec = self.catalogue.get(fields.get("doc_id", fields["id"]))
        if rec is not None:
            text += normalize(" ".join(rec.meta.keywords) + rec.meta.index_number)
        return all(w in text for w in missing)

    def _homophone(self, text: str) -> str | None:
        """``text`` with one run of characters replaced by a vocabulary word of the same sound
        (住房公基金 -> 住房公积金), longest run first; None when there is none."""
        chars = "".join(text.split())
        if not chars or len(chars) > MAX_HOMOPHONE_CHARS or not all(has_cjk(ch) for ch in chars):
            return None
        for n in range(min(6, len(chars)), 1, -1):
            for i in range(len(chars) - n + 1):
                run = chars[i : i + n]
                if run in self.vocab:
                    continue
                for word in self.vocab.homophones(word_pinyin(run)[0]):
                    if len(word) == n and word != run:
                        return chars[:i] + word + chars[i + n :]
        return None

    def _typo_fallback(self, pq: S.ParsedQuery, flt: Q.Query | None, limit: int) -> tuple[list[Hit], str]:
        """Results for what was probably meant: the same sound first (a homophone slip), then a
        title that differs by a character or two (edit distance)."""
        fixed = self._homophone(pq.text)
        if fixed is not None:
            fpq = S.parse_query(fixed, self.vocab, self.issuers)
            fq_words = S.build_query(fpq)
            if fq_words is not None:
                found = self._ranked(fq_words, flt, max(RERANK_DEPTH, limit))
                ranked = sorted(((dict(r.fields()), r.score) for r in found), key=lambda fs: rank_key(fpq, fs[0], fs[1]))
                if ranked:
                    return [self._hit(f, sc, fpq.display_terms) for f, sc in ranked[:limit]], fixed
        fq = S.fuzzy_title_query(pq.text)
        if fq is None:
            return [], ""
        results = self._ranked(fq, flt, 20)
        close = []
        for r in results:
            fields = dict(r.fields())
            sim = similarity(pq.text, fields.get("title", ""))
            if sim >= 75:
                close.append((sim, r.score, fields))
        close.sort(key=lambda c: (-c[0], -c[1]))
        hits = [self._hit(f, sc, []) for _sim, sc, f in close[:limit]]
        return hits, (close[0][2].get("title", "") if close else "")

    def _suggest(self, pq: S.ParsedQuery, flt: Q.Query | None) -> list[str]:
        out: list[str] = []
        # Same sound, other characters (a homophone slip).
        chars = "".join(pq.words) if pq.words else pq.text
        full, _ = word_pinyin(chars)
        if full:
            out.extend(w for w in self.vocab.lookup(full, limit=3) if w != chars)
        # Fewer words: drop one at a time, keep those that find something (short queries only).
        if 1 < len(pq.words) <= 4:
            for i in range(len(pq.words)):
                rest = pq.words[:i] + pq.words[i + 1 :]
                if self.count(Q.And([S.word_query(w) for w in rest]), flt):
                    out.append(" ".join(rest))
        # Vocabulary words sharing a word with the query.
        for w in pq.words:
            if len(w) >= 2:
                out.extend(v for v in self.vocab.lookup(word_pinyin(w)[0], limit=2) if v != w)
        seen: set[str] = set()
        return [s for s in out if s and not (s in seen or seen.add(s))]  # type: ignore[func-returns-value]

    def candidates(self, letters: str, limit: int = 12) -> list[str]:
        """Chinese words of the library's own vocabulary for Latin letters (``xxgk`` -> 信息公开)."""
        found = self.vocab.lookup(letters, limit=limit)
        out = [w for w in found if self.vocab.matches_exactly(w, letters)]
        seg = self.vocab.segment(letters)
        if seg and len(seg) > 1:
            phrase = " ".join(seg)
            res = self.search(phrase, limit=1, with_facets=False)
            if res.total and not res.corrected_query:
                out.append(phrase)  # several words: every candidate must lead to results
        out.extend(w for w in found if w not in out)
        return out[:limit]

    def related(self, doc_id: str, title_and_topic: str, n: int = 5) -> list[Hit]:
        docnum = self.searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        results = self.searcher.more_like(docnum, "title_words", text=title_and_topic, top=n + 5,
                                          filter=Q.Term("unit", "doc"))
        out = [self._hit(dict(r.fields()), r.score, []) for r in results if r["doc_id"] != doc_id]
        return out[:n]


def _filters_key(filters: Filters | None) -> tuple[Any, ...]:
    f = filters or Filters()
    # year 0 is a filter of its own (documents without a date), not "no year": keep it apart
    return (f.kind or None, f.year if f.year is not None else None, f.issuer or None, f.topic or None, f.validity or None, bool(f.valid_only))


def _copy(result: SearchResult) -> SearchResult:
    """A result the caller may change without changing the cached one."""
    out = copy.copy(result)
    out.hits = list(result.hits)
    out.suggestions = list(result.suggestions)
    out.terms = list(result.terms)
    return out

