"""A terminal on disk for the CLI tests: config file, share with marker, a real library, a status file."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@dataclass
class Terminal:
    root: Path
    config: Path
    share: Path
    library: Path

    def write_config(self, extra: str = "", **settings: object) -> None:
        values: dict[str, object] = {
            "terminal.id": "hall1-t01",
            "terminal.location": "现行文件查阅中心",
            "library.path": str(self.library),
            "share.path": str(self.share),
            "app.font_path": str(CJK_FONT),
            "sync.min_free_mb": 1,
            "fleet.stale_after_s": 600.0,
        }
        values.update(settings)
        lines = [f"{name} = {json.dumps(value, ensure_ascii=False)}" for name, value in values.items()]
        self.config.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")

    def write_status(self, age_s: float = 5.0, **fields: object) -> Path:
        written = datetime.fromtimestamp(time.time() - age_s, UTC).isoformat()
        status = {"schema": 1, "terminal_id": "hall1-t01", "location": "现行文件查阅中心", "version": "0.1.0",
                  "written_at": written, "last_sync_at": written, "last_sync_ok": True, "public_documents": 1,
                  "pending_count": 0, "pending": [], "rejected_count": 0, "rejected": [], "free_disk_mb": 1000,
                  "ingest_paused": False, "share_ok": True, "app_up": None}
        status.update(fields)
        path = self.library / "sync-status.json"
        path.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
        return path

    def doctor(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_kiosk("--config", str(self.config), "doctor", *args, env=env)


def run_kiosk(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout, cwd=REPO)


def build_library(root: Path, config_path: Path) -> None:
    """A real library with one public document, made through the core's writer."""
    from index.config import load_config
    from index.library import Library
    from index.models import DocumentMeta, Extracted

    config = load_config(config_path)
    source = root.parent / "source.txt"
    text = "关于进一步规范政府信息公开工作的通知\n各单位：为规范政府信息公开工作，现通知如下。"
    source.write_text(text, encoding="utf-8")
    checksum = hashlib.sha256(source.read_bytes()).hexdigest()
    with Library.open(root, config, writable=True) as lib:
        copy = lib.copy_path_for(checksum, ".txt")
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(source.read_bytes())
        meta = DocumentMeta(kind="规范性文件", title="关于进一步规范政府信息公开工作的通知", doc_number="区府办发〔2024〕3号",
                            issuer="区人民政府办公室", publish_date="2024-03-01", reviewer="王审", review_date="2024-02-28")
        extracted = Extracted(pages=text.split("\n"), page_count=1, has_text=True, format="txt")
        with lib.writer() as writer:
            writer.add_or_update("规范性文件/通知.txt", copy, checksum, source.stat().st_size, source.stat().st_mtime,
                                 extracted, meta)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if not CJK_FONT.is_file():
        pytest.skip(f"{CJK_FONT} missing (apt-get install fonts-wqy-microhei)")
    share = tmp_path / "share"
    (share / ".kiosk-status").mkdir(parents=True)
    (share / ".kiosk-share").write_text("")
    term = Terminal(tmp_path, tmp_path / "kiosk.toml", share, tmp_path / "library")
    term.write_config()
    build_library(term.library, term.config)
    term.write_status()
    # A running sync holds the library's writer lock; this test process stands in for it
    # (``kiosk doctor`` judges the sync by that live holder, not by the status file alone).
    from index.lock import WriterLock

    with WriterLock(term.library):
        yield term
