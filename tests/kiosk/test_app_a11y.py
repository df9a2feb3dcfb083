"""适老化, measured on the widget tree of every screen: touch targets, text size, contrast, 返回/首页."""

from __future__ import annotations

import pytest
from conftest import open_screen_with, step, visible, walk
from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk.app import theme
from kiosk.app.main import NO_NAV_SCREENS, SCREENS
from kiosk.app.widgets import KeyButton

MIN_TARGET = 60
MIN_KEY = 48
MIN_TEXT = 18
MIN_TEXT_LARGE = 30
MIN_CONTRAST = 4.5


def background_of(widget):
    """The colour a widget's text is drawn on: its own button colour, else the nearest BgBox."""
    w = widget
    while w is not None:
        color = getattr(w, "bg_color", None)
        if color is not None and color[3] >= 1:
            if hasattr(w, "background_color") and getattr(w, "state", "normal") == "down":
                return w.down_color
            return color
        if w.parent is w:
            break
        w = w.parent
    return theme.WHITE


def on_screen(root):
    """Visible widgets (not hidden by opacity/collapse, inside the window)."""
    for w in walk(root):
        if visible(w) and w.get_root_window() is not None:
            yield w


def measure(app, name):
    root = app.sm.get_screen(name)
    problems = []
    large = app.large_text
    labels = buttons = 0
    for w in on_screen(root):
        if isinstance(w, ButtonBehavior) and not w.disabled:
            buttons += 1
            least = dp(MIN_KEY) if isinstance(w, KeyButton) else dp(MIN_TARGET)
            if w.height < least - 0.5 or w.width < least - 0.5:
                problems.append(f"touch target {w.__class__.__name__} {getattr(w, 'text', '')!r} is {w.width:.0f}x{w.height:.0f}")
        if isinstance(w, Label) and w.text.strip():
            labels += 1
            least = dp(MIN_TEXT_LARGE if large else MIN_TEXT)
            if w.font_size < least - 0.5:
                problems.append(f"text {w.text[:20]!r} is {w.font_size:.0f}px < {least:.0f}")
            ratio = theme.contrast(w.color if not w.disabled else w.disabled_color, background_of(w))
            if ratio < MIN_CONTRAST:
                problems.append(f"contrast {ratio:.1f} for {w.text[:20]!r}")
    return problems, labels, buttons


@pytest.mark.parametrize("large_text", [False, True], ids=["normal", "large-text"])
def test_every_screen_meets_the_elderly_visitor_rules(app, large_text):
    app.large_text = large_text
    step(3)
    report = {}
    for name in SCREENS:
        open_screen_with(app, name)
        problems, labels, _buttons = measure(app, name)
        assert labels > 0, f"{name}: nothing measured"
        if name not in NO_NAV_SCREENS:  # 返回 and 首页 on every screen but Home and the attract loop
            shown = [getattr(w, "text", "") for w in on_screen(app.sm.get_screen(name))
                     if isinstance(w, ButtonBehavior) and not w.disabled]
            if app.t("back") not in shown or app.t("home") not in shown:
                problems.append("no 返回/首页")
        report[name] = problems
    assert not any(report.values()), "\n".join(f"{n}: {p}" for n, ps in report.items() for p in ps)


def test_one_finger_is_enough(app):
    """Pinch is only a second way to zoom: the viewer's buttons do it with one finger."""
    open_screen_with(app, "viewer")
    viewer = app.sm.get_screen("viewer")
    labels = [getattr(w, "text", "") for w in walk(viewer) if isinstance(w, ButtonBehavior) and w.opacity > 0]
    assert app.t("viewer_zoom_in") in labels and app.t("viewer_zoom_out") in labels
    assert app.t("viewer_next") in labels and app.t("viewer_prev") in labels
