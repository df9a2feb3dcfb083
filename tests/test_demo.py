"""The demo share in assets/demo: every format, true gazette contents, review, reproducible build."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from index.config import load_config
from index.errors import ConfigError
from index.ops.fonts import SHIPPED_FONT, find_cjk_font
from index.sync.filters import is_candidate

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "assets" / "demo"
SHARE = DEMO / "share"
OFD_NS = {"ofd": "http://www.ofdspec.org/2016"}
SHEET_HEADERS = ["文件名", "标题", "文号", "发布机构", "成文日期", "有效性", "主题分类", "索引号", "主题词", "审查人", "审查日期"]


def documents() -> list[Path]:
    return sorted(p for p in SHARE.rglob("*") if p.is_file() and is_candidate(p.relative_to(SHARE).as_posix()))


def rel(p: Path) -> str:
    return p.relative_to(SHARE).as_posix()


def sidecar(p: Path) -> dict | None:
    side = p.with_name(p.name + ".json")
    return json.loads(side.read_text(encoding="utf-8")) if side.exists() else None


def pdf_pages(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_share_has_every_format_and_marker() -> None:
    docs = documents()
    suffixes = {p.suffix for p in docs}
    assert {".pdf", ".docx", ".txt", ".html", ".md", ".ofd"} <= suffixes
    assert 55 <= len(docs) <= 70, len(docs)
    assert (SHARE / ".kiosk-share").is_file()
    for top in ("规范性文件", "法律法规", "政府公报"):
        assert any(rel(p).startswith(top + "/") for p in docs), top
    gazettes = sorted(p.name for p in (SHARE / "政府公报" / "2012").glob("*.pdf"))
    assert gazettes == [f"威海市环翠区人民政府公报2012年第{n}期.pdf" for n in range(1, 5)]


def test_demo_stays_small() -> None:
    total = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert total < 15_000_000, f"assets/demo is {total / 1e6:.1f} MB"


@pytest.mark.parametrize("issue", [1, 2, 3, 4])
def test_gazette_contents_page_numbers_are_true(issue: int) -> None:
    path = SHARE / "政府公报" / "2012" / f"威海市环翠区人民政府公报2012年第{issue}期.pdf"
    pages = pdf_pages(path)
    cover = squash(pages[0])
    assert "区人民政府公报" in cover and f"2012年第{issue}期" in cover and "总第" in cover
    assert "目录" in squash(pages[1])
    # one line per entry: title, leaders, page number
    entries = [(m.group(1).strip(), int(m.group(2)))
               for m in (re.match(r"^(.+?)[ \t]*…{3,}[ \t]*(\d+)[ \t]*$", ln) for ln in pages[1].splitlines()) if m]
    assert len(entries) == sum("…" in ln for ln in pages[1].splitlines())
    assert len(entries) >= 2
    numbers = [n for _, n in entries]
    assert numbers == sorted(set(numbers)) and numbers[0] == 3
    for title, page in entries:
        # the item's title opens its page (a long title may wrap onto a second line)
        assert squash(pages[page - 1]).startswith(squash(title)), (title, page, pages[page - 1][:80])
        assert f"— {page} —" in pages[page - 1]  # the printed number is the PDF page number
        assert not squash(pages[page - 2]).startswith(squash(title))  # it does not start earlier
    meta = sidecar(path)
    if meta is not None:
        assert meta["公报年份"] == 2012 and meta["公报期号"] == issue
        assert [(c["标题"], c["页码"]) for c in meta["目录"]] == entries


def test_scanned_pdf_has_no_text_layer_and_a_sidecar() -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    [scan] = list((SHARE / "规范性文件" / "扫描件").glob("*.pdf"))
    pdf = pdfium.PdfDocument(str(scan))
    try:
        assert len(pdf) == 5
        for i in range(len(pdf)):
            page = pdf[i]
            assert page.get_textpage().get_text_range().strip() == ""
            kinds = {obj.type for obj in page.get_objects()}
            assert kinds == {pdfium_c.FPDF_PAGEOBJ_IMAGE}
    finally:
        pdf.close()
    meta = sidecar(scan)
    assert meta is not None and meta["文号"] == "发改办财金规〔2019〕860号" and meta["标题"]


def test_gbk_files_decode_only_as_gbk() -> None:
    texts = [p for p in documents() if p.suffix in (".txt", ".html", ".md")]
    not_utf8 = []
    for p in texts:
        data = p.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            not_utf8.append(p)
    assert len(not_utf8) >= 5
    for p in not_utf8:
        data = p.read_bytes()
        assert not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
        text = data.decode("gbk")
        assert re.search(r"[\u4e00-\u9fff]{20}", text)
        if p.suffix == ".html":
            assert 'charset="gbk"' in text
    utf8_txt = [p for p in texts if p.suffix == ".txt" and p not in not_utf8]
    assert utf8_txt, "some TXT files are UTF-8"


def test_red_head_pdf_shows_issuer_number_and_title() -> None:
    path = SHARE / "规范性文件" / "政策文件" / "北京市密云区人民政府关于印发京沈铁路客运专线密云段施工震损、噪声污染补偿暂行规定的通知.pdf"
    first = squash(pdf_pages(path)[0])
    assert first.startswith("北京市密云区人民政府文件密政发〔2016〕20号")
    assert "北京市密云区人民政府关于印发京沈铁路客运专线密云段施工震损、噪声污染补偿暂行规定的通知" in first


def test_ofd_files_are_well_formed_with_text() -> None:
    ofds = [p for p in documents() if p.suffix == ".ofd"]
    assert len(ofds) >= 4
    for path in ofds:
        with zipfile.ZipFile(path) as zf:
            root = etree.fromstring(zf.read("OFD.xml"))
            doc_root = root.findtext("ofd:DocBody/ofd:DocRoot", namespaces=OFD_NS)
            title = root.findtext("ofd:DocBody/ofd:DocInfo/ofd:Title", namespaces=OFD_NS)
            base = doc_root.rsplit("/", 1)[0]
            document = etree.fromstring(zf.read(doc_root))
            res = document.findtext("ofd:CommonData/ofd:PublicRes", namespaces=OFD_NS)
            fonts = etree.fromstring(zf.read(f"{base}/{res}"))
            font_file = fonts.findtext("ofd:Fonts/ofd:Font/ofd:FontFile", namespaces=OFD_NS)
            assert zf.getinfo(f"{base}/{fonts.get('BaseLoc')}/{font_file}").file_size > 1000
            text = []
            for page in document.findall("ofd:Pages/ofd:Page", OFD_NS):
                content = etree.fromstring(zf.read(f"{base}/{page.get('BaseLoc')}"))
                for code in content.iter(f"{{{OFD_NS['ofd']}}}TextCode"):
                    deltas = (code.get("DeltaX") or "").split()
                    assert len(deltas) == len(code.text) - 1
                    text.append(code.text)
            assert squash(title) in squash("".join(text[:6])), path.name


def test_docx_and_html_carry_their_title() -> None:
    from docx import Document

    for path in [p for p in documents() if p.suffix == ".docx"]:
        d = Document(str(path))
        assert d.core_properties.title
        assert squash(d.core_properties.title) in squash("".join(p.text for p in d.paragraphs[:6]))
    for path in [p for p in documents() if p.suffix == ".html"]:
        raw = path.read_bytes()
        text = raw.decode("gbk") if b'charset="gbk"' in raw else raw.decode("utf-8")
        assert re.search(r"<title>[^<]+</title>", text)


def test_catalogue_spreadsheet() -> None:
    import openpyxl

    sheet = SHARE / "规范性文件" / "政策文件" / "目录.xlsx"
    ws = openpyxl.load_workbook(sheet, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == SHEET_HEADERS
    names = [r[0] for r in rows[1:]]
    assert len(names) >= 15
    for row in rows[1:]:
        assert (sheet.parent / row[0]).is_file(), row[0]
        assert row[1] and row[3] and row[6] and row[9] and row[10]


def _review_record(path: Path, sheet_rows: dict[str, dict]) -> bool:
    meta = sidecar(path) or {}
    if meta.get("审查人") and meta.get("审查日期"):
        return True
    row = sheet_rows.get(rel(path))
    return bool(row and row["审查人"] and row["审查日期"])


def test_exactly_one_document_waits_for_review() -> None:
    import openpyxl

    config = load_config(DEMO / "kiosk.toml")
    assert config["review.required"] is True
    trusted = config["review.trusted_folders"]
    sheet_rows: dict[str, dict] = {}
    for sheet in SHARE.rglob("目录.xlsx"):
        rows = list(openpyxl.load_workbook(sheet, read_only=True).active.iter_rows(values_only=True))
        for row in rows[1:]:
            record = dict(zip(rows[0], row, strict=True))
            sheet_rows[rel(sheet.parent / record["文件名"])] = record
    pending = [rel(p) for p in documents()
               if not any(fnmatch.fnmatch(rel(p), pat) for pat in trusted) and not _review_record(p, sheet_rows)]
    assert pending == ["规范性文件/政策文件/上海市人民政府关于郑杨同志任职的通知.pdf"]
    for pattern in trusted:  # each trusted pattern names a real folder of the share
        assert (SHARE / pattern.removesuffix("/**")).is_dir(), pattern


def test_topics_and_validity_are_spread() -> None:
    import openpyxl

    topics: dict[str, int] = {}
    validities: set[str] = set()
    for path in documents():
        meta = sidecar(path) or {}
        if meta.get("主题分类"):
            topics[meta["主题分类"]] = topics.get(meta["主题分类"], 0) + 1
        validities.add(meta.get("有效性", ""))
    rows = list(openpyxl.load_workbook(SHARE / "规范性文件" / "政策文件" / "目录.xlsx", read_only=True)
                .active.iter_rows(values_only=True))
    for row in rows[1:]:
        topics[row[6]] = topics.get(row[6], 0) + 1
        validities.add(row[5])
    assert len(topics) >= 8 and sum(topics.values()) >= 40
    assert {"城乡建设、环境保护", "民政、扶贫、救灾", "交通", "财政、金融、审计", "卫生、体育", "教育", "综合政务"} <= set(topics)
    assert {"有效", "废止", "已修订"} <= validities


def test_families_of_versions() -> None:
    law = SHARE / "法律法规"
    old, new = law / "全国年节及纪念日放假办法(2013-12-11).txt", law / "全国年节及纪念日放假办法(2024-11-10).txt"
    old_meta, new_meta = sidecar(old), sidecar(new)
    assert old_meta["标题"] == new_meta["标题"] and old_meta["发布机构"] == new_meta["发布机构"]
    assert old_meta["有效性"] == "已修订" and "2024" in old_meta["替代文件"] and new_meta["有效性"] == "有效"
    # the second family has no sidecars: only the texts and dates tell them apart
    pair = sorted(law.glob("中国公民收养子女登记办法(*).md"))
    assert len(pair) == 2 and all(sidecar(p) is None for p in pair)
    firsts = {p.read_text(encoding="utf-8").splitlines()[0] for p in pair}
    assert firsts == {"# 中国公民收养子女登记办法"}
    assert pair[0].read_bytes() != pair[1].read_bytes()


def test_demo_config_loads() -> None:
    config = load_config(DEMO / "kiosk.toml")
    assert Path(config["share.path"]) == SHARE
    assert (Path(config["share.path"]) / config["share.marker"]).is_file()
    assert Path(config["library.path"]) == REPO / "build" / "demo-library"
    assert "{index_number}" in config["app.url_pattern"]
    assert config["terminal.id"] != "terminal-01"  # not the default: the file was read


def test_shipped_font_is_the_sc_face_and_covers_the_demo() -> None:
    from fontTools.ttLib import TTFont

    assert find_cjk_font() == SHIPPED_FONT
    font = TTFont(str(SHIPPED_FONT), lazy=True)
    try:
        assert font["name"].getDebugName(1) == "Noto Sans CJK SC"
        cmap = font.getBestCmap()
    finally:
        font.close()
    chars: set[str] = set()
    for src in (DEMO / "sources").rglob("*"):
        if src.suffix in (".md", ".jsonl"):
            chars |= set(src.read_text(encoding="utf-8"))
    missing = {c for c in chars if not c.isspace() and ord(c) >= 0x20 and ord(c) not in cmap}
    assert not missing, "".join(sorted(missing))


def test_find_cjk_font_prefers_the_configured_path(tmp_path: Path) -> None:
    font = tmp_path / "my.ttf"
    font.write_bytes(b"\0")
    assert find_cjk_font(str(font)) == font
    with pytest.raises(ConfigError):
        find_cjk_font(str(tmp_path / "missing.ttf"))


def test_extract_font_finds_the_face_by_name() -> None:
    collection = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not collection.exists():
        pytest.skip("fonts-noto-cjk is not installed (no /usr/share/fonts/opentype/noto)")
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from extract_font import find_face
    finally:
        sys.path.pop(0)
    from fontTools.ttLib import TTFont

    index = find_face(collection)
    face = TTFont(str(collection), fontNumber=index, lazy=True)
    assert face["name"].getDebugName(1) == "Noto Sans CJK SC"
    assert index != 0  # the first face is the Japanese one: the reason for the script
    face.close()


@pytest.mark.slow
def test_build_is_reproducible(tmp_path: Path) -> None:
    """A fresh build from the repository alone gives the committed share byte for byte."""
    out = tmp_path / "share"
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_demo.py"), "--out", str(out)],
                   check=True, capture_output=True, timeout=240)
    # What a demo run writes into the share's status folder (status files, shared OCR results;
    # ignored by git) is not part of the build.
    status_dir = load_config(None)["sync.status_dir"]
    committed = {rel(p): p.read_bytes() for p in SHARE.rglob("*")
                 if p.is_file() and status_dir not in p.relative_to(SHARE).parts}
    built = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sorted(built) == sorted(committed)
    differing = [name for name in committed if committed[name] != built[name]]
    assert not differing, differing


def test_shipped_font_draws_simplified_shapes_unlike_the_first_ttc_face() -> None:
    """门 直 骨 differ between the Japanese and Chinese glyph standards; Kivy would take face 0."""
    collection = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not collection.exists():
        pytest.skip("fonts-noto-cjk is not installed (no /usr/share/fonts/opentype/noto)")
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    def draw(font: ImageFont.FreeTypeFont) -> Image.Image:
        img = Image.new("L", (400, 140), 255)
        ImageDraw.Draw(img).text((10, 10), "门直骨", font=font, fill=0)
        return img

    shipped = draw(ImageFont.truetype(str(SHIPPED_FONT), 100))
    japanese = draw(ImageFont.truetype(str(collection), 100, index=0))
    assert ImageChops.difference(shipped, japanese).getbbox() is not None
    # and it draws exactly what the collection's SC face draws
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from extract_font import find_face
    finally:
        sys.path.pop(0)
    sc_face = draw(ImageFont.truetype(str(collection), 100, index=find_face(collection)))
    assert ImageChops.difference(shipped, sc_face).getbbox() is None
