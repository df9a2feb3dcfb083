"""OCR: accuracy against true text, seconds a page, and a scan from the share to search.

Run from the checkout root: ``PYTHONPATH=. python benchmarks/ocr_bench.py [--pages20 20]``.
Needs ``../shared/corpus``. Never fails on a slow machine; prints its figures:

1. Character error rate (CER: Levenshtein distance / true length, whitespace removed on
   both sides) on the five GovDoc-CN 397 page images against ``397.txt``, for the plain
   command line (``tesseract IMG - -l chi_sim``) and for the project's OCR
   (``index.extract._ocr.recognise``: deskew, despeckle, OSD when needed, Chinese line
   rebuilding), in the same run.
2. CER on scanned-looking pages made from real texts (``tests/fixtures/scans.py``:
   rotated 1-3 degrees, one upside down, speckled, blurred), plain and ours.
3. Seconds a page through the real extraction pool with two workers (two cores), median
   and p95, pages a minute, peak memory of a worker with its Tesseract child.
4. A 20-page scanned PDF on a share, from file-stable to searchable (``reconcile_once``
   then a search that finds its 文号): first terminal (recognises), second terminal (reuses
   the shared result); and the unchanged code (``/work/baseline``, when present), which
   keeps the scan without text, run the same way in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from index.extract import ExtractLimits, ExtractorPool  # noqa: E402
from index.extract._image import load_pages  # noqa: E402
from index.extract._ocr import recognise, tesseract_version  # noqa: E402
from tests.conftest import find_shared_corpus  # noqa: E402
from tests.fixtures.scans import govdoc397_text, policy_text, save_pdf, scan_page, wrap  # noqa: E402

# Records of policy_documents.jsonl with a 文号 in their body (the scans' sources).
POLICY_RECORDS = ("185828",)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def cer(truth: str, hyp: str) -> float:
    t, h = squash(truth), squash(hyp)
    return Levenshtein.distance(t, h) / max(1, len(t))


def cpu_now() -> float:
    """CPU seconds of this process and its finished children (Tesseract): the cost on a shared machine."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def plain(path: Path) -> tuple[str, float]:
    start = time.perf_counter()
    out = subprocess.run(["tesseract", str(path), "-", "-l", "chi_sim"], capture_output=True, text=True,
                         env=dict(os.environ, OMP_THREAD_LIMIT="1"), check=False)
    return out.stdout, time.perf_counter() - start


def ours(path: Path) -> tuple[str, float]:
    from PIL import Image

    start = time.perf_counter()
    with Image.open(path) as im:
        dpi = im.info.get("dpi")
    image = next(load_pages(path.read_bytes()))
    page = recognise(image, 1, 300.0, dpi=round(dpi[0]) if dpi else None)
    return page.text, time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def section_397(corpus: Path) -> None:
    folder = corpus / "govdoc-cn" / "GovDoc-CN_Sample" / "397"
    truth = (folder / "397.txt").read_text(encoding="utf-8")
    pages = sorted(folder.glob("397_*.png"), key=lambda p: int(p.stem.split("_")[1]))
    results = {}
    for name, fn in (("plain tesseract -l chi_sim", plain), ("project OCR", ours)):
        texts, secs, cpus = [], [], []
        for p in pages:
            before = cpu_now()
            text, s = fn(p)
            cpus.append(cpu_now() - before)
            texts.append(text)
            secs.append(s)
        results[name] = (cer(truth, "".join(texts)), statistics.median(secs), statistics.median(cpus))
    print(f"\n1. GovDoc-CN 397, {len(pages)} page images ({len(squash(truth))} characters of true text)")
    for name, (rate, sec, cpu) in results.items():
        print(f"   {name:<28} CER {100 * rate:5.2f}%   median {sec:5.2f} s/page wall, {cpu:5.2f} s/page CPU "
              "(one page at a time, OMP_THREAD_LIMIT=1)")


def make_scans(corpus: Path, folder: Path) -> list[tuple[Path, str]]:
    """Single-page PNG scans with the text drawn on them."""
    texts = [policy_text(corpus, r, body_lines=12) for r in POLICY_RECORDS]
    gov = govdoc397_text(corpus, first=4, count=14)
    more = wrap((corpus / "govdoc-cn" / "GovDoc-CN_Sample" / "397" / "397.txt").read_text(encoding="utf-8"))
    line_sets = [list(t.lines) for t in texts] + [list(gov.lines), more[20:34], more[34:48], more[48:62]]
    angles = (2.5, -1.5, 3.0, -2.0, 1.0)
    out = []
    for i, lines in enumerate(line_sets):
        path = folder / f"scan-{i}.png"
        scan_page(lines, angle=angles[i % len(angles)], seed=i + 10, upside_down=(i == 2)).save(path, dpi=(300, 300))
        out.append((path, "".join(lines)))
    return out


def section_scans(corpus: Path, folder: Path) -> list[Path]:
    scans = make_scans(corpus, folder)
    print(f"\n2. {len(scans)} scanned-looking pages from real texts (rotated 1-3 degrees, one upside down, "
          "speckled, blurred, 300 dpi)")
    truth = "".join(t for _, t in scans)
    for name, fn in (("plain tesseract -l chi_sim", plain), ("project OCR", ours)):
        hyps = [fn(p)[0] for p, _ in scans]
        per_page = [cer(t, h) for (_, t), h in zip(scans, hyps, strict=True)]
        print(f"   {name:<28} CER {100 * cer(truth, ''.join(hyps)):5.2f}%   per page: "
              + " ".join(f"{100 * c:.1f}%" for c in per_page))
    return [p for p, _ in scans]


def section_pool(paths: list[Path]) -> None:
    limits = ExtractLimits()
    times: list[float] = []
    with ExtractorPool(2) as pool:
        def one(p: Path) -> float:
            start = time.perf_counter()
            pool.extract(p, limits)
            return time.perf_counter() - start

        start = time.perf_counter()
        with ThreadPoolExecutor(2) as ex:
            times = list(ex.map(one, paths * 2))
        wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\n3. {len(times)} single-page scans through the extraction pool, 2 workers (2 cores, shared)")
    print(f"   per page: median {statistics.median(times):5.2f} s, p95 {pct(times, 0.95):5.2f} s; "
          f"{60 * len(times) / wall:5.1f} pages a minute; peak memory of a child {peak:.0f} MiB")


_SYNC_CHILD = r"""
import json, sys, time
from pathlib import Path
from index.config import parse_config
from index.library import Library
from index.sync.reconcile import reconcile_once
share, lib_dir, number, phrase = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
config = parse_config("").with_overrides({"review.required": False})
start = time.perf_counter()
with Library.open(lib_dir, config, writable=True) as lib:
    summary = reconcile_once(share, lib, config)
    found = lib.search(number).total
    by_phrase = lib.search('"' + phrase + '"').total
    recs = [lib.catalogue.by_path(p) for p in lib.catalogue.file_states()]
    has_text = [bool(r.has_text) for r in recs if r]
print(json.dumps({"seconds": time.perf_counter() - start, "found_by_doc_number": found,
                  "found_by_phrase": by_phrase, "has_text": has_text,
                  "rejected": summary.rejected}))
"""


def sync_run(code_root: Path, share: Path, lib: Path, number: str, phrase: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code_root))
    out = subprocess.run([sys.executable, "-c", _SYNC_CHILD, str(share), str(lib), number, phrase], env=env,
                         capture_output=True, text=True, check=False, cwd=str(code_root))
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1:] or ["?"]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def section_20(corpus: Path, folder: Path, pages: int) -> None:
    gov = govdoc397_text(corpus, first=4, count=2)
    body = wrap((corpus / "govdoc-cn" / "GovDoc-CN_Sample" / "397" / "397.txt").read_text(encoding="utf-8"))
    images = []
    for i in range(pages):
        lines = [gov.doc_number] if i == 0 else []
        lines += [body[(i * 24 + k) % len(body)] for k in range(24 - len(lines))]
        images.append(scan_page(lines, angle=(-1.5, 2.0, 0.8)[i % 3], seed=100 + i))
    share = folder / "share20"
    (share / "扫描件").mkdir(parents=True)
    (share / ".kiosk-share").write_text("", encoding="utf-8")
    # The name says the source but not the 文号 (the path parser would find it there, scan or not).
    save_pdf(images, share / "扫描件" / f"scan-govdoc397-{pages}页.pdf")
    print(f"\n4. a {pages}-page scanned PDF (24 lines a page, 300 dpi) from a stable file on the share to "
          "found by its 文号 (reconcile_once + search)")
    baseline = Path("/work/baseline")
    runs = [("first terminal (recognises)", ROOT, "lib1"), ("second terminal (reuses share)", ROOT, "lib2")]
    if (baseline / "index").is_dir():
        runs.insert(0, ("baseline code (no OCR)", baseline, "lib0"))
    for label, code, lib in runs:
        got = sync_run(code, share, folder / lib, gov.doc_number, body[24 * 7 % len(body)][2:10])
        if "error" in got:
            print(f"   {label:<32} failed: {got['error']}")
            continue
        print(f"   {label:<32} {got['seconds']:7.1f} s   found by 文号: {got['found_by_doc_number']}, "
              f"by a phrase of page 8: {got['found_by_phrase']}   has text: {got['has_text']}   "
              f"rejected: {got['rejected']}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages20", type=int, default=20, help="pages of the section-4 scan")
    parser.add_argument("--skip", default="", help="comma-separated sections to skip (1,2,3,4)")
    args = parser.parse_args()
    corpus = find_shared_corpus()
    if corpus is None:
        print("needs ../shared/corpus")
        return 0
    skip = set(args.skip.split(","))
    print(f"{tesseract_version()}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="ocr-bench-") as tmp:
        folder = Path(tmp)
        if "1" not in skip:
            section_397(corpus)
        scans = section_scans(corpus, folder) if "2" not in skip else []
        if "3" not in skip and scans:
            section_pool(scans)
        if "4" not in skip:
            section_20(corpus, folder, args.pages20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
