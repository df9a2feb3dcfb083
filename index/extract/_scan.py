"""Scans: image files (JPEG, PNG, TIFF, multi-page TIFF) and PDF pages without a text layer.

Every page is recognised by ``_ocr.recognise`` within ``extract.ocr_timeout_s``; at most
``extract.ocr_max_pages`` pages of a document are recognised (the rest are kept as
images without text and listed in ``ocr.unrecognised_pages``). Before each page the
worker tells the pool, which then gives the file one page budget from that moment:
reading a PDF's text layer stays within ``extract.timeout_s``, each scanned page within
``extract.ocr_timeout_s``. Up to ``extract.ocr_parallel_pages`` pages of one document are
recognised at once (one Tesseract process each): a long scan alone on the terminal
uses both cores.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PIL import Image

from index.errors import ExtractionError
from index.extract._image import OCR_DPI, count_frames, load_pages, render_pdf_page
from index.extract._limits import ExtractLimits
from index.extract._ocr import OcrPage, ocr_info, recognise
from index.extract._progress import report as report_progress
from index.models import Extracted


def _scan_dpi(data: bytes) -> int | None:
    """The resolution an image file states (TIFF/PNG/JPEG), when plausible."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            dpi = im.info.get("dpi")
    except (OSError, ValueError):
        return None
    if isinstance(dpi, tuple) and dpi and 70 <= float(dpi[0]) <= 1200:
        return round(float(dpi[0]))
    return None


def recognise_pages(pages: Iterable[tuple[int, Image.Image]], limits: ExtractLimits,
                    dpi: int | None) -> list[OcrPage]:
    """Recognise ``(number, image)`` pages, ``extract.ocr_parallel_pages`` at a time, in order.

    The images are produced (decoded, rendered) in this thread and at most that many wait
    for a Tesseract process, so memory holds a few pages, not the document. A page that
    fails (over its time, Tesseract missing) fails the file; pages queued after it are
    dropped and the running ones end within their own time limit.
    """
    workers = max(1, limits.ocr_parallel_pages)
    done: list[OcrPage] = []
    if workers == 1:
        for number, image in pages:
            report_progress(number)
            done.append(recognise(image, number, limits.ocr_timeout_s, dpi=dpi))
        return done
    pool = ThreadPoolExecutor(workers, thread_name_prefix="ocr-page")
    running: deque[Future[OcrPage]] = deque()
    try:
        for number, image in pages:
            report_progress(number)
            running.append(pool.submit(recognise, image, number, limits.ocr_timeout_s, dpi=dpi))
            if len(running) >= workers:
                done.append(running.popleft().result())
        while running:
            done.append(running.popleft().result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return done


def extract_image(data: bytes, fmt: str, limits: ExtractLimits) -> Extracted:
    """OCR every page of an image file."""
    count = count_frames(data)
    if count > limits.max_pages:
        raise ExtractionError("too_many_pages", f"image has {count} pages (limit {limits.max_pages})")
    dpi = _scan_dpi(data)
    budget = limits.ocr_max_pages
    report_progress(1)  # decoding the first frame counts against the first page's budget
    frames = enumerate(load_pages(data, 0, min(count, budget)), start=1)
    done = recognise_pages(frames, limits, dpi)
    texts = [page.text for page in done]
    unrecognised = list(range(len(done) + 1, count + 1))
    texts.extend("" for _ in unrecognised)
    return Extracted(
        pages=texts, page_count=count, has_text=any(t.strip() for t in texts), format=fmt,
        ocr=ocr_info(done, limits.ocr_min_confidence, unrecognised),
    )


def ocr_pdf_pages(pdf: Any, numbers: list[int], limits: ExtractLimits) -> tuple[list[OcrPage], list[int]]:
    """Recognise the 1-based pages ``numbers`` of an open PDF; returns (pages, unrecognised)."""
    budget = limits.ocr_max_pages
    todo, skipped = numbers[:budget], numbers[budget:]

    def rendered() -> Iterator[tuple[int, Image.Image]]:
        for number in todo:  # pdfium is not thread-safe: pages are rendered here, one at a time
            report_progress(number)
            page = pdf[number - 1]
            try:
                image = render_pdf_page(page, OCR_DPI)
            finally:
                page.close()
            yield number, image

    return recognise_pages(rendered(), limits, OCR_DPI), skipped


def attach_pdf_ocr(extracted: Extracted, done: list[OcrPage], skipped: list[int], limits: ExtractLimits) -> None:
    if not done and not skipped:
        return
    for page in done:
        extracted.pages[page.page - 1] = page.text
    extracted.has_text = any(p.strip() for p in extracted.pages)
    extracted.ocr = ocr_info(done, limits.ocr_min_confidence, skipped)
