"""The ``kiosk`` command line.

Each command lives in ``kiosk/commands/<name>.py`` with ``register(subparsers)``;
its handler gets the parsed arguments and the resolved configuration and returns
an exit code. Exit 0 on success, 2 on a usage error, 1 on any other error, always
with a one-line message that says what to do. Importing this module never imports
Kivy.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from index.bounds import QueryTooLong
from index.config import load_config
from index.errors import ConfigError, KioskError

COMMANDS = (
    "search", "candidates", "handwriting", "sync", "index", "status", "app", "doctor", "fleet", "metrics", "report", "hash_pin",
)
OPTIONS_WITH_VALUE = ("--config",)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with one line, as argparse does, plus a hint
        self.exit(2, f"kiosk: {message} (see 'kiosk --help')\n")


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The module of the command ``argv`` names (its first word that is not an option), if any."""
    words = iter(argv)
    for word in words:
        if word in OPTIONS_WITH_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            name = word.replace("-", "_")
            return name if name in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: with a known command, only that command's module is imported
    (``kiosk search`` answers sooner: the others import the health checks, the report's
    charts…); otherwise every command, for the help and the error message."""
    parser = _Parser(prog="kiosk", description="Reading Room Kiosk: archive-bureau document terminals.")
    parser.add_argument("--config", help="configuration file (default /etc/reading-room-kiosk/kiosk.toml, else the demo settings)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    chosen = _chosen_command(argv) if argv is not None else None
    for name in (chosen,) if chosen else COMMANDS:
        importlib.import_module(f"kiosk.commands.{name}").register(sub)
    return parser


def _one_line(exc: KioskError) -> str:
    """The catalogue's sentence, plus the technical detail when the sentence does not carry it."""
    text = exc.message()
    if exc.detail and exc.detail not in text:
        text = f"{text}（{exc.detail}）"
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        try:
            config = load_config(args.config)
        except ConfigError:
            if not getattr(args, "config_optional", False):
                raise
            config = None  # a command that reports a broken configuration itself (doctor)
        return int(args.func(args, config) or 0)
    except ConfigError as exc:
        print(f"kiosk: {_one_line(exc)} (configuration error: fix the file or pass --config)", file=sys.stderr)
        return 2
    except QueryTooLong as exc:  # a usage error: the input, not the library
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except KioskError as exc:
        print(f"kiosk: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return 0
