"""Metadata read from what a document says: labelled header fields, title lines under the red head, the 文号 line, the signature block, 施行 dates, laws in Markdown."""

from __future__ import annotations

import itertools
import re
from typing import Any

from index.docnumber import normalize_doc_number_text, order_number_in_head, parse_doc_number
from index.metadata.fields import (
    _DATE_ARABIC,
    _DATE_CN,
    _DATE_ISO,
    _light,
    _normalize_fields,
    _squash,
    normalize_validity,
    parse_date,
)
from index.metadata.from_path import _GAZETTE_ISSUE
from index.models import Extracted

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


_GAZETTE_PUBLISHER = re.compile(r"(?P<org>.{2,30}?)(?:编印|编辑出版|编辑|主办|出版|印发|编)")


def _gazette_cover(lines: list[str]) -> dict[str, Any]:
    """A gazette issue's publisher and date from its cover: ``威海市环翠区人民政府办公室 编印`` and
    the date line around it (``二〇一二年十二月三十一日``). The signature at the end of an issue and
    the 施行 dates inside it belong to the documents it carries, not to the issue."""
    out: dict[str, Any] = {}
    squashed = [_squash(line) for line in lines]
    for i, line in enumerate(squashed):
        m = _GAZETTE_PUBLISHER.fullmatch(line)
        if m and _ORG_SUFFIX.search(m.group("org")):
            out["issuer"] = m.group("org")
            for near in (*squashed[i + 1 : i + 3], *squashed[max(0, i - 2) : i]):
                iso = parse_date(near) if len(near) <= 16 else ""
                if iso:
                    out["publish_date"] = iso
                    break
            break
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
        out.update(_gazette_cover(head[:10]))
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
    if out.get("kind") == "政府公报":
        return out  # an issue has no 施行 date of its own: those in it are its documents'
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
