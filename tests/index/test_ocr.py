"""OCR of scans in the real extraction worker pool, with the real Tesseract 5.

The scans are made at test time from real corpus texts (``tests/fixtures/scans.py``):
rotated a few degrees, speckled, blurred; TIFF, image-only PDF, PNG. Each file is
recognised once per module (OCR takes seconds a page).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.errors import ExtractionError
from index.extract import ExtractLimits, ExtractorPool
from index.extract._ocr import parse_tsv, tesseract_languages, tidy_line
from index.models import Extracted
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

LIMITS = ExtractLimits(timeout_s=60.0, ocr_timeout_s=60.0)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pool() -> Iterator[ExtractorPool]:
    with ExtractorPool(1) as p:
        yield p


@pytest.fixture(scope="module")
def texts() -> tuple[ScanText, ScanText]:
    from tests.conftest import find_shared_corpus

    corpus = find_shared_corpus()
    if corpus is None:
        pytest.skip("needs ../shared/corpus (the real texts the scans are made from)")
    return policy_text(corpus, body_lines=2), govdoc397_text(corpus, count=2)


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory, texts: tuple[ScanText, ScanText]) -> dict[str, Path]:
    policy, gov = texts
    d = tmp_path_factory.mktemp("scans")
    return {
        "tiff": save_tiff([scan_page(policy.lines, angle=2.5), scan_page(gov.lines, angle=-1.5, seed=2)],
                          d / f"{policy.slug}.tif"),
        "pdf": save_pdf([scan_page(gov.lines, angle=-3.0, seed=3)], d / f"{gov.slug}.pdf"),
        "upside_down": _png(scan_page(gov.lines, angle=1.0, upside_down=True, seed=4),
                            d / f"{gov.slug}-upside-down.png"),
        # fed into the scanner on its side: the page turned a quarter clockwise
        "sideways": _png(scan_page(policy.lines, angle=-1.0, seed=6).rotate(-90, expand=True),
                         d / f"{policy.slug}-sideways.png"),
    }


def _png(image, path: Path) -> Path:  # type: ignore[no-untyped-def]
    image.save(path, dpi=(300, 300))
    return path


@pytest.fixture(scope="module")
def tiff_result(pool: ExtractorPool, scans: dict[str, Path]) -> Extracted:
    return pool.extract(scans["tiff"], LIMITS)


@pytest.fixture(scope="module")
def pdf_result(pool: ExtractorPool, scans: dict[str, Path]) -> Extracted:
    return pool.extract(scans["pdf"], LIMITS)


def test_multi_page_tiff_is_read_page_by_page(tiff_result: Extracted, texts: tuple[ScanText, ScanText]) -> None:
    policy, gov = texts
    assert tiff_result.format == "tiff" and tiff_result.page_count == 2 and tiff_result.has_text
    first, second = (squash(p) for p in tiff_result.pages)
    assert policy.doc_number in first  # 密政发〔2016〕20号, brackets as published
    assert squash(policy.lines[1]) in first  # the title's first line
    assert gov.doc_number in second and policy.doc_number not in second


def test_scanned_pdf_is_recognised(pdf_result: Extracted, texts: tuple[ScanText, ScanText]) -> None:
    _, gov = texts
    assert pdf_result.format == "pdf" and pdf_result.has_text
    page = squash(pdf_result.pages[0])
    assert gov.doc_number in page
    assert squash(gov.lines[1])[:12] in page
    info = pdf_result.ocr
    assert info is not None and info["dpi"] == 300 and info["pages"][0]["page"] == 1
    assert 2.0 <= info["pages"][0]["skew"] <= 4.0  # the page was turned 3 degrees clockwise


def test_word_boxes_lie_on_their_page(tiff_result: Extracted, texts: tuple[ScanText, ScanText]) -> None:
    info = tiff_result.ocr
    assert info is not None and len(info["pages"]) == 2
    for page in info["pages"]:
        assert page["words"], "no word boxes"
        for x, y, w, h, text in page["words"]:
            assert text and w > 0 and h > 0
            assert x >= 0 and x + w <= page["width"] and y >= 0 and y + h <= page["height"]
    # the 文号 is the first line: its words sit above every body word
    first = info["pages"][0]["words"]
    number_words = [wd for wd in first if wd[4] in texts[0].doc_number]
    assert number_words and min(wd[1] for wd in number_words) <= min(wd[1] for wd in first) + 5


def test_upside_down_page_comes_out_upright(pool: ExtractorPool, scans: dict[str, Path],
                                            texts: tuple[ScanText, ScanText]) -> None:
    got = pool.extract(scans["upside_down"], LIMITS)
    assert got.format == "png" and got.ocr is not None
    assert got.ocr["pages"][0]["rotation"] == 180
    assert texts[1].doc_number in squash(got.pages[0])


def test_page_on_its_side_is_turned_upright(pool: ExtractorPool, scans: dict[str, Path],
                                            texts: tuple[ScanText, ScanText]) -> None:
    got = pool.extract(scans["sideways"], LIMITS)
    assert got.ocr is not None
    page = got.ocr["pages"][0]
    assert page["rotation"] == 270  # turned three quarters clockwise (OSD's "Rotate") to stand upright
    assert page["width"] > page["height"]  # the fixture page is wider than tall once upright
    assert texts[0].doc_number in squash(got.pages[0])


def test_page_over_the_time_limit_is_rejected_and_the_next_file_is_read(
    pool: ExtractorPool, scans: dict[str, Path], texts: tuple[ScanText, ScanText]
) -> None:
    with pytest.raises(ExtractionError) as info:
        pool.extract(scans["tiff"], dataclasses.replace(LIMITS, ocr_timeout_s=0.05))
    assert info.value.reason == "timeout"
    assert "page 1" in info.value.detail and "extract.ocr_timeout_s" in info.value.detail
    got = pool.extract(scans["pdf"], LIMITS)  # the same pool goes on with the next file
    assert texts[1].doc_number in squash(got.pages[0])


def test_low_confidence_pages_are_listed(pool: ExtractorPool, scans: dict[str, Path]) -> None:
    got = pool.extract(scans["pdf"], dataclasses.replace(LIMITS, ocr_min_confidence=99.5, ocr_parallel_pages=1))
    assert got.has_text and got.ocr is not None
    assert got.ocr["low_confidence_pages"] == [1]


def test_pages_beyond_ocr_max_pages_are_kept_without_text(pool: ExtractorPool, scans: dict[str, Path]) -> None:
    got = pool.extract(scans["tiff"], dataclasses.replace(LIMITS, ocr_max_pages=1))
    assert got.page_count == 2 and got.pages[0].strip() and got.pages[1] == ""
    assert got.ocr is not None and got.ocr["unrecognised_pages"] == [2]


def test_a_text_file_named_tif_is_refused(pool: ExtractorPool, tmp_path: Path) -> None:
    fake = tmp_path / "伪装.tif"
    fake.write_text("不是图片", encoding="utf-8")
    with pytest.raises(ExtractionError) as info:
        pool.extract(fake, LIMITS)
    assert info.value.reason == "wrong_type"


# -- the text rebuilt from Tesseract's words (pure) --------------------------------------------
def test_line_is_joined_without_spaces_between_chinese_words() -> None:
    assert tidy_line(["关于", "加强", "个人所得税"]) == "关于加强个人所得税"
    assert tidy_line(["GB", "2312", "字符"]) == "GB 2312字符"
    assert tidy_line(["发改办财金规", "[2019", "]", "860", "号"]) == "发改办财金规〔2019〕860号"
    assert tidy_line(["办公厅", "(室", "):"]) == "办公厅（室）："
    assert tidy_line(["第5条", ",", "规定"]) == "第5条，规定"


def test_tsv_gives_lines_boxes_and_confidence() -> None:
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    rows = [
        "5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t90\t关于",
        "5\t1\t1\t1\t1\t2\t45\t20\t60\t40\t80\t通知",
        "5\t1\t1\t1\t2\t1\t10\t70\t30\t40\t-1\t ",
        "5\t1\t2\t1\t1\t1\t10\t120\t30\t40\t70\t附件",
    ]
    text, words, confidence = parse_tsv(head + "\n".join(rows) + "\n")
    assert text == "关于通知\n\n附件"
    assert words[0] == [10, 20, 30, 40, "关于"] and len(words) == 3
    assert confidence == pytest.approx((90 * 2 + 80 * 2 + 70 * 2) / 6)
