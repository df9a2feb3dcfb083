"""``kiosk sync``: bring the share into the library, once (``--once``) or watching."""

from __future__ import annotations

import argparse
from pathlib import Path

from index.config import Config
from index.library import Library
from index.messages import t
from index.sync.reconcile import reconcile_once
from kiosk.commands._common import add_library_arg, library_path, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="copy, extract and index the share's documents into the library")
    p.add_argument("--share", metavar="SHARE", help="the share's folder (default: share.path)")
    add_library_arg(p)
    p.add_argument("--once", action="store_true", help="one pass, then exit (default: keep watching)")
    p.add_argument("--allow-mass-removal", action="store_true", help="let this run remove more than the configured limits")
    p.add_argument("--json", action="store_true", help="print the summary as JSON (with --once)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    share = Path(args.share or config["share.path"])
    if not share.is_dir():
        print(f"kiosk: share folder {share} does not exist or is not mounted; check the mount or pass --share")
        return 1
    root = library_path(args, config)
    if not args.once:
        from index.sync.daemon import run_daemon

        return run_daemon(share, root, config, allow_mass_removal=args.allow_mass_removal)
    with Library.open(root, config, writable=True) as lib:
        summary = reconcile_once(share, lib, config, allow_mass_removal=args.allow_mass_removal)
        if any("in index but not public" in p for p in lib.check_index()):
            lib.rebuild_index()  # entries of a catalogue set aside as damaged (index.recovery)
        counts = lib.counts()
    if args.json:
        print_json({**summary.to_json(), "library": counts})
        return 0
    print(f"added {len(summary.added)}, updated {len(summary.updated)}, moved {len(summary.moved)}, "
          f"removed {len(summary.removed)}, rejected {len(summary.rejected)}, unchanged {summary.unchanged}")
    for a, b in summary.moved:
        print(f"  moved    {a} -> {b}")
    for path, reason in summary.rejected:
        print(f"  rejected {path}: {t('reject.' + reason)}")
    if summary.held_removals:
        print(f"  held: {summary.held_removals} removals not done ({summary.hold_detail}); "
              "check the share, or pass --allow-mass-removal if they are intended")
    print(f"library: {counts['public']} public, {counts['pending']} pending review, {counts['rejected']} rejected")
    return 0
