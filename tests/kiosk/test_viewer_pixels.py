"""What the viewer draws, checked on the pixels of the real app window.

One real app process per orientation (1920x1080, 1080x1920), each in its own Xvfb, on a
library synced from one document of every format of the demo share. Screenshots come from
the X server (ImageMagick ``import``), drags from xdotool; the app only says where its
content area is (``viewer_driver.py``).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "demo" / "share"
DRIVER = Path(__file__).resolve().parent / "viewer_driver.py"
# One document of each format; the PDF has the word 养老 on its pages.
SAMPLES = {
    "pdf": "规范性文件/威海市/威海市居民养老服务保障条例.pdf",
    "ofd": "规范性文件/威海市/威海市山体保护条例.ofd",
    "docx": "规范性文件/威海市/威海市城市国际化促进条例.docx",
    "txt": "规范性文件/山东省/山东省村务公开条例.txt",
    "html": "规范性文件/威海市/威海市文明行为促进条例.html",
    "md": "规范性文件/山东省/山东省农业机械管理条例.md",
}
REPEALED = "规范性文件/政策文件/关于金融机构对境外资产负债及损益申报业务有关事项的通知.html"  # 废止
SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}

pytestmark = [
    pytest.mark.ui,
    pytest.mark.skipif(not all(shutil.which(t) for t in ("Xvfb", "xdotool", "import")),
                       reason="Xvfb, xdotool and imagemagick (import) are needed"),
    pytest.mark.skipif(not DEMO.is_dir(), reason="the demo share (assets/demo/share) is not in this checkout"),
]


@pytest.fixture(scope="module")
def sample_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sharefiles import build_library

    from index.config import load_config

    share = tmp_path_factory.mktemp("pixels") / "share"
    (share).mkdir()
    (share / ".kiosk-share").write_text("reading-room share\n", encoding="utf-8")
    for rel in (*SAMPLES.values(), REPEALED):
        for src in (DEMO / rel, DEMO / (rel + ".json")):
            if src.exists():
                dst = share / src.relative_to(DEMO)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
    library = share.parent / "library"
    build_library(share, library, load_config(None, {"review.required": False}))
    return library


class Screen:
    """An Xvfb of its own, the app in it, and the means to look at and touch it."""

    def __init__(self, library: Path, size: tuple[int, int], tmp: Path) -> None:
        self.size = size
        read, write = os.pipe()
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size[0]}x{size[1]}x24",
                                      "-nolisten", "tcp", "-ac"], pass_fds=(write,), stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as fh:
            self.display = ":" + fh.readline().strip()
        self.env = dict(os.environ, DISPLAY=self.display, PYTHONPATH=str(ROOT), KIVY_HOME=str(tmp / "kivy"))
        self.log = open(tmp / "app.log", "wb")  # noqa: SIM115
        self.app = subprocess.Popen([sys.executable, str(DRIVER), str(library), f"{size[0]}x{size[1]}"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                    env=self.env, text=True, cwd=ROOT)
        self.state = self._answer(90)
        assert self.state.get("ready"), f"the app did not come up: {self.state}"
        time.sleep(0.3)  # the first frames lose clicks (kivy-on-this-machine.md)

    def _answer(self, timeout: float) -> dict:
        import select

        ready, _, _ = select.select([self.app.stdout], [], [], timeout)
        assert ready, f"no answer from the app within {timeout}s (log: {self.log.name})"
        line = self.app.stdout.readline()
        assert line, f"the app exited ({self.app.poll()}); log: {self.log.name}"
        return json.loads(line)

    def send(self, timeout: float = 60, **command) -> dict:
        self.app.stdin.write(json.dumps(command, ensure_ascii=False) + "\n")
        self.app.stdin.flush()
        self.state = self._answer(timeout)
        assert self.state["ok"], f"{command} was not drawn in time: {self.state}"
        return self.state

    def shot(self, name: str = ""):
        from PIL import Image

        png = subprocess.run(["import", "-window", "root", "png:-"], env=self.env, capture_output=True,
                             timeout=30, check=True).stdout
        keep = os.environ.get("KIOSK_PIXEL_SHOTS")  # a folder: keep the screenshots to look at
        if keep and name:
            Path(keep).mkdir(parents=True, exist_ok=True)
            (Path(keep) / f"{name}-{self.size[0]}x{self.size[1]}.png").write_bytes(png)
        return Image.open(io.BytesIO(png)).convert("RGB")

    def xdo(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, timeout=20, check=True)

    def tap(self, x: int, y: int) -> None:
        self.xdo("mousemove", str(x), str(y), "click", "1")

    def drag(self, x: int, y0: int, y1: int, steps: int = 12) -> None:
        self.xdo("mousemove", str(x), str(y0), "mousedown", "1")
        for i in range(1, steps + 1):
            time.sleep(0.03)
            self.xdo("mousemove", str(x), str(round(y0 + (y1 - y0) * i / steps)))
        time.sleep(0.05)
        self.xdo("mouseup", "1")

    def button(self, text: str) -> dict:
        hit = next((b for b in self.state["buttons"] if b["text"] == text), None)
        assert hit, f"no button {text!r} on screen: {[b['text'] for b in self.state['buttons']]}"
        return hit

    def close(self) -> None:
        if self.app.poll() is None:
            try:
                self.app.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.app.stdin.flush()
                self.app.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                self.app.kill()
        self.xvfb.terminate()
        self.xvfb.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module", params=sorted(SIZES))
def screen(request, sample_library: Path, tmp_path_factory: pytest.TempPathFactory):
    s = Screen(sample_library, SIZES[request.param], tmp_path_factory.mktemp(request.param))
    yield s
    s.close()


def t(key: str) -> str:
    from index import messages

    return messages.t(f"app.{key}")


# -- looking at pixels -------------------------------------------------------------------------

def crop(img, box: list[int], inset: int = 0):
    x, y, w, h = box
    return img.crop((x + inset, y + inset, x + w - inset, y + h - inset))


def dark_share(img) -> float:
    gray = img.convert("L")
    hist = gray.histogram()
    return sum(hist[:128]) / max(1, sum(hist))


def changed_share(a, b) -> float:
    from PIL import ImageChops

    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 40 else 0)
    return diff.histogram()[255] / (diff.width * diff.height)


def text_column(state: dict) -> list[int]:
    """The content area without its scroll bar."""
    x, y, w, h = state["content"]
    return [x, y, w - 20, h]


def assert_glyphs(img, box: list[int], what: str) -> None:
    area = crop(img, box, inset=4)
    share = dark_share(area)
    assert share >= 0.02, f"{what}: only {share:.1%} dark pixels in the content area: is anything drawn?"
    colours = area.convert("L").getextrema()
    assert colours[1] - colours[0] > 120, f"{what}: the content area is one flat colour"


# -- the tests ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_text_mode_draws_the_text_of_every_format(screen, fmt):
    state = screen.send(cmd="open", format=fmt, text_mode=True)
    assert state["text_mode"] and state["paragraphs"] > 3, f"{fmt}: text mode has paragraphs"
    assert_glyphs(screen.shot(f"text-{fmt}"), text_column(state), f"{fmt} in text mode")
    texture_limit = 4096  # far below GL_MAX_TEXTURE_SIZE of any GPU a terminal has
    assert max(state["text_rows"]) < texture_limit, "each paragraph is a small texture"


def test_a_repealed_document_shows_its_text(screen):
    state = screen.send(cmd="open", validity="废止", text_mode=True)
    assert state["validity"] == t("badge_repealed") and not state["message"]
    assert_glyphs(screen.shot("text-repealed"), text_column(state), "the repealed document")


def test_pdf_page_mode_draws_the_page_with_its_words_boxed_on_it(screen):
    state = screen.send(cmd="open", format="pdf", page=2, terms=["养老"], text_mode=False)
    assert not state["text_mode"] and state["image"], "a PDF opens on its page image"
    img = screen.shot("page-2")
    assert_glyphs(img, state["image"], "PDF page 2")
    assert state["marks"], "the search word is on page 2"
    check_marks_on_text(img, state)
    # Turning: the boxes drawn are those of the new page, over its own text.
    previous = state["marks"]
    state = screen.send(cmd="turn", step=1)
    assert state["page"] == 3
    img = screen.shot("page-3")
    assert_glyphs(img, state["image"], "PDF page 3")
    assert state["marks"] != previous, "page 3's boxes are not page 2's"
    check_marks_on_text(img, state)


def check_marks_on_text(img, state: dict) -> None:
    ix, iy, iw, ih = state["image"]
    for x, y, w, h in state["marks"]:
        assert ix <= x and x + w <= ix + iw + 1 and iy <= y and y + h <= iy + ih + 1, "a box lies on the page"
        box = img.crop((x, y, x + w, y + h))
        assert dark_share(box) > 0.05, f"glyphs under the box at {x},{y}"
        r, g, b = (sum(c) / len(c) for c in zip(*box.get_flattened_data(), strict=True))
        assert r > b + 20 and g > b + 10, f"the box at {x},{y} is tinted yellow (mean {r:.0f},{g:.0f},{b:.0f})"


def _face(img, centre: dict) -> tuple[int, int, int]:
    """The colour most of a button's face has: a strip below its text, inside the button."""
    x, y = centre["x"], centre["y"]
    strip = img.crop((x - 30, y + 26, x + 30, y + 32)).get_flattened_data()
    return max(set(strip), key=list(strip).count)


def test_a_page_turn_that_cannot_be_made_looks_unlike_one_that_can(screen):
    state = screen.send(cmd="open", format="pdf", page=1, text_mode=False)
    assert state["page"] == 1 and state["page_count"] > 1
    prev = next((b for b in state["labels"] if b["text"] == t("viewer_prev")), None)
    assert prev, "上一页 on page 1 is disabled (not among the buttons that can be tapped)"
    face_prev, face_next = (_face(screen.shot("page-1-buttons"), b) for b in (prev, screen.button(t("viewer_next"))))
    primary, grey = ([int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in ("#1f4e8c", "#d3d7dd"))  # theme
    assert all(abs(a - b) <= 6 for a, b in zip(face_next, primary, strict=True)), f"下一页 is blue: {face_next}"
    assert all(abs(a - b) <= 6 for a, b in zip(face_prev, grey, strict=True)), f"上一页 is grey: {face_prev}"


def test_text_mode_marks_the_search_words(screen):
    state = screen.send(cmd="open", format="pdf", terms=["养老"], text_mode=True)
    img = crop(screen.shot("text-marked"), text_column(state), inset=4)
    # Marked words are drawn in the mark colour (#8a3200, reddish brown): some pixels have it.
    brown = sum(1 for r, g, b in img.get_flattened_data() if r > 100 and r > g + 50 and r > b + 80)
    assert brown > 200, f"search words are marked in text mode ({brown} mark-coloured pixels)"


def test_a_drag_moves_the_text_and_large_text_grows_it(screen):
    state = screen.send(cmd="open", format="ofd", text_mode=True)
    x, y, w, h = text_column(state)
    before = crop(screen.shot("drag-before"), text_column(state))
    screen.drag(x + w // 2, y + int(h * 0.8), y + int(h * 0.3))
    state = screen.send(cmd="settle")
    after = crop(screen.shot("drag-after"), text_column(state))
    assert changed_share(before, after) > 0.02, "a drag over the text scrolls it"
    # 大字, tapped like a visitor would: the text grows and is still drawn.
    font = state["font_px"]
    large = screen.button(t("large_text_on"))
    screen.tap(large["x"], large["y"])
    state = screen.send(cmd="settle")
    assert state["large_text"] and state["font_px"] > font, "大字 makes the text larger"
    assert_glyphs(screen.shot("large-text"), text_column(state), "large text")
    normal = screen.button(t("large_text_off"))
    screen.tap(normal["x"], normal["y"])
    assert not screen.send(cmd="settle")["large_text"]
