"""The admin screen: sync status, pending review, rejected files, sync now, exit."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from typing import Any

from kivy.clock import Clock
from kivy.properties import DictProperty, ListProperty, StringProperty

from kiosk.app.screens.base import KScreen

log = logging.getLogger(__name__)


class AdminScreen(KScreen):
    counts = DictProperty()
    rejected = ListProperty()
    sync_message = StringProperty("")
    last_sync = StringProperty("")
    session_properties = ("counts", "rejected", "sync_message", "last_sync")

    def enter(self, **_: Any) -> None:
        self.load()
        # The share may be a slow network mount: read its status file off the UI thread.
        self.app.lib.submit(lambda lib: self.read_status(), lambda text: setattr(self, "last_sync", text),
                            channel="admin_status")

    def read_status(self) -> str:
        """The sync daemon's status file on the share (SHARE/.kiosk-status/<terminal-id>.json)."""
        import json
        from pathlib import Path

        cfg = self.app.kconfig
        path = Path(cfg["share.path"]) / cfg["sync.status_dir"] / f"{cfg['terminal.id']}.json"
        try:
            status = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return self.app.t("admin_last_sync_unknown")
        when = str(status.get("last_sync_at") or "").replace("T", " ")[:19]
        if not when:
            return self.app.t("admin_last_sync_unknown")
        ok = self.app.t("admin_last_sync_ok" if status.get("last_sync_ok") else "admin_last_sync_failed")
        return self.app.t("admin_last_sync", when=when, result=ok)

    def load(self) -> None:
        def fetch(library: Any) -> tuple[dict[str, int], list[Any]]:
            return library.counts(), library.rejections()

        self.app.lib.submit(fetch, self._loaded, channel="admin")

    def on_library_changed(self) -> None:
        if self.app.sm.current == "admin":
            self.load()

    def _loaded(self, result: tuple[dict[str, int], list[Any]]) -> None:
        counts, rejections = result
        self.counts = dict(counts)
        self.rejected = [
            {"text": f"{r.source_path}\n{r.reason_text}", "value": r.source_path, "handler_name": "noop",
             "screen_name": "admin"}
            for r in rejections[:200]
        ]

    def noop(self, value: str) -> None:
        pass

    def counts_text(self, counts: dict[str, int]) -> str:
        if not counts:
            return ""
        return self.app.t("admin_counts", public=counts.get("public", 0), pending=counts.get("pending", 0),
                          rejected=counts.get("rejected", 0))

    def sync_command(self) -> list[str]:
        cmd = [sys.executable, "-m", "kiosk"]
        source = getattr(self.app.kconfig, "source", None)
        if source:
            cmd += ["--config", str(source)]
        return [*cmd, "sync", "--once", "--library", str(self.app.library_path)]

    def sync_now(self) -> None:
        self.sync_message = self.app.t("admin_sync_running")
        cmd = self.sync_command()

        def run() -> None:
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
                ok, detail = proc.returncode == 0, (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
            except (OSError, subprocess.SubprocessError) as exc:
                ok, detail = False, [str(exc)]
            Clock.schedule_once(lambda dt: self._synced(ok, detail[0]), 0)

        threading.Thread(target=run, name="kiosk-sync-now", daemon=True).start()

    def _synced(self, ok: bool, detail: str) -> None:
        self.sync_message = self.app.t("admin_sync_done_short") if ok else self.app.t("admin_sync_failed", detail=detail)
        self.load()

    def exit_app(self) -> None:
        log.info("exit requested on the admin screen")
        self.app.shutdown()


SCREEN_CLASS = AdminScreen
