"""Snippets around matched words, and index fields turned into ``Hit`` (private)."""

from __future__ import annotations

import html
import re
from typing import Any

from index.models import Hit
from index.normalize import normalize

_MARK = re.compile(r"<mark>|</mark>")


def make_snippet(pages: list[str], terms: list[str], width: int = 90) -> str:
    """A passage around the first matched word, matched words wrapped in <mark>…</mark> (HTML-escaped)."""
    text = " ".join(" ".join(pages).split()) if pages else ""
    if not text:
        return ""
    terms = sorted({normalize(t) for t in terms if t}, key=len, reverse=True)
    # Normalising a whole document is the slow part: look in the text as it is first.
    first = min((i for i in (text.find(t) for t in terms) if i >= 0), default=-1)
    norm = text
    if first < 0 and terms:
        norm = normalize(text)
        first = min((i for i in (norm.find(t) for t in terms) if i >= 0), default=-1)
    start = max(first - width // 3, 0) if first >= 0 else 0
    end = min(start + width, len(text))
    piece = text[start:end]
    npiece = normalize(piece)
    spans: list[tuple[int, int]] = []
    for t in terms:
        i = npiece.find(t)
        while i >= 0:
            if not any(a < i + len(t) and i < b for a, b in spans):
                spans.append((i, i + len(t)))
            i = npiece.find(t, i + len(t))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:  # words that touch are one marked run (最低生活保障, not 最低|生活|保障)
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    spans = merged
    out, pos = [], 0
    for a, b in spans:
        out.append(html.escape(piece[pos:a]))
        out.append(f"<mark>{html.escape(piece[a:b])}</mark>")
        pos = b
    out.append(html.escape(piece[pos:]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + "".join(out) + suffix


def strip_marks(snippet: str) -> str:
    return html.unescape(_MARK.sub("", snippet))


def hit_from_fields(fields: dict[str, Any], score: float, snippet: str) -> Hit:
    return Hit(
        id=fields["id"],
        title=fields.get("title", ""),
        kind=fields.get("kind", ""),
        doc_number=fields.get("doc_number", ""),
        issuer=fields.get("issuer", ""),
        date=fields.get("date", ""),
        validity=fields.get("validity", ""),
        source_path=fields.get("source_path", ""),
        score=round(float(score), 4),
        snippet=snippet,
        doc_id=fields.get("doc_id", fields["id"]),
        page=int(fields.get("page") or 1),
        replaced_by=fields.get("replaced_by", ""),
        topic=fields.get("topic", ""),
    )
