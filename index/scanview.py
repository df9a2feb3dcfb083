"""A scanned page for the viewer: the upright page image and where the search words are on it.

The page is decoded (an image file's frame, or a PDF page rendered at the OCR resolution)
and turned exactly as it was for recognition (``index.extract._image.upright`` with the
rotation and skew the OCR record keeps), so Tesseract's word boxes fall on the words.
``term_boxes`` finds the search terms in the recognised words (compared after
``index.normalize.normalize``, so full/half width and traditional characters match) and
returns one rectangle per line a match covers, ``(x, y_top, w, h)`` in image pixels:
the data shape the viewer's marks take for typeset PDFs. No Kivy here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index.normalize import normalize

Rect = tuple[float, float, float, float]
# Tesseract reads 〔2019〕 as [2019] or (2019); the page text says 〔〕 (``_ocr.tidy_line``), the
# words keep what was read: brackets of every kind compare equal, one character for one.
_BRACKETS = str.maketrans("〔【［[（〕】］]）", "((((()))))")
IMAGE_SUFFIXES = frozenset({".tif", ".tiff", ".png", ".jpg", ".jpeg"})


def page_info(ocr: dict[str, Any] | None, page: int) -> dict[str, Any] | None:
    """The OCR record of 1-based ``page``, or None when that page was not recognised."""
    for info in (ocr or {}).get("pages", []):
        if int(info.get("page", 0)) == page:
            return info
    return None


def image_page_count(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as im:
        return int(getattr(im, "n_frames", 1))


def upright_page(path: Path, page: int, info: dict[str, Any] | None, pdf: Any = None) -> Any:
    """The 1-based ``page`` of a scan as a grey PIL image, turned as for recognition.

    ``pdf``: an open pypdfium2 document when ``path`` is a PDF."""
    from index.extract._image import OCR_DPI, load_pages, render_pdf_page, upright

    if pdf is not None:
        pg = pdf[page - 1]
        try:
            image = render_pdf_page(pg, OCR_DPI)
        finally:
            pg.close()
    else:
        image = next(load_pages(Path(path).read_bytes(), page - 1, 1))
    if info is None:
        return image
    return upright(image, int(info.get("rotation", 0)), float(info.get("skew", 0.0)))


def _fold(text: str) -> str:
    return normalize(text).translate(_BRACKETS)


def _chars(words: list[list[Any]]) -> tuple[str, list[tuple[int, Rect]]]:
    """All words' characters in reading order, each with its word's line and its own box
    (a word's box divided evenly among its characters)."""
    text: list[str] = []
    boxes: list[tuple[int, Rect]] = []
    line = 0
    last_bottom = None
    for x, y, w, h, word in words:
        if last_bottom is not None and y > last_bottom:  # below the previous word: a new line
            line += 1
        last_bottom = y + h if last_bottom is None or y > last_bottom else max(last_bottom, y + h)
        word = _fold(str(word))
        step = w / max(1, len(word))
        for i, ch in enumerate(word):
            text.append(ch)
            boxes.append((line, (x + i * step, float(y), step, float(h))))
    return "".join(text), boxes


def term_boxes(words: list[list[Any]], terms: list[str]) -> list[Rect]:
    """Rectangles (x, y_top, w, h) over every occurrence of each term among the OCR words."""
    text, boxes = _chars(words)
    rects: list[Rect] = []
    for term in {_fold(t).replace(" ", "") for t in terms if t.strip()}:
        start = text.find(term)
        while start >= 0 and len(rects) < 500:
            per_line: dict[int, list[Rect]] = {}
            for line, box in boxes[start : start + len(term)]:
                per_line.setdefault(line, []).append(box)
            for parts in per_line.values():
                left = min(b[0] for b in parts)
                top = min(b[1] for b in parts)
                right = max(b[0] + b[2] for b in parts)
                bottom = max(b[1] + b[3] for b in parts)
                rects.append((left, top, right - left, bottom - top))
            start = text.find(term, start + len(term))
    return rects
