"""Three faults of whoosh3 (pinned 3.54) met while making search fast: each shown in the library, and our path shown to avoid it.

If an upgrade fixes one, its first assertion fails: then the workaround can go.
"""

from __future__ import annotations

import pytest
from whoosh import query as Q
from whoosh.idsets import BaseBitSet

from benchmarks.query_bounds import adversarial_queries
from index.bounds import QueryBounds
from index.config import parse_config
from index.models import Filters
from index.search import build_query, filter_query, parse_query, restrict
from tests.index.conftest import add_docs


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory):
    from index.library import Library

    config = parse_config("").with_overrides({"review.required": False})
    lib = Library.open(tmp_path_factory.mktemp("faults") / "lib", config, writable=True)
    add_docs(lib, [dict(path=f"规范性文件/{i}.txt", title=f"关于政府工作的第{i}号通知", issuer="威海市人民政府",
                        body="政府 工作 通知 " * 5 + f"编号{i}") for i in range(300)])
    yield lib
    lib.close()


@pytest.fixture
def bool_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts calls of ``bool()`` on Whoosh bit sets (the real method still runs)."""
    calls = [0]
    real = BaseBitSet.__bool__

    def counting(self: BaseBitSet) -> bool:
        calls[0] += 1
        return real(self)

    monkeypatch.setattr(BaseBitSet, "__bool__", counting)
    return calls


def test_filter_collector_tests_the_whole_bitset_per_match(library, bool_calls) -> None:
    s = library.engine.searcher
    q, flt = Q.Term("body", "政府"), Q.Term("unit", "doc")
    results = s.search(q, filter=flt, limit=10)  # Whoosh's filter= path
    assert len(results) == 300
    assert bool_calls[0] >= 300, "FilterCollector.all_ids tests bool(BitSet) once per match"
    # Ours, both ways: on posting arrays (no matcher at all), and Whoosh's matchers with the
    # filter as a Require, counted as it goes (the path for queries the arrays do not evaluate).
    for ranked in (library.engine._ranked, library.engine._whoosh_ranked):
        bool_calls[0] = 0
        ours = ranked(q, flt, 10)
        assert len(ours) == 300 and bool_calls[0] == 0
        assert [h.docnum for h in ours] == [h.docnum for h in results]


def test_require_with_block_quality_raises_in_intersection_matcher(library) -> None:
    s = library.engine.searcher
    q = Q.Require(Q.Or([Q.Term("body", "政府"), Q.Term("title", "通知")]), Q.Term("unit", "doc"))
    with pytest.raises(AssertionError):
        s.search(q, limit=5)  # optimize=True by default
    assert len(library.engine._whoosh_ranked(q.a, q.b, 5)) == 300  # ours: no block quality with Require
    assert len(library.engine._ranked(q.a, q.b, 5)) == 300  # and the arrays use no matcher


def test_zero_boost_divides_by_zero_in_skip_to_quality(library) -> None:
    s = library.engine.searcher
    zero = Q.And([Q.Term("body", "政府"), Q.Term("body", "工作")], boost=0.0)
    m = zero.matcher(s)
    with pytest.raises(ZeroDivisionError):
        m.skip_to_quality(1.0)
    # Ours never builds a zero boost: every query and filter tree, for typical and adversarial input.
    bounds = QueryBounds.from_config(parse_config(""))
    vocab = library.engine.vocab
    texts = ["政府 工作", "通知", "威政发〔2013〕8号", "国令第379号", "zfgz", *adversarial_queries().values()]
    filters = [None, Filters(kind="规范性文件", year=2024, valid_only=True)]
    for text in texts:
        q = build_query(parse_query(bounds.cut(text)[0], vocab))
        for f in filters:
            if q is None:
                continue
            tree = restrict(q, filter_query(f))
            assert all(node.boost != 0 for node in _nodes(tree)), text


def _nodes(q: Q.Query):
    yield q
    for child in q.children():
        yield from _nodes(child)
