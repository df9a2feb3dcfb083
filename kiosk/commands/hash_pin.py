"""``kiosk hash-pin``: make the value of ``app.admin_pin_hash`` from a PIN.

The PIN is read without echo (or from stdin when it is not a terminal), never
taken from the command line, so it does not end up in shell history.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from index.ops.adminpin import DEFAULT_ITERATIONS, MIN_PIN_LENGTH, hash_pin


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "hash-pin",
        help="print the app.admin_pin_hash value for an admin PIN (read from the terminal or stdin)",
    )
    p.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS, help="PBKDF2 iterations (default %(default)s)")
    p.set_defaults(func=handle)


def _read_pin() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Admin PIN: ")
        second = getpass.getpass("Again: ")
        if first != second:
            raise SystemExit("kiosk: the two PINs differ; run 'kiosk hash-pin' again")
        return first
    return sys.stdin.readline().strip()


def handle(args: argparse.Namespace, config: object) -> int:
    pin = _read_pin()
    if not pin.isdigit() or len(pin) < MIN_PIN_LENGTH:
        print(f"kiosk: the PIN must be at least {MIN_PIN_LENGTH} digits (the screen has a digit keypad)", file=sys.stderr)
        return 2
    if args.iterations < 1:
        print("kiosk: --iterations must be positive", file=sys.stderr)
        return 2
    print(hash_pin(pin, iterations=args.iterations))
    print(f"Put this line in the [app] table of {getattr(config, 'source', None) or 'kiosk.toml'} as admin_pin_hash.", file=sys.stderr)
    return 0
