"""``kiosk app``: the full-screen touchscreen app.

Kivy is imported only inside the handler, after the KIVY_*/SDL_* variables are set,
so ``import kiosk.cli`` never loads Kivy.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("app", help="start the touchscreen app (full screen, locked down)")
    p.add_argument("--library", help="library folder (default: the library.path setting)")
    p.add_argument("--config", default=argparse.SUPPRESS, help="configuration file (same as 'kiosk --config')")
    p.add_argument("--windowed", action="store_true", help="a normal window instead of full screen (for development)")
    p.add_argument("--size", help="window size WIDTHxHEIGHT, e.g. 1080x1920 (overrides app.width/app.height)")
    p.set_defaults(func=handle)


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"kiosk: --size must look like 1920x1080, not {text!r}") from None
    return w, h


def handle(args: argparse.Namespace, config: Any) -> int:
    overrides: dict[str, Any] = {}
    if args.windowed:
        overrides["app.fullscreen"] = False
    if args.size:
        overrides["app.width"], overrides["app.height"] = _parse_size(args.size)
    if overrides:
        config = config.with_overrides(overrides)
    library = Path(args.library) if args.library else Path(config["library.path"])
    from kiosk.app.launch import run_app

    return run_app(config, library)
