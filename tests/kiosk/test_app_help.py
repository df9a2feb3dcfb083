"""Dead ends: a search with no result says at once where to ask and offers the guide."""

from __future__ import annotations

import pixels
import pytest
import xdo
from conftest import find_button, step, tap, wait_for

pytestmark = pytest.mark.ui


def key(search, value):
    return next(w for w in pixels.walk(search.ids.keyboard) if getattr(w, "value", None) == value)


@pytest.mark.parametrize("keyboard", [True, False])
def test_no_result_shows_the_help_at_once(app, tmp_path, keyboard):
    app.open_search(keyboard=True)
    search = app.sm.get_screen("search")
    step(5)
    for letter in "zqzq":  # pinyin initials that begin no word of the library
        tap(key(search, letter))
    if not keyboard:
        tap(find_button(search, app.t("keyboard_hide")))
    wait_for(lambda: search.total == 0 and not search.searching, what="no result")
    step(5)
    shown = [w.text for w in pixels.shown_labels(search)]
    place = app.t("request_place", place=app.kconfig["app.request_place"])
    for text in (app.t("no_results"), app.t("no_results_hint"), app.t("guide_open"), place,
                 app.t("request_hours", hours=app.kconfig["app.request_hours"]),
                 app.t("request_phone", phone=app.kconfig["app.request_phone"])):
        assert text in shown, f"{text!r} is not on screen with the keyboard {'open' if keyboard else 'closed'}"
    problems = pixels.label_problems(search)
    assert not problems, "\n".join(map(str, problems))
    if xdo.AVAILABLE:
        shot = xdo.screenshot(tmp_path / "help.png")
        label = next(w for w in pixels.shown_labels(search) if w.text == place)
        assert pixels.dark_share(shot, pixels.ink_box(label)) > 0.01, "the request place is drawn"
    tap(find_button(search, app.t("guide_open")))
    viewer = app.sm.get_screen("viewer")
    wait_for(lambda: app.sm.current == "viewer" and viewer.title and not viewer.loading, what="the guide")
    assert "信息公开指南" in viewer.title
