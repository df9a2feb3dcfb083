"""DOCX: paragraphs and tables of word/document.xml, in document order.

Read with lxml from a guarded zip rather than python-docx, because python-docx
loads every part of the package before the decompressed-size cap could act.
"""

from __future__ import annotations

from lxml import etree

from index.errors import ExtractionError
from index.extract._xml import local, parse_xml
from index.extract._zip import GuardedZip
from index.models import Extracted

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DC = "http://purl.org/dc/elements/1.1/"
# Field codes and deleted text are not document text (text boxes inside drawings are).
_SKIP = {"instrText", "delText", "fldChar"}


def _paragraph(p: etree._Element) -> str:
    parts: list[str] = []
    # Walk text-bearing nodes, skipping deleted text and field codes.
    for node in p.iter():
        name = local(node.tag)
        if name in _SKIP:
            continue
        if name == "t" and node.text and not any(local(a.tag) == "del" for a in node.iterancestors()):
            parts.append(node.text)
        elif name == "tab" and local(node.getparent().tag) == "r":
            parts.append("\t")
        elif name in ("br", "cr"):
            parts.append("\n")
        elif name == "noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _table(tbl: etree._Element, lines: list[str]) -> None:
    for tr in tbl.iterchildren(f"{{{W}}}tr"):
        cells = []
        for tc in tr.iterchildren(f"{{{W}}}tc"):
            inner: list[str] = []
            _block(tc, inner)
            cells.append(" ".join(x.strip() for x in inner if x.strip()))
        if any(cells):
            lines.append("\t".join(cells))


def _block(parent: etree._Element, lines: list[str]) -> None:
    for child in parent:
        name = local(child.tag)
        if name == "p":
            lines.append(_paragraph(child))
        elif name == "tbl":
            _table(child, lines)
        elif name in ("sdt", "sdtContent", "customXml", "ins", "smartTag"):
            _block(child, lines)


def extract_docx(data: bytes, max_unzipped_bytes: int) -> Extracted:
    pkg = GuardedZip(data, max_unzipped_bytes, kind="DOCX")
    if pkg.find("[Content_Types].xml") is None or pkg.find("word/document.xml") is None:
        raise ExtractionError("wrong_type", "zip archive is not a Word document (no word/document.xml)")
    root = parse_xml(pkg.read("word/document.xml"), "word/document.xml")
    body = root.find(f"{{{W}}}body")
    if body is None:
        raise ExtractionError("corrupt", "word/document.xml has no w:body")
    lines: list[str] = []
    _block(body, lines)
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    title = ""
    if pkg.find("docProps/core.xml") is not None:
        try:
            core = parse_xml(pkg.read("docProps/core.xml"), "docProps/core.xml")
            el = core.find(f"{{{_DC}}}title")
            title = (el.text or "").strip() if el is not None else ""
        except ExtractionError as exc:
            if exc.reason == "zip_bomb":
                raise
    return Extracted(pages=[text], page_count=1, has_text=bool(text.strip()), format="docx", title_hint=title)
