"""The window takes the display's size and orientation, full screen or not (a real portrait Xvfb)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not shutil.which("Xvfb"), reason="Xvfb is needed for a portrait display")
def test_windowed_app_on_a_portrait_display_is_portrait():
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1080x1920x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        display = ":" + xvfb.stdout.readline().strip()
        code = ("from kiosk.app.env import window_size;"
                "print(window_size({'app.width': 0, 'app.height': 0, 'app.fullscreen': False,"
                " 'app.orientation': 'landscape'}))")
        out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, DISPLAY=display, PYTHONPATH=str(ROOT)),
                             capture_output=True, text=True, timeout=30, check=True)
        assert out.stdout.strip() == "(1080, 1920)", out.stdout + out.stderr
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


@pytest.mark.parametrize("samples", [0, 2])
def test_the_window_has_the_multisampling_the_setting_asks(samples):
    """app.multisamples reaches the GL context: off by default (with software GL, Kivy's own
    default of 2 samples, which llvmpipe makes 4, cost half of every frame), on when asked."""
    code = ("from index.config import load_config; from kiosk.app.env import configure_kivy, prepare_environment;"
            "prepare_environment(quiet=True);"
            f"configure_kivy(load_config(None, {{'app.multisamples': {samples}, 'app.width': 320, 'app.height': 240,"
            " 'app.fullscreen': False}));"
            "from kivy.base import EventLoop, runTouchApp; from kivy.uix.widget import Widget;"
            "from kivy.graphics.opengl import glGetIntegerv;"
            "runTouchApp(Widget(), embedded=True); EventLoop.idle();"
            "print('samples', glGetIntegerv(0x80A9)[0])")  # GL_SAMPLES
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                         capture_output=True, text=True, timeout=60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("samples ")), "")
    assert line, out.stdout + out.stderr[-2000:]
    got = int(line.split()[1])
    assert (got == 0) if samples == 0 else (got >= samples), line
