"""Touch drags through xdotool on every scrollable list: the list moves, nothing opens.

The lists run on a larger library (40 documents, 24 years, 16 issuers: more rows than a
screen holds); the module switches the session's app to it and back. Every check is made on
the screenshot as well as on the widgets: the card that was below the fold is drawn after the
drag (glyphs in its box, the box changed), and a tap on it opens it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pixels
import pytest
import xdo
from conftest import app_config, step, switch_library, wait_for
from sharefiles import MANY_DOCS, build_library, write_many_share

pytestmark = [pytest.mark.ui, pytest.mark.skipif(not xdo.AVAILABLE, reason="xdotool and imagemagick are needed")]


@pytest.fixture(scope="module")
def many_app(kiosk_app: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("many")
    share = write_many_share(root / "share")
    build_library(share, root / "library", app_config())
    original = kiosk_app.library_path
    switch_library(kiosk_app, root / "library")
    yield kiosk_app
    switch_library(kiosk_app, original)


@pytest.fixture
def lists_app(many_app: Any, app: Any) -> Any:
    """The app on the larger library at the start of a session (``app`` resets the session)."""
    home = app.sm.get_screen("home")
    wait_for(lambda: sum(home.kind_counts.values()) == MANY_DOCS, what="home on the larger library")
    return app


def settled(search: Any) -> bool:
    return search.total >= 0 and not search.searching


def rows(rv: Any) -> list[Any]:
    """The list's rows drawn wholly inside its visible box, top to bottom."""
    view = pixels.window_box(rv)
    out = []
    for w in rv.children[0].children:
        box = pixels.window_box(w)
        if box[1] >= view[1] - 1 and box[3] <= view[3] + 1 and pixels.shown_labels(w):
            out.append(w)
    return sorted(out, key=lambda w: pixels.window_box(w)[1])


def ink_box(row: Any) -> pixels.Box:
    """Where a row's text is drawn: a button's texture box, a card's whole box."""
    from kivy.uix.label import Label

    return pixels.ink_box(row) if isinstance(row, Label) else pixels.window_box(row)


def key_of(row: Any) -> str:
    return getattr(row, "doc_id", "") or getattr(row, "value", "")


def drag_up(rv: Any, *, flick: bool = False) -> None:
    """A finger drag upwards over most of the list (slow with a stop at the end, or a flick)."""
    left, top, right, bottom = pixels.window_box(rv)
    x = (left + right) // 2
    y0, y1 = bottom - (bottom - top) // 8, top + (bottom - top) // 8
    if flick:
        xdo.drag(x, y0, x, y1, xdo.kivy_pump, duration_s=0.15, steps=6, settle_s=0.1)
    else:
        xdo.drag(x, y0, x, y1, xdo.kivy_pump, duration_s=0.6, steps=8, hold_end_s=0.3, settle_s=0.2)


def wait_still(rv: Any, timeout: float = 3.0) -> None:
    """Pump frames until the list no longer moves (by less than half a pixel a frame)."""
    last = None
    stable = 0
    deadline = time.monotonic() + timeout
    frames = 0
    while time.monotonic() < deadline:
        xdo.kivy_pump()
        frames += 1
        span = max(1.0, rv.children[0].height - rv.height)
        stable = stable + 1 if last is not None and abs(rv.scroll_y - last) * span < 0.5 else 0
        last = rv.scroll_y
        if stable >= 5:
            return
    raise AssertionError(f"the list still moves {timeout}s after the finger lifted ({frames} frames): scroll_y {rv.scroll_y}, "
                         f"velocity {rv.effect_y.velocity}, overscroll {rv.effect_y.overscroll}")


def check_drag_reveals_rows(app: Any, rv: Any, screen: str, tmp_path: Path, name: str) -> Any:
    """Drag the list up; the screen stays, the list moved on the screenshot, a new row is drawn.

    Returns the first row that was below the fold and is now wholly visible.
    """
    wait_still(rv)
    before_rows = {key_of(w) for w in rows(rv)}
    assert before_rows, f"{name}: the list shows rows"
    before = xdo.screenshot(tmp_path / f"{name}-before.png")
    drag_up(rv)
    assert app.sm.current == screen, f"{name}: a drag opened something ({app.sm.current})"
    wait_still(rv)
    after = xdo.screenshot(tmp_path / f"{name}-after.png")
    box = pixels.window_box(rv)
    assert pixels.differs(pixels.load(before).crop(box), pixels.load(after).crop(box)) > 0.003, \
        f"{name}: the list looks the same after the drag"
    new = [w for w in rows(rv) if key_of(w) not in before_rows]
    assert new, f"{name}: no row that was below the fold came into view"
    row = new[0]
    assert pixels.dark_share(after, ink_box(row)) > 0.01, f"{name}: the revealed row has no drawn text"
    return row


def tap_row(row: Any) -> None:
    xdo.tap(*xdo.screen_point(row), xdo.kivy_pump)
    step(3)


def test_results_list_scrolls_by_drag_and_opens_only_on_tap(lists_app, tmp_path):
    app = lists_app
    app.open_search(query="", keyboard=False)
    search = app.sm.get_screen("search")
    wait_for(lambda: settled(search) and search.total == MANY_DOCS, what="all documents")
    step(10)
    rv = search.ids.results
    row = check_drag_reveals_rows(app, rv, "search", tmp_path, "results")
    # A flick: the list glides a little and stops; the finger lifting over a card opens nothing.
    drag_up(rv, flick=True)
    assert app.sm.current == "search", "a flick opened a card"
    wait_still(rv)
    row = rows(rv)[0]
    doc = row.doc_id
    tap_row(row)
    viewer = app.sm.get_screen("viewer")
    assert app.sm.current == "viewer" and viewer.doc_id == doc, "a tap opens the card under the finger"


def test_results_load_more_keeps_new_results_reachable(lists_app, tmp_path):
    app = lists_app
    app.open_search(query="", keyboard=False)
    search = app.sm.get_screen("search")
    wait_for(lambda: settled(search) and search.has_more, what="a first page of results")
    step(10)
    rv = search.ids.results
    first_page = len(search.cards)
    from conftest import find_button

    more = find_button(search, app.t("load_more"))
    before = xdo.screenshot(tmp_path / "more-before.png")
    xdo.tap(*xdo.screen_point(more), xdo.kivy_pump)
    wait_for(lambda: settled(search) and len(search.cards) > first_page, what="more results")
    wait_still(rv)
    after = xdo.screenshot(tmp_path / "more-after.png")
    shown = {key_of(w) for w in rows(rv)}
    new_ids = {c["doc_id"] for c in search.cards[first_page:]}
    assert shown & new_ids, "显示更多 brings the new results into view"
    box = pixels.window_box(rv)
    assert pixels.differs(pixels.load(before).crop(box), pixels.load(after).crop(box)) > 0.05


@pytest.mark.parametrize("facet", ["year", "issuer"])
def test_browse_lists_scroll_and_a_tap_picks_the_row_under_the_finger(lists_app, tmp_path, facet):
    app = lists_app
    app.open_browse(facet)
    browse = app.sm.get_screen("browse")
    wait_for(lambda: browse.options and browse.facet == facet, what=facet)
    step(10)
    rv = browse.ids.options
    check_drag_reveals_rows(app, rv, "browse", tmp_path, facet)
    drag_up(rv, flick=True)
    assert app.sm.current == "browse", "a flick picked a row"
    wait_still(rv)
    target = rows(rv)[1]
    value = target.value
    tap_row(target)
    search = app.sm.get_screen("search")
    assert app.sm.current == "search"
    wait_for(lambda: settled(search), what="browse results")
    assert search.filters.get(facet) == value, "the tap chose the row it landed on"


def test_a_tap_on_a_gliding_list_stops_it_and_picks_nothing(lists_app):
    app = lists_app
    app.open_browse("year")
    browse = app.sm.get_screen("browse")
    wait_for(lambda: browse.options and browse.facet == "year", what="years")
    step(10)
    rv = browse.ids.options
    left, top, right, bottom = pixels.window_box(rv)
    x = (left + right) // 2
    xdo.drag(x, bottom - 40, x, bottom - 340, xdo.kivy_pump, duration_s=0.08, steps=3, settle_s=0.0)
    if abs(rv.effect_y.velocity) < 100:
        pytest.skip("the flick did not leave the list gliding on this machine (frames too slow)")
    xdo.tap(x, (top + bottom) // 2, xdo.kivy_pump, settle_s=0.2)
    assert app.sm.current == "browse", "a tap that stops a gliding list picks nothing"


def test_home_newest_list_scrolls(lists_app, tmp_path):
    app = lists_app
    home = app.sm.get_screen("home")
    wait_for(lambda: len(home.newest_cards) >= 6, what="newest documents")
    step(10)
    rv = home.ids.newest
    row = check_drag_reveals_rows(app, rv, "home", tmp_path, "newest")
    doc = row.doc_id
    tap_row(row)
    assert app.sm.current == "viewer" and app.sm.get_screen("viewer").doc_id == doc


def test_related_list_scrolls(lists_app, tmp_path):
    app = lists_app
    app.open_search(query="", keyboard=False)
    search = app.sm.get_screen("search")
    wait_for(lambda: settled(search) and search.cards, what="results")
    app.open_document(search.cards[0]["doc_id"])
    viewer = app.sm.get_screen("viewer")
    wait_for(lambda: viewer.related_cards and not viewer.loading, what="related documents")
    step(10)
    rv = viewer.ids.related
    if rv.children[0].height <= rv.height:
        pytest.skip("the related list fits its box at this size: nothing to scroll")
    check_drag_reveals_rows(app, rv, "viewer", tmp_path, "related")


def test_documents_without_a_date_are_reachable_by_year(lists_app):
    from conftest import find_button, tap

    app = lists_app
    app.open_browse("year")
    browse = app.sm.get_screen("browse")
    wait_for(lambda: browse.options and browse.facet == "year", what="years")
    last = browse.options[-1]
    assert last["text"].startswith(app.t("year_unknown")) and last["value"] == "0"
    browse.choose(last["value"])
    search = app.sm.get_screen("search")
    wait_for(lambda: settled(search) and search.filters.get("year") == "0", what="undated documents")
    assert search.total == 1 and not search.cards[0]["meta_text"].rstrip().endswith("日")
    step(3)
    assert find_button(search, search.filter_label("year", search.filters))
    del tap
