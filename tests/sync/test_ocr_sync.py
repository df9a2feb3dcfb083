"""Scans from a real share into real libraries: searchable, shared OCR results, limits.

One share holds a scanned multi-page TIFF and an image-only PDF made from real corpus
texts (``tests/fixtures/scans.py``) and one typeset text file. The first library
recognises the scans with Tesseract and leaves the results under the share's status
folder; a second library on the same share runs with no ``tesseract`` on its PATH and
still gets both scans, which proves it reused the shared results.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import extract
from index.config import parse_config
from index.extract._ocr import tesseract_languages
from index.library import Library
from index.ocr_cache import OcrStore, read_low_confidence
from index.sync.reconcile import reconcile_once
from index.sync.status import build_status, summary_text
from tests.fixtures.scans import (
    ScanText,
    govdoc397_text,
    policy_text,
    save_pdf,
    save_tiff,
    scan_page,
)

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None or "chi_sim" not in tesseract_languages(),
    reason="needs tesseract with chi_sim (apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-osd)",
)

STATUS_DIR = ".kiosk-status"
# Every scan page is read below this, so both scans are listed as low confidence (and still indexed).
CONFIG = parse_config("").with_overrides({"review.required": False, "extract.ocr_min_confidence": 99.5})


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def tree(root: Path) -> dict[str, tuple[int, float]]:
    """Every file under ``root`` but the shared OCR results, with size and mtime."""
    out = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(f"{STATUS_DIR}/ocr/"):
            out[rel] = (path.stat().st_size, path.stat().st_mtime)
    return out


@pytest.fixture(scope="module")
def texts() -> tuple[ScanText, ScanText]:
    from tests.conftest import find_shared_corpus

    corpus = find_shared_corpus()
    if corpus is None:
        pytest.skip("needs ../shared/corpus (the real texts the scans are made from)")
    return policy_text(corpus, body_lines=2), govdoc397_text(corpus, count=2)


@pytest.fixture(scope="module")
def share(tmp_path_factory: pytest.TempPathFactory, texts: tuple[ScanText, ScanText]) -> Path:
    policy, gov = texts
    root = tmp_path_factory.mktemp("ocr-share")
    (root / ".kiosk-share").write_text("", encoding="utf-8")
    d = root / "扫描件"
    d.mkdir()
    save_tiff([scan_page(policy.lines, angle=2.0), scan_page(policy.lines[:3], angle=-1.0, seed=5)],
              d / f"{policy.slug}.tif")
    save_pdf([scan_page(gov.lines, angle=-2.5, seed=3)], d / f"{gov.slug}.pdf")
    (d / "说明.txt").write_text("扫描件目录说明\n本目录存放扫描的规范性文件。\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory, share: Path) -> Iterator[tuple[Library, dict, dict]]:
    """The first terminal: recognises the scans; the share's tree before and after."""
    before = tree(share)
    lib = Library.open(tmp_path_factory.mktemp("lib1") / "lib", CONFIG, writable=True)
    summary = reconcile_once(share, lib, CONFIG)
    assert summary.rejected == [] and len(summary.added) == 3
    yield lib, before, tree(share)
    lib.close()


@pytest.fixture
def no_tesseract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fresh extraction workers whose PATH has no tesseract (the worker inherits the PATH)."""
    extract.shutdown()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert shutil.which("tesseract") is None
    yield
    extract.shutdown()


def test_scans_are_found_by_body_phrase_and_doc_number(first, texts: tuple[ScanText, ScanText]) -> None:
    lib, _, _ = first
    policy, gov = texts
    tiff = lib.catalogue.by_path(f"扫描件/{policy.slug}.tif")
    pdf = lib.catalogue.by_path(f"扫描件/{gov.slug}.pdf")
    assert tiff is not None and tiff.format == "tiff" and tiff.page_count == 2 and tiff.has_text
    assert pdf is not None and pdf.format == "pdf" and pdf.has_text
    # 文号 from the recognised text, as from any other text
    assert tiff.meta.doc_number == policy.doc_number and pdf.meta.doc_number == gov.doc_number
    for doc, phrase, number in ((tiff, policy.lines[2][:8], policy.doc_number), (pdf, gov.lines[1][2:10], gov.doc_number)):
        by_phrase = lib.search(f'"{phrase}"')
        assert doc.id in [h.doc_id or h.id for h in by_phrase.hits], phrase
        by_number = lib.search(number)
        assert by_number.hits and (by_number.hits[0].doc_id or by_number.hits[0].id) == doc.id, number


def test_low_confidence_scans_are_indexed_and_listed_in_the_status(first, texts) -> None:
    lib, _, _ = first
    policy, gov = texts
    status = build_status(lib, CONFIG, None)
    listed = {e["source_path"]: e["pages"] for e in status["ocr_low_confidence"]}
    assert listed == {f"扫描件/{policy.slug}.tif": [1, 2], f"扫描件/{gov.slug}.pdf": [1]}
    assert status["public_documents"] == 3
    text = summary_text(status)
    assert "文字识别可信度低" in text and f"扫描件/{policy.slug}.tif：第 1、2 页" in text


def shared_store(share: Path) -> OcrStore:
    return OcrStore(share / STATUS_DIR / "ocr")


def test_results_are_shared_by_checksum_and_nothing_else_is_written(first, share: Path) -> None:
    lib, before, after = first
    assert after == before  # the share is untouched outside <status_dir>/ocr/
    scans = [r for r in (lib.catalogue.by_path(p) for p in lib.catalogue.file_states()) if r and r.format != "txt"]
    assert len(scans) == 2
    for rec in scans:
        shared = shared_store(share).path_for(rec.checksum)
        assert shared.is_file(), shared
        record = json.loads(shared.read_text(encoding="utf-8"))
        assert record["sha256"] == rec.checksum
        assert record["extracted"]["pages"] == lib.catalogue.get_text(rec.checksum)
        assert (lib.root / "ocr" / rec.checksum[:2] / f"{rec.checksum}.json").is_file()  # the viewer's copy
    assert len(read_low_confidence(lib.root)) == 2


def test_second_terminal_reuses_shared_results_without_tesseract(
    first, share: Path, tmp_path: Path, no_tesseract: None, texts
) -> None:
    lib1, _, _ = first
    policy, gov = texts
    with Library.open(tmp_path / "lib2", CONFIG, writable=True) as lib2:
        summary = reconcile_once(share, lib2, CONFIG)
        assert summary.rejected == [] and len(summary.added) == 3
        for rel in (f"扫描件/{policy.slug}.tif", f"扫描件/{gov.slug}.pdf"):
            one, two = lib1.catalogue.by_path(rel), lib2.catalogue.by_path(rel)
            assert one is not None and two is not None
            assert lib2.catalogue.get_text(two.checksum) == lib1.catalogue.get_text(one.checksum)
            assert two.meta.doc_number == one.meta.doc_number
        assert lib2.search(policy.doc_number).total >= 1


def test_a_tampered_shared_result_is_not_reused(first, share: Path, tmp_path: Path, no_tesseract: None, texts) -> None:
    policy, gov = texts
    lib1, _, _ = first
    rec = lib1.catalogue.by_path(f"扫描件/{gov.slug}.pdf")
    assert rec is not None
    path = shared_store(share).path_for(rec.checksum)
    original = path.read_bytes()
    record = json.loads(original)
    record["extracted"]["pages"][0] = "伪造的文字"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    try:
        with Library.open(tmp_path / "lib3", CONFIG, writable=True) as lib3:
            summary = reconcile_once(share, lib3, CONFIG)
            # without tesseract the tampered one cannot be recognised again: rejected, with its reason
            assert dict(summary.rejected) == {f"扫描件/{gov.slug}.pdf": "ocr_unavailable"}
            assert lib3.search("伪造").total == 0
            assert lib3.catalogue.by_path(f"扫描件/{policy.slug}.tif") is not None
    finally:
        path.write_bytes(original)


def test_scan_over_the_page_time_limit_is_rejected_and_the_rest_arrives(tmp_path: Path, texts) -> None:
    policy, _ = texts
    share = tmp_path / "share"
    (share / "扫描件").mkdir(parents=True)
    (share / ".kiosk-share").write_text("", encoding="utf-8")
    save_tiff([scan_page(policy.lines, angle=1.0)], share / "扫描件" / f"{policy.slug}.tif")
    (share / "扫描件" / "说明.txt").write_text("扫描件目录说明\n", encoding="utf-8")
    config = CONFIG.with_overrides({"extract.ocr_timeout_s": 0.05})
    with Library.open(tmp_path / "lib", config, writable=True) as lib:
        summary = reconcile_once(share, lib, config)
        assert dict(summary.rejected) == {f"扫描件/{policy.slug}.tif": "timeout"}
        assert summary.added == ["扫描件/说明.txt"]
        rejection = next(r for r in lib.rejections() if r.reason == "timeout")
        assert "page 1" in rejection.detail and "extract.ocr_timeout_s" in rejection.detail
    assert not (share / STATUS_DIR / "ocr").exists()  # nothing recognised, nothing shared
