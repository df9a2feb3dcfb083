"""The files staff write about documents: sidecars (``NAME.EXT.json``) and folder spreadsheets (``目录.xlsx`` …), with a cache of parsed spreadsheets and the signature that says when either changed."""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from index.metadata.fields import _FILE_NAME_HEADERS, _nfkc, _normalize_fields, _squash

logger = logging.getLogger(__name__)


# Metadata files that belong to a folder, not documents of their own (the sync skips them).
FOLDER_CATALOGUE_NAMES: frozenset[str] = frozenset({"目录.xlsx", "catalog.csv", "目录.csv", "catalog.xlsx"})

# Folder catalogues, in order of preference when a folder has more than one.
CATALOGUE_NAMES: tuple[str, ...] = tuple(
    sorted(FOLDER_CATALOGUE_NAMES, key=lambda n: (not n.endswith(".xlsx"), not n.startswith("目录")))
)


def sidecar_path(document: Path) -> Path:
    """``通知.pdf`` -> ``通知.pdf.json``."""
    return document.with_name(document.name + ".json")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8/gb18030", data, 0, min(len(data), 1), "neither UTF-8 nor GBK")


def read_sidecar(path: Path) -> dict[str, Any]:
    """The normalised fields of a sidecar; raises ValueError/OSError when it cannot be used."""
    data = json.loads(_decode(path.read_bytes()))
    if not isinstance(data, dict):
        raise ValueError(f"top level is {type(data).__name__}, not an object")
    return _normalize_fields(data, str(path))


# -- source 2: the folder catalogue ----------------------------------------------------

_CACHE_MAX = 256
_cache_lock = threading.Lock()
# (path, mtime_ns, size) -> {file name or stem: raw row}
_catalogue_cache: OrderedDict[tuple[str, int, int], dict[str, dict[str, Any]]] = OrderedDict()


def clear_catalogue_cache() -> None:
    with _cache_lock:
        _catalogue_cache.clear()


def _rows_to_table(rows: Iterable[Sequence[Any]]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    header: list[str] | None = None
    name_col = -1
    for row in rows:
        cells = ["" if c is None else c for c in row]
        if header is None:
            labels = [_squash(_nfkc(str(c))).lower() for c in cells]
            for wanted in _FILE_NAME_HEADERS:
                if wanted in labels:
                    header, name_col = [_squash(_nfkc(str(c))) for c in cells], labels.index(wanted)
                    break
            continue
        if name_col >= len(cells):
            continue
        name = _nfkc(str(cells[name_col])).strip()
        if not name:
            continue
        record = {header[i]: cells[i] for i in range(min(len(header), len(cells))) if header[i] and i != name_col}
        table[name] = record
    if header is None:
        raise ValueError("no header row with a 文件名 column in the first rows")
    return table


def _read_xlsx(path: Path) -> dict[str, dict[str, Any]]:
    import openpyxl  # a dependency; imported here so that text-only use stays light

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        return _rows_to_table(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def _read_csv(path: Path) -> dict[str, dict[str, Any]]:
    text = _decode(path.read_bytes())
    first = text.splitlines()[0] if text else ""
    delimiter = max(",\t;，", key=first.count) if first else ","
    if delimiter == "，":  # a full-width comma is not a CSV delimiter csv can take as quoted
        text, delimiter = text.replace("，", ","), ","
    return _rows_to_table(csv.reader(io.StringIO(text), delimiter=delimiter))


def _catalogue_table(path: Path) -> dict[str, dict[str, Any]]:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _catalogue_cache.get(key)
        if cached is not None:
            _catalogue_cache.move_to_end(key)
            return cached
    table = _read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_csv(path)
    logger.debug("read folder catalogue %s: %d rows", path, len(table))
    with _cache_lock:
        for old in [k for k in _catalogue_cache if k[0] == key[0]]:
            del _catalogue_cache[old]
        _catalogue_cache[key] = table
        while len(_catalogue_cache) > _CACHE_MAX:
            _catalogue_cache.popitem(last=False)
    return table


def _catalogue_for(document: Path) -> Path | None:
    for name in CATALOGUE_NAMES:
        candidate = document.parent / name
        if candidate.is_file():
            return candidate
    return None


def _catalogue_row(table: Mapping[str, dict[str, Any]], document: Path) -> dict[str, Any] | None:
    name = _nfkc(document.name)
    stem = _nfkc(document.stem)
    for key in (name, stem):
        if key in table:
            return table[key]
    lowered = {k.lower(): v for k, v in table.items()}
    for key in (name.lower(), stem.lower()):
        if key in lowered:
            return lowered[key]
    return None


def metadata_inputs(rel_path: str, share_root: Path) -> list[Path]:
    """Files besides the document that its metadata comes from (sidecar, folder catalogue).

    The sync should treat a change of any of them (mtime/size) as a change of the document.
    """
    document = share_root / rel_path
    inputs = [p for p in (sidecar_path(document), _catalogue_for(document)) if p is not None and p.is_file()]
    return inputs


# -- source 3: the text ------------------------------------------------------------------


def _stat_part(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "-"
    return f"{st.st_mtime_ns}/{st.st_size}"


def metadata_signature(document: Path) -> str:
    """Changes when the document's sidecar or folder catalogue changes (mtime and size of
    each possible file, "-" when absent): store it with the document, re-derive on change."""
    return ":".join(_stat_part(p) for p in (sidecar_path(document), *(document.parent / n for n in CATALOGUE_NAMES)))


class FolderSignatures:
    """``metadata_signature`` for the documents of one folder whose names are already listed
    (a scan's ``os.walk``): only a sidecar or catalogue that exists is stat'ed, a catalogue
    once per folder, instead of five calls per document. Same strings as the function."""

    def __init__(self, folder: Path, names: Iterable[str]) -> None:
        self.folder = folder
        self.names = frozenset(names)
        self._parts: dict[str, str] = {}

    def _part(self, name: str) -> str:
        if name not in self.names:
            return "-"
        part = self._parts.get(name)
        if part is None:
            part = self._parts[name] = _stat_part(self.folder / name)
        return part

    def signature(self, document_name: str) -> str:
        return ":".join([self._part(document_name + ".json"), *(self._part(n) for n in CATALOGUE_NAMES)])


# -- review -----------------------------------------------------------------------------------
