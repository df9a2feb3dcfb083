"""The viewer: PDF pages as images (pypdfium2), text mode for every format, QR, print, related."""

from __future__ import annotations

import logging
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.utils import escape_markup

from kiosk.app import theme
from kiosk.app.markup import mark_terms
from kiosk.app.render import PageImage
from kiosk.app.screens.base import KScreen
from kiosk.app.widgets import Dialog, page_texture

log = logging.getLogger("kiosk.app.viewer")

IMAGE_FORMATS = ("pdf", "tiff", "png", "jpg")  # page images (scans: kiosk.app.render, index.scanview)
CHUNK_CHARS = 1400  # text mode shows a page in pieces of about this many characters
ZOOMS = (1.0, 1.5, 2.0, 3.0)
TEXT_STEPS = (1.0, 1.25, 1.5, 1.8, 2.2)


@dataclass
class Opened:
    record: Any
    pages: list[str]
    path: Path | None
    related: list[Any]


def chunk_pages(pages: list[str]) -> tuple[list[str], list[int]]:
    """Split page texts into screen-sized chunks; returns chunks and the 1-based page of each."""
    chunks: list[str] = []
    origin: list[int] = []
    for number, text in enumerate(pages, start=1):
        text = text.strip()
        if not text:
            chunks.append("")
            origin.append(number)
            continue
        start = 0
        while start < len(text):
            end = min(len(text), start + CHUNK_CHARS)
            if end < len(text):
                cut = text.rfind("\n", start + CHUNK_CHARS // 2, end)
                end = cut + 1 if cut > 0 else end
            chunks.append(text[start:end])
            origin.append(number)
            start = end
    return chunks or [""], origin or [1]


class ViewerScreen(KScreen):
    doc_id = StringProperty("")
    title = StringProperty("")
    meta_text = StringProperty("")
    validity_text = StringProperty("")
    replaced_by = StringProperty("")
    fmt = StringProperty("")
    page = NumericProperty(1)  # 1-based page of the document
    page_count = NumericProperty(0)
    chunk = NumericProperty(0)  # text mode: index into chunks
    zoom_index = NumericProperty(0)
    text_mode = BooleanProperty(False)
    text_step = NumericProperty(1)
    text_markup = StringProperty("")
    withdrawn = BooleanProperty(False)
    message = StringProperty("")
    loading = BooleanProperty(False)
    related_cards = ListProperty()
    terms = ListProperty()
    page_texture = ObjectProperty(None, allownone=True)
    page_marks = ListProperty()
    printer_available = BooleanProperty(False)
    session_properties = ("doc_id", "title", "meta_text", "validity_text", "replaced_by", "fmt", "page",
                          "page_count", "chunk", "zoom_index", "text_mode", "text_step", "text_markup",
                          "withdrawn", "message", "loading", "related_cards", "terms", "page_texture",
                          "page_marks")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._chunks: list[str] = [""]
        self._chunk_page: list[int] = [1]
        self._path: Path | None = None
        self._record: Any = None
        self._render_trigger = Clock.create_trigger(lambda dt: self.request_render(), 0.05)
        self._dialog: Dialog | None = None
        self._touches: dict[Any, tuple[float, float]] = {}
        self._pinch_start: tuple[float, int] | None = None

    # -- entering ---------------------------------------------------------------------------
    def enter(self, doc_id: str = "", page: int = 1, terms: list[str] | None = None,
              text_mode: bool | None = None, **_: Any) -> None:
        self.reset_view()
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
            related = library.related(doc_id, 5)
            return Opened(record, pages, path, related)

        self.app.lib.submit(open_doc, self._opened, channel="viewer", on_error=self._open_failed)

    def snapshot(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "page": self.page, "terms": list(self.terms), "text_mode": self.text_mode}

    def reset_view(self) -> None:
        self.app.render.invalidate("page")
        self._close_dialog()
        KScreen.reset(self)
        self._chunks, self._chunk_page, self._path, self._record = [""], [1], None, None
        if "text_scroll" in self.ids:
            self.ids.text_scroll.scroll_y = 1
            self.ids.page_scroll.scroll_y = 1

    def reset(self) -> None:
        self.reset_view()

    def _open_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.message = self.app.t("viewer_no_pages")

    def _opened(self, opened: Opened | None) -> None:
        self.loading = False
        if opened is None:
            self.withdrawn = True
            self.message = self.app.t("viewer_withdrawn")
            return
        from kiosk.app.screens.search import BADGES, hits_to_cards

        record, meta = opened.record, opened.record.meta
        self._record = record
        self.title = meta.title or record.source_path
        self.meta_text = escape_markup("  ·  ".join(p for p in (meta.doc_number, meta.issuer, meta.date) if p))
        self.validity_text = self.app.t(BADGES.get(meta.validity, "badge_valid"))
        self.replaced_by = meta.replaced_by if meta.validity != "有效" else ""
        self.fmt = record.format
        self._path = opened.path
        self._chunks, self._chunk_page = chunk_pages(opened.pages)
        self.page_count = max(record.page_count or 0, len(opened.pages), 1)
        self.page = min(self.page, self.page_count)
        self.related_cards = hits_to_cards(opened.related, self.app)
        self.app.count("view", doc_id=record.id, topic=meta.topic or None)
        image_ok = record.format in IMAGE_FORMATS and opened.path is not None and Path(opened.path).is_file()
        self.text_mode = (not image_ok) if self._want_text_mode is None else (self._want_text_mode or not image_ok)
        self._sync_chunk_to_page()
        self._show()

    # -- showing ----------------------------------------------------------------------------
    def _sync_chunk_to_page(self) -> None:
        self.chunk = next((i for i, p in enumerate(self._chunk_page) if p >= self.page), 0)

    def _show(self) -> None:
        if self.text_mode:
            self.text_markup = mark_terms(self._chunks[self.chunk], list(self.terms))
            if "text_scroll" in self.ids:
                self.ids.text_scroll.scroll_y = 1
        elif "page_scroll" in self.ids and self.ids.page_scroll.height > 1:
            self.request_render()  # at once: the render thread works while this frame is drawn
        else:
            self._render_trigger()

    def request_render(self) -> None:
        if self.text_mode or self._path is None or self.withdrawn:
            return
        area = self.ids.page_scroll
        box = (max(200, int(area.width)), max(200, int(area.height)))
        zoom = ZOOMS[self.zoom_index]
        doc_id, path, page, terms = self.doc_id, Path(self._path), int(self.page), list(self.terms)
        self.app.render.submit(lambda r: r.render(doc_id, path, page, box, zoom, terms), self._rendered,
                               channel="page", on_error=self._render_failed)

    def _render_failed(self, exc: BaseException) -> None:
        log.warning("page render failed: %s", exc)
        self.message = self.app.t("viewer_render_failed")

    def _rendered(self, image: PageImage) -> None:
        if image.doc_id != self.doc_id:
            return
        self.page_texture = page_texture(image)
        self.page_marks = list(image.marks)
        self.page_count = max(self.page_count, image.page_count)
        self.last_render_at = Clock.get_time()

    def draw_marks(self, image: Any) -> None:
        image.canvas.after.clear()
        if not self.page_marks or self.page_texture is None:
            return
        tex_h = self.page_texture.size[1]
        with image.canvas.after:
            Color(*theme.MARK_FILL)
            for x, y_top, w, h in self.page_marks:
                Rectangle(pos=(image.x + x, image.y + tex_h - y_top - h), size=(w, h))

    # -- turning, zooming, text size --------------------------------------------------------
    def turn(self, step: int) -> None:
        self.app.activity()
        if self.text_mode:
            new = self.chunk + step
            if 0 <= new < len(self._chunks):
                self.chunk = new
                self.page = self._chunk_page[new]
                self._show()
        else:
            new = self.page + step
            if 1 <= new <= self.page_count:
                self.page = new
                self.ids.page_scroll.scroll_y = 1
                self._show()

    def can_turn(self, step: int, text_mode: bool, page: int, chunk: int, page_count: int) -> bool:
        if text_mode:
            return 0 <= chunk + step < len(self._chunks)
        return 1 <= page + step <= page_count

    def zoom(self, step: int) -> None:
        new = max(0, min(len(ZOOMS) - 1, self.zoom_index + step))
        if new != self.zoom_index:
            self.zoom_index = new
            self._show()

    def change_text_size(self, step: int) -> None:
        self.text_step = max(0, min(len(TEXT_STEPS) - 1, self.text_step + step))

    def text_scale(self, step: int) -> float:
        return TEXT_STEPS[int(step)]

    def toggle_text_mode(self) -> None:
        self.text_mode = not self.text_mode
        self._sync_chunk_to_page()
        self._show()

    def page_label(self, page: int, page_count: int) -> str:
        return self.app.t("viewer_page", page=page, total=max(page_count, 1))

    # -- touches: swipe to turn, pinch to zoom ----------------------------------------------
    def on_touch_down(self, touch: Any) -> bool:
        if "page_area" in self.ids and self.ids.page_area.collide_point(*touch.pos) and not touch.is_mouse_scrolling:
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
            self.text_markup = ""
            self.message = self.app.t("viewer_withdrawn")

    # -- related, QR, print -----------------------------------------------------------------
    def open_replacement(self) -> None:
        if self.replaced_by:
            self.app.open_search(query=self.replaced_by, keyboard=False)

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
        out: list[str] = []
        for chunk, page in zip(self._chunks, self._chunk_page, strict=True):
            if len(out) < page:
                out.append("")
            out[page - 1] += chunk
        return out

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
