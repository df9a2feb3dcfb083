"""Field names as staff write them and the normalisers of their values (dates, validity, kind, numbers, keywords, gazette contents)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from index.docnumber import parse_doc_number
from index.models import KINDS, DocumentMeta, GazetteItem
from index.normalize import DELETE_ZERO_WIDTH, ZERO_WIDTH

logger = logging.getLogger(__name__)


FIELD_ALIASES: dict[str, str] = {
    "标题": "title", "题名": "title", "文件标题": "title", "文件名称": "title", "名称": "title",
    "文号": "doc_number", "发文字号": "doc_number", "发文文号": "doc_number", "字号": "doc_number",
    "发布机构": "issuer", "发文机关": "issuer", "发文单位": "issuer", "制定机关": "issuer", "发布单位": "issuer",
    "成文日期": "written_date", "印发日期": "written_date",
    "发布日期": "publish_date", "公布日期": "publish_date", "发文日期": "publish_date",
    "施行日期": "effective_date", "生效日期": "effective_date", "实施日期": "effective_date",
    "有效性": "validity", "效力": "validity", "时效性": "validity", "效力状态": "validity", "状态": "validity",
    "替代文件": "replaced_by", "被替代": "replaced_by", "替代为": "replaced_by",
    "主题分类": "topic", "分类": "topic", "主题": "topic",
    "索引号": "index_number",
    "主题词": "keywords", "关键词": "keywords",
    "链接": "url", "网址": "url", "原文链接": "url",
    "种类": "kind", "文件类别": "kind", "类别": "kind", "文种": "kind",
    "公报年份": "gazette_year", "年份": "gazette_year",
    "公报期号": "gazette_issue", "期号": "gazette_issue",
    "目录": "contents",
    "审查人": "reviewer", "审核人": "reviewer",
    "审查日期": "review_date", "审核日期": "review_date",
}
_FIELDS = tuple(f for f in DocumentMeta.__dataclass_fields__ if f != "sources")
FIELD_ALIASES.update({f: f for f in _FIELDS})
_FILE_NAME_HEADERS = ("文件名", "文件名称(含扩展名)", "file", "filename", "file_name", "文件")
_DATE_FIELDS = ("written_date", "publish_date", "effective_date", "review_date")

_VALIDITY_WORDS: dict[str, str] = {
    "有效": "有效", "现行有效": "有效", "现行": "有效", "生效": "有效", "继续有效": "有效",
    "废止": "废止", "已废止": "废止", "被废止": "废止", "宣布废止": "废止",
    "失效": "失效", "已失效": "失效", "宣布失效": "失效", "过期": "失效",
    "修订": "已修订", "已修订": "已修订", "被修订": "已修订", "修正": "已修订", "已修正": "已修订",
    "已被修订": "已修订", "已被修改": "已修订", "修改": "已修订", "已修改": "已修订",
}
_KIND_WORDS: dict[str, str] = {
    "规范性文件": "规范性文件", "行政规范性文件": "规范性文件",
    "政府公报": "政府公报", "公报": "政府公报",
    "法律法规": "法律法规", "法律": "法律法规", "法规": "法律法规", "行政法规": "法律法规",
    "地方性法规": "法律法规", "规章": "法律法规", "政府规章": "法律法规",
    "其他": "其他", "其它": "其他",
}

# -- small normalisers ------------------------------------------------------------------

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT_CLASS = "〇○零OＯ一二三四五六七八九"
_DATE_ARABIC = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_CN = re.compile(rf"([{_CN_DIGIT_CLASS}]{{4}})\s*年\s*([一二三四五六七八九十]{{1,3}})\s*月\s*([一二三四五六七八九十]{{1,3}})\s*日")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DATE_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_ZW = DELETE_ZERO_WIDTH


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_ZW)


_LIGHT = {**_ZW, 0x3000: " ", **{0xFF10 + i: 0x30 + i for i in range(10)},
          **{0xFF21 + i: 0x41 + i for i in range(26)}, **{0xFF41 + i: 0x61 + i for i in range(26)}}


_NEEDS_LIGHT = re.compile(f"[\u3000\uff10-\uff19\uff21-\uff3a\uff41-\uff5a{ZERO_WIDTH}]")


def _light(text: str) -> str:
    """Full-width digits/letters to ASCII, zero-width characters out; Chinese punctuation kept
    (titles are shown as written: （试行） stays full-width)."""
    return text.translate(_LIGHT) if _NEEDS_LIGHT.search(text) else text


def _squash(text: str) -> str:
    """Remove every whitespace character (PDF text puts spaces between CJK characters)."""
    return re.sub(r"\s+", "", text)


def _cn_number(text: str) -> int:
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(units, 0) if units else 0)
    value = 0
    for ch in text:
        value = value * 10 + _CN_DIGITS[ch]
    return value


def _iso(year: int, month: int, day: int) -> str:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def _date_match_iso(m: re.Match[str], chinese: bool = False) -> str:
    if chinese:
        year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        return _iso(year, _cn_number(m.group(2)), _cn_number(m.group(3)))
    return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def parse_date(value: Any) -> str:
    """An ISO ``YYYY-MM-DD`` date from a cell or text: ``2013-02-19``, ``2013/2/19``,
    ``2013年2月19日``, ``二〇一三年二月十九日``, ``20130219``, a date/datetime; "" if none."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _nfkc(str(value)).strip()
    for regex, chinese in ((_DATE_ARABIC, False), (_DATE_ISO, False), (_DATE_CN, True), (_DATE_COMPACT, False)):
        m = regex.search(text)
        if m:
            iso = _date_match_iso(m, chinese)
            if iso and 1900 <= int(iso[:4]) <= 2100:
                return iso
    return ""


def normalize_validity(value: str) -> str:
    """有效/现行有效 -> 有效; 废止/已废止 -> 废止; 失效 -> 失效; 修订/已修订/被修订 -> 已修订; else ""."""
    text = _squash(_nfkc(str(value or ""))).strip("[]【】()（）")
    if text in _VALIDITY_WORDS:
        return _VALIDITY_WORDS[text]
    for word in sorted(_VALIDITY_WORDS, key=len, reverse=True):
        if len(word) >= 2 and word in text and word not in ("现行", "生效", "修改"):
            return _VALIDITY_WORDS[word]
    return ""


def _normalize_kind(value: str) -> str:
    text = _squash(_nfkc(str(value or "")))
    if text in KINDS:
        return text
    return _KIND_WORDS.get(text, "")


def _to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    m = re.search(r"\d+", _nfkc(str(value)))
    if m:
        return int(m.group(0))
    text = str(value).strip("第期年 ")
    if text and all(c in _CN_DIGITS or c == "十" for c in text):
        return _cn_number(text)
    return None


def _split_keywords(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[；;、,，\s]+", _nfkc(str(value or "")))
    out: list[str] = []
    for item in items:
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return out


def _clean_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value).translate(_ZW)).strip()


def _contents_from_value(value: Any) -> list[GazetteItem]:
    items: list[GazetteItem] = []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    for entry in value:
        if not isinstance(entry, Mapping):
            continue
        title = _clean_str(entry.get("标题", entry.get("title", "")))
        page = _to_int(entry.get("页码", entry.get("page")))
        doc_number = _clean_str(entry.get("文号", entry.get("doc_number", "")))
        if title and page and page > 0:
            dn = parse_doc_number(doc_number) if doc_number else None
            items.append(GazetteItem(title=title, page=page, doc_number=dn.canonical if dn else doc_number))
    return items


def _normalize_fields(raw: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """Staff-written key/values -> DocumentMeta field values; bad values are logged and dropped."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = FIELD_ALIASES.get(_squash(_nfkc(str(key))).rstrip(":："))
        if name is None or value is None or value == "" or value == []:
            continue
        if name in _DATE_FIELDS:
            iso = parse_date(value)
            if iso:
                out[name] = iso
            else:
                logger.warning("%s: %s %r is not a date; ignored", origin, key, value)
        elif name == "doc_number":
            dn = parse_doc_number(str(value))
            out[name] = dn.canonical if dn else _clean_str(value)
        elif name == "validity":
            validity = normalize_validity(str(value))
            if validity:
                out[name] = validity
            else:
                logger.warning("%s: validity %r is not one of 有效/废止/失效/已修订; ignored", origin, value)
        elif name == "kind":
            kind = _normalize_kind(str(value))
            if kind:
                out[name] = kind
            else:
                logger.warning("%s: kind %r is not one of %s; ignored", origin, value, "/".join(KINDS))
        elif name == "keywords":
            words = _split_keywords(value)
            if words:
                out[name] = words
        elif name in ("gazette_year", "gazette_issue"):
            number = _to_int(value)
            if number:
                out[name] = number
        elif name == "contents":
            items = _contents_from_value(value)
            if items:
                out[name] = items
        else:
            text = _clean_str(value)
            if text:
                out[name] = text
    return out


# -- source 1: the sidecar --------------------------------------------------------------
