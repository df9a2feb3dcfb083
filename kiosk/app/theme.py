"""Colours and the contrast formula (WCAG 2.x relative luminance)."""

from __future__ import annotations

from collections.abc import Sequence


def rgba(hex_color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    h = hex_color.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, alpha)


WHITE = rgba("#ffffff")
PAGE = rgba("#f3f5f8")  # screen background
TEXT = rgba("#1a1a1a")
MUTED = rgba("#4a4f57")  # secondary text, still 8:1 on white
PRIMARY = rgba("#1f4e8c")  # main buttons, white text
PRIMARY_DOWN = rgba("#163a69")
NAV = rgba("#16345c")
LIGHT = rgba("#dde5f0")  # secondary buttons, dark text
LIGHT_DOWN = rgba("#c3d0e3")
# A button that cannot be used now (上一页 on the first page): grey, not the colour of one that can.
DISABLED = rgba("#d3d7dd")
DISABLED_TEXT = MUTED
CHIP_ON = rgba("#1f4e8c")
KEY = rgba("#ffffff")
KEY_DARK = rgba("#4a4f57")
VALID = rgba("#1b6e2e")
REPEALED = rgba("#a11d1d")
REVISED = rgba("#8a4b00")
EXPIRED = rgba("#5a5a5a")
OVERLAY = rgba("#000000", 0.6)
MARK_FILL = rgba("#ffd400", 0.35)
WARNING = rgba("#fff4d6")

BADGE_COLORS = {"有效": VALID, "废止": REPEALED, "失效": EXPIRED, "已修订": REVISED}


def _channel(c: float) -> float:
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: Sequence[float]) -> float:
    r, g, b = (_channel(float(c)) for c in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: Sequence[float], bg: Sequence[float]) -> float:
    a, b = luminance(fg), luminance(bg)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)
