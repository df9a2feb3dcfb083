"""Bounds on queries (issue 14.1): long and adversarial input is cut, never raises, and the work stays bounded.

Timing is not asserted here (benchmarks/query_bounds.py measures the slowest query per shape);
these tests show that every shape is cut to the settings and reaches the index as a bounded query.
"""

from __future__ import annotations

import pytest

from benchmarks.query_bounds import adversarial_queries
from index.bounds import MAX_QUERY_TERMS, QueryBounds, QueryTooLong, keep_terms
from index.config import parse_config
from index.search import build_query, parse_query
from index.vocab import Vocabulary

BOUNDS = QueryBounds.from_config(parse_config(""))


def _over(text: str) -> bool:
    return BOUNDS.length(text) > BOUNDS.max_chars or len(text.split()) > BOUNDS.max_words


def test_bounds_come_from_the_settings() -> None:
    b = QueryBounds.from_config(parse_config("[search]\nmax_query_chars = 20\nmax_query_words = 3\n"))
    assert (b.max_chars, b.max_words) == (20, 3)
    assert b.cut("一二三四五六七八九十" * 3) == ("一二三四五六七八九十" * 2, True)
    assert b.cut("停车 管理 办法 威海 市") == ("停车 管理 办法", True)
    assert b.cut("停车  管理") == ("停车 管理", False)  # blanks collapse, nothing cut
    assert b.room("一" * 18) == 2 and b.room("一" * 25) == 0


def test_check_refuses_with_a_message_that_names_the_setting() -> None:
    with pytest.raises(QueryTooLong) as exc:
        BOUNDS.check("停" * (BOUNDS.max_chars + 1))
    assert "search.max_query_chars" in str(exc.value) and exc.value.limit == BOUNDS.max_chars
    with pytest.raises(QueryTooLong) as exc:
        BOUNDS.check(" ".join(["停车"] * (BOUNDS.max_words + 1)))
    assert "search.max_query_words" in str(exc.value)
    BOUNDS.check("停" * BOUNDS.max_chars)  # exactly at the limit is fine


def test_keep_terms_keeps_the_longest_in_their_order() -> None:
    words = ["的", "信息公开", "了", "停车", "管理办法", "吗"]
    assert keep_terms(words, 3) == ["信息公开", "停车", "管理办法"]
    assert keep_terms(words, 10) == words


SHAPES = sorted(adversarial_queries())


@pytest.mark.parametrize("shape", SHAPES)
def test_parsed_query_is_bounded(shape: str) -> None:
    vocab = Vocabulary([("信息公开", 3, "xinxigongkai", "xxgk"), ("政府", 5, "zhengfu", "zf"),
                        ("停车", 2, "tingche", "tc"), ("威海", 2, "weihai", "wh"), ("管理", 4, "guanli", "gl")])
    raw = adversarial_queries()[shape]
    text, cut = BOUNDS.cut(raw)
    assert cut == _over(raw) and BOUNDS.length(text) <= BOUNDS.max_chars and len(text.split()) <= BOUNDS.max_words
    pq = parse_query(text, vocab)
    assert len(pq.words) <= MAX_QUERY_TERMS
    q = build_query(pq)
    if q is not None:
        # each word: three fields of its bigrams and one title word; plus the exact-title term
        assert sum(1 for _ in q.leaves()) <= 3 * BOUNDS.max_chars + MAX_QUERY_TERMS + 1


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory):
    from index.library import Library
    from tests.index.conftest import DOCS, add_docs

    config = parse_config("").with_overrides({"review.required": False})
    lib = Library.open(tmp_path_factory.mktemp("bounds") / "lib", config, writable=True)
    add_docs(lib, DOCS)
    yield lib
    lib.close()


@pytest.mark.parametrize("shape", SHAPES)
def test_every_query_path_takes_adversarial_input(library, shape: str) -> None:
    raw = adversarial_queries()[shape]
    res = library.search(raw)
    assert res.query_cut == _over(raw) and BOUNDS.length(res.query) <= BOUNDS.max_chars
    assert res.total >= 0 and all(h.title for h in res.hits)
    assert isinstance(library.search(raw, with_facets=False).hits, list)
    assert isinstance(library.suggestions(raw), list)
    cands = library.candidates(raw)
    assert isinstance(cands, list) and len(cands) <= 12


def test_a_query_within_bounds_is_untouched(library) -> None:
    res = library.search("威海市停车管理办法")
    assert not res.query_cut and res.query == "威海市停车管理办法"
    assert res.hits and res.hits[0].title == "威海市停车管理办法"
