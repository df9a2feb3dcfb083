"""End to end, driven from outside like a person: the real ``kiosk app`` process under Xvfb,
clicked with xdotool, photographed with ImageMagick, stopped with SIGTERM.

The app writes what is on screen (button texts and their positions) to a probe file when
KIOSK_APP_PROBE is set; the test reads it to know where to click and to check the result.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (shutil.which("xdotool") and shutil.which("import")), reason="xdotool and imagemagick are needed"
)


class Kiosk:
    def __init__(self, tmp: Path, library: Path) -> None:
        self.tmp = tmp
        self.probe_path = tmp / "probe.json"
        self.config = tmp / "kiosk.toml"
        self.config.write_text(
            "[app]\nfullscreen = true\nidle_timeout_s = 15.0\ncountdown_s = 3.0\nattract_after_s = 600.0\n"
            'url_pattern = "https://xxgk.example.gov.cn/doc/{doc_number}"\n[terminal]\nid = "e2e"\n',
            encoding="utf-8",
        )
        self.library = library
        self.proc: subprocess.Popen | None = None
        self.wid = ""

    def start(self) -> None:
        self.probe_path.unlink(missing_ok=True)
        env = dict(os.environ, KIOSK_APP_PROBE=str(self.probe_path), PYTHONPATH=str(ROOT),
                   KIVY_HOME=str(self.tmp / "kivy"))
        self.log = open(self.tmp / "app.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "-v", "--config", str(self.config), "app", "--library", str(self.library)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.wait(lambda p: p["ready"] and p["screen"] == "home", 60, "the app on Home")
        out = subprocess.run(["xdotool", "search", "--sync", "--pid", str(self.proc.pid)], capture_output=True,
                             text=True, timeout=20)
        self.wid = out.stdout.split()[-1]
        subprocess.run(["xdotool", "windowraise", self.wid], timeout=10)
        self.frames_pass(10)  # a click in the very first frames after the raise is lost

    def probe(self) -> dict:
        for _ in range(20):
            try:
                return json.loads(self.probe_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                time.sleep(0.05)
        raise AssertionError("no probe file")

    def wait(self, cond, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        last = {}
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the app exited ({self.proc.returncode}) waiting for {what}"
            if self.probe_path.exists():
                last = self.probe()
                if cond(last):
                    return last
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; screen {last.get('screen')}")

    def frames_pass(self, n: int, timeout: float = 20) -> dict:
        """Wait until the app has drawn ``n`` more frames (its probe counts them)."""
        start = self.probe()["frames"]
        return self.wait(lambda p: p["frames"] >= start + n, timeout, f"{n} frames drawn")

    def click_text(self, text: str, *, exact: bool = True, labels: bool = False) -> None:
        p = self.probe()
        pool = p["buttons"] + (p["labels"] if labels else [])
        hit = next((b for b in pool if (b["text"] == text if exact else text in b["text"])), None)
        assert hit, f"{text!r} is not on screen {p['screen']}: {[b['text'] for b in pool][:40]}"
        subprocess.run(["xdotool", "mousemove", str(hit["x"]), str(hit["y"]), "click", "1"], timeout=10)
        self.frames_pass(3)  # the click's frame and the one it drew

    def shot(self, name: str) -> Path:
        path = self.tmp / f"{name}.png"
        subprocess.run(["import", "-window", self.wid, str(path)], check=True, timeout=30)
        assert path.stat().st_size > 10_000
        return path

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=20)
        self.log.close()
        return rc


def dark_and_light(path: Path) -> tuple[float, float]:
    from PIL import Image

    img = Image.open(path).convert("L")
    w, h = img.size
    box = img.crop((w // 3, h // 4, 2 * w // 3, 3 * h // 4))
    hist = box.histogram()  # 256 grey levels
    n = sum(hist)
    return sum(hist[:60]) / n, sum(hist[201:]) / n


@pytest.mark.slow
def test_visitor_session_from_outside(tmp_path, library_dir):
    k = Kiosk(tmp_path, library_dir)
    k.start()
    try:
        p = k.probe()
        assert p["window"] == [1920, 1080], "full screen at the display's own size"
        k.shot("01-home")
        subprocess.run(["xdotool", "key", "Escape", "alt+F4", "ctrl+q"], timeout=10)  # nothing happens
        k.frames_pass(10)  # the keys were read and answered (or not)
        assert k.proc.poll() is None and k.probe()["screen"] == "home"
        k.click_text("请点这里输入要查找的内容")
        k.wait(lambda p: p["screen"] == "search", 10, "search screen")
        for letter in "xxgk":
            k.click_text(letter)
        k.wait(lambda p: any(b["text"] == "信息公开" for b in p["buttons"]), 20, "candidate 信息公开")
        k.shot("02-candidates")
        k.click_text("信息公开")
        p = k.wait(lambda p: any("共找到" in lb["text"] for lb in p["labels"]), 20, "results")
        k.shot("03-results")
        k.click_text("关于进一步推进政府信息公开工作的通知", labels=True)
        k.wait(lambda p: p["screen"] == "viewer", 10, "viewer")
        k.shot("04-document")
        k.click_text("首页")
        k.wait(lambda p: p["screen"] == "home", 10, "home")
        k.click_text("政府公报", exact=False)
        k.wait(lambda p: p["screen"] == "gazette" and any("2024年" in b["text"] for b in p["buttons"]), 10, "years")
        k.click_text("2024年", exact=False)
        k.wait(lambda p: any("第1期" in b["text"] for b in p["buttons"]), 10, "issues")
        k.click_text("第1期", exact=False)
        k.wait(lambda p: any("第 3 页" in b["text"] for b in p["buttons"]), 10, "contents")
        k.click_text("第 3 页", exact=False)
        k.wait(lambda p: p["screen"] == "viewer" and any(lb["text"] == "第 3 页 / 共 4 页" for lb in p["labels"]),
               15, "page 3")
        k.click_text("下一页 ▶")
        k.wait(lambda p: any(lb["text"] == "第 4 页 / 共 4 页" for lb in p["labels"]), 10, "page 4")
        k.shot("05-page")
        k.click_text("手机扫码带走")
        k.wait(lambda p: p["screen"] == "qr" and any("扫描二维码" in lb["text"] for lb in p["labels"]), 10, "QR")
        k.frames_pass(3)  # the QR texture drawn
        dark, light = dark_and_light(k.shot("06-qr"))
        assert dark > 0.15 and light > 0.15, "a large QR code is on screen"
        # Walk away: countdown, then Home with the session gone.
        k.wait(lambda p: p["countdown"], 30, "countdown")
        k.shot("07-countdown")
        p = k.wait(lambda p: p["screen"] == "home" and not p["countdown"], 20, "back home")
        k.click_text("请点这里输入要查找的内容")
        p = k.wait(lambda p: p["screen"] == "search", 10, "search again")
        shown = [x["text"] for x in p["labels"] + p["buttons"]]
        assert any("输入拼音首字母" in t for t in shown), "the search field is empty (its hint shows)"
        assert "信息公开" not in shown and not any("[u]" in t for t in shown), "no candidates, no typed letters"
        # A crash: the next start comes up on Home.
        assert k.stop(signal.SIGKILL) == -signal.SIGKILL
        k.start()
        assert k.probe()["screen"] == "home"
    finally:
        if k.proc and k.proc.poll() is None:
            rc = k.stop(signal.SIGTERM)
            assert rc == 0, "SIGTERM stops the app cleanly"
    assert b"app stopped" in (tmp_path / "app.log").read_bytes()
