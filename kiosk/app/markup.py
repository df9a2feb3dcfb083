"""Core text -> Kivy markup: escaping, <mark> highlights, search words in page text."""

from __future__ import annotations

import html
import re

from kivy.utils import escape_markup

MARK_OPEN = "[b][color=#7a2e00]"
MARK_CLOSE = "[/color][/b]"
_MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.S)


def library_text(text: str) -> str:
    """Library text (a title, an issuer, a file name…) for a markup label: shown as written,
    never applied as markup (a sidecar title ``[size=200]…`` stays those characters).
    Every label has ``markup: True``; tests/kiosk/test_markup_escaped.py checks the screens use this."""
    return escape_markup(text or "")


def snippet_markup(snippet: str) -> str:
    """``a <mark>b</mark> c`` -> Kivy markup with ``b`` bold and dark orange; everything else escaped."""
    out: list[str] = []
    pos = 0
    for m in _MARK_RE.finditer(snippet):
        out.append(escape_markup(_strip_tags(snippet[pos:m.start()])))
        out.append(MARK_OPEN + escape_markup(_strip_tags(m.group(1))) + MARK_CLOSE)
        pos = m.end()
    out.append(escape_markup(_strip_tags(snippet[pos:])))
    return "".join(out)


def _strip_tags(text: str) -> str:
    """Drop tags, then turn entities (``&gt;``) back into characters."""
    return html.unescape(re.sub(r"</?[a-zA-Z][^>]*>", "", text))


def mark_terms(text: str, terms: list[str]) -> str:
    """Escape ``text`` and mark every occurrence of any of ``terms`` (longest first)."""
    words = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return escape_markup(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.I)
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(escape_markup(text[pos:m.start()]))
        out.append(MARK_OPEN + escape_markup(m.group(0)) + MARK_CLOSE)
        pos = m.end()
    out.append(escape_markup(text[pos:]))
    return "".join(out)


def plain(snippet: str) -> str:
    return _strip_tags(snippet)


def mark_lines(lines: list[str], terms: list[str], open_tag: str, close_tag: str) -> str:
    """Lines of one paragraph joined with newlines, escaped, every occurrence of ``terms`` marked.

    Words are found in the whole paragraph, so a word broken over two lines is marked on both.
    """
    text = "".join(lines)
    words = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    marked = [False] * len(text)
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.I)
        for m in pattern.finditer(text):
            marked[m.start():m.end()] = [True] * (m.end() - m.start())
    out: list[str] = []
    pos = 0
    for number, line in enumerate(lines):
        if number:
            out.append("\n")
        run_start = pos
        end = pos + len(line)
        while run_start < end:
            state = marked[run_start]
            run_end = run_start
            while run_end < end and marked[run_end] == state:
                run_end += 1
            piece = escape_markup(text[run_start:run_end])
            out.append(open_tag + piece + close_tag if state else piece)
            run_start = run_end
        pos = end
    return "".join(out)
