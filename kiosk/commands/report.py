"""``kiosk report``: the yearly (or any period's) usage report from the anonymous counts.

    kiosk report --library LIB --year 2026
    kiosk report --share SHARE --year 2026 --out ~/报表 --format xlsx,csv,pdf
    kiosk report --share SHARE --from 2026-03-01 --to 2026-05-31
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import date
from pathlib import Path
from typing import Any

from index.config import Config
from index.errors import KioskError
from index.usage.report import (
    FORMATS,
    LibraryCatalogue,
    Sources,
    build_report,
    write_report,
    year_period,
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report",
        help="usage report (spreadsheet, CSV, chart page) for a year or a period",
        description="Make the usage report from the anonymous counts of one terminal's library "
        "(--library) or of every terminal that exported its counts to the share (--share).",
    )
    p.add_argument("--library", type=Path, help="a terminal's library folder (counts in LIB/stats; "
                   "document titles from its catalogue). Default: library.path when --share is not given")
    p.add_argument("--share", type=Path, help="the archive share: counts of all terminals in "
                   "SHARE/.kiosk-status/counts/")
    p.add_argument("--year", type=int, help="calendar year (default: this year)")
    p.add_argument("--from", dest="start", type=_iso_date, metavar="YYYY-MM-DD", help="first day of the period")
    p.add_argument("--to", dest="end", type=_iso_date, metavar="YYYY-MM-DD", help="last day of the period")
    p.add_argument("--out", type=Path, default=Path("."), help="folder for the report files (default: here)")
    p.add_argument("--format", default="xlsx,csv,png",
                   help=f"comma-separated, any of {', '.join(FORMATS)} (default: xlsx,csv,png)")
    p.add_argument("--font", help="Chinese font file for the charts (default: app.font_path, then the "
                   "project's assets/fonts, then the system's)")
    p.set_defaults(func=handler)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-03-01") from None


def _period(args: argparse.Namespace) -> tuple[date, date]:
    if args.year is not None and (args.start or args.end):
        raise _Usage("give either --year or --from/--to, not both")
    if args.year is not None:
        if not 2000 <= args.year <= 2100:
            raise _Usage(f"--year {args.year} is not a plausible year")
        return year_period(args.year)
    if args.start or args.end:
        end = args.end or date.today()
        start = args.start or date(end.year, 1, 1)
        if end < start:
            raise _Usage(f"--to {end} is before --from {start}")
        return start, end
    return year_period(date.today().year)


class _Usage(Exception):
    pass


def handler(args: argparse.Namespace, config: Config) -> int:
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    try:
        unknown = [f for f in formats if f not in FORMATS]
        if unknown or not formats:
            raise _Usage(f"unknown format {', '.join(unknown) or '(none)'}; use {', '.join(FORMATS)}")
        start, end = _period(args)
    except _Usage as exc:
        print(f"kiosk report: {exc} (see 'kiosk report --help')", file=sys.stderr)
        return 2

    sources = Sources()
    library_path = args.library
    if args.share is not None:
        if not args.share.is_dir():
            print(f"kiosk report: share folder {args.share} not found; is it mounted?", file=sys.stderr)
            return 1
        sources.add_share(args.share, config["sync.status_dir"])
    if library_path is None and args.share is None:
        library_path = Path(config["library.path"])
    if args.library is not None and not args.library.is_dir():
        print(f"kiosk report: library folder {args.library} not found; check --library", file=sys.stderr)
        return 1
    if library_path is not None:
        # With --share too, the library's own (fresher) copies are merged: never counted twice.
        sources.add_library(library_path)

    counts = sources.read()
    if not counts.files_read:
        print(f"kiosk report: no usage count files in {', '.join(sources.labels)}; "
              "the report shows zeros (has the app run, has the sync exported counts?)", file=sys.stderr)
    for path, why in counts.problems:
        print(f"kiosk report: skipped unreadable count file {path}: {why}", file=sys.stderr)

    with contextlib.ExitStack() as stack:
        catalogue = None
        catalogue_path = library_path if library_path is not None else Path(config["library.path"])
        if (catalogue_path / "catalogue.sqlite").exists():
            try:
                from index.library import Library

                library = stack.enter_context(Library.open(catalogue_path, config))
                catalogue = LibraryCatalogue(library)
            except (ImportError, KioskError, OSError) as exc:
                print(f"kiosk report: cannot read the catalogue in {catalogue_path} ({exc}); "
                      "documents are shown by id", file=sys.stderr)
        report = build_report(
            counts, start, end, catalogue=catalogue, terminals=sources.terminals,
            locations=sources.locations, sources=sources.labels,
        )
    try:
        written = write_report(report, args.out, formats, font=args.font or config["app.font_path"] or None)
    except OSError as exc:
        print(f"kiosk report: cannot write to {args.out}: {exc.strerror or exc}; choose another --out",
              file=sys.stderr)
        return 1
    print(f"{report.title}: {report.summary['session']} sessions, {report.summary['search']} searches, "
          f"{report.summary['view']} document views, {len(sources.terminals)} terminal(s)")
    for path in written:
        print(path)
    return 0
