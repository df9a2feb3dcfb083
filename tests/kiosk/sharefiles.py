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


def write_share(root: Path, *, marker: str = ".kiosk-share") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / marker).write_text("reading-room share\n", encoding="utf-8")
    for rel, text in TEXT_DOCS.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    make_gazette_pdf(root / "政府公报" / "2024" / "2024年第1期 区人民政府公报.pdf", 2024, 1)
    make_gazette_pdf(root / "政府公报" / "2023" / "2023年第4期 区人民政府公报.pdf", 2023, 4)
    return root


def build_library(share: Path, library_root: Path, config) -> None:
    """Sync ``share`` into the library at ``library_root`` (created if new) with the real one-shot sync."""
    from index.library import Library

    try:
        import index.extract  # noqa: F401 - the sync needs extraction and metadata from other helpers
        import index.metadata  # noqa: F401
        from index.sync.reconcile import reconcile_once
    except ImportError:
        reconcile_once = None
    if reconcile_once is not None:
        with Library.open(library_root, config, writable=True) as library:
            reconcile_once(share, library, config)
        return
    # Until the sync lands on main: the real writer, simple extraction (dev only).
    try:
        with Library.open(library_root, config, writable=True) as library:
            _direct_build(share, library)
    except TypeError:  # core wip: first refresh on an empty index; reopening completes the batch
        pass
    Library.open(library_root, config, writable=True).close()


def _direct_build(share: Path, library) -> None:
    import hashlib
    import re
    import shutil

    from index.models import DocumentMeta, Extracted, GazetteItem

    present = {p.relative_to(share).as_posix() for p in share.rglob("*") if p.is_file() and not p.name.startswith(".")}
    with library.writer() as w:
        for rec in list(library.catalogue.iter_documents()):
            if rec.source_path not in present:
                w.remove(rec.source_path)
        for path in sorted(share.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            rel = path.relative_to(share).as_posix()
            old = library.catalogue.by_path(rel)
            if old is not None and old.mtime == path.stat().st_mtime:
                continue
            data = path.read_bytes()
            checksum = hashlib.sha256(data).hexdigest()
            dest = library.copy_path_for(checksum, path.suffix)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            kind = rel.split("/")[0]
            meta = DocumentMeta(kind=kind)
            if path.suffix == ".pdf":
                import pypdfium2 as pdfium

                pdf = pdfium.PdfDocument(str(path))
                pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
                m = re.search(r"(\d{4})年第(\d+)期", path.name)
                meta.title = path.stem
                meta.gazette_year, meta.gazette_issue = int(m.group(1)), int(m.group(2))
                meta.publish_date = f"{m.group(1)}-0{min(9, int(m.group(2)))}-01"
                meta.issuer = "区人民政府办公室"
                meta.contents = [GazetteItem(t, i + 2, n) for i, (t, n, _b) in enumerate(GAZETTE_ITEMS)]
                ext = Extracted(pages=pages, page_count=len(pages), has_text=True, format="pdf")
            else:
                text = data.decode("utf-8")
                if path.suffix == ".html":
                    text = re.sub(r"<title>.*?</title>", "", text)
                    text = re.sub(r"<[^>]+>", "\n", text)
                lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
                meta.title = lines[0]
                num = re.search(r"\S+〔\d{4}〕\d+号", text)
                meta.doc_number = num.group(0) if num else ""
                meta.issuer = lines[-2]
                kw = next((ln for ln in lines if ln.startswith("主题词：")), "")
                meta.keywords = kw.removeprefix("主题词：").split()
                d = re.search(r"(\d{4})年(\d+)月(\d+)日", lines[-1])
                meta.publish_date = f"{d.group(1)}-{int(d.group(2)):02d}-{int(d.group(3)):02d}" if d else ""
                meta.topic = "社会保障" if "养老" in text or "老年人" in text else ("政务公开" if "公开" in text else "城乡建设" if "小区" in text else "医疗卫生")
                ext = Extracted(pages=["\n".join(lines)], page_count=1, has_text=True, format=path.suffix[1:])
            if "2021" in rel and "养老" in rel:
                meta.validity, meta.replaced_by = "已修订", "养老服务补贴管理办法（2024年修订）"
            if not meta.keywords:
                meta.keywords = [meta.topic] if meta.topic else []
            w.add_or_update(rel, dest, checksum, len(data), path.stat().st_mtime, ext, meta)
