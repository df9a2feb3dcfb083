"""A gazette issue's contents page (目录) read into items with their pages."""

from __future__ import annotations

import logging
import re
from collections import Counter

from index.docnumber import find_doc_numbers, parse_doc_number
from index.metadata.fields import _light, _nfkc, _squash
from index.models import GazetteItem

logger = logging.getLogger(__name__)


_CONTENTS_HEADING = re.compile(r"^\s*目\s*录\s*$|^\s*(?:本期)?目\s*录\s*[(（].*[)）]\s*$")
_CONTENTS_ITEM = re.compile(r"^(?P<title>.*?[^\s.…·．。\-—_⋯])\s*(?:[.…·．。\-—_⋯]\s*){2,}\s*(?P<page>\d{1,4})\s*$")
_CONTENTS_ITEM_SPACED = re.compile(r"^(?P<title>.*[\u4e00-\u9fff》)）号])\s{2,}(?P<page>\d{1,4})\s*$")
_SECTION_HEADER = re.compile(r"^[【\[〔].*[】\]〕]$|^[一二三四五六七八九十]+、.{0,12}$|^.{0,10}$")
_TRAILING_DOC_NUMBER = re.compile(r"[(（〔]([^()（）]*\d{4}[^()（）]*号)[)）〕]$")


def _find_contents_page(pages: list[str]) -> int:
    for i, page in enumerate(pages[:8]):
        for line in page.splitlines()[:12]:
            if _CONTENTS_HEADING.match(_nfkc(line)):
                return i
    return -1


def _title_key(title: str) -> str:
    return re.sub(r"[^\u4e00-\u9fff\d]", "", _nfkc(title))[:14]


def parse_gazette_contents(pages: list[str]) -> list[GazetteItem]:
    """Items of a gazette issue from its contents page (目录): ``title …… page`` lines.

    Page numbers may be full-width and are the issue's printed numbers; when the item
    titles are found on the pages, the offset between printed and file pages is learnt
    from them. Items whose page falls outside the file are dropped.
    """
    index = _find_contents_page(pages)
    if index < 0:
        return []
    raw_items: list[tuple[str, int]] = []
    pending = ""
    started = False
    for raw in pages[index].splitlines():
        line = _light(raw).strip()
        if not line:
            continue
        if not started:
            started = bool(_CONTENTS_HEADING.match(line))
            continue
        m = _CONTENTS_ITEM.match(line) or _CONTENTS_ITEM_SPACED.match(line)
        if m:
            title = _squash(pending + m.group("title"))
            pending = ""
            raw_items.append((title, int(m.group("page"))))
            continue
        squashed = _squash(line)
        if _SECTION_HEADER.match(squashed) and not pending:
            continue
        pending = (pending + squashed) if len(pending) < 80 else squashed
    if not raw_items:
        return []
    offset = _page_offset(pages, index, raw_items)
    items: list[GazetteItem] = []
    for title, printed in raw_items:
        page = printed + offset
        if not 1 <= page <= len(pages):
            logger.info("gazette contents: %r points to page %d of %d; dropped", title, page, len(pages))
            continue
        doc_number = ""
        m = _TRAILING_DOC_NUMBER.search(title)
        if m:
            dn = parse_doc_number(m.group(1))
            if dn is not None:
                doc_number = dn.canonical
                title = title[: m.start()]
        else:
            found = find_doc_numbers(title)
            if found and title.endswith("号"):
                doc_number = found[-1].canonical
        items.append(GazetteItem(title=title, page=page, doc_number=doc_number))
    return items


def _page_offset(pages: list[str], contents_index: int, items: list[tuple[str, int]]) -> int:
    squashed_pages = [_squash(_nfkc(p)) for p in pages]
    offsets: Counter[int] = Counter()
    for title, printed in items:
        key = _title_key(title)
        if len(key) < 6:
            continue
        for i in range(contents_index + 1, len(pages)):
            if key in re.sub(r"[^\u4e00-\u9fff\d]", "", squashed_pages[i]):
                offsets[(i + 1) - printed] += 1
                break
    if not offsets:
        return 0
    return offsets.most_common(1)[0][0]


# -- families of versions -------------------------------------------------------------------
