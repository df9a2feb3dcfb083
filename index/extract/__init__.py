"""Turning one file into text, in a separate worker process under limits.

``extract_file(path, limits)`` returns ``index.models.Extracted`` (text per page)
or raises ``ExtractionError(reason, detail)`` with a reason from ``[reject]`` in
``index/messages.toml``. Formats: PDF (pdfium), DOCX, TXT, HTML, Markdown, OFD,
and .doc/.wps through LibreOffice when allowed; scans (JPEG, PNG, TIFF, PDF pages
without a text layer) through Tesseract (``_scan``, ``_ocr``). See ``_pool`` for the
worker design.
"""

from __future__ import annotations

from index.extract._dispatch import (
    IMAGE_FORMATS,
    OCR_SUFFIXES,
    SUFFIX_FORMATS,
    SUPPORTED_SUFFIXES,
    extract_in_process,
    format_for,
)
from index.extract._legacy import find_converter
from index.extract._limits import ExtractLimits
from index.extract._pool import ExtractorPool, default_pool, extract_file, shutdown
from index.extract._text import decode_text, detect_encoding

__all__ = [
    "IMAGE_FORMATS",
    "OCR_SUFFIXES",
    "SUFFIX_FORMATS",
    "SUPPORTED_SUFFIXES",
    "ExtractLimits",
    "ExtractorPool",
    "decode_text",
    "default_pool",
    "detect_encoding",
    "extract_file",
    "extract_in_process",
    "find_converter",
    "format_for",
    "shutdown",
]
