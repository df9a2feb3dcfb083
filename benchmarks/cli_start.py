"""``kiosk search`` from process start to the answer printed, as a technician meets it.

    python benchmarks/cli_start.py LIB [--query 信息公开] [--runs 10] [--code DIR ...]

Runs ``kiosk search QUERY --library LIB`` in fresh processes, ``--runs`` times for each code
tree (``--code``, default this checkout), the trees alternating so that a busy moment hits
them alike; one warm-up run each first (jieba's and Python's caches written, as on a terminal
that has answered once). Bytecode is cached as on an installed terminal
(``PYTHONDONTWRITEBYTECODE`` is cleared: it adds the compiling of every module to every
start). Prints one JSON line per tree: median, p95, min and max seconds. Not a test: it never
fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def once(code: Path, library: str, query: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(code)
    argv = ["--config", str(code / "assets" / "demo" / "kiosk.toml"), "search", "--library", library, query]
    program = f"import sys; from kiosk.cli import main; sys.exit(main({argv!r}))"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", program], cwd=code, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("library")
    ap.add_argument("--query", default="信息公开")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--code", action="append", type=Path, help="a checkout to run (repeat to compare)")
    args = ap.parse_args()
    trees = [c.resolve() for c in (args.code or [REPO])]
    times: dict[Path, list[float]] = {t: [] for t in trees}
    for t in trees:
        once(t, args.library, args.query)  # warm-up
    for _ in range(args.runs):
        for t in trees:
            times[t].append(once(t, args.library, args.query))
    for t, values in times.items():
        values.sort()
        print(json.dumps({"code": str(t), "query": args.query, "runs": len(values),
                          "median_s": round(statistics.median(values), 3),
                          "p95_s": round(values[min(len(values) - 1, round(0.95 * (len(values) - 1)))], 3),
                          "min_s": round(values[0], 3), "max_s": round(values[-1], 3)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
