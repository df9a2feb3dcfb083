"""The gazette shelf: years, then issues, then an issue's cover and contents (an item opens at its page)."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.app.markup import library_text
from kiosk.app.screens.base import KScreen
from kiosk.app.widgets import page_texture

LEVELS = ("years", "issues", "issue")


class GazetteScreen(KScreen):
    level = StringProperty("years")
    year = NumericProperty(0)
    doc_id = StringProperty("")
    issue_title = StringProperty("")
    issue_meta = StringProperty("")  # who published the issue, and when (as the viewer's side box)
    options = ListProperty()
    cover_texture = ObjectProperty(None, allownone=True)
    session_properties = ("level", "year", "doc_id", "issue_title", "issue_meta", "options", "cover_texture")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shelf: dict[int, list[Any]] = {}

    def enter(self, level: str = "years", year: int = 0, doc_id: str = "", **_: Any) -> None:
        self.level, self.year, self.doc_id = level, int(year), doc_id
        self.load()

    def snapshot(self) -> dict[str, Any]:
        return {"level": self.level, "year": self.year, "doc_id": self.doc_id}

    def reset(self) -> None:
        super().reset()
        self._shelf = {}

    def back(self) -> bool:
        if self.level == "issue":
            self.level, self.doc_id, self.cover_texture = "issues", "", None
            self.load()
            return True
        if self.level == "issues":
            self.level, self.year = "years", 0
            self.load()
            return True
        return False

    def on_library_changed(self) -> None:
        if self.options:
            self.load()

    def load(self) -> None:
        self.options = []
        if self.level in ("years", "issues"):
            self.app.lib.submit(lambda lib: lib.gazette_shelf(), self._shelf_loaded, channel="gazette")
        else:
            doc_id = self.doc_id
            self.app.lib.submit(lambda lib: (lib.document(doc_id), lib.document_file(doc_id)),
                                self._issue_loaded, channel="gazette")

    def _shelf_loaded(self, shelf: dict[int, list[Any]]) -> None:
        self._shelf = {int(y): hits for y, hits in shelf.items()}
        if self.level == "years":
            self.options = [
                {"text": f"{self.app.t('year_label', year=y)}    {self.app.t('count_suffix', count=len(h))}",
                 "value": str(y), "handler_name": "choose_year", "screen_name": "gazette"}
                for y, h in sorted(self._shelf.items(), reverse=True)
            ]
        else:
            self.options = [
                {"text": library_text(hit.title), "value": hit.doc_id or hit.id, "handler_name": "choose_issue",
                 "screen_name": "gazette"}
                for hit in self._shelf.get(self.year, [])
            ]

    def _issue_loaded(self, loaded: tuple[Any, Any]) -> None:
        record, path = loaded
        if record is None:
            self.back()
            return
        self.issue_title = library_text(record.meta.title)
        self.issue_meta = library_text("  ·  ".join(p for p in (record.meta.issuer, record.meta.date) if p))
        options = [{"text": self.app.t("gazette_open_issue"), "value": "1", "handler_name": "open_page",
                    "screen_name": "gazette"}]
        for item in record.meta.contents:
            label = f"{library_text(item.title)}    {self.app.t('gazette_page', page=item.page)}"
            options.append({"text": label, "value": str(item.page), "handler_name": "open_page",
                            "screen_name": "gazette"})
        self.options = options
        if record.format == "pdf" and path is not None:
            doc_id = self.doc_id
            self.app.render.submit(lambda r: r.render(doc_id, path, 1, (600, 800), 1.0, []),
                                   self._cover_rendered, channel="cover")

    def _cover_rendered(self, image: Any) -> None:
        if image.doc_id != self.doc_id:
            return
        self.cover_texture = page_texture(image)

    def choose_year(self, value: str) -> None:
        self.app.mark_session()
        self.level, self.year = "issues", int(value)
        self.load()

    def choose_issue(self, doc_id: str) -> None:
        self.level, self.doc_id = "issue", doc_id
        self.load()

    def open_page(self, page: str) -> None:
        self.app.show("viewer", doc_id=self.doc_id, page=int(page))

    def title_text(self, level: str, year: int, issue_title: str) -> str:
        if level == "issues":
            return self.app.t("gazette_issues", year=year)
        if level == "issue":
            return issue_title
        return self.app.t("gazette_title")

    def subtitle(self, level: str) -> str:
        return {"years": self.app.t("gazette_choose_year"), "issue": self.app.t("gazette_contents")}.get(level, "")


SCREEN_CLASS = GazetteScreen
