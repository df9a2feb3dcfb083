"""Environment and window settings that must be in place before Kivy is imported."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import tempfile
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)


def prepare_environment(*, quiet: bool = False, kivy_home: str | None = None) -> None:
    """Set the variables Kivy and SDL read at import time. Call before any ``import kivy``."""
    os.environ["KIVY_NO_ARGS"] = "1"  # our own argparse owns the command line
    os.environ["KIVY_NO_CONFIG"] = "1"  # window settings come from kiosk.toml, not ~/.kivy
    os.environ["KIVY_NO_FILELOG"] = "1"
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # our logging config, not Kivy's handlers
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"  # SIGTERM/SIGINT stay Python's (systemd can stop us)
    os.environ.setdefault("KIVY_HOME", kivy_home or tempfile.mkdtemp(prefix="kiosk-kivy-"))
    if quiet:
        os.environ["KIVY_NO_CONSOLELOG"] = "1"


def display_size() -> tuple[int, int] | None:
    """The X display's size in pixels, asked of Xlib directly (works without a window manager)."""
    if not os.environ.get("DISPLAY"):
        return None
    name = ctypes.util.find_library("X11")
    if not name:
        return None
    try:
        xlib = ctypes.CDLL(name)
        xlib.XOpenDisplay.restype = ctypes.c_void_p
        xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        xlib.XDefaultScreen.argtypes = [ctypes.c_void_p]
        xlib.XDisplayWidth.argtypes = [ctypes.c_void_p, ctypes.c_int]
        xlib.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
        xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
        dpy = xlib.XOpenDisplay(None)
        if not dpy:
            return None
        try:
            screen = xlib.XDefaultScreen(dpy)
            return int(xlib.XDisplayWidth(dpy, screen)), int(xlib.XDisplayHeight(dpy, screen))
        finally:
            xlib.XCloseDisplay(dpy)
    except OSError:
        return None


def window_size(config: Mapping[str, Any]) -> tuple[int, int]:
    """Width and height: the configured ones, else the display's own, else by ``app.orientation``."""
    width, height = int(config["app.width"]), int(config["app.height"])
    if width and height:
        return width, height
    # The display's own size, full screen or not: a window of the other orientation's default
    # size would be cropped (a portrait screen with ``fullscreen = false`` showed 1920x1080).
    size = display_size()
    if size:
        return size
    return PORTRAIT if config["app.orientation"] == "portrait" else LANDSCAPE


def configure_kivy(config: Mapping[str, Any]) -> tuple[int, int]:
    """Apply the terminal's window settings to Kivy's Config. Before ``kivy.core.window`` is imported."""
    from kivy.config import Config as KivyConfig

    width, height = window_size(config)
    fullscreen = bool(config["app.fullscreen"])
    KivyConfig.set("graphics", "width", str(width))
    KivyConfig.set("graphics", "height", str(height))
    KivyConfig.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    KivyConfig.set("graphics", "borderless", "1" if fullscreen else "0")
    KivyConfig.set("graphics", "resizable", "0")
    KivyConfig.set("graphics", "position", "custom")
    KivyConfig.set("graphics", "left", "0")
    KivyConfig.set("graphics", "top", "0")
    KivyConfig.set("graphics", "show_cursor", "1")
    KivyConfig.set("kivy", "exit_on_escape", "0")
    KivyConfig.set("kivy", "pause_on_minimize", "0")
    KivyConfig.set("kivy", "keyboard_mode", "system")  # the app draws its own keyboard
    # One finger is enough for everything; no red multitouch dots from a mouse.
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")
    # Kivy asks for 2 samples by default; see app.multisamples for why the app does not.
    KivyConfig.set("graphics", "multisamples", str(int(config["app.multisamples"])))
    log.info("window %dx%d fullscreen=%s", width, height, fullscreen)
    return width, height
