"""Field accuracy of the text and path sources of ``derive_metadata`` on real documents.

Ground truth from ``../shared/corpus``:

* ``lawrefbook/DLC/山东地方法规``: the Shandong local regulations (Markdown) against their
  ``db.sqlite3`` rows (title = ``name``, publish_date = ``publish``);
* ``doc-numbers/policy_documents.jsonl``: the documents with a body text of at least 200
  characters against their ``Title`` and ``Date`` (the site's title; a title counts as
  right when it equals ours after removing validity marks and spaces, or when the site
  shortened the issuer, e.g. 市政府 for 上海市人民政府, and the rest is equal);
* ``govdoc-cn/…/397``: the typeset PDF and its text against the character labels of
  ``397_a.txt`` (正文标题, 发文字号, 发文机关, 成文日期).

    PYTHONPATH=. python benchmarks/metadata_accuracy.py
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from index.config import load_config
from index.metadata import derive_metadata, parse_date
from index.models import DocumentMeta, Extracted


def shared_corpus() -> Path | None:
    env = os.environ.get("KIOSK_SHARED_CORPUS")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "corpus").is_dir():
            return parent / "shared" / "corpus"
    return None


def _norm_title(title: str) -> str:
    title = re.sub(r"^[\[【(（](?:有效|已废止|已失效|失效|废止)[\]】)）]|[\[【(（](?:已废止|已失效|失效)[\]】)）]$", "", title)
    return re.sub(r"[\s\u3000]", "", title).replace("（", "(").replace("）", ")")


def _title_ok(truth: str, ours: str) -> bool:
    t, o = _norm_title(truth), _norm_title(ours)
    if not o:
        return False
    # Some sites put the 文号 in front of the title and quote it: 农办计〔2016〕92号《…》.
    t = re.sub(r"^[^《]{2,12}〔\d{4}〕\d+号《(.*)》$", r"\1", t)
    if t == o or (t.endswith("...") and o.startswith(t[:-3])):
        return True
    # Sites shorten the issuer at the front: 市政府 / 省政府办公厅 / 市科委 for the full name.
    m = re.match(r"^(?:省|市|区|县)[^关]{0,8}?(?=关于|印发|转发|批转)", t)
    if m:
        rest = t[m.end():]
        return o.endswith(rest) and len(o) - len(rest) <= 16
    return False


def _derive(rel: str, pages: list[str], fmt: str, config: Any, title_hint: str = "") -> DocumentMeta:
    with tempfile.TemporaryDirectory() as share:
        return derive_metadata(rel, Path(share), Extracted(pages, len(pages), True, fmt, title_hint=title_hint), config)


def measure_lawrefbook(corpus: Path, config: Any) -> dict[str, Any]:
    root = corpus / "lawrefbook" / "DLC" / "山东地方法规"
    db = sqlite3.connect(f"file:{root / 'db.sqlite3'}?mode=ro", uri=True)
    truth = {(name, publish): (name, publish) for name, publish in db.execute("select name, publish from law")}
    db.close()
    counts: dict[str, int] = defaultdict(int)
    misses: list[str] = []
    for path in sorted(root.rglob("*.md")):
        m = re.match(r"^(.*)\((\d{4}-\d{2}-\d{2})\)$", path.stem)
        if not m or (m.group(1), m.group(2)) not in truth:
            continue
        name, publish = m.group(1), m.group(2)
        meta = _derive(f"法律法规/{path.name}", [path.read_text(encoding="utf-8")], "md", config)
        counts["documents"] += 1
        # The database shortens quoted national laws: 《产品质量法》 for 《中华人民共和国产品质量法》.
        counts["title"] += meta.title.replace("中华人民共和国", "") == name.replace("中华人民共和国", "")
        counts["publish_date"] += meta.publish_date == publish
        counts["kind"] += meta.kind == "法律法规"
        counts["issuer_found"] += bool(meta.issuer)
        counts["effective_date_found"] += bool(meta.effective_date)
        if meta.title.replace("中华人民共和国", "") != name.replace("中华人民共和国", "") and len(misses) < 5:
            misses.append(f"{name} -> {meta.title}")
    n = counts["documents"] or 1
    return {
        "documents": counts["documents"],
        "title": round(counts["title"] / n, 4),
        "publish_date": round(counts["publish_date"] / n, 4),
        "kind": round(counts["kind"] / n, 4),
        "issuer_found": round(counts["issuer_found"] / n, 4),
        "effective_date_found": round(counts["effective_date_found"] / n, 4),
        "title_misses": misses,
    }


def measure_policy_documents(corpus: Path, config: Any) -> dict[str, Any]:
    path = corpus / "doc-numbers" / "policy_documents.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts: dict[str, int] = defaultdict(int)
    misses: list[str] = []
    for row in rows:
        body = row.get("Body") or ""
        if len(body) < 200:
            continue
        meta = _derive("规范性文件/doc.txt", [body], "txt", config)
        counts["documents"] += 1
        head = "\n".join(body.splitlines()[:6])
        if _norm_title(row["Title"])[:10] in re.sub(r"\s", "", head):
            counts["title_in_text"] += 1
            ok = _title_ok(row["Title"], meta.title)
            counts["title"] += ok
            if not ok and len(misses) < 8:
                misses.append(f"{row['Title'][:40]} -> {meta.title[:40]}")
        truth_date = parse_date(row.get("Date", ""))
        counts["date_right"] += bool(meta.date) and meta.date == truth_date
        counts["date_found"] += bool(meta.date)
        counts["date_wrong"] += bool(meta.date) and meta.date != truth_date
        counts["doc_number_found"] += bool(meta.doc_number)
    n = counts["documents"] or 1
    titled = counts["title_in_text"] or 1
    return {
        "documents_with_body": counts["documents"],
        "documents_whose_text_shows_the_title": counts["title_in_text"],
        "title": round(counts["title"] / titled, 4),
        "date_found": round(counts["date_found"] / n, 4),
        "date_right_when_found": round(counts["date_right"] / max(counts["date_found"], 1), 4),
        "doc_number_found": round(counts["doc_number_found"] / n, 4),
        "title_misses": misses,
    }


def govdoc_labels(label_file: Path) -> dict[str, str]:
    """Label -> text from GovDoc-CN's character labels (``字 B_标签`` / ``字 I_标签``)."""
    spans: dict[str, list[str]] = defaultdict(list)
    for line in label_file.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 2:
            continue
        char, tag = parts
        label = tag[2:]
        if tag.startswith("B_"):
            spans[label].append(char)
        elif spans[label]:
            spans[label][-1] += char
    return {label: " ".join(texts) for label, texts in spans.items()}


def measure_govdoc(corpus: Path, config: Any) -> dict[str, Any]:
    folder = corpus / "govdoc-cn" / "GovDoc-CN_Sample" / "397"
    labels = govdoc_labels(folder / "397_a.txt")
    truth = {
        "title": labels["正文标题"],
        "doc_number": labels["发文字号"],
        "issuer": labels["发文机关"],
        "written_date": parse_date(labels["成文日期"]),
    }
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(folder / "397.pdf"))
    try:
        pdf_pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()
    results: dict[str, Any] = {"truth": truth}
    for name, pages, fmt in (("txt", [(folder / "397.txt").read_text(encoding="utf-8")], "txt"), ("pdf", pdf_pages, "pdf")):
        meta = _derive(f"规范性文件/397.{fmt}", pages, fmt, config)
        got = {
            "title": meta.title,
            "doc_number": meta.doc_number,
            "issuer": meta.issuer,
            "written_date": meta.written_date,
        }
        right = {
            "title": got["title"] == truth["title"],
            "doc_number": got["doc_number"] == truth["doc_number"],
            # the labels hold the signature's lines: 国家发展改革委办公厅 税务总局办公厅
            "issuer": set(got["issuer"].split("、")) == set(truth["issuer"].replace(" ", "、").split("、"))
            or got["issuer"].replace("、", "") == truth["issuer"].replace(" ", ""),
            "written_date": got["written_date"] == truth["written_date"],
        }
        results[name] = {"got": got, "right": right, "share": sum(right.values()) / len(right)}
    return results


def main() -> int:
    corpus = shared_corpus()
    if corpus is None:
        print("../shared/corpus not found beside the checkout", file=sys.stderr)
        return 2
    config = load_config(None)
    figures = {
        "lawrefbook_shandong": measure_lawrefbook(corpus, config),
        "policy_documents": measure_policy_documents(corpus, config),
        "govdoc_397": measure_govdoc(corpus, config),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
