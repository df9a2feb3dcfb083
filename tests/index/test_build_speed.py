"""The body's bigrams counted in C index exactly what the token-by-token analyzer indexed."""

from __future__ import annotations

from whoosh.fields import TEXT

from benchmarks.generate import generate
from index.analysis import NgramAnalyzer
from index.whoosh_index import BigramText, make_schema


def test_same_postings_as_the_analyzer() -> None:
    old = TEXT(analyzer=NgramAnalyzer(unigrams=False), phrase=False)
    new = BigramText(analyzer=NgramAnalyzer(unigrams=False), phrase=False)
    bodies = [d["body"] for d in generate(50, seed=3)]
    bodies += ["威海市ABC１２３号 停车，管理。", "单", "", "ｘｘｇｋ 2024年 第一条\u200b规定", "「信息」公开"]
    for body in bodies:
        assert sorted(new.index(body)) == sorted(old.index(body)), body[:40]


def test_schema_uses_it_for_the_body() -> None:
    assert isinstance(make_schema()["body"], BigramText)
