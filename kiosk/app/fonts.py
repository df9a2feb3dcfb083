"""The Chinese font: ``index.ops.fonts.find_cjk_font`` finds it, this module makes it Kivy's default."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from index.ops.fonts import find_cjk_font

log = logging.getLogger(__name__)


def find_font(config: Mapping[str, Any]) -> Path:
    """app.font_path, else the shipped Noto Sans CJK SC, else WenQuanYi Micro Hei (one SC face each)."""
    return find_cjk_font(str(config["app.font_path"] or ""))


def register_default_font(path: Path) -> None:
    """Make ``path`` the font of every Kivy label (DEFAULT_FONT)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, str(path))
    log.info("font %s", path)
