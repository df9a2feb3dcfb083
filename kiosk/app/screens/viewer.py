"""The viewer: PDF pages as images (pypdfium2), text mode for every format, QR, print, related.

Text mode is a RecycleView of paragraph labels (``TextPara``): only the paragraphs on screen
have a widget and a texture, each paragraph piece is small (``kiosk.app.textflow``), so a
long document never becomes one texture larger than the GPU allows.
"""

from __future__ import annotations

import logging
import re
import subprocess
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.label import Label
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.utils import escape_markup

from index.models import CURRENT_VALIDITY
from kiosk.app import theme
from kiosk.app.markup import library_text, mark_lines
from kiosk.app.render import PageImage
from kiosk.app.screens.base import KScreen
from kiosk.app.textflow import Paragraph, paragraphs, wrap
from kiosk.app.widgets import Dialog, page_texture

log = logging.getLogger(__name__)

IMAGE_FORMATS = ("pdf", "tiff", "png", "jpg")  # page images (scans: kiosk.app.render, index.scanview)
ZOOMS = (1.0, 1.5, 2.0, 3.0)
TEXT_SIZES_DP = (18, 22, 26, 32, 38, 44)  # text mode font sizes for A−/A+
TEXT_STEP_NORMAL, TEXT_STEP_LARGE = 1, 3  # where A−/A+ start (大字 off / on)
TEXT_LINE_HEIGHT = 1.4
TEXT_PADDING = (32, 24)  # dp: left/right, top/bottom of the text column
TEXT_SPACING = 14  # dp between paragraphs
TEXT_MARK = ("[u][color=#8a3200]", "[/color][/u]")  # search words in text mode: same width, so lines stay
PREFETCH = 4  # rendered pages kept for turning (the next one is made while the visitor reads)


@dataclass
class Opened:
    record: Any
    pages: list[str]
    paragraphs: list[Paragraph]
    path: Path | None


_TRAILING_NOTE = re.compile(r"\s*[（(]([^（）()]*)[）)]\s*$")
_NOTE_DATE = re.compile(r"(\d{4})\s*[年\-.]\s*(\d{1,2})\s*[月\-.]\s*(\d{1,2})")


def find_replacement(library: Any, name: str, current_id: str) -> str | None:
    """The document ``name`` (a title or a 文号, maybe with a note like （2024年11月10日修订）) names.

    Exact title or 文号 matches only, never the current document; a date in the note picks that
    version, else a valid one, else the newest. None when the library does not hold it.
    """
    name = name.strip()
    if not name:
        return None
    base, note_date = name, ""
    note = _TRAILING_NOTE.search(name)
    if note:
        base = name[:note.start()].strip()
        found = _NOTE_DATE.search(note.group(1))
        if found:
            note_date = f"{found.group(1)}-{int(found.group(2)):02d}-{int(found.group(3)):02d}"
    hits = library.search(base, limit=20, with_facets=False).hits
    same = [h for h in hits if h.doc_id != current_id and (h.title in (name, base) or h.doc_number in (name, base))]
    if not same:
        return None
    same.sort(key=lambda h: (bool(note_date) and h.date == note_date, h.validity == CURRENT_VALIDITY, h.date), reverse=True)
    return same[0].doc_id


class TextPara(RecycleDataViewBehavior, Label):
    """One paragraph piece of text mode; measures its own height when it is (re)used."""

    page = NumericProperty(1)

    def refresh_view_layout(self, rv: Any, index: int, layout: Any, viewport: Any) -> None:
        super().refresh_view_layout(rv, index, layout, viewport)
        # The layout set the height from the data's estimate; the texture knows better. A view
        # reused with the same text would not re-render on its own, so render now.
        self.text_size = (self.width, None)
        self.texture_update()
        self.height = self.texture_size[1]


class GlyphWidths(dict):
    """Glyph widths of the app's font at one size, measured once each (CJK glyphs share one width).

    A dict, so ``wrap`` looks most glyphs up at C speed; a new glyph is measured on first use.
    """

    def __init__(self, font_px: float) -> None:
        super().__init__()
        from kivy.core.text import Label as CoreLabel

        self._label = CoreLabel(font_size=font_px)
        self.em, self.line_px = self._label.get_extents("国")

    def __missing__(self, c: str) -> float:
        o = ord(c)
        if 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF01 <= o <= 0xFF5E:
            w = float(self.em)
        else:
            w = float(self._label.get_extents(c)[0])
        self[c] = w
        return w


class ViewerScreen(KScreen):
    doc_id = StringProperty("")
    title = StringProperty("")
    meta_text = StringProperty("")
    validity_text = StringProperty("")
    replaced_by = StringProperty("")
    fmt = StringProperty("")
    page = NumericProperty(1)  # 1-based page of the document (text mode: the page at the top)
    page_count = NumericProperty(0)
    zoom_index = NumericProperty(0)
    text_mode = BooleanProperty(False)
    text_step = NumericProperty(TEXT_STEP_NORMAL)
    text_font_px = NumericProperty(dp(TEXT_SIZES_DP[TEXT_STEP_NORMAL]))
    text_data = ListProperty()
    text_at_top = BooleanProperty(True)
    text_at_end = BooleanProperty(True)
    can_page = BooleanProperty(False)  # the document has page images (a PDF file is there)
    withdrawn = BooleanProperty(False)
    message = StringProperty("")
    loading = BooleanProperty(False)
    related_cards = ListProperty()
    terms = ListProperty()
    page_texture = ObjectProperty(None, allownone=True)
    page_marks = ListProperty()
    printer_available = BooleanProperty(False)
    mark_color = ColorProperty(theme.MARK_FILL)
    max_text_step = len(TEXT_SIZES_DP) - 1
    max_zoom = len(ZOOMS) - 1
    session_properties = ("doc_id", "title", "meta_text", "validity_text", "replaced_by", "fmt", "page",
                          "page_count", "zoom_index", "text_mode", "text_step", "text_data", "text_at_top",
                          "text_at_end", "can_page", "withdrawn", "message", "loading", "related_cards", "terms",
                          "page_texture", "page_marks")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pages: list[str] = []
        self._paragraphs: list[Paragraph] = []
        self._path: Path | None = None
        self._record: Any = None
        self._render_trigger = Clock.create_trigger(lambda dt: self.request_render(), 0.05)
        self._reflow_trigger = Clock.create_trigger(lambda dt: self._reflow_if_resized(), 0)
        self._dialog: Dialog | None = None
        self._touches: dict[Any, tuple[float, float]] = {}
        self._pinch_start: tuple[float, int] | None = None
        self._shown_key: tuple[Any, ...] | None = None  # the page image on screen
        self._wanted_key: tuple[Any, ...] | None = None  # the page image asked for
        self._cache: OrderedDict[tuple[Any, ...], tuple[Any, list, int]] = OrderedDict()
        self._inflight: dict[tuple[Any, ...], tuple[str, int]] = {}  # key -> (channel, generation)
        self._flow_width = 0.0
        self._pending_scroll = 0  # scrolls to a paragraph not yet done (the layout comes a frame later)
        self._bound_app = False

    # -- entering ---------------------------------------------------------------------------
    def enter(self, doc_id: str = "", page: int = 1, terms: list[str] | None = None,
              text_mode: bool | None = None, **_: Any) -> None:
        self.reset_view()
        if not self._bound_app:
            self.app.bind(large_text=lambda *a: self.set_text_step(self._default_step()))
            self._bound_app = True
        self.text_step = self._default_step()
        self.printer_available = self.can_print()
        self.doc_id = doc_id
        self.page = max(1, int(page))
        self.terms = list(terms or [])
        self._want_text_mode = text_mode
        self.loading = True

        def open_doc(library: Any) -> Opened | None:
            record = library.document(doc_id)
            if record is None:
                return None
            pages = library.document_pages(doc_id)
            path = library.document_file(doc_id)
            return Opened(record, pages, paragraphs(pages), path)

        self.app.lib.submit(open_doc, self._opened, channel="viewer", on_error=self._open_failed)
        # Related documents are a search: they come after the document is on screen.
        self.app.lib.submit(lambda library: library.related(doc_id, 5), self._related, channel="viewer-related")

    def snapshot(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "page": self.page, "terms": list(self.terms), "text_mode": self.text_mode}

    def reset_view(self) -> None:
        self.app.render.invalidate("page")
        self._close_dialog()
        # The last document goes first: resetting the properties lays out the page area, and a
        # render asked then must not find the old document's file.
        self._pages, self._paragraphs, self._path, self._record = [], [], None, None
        KScreen.reset(self)
        self._shown_key = self._wanted_key = None
        self._cache.clear()
        self._inflight.clear()
        self.ids.page_image.canvas.after.clear()
        self.ids.page_scroll.scroll_y = 1
        self.ids.text_view.scroll_y = 1

    def reset(self) -> None:
        self.reset_view()

    def _default_step(self) -> int:
        return TEXT_STEP_LARGE if self.app.large_text else TEXT_STEP_NORMAL

    def _related(self, hits: list[Any]) -> None:
        from kiosk.app.screens.search import hits_to_cards

        if self.doc_id and not self.withdrawn:
            self.related_cards = hits_to_cards(hits, self.app)

    def _open_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.message = self.app.t("viewer_no_pages")

    def _opened(self, opened: Opened | None) -> None:
        self.loading = False
        if opened is None:
            self.withdrawn = True
            self.message = self.app.t("viewer_withdrawn")
            return
        from kiosk.app.screens.search import BADGES

        record, meta = opened.record, opened.record.meta
        self._record = record
        self.title = library_text(meta.title or record.source_path)
        self.meta_text = escape_markup("  ·  ".join(p for p in (meta.doc_number, meta.issuer, meta.date) if p))
        self.validity_text = self.app.t(BADGES.get(meta.validity, "badge_valid"))
        self.replaced_by = meta.replaced_by if meta.validity != CURRENT_VALIDITY else ""
        self.fmt = record.format
        self._path = opened.path
        self._pages = list(opened.pages)
        self._paragraphs = list(opened.paragraphs)
        self.page_count = max(record.page_count or 0, len(opened.pages), 1)
        self.page = min(self.page, self.page_count)
        self.app.count("view", doc_id=record.id, topic=meta.topic or None)
        self.can_page = record.format in IMAGE_FORMATS and opened.path is not None and Path(opened.path).is_file()
        self.text_mode = (not self.can_page) if self._want_text_mode is None else (
            self._want_text_mode or not self.can_page)
        self._show()

    # -- showing ----------------------------------------------------------------------------
    def _show(self) -> None:
        if self.text_mode:
            self.message = "" if self._paragraphs or self.withdrawn else self.app.t(
                "viewer_no_text" if self.can_page else "viewer_no_pages")
            self._flow_width = 0.0
            self._reflow(keep_page=self.page)
        elif self.ids.page_scroll.height > 1:
            self.message = ""
            self.request_render()  # at once: the render thread works while this frame is drawn
        else:
            self._render_trigger()

    # -- text mode --------------------------------------------------------------------------
    def text_column_width(self) -> float:
        return max(dp(200), self.ids.text_view.width - 2 * dp(TEXT_PADDING[0]) - dp(16))  # 16: the scroll bar

    def _reflow(self, keep_page: int | None = None) -> None:
        """(Re)build the paragraph list at the current width and text size, keeping the reading place."""
        if not self.text_mode:
            return
        view = self.ids.text_view
        width = self.text_column_width()
        font_px = dp(TEXT_SIZES_DP[int(self.text_step)])
        if keep_page is None and self._pending_scroll:
            keep_page = int(self.page)  # a scroll to a page is still on its way: keep going there
        keep_index = self._top_index() if keep_page is None and self.text_data else None
        self._flow_width = width
        self.text_font_px = font_px
        terms = list(self.terms)
        glyphs = GlyphWidths(font_px)
        line_px = glyphs.line_px * TEXT_LINE_HEIGHT
        room = width - glyphs.em  # one em kept for a closing mark that hangs at the end of a line
        data: list[dict[str, Any]] = []
        last_page = 1
        small = font_px * 0.75
        for para in self._paragraphs:
            if para.page != last_page and len(self._pages) > 1:
                label = self.app.t("viewer_page_break", page=para.page)
                data.append({"text": label, "page": para.page, "font_size": small, "halign": "center",
                             "color": theme.MUTED, "height": line_px * 0.75})
                last_page = para.page
            lines = wrap(para.text, room, glyphs.__getitem__)
            data.append({"text": mark_lines(lines, terms, *TEXT_MARK), "page": para.page, "font_size": font_px,
                         "halign": "left", "color": theme.TEXT, "height": len(lines) * line_px})
        self.text_data = data
        view.refresh_from_data()
        if keep_page is not None:
            target = next((i for i, d in enumerate(data) if d["page"] >= keep_page), 0)
        else:
            target = keep_index or 0
        self._scroll_to_index(target)

    def _scroll_to_index(self, index: int, again: int = 2) -> None:
        """Put item ``index`` at the top (layout happens on the next frame: do it then, twice)."""
        self._pending_scroll += 1

        def go(dt: float) -> None:
            self._pending_scroll -= 1
            view = self.ids.text_view
            manager = view.layout_manager
            opts = getattr(manager, "view_opts", None)
            if (index == 0 or not opts or index >= len(opts) or opts[index] is None
                    or opts[index].get("pos") is None):
                view.scroll_y = 1
            else:
                y = opts[index]["pos"][1]
                top = y + opts[index]["size"][1] + dp(TEXT_SPACING) / 2
                span = manager.height - view.height
                view.scroll_y = 1 if span <= 0 else max(0.0, min(1.0, (top - view.height) / span))
            self.on_text_scroll()
            if again > 1:
                self._scroll_to_index(index, again - 1)

        Clock.schedule_once(go, 0)

    def _top_index(self) -> int:
        """The paragraph at the top of the text view (from the layout's positions)."""
        view = self.ids.text_view
        opts = getattr(view.layout_manager, "view_opts", None)
        if not opts or not self.text_data or len(opts) != len(self.text_data):
            return 0
        _x, y, _w, h = view.get_viewport()
        line = y + h - dp(TEXT_PADDING[1])  # items run from the top down: find the first reaching below this
        lo, hi = 0, len(opts) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            pos = opts[mid].get("pos") if opts[mid] else None
            if pos is None:
                return 0
            if pos[1] >= line:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def on_text_scroll(self) -> None:
        """Scrolled (by a drag, 上一页/下一页 or a reflow): the page label follows the top paragraph."""
        view = self.ids.text_view
        manager = view.layout_manager
        # No text (a session reset, a page document): nothing to scroll, whatever height the
        # layout still reports for the text that was there a frame ago.
        overflow = bool(self.text_data) and manager is not None and manager.height > view.height + 1
        self.text_at_top = not overflow or view.scroll_y >= 0.999
        self.text_at_end = not overflow or view.scroll_y <= 0.001
        if self.text_mode and self.text_data and not self._pending_scroll:
            self.page = int(self.text_data[self._top_index()]["page"])

    def on_text_view_size(self) -> None:
        if self.text_mode and abs(self.text_column_width() - self._flow_width) > 1:
            self._reflow_trigger()  # once a frame, however many size events come

    def _reflow_if_resized(self) -> None:
        if self.text_mode and abs(self.text_column_width() - self._flow_width) > 1:
            self._reflow()

    def scroll_text(self, step: int) -> None:
        """上一页/下一页 in text mode: one screen up or down, a line kept for the eye."""
        view = self.ids.text_view
        manager = view.layout_manager
        span = manager.height - view.height
        if span <= 0:
            return
        move = view.height - self.text_font_px * TEXT_LINE_HEIGHT * 1.5
        view.scroll_y = max(0.0, min(1.0, view.scroll_y - step * move / span))
        self.on_text_scroll()

    def set_text_step(self, step: int) -> None:
        step = max(0, min(len(TEXT_SIZES_DP) - 1, int(step)))
        if step != self.text_step:
            self.text_step = step
            if self.text_mode and self.text_data:
                self._reflow()

    def change_text_size(self, step: int) -> None:
        self.app.activity()
        self.set_text_step(self.text_step + step)

    def toggle_text_mode(self) -> None:
        if self.text_mode and not self.can_page:
            return
        self.text_mode = not self.text_mode
        self._show()

    # -- page mode --------------------------------------------------------------------------
    def _page_key(self, page: int) -> tuple[Any, ...]:
        area = self.ids.page_scroll
        box = (max(200, int(area.width)), max(200, int(area.height)))
        return (self.doc_id, str(self._path), int(page), box, self.zoom_index, tuple(self.terms))

    def request_render(self) -> None:
        if self.text_mode or not self.can_page or self._path is None or self.withdrawn:
            return
        key = self._page_key(int(self.page))
        if key == self._shown_key:
            return
        if key in self._cache:
            self._cache.move_to_end(key)
            texture, marks, count = self._cache[key]
            self._display(key, texture, marks, count)
            return
        self._wanted_key = key
        if not self._in_flight(key):  # else the prefetch making it will show it
            self._submit_render(key, "page")

    def _in_flight(self, key: tuple[Any, ...]) -> bool:
        job = self._inflight.get(key)
        return job is not None and self.app.render.current(job[0]) == job[1]

    def _submit_render(self, key: tuple[Any, ...], channel: str) -> None:
        doc_id, path, page, box, zoom_index, terms = key
        zoom = ZOOMS[zoom_index]

        def done(image: PageImage) -> None:
            self._inflight.pop(key, None)
            self._rendered(key, image)

        def failed(exc: BaseException) -> None:
            self._inflight.pop(key, None)
            if key == self._wanted_key:
                self._render_failed(exc)

        generation = self.app.render.submit(lambda r: r.render(doc_id, Path(path), page, box, zoom, list(terms)),
                                            done, channel=channel, on_error=failed)
        self._inflight[key] = (channel, generation)

    def _render_failed(self, exc: BaseException) -> None:
        log.warning("page render failed: %s", exc)
        self.message = self.app.t("viewer_render_failed")

    def _rendered(self, key: tuple[Any, ...], image: PageImage) -> None:
        if image.doc_id != self.doc_id:
            return
        texture = page_texture(image)
        self._cache[key] = (texture, list(image.marks), image.page_count)
        while len(self._cache) > PREFETCH:
            self._cache.popitem(last=False)
        if key == self._wanted_key:
            self._display(key, texture, list(image.marks), image.page_count)

    def _display(self, key: tuple[Any, ...], texture: Any, marks: list, count: int) -> None:
        self._shown_key = self._wanted_key = key
        self.page_marks = list(marks)  # the marks of THIS page, set before its texture is shown
        self.page_texture = texture
        self.draw_marks(self.ids.page_image)
        self.page_count = max(self.page_count, count)
        self.last_render_at = Clock.get_time()
        self._prefetch(key)

    def _prefetch(self, key: tuple[Any, ...]) -> None:
        """Make the next page (and the one before) while the visitor reads this one."""
        page = key[2]
        for other in (page + 1, page - 1):
            if 1 <= other <= self.page_count:
                want = (*key[:2], other, *key[3:])
                if want not in self._cache and not self._in_flight(want):
                    self._submit_render(want, f"prefetch{other - page:+d}")

    def draw_marks(self, image: Any) -> None:
        image.canvas.after.clear()
        if not self.page_marks or self.page_texture is None or image.texture is not self.page_texture:
            return
        tex_h = self.page_texture.size[1]
        with image.canvas.after:
            Color(*self.mark_color)
            for x, y_top, w, h in self.page_marks:
                Rectangle(pos=(image.x + x, image.y + tex_h - y_top - h), size=(w, h))

    # -- turning, zooming -------------------------------------------------------------------
    def turn(self, step: int) -> None:
        self.app.activity()
        if self.text_mode:
            self.scroll_text(step)
            return
        new = self.page + step
        if 1 <= new <= self.page_count:
            self.page = new
            self.ids.page_scroll.scroll_y = 1
            self._show()

    def can_turn(self, step: int, text_mode: bool, page: int, at_top: bool, at_end: bool, page_count: int) -> bool:
        if text_mode:
            return not (at_end if step > 0 else at_top)
        return 1 <= page + step <= page_count

    def zoom(self, step: int) -> None:
        new = max(0, min(len(ZOOMS) - 1, self.zoom_index + step))
        if new != self.zoom_index:
            self.zoom_index = new
            self._show()

    def page_label(self, page: int, page_count: int) -> str:
        return self.app.t("viewer_page", page=page, total=max(page_count, 1))

    # -- touches: swipe to turn, pinch to zoom ----------------------------------------------
    def on_touch_down(self, touch: Any) -> bool:
        if (not self.text_mode and self.ids.page_area.collide_point(*touch.pos)
                and not touch.is_mouse_scrolling):
            touch.ud["viewer_swipe"] = touch.pos
            self._touches[touch.uid] = touch.pos
            if len(self._touches) == 2:
                (x1, y1), (x2, y2) = self._touches.values()
                self._pinch_start = (max(1.0, ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5), self.zoom_index)
        return super().on_touch_down(touch)

    def on_touch_move(self, touch: Any) -> bool:
        if touch.uid in self._touches:
            self._touches[touch.uid] = touch.pos
            if self._pinch_start and len(self._touches) == 2:
                (x1, y1), (x2, y2) = self._touches.values()
                ratio = ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 / self._pinch_start[0]
                target = self._pinch_start[1] + (1 if ratio > 1.4 else -1 if ratio < 0.7 else 0)
                target = max(0, min(len(ZOOMS) - 1, target))
                if target != self.zoom_index:
                    self.zoom_index = target
                    self._show()
        return super().on_touch_move(touch)

    def on_touch_up(self, touch: Any) -> bool:
        start = touch.ud.get("viewer_swipe")
        was_pinch = self._pinch_start is not None
        self._touches.pop(touch.uid, None)
        if not self._touches:
            self._pinch_start = None
        if start and touch.grab_current is None and not was_pinch:
            touch.ud.pop("viewer_swipe", None)
            dx, dy = touch.x - start[0], touch.y - start[1]
            if abs(dx) > dp(140) and abs(dy) < abs(dx) / 2 and self.zoom_index == 0:
                self.turn(-1 if dx > 0 else 1)
        return super().on_touch_up(touch)

    # -- the library changed ----------------------------------------------------------------
    def on_library_changed(self) -> None:
        if not self.doc_id or self.withdrawn:
            return
        doc_id = self.doc_id
        self.app.lib.submit(lambda lib: lib.document(doc_id) is None, self._check_withdrawn, channel="withdrawn")

    def _check_withdrawn(self, gone: bool) -> None:
        if gone:
            self.withdrawn = True
            self.page_texture = None
            self.page_marks = []
            self.text_data = []
            self._cache.clear()
            self.ids.page_image.canvas.after.clear()
            self.message = self.app.t("viewer_withdrawn")

    # -- related, QR, print -----------------------------------------------------------------
    def open_replacement(self) -> None:
        """Open the document that replaces this one; a text search only when the library lacks it."""
        if not self.replaced_by:
            return
        name, current = self.replaced_by, self.doc_id

        def opened(doc_id: str | None) -> None:
            if self.doc_id != current or self.app.sm.current != "viewer":
                return  # the visitor went elsewhere meanwhile
            if doc_id:
                self.app.show("viewer", doc_id=doc_id, terms=list(self.terms))
            else:
                self.app.open_search(query=name, keyboard=False)

        self.app.lib.submit(lambda lib: find_replacement(lib, name, current), opened, channel="replacement")

    def show_qr(self) -> None:
        self.app.show("qr", doc_id=self.doc_id)

    def can_print(self) -> bool:
        return bool(self.app.kconfig["app.printer"])

    def ask_print(self) -> None:
        self._close_dialog()
        self._dialog = Dialog(message=self.app.t("print_confirm", title=self.title, pages=int(self.page_count)),
                              yes_text=self.app.t("print_yes"), no_text=self.app.t("print_no"))
        self._dialog.on_yes = self.print_document
        self._dialog.open()

    def print_document(self) -> None:
        printer = str(self.app.kconfig["app.printer"])
        path, doc_id, pages = self._path, self.doc_id, int(self.page_count)
        text = "\n\f".join(self._page_texts()) if self.fmt not in IMAGE_FORMATS else ""

        def run() -> None:
            ok = False
            try:
                if text:
                    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as fh:
                        fh.write(text)
                        target = fh.name
                else:
                    target = str(path)
                proc = subprocess.run(["lp", "-d", printer, target], capture_output=True, text=True, timeout=30)
                ok = proc.returncode == 0
                if not ok:
                    log.warning("lp failed (%s): %s", proc.returncode, proc.stderr.strip())
            except (OSError, subprocess.SubprocessError) as exc:
                log.warning("lp could not run: %s", exc)
            Clock.schedule_once(lambda dt: self._printed(ok, doc_id, pages), 0)

        threading.Thread(target=run, name="kiosk-print", daemon=True).start()

    def _page_texts(self) -> list[str]:
        return list(self._pages)

    def _printed(self, ok: bool, doc_id: str, pages: int) -> None:
        if ok:
            self.app.count("print", doc_id=doc_id, pages=pages)
        self._close_dialog()
        self._dialog = Dialog(message=self.app.t("print_sent" if ok else "print_failed"),
                              no_text=self.app.t("close"))
        self._dialog.open()

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.dismiss(animation=False)
            self._dialog = None


SCREEN_CLASS = ViewerScreen
