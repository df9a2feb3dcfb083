"""Pixels for the viewer and the QR code, made off the UI thread (no Kivy here).

Only the render worker thread touches pdfium. Results are plain RGB bytes, top row
first; the UI turns them into textures.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

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
    """Keeps the last opened PDF open; renders one page to fit a box."""

    def __init__(self) -> None:
        self._path: Path | None = None
        self._pdf = None

    def _open(self, path: Path):
        import pypdfium2 as pdfium

        if self._path != path:
            self.close()
            self._pdf = pdfium.PdfDocument(str(path))
            self._path = path
        return self._pdf

    def page_count(self, path: Path) -> int:
        return len(self._open(path))

    def render(self, doc_id: str, path: Path, page: int, box: tuple[int, int], zoom: float,
               terms: list[str]) -> PageImage:
        pdf = self._open(path)
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
