"""``kiosk doctor``: one line per check (✔/✘, what is wrong, how to fix it); exit 0 only if all pass."""

from __future__ import annotations

import argparse
import json
import sys

from index.messages import t
from index.ops.health import run_checks


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check this terminal (config, display, font, share, library, disk, clock, sync, printer)",
        description="Check this terminal and say how to fix what is wrong. Exit status 0 only when every check passes.",
    )
    parser.add_argument("--json", action="store_true", help="print the checks as JSON (for tools)")
    # The doctor reports a broken configuration itself instead of stopping on it.
    parser.set_defaults(func=run, config_optional=True)


def run(args: argparse.Namespace, config: object) -> int:
    checks = run_checks(args.config)
    failed = [c for c in checks if not c.ok]
    if args.json:
        json.dump({"ok": not failed, "checks": [c.to_dict() for c in checks]}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for check in checks:
            print(check.line())
        if failed:
            print(t("doctor.summary_failed", failed=len(failed), total=len(checks)))
        else:
            print(t("doctor.summary_ok", total=len(checks)))
    return 0 if not failed else 1
