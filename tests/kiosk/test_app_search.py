"""Typing on the on-screen keyboard, candidates, live results, filters, no-result help."""

from __future__ import annotations

from conftest import find_button, library_call, step, tap, texts, wait_for


def type_keys(app, keys: str) -> None:
    search = app.sm.get_screen("search")
    step(3)  # let the layout settle after the screen changed
    for key in keys:
        tap(find_button(search.ids.keyboard, key), frames=1)


def settled(search) -> bool:
    return search.total >= 0 and not search.searching


def test_pinyin_letters_offer_candidates_that_lead_to_results(app):
    tap(app.sm.get_screen("home").ids.search_field)
    assert app.sm.current == "search"
    search = app.sm.get_screen("search")
    type_keys(app, "xxgk")
    assert search.letters == "xxgk"
    wait_for(lambda: "信息公开" in search.candidates, what="candidate 信息公开")
    for word in search.candidates:  # every candidate leads to results
        got = []
        app.lib.submit(lambda lib, w=word: lib.search(w).total, got.append)
        wait_for(lambda got=got: got, what=f"search {word}")
        assert got[0] > 0, f"candidate {word} finds nothing"
    tap(find_button(search.ids.candidate_bar, "信息公开"))
    assert search.committed == "信息公开" and search.letters == ""
    wait_for(lambda: settled(search) and search.query == "信息公开" and search.total > 0, what="results")
    assert any("信息公开" in c["title_markup"] for c in search.cards)
    assert any("[b]" in c["snippet_markup"] for c in search.cards), "matched words are marked"
    assert "<mark>" not in "".join(c["snippet_markup"] for c in search.cards)


def test_wenhao_keys_type_doc_number_characters(app):
    app.open_search()
    search = app.sm.get_screen("search")
    type_keys(app, "2023〕5号")
    assert search.committed == "2023〕5号"
    tap(find_button(search.ids.keyboard, app.t("key_delete")), frames=1)
    assert search.committed == "2023〕5"
    tap(find_button(search.ids.keyboard, app.t("key_clear")), frames=1)
    assert search.query == ""


def test_results_follow_typing_and_stale_answers_are_dropped(app):
    app.open_search()
    search = app.sm.get_screen("search")
    # Fire several searches back to back: only the answer to the last one may be shown.
    for q in ("养老", "电梯", "家庭医生"):
        search.committed = q
        search.run_search()
    wait_for(lambda: settled(search), what="results")
    step(20)
    assert search.total > 0
    assert all("家庭医生" in c["title_markup"] or "家庭医生" in c["snippet_markup"] for c in search.cards)


def test_filter_chip_narrows_results(app):
    app.open_search(query="养老", keyboard=False)
    search = app.sm.get_screen("search")
    wait_for(lambda: settled(search) and search.total > 0, what="results")
    before = search.total
    tap(find_button(search, search.filter_label("validity", {})))
    chooser = search._chooser
    assert chooser is not None
    step(5)
    option = next(o for o in chooser.options if o["value"] == "已修订")
    tap(find_button(chooser, option["text"]))
    wait_for(lambda: settled(search) and search.filters.get("validity") == "已修订", what="filtered")
    assert 0 < search.total < before
    assert all(c["validity"] == "已修订" for c in search.cards)
    assert all(c["badge_text"] == app.t("badge_revised") for c in search.cards)
    assert all(c["replaced_text"] for c in search.cards), "a revised document names its replacement"


def test_sort_newest_orders_by_date(app):
    app.open_search(query="", keyboard=False)
    search = app.sm.get_screen("search")
    wait_for(lambda: settled(search), what="browse all")
    tap(find_button(search, app.t("sort_newest")))
    wait_for(lambda: settled(search) and search.sort == "newest", what="newest")
    dates = [c["meta_text"].split("·")[-1].strip() for c in search.cards]
    assert dates == sorted(dates, reverse=True)


def test_no_results_shows_help_and_how_to_ask(app):
    app.open_search(query="量子计算机芯片", keyboard=False)
    search = app.sm.get_screen("search")
    wait_for(lambda: settled(search), what="search")
    assert search.total == 0
    shown = texts(search.ids.no_results)
    assert app.t("no_results") in shown
    phone = app.kconfig["app.request_phone"]
    assert app.t("request_phone", phone=phone) in shown
    assert app.t("request_place", place=app.kconfig["app.request_place"]) in shown


def _red_pixels(widget) -> int:
    """Pixels of the warning colour (theme.REPEALED, #a11d1d) drawn in ``widget``."""
    img = widget.export_as_image()
    px = img.texture.pixels
    return sum(1 for i in range(0, len(px), 4)
               if abs(px[i] - 0xA1) < 40 and px[i + 1] < 90 and px[i + 2] < 90 and px[i + 3] > 128)


def test_search_box_refuses_keys_beyond_the_bound(app):
    app.open_search()
    search = app.sm.get_screen("search")
    limit = search.bounds.max_chars
    step(3)
    one = find_button(search.ids.keyboard, "1")
    for _ in range(limit):
        tap(one, frames=1)
    assert search.query == "1" * limit and search.limit_note == ""
    tap(find_button(search.ids.keyboard, "2"), frames=3)
    assert search.query == "1" * limit, "the key over the bound is refused"
    note = app.t("query_too_long", limit=limit)
    assert search.limit_note == note and note in texts(search)
    label = search.ids.limit_note
    step(3)
    assert label.height > 20 and _red_pixels(label) > 50, "the message is drawn on screen"
    tap(find_button(search.ids.keyboard, app.t("key_delete")), frames=3)
    assert search.query == "1" * (limit - 1) and search.limit_note == ""
    step(3)
    assert label.height == 0


def test_a_long_suggestion_or_entry_is_cut_with_the_message(app):
    limit = app.sm.get_screen("search").bounds.max_chars
    app.open_search(query="停" * (limit + 20), keyboard=False)
    search = app.sm.get_screen("search")
    assert search.query == "停" * limit
    assert search.limit_note == app.t("query_too_long", limit=limit)


def test_the_commonest_candidate_words_are_searched_before_anyone_taps_them(app):
    from index.models import Filters
    from kiosk.app.screens.search import PAGE_SIZE

    words = library_call(app, lambda lib: lib.words_to_warm(3))
    assert len(words) == 3

    def warmed(lib) -> bool:
        return all(lib.engine.is_cached(w, Filters(), limit=PAGE_SIZE, with_facets=False) for w in words)

    wait_for(lambda: library_call(app, warmed), timeout=30, what="the first results of the commonest words")
