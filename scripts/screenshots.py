"""Regenerate docs/screenshots/*.png: every screen of the real app, 1920x1080 and 1080x1920.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--library LIB]

Runs each size in its own Xvfb (xvfb-run) and process. Without --library it builds a
library with the real sync from the demo share (assets/demo/share) or, when that is
not there, from the small share the app tests use.

Every image is checked as it is taken, with the app tests' checks (tests/kiosk/pixels.py):
something is drawn (not blank, glyphs in the content area), no label is clipped, cut, drawn
over another or garbled by an ellipsis, no widget escapes its layout. Any failure is listed
and the run exits with status 1 (the images are still written, to be looked at).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((1920, 1080, "landscape"), (1080, 1920, "portrait"))


def build_demo_library(target: Path, config) -> Path:
    sys.path.insert(0, str(ROOT / "tests" / "kiosk"))
    from sharefiles import build_library, write_share

    share = ROOT / "assets" / "demo" / "share"
    if not share.is_dir():
        share = write_share(target / "share")
    library = target / "library"
    build_library(share, library, config)
    return library


def parent(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    from index.config import load_config

    config = load_config(args.config)
    failed = False
    with tempfile.TemporaryDirectory(prefix="kiosk-shots-") as tmp:
        library = Path(args.library) if args.library else build_demo_library(Path(tmp), config)
        for w, h, name in SIZES:
            cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {w}x{h}x24", sys.executable, __file__, "--child",
                   "--size", f"{w}x{h}", "--suffix", name, "--out", str(out), "--library", str(library)]
            if args.config:
                cmd += ["--config", args.config]
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            proc = subprocess.run(cmd, env=env, timeout=300)
            if proc.returncode != 0:
                print(f"screenshots at {w}x{h} failed the checks or the run ({proc.returncode})", file=sys.stderr)
                failed = True
    print(f"screenshots written to {out}")
    return 1 if failed else 0


def child(args: argparse.Namespace) -> int:
    from index.config import load_config
    from kiosk.app.env import configure_kivy, prepare_environment

    w, h = (int(v) for v in args.size.split("x"))
    overrides = {"app.width": w, "app.height": h, "app.fullscreen": False, "app.printer": "kiosk-printer",
                 "app.url_pattern": "https://www.example.gov.cn/xxgk/{doc_number}",
                 "app.admin_pin_hash": "pbkdf2_sha256$1000$00$" + "0" * 64}
    config = load_config(args.config, overrides)
    prepare_environment(quiet=True)
    configure_kivy(config)
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.app.main import KioskApp

    app = KioskApp(config=config, library_path=Path(args.library))
    out = Path(args.out)
    failures: list[str] = []

    def shoot(name: str, content=None) -> None:
        """Take and check one screenshot; ``content``: a widget whose box must show drawn text."""
        path = out / f"{name}-{args.suffix}.png"
        Window.screenshot(name=str(path))
        # Window.screenshot appends a counter: move the file to its plain name.
        made = sorted(out.glob(f"{name}-{args.suffix}*.png"), key=lambda p: p.stat().st_mtime)[-1]
        if made != path:
            shutil.move(str(made), str(path))
        problems = check_shot(path, Window, content)
        failures.extend(f"{path.name}: {p}" for p in problems)
        print("wrote", path, "OK" if not problems else f"FAILED ({len(problems)})")

    steps = scenario(app, shoot)

    def tick(dt: float) -> None:
        try:
            wait = next(steps)
        except StopIteration:
            app.shutdown()
            return
        Clock.schedule_once(tick, wait)

    Clock.schedule_once(tick, 1.0)
    app.run()
    for line in failures:
        print("check failed:", line, file=sys.stderr)
    return 1 if failures else 0


def check_shot(path: Path, window, content=None) -> list[str]:
    """The app tests' pixel and layout checks on one screenshot and the widgets on screen.

    ``content`` (a widget): the area that must hold drawn text (the document's page or text,
    the result list): under 2 % dark pixels there is a failure.
    """
    sys.path.insert(0, str(ROOT / "tests" / "kiosk"))
    import pixels

    nav = 96
    below_nav = (0, nav, window.width, window.height)
    problems: list[str] = []
    if pixels.is_blank(path, below_nav):
        problems.append("blank: nothing is drawn below the navigation bar")
    elif pixels.dark_share(path, below_nav) < 0.0005:
        problems.append("no glyphs drawn below the navigation bar")
    image = pixels.load(path)
    from kivy.uix.modalview import ModalView

    # A pop-up covers the screen with its overlay: then only the pop-up is to be read.
    modals = [w for w in window.children if isinstance(w, ModalView)]
    root = modals[0] if modals else window
    for label in pixels.shown_labels(root):
        box = pixels.ink_box(label)
        if pixels._area(box) > 400 and pixels.is_blank(image, box):
            problems.append(f"blank label: {label.text[:40]!r} has nothing drawn at {box}")
    problems.extend(str(p) for p in pixels.screen_problems(root))
    problems.extend(str(p) for p in pixels.blank_area_problems(image, root))
    if content is not None:
        box = pixels.window_box(content)
        share = pixels.dark_share(image, box)
        if share < 0.02:
            problems.append(f"blank content: {type(content).__name__} {box} has {share:.2%} dark pixels (< 2%)")
    return problems


def until(cond: Callable[[], object], timeout: float = 15.0) -> Iterator[float]:
    """Wait (in clock steps) until ``cond()`` holds, then a little more for the frame to settle."""
    waited = 0.0
    while not cond() and waited < timeout:
        yield 0.1
        waited += 0.1
    yield 0.4


def scenario(app, shoot: Callable[[str], None]) -> Iterator[float]:
    """Walk through every screen; each ``yield`` waits that many seconds for work to finish."""
    search = app.sm.get_screen("search")
    viewer = app.sm.get_screen("viewer")
    home = app.sm.get_screen("home")
    gazette = app.sm.get_screen("gazette")
    searched = lambda: search.total >= 0 and not search.searching  # noqa: E731
    yield from until(lambda: app.library_ready and home.kind_counts and home.newest_cards)
    yield 0.8
    shoot("home")
    app.open_search(keyboard=True)
    yield 0.3
    shoot("search-empty")
    # Letters that the library's own vocabulary turns into words (xxgk -> 信息公开 when it has them).
    found: list[str] = []
    app.lib.submit(lambda lib: next((s for s in ("xxgk", "zfxxgk", "ylfw", "zf", "gl") if lib.candidates(s)), "zf"),
                   found.append)
    yield from until(lambda: found)
    for letter in found[0]:
        search.on_key(_key(letter))
        yield 0.05
    # The candidates and the live results of the letters typed (not of the first ones).
    yield from until(lambda: search.candidates and searched() and search._search_trigger.is_triggered == 0)
    yield 0.3
    shoot("search-candidates")
    if search.candidates:
        search.choose_candidate(search.candidates[0])
    yield from until(lambda: searched() and not search.letters)
    shoot("search-results", search.ids.results)
    search.keyboard_visible = False
    yield 0.4
    shoot("results", search.ids.results)
    search.open_chooser("year")
    yield 0.4
    shoot("results-filter")
    search.choose_filter("")
    yield 0.3
    nothing: list[str] = []
    app.lib.submit(lambda lib: next((q for q in ("量子计算机芯片", "火星探测器着陆", "宇宙飞船驾驶执照", "qqzzxx")
                                     if lib.search(q, limit=1, with_facets=False).total == 0), "qqzzxx"),
                   nothing.append)
    yield from until(lambda: nothing)
    app.open_search(query=nothing[0], keyboard=False)
    yield from until(searched)
    shoot("no-results")
    app.go_home()
    app.open_browse("topic")
    yield from until(lambda: app.sm.get_screen("browse").options)
    shoot("browse-topic")
    for facet in ("issuer", "year"):
        app.go_home()
        app.open_browse(facet)
        yield from until(lambda f=facet: app.sm.get_screen("browse").options and app.sm.get_screen("browse").facet == f)
        shoot(f"browse-{facet}")
    app.go_home()
    app.open_gazette()
    yield from until(lambda: gazette.options)
    shoot("gazette-years")
    if gazette.options:
        gazette.choose_year(gazette.options[0]["value"])
        yield from until(lambda: gazette.options)
        shoot("gazette-issues")
        if gazette.options:
            gazette.choose_issue(gazette.options[0]["value"])
            yield from until(lambda: gazette.options and gazette.cover_texture)
            shoot("gazette-issue")
            pdf_doc = gazette.doc_id
            app.show("viewer", doc_id=pdf_doc, page=3, terms=["养老"])
            yield from until(lambda: viewer.page_texture is not None)
            shoot("viewer-page", viewer.ids.page_scroll)
            viewer.toggle_text_mode()
            yield from until(lambda: viewer.text_data and not viewer._pending_scroll)
            yield 1.0  # the frame that scrolled to page 3 (frames are slow on software GL)
            shoot("viewer-text", viewer.ids.text_view)
            viewer.toggle_text_mode()
            yield 0.3
            viewer.ask_print()
            yield 0.5
            shoot("print-confirm")
            viewer._close_dialog()
            app.show("qr", doc_id=pdf_doc)
            qr = app.sm.get_screen("qr")
            yield from until(lambda: qr.qr_texture or qr.message)
            shoot("qr")
    app.go_home()
    app.toggle_large_text()
    yield 0.6
    shoot("home-large-text")
    app.toggle_large_text()
    app.open_search(query="养老", keyboard=False)
    yield from until(searched)
    shoot("results-validity", search.ids.results)
    app.idle.last_activity -= app.idle.idle_timeout_s + 1
    yield from until(lambda: app._countdown is not None and app._countdown._anim_alpha >= 1)
    yield 0.5
    shoot("countdown")
    app.continue_reading()
    app.reset_session()
    app.sm.current = "attract"
    yield 0.6
    shoot("attract")
    app.show("admin_pin", push=False)
    yield 0.3
    app.sm.get_screen("admin_pin").press("1")
    yield 0.3
    shoot("admin-pin")
    app.show("admin", push=False)
    yield from until(lambda: app.sm.get_screen("admin").counts)
    shoot("admin")


class _key:  # a stand-in for the KeyButton the keyboard passes (value/action only)
    def __init__(self, value: str, action: str = "") -> None:
        self.value, self.action = value, action


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--library", help="an existing library (default: build one from the demo share)")
    parser.add_argument("--config", help="configuration file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--suffix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    raise SystemExit(main())
