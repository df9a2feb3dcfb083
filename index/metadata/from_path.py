"""Metadata read from where a document lies: kind from the top folder, gazette year and issue, a date or 文号 in the file name, the title from the file name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from index.docnumber import parse_doc_number
from index.metadata.fields import _light, _nfkc, parse_date
from index.models import KINDS

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
