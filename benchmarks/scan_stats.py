"""What one reconcile scan of a share costs: file-system calls and seconds per pass.

    python benchmarks/scan_stats.py [--files 10000] [--per-folder 100] [--sidecars 0.2]

Writes a share of small text files (``--per-folder`` to a folder, a sidecar for a share of
them, a folder catalogue in every fifth folder), then runs ``index.sync.reconcile.scan_share``
three times, counting every ``os.stat`` and ``os.lstat`` call it makes. Prints one JSON object:
calls per pass and per file, median seconds per pass. Run it with ``PYTHONPATH=TREE`` (by
path) to measure another checkout. Not a test: it never fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path


def write_share(root: Path, files: int, per_folder: int, sidecars: float) -> None:
    rng = random.Random(5)
    for i in range(files):
        folder = root / f"部门{i // per_folder:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        doc = folder / f"文件{i:05d}.txt"
        doc.write_text(f"关于第{i}号事项的通知\n正文。", encoding="utf-8")
        if rng.random() < sidecars:
            (folder / (doc.name + ".json")).write_text(json.dumps({"title": f"通知{i}"}, ensure_ascii=False),
                                                        encoding="utf-8")
        if i % per_folder == 0 and (i // per_folder) % 5 == 0:
            (folder / "catalog.csv").write_text("文件名,标题\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--per-folder", type=int, default=100)
    ap.add_argument("--sidecars", type=float, default=0.2)
    args = ap.parse_args()
    from index.sync import reconcile

    with tempfile.TemporaryDirectory(prefix="kiosk-scan-") as tmp:
        share = Path(tmp) / "share"
        write_share(share, args.files, args.per_folder, args.sidecars)
        counts = {"stat": 0, "lstat": 0}
        real_stat, real_lstat = os.stat, os.lstat

        def stat(*a, **k):  # type: ignore[no-untyped-def]
            counts["stat"] += 1
            return real_stat(*a, **k)

        def lstat(*a, **k):  # type: ignore[no-untyped-def]
            counts["lstat"] += 1
            return real_lstat(*a, **k)

        times, found = [], 0
        os.stat, os.lstat = stat, lstat
        try:
            for _ in range(3):
                counts.update(stat=0, lstat=0)
                t = time.perf_counter()
                found = len(reconcile.scan_share(share))
                times.append(time.perf_counter() - t)
        finally:
            os.stat, os.lstat = real_stat, real_lstat
        calls = counts["stat"] + counts["lstat"]
        print(json.dumps({"files": found, "stat_calls_per_pass": counts["stat"], "lstat_calls_per_pass": counts["lstat"],
                          "calls_per_file": round(calls / max(found, 1), 2),
                          "seconds_per_pass_median": round(statistics.median(times), 3)}))


if __name__ == "__main__":
    main()
