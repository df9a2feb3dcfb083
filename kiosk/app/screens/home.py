"""Home: the search field, kind tiles, topic tiles with counts, the newest documents."""

from __future__ import annotations

from typing import Any

from kivy.properties import DictProperty, ListProperty

from kiosk.app.screens.base import KScreen
from kiosk.app.screens.search import hits_to_cards

KIND_TILES = ("规范性文件", "政府公报", "法律法规")


class HomeScreen(KScreen):
    kind_counts = DictProperty()
    topic_tiles = ListProperty()  # [{"text": ..., "value": topic}]
    newest_cards = ListProperty()

    def on_library_ready(self) -> None:
        self.load()

    def on_library_changed(self) -> None:
        self.load()

    def load(self) -> None:
        self.app.lib.submit(lambda lib: lib.facets(None), self._facets_loaded, channel="home")
        self.app.lib.submit(lambda lib: lib.newest(8), self._newest_loaded, channel="home_newest")

    def _newest_loaded(self, newest: list[Any]) -> None:
        self.newest_cards = hits_to_cards(newest)

    def _facets_loaded(self, facets: dict[str, dict[str, int]]) -> None:
        self.kind_counts = dict(facets.get("kind", {}))
        topics = sorted(facets.get("topic", {}).items(), key=lambda kv: (-kv[1], kv[0]))
        self.topic_tiles = [
            {"text": f"{name}\n{self.app.t('count_suffix', count=n)}",
             "value": name, "handler_name": "open_topic", "screen_name": "home"}
            for name, n in topics if n > 0
        ]

    def kind_label(self, kind: str, counts: dict[str, int], large_text: bool) -> str:
        n = counts.get(kind, 0)
        small = int(self.app.font_for("body", large_text))
        return f"{kind}\n[size={small}]{self.app.t('count_suffix', count=n)}[/size]"

    def open_kind(self, kind: str) -> None:
        if kind == "政府公报":
            self.app.open_gazette()
        else:
            self.app.open_search(keyboard=False, kind=kind)

    def open_guide(self) -> None:
        self.app.open_guide()

    def open_topic(self, topic: str) -> None:
        self.app.open_search(keyboard=False, topic=topic)


SCREEN_CLASS = HomeScreen


def _rebuild_topic_grid(screen: HomeScreen, tiles: list[dict[str, Any]]) -> None:
    from kiosk.app.widgets import ChoiceButton

    grid = screen.ids.topic_grid
    grid.clear_widgets()
    for tile in tiles:
        grid.add_widget(ChoiceButton(**tile))


HomeScreen.on_topic_tiles = lambda self, *a: _rebuild_topic_grid(self, self.topic_tiles)
