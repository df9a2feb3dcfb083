"""The merge of the four sources, strongest first, field by field (see the package doc)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from index.metadata.fields import _FIELDS, _normalize_fields, _squash
from index.metadata.from_path import _path_fields
from index.metadata.from_text import _lines, _text_fields
from index.metadata.gazette import parse_gazette_contents
from index.metadata.sources import (
    _catalogue_for,
    _catalogue_row,
    _catalogue_table,
    read_sidecar,
    sidecar_path,
)
from index.models import DocumentMeta, Extracted

logger = logging.getLogger(__name__)


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
