"""Per-file cost of extraction in worker processes, against extraction in this process.

Run from the checkout root: ``PYTHONPATH=. python benchmarks/extract_overhead.py``.
Prints files/s for a small TXT and a 20-page CJK PDF (made with reportlab):
in process (no limits), through a reused worker (the default), and with a fresh
worker per file (what a pool without reuse would cost). Never fails on a slow machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.extract import ExtractLimits, ExtractorPool, extract_in_process
from tests.fixtures.documents import SENTENCES_397, TITLE_397, make_pdf


def rate(label: str, fn: Callable[[Path], object], paths: list[Path]) -> float:
    fn(paths[0])  # warm up
    start = time.perf_counter()
    for p in paths:
        fn(p)
    elapsed = time.perf_counter() - start
    per_s = len(paths) / elapsed
    print(f"{label:<44} {per_s:8.1f} files/s  {1000 * elapsed / len(paths):7.2f} ms/file")
    return per_s


def main() -> None:
    limits = ExtractLimits()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        txts = []
        for i in range(200):
            p = root / f"t{i}.txt"
            p.write_text(f"{TITLE_397}\n" + "\n".join(SENTENCES_397) + f"\n{i}", encoding="utf-8")
            txts.append(p)
        pdf = make_pdf(root / "p20.pdf", [SENTENCES_397 for _ in range(20)])
        pdfs = [pdf] * 20
        print(f"TXT {txts[0].stat().st_size} bytes; PDF 20 pages, {pdf.stat().st_size} bytes")
        rate("TXT in process", lambda p: extract_in_process(p, limits), txts)
        with ExtractorPool(1) as pool:
            rate("TXT via reused worker", lambda p: pool.extract(p, limits), txts)
        with ExtractorPool(1, max_tasks=1) as pool:
            rate("TXT via fresh worker per file", lambda p: pool.extract(p, limits), txts[:10])
        rate("PDF(20p) in process", lambda p: extract_in_process(p, limits), pdfs)
        with ExtractorPool(1) as pool:
            rate("PDF(20p) via reused worker", lambda p: pool.extract(p, limits), pdfs)
        with ExtractorPool(1, max_tasks=1) as pool:
            rate("PDF(20p) via fresh worker per file", lambda p: pool.extract(p, limits), pdfs[:5])


if __name__ == "__main__":
    main()
