"""Home tiles, browsing without typing, the gazette shelf."""

from __future__ import annotations

from conftest import find_button, library_call, step, tap, texts, wait_for

from index.models import Filters


def settled(search) -> bool:
    return search.total >= 0 and not search.searching


def test_every_home_tile_leads_to_results(app):
    home = app.sm.get_screen("home")
    search = app.sm.get_screen("search")
    for kind in ("规范性文件", "法律法规"):
        app.go_home()
        step(3)
        tap(find_button(home, home.kind_label(kind, home.kind_counts, app.large_text)))
        assert app.sm.current == "search"
        wait_for(lambda k=kind: settled(search) and search.filters.get("kind") == k, what=kind)
        assert search.total == home.kind_counts[kind] > 0
    app.go_home()
    step(3)
    tap(find_button(home, home.kind_label("政府公报", home.kind_counts, app.large_text)))
    assert app.sm.current == "gazette"
    wait_for(lambda: app.sm.get_screen("gazette").options, what="gazette years")
    app.go_home()
    step(3)
    tap(find_button(home, app.t("guide_tile")))
    viewer = app.sm.get_screen("viewer")
    wait_for(lambda: app.sm.current == "viewer" and viewer.title and not viewer.loading, what="the guide")
    guide = library_call(app, lambda lib: lib.document_by_path(app.kconfig["app.guide_file"]))
    assert guide is not None and viewer.doc_id == guide.id, "the 信息公开指南 tile opens the bureau's guide"
    assert "信息公开指南" in viewer.title
    assert len(home.topic_tiles) >= 3
    for tile in home.topic_tiles:  # every topic tile finds documents...
        n = library_call(app, lambda lib, t=tile["value"]: lib.search("", Filters(topic=t)).total)
        assert n > 0, f"topic tile {tile['value']} leads to nothing"
    app.go_home()  # ...and a tap on one shows them
    step(3)
    tile = home.topic_tiles[0]
    tap(find_button(home.ids.topic_grid, tile["text"]))
    wait_for(lambda: settled(search) and search.filters.get("topic") == tile["value"], what="topic")
    assert search.total > 0


def test_newest_documents_open_in_the_viewer(app):
    home = app.sm.get_screen("home")
    assert home.newest_cards
    dates = [c["meta_text"].split("·")[-1].strip() for c in home.newest_cards]
    assert dates == sorted(dates, reverse=True)
    step(3)
    card = next(w for w in home.ids.newest.children[0].children if w.doc_id == home.newest_cards[0]["doc_id"])
    tap(card)
    viewer = app.sm.get_screen("viewer")
    assert app.sm.current == "viewer"
    wait_for(lambda: viewer.title and not viewer.loading, what="document")
    assert viewer.doc_id == home.newest_cards[0]["doc_id"]


def test_browse_by_topic_issuer_year(app):
    browse = app.sm.get_screen("browse")
    search = app.sm.get_screen("search")
    for facet, label in (("issuer", "browse_issuer"), ("year", "browse_year")):
        app.go_home()
        step(3)
        tap(find_button(app.sm.get_screen("home"), app.t(label)))
        assert app.sm.current == "browse"
        wait_for(lambda f=facet: browse.options and browse.facet == f, what=facet)
        step(3)
        first = browse.options[0]
        tap(find_button(browse, first["text"]))
        wait_for(lambda f=facet: settled(search) and f in search.filters, what="browse results")
        assert search.total > 0
        tap(find_button(search, app.t("back")))
        assert app.sm.current == "browse"


def test_gazette_shelf_years_issues_contents_open_at_page(app):
    app.open_gazette()
    gazette = app.sm.get_screen("gazette")
    wait_for(lambda: gazette.options, what="years")
    step(3)
    tap(find_button(gazette, gazette.options[0]["text"]))
    wait_for(lambda: gazette.level == "issues" and gazette.options, what="issues")
    step(3)
    tap(find_button(gazette, gazette.options[0]["text"]))
    wait_for(lambda: gazette.level == "issue" and len(gazette.options) > 1, what="contents")
    wait_for(lambda: gazette.cover_texture is not None, what="cover")
    step(3)
    record = library_call(app, lambda lib: lib.document(gazette.doc_id))
    assert record.meta.issuer and record.meta.date
    assert f"{record.meta.issuer}  ·  {record.meta.date}" in texts(gazette), "who published the issue, and when"
    item = gazette.options[2]  # second item of the contents
    tap(find_button(gazette, item["text"]))
    viewer = app.sm.get_screen("viewer")
    assert app.sm.current == "viewer"
    wait_for(lambda: viewer.page_texture is not None, what="page")
    assert viewer.page == int(item["value"]) > 1
    # 返回 goes back to the contents, then up the shelf.
    tap(find_button(viewer, app.t("back")))
    assert app.sm.current == "gazette" and gazette.level == "issue"
    tap(find_button(gazette, app.t("back")))
    assert gazette.level == "issues"
