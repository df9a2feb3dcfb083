"""Queries on posting arrays answer as Whoosh's matchers do, on a real index with segments and deletions.

``index.search._arrays`` replaces Whoosh's walk of a query for the engine's searches. Every
query shape the engine builds (words, a filter, a title tier, a question with its own
weighting, the loose fall-back, a 文号) is asked both ways: the same documents in the same
order, the same scores, the same total. Shapes it does not evaluate must say so, and the
engine must then answer through Whoosh.
"""

from __future__ import annotations

import random

import pytest

from benchmarks.generate import generate
from index.config import parse_config
from index.library import Library
from index.models import Filters
from index.search import _arrays as A
from index.search import _query as S
from index.search._ranking import QUESTION_WEIGHTING
from tests.index.conftest import DOCS, add_docs


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory):
    config = parse_config("").with_overrides({"review.required": False})
    lib = Library.open(tmp_path_factory.mktemp("arrays") / "lib", config, writable=True)
    docs = list(generate(160, seed=8))
    add_docs(lib, DOCS)
    for i in range(0, 160, 40):  # several segments
        add_docs(lib, docs[i : i + 40])
    with lib.writer() as w:  # deletions inside existing segments
        for d in docs[::6]:
            w.remove(d["path"])
    lib.refresh()
    yield lib, docs
    lib.close()


def _shapes(lib: Library, docs: list[dict]) -> list[tuple[str, object, object, object]]:
    """(label, query, filter, weighting) for what the engine asks: built by its own functions."""
    from index.analysis import search_words

    vocab = lib.engine.vocab
    r = random.Random(4)
    out: list[tuple[str, object, object, object]] = []
    for d in r.sample(docs, 25):
        words = [w for w in search_words(d["title"]) if len(w) >= 2]
        if not words:
            continue
        pq = S.parse_query(" ".join(r.sample(words, min(2, len(words)))), vocab)
        out.append(("words", S.build_query(pq), None, None))
        out.append(("title tier", S.title_query(pq), None, None))
        out.append(("filtered", S.build_query(pq), S.filter_query(Filters(kind=d["kind"], valid_only=True)), None))
        i = r.randrange(max(1, len(d["body"]) - 6))
        phrase = "".join(ch for ch in d["body"][i : i + 5] if "\u4e00" <= ch <= "\u9fff")
        if len(phrase) >= 3:
            out.append(("body run", S.build_query(S.parse_query(phrase, vocab)), None, None))
        question = [*words[:3], "如何", "办理"]
        out.append(("question", S.any_words_query(S.content_words(S.parse_query(" ".join(question), vocab))), None,
                    QUESTION_WEIGHTING))
        out.append(("loose", S.loose_query(pq), None, None))
        if d.get("doc_number"):
            out.append(("文号", S.build_query(S.parse_query(d["doc_number"], vocab)), None, None))
    out.append(("one character", S.build_query(S.parse_query("市", vocab)), None, None))
    out.append(("no such word", S.build_query(S.parse_query("犇犇犇", vocab)), None, None))
    return [s for s in out if s[1] is not None]


def test_the_fixture_has_segments_and_deletions(library) -> None:
    lib, _docs = library
    leaves = lib.engine.searcher.leaf_searchers()
    assert len(leaves) >= 3, "the comparison must cross segments"
    assert any(s.reader().has_deletions() for s, _ in leaves), "and meet deleted documents"


def test_arrays_rank_as_whoosh_does(library) -> None:
    lib, docs = library
    engine = lib.engine
    arrays = A.PostingArrays(engine.searcher)
    labels: set[str] = set()
    for label, q, flt, weighting in _shapes(lib, docs):
        want = engine._whoosh_ranked(q, flt, 60, weighting)
        got = arrays.top(S.restrict(q, flt), 60, weighting)
        assert len(got) == len(want), (label, q)
        assert got.scored_length() == want.scored_length(), (label, q)
        assert [h.docnum for h in got] == [h.docnum for h in want], (label, q)
        assert [h.score for h in got] == pytest.approx([h.score for h in want], rel=1e-12), (label, q)
        assert [h.fields() for h in got][:3] == [h.fields() for h in want][:3]
        if len(want):
            labels.add(label)
    assert labels >= {"words", "title tier", "filtered", "body run", "question", "loose", "文号", "one character"}


def test_a_short_limit_keeps_the_lowest_numbers_among_equal_scores(library) -> None:
    lib, _docs = library
    engine = lib.engine
    q = S.filter_query(Filters(kind="规范性文件"))  # unscored terms: every document scores the same
    for limit in (1, 5, 17):
        want = engine._whoosh_ranked(q, None, limit)
        got = A.PostingArrays(engine.searcher).top(q, limit)
        assert [h.docnum for h in got] == [h.docnum for h in want] and len(got) == len(want) > limit


def test_arrays_list_the_documents_whoosh_lists(library) -> None:
    lib, docs = library
    engine = lib.engine
    arrays = A.PostingArrays(engine.searcher)
    for _label, q, flt, _w in _shapes(lib, docs)[:30]:
        full = S.restrict(q, flt)
        assert arrays.docs(full) == sorted(engine.searcher.docs_for_query(full))


def test_a_small_postings_cache_changes_nothing(library, monkeypatch: pytest.MonkeyPatch) -> None:
    lib, docs = library
    engine = lib.engine
    monkeypatch.setattr(A, "POSTINGS_CACHE", 50)
    arrays = A.PostingArrays(engine.searcher)
    for _label, q, flt, weighting in _shapes(lib, docs)[:20]:
        got = arrays.top(S.restrict(q, flt), 20, weighting)
        assert [h.docnum for h in got] == [h.docnum for h in engine._whoosh_ranked(q, flt, 20, weighting)]
    assert arrays._cached <= 50 or len(arrays._postings) == 1


def test_shapes_the_arrays_do_not_evaluate_are_answered_by_whoosh(library) -> None:
    lib, _docs = library
    engine = lib.engine
    arrays = A.PostingArrays(engine.searcher)
    fuzzy = S.fuzzy_title_query("关于加强管理工作的通知")  # an Or with minmatch
    unknown_year = S.filter_query(Filters(year=S.UNKNOWN_YEAR))  # Not / Every
    word = S.build_query(S.parse_query("管理", engine.vocab))
    for q, flt in ((fuzzy, None), (word, unknown_year)):
        with pytest.raises(A.Unsupported):
            arrays.top(S.restrict(q, flt), 10)
        got = engine._ranked(q, flt, 10)  # the engine falls back
        want = engine._whoosh_ranked(q, flt, 10)
        assert [h.docnum for h in got] == [h.docnum for h in want] and len(got) == len(want)
    assert len(engine._ranked(fuzzy, None, 10)) > 0, "the fall-back must be exercised on a real match"


def test_the_arrays_follow_a_commit(library) -> None:
    lib, _docs = library
    before = lib.search("管理", limit=5, with_facets=False).total
    add_docs(lib, [dict(path="规范性文件/新增管理办法.txt", title="新增管理办法", body="管理 管理 办法")])
    lib.refresh()
    after = lib.search("管理", limit=5, with_facets=False)
    assert after.total == before + 1
    assert "新增管理办法" in [h.title for h in lib.search("新增管理办法", limit=5, with_facets=False).hits]


def test_every_kind_of_posting_list_reads_as_whoosh_walks_it(library) -> None:
    """Blocked lists (many documents) and lists inlined in the term's entry (one document)."""
    lib, _docs = library
    kinds: set[str] = set()
    for leaf, _offset in lib.engine.searcher.leaf_searchers():
        reader = leaf.reader()
        for fieldname, btext in [t for t in reader.all_terms() if t[0] in ("body", "title", "kind")][::97]:
            m = reader.postings(fieldname, btext)
            walked = []
            while m.is_active():
                walked.append((m.id(), m.weight()))
                m.next()
            ids, weights = A._read_postings(reader, fieldname, btext)
            alive = [(int(i), float(w)) for i, w in zip(ids, weights, strict=True) if not reader.is_deleted(int(i))]
            assert alive == walked, (fieldname, btext)
            kinds.add("one" if reader.doc_frequency(fieldname, btext) == 1 else "many")
    assert kinds == {"one", "many"}
