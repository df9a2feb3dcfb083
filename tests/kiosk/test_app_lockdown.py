"""Locked down but stoppable: Escape and close do nothing; corner gesture + PIN opens admin."""

from __future__ import annotations

import json

import pytest
from conftest import find_button, step, tap, texts, wait_for
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch

from index.ops.adminpin import hash_pin


def corner_taps(n: int) -> None:
    for _ in range(n):
        t = UnitTestTouch(Window.width - 20, Window.height - 20)
        t.touch_down()
        t.touch_up()
        step(1)


def test_escape_close_and_shortcuts_do_nothing(app):
    app.open_search(query="养老", keyboard=False)
    step(3)
    for key in (27, 282, 293, 9):  # Escape, F1, F12, Tab
        Window.dispatch("on_keyboard", key, 0, None, [])
        Window.dispatch("on_key_down", key, 0, None, [])
    assert Window.dispatch("on_request_close") is True  # blocked
    step(3)
    assert app.sm.current == "search"
    assert app.root.get_root_window() is Window


@pytest.fixture
def pin_config(app, tmp_path):
    stored = app.kconfig
    status = tmp_path / ".kiosk-status"
    status.mkdir()
    (status / "t-admin.json").write_text(json.dumps({"schema": 1, "last_sync_at": "2025-03-01T08:30:00Z",
                                                    "last_sync_ok": True}), encoding="utf-8")
    app.kconfig = stored.with_overrides({"app.admin_pin_hash": hash_pin("2580", iterations=1000),
                                         "share.path": str(tmp_path), "terminal.id": "t-admin"})
    yield "2580"
    app.kconfig = stored


def enter_pin(app, pin):
    screen = app.sm.get_screen("admin_pin")
    step(2)
    for d in pin:
        tap(find_button(screen.ids.pad, d), frames=1)
    tap(find_button(screen.ids.pad, app.t("admin_pin_ok")))


def test_hidden_corner_gesture_and_pin_open_admin(app, pin_config):
    corner_taps(4)
    assert app.sm.current == "home", "four taps are not enough"
    corner_taps(1)
    assert app.sm.current == "admin_pin"
    enter_pin(app, "1111")
    assert app.sm.current == "admin_pin"
    assert app.t("admin_pin_wrong") in texts(app.sm.get_screen("admin_pin"))
    enter_pin(app, pin_config)
    assert app.sm.current == "admin"
    admin = app.sm.get_screen("admin")
    wait_for(lambda: admin.counts, what="admin counts")
    assert admin.counts["public"] > 0
    shown = texts(admin)
    assert admin.counts_text(admin.counts) in shown
    assert app.t("admin_exit") in shown and app.t("admin_sync_now") in shown
    wait_for(lambda: admin.last_sync, what="last sync")
    assert admin.last_sync == app.t("admin_last_sync", when="2025-03-01 08:30:00", result=app.t("admin_last_sync_ok"))


def test_no_pin_configured_means_no_admin(app):
    assert not app.kconfig["app.admin_pin_hash"]
    corner_taps(5)
    assert app.sm.current == "admin_pin"
    enter_pin(app, "0000")
    assert app.sm.current == "admin_pin"
    assert app.t("admin_pin_unset") in texts(app.sm.get_screen("admin_pin"))


def test_slow_corner_taps_do_not_count(app, fake_clock):
    for _ in range(5):
        corner_taps(1)
        fake_clock.advance(1.0)
    assert app.sm.current == "home"


def test_wrong_pins_slow_down_then_lock_the_pad(app, pin_config, fake_clock):
    from index.ops.adminpin import FREE_TRIES, LOCK_AFTER, LOCK_S
    from index.sync.status import read_pin_state

    app.show("admin_pin", push=False)
    screen = app.sm.get_screen("admin_pin")
    try:
        for n in range(1, LOCK_AFTER + 1):
            enter_pin(app, "1111")
            assert app.sm.current == "admin_pin"
            shown = texts(screen)
            if n < FREE_TRIES:
                assert app.t("admin_pin_wrong") in shown
            elif n < LOCK_AFTER:
                assert any("请等待" in t for t in shown), shown
                enter_pin(app, pin_config)  # even the right PIN is not taken during the delay
                assert app.sm.current == "admin_pin"
                fake_clock.advance(app.pin_guard.wait_s())
        assert any("已锁定" in t for t in shown), shown
        wait_for(lambda: (read_pin_state(app.library_path) or {}).get("locked_until"), what="the record for staff")
        fake_clock.advance(LOCK_S - 10)
        enter_pin(app, pin_config)
        assert app.sm.current == "admin_pin", "locked for five minutes"
        fake_clock.advance(10)
        enter_pin(app, pin_config)
        assert app.sm.current == "admin"
        wait_for(lambda: (read_pin_state(app.library_path) or {}).get("failures_in_row") == 0, what="record cleared")
    finally:
        app.pin_guard.succeeded()
