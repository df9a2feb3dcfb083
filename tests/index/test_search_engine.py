"""The search engine's speed levers keep results identical to Whoosh's plain path, on a real index.

Each lever is compared with what it replaces, on a real on-disk index of generated documents
with deletions in its segments: ranked search with ``optimize=False`` and the filter as a
``Require`` against ``filter=`` with block-max on (same documents, same scores, same total);
facet counts from per-document arrays against Whoosh's grouped search; the result cache
against a fresh search, and its invalidation by a commit.
"""

from __future__ import annotations

import random

import pytest
from whoosh import sorting

from benchmarks.generate import generate
from index.config import parse_config
from index.library import Library
from index.models import Filters
from index.search import build_query, filter_query, parse_query
from index.whoosh_index import FACET_FIELDS
from tests.index.conftest import DOCS, add_docs


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory):
    config = parse_config("").with_overrides({"review.required": False})
    lib = Library.open(tmp_path_factory.mktemp("engine") / "lib", config, writable=True)
    docs = list(generate(150, seed=5))
    add_docs(lib, DOCS)
    add_docs(lib, docs[:75])
    add_docs(lib, docs[75:])
    with lib.writer() as w:  # deletions inside existing segments
        for d in docs[::7]:
            w.remove(d["path"])
    yield lib, docs
    lib.close()


def _queries(docs) -> list[tuple[str, Filters | None]]:
    from index.analysis import search_words

    r = random.Random(3)
    out: list[tuple[str, Filters | None]] = [("政府 管理", None), ("停车", None), ("通知", Filters(kind="规范性文件")),
                                             ("工作", Filters(valid_only=True)), ("", Filters(kind="政府公报"))]
    for d in r.sample(docs, 20):
        words = [w for w in search_words(d["title"]) if len(w) >= 2]
        if words:
            out.append((r.choice(words), None))
            out.append((r.choice(words), Filters(kind=d["kind"], year=int(d["publish_date"][:4]))))
        body = d["body"]
        i = r.randrange(max(1, len(body) - 5))
        phrase = "".join(ch for ch in body[i : i + 4] if "\u4e00" <= ch <= "\u9fff")
        if len(phrase) >= 2:
            out.append((phrase, None))
    return out


def test_ranked_path_equals_whoosh_filter_path(library) -> None:
    lib, docs = library
    s = lib.engine.searcher
    compared = 0
    for text, filters in _queries(docs):
        q = build_query(parse_query(text, lib.engine.vocab))
        flt = filter_query(filters)
        if q is None:
            continue
        old = s.search(q, filter=flt, limit=60)  # Whoosh's own path: FilterCollector, block-max on
        new = lib.engine._ranked(q, flt, 60)
        assert [(h.docnum, round(h.score, 6)) for h in new] == [(h.docnum, round(h.score, 6)) for h in old], text
        assert len(new) == len(old), text
        compared += len(old) > 0
    assert compared >= 20, "the mix must find something"


def test_facet_arrays_equal_grouped_counts(library) -> None:
    lib, docs = library
    s = lib.engine.searcher
    for text, filters in _queries(docs)[:25]:
        q = build_query(parse_query(text, lib.engine.vocab))
        if q is None:
            continue
        flt = filter_query(filters)
        facets = {name: sorting.FieldFacet(name, allow_overlap=False) for name in FACET_FIELDS}
        old = s.search(q, filter=flt, limit=None, groupedby=facets, scored=False, terms=False)
        want = {name: {str(k): len(v) for k, v in old.groups(name).items() if k not in (None, "", b"")}
                for name in FACET_FIELDS}
        total, got = lib.engine.facet_counts(q, flt)
        assert total == len(old), text
        assert got == want, text


def test_search_facets_equal_the_full_search(library) -> None:
    lib, _docs = library
    for text, filters in [("政府 管理", None), ("通知", Filters(kind="规范性文件")), ("", None)]:
        full = lib.search(text, filters, limit=1, with_facets=True)
        assert lib.search_facets(text, filters) == full.facets and sum(full.facets["kind"].values()) == full.total


def test_cache_returns_the_same_result_and_a_commit_invalidates_it(library) -> None:
    lib, _docs = library
    first = lib.search("停车 管理", with_facets=False)
    assert lib.engine.is_cached("停车 管理", None, limit=20, with_facets=False)
    again = lib.search("停车 管理", with_facets=False)
    assert again == first and again.hits is not first.hits  # a copy: the caller may change it
    generation = lib.engine.generation
    add_docs(lib, [dict(path="新增/停车.txt", title="威海市停车场管理新规定", body="停车场管理。")])
    assert lib.engine.generation > generation
    assert not lib.engine.is_cached("停车 管理", None, limit=20, with_facets=False)
    fresh = lib.search("停车 管理", with_facets=False)
    assert fresh.total == first.total + 1 and any(h.title == "威海市停车场管理新规定" for h in fresh.hits)


def test_terms_travel_on_the_result(library) -> None:
    lib, _docs = library
    res = lib.search("停车 管理")
    assert res.terms == ["停车", "管理"] and res.hits
    assert not hasattr(res.hits[0], "matched_terms")


def test_the_cache_keeps_documents_without_a_date_apart_from_no_year_filter():
    """Filters(year=0) (browse by year: 日期不详) once came back from the cache as the unfiltered result."""
    from index.models import Filters
    from index.search._engine import _filters_key

    assert _filters_key(Filters(year=0)) != _filters_key(None)
    assert _filters_key(Filters(year=2012)) != _filters_key(Filters(year=0))
    assert _filters_key(Filters()) == _filters_key(None)


def test_title_search_cards_read_like_the_index_cards(make_library) -> None:
    """While a damaged index is rebuilt the cards come from the catalogue: the same fields,
    the decree number of a law included."""
    from index.search import title_search

    lib = make_library([dict(path="法律法规/公开.md", title="中华人民共和国政府信息公开条例", kind="法律法规",
                             order_number="国务院令第711号", issuer="国务院", publish_date="2019-04-03",
                             body="第一条 为了保障公民依法获取政府信息。")], **{"review.required": False})
    indexed = lib.search("政府信息公开条例").hits[0]
    listed = title_search(lib.catalogue, "政府信息公开条例").hits[0]
    card = ("id", "title", "kind", "doc_number", "issuer", "date", "validity", "source_path", "topic", "replaced_by")
    assert [getattr(listed, k) for k in card] == [getattr(indexed, k) for k in card]
    assert listed.doc_number == "国务院令第711号"


def test_warmed_words_answer_from_the_warm_store_until_the_library_changes(make_library) -> None:
    lib = make_library()
    words = lib.words_to_warm(5)
    assert words and all(w in lib.engine.vocab for w in words)
    dfs = {w: df for w, df, _f, _i in lib.catalogue.vocab_rows()}
    assert [dfs[w] for w in words] == sorted((dfs[w] for w in words), reverse=True), "most documents first"
    word = words[0]
    assert not lib.engine.is_cached(word, Filters(), limit=30, with_facets=False)
    assert lib.warm(word, Filters(), limit=30)
    assert lib.engine.is_cached(word, Filters(), limit=30, with_facets=False)
    assert not lib.warm(word, Filters(), limit=30), "computed once"
    warmed = lib.search(word, Filters(), limit=30, with_facets=False)
    fresh = lib.engine._search(word, Filters(), limit=30, offset=0, sort="relevance", with_facets=False)
    assert warmed == fresh and warmed.hits
    # Warming fills its own store: the visitors' recent searches stay in theirs.
    assert not lib.engine._results
    add_docs(lib, [dict(path="新增/x.txt", title=f"关于{word}的补充通知", body=f"{word}。")])
    assert not lib.engine.is_cached(word, Filters(), limit=30, with_facets=False), "a change drops it"
    assert lib.search(word, Filters(), limit=30, with_facets=False).total == warmed.total + 1
