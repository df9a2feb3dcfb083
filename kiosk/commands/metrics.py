"""``kiosk metrics``: write the kiosk_* gauges for node_exporter's textfile collector (atomically)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from index.config import Config
from index.ops.health import METRICS_FILE, collect_metrics, metrics_text, write_textfile

DEFAULT_TEXTFILE_DIR = Path("/var/lib/prometheus/node-exporter")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "metrics",
        help="write kiosk_* metrics for node_exporter (textfile collector)",
        description="Write seconds since last sync, public/pending/rejected counts and app up as a .prom file, "
        "atomically (temp file + rename). Run by the reading-room-kiosk-metrics timer.",
    )
    parser.add_argument("--textfile-dir", type=Path, default=DEFAULT_TEXTFILE_DIR,
                        help=f"node_exporter's --collector.textfile.directory (default {DEFAULT_TEXTFILE_DIR})")
    parser.add_argument("--stdout", action="store_true", help="print instead of writing the file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    text = metrics_text(collect_metrics(config), config["terminal.id"])
    if args.stdout:
        sys.stdout.write(text)
    else:
        write_textfile(args.textfile_dir / METRICS_FILE, text)
    return 0
