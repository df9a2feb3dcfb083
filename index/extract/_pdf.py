"""PDF: the text layer of every page with pdfium (pypdfium2); pages without one are recognised (OCR)."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from index.errors import ExtractionError
from index.extract._limits import ExtractLimits
from index.models import Extracted

_TAIL = 4096
_WORD_PREFIX = re.compile(r"^(Microsoft Word|WPS|Word)\s*-\s*", re.I)


def _title_hint(pdf: pdfium.PdfDocument) -> str:
    try:
        title = str(pdf.get_metadata_dict().get("Title", "") or "").strip()
    except (pdfium.PdfiumError, ValueError, UnicodeDecodeError):
        return ""
    title = _WORD_PREFIX.sub("", title)
    title = re.sub(r"\.(docx?|wps|pdf)$", "", title, flags=re.I)
    return title.strip()


def _has_image(page: pdfium.PdfPage) -> bool:
    """A page that carries a picture (a blank page without text is not sent to OCR)."""
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def extract_pdf(data: bytes, max_pages: int, limits: ExtractLimits | None = None) -> Extracted:
    """Text of every page; pages without a text layer that carry an image are recognised
    (OCR, ``_scan``) when ``limits`` allow OCR."""
    if b"%%EOF" not in data[-_TAIL:]:
        # Incomplete copy (still being written, or cut off): pdfium would guess at the rest.
        raise ExtractionError("corrupt", "PDF has no %%EOF marker at its end (truncated)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise ExtractionError("encrypted", "PDF needs a password to open") from exc
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_SECURITY:
            raise ExtractionError("encrypted", f"PDF uses an unsupported security handler: {exc}") from exc
        raise ExtractionError("corrupt", f"pdfium cannot open the PDF: {exc}") from exc
    try:
        count = len(pdf)
        if count == 0:
            raise ExtractionError("corrupt", "PDF has no pages")
        if count > max_pages:
            raise ExtractionError("too_many_pages", f"PDF has {count} pages (limit {max_pages})")
        pages: list[str] = []
        scanned: list[int] = []
        for index in range(count):
            try:
                page = pdf[index]
                textpage = page.get_textpage()
                text = textpage.get_text_bounded()
                textpage.close()
                if limits is not None and limits.ocr_max_pages > 0 and not text.strip() and _has_image(page):
                    scanned.append(index + 1)
                page.close()
            except pdfium.PdfiumError as exc:
                raise ExtractionError("corrupt", f"PDF page {index + 1} cannot be read: {exc}") from exc
            # pdfium reports a hyphen as U+00AD (soft hyphen); the documents mean a real one.
            text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").replace("\xad", "-")
            pages.append("\n".join(line.rstrip() for line in text.split("\n")).strip("\n"))
        has_text = any(p.strip() for p in pages)
        extracted = Extracted(
            pages=pages, page_count=count, has_text=has_text, format="pdf", title_hint=_title_hint(pdf),
        )
        if scanned and limits is not None:
            # Imported here: Pillow and numpy stay out of a worker that never meets a scan.
            from index.extract._scan import attach_pdf_ocr, ocr_pdf_pages

            done, skipped = ocr_pdf_pages(pdf, scanned, limits)
            attach_pdf_ocr(extracted, done, skipped, limits)
        return extracted
    finally:
        pdf.close()
