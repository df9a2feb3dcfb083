"""``kiosk status``: this terminal's sync status (the same record the sync writes to the share)."""

from __future__ import annotations

import argparse

from index.config import Config
from kiosk.commands._common import add_library_arg, library_path, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="this terminal's sync status (Chinese summary; --json for the record)")
    add_library_arg(p)
    p.add_argument("--json", action="store_true", help="print the status record as JSON (schema 1)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from index.library import Library
    from index.sync.status import SyncState, build_status, read_local, summary_text

    root = library_path(args, config)
    local = read_local(root) or {}
    with Library.open(root, config) as lib:
        status = build_status(lib, config, SyncState())
    # What only the running sync knows comes from its last record in the library.
    for key in ("last_sync_at", "last_sync_ok", "ingest_paused", "share_ok", "notes", "app_up"):
        if key in local:
            status[key] = local[key]
    if args.json:
        print_json(status)
    else:
        print(summary_text(status), end="")
    return 0
