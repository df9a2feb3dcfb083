"""How many real 文号 with a bracketed year parse into code, year and number.

Reads ``../shared/corpus/doc-numbers/doc_numbers.csv`` (38k numbers as published by the
State Council and ten provinces, messy on purpose) and prints JSON figures:

    PYTHONPATH=. python benchmarks/doc_numbers.py [path/to/doc_numbers.csv]

"Carries a bracketed year" means: after width and bracket normalisation the field has a
four-digit year between brackets of any shape (``〔2012〕``, ``[2012]``, ``(2012)``,
``【2012】``…, a bracket missing on one side counts too). "Parsed" means
:func:`index.docnumber.parse_doc_number` returned that year, a number and a code of
1 to 8 characters (longer runs carry junk from the surrounding sentence).
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from index.docnumber import normalize_doc_number_text, parse_doc_number


def shared_corpus() -> Path | None:
    """``../shared/corpus`` beside the checkout (or a worktree's), or $KIOSK_SHARED_CORPUS."""
    env = os.environ.get("KIOSK_SHARED_CORPUS")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return None

_STRICT = re.compile(r"〔\s*\d{4}\s*年?\s*〕|[\u4e00-\u9fff]\s*〔?\s*\d{4}\s*〕")


def bracketed_year(raw: str) -> int | None:
    """The bracketed year in a raw field, or None (one-sided brackets count)."""
    norm = normalize_doc_number_text(raw)
    m = _STRICT.search(norm)
    if not m:
        return None
    digits = re.search(r"\d{4}", m.group(0))
    return int(digits.group(0)) if digits else None


def measure(csv_path: Path) -> dict[str, Any]:
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    total = len(rows)
    with_year = parsed = 0
    failures: list[str] = []
    any_parsed = 0
    start = time.perf_counter()
    for row in rows:
        raw = row["doc_number"]
        dn = parse_doc_number(raw)
        if dn is not None:
            any_parsed += 1
        year = bracketed_year(raw)
        if year is None:
            continue
        with_year += 1
        if dn is not None and dn.year == year and 1 <= len(dn.code) <= 8 and dn.seq > 0:
            parsed += 1
        elif len(failures) < 20:
            failures.append(raw)
    elapsed = time.perf_counter() - start
    return {
        "csv": str(csv_path),
        "total": total,
        "with_bracketed_year": with_year,
        "parsed": parsed,
        "share": round(parsed / with_year, 5) if with_year else 0.0,
        "parsed_any_shape": any_parsed,
        "share_any_shape": round(any_parsed / total, 5) if total else 0.0,
        "microseconds_per_number": round(elapsed / max(total, 1) * 1e6, 1),
        "failures": failures,
    }


def main(argv: list[str]) -> int:
    corpus = shared_corpus()
    path = Path(argv[1]) if len(argv) > 1 else (corpus or Path("../shared/corpus")) / "doc-numbers" / "doc_numbers.csv"
    if not path.exists():
        print(f"{path} not found (the shared corpus sits beside the project as ../shared)", file=sys.stderr)
        return 2
    print(json.dumps(measure(path), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
