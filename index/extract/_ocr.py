"""OCR with the Tesseract 5 command line: page images -> text, word boxes, confidence.

Why the command line and not a binding: each page is one ``tesseract`` child process
of the extraction worker, so the per-page budget (``extract.ocr_timeout_s``) is a
plain ``subprocess`` timeout that kills just that page, the worker's address-space
limit (RLIMIT_AS) is inherited by Tesseract, and a crash in Tesseract is an exit
status, not a dead worker. A C binding (tesserocr) would need a compiler and
libtesseract-dev on every terminal and cannot be interrupted in the middle of a page;
pytesseract is the same command line behind a wrapper we do not need. Starting the
program costs about 0.3 s a page, next to 2-5 s of recognition.

Per page: small-angle deskew by projection profiles (``_image.estimate_skew``), then
recognition (``--psm 3``) to TSV; when that reads poorly, orientation from OSD
(``--psm 0``) on a reduced copy and, if the page is turned, recognition again. Scans of
250 dpi and more are despeckled first (``_image.despeckle``). The page text is rebuilt from the TSV words (no
spaces between Chinese characters; ASCII punctuation between Chinese characters made
full-width, bracketed years of document numbers as 〔〕), and the words keep their
boxes in the upright image's pixels for the viewer.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from index.errors import ExtractionError
from index.extract._image import OCR_DPI, despeckle, estimate_skew, png_bytes, upright
from index.extract._limits import OCR_LANGUAGES

_OSD_WIDTH = 1200  # OSD reads a reduced page: as reliable, three times faster
_MIN_OSD_CONFIDENCE = 2.0  # below this the OSD guess is ignored (a sparse page)
# OSD costs about 2.5 s a page whatever its size, as much as the recognition: it runs only
# when the upright reading is poor (upside-down Chinese reads at a mean confidence near 30).
OSD_BELOW_CONFIDENCE = 70.0



@dataclass
class OcrPage:
    """One recognised page. Boxes are ``[x, y_top, w, h, text]`` in pixels of the upright image."""

    page: int  # 1-based page of the document
    text: str
    width: int
    height: int
    rotation: int  # clockwise degrees the scan was turned to stand upright (0, 90, 180, 270; OSD's "Rotate")
    skew: float  # degrees (counter-clockwise) applied after the rotation
    confidence: float  # mean word confidence, 0-100, weighted by characters
    words: list[list[Any]] = field(default_factory=list)
    seconds: float = 0.0


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def tesseract_languages() -> list[str]:
    """Languages the installed Tesseract can read (``tesseract --list-langs``)."""
    exe = tesseract_path()
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.stdout.splitlines()[1:] if line.strip()]


def tesseract_version() -> str:
    exe = tesseract_path()
    if exe is None:
        return ""
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip() if first else ""


def _run(args: list[str], image: Image.Image, deadline: float, page: int, timeout_s: float,
         dpi: int | None = None) -> str:
    exe = tesseract_path()
    if exe is None:
        raise ExtractionError("ocr_unavailable", "tesseract is not installed (apt-get install tesseract-ocr)")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one thread a page: the pool already uses both cores
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ExtractionError("timeout", f"OCR of page {page} took longer than extract.ocr_timeout_s={timeout_s:g}")
    with tempfile.NamedTemporaryFile(prefix="kiosk-ocr-", suffix=".png") as tmp:
        tmp.write(png_bytes(image))
        tmp.flush()
        try:
            proc = subprocess.run(
                [exe, tmp.name, "stdout", *(["--dpi", str(dpi)] if dpi else []), *args],
                stdin=subprocess.DEVNULL, capture_output=True, timeout=remaining, env=env, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ExtractionError(
                "timeout", f"OCR of page {page} took longer than extract.ocr_timeout_s={timeout_s:g}"
            ) from exc
        except OSError as exc:
            raise ExtractionError("ocr_unavailable", f"cannot run tesseract: {exc}") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        if any(m in proc.stderr for m in (b"bad_alloc", b"Out of memory", b"Cannot allocate")):
            raise ExtractionError("out_of_memory", f"tesseract ran out of memory on page {page}")
        raise ExtractionError("crashed", f"tesseract failed on page {page} (exit {proc.returncode}): {tail[0]}")
    return proc.stdout.decode("utf-8", "replace")


def detect_rotation(image: Image.Image, deadline: float, page: int, timeout_s: float) -> int:
    """Clockwise degrees the page is turned (0/90/180/270) by Tesseract's OSD; 0 when unsure."""
    scale = min(1.0, _OSD_WIDTH / max(image.width, image.height))
    small = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale)))) \
        if scale < 1 else image
    try:
        out = _run(["--psm", "0", "-l", "osd"], small, deadline, page, timeout_s)
    except ExtractionError as exc:
        if exc.reason == "crashed":  # "Too few characters": a sparse page stays as it is
            return 0
        raise
    found = dict(re.findall(r"^([A-Za-z ]+):\s*([-\d.]+)", out, flags=re.M))
    try:
        rotate = int(float(found.get("Rotate", "0")))
        confidence = float(found.get("Orientation confidence", "0"))
    except ValueError:
        return 0
    if confidence < _MIN_OSD_CONFIDENCE:
        return 0
    return rotate % 360


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"})
_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{_CJK}）)])\s*([,;:?!()])|([,;:?!()])\s*(?=[{_CJK}（(])")
_DOC_NUMBER_YEAR = re.compile(rf"(?<=[{_CJK}])\s*[\[［(（〔【]\s*((?:19|20)\d\d)\s*[\]］)）〕】]\s*(\d{{1,4}})\s*号")


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def tidy_line(tokens: list[str]) -> str:
    """One line from its words: spaces only between two ASCII words; Chinese punctuation."""
    line = ""
    for tok in tokens:
        if line and _is_ascii_word(line[-1]) and _is_ascii_word(tok[0]):
            line += " "
        line += tok
    line = _DOC_NUMBER_YEAR.sub(r"〔\1〕\2号", line)
    return _PUNCT_NEAR_CJK.sub(lambda m: (m.group(1) or m.group(2)).translate(_FULL), line)


def parse_tsv(tsv: str) -> tuple[str, list[list[Any]], float]:
    """(page text, word boxes ``[x, y, w, h, text]``, character-weighted mean confidence)."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    words: list[list[Any]] = []
    conf_sum = 0.0
    chars = 0
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if not header or header[:1] != ["level"]:
        return "", [], 0.0
    for row in reader:
        if len(row) < 12 or row[0] != "5":
            continue
        text = row[11].strip()
        if not text:
            continue
        block, par, line = int(row[2]), int(row[3]), int(row[4])
        lines.setdefault((block, par, line), []).append(text)
        x, y, w, h, conf = int(row[6]), int(row[7]), int(row[8]), int(row[9]), float(row[10])
        words.append([x, y, w, h, text])
        if conf >= 0:
            conf_sum += conf * len(text)
            chars += len(text)
    out: list[str] = []
    last_par: tuple[int, int] | None = None
    for (block, par, _line), tokens in lines.items():
        if last_par is not None and last_par != (block, par):
            out.append("")
        out.append(tidy_line(tokens))
        last_par = (block, par)
    return "\n".join(out).strip("\n"), words, (conf_sum / chars if chars else 0.0)


def is_sideways(words: list[list[Any]]) -> bool:
    """True when most words of two or more characters are stacked vertically (a page on its side)."""
    tall = sum(len(t) for _x, _y, w, h, t in words if len(t) >= 2 and h > 1.5 * w)
    wide = sum(len(t) for _x, _y, w, h, t in words if len(t) >= 2 and w > 1.5 * h)
    return tall > wide


def recognise(image: Image.Image, page: int, timeout_s: float, languages: str = OCR_LANGUAGES,
              dpi: int | None = None) -> OcrPage:
    """OCR one grey-scale page within ``timeout_s`` seconds (OSD, deskew, recognition).

    ``dpi``: the scan's resolution when known (a rendered PDF page, a TIFF that says);
    otherwise Tesseract estimates it from the size of the characters."""
    start = time.monotonic()
    deadline = start + timeout_s
    result = _recognise_turned(image, 0, page, deadline, timeout_s, languages, dpi)
    sideways = is_sideways(result.words)
    if result.confidence < OSD_BELOW_CONFIDENCE or sideways:
        # Upright text reads well; a poor reading may be a page upside down. Tesseract also
        # reads a page on its side, as vertical lines: right text, but a sideways page to show.
        rotation = detect_rotation(image, deadline, page, timeout_s)
        if rotation:
            turned = _recognise_turned(image, rotation, page, deadline, timeout_s, languages, dpi)
            stood_up = sideways and not is_sideways(turned.words) and turned.confidence >= result.confidence - 10
            if turned.confidence > result.confidence or stood_up:
                result = turned
    result.seconds = round(time.monotonic() - start, 2)
    return result


def _recognise_turned(image: Image.Image, rotation: int, page: int, deadline: float, timeout_s: float,
                      languages: str, dpi: int | None) -> OcrPage:
    turned = upright(image, rotation, 0.0)
    skew = estimate_skew(turned)
    level = despeckle(upright(turned, 0, skew), dpi)
    tsv = _run(["--psm", "3", "-l", languages, "tsv"], level, deadline, page, timeout_s, dpi)
    text, words, confidence = parse_tsv(tsv)
    return OcrPage(page, text, level.width, level.height, rotation, skew, round(confidence, 1), words)


def ocr_info(pages: list[OcrPage], min_confidence: float, unrecognised: list[int]) -> dict[str, Any]:
    """The ``Extracted.ocr`` record: per-page geometry and boxes, low-confidence pages."""
    return {
        "engine": tesseract_version(),
        "languages": OCR_LANGUAGES,
        "dpi": OCR_DPI,
        "pages": [
            {"page": p.page, "width": p.width, "height": p.height, "rotation": p.rotation, "skew": p.skew,
             "confidence": p.confidence, "seconds": p.seconds, "words": p.words}
            for p in pages
        ],
        "low_confidence_pages": [p.page for p in pages if p.text.strip() and p.confidence < min_confidence],
        "unrecognised_pages": unrecognised,
    }
