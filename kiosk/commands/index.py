"""``kiosk index rebuild|check``: the index is derived from the catalogue and the copies."""

from __future__ import annotations

import argparse
import time

from index.config import Config
from index.library import Library
from kiosk.commands._common import add_library_arg, library_path, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="rebuild or check a library's search index")
    p.add_argument("action", choices=("rebuild", "check"))
    add_library_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    root = library_path(args, config)
    if args.action == "rebuild":
        with Library.open(root, config, writable=True) as lib:
            t0 = time.monotonic()
            n = lib.rebuild_index()
            took = time.monotonic() - t0
        if args.json:
            print_json({"rebuilt": n, "seconds": round(took, 2)})
        else:
            print(f"index rebuilt from the catalogue: {n} documents in {took:.1f} s")
        return 0
    with Library.open(root, config) as lib:
        problems = lib.check_index()
        counts = lib.counts()
    if args.json:
        print_json({"ok": not problems, "problems": problems, **counts})
    elif problems:
        print(f"index and catalogue differ ({len(problems)}):")
        for p in problems:
            print(f"  - {p}")
        print("fix: run 'kiosk index rebuild --library LIB'")
    else:
        print(f"index agrees with the catalogue: {counts['public']} public documents")
    return 0 if not problems else 1
