"""``python -m index.extract [--config FILE] [--json] PATH...``: what extraction makes of files.

For technicians asking why a file was rejected: prints the format, pages,
encoding and the start of the text, or the rejection reason with its Chinese
sentence from the catalogue. Uses the same worker processes and limits as the sync.
Exit status: 0 if every file was read, 1 if any was rejected, 2 on a bad configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from index.config import load_config
from index.errors import ConfigError, ExtractionError
from index.extract._limits import ExtractLimits
from index.extract._pool import ExtractorPool
from index.messages import t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.extract", description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--config", type=Path, default=None, help="configuration file (extract.* limits)")
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    parser.add_argument("--chars", type=int, default=200, help="how much text to show")
    args = parser.parse_args(argv)
    try:
        limits = ExtractLimits.from_config(load_config(args.config))
    except ConfigError as exc:
        print(f"configuration error: {exc.detail}", file=sys.stderr)
        return 2
    status = 0
    with ExtractorPool(1) as pool:
        for path in args.paths:
            try:
                got = pool.extract(path, limits)
            except ExtractionError as exc:
                status = 1
                if args.json:
                    print(json.dumps({"path": str(path), "ok": False, "reason": exc.reason,
                                      "reason_text": t(f"reject.{exc.reason}"), "detail": exc.detail},
                                     ensure_ascii=False))
                else:
                    print(f"{path}: rejected: {exc.reason} ({exc.detail})\n  {t(f'reject.{exc.reason}')}")
                continue
            if args.json:
                print(json.dumps({"path": str(path), "ok": True, **asdict(got)}, ensure_ascii=False))
            else:
                enc = f", encoding {got.encoding}" if got.encoding else ""
                title = f", title hint {got.title_hint!r}" if got.title_hint else ""
                print(f"{path}: {got.format}, {got.page_count} page(s), has_text={got.has_text}{enc}{title}")
                print("  " + got.text[: args.chars].replace("\n", "\n  "))
    return status


if __name__ == "__main__":
    sys.exit(main())
