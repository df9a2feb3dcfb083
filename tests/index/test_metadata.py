"""derive_metadata and friends (index.metadata) on real texts and on files written here."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from index import metadata as md
from index.config import load_config
from index.metadata import (
    assign_families,
    derive_metadata,
    is_trusted_folder,
    metadata_inputs,
    normalize_validity,
    parse_date,
    parse_gazette_contents,
)
from index.metadata import sources as md_sources
from index.models import DocumentMeta, Extracted

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def config() -> Any:
    return load_config(None)


@pytest.fixture(autouse=True)
def _fresh_catalogue_cache() -> None:
    md.clear_catalogue_cache()


def _bench(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A notice in the shape Weihai's government prints them: red head, 文号, a title over two
# lines, addressees, body, signature with a date in Chinese numerals. The title is that of
# a real Weihai regulation (lawrefbook 威海市危险废物管理办法); the layout is made here.
WEIHAI_NOTICE = """威海市人民政府文件

威政发〔2013〕5号
签发人：张三

威海市人民政府关于印发
威海市危险废物管理办法的通知

各区市人民政府，国家级开发区管委，南海新区管委，市政府各部门、单位：
现将《威海市危险废物管理办法》印发给你们，请认真贯彻执行。
本办法自2013年3月1日起施行。

威海市人民政府
二〇一三年二月十九日
（此件公开发布）

抄送：市委各部门。
威海市人民政府办公室                  2013年2月20日印发
"""


def _extracted(text: str, fmt: str = "txt", title_hint: str = "") -> Extracted:
    return Extracted(pages=[text], page_count=1, has_text=True, format=fmt, title_hint=title_hint)


# -- the text -----------------------------------------------------------------------------


def test_red_head_notice_gives_title_number_issuer_and_dates(tmp_path: Path, config: Any) -> None:
    meta = derive_metadata("规范性文件/通知.txt", tmp_path, _extracted(WEIHAI_NOTICE), config)
    assert meta.title == "威海市人民政府关于印发威海市危险废物管理办法的通知"
    assert meta.doc_number == "威政发〔2013〕5号"
    assert meta.issuer == "威海市人民政府"
    assert meta.written_date == "2013-02-19"  # the signature's date, not the 印发 date below it
    assert meta.effective_date == "2013-03-01"
    assert meta.kind == "规范性文件"
    assert meta.sources["title"] == "text" and meta.sources["kind"] == "path"
    assert meta.sources["validity"] == "default"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("威海市人民政府文件\n威政发〔2013〕5号\n威海市人民政府关于加强城市管理执法\n工作的意见\n各区市人民政府：\n正文。",
         "威海市人民政府关于加强城市管理执法工作的意见"),
        ("威海市人民政府关于印发《威海市养犬管理办法》\n的通知\n各区市：\n正文。", "威海市人民政府关于印发《威海市养犬管理办法》的通知"),
        ("威海市养犬管理办法\n第一章　总则\n第一条　为了规范养犬行为，制定本办法。", "威海市养犬管理办法"),
        ("威海市人民政府关于做好防汛工作的通知\n威海市人民政府办公室\n各区市：", "威海市人民政府关于做好防汛工作的通知"),
        ("中华人民共和国监察法\n2018年3月20日第十三届全国人民代表大会第一次会议通过\n", "中华人民共和国监察法"),
        ("字号：大 中 小\n打印本页\n【已废止】关于加强保险业宣传工作的通知\n各保监局：", "关于加强保险业宣传工作的通知"),
        ("现将有关事项通知如下。各单位要认真落实，确保工作取得实效。", ""),
        ("首页 > 政务公开 > 政策文件\n发布时间：2013-02-19 来源：市政府办公室\n威海市人民政府关于做好防汛工作的通知\n各区市：",
         "威海市人民政府关于做好防汛工作的通知"),
    ],
)
def test_title_lines(tmp_path: Path, config: Any, text: str, title: str) -> None:
    meta = derive_metadata("杂项/无题.txt", tmp_path, _extracted(text), config)
    if title:
        assert (meta.title, meta.sources["title"]) == (title, "text")
    else:  # no title in the text: the file name stands in
        assert (meta.title, meta.sources["title"]) == ("无题", "path")


@pytest.mark.needs_shared
@pytest.mark.parametrize("fmt", ["txt", "pdf"])
def test_govdoc_397_against_its_labels(shared_corpus: Path, config: Any, fmt: str) -> None:
    figures = _bench("metadata_accuracy").measure_govdoc(shared_corpus, config)
    assert figures[fmt]["right"] == {"title": True, "doc_number": True, "issuer": True, "written_date": True}, figures[fmt]


@pytest.mark.needs_shared
def test_weihai_regulations_against_lawrefbook_db(shared_corpus: Path, tmp_path: Path, config: Any) -> None:
    root = shared_corpus / "lawrefbook" / "DLC" / "山东地方法规"
    db = sqlite3.connect(f"file:{root / 'db.sqlite3'}?mode=ro", uri=True)
    rows = db.execute("select name, publish, valid_from from law where name like '威海市%'").fetchall()
    db.close()
    assert len(rows) == 12
    for name, publish, _valid_from in rows:
        (path,) = root.rglob(f"{name}({publish}).md")
        rel = f"法律法规/{path.name}"
        meta = derive_metadata(rel, tmp_path, _extracted(path.read_text(encoding="utf-8"), "md"), config)
        assert meta.title == name
        assert meta.publish_date == publish and meta.sources["publish_date"] == "path"
        assert meta.issuer == "威海市人民代表大会常务委员会"
        assert meta.kind == "法律法规"
        assert meta.written_date and meta.written_date <= publish


@pytest.mark.needs_shared
@pytest.mark.slow
def test_accuracy_floors_on_real_documents(shared_corpus: Path, config: Any) -> None:
    bench = _bench("metadata_accuracy")
    law = bench.measure_lawrefbook(shared_corpus, config)
    assert law["documents"] > 450
    assert law["title"] >= 0.98 and law["publish_date"] >= 0.98 and law["issuer_found"] >= 0.95
    policy = bench.measure_policy_documents(shared_corpus, config)
    assert policy["documents_whose_text_shows_the_title"] >= 15
    assert policy["title"] >= 0.75, policy["title_misses"]
    assert policy["date_right_when_found"] >= 0.85


def test_saved_web_page_labels_and_validity_mark(tmp_path: Path, config: Any) -> None:
    # The header block of zj.gov.cn pages (policy_documents.jsonl, 浙政发〔2016〕49号), kept short.
    text = (
        "[有效]浙江省人民政府关于印发浙江省盐业体制改革实施方案的通知\n"
        "索引号： 000014349/2016-712118 主题分类： 综合政务\n"
        "发布机构： 省政府办公厅 成文日期： 2016-12-28\n"
        "文号： 浙政发〔2016〕49号\n"
        "各市、县（市、区）人民政府，省政府直属各单位：\n"
        "现将《浙江省盐业体制改革实施方案》印发给你们，请认真贯彻实施。\n"
    )
    meta = derive_metadata("a/b.html", tmp_path, _extracted(text, "html"), config)
    assert meta.title == "浙江省人民政府关于印发浙江省盐业体制改革实施方案的通知"
    assert meta.validity == "有效" and meta.sources["validity"] == "text"
    assert (meta.index_number, meta.topic, meta.issuer) == ("000014349/2016-712118", "综合政务", "省政府办公厅")
    assert (meta.written_date, meta.doc_number) == ("2016-12-28", "浙政发〔2016〕49号")


# -- the sidecar ------------------------------------------------------------------------------


def test_sidecar_with_chinese_keys_wins(tmp_path: Path, config: Any) -> None:
    folder = tmp_path / "规范性文件" / "2013"
    folder.mkdir(parents=True)
    (folder / "通知.pdf").write_bytes(b"%PDF-1.4 stand-in, never read here")
    sidecar = {
        "标题": "威海市人民政府关于印发威海市危险废物管理办法的通知",
        "文号": "威政发[2013]5号",
        "发布机构": "威海市人民政府",
        "成文日期": "二〇一三年二月十九日",
        "发布日期": "2013/2/21",
        "有效性": "已废止",
        "替代文件": "威政发〔2020〕1号",
        "主题分类": "城乡建设、环境保护",
        "主题词": "环境；危险废物、管理",
        "索引号": "11371000004397829C/2013-00005",
        "链接": "http://www.weihai.gov.cn/art/2013/2/21/art_1.html",
        "审查人": "李四",
        "审查日期": "2013-02-22",
    }
    (folder / "通知.pdf.json").write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")
    meta = derive_metadata("规范性文件/2013/通知.pdf", tmp_path, _extracted(WEIHAI_NOTICE.replace("二〇一三年二月十九日", "二〇一三年二月十八日")), config)
    assert meta.doc_number == "威政发〔2013〕5号"
    assert meta.written_date == "2013-02-19" and meta.sources["written_date"] == "sidecar"
    assert meta.publish_date == "2013-02-21"
    assert meta.validity == "废止" and meta.replaced_by == "威政发〔2020〕1号"
    assert meta.keywords == ["环境", "危险废物", "管理"]
    assert meta.reviewed and meta.reviewer == "李四"
    assert meta.effective_date == "2013-03-01" and meta.sources["effective_date"] == "text"
    assert "sidecar_error" not in meta.sources


def test_sidecar_with_english_keys_and_contents(tmp_path: Path, config: Any) -> None:
    (tmp_path / "政府公报").mkdir()
    (tmp_path / "政府公报" / "issue.pdf").write_bytes(b"x")
    data = {
        "kind": "公报",
        "title": "威海市人民政府公报2013年第2期",
        "gazette_year": "2013",
        "gazette_issue": "第2期",
        "keywords": ["公报"],
        "contents": [{"标题": "威海市人民政府关于印发威海市危险废物管理办法的通知", "页码": 3, "文号": "威政发〔2013〕5号"},
                     {"title": "broken entry without page"}],
    }
    (tmp_path / "政府公报" / "issue.pdf.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    meta = derive_metadata("政府公报/issue.pdf", tmp_path, _extracted("封面"), config)
    assert (meta.kind, meta.gazette_year, meta.gazette_issue) == ("政府公报", 2013, 2)
    assert meta.title == "威海市人民政府公报2013年第2期" and meta.sources["title"] == "sidecar"
    assert len(meta.contents) == 1 and meta.contents[0].page == 3 and meta.contents[0].doc_number == "威政发〔2013〕5号"


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", "{\"标题\": \"半截".encode("gbk"), b"\xff\xfe\x00garbage"])
def test_malformed_sidecar_is_ignored_not_fatal(tmp_path: Path, config: Any, content: bytes, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "规范性文件").mkdir()
    (tmp_path / "规范性文件" / "通知.txt.json").write_bytes(content)
    with caplog.at_level("WARNING", logger="index.metadata"):
        meta = derive_metadata("规范性文件/通知.txt", tmp_path, _extracted(WEIHAI_NOTICE), config)
    assert meta.sources["sidecar_error"].startswith("通知.txt.json")
    assert meta.title.startswith("威海市人民政府关于印发") and meta.sources["title"] == "text"
    assert any("sidecar" in r.getMessage() for r in caplog.records)


def test_gbk_sidecar_is_read(tmp_path: Path, config: Any) -> None:
    (tmp_path / "a.txt.json").write_bytes(json.dumps({"标题": "关于做好防汛工作的通知", "有效性": "现行有效"}, ensure_ascii=False).encode("gbk"))
    meta = derive_metadata("a.txt", tmp_path, _extracted("正文"), config)
    assert meta.title == "关于做好防汛工作的通知" and meta.validity == "有效"


# -- the folder catalogue -----------------------------------------------------------------------


def _write_xlsx(path: Path, rows: list[list[Any]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def test_xlsx_catalogue_rows_match_by_name_with_or_without_extension(tmp_path: Path, config: Any) -> None:
    folder = tmp_path / "规范性文件"
    folder.mkdir()
    _write_xlsx(folder / "目录.xlsx", [
        ["威海市规范性文件目录"],  # a caption row above the header
        ["文件名", "标题", "文号", "发布机构", "发布日期", "有效性", "审查人", "审查日期"],
        ["通知一.pdf", "关于甲的通知", "威政发〔2013〕5号", "威海市人民政府", dt.datetime(2013, 2, 21), "失效", "王五", dt.date(2013, 2, 22)],
        ["通知二", "关于乙的通知", "威政办发(2014)7号", "威海市人民政府办公室", "2014年3月4日", "被修订", None, None],
    ])
    one = derive_metadata("规范性文件/通知一.pdf", tmp_path, _extracted("正文"), config)
    assert (one.title, one.doc_number, one.publish_date, one.validity) == ("关于甲的通知", "威政发〔2013〕5号", "2013-02-21", "失效")
    assert one.reviewed and one.review_date == "2013-02-22" and one.sources["title"] == "spreadsheet"
    two = derive_metadata("规范性文件/通知二.docx", tmp_path, _extracted("正文"), config)
    assert (two.title, two.doc_number, two.publish_date, two.validity) == ("关于乙的通知", "威政办发〔2014〕7号", "2014-03-04", "已修订")
    assert not two.reviewed
    three = derive_metadata("规范性文件/不在目录里.pdf", tmp_path, _extracted(WEIHAI_NOTICE), config)
    assert three.sources["title"] == "text"
    assert metadata_inputs("规范性文件/通知一.pdf", tmp_path) == [folder / "目录.xlsx"]


def test_sidecar_beats_spreadsheet_beats_text(tmp_path: Path, config: Any) -> None:
    _write_xlsx(tmp_path / "目录.xlsx", [["文件名", "标题", "发布机构"], ["a.txt", "表格标题", "表格机构"]])
    (tmp_path / "a.txt.json").write_text(json.dumps({"标题": "旁注标题"}, ensure_ascii=False), encoding="utf-8")
    meta = derive_metadata("a.txt", tmp_path, _extracted(WEIHAI_NOTICE), config)
    assert (meta.title, meta.sources["title"]) == ("旁注标题", "sidecar")
    assert (meta.issuer, meta.sources["issuer"]) == ("表格机构", "spreadsheet")
    assert (meta.doc_number, meta.sources["doc_number"]) == ("威政发〔2013〕5号", "text")
    assert set(metadata_inputs("a.txt", tmp_path)) == {tmp_path / "a.txt.json", tmp_path / "目录.xlsx"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_catalogue_in_each_encoding(tmp_path: Path, config: Any, encoding: str) -> None:
    text = "文件名,标题,文号,成文日期,主题词\n办法.pdf,威海市养犬管理办法,威政字〔2015〕12号,2015-06-01,养犬；管理\n"
    (tmp_path / "catalog.csv").write_bytes(text.encode(encoding))
    meta = derive_metadata("办法.pdf", tmp_path, _extracted(""), config)
    assert (meta.title, meta.doc_number, meta.written_date) == ("威海市养犬管理办法", "威政字〔2015〕12号", "2015-06-01")
    assert meta.keywords == ["养犬", "管理"]


def test_catalogue_is_parsed_once_per_version(tmp_path: Path, config: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "目录.xlsx"
    _write_xlsx(path, [["文件名", "标题"]] + [[f"{i}.pdf", f"标题{i}"] for i in range(200)])
    calls: list[Path] = []
    real = md_sources._read_xlsx
    monkeypatch.setattr(md_sources, "_read_xlsx", lambda p: calls.append(p) or real(p))
    for i in range(200):
        assert derive_metadata(f"{i}.pdf", tmp_path, _extracted(""), config).title == f"标题{i}"
    assert len(calls) == 1
    _write_xlsx(path, [["文件名", "标题"], ["0.pdf", "新标题"]])
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert derive_metadata("0.pdf", tmp_path, _extracted(""), config).title == "新标题"
    assert len(calls) == 2


def test_damaged_spreadsheet_is_ignored_not_fatal(tmp_path: Path, config: Any) -> None:
    (tmp_path / "目录.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    meta = derive_metadata("通知.txt", tmp_path, _extracted(WEIHAI_NOTICE), config)
    assert meta.sources["spreadsheet_error"].startswith("目录.xlsx")
    assert meta.doc_number == "威政发〔2013〕5号"


# -- the path ---------------------------------------------------------------------------------


def test_a_gazette_cover_gives_the_publisher_and_date_not_the_documents_inside(tmp_path: Path, config: Any) -> None:
    cover = ("威海市环翠区人民政府公报\n2012年第4期\n（总第36期）\n威海市环翠区人民政府办公室 编印\n"
             "二〇一二年十二月三十一日\n")
    inside = ("殡葬管理条例\n第一条 为了加强殡葬管理，制定本条例。\n第四十条 本条例自2013年1月1日起施行。\n"
              "某某市民政局\n2012年11月30日\n")
    extracted = Extracted(pages=[cover, inside], page_count=2, has_text=True, format="pdf")
    meta = derive_metadata("政府公报/2012/公报第4期.pdf", tmp_path, extracted, config)
    assert (meta.kind, meta.gazette_year, meta.gazette_issue) == ("政府公报", 2012, 4)
    assert (meta.issuer, meta.publish_date) == ("威海市环翠区人民政府办公室", "2012-12-31")
    assert meta.effective_date == "" and meta.date == "2012-12-31"  # not the 施行 date of a document in it


def test_path_gives_kind_gazette_issue_date_and_number(tmp_path: Path, config: Any) -> None:
    gazette = derive_metadata("政府公报/2012年/威海市人民政府公报2012年第3期.pdf", tmp_path, _extracted(""), config)
    assert (gazette.kind, gazette.gazette_year, gazette.gazette_issue) == ("政府公报", 2012, 3)
    assert gazette.title == "政府公报2012年第3期" and gazette.year == 2012
    other = derive_metadata("杂项/公报2013年第12期/封面.pdf", tmp_path, _extracted(""), config)
    assert (other.kind, other.gazette_year, other.gazette_issue) == ("政府公报", 2013, 12)
    dated = derive_metadata("规范性文件/威政发〔2015〕3号 关于养犬管理的通知(2015-06-01).pdf", tmp_path, _extracted(""), config)
    assert (dated.doc_number, dated.publish_date, dated.kind) == ("威政发〔2015〕3号", "2015-06-01", "规范性文件")
    assert dated.title == "关于养犬管理的通知" and dated.sources["title"] == "path"
    custom = config.with_overrides({"metadata.kind_folders": {"现行文件": "规范性文件"}})
    assert derive_metadata("现行文件/x.pdf", tmp_path, _extracted(""), custom).kind == "规范性文件"
    assert derive_metadata("x.pdf", tmp_path, _extracted(""), custom).sources["kind"] == "default"


# -- normalisers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("有效", "有效"), ("现行有效", "有效"), ("废止", "废止"), ("已废止", "废止"), ("失效", "失效"), ("已失效", "失效"),
     ("修订", "已修订"), ("已修订", "已修订"), ("被修订", "已修订"), ("【已废止】", "废止"), (" 有 效 ", "有效"), ("不详", "")],
)
def test_normalize_validity(raw: str, expected: str) -> None:
    assert normalize_validity(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("二〇一三年二月十九日", "2013-02-19"), ("二○一九年十二月三十一日", "2019-12-31"), ("2013年2月19日", "2013-02-19"),
     ("2019 年 8 月 20 日", "2019-08-20"), ("２０１３年２月１９日", "2013-02-19"), ("2013/2/19", "2013-02-19"),
     ("2013.02.19", "2013-02-19"), ("20130219", "2013-02-19"), (dt.datetime(2013, 2, 19, 8), "2013-02-19"),
     ("2013年2月30日", ""), ("无", "")],
)
def test_parse_date(raw: Any, expected: str) -> None:
    assert parse_date(raw) == expected


# -- gazette contents -------------------------------------------------------------------------

# Contents of a gazette issue assembled from real titles (policy_documents.jsonl and
# lawrefbook Weihai); page numbers printed with full-width digits, the issue's own
# numbering starting after a cover and the contents page (offset 2).
GAZETTE_TITLES = [
    ("威海市人民政府关于印发威海市危险废物管理办法的通知", "（威政发〔2013〕5号）", 1),
    ("辽宁省人民政府关于新形势下加强打击侵犯知识产权和制售假冒伪劣商品工作的实施意见", "", 3),
    ("重庆市人民政府办公厅关于促进内外贸一体化发展的实施意见", "", 4),
]


def _gazette_pages() -> list[str]:
    lines = ["威海市人民政府公报", "2013年第2期", "", "目  录", "", "【市政府文件】"]
    full = str.maketrans("0123456789", "０１２３４５６７８９")
    for title, number, page in GAZETTE_TITLES:
        if len(title) > 30:  # wraps over two lines, as typeset contents do
            lines += [title[:30], f"{title[30:]}{number}……………………{str(page).translate(full)}"]
        else:
            lines.append(f"{title}{number}…………………………{str(page).translate(full)}")
    lines.append("威海市人民政府关于不存在的页面的通知………………９９")
    pages = ["威海市人民政府公报\n2013年第2期\n威海市人民政府办公室主办", "\n".join(lines)]
    for number in range(1, 6):
        starts = [t for t, _n, p in GAZETTE_TITLES if p == number]
        body = "\n".join(f"{t[:20]}\n{t[20:]}\n正文……" for t in starts) or "（续）正文……"
        pages.append(f"{body}\n— {number} —")
    return pages


def test_gazette_contents_with_offset_and_range_check() -> None:
    pages = _gazette_pages()
    items = parse_gazette_contents(pages)
    assert [(i.title, i.page) for i in items] == [(t, p + 2) for t, _n, p in GAZETTE_TITLES]
    assert items[0].doc_number == "威政发〔2013〕5号"
    assert all(1 <= i.page <= len(pages) for i in items)


def test_gazette_issue_gets_contents_through_derive(tmp_path: Path, config: Any) -> None:
    pages = _gazette_pages()
    extracted = Extracted(pages=pages, page_count=len(pages), has_text=True, format="pdf")
    meta = derive_metadata("政府公报/2013/威海市人民政府公报2013年第2期.pdf", tmp_path, extracted, config)
    assert meta.kind == "政府公报" and meta.sources["contents"] == "text"
    assert meta.title == "威海市人民政府公报2013年第2期"
    assert [i.page for i in meta.contents] == [3, 5, 6]


def test_gazette_cover_in_the_text_names_year_and_issue(tmp_path: Path, config: Any) -> None:
    pages = _gazette_pages()
    extracted = Extracted(pages=pages, page_count=len(pages), has_text=True, format="pdf")
    meta = derive_metadata("杂项/scan0001.pdf", tmp_path, extracted, config)
    assert (meta.kind, meta.gazette_year, meta.gazette_issue) == ("政府公报", 2013, 2)
    assert meta.sources["gazette_issue"] == "text" and meta.title == "威海市人民政府公报2013年第2期"
    assert len(meta.contents) == 3


def test_no_contents_page_gives_no_items() -> None:
    assert parse_gazette_contents(["第一页\n正文", "第二页"]) == []


# -- families of versions ---------------------------------------------------------------------


def _meta(title: str, date: str, number: str = "", issuer: str = "威海市人民政府", **sources: str) -> DocumentMeta:
    return DocumentMeta(title=title, written_date=date, doc_number=number, issuer=issuer, sources=dict(sources))


def test_families_mark_older_versions() -> None:
    docs = [
        ("v2015", _meta("威海市养犬管理办法", "2015-06-01", "威政字〔2015〕12号")),
        ("v2010", _meta("威海市养犬管理办法（试行）", "2010-03-01", "威政字〔2010〕3号")),
        ("v2020", _meta("威海市养犬管理办法（2020年修订）", "2020-01-17", "威政字〔2020〕1号")),
        ("stated", _meta("威海市养犬管理办法", "2012-05-05", validity="sidecar")),
        ("other_issuer", _meta("威海市养犬管理办法", "2001-01-01", issuer="荣成市人民政府")),
        ("undated", _meta("威海市养犬管理办法", "")),
        ("alone", _meta("威海市节约用水条例", "2020-01-17")),
    ]
    result = assign_families(docs)
    pointer = "威海市养犬管理办法（2020年修订）（威政字〔2020〕1号）"
    assert result == {"v2020": ("有效", ""), "v2015": ("已修订", pointer), "v2010": ("已修订", pointer)}


def test_family_mark_is_undone_when_the_newer_version_leaves() -> None:
    old = _meta("威海市养犬管理办法", "2010-03-01", "威政字〔2010〕3号")
    new = _meta("威海市养犬管理办法", "2015-06-01", "威政字〔2015〕12号")
    first = assign_families([("old", old), ("new", new)])
    assert first["old"] == ("已修订", "威海市养犬管理办法（威政字〔2015〕12号）")
    old.validity, old.replaced_by = first["old"]
    old.sources["validity"] = "family"  # as the sync records it
    assert assign_families([("old", old)]) == {"old": ("有效", "")}


def test_metadata_signature_follows_sidecar_and_catalogues(tmp_path: Path) -> None:
    document = tmp_path / "通知.pdf"
    document.write_bytes(b"x")
    before = md.metadata_signature(document)
    (tmp_path / "catalog.xlsx").write_bytes(b"not yet a workbook")
    with_catalogue = md.metadata_signature(document)
    assert with_catalogue != before
    (tmp_path / "通知.pdf.json").write_text("{}", encoding="utf-8")
    assert md.metadata_signature(document) not in (before, with_catalogue)


def test_same_newest_date_with_different_numbers_is_left_alone() -> None:
    docs = [
        ("a", _meta("关于做好防汛工作的通知", "2020-06-01", "威政办发〔2020〕1号")),
        ("b", _meta("关于做好防汛工作的通知", "2020-06-01", "威政办发〔2020〕2号")),
        ("c", _meta("关于做好防汛工作的通知", "2019-06-01", "威政办发〔2019〕9号")),
    ]
    assert assign_families(docs) == {}


# -- review -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel_path", "patterns", "expected"),
    [
        ("已审查/2023/a.pdf", ["已审查"], True),
        ("已审查/a.pdf", ["已审查"], True),
        ("规范性文件/已审查/a.pdf", ["*/已审查"], True),
        ("规范性文件/待审/a.pdf", ["*/已审查"], False),
        ("a.pdf", ["*"], False),
        ("公报/2012年第3期/a.pdf", ["公报/20??年第*期"], True),
        ("公报/a.pdf", [], False),
    ],
)
def test_trusted_folders(rel_path: str, patterns: list[str], expected: bool) -> None:
    assert is_trusted_folder(rel_path, patterns) is expected


def test_reviewed_needs_both_reviewer_and_date(tmp_path: Path, config: Any) -> None:
    (tmp_path / "a.txt.json").write_text(json.dumps({"审查人": "李四"}, ensure_ascii=False), encoding="utf-8")
    assert not derive_metadata("a.txt", tmp_path, _extracted(""), config).reviewed
    shutil.copy(tmp_path / "a.txt.json", tmp_path / "b.txt.json")
    (tmp_path / "b.txt.json").write_text(json.dumps({"审查人": "李四", "审查日期": "2024年1月2日"}, ensure_ascii=False), encoding="utf-8")
    assert derive_metadata("b.txt", tmp_path, _extracted(""), config).reviewed


WQY_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def test_gazette_pdf_made_with_reportlab(tmp_path: Path, config: Any) -> None:
    """A real PDF (reportlab) read back with pypdfium2, as the extractor does."""
    if not WQY_FONT.exists():
        pytest.skip(f"{WQY_FONT} (apt fonts-wqy-microhei) is needed to typeset Chinese")
    pdfium = pytest.importorskip("pypdfium2")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("wqy", str(WQY_FONT), subfontIndex=0))
    path = tmp_path / "政府公报" / "2013" / "威海市人民政府公报2013年第2期.pdf"
    path.parent.mkdir(parents=True)
    pdf = canvas.Canvas(str(path))
    pdf.setFont("wqy", 20)
    pdf.drawString(150, 700, "威海市人民政府公报")
    pdf.drawString(200, 660, "2013年第2期")
    pdf.showPage()
    pdf.setFont("wqy", 11)
    y = 780
    for line in _gazette_pages()[1].splitlines()[3:]:
        pdf.drawString(50, y, line)
        y -= 22
    pdf.showPage()
    for page_text in _gazette_pages()[2:]:
        pdf.setFont("wqy", 11)
        y = 780
        for line in page_text.splitlines():
            pdf.drawString(50, y, line)
            y -= 22
        pdf.showPage()
    pdf.save()
    document = pdfium.PdfDocument(str(path))
    try:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    extracted = Extracted(pages=pages, page_count=len(pages), has_text=True, format="pdf")
    meta = derive_metadata(path.relative_to(tmp_path).as_posix(), tmp_path, extracted, config)
    assert (meta.kind, meta.gazette_year, meta.gazette_issue) == ("政府公报", 2013, 2)
    assert meta.title == "威海市人民政府公报2013年第2期"
    assert [(i.title, i.page) for i in meta.contents] == [(t, p + 2) for t, _n, p in GAZETTE_TITLES]


def test_folder_signatures_equal_the_per_file_signature(tmp_path):
    """The scan's listing-based signatures are the same strings as metadata_signature, and
    change when a sidecar or the folder catalogue does."""
    from index.metadata import FolderSignatures, metadata_signature

    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "b.txt").write_text("x", encoding="utf-8")
    (tmp_path / "b.txt.json").write_text('{"title": "乙"}', encoding="utf-8")
    (tmp_path / "c.docx.json").mkdir()  # a folder where a sidecar would be: stat'ed alike
    (tmp_path / "c.docx").write_bytes(b"PK")
    (tmp_path / "catalog.csv").write_text("文件名,标题\n", encoding="utf-8")

    def both(name: str) -> tuple[str, str]:
        listing = FolderSignatures(tmp_path, os.listdir(tmp_path))
        return listing.signature(name), metadata_signature(tmp_path / name)

    for name in ("a.pdf", "b.txt", "c.docx"):
        listed, single = both(name)
        assert listed == single, name
    before = both("b.txt")[0]
    (tmp_path / "b.txt.json").write_text('{"title": "乙（修订）"}', encoding="utf-8")
    assert both("b.txt")[0] != before
    (tmp_path / "catalog.csv").unlink()
    assert both("a.pdf")[0].endswith("-:-:-:-")
