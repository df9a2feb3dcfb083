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


# The rooms of index/, lowest first (docs/ARCHITECTURE.md, "Who may import whom"). A room
# may import rooms of its own level or below, never above; a new room must be placed here.
LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"index", "index.errors", "index.messages", "index.models", "index.normalize", "index.atomic",
               "index.config", "index.bounds", "index.lock"}),
    frozenset({"index.analysis", "index.docnumber", "index.vocab", "index.extract", "index.metadata",
               "index.ocr_cache", "index.scanview", "index.handwriting", "index.jieba_dict"}),
    frozenset({"index.catalogue", "index.whoosh_index", "index.search", "index.recovery"}),
    frozenset({"index.library", "index.library_writer"}),
    frozenset({"index.sync", "index.usage"}),
    frozenset({"index.ops"}),
)


def _room(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _index_imports() -> list[tuple[str, str, str]]:
    edges = []
    for path in (REPO / "index").rglob("*.py"):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            edges += [(str(path.relative_to(REPO)), module, t) for t in targets if t.split(".")[0] == "index"]
    return edges


def test_every_room_of_the_core_has_a_level():
    level_of = {room for level in LEVELS for room in level}
    unplaced = sorted({_room(m) for _, m, _ in _index_imports()} - level_of)
    assert unplaced == [], f"place these rooms in LEVELS (and docs/ARCHITECTURE.md): {unplaced}"


def test_rooms_of_the_core_import_only_downwards():
    level_of = {room: i for i, level in enumerate(LEVELS) for room in level}
    upward = [f"{where}: {module} -> {target}" for where, module, target in _index_imports()
              if level_of.get(_room(target), -1) > level_of.get(_room(module), len(LEVELS))]
    assert upward == [], "imports that run back up the house:\n" + "\n".join(upward)


def test_extraction_workers_import_only_what_they_need():
    """The worker process stays small: no catalogue, index, sync or metadata in it."""
    allowed = {"index", "index.extract", "index.models", "index.errors", "index.messages", "index.config"}
    extra = [f"{where}: {target}" for where, module, target in _index_imports()
             if _room(module) == "index.extract" and _room(target) not in allowed]
    assert extra == []
