"""The message catalogue: every key the code names exists, every error class has its text.

Keys are named literally (``t("sync.status_ok")``), through the app's short form
(``app.t("filter_all")`` for ``app.filter_all``), or built from a literal prefix
(``t(f"doctor.{name}.{msg}")``); the last kind is checked where it is built.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from index import errors, messages

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted([*REPO.glob("index/**/*.py"), *REPO.glob("kiosk/**/*.py"), *REPO.glob("kiosk/**/*.kv")])

# t("a.b"), t_partial("a.b", …), self.t("a.b") – a literal first argument.
_FULL = re.compile(r"""\bt(?:_partial)?\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']\s*[,)]""")
# app.t("short") / self.app.t("short") / root.t("short"): the app prefixes "app.".
_APP = re.compile(r"""\b(?:app|root|self)\.t\(\s*["']([a-z0-9_]+)["']\s*[,)]""")


def _used() -> dict[str, list[str]]:
    used: dict[str, list[str]] = {}
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for key in _FULL.findall(text):
            used.setdefault(key, []).append(path.relative_to(REPO).as_posix())
        for short in _APP.findall(text):
            used.setdefault(f"app.{short}", []).append(path.relative_to(REPO).as_posix())
    return used


def test_the_scan_finds_keys_in_the_code():
    used = _used()
    assert len(used) > 50, "the key scan found almost nothing: its patterns no longer match the code"
    assert "app.filter_all" in used


def test_every_key_named_in_the_code_exists():
    known = set(messages.keys())
    missing = {key: where for key, where in _used().items() if key not in known}
    assert not missing, f"keys used but not in index/messages.toml: {missing}"


def _error_classes() -> list[type[errors.KioskError]]:
    import importlib
    import pkgutil

    import index

    for info in pkgutil.walk_packages(index.__path__, "index."):  # every error class of the core, whatever ran before
        importlib.import_module(info.name)
    found, todo = [], [errors.KioskError]
    while todo:
        cls = todo.pop()
        if cls.__module__.split(".")[0] in ("index", "kiosk"):  # not a test's own subclass
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda c: c.__name__)
def test_every_error_has_a_text_and_translates(cls):
    assert cls.message_key in messages.keys(), f"{cls.__name__}.message_key {cls.message_key!r} is not in the catalogue"  # noqa: SIM118 (a module, not a dict)
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
    required = {p.name: 1 for p in params if p.kind is p.KEYWORD_ONLY and p.default is p.empty}  # QueryTooLong(limit=…)
    exc = cls(*(f"{p.name}-x" for p in positional), **required)  # ExtractionError(reason, …), HandwritingUnavailable(detail, package)
    text = exc.message()
    assert text and "{" not in text
    assert re.search(r"[\u4e00-\u9fff]", text), f"{cls.__name__} is not shown in Chinese: {text!r}"


def test_cli_prints_the_catalogue_text_with_the_detail(capsys, tmp_path):
    from kiosk.cli import main

    rc = main(["--config", str(tmp_path / "missing.toml"), "search", "x"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1
    assert messages.t("error.config", detail="").rstrip("：") in err
    assert "missing.toml" in err


def test_an_error_may_carry_a_param_named_key():
    """ConfigError(key=...) is raised for a bad setting: the translation must not trip over it."""
    exc = errors.ConfigError("bad value", key="review.required")
    assert "bad value" in exc.message()
