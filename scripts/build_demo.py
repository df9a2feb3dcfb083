"""Build the demo share ``assets/demo/share/`` from the real texts in ``assets/demo/sources/``.

    python scripts/build_demo.py                 # rebuild assets/demo/share (deterministic)
    python scripts/build_demo.py --out DIR       # build elsewhere (tests compare two builds)
    python scripts/build_demo.py --collect ../shared/corpus   # refresh sources/ from the corpus

The build reads only the repository (sources/ and assets/fonts/); running it twice
gives byte-identical files: fixed dates inside every file, fixed zip timestamps,
reportlab ``invariant=1``, no clock, no randomness. The layout of the share, and
why, is in ``assets/demo/SOURCES.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ofd_writer import OfdLine, OfdPage, OfdText, write_ofd

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO = REPO_ROOT / "assets" / "demo"
SOURCES = DEMO / "sources"
FONT_OTF = REPO_ROOT / "assets" / "fonts" / "NotoSansCJKsc-Regular.otf"
FONT_NAME = "Noto Sans CJK SC"
ZIP_DATE = (2012, 1, 1, 0, 0, 0)
FIXED_TIME = dt.datetime(2024, 3, 18, 9, 0, 0)

RED = (200, 16, 16)
BLACK = (0, 0, 0)
PT_TO_MM = 25.4 / 72

# ---------------------------------------------------------------------------
# What goes into the share: each entry names its source text.
# ---------------------------------------------------------------------------

WEIHAI_DIR = "lawrefbook/威海"
SHANDONG_DIR = "lawrefbook/山东"
NATIONAL_DIR = "lawrefbook/行政法规"

# 规范性文件/威海市: Weihai local regulations; each has a sidecar with review and topic.
WEIHAI = [
    # (source file stem, format, topic, keywords)
    ("威海市海岸带保护条例(2020-01-17)", "pdf", "城乡建设、环境保护", ["海岸带", "生态保护"]),
    ("威海市停车管理和服务条例(2021-12-06)", "docx", "交通", ["停车", "交通"]),
    ("威海市精致城市建设条例(2020-09-28)", "ofd", "城乡建设、环境保护", ["精致城市", "城市建设"]),
    ("威海市城市风貌保护条例(2020-01-17)", "html", "城乡建设、环境保护", ["城市风貌", "规划"]),
    ("威海市节约用水条例(2020-01-17)", "pdf", "农业、林业、水利", ["节约用水", "水资源"]),
    ("威海市饮用水水源地保护条例(2020-01-17)", "docx", "城乡建设、环境保护", ["饮用水", "水源地"]),
    ("威海市山体保护条例(2020-12-01)", "ofd", "城乡建设、环境保护", ["山体保护", "生态"]),
    ("威海市居民养老服务保障条例(2020-01-17)", "pdf", "民政、扶贫、救灾", ["养老服务", "老年人"]),
    ("威海市文明行为促进条例(2018-09-21)", "html-gbk", "综合政务", ["文明行为", "精神文明"]),
    ("威海市海上交通安全条例(2019-06-05)", "md", "交通", ["海上交通", "船舶"]),
    ("威海市危险废物管理办法(2020-01-16)", "txt", "城乡建设、环境保护", ["危险废物", "污染防治"]),
    ("威海市城市国际化促进条例(2021-08-03)", "docx", "综合政务", ["城市国际化", "对外开放"]),
]

# 规范性文件/山东省: a trusted folder (staff put only reviewed files there); no sidecars.
SHANDONG = [
    ("山东省村务公开条例(2018-09-21)", "txt-gbk"),
    ("山东省法律援助条例(2015-04-01)", "txt"),
    ("山东省教育督导条例(2018-01-23)", "txt-gbk"),
    ("山东省医疗废物管理办法(2020-03-26)", "md"),
    ("山东省森林和野生动物类型自然保护区管理办法(2018-01-23)", "txt-gbk"),
    ("山东省统计管理条例(2017-09-30)", "docx"),
    ("山东省厂务公开条例(2014-03-28)", "txt"),
    ("山东省农业机械管理条例(2020-07-24)", "md"),
    ("山东省实施《残疾人保障法》办法(2017-03-29)", "ofd"),
    ("山东省大数据发展促进条例(2021-09-30)", "pdf"),
]

# 法律法规: national administrative regulations (trusted folder). Two families of versions:
# 全国年节及纪念日放假办法 2013 -> 2024 (the old one's sidecar says 已修订 and names the new one),
# 中国公民收养子女登记办法 2019 -> 2023 (no sidecar: left to family detection).
NATIONAL = [
    ("全国年节及纪念日放假办法(2013-12-11)", "txt", {"有效性": "已修订", "替代文件": "全国年节及纪念日放假办法（2024年11月10日修订）", "施行日期": "2014-01-01", "主题分类": "综合政务"}),
    ("全国年节及纪念日放假办法(2024-11-10)", "txt", {"施行日期": "2025-01-01", "主题分类": "综合政务"}),
    ("中国公民收养子女登记办法(2019-03-02)", "md", None),
    ("中国公民收养子女登记办法(2023-07-20)", "md", None),
    ("不动产登记暂行条例(2019-03-24)", "pdf", {"主题分类": "城乡建设、环境保护"}),
    ("医疗废物管理条例(2011-01-08)", "html", {"主题分类": "卫生、体育"}),
    ("突发公共卫生事件应急条例(2011-01-08)", "docx", {"主题分类": "卫生、体育"}),
    ("国有土地上房屋征收与补偿条例(2011-01-21)", "pdf", {"主题分类": "城乡建设、环境保护"}),
    ("退役士兵安置条例(2011-10-29)", "md", {"主题分类": "民政、扶贫、救灾"}),
    ("土地复垦条例(2011-03-05)", "txt-gbk", None),
    ("公路安全保护条例(2011-03-07)", "ofd", {"主题分类": "交通"}),
    ("发票管理办法(2023-07-20)", "html", {"主题分类": "财政、金融、审计"}),
    ("基本农田保护条例(2011-01-08)", "txt", None),
    ("专利代理条例(2018-11-06)", "docx", None),
    ("政府信息公开条例(2019-04-03)", "pdf", {"主题分类": "综合政务", "主题词": "信息公开；政务公开"}),
]

# 政府公报/2012: four issues of a district gazette, each a compilation of real texts.
GAZETTE_ISSUES = [
    # (issue, publish date, items: (folder, stem, section))
    (1, "2012-04-30", [
        (NATIONAL_DIR, "海洋观测预报管理条例(2012-03-01)", "【国务院文件】"),
        (NATIONAL_DIR, "女职工劳动保护特别规定(2012-04-28)", "【国务院文件】"),
        (SHANDONG_DIR, "山东省实施《道路交通安全法》办法(2012-01-13)", "【省人大常委会文件】"),
    ]),
    (2, "2012-07-31", [
        (NATIONAL_DIR, "无障碍环境建设条例(2012-06-28)", "【国务院文件】"),
        (NATIONAL_DIR, "机关事务管理条例(2012-06-28)", "【国务院文件】"),
        (SHANDONG_DIR, "山东省突发事件应对条例(2012-05-31)", "【省人大常委会文件】"),
    ]),
    (3, "2012-10-31", [
        (NATIONAL_DIR, "教育督导条例(2012-09-09)", "【国务院文件】"),
        (SHANDONG_DIR, "山东省见义勇为人员奖励和保护条例(2012-09-27)", "【省人大常委会文件】"),
    ]),
    (4, "2012-12-31", [
        (NATIONAL_DIR, "殡葬管理条例(2012-11-09)", "【国务院文件】"),
        (SHANDONG_DIR, "山东省实施《村民委员会组织法》办法(2012-11-29)", "【省人大常委会文件】"),
    ]),
]
GAZETTE_FIRST_SERIAL = 33  # 总第33期 is 2012年第1期 (four issues a year since 2004)
GAZETTE_SIDECAR_ISSUES = (1, 2)  # issues 3 and 4 are left to contents-page detection

# 规范性文件/政策文件: policy notices from policy_documents.jsonl (by title), catalogued in 目录.xlsx.
POLICY = [
    # (title, issuer, format, topic, keywords, validity)
    ("北京市密云区人民政府关于印发京沈铁路客运专线密云段施工震损、噪声污染补偿暂行规定的通知", "北京市密云区人民政府", "pdf", "交通", ["铁路", "补偿"], "有效"),
    ("省政府办公厅关于推进教育现代化建设的实施意见", "江苏省人民政府办公厅", "docx", "教育", ["教育现代化"], "有效"),
    ("北京市财政局关于印发《北京市公益性科研院所行业定额实施指导意见》的函", "北京市财政局", "pdf", "财政、金融、审计", ["科研院所", "定额"], "有效"),
    ("浙江省人民政府\u3000浙江省军区 关于表彰2002年冬季退役士兵安置工作先进单位 和先进个人的通报", "浙江省人民政府", "txt-gbk", "民政、扶贫、救灾", ["退役士兵", "表彰"], "有效"),
    ("市水务局关于对天津市武清区南夹道泵站更新改造工程水土保持方案报告书的批复", "天津市武清区水务局", "html", "农业、林业、水利", ["水土保持", "泵站"], "有效"),
    ("市民政局关于印发《2017年上海民政减灾救灾工作要点》的通知", "上海市民政局", "pdf", "民政、扶贫、救灾", ["减灾", "救灾"], "有效"),
    ("市科委关于5件规范性文件失效的通知", "上海市科学技术委员会", "txt", "综合政务", ["规范性文件", "失效"], "有效"),
    ("广东省人民政府办公厅关于印发广东省推进涉烟打假打私工作方案的通知", "广东省人民政府办公厅", "docx", "综合政务", ["打假", "打私"], "有效"),
    ("（已废止）关于金融机构对境外资产负债及损益申报业务有关事项的通知", "国家外汇管理局", "html", "财政、金融、审计", ["国际收支", "申报"], "废止"),
    ("重庆市人民政府办公厅关于促进内外贸一体化发展的实施意见", "重庆市人民政府办公厅", "ofd", "商贸、海关、旅游", ["内外贸", "一体化"], "有效"),
    ("[有效]浙江省人民政府关于印发浙江省盐业体制改革实施方案的通知", "浙江省人民政府", "pdf", "工业、交通", ["盐业", "体制改革"], "有效"),
    ("批转省经贸委、纺织总会关于纺织行业深化改革调整...", "辽宁省人民政府", "txt-gbk", "工业、交通", ["纺织", "扭亏解困"], "有效"),
    ("江西省应急管理厅办公室关于做好非煤矿山企业主要负责人考核工作的通知", "江西省应急管理厅办公室", "docx", "安全生产监管", ["非煤矿山", "考核"], "有效"),
    ("市财政局、市国税局、市地税局关于转发《财政部、国家税务总局关于广播电视村村通税收政策的通知》的通知", "上海市财政局", "md", "财政、金融、审计", ["税收", "村村通"], "失效"),
    ("省政府令湖北省推广使用车用乙醇汽油试点办法", "湖北省人民政府", "pdf", "工业、交通", ["乙醇汽油"], "有效"),
    ("市政府印发《关于创新驱动发展巩固提升实体经济能级的若干意见》的通知", "上海市人民政府", "docx", "工业、交通", ["创新驱动", "实体经济"], "有效"),
    ("辽宁省人民政府关于新形势下加强打击侵犯知识产权和制售假冒伪劣商品工作的实施意见", "辽宁省人民政府", "pdf", "公安、安全、司法", ["知识产权", "假冒伪劣"], "有效"),
    ("河南省人民政府关于做好当前和今后一个时期促进就业工作的实施意见", "河南省人民政府", "ofd", "劳动、人事、监察", ["就业"], "有效"),
    ("关于教育部哲学社会科学研究重大课题攻关项目最终成果鉴定出版有关事项的通知", "教育部社会科学司", "html", "教育", ["课题", "鉴定"], "有效"),
]
# Titles that the web page cut short, as the document itself gives them.
TITLE_OVERRIDES = {
    "批转省经贸委、纺织总会关于纺织行业深化改革调整...":
        "辽宁省人民政府批转省经贸委、纺织总会关于纺织行业深化改革调整结构扭亏解困若干意见的通知",
}
# Dropped on the share but neither in 目录.xlsx nor with a sidecar: waits for review.
PENDING_TITLE = "上海市人民政府关于郑杨同志任职的通知"
PENDING_ISSUER = "上海市人民政府"
POLICY_SIDECAR_TITLES = {  # a sidecar wins over the spreadsheet row for these
    "（已废止）关于金融机构对境外资产负债及损益申报业务有关事项的通知",
    "北京市密云区人民政府关于印发京沈铁路客运专线密云段施工震损、噪声污染补偿暂行规定的通知",
}

# The bureau's own 政府信息公开指南 at the share's root, under the name the demo configuration
# gives as app.guide_file (the 信息公开指南 tile and the no-result screen open it). Its text is
# written for the demo (the request place, hours and phone are those of assets/demo/kiosk.toml).
GUIDE_FILE = "信息公开指南.pdf"
GUIDE = {
    "title": "区档案馆政府信息公开指南",
    "issuer": "区档案馆",
    "date": "2024-03-18",
    "body": [
        ("p", "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。"
              "需要获得本馆政府信息公开服务的公民、法人或者其他组织，建议阅读本指南。"),
        ("h", "一、主动公开"),
        ("p", "本馆主动公开的政府信息，可以在本查阅中心的查阅终端上查找和阅读："
              "在首页点击“请点这里输入要查找的内容”，输入拼音首字母（例如“信息公开”输入 xxgk），"
              "再点击出现的词语；也可以按文件类别、主题分类、发布机构或年份浏览。"),
        ("p", "查阅终端上的文件可以用手机扫描二维码带走；需要纸质文件的，请到服务窗口咨询。"),
        ("h", "二、依申请公开"),
        ("p", "在查阅终端上找不到需要的政府信息的，可以向本馆提出政府信息公开申请。"),
        ("p", "受理地点：区档案馆一楼 政府信息公开申请受理窗口。"),
        ("p", "受理时间：工作日 9:00-12:00, 13:30-17:00（法定节假日除外）。"),
        ("p", "咨询电话：0631-0000000。"),
        ("p", "申请时请填写《政府信息公开申请表》，写明申请人的姓名或者名称、身份证明、联系方式，"
              "所需政府信息的名称、文号或者便于查询的其他特征性描述。窗口工作人员可以帮助填写。"),
        ("p", "本馆收到申请后，能够当场答复的当场答复；不能当场答复的，自收到申请之日起二十个工作日内予以答复。"),
        ("h", "三、监督和救济"),
        ("p", "公民、法人或者其他组织认为本馆在政府信息公开工作中侵犯其合法权益的，"
              "可以向上一级行政机关或者政府信息公开工作主管部门投诉、举报，也可以依法申请行政复议或者提起行政诉讼。"),
        ("sig", "区档案馆"),
        ("date", "2024年3月18日"),
    ],
}

SCAN_PAGES = 5
SCAN_META = {
    "标题": "关于加强个人所得税纳税信用建设的通知",
    "文号": "发改办财金规〔2019〕860号",
    "发布机构": "国家发展改革委办公厅 国家税务总局办公厅",
    "成文日期": "2019-08-20",
    "有效性": "有效",
    "主题分类": "财政、金融、审计",
    "主题词": ["个人所得税", "纳税信用"],
}

REVIEWERS = ("王丽", "张建国")
REVIEW_DATES = ("2024-03-18", "2024-04-02")

# ---------------------------------------------------------------------------
# The text model
# ---------------------------------------------------------------------------


@dataclass
class Doc:
    title: str
    issuer: str
    date: str  # ISO written date
    doc_number: str = ""
    preamble: list[str] = field(default_factory=list)  # lines under the title (passed/published on ...)
    body: list[tuple[str, str]] = field(default_factory=list)  # ("h"|"p"|"addr"|"sig"|"date", text)
    red_head: bool = False
    source: str = ""

    def all_text(self) -> str:
        return "\n".join([self.title, self.issuer, self.doc_number, cn_date(self.date), *self.preamble]
                         + [t for _, t in self.body])


_CN_DIGITS = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def cn_date(iso: str) -> str:
    """2012-03-05 -> 二〇一二年三月五日 (as on a signature block)."""
    y, m, d = (int(p) for p in iso.split("-"))
    return "".join(_CN_DIGITS[int(c)] for c in str(y)) + f"年{_cn_number(m)}月{_cn_number(d)}日"


def stem_date(stem: str) -> str:
    m = re.search(r"\((\d{4}-\d{2}-\d{2})\)$", stem)
    if not m:
        raise ValueError(f"no date in {stem}")
    return m.group(1)


def parse_lawref(path: Path, issuer: str) -> Doc:
    """A lawrefbook Markdown file: '# title', preamble lines, '<!-- INFO END -->', body with '##' headings."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("<!-- INFO END -->")
    lines = [ln.strip() for ln in head.splitlines() if ln.strip()]
    title = lines[0].lstrip("# ").strip()
    preamble = [ln.replace("\u3000", " ").strip() for ln in lines[1:]]
    body: list[tuple[str, str]] = []
    for raw in rest.splitlines():
        ln = raw.strip()
        if not ln or ln.startswith("<!--"):
            continue
        if ln.startswith("#"):
            body.append(("h", re.sub(r"\s+", "\u3000", ln.lstrip("# ").strip())))
        else:
            body.append(("p", ln))
    return Doc(title=title, issuer=issuer, date=stem_date(path.stem), preamble=preamble, body=body,
               source=str(path.relative_to(SOURCES)))


_NOISE = re.compile(
    r"^(分享[：:]?|打印\s*关闭|打印本页|关闭|扫一扫.*|\[放大字体\].*|字号[：:].*|文件下载.*|全真版[：:].*|浏览次数[：:]?.*"
    r"|下载|发布日期[：:].*|（此件公开发布）|\(此件公开发布\)|.*\.(doc|docx|pdf|PDF)$)$"
)
_DOCNUM_LINE = re.compile(r"^[\u4e00-\u9fff]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\d+号$")
_DATE_LINE = re.compile(r"^(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○ＯО零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日)$")


def parse_policy(record: dict, issuer: str, title: str | None = None) -> Doc:
    """A policy_documents.jsonl record: web page text with its title, 文号, addressee, signature."""
    title = title or record["Title"]
    lines = [re.sub(r"[\u2002\u00a0]+", " ", ln).strip() for ln in record["Body"].splitlines()]
    lines = [ln for ln in lines if ln and not _NOISE.match(ln)]
    clean_title = re.sub(r"^(\[有效\]|（已废止）|省政府令)", "", title).strip()
    doc_number = ""
    body: list[tuple[str, str]] = []
    for i, ln in enumerate(lines):
        compact = ln.replace(" ", "")
        if i < 4 and not doc_number and _DOCNUM_LINE.match(compact):
            doc_number = compact
            continue
        if i < 4 and len(compact) > 4 and (compact in clean_title.replace(" ", "").replace("\u3000", "")):
            continue
        if _DATE_LINE.match(compact):
            if body and body[-1][0] == "p" and len(body[-1][1]) <= 20 and not body[-1][1].endswith(("。", "：", "；")):
                body[-1] = ("sig", body[-1][1])
            body.append(("date", compact))
            continue
        if len(body) < 2 and compact.endswith("：") and len(compact) < 120:
            body.append(("addr", ln))
            continue
        body.append(("p", ln))
    if not any(kind == "date" for kind, _ in body):
        body += [("sig", issuer), ("date", cn_date(record["Date"]))]
    return Doc(title=clean_title, issuer=issuer, date=record["Date"], doc_number=doc_number, body=body,
               red_head=True, source="policy_documents.jsonl")


# ---------------------------------------------------------------------------
# Font: a TrueType subset made from the shipped OTF (reportlab embeds TrueType only)
# ---------------------------------------------------------------------------


class Fonts:
    def __init__(self, chars: set[str], workdir: Path) -> None:
        from fontTools import subset
        from fontTools.pens.cu2quPen import Cu2QuPen
        from fontTools.pens.ttGlyphPen import TTGlyphPen
        from fontTools.ttLib import TTFont, newTable
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont as RLTTFont

        self.chars = chars
        text = "".join(sorted(chars))
        # No bounding-box recalculation while cutting and saving CFF (it draws every glyph);
        # it is switched back on for the TrueType save below, where glyf needs it.
        font = TTFont(str(FONT_OTF), recalcTimestamp=False, recalcBBoxes=False)
        missing = sorted(c for c in chars if ord(c) not in font.getBestCmap() and not c.isspace())
        if missing:
            raise SystemExit(f"characters missing from {FONT_OTF.name}: {''.join(missing)!r}")
        opts = subset.Options()
        opts.name_IDs = ["*"]
        opts.notdef_outline = True
        opts.layout_features = []
        subsetter = subset.Subsetter(opts)
        subsetter.populate(text=text)
        subsetter.subset(font)
        buf = io.BytesIO()
        font.save(buf)
        self.otf_subset = buf.getvalue()  # for OFD (any OpenType font is allowed there)
        # CFF -> quadratic TrueType outlines for reportlab.
        glyph_set = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder = font.getGlyphOrder()
        glyf.glyphs = {}
        for name in font.getGlyphOrder():
            pen = TTGlyphPen(glyph_set)
            glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf.glyphs[name] = pen.glyph()
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        for tag in ("CFF ", "VORG"):
            if tag in font:
                del font[tag]
        maxp = newTable("maxp")
        maxp.tableVersion = 0x00010000
        for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                     "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        font["maxp"] = maxp
        font["post"].formatType = 3.0
        font["head"].glyphDataFormat = 0
        font.sfntVersion = "\0\1\0\0"
        ttf = workdir / "demo-cjk.ttf"
        font.recalcBBoxes = True
        font.save(str(ttf))
        pdfmetrics.registerFont(RLTTFont("DemoCJK", str(ttf)))
        self._width = pdfmetrics.stringWidth
        self._cache: dict[str, float] = {}

    def otf_for(self, chars: set[str]) -> bytes:
        """The OpenType (CFF) font cut down to ``chars``, for embedding in one OFD file."""
        from fontTools import subset
        from fontTools.ttLib import TTFont

        font = TTFont(io.BytesIO(self.otf_subset), recalcTimestamp=False, recalcBBoxes=False)
        opts = subset.Options()
        opts.name_IDs = ["*"]
        opts.notdef_outline = True
        opts.layout_features = []
        subsetter = subset.Subsetter(opts)
        subsetter.populate(text="".join(sorted(chars)))
        subsetter.subset(font)
        buf = io.BytesIO()
        font.save(buf)
        return buf.getvalue()

    def advance(self, ch: str) -> float:
        """Advance of one character at size 1 (em fraction)."""
        w = self._cache.get(ch)
        if w is None:
            w = self._width(ch, "DemoCJK", 1000) / 1000
            self._cache[ch] = w
        return w

    def width(self, text: str, size: float) -> float:
        return sum(self.advance(c) for c in text) * size


# ---------------------------------------------------------------------------
# Layout: blocks of text -> pages of positioned lines (shared by the PDF and OFD writers)
# ---------------------------------------------------------------------------

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MARGIN_T, MARGIN_B, MARGIN_L, MARGIN_R = 104.9, 99.2, 79.4, 73.7  # GB/T 9704 (37/35/28/26 mm)
BODY = 16.0  # 三号
TOC_SIZE = 14.0  # 四号, contents entries
LEADING = 28.0

_NO_LINE_START = set("，。、；：？！）》」』”’…%,.;:!?)]】〕")
_TOKEN = re.compile(r"[A-Za-z0-9.%\-/]+|.", re.S)


@dataclass
class Block:
    text: str
    size: float = BODY
    align: str = "left"  # left | center | right
    indent: int = 2  # first-line indent in characters
    bold: bool = False
    color: tuple[int, int, int] = BLACK
    before: float = 0.0
    leading: float | None = None
    right_pad: int = 0  # characters kept free at the right (signature blocks)
    fit: bool = False  # shrink to one line (issuer mark)


@dataclass
class Rule:
    color: tuple[int, int, int] = RED
    width: float = 1.5
    before: float = 6.0
    after: float = 14.0


class PageBreak:
    pass


@dataclass
class Line:
    x: float
    y: float  # baseline, points from the top
    text: str
    size: float
    color: tuple[int, int, int]
    bold: bool


@dataclass
class RuleLine:
    x1: float
    x2: float
    y: float
    color: tuple[int, int, int]
    width: float


@dataclass
class Page:
    lines: list[Line | RuleLine] = field(default_factory=list)
    number: int | None = None  # printed page number (footer)


def wrap(fonts: Fonts, text: str, size: float, width: float, indent: int) -> list[str]:
    tokens = _TOKEN.findall(text)
    lines: list[str] = []
    current = "\u3000" * indent
    cur_w = fonts.width(current, size)
    for tok in tokens:
        tw = fonts.width(tok, size)
        if cur_w + tw > width + 0.01 and current.strip():
            if tok[0] in _NO_LINE_START and len(tok) == 1:
                current += tok  # hanging punctuation instead of a line starting with it
                lines.append(current)
                current, cur_w = "", 0.0
                continue
            lines.append(current)
            current, cur_w = "", 0.0
        current += tok
        cur_w += tw
    if current.strip() or not lines:
        lines.append(current)
    return lines


def layout(fonts: Fonts, blocks: Sequence[Block | Rule | PageBreak], *, first_number: int = 1,
           numbered: bool = True) -> list[Page]:
    width = PAGE_W - MARGIN_L - MARGIN_R
    pages = [Page(number=first_number if numbered else None)]
    y = MARGIN_T

    def new_page() -> None:
        nonlocal y
        prev = pages[-1].number
        pages.append(Page(number=(prev + 1) if prev is not None else None))
        y = MARGIN_T

    for block in blocks:
        if isinstance(block, PageBreak):
            new_page()
            continue
        if isinstance(block, Rule):
            y += block.before
            pages[-1].lines.append(RuleLine(MARGIN_L, MARGIN_L + width, y, block.color, block.width))
            y += block.after
            continue
        size = block.size
        if block.fit:
            size = min(size, width / max(fonts.width(block.text, 1.0), 0.01))
        leading = block.leading or max(LEADING, size * 1.5)
        avail = width - fonts.width("\u3000" * block.right_pad, size)
        wrapped = wrap(fonts, block.text, size, avail, block.indent if block.align == "left" else 0)
        y += block.before
        for text in wrapped:
            if y + leading > PAGE_H - MARGIN_B + 0.01 and pages[-1].lines:
                new_page()
            y += leading
            tw = fonts.width(text, size)
            if block.align == "center":
                x = MARGIN_L + (width - tw) / 2
            elif block.align == "right":
                x = MARGIN_L + avail - tw
            else:
                x = MARGIN_L
            pages[-1].lines.append(Line(x, y - (leading - size) / 2, text, size, block.color, block.bold))
    return pages


def doc_blocks(doc: Doc) -> list[Block | Rule | PageBreak]:
    blocks: list[Block | Rule | PageBreak] = []
    if doc.red_head:
        blocks.append(Block(f"{doc.issuer}文件", size=38, align="center", bold=True, color=RED, fit=True, leading=56))
        if doc.doc_number:
            blocks.append(Block(doc.doc_number, align="center", before=14))
        blocks.append(Rule())
    blocks.append(Block(doc.title, size=22, align="center", bold=True, leading=36, before=4))
    for ln in doc.preamble:
        blocks.append(Block(ln, size=12, align="center", leading=19))
    if doc.preamble:
        blocks.append(Block("", size=8, leading=10))
    for kind, text in doc.body:
        if kind == "h":
            blocks.append(Block(text, align="center", bold=True, before=6))
        elif kind == "addr":
            blocks.append(Block(text, indent=0, before=6))
        elif kind == "sig":
            blocks.append(Block(text, align="right", right_pad=2, before=14))
        elif kind == "date":
            blocks.append(Block(text, align="right", right_pad=2))
        else:
            blocks.append(Block(text))
    return blocks


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------


def render_pdf(dest: Path, pages: Sequence[Page], *, title: str, author: str, subject: str = "") -> None:
    from reportlab.pdfgen import canvas

    dest.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(dest), pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor(author)
    c.setSubject(subject)
    c.setCreator("reading-room-kiosk scripts/build_demo.py")
    for page in pages:
        for item in page.lines:
            if isinstance(item, RuleLine):
                c.setStrokeColorRGB(*(v / 255 for v in item.color))
                c.setLineWidth(item.width)
                c.line(item.x1, PAGE_H - item.y, item.x2, PAGE_H - item.y)
                continue
            if not item.text.strip():
                continue
            r, g, b = (v / 255 for v in item.color)
            # Colour and render mode are graphics state that outlives BT/ET: keep them inside q/Q.
            c.saveState()
            c.setLineWidth(item.size * 0.035)
            t = c.beginText(item.x, PAGE_H - item.y)
            t.setFont("DemoCJK", item.size)
            t.setFillColorRGB(r, g, b)
            t.setStrokeColorRGB(r, g, b)
            t.setTextRenderMode(2 if item.bold else 0)  # no bold face shipped: fill and stroke the outline
            t.textOut(item.text)
            c.drawText(t)
            c.restoreState()
        if page.number is not None:
            footer = f"— {page.number} —"
            c.setFillColorRGB(0, 0, 0)
            c.setFont("DemoCJK", 14)
            c.drawCentredString(PAGE_W / 2, MARGIN_B - 50, footer)
        c.showPage()
    c.save()


def render_ofd(dest: Path, fonts: Fonts, pages: Sequence[Page], *, title: str, author: str, date: str) -> None:
    ofd_pages: list[OfdPage] = []
    for page in pages:
        op = OfdPage()
        for item in page.lines:
            if isinstance(item, RuleLine):
                op.lines.append(OfdLine(item.x1 * PT_TO_MM, item.y * PT_TO_MM, item.x2 * PT_TO_MM,
                                        item.y * PT_TO_MM, item.width * PT_TO_MM, item.color))
                continue
            text = item.text.rstrip()
            lead = len(text) - len(text.lstrip())
            text = text.strip()
            if not text:
                continue
            x = item.x + fonts.width(item.text[:lead], item.size)
            size_mm = item.size * PT_TO_MM
            op.texts.append(OfdText(x * PT_TO_MM, item.y * PT_TO_MM, text, size_mm,
                                    [fonts.advance(ch) * size_mm for ch in text], item.color, item.bold))
        if page.number is not None:
            footer = f"— {page.number} —"
            size_mm = 14 * PT_TO_MM
            w = fonts.width(footer, 14)
            op.texts.append(OfdText((PAGE_W - w) / 2 * PT_TO_MM, (PAGE_H - MARGIN_B + 50) * PT_TO_MM, footer,
                                    size_mm, [fonts.advance(ch) * size_mm for ch in footer]))
        ofd_pages.append(op)
    used = {ch for op in ofd_pages for t in op.texts for ch in t.text}
    write_ofd(dest, ofd_pages, font_bytes=fonts.otf_for(used), font_name=FONT_NAME, title=title, author=author,
              creation_date=date, doc_id=f"demo-{abs(hash_text(title)):016x}",
              page_size_mm=(round(PAGE_W * PT_TO_MM, 1), round(PAGE_H * PT_TO_MM, 1)))


def hash_text(text: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def normalize_zip(path: Path, modified: str | None = None) -> None:
    """Rewrite a zip (DOCX, XLSX) with fixed timestamps, members in the order written.

    ``modified``: a W3CDTF time put into docProps/core.xml (openpyxl stamps the clock there).
    """
    with zipfile.ZipFile(path) as zf:
        members = [(info.filename, zf.read(info.filename)) for info in zf.infolist()]
    if modified is not None:
        members = [
            (name, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                          b"\\g<1>" + modified.encode() + b"\\g<2>", data) if name == "docProps/core.xml" else data)
            for name, data in members
        ]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def write_docx(dest: Path, doc: Doc) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    d = Document()
    style = d.styles["Normal"]
    style.font.name = "FangSong"
    style.font.size = Pt(16)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")

    def para(text: str, *, size: float = 16, bold: bool = False, align: str = "left", indent: bool = True,
             color: tuple[int, int, int] | None = None, east_asia: str = "仿宋_GB2312") -> None:
        p = d.add_paragraph()
        p.alignment = {"left": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                       "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
        if indent and align == "left":
            p.paragraph_format.first_line_indent = Pt(size * 2)
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.font.bold = bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
        if color:
            run.font.color.rgb = RGBColor(*color)

    if doc.red_head:
        para(f"{doc.issuer}文件", size=36, bold=True, align="center", color=RED, east_asia="方正小标宋简体")
        if doc.doc_number:
            para(doc.doc_number, align="center")
    para(doc.title, size=22, bold=True, align="center", east_asia="方正小标宋简体")
    for ln in doc.preamble:
        para(ln, size=14, align="center", east_asia="楷体_GB2312")
    for kind, text in doc.body:
        if kind == "h":
            para(text, bold=True, align="center", east_asia="黑体")
        elif kind == "addr":
            para(text, indent=False)
        elif kind in ("sig", "date"):
            para(text, align="right")
        else:
            para(text)
    props = d.core_properties
    props.title = doc.title
    props.author = doc.issuer
    props.last_modified_by = doc.issuer
    props.created = dt.datetime.fromisoformat(doc.date)
    props.modified = dt.datetime.fromisoformat(doc.date)
    props.revision = 1
    props.comments = ""
    dest.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(dest))
    normalize_zip(dest)


def plain_text(doc: Doc, newline: str = "\n") -> str:
    out = [doc.title]
    if doc.doc_number:
        out.append(doc.doc_number)
    out += doc.preamble
    out.append("")
    for kind, text in doc.body:
        if kind == "p":
            out.append("\u3000\u3000" + text)
        elif kind in ("sig", "date"):
            out.append(" " * 30 + text)
        else:
            out.append(text)
    return newline.join(out) + newline


def write_txt(dest: Path, doc: Doc, encoding: str) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if encoding == "gbk":  # as saved by Notepad on a Chinese Windows: GBK, CRLF, no BOM
        data = plain_text(doc, "\r\n").encode("gbk")  # raises if a character has no GBK code
    else:
        data = plain_text(doc).encode("utf-8")
    dest.write_bytes(data)


def write_md(dest: Path, doc: Doc) -> None:
    out = [f"# {doc.title}", ""]
    if doc.doc_number:
        out += [doc.doc_number, ""]
    for ln in doc.preamble:
        out += [ln, ""]
    for kind, text in doc.body:
        if kind == "h":
            out += [f"## {text}", ""]
        elif kind in ("sig", "date"):
            out += [f"<p align=\"right\">{text}</p>", ""]
        else:
            out += [text, ""]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(out), encoding="utf-8")


def write_html(dest: Path, doc: Doc, encoding: str = "utf-8") -> None:
    from html import escape

    charset = "gbk" if encoding == "gbk" else "utf-8"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        f'<meta charset="{charset}">',
        f"<title>{escape(doc.title)}_政府信息公开</title>",
        f'<meta name="ArticleTitle" content="{escape(doc.title)}">',
        f'<meta name="PubDate" content="{doc.date} 00:00">',
        f'<meta name="ContentSource" content="{escape(doc.issuer)}">',
        "</head>",
        "<body>",
        '<div class="header">政府信息公开 &gt; 法规文件</div>',
        '<div class="article">',
        f"<h1>{escape(doc.title)}</h1>",
    ]
    if doc.doc_number:
        parts.append(f'<p class="docnum">{escape(doc.doc_number)}</p>')
    parts += [f'<p class="info">{escape(ln)}</p>' for ln in doc.preamble]
    for kind, text in doc.body:
        if kind == "h":
            parts.append(f"<h2>{escape(text)}</h2>")
        elif kind in ("sig", "date"):
            parts.append(f'<p style="text-align:right">{escape(text)}</p>')
        else:
            parts.append(f"<p>{escape(text)}</p>")
    parts += ["</div>", '<div class="footer">打印本页 关闭窗口</div>', "</body>", "</html>", ""]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes("\n".join(parts).encode(charset))


def write_sidecar(dest_doc: Path, data: dict) -> None:
    """NAME.EXT.json beside the document; keys with no value are left out, as staff would."""
    path = dest_doc.with_name(dest_doc.name + ".json")
    data = {k: v for k, v in data.items() if v not in ("", None, [])}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------
# The share
# ---------------------------------------------------------------------------

SUFFIX = {"pdf": ".pdf", "docx": ".docx", "ofd": ".ofd", "html": ".html", "html-gbk": ".html",
          "md": ".md", "txt": ".txt", "txt-gbk": ".txt"}


class Builder:
    def __init__(self, out: Path, workdir: Path) -> None:
        self.out = out
        self.workdir = workdir
        self.docs: list[tuple[Doc, str, Path]] = []  # (doc, format, dest) for simple documents
        self.gazettes: list[tuple[int, str, list[tuple[Doc, str]]]] = []
        self.sheet_rows: list[list[object]] = []
        self.fonts: Fonts | None = None
        self._seq: dict[str, int] = {}
        self._sidecars: list[tuple[Path, dict]] = []

    def index_number(self, org: str, year: str) -> str:
        key = f"{org}/{year}"
        self._seq[key] = self._seq.get(key, 0) + 1
        return f"{org}/{year}-{self._seq[key]:05d}"

    def review(self, n: int) -> dict[str, str]:
        return {"审查人": REVIEWERS[n % 2], "审查日期": REVIEW_DATES[n % 2]}

    # -- plan ---------------------------------------------------------------
    def plan(self) -> None:
        out = self.out
        weihai_issuer = "威海市人民代表大会常务委员会"
        for n, (stem, fmt, topic, keywords) in enumerate(WEIHAI):
            doc = parse_lawref(SOURCES / WEIHAI_DIR / f"{stem}.md", weihai_issuer)
            dest = out / "规范性文件" / "威海市" / (doc.title + SUFFIX[fmt])
            self.docs.append((doc, fmt, dest))
            sidecar = {
                "标题": doc.title,
                "发布机构": weihai_issuer,
                "成文日期": doc.date,
                "发布日期": doc.date,
                "有效性": "有效",
                "主题分类": topic,
                "索引号": self.index_number("11371000004923471Y", doc.date[:4]),
                "主题词": keywords,
                **self.review(n),
            }
            self._sidecars.append((dest, sidecar))
        sd_issuer = "山东省人民代表大会常务委员会"
        for stem, fmt in SHANDONG:
            doc = parse_lawref(SOURCES / SHANDONG_DIR / f"{stem}.md", sd_issuer)
            self.docs.append((doc, fmt, out / "规范性文件" / "山东省" / (doc.title + SUFFIX[fmt])))
        for stem, fmt, extra in NATIONAL:
            doc = parse_lawref(SOURCES / NATIONAL_DIR / f"{stem}.md", "国务院")
            dest = out / "法律法规" / (stem + SUFFIX[fmt])
            self.docs.append((doc, fmt, dest))
            if extra is not None:
                sidecar = {"标题": doc.title, "发布机构": "国务院", "发布日期": doc.date, "有效性": "有效", **extra}
                self._sidecars.append((dest, sidecar))
        records = {}
        for line in (SOURCES / "policy_documents.jsonl").read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            records[rec["Title"]] = rec
        for n, (title, issuer, fmt, topic, keywords, validity) in enumerate(POLICY):
            doc = parse_policy(records[title], issuer, TITLE_OVERRIDES.get(title))
            dest = out / "规范性文件" / "政策文件" / (doc.title.replace(" ", "") + SUFFIX[fmt])
            self.docs.append((doc, fmt, dest))
            rec = records[title]
            index_no = self.index_number("11371002004923560K", doc.date[:4])
            review = self.review(n)
            self.sheet_rows.append([
                dest.name, doc.title, doc.doc_number, issuer, dt.date.fromisoformat(doc.date), validity, topic,
                index_no, " ".join(keywords), review["审查人"], dt.date.fromisoformat(review["审查日期"]),
            ])
            if title in POLICY_SIDECAR_TITLES:
                sidecar = {"标题": doc.title, "文号": doc.doc_number, "发布机构": issuer, "成文日期": doc.date,
                           "发布日期": rec.get("Publishing date") or doc.date, "有效性": validity,
                           "主题分类": topic, "索引号": index_no, "主题词": keywords, "链接": rec["Link"], **review}
                self._sidecars.append((dest, sidecar))
        guide = Doc(title=GUIDE["title"], issuer=GUIDE["issuer"], date=GUIDE["date"], body=list(GUIDE["body"]))
        self.docs.append((guide, "pdf", out / GUIDE_FILE))
        self._sidecars.append((out / GUIDE_FILE, {
            "标题": guide.title, "发布机构": guide.issuer, "成文日期": guide.date, "发布日期": guide.date,
            "有效性": "有效", "主题分类": "综合政务", "主题词": ["信息公开", "政务公开", "申请"], **self.review(0)}))
        pending = parse_policy(records[PENDING_TITLE], PENDING_ISSUER)
        self.docs.append((pending, "pdf", out / "规范性文件" / "政策文件" / (pending.title + ".pdf")))
        # Gazette issues.
        for issue, date, items in GAZETTE_ISSUES:
            parsed = []
            for folder, stem, section in items:
                issuer = "国务院" if folder == NATIONAL_DIR else "山东省人民代表大会常务委员会"
                parsed.append((parse_lawref(SOURCES / folder / f"{stem}.md", issuer), section))
            self.gazettes.append((issue, date, parsed))

    # -- build --------------------------------------------------------------
    def all_chars(self) -> set[str]:
        chars = set(CONSTANT_CHARS)
        for doc, _, _ in self.docs:
            chars |= set(doc.all_text())
        for _, _, items in self.gazettes:
            for doc, section in items:
                chars |= set(doc.all_text()) | set(section)
        chars.discard("\n")
        return chars

    def build(self) -> None:
        self.plan()
        self.fonts = Fonts(self.all_chars(), self.workdir)
        for doc, fmt, dest in self.docs:
            self.write_doc(doc, fmt, dest)
        for dest, sidecar in self._sidecars:
            write_sidecar(dest, sidecar)
        self.write_sheet(self.out / "规范性文件" / "政策文件" / "目录.xlsx")
        for issue, date, items in self.gazettes:
            self.write_gazette(issue, date, items)
        self.write_scan()
        (self.out / ".kiosk-share").write_text(
            "This folder is the archive bureau's document share for the reading-room kiosks.\n"
            "Do not delete this file: without it the terminals never remove documents from their library.\n",
            encoding="utf-8")

    def write_doc(self, doc: Doc, fmt: str, dest: Path) -> None:
        assert self.fonts is not None
        if fmt == "pdf":
            render_pdf(dest, layout(self.fonts, doc_blocks(doc)), title=doc.title, author=doc.issuer)
        elif fmt == "ofd":
            render_ofd(dest, self.fonts, layout(self.fonts, doc_blocks(doc)), title=doc.title, author=doc.issuer,
                       date=doc.date)
        elif fmt == "docx":
            write_docx(dest, doc)
        elif fmt in ("txt", "txt-gbk"):
            write_txt(dest, doc, "gbk" if fmt == "txt-gbk" else "utf-8")
        elif fmt in ("html", "html-gbk"):
            write_html(dest, doc, "gbk" if fmt == "html-gbk" else "utf-8")
        elif fmt == "md":
            write_md(dest, doc)
        else:
            raise ValueError(fmt)

    def write_sheet(self, dest: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = "目录"
        ws.append(SHEET_HEADERS)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in self.sheet_rows:
            ws.append(row)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        for col, w in zip("ABCDEFGHIJK", (40, 50, 22, 24, 12, 8, 18, 30, 20, 8, 12), strict=True):
            ws.column_dimensions[col].width = w
        wb.properties.creator = "区档案馆"
        wb.properties.lastModifiedBy = "区档案馆"
        wb.properties.created = FIXED_TIME
        wb.properties.modified = FIXED_TIME
        dest.parent.mkdir(parents=True, exist_ok=True)
        wb.save(str(dest))
        normalize_zip(dest, modified=FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def write_gazette(self, issue: int, date: str, items: list[tuple[Doc, str]]) -> None:
        assert self.fonts is not None
        fonts = self.fonts
        name = f"威海市环翠区人民政府公报2012年第{issue}期"
        serial = GAZETTE_FIRST_SERIAL + issue - 1
        cover = layout(fonts, [
            Block("", leading=120),
            Block("威海市环翠区人民政府公报", size=42, align="center", bold=True, color=RED, fit=True, leading=70),
            Rule(width=2.5, before=10, after=30),
            Block(f"2012年第{issue}期", size=26, align="center", bold=True, leading=44),
            Block(f"（总第{serial}期）", size=16, align="center"),
            Block("", leading=220),
            Block("威海市环翠区人民政府办公室 编印", size=16, align="center"),
            Block(cn_date(date), size=16, align="center"),
        ], numbered=False)
        if len(cover) != 1:
            raise SystemExit(f"{name}: the cover takes {len(cover)} pages")
        # Lay out the items first: each starts on a new page after the cover and the contents page.
        bodies = [layout(fonts, doc_blocks(doc)) for doc, _ in items]
        first_pages, page = [], len(cover) + 1 + 1
        for body in bodies:
            first_pages.append(page)
            page += len(body)
        width = PAGE_W - MARGIN_L - MARGIN_R
        toc_blocks: list[Block | Rule | PageBreak] = [Block("目\u3000\u3000录", size=22, align="center", bold=True, leading=50)]
        last_section = None
        contents = []
        for (doc, section), first in zip(items, first_pages, strict=True):
            if section != last_section:
                toc_blocks.append(Block(section, bold=True, indent=0, before=8))
                last_section = section
            head, tail = f"{doc.title} ", f" {first}"
            free = width - fonts.width(head + tail, TOC_SIZE)
            count = int(free // (fonts.advance("…") * TOC_SIZE))
            if count < 3:  # the entry must stay on one line: title, leaders, page
                raise SystemExit(f"{name}: contents entry too long for one line: {doc.title}")
            toc_blocks.append(Block(head + "…" * count + tail, size=TOC_SIZE, indent=0))
            contents.append({"标题": doc.title, "页码": first})
        toc = layout(fonts, toc_blocks, first_number=len(cover) + 1)
        if len(toc) != 1:
            raise SystemExit(f"{name}: the contents take {len(toc)} pages; the page numbers assume one")
        pages = cover + toc
        for body in bodies:
            for p in body:
                p.number = len(pages) + 1
                pages.append(p)
        dest = self.out / "政府公报" / "2012" / f"{name}.pdf"
        render_pdf(dest, pages, title=name, author="威海市环翠区人民政府办公室", subject=f"2012年第{issue}期（总第{serial}期）")
        if issue in GAZETTE_SIDECAR_ISSUES:
            write_sidecar(dest, {
                "标题": name, "发布机构": "威海市环翠区人民政府办公室", "发布日期": date, "有效性": "有效",
                "主题分类": "综合政务", "公报年份": 2012, "公报期号": issue, "目录": contents,
            })

    def write_scan(self) -> None:
        from reportlab.lib.utils import ImageReader
        from reportlab.pdfgen import canvas

        dest = self.out / "规范性文件" / "扫描件" / "关于加强个人所得税纳税信用建设的通知（扫描件）.pdf"
        dest.parent.mkdir(parents=True, exist_ok=True)
        c = canvas.Canvas(str(dest), invariant=1)
        # reportlab names an image object after the path it was given: a path relative to
        # the images' folder keeps the PDF identical wherever the repository is checked out.
        cwd = os.getcwd()
        os.chdir(SOURCES / "govdoc-cn-397")
        try:
            for n in range(1, SCAN_PAGES + 1):
                img = f"397_{n}.jpg"
                reader = ImageReader(img)
                w, h = reader.getSize()
                page_w, page_h = w * 72 / 144, h * 72 / 144  # scanned at 144 dpi (US letter)
                c.setPageSize((page_w, page_h))
                c.drawImage(img, 0, 0, page_w, page_h)
                c.showPage()
            c.save()
        finally:
            os.chdir(cwd)
        write_sidecar(dest, {**SCAN_META, "发布日期": SCAN_META["成文日期"],
                             "索引号": "000014672/2019-00860", **self.review(0)})


SHEET_HEADERS = ["文件名", "标题", "文号", "发布机构", "成文日期", "有效性", "主题分类", "索引号", "主题词", "审查人", "审查日期"]
CONSTANT_CHARS = (
    "".join(chr(c) for c in range(0x20, 0x7F)) + "〇一二三四五六七八九十年月日期总第（）— …目录"
    "文件威海市环翠区人民政府公报办公室编印【】国务院省人大常委会\u3000"
)


# ---------------------------------------------------------------------------
# Collecting the source slice from the corpus (run once; the build never reads ../shared)
# ---------------------------------------------------------------------------


def collect(corpus: Path) -> None:
    from PIL import Image

    law = corpus / "lawrefbook"
    sd = law / "DLC" / "山东地方法规" / "地方性法规" / "山东"
    wanted: list[tuple[Path, Path]] = []
    for stem, *_ in WEIHAI:
        wanted.append((sd / f"{stem}.md", SOURCES / WEIHAI_DIR / f"{stem}.md"))
    for stem, _ in SHANDONG:
        wanted.append((sd / f"{stem}.md", SOURCES / SHANDONG_DIR / f"{stem}.md"))
    for stem, *_ in NATIONAL:
        wanted.append((law / "行政法规" / f"{stem}.md", SOURCES / NATIONAL_DIR / f"{stem}.md"))
    for _, _, items in GAZETTE_ISSUES:
        for folder, stem, _ in items:
            src = (law / "行政法规") if folder == NATIONAL_DIR else sd
            wanted.append((src / f"{stem}.md", SOURCES / folder / f"{stem}.md"))
    for src, dest in wanted:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    titles = {p[0] for p in POLICY} | {PENDING_TITLE}
    kept = [ln for ln in (corpus / "doc-numbers" / "policy_documents.jsonl").read_text(encoding="utf-8").splitlines()
            if json.loads(ln)["Title"] in titles]
    (SOURCES / "policy_documents.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    scan_dir = SOURCES / "govdoc-cn-397"
    scan_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(corpus / "govdoc-cn" / "LICENSE", scan_dir / "LICENSE")  # MIT
    for n in range(1, SCAN_PAGES + 1):
        img = Image.open(corpus / "govdoc-cn" / "GovDoc-CN_Sample" / "397" / f"397_{n}.png").convert("L")
        img.save(scan_dir / f"397_{n}.jpg", "JPEG", quality=55, optimize=True, dpi=(144, 144))
    print(f"collected {len(wanted)} texts, {len(kept)} policy records, {SCAN_PAGES} page images into {SOURCES}")


def iter_files(root: Path) -> Iterable[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEMO / "share", help="where to build the share")
    parser.add_argument("--collect", type=Path, metavar="CORPUS", help="copy the source slice from the corpus first")
    args = parser.parse_args(argv)
    if args.collect:
        collect(args.collect)
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="demo-build-") as tmp:
        Builder(out, Path(tmp)).build()
    files = list(iter_files(out))
    size = sum(p.stat().st_size for p in files)
    print(f"{out}: {len(files)} files, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
