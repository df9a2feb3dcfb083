"""All terminals at a glance: read every status file in ``SHARE/.kiosk-status/``.

The sync daemon of each terminal writes ``<terminal-id>.json`` there (schema 1,
see docs/ARCHITECTURE.md and BRIEF). A malformed file is reported with the
reason, never fatal; a terminal that has not written for ``fleet.stale_after_s``
is flagged stale.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from index.errors import ShareUnavailable


def parse_time(value: Any) -> float | None:
    """Seconds since the epoch for an ISO 8601 time with a zone; None for anything else."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()


SCHEMA = 1
_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "terminal_id": str,
    "written_at": str,
    "public_documents": int,
    "pending_count": int,
    "rejected_count": int,
}


@dataclass
class TerminalRow:
    terminal_id: str
    location: str
    version: str
    written_at: str
    age_s: float
    last_sync_at: str | None
    last_sync_ok: bool | None
    public_documents: int
    pending_count: int
    rejected_count: int
    free_disk_mb: int | None
    share_ok: bool | None
    app_up: bool | None
    stale: bool
    path: str


@dataclass
class Malformed:
    path: str
    reason: str


@dataclass
class FleetReport:
    status_dir: str
    stale_after_s: float
    terminals: list[TerminalRow] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)

    @property
    def stale(self) -> list[TerminalRow]:
        return [row for row in self.terminals if row.stale]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status_dir": self.status_dir,
            "stale_after_s": self.stale_after_s,
            "terminals": [asdict(r) for r in self.terminals],
            "malformed": [asdict(m) for m in self.malformed],
            "stale_count": len(self.stale),
        }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_status(path: Path, text: str, now: float, stale_after_s: float) -> TerminalRow:
    """One status file -> a row; raises ValueError with a short reason when malformed."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("schema") != SCHEMA:
        raise ValueError(f"unknown schema {data.get('schema')!r} (expected {SCHEMA})")
    for key, kind in _REQUIRED.items():
        if key not in data:
            raise ValueError(f"missing field '{key}'")
        value = data[key]
        if (kind is int and not _is_int(value)) or (kind is not int and not isinstance(value, kind)):
            raise ValueError(f"field '{key}' has the wrong type ({type(value).__name__})")
    written = parse_time(data["written_at"])
    if written is None:
        raise ValueError(f"written_at {data['written_at']!r} is not an ISO 8601 time with a zone")
    age = now - written
    return TerminalRow(
        terminal_id=data["terminal_id"],
        location=str(data.get("location") or ""),
        version=str(data.get("version") or ""),
        written_at=data["written_at"],
        age_s=round(age, 1),
        last_sync_at=data.get("last_sync_at") if isinstance(data.get("last_sync_at"), str) else None,
        last_sync_ok=data.get("last_sync_ok") if isinstance(data.get("last_sync_ok"), bool) else None,
        public_documents=data["public_documents"],
        pending_count=data["pending_count"],
        rejected_count=data["rejected_count"],
        free_disk_mb=data.get("free_disk_mb") if _is_int(data.get("free_disk_mb")) else None,
        share_ok=data.get("share_ok") if isinstance(data.get("share_ok"), bool) else None,
        app_up=data.get("app_up") if isinstance(data.get("app_up"), bool) else None,
        stale=age > stale_after_s,
        path=str(path),
    )


def read_fleet(share: Path, status_dir: str = ".kiosk-status", *, stale_after_s: float = 3600.0,
               now: float | None = None) -> FleetReport:
    """Every terminal's status on the share; raises ShareUnavailable when the folder is missing."""
    now = time.time() if now is None else now
    folder = Path(share) / status_dir
    if not folder.is_dir():
        raise ShareUnavailable(
            f"no status folder {folder}: is the share mounted, and has any terminal synced yet?",
            path=str(folder),
        )
    report = FleetReport(str(folder), stale_after_s)
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith(".") or not path.is_file():
            continue  # a writer's temporary file, or not a file at all
        try:
            text = path.read_text(encoding="utf-8")
            row = parse_status(path, text, now, stale_after_s)
        except UnicodeDecodeError:
            report.malformed.append(Malformed(str(path), "not UTF-8 text"))
            continue
        except OSError as exc:
            report.malformed.append(Malformed(str(path), f"cannot read: {exc.strerror or exc}"))
            continue
        except ValueError as exc:
            report.malformed.append(Malformed(str(path), str(exc)))
            continue
        if row.terminal_id != path.stem:
            report.malformed.append(Malformed(str(path), f"terminal_id '{row.terminal_id}' does not match the file name"))
            continue
        report.terminals.append(row)
    return report
