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

log = logging.getLogger("kiosk.app.admin")


class AdminScreen(KScreen):
    counts = DictProperty()
    rejected = ListProperty()
    sync_message = StringProperty("")
    session_properties = ("counts", "rejected", "sync_message")

    def enter(self, **_: Any) -> None:
        self.load()

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
