"""``kiosk handwriting``: recognise written characters (JSON Lines in, JSON Lines out).

Each input line is a character ``{"width": W, "height": H, "strokes": [[[x, y], ...], ...]}``
(screen coordinates, y down) or a sequence ``{"sequence": [character, ...]}`` written one
after another. Each output line, in order: ``{"candidates": [...]}`` for a character (best
first, reranked by the library), ``{"candidates": [...], "words": [...]}`` for a sequence
(the last character's candidates, and the library's words the sequence spells). A bad line
gets ``{"error": "..."}`` in its place and exit status 1 at the end; the others are answered.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from index.config import Config
from index.errors import KioskError
from index.handwriting import Character, Lexicon, lexicon_for, shared_recognizer
from index.library import Library
from kiosk.commands._common import add_library_arg, library_path

LIMIT = 12


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("handwriting", help="recognise handwritten characters (JSON Lines of strokes; - for stdin)")
    add_library_arg(p)
    p.add_argument("--json", action="store_true", help="JSON Lines output (the default; accepted for symmetry)")
    p.add_argument("--limit", type=int, default=LIMIT, help=f"candidates per line (default {LIMIT})")
    p.add_argument("file", metavar="FILE", help="JSON Lines of characters or sequences, '-' for stdin")
    p.set_defaults(func=run)


def answer(line: str, lexicon: Lexicon, limit: int) -> dict[str, Any]:
    data = json.loads(line)
    rec = shared_recognizer()
    if isinstance(data, dict) and "sequence" in data:
        seq = data["sequence"]
        if not isinstance(seq, list) or not seq:
            raise ValueError("a sequence is a non-empty list of characters")
        reading = lexicon.read_sequence(rec, [Character.from_json(c) for c in seq], limit=limit)
        return {"candidates": reading.candidates, "words": reading.words}
    ranked = lexicon.rerank(rec.classify(Character.from_json(data), 100))
    return {"candidates": [ch for ch, _ in ranked[:limit]]}


def _lines(path: str) -> TextIO:
    return sys.stdin if path == "-" else open(path, encoding="utf-8")  # closed by run()


def run(args: argparse.Namespace, config: Config) -> int:
    shared_recognizer()  # the model first: a missing package is one clear message, before any line
    with Library.open(library_path(args, config), config) as lib:
        lexicon = lexicon_for(lib)
    try:
        stream = _lines(args.file)
    except OSError as exc:
        raise KioskError(f"cannot read {args.file}: {exc.strerror}") from exc
    failed = 0
    try:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                out = answer(line, lexicon, args.limit)
            except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
                failed += 1
                out = {"error": f"line {n}: {exc}"}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    finally:
        if stream is not sys.stdin:
            stream.close()
    if failed:
        print(f"kiosk: {failed} line(s) could not be read as characters (see their error lines)", file=sys.stderr)
    return 1 if failed else 0
