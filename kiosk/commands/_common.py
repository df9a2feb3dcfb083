"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from index.config import Config


def add_library_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--library", metavar="LIB", help="the terminal's library folder (default: library.path from the configuration)")


def library_path(args: argparse.Namespace, config: Config) -> Path:
    return Path(args.library or config["library.path"])


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
