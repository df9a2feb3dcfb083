"""文号 parsing, index keys and query routing (index.docnumber)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from index.docnumber import (
    DocNumber,
    doc_number_keys,
    doc_number_match_keys,
    doc_number_matches,
    exact_code_key,
    find_doc_numbers,
    looks_like_doc_number,
    parse_doc_number,
    query_doc_number_key,
    query_doc_number_keys,
)

REPO = Path(__file__).resolve().parents[2]
# Floor reached on ../shared/corpus/doc-numbers/doc_numbers.csv (measured: 38003 of 38003).
DOC_NUMBER_SHARE_FLOOR = 0.995


def _find_shared_corpus() -> Path | None:
    env = os.environ.get("KIOSK_SHARED_CORPUS")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for parent in REPO.parents:
        if (parent / "shared" / "corpus").is_dir():
            return parent / "shared" / "corpus"
    return None


@pytest.fixture(scope="module")
def shared_corpus() -> Path:
    corpus = _find_shared_corpus()
    if corpus is None:
        pytest.skip("../shared/corpus (real government texts) is not present beside the checkout")
    return corpus


WEIHAI = DocNumber(code="威环政发", year=2012, seq=15, canonical="威环政发〔2012〕15号")


@pytest.mark.parametrize(
    "raw",
    [
        "威环政发〔2012〕15号",
        "威环政发[2012]15号",
        "威环政发（2012）15号",
        "威环政发(2012)15号",
        "威环政发【2012】15号",
        "威环政发［2012］15号",
        "威环政发〈2012〉15号",
        "威环政发<2012>15号",
        "威环政发 〔2012〕 15号",
        "威环政发 〔 2012 〕 15 号",
        "发文字号：威环政发〔2012〕第15号",
        "文号:威环政发〔2012〕15号",
        "文号：威环政发〔２０１２〕１５号",
        "\u200b威环政发〔2012〕15号\ufeff",
        "威\u200c环政发〔2012〕15\u200d号",
        "威环政发〔2012〕15号〔〕",
        "威环政发〔2012〕15号  附件1",
        "索引号：11371000004397829C/2012-00123 文号：威环政发〔2012〕15号",
        "威环政发〔2012〕号15",
        "威环政发〔2012年〕15号",
        "威环政发2012〕15号",
    ],
)
def test_messy_forms_parse_to_the_canonical_number(raw: str) -> None:
    assert parse_doc_number(raw) == WEIHAI


def test_bare_query_form_parses() -> None:
    dn = parse_doc_number("环政发 2012 15")
    assert dn is not None
    assert (dn.code, dn.year, dn.seq, dn.canonical) == ("环政发", 2012, 15, "环政发〔2012〕15号")


@pytest.mark.parametrize(
    ("raw", "code", "year", "seq", "canonical"),
    [
        ("省政府令 第118号", "省政府令", None, 118, "省政府令第118号"),
        ("重庆市人民政府令第 359 号", "重庆市人民政府令", None, 359, "重庆市人民政府令第359号"),
        ("国家税务总局公告2015年第41号", "国家税务总局公告", 2015, 41, "国家税务总局公告2015年第41号"),
        ("的通知沪发改价管〔2019〕3号", "沪发改价管", 2019, 3, "沪发改价管〔2019〕3号"),
        ("号市人大公告1996年第40号", "市人大公告", 1996, 40, "市人大公告1996年第40号"),
        ("发文字号：晋政办发(2017〕109号", "晋政办发", 2017, 109, "晋政办发〔2017〕109号"),
    ],
)
def test_other_shapes(raw: str, code: str, year: int | None, seq: int, canonical: str) -> None:
    dn = parse_doc_number(raw)
    assert dn is not None
    assert (dn.code, dn.year, dn.seq, dn.canonical) == (code, year, seq, canonical)
    assert str(dn) == canonical


@pytest.mark.parametrize(
    "raw",
    ["", "发文字号：", "2013年2月19日", "索引号：11371000004397829C/2012-00123", "威环政发〔1066〕15号", "第三章 附则"],
)
def test_not_a_doc_number(raw: str) -> None:
    assert parse_doc_number(raw) is None


def test_find_doc_numbers_in_running_text() -> None:
    text = "现将《办法》（威政发〔2012〕15号）印发给你们，原《规定》（威政发[2009]3号）同时废止。"
    assert [d.canonical for d in find_doc_numbers(text)] == ["威政发〔2012〕15号", "威政发〔2009〕3号"]


def test_keys_hold_year_seq_and_code_suffixes() -> None:
    keys = doc_number_keys(WEIHAI)
    assert keys == ["2012:15", "威环政发", "环政发", "政发"]
    assert exact_code_key(WEIHAI) == "威环政发"
    order = parse_doc_number("省政府令第118号")
    assert order is not None
    assert doc_number_keys(order)[0] == "0:118"


def test_shortened_code_matches_and_a_different_office_does_not() -> None:
    document = parse_doc_number("威环政发〔2012〕15号")
    assert document is not None
    for query_text, expected in [
        ("环政发 2012 15", True),
        ("威环政发 2012 15", True),
        ("环政发〔2012〕15号", True),
        ("威环 2012 15", False),  # a prefix is not a key
        ("环政发 2012 16", False),
        ("环政发 2011 15", False),
    ]:
        query = parse_doc_number(query_text)
        assert query is not None, query_text
        assert doc_number_matches(query, document) is expected, query_text
        year_seq, code = query_doc_number_keys(query)
        keys = doc_number_keys(document)
        assert (year_seq == keys[0] and code in keys) is expected
        assert (query_doc_number_key(query) in doc_number_match_keys(document)) is expected
    lu = parse_doc_number("鲁政发〔2012〕15号")
    guo = parse_doc_number("国发 2012 15")
    assert lu is not None and guo is not None
    assert not doc_number_matches(guo, lu)


def test_two_character_suffix_is_deliberately_ambiguous() -> None:
    query = parse_doc_number("政发 2012 15")
    assert query is not None
    matched = [
        raw
        for raw in ("鲁政发〔2012〕15号", "威环政发〔2012〕15号", "国发〔2012〕15号", "鲁政办发〔2012〕15号")
        if doc_number_matches(query, parse_doc_number(raw))  # type: ignore[arg-type]
    ]
    assert matched == ["鲁政发〔2012〕15号", "威环政发〔2012〕15号"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("威环政发〔2012〕15号", True),
        ("环政发 2012 15", True),
        ("威环政发[2012]15号", True),
        ("国发2012 15", True),
        ("省政府令第118号", True),
        ("发文字号：威环政发〔2012〕15号", True),
        ("养老 2020 3", False),
        ("社保 缴费 2020", False),
        ("关于印发威海市办法的通知", False),
        ("2012年", False),
        ("关于转发威海市人民政府威政发〔2012〕15号文件的通知及其实施细则", False),
        ("", False),
    ],
)
def test_looks_like_doc_number(query: str, expected: bool) -> None:
    assert looks_like_doc_number(query) is expected


@pytest.mark.needs_shared
def test_real_doc_numbers_parse_share(shared_corpus: Path) -> None:
    csv_path = shared_corpus / "doc-numbers" / "doc_numbers.csv"
    if not csv_path.exists():
        pytest.skip(f"{csv_path} is missing from the shared corpus")
    spec = importlib.util.spec_from_file_location("bench_doc_numbers", REPO / "benchmarks" / "doc_numbers.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    figures = bench.measure(csv_path)
    assert figures["total"] > 38000
    assert figures["with_bracketed_year"] > 37000
    assert figures["share"] >= DOC_NUMBER_SHARE_FLOOR, figures["failures"]


def test_combined_keys_do_not_mix_numbers_of_one_document() -> None:
    # A gazette issue carrying 鲁政发〔2012〕15号 and 国发〔2010〕3号: separate keys would
    # let "国发 2012 15" match (2012:15 from one, 国发 from the other); combined keys do not.
    numbers = [parse_doc_number("鲁政发〔2012〕15号"), parse_doc_number("国发〔2010〕3号")]
    separate = {k for dn in numbers if dn for k in doc_number_keys(dn)}
    combined = {k for dn in numbers if dn for k in doc_number_match_keys(dn)}
    query = parse_doc_number("国发 2012 15")
    assert query is not None
    year_seq, code = query_doc_number_keys(query)
    assert year_seq in separate and code in separate  # the weakness of the separate shape
    assert query_doc_number_key(query) not in combined
    assert combined == {"鲁政发:2012:15", "政发:2012:15", "国发:2010:3"}
