"""Walking away and the hidden way out: pure logic with an injected clock (no Kivy here)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

ACTIVE = "active"
COUNTDOWN = "countdown"
RESET = "reset"  # session cleared, Home showing, waiting for the attract screen
ATTRACT = "attract"


@dataclass
class IdleWatcher:
    """Decides, from the time of the last touch, when to count down, reset and attract.

    ``tick()`` is called often (the app: every 0.25 s on the Kivy clock) and returns the
    new state when it changed. Time comes from ``now`` so tests advance it by stepping.
    """

    idle_timeout_s: float
    countdown_s: float
    attract_after_s: float
    now: Callable[[], float] = time.monotonic
    state: str = ACTIVE
    last_activity: float = field(default=0.0)
    countdown_started: float = 0.0

    def __post_init__(self) -> None:
        self.last_activity = self.now()

    def activity(self) -> str | None:
        """A touch, a scroll, a page turn. Returns the new state if it changed."""
        self.last_activity = self.now()
        if self.state != ACTIVE:
            self.state = ACTIVE
            return ACTIVE
        return None

    def seconds_left(self) -> int:
        if self.state != COUNTDOWN:
            return int(self.countdown_s)
        left = self.countdown_s - (self.now() - self.countdown_started)
        return max(0, int(left + 0.999))

    def tick(self, *, session_dirty: bool = True) -> str | None:
        idle = self.now() - self.last_activity
        if self.state == ACTIVE and idle >= self.idle_timeout_s:
            if session_dirty:
                self.state = COUNTDOWN
                self.countdown_started = self.now()
                return COUNTDOWN
            self.state = RESET
            return RESET
        if self.state == COUNTDOWN and self.now() - self.countdown_started >= self.countdown_s:
            self.state = RESET
            return RESET
        if self.state == RESET and idle >= self.attract_after_s:
            self.state = ATTRACT
            return ATTRACT
        return None


@dataclass
class CornerGesture:
    """``taps`` touches inside a corner square within ``window_s`` seconds: the admin's way out."""

    taps: int = 5
    window_s: float = 3.0
    corner_px: float = 110.0
    now: Callable[[], float] = time.monotonic
    _times: list[float] = field(default_factory=list)

    def in_corner(self, x: float, y: float, width: float, height: float) -> bool:
        """Top-right corner; ``y`` counts from the bottom as in Kivy."""
        return x >= width - self.corner_px and y >= height - self.corner_px

    def touch(self, x: float, y: float, width: float, height: float) -> bool:
        """Register a touch; True when the gesture is complete."""
        if not self.in_corner(x, y, width, height):
            self._times.clear()
            return False
        t = self.now()
        self._times = [s for s in self._times if t - s <= self.window_s] + [t]
        if len(self._times) >= self.taps:
            self._times.clear()
            return True
        return False
