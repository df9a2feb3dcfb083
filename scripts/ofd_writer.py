"""A small writer of text OFD files (GB/T 33190-2016), enough for the demo share.

easyofd (PyPI) reads OFD and converts PDF or images to OFD as page images only
(its README: "pdf转ofd-暂不支持电子解析"), so it cannot make an OFD with a text
layer; this module writes one:

    OFD.xml                         document list (DocBody, DocInfo, DocRoot)
    Doc_0/Document.xml              CommonData (page area, MaxUnitID, PublicRes), Pages
    Doc_0/PublicRes.xml             Fonts -> the embedded font file
    Doc_0/Res/<font file>           the font (a subset of Noto Sans CJK SC)
    Doc_0/Pages/Page_N/Content.xml  Layer -> TextObject -> TextCode (X, Y, DeltaX), PathObject

Units are millimetres, origin top-left, as the standard says. Output is
deterministic: fixed zip timestamps, fixed member order, no clock.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

NS = "http://www.ofdspec.org/2016"
ZIP_DATE = (2012, 1, 1, 0, 0, 0)


@dataclass
class OfdText:
    """One line of text: baseline at (x, y) mm from the top-left, advances per character in mm."""

    x: float
    y: float
    text: str
    size: float  # font size, mm
    advances: Sequence[float]  # one per character
    color: tuple[int, int, int] = (0, 0, 0)
    bold: bool = False


@dataclass
class OfdLine:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.5
    color: tuple[int, int, int] = (0, 0, 0)


@dataclass
class OfdPage:
    texts: list[OfdText] = field(default_factory=list)
    lines: list[OfdLine] = field(default_factory=list)


def _num(v: float) -> str:
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _color(c: tuple[int, int, int]) -> str:
    return " ".join(str(v) for v in c)


def _page_xml(page: OfdPage, next_id: int, font_id: int) -> tuple[str, int]:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{NS}"><ofd:Content>']
    parts.append(f'<ofd:Layer ID="{next_id}">')
    next_id += 1
    for t in page.texts:
        width = sum(t.advances)
        boundary = f"{_num(t.x)} {_num(t.y - t.size)} {_num(width + t.size)} {_num(t.size * 1.4)}"
        weight = ' Weight="700"' if t.bold else ""
        deltas = " ".join(_num(a) for a in t.advances[:-1])
        delta_attr = f" DeltaX={quoteattr(deltas)}" if deltas else ""
        parts.append(
            f'<ofd:TextObject ID="{next_id}" Boundary="{boundary}" Font="{font_id}" Size="{_num(t.size)}"{weight}>'
            f'<ofd:FillColor Value="{_color(t.color)}"/>'
            f'<ofd:TextCode X="0" Y="{_num(t.size)}"{delta_attr}>{escape(t.text)}</ofd:TextCode>'
            "</ofd:TextObject>"
        )
        next_id += 1
    for ln in page.lines:
        x0, y0 = min(ln.x1, ln.x2), min(ln.y1, ln.y2)
        w, h = abs(ln.x2 - ln.x1), abs(ln.y2 - ln.y1)
        parts.append(
            f'<ofd:PathObject ID="{next_id}" Boundary="{_num(x0)} {_num(y0 - ln.width)} {_num(w)} {_num(h + 2 * ln.width)}" '
            f'LineWidth="{_num(ln.width)}" Stroke="true" Fill="false">'
            f'<ofd:StrokeColor Value="{_color(ln.color)}"/>'
            f"<ofd:AbbreviatedData>M {_num(ln.x1 - x0)} {_num(ln.y1 - y0 + ln.width)} "
            f"L {_num(ln.x2 - x0)} {_num(ln.y2 - y0 + ln.width)}</ofd:AbbreviatedData></ofd:PathObject>"
        )
        next_id += 1
    parts.append("</ofd:Layer></ofd:Content></ofd:Page>\n")
    return "".join(parts), next_id


def write_ofd(
    dest: Path,
    pages: Sequence[OfdPage],
    *,
    font_bytes: bytes,
    font_name: str,
    title: str,
    author: str,
    creation_date: str,  # YYYY-MM-DD
    doc_id: str,
    page_size_mm: tuple[float, float] = (210.0, 297.0),
) -> None:
    """Write an OFD package with one document; the text of each TextCode is extractable."""
    font_id = 1
    next_id = 2
    page_entries: list[tuple[int, str, str]] = []
    for n, page in enumerate(pages):
        page_id = next_id
        next_id += 1
        xml, next_id = _page_xml(page, next_id, font_id)
        page_entries.append((page_id, f"Pages/Page_{n}/Content.xml", xml))
    font_file = "font_1.otf"
    ofd_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD">'
        "<ofd:DocBody><ofd:DocInfo>"
        f"<ofd:DocID>{escape(doc_id)}</ofd:DocID><ofd:Title>{escape(title)}</ofd:Title>"
        f"<ofd:Author>{escape(author)}</ofd:Author><ofd:CreationDate>{creation_date}</ofd:CreationDate>"
        "<ofd:Creator>reading-room-kiosk scripts/ofd_writer.py</ofd:Creator>"
        "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>\n"
    )
    pages_xml = "".join(f'<ofd:Page ID="{pid}" BaseLoc="{loc}"/>' for pid, loc, _ in page_entries)
    document_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="{NS}">'
        f"<ofd:CommonData><ofd:MaxUnitID>{next_id - 1}</ofd:MaxUnitID>"
        f"<ofd:PageArea><ofd:PhysicalBox>0 0 {_num(page_size_mm[0])} {_num(page_size_mm[1])}</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{pages_xml}</ofd:Pages></ofd:Document>\n"
    )
    public_res_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
        f'<ofd:Font ID="{font_id}" FontName={quoteattr(font_name)} FamilyName={quoteattr(font_name)}>'
        f"<ofd:FontFile>{font_file}</ofd:FontFile></ofd:Font></ofd:Fonts></ofd:Res>\n"
    )
    members: list[tuple[str, bytes]] = [
        ("OFD.xml", ofd_xml.encode("utf-8")),
        ("Doc_0/Document.xml", document_xml.encode("utf-8")),
        ("Doc_0/PublicRes.xml", public_res_xml.encode("utf-8")),
        (f"Doc_0/Res/{font_file}", font_bytes),
    ]
    members += [(f"Doc_0/{loc}", xml.encode("utf-8")) for _, loc, xml in page_entries]
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
