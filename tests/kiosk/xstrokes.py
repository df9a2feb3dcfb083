"""Writing a character on the real window with xdotool: press, move in small steps, release."""

from __future__ import annotations

import math
import subprocess
import time

from tests.fixtures import strokes as S

# Kivy reads the mouse once a frame and moves a touch to its latest position: moves closer
# together than a frame (software GL under Xvfb on a busy machine: 20-60 ms) collapse into
# one, and a stroke drawn too fast arrives as a dot. A point every STEP_PX, MOVE_S apart.
STEP_PX = 30
MOVE_S = 0.15


def screen_strokes(ch: str, area: list[int], fill: float = 0.8) -> list[list[tuple[int, int]]]:
    """The medians of ``ch`` scaled into the pad ``area`` ([x, y_top, w, h], screen pixels, y down)."""
    x0, y0, w, h = area
    side = min(w, h) * fill
    k = side / S.BOX
    ox, oy = x0 + (w - side) / 2, y0 + (h - side) / 2 + side * 0.1  # medians sit high in their box
    out = []
    for stroke in S.medians(ch):
        pts: list[tuple[int, int]] = []
        for (ax, ay), (bx, by) in zip(stroke, stroke[1:] or stroke, strict=False):
            n = max(1, int(math.hypot(bx - ax, by - ay) * k / STEP_PX))
            for i in range(n):
                t = i / n
                pts.append((round(ox + (ax + (bx - ax) * t) * k), round(oy + (ay + (by - ay) * t) * k)))
        pts.append((round(ox + stroke[-1][0] * k), round(oy + stroke[-1][1] * k)))
        out.append(pts)
    return out


def _xdo(*args: object) -> None:
    subprocess.run(["xdotool", *map(str, args)], check=True, timeout=30)


def draw(strokes: list[list[tuple[int, int]]], pause_s: float = 0.05) -> None:
    """Press at the first point, move through the rest, release; one xdotool call per event
    (a chain of moves in one call reaches the window in one burst and collapses)."""
    for stroke in strokes:
        (x, y), rest = stroke[0], stroke[1:] or [stroke[0]]
        _xdo("mousemove", x, y)
        time.sleep(MOVE_S)
        _xdo("mousedown", 1)
        for px, py in rest:
            time.sleep(MOVE_S)
            _xdo("mousemove", px, py)
        time.sleep(MOVE_S)
        _xdo("mouseup", 1)
        time.sleep(pause_s)
