"""Which font draws Chinese: one Simplified Chinese face, found in a fixed order."""

from __future__ import annotations

from pathlib import Path

from index.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]  # index/ops/fonts.py -> the checkout
SHIPPED_FONT = REPO_ROOT / "assets" / "fonts" / "NotoSansCJKsc-Regular.otf"
SYSTEM_FALLBACK = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # first face is Chinese


def find_cjk_font(config_path: str = "") -> Path:
    """The font file to use: ``app.font_path`` if set, else the shipped Noto Sans CJK SC,
    else WenQuanYi Micro Hei from Debian's fonts-wqy-microhei.

    A configured path that does not exist is an error (a typo should not silently fall
    back to another font); raises ConfigError also when no font is found at all.
    """
    if config_path:
        path = Path(config_path)
        if not path.is_file():
            raise ConfigError(f"app.font_path: font file {path} does not exist", key="app.font_path")
        return path
    for candidate in (SHIPPED_FONT, SYSTEM_FALLBACK):
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no Chinese font found: neither {SHIPPED_FONT} nor {SYSTEM_FALLBACK} exists; "
        "install fonts-wqy-microhei or set app.font_path",
        key="app.font_path",
    )
