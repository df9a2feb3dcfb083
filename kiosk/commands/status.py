"""``kiosk status``: this terminal's sync status (the same record the sync writes to the share)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from index.config import Config


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("status", help="show this terminal's sync status (Chinese summary; --json for the record)")
    p.add_argument("--library", help="library folder (default: library.path from the configuration)")
    p.add_argument("--json", action="store_true", help="print the status record as JSON (schema 1)")
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace, config: Config) -> int:
    from index.library import Library
    from index.sync.status import SyncState, build_status, read_local, summary_text

    root = Path(args.library or config["library.path"])
    local = read_local(root) or {}
    with Library.open(root, config) as lib:
        status = build_status(lib, config, SyncState())
    # What only the running sync knows comes from its last record in the library.
    for key in ("last_sync_at", "last_sync_ok", "ingest_paused", "share_ok", "notes", "app_up"):
        if key in local:
            status[key] = local[key]
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=1))
    else:
        print(summary_text(status), end="")
    return 0
