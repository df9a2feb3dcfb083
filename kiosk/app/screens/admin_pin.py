"""The admin PIN pad, reached only by the hidden corner gesture."""

from __future__ import annotations

import logging
import math
from typing import Any

from kivy.properties import StringProperty

from index.ops.adminpin import verify_pin
from kiosk.app.screens.base import KScreen
from kiosk.app.widgets import KButton

log = logging.getLogger(__name__)

PAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "@delete", "0", "@ok")


class PinKey(KButton):
    value = StringProperty("")


class AdminPinScreen(KScreen):
    pin = StringProperty("")
    message = StringProperty("")
    session_properties = ("pin", "message")

    def on_kv_post(self, base_widget: Any) -> None:
        pad = self.ids.pad
        for key in PAD:
            text = {"@delete": self.app.t("key_delete"), "@ok": self.app.t("admin_pin_ok")}.get(key, key)
            btn = PinKey(text=text, value=key, role="big")
            btn.bind(on_release=lambda b: self.press(b.value))
            pad.add_widget(btn)

    def enter(self, **_: Any) -> None:
        self.reset()
        if not self.app.kconfig["app.admin_pin_hash"]:
            self.message = self.app.t("admin_pin_unset")

    def press(self, value: str) -> None:
        if value == "@delete":
            self.pin = self.pin[:-1]
        elif value == "@ok":
            self.check()
        elif len(self.pin) < 12:
            self.pin += value

    def check(self) -> None:
        stored = str(self.app.kconfig["app.admin_pin_hash"])
        guard = self.app.pin_guard
        if not stored:
            self.pin = ""
            self.message = self.app.t("admin_pin_unset")
            return
        if guard.wait_s() > 0:  # too soon after wrong PINs: this one is not even checked
            self.pin = ""
            self.message = self.refusal()
            return
        ok = verify_pin(self.pin, stored)
        self.pin = ""
        if ok:
            guard.succeeded()
            log.info("admin screen opened")
            self.app.show("admin", push=False)
        else:
            guard.failed()
            log.warning("wrong admin PIN entered (%d in a row%s)", guard.failures,
                        ", pad locked" if guard.locked() else "")
            self.message = self.refusal() if guard.wait_s() > 0 else self.app.t("admin_pin_wrong")

    def refusal(self) -> str:
        guard = self.app.pin_guard
        if guard.locked():
            return self.app.t("admin_pin_locked", minutes=math.ceil(guard.wait_s() / 60))
        return self.app.t("admin_pin_wait", seconds=math.ceil(guard.wait_s()))

    def masked(self, pin: str) -> str:
        return "●" * len(pin)


SCREEN_CLASS = AdminPinScreen
