"""``kiosk fleet`` on a share with fresh, stale and malformed status files."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.commands.fleet import _width as display_width

from .conftest import run_kiosk


def status(terminal_id: str, age_s: float, **fields: object) -> dict:
    written = datetime.fromtimestamp(time.time() - age_s, UTC).isoformat()
    data = {"schema": 1, "terminal_id": terminal_id, "location": "现行文件查阅中心", "version": "0.1.0",
            "written_at": written, "last_sync_at": written, "last_sync_ok": True, "public_documents": 120,
            "pending_count": 2, "pending": [], "rejected_count": 1, "rejected": [], "free_disk_mb": 900,
            "ingest_paused": False, "share_ok": True, "app_up": True}
    data.update(fields)
    return data


@pytest.fixture
def share(tmp_path: Path) -> Path:
    folder = tmp_path / "share" / ".kiosk-status"
    folder.mkdir(parents=True)

    def put(name: str, content: str | bytes) -> None:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    put("hall1-t01.json", json.dumps(status("hall1-t01", 30, location="政务服务大厅 一楼"), ensure_ascii=False))
    put("hall1-t01.txt", "同步正常")  # the readable summary beside it is not a status file
    put("hall2-t02.json", json.dumps(status("hall2-t02", 5 * 3600, version="0.0.9", public_documents=80)))
    put("hall3-t03.json", json.dumps(status("hall3-t03", 60, last_sync_ok=False, app_up=False)))
    put("broken.json", '{"schema": 1, "terminal_id": "broken", ')  # cut off mid-write by an old tool
    put("oldschema.json", json.dumps({**status("oldschema", 10), "schema": 7}))
    put("noclock.json", json.dumps(status("noclock", 10, written_at="yesterday")))
    put("latin1.json", "{\"terminal_id\": \"caf\xe9\"}".encode("latin-1"))
    put("renamed.json", json.dumps(status("someone-else", 10)))
    put(".hall1-t01.json.tmp", "{half")  # a writer's temporary file: ignored
    (folder / "counts").mkdir()
    return tmp_path / "share"


def test_fleet_json_rows_stale_flags_and_malformed(share: Path) -> None:
    proc = run_kiosk("fleet", "--share", str(share), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    rows = {r["terminal_id"]: r for r in report["terminals"]}
    assert set(rows) == {"hall1-t01", "hall2-t02", "hall3-t03"}
    assert rows["hall1-t01"]["stale"] is False and rows["hall3-t03"]["stale"] is False
    assert rows["hall2-t02"]["stale"] is True and rows["hall2-t02"]["age_s"] > 4 * 3600
    assert rows["hall1-t01"]["location"] == "政务服务大厅 一楼"
    assert rows["hall2-t02"]["public_documents"] == 80 and rows["hall2-t02"]["version"] == "0.0.9"
    assert rows["hall3-t03"]["last_sync_ok"] is False and rows["hall3-t03"]["app_up"] is False
    assert report["stale_count"] == 1
    malformed = {Path(m["path"]).name: m["reason"] for m in report["malformed"]}
    assert set(malformed) == {"broken.json", "oldschema.json", "noclock.json", "latin1.json", "renamed.json"}
    assert "not valid JSON" in malformed["broken.json"]
    assert "schema 7" in malformed["oldschema.json"]
    assert "written_at" in malformed["noclock.json"]
    assert "UTF-8" in malformed["latin1.json"]
    assert "does not match" in malformed["renamed.json"]


def test_fleet_table(share: Path) -> None:
    proc = run_kiosk("fleet", "--share", str(share))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:3] == ["terminal", "location", "last"]
    by_id = {line.split()[0]: line for line in lines[1:4]}
    assert by_id["hall2-t02"].rstrip().endswith("STALE") and "5h ago" in by_id["hall2-t02"]
    assert by_id["hall1-t01"].rstrip().endswith("ok") and "政务服务大厅 一楼" in by_id["hall1-t01"]
    assert "SYNC-FAILED" in by_id["hall3-t03"] and "APP-DOWN" in by_id["hall3-t03"]
    # Chinese locations take two columns each: the numbers still line up under their header
    header_width = display_width(lines[0][: lines[0].index("public")])
    for terminal_id, public in (("hall1-t01", " 120 "), ("hall2-t02", " 80 ")):
        row = by_id[terminal_id]
        assert display_width(row[: row.index(public) + 1]) == header_width
    assert "3 terminal(s), 1 stale" in proc.stdout and "5 malformed" in proc.stdout
    assert sum(line.startswith("malformed: ") for line in lines) == 5


def test_stale_after_from_config_and_flag(share: Path, tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("fleet.stale_after_s = 20.0\n", encoding="utf-8")
    report = json.loads(run_kiosk("--config", str(config), "fleet", "--share", str(share), "--json").stdout)
    assert {r["terminal_id"] for r in report["terminals"] if r["stale"]} == {"hall1-t01", "hall2-t02", "hall3-t03"}
    report = json.loads(run_kiosk("fleet", "--share", str(share), "--stale-after", "100000", "--json").stdout)
    assert report["stale_count"] == 0


def test_share_without_status_folder(tmp_path: Path) -> None:
    proc = run_kiosk("fleet", "--share", str(tmp_path))
    assert proc.returncode == 1
    assert ".kiosk-status" in proc.stderr and "mounted" in proc.stderr
