"""``kiosk candidates``: Chinese words of the library for Latin letters (the keyboard's candidate bar)."""

from __future__ import annotations

import argparse

from index.bounds import QueryBounds
from index.config import Config
from index.library import Library
from kiosk.commands._common import add_library_arg, library_path, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("candidates", help="Chinese words for pinyin letters, e.g. xxgk -> 信息公开")
    add_library_arg(p)
    p.add_argument("--limit", type=int, default=12)
    p.add_argument("--json", action="store_true")
    p.add_argument("letters")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    QueryBounds.from_config(config).check(args.letters)  # too long: exit 2 (kiosk.cli)
    with Library.open(library_path(args, config), config) as lib:
        words = lib.candidates(args.letters, limit=args.limit)
    if args.json:
        print_json({"letters": args.letters, "candidates": words})
    else:
        print(" ".join(words) if words else "（没有候选词）")
    return 0
