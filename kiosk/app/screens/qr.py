"""Take it away: a large QR code of the document's public page."""

from __future__ import annotations

from typing import Any

from kivy.graphics.texture import Texture
from kivy.properties import ObjectProperty, StringProperty
from kivy.utils import escape_markup

from kiosk.app.markup import library_text
from kiosk.app.render import qr_rgb
from kiosk.app.screens.base import KScreen


def public_url(meta: Any, pattern: str) -> str:
    """The document's own url, else ``app.url_pattern`` filled from 索引号/文号 (when they are known)."""
    if meta.url:
        return str(meta.url)
    if not pattern:
        return ""
    needs_index = "{index_number}" in pattern
    needs_number = "{doc_number}" in pattern
    if (needs_index and not meta.index_number) or (needs_number and not meta.doc_number):
        return ""
    from urllib.parse import quote

    return pattern.format(index_number=quote(meta.index_number or ""), doc_number=quote(meta.doc_number or ""))


class QrScreen(KScreen):
    doc_id = StringProperty("")
    title = StringProperty("")
    url = StringProperty("")
    message = StringProperty("")
    qr_texture = ObjectProperty(None, allownone=True)
    session_properties = ("doc_id", "title", "url", "message", "qr_texture")

    def enter(self, doc_id: str = "", **_: Any) -> None:
        self.reset()
        self.doc_id = doc_id
        pattern = str(self.app.kconfig["app.url_pattern"])

        def find(library: Any) -> tuple[str, str, str] | None:
            record = library.document(doc_id)
            if record is None:
                return None
            return record.meta.title, public_url(record.meta, pattern), record.meta.doc_number or ""

        self.app.lib.submit(find, self._found, channel="qr")

    def snapshot(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id}

    def _found(self, found: tuple[str, str, str] | None) -> None:
        if found is None:
            self.message = self.app.t("viewer_withdrawn")
            return
        title, self.url, doc_number = found
        self.title = library_text(title)  # the bar is a markup label: shown as written
        if not self.url:
            self.message = self.no_url_message(title, doc_number)  # escapes the whole message
            return
        side, rgb = qr_rgb(self.url, 720)
        texture = Texture.create(size=(side, side), colorfmt="rgba")
        texture.blit_buffer(rgb, colorfmt="rgba", bufferfmt="ubyte")
        texture.flip_vertical()
        texture.mag_filter = "nearest"
        self.qr_texture = texture
        self.app.count("qr", doc_id=self.doc_id)


    def no_url_message(self, title: str, doc_number: str) -> str:
        """No page on the web: what to note (the 文号 if there is one, else the title) and where to go."""
        t, config = self.app.t, self.app.kconfig
        note = t("qr_note_number", doc_number=doc_number) if doc_number else t("qr_note_title", title=title)
        lines = [t("qr_no_url"), note, t("qr_ask_at")]
        for key in ("place", "hours", "phone"):
            value = str(config[f"app.request_{key}"] or "")
            if value:
                lines.append(t(f"request_{key}", **{key: value}))
        return escape_markup("\n".join(lines))


SCREEN_CLASS = QrScreen
