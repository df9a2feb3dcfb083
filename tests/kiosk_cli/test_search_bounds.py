"""``kiosk search`` and ``kiosk candidates`` refuse a query over the bounds: exit 2, one line, no traceback."""

from __future__ import annotations

import json

import pytest

from tests.kiosk_cli.conftest import run_kiosk


@pytest.mark.parametrize(("command", "arg", "setting"), [
    ("search", "停车" * 5_000, "search.max_query_chars"),
    ("search", " ".join(["停车"] * 13), "search.max_query_words"),
    ("candidates", "zhengfuxinxigongkai" * 10, "search.max_query_chars"),
], ids=["10000_chars", "13_words", "190_letters"])
def test_too_long_is_refused_in_one_line(terminal, command: str, arg: str, setting: str) -> None:
    res = run_kiosk("--config", str(terminal.config), command, arg)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr and setting in lines[0]
    assert res.stdout == ""


def test_smaller_limit_from_the_configuration(terminal) -> None:
    terminal.write_config(**{"search.max_query_chars": 6})
    ok = run_kiosk("--config", str(terminal.config), "search", "--json", "政府信息公开")
    assert ok.returncode == 0 and json.loads(ok.stdout)["total"] == 1
    refused = run_kiosk("--config", str(terminal.config), "search", "政府信息公开工作")
    assert refused.returncode == 2 and "at most 6" in refused.stderr
