"""Library text never reaches a Kivy label unescaped (every KLabel/KButton has ``markup: True``).

A grep over the app's .py and .kv files: each line that takes a field of a document
(title, issuer, doc_number, topic, source_path, replaced_by, index_number) must pass
it through ``library_text`` (or another escaping helper of kiosk/app/markup.py) on
the same line, unless it is listed below with the reason it is not shown as markup.
"""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "kiosk" / "app"
FIELD = re.compile(r"\b(?:meta|hit|item|record|rec|h|root)\.(title|issuer|doc_number|topic|source_path|replaced_by|index_number|issue_title)\b")
ESCAPES = ("library_text(", "escape_markup(", "snippet_markup(", "mark_terms(")
# (file, fragment of the line): why the field is not put on a label there.
NOT_SHOWN = {
    ("qr.py", "needs_index and not meta.index_number"): "a test, not text",
    ("qr.py", "pattern.format("): "a URL, quoted",
    ("qr.py", "return record.meta.title, public_url("): "escaped where shown: library_text in _found, escape_markup in no_url_message",
    ("viewer.py", "same = [h for h in hits if h.doc_id != current_id"): "a comparison to find the replacement, not shown",
    ("search.py", 'meta = "  ·  ".join('): "escaped where it goes on the card (meta_text: escape_markup(meta))",
    ("search.py", 'replaced = app.t("replaced_by"'): "escaped where it goes on the card (replaced_text)",
    ("viewer.py", "self.replaced_by = meta.replaced_by"): "a search query; escaped in viewer.kv where shown",
    ("viewer.py", "self.app.count("): "usage counts, not shown",
    ("viewer.kv", "collapsed: not root.replaced_by"): "a test",
    ("viewer.kv", "title: root.title"): "set escaped in viewer.py (library_text)",
    ("qr.kv", "title: root.title"): "set escaped in qr.py (library_text)",
    ("gazette.kv", "root.issue_title"): "set escaped in gazette.py (library_text)",
    ("widgets.kv", "text: root.title"): "Header/ChooserView titles: set by the screens, escaped there (checked above)",
}


def test_library_text_is_escaped_wherever_it_reaches_a_label() -> None:
    unescaped, used = [], set()
    files = sorted(APP.rglob("*.py")) + sorted(APP.rglob("*.kv"))
    assert len(files) > 10
    seen_fields = 0
    for path in files:
        if path.name == "markup.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not FIELD.search(line):
                continue
            seen_fields += 1
            if any(e in line for e in ESCAPES):
                continue
            allowed = [k for k in NOT_SHOWN if k[0] == path.name and k[1] in line]
            if allowed:
                used.update(allowed)
                continue
            unescaped.append(f"{path.relative_to(APP)}:{n}: {line.strip()}")
    assert seen_fields >= 8  # the grep finds the places it is meant to check
    assert not unescaped, "library text put on a markup label unescaped:\n" + "\n".join(unescaped)
    assert used == set(NOT_SHOWN), f"stale exceptions: {set(NOT_SHOWN) - used}"

