"""Every third-party module that kiosk/ and index/ import is declared in what a terminal installs.

Provisioning installs ``reading-room-kiosk[app]``: the base dependencies plus the ``app`` extra.
A module that only arrives through the ``test`` extra (numpy came with matplotlib) works in the
test environment and fails on a terminal, so this test reads every import from the source and
checks it against pyproject.toml, not against what happens to be installed.

One exception, by construction: a module of another extra (``report``: matplotlib) may be
imported inside a function, for a command a terminal does not run; at module level it
would break every import of that file, so there it must be a terminal dependency too.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {"index", "kiosk"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    return canonical(re.split(r"[\s\[<>=!~;]", spec.strip(), maxsplit=1)[0])


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def terminal_requirements() -> set[str]:
    specs = list(project()["dependencies"]) + list(project()["optional-dependencies"]["app"])
    return {requirement_name(s) for s in specs}


def optional_requirements() -> set[str]:
    """What the other extras (not ``app``, not ``test``) declare: optional features off a terminal."""
    extras = project()["optional-dependencies"]
    return {requirement_name(s) for name, specs in extras.items() if name not in ("app", "test") for s in specs
            if not requirement_name(s).startswith("reading-room-kiosk")}


def imported_modules() -> dict[str, list[tuple[str, bool]]]:
    """Top-level module -> (file, imported inside a function?) for every absolute import."""
    found: dict[str, list[tuple[str, bool]]] = {}

    def visit(node: ast.AST, path: str, in_function: bool) -> None:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            found.setdefault(name.split(".")[0], []).append((path, in_function))
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            return  # annotations only, never imported at run time
        for child in ast.iter_child_nodes(node):
            visit(child, path, inner)

    for package in sorted(FIRST_PARTY):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            visit(tree, str(path.relative_to(ROOT)), False)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def test_the_source_imports_third_party_modules_at_all():
    third_party = {m for m in imported_modules() if m not in FIRST_PARTY and m not in sys.stdlib_module_names}
    assert {"kivy", "whoosh", "pypdfium2"} <= third_party, "the import scan finds the known dependencies"


def test_every_third_party_import_is_declared_for_a_terminal():
    declared = terminal_requirements()
    optional = optional_requirements()
    distributions = metadata.packages_distributions()
    missing: list[str] = []
    for module, uses in sorted(imported_modules().items()):
        if module in FIRST_PARTY or module in sys.stdlib_module_names:
            continue
        providers = {canonical(d) for d in distributions.get(module, [])}
        where = uses[0][0]
        if not providers:
            missing.append(f"{module} (not installed; imported by {where})")
        elif providers & declared:
            continue
        elif providers & optional and all(lazy for _file, lazy in uses):
            continue  # an optional feature's module, imported only when that feature runs
        else:
            missing.append(f"{module} from {'/'.join(sorted(providers))} (imported by {where})")
    assert not missing, "imported but not in the base dependencies or the [app] extra: " + "; ".join(missing)
