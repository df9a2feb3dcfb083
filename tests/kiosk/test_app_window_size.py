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
