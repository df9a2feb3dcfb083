"""OFD (GB/T 33190-2016): the text objects of every page, in page order.

OFD.xml -> DocBody/DocRoot -> Document.xml -> Pages/Page/@BaseLoc -> Content.xml,
whose Layer/TextObject/TextCode elements hold the text with positions. Many
writers put one character per TextObject, so text codes are placed by their
absolute position: grouped into lines by baseline, ordered left to right.
Paths in the package are relative to the file that names them, or absolute
from the package root when they start with '/'.
"""

from __future__ import annotations

import posixpath

from lxml import etree

from index.errors import ExtractionError
from index.extract._xml import local, parse_xml
from index.extract._zip import GuardedZip
from index.models import Extracted

OFD_NS = "http://www.ofdspec.org/2016"


def _resolve(base_file: str, loc: str) -> str:
    loc = loc.strip().replace("\\", "/")
    if loc.startswith("/"):
        return loc.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_file), loc))


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local(c.tag) == name]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _floats(value: str | None) -> list[float]:
    out = []
    for part in (value or "").replace(",", " ").split():
        try:
            out.append(float(part))
        except ValueError:
            return out
    return out


def _page_text(content: etree._Element) -> str:
    """Place every TextCode at its absolute position and read lines top to bottom."""
    pieces: list[tuple[float, float, float, str]] = []  # (y, x, size, text)
    order = 0
    for obj in content.iter():
        if local(obj.tag) != "TextObject":
            continue
        box = _floats(obj.get("Boundary"))
        bx, by = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
        size = _floats(obj.get("Size"))
        font_size = size[0] if size else 3.5
        ctm = _floats(obj.get("CTM"))
        for code in obj:
            if local(code.tag) != "TextCode" or not code.text:
                continue
            x = _floats(code.get("X"))
            y = _floats(code.get("Y"))
            cx = x[0] if x else 0.0
            cy = y[0] if y else 0.0
            if len(ctm) == 6:  # a b c d e f: scale/rotate the text, then translate
                cx, cy = ctm[0] * cx + ctm[2] * cy + ctm[4], ctm[1] * cx + ctm[3] * cy + ctm[5]
            pieces.append((by + cy, bx + cx + order * 1e-9, font_size, code.text))
            order += 1
    if not pieces:
        return ""
    pieces.sort(key=lambda p: (p[0], p[1]))
    lines: list[list[tuple[float, float, float, str]]] = []
    for piece in pieces:
        if lines and abs(piece[0] - lines[-1][0][0]) <= max(0.5, piece[2] * 0.4):
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return "\n".join("".join(p[3] for p in sorted(line, key=lambda p: p[1])) for line in lines)


def extract_ofd(data: bytes, max_unzipped_bytes: int, max_pages: int) -> Extracted:
    pkg = GuardedZip(data, max_unzipped_bytes, kind="OFD")
    if pkg.find("OFD.xml") is None:
        raise ExtractionError("wrong_type", "zip archive is not an OFD package (no OFD.xml)")
    ofd = parse_xml(pkg.read("OFD.xml"), "OFD.xml")
    body = _child(ofd, "DocBody")
    doc_root = _child(body, "DocRoot") if body is not None else None
    if doc_root is None or not (doc_root.text or "").strip():
        raise ExtractionError("corrupt", "OFD.xml names no DocBody/DocRoot")
    title = ""
    info = _child(body, "DocInfo") if body is not None else None
    if info is not None:
        title_el = _child(info, "Title")
        title = (title_el.text or "").strip() if title_el is not None else ""

    doc_path = _resolve("OFD.xml", doc_root.text or "")
    document = parse_xml(pkg.read(doc_path), doc_path)
    pages_el = _child(document, "Pages")
    page_els = _children(pages_el, "Page") if pages_el is not None else []
    if not page_els:
        raise ExtractionError("corrupt", f"{doc_path} lists no pages")
    if len(page_els) > max_pages:
        raise ExtractionError("too_many_pages", f"OFD has {len(page_els)} pages (limit {max_pages})")
    pages: list[str] = []
    for number, page in enumerate(page_els, start=1):
        loc = page.get("BaseLoc")
        if not loc:
            raise ExtractionError("corrupt", f"page {number} of {doc_path} has no BaseLoc")
        content_path = _resolve(doc_path, loc)
        content = parse_xml(pkg.read(content_path), content_path)
        pages.append(_page_text(content))
    return Extracted(
        pages=pages, page_count=len(pages), has_text=any(p.strip() for p in pages), format="ofd",
        title_hint=title,
    )
