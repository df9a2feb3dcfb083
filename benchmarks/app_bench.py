"""App benchmark: the real Kivy app under Xvfb, timed the way a visitor feels it.

    PYTHONPATH=. python -m benchmarks.app_bench [--docs 10000] [--cold-docs 100000] [--rounds 30]

Three measurements, each in its own app process under ``xvfb-run`` (1920x1080):

* cold start: process start -> Home drawn, and -> Home interactive (library open, tiles
  counted) on a library of ``--cold-docs`` generated documents (Home shows before the index
  is open);
* candidate tap -> first results drawn (the frame after the results were applied) on a
  library of ``--docs`` documents;
* page turn -> page drawn, for every page of the PDFs of a small share synced with the real
  sync (page rendering does not depend on the library's size);
* text mode: opening a 30,000-character document -> its first screen of text drawn (the
  same small share holds one).

``--code DIR`` runs the app from another checkout (e.g. ``/work/baseline``) with this
benchmark, so the unchanged code and a change are measured the same way, side by side.

Libraries are built once with ``benchmarks.search_bench.build`` and kept in ``--workdir``.
Prints JSON lines with median, p95, max and the app's RSS. Not a test: never fails on a
slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))], 1)


def summary(name: str, values: list[float], **extra: object) -> dict[str, object]:
    return {"measure": name, "n": len(values), "median_ms": round(statistics.median(values), 1),
            "p95_ms": pct(values, 95), "max_ms": round(max(values), 1), **extra}


def rss() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":")
            out[key.lower() + "_mb"] = int(value.split()[0]) // 1024
    return out


# -- building libraries ----------------------------------------------------------------------

def _tag(code: Path) -> str:
    """A library per code tree: an index written by one tree's schema may not open in another."""
    return "" if code == REPO else "-" + code.name


def _build_with(code: Path, what: str, root: Path) -> None:
    """Build a library with ``code``'s own sync and index (this file run by path as a child)."""
    env = dict(os.environ, PYTHONPATH=f"{code}{os.pathsep}{code / 'tests' / 'kiosk'}")
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--build", what, "--library", str(root)],
                   env=env, check=True, cwd=code, timeout=7200)


def generated_library(workdir: Path, n: int, code: Path = REPO) -> Path:
    root = workdir / f"lib-{n}{_tag(code)}" / "library"
    if not (root / "catalogue.sqlite").exists() or not (root.parent / "done").exists():
        print(f"building a library of {n} generated documents in {root} (once)...", file=sys.stderr, flush=True)
        root.parent.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        _build_with(code, str(n), root)
        (root.parent / "done").write_text(str(time.perf_counter() - t))
    return root


LONG_DOC = "法律法规/长文件（三万字）.txt"
LONG_CHARS = 30_000


def long_text(chars: int = LONG_CHARS) -> str:
    """A plain-text regulation of ``chars`` characters: numbered articles of real sentences."""
    from sharefiles import TEXT_DOCS

    sentences = [line.strip() for text in TEXT_DOCS.values() for line in text.splitlines()
                 if len(line.strip()) > 20 and not line.lstrip().startswith("<")]
    out, n = ["长文件（三万字）", "", "第一章 总则"], 0
    while sum(len(x) + 1 for x in out) < chars:
        n += 1
        out.append(f"第{n}条 " + "".join(sentences[(n + k) % len(sentences)] for k in range(3)))
    return "\n".join(out)[:chars]


def pdf_library(workdir: Path, code: Path = REPO) -> Path:
    root = workdir / f"lib-viewer{_tag(code)}" / "library"
    if not (root / "catalogue.sqlite").exists():
        _build_with(code, "pdf", root)
    return root


def build(what: str, root: Path) -> None:
    """In a child whose PYTHONPATH is one code tree: that tree's builders."""
    if what == "pdf":
        from sharefiles import build_library, write_share

        from index.config import load_config

        share = write_share(root.parent / "share")
        (share / LONG_DOC).write_text(long_text(), encoding="utf-8")
        (share / (LONG_DOC + ".json")).write_text('{"审查人": "王静", "审查日期": "2024-03-01"}', encoding="utf-8")
        build_library(share, root, load_config(None))
    else:
        from benchmarks.search_bench import build as build_generated

        build_generated(root, int(what))


# -- the app side ----------------------------------------------------------------------------

def child(mode: str, library: Path, rounds: int) -> None:
    from index.config import load_config
    from kiosk.app.env import configure_kivy, prepare_environment

    config = load_config(None, {"app.width": 1920, "app.height": 1080, "app.fullscreen": False,
                                "review.required": False})
    prepare_environment(quiet=True)
    configure_kivy(config)
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.app.main import KioskApp

    app = KioskApp(config=config, library_path=library)
    flips: list[float] = []  # when a frame is on screen: after the buffer swap returned
    swap = Window.flip

    def flip_and_note() -> None:
        swap()
        flips.append(time.perf_counter())

    Window.flip = flip_and_note
    results: list[dict[str, object]] = []

    def after_flip(t: float) -> float | None:
        return next((f for f in flips if f > t), None)

    steps = {"cold": cold, "candidate": candidate, "page": page, "text": text}[mode](
        app, flips, after_flip, results, rounds)

    def tick(dt: float) -> None:
        try:
            wait = next(steps)
        except StopIteration:
            for r in results:
                r.update(rss())
                print("RESULT " + json.dumps(r, ensure_ascii=False), flush=True)
            app.shutdown()
            return
        Clock.schedule_once(tick, wait)

    Clock.schedule_once(tick, 0)
    app.run()


def _filters() -> object:  # the Filters of the tree under test
    from index.models import Filters

    return Filters()


def _page_size() -> int:
    from kiosk.app.screens.search import PAGE_SIZE

    return PAGE_SIZE


def until(cond: Callable[[], object], timeout: float = 300.0, what: str = "") -> Iterator[float]:
    deadline = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > deadline:
            raise SystemExit(f"benchmark timed out waiting for {what or cond}")
        yield 0.002


def cold(app, flips, after_flip, results, rounds) -> Iterator[float]:
    t0 = float(os.environ["KIOSK_BENCH_T0"])
    home = app.sm.get_screen("home")
    yield from until(lambda: flips)
    drawn = time.time() - (time.perf_counter() - flips[0])
    ready: list[float] = []
    home.bind(newest_cards=lambda *a: ready.append(time.perf_counter()))
    yield from until(lambda: app.library_ready and home.kind_counts and home.newest_cards)
    mark = ready[-1] if ready else time.perf_counter()
    yield from until(lambda: after_flip(mark), what="frame")
    interactive = time.time() - (time.perf_counter() - after_flip(mark))
    results.append({"measure": "cold_start", "home_drawn_ms": round((drawn - t0) * 1000),
                    "home_interactive_ms": round((interactive - t0) * 1000)})


def candidate(app, flips, after_flip, results, rounds) -> Iterator[float]:
    search = app.sm.get_screen("search")
    yield from until(lambda: app.library_ready, what="library")
    app.open_search()
    words: list[tuple[str, str]] = []
    for letters in ("tz", "gl", "zf", "jy", "hj", "js", "gh", "aq", "sh", "fw", "gg", "jt", "cz", "ws", "ny",
                    "zc", "xx", "bz", "jg", "fz", "ld", "cs", "qy", "zd", "sc", "yl", "jj", "wh", "ty", "gz"):
        search.letters = letters
        search._ask_candidates()
        deadline = time.perf_counter() + 10
        while not search.candidates and time.perf_counter() < deadline:
            yield 0.01
        if search.candidates:
            words.append((letters, search.candidates[0]))
        search.letters, search.candidates = "", []
    warm_started = time.perf_counter()
    yield from until(lambda: not getattr(app, "warming", False), what="candidate words computed ahead")
    results.append({"measure": "warming_after_library_ready_s", "s": round(time.perf_counter() - warm_started, 1),
                    "warmed_candidates": sum(1 for _l, w in words if app.lib.resource.engine.is_cached(
                        w, _filters(), limit=_page_size(), with_facets=False)) if hasattr(app, "warming") else 0,
                    "candidates": len(words)})
    times: list[float] = []
    applied: list[float] = []
    totals: list[int] = []
    for i in range(rounds):
        letters, word = words[i % len(words)]
        app.reset_session()
        app.open_search()
        search.letters = letters
        yield from until(lambda: not search.searching, what="idle search screen")
        yield 0.2
        done: list[float] = []
        original = search._on_results

        def hook(result, original=original, done=done, **kw):
            original(result, **kw)
            done.append(time.perf_counter())
            totals.append(result.total)

        search._on_results = hook
        t = time.perf_counter()
        search.choose_candidate(word)  # what a tap on the candidate runs
        yield from until(lambda done=done: done and after_flip(done[0]), what=f"results drawn for {word} ({len(done)} answers, {len(flips)} frames)")
        times.append((after_flip(done[0]) - t) * 1000)
        applied.append((done[0] - t) * 1000)
        del search._on_results
    results.append(summary("candidate_tap_to_results_drawn", times, library_docs=app.sm.get_screen("home").kind_counts
                           and sum(app.sm.get_screen("home").kind_counts.values()),
                           median_results=statistics.median(totals)))
    results.append(summary("candidate_tap_to_results_applied", applied))


def page(app, flips, after_flip, results, rounds) -> Iterator[float]:
    viewer = app.sm.get_screen("viewer")
    yield from until(lambda: app.library_ready, what="library")
    shelf: list = []
    app.lib.submit(lambda lib: lib.gazette_shelf(), shelf.append)
    yield from until(lambda: shelf)
    docs = [h.doc_id for hits in shelf[0].values() for h in hits]
    times: list[float] = []
    frames: list[int] = []
    changed: list[float] = []
    applied: list[float] = []
    viewer.bind(page_texture=lambda *a: changed.append(time.perf_counter()))
    for _ in range(max(1, rounds // 6)):
        for doc in docs:
            t = time.perf_counter()
            app.show("viewer", doc_id=doc, page=1)
            yield from until(lambda: viewer.page_texture is not None, what="first page")
            while viewer.page < viewer.page_count:
                before = viewer.page_texture
                t = time.perf_counter()
                viewer.turn(1)
                yield from until(lambda b=before: viewer.page_texture is not b, what="next page")
                mark = changed[-1]
                applied.append((mark - t) * 1000)
                yield from until(lambda m=mark: after_flip(m), what="frame")
                times.append((after_flip(mark) - t) * 1000)
                frames.append(sum(1 for f in flips if t < f <= after_flip(mark)))
    # Frames drawn from the tap to the page: the part of the time that is the app's, not the GPU's.
    results.append(summary("page_turn_to_page_drawn", times, pdfs=len(docs), median_frames=statistics.median(frames)))
    results.append(summary("page_turn_to_texture_ready", applied))
    # Baseline: one full redraw and buffer swap (software GL under Xvfb is slow; a GPU is not).
    from kivy.core.window import Window

    frames: list[float] = []
    for _ in range(20):
        n = len(flips)
        t = time.perf_counter()
        Window.canvas.ask_update()
        yield from until(lambda n=n: len(flips) > n, what="redraw")
        frames.append((flips[-1] - t) * 1000)
    results.append(summary("one_full_redraw", frames))


def text(app, flips, after_flip, results, rounds) -> Iterator[float]:
    """Open the 30,000-character document (text mode: it is a TXT) until its first screen is drawn."""
    viewer = app.sm.get_screen("viewer")
    yield from until(lambda: app.library_ready, what="library")
    found: list = []
    app.lib.submit(lambda lib: next(r.id for r in lib.catalogue.iter_documents("public")
                                    if r.source_path.endswith(Path(LONG_DOC).name)), found.append)
    yield from until(lambda: found, what="the long document")
    doc_id = found[0]
    chars: list[int] = []
    app.lib.submit(lambda lib: sum(len(p) for p in lib.document_pages(doc_id)), chars.append)
    yield from until(lambda: chars)

    def text_on_screen() -> bool:
        if viewer.loading or not viewer.text_mode:
            return False
        if hasattr(viewer, "text_data"):  # paragraphs in a RecycleView
            views = viewer.ids.text_view.layout_manager.children
            return bool(viewer.text_data) and any(v.texture is not None for v in views)
        label = viewer.ids.text_label  # the unchanged code: one label per chunk
        return bool(viewer.text_markup) and label.texture is not None

    applied: list[float] = []  # when the text reached the screen's widgets (drawn by the next frame)
    viewer.bind(**{("text_data" if hasattr(viewer, "text_data") else "text_markup"):
                   lambda *a: applied.append(time.perf_counter())})
    times: list[float] = []
    frames: list[int] = []
    app.show("viewer", doc_id=doc_id)  # once before timing: the first related-documents search loads jieba
    yield from until(text_on_screen, what="text applied (warm-up)")
    for _ in range(rounds):
        app.go_home()
        yield 0.5
        t = time.perf_counter()
        app.show("viewer", doc_id=doc_id)
        yield from until(text_on_screen, what="text applied")
        mark = max(a for a in applied if a > t) if any(a > t for a in applied) else time.perf_counter()
        yield from until(lambda m=mark: after_flip(m), what="frame")
        drawn = after_flip(mark)  # the first frame after the text was set: it draws it
        times.append((drawn - t) * 1000)
        frames.append(sum(1 for f in flips if t < f <= drawn))
    results.append(summary("text_mode_open_to_first_screen_drawn", times, document_chars=chars[0],
                           median_frames=statistics.median(frames)))


# -- the driver --------------------------------------------------------------------------------

def run_child(mode: str, library: Path, rounds: int, code: Path = REPO) -> list[dict[str, object]]:
    # The app's code comes from ``code``; this file runs as a script so it is always this version.
    env = dict(os.environ, PYTHONPATH=f"{code}{os.pathsep}{REPO / 'tests' / 'kiosk'}", KIOSK_BENCH_T0=repr(time.time()))
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", sys.executable, str(Path(__file__).resolve()),
           "--child", mode, "--library", str(library), "--rounds", str(rounds)]
    env["KIOSK_BENCH_T0"] = repr(time.time())
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800, cwd=REPO)
    out = [json.loads(line[len("RESULT "):]) for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if not out:
        print(proc.stdout[-2000:], proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{mode}: no result (exit {proc.returncode})")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000, help="library size for the candidate benchmark")
    parser.add_argument("--cold-docs", type=int, default=100_000, help="library size for the cold start")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "kiosk-bench"))
    parser.add_argument("--only", choices=("cold", "candidate", "page", "text"), action="append")
    parser.add_argument("--code", action="append", help="run the app from this checkout (repeat to compare; "
                        "default: this one)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--library", help=argparse.SUPPRESS)
    parser.add_argument("--build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build, Path(args.library))
        return
    if args.child:
        child(args.child, Path(args.library), args.rounds)
        return
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    only = set(args.only or ("cold", "candidate", "page", "text"))
    codes = [Path(c).resolve() for c in (args.code or [str(REPO)])]
    for mode in ("page", "text"):
        if mode in only:
            for code in codes:  # one after the other, same library, same machine
                for r in run_child(mode, pdf_library(workdir, code), args.rounds, code):
                    print(json.dumps({"code": str(code), **r}, ensure_ascii=False), flush=True)
    if "candidate" in only:
        for code in codes:
            for r in run_child("candidate", generated_library(workdir, args.docs, code), args.rounds, code):
                print(json.dumps({"code": str(code), **r}, ensure_ascii=False), flush=True)
    if "cold" in only:
        lib = generated_library(workdir, args.cold_docs)
        runs = [run_child("cold", lib, 1)[0] for _ in range(args.cold_runs)]
        drawn = [float(r["home_drawn_ms"]) for r in runs]
        ready = [float(r["home_interactive_ms"]) for r in runs]
        print(json.dumps({"measure": "cold_start", "library_docs": args.cold_docs, "runs": len(runs),
                          "home_drawn_median_ms": statistics.median(drawn),
                          "home_interactive_median_ms": statistics.median(ready),
                          "home_interactive_max_ms": max(ready), "rss_mb": runs[-1].get("vmrss_mb"),
                          "peak_rss_mb": runs[-1].get("vmhwm_mb")}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
