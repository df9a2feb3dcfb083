"""Who may import whom (docs/ARCHITECTURE.md): the core never imports Kivy or the app; the CLI never imports Kivy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_core_modules_import_neither_kivy_nor_kiosk():
    offenders = []
    for path in (REPO / "index").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(REPO)}: {n}" for n in names if n.split(".")[0] in ("kivy", "kiosk")]
    assert offenders == []


def test_cli_does_not_load_kivy():
    code = ("import sys, kiosk.cli, index.library, index.sync.reconcile; kiosk.cli.build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'kivy'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
