"""The real app in a real window (Xvfb via pytest-xvfb), on a real library synced from real files.

The window exists once per process, so the app is built once per session; every test starts
from a fresh session (``reset_session``) on Home. Time for the idle logic comes from a
``FakeClock`` the tests advance; Kivy's own clock is stepped with ``EventLoop.idle()``.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.app.env import configure_kivy, prepare_environment

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
prepare_environment(quiet=True)
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

from sharefiles import build_library, write_share  # noqa: E402

from index.config import Config, load_config  # noqa: E402

WIDTH, HEIGHT = 1920, 1080


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def app_config(**overrides: Any) -> Config:
    values = {
        "app.width": WIDTH,
        "app.height": HEIGHT,
        "app.fullscreen": False,
        "app.idle_timeout_s": 90.0,
        "app.countdown_s": 15.0,
        "app.attract_after_s": 300.0,
        "app.refresh_interval_s": 0.2,
        "app.search_debounce_s": 0.05,
        "app.url_pattern": "https://xxgk.example.gov.cn/doc/{doc_number}",
        "app.guide_file": "信息公开指南.txt",
        "terminal.id": "test-terminal",
    }
    values.update(overrides)
    return load_config(None, values)


# Kivy reads its window settings (size, position (0, 0) that the xdotool tests rely on, the
# mouse without multitouch dots) when ``kivy.core.window`` is first imported, and a test
# module that imports it at its top (``test_app_lockdown``) is collected long before the
# session's app is built: configure here, when this conftest is loaded, before any of them.
assert "kivy.core.window" not in sys.modules, "kivy.core.window was imported before the tests configured Kivy"
configure_kivy(app_config())


@pytest.fixture(scope="session")
def share_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_share(tmp_path_factory.mktemp("share") / "share")


@pytest.fixture(scope="session")
def library_dir(share_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("library") / "library"
    build_library(share_dir, root, app_config())
    return root


@pytest.fixture(scope="session")
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def kiosk_app(library_dir: Path, fake_clock: FakeClock) -> Iterator[Any]:
    config = app_config()
    configure_kivy(config)
    from kivy.base import EventLoop, runTouchApp, stopTouchApp
    from kivy.core.window import Window

    from kiosk.app.main import KioskApp

    Window.size = (WIDTH, HEIGHT)
    app = KioskApp(config=config, library_path=library_dir, now=fake_clock)
    app._run_prepare()
    runTouchApp(embedded=True)
    wait_for(lambda: app.library_ready, timeout=20, what="library open")
    step(10)
    yield app
    app.stop()
    stopTouchApp()
    EventLoop.close()


@pytest.fixture
def app(kiosk_app: Any, fake_clock: FakeClock) -> Any:
    """The app at the start of a visitor's session, on Home, everything loaded."""
    fake_clock.advance(1.0)
    kiosk_app.idle.activity()
    kiosk_app.reset_session()
    home = kiosk_app.sm.get_screen("home")
    wait_for(lambda: home.kind_counts, what="home tiles")
    step(5)
    return kiosk_app


# -- driving ---------------------------------------------------------------------------------

def switch_library(app: Any, path: Path) -> None:
    """Close the app's library and open the one at ``path`` (what a terminal does after a restart)."""
    closed: list[bool] = []
    app.library_ready = False
    app.lib.submit(lambda lib: app._close_library(lib), lambda r: closed.append(True))
    wait_for(lambda: closed, what="library closed")
    app.library_path = path
    app.lib.submit(app._open_library, app._on_library_ready, on_error=app._on_library_failed)
    wait_for(lambda: app.library_ready, timeout=20, what="library open")
    step(5)



def step(frames: int = 1) -> None:
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def wait_for(cond: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Step frames until ``cond()`` is true (work done off the UI thread comes back via the clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        step()
        value = cond()
        if value:
            return value
        time.sleep(0.005)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def tap(widget: Any, frames: int = 3) -> None:
    """A real touch through Kivy's event system at the widget's centre (window coordinates)."""
    from kivy.tests.common import UnitTestTouch

    assert widget.get_root_window() is not None, f"{widget} is not on screen"
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    step(1)
    touch.touch_up()
    step(frames)


def walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in widget.children:
        yield from walk(child)


def visible(widget: Any) -> bool:
    w = widget
    while w is not None:
        if getattr(w, "opacity", 1) == 0 or (getattr(w, "disabled", False) and w is widget):
            return False
        if w.parent is w:
            break
        w = w.parent
    return widget.width > 1 and widget.height > 1


def find_button(root: Any, text: str) -> Any:
    from kivy.uix.button import Button

    for w in walk(root):
        if isinstance(w, Button) and w.text == text and visible(w):
            return w
    raise AssertionError(f"no visible button {text!r} on {root}")


def texts(root: Any) -> list[str]:
    from kivy.uix.label import Label

    return [w.text for w in walk(root) if isinstance(w, Label) and w.text and visible(w)]


@pytest.fixture
def scratch_share(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "share"
    yield path
    shutil.rmtree(path, ignore_errors=True)


def open_screen_with(app: Any, name: str) -> None:
    """Bring ``name`` up with real content, the way a visitor gets there (used by the a11y test)."""
    if name == "home":
        app.go_home()
    elif name == "search":
        app.open_search(query="养老", keyboard=True)
        search = app.sm.get_screen("search")
        wait_for(lambda: search.total >= 0 and not search.searching, what="search")
    elif name == "browse":
        app.open_browse("topic")
        wait_for(lambda: app.sm.get_screen("browse").options, what="browse options")
    elif name == "gazette":
        app.open_gazette()
        wait_for(lambda: app.sm.get_screen("gazette").options, what="gazette years")
    elif name == "viewer":
        pdf = first_pdf(app)
        app.show("viewer", doc_id=pdf, page=1)
        viewer = app.sm.get_screen("viewer")
        wait_for(lambda: viewer.page_texture is not None, what="page image")
    elif name == "qr":
        app.show("qr", doc_id=first_pdf(app))
        qr = app.sm.get_screen("qr")
        wait_for(lambda: qr.qr_texture is not None or qr.message, what="qr")
    elif name == "attract":
        app.sm.current = "attract"
    elif name == "admin_pin":
        app.show("admin_pin", push=False)
    elif name == "admin":
        app.show("admin", push=False)
        wait_for(lambda: app.sm.get_screen("admin").counts, what="admin counts")
    step(5)


def first_pdf(app: Any) -> str:
    gazette = app.sm.get_screen("gazette")
    got: list[Any] = []
    app.lib.submit(lambda lib: lib.gazette_shelf(), got.append)
    wait_for(lambda: got, what="gazette shelf")
    shelf = got[0]
    assert shelf, "the test share has gazette PDFs"
    hits = shelf[max(shelf)]
    del gazette
    return hits[0].doc_id or hits[0].id


def library_call(app: Any, fn: Callable[[Any], Any]) -> Any:
    """Run ``fn(library)`` on the app's library thread and wait for the answer."""
    box: list[Any] = []
    app.lib.submit(fn, lambda r: box.append(r))
    wait_for(lambda: box, what="library call")
    return box[0]
