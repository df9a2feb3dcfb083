"""Browsing without typing: by topic, by issuer, by year."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty, StringProperty

from index.search import UNKNOWN_YEAR
from kiosk.app.screens.base import KScreen

TITLES = {"topic": "browse_topic", "issuer": "browse_issuer", "year": "browse_year"}


class BrowseScreen(KScreen):
    facet = StringProperty("topic")
    options = ListProperty()
    session_properties = ("facet", "options")

    def enter(self, facet: str = "topic", **_: Any) -> None:
        if facet != self.facet or not self.options:
            self.ids.options.scroll_y = 1  # a new list starts at its top; coming back keeps the place
        self.facet = facet
        self.options = []
        self.load()

    def snapshot(self) -> dict[str, Any]:
        return {"facet": self.facet}

    def on_library_changed(self) -> None:
        if self.options:
            self.load()

    def load(self) -> None:
        facet = self.facet

        def counts(library: Any) -> dict[Any, int]:
            facets = library.facets(None)
            out = dict(facets.get(facet, {}))
            if facet == "year":  # documents without a date are reachable too: 日期不详
                undated = sum(facets.get("kind", {}).values()) - sum(out.values())
                if undated > 0:
                    out[str(UNKNOWN_YEAR)] = undated
            return out

        self.app.lib.submit(counts, self._loaded, channel="browse")

    def _loaded(self, counts: dict[Any, int]) -> None:
        if self.facet == "year":
            items = sorted(counts.items(), key=lambda kv: str(kv[0]), reverse=True)
            items = [kv for kv in items if kv[0] != str(UNKNOWN_YEAR)] + [kv for kv in items if kv[0] == str(UNKNOWN_YEAR)]
        else:
            items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        label = self.year_text if self.facet == "year" else str
        self.options = [
            {"text": f"{label(v)}    {self.app.t('count_suffix', count=n)}", "value": str(v),
             "handler_name": "choose", "screen_name": "browse"}
            for v, n in items if n > 0
        ]

    def year_text(self, value: Any) -> str:
        return self.app.t("year_unknown") if str(value) == str(UNKNOWN_YEAR) else self.app.t("year_label", year=value)

    def title_text(self, facet: str) -> str:
        return self.app.t(TITLES.get(facet, "browse_topic"))

    def choose(self, value: str) -> None:
        self.app.open_search(keyboard=False, **{self.facet: value})


SCREEN_CLASS = BrowseScreen
