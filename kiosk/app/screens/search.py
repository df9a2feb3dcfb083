"""Search: the docked keyboard, the candidate bar, live results, filter chips, no-result help."""

from __future__ import annotations

import string
from typing import Any

from kivy.clock import Clock
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.utils import escape_markup

from index.bounds import QueryBounds
from index.models import CURRENT_VALIDITY, Filters, Hit, SearchResult
from kiosk.app import theme
from kiosk.app.handpad import HandwritingPanel  # noqa: F401 (used in search.kv)
from kiosk.app.markup import snippet_markup
from kiosk.app.screens.base import KScreen
from kiosk.app.widgets import ChooserView, KeyButton
from kiosk.app.worker import SAME_FRAME_WAIT_S

PAGE_SIZE = 30

FACETS = ("kind", "year", "issuer", "topic", "validity")
LETTERS = set(string.ascii_lowercase)

KEY_ROWS: tuple[tuple[str, ...], ...] = (
    tuple("1234567890"),
    tuple("qwertyuiop"),
    (*"asdfghjkl", "@delete"),
    (*"zxcvbnm", "〔", "〕", "号"),
    ("@space", "@clear", "@search"),
)
ACTION_KEYS = {"@delete": "key_delete", "@space": "key_space", "@clear": "key_clear", "@search": "search_button"}

BADGES = {"有效": "badge_valid", "废止": "badge_repealed", "失效": "badge_expired", "已修订": "badge_revised"}


def hits_to_cards(hits: list[Hit], app: Any = None) -> list[dict[str, Any]]:
    from kivy.app import App

    app = app or App.get_running_app()
    cards = []
    for hit in hits:
        meta = "  ·  ".join(p for p in (hit.doc_number, hit.issuer, hit.date) if p)
        replaced = app.t("replaced_by", title=hit.replaced_by) if hit.replaced_by and hit.validity != CURRENT_VALIDITY else ""
        cards.append({
            "hit_id": hit.id,
            "doc_id": hit.doc_id or hit.id.split("#")[0],
            "page": int(hit.page or 1),
            "title_markup": escape_markup(hit.title),
            "meta_text": escape_markup(meta),
            "snippet_markup": snippet_markup(hit.snippet or ""),
            "validity": hit.validity,
            "badge_text": app.t(BADGES.get(hit.validity, "badge_valid")),
            "badge_color": theme.BADGE_COLORS.get(hit.validity, theme.VALID),
            "replaced_text": escape_markup(replaced),
        })
    return cards


class SearchScreen(KScreen):
    committed = StringProperty("")  # text settled (Chinese words, digits, 〔〕号)
    letters = StringProperty("")  # Latin letters still being typed (pinyin initials)
    candidates = ListProperty()
    cards = ListProperty()
    total = NumericProperty(-1)  # -1: nothing searched yet
    corrected = StringProperty("")
    restoring = BooleanProperty(False)  # the index is being rebuilt: title matches only
    suggestions = ListProperty()
    filters = DictProperty()
    facets = DictProperty()
    sort = StringProperty("relevance")
    keyboard_visible = BooleanProperty(True)
    has_more = BooleanProperty(False)
    searching = BooleanProperty(False)
    terms = ListProperty()
    limit_note = StringProperty("")  # 最多输入 N 个字, while the field is full
    input_mode = StringProperty("pinyin")  # or "hand": the handwriting pad instead of the letters
    session_properties = ("committed", "letters", "candidates", "cards", "total", "corrected", "restoring", "suggestions",
                          "filters", "facets", "sort", "keyboard_visible", "has_more", "searching", "terms",
                          "limit_note", "input_mode")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._search_trigger = Clock.create_trigger(lambda dt: self.run_search(), 0)
        self._candidate_trigger = Clock.create_trigger(lambda dt: self._ask_candidates(), 0)
        self._count_next = False
        self._chooser: ChooserView | None = None
        self._choosing = ""
        self._shown_query = ""
        Clock.schedule_once(lambda dt: self._build_keyboard(), 0)

    # -- entering, leaving ------------------------------------------------------------------
    @property
    def query(self) -> str:
        return self.committed + self.letters

    def enter(self, query: str = "", keyboard: bool = True, filters: dict[str, Any] | None = None,
              sort: str = "relevance", help_only: bool = False, **_: Any) -> None:
        if help_only:  # where and when to ask, without a search (the guide is not in the library)
            self.committed, self.letters, self.candidates, self.filters = "", "", [], {}
            self.keyboard_visible = False
            self.cards, self.total, self.suggestions, self.corrected = [], 0, [], ""
            return
        new_state = (query, dict(filters or {}), sort)
        if new_state == (self.query, dict(self.filters), self.sort) and self.total >= 0:
            self.keyboard_visible = keyboard
            return  # coming back: keep results and scroll position
        self.committed, self.letters, self.candidates = self._fit(query), "", []
        self.filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
        self.sort = sort
        self.keyboard_visible = keyboard
        self.cards, self.total, self.suggestions, self.corrected = [], -1, [], ""
        self._count_next = bool(query)
        if query or self.filters or not keyboard:
            self.run_search()  # an empty field with the keyboard up waits for the first key

    def snapshot(self) -> dict[str, Any]:
        return {"query": self.query, "keyboard": self.keyboard_visible, "filters": dict(self.filters),
                "sort": self.sort}

    def reset(self) -> None:
        self._search_trigger.cancel()
        self._candidate_trigger.cancel()
        self._count_next = False
        if self._chooser is not None:
            self._chooser.dismiss(animation=False)
            self._chooser = None
        super().reset()
        if "hand_panel" in self.ids:
            self.ids.hand_panel.reset()
        if "results" in self.ids:
            self.ids.results.scroll_y = 1

    def current_terms(self) -> list[str]:
        return list(self.terms) or [w for w in self.query.split() if w]

    def on_library_changed(self) -> None:
        if self.total >= 0:
            self.run_search(keep_count=True)

    # -- layout -----------------------------------------------------------------------------
    def on_kv_post(self, base_widget: Any) -> None:
        ids = self.ids
        # Strong references: panels are moved between containers when the orientation changes.
        self._panels = {name: ids[name].__self__ for name in ("input_panel", "keyboard_panel", "results_panel", "left_col")}
        # Letters or the handwriting pad: only the one in use is in the tree (a hidden, disabled
        # widget would still swallow the touches that land on it).
        self._inputs = {"pinyin": ids.keyboard.__self__, "hand": ids.hand_panel.__self__}
        self.on_input_mode()
        self.app.bind(portrait=lambda *a: self.arrange())
        self.arrange()

    def arrange(self) -> None:
        p = self._panels
        body = self.ids.body
        for w in p.values():
            if w.parent is not None:
                w.parent.remove_widget(w)
        if self.app.portrait:
            body.orientation = "vertical"
            for name in ("input_panel", "results_panel", "keyboard_panel"):
                body.add_widget(p[name])
        else:
            body.orientation = "horizontal"
            p["left_col"].add_widget(p["input_panel"])
            p["left_col"].add_widget(p["keyboard_panel"])
            body.add_widget(p["left_col"])
            body.add_widget(p["results_panel"])

    def on_candidates(self, *args: Any) -> None:
        from kivy.metrics import dp

        from kiosk.app.widgets import Chip, KLabel

        bar = self.ids.candidate_bar
        bar.clear_widgets()
        if not self.candidates and self.letters:
            bar.add_widget(KLabel(text=self.app.t("candidates_none"), auto_height=False, size_hint_x=None,
                                  width=dp(600)))
        for word in self.candidates:
            chip = Chip(text=word, min_height=dp(76), role="title")
            chip.bind(on_release=lambda btn, w=word: self.choose_candidate(w))
            bar.add_widget(chip)

    def on_suggestions(self, *args: Any) -> None:
        from kivy.metrics import dp

        from kiosk.app.widgets import Chip

        box = self.ids.suggestion_box
        box.clear_widgets()
        for word in self.suggestions:
            chip = Chip(text=word, min_height=dp(72))
            chip.bind(on_release=lambda btn, w=word: self.choose_suggestion(w))
            box.add_widget(chip)

    # -- keyboard ---------------------------------------------------------------------------
    def _build_keyboard(self) -> None:
        box = self.ids.keyboard
        from kivy.uix.boxlayout import BoxLayout

        box.clear_widgets()
        for row in KEY_ROWS:
            line = BoxLayout(spacing=box.spacing)
            for key in row:
                if key.startswith("@"):
                    btn = KeyButton(text=self.app.t(ACTION_KEYS[key]), action=key[1:],
                                    size_hint_x=2.0 if key == "@space" else 1.6)
                    btn.role = "body"
                else:
                    btn = KeyButton(text=key, value=key)
                line.add_widget(btn)
            box.add_widget(line)

    # -- the query's bounds (index.bounds, settings search.max_query_*) ---------------------
    @property
    def bounds(self) -> QueryBounds:
        return QueryBounds.from_config(self.app.kconfig)

    def _fit(self, text: str) -> str:
        """``text`` within the bounds; says 最多输入 N 个字 when it had to be cut."""
        fitted, cut = self.bounds.cut(text)
        if not cut:
            self.limit_note = ""
            return text
        self.limit_note = self.app.t("query_too_long", limit=self.bounds.max_chars)
        return fitted

    def _refuses(self, key: KeyButton) -> bool:
        """A key that would take the query over its bounds is refused, with the message on screen."""
        if key.action in ("delete", "clear", "search"):
            self.limit_note = ""
            return False
        b = self.bounds
        longer = self.query + (" " if key.action == "space" else key.value)
        if b.length(longer) > b.max_chars or len(longer.split()) > b.max_words:
            self.limit_note = self.app.t("query_too_long", limit=b.max_chars)
            return True
        return False

    def on_key(self, key: KeyButton) -> None:
        self.app.mark_session()
        if self._refuses(key):
            return
        if key.action == "delete":
            if self.letters:
                self.letters = self.letters[:-1]
            else:
                self.committed = self.committed[:-1]
        elif key.action == "clear":
            self.committed, self.letters = "", ""
        elif key.action == "space":
            self.committed, self.letters = self.committed + self.letters + " ", ""
        elif key.action == "search":
            self.committed, self.letters = self.committed + self.letters, ""
            self.keyboard_visible = False
            self._count_next = bool(self.query.strip())
            self.run_search()
            self.candidates = []
            return
        elif key.value in LETTERS:
            self.letters += key.value
        else:
            self.committed, self.letters = self.committed + self.letters + key.value, ""
        self._typed()

    def _typed(self) -> None:
        debounce = float(self.app.kconfig["app.search_debounce_s"])
        if self.letters:
            self._candidate_trigger.timeout = debounce / 2
            self._candidate_trigger()
        else:
            self.app.lib.invalidate("candidates")
            self.candidates = []
        self._search_trigger.timeout = debounce
        self._search_trigger()

    def field_markup(self, committed: str, letters: str, mode: str) -> str:
        if not committed and not letters:
            hint = self.app.t("search_hint_hand" if mode == "hand" else "search_hint")
            return f"[color=#4a4f57]{escape_markup(hint)}[/color]"
        return escape_markup(committed) + (f"[u]{escape_markup(letters)}[/u]" if letters else "") + "[color=#1f4e8c]|[/color]"

    # -- handwriting (kiosk/app/handpad.py) -------------------------------------------------
    def set_input_mode(self, mode: str) -> None:
        self.app.mark_session()
        self.input_mode = mode
        if mode == "hand":
            self.committed, self.letters, self.candidates = self.committed + self.letters, "", []
            self.ids.hand_panel.activate()
        else:
            self.ids.hand_panel.reset()

    def on_input_mode(self, *args: Any) -> None:
        inputs = getattr(self, "_inputs", None)
        if not inputs:
            return
        panel = self.ids.keyboard_panel
        for mode, widget in inputs.items():
            if mode != self.input_mode and widget.parent is not None:
                widget.parent.remove_widget(widget)
        active = inputs.get(self.input_mode, inputs["pinyin"])
        if active.parent is None:
            panel.add_widget(active)

    def hand_commit(self, text: str) -> None:
        """Written characters go into the box and the same debounced search as letters."""
        self.committed, self.letters = self.committed + self.letters + text, ""
        self._typed()

    def hand_backspace(self) -> None:
        self.committed = self.committed[:-1]
        self._typed()

    # -- candidates -------------------------------------------------------------------------
    def _ask_candidates(self) -> None:
        letters = self.letters
        if not letters:
            return
        self.app.lib.submit(lambda lib: lib.candidates(letters, 12), self._got_candidates, channel="candidates")

    def _got_candidates(self, words: list[str]) -> None:
        if self.letters:
            self.candidates = list(words)
            if not words:
                self.on_candidates()  # say there is nothing to choose yet

    def choose_candidate(self, word: str) -> None:
        self.app.mark_session()
        self.app.lib.invalidate("candidates")
        self.committed, self.letters, self.candidates = self._fit(self.committed + word), "", []
        self._count_next = True
        self._search_trigger.cancel()
        self.run_search()

    # -- searching --------------------------------------------------------------------------
    def make_filters(self) -> Filters:
        f = dict(self.filters)
        if f.get("year") not in (None, ""):
            f["year"] = int(f["year"])
        return Filters(**{k: v for k, v in f.items() if k in FACETS})

    def run_search(self, *, more: bool = False, keep_count: bool = False) -> None:
        self._search_trigger.cancel()
        query = self.query.strip()
        filters = self.make_filters()
        sort = self.sort
        offset = len(self.cards) if more else 0
        limit = PAGE_SIZE if not keep_count else max(PAGE_SIZE, len(self.cards))
        count = self._count_next and not more
        self._count_next = False
        self.searching = True

        def search(library: Any) -> SearchResult:
            # First the hits (fast); the filter counts come in a second job.
            return library.search(query, filters, limit=limit, offset=offset, sort=sort, with_facets=False)

        def done(result: SearchResult) -> None:
            self._on_results(result, more=more, counted=count, query=query)

        def facets(library: Any) -> dict[str, dict[str, int]]:
            return library.search_facets(query, filters)  # counts only: no ranking, no hits

        # The answer in the frame of the tap when it comes within a frame (a candidate word's
        # results are computed ahead: a dictionary lookup), else the frame after.
        self.app.lib.submit(search, done, channel="search", on_error=self._on_error, wait_s=SAME_FRAME_WAIT_S)
        if not more:
            self.app.lib.submit(facets, self._on_facets, channel="facets")

    def _on_error(self, exc: BaseException) -> None:
        self.searching = False
        self.app.library_error = self.app.t("library_unavailable")

    def _on_results(self, result: SearchResult, *, more: bool, counted: bool, query: str) -> None:
        self.searching = False
        cards = hits_to_cards(result.hits, self.app)
        first_new = len(self.cards)
        self.cards = (list(self.cards) + cards) if more else cards
        if more and cards and "results" in self.ids:
            self.ids.results.show_row(first_new)  # 显示更多: the new results come into view
        self.total = result.total
        self.has_more = len(self.cards) < result.total
        self.corrected = result.corrected_query or ""
        self.restoring = result.restoring
        self.suggestions = list(result.suggestions or []) if result.total == 0 else []
        terms = list(result.terms)
        self.terms = terms if not more else list(dict.fromkeys([*self.terms, *terms]))
        if not more and "results" in self.ids:
            self.ids.results.scroll_y = 1
        if counted and query:
            self.app.count("search", word=query)
            if result.total == 0:
                self.app.count("search_no_result", word=query)

    def _on_facets(self, facets: dict[str, dict[str, int]]) -> None:
        self.facets = {k: dict(v) for k, v in (facets or {}).items()}

    def load_more(self) -> None:
        self.run_search(more=True)

    def choose_suggestion(self, word: str) -> None:
        self.app.mark_session()
        self.committed, self.letters = self._fit(word), ""
        self._count_next = True
        self.run_search()

    def set_sort(self, sort: str) -> None:
        if sort != self.sort:
            self.sort = sort
            self.run_search()

    def toggle_keyboard(self) -> None:
        self.keyboard_visible = not self.keyboard_visible

    def total_text(self, total: int, corrected: str, restoring: bool = False) -> str:
        if total < 0:
            return ""
        if restoring:
            return self.app.t("results_total_restoring", total=total)
        if corrected:
            return self.app.t("results_total_corrected", query=self.query, corrected=corrected, total=total)
        return self.app.t("results_total", total=total)

    # -- filters ----------------------------------------------------------------------------
    def filter_label(self, facet: str, filters: dict[str, Any]) -> str:
        value = filters.get(facet)
        if facet == "year" and str(value) == "0":
            shown = self.app.t("year_unknown")
        else:
            shown = self.app.t("year_label", year=value) if facet == "year" and value else (value or self.app.t("filter_all"))
        return f"{self.app.t('filter_' + facet)}：{shown}"

    def open_chooser(self, facet: str) -> None:
        counts = self.facets.get(facet, {})
        items = sorted(counts.items(), key=lambda kv: (-int(kv[0]) if facet == "year" and str(kv[0]).isdigit() else -kv[1], str(kv[0])))
        label = (lambda v: self.app.t("year_label", year=v)) if facet == "year" else (lambda v: v)
        options = [{"text": self.app.t("filter_all"), "value": "", "handler_name": "choose_filter",
                    "screen_name": "search"}]
        options += [{"text": f"{label(v)}（{n}）", "value": str(v), "handler_name": "choose_filter",
                     "screen_name": "search"} for v, n in items if n > 0]
        self._choosing = facet
        self._chooser = ChooserView(title=self.app.t("filter_choose", facet=self.app.t("filter_" + facet)),
                                    options=options)
        self._chooser.open()

    def choose_filter(self, value: str) -> None:
        facet = self._choosing
        if self._chooser is not None:
            self._chooser.dismiss(animation=False)
            self._chooser = None
        filters = dict(self.filters)
        if value:
            filters[facet] = value
        else:
            filters.pop(facet, None)
        self.filters = filters
        self.run_search()

    def clear_filters(self) -> None:
        self.filters = {}
        self.run_search()


SCREEN_CLASS = SearchScreen
