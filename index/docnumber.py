"""文号 (doc_number) parsing, normalisation and index keys.

A 文号 names the issuing office's series (the *code*, 发文机关代字 such as 威环政发),
the year and a sequence number: ``威环政发〔2012〕15号``. As published it is messy:
ASCII or full-width brackets of every shape, stray spaces, zero-width characters,
full-width digits, prefixes such as ``发文字号：`` and junk around it. Everything is
normalised to the canonical form ``{code}〔{year}〕{seq}号``.

Three shapes are recognised, strongest first:

1. bracketed year: ``威环政发[2012]15号``, ``晋政发(2007)18号``, ``豫政办 〔 2021 〕68 号``;
2. year in words: ``国家税务总局公告2015年第41号`` (canonical keeps this shape);
3. orders without a year: ``省政府令 第118号``, ``山西省人民政府令第304号`` (year ``None``,
   canonical ``{code}第{seq}号``);

and, for queries typed on the kiosk, the bare form ``环政发 2012 15`` (code, a four-digit
year, the number, separated by spaces).

Matching a query to a document (see :func:`doc_number_keys` and :func:`doc_number_matches`):
a document indexes the key ``{year}:{seq}`` and every suffix of its code of length >= 2
(``威环政发``, ``环政发``, ``政发``; the whole code even when it is a single character).
A query matches when its ``{year}:{seq}`` equals the document's AND its whole code is one
of the document's code keys, i.e. the query code equals the document code or is a suffix
of it with at least two characters. So ``环政发 2012 15`` finds ``威环政发〔2012〕15号``
(people drop the place prefix), while ``国发 2012 15`` does not find ``鲁政发〔2012〕15号``
(国发 is not a suffix of 鲁政发).

Several numbers in one indexed field (a gazette issue lists every item's 文号): with the
separate keys above, ``year:seq`` of one number and a code of another could match together.
:func:`doc_number_match_keys` gives one combined key per suffix (``环政发:2012:15``) and
:func:`query_doc_number_key` the single key a query looks up; same rule, no cross-talk.
Index either shape (or both); the combined one needs one term lookup instead of two.

Trade-off: a two-character suffix such as ``政发`` is shared by many offices (鲁政发,
威政发, 威环政发), so the query ``政发 2012 15`` matches all of their number 15 of 2012.
That is deliberate: a visitor who types less gets a short list to choose from rather than
nothing, and a search should rank an exact code (:func:`exact_code_key`) above a suffix
match. Prefixes are *not* keys: ``威环 2012 15`` would find too much of the wrong kind,
and nobody abbreviates a code by dropping its type characters (发, 函, 办).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from index.normalize import DELETE_ZERO_WIDTH

__all__ = [
    "DocNumber",
    "OrderNumber",
    "doc_number_keys",
    "doc_number_match_keys",
    "doc_number_matches",
    "exact_code_key",
    "find_doc_numbers",
    "find_order_numbers",
    "looks_like_doc_number",
    "looks_like_order_number",
    "normalize_doc_number_text",
    "order_keys",
    "order_number_in_head",
    "parse_doc_number",
    "parse_order_number",
    "query_doc_number_key",
    "query_doc_number_keys",
    "query_order_key",
]

MIN_YEAR = 1949
MAX_YEAR = 2099
MIN_SUFFIX = 2  # shortest code suffix that still matches a document
MAX_CODE = 12  # codes are rarely longer than 8 characters; longer runs carry junk

# Every bracket shape seen around the year, mapped to 〔〕 (after NFKC, which already
# turns （）［］＜＞ into their ASCII forms).
_BRACKETS = str.maketrans(
    {
        "[": "〔", "]": "〕", "(": "〔", ")": "〕", "【": "〔", "】": "〕",
        "〈": "〔", "〉": "〕", "<": "〔", ">": "〕", "《": "〔", "》": "〕",
        "〖": "〔", "〗": "〕", "｛": "〔", "｝": "〕", "{": "〔", "}": "〕",
        "⟨": "〔", "⟩": "〕", "〘": "〔", "〙": "〕",
    }
)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CODE = rf"[{_CJK}A-Za-z]+"
_SP = r"[ \t\u3000]*"

# 1. bracketed year; a bracket may be missing on one side (晋政办发(2017〕109号 is fine
# after mapping; 晋政发2014〕号16 is seen too), the number may come before 号 or after it.
_RE_BRACKETED = re.compile(
    rf"(?P<code>{_CODE}){_SP}(?:〔{_SP}(?P<year>\d{{4}}){_SP}年?{_SP}〕|(?P<year2>\d{{4}}){_SP}年?{_SP}〕){_SP}"
    rf"(?:第{_SP})?(?:(?P<seq>\d{{1,6}}){_SP}号?|号{_SP}(?P<seq2>\d{{1,6}}))"
)
# 2. year in words: 国家税务总局公告2015年第41号 / 交通运输部令2016年第62号
_RE_YEAR_WORD = re.compile(
    rf"(?P<code>{_CODE}?){_SP}(?P<year>\d{{4}}){_SP}年{_SP}(?:度{_SP})?第?{_SP}(?P<seq>\d{{1,6}}){_SP}号"
)
# 3. orders and similar without a year: 省政府令 第118号
_RE_ORDER = re.compile(rf"(?P<code>{_CODE}){_SP}第{_SP}(?P<seq>\d{{1,6}}){_SP}号")
# 4. the bare query form: 环政发 2012 15 (whole text)
_RE_QUERY = re.compile(
    rf"^(?P<code>{_CODE}){_SP}(?P<year>\d{{4}})[ \t\u3000,，.。/、-]+(?P<seq>\d{{1,6}}){_SP}号?$"
)

# Field labels that come in front of a 文号 as published (longest first).
_LABELS = (
    "发文字号", "发文文号", "文件字号", "文件编号", "发文编号", "文号", "字号", "编号", "发文号",
)
# Words that end the sentence a code was glued to ("…的通知沪发改价管〔…"): the code
# starts after the last of them.
_JUNK_ENDINGS = (
    "通知", "通告", "公告号", "决定", "意见", "批复", "办法", "规定", "细则", "方案",
    "人民政府", "关于废止", "关于", "根据", "按照", "依据", "参照", "印发", "转发", "落实",
    "以及", "执行", "文件", "已发布", "发布",
)
_LABEL_RE = re.compile(rf"(?:{'|'.join(_LABELS)}){_SP}[:：]?")
# 索引号 values such as 11371000004397829C/2012-00123 must never be read as a 文号.
_INDEX_NUMBER_RE = re.compile(r"索引号[:：]?\s*[0-9A-Za-z/\-_.]+")


@dataclass(frozen=True)
class DocNumber:
    """A parsed 文号. ``year`` is ``None`` for numbers without a year (orders)."""

    code: str
    year: int | None
    seq: int
    canonical: str

    def __str__(self) -> str:
        return self.canonical


def normalize_doc_number_text(text: str) -> str:
    """Width, zero-width characters and bracket shapes normalised; nothing removed otherwise."""
    text = unicodedata.normalize("NFKC", text).translate(DELETE_ZERO_WIDTH)
    return text.translate(_BRACKETS)


def _clean_code(code: str) -> str:
    """Drop field labels and sentence junk glued in front of a code."""
    while True:
        for label in _LABELS:
            if code.startswith(label) and len(code) > len(label):
                code = code[len(label):]
                break
        else:
            break
    if len(code) > 4:
        cut = -1
        for word in _JUNK_ENDINGS:
            pos = code.rfind(word)
            if pos >= 0 and len(code) - (pos + len(word)) >= 2:
                cut = max(cut, pos + len(word))
        if cut > 0:
            code = code[cut:]
    if len(code) > MAX_CODE:
        code = code[-MAX_CODE:]
    # The 号 of a previous number glued on ("号市人大公告1996年第40号").
    return code.lstrip("号第")


def _valid_year(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def _make(code: str, year: int | None, seq: int, shape: str) -> DocNumber | None:
    code = _clean_code(code)
    if not code or code.endswith("年") or seq <= 0 or (year is not None and not _valid_year(year)):
        return None
    if shape == "year_word":
        canonical = f"{code}{year}年第{seq}号"
    elif year is None:
        canonical = f"{code}第{seq}号"
    else:
        canonical = f"{code}〔{year}〕{seq}号"
    return DocNumber(code=code, year=year, seq=seq, canonical=canonical)


def _iter_matches(norm: str) -> list[tuple[int, DocNumber]]:
    """All 文号 in normalised text with their start offsets, bracketed ones first per span."""
    found: list[tuple[int, DocNumber]] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in _RE_BRACKETED.finditer(norm):
        seq = m.group("seq") or m.group("seq2")
        year = m.group("year") or m.group("year2")
        dn = _make(m.group("code"), int(year), int(seq), "bracketed")
        if dn:
            found.append((m.start(), dn))
            taken.append(m.span())
    for m in _RE_YEAR_WORD.finditer(norm):
        if not free(*m.span()) or not m.group("code"):
            continue
        dn = _make(m.group("code"), int(m.group("year")), int(m.group("seq")), "year_word")
        if dn:
            found.append((m.start(), dn))
            taken.append(m.span())
    for m in _RE_ORDER.finditer(norm):
        if not free(*m.span()):
            continue
        dn = _make(m.group("code"), None, int(m.group("seq")), "order")
        if dn:
            found.append((m.start(), dn))
            taken.append(m.span())
    found.sort(key=lambda item: item[0])
    return found


def _prepare(text: str) -> str:
    norm = normalize_doc_number_text(text)
    return _INDEX_NUMBER_RE.sub(" ", norm)


MAX_SCAN_CHARS = 300


def parse_doc_number(text: str) -> DocNumber | None:
    """The first 文号 in ``text`` (a field value or a short line), or ``None``.

    A number with a bracketed year wins over the other shapes wherever it stands,
    so ``索引号：… 文号：鲁政发〔2012〕15号`` gives 鲁政发〔2012〕15号.
    """
    if not text:
        return None
    # The matching is superlinear in the length of a run without breaks (a one-paragraph
    # TXT took minutes): a 文号 stands in a field or a short line, so look at its start only.
    norm = _prepare(text[:MAX_SCAN_CHARS])
    found = _iter_matches(norm)
    for _pos, dn in found:
        if dn.year is not None and "〔" in dn.canonical:
            return dn
    if found:
        return found[0][1]
    m = _RE_QUERY.match(norm.strip())
    if m:
        return _make(m.group("code"), int(m.group("year")), int(m.group("seq")), "bracketed")
    return None


def find_doc_numbers(text: str) -> list[DocNumber]:
    """Every 文号 in a longer text, in order of appearance (duplicates removed)."""
    seen: set[str] = set()
    out: list[DocNumber] = []
    for _pos, dn in _iter_matches(_prepare(text)):
        if dn.canonical not in seen:
            seen.add(dn.canonical)
            out.append(dn)
    return out


def _year_seq_key(dn: DocNumber) -> str:
    return f"{dn.year or 0}:{dn.seq}"


def exact_code_key(dn: DocNumber) -> str:
    """The key of the whole code (rank documents carrying it above suffix matches)."""
    return dn.code


def doc_number_keys(dn: DocNumber) -> list[str]:
    """Index keys of a document's 文号: ``{year}:{seq}`` (year 0 when absent), then the
    whole code and each of its suffixes of length >= 2, longest first."""
    keys = [_year_seq_key(dn), dn.code]
    keys.extend(dn.code[i:] for i in range(1, len(dn.code) - MIN_SUFFIX + 1))
    return keys


def query_doc_number_keys(dn: DocNumber) -> tuple[str, str]:
    """The two keys a query needs to find in a document's keys: (year:seq, code)."""
    return _year_seq_key(dn), dn.code


def doc_number_match_keys(dn: DocNumber) -> list[str]:
    """Combined keys ``{code suffix}:{year}:{seq}``: whole code first, then suffixes >= 2."""
    year_seq = _year_seq_key(dn)
    return [f"{code}:{year_seq}" for code in doc_number_keys(dn)[1:]]


def query_doc_number_key(dn: DocNumber) -> str:
    """The one combined key a query looks up among :func:`doc_number_match_keys`."""
    return f"{dn.code}:{_year_seq_key(dn)}"


def doc_number_matches(query: DocNumber, document: DocNumber) -> bool:
    """The matching rule in one place: same year and number, query code a key of the document."""
    year_seq, code = query_doc_number_keys(query)
    keys = doc_number_keys(document)
    return year_seq == keys[0] and code in keys[1:]


_QUERY_SHAPE = re.compile(r"[〔〕号第]")
# Last characters of codes: 发函办府政任规电复字令 end 95% of the 38k real codes in
# ../shared/corpus/doc-numbers; a bare query ("环政发 2012 15") must end its code with one.
_CODE_ENDINGS = frozenset("发函办府政任规电复字令告通综")


def looks_like_doc_number(query: str) -> bool:
    """True when a search query is a 文号 (route it to the 文号 lookup first).

    The query must parse and be little more than the number itself: a sentence that
    merely mentions one is a full-text query. The bare form (``环政发 2012 15``) needs a
    short code (2..8 characters).
    """
    if not query or len(query) > 40:
        return False
    norm = normalize_doc_number_text(query).strip()
    dn = parse_doc_number(norm)
    if dn is None:
        return False
    residue = norm
    for label in _LABELS:
        residue = residue.replace(label, "")
    residue = re.sub(r"[\s:：〔〕第号年\d]", "", residue)
    extra = len(residue) - len(dn.code)
    if _QUERY_SHAPE.search(norm):
        return extra <= 2
    return 2 <= len(dn.code) <= 8 and extra == 0 and dn.code[-1] in _CODE_ENDINGS


# ---------------------------------------------------------------------------------------------
# Decree numbers (令): 国务院令第735号, 国令第379号, 701号令, 国务院令 第262号, 公安部令第１２５号,
# 市场监管总局令第56号, 第N号令, 令第N号. A decree has an issuer and a number, no year. The
# issuer is written in full, shortened (国令, 市场监管总局) or left out; the table below maps
# what people write before 令 to one issuer, and staff extend it with the setting
# ``search.order_issuers`` (short name -> issuer).

ORDER_ISSUERS: dict[str, str] = {
    "国": "国务院",
    "国务院": "国务院",
    "国务院办公厅": "国务院办公厅",
    "市场监管总局": "国家市场监督管理总局",
    "国家市场监管总局": "国家市场监督管理总局",
    "国家工商总局": "国家工商行政管理总局",
    "工商总局": "国家工商行政管理总局",
    "质检总局": "国家质量监督检验检疫总局",
    "国家质检总局": "国家质量监督检验检疫总局",
    "税务总局": "国家税务总局",
    "海关总署": "海关总署",
    "发改委": "国家发展和改革委员会",
    "国家发展改革委": "国家发展和改革委员会",
    "发展改革委": "国家发展和改革委员会",
    "住建部": "住房和城乡建设部",
    "住房城乡建设部": "住房和城乡建设部",
    "人社部": "人力资源和社会保障部",
    "人力资源社会保障部": "人力资源和社会保障部",
    "卫健委": "国家卫生健康委员会",
    "国家卫生健康委": "国家卫生健康委员会",
    "交通部": "交通运输部",
    "生态环境部": "生态环境部",
    "环保部": "环境保护部",
    "农业部": "农业部",
    "农业农村部": "农业农村部",
    "公安部": "公安部",
    "民政部": "民政部",
    "司法部": "司法部",
    "财政部": "财政部",
    "教育部": "教育部",
    "商务部": "商务部",
    "文化部": "文化部",
    "文化和旅游部": "文化和旅游部",
    "应急管理部": "应急管理部",
    "自然资源部": "自然资源部",
    "国土资源部": "国土资源部",
    "水利部": "水利部",
    "工业和信息化部": "工业和信息化部",
    "工信部": "工业和信息化部",
}
_NATION = "中华人民共和国"
# What an issuer's name ends with: an unknown issuer is kept only when it looks like one.
_ISSUER_ENDINGS = ("院", "部", "委", "局", "署", "行", "会", "府", "厅", "办", "室")
_ORDER_A = re.compile(rf"(?P<issuer>[{_CJK}]{{0,20}}?){_SP}令{_SP}第?{_SP}(?P<seq>\d{{1,6}}){_SP}号(?!{_SP}令)")
_ORDER_QUERY = re.compile(rf"[{_CJK}]{{0,20}}?(?:令第?\d{{1,6}}号|第?\d{{1,6}}号令)")
_ORDER_B = re.compile(rf"(?P<issuer>[{_CJK}]{{0,20}}?){_SP}第?{_SP}(?P<seq>\d{{1,6}}){_SP}号{_SP}令")


@dataclass(frozen=True)
class OrderNumber:
    """A decree number: its issuer ("" when the text does not say) and its number."""

    issuer: str
    seq: int

    @property
    def canonical(self) -> str:
        return f"{self.issuer}令第{self.seq}号"

    def __str__(self) -> str:
        return self.canonical


def resolve_issuer(written: str, aliases: dict[str, str] | None = None) -> str:
    """The issuer meant by what stands before 令 ("" when it is not an issuer)."""
    table = {**ORDER_ISSUERS, **(aliases or {})}
    name = written.strip()
    if name.startswith(_NATION):
        name = name[len(_NATION):]
    if not name:
        return ""
    if name in table:
        return table[name]
    # Text glued in front (根据国务院令…, 2014年11月24日中华人民共和国国务院令…): the longest
    # known name the capture ends with.
    for n in range(min(len(name), 20), 1, -1):
        tail = name[-n:]
        if tail in table:
            return table[tail]
        if tail.startswith(_NATION[-2:]) and tail[2:] in table:
            return table[tail[2:]]
    cleaned = _clean_code(name)
    if cleaned.startswith(_NATION):
        cleaned = cleaned[len(_NATION):]
    if 2 <= len(cleaned) <= 16 and cleaned.endswith(_ISSUER_ENDINGS):
        return cleaned
    return ""


def find_order_numbers(text: str, aliases: dict[str, str] | None = None) -> list[OrderNumber]:
    """Every decree number in ``text`` (full width, spaces, either word order), in order of appearance."""
    norm = _prepare(text)
    found: list[tuple[int, OrderNumber]] = []
    for rx in (_ORDER_A, _ORDER_B):
        for m in rx.finditer(norm):
            seq = int(m.group("seq"))
            if seq > 0:
                found.append((m.start("seq"), OrderNumber(resolve_issuer(m.group("issuer"), aliases), seq)))
    found.sort(key=lambda item: item[0])
    out: list[OrderNumber] = []
    for _pos, on in found:
        if on not in out:
            out.append(on)
    return out


def parse_order_number(text: str, aliases: dict[str, str] | None = None) -> OrderNumber | None:
    """The first decree number in a short text (a field, a line, a query), or ``None``."""
    if not text:
        return None
    found = find_order_numbers(text[:MAX_SCAN_CHARS], aliases)
    return found[0] if found else None


def looks_like_order_number(query: str, aliases: dict[str, str] | None = None) -> OrderNumber | None:
    """The decree number a search query is, when it is little more than one."""
    if not query or len(query) > 40:
        return None
    norm = re.sub(r"[\s:：]", "", normalize_doc_number_text(query))
    if not _ORDER_QUERY.fullmatch(norm):  # the whole query is the number, not a sentence citing one
        return None
    return parse_order_number(norm, aliases)


def order_keys(on: OrderNumber) -> list[str]:
    """Index keys of a decree number: with its issuer, and without (``701号令`` names no issuer)."""
    keys = [f"令::{on.seq}"]
    if on.issuer:
        keys.insert(0, f"令:{on.issuer}:{on.seq}")
    return keys


def query_order_key(on: OrderNumber) -> str:
    return order_keys(on)[0]


def order_number_in_head(pages: list[str], aliases: dict[str, str] | None = None, lines: int = 12) -> OrderNumber | None:
    """The decree number a document states in its first lines (中华人民共和国国务院令 第735号),
    before its body starts (第一条)."""
    head: list[str] = []
    for page in pages[:2]:
        for line in page.splitlines():
            if line.strip():
                head.append(line.strip())
            if len(head) >= lines:
                break
    text = ""
    for line in head:
        if re.match(r"^第[一二三四五六七八九十百]+条", line):
            break
        text += line + "\n"
    # 中华人民共和国国务院令 / 第735号 on two lines: join a line ending in 令 with the next.
    text = re.sub(r"令[ \t\u3000]*\n[ \t\u3000]*(第)", r"令\1", text)
    found = find_order_numbers(text, aliases)
    with_issuer = [on for on in found if on.issuer]
    chosen = with_issuer or found
    return chosen[0] if chosen else None
