"""``kiosk metrics``: node_exporter textfile, written atomically, from the library and the status."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from index.messages import keys
from index.ops import health

from .conftest import Terminal, run_kiosk

LINE = re.compile(r'^(kiosk_[a-z_]+)\{terminal="([^"]*)"\} (\S+)$')


def parse(text: str) -> dict[str, float]:
    values = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert line.startswith(("# HELP kiosk_", "# TYPE kiosk_")), line
            continue
        match = LINE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        assert match[2] == "hall1-t01"
        values[match[1]] = float(match[3])
    return values


def test_metrics_file_from_a_real_library(terminal: Terminal, tmp_path: Path) -> None:
    terminal.write_status(age_s=42, pending_count=7, rejected_count=3)
    textfile_dir = tmp_path / "node-exporter"
    textfile_dir.mkdir()
    proc = run_kiosk("--config", str(terminal.config), "metrics", "--textfile-dir", str(textfile_dir))
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in textfile_dir.iterdir()] == [health.METRICS_FILE]  # no temp file left behind
    prom = textfile_dir / health.METRICS_FILE
    assert prom.stat().st_mode & 0o777 == 0o644
    values = parse(prom.read_text(encoding="utf-8"))
    assert set(values) == set(health.METRIC_HELP)
    assert 40 <= values["kiosk_seconds_since_last_sync"] < 120
    assert values["kiosk_public_documents"] == 1  # from the library itself ...
    assert values["kiosk_pending_review"] == 0 and values["kiosk_rejected_files"] == 0  # ... not the status file
    assert values["kiosk_last_sync_ok"] == 1 and values["kiosk_share_ok"] == 1
    assert values["kiosk_app_up"] in (0, 1)  # 1 if any `kiosk app` runs on this machine (see the next test)


def test_metrics_without_any_status_are_nan_not_zero(terminal: Terminal) -> None:
    (terminal.library / "sync-status.json").unlink()
    proc = run_kiosk("--config", str(terminal.config), "metrics", "--stdout")
    values = parse(proc.stdout)
    assert math.isnan(values["kiosk_seconds_since_last_sync"]) and math.isnan(values["kiosk_last_sync_ok"])


def test_app_up_sees_a_running_kiosk_app(tmp_path: Path) -> None:
    fake_bin = tmp_path / "venv" / "bin"
    fake_bin.mkdir(parents=True)
    kiosk = fake_bin / "kiosk"
    kiosk.write_text("#!/bin/sh\nsleep 30\n")
    kiosk.chmod(0o755)
    other = subprocess.Popen(["/bin/sh", str(kiosk), "--config", "/etc/x.toml", "status"], start_new_session=True)
    proc = subprocess.Popen(["/bin/sh", str(kiosk), "--config", "/etc/x.toml", "app"], start_new_session=True)
    try:
        deadline = time.monotonic() + 5
        while proc.pid not in health.app_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = health.app_pids()
        assert proc.pid in pids and other.pid not in pids
        assert health.app_running()
    finally:
        for p in (proc, other):
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    assert proc.pid not in health.app_pids()


def test_textfile_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "kiosk.prom"
    health.write_textfile(target, "a 1\n")
    before = os.stat(target).st_ino
    health.write_textfile(target, "a 2\n")
    assert target.read_text() == "a 2\n" and os.stat(target).st_ino != before  # renamed over, not rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kiosk.prom"]


def test_every_doctor_failure_has_a_fix_text() -> None:
    source = Path(health.__file__).read_text(encoding="utf-8")
    all_keys = set(keys())
    pairs = re.findall(r'_(fail|ok)\("(\w+)", "(\w+)"', source)
    assert len(pairs) > 30
    for kind, check, msg in pairs:
        assert f"doctor.{check}.{msg}" in all_keys
        if kind == "fail":
            assert f"doctor.{check}.{msg}_fix" in all_keys, f"doctor.{check}.{msg}_fix"
        assert f"doctor.label.{check}" in all_keys
