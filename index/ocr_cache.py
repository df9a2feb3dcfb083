"""OCR results kept by content: in the library, and shared between terminals on the share.

OCR takes seconds a page and every terminal would repeat it for the same file. A
terminal that recognised a scan writes the whole extraction result (text per page,
word boxes, confidence) as one JSON record named by the file's SHA-256:

* ``LIB/ocr/ab/abcdef….json``: always; the viewer reads the word boxes from here;
* ``SHARE/<sync.status_dir>/ocr/ab/abcdef….json``: when the share is writable. This
  folder (and the status files beside it) is the only place on the share a terminal
  ever writes.

A terminal that is about to extract a file with the same checksum reuses a record
after checking it: the record names the checksum of the file it was made from (it must
equal the checksum of the copy just taken) and the checksum of its own payload (a
record cut short or edited by hand is ignored and the file recognised again); the OCR
languages must match. Records are written atomically (temporary file, fsync, rename),
so a reader sees a whole record or none.

``LIB/ocr/low-confidence.json`` lists, per checksum, the pages read below
``extract.ocr_min_confidence``; the status file shows them as ``ocr_low_confidence``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from index.atomic import atomic_write
from index.models import Extracted

log = logging.getLogger(__name__)

SCHEMA = 1
LOCAL_DIR = "ocr"
LOW_CONFIDENCE_NAME = "low-confidence.json"
_HEX = frozenset("0123456789abcdef")


def _payload_digest(extracted: Mapping[str, Any]) -> str:
    canonical = json.dumps(extracted, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class OcrStore:
    """One folder of OCR records named by checksum."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, checksum: str) -> Path:
        if len(checksum) != 64 or not set(checksum) <= _HEX:
            raise ValueError(f"not a SHA-256 hex digest: {checksum!r}")
        return self.root / checksum[:2] / f"{checksum}.json"

    def load(self, checksum: str, languages: str | None = None) -> Extracted | None:
        """The stored result for ``checksum`` when present and sound, else None."""
        path = self.path_for(checksum)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.info("OCR record %s unreadable, ignored: %s", path, exc)
            return None
        if not isinstance(record, dict) or record.get("schema") != SCHEMA:
            return None
        extracted = record.get("extracted")
        if record.get("sha256") != checksum or not isinstance(extracted, dict):
            log.warning("OCR record %s is for another file (%s), ignored", path, record.get("sha256"))
            return None
        if record.get("payload_sha256") != _payload_digest(extracted):
            log.warning("OCR record %s does not match its own checksum (cut short or edited), ignored", path)
            return None
        ocr = extracted.get("ocr") or {}
        if languages is not None and ocr.get("languages") != languages:
            return None
        try:
            return Extracted(**extracted)
        except TypeError:
            return None

    def load_ocr(self, checksum: str) -> dict[str, Any] | None:
        """Only the OCR part (geometry and word boxes) of a stored result."""
        got = self.load(checksum)
        return got.ocr if got is not None else None

    def save(self, checksum: str, extracted: Extracted) -> None:
        """Write the record atomically; raises OSError (a read-only share, a full disk)."""
        payload = asdict(extracted)
        record = {"schema": SCHEMA, "sha256": checksum, "payload_sha256": _payload_digest(payload),
                  "extracted": payload}
        atomic_write(self.path_for(checksum), json.dumps(record, ensure_ascii=False).encode("utf-8"))


class OcrCache:
    """The library's store and, when given, the share's: look up before OCR, write after."""

    def __init__(self, library_root: Path, share_dir: Path | None = None) -> None:
        self.local = OcrStore(Path(library_root) / LOCAL_DIR)
        self.shared = OcrStore(share_dir) if share_dir is not None else None
        self._share_writable = True
        self._lock = threading.Lock()
        self.reused_from_share = 0
        self.recognised = 0

    def extract(self, checksum: str, run: Callable[[], Extracted], languages: str) -> Extracted:
        """The result for a file with ``checksum``: a stored one, else ``run()`` (and store it)."""
        got = self.local.load(checksum, languages)
        if got is not None:
            return got
        if self.shared is not None:
            got = self.shared.load(checksum, languages)
            if got is not None:
                log.info("OCR result %s… reused from the share", checksum[:12])
                self.reused_from_share += 1
                self._keep_local(checksum, got)
                return got
        got = run()
        if got.ocr is not None:
            self.recognised += 1
            self._keep_local(checksum, got)
            self._share(checksum, got)
        return got

    def _keep_local(self, checksum: str, extracted: Extracted) -> None:
        try:
            self.local.save(checksum, extracted)
        except OSError as exc:  # the viewer then shows the page without marks; the text is in the catalogue
            log.warning("cannot keep the OCR result in the library: %s", exc.strerror or exc)
        pages = list((extracted.ocr or {}).get("low_confidence_pages") or [])
        if pages:
            with self._lock:
                self._update_low_confidence(checksum, pages)

    def _share(self, checksum: str, extracted: Extracted) -> None:
        if self.shared is None or not self._share_writable:
            return
        try:
            self.shared.save(checksum, extracted)
        except OSError as exc:
            log.info("OCR result not shared (%s); other terminals will recognise the file themselves",
                     exc.strerror or exc)
            self._share_writable = False

    def _update_low_confidence(self, checksum: str, pages: list[int]) -> None:
        path = self.local.root / LOW_CONFIDENCE_NAME
        table = read_low_confidence(self.local.root.parent)
        table[checksum] = pages
        try:
            atomic_write(path, json.dumps(table, sort_keys=True).encode("utf-8"))
        except OSError as exc:
            log.warning("cannot record low-confidence OCR pages: %s", exc.strerror or exc)


def read_low_confidence(library_root: Path) -> dict[str, list[int]]:
    """checksum -> pages read below extract.ocr_min_confidence (empty when none)."""
    try:
        data = json.loads((Path(library_root) / LOCAL_DIR / LOW_CONFIDENCE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: [int(p) for p in v] for k, v in data.items()} if isinstance(data, dict) else {}


def ocr_for_copy(copy_path: Path) -> dict[str, Any] | None:
    """The OCR record of a library copy (``LIB/files/ab/<sha256>.<ext>``), for the viewer."""
    copy_path = Path(copy_path)
    library_root = copy_path.parent.parent.parent
    try:
        return OcrStore(library_root / LOCAL_DIR).load_ocr(copy_path.stem)
    except ValueError:  # not named by a checksum: not a library copy
        return None
