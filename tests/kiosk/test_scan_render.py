"""The viewer's page images of scans: drawn upright, the search words marked on the ink.

A real library is synced from a share holding an upside-down PNG scan and an image-only
PDF scan (``tests/fixtures/scans.py``, real corpus texts), with the real Tesseract; the
viewer's renderer (``kiosk.app.render.PdfRenderer``, no window needed) draws the pages.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from index.config import parse_config
from index.extract._ocr import tesseract_languages
from index.library import Library
from index.sync.reconcile import reconcile_once
from kiosk.app.render import PdfRenderer
from tests.fixtures.scans import ScanText, govdoc397_text, save_pdf, scan_page

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None or "chi_sim" not in tesseract_languages(),
    reason="needs tesseract with chi_sim (apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-osd)",
)
BOX = (900, 1200)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tests.conftest import find_shared_corpus

    corpus = find_shared_corpus()
    if corpus is None:
        pytest.skip("needs ../shared/corpus (the real texts the scans are made from)")
    gov: ScanText = govdoc397_text(corpus, count=2)
    root = tmp_path_factory.mktemp("scan-view")
    share = root / "share"
    share.mkdir()
    (share / ".kiosk-share").write_text("", encoding="utf-8")
    scan_page(gov.lines, angle=1.0, upside_down=True, seed=7).save(share / "倒置.png", dpi=(300, 300))
    save_pdf([scan_page(gov.lines, angle=-2.0, seed=8)], share / "扫描.pdf")
    config = parse_config("").with_overrides({"review.required": False})
    lib = Library.open(root / "lib", config, writable=True)
    summary = reconcile_once(share, lib, config)
    assert summary.rejected == [] and len(summary.added) == 2
    yield lib, gov, scan_page(gov.lines, angle=1.0, seed=7)
    lib.close()


def _render(lib: Library, rel: str, terms: list[str]):  # type: ignore[no-untyped-def]
    rec = lib.catalogue.by_path(rel)
    assert rec is not None
    renderer = PdfRenderer()
    try:
        return renderer.render(rec.id, lib.document_file(rec.id), 1, BOX, 1.0, terms)
    finally:
        renderer.close()


def _grey(image) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.frombuffer(image.rgb, dtype=np.uint8).reshape(image.height, image.width, 4)[:, :, 0]


def _ink_under(grey: np.ndarray, mark: tuple[float, float, float, float]) -> float:
    x, y, w, h = (round(v) for v in mark)
    patch = grey[max(0, y) : y + h, max(0, x) : x + w]
    return float((patch < 128).mean()) if patch.size else 0.0


@pytest.mark.parametrize("rel", ["倒置.png", "扫描.pdf"])
def test_search_words_are_marked_on_their_ink(scanned, rel: str) -> None:  # type: ignore[no-untyped-def]
    lib, gov, _ = scanned
    image = _render(lib, rel, [gov.doc_number, "自治区"])
    assert image.page_count == 1 and image.width <= BOX[0] and image.height <= BOX[1]
    assert max(image.width / BOX[0], image.height / BOX[1]) > 0.99  # fits the box
    grey = _grey(image)
    assert len(image.marks) >= 2, image.marks  # the 文号 and at least one 自治区
    for mark in image.marks:
        assert _ink_under(grey, mark) > 0.08, f"mark {mark} lies on blank paper"
    # the 文号 is the page's first line (after a margin of a tenth of the width): the highest mark
    top = min(image.marks, key=lambda m: m[1])
    assert top[1] < image.height / 3 and top[2] > image.width / 3  # 14 characters wide
    assert all(top[1] + top[3] <= m[1] for m in image.marks if m is not top)


def test_upside_down_scan_is_drawn_upright(scanned) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    lib, _, upright_original = scanned
    image = _render(lib, "倒置.png", [])
    shown = Image.fromarray(_grey(image)).resize((200, 120)).convert("L")
    right_way = upright_original.resize((200, 120))
    wrong_way = upright_original.rotate(180).resize((200, 120))

    def distance(a, b) -> float:  # type: ignore[no-untyped-def]
        return float(np.abs(np.asarray(a, dtype=np.float32) - np.asarray(b, dtype=np.float32)).mean())

    assert distance(shown, right_way) < distance(shown, wrong_way) * 0.8
