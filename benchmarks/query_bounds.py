"""The slowest query of any length (issue 14.1): long and adversarial queries against a library.

    PYTHONPATH=TREE python benchmarks/query_bounds.py LIB [--timeout 20]   # TREE: the code to measure

Runs each shape through every query path (search with and without facets, suggestions,
candidates) and prints one JSON object: seconds per shape (the slowest path), or
"error: …" / ">TIMEOUT" when the code under test raised or did not finish. Each shape runs
in its own process under a wall-clock limit, so code without bounds (``PYTHONPATH=/work/baseline``)
can be measured too. Not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CJK = "政府信息公开工作通知关于印发管理办法实施意见人民停车收费标准城乡低保救助全民健身条例的了吗呢"


def adversarial_queries(seed: int = 7) -> dict[str, str]:
    """The shapes that broke or stalled the search (issue 14), made fresh from a seed."""
    r = random.Random(seed)
    return {
        "10000_chars": "".join(r.choice(CJK) for _ in range(10_000)),
        "1000_words": " ".join("".join(r.choice(CJK) for _ in range(r.randint(1, 4))) for _ in range(1_000)),
        "200_words": " ".join(r.choice(["停车", "管理", "政府", "信息", "公开"]) for _ in range(200)),
        "100_pinyin_letters": "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(100)),
        "long_pinyin_string": "zhengfuxinxigongkai" * 40,
        "pinyin_initials_run": "xxgk" * 250,
        "pinyin_words": " ".join(["weihai", "tingche", "guanli"] * 300),
        "doc_number_run": "威政发〔2013〕8号" * 500,
        "digits": "1234567890" * 1_000,
        "quotes": '"' * 3_000 + "停车" + "“" * 3_000,
        "brackets": "〔" * 5_000 + "〕" * 5_000,
        "punctuation": "，。、；：？！…—《》（）" * 800,
        "zero_width": "\u200b".join("停车管理" * 1_000),
        "full_width": "ＡＢＣ１２３ｘｘｇｋ" * 1_000,
        "single_chars": " ".join(r.choice(CJK) for _ in range(3_000)),
        "mixed_scripts": "".join(r.choice(CJK + "abcxyz0123 ") for _ in range(10_000)),
        "emoji_and_surrogates": "😀停车" * 2_000,
        "80_char_question": "".join(r.choice(CJK) for _ in range(80)),
        "12_common_words": " ".join(r.choice(["政府", "管理", "工作", "通知", "关于", "实施"]) for _ in range(12)),
    }


def run_one(lib_path: Path, shape: str) -> dict[str, float]:
    import index.analysis as analysis
    from index.config import parse_config
    from index.library import Library

    analysis._jieba()
    query = adversarial_queries()[shape]
    out: dict[str, float] = {}
    with Library.open(lib_path, parse_config("")) as lib:
        for name, call in (("search", lambda: lib.search(query, with_facets=False)),
                           ("search_facets", lambda: lib.search(query)),
                           ("suggestions", lambda: lib.suggestions(query)),
                           ("candidates", lambda: lib.candidates(query))):
            t = time.perf_counter()
            call()
            out[name] = round(time.perf_counter() - t, 3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("library", type=Path)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.library, args.one)))
        return
    result: dict[str, object] = {}
    for shape in adversarial_queries():
        try:
            # This file by path, outside any checkout: ``index`` comes from PYTHONPATH (the code under test).
            p = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(args.library), "--one", shape],
                               capture_output=True, text=True, timeout=args.timeout, cwd="/")
        except subprocess.TimeoutExpired:
            result[shape] = f">{args.timeout:g}"
            continue
        if p.returncode != 0:
            last = (p.stderr.strip().splitlines() or ["?"])[-1]
            result[shape] = f"error: {last[:120]}"
            continue
        times = json.loads(p.stdout.strip().splitlines()[-1])
        result[shape] = {"slowest_s": max(times.values()), **times}
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
