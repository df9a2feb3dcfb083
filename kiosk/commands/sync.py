"""``kiosk sync``: bring the share into the library, once (``--once``) or watching."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from index.config import Config


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("sync", help="sync the share into the library (watching; --once for one pass)")
    p.add_argument("--share", help="the share's mount point (default: share.path)")
    p.add_argument("--library", help="the library folder (default: library.path)")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--allow-mass-removal", action="store_true",
                   help="let this run remove more documents than sync.max_removal_fraction/count allow")
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace, config: Config) -> int:
    share = Path(args.share or config["share.path"])
    library = Path(args.library or config["library.path"])
    if args.allow_mass_removal:
        config = config.with_overrides({"sync.allow_mass_removal": True})
    if args.once:
        # INTEGRATION POINT: the lead's one-shot pass.
        from index.sync.reconcile import reconcile_once

        from index.library import Library

        with Library.open(library, config, writable=True) as lib:
            summary = reconcile_once(share, lib, config)
        print(summary)
        return 0
    from index.sync.daemon import run_daemon

    return run_daemon(share, library, config)
