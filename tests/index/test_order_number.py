"""Decree numbers (令): parsed in every written form, read from a document's first lines, found by search."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.config import parse_config
from index.docnumber import order_number_in_head, parse_order_number
from index.metadata import derive_metadata
from index.models import Extracted


@pytest.mark.parametrize(("written", "canonical"), [
    ("国务院令第735号", "国务院令第735号"),
    ("国令第379号", "国务院令第379号"),
    ("701号令", "令第701号"),
    ("第12号令", "令第12号"),
    ("令第5号", "令第5号"),
    ("国务院令 第262号", "国务院令第262号"),
    ("公安部令第１２５号", "公安部令第125号"),
    ("市场监管总局令第56号", "国家市场监督管理总局令第56号"),
    ("中华人民共和国国务院令　第 735 号", "国务院令第735号"),
    ("山西省人民政府令第304号", "山西省人民政府令第304号"),
])
def test_every_written_form(written: str, canonical: str) -> None:
    on = parse_order_number(written)
    assert on is not None and on.canonical == canonical


def test_staff_extend_the_issuer_table() -> None:
    assert parse_order_number("体育总局令第12号").issuer == "体育总局"  # unknown: kept as written, so not 国家体育总局
    on = parse_order_number("体育总局令第12号", {"体育总局": "国家体育总局"})
    assert on is not None and on.canonical == "国家体育总局令第12号"


def test_first_lines_of_a_document() -> None:
    two_lines = ["护士条例\n\n中华人民共和国国务院令\n第５１７号\n\n第一条 为了维护护士的合法权益。根据国务院令第1号。"]
    assert str(order_number_in_head(two_lines)) == "国务院令第517号"
    lawref = ["# 不动产登记暂行条例\n\n2014年11月24日 中华人民共和国国务院令第656号公布\n\n第一条 为整合……"]
    assert str(order_number_in_head(lawref)) == "国务院令第656号"
    body_only = ["某办法\n\n第一条 依照国务院令第100号制定本办法。"]
    assert order_number_in_head(body_only) is None, "a decree cited in the body is not the document's own"


def test_metadata_reads_order_number_from_text(tmp_path: Path) -> None:
    text = "# 不动产登记暂行条例\n\n2014年11月24日 中华人民共和国国务院令第656号公布\n\n## 第一章 总则\n\n第一条 为整合不动产登记职责。"
    meta = derive_metadata("行政法规/不动产登记暂行条例.md", tmp_path,
                           Extracted(pages=[text], page_count=1, has_text=True, format="md"), parse_config(""))
    assert meta.order_number == "国务院令第656号"


DECREES = [
    dict(path="法律法规/条例735.md", title="优化营商环境条例", kind="法律法规", order_number="国务院令第722号",
         body="第一条 为了持续优化营商环境。"),
    dict(path="法律法规/条例379.md", title="某某管理条例", kind="法律法规", order_number="国务院令第379号",
         body="第一条 为了加强管理。"),
    dict(path="法律法规/条例701.md", title="某某保护条例", kind="法律法规", order_number="国务院令第701号",
         body="第一条 为了保护。"),
    dict(path="法律法规/公安125.md", title="某某公安规定", kind="法律法规", order_number="公安部令第125号",
         body="第一条 为了规范公安工作。"),
    dict(path="法律法规/市场56.md", title="某某市场监督办法", kind="法律法规", order_number="国家市场监督管理总局令第56号",
         body="第一条 为了规范市场。"),
    dict(path="法律法规/体育12.md", title="某某体育办法", kind="法律法规", order_number="国家体育总局令第12号",
         body="第一条 为了体育。"),
    dict(path="规范性文件/通知.txt", title="关于转发国务院令第379号的通知", doc_number="威政发〔2013〕8号",
         body="各单位：现将国务院令第379号转发给你们。"),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory):
    from index.library import Library
    from tests.index.conftest import add_docs

    config = parse_config("").with_overrides({"review.required": False,
                                              "search.order_issuers": {"体育总局": "国家体育总局"}})
    lib = Library.open(tmp_path_factory.mktemp("orders") / "lib", config, writable=True)
    add_docs(lib, DECREES)
    yield lib
    lib.close()


@pytest.mark.parametrize(("query", "title"), [
    ("国务院令第722号", "优化营商环境条例"),
    ("国令第379号", "某某管理条例"),
    ("701号令", "某某保护条例"),
    ("第701号令", "某某保护条例"),
    ("国务院令 第701号", "某某保护条例"),
    ("公安部令第１２５号", "某某公安规定"),
    ("市场监管总局令第56号", "某某市场监督办法"),
    ("体育总局令第12号", "某某体育办法"),
])
def test_search_finds_the_decree_first(library, query: str, title: str) -> None:
    res = library.search(query)
    assert res.hits and res.hits[0].title == title, [h.title for h in res.hits]


def test_card_shows_the_decree_number(library) -> None:
    hit = library.search("国令第379号").hits[0]
    assert hit.doc_number == "国务院令第379号"
    notice = library.search("关于转发国务院令第379号的通知").hits[0]
    assert notice.doc_number == "威政发〔2013〕8号", "a 文号 stays the card's number"
