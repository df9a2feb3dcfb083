"""The handwriting pad (手写): a writing area with a faint 田字格, candidates after every stroke.

``HandPad`` is the writing area: it draws each stroke under the finger and reports the
finished stroke. ``HandwritingPanel`` holds the pad, the candidate rows (characters, then
the library's words), 重写 and 退格. Recognition runs in its own worker thread (the
recogniser is opened there once); the library's lexicon is fetched from the library
worker. A pause of ``COMMIT_PAUSE_S`` after the last stroke, or a tap on a candidate,
commits text through the owner's ``hand_commit(text)``: the Search screen puts it into the
same box and the same debounced search as typed letters. Layout in ``handpad.kv``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, Line
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.app import theme
from kiosk.app.worker import SAME_FRAME_WAIT_S, Worker

log = logging.getLogger(__name__)

COMMIT_PAUSE_S = 0.8  # the default of app.handwriting_pause_s
INK = theme.rgba("#1a1a1a")
INK_WIDTH_DP = 5


class HandPad(Widget):
    """The writing area. ``strokes`` are lists of (x, y) in the pad's own box, y down."""

    strokes = ListProperty()
    writing = BooleanProperty(False)
    probe_area = "hand_pad"  # named in the app's probe file (end-to-end tests draw on it)
    __events__ = ("on_stroke_start", "on_stroke")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lines: list[Line] = []
        self._current: list[tuple[float, float]] | None = None
        self.bind(pos=self._redraw, size=self._redraw)

    def _local(self, touch: Any) -> tuple[float, float]:
        x, y = self.to_widget(*touch.pos)
        return (x - self.x, self.top - y)  # y down, as a touchscreen reports it

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos) or self.disabled:
            return super().on_touch_down(touch)
        touch.grab(self)
        self._current = [self._local(touch)]
        with self.canvas:
            Color(*INK)
            self._lines.append(Line(points=list(touch.pos), width=dp(INK_WIDTH_DP), cap="round", joint="round"))
        self.writing = True
        self.dispatch("on_stroke_start")
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is not self or self._current is None:
            return super().on_touch_move(touch)
        self._current.append(self._local(touch))
        self._lines[-1].points += list(touch.pos)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self or self._current is None:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        stroke, self._current = self._current, None
        self.writing = False
        if len(stroke) == 1:  # a tap is a dot
            stroke.append((stroke[0][0] + 1, stroke[0][1] + 1))
        self.strokes = [*self.strokes, stroke]
        self.dispatch("on_stroke")
        return True

    def on_stroke_start(self) -> None:
        pass

    def on_stroke(self) -> None:
        pass

    def clear(self) -> None:
        self._current = None
        self.writing = False
        self.strokes = []
        self._redraw()

    def _redraw(self, *args: Any) -> None:
        for line in self._lines:
            self.canvas.remove(line)
        self._lines = []
        with self.canvas:
            Color(*INK)
            for stroke in self.strokes:
                pts = [c for x, y in stroke for c in (self.x + x, self.top - y)]
                self._lines.append(Line(points=pts, width=dp(INK_WIDTH_DP), cap="round", joint="round"))


def _recognizer_setup() -> Any:
    from index.handwriting import shared_recognizer

    return shared_recognizer()


class HandwritingPanel(BoxLayout):
    """Pad + candidate rows + 重写 / 退格, bound to an owner with ``hand_commit`` and ``hand_backspace``."""

    owner = ObjectProperty(None, allownone=True)
    context = StringProperty("")  # the text already in the box (for 联想)
    chars = ListProperty()  # character candidates, best first
    words = ListProperty()  # whole words of the library
    unavailable = StringProperty("")  # the Chinese sentence shown when recognition cannot run
    last_latency_ms = NumericProperty(0.0)  # stroke end -> candidates set (for the benchmark and tests)
    _worker: Worker | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lexicon: Any = None
        self._commit_trigger = Clock.create_trigger(lambda dt: self.commit_best(), COMMIT_PAUSE_S)
        self._pending_commit = False
        self._asked = 0  # strokes asked about
        self._answered = 0  # strokes the shown candidates are for
        self._stroke_end = 0.0
        # The characters written by hand one after another into the end of the box, and each
        # one's readings: the words they spell are offered even when one went in misread.
        self._written = ""
        self._positions: list[Any] = []
        self._ranked: Any = []  # the readings of what is on the pad now
        self._spelled: list[str] = []  # the words offered from those readings

    @classmethod
    def worker(cls) -> Worker:
        """One recognition thread per process (the model is read there once)."""
        if cls._worker is None:
            cls._worker = Worker("handwriting", lambda fn: Clock.schedule_once(lambda dt: fn(), 0),
                                 setup=_recognizer_setup)
            cls._worker.start()
        return cls._worker

    # -- lifecycle --------------------------------------------------------------------------
    def activate(self) -> None:
        """The pad comes on screen: start the recogniser, fetch the library's lexicon."""
        from index.handwriting import lexicon_for

        app = App.get_running_app()
        self._commit_trigger.timeout = float(app.kconfig["app.handwriting_pause_s"])
        self.worker()
        app.lib.submit(lambda lib: lexicon_for(lib), self._got_lexicon, channel="hand_lexicon")
        self.offer_next()

    def _got_lexicon(self, lexicon: Any) -> None:
        self._lexicon = lexicon
        if not self.ids.pad.strokes:
            self.offer_next()

    def reset(self, *, keep_written: bool = False) -> None:
        """A clean pad; ``keep_written`` keeps the readings of the characters already in the box
        (重写 wipes only the character being written; a new visitor gets nothing of the last)."""
        if not keep_written:
            self._written, self._positions = "", []
        self._commit_trigger.cancel()
        self._pending_commit = False
        if HandwritingPanel._worker is not None:  # never start the recogniser just to reset
            HandwritingPanel._worker.invalidate("read")
        self.ids.pad.clear()
        self.chars, self.words = [], []
        self._asked = self._answered = 0
        self._ranked, self._spelled = [], []

    # -- strokes ----------------------------------------------------------------------------
    def on_stroke_start(self) -> None:
        self._commit_trigger.cancel()
        self._pending_commit = False
        App.get_running_app().mark_session()

    def on_stroke(self) -> None:
        pad = self.ids.pad
        from index.handwriting import Character

        char = Character(max(pad.width, 1), max(pad.height, 1), tuple(tuple(s) for s in pad.strokes))
        lexicon, context = self._lexicon, self.context
        earlier = list(self._positions) if self._written and context.endswith(self._written) else []
        self._asked = len(pad.strokes)
        asked = self._asked
        self._stroke_end = time.perf_counter()

        def read(rec: Any) -> Any:
            if lexicon is None:
                from index.handwriting import Reading

                return Reading([c for c, _ in rec.classify(char, 12)], [])
            return lexicon.read(rec, char, context, earlier=earlier)

        # The stroke and its candidates in one frame when the recogniser answers in time.
        self.worker().submit(read, lambda r: self._got_reading(r, asked), channel="read", on_error=self._failed,
                             wait_s=SAME_FRAME_WAIT_S)
        self._commit_trigger()

    def _got_reading(self, reading: Any, asked: int) -> None:
        if asked != len(self.ids.pad.strokes):
            return  # strokes were cleared or added meanwhile
        self.chars, self.words = list(reading.candidates), list(reading.words)
        self._ranked, self._spelled = list(reading.ranked), list(reading.spelled)
        self._answered = asked
        self.last_latency_ms = (time.perf_counter() - self._stroke_end) * 1000
        self.unavailable = ""
        if self._pending_commit:
            self.commit_best()

    def _failed(self, exc: BaseException) -> None:
        from index import messages
        from index.errors import KioskError

        key = exc.message_key if isinstance(exc, KioskError) else "error.generic"
        log.warning("handwriting recognition failed: %s", type(exc).__name__)  # never the strokes
        self.unavailable = messages.t(key)

    # -- committing -------------------------------------------------------------------------
    def commit_best(self) -> None:
        """The pause after the last stroke: the best candidate goes into the box."""
        pad = self.ids.pad
        if not pad.strokes:
            return
        # Kivy times a trigger from the frame before it was armed: after a slow frame (or strokes
        # that arrive between frames) it fires early. The pause is from the stroke's end.
        early = self._commit_trigger.timeout - (time.perf_counter() - self._stroke_end)
        if early > 0.02:
            self._commit_trigger()
            return
        if self._answered != len(pad.strokes):
            self._pending_commit = True  # the answer for the last stroke is on its way
            return
        self._pending_commit = False
        if self.chars:
            self.choose(self.chars[0])

    def choose(self, text: str) -> None:
        """A tapped candidate (a character or a whole word) or the pause's best one."""
        self._commit_trigger.cancel()
        self._pending_commit = False
        if HandwritingPanel._worker is not None:
            HandwritingPanel._worker.invalidate("read")
        if not self.context.endswith(self._written):  # the box changed another way meanwhile
            self._written, self._positions = "", []
        written_here = bool(self.ids.pad.strokes)
        spelled = text in self._spelled and len(self._written) > 0
        tail = "" if spelled else self._context_tail(text)
        self.ids.pad.clear()
        self._asked = self._answered = 0
        if self.owner is not None:
            if spelled:  # the characters written for it leave the box, misread ones included
                for _ in self._written:
                    self.owner.hand_backspace()
            self.owner.hand_commit(text[len(tail):] if tail else text)
        if written_here and len(text) == 1 and not spelled:
            self._written += text
            self._positions.append(self._ranked)
        else:
            self._written, self._positions = "", []
        self.offer_next()

    def _context_tail(self, word: str) -> str:
        """The end of the box that ``word`` continues (养 then 养老服务 adds 老服务)."""
        for n in range(min(len(word) - 1, len(self.context)), 0, -1):
            if self.context.endswith(word[:n]):
                return word[:n]
        return ""

    def offer_next(self) -> None:
        """After a character is accepted: the words it begins and the characters that follow."""
        lex = self._lexicon
        if lex is None or not self.context:
            self.chars, self.words = [], []
            return
        # Words the characters written by hand spell, misread ones included (通 went in as 甬,
        # then 知: 通知 is offered, and a tap puts it in their place), then the words the box begins.
        spelled = [w for w in lex.spell(self._positions, limit=4) if w != self._written] \
            if len(self._positions) >= 2 and self.context.endswith(self._written) else []
        self._spelled = spelled
        self.words = [*spelled, *(w for w in lex.words_after(self.context, limit=8) if w not in spelled)]
        self.chars = lex.next_characters(self.context, limit=10)

    def rewrite(self) -> None:
        """重写: wipe the pad (the box keeps what was committed)."""
        App.get_running_app().mark_session()
        self.reset(keep_written=True)
        self.offer_next()

    def backspace(self) -> None:
        """退格: the last stroke while writing, else the last character in the box."""
        App.get_running_app().mark_session()
        pad = self.ids.pad
        if pad.strokes:
            pad.strokes = pad.strokes[:-1]
            pad._redraw()
            if pad.strokes:
                self.on_stroke()
            else:
                self.reset(keep_written=True)
                self.offer_next()
            return
        if self.owner is not None:
            self.owner.hand_backspace()
        self._written, self._positions = "", []
        self.offer_next()

    def on_chars(self, *args: Any) -> None:
        self._fill(self.ids.char_bar, self.chars, "title")

    def on_words(self, *args: Any) -> None:
        self._fill(self.ids.word_bar, self.words, "body")

    def _fill(self, bar: Any, items: list[str], role: str) -> None:
        """Show ``items`` as chips, reusing the chips already there (building a Kivy widget per
        candidate after every stroke costs more than the recognition)."""
        from kiosk.app.widgets import Chip

        chips = list(reversed(bar.children))  # in the order they were added
        for chip in chips[len(items):]:
            bar.remove_widget(chip)
        for i, text in enumerate(items):
            if i < len(chips):
                chips[i].text = text
            else:
                chip = Chip(text=text, min_height=dp(76), role=role)
                chip.bind(on_release=lambda btn: self.choose(btn.text))
                bar.add_widget(chip)
