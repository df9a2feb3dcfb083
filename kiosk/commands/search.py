"""``kiosk search``: the same search a visitor gets, for tools and technicians."""

from __future__ import annotations

import argparse

from index.bounds import QueryBounds
from index.config import Config
from index.library import Library
from index.models import CURRENT_VALIDITY, Filters
from index.search import strip_marks
from kiosk.commands._common import add_library_arg, library_path, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="search a library (as the app does)")
    add_library_arg(p)
    p.add_argument("--kind", help="规范性文件 | 政府公报 | 法律法规 | 其他")
    p.add_argument("--year", type=int)
    p.add_argument("--issuer")
    p.add_argument("--topic")
    p.add_argument("--valid-only", action="store_true", help="only documents in force (有效)")
    p.add_argument("--newest", action="store_true", help="newest first instead of relevance")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true", help="one JSON object (the stable contract: see README)")
    p.add_argument("query", nargs="?", default="", help="words, pinyin, or a 文号; empty lists everything")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    QueryBounds.from_config(config).check(args.query)  # too long: exit 2 (kiosk.cli), before any work
    filters = Filters(kind=args.kind, year=args.year, issuer=args.issuer, topic=args.topic, valid_only=args.valid_only)
    with Library.open(library_path(args, config), config) as lib:
        res = lib.search(args.query, filters, limit=max(args.limit, 1), sort="newest" if args.newest else "relevance")
    if args.json:
        print_json(res.to_json())
        return 0
    print(f"{res.total} 个结果" + (f"（按“{res.corrected_query}”查找）" if res.corrected_query else ""))
    for n, h in enumerate(res.hits, 1):
        badge = "" if h.validity == CURRENT_VALIDITY else f" [{h.validity}]"
        print(f"{n:>3}. {h.title}{badge}")
        print(f"     {h.doc_number or '-'} | {h.issuer or '-'} | {h.date or '-'} | {h.source_path}")
        if h.snippet:
            print(f"     {strip_marks(h.snippet)}")
    if res.suggestions:
        print("您是不是要找：" + "、".join(res.suggestions))
    return 0
