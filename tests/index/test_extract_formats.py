"""Extraction of every supported format from real files made at test time, through worker processes."""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.config import parse_config
from index.errors import ExtractionError
from index.extract import ExtractLimits, ExtractorPool, extract_file, find_converter, shutdown
from index.messages import t
from tests.fixtures.documents import (
    DOC_NUMBER_397,
    SENTENCES_397,
    TITLE_397,
    encrypt_docx,
    encrypt_pdf,
    make_docx,
    make_pdf,
    make_scan_pdf,
)
from tests.fixtures.ofd import make_ofd
from tests.fixtures.processes import child_pids, pids_with_cmdline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPO = Path(__file__).resolve().parents[2]


LIMITS = ExtractLimits(timeout_s=30.0)


@pytest.fixture(scope="module")
def pool() -> Iterator[ExtractorPool]:
    before = set(child_pids())
    with ExtractorPool(1) as p:
        yield p
    assert set(child_pids()) - before == set(), "extraction workers left running"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def reject_reason(pool: ExtractorPool, path: Path, limits: ExtractLimits = LIMITS) -> str:
    with pytest.raises(ExtractionError) as info:
        pool.extract(path, limits)
    assert t(f"reject.{info.value.reason}")  # every reason has a sentence in the catalogue
    assert info.value.detail
    return info.value.reason


# -- PDF -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("font", ["wqy", "stsong"])
def test_pdf_text_layer_per_page(pool: ExtractorPool, tmp_path: Path, font: str) -> None:
    pages = [[TITLE_397, DOC_NUMBER_397, *SENTENCES_397[:3]], SENTENCES_397[3:]]
    pdf = make_pdf(tmp_path / "notice.pdf", pages, title=TITLE_397, font=font)
    got = pool.extract(pdf, LIMITS)
    assert got.format == "pdf"
    assert got.page_count == 2 and len(got.pages) == 2
    assert got.has_text
    for expected, text in zip(pages, got.pages, strict=True):
        assert squash(text) == squash("".join(expected))
    assert got.title_hint == TITLE_397


def test_pdf_matches_real_document_397(pool: ExtractorPool, shared_corpus: Path) -> None:
    folder = shared_corpus / "govdoc-cn" / "GovDoc-CN_Sample" / "397"
    got = pool.extract(folder / "397.pdf", LIMITS)
    truth = (folder / "397.txt").read_text(encoding="utf-8")
    assert got.page_count == 5 and got.has_text
    ours, theirs = squash(got.text), squash(truth)
    ratio = difflib.SequenceMatcher(None, ours, theirs, autojunk=False).ratio()
    assert ratio > 0.97, f"similarity {ratio:.3f}"
    assert "发改办财金规〔2019〕860号" in ours
    assert "2014-2020年" in ours  # pdfium's soft hyphen is turned back into a hyphen


def test_scan_without_text_layer_is_kept_when_ocr_is_off(pool: ExtractorPool, tmp_path: Path) -> None:
    pdf = make_scan_pdf(tmp_path / "scan.pdf", [TITLE_397, DOC_NUMBER_397], pages=2)
    got = pool.extract(pdf, dataclasses.replace(LIMITS, ocr_max_pages=0))  # OCR: tests/index/test_ocr.py
    assert got.has_text is False and got.ocr is None
    assert got.page_count == 2 and got.pages == ["", ""]


def test_encrypted_pdf_is_rejected(pool: ExtractorPool, tmp_path: Path) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", [[TITLE_397]])
    locked = encrypt_pdf(plain, tmp_path / "locked.pdf", user_password="pw123")
    assert reject_reason(pool, locked) == "encrypted"


def test_pdf_with_owner_password_only_is_readable(pool: ExtractorPool, tmp_path: Path) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", [[TITLE_397]])
    restricted = encrypt_pdf(plain, tmp_path / "restricted.pdf", user_password="")
    assert restricted.read_bytes() != plain.read_bytes()
    assert squash(pool.extract(restricted, LIMITS).text) == TITLE_397


def test_truncated_pdf_is_corrupt(pool: ExtractorPool, tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "full.pdf", [SENTENCES_397] * 3).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    assert reject_reason(pool, cut) == "corrupt"


def test_pdf_that_is_really_a_zip_is_wrong_type(pool: ExtractorPool, tmp_path: Path) -> None:
    fake = tmp_path / "report.pdf"
    fake.write_bytes(make_docx(tmp_path / "x.docx", SENTENCES_397[:2]).read_bytes())
    assert reject_reason(pool, fake) == "wrong_type"


def test_pdf_that_is_really_text_is_wrong_type(pool: ExtractorPool, tmp_path: Path) -> None:
    fake = tmp_path / "report.pdf"
    fake.write_text("\n".join(SENTENCES_397), encoding="utf-8")
    assert reject_reason(pool, fake) == "wrong_type"


# -- DOCX ----------------------------------------------------------------------------------------

def test_docx_paragraphs_and_tables_in_order(pool: ExtractorPool, tmp_path: Path) -> None:
    table = [["单位", "联系人", "电话"], ["区发展改革局", "张三", "0631-1234567"]]
    docx_path = make_docx(
        tmp_path / "notice.docx", [TITLE_397, DOC_NUMBER_397, SENTENCES_397[0]],
        table=table, after_table=[SENTENCES_397[1]], title=TITLE_397,
    )
    got = pool.extract(docx_path, LIMITS)
    assert got.format == "docx" and got.page_count == 1 and got.has_text
    lines = [line for line in got.text.split("\n") if line.strip()]
    assert lines == [
        TITLE_397, DOC_NUMBER_397, SENTENCES_397[0],
        "单位\t联系人\t电话", "区发展改革局\t张三\t0631-1234567", SENTENCES_397[1],
    ]
    assert got.title_hint == TITLE_397


def test_truncated_docx_is_corrupt(pool: ExtractorPool, tmp_path: Path) -> None:
    data = make_docx(tmp_path / "full.docx", SENTENCES_397).read_bytes()
    cut = tmp_path / "cut.docx"
    cut.write_bytes(data[: len(data) * 2 // 3])
    assert reject_reason(pool, cut) == "corrupt"


def test_password_protected_docx_is_encrypted(pool: ExtractorPool, tmp_path: Path) -> None:
    pytest.importorskip("msoffcrypto", reason="msoffcrypto-tool (test extra) makes the encrypted DOCX")
    plain = make_docx(tmp_path / "plain.docx", [TITLE_397])
    locked = encrypt_docx(plain, tmp_path / "locked.docx", password="pw123")
    assert locked.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    assert reject_reason(pool, locked) == "encrypted"


def test_docx_that_is_really_a_pdf_is_wrong_type(pool: ExtractorPool, tmp_path: Path) -> None:
    fake = tmp_path / "notice.docx"
    fake.write_bytes(make_pdf(tmp_path / "n.pdf", [[TITLE_397]]).read_bytes())
    assert reject_reason(pool, fake) == "wrong_type"


# -- TXT -----------------------------------------------------------------------------------------

TEXT = "\n".join([TITLE_397, DOC_NUMBER_397, *SENTENCES_397])


@pytest.mark.parametrize(
    ("encoded", "encodings"),
    [
        (TEXT.encode("utf-8"), {"utf-8"}),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), {"utf-8-sig"}),
        (TEXT.encode("gbk"), {"gb18030"}),
        (TEXT.encode("gb18030"), {"gb18030"}),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), {"utf-16"}),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), {"utf-16"}),
        (TEXT.encode("utf-16-le"), {"utf-16-le"}),
        (TEXT.encode("utf-16-be"), {"utf-16-be"}),
        (TEXT.replace("\n", "\r\n").encode("gbk"), {"gb18030"}),
    ],
    ids=["utf8", "utf8-bom", "gbk-no-bom", "gb18030", "utf16le-bom", "utf16be-bom",
         "utf16le-no-bom", "utf16be-no-bom", "gbk-crlf"],
)
def test_txt_encodings(pool: ExtractorPool, tmp_path: Path, encoded: bytes, encodings: set[str]) -> None:
    path = tmp_path / "notice.txt"
    path.write_bytes(encoded)
    got = pool.extract(path, LIMITS)
    assert got.format == "txt"
    assert got.text == TEXT
    assert got.encoding in encodings


@pytest.mark.parametrize("text", ["关于加强纳税信用建设的通知", "通知", "茅台"])
def test_short_gbk_text_without_bom(pool: ExtractorPool, tmp_path: Path, text: str) -> None:
    # Short GBK is where detectors guess Big5 or Shift-JIS, and '通知' / '茅台' in GBK
    # are even valid UTF-8 (U+0368 U+05AA / é U+0328).
    path = tmp_path / "short.txt"
    path.write_bytes(text.encode("gbk"))
    got = pool.extract(path, LIMITS)
    assert got.text == text
    assert got.encoding == "gb18030"


@pytest.mark.parametrize(("text", "encoding"), [("Café au lait", "utf-8"), ("Привет", "utf-8")])
def test_short_utf8_non_chinese_stays_utf8(pool: ExtractorPool, tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes(text.encode(encoding))
    got = pool.extract(path, LIMITS)
    assert (got.text, got.encoding) == (text, "utf-8")


def test_big5_is_not_read_as_gbk(pool: ExtractorPool, tmp_path: Path) -> None:
    traditional = (
        "關於加強個人所得稅納稅信用建設的通知。各省、自治區、直轄市社會信用體系建設牽頭部門，"
        "國家稅務總局各省稅務局：為貫徹落實中華人民共和國個人所得稅法及其實施條例，現就有關事項通知如下。"
    )
    path = tmp_path / "big5.txt"
    path.write_bytes(traditional.encode("big5"))
    got = pool.extract(path, LIMITS)
    assert got.text == traditional
    assert got.encoding == "big5"


def test_empty_and_blank_text_files(pool: ExtractorPool, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b" \r\n\t\n")
    assert reject_reason(pool, empty) == "empty"
    assert reject_reason(pool, blank) == "empty"


def test_binary_file_named_txt_is_wrong_type(pool: ExtractorPool, tmp_path: Path) -> None:
    png = tmp_path / "scan.txt"
    from PIL import Image

    Image.new("L", (20, 20), 255).save(png, format="PNG")
    assert reject_reason(pool, png) == "wrong_type"


# -- HTML and Markdown ---------------------------------------------------------------------------

def test_html_drops_scripts_and_navigation(pool: ExtractorPool, tmp_path: Path) -> None:
    html = f"""<!DOCTYPE html><html><head><meta charset="gbk">
<title>{TITLE_397}_某某区人民政府</title>
<style>body {{ font-family: 宋体; }}</style>
<script>var 统计代码 = "不应出现"; document.write("脚本文字");</script></head>
<body><nav><a href="/">首页</a> <a href="/zwgk">政务公开</a></nav>
<div class="article"><h1>{TITLE_397}</h1><p>{DOC_NUMBER_397}</p>
<p>{SENTENCES_397[1][:20]}
{SENTENCES_397[1][20:]}</p>
<table><tr><td>单位</td><td>电话</td></tr></table>
<script>alert("弹窗文字")</script></div>
<footer>版权所有：某某区人民政府办公室</footer></body></html>"""
    path = tmp_path / "notice.html"
    path.write_bytes(html.encode("gbk"))
    got = pool.extract(path, LIMITS)
    assert got.format == "html" and got.has_text
    assert got.encoding == "gb18030"
    assert got.title_hint == f"{TITLE_397}_某某区人民政府"
    for noise in ("不应出现", "脚本文字", "弹窗文字", "首页", "政务公开", "版权所有", "font-family"):
        assert noise not in got.text
    lines = got.text.split("\n")
    assert lines[:3] == [TITLE_397, DOC_NUMBER_397, SENTENCES_397[1]]  # no space at the source break
    assert "单位\t电话" in lines[3]


def test_html_without_charset_in_gbk(pool: ExtractorPool, tmp_path: Path) -> None:
    path = tmp_path / "old.htm"
    path.write_bytes(f"<html><body><p>{TITLE_397}</p><p>{SENTENCES_397[1]}</p></body></html>".encode("gbk"))
    got = pool.extract(path, LIMITS)
    assert got.text == f"{TITLE_397}\n{SENTENCES_397[1]}"


def test_markdown_markup_is_stripped(pool: ExtractorPool, tmp_path: Path) -> None:
    md = f"""---
weight: 1
---
# {TITLE_397}

2019年 **国家发展改革委办公厅** 发布

<!-- INFO END -->

- {SENTENCES_397[0]}
- 详见[信用中国](https://www.creditchina.gov.cn)网站

> {SENTENCES_397[5]}

| 单位 | 电话 |
|---|---|
| 区税务局 | 12366 |

姓名：________
"""
    path = tmp_path / "law.md"
    path.write_text(md, encoding="utf-8")
    got = pool.extract(path, LIMITS)
    assert got.format == "md" and got.title_hint == TITLE_397
    lines = [line for line in got.text.split("\n") if line]
    assert lines == [
        TITLE_397, "2019年 国家发展改革委办公厅 发布", SENTENCES_397[0], "详见信用中国网站",
        SENTENCES_397[5], "单位\t电话", "区税务局\t12366", "姓名：________",
    ]


def test_markdown_with_front_matter_only_is_empty(pool: ExtractorPool, tmp_path: Path) -> None:
    path = tmp_path / "_index.md"
    path.write_text("---\nbookCollapseSection: true\n---", encoding="utf-8")
    assert reject_reason(pool, path) == "empty"


# -- OFD -----------------------------------------------------------------------------------------

def test_ofd_pages_in_document_order(pool: ExtractorPool, tmp_path: Path) -> None:
    pages = [[TITLE_397, DOC_NUMBER_397], SENTENCES_397[:3], SENTENCES_397[3:]]
    ofd = make_ofd(tmp_path / "notice.ofd", pages, title=TITLE_397, per_char_pages=frozenset({1}))
    got = pool.extract(ofd, LIMITS)
    assert got.format == "ofd" and got.page_count == 3 and got.has_text
    assert [p.split("\n") for p in got.pages] == pages
    assert got.title_hint == TITLE_397


def test_ofd_written_by_easyofd(pool: ExtractorPool, tmp_path: Path) -> None:
    # Made by easyofd 20260427 (OFD().pdf2ofd) from a two-page reportlab PDF; see fixtures/ofd.py.
    path = tmp_path / "easy.ofd"
    shutil.copy(FIXTURES / "easyofd_sample.ofd", path)
    got = pool.extract(path, LIMITS)
    assert got.pages == [
        "关于加强个人所得税纳税信用建设的通知\n发改办财金规〔2019〕860号",
        "二、建立个人所得税纳税信用管理机制\n（一）全面实施个人所得税申报信用承诺制。",
    ]


def test_zip_that_is_not_ofd_is_wrong_type(pool: ExtractorPool, tmp_path: Path) -> None:
    fake = tmp_path / "notice.ofd"
    fake.write_bytes(make_docx(tmp_path / "n.docx", [TITLE_397]).read_bytes())
    assert reject_reason(pool, fake) == "wrong_type"


def test_too_many_pages(pool: ExtractorPool, tmp_path: Path) -> None:
    few = ExtractLimits(timeout_s=30.0, max_pages=3)
    pdf = make_pdf(tmp_path / "long.pdf", [[s] for s in SENTENCES_397[:4]])
    ofd = make_ofd(tmp_path / "long.ofd", [[s] for s in SENTENCES_397[:4]])
    assert reject_reason(pool, pdf, few) == "too_many_pages"
    assert reject_reason(pool, ofd, few) == "too_many_pages"
    assert pool.extract(pdf, ExtractLimits(max_pages=4)).page_count == 4


# -- legacy and unsupported ----------------------------------------------------------------------

def test_legacy_doc_without_converter(pool: ExtractorPool, tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024
    for name in ("old.doc", "old.wps"):
        (tmp_path / name).write_bytes(ole)
        assert reject_reason(pool, tmp_path / name, ExtractLimits(legacy_converter="none")) == "legacy_format"
    assert t("reject.legacy_format") == "请另存为 DOCX 或 PDF"
    missing = ExtractLimits(legacy_converter=str(tmp_path / "no-such-soffice"))
    assert reject_reason(pool, tmp_path / "old.doc", missing) == "legacy_format"


def test_docx_saved_with_doc_name_is_read(pool: ExtractorPool, tmp_path: Path) -> None:
    path = tmp_path / "renamed.doc"
    path.write_bytes(make_docx(tmp_path / "n.docx", [TITLE_397]).read_bytes())
    got = pool.extract(path, ExtractLimits(legacy_converter="none"))
    assert got.format == "doc" and got.text == TITLE_397


needs_soffice = pytest.mark.skipif(find_converter("auto") is None, reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def real_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Word 97-2003 .doc written by LibreOffice from a python-docx file."""
    import subprocess

    soffice = find_converter("auto")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    tmp = tmp_path_factory.mktemp("legacy")
    src = make_docx(tmp / "src.docx", [TITLE_397, SENTENCES_397[1]])
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
         "--convert-to", "doc", "--outdir", str(tmp / "out"), str(src)],
        check=True, capture_output=True, timeout=120,
    )
    doc = tmp / "out" / "src.doc"
    assert doc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    return doc


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_legacy_with_libreoffice(pool: ExtractorPool, tmp_path: Path, real_doc: Path, suffix: str) -> None:
    path = tmp_path / f"old{suffix}"
    shutil.copy(real_doc, path)
    got = pool.extract(path, ExtractLimits(timeout_s=120.0))
    assert got.format == suffix[1:]
    assert squash(got.text) == squash(TITLE_397 + SENTENCES_397[1])


@pytest.mark.slow
@needs_soffice
def test_legacy_conversion_timeout_kills_libreoffice(pool: ExtractorPool, tmp_path: Path, real_doc: Path) -> None:
    path = tmp_path / "old.doc"
    shutil.copy(real_doc, path)
    seen: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.update(pids_with_cmdline("kiosk-legacy-"))
            stop.wait(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert reject_reason(pool, path, ExtractLimits(timeout_s=1.0)) == "timeout"
    finally:
        stop.set()
        watcher.join()
    assert seen, "LibreOffice never ran, so the test proved nothing"
    deadline = time.monotonic() + 1.0  # killed, not left to finish (a conversion takes ~8 s)
    while pids_with_cmdline("kiosk-legacy-") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pids_with_cmdline("kiosk-legacy-") == []  # soffice died with the worker's process group


def test_unsupported_suffix(pool: ExtractorPool, tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04whatever")
    assert reject_reason(pool, path) == "unsupported"


# -- configuration and the module-level entry point ----------------------------------------------

def test_limits_from_config() -> None:
    config = parse_config(
        "[extract]\ntimeout_s = 7\nmemory_mb = 640\nmax_file_mb = 20\nmax_unzipped_mb = 90\n"
        'max_pages = 12\nlegacy_converter = "none"\n'
    )
    assert ExtractLimits.from_config(config) == ExtractLimits(
        timeout_s=7.0, memory_mb=640, max_file_mb=20, max_unzipped_mb=90, max_pages=12,
        legacy_converter="none",
    )
    assert ExtractLimits.from_config(parse_config("")) == ExtractLimits()


def test_extract_file_uses_a_shared_worker(tmp_path: Path) -> None:
    before = set(child_pids())
    try:
        path = tmp_path / "a.txt"
        path.write_text(TITLE_397, encoding="utf-8")
        assert extract_file(path, LIMITS).text == TITLE_397
        started = set(child_pids()) - before
        assert len(started) == 1
        assert extract_file(path, LIMITS).text == TITLE_397
        assert set(child_pids()) - before == started  # the same worker served both files
        # Two threads at once (as the sync does) get a second worker, no more.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(4) as ex:
            assert list(ex.map(lambda _: extract_file(path, LIMITS).text, range(8))) == [TITLE_397] * 8
        assert 1 <= len(set(child_pids()) - before) <= 2
    finally:
        shutdown()
    assert set(child_pids()) - before == set()


@pytest.mark.slow
@needs_soffice
def test_worker_crash_during_conversion_kills_libreoffice(tmp_path: Path, real_doc: Path) -> None:
    import os
    import signal

    path = tmp_path / "old.doc"
    shutil.copy(real_doc, path)
    probe = tmp_path / "probe.txt"
    probe.write_text(TITLE_397, encoding="utf-8")
    limits = ExtractLimits(timeout_s=60.0)
    with ExtractorPool(1) as pool:
        pool.extract(probe, limits)
        (pid,) = pool.worker_pids()
        seen: list[int] = []

        def crash_when_soffice_runs() -> None:
            deadline = time.monotonic() + 30
            while not seen and time.monotonic() < deadline:
                seen.extend(pids_with_cmdline("kiosk-legacy-"))
                time.sleep(0.05)
            os.kill(pid, signal.SIGSEGV)

        killer = threading.Thread(target=crash_when_soffice_runs)
        killer.start()
        try:
            assert reject_reason(pool, path, limits) == "crashed"
        finally:
            killer.join()
    assert seen, "LibreOffice never ran, so the test proved nothing"
    deadline = time.monotonic() + 1.0  # killed, not left to finish (a conversion takes ~8 s)
    while pids_with_cmdline("kiosk-legacy-") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pids_with_cmdline("kiosk-legacy-") == []


def test_command_line_reports_text_and_rejections(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    config = tmp_path / "kiosk.toml"
    config.write_text("[extract]\nmax_pages = 1\n", encoding="utf-8")
    txt = tmp_path / "a.txt"
    txt.write_bytes(TITLE_397.encode("gbk"))
    pdf = make_pdf(tmp_path / "two.pdf", [[TITLE_397], [DOC_NUMBER_397]])
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "index.extract", "--json", "--config", str(config)]
    ok = subprocess.run([*cmd, str(txt)], capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["pages"] == [TITLE_397]
    bad = subprocess.run([*cmd, str(txt), str(pdf)], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1
    answers = [json.loads(line) for line in bad.stdout.splitlines()]
    assert [a["ok"] for a in answers] == [True, False]
    assert answers[1]["reason"] == "too_many_pages"
    assert answers[1]["reason_text"] == t("reject.too_many_pages")
