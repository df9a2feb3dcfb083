"""Drive the real X window like a person: xdotool taps and drags, screenshots of the X screen.

Coordinates here are X screen pixels (top-left origin). The app's window sits at (0, 0)
(``configure_kivy`` places it there and there is no window manager), so a Kivy window point
(x, y) is the screen point (x, Window.height - y): ``screen_point`` converts.

Every function takes ``pump``: a callable that lets the app run for one frame. In-process
tests pass ``kivy_pump`` (reads the X events, then runs one frame); a test that drives a
separate app process passes ``sleep_pump()``.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

Pump = Callable[[], None]

AVAILABLE = bool(shutil.which("xdotool") and shutil.which("import"))


def kivy_pump() -> None:
    """One frame of the in-process app, reading the X events first.

    ``EventLoop.idle()`` alone (``conftest.step``) runs the clock and draws but never polls
    SDL's event queue (Kivy's own main loop calls ``Window.mainloop()`` for that), so events
    sent by xdotool would wait forever.
    """
    from kivy.base import EventLoop

    EventLoop.window.mainloop()
    EventLoop.idle()


def sleep_pump(seconds: float = 1 / 60) -> Pump:
    return lambda: time.sleep(seconds)


def _xdo(*args: object) -> None:
    subprocess.run(["xdotool", *map(str, args)], check=True, timeout=10)


def screen_point(widget_or_xy, window_height: int | None = None) -> tuple[int, int]:
    """X screen point of a widget's centre (or of a Kivy window point ``(x, y)``)."""
    if isinstance(widget_or_xy, tuple):
        x, y = widget_or_xy
        assert window_height is not None
    else:
        from kivy.core.window import Window

        x, y = widget_or_xy.to_window(*widget_or_xy.center)
        window_height = Window.height
    return round(x), round(window_height - y)


def pump_for(pump: Pump, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pump()


def tap(x: int, y: int, pump: Pump, *, hold_s: float = 0.08, settle_s: float = 0.3) -> None:
    """Press and release at one point, as a finger does (a short hold, no movement)."""
    _xdo("mousemove", x, y)
    pump_for(pump, 0.05)
    _xdo("mousedown", 1)
    pump_for(pump, hold_s)
    _xdo("mouseup", 1)
    pump_for(pump, settle_s)


def drag(x0: int, y0: int, x1: int, y1: int, pump: Pump, *, duration_s: float = 0.5, steps: int = 12,
         hold_end_s: float = 0.0, settle_s: float = 0.8) -> None:
    """Press at (x0, y0), move to (x1, y1) in ``steps`` moves over ``duration_s``, release.

    ``hold_end_s`` > 0 keeps the finger still at the end before lifting (a drag that stops,
    then lets go: no fling); 0 lifts while moving (a flick).
    """
    _xdo("mousemove", x0, y0)
    pump_for(pump, 0.05)
    _xdo("mousedown", 1)
    pump()
    for i in range(1, steps + 1):
        x = round(x0 + (x1 - x0) * i / steps)
        y = round(y0 + (y1 - y0) * i / steps)
        _xdo("mousemove", x, y)
        pump_for(pump, duration_s / steps)
    if hold_end_s:
        pump_for(pump, hold_end_s)
    _xdo("mouseup", 1)
    pump_for(pump, settle_s)


def screenshot(path: Path, *, window: str = "root") -> Path:
    """The X screen as drawn (ImageMagick ``import``), as a person in front of it sees it."""
    subprocess.run(["import", "-window", window, str(path)], check=True, timeout=30)
    return path
