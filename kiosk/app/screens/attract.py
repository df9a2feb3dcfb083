"""The attract screen after a long time without a visitor; any touch goes to Home."""

from __future__ import annotations

from kivy.animation import Animation
from kivy.properties import NumericProperty

from kiosk.app.screens.base import KScreen


class AttractScreen(KScreen):
    pulse = NumericProperty(1.0)

    def on_enter(self, *args: object) -> None:
        self._anim = Animation(pulse=0.75, duration=1.5) + Animation(pulse=1.0, duration=1.5)
        self._anim.repeat = True
        self._anim.start(self)

    def on_leave(self, *args: object) -> None:
        Animation.cancel_all(self)
        self.pulse = 1.0


SCREEN_CLASS = AttractScreen
