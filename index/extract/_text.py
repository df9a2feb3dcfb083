"""Plain text: find the encoding (UTF-8, GB18030/GBK, UTF-16 with or without BOM, …) and decode.

charset-normalizer alone is not trusted for Chinese: on short GBK text it often
answers Big5, CP949 or Shift-JIS. So the order is: a BOM; strict UTF-8; UTF-16
without a BOM when the zero bytes say so; GB18030 when it decodes strictly and the
result is mostly common Chinese (GB2312 level-1 hanzi); else charset-normalizer's
best guess; else GB18030 with replacement characters.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata

from index.errors import ExtractionError
from index.models import Extracted

log = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_SAMPLE = 256 * 1024
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _common_han_share(text: str) -> float:
    """Share of the Han characters in ``text`` that are GB2312 level-1 (the 3,755 most common)."""
    hans = _HAN.findall(text)
    if not hans:
        return 0.0
    common = 0
    for ch in hans:
        try:
            b = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        if 0xB0 <= b[0] <= 0xD7:
            common += 1
    return common / len(hans)


def _plausible(text: str) -> bool:
    """Mostly printable, and its Han characters (if many) mostly common ones."""
    if not text:
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or ch == "\ufffd")
    if bad > len(text) * 0.01:
        return False
    hans = len(_HAN.findall(text))
    return hans < 20 or _common_han_share(text) >= 0.6


def _gbk_posing_as_utf8(text: str, data: bytes) -> bool:
    """Short GBK text can be valid UTF-8 by accident ('通知' = CD A8 D6 AA = U+0368 U+05AA).

    Chinese in UTF-8 takes three bytes a character; such accidents only yield two-byte
    characters (U+0080-U+07FF), and among them combining marks, Hebrew, Arabic or C1
    controls, which no Chinese document holds. Then GB18030 wins if it reads as common hanzi.
    """
    if len(data) > 4096 or not any(ord(ch) > 0x7F for ch in text) or any(ord(ch) >= 0x800 for ch in text):
        return False
    odd = any(
        0x80 <= ord(ch) <= 0x9F or 0x590 <= ord(ch) <= 0x7FF or unicodedata.category(ch).startswith("M")
        for ch in text
    )
    if not odd:
        return False
    try:
        as_gb = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return bool(_HAN.search(as_gb)) and _common_han_share(as_gb) >= 0.6


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when zero bytes sit on one side only (ASCII digits, newlines)."""
    if len(sample) < 8:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros >= max(2, half // 50) and other <= zeros // 20:
            try:
                text = sample[: len(sample) & ~1].decode(codec)
            except UnicodeDecodeError:
                continue
            if _plausible(text):
                return codec
    return None


def detect_encoding(data: bytes) -> str:
    """The Python codec name that decodes ``data``; see the module docstring for the order."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    sample = data[:_SAMPLE]
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "gb18030" if _gbk_posing_as_utf8(as_utf8, data) else "utf-8"
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    cut = sample
    try:
        gb_text = cut.decode("gb18030")
    except UnicodeDecodeError:
        # The sample may end inside a character: drop up to three bytes and retry.
        gb_text = ""
        for n in (1, 2, 3):
            try:
                gb_text = cut[:-n].decode("gb18030")
                break
            except UnicodeDecodeError:
                continue
    if gb_text and _plausible(gb_text):
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is not None:
        codec = codecs.lookup(best.encoding).name
        log.debug("charset-normalizer chose %s", codec)
        return codec
    return "gb18030"


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of a text file; returns (text, encoding). Line ends become '\\n'."""
    encoding = detect_encoding(data)
    if not encoding.startswith(("utf-16", "utf-32")) and b"\x00" in data[:_SAMPLE]:
        raise ExtractionError("wrong_type", "text file holds NUL bytes: binary content")
    text = data.decode(encoding, errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return text, encoding


def extract_txt(data: bytes) -> Extracted:
    text, encoding = decode_text(data)
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    if not text.strip():
        raise ExtractionError("empty", "text file holds only white space")
    return Extracted(pages=[text], page_count=1, has_text=True, format="txt", encoding=encoding)
