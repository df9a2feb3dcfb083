"""The terminal's sync status: for staff on the share, and for ``kiosk status`` locally.

The daemon writes the same record twice, each atomically (temporary file + rename):

* ``LIB/sync-status.json`` in the library, always (``kiosk status`` reads it);
* ``SHARE/<sync.status_dir>/<terminal-id>.json`` plus a short Chinese summary
  ``<terminal-id>.txt`` when the share is writable (it usually is read-only for
  terminals that only read; then nothing is written there and nothing fails).

Schema 1 (BRIEF.md): schema, terminal_id, location, version, written_at, last_sync_at,
last_sync_ok, public_documents, pending_count, pending[{source_path,title}],
rejected_count, rejected[{source_path,reason,reason_text,detail}], free_disk_mb,
ingest_paused, share_ok, app_up, ocr_low_confidence[{source_path,title,pages}] (scans
read below extract.ocr_min_confidence: still indexed, worth a look); plus ``notes``: Chinese sentences saying why a pass
held removals, why ingestion is paused, or that the index is being rebuilt.
Logs and status name files and reasons, never anything a visitor typed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from index.atomic import atomic_write
from index.messages import t
from index.models import DocumentRecord, Rejection
from index.sync.names import display_name

log = logging.getLogger(__name__)

SCHEMA = 1
LOCAL_STATUS_NAME = "sync-status.json"
# The app's record of wrong admin PINs (index.ops.adminpin.PinGuard.state()), in the library
# folder; the sync copies it into the status file, where staff see it.
PIN_STATE_NAME = "admin-pin.json"
MAX_LISTED = 200  # entries of the pending / rejected lists written out (counts are exact)
SUMMARY_LISTED = 20  # entries of each list in the Chinese summary


class StatusSource(Protocol):
    """What the status needs from a library (``index.library.Library`` provides it)."""

    root: Path

    def counts(self) -> dict[str, int]: ...
    def pending(self) -> list[DocumentRecord]: ...
    def rejections(self) -> list[Rejection]: ...


@dataclass
class SyncState:
    """What only the running sync knows."""

    last_sync_at: float | None = None
    last_sync_ok: bool = False
    ingest_paused: bool = False
    share_ok: bool = True
    notes: list[str] = field(default_factory=list)  # message keys with params: (key, params)
    note_params: dict[str, dict[str, Any]] = field(default_factory=dict)

    def note(self, key: str, **params: Any) -> None:
        if key not in self.notes:
            self.notes.append(key)
        self.note_params[key] = params

    def clear(self, key: str) -> None:
        if key in self.notes:
            self.notes.remove(key)
        self.note_params.pop(key, None)

    def texts(self) -> list[str]:
        return [t(k, **self.note_params.get(k, {})) for k in self.notes]


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _v

    try:
        return _v("reading-room-kiosk")
    except PackageNotFoundError:
        return "0+source"


def free_mb(path: Path) -> int:
    """Free space for unprivileged writers on the disk holding ``path``, MiB (-1 if unknown)."""
    try:
        return int(shutil.disk_usage(path).free // (1024 * 1024))
    except OSError:
        return -1


def build_status(
    library: StatusSource,
    config: Mapping[str, Any],
    state: SyncState | None,
    *,
    now: Callable[[], float] | None = None,
    app_up: bool | None = None,
) -> dict[str, Any]:
    """The status record (schema 1) from the library's catalogue and the sync's state."""
    import time

    state = state or SyncState()
    counts = library.counts()
    pending = library.pending()
    rejected = library.rejections()
    return {
        "schema": SCHEMA,
        "terminal_id": config["terminal.id"],
        "location": config["terminal.location"],
        "version": version(),
        "written_at": _iso((now or time.time)()),
        "last_sync_at": _iso(state.last_sync_at),
        "last_sync_ok": bool(state.last_sync_ok),
        "public_documents": int(counts.get("public", 0)),
        "pending_count": int(counts.get("pending", len(pending))),
        "pending": [
            {"source_path": display_name(r.source_path), "title": r.meta.title}
            for r in pending[:MAX_LISTED]
        ],
        "rejected_count": int(counts.get("rejected", len(rejected))),
        "rejected": [
            {"source_path": display_name(r.source_path), "reason": r.reason,
             "reason_text": _reason_text(r.reason), "detail": display_name(r.detail)}
            for r in rejected[:MAX_LISTED]
        ],
        "free_disk_mb": free_mb(library.root),
        "ingest_paused": bool(state.ingest_paused),
        "share_ok": bool(state.share_ok),
        "app_up": app_up,
        "admin_pin": _admin_pin(library.root, (now or time.time)()),
        "notes": state.texts(),
        "ocr_low_confidence": _low_confidence(library),
    }


def _low_confidence(library: StatusSource) -> list[dict[str, Any]]:
    """Scans read below extract.ocr_min_confidence: their paths and page numbers (for staff)."""
    from index.ocr_cache import read_low_confidence

    table = read_low_confidence(library.root)
    catalogue = getattr(library, "catalogue", None)
    if not table or catalogue is None:
        return []
    out: list[dict[str, Any]] = []
    for checksum, pages in sorted(table.items()):
        for rec in catalogue.by_checksum(checksum):
            out.append({"source_path": display_name(rec.source_path), "title": rec.meta.title, "pages": pages})
    out.sort(key=lambda e: e["source_path"])
    return out[:MAX_LISTED]


def _admin_pin(library_root: Path, now: float) -> dict[str, Any] | None:
    """The app's record of wrong admin PINs (``index.ops.adminpin``), when there were any."""
    record = read_pin_state(library_root)
    if not record or not int(record.get("failures_in_row", 0) or 0):  # type: ignore[call-overload]
        return None
    until = float(record.get("locked_until", 0) or 0)  # type: ignore[arg-type]
    return {"failures_in_row": int(record["failures_in_row"]),  # type: ignore[call-overload]
            "locked_until": _iso(until) if until > now else None, "at": _iso(float(record.get("at", 0) or 0))}  # type: ignore[arg-type]


def _reason_text(reason: str) -> str:
    try:
        return t(f"reject.{reason}")
    except KeyError:
        return reason


def _local_time(iso: str | None) -> str:
    if not iso:
        return ""
    dt = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    return dt.strftime("%Y-%m-%d %H:%M")


def summary_text(status: Mapping[str, Any]) -> str:
    """A short readable Chinese summary of a status record."""
    lines = [
        t("sync.status_title", terminal_id=status["terminal_id"], location=status["location"]),
        t("sync.status_written", time=_local_time(status["written_at"])),
    ]
    if status.get("last_sync_at"):
        key = "sync.status_last_sync_ok" if status.get("last_sync_ok") else "sync.status_last_sync_failed"
        lines.append(t(key, time=_local_time(status["last_sync_at"])))
    else:
        lines.append(t("sync.status_never_synced"))
    lines.append(t("sync.status_counts", public=status["public_documents"], pending=status["pending_count"],
                   rejected=status["rejected_count"]))
    if status.get("free_disk_mb", -1) >= 0:
        lines.append(t("sync.status_disk", free_mb=status["free_disk_mb"]))
    if not status.get("share_ok", True):
        lines.append(t("sync.status_share_down"))
    pin = status.get("admin_pin")
    if pin and pin.get("locked_until"):
        lines.append(t("sync.status_pin_locked", n=pin["failures_in_row"], until=_local_time(pin["locked_until"])))
    elif pin:
        lines.append(t("sync.status_pin_failures", n=pin["failures_in_row"], time=_local_time(pin["at"])))
    lines.extend(status.get("notes", []))
    if status["pending"]:
        lines.append("")
        lines.append(t("sync.status_pending_head"))
        for p in status["pending"][:SUMMARY_LISTED]:
            lines.append(f"  · {p['source_path']}" + (f"（{p['title']}）" if p.get("title") else ""))
        if status["pending_count"] > SUMMARY_LISTED:
            lines.append("  " + t("sync.status_more", n=status["pending_count"] - SUMMARY_LISTED))
    if status.get("ocr_low_confidence"):
        lines.append(t("sync.status_ocr_low_head"))
        for entry in status["ocr_low_confidence"][:SUMMARY_LISTED]:
            pages = "、".join(str(p) for p in entry["pages"])
            lines.append("  " + t("sync.status_ocr_low_item", path=entry["source_path"], pages=pages))
    if status["rejected"]:
        lines.append("")
        lines.append(t("sync.status_rejected_head"))
        for r in status["rejected"][:SUMMARY_LISTED]:
            lines.append(f"  · {r['source_path']}：{r['reason_text']}")
        if status["rejected_count"] > SUMMARY_LISTED:
            lines.append("  " + t("sync.status_more", n=status["rejected_count"] - SUMMARY_LISTED))
    return "\n".join(lines) + "\n"


def _json_bytes(status: Mapping[str, Any]) -> bytes:
    return (json.dumps(status, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write_local(library_root: Path, status: Mapping[str, Any]) -> None:
    atomic_write(Path(library_root) / LOCAL_STATUS_NAME, _json_bytes(status))


def read_local(library_root: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((Path(library_root) / LOCAL_STATUS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class StatusPublisher:
    """Writes the status locally and, when it can, to the share; remembers a read-only share."""

    def __init__(self, share_root: Path, library_root: Path, config: Mapping[str, Any]) -> None:
        self.share_root = Path(share_root)
        self.library_root = Path(library_root)
        self.status_dir = self.share_root / str(config["sync.status_dir"])
        self.terminal_id = str(config["terminal.id"])
        self.marker = str(config["share.marker"])
        self._share_warned = False
        self._mount_dev: int | None = None  # the share's device once it was seen mounted

    def share_mounted(self) -> bool:
        """False when writing would land in a bare mount point: the share was seen as a mount
        (its device differs from its parent's) and its device is not that one now, or a
        share without its marker has no status folder yet (nothing is created there then)."""
        try:
            dev = os.stat(self.share_root).st_dev
            parent_dev = os.stat(self.share_root.parent).st_dev
        except OSError:
            return False
        if dev != parent_dev:
            self._mount_dev = dev
        elif self._mount_dev is not None:
            return False  # it was a mount and is not now (unmounted): the bare mount point
        return (self.share_root / self.marker).exists() or self.status_dir.is_dir()

    def publish(self, status: Mapping[str, Any]) -> bool:
        """Write everywhere possible; True when the share copy was written."""
        try:
            write_local(self.library_root, status)
        except OSError as exc:  # disk full: the terminal keeps serving, the share may still work
            log.warning("cannot write local status file in %s: %s", self.library_root, exc.strerror or exc)
        if not status.get("share_ok", True) or not self.share_mounted():
            return False
        try:
            atomic_write(self.status_dir / f"{self.terminal_id}.json", _json_bytes(status))
            atomic_write(self.status_dir / f"{self.terminal_id}.txt", summary_text(status).encode("utf-8"))
        except OSError as exc:
            if not self._share_warned:
                log.info("status not written to the share (%s); continuing", exc.strerror or exc)
                self._share_warned = True
            return False
        self._share_warned = False
        return True

    def export_counts(self) -> bool:
        """Copy the anonymous usage counts (``LIB/stats``) to SHARE/<status_dir>/counts/<terminal-id>/."""
        from index.usage.counts import export_counts

        if not (self.library_root / "stats").is_dir():
            return False
        try:
            export_counts(self.library_root / "stats", self.status_dir, self.terminal_id)
        except (OSError, ValueError) as exc:
            log.info("usage counts not exported to the share: %s", exc)
            return False
        return True


def write_pin_state(library_root: Path, state: Mapping[str, object]) -> None:
    """Keep the admin-PIN guard's record in the library folder for the status file."""
    atomic_write(Path(library_root) / PIN_STATE_NAME, json.dumps(dict(state)))


def read_pin_state(library_root: Path) -> dict[str, object] | None:
    try:
        data = json.loads((Path(library_root) / PIN_STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
