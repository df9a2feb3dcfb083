"""Page texts -> paragraphs for text mode (no Kivy here, so it is tested without a window).

Text extracted from a PDF or OFD keeps the printed line breaks (a line every ~26 characters);
text mode reflows at the visitor's size, so printed lines are joined back into paragraphs.
A paragraph is cut into pieces of at most ``PIECE_CHARS`` characters so that each piece is
one small texture on the GPU, never the whole document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PIECE_CHARS = 300  # at 44 dp in a portrait column this is a texture ~1,300 px high
_PAGE_FOOTER = re.compile(r"^\s*[—\-–－]*\s*\d{1,4}\s*[—\-–－]*\s*$")
_NEW_PARAGRAPH = re.compile(r"^(?:[\u3000 \t]|第[一二三四五六七八九十百千零〇\d]+[章节条款编]|[一二三四五六七八九十]+、|（[一二三四五六七八九十\d]+）|\d+[.、．])")
_SENTENCE_END = "。！？；：!?;:"
_CONTENTS_LINE = re.compile(r"(?:…{2,}|\.{4,}|·{4,})\s*\d+$")  # a table-of-contents entry: title …… 3
_CUTS = "。！？；!?;，,、 "


@dataclass(frozen=True)
class Paragraph:
    text: str
    page: int  # 1-based page of the document it comes from


def paragraphs(pages: list[str]) -> list[Paragraph]:
    """Printed lines joined into paragraphs, page footers (``— 2 —``) dropped, long ones cut."""
    out: list[Paragraph] = []
    current, last, start = "", "", 1  # a paragraph may run on over a page break
    for number, page in enumerate(pages, start=1):
        lines = [line.rstrip() for line in page.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        lines = [line for line in lines if not _PAGE_FOOTER.match(line)]
        full = _typical_length(lines)
        for line in lines:
            if not line.strip():
                current = _flush(out, current, start)
                continue
            if current and _starts_paragraph(line, last, full):
                current = _flush(out, current, start)
            if not current:
                start = number
            current += line
            last = line.strip()
    _flush(out, current, start)
    return out


def _typical_length(lines: list[str]) -> int:
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    if not lengths:
        return 0
    return lengths[len(lengths) // 2]  # body lines are most of a page: the median is a full line


def _starts_paragraph(line: str, last: str, full: int) -> bool:
    """Does ``line`` begin a new paragraph after the printed line ``last``?"""
    if _NEW_PARAGRAPH.match(line):
        return True
    if last[-1] in _SENTENCE_END or _CONTENTS_LINE.search(last):
        return True
    # A printed line that stops well short of the column was the end of its paragraph (a title).
    return len(last) < 0.8 * full


def _flush(out: list[Paragraph], text: str, page: int) -> str:
    text = text.strip()
    if text:
        out.extend(Paragraph(piece, page) for piece in cut(text))
    return ""


def cut(text: str, limit: int = PIECE_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut after a sentence or clause end."""
    pieces: list[str] = []
    while len(text) > limit:
        window = text[limit // 2:limit]
        at = max((window.rfind(c) for c in _CUTS), default=-1)
        end = limit // 2 + at + 1 if at >= 0 else limit
        pieces.append(text[:end])
        text = text[end:]
    if text:
        pieces.append(text)
    return pieces


# -- wrapping -------------------------------------------------------------------------------
# Kivy wraps a markup label at spaces and at markup boundaries: Chinese text has no spaces, so
# a highlighted word would push the rest of its line down. Text mode therefore breaks lines
# itself, from measured glyph widths, and gives Kivy lines that already fit.

_NO_LINE_START = set("，。、；：？！）》」』”’〉】〕…—·,.;:?!)]}%")


_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,:/%_\-]{0,24}|.", re.S)  # a Latin word or number, else one glyph


def wrap(text: str, width: float, char_width) -> list[str]:
    """``text`` broken into lines no wider than ``width``; ``char_width(c)`` gives a glyph's width.

    Chinese breaks between any two glyphs, a Latin word or number is kept whole, and a closing
    punctuation mark never starts a line: it stays on the line before (it may overhang by one
    glyph, so callers keep one em of room).
    """
    lines: list[str] = []
    for raw in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for token in _TOKEN.findall(raw):
            w = sum(char_width(c) for c in token)
            if line and used + w > width and token not in _NO_LINE_START:
                lines.append("".join(line))
                line, used = [], 0.0
            line.append(token)
            used += w
        lines.append("".join(line))
    return lines
