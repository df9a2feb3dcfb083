"""The command line's frame: a command imports only its own module; the help lists every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.cli import COMMANDS, _chosen_command

REPO = Path(__file__).resolve().parent.parent.parent


def _modules_after(argv: list[str]) -> set[str]:
    code = ("import sys, kiosk.cli; kiosk.cli.build_parser(" + repr(argv) + "); "
            "print(' '.join(m for m in sys.modules if m.startswith('kiosk.commands.')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_a_command_imports_only_its_own_module() -> None:
    loaded = _modules_after(["--config", "x.toml", "search", "信息公开"])
    assert loaded == {"kiosk.commands.search", "kiosk.commands._common"}
    assert "kiosk.commands.hash_pin" in _modules_after(["hash-pin"])


def test_without_a_known_command_every_command_is_there_for_the_help() -> None:
    loaded = _modules_after(["--help"])
    assert {f"kiosk.commands.{name}" for name in COMMANDS} <= loaded
    out = subprocess.run([sys.executable, "-c", "import sys; from kiosk.cli import main; sys.exit(main(['--help']))"],
                         cwd=REPO, capture_output=True, text=True)
    for name in COMMANDS:
        assert name.replace("_", "-") in out.stdout


def test_the_command_is_the_first_word_that_is_not_an_option() -> None:
    assert _chosen_command(["--config", "search", "status"]) == "status"  # the config file may be called anything
    assert _chosen_command(["-v", "doctor", "--json"]) == "doctor"
    assert _chosen_command(["--config=a.toml", "hash-pin"]) == "hash_pin"
    assert _chosen_command(["nosuch"]) is None
    assert _chosen_command([]) is None


def test_segmenting_a_query_does_not_import_pkg_resources_and_leaves_it_importable() -> None:
    code = ("import sys; from index.analysis import query_words; words = query_words('信息公开工作'); "
            "shielded = 'pkg_resources' not in sys.modules; import pkg_resources; "
            "print(words, shielded, hasattr(pkg_resources, 'resource_stream'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['信息', '公开', '工作'] True True"
