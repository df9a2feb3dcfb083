"""The project's own relevance test, by query family, over the whole lawrefbook corpus.

    python -m benchmarks.query_families --workdir DIR [--reuse] [--cases DIR/cases.json] [--per-family 150]
    PYTHONPATH=/work/baseline python benchmarks/query_families.py --workdir DIR --reuse --cases DIR/cases.json

Builds (or reuses) a library of the 3,475 laws of ``../shared/corpus/lawrefbook`` with the
decree number (令) each law states in its first lines, as the sync's metadata reads it, then
asks, for a seeded sample of laws, what a visitor would type:

* ``title``: the whole title;
* ``title_words``: two content words of the title (generic words such as 条例, 办法 dropped);
* ``initials``: the pinyin initials of a four-to-six-character compound of the title (the
  candidate bar must offer the compound among its first 12 words);
* ``homophone``: the title with one character replaced by another of the same pinyin
  (a typo a pinyin input method makes);
* ``decree``: the law's decree number in the forms people write (国务院令第N号, 国令第N号,
  国务院令 第N号, full-width digits);
* ``question``: a question in plain words about the law, as a visitor asks it: two content
  words of its title in a question's frame (请问…怎么办理, …有哪些规定), half of them with a
  third word the law does not use anywhere (a word of another law's title), the case the
  old search lost (every word had to match);
* ``stard``: STARD's dev questions, real people's legal questions (as ``benchmarks.relevance``).

A query succeeds when a version of the wanted law (same title, any date) is among the first
10 results. Prints one JSON object: success@10 per family, with the number of queries and
p50/p95 milliseconds. Not a test: it never fails.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

# Only what c7e2f3c's benchmarks/relevance.py already had: this file also scores the old code
# (PYTHONPATH=/work/baseline ... --reuse), whose relevance module is then the one imported.
# That is why ``main`` below repeats relevance.main's build-or-reuse lines instead of sharing them.
from benchmarks.relevance import CORPUS, REPO, evaluate, law_key, lawref_documents
from benchmarks.relevance import build as build_laws

GENERIC = {"中华人民共和国", "条例", "办法", "规定", "实施", "细则", "决定", "关于", "的", "法", "修正案",
           "暂行", "若干", "问题", "解释", "规则", "试行", "修改", "部分", "批准", "和", "及", "与"}


def build(root: Path, corpus: Path) -> int:
    """The laws with the decree number each states in its first lines, as the sync reads it."""
    sys.path.insert(0, str(REPO))
    docs = lawref_documents(corpus)
    try:
        from index.docnumber import order_number_in_head
    except ImportError:  # code from before decree numbers (c7e2f3c): it reads none
        return build_laws(root, corpus)
    for d in docs:
        head = [ln for ln in d["body"].splitlines() if ln.strip()][:12]
        order = order_number_in_head(["\n".join(head)])
        if order is not None:
            d["order_number"] = order.canonical
    return build_laws(root, corpus, docs)


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))], 1) if values else float("nan")


def _full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in s)


def queries(lib: Any, rng: random.Random, per_family: int) -> dict[str, list[tuple[str, str]]]:
    """(query, wanted law key) per family, from the library's own records."""
    import jieba
    from pypinyin import Style, lazy_pinyin

    from index.vocab import document_words

    records = [r for r in lib.catalogue.iter_documents() if r.meta.title]
    records.sort(key=lambda r: r.id)
    rng.shuffle(records)
    by_sound: dict[str, set[str]] = defaultdict(set)
    for r in records:
        for ch in r.meta.title:
            if unicodedata.category(ch) == "Lo":
                by_sound[lazy_pinyin(ch)[0]].add(ch)
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    qrng = random.Random(rng.getstate()[1][0])  # draws of their own, seeded without drawing: the other families keep their cases
    pool = sorted({w for r in records for w in jieba.lcut(law_key(r.meta.title)) if len(w) >= 2 and w not in GENERIC})
    for r in records:
        title = r.meta.title
        key = law_key(title)
        words = [w for w in jieba.lcut(key) if len(w) >= 2 and w not in GENERIC]
        if len(out["title"]) < per_family:
            out["title"].append((title, key))
        if len(words) >= 2 and len(out["title_words"]) < per_family:
            a, b = sorted(rng.sample(range(len(words)), 2))
            out["title_words"].append((f"{words[a]} {words[b]}", key))
        compounds = sorted(w for w in document_words(title, "", "", []) if 4 <= len(w) <= 6)
        if compounds and len(out["initials"]) < per_family:
            word = rng.choice(compounds)
            out["initials"].append(("".join(lazy_pinyin(word, style=Style.FIRST_LETTER)), word))
        if len(out["homophone"]) < per_family:
            spots = [i for i, ch in enumerate(key) if len(by_sound.get(lazy_pinyin(ch)[0], ())) > 1]
            if spots:
                i = rng.choice(spots)
                other = sorted(by_sound[lazy_pinyin(key[i])[0]] - {key[i]})
                out["homophone"].append((key[:i] + rng.choice(other) + key[i + 1 :], key))
        order = r.meta.order_number
        if order and len(out["decree"]) < per_family:
            issuer, _, rest = order.partition("令第")
            seq = rest.rstrip("号")
            forms = [order, f"{issuer}令 第{seq}号", _full_width(order)]
            if issuer == "国务院":
                forms.append(f"国令第{seq}号")
            out["decree"].append((rng.choice(forms), key))
        if len(words) >= 2 and len(out["question"]) < per_family:
            a, b = sorted(qrng.sample(range(len(words)), 2))
            frame = qrng.choice(QUESTION_FRAMES)
            extra = ""
            if qrng.random() < 0.5:
                text = title + "".join(lib.catalogue.get_text(r.checksum))
                unused = [w for w in qrng.sample(pool, 40) if w not in text]
                extra = unused[0] if unused else ""
            out["question"].append((frame.format(a=words[a], b=words[b], x=extra), key))
    return out


# How visitors frame a question; {x} is the word the law does not use (or nothing).
QUESTION_FRAMES = ["请问{a}{b}{x}怎么办理", "{a}{x}{b}有哪些规定", "{a}的{b}{x}是怎样规定的", "关于{a}和{b}{x}的要求是什么",
                   "{x}{a}{b}需要什么手续"]


def success(lib: Any, family: str, cases: list[tuple[str, str]]) -> dict[str, Any]:
    found, times = 0, []
    for query, wanted in cases:
        t = time.perf_counter()
        if family == "initials":
            ok = wanted in lib.candidates(query)[:12]
        else:
            hits = lib.search(query, limit=10, with_facets=False).hits
            ok = any(law_key(h.title) == wanted for h in hits[:10])
        times.append((time.perf_counter() - t) * 1000)
        found += ok
    n = len(cases)
    return {"queries": n, "success_at_10": round(found / n, 3) if n else None,
            "ms_p50": _pct(times, 50), "ms_p95": _pct(times, 95)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--reuse", action="store_true", help="reuse the library in --workdir")
    ap.add_argument("--cases", type=Path, help="the queries as JSON: written when absent, read when there "
                    "(so another checkout, run by path with PYTHONPATH=TREE --reuse, answers the same ones)")
    ap.add_argument("--per-family", type=int, default=150)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"needs the shared corpus at {CORPUS}")
    sys.path.insert(0, str(REPO))
    from index.config import parse_config
    from index.library import Library

    work = args.workdir or Path(tempfile.mkdtemp(prefix="kiosk-families-"))
    root = work / "library"
    out: dict[str, Any] = {}
    if not (args.reuse and root.exists()):
        t = time.perf_counter()
        out["documents"] = build(root, CORPUS)
        out["build_s"] = round(time.perf_counter() - t, 1)
    with Library.open(root, parse_config("")) as lib:
        if args.cases and args.cases.exists():
            cases = json.loads(args.cases.read_text(encoding="utf-8"))
        else:
            cases = queries(lib, random.Random(args.seed), args.per_family)
            if args.cases:
                args.cases.write_text(json.dumps(cases, ensure_ascii=False, indent=1), encoding="utf-8")
        for family in ("title", "title_words", "initials", "homophone", "decree", "question"):
            if family in cases:  # cases written before a family was added lack it
                out[family] = success(lib, family, [tuple(c) for c in cases[family]])
        q = evaluate(lib, CORPUS / "stard" / "dev.jsonl")
        out["stard"] = {"queries": q["questions"], "success_at_10": q["success_at_10"],
                           "mrr_at_10": q["mrr_at_10"], "ms_p50": q["query_ms_p50"], "ms_p95": q["query_ms_p95"]}
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
