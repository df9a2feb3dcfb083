"""Page texts -> paragraphs for text mode (no Kivy here, so it is tested without a window).

Text extracted from a PDF or OFD keeps the printed line breaks (a line every ~26 characters);
text mode reflows at the visitor's size, so printed lines are joined back into paragraphs.
A paragraph is cut into pieces of at most ``PIECE_CHARS`` characters so that each piece is
one small texture on the GPU, never the whole document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

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


_LATIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,:/%_-")
_LATIN_WORD_MAX = 25  # a longer run (a URL) may break anywhere


def wrap(text: str, width: float, char_width) -> list[str]:
    """``text`` broken into lines no wider than ``width``; ``char_width(c)`` gives a glyph's width.

    Chinese breaks between any two glyphs, a Latin word or number is kept whole, and a closing
    punctuation mark never starts a line: it stays on the line before (it may overhang by one
    glyph, so callers keep one em of room). Linear in the text: one width a glyph, then a
    binary search for each line's end.
    """
    lines: list[str] = []
    for raw in text.split("\n"):
        if not raw:
            lines.append("")
            continue
        ends = list(accumulate(char_width(c) for c in raw))  # ends[i]: width of raw[:i + 1]
        start, base, n = 0, 0.0, len(raw)
        while start < n:
            end = bisect_right(ends, base + width, lo=start)  # raw[start:end] fits
            if end >= n:
                lines.append(raw[start:])
                break
            end = max(end, start + 1)
            while end < n and raw[end] in _NO_LINE_START:
                end += 1  # closing marks hang on this line
            if raw[end - 1] in _LATIN and end < n and raw[end] in _LATIN:
                word = end
                while word > start and raw[word - 1] in _LATIN and end - word < _LATIN_WORD_MAX:
                    word -= 1
                if word > start and raw[word - 1] not in _LATIN:
                    end = word  # the whole word goes to the next line
            lines.append(raw[start:end])
            start, base = end, ends[end - 1]
    return lines
