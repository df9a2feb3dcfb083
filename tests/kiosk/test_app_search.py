"""Typing on the on-screen keyboard, candidates, live results, filters, no-result help."""

from __future__ import annotations

from conftest import find_button, tap, texts, wait_for


def type_keys(app, keys: str) -> None:
    search = app.sm.get_screen("search")
    for key in keys:
        tap(find_button(search.ids.keyboard, key), frames=1)


def test_pinyin_letters_offer_candidates_that_lead_to_results(app):
    tap(app.sm.get_screen("home").ids.search_field)
    assert app.sm.current == "search"
    search = app.sm.get_screen("search")
    type_keys(app, "xxgk")
    assert search.letters == "xxgk"
    wait_for(lambda: "信息公开" in search.candidates, what="candidate 信息公开")
    chip = find_button(search.ids.candidate_bar, "信息公开")
    tap(chip)
    assert search.committed == "信息公开" and search.letters == ""
    wait_for(lambda: search.total > 0, what="results for 信息公开")
    assert any("信息公开" in c["title_markup"] for c in search.cards)
    assert any("[b]" in c["snippet_markup"] for c in search.cards), "matched words are marked"
