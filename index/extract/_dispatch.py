"""Which format a file is, whether its content agrees, and the in-process extraction.

``extract_in_process`` is what the worker runs; it applies the size, decompressed
size and page limits but not the time and memory limits, which need the worker
process (see ``_pool``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from index.errors import ExtractionError
from index.extract._limits import ExtractLimits
from index.models import Extracted

# File name suffix (lower case) -> Extracted.format.
SUFFIX_FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "txt",
    ".text": "txt",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".xhtml": "html",
    ".md": "md",
    ".markdown": "md",
    ".ofd": "ofd",
    ".doc": "doc",
    ".wps": "wps",
    # scans, recognised by Tesseract (index.extract._scan)
    ".tif": "tiff",
    ".tiff": "tiff",
    ".png": "png",
    ".jpg": "jpg",
    ".jpeg": "jpg",
}
IMAGE_FORMATS: frozenset[str] = frozenset({"tiff", "png", "jpg"})
# Files that may need OCR (the shared OCR results are looked up for these only).
OCR_SUFFIXES: frozenset[str] = frozenset(s for s, f in SUFFIX_FORMATS.items() if f in IMAGE_FORMATS or f == "pdf")
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(SUFFIX_FORMATS)

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a zip archive"),
    (_OLE, "an OLE compound file (old Office format)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program (ELF)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)


def format_for(path: Path | str) -> str | None:
    """The format a file name promises, or None when the suffix is not supported."""
    return SUFFIX_FORMATS.get(Path(path).suffix.lower())


def _what(data: bytes) -> str:
    head = data[:16]
    for magic, name in _BINARY_MAGIC:
        if head.startswith(magic):
            return name
    if b"%PDF-" in data[:1024]:
        return "a PDF file"
    return "something else"


def check_size(size: int, limits: ExtractLimits) -> None:
    if size == 0:
        raise ExtractionError("empty", "file is 0 bytes")
    if size > limits.max_file_bytes:
        raise ExtractionError(
            "too_large", f"file is {size} bytes, over extract.max_file_mb={limits.max_file_mb}"
        )


def check_path(path: Path, limits: ExtractLimits) -> str:
    """Checks from stat() alone, before anything is read. Returns the format."""
    fmt = format_for(path)
    if fmt is None:
        raise ExtractionError("unsupported", f"no extractor for suffix {path.suffix!r}")
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise ExtractionError("unreadable", f"file is gone: {exc}") from exc
    except OSError as exc:
        raise ExtractionError("unreadable", f"cannot stat the file: {exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ExtractionError("unsupported", f"not a regular file (mode {stat.filemode(st.st_mode)})")
    check_size(st.st_size, limits)
    return fmt


def read_file(path: Path, limits: ExtractLimits) -> bytes:
    """Read the whole file, re-checking type and size on the open descriptor (no FIFO can block)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ExtractionError("unreadable", f"cannot open the file: {exc}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ExtractionError("unsupported", f"not a regular file (mode {stat.filemode(st.st_mode)})")
        check_size(st.st_size, limits)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limits.max_file_bytes:  # the file grew while we read it
                raise ExtractionError("too_large", f"file grew past {limits.max_file_bytes} bytes while read")
            chunks.append(chunk)
    except OSError as exc:
        raise ExtractionError("unreadable", f"cannot read the file: {exc}") from exc
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if not data:
        raise ExtractionError("empty", "file is 0 bytes")
    return data


def extract_bytes(data: bytes, fmt: str, suffix: str, limits: ExtractLimits) -> Extracted:
    """Check the content agrees with the promised format, then extract."""
    head = data[:16]
    if fmt == "pdf":
        if b"%PDF-" not in data[:1024]:
            raise ExtractionError("wrong_type", f".pdf file is {_what(data)}")
        from index.extract._pdf import extract_pdf

        return extract_pdf(data, limits.max_pages, limits)
    if fmt in IMAGE_FORMATS:
        from index.extract._image import image_kind
        from index.extract._scan import extract_image

        kind = image_kind(data)
        if kind is None:
            raise ExtractionError("wrong_type", f"{suffix} file is {_what(data)}, not an image")
        return extract_image(data, kind, limits)
    if fmt in ("docx", "ofd"):
        if head.startswith(_OLE) and fmt == "docx":
            if "EncryptedPackage".encode("utf-16-le") in data[: 1 << 20]:
                raise ExtractionError("encrypted", "DOCX is password-protected (OLE EncryptedPackage)")
            from index.extract._legacy import convert_legacy

            return convert_legacy(data, ".doc", "doc", limits)
        if not head.startswith(_ZIP):
            raise ExtractionError("wrong_type", f"{suffix} file is {_what(data)}, not a zip package")
        if fmt == "docx":
            from index.extract._docx import extract_docx

            return extract_docx(data, limits.max_unzipped_bytes)
        from index.extract._ofd import extract_ofd

        return extract_ofd(data, limits.max_unzipped_bytes, limits.max_pages)
    if fmt in ("doc", "wps"):
        if head.startswith(_ZIP):  # a DOCX saved with an old name
            from index.extract._docx import extract_docx

            extracted = extract_docx(data, limits.max_unzipped_bytes)
            extracted.format = fmt
            return extracted
        if not (head.startswith(_OLE) or head.startswith(b"{\\rtf")):
            raise ExtractionError("wrong_type", f"{suffix} file is {_what(data)}")
        from index.extract._legacy import convert_legacy

        return convert_legacy(data, suffix, fmt, limits)
    # Text formats: refuse binary files that carry a text name.
    for magic, name in _BINARY_MAGIC:
        if head.startswith(magic):
            raise ExtractionError("wrong_type", f"{suffix} file is {name}")
    if fmt == "html":
        from index.extract._html import extract_html

        return extract_html(data)
    if fmt == "md":
        from index.extract._markdown import extract_markdown

        return extract_markdown(data)
    from index.extract._text import extract_txt

    return extract_txt(data)


def extract_in_process(path: Path, limits: ExtractLimits) -> Extracted:
    """Extract one file in this process (size, zip and page limits only)."""
    path = Path(path)
    fmt = check_path(path, limits)
    data = read_file(path, limits)
    return extract_bytes(data, fmt, path.suffix.lower(), limits)
