"""``kiosk handwriting``: JSON Lines of strokes in, candidates and words out, on a real library and model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index.handwriting import DEFAULT_MODEL
from tests.fixtures import strokes as S
from tests.kiosk_cli.conftest import REPO, Terminal

pytestmark = [
    pytest.mark.skipif(not DEFAULT_MODEL.is_file(), reason="needs libzinnia0 and tegaki-zinnia-simplified-chinese"),
    pytest.mark.skipif(S.tarball_path() is None, reason="needs ../shared/corpus/handwriting (stroke medians)"),
]


def char_json(ch: str, seed: int) -> dict:
    return S.as_json(*S.perturb(S.medians(ch), seed))


def handwriting(terminal: Terminal, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(terminal.config), "handwriting", *args, "-"],
                          input=stdin, capture_output=True, text=True, env=env, timeout=120, cwd=REPO)


def test_characters_and_a_sequence_one_answer_per_line(terminal: Terminal) -> None:
    lines = [json.dumps(char_json("政", 3)), json.dumps(char_json("府", 4)),
             json.dumps({"sequence": [char_json("信", 5), char_json("息", 6)]})]
    proc = handwriting(terminal, "\n".join(lines) + "\n", "--json")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [sorted(o) for o in out] == [["candidates"], ["candidates"], ["candidates", "words"]]
    assert all(len(o["candidates"]) >= 10 for o in out)
    assert out[0]["candidates"][0] == "政" and out[1]["candidates"][0] == "府"
    # the library's one title is about 政府信息公开: the sequence 信 息 spells its words
    assert out[2]["words"][:1] == ["信息"] and "信息公开" in out[2]["words"]


def test_a_bad_line_is_answered_with_an_error_and_the_rest_still_read(terminal: Terminal, tmp_path: Path) -> None:
    good = json.dumps(char_json("政", 3))
    proc = handwriting(terminal, "{not json\n" + json.dumps({"width": 10}) + "\n" + good + "\n")
    assert proc.returncode == 1
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert "line 1" in out[0]["error"] and "line 2" in out[1]["error"] and "width" in out[1]["error"]
    assert out[2]["candidates"][0] == "政"
    assert "2 line(s)" in proc.stderr


def test_a_missing_file_is_one_clear_line(terminal: Terminal, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(terminal.config), "handwriting",
                           str(tmp_path / "nothing.jsonl")], capture_output=True, text=True, env=env, timeout=120, cwd=REPO)
    assert proc.returncode == 1 and "cannot read" in proc.stderr and proc.stdout == ""
