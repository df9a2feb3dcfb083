"""HTML: the page's readable text, without scripts, styles and navigation; <title> as a hint."""

from __future__ import annotations

import codecs
import re

import lxml.html
from lxml import etree

from index.errors import ExtractionError
from index.extract._text import decode_text
from index.models import Extracted

# Elements whose content is never document text.
_NOISE = (
    "script", "style", "noscript", "template", "nav", "aside", "footer", "form", "iframe",
    "svg", "button", "select", "object", "embed", "canvas", "head",
)
_BLOCK = {
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6",
    "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "thead", "tbody", "tfoot", "caption",
    "blockquote", "pre", "address", "figure", "figcaption", "hr", "center", "body", "title",
}
_CELL = {"td", "th"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
# A line break in the source between two CJK characters is not a space (CSS Text 3).
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")


def _decode_html(data: bytes) -> tuple[str, str]:
    head = data[:4096]
    match = _META_CHARSET.search(head)
    if match and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        name = match.group(1).decode("ascii", "replace").lower()
        if name in ("gb2312", "gbk", "gb_2312-80", "x-gbk"):
            name = "gb18030"  # pages labelled GB2312 routinely use GBK/GB18030 characters
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            codec = ""
        if codec:
            text = data.decode(codec, errors="replace").replace("\r\n", "\n")
            return text, codec
    return decode_text(data)


def _normalise(text: str | None) -> str | None:
    if not text:
        return text
    return _SPACES.sub(" ", _CJK_BREAK.sub("", text))


def extract_html(data: bytes) -> Extracted:
    text, encoding = _decode_html(data)
    text = _XML_DECL.sub("", text)
    if not text.strip():
        raise ExtractionError("empty", "HTML file holds only white space")
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError("corrupt", f"HTML cannot be parsed: {exc}") from exc

    title_el = root.find(".//title")
    title = _SPACES.sub(" ", title_el.text_content()).strip() if title_el is not None else ""

    for el in list(root.iter(*_NOISE)):
        parent = el.getparent()
        if parent is not None:
            el.drop_tree()
    for el in list(root.xpath("//*[@role='navigation' or @aria-hidden='true' or @hidden]")):
        if el.getparent() is not None:
            el.drop_tree()

    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "pre":
            continue
        in_pre = any(a.tag == "pre" for a in el.iterancestors())
        if not in_pre:
            el.text = _normalise(el.text)
            el.tail = _normalise(el.tail)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "br":
            el.tail = "\n" + (el.tail or "")
        elif el.tag in _BLOCK:
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
        elif el.tag in _CELL:
            el.tail = "\t" + (el.tail or "")

    body = root.find("body")
    raw = (body if body is not None else root).text_content()
    lines = [line.strip(" \t") for line in raw.split("\n")]
    out = "\n".join(line for line in lines if line)
    return Extracted(
        pages=[out], page_count=1, has_text=bool(out.strip()), format="html",
        encoding=encoding, title_hint=title,
    )
