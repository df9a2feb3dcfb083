"""Text normalisation for indexing and querying.

``normalize`` maps one character to one character (full width to half width,
traditional to simplified, upper to lower case, invisible characters to spaces),
so offsets in normalised text are offsets in the original: snippets can mark the
original text with positions found in the normalised one.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import opencc

# The one table of invisible characters (zero-width space/joiners, word joiner, BOM, soft
# hyphen): the index maps them to spaces here; docnumber and metadata delete them.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
DELETE_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH), None)


def _load_ts_characters() -> dict[int, str]:
    """Single-character traditional -> simplified map from OpenCC's TSCharacters table."""
    path = Path(opencc.__file__).with_name("dictionary") / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 2:
            continue
        src, targets = parts[0], parts[1].split()
        # A character that is also a simplified character in its own right (著, 乾…) stays.
        if len(src) == 1 and targets and src not in targets and len(targets[0]) == 1:
            table[ord(src)] = targets[0]
    return table


@cache
def _table() -> dict[int, str]:
    table = _load_ts_characters()
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "  # ideographic space
    for ch in ZERO_WIDTH:
        table[ord(ch)] = " "
    for ch in "\t\r\n\x0b\x0c":
        table[ord(ch)] = " "
    # Lower case (ASCII and full width, after the mapping above).
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    for code in range(0xFF21, 0xFF3B):
        table[code] = chr(code - 0xFEE0 + 32)
    return table


def normalize(text: str) -> str:
    """Length-preserving normalisation: full->half width, trad->simp, lower case, blanks."""
    return text.translate(_table())


_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{_CJK}]+")
ALNUM_RUN = re.compile(r"[0-9a-z]+")
TOKEN_RUN = re.compile(f"[{_CJK}]+|[0-9a-z]+")
LATIN_QUERY = re.compile(r"^[a-z\s']+$")


def is_cjk(ch: str) -> bool:
    return bool(CJK_RUN.fullmatch(ch))


def has_cjk(text: str) -> bool:
    return bool(CJK_RUN.search(text))


def clean_query(query: str) -> str:
    """Normalise a visitor's query and collapse blanks."""
    return " ".join(normalize(query).split())
