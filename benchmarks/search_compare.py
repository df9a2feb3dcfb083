"""Today's search and another checkout's, side by side on one library, in one run.

    python -m benchmarks.search_compare LIB [--other /work/baseline] [--rounds 2]

Each round runs a fresh reader process per code tree, alternating (other, this, other, this),
so machine load hits both alike. Prints per tree: query p50/p95 uncached (the search_bench
mix, first results only), a vocabulary word asked again (what the candidate bar's cache
gives), facet counts (``search_facets`` where the tree has it, else a search with facets),
and the top-10 overlap between the trees. ``LIB`` comes from ``search_bench --workdir``
(it holds ``docs.json``). Not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))], 2) if values else float("nan")


def phase(root: Path) -> dict[str, object]:
    """In a reader process of one code tree (PYTHONPATH): time the mix."""
    import index.analysis as analysis
    from benchmarks.search_bench import query_mix
    from index.config import parse_config
    from index.library import Library

    analysis._jieba()
    lib = Library.open(root, parse_config(""))
    docs = json.loads((root.parent / "docs.json").read_text())
    mix = query_mix(docs, lib)
    for _k, q, f in mix[:20]:  # warm as a running app would be (other queries than the timed ones)
        lib.search(q + " 通知", f, limit=10, with_facets=False)
    uncached, tops = [], {}
    for _kind, q, f in mix:
        t = time.perf_counter()
        res = lib.search(q, f, limit=10, with_facets=False)
        uncached.append((time.perf_counter() - t) * 1000)
        tops[f"{q}|{f}"] = [h.id for h in res.hits]
    again = []
    for _kind, q, f in mix[:60]:
        t = time.perf_counter()
        lib.search(q, f, limit=10, with_facets=False)
        again.append((time.perf_counter() - t) * 1000)
    facets = []
    for _kind, q, f in mix[:60]:
        t = time.perf_counter()
        if hasattr(lib, "search_facets"):
            lib.search_facets(q, f)
        else:
            lib.search(q, f, limit=1, with_facets=True)
        facets.append((time.perf_counter() - t) * 1000)
    return {"uncached": uncached, "again": again, "facets": facets, "tops": tops}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("library", type=Path)
    ap.add_argument("--other", type=Path, default=Path("/work/baseline"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args.library)))
        return
    trees = {"other": args.other, "this": REPO}
    runs: dict[str, list[dict]] = {"other": [], "this": []}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            env = dict(os.environ, PYTHONPATH=str(tree))
            # This file by path (the other tree may not have it); ``index`` from PYTHONPATH.
            out = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(args.library), "--phase"],
                                 cwd=tree, env=env, capture_output=True, text=True, check=True)
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    result: dict[str, object] = {"library": str(args.library), "rounds": args.rounds,
                                 "load_avg_1m": os.getloadavg()[0]}
    for name, rs in runs.items():
        result[name] = {
            "tree": str(trees[name]),
            "uncached_ms": {"p50": _pct([x for r in rs for x in r["uncached"]], 50),
                            "p95": _pct([x for r in rs for x in r["uncached"]], 95)},
            "asked_again_ms": {"p50": _pct([x for r in rs for x in r["again"]], 50),
                               "p95": _pct([x for r in rs for x in r["again"]], 95)},
            "facets_ms": {"p50": _pct([x for r in rs for x in r["facets"]], 50),
                          "p95": _pct([x for r in rs for x in r["facets"]], 95)},
        }
    a, b = runs["other"][0]["tops"], runs["this"][0]["tops"]
    overlaps = [len(set(a[k]) & set(b[k])) / max(len(a[k]), 1) for k in a if k in b and a[k]]
    same_order = sum(a[k] == b[k] for k in a if k in b)
    result["top10_overlap"] = round(sum(overlaps) / max(len(overlaps), 1), 3)
    result["top10_identical_lists"] = f"{same_order}/{len(a)}"
    for key in ("p50", "p95"):
        o, t = result["other"]["uncached_ms"][key], result["this"]["uncached_ms"][key]  # type: ignore[index]
        result[f"uncached_{key}_ratio"] = round(t / o, 3) if o else None
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
