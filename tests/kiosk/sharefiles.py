"""A small share of real files (TXT, HTML, a multi-page PDF made with reportlab) for app tests,
screenshots and benchmarks."""

from __future__ import annotations

from pathlib import Path

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

TEXT_DOCS: dict[str, str] = {
    "规范性文件/区政办发〔2023〕5号 关于进一步推进政府信息公开工作的通知.txt": """关于进一步推进政府信息公开工作的通知
区政办发〔2023〕5号

各街道办事处，区政府各部门：
为深入贯彻《中华人民共和国政府信息公开条例》，进一步推进政府信息公开工作，现就有关事项通知如下。
一、提高认识。政府信息公开是保障人民群众知情权的重要制度。各单位要把信息公开工作摆在重要位置。
二、规范程序。依申请公开的办理时限为二十个工作日。信息公开申请可以到区档案馆一楼窗口提交。
三、加强监督。区政府办公室定期检查各单位信息公开工作情况。

主题词：信息公开 政务公开 通知
区人民政府办公室
2023年4月10日
""",
    "规范性文件/区民政发〔2021〕8号 养老服务补贴管理办法.txt": """养老服务补贴管理办法
区民政发〔2021〕8号

第一条 为规范养老服务补贴管理，保障老年人基本生活，制定本办法。
第二条 本区户籍年满八十周岁的老年人，可以申请养老服务补贴。
第三条 养老服务补贴按月发放，每人每月二百元。

主题词：养老服务 补贴 办法
区民政局
2021年3月1日
""",
    "规范性文件/区民政发〔2024〕3号 养老服务补贴管理办法（2024年修订）.txt": """养老服务补贴管理办法（2024年修订）
区民政发〔2024〕3号

第一条 为规范养老服务补贴管理，保障老年人基本生活，制定本办法。
第二条 本区户籍年满七十五周岁的老年人，可以申请养老服务补贴。
第三条 养老服务补贴按月发放，每人每月三百元。老年人可以到街道便民服务中心申请。

主题词：养老服务 补贴 办法
区民政局
2024年2月1日
""",
    "规范性文件/区住建发〔2022〕12号 老旧小区改造实施办法.html": """<html><head><meta charset="utf-8"><title>老旧小区改造实施办法</title></head><body>
<h1>老旧小区改造实施办法</h1><p>区住建发〔2022〕12号</p>
<p>第一条 为推进老旧小区改造，改善居民居住条件，制定本办法。</p>
<p>第二条 老旧小区改造包括加装电梯、外墙保温、管网更新等内容。</p>
<p>第三条 居民可以向所在街道提出加装电梯申请。</p>
<p>主题词：老旧小区 加装电梯</p><p>区住房和城乡建设局</p><p>2022年6月15日</p></body></html>
""",
    "规范性文件/区卫健发〔2020〕2号 家庭医生签约服务办法.html": """<html><head><meta charset="utf-8"><title>家庭医生签约服务办法</title></head><body>
<h1>家庭医生签约服务办法</h1><p>区卫健发〔2020〕2号</p>
<p>第一条 为推进家庭医生签约服务，方便居民看病就医，制定本办法。</p>
<p>第二条 老年人、慢性病患者优先签约家庭医生。</p>
<p>主题词：家庭医生 医疗卫生</p><p>区卫生健康局</p><p>2020年9月1日</p></body></html>
""",
    "法律法规/中华人民共和国政府信息公开条例.txt": """中华人民共和国政府信息公开条例

第一条 为了保障公民、法人和其他组织依法获取政府信息，提高政府工作的透明度，制定本条例。
第二条 本条例所称政府信息，是指行政机关在履行行政管理职能过程中制作或者获取的，以一定形式记录、保存的信息。
第二十七条 除行政机关主动公开的政府信息外，公民、法人或者其他组织可以向行政机关申请获取相关政府信息。

国务院
2019年4月3日
""",
    "法律法规/中华人民共和国老年人权益保障法.txt": """中华人民共和国老年人权益保障法

第一条 为了保障老年人合法权益，发展老龄事业，弘扬中华民族敬老、养老、助老的美德，制定本法。
第二条 本法所称老年人是指六十周岁以上的公民。

全国人民代表大会常务委员会
2018年12月29日
""",
}

GAZETTE_ITEMS = (
    ("区人民政府关于公布行政规范性文件清理结果的决定", "区政发〔2024〕1号",
     "经清理，继续有效的行政规范性文件共四十件，废止八件。信息公开目录同步更新。"),
    ("区人民政府办公室关于印发养老服务工作要点的通知", "区政办发〔2024〕2号",
     "全面落实养老服务补贴制度，推进家庭医生签约服务，加强老年人权益保障。"),
    ("区人民政府关于加装电梯工作的实施意见", "区政发〔2024〕3号",
     "推进老旧小区加装电梯，居民可以向街道提出申请，区住建局负责审批。"),
)


def make_gazette_pdf(path: Path, year: int = 2024, issue: int = 1) -> None:
    """A gazette issue: cover with contents (目录), then one page per item."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=A4)
    w, h = A4
    c.setTitle(f"{year}年第{issue}期 区人民政府公报")
    c.setFont("WQY", 30)
    c.drawCentredString(w / 2, h - 120, "区人民政府公报")
    c.setFont("WQY", 18)
    c.drawCentredString(w / 2, h - 160, f"{year}年第{issue}期")
    c.drawString(80, h - 230, "目录")
    for i, (title, number, _body) in enumerate(GAZETTE_ITEMS):
        c.setFont("WQY", 12)
        c.drawString(80, h - 270 - i * 30, f"{title}（{number}）…… {i + 2}")
    c.showPage()
    for title, number, body in GAZETTE_ITEMS:
        c.setFont("WQY", 18)
        c.drawCentredString(w / 2, h - 100, title)
        c.setFont("WQY", 13)
        c.drawCentredString(w / 2, h - 130, number)
        y = h - 180
        for k in range(0, len(body), 30):
            c.drawString(70, y, body[k:k + 30])
            y -= 24
        c.showPage()
    c.save()


REVIEW = {"审查人": "王静", "审查日期": "2024-03-01"}

# The bureau's guide at the share's root (the tests' app.guide_file).
GUIDE_FILE = "信息公开指南.txt"
GUIDE_TEXT = """区档案馆政府信息公开指南

一、主动公开。本馆主动公开的政府信息可以在查阅终端上查找和阅读。
二、依申请公开。在查阅终端上找不到需要的政府信息的，可以到区档案馆一楼窗口提出申请。
受理时间：工作日 9:00-12:00。咨询电话：0631-0000000。

区档案馆
2024年3月18日
"""

# Sidecars (NAME.EXT.json) as staff write them: topic, keywords, 索引号, review record.
SIDECARS: dict[str, dict[str, object]] = {
    "区政办发〔2023〕5号": {"主题分类": "政务公开", "主题词": "信息公开 政务公开", "索引号": "11371002-2023-00005"},
    "区民政发〔2021〕8号": {"主题分类": "社会保障", "主题词": "养老服务 补贴"},
    "区民政发〔2024〕3号": {"主题分类": "社会保障", "主题词": "养老服务 补贴"},
    "区住建发〔2022〕12号": {"主题分类": "城乡建设", "主题词": "老旧小区 加装电梯"},
    "区卫健发〔2020〕2号": {"主题分类": "医疗卫生", "主题词": "家庭医生"},
    "政府信息公开条例": {"主题分类": "政务公开", "主题词": "信息公开"},
    "老年人权益保障法": {"主题分类": "社会保障", "主题词": "老年人 养老服务"},
}
PENDING_DOC = "规范性文件/关于征求老年助餐服务意见的通知.txt"


def write_share(root: Path, *, marker: str = ".kiosk-share") -> Path:
    import json

    root.mkdir(parents=True, exist_ok=True)
    (root / marker).write_text("reading-room share\n", encoding="utf-8")
    for rel, text in TEXT_DOCS.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        side = next((v for k, v in SIDECARS.items() if k in rel), {})
        p.with_name(p.name + ".json").write_text(json.dumps({**side, **REVIEW}, ensure_ascii=False), encoding="utf-8")
    for year, issue, month in ((2024, 1, "01"), (2023, 4, "10")):
        pdf = root / "政府公报" / str(year) / f"{year}年第{issue}期 区人民政府公报.pdf"
        make_gazette_pdf(pdf, year, issue)
        side = {"标题": f"区人民政府公报 {year}年第{issue}期", "公报年份": year, "公报期号": issue,
                "发布日期": f"{year}-{month}-15", "发布机构": "区人民政府办公室", "主题分类": "综合政务", **REVIEW}
        pdf.with_name(pdf.name + ".json").write_text(json.dumps(side, ensure_ascii=False), encoding="utf-8")
    guide = root / GUIDE_FILE
    guide.write_text(GUIDE_TEXT, encoding="utf-8")
    guide.with_name(guide.name + ".json").write_text(
        json.dumps({"主题分类": "政务公开", **REVIEW}, ensure_ascii=False), encoding="utf-8")
    # One document without a review record: pending, never shown to visitors.
    (root / PENDING_DOC).write_text("关于征求老年助餐服务意见的通知\n\n请各街道于月底前反馈意见。\n\n区民政局\n2024年5月1日\n",
                                   encoding="utf-8")
    return root



def build_library(share: Path, library_root: Path, config) -> None:
    """Sync ``share`` into the library at ``library_root`` (created if new) with the real one-shot sync."""
    from index.library import Library
    from index.sync.reconcile import reconcile_once

    with Library.open(library_root, config, writable=True) as library:
        reconcile_once(share, library, config)


# A larger share for lists that must scroll: more years, issuers and results than a screen holds.
MANY_ISSUERS = ("区人民政府办公室", "区民政局", "区教育局", "区财政局", "区卫生健康局", "区住房和城乡建设局",
                "区交通运输局", "区农业农村局", "区文化和旅游局", "区市场监督管理局", "区应急管理局",
                "区生态环境局", "区人力资源和社会保障局", "区退役军人事务局", "区医疗保障局", "区水利局")
MANY_SUBJECTS = ("城乡居民养老保险", "义务教育入学", "农村公路养护", "社区卫生服务", "老旧小区改造", "文化惠民演出",
                 "食品安全抽检", "防汛抗旱", "大气污染防治", "就业创业补贴", "优抚对象走访", "医疗救助",
                 "小型水库安全", "政府信息公开", "残疾人两项补贴", "城市管理执法", "公共法律服务", "粮食储备")
MANY_DOCS = 40
MANY_FIRST_YEAR = 2000
MANY_YEARS = 24  # 2000-2023: more years than fit on one screen


def many_doc(i: int) -> tuple[str, str, int | None]:
    """(file name, text, year) of the i-th document of the larger share; the last one has no date."""
    issuer = MANY_ISSUERS[i % len(MANY_ISSUERS)]
    subject = MANY_SUBJECTS[i % len(MANY_SUBJECTS)]
    year = None if i == MANY_DOCS - 1 else MANY_FIRST_YEAR + i % MANY_YEARS
    number = f"区政发〔{year or 2010}〕{i + 1}号"
    title = f"关于做好{subject}工作的通知（第{i + 1}批）"
    lines = [title, number, "", "各街道办事处，区政府各部门：",
             f"为做好{subject}工作，现就有关事项通知如下。一、提高认识，加强领导。二、明确责任，抓好落实。", "",
             issuer]
    if year is not None:
        lines.append(f"{year}年{i % 12 + 1}月{i % 27 + 1}日")
    return f"规范性文件/{number} {title}.txt", "\n".join(lines) + "\n", year


def write_many_share(root: Path, *, marker: str = ".kiosk-share") -> Path:
    import json

    root.mkdir(parents=True, exist_ok=True)
    (root / marker).write_text("reading-room share\n", encoding="utf-8")
    for i in range(MANY_DOCS):
        rel, text, _year = many_doc(i)
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        side = {"主题分类": "政务公开" if i % 2 else "社会保障", **REVIEW}
        p.with_name(p.name + ".json").write_text(json.dumps(side, ensure_ascii=False), encoding="utf-8")
    return root
