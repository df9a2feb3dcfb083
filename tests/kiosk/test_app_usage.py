"""Anonymous usage counts from a real session: sessions, searches, views, QR; only vocabulary words."""

from __future__ import annotations

from datetime import date

from conftest import find_button, first_pdf, library_call, step, tap, wait_for

from index.usage.counts import DayCounts, day_file


def counts(app) -> DayCounts:
    library_call(app, lambda lib: app.usage.flush())
    path = day_file(app.library_path / "stats", str(app.kconfig["terminal.id"]), date.today())
    return DayCounts.load(path) if path.exists() else DayCounts(str(app.kconfig["terminal.id"]), date.today())


def test_a_session_is_counted_without_free_text(app):
    assert app.usage is not None and app.usage.enabled
    before = counts(app)
    tap(app.sm.get_screen("home").ids.search_field)
    search = app.sm.get_screen("search")
    step(3)
    for key in "xxgk":
        tap(find_button(search.ids.keyboard, key), frames=1)
    wait_for(lambda: "信息公开" in search.candidates, what="candidate")
    tap(find_button(search.ids.candidate_bar, "信息公开"))
    wait_for(lambda: search.total > 0 and not search.searching and search.query == "信息公开", what="results")
    # A search for something that is not a vocabulary word: counted, the text is not kept.
    search.committed = "张三的电话号码"
    search._count_next = True
    search.run_search()
    wait_for(lambda: search.total == 0 and not search.searching, what="no result")
    doc = first_pdf(app)
    app.show("viewer", doc_id=doc)
    wait_for(lambda: app.sm.get_screen("viewer").title, what="viewer")
    app.show("qr", doc_id=doc)
    wait_for(lambda: app.sm.get_screen("qr").qr_texture is not None or app.sm.get_screen("qr").message, what="qr")
    after = counts(app)
    assert after.total("session") == before.total("session") + 1
    assert after.total("search") == before.total("search") + 2
    assert after.total("search_no_result") == before.total("search_no_result") + 1
    assert after.total("view") == before.total("view") + 1
    assert after.docs["view"][doc] >= 1
    assert after.words["search"]["信息公开"] >= 1
    everything = str(after.to_json())
    assert "张三" not in everything and "xxgk" not in everything
