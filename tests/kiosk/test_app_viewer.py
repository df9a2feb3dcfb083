"""The viewer: page images, turning by button and swipe, zoom, text mode, marks, QR, print."""

from __future__ import annotations

import shutil

import pytest
from conftest import find_button, first_pdf, library_call, step, tap, wait_for
from kivy.metrics import dp
from kivy.tests.common import UnitTestTouch


def page_drawn(viewer, what="page image"):
    """Wait until the page on screen is the current page rendered for the current layout (its
    box) and the window has drawn it (nothing left to redraw): not a sleep, not the first
    texture that comes back."""
    from kivy.core.window import Window

    wait_for(lambda: viewer.page_texture is not None and viewer._shown_key == viewer._page_key(viewer.page)
             and viewer.ids.page_image.texture is viewer.page_texture and not Window.canvas.needs_redraw,
             what=what)


def open_pdf(app, page=1, terms=None):
    app.show("viewer", doc_id=first_pdf(app), page=page, terms=terms or [])
    viewer = app.sm.get_screen("viewer")
    page_drawn(viewer)
    return viewer


def test_pdf_page_is_an_image_at_screen_resolution_with_marks(app):
    viewer = open_pdf(app, page=3, terms=["养老"])
    area = viewer.ids.page_scroll
    w, h = viewer.page_texture.size
    assert abs(h - area.height) <= 2 or abs(w - area.width) <= 2, "page fits the screen area"
    assert viewer.page_marks, "the search word is marked on the page"
    assert viewer.ids.page_image.canvas.after.length() > 0


def test_turn_by_buttons_and_by_swipe(app):
    viewer = open_pdf(app)
    assert viewer.page == 1 and viewer.page_count >= 3
    first = viewer.page_texture
    tap(find_button(viewer, app.t("viewer_next")))
    assert viewer.page == 2
    page_drawn(viewer, "page 2")
    assert viewer.page_texture is not first
    area = viewer.ids.page_area
    x, y = area.to_window(*area.center)
    t = UnitTestTouch(x + 200, y)
    t.touch_down()
    step(1)
    t.touch_move(x - 50, y + 5)
    t.touch_move(x - 250, y + 10)
    t.touch_up()
    step(3)
    assert viewer.page == 3, "a swipe to the left turns to the next page"
    tap(find_button(viewer, app.t("viewer_prev")))
    assert viewer.page == 2


def test_zoom_buttons(app):
    viewer = open_pdf(app)
    width = viewer.page_texture.width
    tap(find_button(viewer, app.t("viewer_zoom_in")))
    wait_for(lambda: viewer.page_texture.width > width * 1.3, what="zoomed page")
    tap(find_button(viewer, app.t("viewer_zoom_out")))
    wait_for(lambda: abs(viewer.page_texture.width - width) < 4, what="back to fit")


def test_text_mode_with_size_buttons_for_every_format(app):
    viewer = open_pdf(app, terms=["公报"])
    tap(find_button(viewer, app.t("viewer_text_mode")))
    wait_for(lambda: viewer.text_mode and viewer.text_data, what="text mode")
    marked = [d["text"] for d in viewer.text_data if "公报" in d["text"]]
    assert marked and all("[u]" in t for t in marked), "the search word is marked in text mode"
    size = viewer.text_font_px
    tap(find_button(viewer, app.t("viewer_text_larger")))
    assert viewer.text_font_px > size
    assert all(d["font_size"] == viewer.text_font_px for d in viewer.text_data if d["halign"] == "left")
    tap(find_button(viewer, app.t("viewer_text_smaller")))
    assert viewer.text_font_px == size
    viewer.set_text_step(viewer.max_text_step - 1)
    tap(find_button(viewer, app.t("viewer_text_larger")))
    assert viewer.text_step == viewer.max_text_step and viewer.text_font_px >= dp(40), "A+ goes up to 40 dp or more"
    with pytest.raises(AssertionError):
        find_button(viewer, app.t("viewer_text_larger"))  # disabled at the largest size
    tap(find_button(viewer, app.t("viewer_page_mode")))
    assert not viewer.text_mode
    # A TXT document opens in text mode.
    hits = library_call(app, lambda lib: lib.search("家庭医生").hits)
    app.show("viewer", doc_id=hits[0].doc_id)
    wait_for(lambda: viewer.title and not viewer.loading and viewer.text_data, what="txt document")
    assert viewer.text_mode and any("家庭医生" in d["text"] for d in viewer.text_data)
    wait_for(lambda: viewer.related_cards, what="related documents (they follow the document)")


def test_qr_code_of_the_public_page(app):
    open_pdf(app)
    viewer = app.sm.get_screen("viewer")
    tap(find_button(viewer, app.t("viewer_qr")))
    qr = app.sm.get_screen("qr")
    assert app.sm.current == "qr"
    wait_for(lambda: qr.qr_texture is not None or qr.message, what="qr")
    # A law without url and 文号: no code, a sentence saying what to do.
    law = library_call(app, lambda lib: lib.search("政府信息公开条例").hits[0].doc_id)
    app.show("qr", doc_id=law)
    wait_for(lambda: qr.doc_id == law and (qr.qr_texture is not None or qr.message), what="qr for law")
    assert qr.qr_texture is None and qr.message.startswith(app.t("qr_no_url"))
    assert "文号" not in qr.message, "no 文号 asked for when the document has none"
    assert qr.title in qr.message, "the visitor is told what to note: the title"
    assert str(app.kconfig["app.request_place"]) in qr.message, "and where to go"
    hits = library_call(app, lambda lib: lib.search("区政办发〔2023〕5号").hits)
    app.show("qr", doc_id=hits[0].doc_id)
    wait_for(lambda: qr.qr_texture is not None, what="qr code")
    assert qr.url.startswith("https://xxgk.example.gov.cn/doc/")
    assert qr.qr_texture.width >= 300
    previous = app.history[-1][0]
    tap(find_button(qr, app.t("back")))
    assert app.sm.current == previous


def test_no_print_button_without_printer(app):
    viewer = open_pdf(app)
    assert not app.kconfig["app.printer"]
    with pytest.raises(AssertionError):
        find_button(viewer, app.t("viewer_print"))


@pytest.mark.skipif(shutil.which("lp") is None, reason="cups-client (lp) is not installed")
def test_print_asks_with_page_count_and_reports_failure(app):
    stored = app.kconfig
    app.kconfig = stored.with_overrides({"app.printer": "no-such-printer"})
    try:
        viewer = open_pdf(app)
        step(3)
        tap(find_button(viewer, app.t("viewer_print")))
        dialog = viewer._dialog
        assert dialog is not None
        assert dialog.message == app.t("print_confirm", title=viewer.title, pages=viewer.page_count)
        step(3)
        tap(find_button(dialog, app.t("print_yes")))
        # The real lp runs; this machine has no CUPS printer, so the visitor is told it failed.
        wait_for(lambda: viewer._dialog is not None and viewer._dialog.message in
                 (app.t("print_failed"), app.t("print_sent")), timeout=40, what="print result")
        assert viewer._dialog.message == app.t("print_failed")
    finally:
        viewer._close_dialog()
        app.kconfig = stored


def test_pinch_zooms_as_a_second_way(app):
    viewer = open_pdf(app)
    width = viewer.page_texture.width
    area = viewer.ids.page_area
    x, y = area.to_window(*area.center)
    a, b = UnitTestTouch(x - 60, y), UnitTestTouch(x + 60, y)
    a.touch_down()
    b.touch_down()
    step(1)
    for d in (100, 160, 220):
        b.touch_move(x + d, y)
        a.touch_move(x - d, y)
        step(1)
    b.touch_up()
    a.touch_up()
    wait_for(lambda: viewer.zoom_index > 0 and viewer.page_texture.width > width * 1.3, what="pinch zoom")
    assert viewer.page == 1, "a pinch is not a swipe"


def test_an_amended_document_opens_its_replacement_directly(app):
    old = library_call(app, lambda lib: next(h for h in lib.search("养老服务补贴管理办法").hits if h.validity == "已修订"))
    viewer = app.sm.get_screen("viewer")
    app.show("viewer", doc_id=old.doc_id)
    wait_for(lambda: viewer.title and not viewer.loading and viewer.replaced_by, what="amended document")
    tap(find_button(viewer, app.t("replaced_by", title=viewer.replaced_by)))
    wait_for(lambda: app.sm.current == "viewer" and viewer.doc_id != old.doc_id and viewer.title and not viewer.loading,
             what="the replacement document")
    record = library_call(app, lambda lib: lib.document(viewer.doc_id))
    assert record.meta.validity == "有效" and record.meta.title.startswith("养老服务补贴管理办法")
    assert not viewer.replaced_by
    assert app.history[-1][1]["doc_id"] == old.doc_id, "返回 leads back to the amended one"


def test_after_turning_only_the_new_pages_words_are_boxed(app):
    viewer = open_pdf(app, page=3, terms=["养老"])
    assert viewer.page_marks and viewer.ids.page_image.canvas.after.length() > 0, "page 3 has the word"
    tap(find_button(viewer, app.t("viewer_next")))
    page_drawn(viewer, "page 4")
    # Page 4 is about 加装电梯: no 养老 on it, so no box may be drawn over it.
    path = library_call(app, lambda lib: lib.document_file(viewer.doc_id))
    from kiosk.app.render import PdfRenderer

    renderer = PdfRenderer()
    try:
        box = viewer._shown_key[3]
        expected = renderer.render(viewer.doc_id, path, 4, box, 1.0, ["养老"]).marks
    finally:
        renderer.close()
    assert viewer.page == 4 and viewer.page_marks == expected == []
    assert viewer.ids.page_image.canvas.after.length() == 0, "no box of page 3 is left on page 4"
    tap(find_button(viewer, app.t("viewer_prev")))
    page_drawn(viewer, "page 3 again")
    assert viewer.page_marks and viewer.ids.page_image.canvas.after.length() > 0
