"""What computing the candidate words' results ahead costs, per code tree, on one library.

    python benchmarks/warm_bench.py LIB [--words 600] [--code TREE ...]

For each tree (a fresh process with ``PYTHONPATH=TREE``, trees one after the other): the
CPU seconds and wall seconds to warm the ``app.warm_words`` commonest vocabulary words as
the app does after a change (``Library.words_to_warm`` then ``Library.warm`` one word at a
time), one word's median and p95, and the peak RSS. Not a test: it never fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path


def phase(lib_path: Path, words: int) -> dict[str, object]:
    import resource
    import time

    import index.analysis as analysis
    from index.config import parse_config
    from index.library import Library

    analysis._jieba()
    with Library.open(lib_path, parse_config("")) as lib:
        todo = lib.words_to_warm(words)
        each = []
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for w in todo:
            t = time.perf_counter()
            lib.warm(w)
            each.append((time.perf_counter() - t) * 1000)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    each.sort()
    return {"words": len(todo), "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
            "word_ms_median": round(each[len(each) // 2], 2), "word_ms_p95": round(each[int(0.95 * (len(each) - 1))], 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("library", type=Path)
    ap.add_argument("--words", type=int, default=600)
    ap.add_argument("--code", type=Path, action="append", help="a checkout to measure (default: this one)")
    ap.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args.library, args.words)))
        return
    out = {}
    for tree in args.code or [Path(__file__).resolve().parent.parent]:
        env = dict(os.environ, PYTHONPATH=str(tree))
        run = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(args.library), "--words",
                              str(args.words), "--phase"], cwd=tree, env=env, capture_output=True, text=True, check=True)
        out[str(tree)] = json.loads(run.stdout.strip().splitlines()[-1])
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
