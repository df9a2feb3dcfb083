"""``kiosk fleet``: one row per terminal from the status files on the share."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

from index.config import Config
from index.ops.fleet import FleetReport, read_fleet


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fleet",
        help="show every terminal's last report (from SHARE/.kiosk-status/)",
        description="Read every terminal's status file on the share and print one row per terminal; "
        "terminals silent for longer than fleet.stale_after_s are flagged STALE.",
    )
    parser.add_argument("--share", help="the share's root folder (default: share.path of the configuration)")
    parser.add_argument("--stale-after", type=float, metavar="SECONDS",
                        help="flag terminals silent for longer (default: fleet.stale_after_s)")
    parser.add_argument("--json", action="store_true", help="print JSON (for tools)")
    parser.set_defaults(func=run)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60}m ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86400}d ago"


def _local(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def format_table(report: FleetReport) -> str:
    header = ["terminal", "location", "last seen", "public", "pending", "rejected", "version", "flag"]
    rows = []
    for r in report.terminals:
        flags = []
        if r.stale:
            flags.append("STALE")
        if r.last_sync_ok is False:
            flags.append("SYNC-FAILED")
        if r.share_ok is False:
            flags.append("NO-SHARE")
        if r.app_up is False:
            flags.append("APP-DOWN")
        rows.append([r.terminal_id, r.location, f"{_local(r.written_at)} ({_age(r.age_s)})", str(r.public_documents),
                     str(r.pending_count), str(r.rejected_count), r.version, ",".join(flags) or "ok"])
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    lines.append(f"{len(report.terminals)} terminal(s), {len(report.stale)} stale "
                 f"(silent > {report.stale_after_s:.0f} s), {len(report.malformed)} malformed status file(s)")
    for m in report.malformed:
        lines.append(f"malformed: {m.path}: {m.reason}")
    return "\n".join(lines)


def run(args: argparse.Namespace, config: Config) -> int:
    share = Path(args.share or config["share.path"])
    stale_after = args.stale_after if args.stale_after is not None else float(config["fleet.stale_after_s"])
    report = read_fleet(share, config["sync.status_dir"], stale_after_s=stale_after)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_table(report))
    return 0
