"""The Kivy app: screens, navigation, the session, idle/attract, lockdown, live refresh.

Import only after ``kiosk.app.env.prepare_environment()`` (``kiosk app`` does it).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from index import messages
from index.ops.adminpin import PinGuard
from index.sync.status import write_pin_state
from kiosk.app import idle
from kiosk.app.fonts import find_font, register_default_font
from kiosk.app.render import PdfRenderer
from kiosk.app.usage import Usage
from kiosk.app.widgets import CountdownView
from kiosk.app.worker import Worker

log = logging.getLogger(__name__)
WARM_AFTER_CHANGE_S = 5.0  # the library still this long after a change: compute the candidates' results

HERE = Path(__file__).resolve().parent
SCREENS = ("home", "search", "browse", "gazette", "viewer", "qr", "attract", "admin_pin", "admin")
# Screens without 返回/首页: Home itself and the attract loop (a touch anywhere leaves it).
NO_NAV_SCREENS = ("home", "attract")

NORMAL_SIZES = {"fs_small": 18, "fs_body": 22, "fs_title": 26, "fs_big": 34}
LARGE_SIZES = {"fs_small": 30, "fs_body": 32, "fs_title": 36, "fs_big": 44}


class KioskApp(App):
    title = "Reading Room Kiosk"
    large_text = BooleanProperty(False)
    fs_small = NumericProperty(dp(18))
    fs_body = NumericProperty(dp(22))
    fs_title = NumericProperty(dp(26))
    fs_big = NumericProperty(dp(34))
    card_height = NumericProperty(dp(200))
    portrait = BooleanProperty(False)
    library_ready = BooleanProperty(False)
    library_error = StringProperty("")
    session_dirty = BooleanProperty(False)
    history = ListProperty()

    def __init__(self, config: Any, library_path: Path, *, now: Callable[[], float] = time.monotonic,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kconfig = config
        self.library_path = Path(library_path)
        self.now = now
        self.usage: Usage | None = None  # lives in the library worker thread
        self.idle = idle.IdleWatcher(
            idle_timeout_s=float(config["app.idle_timeout_s"]),
            countdown_s=float(config["app.countdown_s"]),
            attract_after_s=float(config["app.attract_after_s"]),
            now=now,
        )
        self.corner = idle.CornerGesture(taps=int(config["app.admin_corner_taps"]), now=now)
        # Wrong admin PINs outlive a visitor's session; the record goes to the library folder,
        # where the sync puts it into the status file on the share.
        self.pin_guard = PinGuard(now, on_change=self._pin_state_changed)
        self.lib = Worker("library", self._deliver, teardown=self._close_library)
        self.render = Worker("render", self._deliver, setup=PdfRenderer, teardown=lambda r: r.close())
        self._countdown: CountdownView | None = None
        self._refreshing = False
        self.warming = False  # candidate words' first results being computed ahead (_start_warming)
        self._warm_later = Clock.create_trigger(lambda dt: self._start_warming(), WARM_AFTER_CHANGE_S)
        self._allow_close = False
        self._events: list[Any] = []
        self._probe_path = os.environ.get("KIOSK_APP_PROBE", "")
        self.ready_at: float | None = None

    # -- text --------------------------------------------------------------------------------
    @staticmethod
    def t(key: str, **params: Any) -> str:
        return messages.t(f"app.{key}", **params)

    # -- building ----------------------------------------------------------------------------
    def load_kv(self, filename: str | None = None) -> bool:
        return True

    def build(self) -> ScreenManager:
        register_default_font(find_font(self.kconfig))
        self.large_text = bool(self.kconfig["app.large_text"])
        self._apply_sizes()
        self.portrait = Window.height > Window.width
        Builder.load_file(str(HERE / "widgets.kv"))
        Builder.load_file(str(HERE / "handpad.kv"))
        import importlib

        self.sm = ScreenManager(transition=NoTransition())
        for name in SCREENS:
            module = importlib.import_module(f"kiosk.app.screens.{name}")
            Builder.load_file(str(HERE / "screens" / f"{name}.kv"))
            self.sm.add_widget(module.SCREEN_CLASS(name=name))
        self.sm.current = "home"
        return self.sm

    def on_start(self) -> None:
        Window.bind(on_request_close=self._on_request_close, on_keyboard=self._on_keyboard,
                    on_touch_down=self._on_touch, on_touch_move=self._on_activity,
                    on_resize=self._on_resize)
        self.lib.start()
        self.render.start()
        self._open_attempt = self.now()
        self.lib.submit(self._open_library, self._on_library_ready, on_error=self._on_library_failed)
        self._events.append(Clock.schedule_interval(self._idle_tick, 0.25))
        self._events.append(Clock.schedule_interval(self._poll_refresh, float(self.kconfig["app.refresh_interval_s"])))
        if self._probe_path:
            self._events.append(Clock.schedule_interval(self._write_probe, 0.2))
        log.info("app started, library %s", self.library_path)

    def on_stop(self) -> None:
        for ev in self._events:
            ev.cancel()
        self.lib.submit(self._flush_usage)
        self.lib.stop()
        self.render.stop()
        log.info("app stopped")

    def shutdown(self) -> None:
        """Stop cleanly (SIGTERM, or 退出程序 on the admin screen)."""
        self._allow_close = True
        self.stop()

    # -- library worker ----------------------------------------------------------------------
    @staticmethod
    def _deliver(fn: Callable[[], None]) -> None:
        Clock.schedule_once(lambda dt: fn(), 0)

    def _open_library(self, _none: Any) -> dict[str, int]:
        """Runs in the library thread: open the library (Home is already showing) and count it."""
        from index.library import Library

        # A damaged index does not close the terminal: titles are searched until the sync has rebuilt it.
        library = Library.open(self.library_path, self.kconfig, while_rebuilt=True)
        self.usage = Usage(self.library_path / "stats", str(self.kconfig["terminal.id"]),
                           library.is_vocabulary_word, float(self.kconfig["stats.flush_interval_s"]))
        self.lib.resource = library
        return library.counts()

    def _close_library(self, library: Any) -> None:
        self._flush_usage(library, close=True)
        library.close()

    def _flush_usage(self, library: Any, close: bool = False) -> None:
        if self.usage is not None:
            if close:
                self.usage.close()
                self.usage = None
            else:
                self.usage.flush()

    def _pin_state_changed(self, state: dict[str, Any]) -> None:
        root = self.library_path

        def write(_library: Any) -> None:
            try:
                write_pin_state(root, state)
            except OSError as exc:
                log.error("cannot record wrong admin PINs in %s: %s", root, exc)

        self.lib.submit(write)

    def count(self, event: str, **kwargs: Any) -> None:
        """Record an anonymous usage event (in the library thread)."""
        def record(library: Any) -> None:
            if self.usage is not None:
                self.usage.record(event, **kwargs)

        self.lib.submit(record)

    def _on_library_ready(self, counts: dict[str, int]) -> None:
        self.library_ready = True
        self.library_error = ""
        self.ready_at = time.perf_counter()
        log.info("library open: %s", counts)
        for screen in self.sm.screens:
            screen.on_library_ready()
        self._start_warming()

    def _on_library_failed(self, exc: BaseException) -> None:
        log.error("library cannot be opened: %s", exc)
        self.library_error = self.t("library_unavailable")

    def _poll_refresh(self, dt: float) -> None:
        if not self.library_ready:
            # Not there yet (a new terminal before its first sync): try again every few seconds.
            if self.library_error and self.now() - self._open_attempt >= 5.0:
                self._open_attempt = self.now()
                self.lib.submit(self._open_library, self._on_library_ready, on_error=self._on_library_failed)
            return
        if self._refreshing:
            return
        self._refreshing = True
        self.lib.submit(lambda lib: lib.refresh(), self._on_refreshed, on_error=self._on_refresh_failed)

    def _on_refreshed(self, changed: bool) -> None:
        self._refreshing = False
        if changed:
            log.info("library changed; refreshing screens")
            for screen in self.sm.screens:
                screen.on_library_changed()
            # While the sync is still bringing documents, each change would start the chain over:
            # it starts once the library has been still for a moment.
            self.lib.invalidate("warm")
            self._warm_later.cancel()
            self._warm_later()

    def _start_warming(self) -> None:
        """The first results of the candidate words a visitor is likeliest to tap, computed ahead
        (``Library.warm``): one word a job, so a visitor's search waits for one word at most; a
        new library change starts over (the jobs of the old chain are stale)."""
        n = int(self.kconfig["app.warm_words"])
        if n <= 0:
            return
        self.lib.invalidate("warm")
        self.warming = True
        self.lib.submit(lambda lib: lib.words_to_warm(n), self._warm_next, channel="warm")

    def _warm_next(self, words: list[str]) -> None:
        from index.models import Filters
        from kiosk.app.screens.search import PAGE_SIZE

        if not words:
            self.warming = False
            return
        word, rest = words[0], words[1:]
        # The Search screen's first page of a candidate: no filters, relevance, hits without counts.
        self.lib.submit(lambda lib: lib.warm(word, Filters(), limit=PAGE_SIZE, with_facets=False),
                        lambda _done: self._warm_next(rest), channel="warm")

    def _on_refresh_failed(self, exc: BaseException) -> None:
        self._refreshing = False

    # -- navigation --------------------------------------------------------------------------
    @property
    def current(self) -> Any:
        return self.sm.current_screen

    def show(self, name: str, push: bool = True, **args: Any) -> None:
        current = self.sm.current_screen
        if push and current.name not in ("attract", "admin_pin"):
            self.history.append((current.name, current.snapshot()))
        self.mark_session()
        screen = self.sm.get_screen(name)
        screen.enter(**args)
        self.sm.current = name

    def go_back(self) -> None:
        if self.sm.current_screen.back():
            return
        if not self.history:
            self.go_home()
            return
        name, snapshot = self.history.pop()
        screen = self.sm.get_screen(name)
        screen.enter(**snapshot)
        self.sm.current = name

    def go_home(self) -> None:
        self.history = []
        self.sm.current = "home"

    def open_search(self, query: str = "", keyboard: bool = True, **filters: Any) -> None:
        self.show("search", query=query, keyboard=keyboard, filters=filters)

    def open_document(self, doc_id: str, page: int = 1) -> None:
        terms = self.sm.get_screen("search").current_terms() if self.sm.current == "search" else []
        self.show("viewer", doc_id=doc_id, page=page, terms=terms)

    def open_browse(self, facet: str) -> None:
        self.show("browse", facet=facet)

    def open_gazette(self) -> None:
        self.show("gazette")

    def open_guide(self) -> None:
        """The bureau's 信息公开指南 (``app.guide_file`` on the share) in the viewer.

        Without it (not on the share yet, or not reviewed) the search screen's no-result help
        shows where and when to ask instead.
        """
        path = str(self.kconfig["app.guide_file"])

        def found(record: Any) -> None:
            if record is not None:
                self.open_document(record.id)
                return
            log.warning("guide %s is not in the library; showing the request help", path)
            self.show("search", query="", keyboard=False, filters={}, help_only=True)

        self.lib.submit(lambda lib: lib.document_by_path(path), found, channel="guide")

    # -- session -----------------------------------------------------------------------------
    def mark_session(self) -> None:
        if not self.session_dirty:
            self.session_dirty = True
            self.count("session")

    def reset_session(self) -> None:
        """Forget the visitor: every screen's state, history, text size; back to Home."""
        for channel in ("search", "facets", "candidates", "page", "viewer", "browse", "gazette", "related", "qr"):
            self.lib.invalidate(channel)
            self.render.invalidate(channel)
        for screen in self.sm.screens:
            screen.reset()
        self.history = []
        self.large_text = bool(self.kconfig["app.large_text"])
        self.session_dirty = False
        self._dismiss_countdown()
        self.sm.current = "home"
        log.info("session reset")

    def font_for(self, role: str, large_text: bool) -> float:
        """Font size for a text role; ``large_text`` is passed so kv rules re-evaluate when it changes."""
        return dp((LARGE_SIZES if large_text else NORMAL_SIZES)[f"fs_{role}"])

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text

    def on_large_text(self, *args: Any) -> None:
        self._apply_sizes()

    def _apply_sizes(self) -> None:
        sizes = LARGE_SIZES if self.large_text else NORMAL_SIZES
        for name, value in sizes.items():
            setattr(self, name, dp(value))
        self.card_height = dp(290) if self.large_text else dp(210)  # room for a two-line title

    # -- activity, idle, attract -------------------------------------------------------------
    def activity(self) -> None:
        changed = self.idle.activity()
        if changed == idle.ACTIVE:
            self._dismiss_countdown()
            if self.sm.current == "attract":
                self.sm.current = "home"

    def _on_activity(self, *args: Any) -> bool:
        self.activity()
        return False

    def _on_touch(self, window: Any, touch: Any) -> bool:
        was_attract = self.sm.current == "attract"
        self.activity()
        if self.corner.touch(touch.x, touch.y, Window.width, Window.height):
            self.show("admin_pin")
            return True
        return was_attract  # the touch that wakes the attract screen does nothing else

    def _idle_tick(self, dt: float) -> None:
        state = self.idle.tick(session_dirty=self.session_dirty or self.sm.current != "home")
        if state == idle.COUNTDOWN:
            self._countdown = CountdownView(seconds=self.idle.seconds_left())
            self._countdown.open()
        elif state == idle.RESET:
            self.reset_session()
        elif state == idle.ATTRACT:
            self.reset_session()
            self.sm.current = "attract"
        if self._countdown is not None and self.idle.state == idle.COUNTDOWN:
            self._countdown.seconds = self.idle.seconds_left()

    def continue_reading(self) -> None:
        self.activity()
        self._dismiss_countdown()

    def _dismiss_countdown(self) -> None:
        if self._countdown is not None:
            self._countdown.dismiss(animation=False)
            self._countdown = None

    @property
    def countdown_showing(self) -> bool:
        return self._countdown is not None

    # -- lockdown ----------------------------------------------------------------------------
    def _on_request_close(self, *args: Any, **kwargs: Any) -> bool:
        return not self._allow_close  # True blocks the close

    def _on_keyboard(self, window: Any, key: int, *args: Any) -> bool:
        self.activity()
        return True  # Escape, F-keys, shortcuts: nothing

    def _on_resize(self, window: Any, width: int, height: int) -> None:
        self.portrait = height > width

    # -- test probe: what is on screen, for tests driving the app from outside -----------------
    def probe(self) -> dict[str, Any]:
        from kivy.uix.button import Button
        from kivy.uix.label import Label

        buttons, labels = [], []
        areas: dict[str, list[int]] = {}

        def visit(widget: Any) -> None:
            if getattr(widget, "opacity", 1) == 0:
                return
            if getattr(widget, "probe_area", ""):  # a drawing surface (the handwriting pad): its rectangle
                x0, y0 = widget.to_window(widget.x, widget.top)
                areas[widget.probe_area] = [round(x0), round(Window.height - y0), round(widget.width), round(widget.height)]
            if isinstance(widget, Label) and widget.text:
                x, y = widget.to_window(*widget.center)
                entry = {"text": widget.text, "x": round(x), "y": round(Window.height - y)}
                (buttons if isinstance(widget, Button) and not widget.disabled else labels).append(entry)
            for child in widget.children:
                visit(child)

        visit(self.sm.current_screen)
        if self._countdown is not None:
            visit(self._countdown)
        return {"screen": self.sm.current, "ready": self.library_ready, "idle": self.idle.state,
                "countdown": self._countdown is not None, "buttons": buttons, "labels": labels, "areas": areas,
                "window": [Window.width, Window.height], "frames": Clock.frames_displayed}

    def _write_probe(self, dt: float) -> None:
        tmp = self._probe_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self.probe(), fh, ensure_ascii=False)
        os.replace(tmp, self._probe_path)
