from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index.config import Config
from index.library import Library
from index.messages import t
from index.sync.ingest import key
from index.sync.status import StatusPublisher, SyncState, build_status, read_local, summary_text

from .conftest import add_document

SCHEMA_KEYS = {
    "schema", "terminal_id", "location", "version", "written_at", "last_sync_at", "last_sync_ok",
    "public_documents", "pending_count", "pending", "rejected_count", "rejected", "free_disk_mb",
    "ingest_paused", "share_ok", "app_up",
}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def filled(library_root: Path, config: Config) -> Path:
    with Library.open(library_root, config, writable=True) as lib:
        add_document(lib, "规范性文件/关于档案开放的通知.txt", "关于档案开放的通知 正文", title="关于档案开放的通知")
        add_document(lib, "规范性文件/待审.txt", "尚未审查的文件 正文", title="尚未审查的文件", reviewed=False)
        with lib.writer() as w:
            w.reject("规范性文件/坏.pdf", "corrupt", "pdfium: not a PDF", 10, 1.0)
            # A GBK-named file is recorded under its readable name (ingest.key), as the sync does.
            w.reject(key(os.fsdecode("规范性文件/".encode() + "旧名.txt".encode("gbk"))), "empty", "0 bytes", 0, 1.0)
    return library_root


def test_status_record_follows_schema(filled: Path, config: Config) -> None:
    state = SyncState(last_sync_at=1_700_000_000.0, last_sync_ok=True)
    with Library.open(filled, config) as lib:
        status = build_status(lib, config, state, now=lambda: 1_700_000_100.0)
    assert set(status) >= SCHEMA_KEYS
    assert status["schema"] == 1
    assert status["written_at"] == "2023-11-14T22:15:00Z"
    assert status["last_sync_at"] == "2023-11-14T22:13:20Z"
    assert (status["public_documents"], status["pending_count"], status["rejected_count"]) == (1, 1, 2)
    assert status["pending"] == [{"source_path": "规范性文件/待审.txt", "title": "尚未审查的文件"}]
    reasons = {r["reason"]: r for r in status["rejected"]}
    assert reasons["corrupt"]["reason_text"] == t("reject.corrupt")
    assert reasons["empty"]["source_path"] == "规范性文件/旧名.txt"  # GBK bytes shown readably
    assert status["free_disk_mb"] > 0
    json.dumps(status, ensure_ascii=False).encode("utf-8")  # storable as UTF-8


def test_summary_is_chinese_and_complete(filled: Path, config: Config) -> None:
    state = SyncState(last_sync_at=1_700_000_000.0, last_sync_ok=True, ingest_paused=True)
    state.note("sync.disk_low", free_mb=12, min_mb=500)
    with Library.open(filled, config) as lib:
        text = summary_text(build_status(lib, config, state))
    assert t("sync.status_counts", public=1, pending=1, rejected=2) in text
    assert "尚未审查的文件" in text and t("reject.corrupt") in text
    assert t("sync.disk_low", free_mb=12, min_mb=500) in text


def test_publisher_writes_share_and_library_atomically(filled: Path, config: Config, share: Path) -> None:
    with Library.open(filled, config) as lib:
        status = build_status(lib, config, SyncState())
    pub = StatusPublisher(share, filled, config)
    assert pub.publish(status) is True
    folder = share / ".kiosk-status"
    written = json.loads((folder / "terminal-01.json").read_text(encoding="utf-8"))
    assert written == status == read_local(filled)
    assert (folder / "terminal-01.txt").read_text(encoding="utf-8") == summary_text(status)
    assert sorted(p.name for p in folder.iterdir()) == ["terminal-01.json", "terminal-01.txt"]  # no temp files left


def test_unwritable_share_is_not_an_error(filled: Path, config: Config, share: Path) -> None:
    (share / ".kiosk-status").write_text("a file where the folder should be", encoding="utf-8")
    with Library.open(filled, config) as lib:
        status = build_status(lib, config, SyncState())
    assert StatusPublisher(share, filled, config).publish(status) is False
    assert read_local(filled) == status  # the local copy is still written


def test_kiosk_status_command(filled: Path, config: Config, tmp_path: Path) -> None:
    state = SyncState(last_sync_at=1_700_000_000.0, last_sync_ok=True)
    with Library.open(filled, config) as lib:
        StatusPublisher(tmp_path / "no-share", filled, config).publish(build_status(lib, config, state))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cfg = str(config.source)
    out = subprocess.run([sys.executable, "-m", "kiosk", "--config", cfg, "status", "--library", str(filled), "--json"],
                         capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    record = json.loads(out)
    assert set(record) >= SCHEMA_KEYS
    assert record["last_sync_at"] == "2023-11-14T22:13:20Z" and record["last_sync_ok"] is True
    text = subprocess.run([sys.executable, "-m", "kiosk", "--config", cfg, "status", "--library", str(filled)],
                          capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    assert t("sync.status_counts", public=1, pending=1, rejected=2) in text


def test_kiosk_status_without_library_says_what_to_do(tmp_path: Path, config: Config) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config.source), "status",
                          "--library", str(tmp_path / "none")], capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 1
    assert "sync --once" in res.stderr


def test_usage_counts_are_exported_to_the_share(filled: Path, config: Config, share: Path) -> None:
    from index.usage.counts import UsageCounter

    counter = UsageCounter(filled / "stats", "terminal-01")
    counter.record("session")
    counter.record("view", doc_id="abc", topic="档案")
    counter.close()
    pub = StatusPublisher(share, filled, config)
    assert pub.export_counts() is True
    exported = list((share / ".kiosk-status" / "counts" / "terminal-01").iterdir())
    assert exported and all(p.suffix == ".json" for p in exported)


def test_no_counts_yet_exports_nothing(filled: Path, config: Config, share: Path) -> None:
    assert StatusPublisher(share, filled, config).export_counts() is False
    assert not (share / ".kiosk-status" / "counts").exists()
