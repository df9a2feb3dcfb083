"""`kiosk sync --once`: a real folder of real files into a real library, through the CLI and the API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.config import parse_config
from index.library import Library
from index.sync.reconcile import reconcile_once
from tests.fixtures.documents import encrypt_pdf, make_docx, make_pdf, make_scan_pdf
from tests.fixtures.ofd import make_ofd

REPO = Path(__file__).resolve().parents[2]
NOTICE = ["威海市环翠区人民政府文件", "威环政发〔2012〕15号", "环翠区人民政府关于做好政府信息公开工作的通知",
          "各镇人民政府、街道办事处：", "为深入推进政府信息公开工作，现将有关事项通知如下。",
          "威海市环翠区人民政府", "二〇一二年三月五日"]


@pytest.fixture
def share(tmp_path: Path) -> Path:
    s = tmp_path / "share"
    (s / "规范性文件").mkdir(parents=True)
    (s / ".kiosk-share").write_text("")
    make_pdf(s / "规范性文件" / "信息公开通知.pdf", [NOTICE])
    make_docx(s / "规范性文件" / "停车管理办法.docx",
              ["威海市停车管理办法", "第一条 为了加强机动车停车管理，制定本办法。", "威海市人民政府", "2013年2月19日"])
    (s / "规范性文件" / "低保通知.txt").write_bytes(
        "环翠区民政局关于城乡低保救助标准的通知\n提高城乡居民最低生活保障标准。\n威海市环翠区民政局\n2014年6月30日\n".encode("gbk"))
    make_ofd(s / "规范性文件" / "全民健身计划.ofd", [["环翠区全民健身实施计划", "推进全民健身设施建设。"]])
    (s / "规范性文件" / "Thumbs.db").write_bytes(b"debris")
    (s / "规范性文件" / "草稿.docx.part").write_bytes(b"half")
    return s


def _sync(share: Path, lib: Library, **kw) -> object:
    return reconcile_once(share, lib, lib.config, **kw)


@pytest.fixture
def library(tmp_path: Path):
    config = parse_config("").with_overrides({"review.required": False})
    lib = Library.open(tmp_path / "lib", config, writable=True)
    yield lib
    lib.close()


def test_add_then_nothing_to_do(share, library):
    s1 = _sync(share, library)
    assert sorted(s1.added) == sorted([
        "规范性文件/信息公开通知.pdf", "规范性文件/停车管理办法.docx", "规范性文件/低保通知.txt", "规范性文件/全民健身计划.ofd"])
    assert s1.rejected == [] and s1.extracted == 4
    hit = library.search("信息公开").hits[0]
    assert hit.doc_number == "威环政发〔2012〕15号" and hit.title == "环翠区人民政府关于做好政府信息公开工作的通知"
    assert library.search("最低生活保障").total == 1  # GBK text
    assert library.search("全民健身").total == 1  # OFD
    s2 = _sync(share, library)
    assert (s2.added, s2.updated, s2.removed, s2.extracted, s2.unchanged) == ([], [], [], 0, 4)
    assert library.check_index() == []


def test_change_rename_remove(share, library):
    _sync(share, library)
    doc = share / "规范性文件" / "停车管理办法.docx"
    make_docx(doc, ["威海市停车管理办法", "第一条 为了规范电动自行车停放，制定本办法。", "威海市人民政府", "2013年2月19日"])
    os.utime(doc, (1_700_000_000, 1_700_000_000))
    s = _sync(share, library)
    assert s.updated == ["规范性文件/停车管理办法.docx"] and s.extracted == 1
    assert library.search("电动自行车").total == 1

    (share / "规范性文件" / "2012").mkdir()
    shutil.move(share / "规范性文件" / "信息公开通知.pdf", share / "规范性文件" / "2012" / "信息公开.pdf")
    s = _sync(share, library)
    assert s.moved == [("规范性文件/信息公开通知.pdf", "规范性文件/2012/信息公开.pdf")]
    assert s.extracted == 0 and s.added == [] and s.removed == []
    assert library.search("信息公开").hits[0].source_path == "规范性文件/2012/信息公开.pdf"

    (share / "规范性文件" / "低保通知.txt").unlink()
    s = _sync(share, library)
    assert s.removed == ["规范性文件/低保通知.txt"]
    assert library.search("最低生活保障").total == 0
    assert library.check_index() == []
    # the library keeps no copy of a removed document
    referenced = library.catalogue.referenced_copies()
    on_disk = {str(p.relative_to(library.root)) for p in (library.root / "files").glob("*/*")}
    assert on_disk == referenced


def test_bad_files_are_rejected_with_reasons_and_the_rest_arrives(share, library, tmp_path):
    d = share / "规范性文件"
    good = make_pdf(tmp_path / "good.pdf", [NOTICE])
    (d / "截断.pdf").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    encrypt_pdf(good, d / "加密.pdf")
    (d / "空文件.docx").write_bytes(b"")
    (d / "伪装.pdf").write_text("这其实是一个文本文件", encoding="utf-8")
    (d / "旧格式.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    (d / "表格.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    make_scan_pdf(d / "扫描件.pdf", ["关于加强个人所得税纳税信用建设的通知"])
    # OCR off here (scans are recognised in tests/sync/test_ocr_sync.py)
    config = library.config.with_overrides({"extract.legacy_converter": "none", "extract.ocr_max_pages": 0})
    s = reconcile_once(share, library, config)
    reasons = dict(s.rejected)
    assert reasons["规范性文件/截断.pdf"] == "corrupt"
    assert reasons["规范性文件/加密.pdf"] == "encrypted"
    assert reasons["规范性文件/空文件.docx"] == "empty"
    assert reasons["规范性文件/伪装.pdf"] == "wrong_type"
    assert reasons["规范性文件/旧格式.doc"] == "legacy_format"
    assert reasons["规范性文件/表格.xls"] == "unsupported"
    assert len(s.added) == 5  # the four good ones and the scan, kept without text
    scan = library.catalogue.by_path("规范性文件/扫描件.pdf")
    assert scan is not None and not scan.has_text
    assert {r.source_path for r in library.rejections()} == set(reasons)
    # a rejected file is retried only when it changes
    again = reconcile_once(share, library, config)
    assert again.rejected == [] and again.extracted == 0


def test_share_without_marker_removes_nothing(share, library):
    _sync(share, library)
    (share / ".kiosk-share").unlink()
    (share / "规范性文件" / "低保通知.txt").unlink()
    s = _sync(share, library)
    assert s.removed == [] and s.held_removals == 1
    assert library.search("最低生活保障").total == 1


def test_mass_removal_holds_until_allowed(share, library):
    _sync(share, library)
    for f in (share / "规范性文件").glob("*.*"):
        if f.suffix in (".pdf", ".docx", ".ofd"):
            f.unlink()
    s = _sync(share, library)
    assert s.held_removals == 3 and s.removed == [] and s.hold_reason
    s = _sync(share, library, allow_mass_removal=True)
    assert len(s.removed) == 3


def test_cli_json_summary_and_exit_codes(share, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[review]\nrequired = false\n', encoding="utf-8")
    lib = tmp_path / "clilib"
    run = lambda *a: subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), *a],  # noqa: E731
                                    capture_output=True, text=True, env=env, cwd=REPO)
    out = run("sync", "--once", "--share", str(share), "--library", str(lib), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert len(summary["added"]) == 4 and summary["library"]["public"] == 4
    res = run("search", "--library", str(lib), "--json", "威环政发[2012]15号")
    data = json.loads(res.stdout)
    assert data["hits"][0]["source_path"] == "规范性文件/信息公开通知.pdf"
    assert set(data) == {"query", "total", "hits", "facets", "suggestions"}
    assert set(data["hits"][0]) == {"id", "title", "kind", "doc_number", "issuer", "date", "validity",
                                    "source_path", "score", "snippet"}
    cands = json.loads(run("candidates", "--library", str(lib), "--json", "xxgk").stdout)
    assert "信息公开" in cands["candidates"]
    assert run("index", "check", "--library", str(lib)).returncode == 0
    assert run("index", "rebuild", "--library", str(lib)).returncode == 0
    bad = run("search", "--library", str(tmp_path / "nowhere"), "x")
    assert bad.returncode == 1 and "kiosk sync --once" in bad.stderr
    assert run("search", "--bogus").returncode == 2
    cfg.write_text('[review]\nrequird = false\n', encoding="utf-8")
    typo = run("search", "--library", str(lib), "x")
    assert typo.returncode == 2 and "review.required" in typo.stderr
