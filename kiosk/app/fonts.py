"""The Chinese font: one function to find it, one to make it Kivy's default."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger("kiosk.app")

# First face is Simplified Chinese (Kivy reads only the first face of a .ttc).
FALLBACK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)


def find_font(config: Mapping[str, Any] | None = None) -> Path:
    """The configured font, else the project's shipped font (index.fonts), else WenQuanYi Micro Hei."""
    configured = (config or {}).get("app.font_path", "") if config is not None else ""
    if configured:
        path = Path(configured)
        if path.is_file():
            return path
        log.warning("app.font_path %s does not exist; looking for another font", path)
    try:
        from index.fonts import find_cjk_font  # shipped by the fonts helper (assets/fonts/)
    except ImportError:
        find_cjk_font = None
    if find_cjk_font is not None:
        try:
            found = find_cjk_font()
        except Exception as exc:  # noqa: BLE001 - fall back to the system font below
            log.warning("find_cjk_font failed: %s", exc)
            found = None
        if found:
            return Path(found)
    for path in FALLBACK_FONTS:
        if path.is_file():
            return path
    raise FileNotFoundError(
        "no Simplified Chinese font found: set app.font_path or install fonts-wqy-microhei"
    )


def register_default_font(path: Path) -> None:
    """Make ``path`` the font of every Kivy label (DEFAULT_FONT)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, str(path))
    log.info("font %s", path)
