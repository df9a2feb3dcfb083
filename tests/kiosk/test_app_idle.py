"""Walking away: countdown, reset to Home with nothing of the session left, attract screen."""

from __future__ import annotations

from conftest import find_button, open_screen_with, step, tap, texts, wait_for

from kiosk.app import idle


def fresh_state(app):
    return {s.name: s.session_state() for s in app.sm.screens}


def visit_everything(app, fake_clock):
    """A visitor's session: typing, candidates, results, filters, a document, zoom, page turn."""
    tap(app.sm.get_screen("home").ids.search_field)
    search = app.sm.get_screen("search")
    step(3)
    for key in "yl":
        tap(find_button(search.ids.keyboard, key), frames=1)
    wait_for(lambda: search.candidates, what="candidates")
    tap(find_button(search.ids.candidate_bar, search.candidates[0]))
    wait_for(lambda: search.total > 0 and not search.searching, what="results")
    search.filters = {"kind": "规范性文件"}
    search.ids.results.scroll_y = 0.5
    open_screen_with(app, "viewer")
    viewer = app.sm.get_screen("viewer")
    tap(find_button(viewer, app.t("viewer_next")))
    tap(find_button(viewer, app.t("viewer_zoom_in")))
    app.toggle_large_text()
    return search.query


def test_idle_countdown_then_everything_of_the_session_is_gone(app, fake_clock):
    baseline = fresh_state(app)
    home_texts = texts(app.sm.get_screen("home"))
    query = visit_everything(app, fake_clock)
    assert app.sm.current == "viewer" and app.history and app.session_dirty
    timeout = app.idle.idle_timeout_s
    fake_clock.advance(timeout - 1)
    step(20)
    assert not app.countdown_showing, "no countdown before the idle time"
    fake_clock.advance(2)
    wait_for(lambda: app.countdown_showing, what="countdown")
    assert app.t("idle_title") in texts(app._countdown)
    fake_clock.advance(app.idle.countdown_s + 0.5)
    wait_for(lambda: app.sm.current == "home" and not app.countdown_showing, what="back home")
    # Nothing of the session remains: every screen's state equals a fresh session's.
    assert fresh_state(app) == baseline
    assert app.history == [] and not app.session_dirty and app.large_text == bool(app.kconfig["app.large_text"])
    search = app.sm.get_screen("search")
    assert search.query == "" and search.candidates == [] and search.cards == [] and search.filters == {}
    assert texts(app.sm.get_screen("home")) == home_texts
    for screen in app.sm.screens:
        if screen.name != "home":
            assert not any(query in t for t in texts(screen)), f"{screen.name} still shows the query"
    assert not search.ids.candidate_bar.children


def test_continue_reading_keeps_the_session(app, fake_clock):
    open_screen_with(app, "viewer")
    viewer = app.sm.get_screen("viewer")
    doc = viewer.doc_id
    fake_clock.advance(app.idle.idle_timeout_s + 1)
    wait_for(lambda: app.countdown_showing, what="countdown")
    tap(find_button(app._countdown, app.t("idle_continue")))
    assert not app.countdown_showing and app.sm.current == "viewer" and viewer.doc_id == doc
    assert app.idle.state == idle.ACTIVE


def test_page_turns_and_scrolling_count_as_activity(app, fake_clock):
    open_screen_with(app, "viewer")
    viewer = app.sm.get_screen("viewer")
    for _ in range(3):
        fake_clock.advance(app.idle.idle_timeout_s * 0.6)
        viewer.turn(1 if viewer.page < viewer.page_count else -1)
        step(5)
        assert not app.countdown_showing
    fake_clock.advance(app.idle.idle_timeout_s * 0.6)
    viewer.ids.page_scroll.scroll_y = 0.3  # on_scroll_y counts
    step(5)
    assert not app.countdown_showing


def test_attract_screen_after_long_idle_and_a_touch_wakes_it(app, fake_clock):
    open_screen_with(app, "search")
    fake_clock.advance(app.idle.idle_timeout_s + 1)
    wait_for(lambda: app.countdown_showing, what="countdown")
    fake_clock.advance(app.idle.countdown_s + 1)
    wait_for(lambda: app.sm.current == "home", what="home")
    fake_clock.advance(app.idle.attract_after_s)
    wait_for(lambda: app.sm.current == "attract", what="attract")
    tap(app.sm.get_screen("attract"))
    assert app.sm.current == "home"
