"""The code stays clean: ruff over the project, mypy (untyped defs disallowed) over the core."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    if exe.exists():
        return str(exe)
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (it comes with the 'test' extra: ./run test installs it)")
    return found


def test_ruff_clean():
    out = subprocess.run([_tool("ruff"), "check", "index", "kiosk", "benchmarks"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_mypy_clean_core():
    out = subprocess.run([_tool("mypy"), "index"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
