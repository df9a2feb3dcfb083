"""Generate N synthetic government documents whose lengths and vocabulary follow the real corpus.

Sentences, title phrases, issuers and lengths are drawn (with a fixed seed) from the
real texts: ../shared/corpus/lawrefbook when present, else the slice shipped in
assets/demo/sources. Each document gets a title in the usual shapes (…关于印发《…》的通知),
a 文号, an issuer, a date, a topic and ~10% are gazette issues.

    python -m benchmarks.generate N   # prints a sample as JSON lines
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "corpus" / "lawrefbook"
DEMO_SOURCES = REPO / "assets" / "demo" / "sources"

ISSUERS = ["威海市人民政府", "威海市环翠区人民政府", "威海市环翠区人民政府办公室", "山东省人民政府", "威海市民政局",
           "威海市生态环境局", "威海市交通运输局", "威海市财政局", "威海市教育局", "威海市卫生健康委员会"]
CODES = ["威政发", "威环政发", "威环政办发", "鲁政发", "威民发", "威环发", "威交发", "威财发", "威教发", "威卫发"]
TOPICS = ["城乡建设、环境保护", "民政、扶贫、救灾", "交通", "财政、金融、审计", "卫生、体育", "教育", "综合政务", "劳动、人事、监察"]
KINDS = ["规范性文件"] * 7 + ["法律法规"] * 2 + ["政府公报"]


def _corpus_files(limit: int = 1500) -> list[Path]:
    root = SHARED if SHARED.is_dir() else DEMO_SOURCES
    files = sorted(root.rglob("*.md")) + sorted(root.rglob("*.txt"))
    return files[:limit]


class Corpus:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.sentences: list[str] = []
        self.lengths: list[int] = []
        self.title_phrases: list[str] = []
        for f in _corpus_files():
            text = f.read_text(encoding="utf-8", errors="replace")
            lines = [ln.strip("# ").strip() for ln in text.splitlines() if ln.strip()]
            if not lines:
                continue
            self.title_phrases.append(re.sub(r"[（(].*?[)）]", "", lines[0])[:30])
            body = "".join(lines[1:])
            self.lengths.append(len(body))
            self.sentences.extend(s + "。" for s in body.split("。") if 8 <= len(s) <= 200)
        if not self.sentences:
            raise SystemExit("no corpus text found (needs ../shared/corpus or assets/demo/sources)")

    def document(self, n: int) -> dict[str, Any]:
        r = self.rng
        kind = r.choice(KINDS)
        k = r.randrange(len(ISSUERS))
        year = r.randint(2005, 2025)
        phrase = r.choice(self.title_phrases)
        shape = r.random()
        if kind == "政府公报":
            issue = r.randint(1, 12)
            title = f"威海市环翠区人民政府公报{year}年第{issue}期"
        elif shape < 0.4:
            title = f"{ISSUERS[k]}关于印发《{phrase}》的通知"
        elif shape < 0.7:
            title = f"{ISSUERS[k]}关于{phrase}的意见"
        else:
            title = phrase
        target = min(max(r.choice(self.lengths), 200), 60_000)
        body: list[str] = []
        size = 0
        while size < target:
            s = r.choice(self.sentences)
            body.append(s)
            size += len(s)
        return {
            "path": f"{kind}/{year}/doc{n:06d}.txt",
            "kind": kind,
            "title": title,
            "doc_number": f"{CODES[k]}〔{year}〕{r.randint(1, 300)}号" if kind != "政府公报" else "",
            "issuer": ISSUERS[k],
            "publish_date": f"{year}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            "topic": r.choice(TOPICS),
            "validity": "有效" if r.random() > 0.1 else "废止",
            "body": "".join(body),
        }


def generate(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    corpus = Corpus(seed)
    for i in range(n):
        yield corpus.document(i)


if __name__ == "__main__":
    for d in generate(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
        print(json.dumps({**d, "body": d["body"][:80] + "…"}, ensure_ascii=False))
