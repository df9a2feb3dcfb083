"""What one sync batch costs in a library that already holds N documents.

    PYTHONPATH=TREE python benchmarks/batch_bench.py [--docs 10000] [--files 200] [--workdir DIR]

The library is filled with N generated documents (catalogue, then the index built on two
cores); then ``--files`` new text files are written to a share folder, one in four with the
title of a document already in the library (a new version: the family is re-ranked), and
taken through the daemon's path (``DaemonIngest.take``: stat, copy, extraction in the worker,
metadata, catalogue, families, index commit) in batches of ``sync.batch_size``. Prints one
JSON object: documents/s over all batches, median and p95 milliseconds per batch, and how
many documents ended 已修订. ``PYTHONPATH`` picks the code tree, so two trees run side by side with the
same generated documents. Not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))], 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()

    sys.path.append(str(REPO))  # the generator and add_docs; the code tree comes first on PYTHONPATH
    from benchmarks.generate import generate
    from index.config import parse_config
    from index.library import Library
    from index.sync.ingest import DaemonIngest
    from tests.index.conftest import add_docs

    work = args.workdir or Path(tempfile.mkdtemp(prefix="batch-bench-"))
    if work.exists():
        shutil.rmtree(work)
    share, root = work / "share", work / "lib"
    share.mkdir(parents=True)
    docs = list(generate(args.docs + args.files))
    # Validity is left to the families of versions (as for text files without a sidecar), the
    # same way in every tree (the tests' add_docs marks a stated validity as the staff's word).
    docs = [{k: v for k, v in d.items() if k not in ("validity", "replaced_by")} for d in docs]
    old, new = docs[: args.docs], docs[args.docs :]
    config = parse_config("").with_overrides({"review.required": False})
    out: dict[str, object] = {"code": os.environ.get("PYTHONPATH", ""), "docs": args.docs, "files": args.files}
    with Library.open(root, config, writable=True) as lib:
        t0 = time.perf_counter()
        for i in range(0, len(old), 1000):
            add_docs(lib, old[i : i + 1000], defer_index=True)
        lib.rebuild_index(procs=2)
        try:  # trees before the families moved into the writer: rank them once, as a sync pass would
            from index.sync.reconcile import apply_families
        except ImportError:
            pass  # the writer ranked them while filling
        else:
            apply_families(lib, config)
        out["fill_s"] = round(time.perf_counter() - t0, 1)

        folder = share / "规范性文件"
        folder.mkdir()
        names = []
        for i, d in enumerate(new):
            title = old[i * 4 % len(old)]["title"] if i % 4 == 0 else d["title"]  # a new version of a known title
            issuer = old[i * 4 % len(old)]["issuer"] if i % 4 == 0 else d["issuer"]
            body = "\n".join(d.get("pages") or [d.get("body", "")])
            name = f"新{i:04d}.txt"
            (folder / name).write_text(f"{title}\n\n{body}\n\n{issuer}\n2026年12月1日\n", encoding="utf-8")
            names.append(f"规范性文件/{name}")
        old_time = time.time() - 60
        for n in names:
            os.utime(share / n, (old_time, old_time))

        ingest = DaemonIngest(share, lib, config)
        batch = int(config["sync.batch_size"])
        per_batch: list[float] = []
        taken = 0
        t0 = time.perf_counter()
        for i in range(0, len(names), batch):
            t1 = time.perf_counter()
            summary = ingest.take(names[i : i + batch])
            per_batch.append((time.perf_counter() - t1) * 1000)
            taken += len(summary.added) + len(summary.updated)
        total = time.perf_counter() - t0
        revised = sum(1 for r in lib.catalogue.iter_documents() if r.meta.validity == "已修订")
        new_revised = sum(1 for n in names if (r := lib.catalogue.by_path(n)) and r.meta.validity == "已修订")
    out.update({
        "taken": taken,
        "docs_per_s": round(taken / total, 1),
        "batch_ms_median": round(statistics.median(per_batch), 1),
        "batch_ms_p95": _pct(per_batch, 95),
        "marked_revised": revised,
        "new_files_revised": new_revised,
    })
    print(json.dumps(out, ensure_ascii=False))
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
