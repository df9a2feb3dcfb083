"""Relevance on real questions: STARD's dev questions over the whole lawrefbook corpus.

A question counts as answered when a document of a law it names is among the top 10.
Prints success@10 and MRR@10.

    python -m benchmarks.relevance [--workdir DIR] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
_ARTICLE = re.compile(r"第[一二三四五六七八九十百千零〇两]+条.*$")
_PREFIX = "中华人民共和国"


def law_key(name: str) -> str:
    name = re.sub(r"[（(]\d{4}-\d{2}-\d{2}[)）]$", "", name.strip())
    return name[len(_PREFIX):] if name.startswith(_PREFIX) else name


def lawref_documents(corpus: Path) -> list[dict[str, Any]]:
    docs = []
    for f in sorted((corpus / "lawrefbook").rglob("*.md")):
        if f.name.startswith("_"):
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        lines = [ln for ln in text.splitlines() if ln.strip()]
        title = next((ln.lstrip("#").strip() for ln in lines if ln.startswith("# ")), f.stem)
        body = "\n".join(ln for ln in lines if "INFO END" not in ln)
        docs.append({"path": str(f.relative_to(corpus / "lawrefbook")), "title": title, "kind": "法律法规", "body": body})
    return docs


def build(root: Path, corpus: Path, docs: list[dict[str, Any]] | None = None) -> int:
    """A library of the lawrefbook laws (or of ``docs`` made from them) in ``root``."""
    sys.path.insert(0, str(REPO))
    from index.config import parse_config
    from index.library import Library
    from tests.index.conftest import add_docs

    docs = lawref_documents(corpus) if docs is None else docs
    config = parse_config("").with_overrides({"review.required": False})
    with Library.open(root, config, writable=True) as lib:
        for i in range(0, len(docs), 500):
            add_docs(lib, docs[i : i + 500], defer_index=True)
        lib.rebuild_index(procs=2)
    return len(docs)


def evaluate(lib: Any, questions: Path, k: int = 10) -> dict[str, Any]:
    answered = 0
    rr = 0.0
    n = 0
    times = []
    for line in questions.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        wanted = {law_key(_ARTICLE.sub("", r)) for r in q["relevant"]}
        t = time.perf_counter()
        res = lib.search(q["question"], limit=k, with_facets=False)
        times.append(time.perf_counter() - t)
        n += 1
        for rank, hit in enumerate(res.hits[:k], 1):
            if law_key(hit.title) in wanted:
                answered += 1
                rr += 1 / rank
                break
    times.sort()
    return {
        "questions": n,
        "success_at_10": round(answered / n, 3),
        "mrr_at_10": round(rr / n, 3),
        "query_ms_p50": round(times[len(times) // 2] * 1000, 1),
        "query_ms_p95": round(times[int(len(times) * 0.95)] * 1000, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--reuse", action="store_true")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"needs the shared corpus at {CORPUS}")
    sys.path.insert(0, str(REPO))
    from index.config import parse_config
    from index.library import Library

    work = args.workdir or Path(tempfile.mkdtemp(prefix="kiosk-relevance-"))
    root = work / "library"
    out: dict[str, Any] = {}
    if not (args.reuse and root.exists()):
        t = time.perf_counter()
        out["documents"] = build(root, CORPUS)
        out["build_s"] = round(time.perf_counter() - t, 1)
    with Library.open(root, parse_config("")) as lib:
        out.update(evaluate(lib, CORPUS / "stard" / "dev.jsonl"))
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
