"""Search benchmark: build a library of N generated documents and time what visitors feel.

    python -m benchmarks.search_bench 10000 [--workdir DIR] [--procs 2]

Prints one JSON object: ingest documents/s (catalogue + vocabulary + index, the sync's
path without extraction), rebuild documents/s, index size, searcher open time, query
p50/p95 over a fixed mix (title words, pinyin, 文号, body phrase, filtered) with and
without facet counts, time until 10 added documents are visible to a reader, peak RSS
of the builder and of a reader process. Not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generate import generate

REPO = Path(__file__).resolve().parent.parent


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))], 2)


def _dir_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def build(root: Path, n: int, batch: int = 500) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from index.config import parse_config
    from index.library import Library
    from tests.index.conftest import add_docs

    docs = list(generate(n))
    (root.parent / "docs.json").write_text(json.dumps(docs[:2000], ensure_ascii=False))
    config = parse_config("").with_overrides({"review.required": False})
    sample = min(n, 500)
    out: dict[str, float] = {}
    with Library.open(root, config, writable=True) as lib:
        # The sync's path (catalogue, vocabulary, index, in batches) on a sample…
        t0 = time.perf_counter()
        for i in range(0, sample, 100):
            add_docs(lib, docs[i : i + 100])
        out["ingest_docs_per_s"] = round(sample / (time.perf_counter() - t0), 1)
        # …the catalogue alone for the rest, then the index built on every core.
        t0 = time.perf_counter()
        for i in range(sample, n, batch):
            add_docs(lib, docs[i : i + batch], defer_index=True)
        if n > sample:
            out["catalogue_docs_per_s"] = round((n - sample) / (time.perf_counter() - t0), 1)
        for procs in (1, 2) if n <= 2000 else (2,):
            t1 = time.perf_counter()
            lib.rebuild_index(procs=procs)
            out[f"index_build_docs_per_s_procs{procs}"] = round(n / (time.perf_counter() - t1), 1)
    return out


def query_mix(docs: list[dict], lib, count: int = 200) -> list[tuple[str, str, object]]:
    from index.analysis import search_words
    from index.models import Filters

    r = random.Random(11)
    mix: list[tuple[str, str, object]] = []
    while len(mix) < count:
        d = r.choice(docs)
        kind = len(mix) % 5
        if kind == 0:  # title words
            words = [w for w in search_words(d["title"]) if len(w) >= 2]
            if words:
                mix.append(("title", " ".join(r.sample(words, min(2, len(words)))), None))
        elif kind == 1:  # pinyin initials of a vocabulary word
            words = [w for w in search_words(d["title"]) if len(w) >= 3]
            if words:
                from index.vocab import word_pinyin

                mix.append(("pinyin", word_pinyin(r.choice(words))[1], None))
        elif kind == 2 and d["doc_number"]:  # 文号 typed with ASCII brackets
            mix.append(("doc_number", d["doc_number"].replace("〔", "[").replace("〕", "]"), None))
        elif kind == 3:  # a phrase from the body
            body = d["body"]
            i = r.randrange(max(1, len(body) - 6))
            phrase = "".join(ch for ch in body[i : i + 5] if "\u4e00" <= ch <= "\u9fff")
            if len(phrase) >= 3:
                mix.append(("body_phrase", phrase, None))
        elif kind == 4:
            words = [w for w in search_words(d["title"]) if len(w) >= 2]
            if words:
                mix.append(("filtered", r.choice(words), Filters(kind=d["kind"], year=int(d["publish_date"][:4]))))
    return mix


def read_phase(root: Path) -> dict[str, object]:
    """Runs in its own process: open the library as the app does and time queries."""
    sys.path.insert(0, str(REPO))
    from index.config import parse_config
    from index.library import Library

    config = parse_config("")
    import index.analysis as analysis

    analysis._jieba()  # jieba loads its dictionary once per process (about 0.5 s): not the index
    t0 = time.perf_counter()
    lib = Library.open(root, config)
    open_s = time.perf_counter() - t0
    docs = json.loads((root.parent / "docs.json").read_text())
    mix = query_mix(docs, lib)
    for q, f in [(q, f) for _k, q, f in mix[:20]]:  # warm caches as a running app would be
        lib.search(q, f)
    timings: dict[str, list[float]] = {}
    facet_timings: list[float] = []
    zero = 0
    for kind, q, f in mix:
        t = time.perf_counter()
        res = lib.search(q, f, limit=10, with_facets=False)
        timings.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
        zero += res.total == 0
    for _kind, q, f in mix[:60]:
        t = time.perf_counter()
        lib.search(q, f, limit=10, with_facets=True)
        facet_timings.append((time.perf_counter() - t) * 1000)
    cands = []
    for letters in ("xxgk", "zf", "weihai", "tzgl", "jiaotong"):
        t = time.perf_counter()
        lib.candidates(letters)
        cands.append((time.perf_counter() - t) * 1000)
    all_t = [x for v in timings.values() for x in v]
    return {
        "searcher_open_s": round(open_s, 3),
        "query_ms": {"p50": _pct(all_t, 50), "p95": _pct(all_t, 95), "n": len(all_t), "zero_results": zero},
        "query_ms_by_kind": {k: {"p50": _pct(v, 50), "p95": _pct(v, 95)} for k, v in timings.items()},
        "query_with_facets_ms": {"p50": _pct(facet_timings, 50), "p95": _pct(facet_timings, 95)},
        "candidates_ms": {"p50": _pct(cands, 50), "max": round(max(cands), 2)},
        "reader_peak_rss_mb": _own_peak_rss_mb(),
    }


def _own_peak_rss_mb() -> float:
    """This process's peak RSS since it started (VmHWM). Not ``ru_maxrss``: Linux carries that
    across ``exec`` from the parent, so the reader reported the builder's peak (603 MB at 30,000
    documents, 236 MB measured alone)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def visibility(root: Path) -> float:
    """Seconds from a writer starting to add 10 documents to a reader seeing them."""
    from index.config import parse_config
    from index.library import Library
    from tests.index.conftest import add_docs

    config = parse_config("").with_overrides({"review.required": False})
    docs = list(generate(10, seed=99))
    run = time.strftime("%H%M%S")
    for n, d in enumerate(docs):
        d["path"] = f"新增/{run}/{n}.txt"  # new paths on every run, also with --reuse
        d["title"] = f"新增测试文件{run}第{n}号"
    with Library.open(root, config) as reader:
        # Each new title searched for: visible when it comes first. (Not a count of one query:
        # the new titles join the vocabulary, which changes how that query is read.)
        def visible() -> bool:
            return all([h.title for h in reader.search(d["title"], limit=1, with_facets=False).hits] == [d["title"]]
                       for d in docs)

        assert not visible()
        with Library.open(root, config, writable=True) as lib:
            t0 = time.perf_counter()
            add_docs(lib, docs)
        while not visible():
            if time.perf_counter() > t0 + 60:  # never seen: report it rather than hang
                return float("nan")
            reader.refresh()
        return round(time.perf_counter() - t0, 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--reuse", action="store_true", help="reuse the library in --workdir (query figures only)")
    ap.add_argument("--read-phase", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.read_phase:
        print(json.dumps(read_phase(args.read_phase)))
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    root = work / "library"
    result: dict[str, object] = {"documents": args.n}
    if not (args.reuse and root.exists()):
        if root.exists():
            shutil.rmtree(root)
        work.mkdir(parents=True, exist_ok=True)
        result.update(build(root, args.n))
    result["index_mb"] = _dir_mb(root / "index")
    result["library_mb"] = _dir_mb(root)
    result["builder_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out = subprocess.run([sys.executable, "-m", "benchmarks.search_bench", str(args.n), "--read-phase", str(root)],
                         cwd=REPO, capture_output=True, text=True, check=True)
    result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    result["ten_added_visible_s"] = visibility(root)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if not args.workdir:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
