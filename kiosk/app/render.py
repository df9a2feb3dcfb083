"""Pixels for the viewer and the QR code, made off the UI thread (no Kivy here).

Only the render worker thread touches pdfium. Results are plain RGB bytes, top row
first; the UI turns them into textures.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from index.scanview import IMAGE_SUFFIXES, image_page_count, page_info, term_boxes, upright_page

log = logging.getLogger(__name__)


@dataclass
class PageImage:
    doc_id: str
    page: int  # 1-based
    page_count: int
    width: int
    height: int
    rgb: bytes  # RGBA, width*height*4, top row first
    marks: list[tuple[float, float, float, float]] = field(default_factory=list)  # x, y_top, w, h in pixels


class PdfRenderer:
    """Keeps the last opened PDF open; renders one page to fit a box.

    Scans (image files, and PDF pages that were recognised) are drawn upright from the
    library's OCR record (``index.ocr_cache``), with the search words marked from its word
    boxes (``index.scanview``); typeset PDF pages as before, marks from pdfium's text.
    """

    def __init__(self) -> None:
        self._path: Path | None = None
        self._pdf = None
        self._ocr: dict | None = None

    def _open(self, path: Path):
        import pypdfium2 as pdfium

        if self._path != path:
            self.close()
            from index.ocr_cache import ocr_for_copy

            self._ocr = ocr_for_copy(path)
            self._path = path
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                self._pdf = pdfium.PdfDocument(str(path))
        return self._pdf

    def page_count(self, path: Path) -> int:
        pdf = self._open(path)
        return image_page_count(path) if pdf is None else len(pdf)

    def render(self, doc_id: str, path: Path, page: int, box: tuple[int, int], zoom: float,
               terms: list[str]) -> PageImage:
        pdf = self._open(path)
        info = page_info(self._ocr, page)
        if pdf is None or info is not None:
            return self._render_scan(doc_id, path, page, box, zoom, terms, info)
        count = len(pdf)
        index = max(0, min(page - 1, count - 1))
        pg = pdf[index]
        try:
            pw, ph = pg.get_size()
            scale = min(box[0] / pw, box[1] / ph) * zoom
            import pypdfium2.raw as pdfium_c

            # RGBA straight from pdfium (4 bytes a pixel, opaque white ground): no copy in Python.
            bitmap = pg.render(scale=scale, force_bitmap_format=pdfium_c.FPDFBitmap_BGRA, rev_byteorder=True)
            width, height, stride = bitmap.width, bitmap.height, bitmap.stride
            raw = memoryview(bitmap.buffer).cast("B")
            if stride == width * 4:
                rgb = bytes(raw[:height * stride])
            else:
                rgb = b"".join(bytes(raw[row * stride:row * stride + width * 4]) for row in range(height))
            marks = self._marks(pg, terms, scale, ph) if terms else []
        finally:
            pg.close()
        return PageImage(doc_id, index + 1, count, width, height, rgb, marks)

    def _render_scan(self, doc_id: str, path: Path, page: int, box: tuple[int, int], zoom: float,
                     terms: list[str], info: dict | None) -> PageImage:
        import numpy as np
        from PIL import Image

        count = self.page_count(path)
        page = max(1, min(page, count))
        info = page_info(self._ocr, page)
        image = upright_page(path, page, info, self._pdf)
        scale = min(box[0] / image.width, box[1] / image.height) * zoom
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        grey = np.asarray(image.resize(size, Image.Resampling.LANCZOS), dtype=np.uint8)
        rgba = np.empty((size[1], size[0], 4), dtype=np.uint8)
        rgba[:, :, :3] = grey[:, :, None]
        rgba[:, :, 3] = 255
        marks = []
        if terms and info is not None:
            marks = [(x * scale, y * scale, w * scale, h * scale) for x, y, w, h in term_boxes(info["words"], terms)]
        return PageImage(doc_id, page, count, size[0], size[1], rgba.tobytes(), marks)

    @staticmethod
    def _marks(pg, terms: list[str], scale: float, page_height: float) -> list[tuple[float, float, float, float]]:
        marks: list[tuple[float, float, float, float]] = []
        textpage = pg.get_textpage()
        try:
            for term in {t for t in terms if t.strip()}:
                searcher = textpage.search(term, match_case=False)
                try:
                    for _ in range(200):
                        found = searcher.get_next()
                        if not found:
                            break
                        start, count = found
                        for i in range(textpage.count_rects(start, count)):
                            left, bottom, right, top = textpage.get_rect(i)
                            marks.append((left * scale, (page_height - top) * scale,
                                          (right - left) * scale, (top - bottom) * scale))
                finally:
                    searcher.close()
        finally:
            textpage.close()
        return marks

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
        self._pdf = None
        self._path = None
        self._ocr = None


def qr_rgb(data: str, box_px: int) -> tuple[int, bytes]:
    """A QR code of ``data`` as a square RGB image about ``box_px`` wide; returns (side, rgba)."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    cell = max(1, box_px // n)
    side = n * cell
    rows = []
    for row in matrix:
        line = b"".join((b"\x00\x00\x00\xff" if dark else b"\xff\xff\xff\xff") * cell for dark in row)
        rows.extend([line] * cell)
    return side, b"".join(rows)
