"""Markdown: the text with its markup stripped lightly; the first heading as title hint."""

from __future__ import annotations

import re

from index.errors import ExtractionError
from index.extract._text import decode_text
from index.models import Extracted

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$", re.M)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$", re.M)
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$", re.M)
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.M)
_LIST = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+", re.M)
_FENCE = re.compile(r"^\s{0,3}(```|~~~).*$", re.M)
# Emphasis around real text only: fill-in blanks such as "______" stay as they are.
_EMPH = re.compile(r"(\*\*|__|\*|_|~~)(?=[^\s_*~])(.+?)(?<=[^\s_*~])\1")
_CODE = re.compile(r"`([^`]*)`")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$", re.M)


def strip_markdown(text: str) -> str:
    text = _FRONT_MATTER.sub("", text)
    text = _COMMENT.sub("", text)
    text = _FENCE.sub("", text)
    text = _REF_DEF.sub("", text)
    text = _TABLE_RULE.sub("", text)
    text = _RULE.sub("", text)
    text = _HEADING.sub(r"\1", text)
    text = _QUOTE.sub("", text)
    text = _LIST.sub(r"\1", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _EMPH.sub(r"\2", text)
    text = _TAG.sub("", text)
    lines = []
    for line in text.split("\n"):
        if "|" in line and line.strip().startswith("|"):
            line = "\t".join(c.strip() for c in line.strip().strip("|").split("|"))
        if _SETEXT.fullmatch(line):
            continue
        lines.append(line.rstrip())
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip("\n")


def extract_markdown(data: bytes) -> Extracted:
    raw, encoding = decode_text(data)
    body = _COMMENT.sub("", _FRONT_MATTER.sub("", raw))
    heading = _HEADING.search(body)
    title = _EMPH.sub(r"\2", heading.group(1)).strip() if heading else ""
    text = strip_markdown(raw)
    if not text.strip():
        raise ExtractionError("empty", "Markdown file holds no text")
    return Extracted(
        pages=[text], page_count=1, has_text=True, format="md", encoding=encoding, title_hint=title,
    )
