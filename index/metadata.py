"""What is known about a document besides its text: title, 文号, issuer, dates, validity…

:func:`derive_metadata` merges four sources, strongest first, field by field:

1. ``sidecar``: ``NAME.EXT.json`` next to the document, written by staff (Chinese keys
   such as 标题/文号/发布机构, or the English field names of :class:`DocumentMeta`);
2. ``spreadsheet``: the folder catalogue (``目录.xlsx``, ``catalog.xlsx``, ``目录.csv`` or
   ``catalog.csv``) in the document's folder, one row per file (column 文件名);
3. ``text``: what the document says: labelled header fields (索引号/发布机构/成文日期… on
   pages saved from government sites), the title lines under the red head, the 文号 line,
   the signature block (issuer and date), 施行 dates; Markdown laws (``# title``,
   ``2013年2月19日 … 通过``) get their own reading;
4. ``path``: kind from the top folder (setting ``metadata.kind_folders``), gazette year
   and issue from ``2012年第3期`` in a file or folder name, a date or 文号 in the file name,
   and as a last resort the title from the file name.

One exception to the order: the *kind* from the folder beats a kind guessed from the
text (a 法律法规 folder is a statement by staff, the text's Markdown shape is a guess).
``DocumentMeta.sources`` names the source of every field that was set, plus
``sidecar_error`` / ``spreadsheet_error`` when such a file could not be used (the
document is never lost over a bad sidecar).

Also here: validity normalisation, gazette contents pages (:func:`parse_gazette_contents`),
families of versions (:func:`assign_families`), and trusted review folders.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import io
import itertools
import json
import logging
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from index.docnumber import (
    find_doc_numbers,
    normalize_doc_number_text,
    order_number_in_head,
    parse_doc_number,
)
from index.models import CURRENT_VALIDITY, KINDS, DocumentMeta, Extracted, GazetteItem
from index.normalize import DELETE_ZERO_WIDTH, ZERO_WIDTH

logger = logging.getLogger(__name__)

# Metadata files that belong to a folder, not documents of their own (the sync skips them).
FOLDER_CATALOGUE_NAMES: frozenset[str] = frozenset({"目录.xlsx", "catalog.csv", "目录.csv", "catalog.xlsx"})

__all__ = [
    "CATALOGUE_NAMES",
    "assign_families",
    "clear_catalogue_cache",
    "derive_metadata",
    "family_key",
    "is_trusted_folder",
    "metadata_inputs",
    "metadata_signature",
    "normalize_validity",
    "parse_date",
    "parse_gazette_contents",
    "read_sidecar",
    "sidecar_path",
]

# Folder catalogues, in order of preference when a folder has more than one.
CATALOGUE_NAMES: tuple[str, ...] = tuple(
    sorted(FOLDER_CATALOGUE_NAMES, key=lambda n: (not n.endswith(".xlsx"), not n.startswith("目录")))
)

# Field names as staff write them (sidecar keys, spreadsheet headers) -> DocumentMeta field.
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


def sidecar_path(document: Path) -> Path:
    """``通知.pdf`` -> ``通知.pdf.json``."""
    return document.with_name(document.name + ".json")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8/gb18030", data, 0, min(len(data), 1), "neither UTF-8 nor GBK")


def read_sidecar(path: Path) -> dict[str, Any]:
    """The normalised fields of a sidecar; raises ValueError/OSError when it cannot be used."""
    data = json.loads(_decode(path.read_bytes()))
    if not isinstance(data, dict):
        raise ValueError(f"top level is {type(data).__name__}, not an object")
    return _normalize_fields(data, str(path))


# -- source 2: the folder catalogue ----------------------------------------------------

_CACHE_MAX = 256
_cache_lock = threading.Lock()
# (path, mtime_ns, size) -> {file name or stem: raw row}
_catalogue_cache: OrderedDict[tuple[str, int, int], dict[str, dict[str, Any]]] = OrderedDict()


def clear_catalogue_cache() -> None:
    with _cache_lock:
        _catalogue_cache.clear()


def _rows_to_table(rows: Iterable[Sequence[Any]]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    header: list[str] | None = None
    name_col = -1
    for row in rows:
        cells = ["" if c is None else c for c in row]
        if header is None:
            labels = [_squash(_nfkc(str(c))).lower() for c in cells]
            for wanted in _FILE_NAME_HEADERS:
                if wanted in labels:
                    header, name_col = [_squash(_nfkc(str(c))) for c in cells], labels.index(wanted)
                    break
            continue
        if name_col >= len(cells):
            continue
        name = _nfkc(str(cells[name_col])).strip()
        if not name:
            continue
        record = {header[i]: cells[i] for i in range(min(len(header), len(cells))) if header[i] and i != name_col}
        table[name] = record
    if header is None:
        raise ValueError("no header row with a 文件名 column in the first rows")
    return table


def _read_xlsx(path: Path) -> dict[str, dict[str, Any]]:
    import openpyxl  # a dependency; imported here so that text-only use stays light

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        return _rows_to_table(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def _read_csv(path: Path) -> dict[str, dict[str, Any]]:
    text = _decode(path.read_bytes())
    first = text.splitlines()[0] if text else ""
    delimiter = max(",\t;，", key=first.count) if first else ","
    if delimiter == "，":  # a full-width comma is not a CSV delimiter csv can take as quoted
        text, delimiter = text.replace("，", ","), ","
    return _rows_to_table(csv.reader(io.StringIO(text), delimiter=delimiter))


def _catalogue_table(path: Path) -> dict[str, dict[str, Any]]:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _catalogue_cache.get(key)
        if cached is not None:
            _catalogue_cache.move_to_end(key)
            return cached
    table = _read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_csv(path)
    logger.debug("read folder catalogue %s: %d rows", path, len(table))
    with _cache_lock:
        for old in [k for k in _catalogue_cache if k[0] == key[0]]:
            del _catalogue_cache[old]
        _catalogue_cache[key] = table
        while len(_catalogue_cache) > _CACHE_MAX:
            _catalogue_cache.popitem(last=False)
    return table


def _catalogue_for(document: Path) -> Path | None:
    for name in CATALOGUE_NAMES:
        candidate = document.parent / name
        if candidate.is_file():
            return candidate
    return None


def _catalogue_row(table: Mapping[str, dict[str, Any]], document: Path) -> dict[str, Any] | None:
    name = _nfkc(document.name)
    stem = _nfkc(document.stem)
    for key in (name, stem):
        if key in table:
            return table[key]
    lowered = {k.lower(): v for k, v in table.items()}
    for key in (name.lower(), stem.lower()):
        if key in lowered:
            return lowered[key]
    return None


def metadata_inputs(rel_path: str, share_root: Path) -> list[Path]:
    """Files besides the document that its metadata comes from (sidecar, folder catalogue).

    The sync should treat a change of any of them (mtime/size) as a change of the document.
    """
    document = share_root / rel_path
    inputs = [p for p in (sidecar_path(document), _catalogue_for(document)) if p is not None and p.is_file()]
    return inputs


# -- source 3: the text ------------------------------------------------------------------

_TITLE_ENDINGS = (
    "通知", "决定", "意见", "办法", "规定", "通报", "批复", "公告", "通告", "函", "报告", "请示",
    "纪要", "方案", "规划", "细则", "条例", "命令", "令", "议案", "决议", "规则", "守则", "标准",
    "计划", "要点", "指引", "目录", "清单", "复函", "答复", "实施意见", "指导意见", "公报", "章程",
    "法", "解释", "纲要", "准则", "制度",
)
_TITLE_TAIL = re.compile(r"(?:[(（](?:试行|暂行|草案|征求意见稿|\d{4}年(?:修订|修正)?|修订|修正)[)）])$")
_NOISE_LINE = re.compile(
    r"^(?:[-—–_=·•\s]*\d+[-—–_=·•\s]*|[-—–_=*·•\s]{3,}|第\s*\d+\s*页.*|共\s*\d+\s*页|字号[:：]?\s*大\s*中\s*小|.*扫一扫.*|"
    r"选择字体.*|打印本页|关闭窗口|浏览次数.*|.*(?:当前位置|您的位置|现在的位置).*|.*[>›»].*[>›»].*|【?(?:打印|关闭|收藏)】?|<!--.*-->|[*#>\s]*|附件\s*\d*[:：]?)$"
)
_LABELS_IN_TEXT = (
    "索引号", "主题分类", "发布机构", "发文机关", "成文日期", "发布日期", "发文日期", "文号", "发文字号",
    "有效性", "主题词", "施行日期", "公布日期", "生效日期",
)
_LABEL_RE = re.compile(rf"({'|'.join(sorted(_LABELS_IN_TEXT, key=len, reverse=True))})\s*[:：]")
_SIGNER_LINE = re.compile(r"^(?:签发人|签发|会签|主办|承办|审核)[:：]")
_PRIORITY_LINE = re.compile(r"^(?:特急|加急|急件|平急|特提|机密|秘密|绝密|内部|公开|主动公开|依申请公开|\d{6}|份号.*|.*★.*)$")
_ORG_SUFFIX = re.compile(
    r"(?:人民政府|政府|办公厅|办公室|委员会|常务委员会|人民代表大会|局|厅|委|部|署|院|办|中心|总队|支队|公司|协会|"
    r"分局|管委会|管理委员会|领导小组|指挥部|银行|街道办事处|办事处|党组|组织部|宣传部|政府办|联席会议|法院|检察院|学校|大学|总会|联合会|协会)$"
)
_LEADER_LINE = re.compile(r"^(?:省长|市长|区长|县长|镇长|局长|主任|部长|总理|主席|书记|厅长|署长|院长|委员长|行长)")
_EFFECTIVE = re.compile(
    r"自\s*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日)"
    r"\s*(?:起|开始)\s*(?:施行|实施|执行|生效)"
)
_EFFECTIVE_ON_ISSUE = re.compile(r"自\s*(?:印发|发布|公布|下发)\s*之\s*日\s*起\s*(?:施行|实施|执行|生效)")
_VALIDITY_MARK = re.compile(
    r"^[\[【(（［]\s*(有效|现行有效|已废止|废止|已失效|失效|已修订|已修正)\s*[\]】)）］]"
    r"|[\[【(（［]\s*(已废止|已失效|已修订|已修正|废止|失效)\s*[\]】)）］]$"
)
_NPC_ISSUER = re.compile(
    r"([\u4e00-\u9fff]{2,12}?)第?[一二三四五六七八九十]+届(人民代表大会常务委员会|人大常委会|人民代表大会)"
)
_LAW_EVENT = re.compile(r"(通过|修正|修订|批准|公布|发布)")


_SPACE = re.compile(r"\s")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff〔〕()《》、])\s+(?=[\u4e00-\u9fff〔〕()《》、\d])")
_DIGIT_GAP = re.compile(r"(?<=\d)\s+(?=[\u4e00-\u9fff〔〕号年月日])")


def _clean_line(line: str) -> str:
    line = _light(line).strip()
    if _SPACE.search(line):
        # PDF text spaces CJK characters apart ("税务 总局 办 公厅 文件"): close those gaps.
        line = _CJK_GAP.sub("", line)
        line = _DIGIT_GAP.sub("", line)
    return line.strip()


def _lines(text: str) -> list[str]:
    return [c for c in (_clean_line(raw) for raw in text.splitlines()) if c]


def _labelled_fields(head: list[str]) -> dict[str, str]:
    """``索引号：… 主题分类：… 发布机构：… 成文日期：… 文号：…`` blocks of saved web pages.

    Only a block at the top counts (starting within the first four lines): the same labels
    further down belong to documents the text talks about.
    """
    block: list[str] = []
    for i, line in enumerate(head[:16]):
        if _LABEL_RE.search(line):
            block.append(line)
        elif block or i >= 4:
            break
    joined = "\n".join(block)
    out: dict[str, str] = {}
    matches = list(_LABEL_RE.finditer(joined))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else joined.find("\n", m.end())
        if end < 0:
            end = len(joined)
        value = joined[m.end():end].strip().split("\n")[0].strip()
        if value and m.group(1) not in out:
            out[m.group(1)] = value
    return out


def _is_doc_number_line(line: str) -> bool:
    if len(line) > 60 or "号" not in line:
        return False
    line = re.split(r"签发人[:：]", line)[0].strip()
    dn = parse_doc_number(line)
    if dn is None:
        return False
    rest = _squash(normalize_doc_number_text(line))
    return len(rest) <= len(dn.canonical) + 4 and dn.code in rest[: len(dn.code) + 6]


def _is_redhead(line: str) -> bool:
    squashed = _squash(line)
    if squashed.endswith("文件") and "关于" not in squashed and len(squashed) <= 40:
        return True
    return bool(_ORG_SUFFIX.search(squashed)) and "关于" not in squashed and len(squashed) <= 30


def _is_noise(line: str) -> bool:
    return bool(_NOISE_LINE.match(line)) or bool(_SIGNER_LINE.match(line)) or bool(_PRIORITY_LINE.match(line))


def _ends_title(text: str) -> bool:
    text = _TITLE_TAIL.sub("", text)
    text = text.rstrip("》\"”'")
    return text.endswith(_TITLE_ENDINGS)


def _strip_validity_mark(title: str) -> tuple[str, str]:
    m = _VALIDITY_MARK.search(title)
    if not m:
        return title, ""
    validity = normalize_validity(m.group(1) or m.group(2))
    return (title[: m.start()] + title[m.end():]).strip(), validity


def _title_from_lines(lines: list[str]) -> tuple[str, int]:
    """Title lines under the red head, joined; returns (title, index of the 文号 line or -1)."""
    title_parts: list[str] = []
    doc_line = -1
    for i, line in enumerate(lines[:30]):
        if _is_noise(line) or _LABEL_RE.match(line):
            continue
        if _is_doc_number_line(line):
            doc_line = i if doc_line < 0 else doc_line
            if title_parts:
                if _ends_title("".join(title_parts)):
                    break
                continue
            continue
        squashed = _squash(line).lstrip("#")
        if squashed.endswith((":", "：")) and title_parts:
            break  # the addressees (主送机关)
        if title_parts and (_DATE_ARABIC.match(squashed) or _DATE_CN.match(squashed)):
            break  # "2018年3月20日第十三届全国人民代表大会…通过" under a law's title
        if not title_parts and _is_redhead(line) and not _ends_title(squashed):
            continue
        if not title_parts and re.match(r"^[\u4e00-\u9fff]{2,6}[:：]", squashed):
            continue  # 发布时间：… 来源：… lines of saved web pages
        if title_parts and (
            "。" in squashed or len(squashed) > 60 or re.search(r"[:：]", squashed) or len(line.split()) >= 3
        ):
            break
        if "。" in squashed or (len(squashed) > 60 and not title_parts):
            break  # body text: no title at the top
        if squashed.endswith((":", "：")):
            break
        title_parts.append(squashed)
        if _ends_title("".join(title_parts)) or len(title_parts) >= 5:
            # a wrapped title may go on: "…关于印发" / "…办法的通知"; stop only at an ending
            nxt = next((ln for ln in lines[i + 1 : i + 2]), "")
            if not (nxt and _continues_title("".join(title_parts), _squash(nxt))):
                break
    title = "".join(title_parts)
    if title.startswith("《") and title.endswith("》") and title.count("《") == 1:
        title = title[1:-1]  # pages that quote the whole title
    return (title if len(title) <= 120 else ""), doc_line


# Endings after which a title is surely complete; after the others (办法, 法, 方案…) a wrapped
# title may go on: "…关于印发《…办法》" + "的通知", "…城市管理执法" + "工作的意见".
_FINAL_ENDINGS = ("通知", "决定", "意见", "通报", "批复", "公告", "通告", "函", "报告", "请示", "纪要", "命令",
                  "议案", "决议", "复函", "答复")


def _continues_title(title: str, nxt: str) -> bool:
    """The next line finishes a title that only seemed to end (see _FINAL_ENDINGS)."""
    if _TITLE_TAIL.sub("", title).rstrip("》\"”'").endswith(_FINAL_ENDINGS) and not title.endswith("》"):
        return False
    return (
        len(nxt) <= 30
        and _ends_title(nxt)
        and not nxt.endswith((":", "："))
        and not _is_doc_number_line(nxt)
        and not _DATE_ARABIC.match(nxt)
        and "。" not in nxt
        and not (_is_redhead(nxt) and not nxt.startswith("的"))
    )


def _signature(lines: list[str]) -> tuple[str, str]:
    """(issuer, written date) of the signature block: org lines right above a date line."""
    best: tuple[str, str] | None = None
    fallback_date = ""
    for i, line in enumerate(lines):
        squashed = _squash(line)
        stripped = re.sub(r"[(（][^)）]*[)）]", "", squashed)
        if len(stripped) > 16 or "印发" in squashed:
            continue
        iso = parse_date(stripped)
        if not iso:
            continue
        m = _DATE_ARABIC.search(stripped) or _DATE_CN.search(stripped) or _DATE_ISO.search(stripped)
        if m is None or len(stripped) - len(m.group(0)) > 2:
            continue
        orgs: list[str] = []
        j = i - 1
        while j >= 0 and len(orgs) < 4:
            prev = _squash(lines[j])
            if _LEADER_LINE.match(prev) or _NOISE_LINE.match(prev):
                j -= 1
                continue
            if len(prev) <= 30 and _ORG_SUFFIX.search(prev) and not re.search(r"[，。；：:,;]", prev):
                orgs.insert(0, prev)
                j -= 1
                continue
            break
        if orgs:
            best = ("、".join(orgs), iso)
            break
        fallback_date = fallback_date or iso
    if best:
        return best
    return "", fallback_date


def _issuer_from_title(title: str) -> str:
    m = re.match(r"^(.{2,40}?)(?:关于|印发|转发|批转)", title)
    if m:
        prefix = m.group(1)
        if _ORG_SUFFIX.search(prefix):
            return prefix
    return ""


def _law_issuer(event_text: str) -> str:
    """Who adopted a law, from the words after the date of ``… 通过/公布``."""
    text = _squash(event_text)
    names: list[str] = []
    for m in re.finditer(r"第?[一二三四五六七八九十]+届全国人民代表大会(常务委员会)?", text):
        names.append("全国人民代表大会" + (m.group(1) or ""))
    if not names:
        for m in _NPC_ISSUER.finditer(text):
            body = "人民代表大会常务委员会" if m.group(2) in ("人民代表大会常务委员会", "人大常委会") else "人民代表大会"
            names.append(m.group(1) + body)
    for m in re.finditer(r"(最高人民法院|最高人民检察院)(?:审判委员会|第[一二三四五六七八九十]+届检察委员会|检察委员会)", text):
        names.append(m.group(1))
    if not names:
        order = re.search(r"([\u4e00-\u9fff]{2,20}?)令第\d+号", text)
        if order:
            names.append(order.group(1))
    if not names and "国务院" in text:
        names.append("国务院")
    unique: list[str] = []
    for name in names:
        if name not in unique:
            unique.append(name)
    return "、".join(unique)


def _law_fields(lines: list[str], text: str) -> dict[str, Any]:
    """lawrefbook Markdown: ``# title``, then dated lines ``2013年2月19日 … 通过`` before the body."""
    out: dict[str, Any] = {"kind": "法律法规"}
    title = lines[0].lstrip("#").strip()
    if title:
        out["title"] = title
    events: list[tuple[str, str, str]] = []  # (iso, event, text after the date)
    for line in lines[1:12]:
        if line.startswith("<!--") or line.startswith("第一条") or line.startswith("第一章"):
            break
        m = _DATE_ARABIC.search(line) or _DATE_CN.search(line)
        if not m or m.start() >= 3:
            continue
        rest = line[m.end():]
        iso = parse_date(m.group(0))
        if not iso:
            continue
        if re.fullmatch(r"\s*(?:起)?(?:施行|实施|生效)\s*", rest):
            out["effective_date"] = iso
            continue
        ev = _LAW_EVENT.search(rest)
        if ev:
            events.append((iso, ev.group(1), rest))
    if events:
        out["written_date"] = events[0][0]  # first adoption (通过)
        # The file name's date (lawrefbook: "条例(2020-01-17).md") is the publication of the
        # version at hand; the latest dated event is only a fallback (see derive_metadata).
        out["_latest_date"] = max(events)[0]
        issuer = _law_issuer(events[0][2])
        if issuer:
            out["issuer"] = issuer
    return out


def _text_fields(extracted: Extracted) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pages = extracted.pages or []
    if not pages:
        return out
    text = extracted.text
    head_text = "\n".join(pages[:2])[:6000]
    if extracted.format == "md":
        head_text = re.sub(r"\A\s*---\n.*?\n---\s*\n", "", head_text, flags=re.S)  # YAML front matter
    head = _lines(head_text)
    if not head:
        return out
    order = order_number_in_head(["\n".join(head[:12])])
    if order is not None:  # 中华人民共和国国务院令 第735号, in the lines before the body
        out["order_number"] = order.canonical

    cover = "".join(_squash(line) for line in head[:6])
    issue = _GAZETTE_ISSUE.search(cover)
    if "公报" in cover and issue and 1900 <= int(issue.group(1)) <= 2100 and int(issue.group(2)) > 0:
        out["gazette_year"], out["gazette_issue"] = int(issue.group(1)), int(issue.group(2))
        out["kind"] = "政府公报"
    if extracted.format == "md" and head[0].startswith("#"):
        out.update(_law_fields(head, text))
    else:
        labelled = _normalize_fields(_labelled_fields(head), "text labels")
        out.update(labelled)
        title, doc_line = _title_from_lines(head)
        if not title and extracted.title_hint:
            hint = _clean_line(extracted.title_hint)
            if re.search(r"[\u4e00-\u9fff]", hint) and not hint.lower().startswith("microsoft"):
                title = _squash(hint)
        if title:
            title, validity = _strip_validity_mark(title)
            if validity:
                out["validity"] = validity
            if title:
                out.setdefault("title", title)
        if "doc_number" not in out:
            for prev, line in itertools.pairwise(head[:13]):
                # 中华人民共和国商务部令 / 2018年第2号
                if re.fullmatch(r"\d{4}年第\d+号", _squash(line)) and _squash(prev).endswith(("令", "公告")):
                    dn = parse_doc_number(_squash(prev) + _squash(line))
                    if dn is not None:
                        out["doc_number"] = dn.canonical
                        break
        if "doc_number" not in out:
            numbers = [parse_doc_number(line) for line in head[:30] if _is_doc_number_line(line)]
            first = next((n for n in numbers if n is not None), None)
            if first is not None:
                out["doc_number"] = first.canonical
        tail = _lines("\n".join(pages[-3:])[-8000:]) if len(pages) > 1 else _lines(text[-8000:])
        issuer, written = _signature(tail)
        if issuer and "issuer" not in out:
            out["issuer"] = issuer
        if written and "written_date" not in out:
            out["written_date"] = written
        if "issuer" not in out and out.get("title"):
            by_title = _issuer_from_title(out["title"])
            if by_title:
                out["issuer"] = by_title
        if "issuer" not in out and doc_line > 0:
            red = [_squash(x) for x in head[:doc_line] if _is_redhead(x)]
            orgs = [re.sub(r"文件$", "", r) for r in red if re.sub(r"文件$", "", r)]
            if orgs:
                out["issuer"] = "、".join(orgs)
    squashed_text = _squash(_light(text[-20000:]))
    m = _EFFECTIVE.search(squashed_text)
    if m and "effective_date" not in out:
        iso = parse_date(m.group("date"))
        if iso:
            out["effective_date"] = iso
    elif _EFFECTIVE_ON_ISSUE.search(squashed_text) and "effective_date" not in out:
        on_issue = out.get("publish_date") or out.get("written_date")
        if on_issue:
            out["effective_date"] = on_issue
    return out


# -- source 4: the path ------------------------------------------------------------------

_GAZETTE_ISSUE = re.compile(r"(\d{4})\s*年?\s*第\s*(\d{1,3})\s*期")
_GAZETTE_ISSUE_SHORT = re.compile(r"(?<!\d)(\d{4})[-_.](\d{1,2})期")
_STEM_NOISE = re.compile(r"^(?:\d{1,3}[._、\-\s]+)|[(（]\s*\d{4}[-.年]\d{1,2}[-.月]\d{1,2}日?\s*[)）]")


def _kind_from_folder(rel_path: str, kind_folders: Mapping[str, str]) -> str:
    parts = PurePosixPath(rel_path).parts
    if len(parts) < 2:
        return ""
    top = _nfkc(parts[0])
    kind = kind_folders.get(top) or kind_folders.get(parts[0], "")
    return kind if kind in KINDS else ""


def _path_fields(rel_path: str, config: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    path = PurePosixPath(rel_path)
    kind = _kind_from_folder(rel_path, config.get("metadata.kind_folders", {}) or {})
    if kind:
        out["kind"] = kind
    for part in reversed(path.parts):
        name = _nfkc(part)
        m = _GAZETTE_ISSUE.search(name) or _GAZETTE_ISSUE_SHORT.search(name)
        if m and 1900 <= int(m.group(1)) <= 2100 and int(m.group(2)) > 0:
            out["gazette_year"], out["gazette_issue"] = int(m.group(1)), int(m.group(2))
            out["kind"] = "政府公报"
            break
    stem = _nfkc(path.stem)
    dn = parse_doc_number(stem)
    if dn is not None and "〔" in dn.canonical:
        out["doc_number"] = dn.canonical
    if "gazette_year" not in out:
        iso = parse_date(stem)
        if iso:
            out["publish_date"] = iso
    title = _STEM_NOISE.sub("", _light(path.stem)).strip()
    if dn is not None and dn.year:
        number = (
            re.escape(dn.code) + r"\s*[\[(（【〔［〈<]?\s*" + str(dn.year) + r"\s*[\])）】〕］〉>]?\s*第?\s*0*"
            + str(dn.seq) + r"\s*号?"
        )
        title = re.sub(number, " ", title)
    title = re.sub(r"\s+", "", title).strip("_-—.")
    if title and re.search(r"[\u4e00-\u9fff]", title):
        out["title"] = title
    return out


# -- merging ------------------------------------------------------------------------------


def _gazette_title(text_fields: Mapping[str, Any], year: int, issue: int, extracted: Extracted) -> str:
    head = _lines("\n".join(extracted.pages[:1])[:2000]) if extracted.pages else []
    name = next((_squash(line) for line in head[:8] if _squash(line).endswith("公报") and len(_squash(line)) <= 20), "")
    return f"{name or '政府公报'}{year}年第{issue}期"


def derive_metadata(rel_path: str, share_root: Path, extracted: Extracted, config: Mapping[str, Any]) -> DocumentMeta:
    """Everything known about the document at ``share_root/rel_path`` (see the module doc)."""
    document = share_root / rel_path
    sources: dict[str, str] = {}
    layers: list[tuple[str, dict[str, Any]]] = []

    side = sidecar_path(document)
    if side.is_file():
        try:
            layers.append(("sidecar", read_sidecar(side)))
        except (OSError, ValueError) as exc:
            logger.warning("sidecar %s cannot be used, ignored: %s", side, exc)
            sources["sidecar_error"] = f"{side.name}: {exc}"[:300]

    catalogue = _catalogue_for(document)
    if catalogue is not None:
        try:
            row = _catalogue_row(_catalogue_table(catalogue), document)
        except Exception as exc:  # openpyxl/zipfile raise many kinds on a damaged file
            logger.warning("folder catalogue %s cannot be used, ignored: %s", catalogue, exc)
            sources["spreadsheet_error"] = f"{catalogue.name}: {exc}"[:300]
        else:
            if row is not None:
                layers.append(("spreadsheet", _normalize_fields(row, f"{catalogue} row {document.name}")))

    try:
        text_fields = _text_fields(extracted)
    except Exception as exc:  # a heuristic must never cost the document its place in the library
        logger.exception("reading metadata from the text of %s failed; text source skipped", rel_path)
        text_fields = {}
        sources["text_error"] = f"{type(exc).__name__}: {exc}"[:300]
    path_fields = _path_fields(rel_path, config)
    if "kind" in path_fields:
        text_fields.pop("kind", None)
    layers.append(("text", text_fields))
    layers.append(("path", path_fields))

    values: dict[str, Any] = {}
    for source, fields in layers:
        for name, value in fields.items():
            if name not in values and name in _FIELDS:
                values[name] = value
                sources[name] = source

    if "publish_date" not in values and text_fields.get("_latest_date"):
        values["publish_date"], sources["publish_date"] = text_fields["_latest_date"], "text"
    meta = DocumentMeta(**values)
    if "kind" not in values:
        sources["kind"] = "default"
    if "validity" not in values:
        sources["validity"] = "default"
    if meta.gazette_year and meta.gazette_issue and "kind" in sources and sources["kind"] in ("default", "text"):
        meta.kind, sources["kind"] = "政府公报", sources.get("gazette_year", "path")
    if meta.kind == "政府公报":
        if not meta.contents and extracted.pages:
            meta.contents = parse_gazette_contents(extracted.pages)
            if meta.contents:
                sources["contents"] = "text"
        if meta.gazette_year and meta.gazette_issue and sources.get("title") in (None, "path", "text"):
            meta.title = _gazette_title(text_fields, meta.gazette_year, meta.gazette_issue, extracted)
            sources["title"] = sources.get("gazette_year", "path")
    meta.sources = sources
    return meta


# -- gazette contents -----------------------------------------------------------------------

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

_VERSION_MARK = re.compile(
    r"[(（\[【]\s*(?:\d{4}\s*年?\s*(?:修订|修正|版|本)?|\d{4}-\d{2}-\d{2}|试行|暂行|修订|修正|修订版|"
    r"已废止|已失效|已修订|废止|失效|有效)\s*[)）\]】]"
)


def family_key(meta: DocumentMeta) -> tuple[str, str]:
    """(normalised title, normalised issuer): versions of one document share it."""
    title = _VERSION_MARK.sub("", _nfkc(meta.title))
    title = re.sub(r"[\s《》〈〉<>\"“”'‘’·]", "", title)
    issuer = re.sub(r"\s", "", _nfkc(meta.issuer))
    return title, issuer


def _states_validity(meta: DocumentMeta) -> bool:
    return meta.sources.get("validity") in ("sidecar", "spreadsheet", "text")


def assign_families(docs: list[tuple[str, DocumentMeta]]) -> dict[str, tuple[str, str]]:
    """Versions of one document (same normalised title and issuer, different dates).

    Returns doc key -> (validity, replaced_by) for every member of a family whose
    validity is not stated explicitly (sidecar, spreadsheet or a marker in the text):
    the newest is current (有效, ""), older ones are 已修订 and point to the newest as
    ``title（doc_number）``. Documents without a date, or families whose newest date is
    shared by two documents with different 文号, are left alone. A document whose validity
    an earlier pass set (``sources["validity"] == "family"``) but that no longer belongs to
    a family (the newer version left the share) is given back (有效, "").
    """
    groups: dict[tuple[str, str], list[tuple[str, DocumentMeta]]] = {}
    for key, meta in docs:
        fk = family_key(meta)
        if fk[0] and meta.date:
            groups.setdefault(fk, []).append((key, meta))
    result: dict[str, tuple[str, str]] = {}
    for members in groups.values():
        dates = {m.date for _, m in members}
        if len(dates) < 2:
            continue
        newest_date = max(dates)
        newest = [(k, m) for k, m in members if m.date == newest_date]
        if len({m.doc_number for _, m in newest}) > 1:
            logger.info("family %r: several versions dated %s; left alone", newest[0][1].title, newest_date)
            continue
        head = newest[0][1]
        pointer = f"{head.title}（{head.doc_number}）" if head.doc_number else head.title
        for key, meta in members:
            if _states_validity(meta):
                continue
            if meta.date == newest_date:
                result[key] = (CURRENT_VALIDITY, "")
            else:
                result[key] = ("已修订", pointer)
    for key, meta in docs:
        if key not in result and meta.sources.get("validity") == "family":
            result[key] = (CURRENT_VALIDITY, "")
    return result


def metadata_signature(document: Path) -> str:
    """Changes when the document's sidecar or folder catalogue changes (mtime and size of
    each possible file, "-" when absent): store it with the document, re-derive on change."""
    parts: list[str] = []
    for candidate in (sidecar_path(document), *(document.parent / name for name in CATALOGUE_NAMES)):
        try:
            st = candidate.stat()
        except OSError:
            parts.append("-")
        else:
            parts.append(f"{st.st_mtime_ns}/{st.st_size}")
    return ":".join(parts)


# -- review -----------------------------------------------------------------------------------


def is_trusted_folder(rel_path: str, patterns: Iterable[str]) -> bool:
    """True when the document's folder (or one of its parent folders) matches a pattern of
    ``review.trusted_folders`` (fnmatch on the relative folder path, forward slashes)."""
    parent = PurePosixPath(_nfkc(rel_path).replace("\\", "/")).parent
    folders = [str(p) for p in [parent, *parent.parents] if str(p) not in ("", ".")]
    for pattern in patterns:
        pat = _nfkc(pattern).replace("\\", "/").strip("/")
        base = pat[:-3] if pat.endswith("/**") else pat  # "X/**" means X and everything beneath
        if pat and any(fnmatch.fnmatchcase(folder, pat) or fnmatch.fnmatchcase(folder, base) for folder in folders):
            return True
    return False
