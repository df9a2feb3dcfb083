"""Handwriting benchmark: accuracy with and without the library, time per classify, memory.

    python -m benchmarks.handwriting_bench [--library LIB] [--chars 300] [--words 100] [--strength 1.0]

On the most frequent characters of the library's titles, written by the seeded unsteady
hand of ``tests/fixtures/strokes.py`` (one seed per character), it prints one JSON object:

- ``raw``: Zinnia alone, the box as written (what a binding without this module gives);
- ``centred``: Zinnia on the ink centred in its box (``Recognizer.classify``);
- ``reranked``: centred, then reranked by the library (``Lexicon.rerank``): the pipeline
  before the stroke templates;
- ``templates``: the stroke templates alone (``Templates.match``);
- ``fused``: Zinnia and the templates (``HandRecognizer.classify``);
- ``fused_reranked``: fused, then reranked by the library: what the kiosk does now;
  each with top-1 / top-10, for two hands:
  ``hanzi_writer``: hanzi-writer-data spoiled by ``tests/fixtures/strokes.perturb``: the
  issue's measure, but the templates are made of these very strokes, so it flatters them;
  ``kanjivg``: KanjiVG's independent drawing of the same characters (those it has, same
  code point), spoiled the same way: the fair measure of the templates
  (``tests/fixtures/kanjivg-slice.json``, or ``--kanjivg WHEEL`` for any characters);
  ``kanjivg_swapped``: the same with two neighbouring strokes written in each other's
  place (a stroke-order slip: what the templates, which follow the standard order, miss);
- ``words_top10``: vocabulary words written character by character whose word is among the
  first 10 ``words`` of ``Lexicon.read_sequence``, by both hands, with Zinnia alone and fused;
- ``classify_ms`` (median, p95): one classify by Zinnia, by the templates, fused;
  ``stroke_update_ms``: one update after a stroke as the pad does it (classify 100-best +
  rerank + words), over every stroke prefix, with Zinnia alone and fused;
- ``rss_mb``: resident memory before and after the model is loaded, and peak.

``--app`` (needs a display, e.g. ``xvfb-run -s "-screen 0 1920x1080x24"``) instead runs the
real app in this process on the library, writes characters on the pad with Kivy touches and
prints ``stroke_to_drawn_ms``: a finger lifted -> the new candidates on the next drawn frame,
split into ``stroke_handled_ms`` (the stroke recognised and the chips filled, on the UI thread,
which waits up to ``SAME_FRAME_WAIT_S`` for the worker) and ``frame_drawn_ms`` (drawing that
frame), with ``redraw_unchanged_ms`` (the window redrawn with nothing changed: what the
renderer costs; with Xvfb's software GL it is most of the figure, a GPU draws it in a few ms)
(``--zinnia-only``: the same without the stroke templates, for the side by side).

Without ``--library`` it builds the demo library (assets/demo/share) in a temporary folder.
Needs ../shared/corpus/handwriting. Not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))], 2)


def _fig(values: list[float], digits: int = 2) -> dict[str, float]:
    """Median and p95 of timings in ms."""
    return {"median": round(statistics.median(values), digits), "p95": _pct(values, 95)}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _library(path: str | None, tmp: Path) -> Path:
    if path:
        return Path(path)
    sys.path.insert(0, str(REPO / "tests" / "kiosk"))
    from sharefiles import build_library  # type: ignore[import-not-found]

    from index.config import load_config

    root = tmp / "library"
    build_library(REPO / "assets" / "demo" / "share", root, load_config(None))
    return root


def run(args: argparse.Namespace) -> dict[str, object]:
    sys.path.insert(0, str(REPO))
    from index.handwriting import Character, HandRecognizer, Lexicon, Recognizer, Templates
    from index.library import Library
    from index.models import STATE_PUBLIC
    from tests.fixtures import kanjivg as KV
    from tests.fixtures import strokes as S

    out: dict[str, object] = {"strength": args.strength}
    with tempfile.TemporaryDirectory(prefix="hw-bench-") as tmp:
        root = _library(args.library, Path(tmp))
        with Library.open(root) as lib:
            lexicon = Lexicon.from_library(lib)
            titles = [r.meta.title for r in lib.catalogue.iter_documents(STATE_PUBLIC)]
            vocab = sorted(((w, df) for w, df, _f, _i in lib.catalogue.vocab_rows()), key=lambda x: (-x[1], x[0]))
    freq = Counter(ch for t in titles for ch in t if "\u4e00" <= ch <= "\u9fff")
    chars = [c for c, _ in freq.most_common() if S.known(c)][: args.chars]
    out["library"] = str(root) if args.library else "demo (assets/demo/share)"
    out["characters"] = len(chars)

    rss0 = _rss_mb()
    t0 = time.perf_counter()
    zinnia = Recognizer()
    out["model_load_s"] = round(time.perf_counter() - t0, 2)
    rss1 = _rss_mb()
    t0 = time.perf_counter()
    templates = Templates()
    out["templates_load_s"] = round(time.perf_counter() - t0, 2)
    out["rss_mb"] = {"before_model": rss0, "after_model": rss1, "after_templates": _rss_mb()}
    rec = HandRecognizer(zinnia, templates)

    def written(ch: str, seed: int, base: list | None = None) -> Character:
        w, h, strokes = S.perturb(base or S.medians(ch), seed, strength=args.strength)
        return Character.from_json(S.as_json(w, h, strokes))

    other = KV.read_archive(Path(args.kanjivg), "".join(chars)) if args.kanjivg else \
        {ch: KV.strokes(ch) for ch in chars if ch in KV.characters()}

    def swapped(ch: str) -> list | None:
        """KanjiVG's strokes with two neighbours written in each other's place (seeded by the character)."""
        strokes = [list(st) for st in other.get(ch) or []]
        if len(strokes) < 2:
            return None
        j = random.Random(ord(ch)).randrange(len(strokes) - 1)
        strokes[j], strokes[j + 1] = strokes[j + 1], strokes[j]
        return strokes

    names = ("raw", "centred", "reranked", "templates", "fused", "fused_reranked")
    times: dict[str, list[float]] = {"zinnia": [], "templates": [], "fused": []}
    for hand, base_of in (("hanzi_writer", S.medians), ("kanjivg", other.get), ("kanjivg_swapped", swapped)):
        hits = {k: [0, 0] for k in names}
        n = 0
        for i, ch in enumerate(chars):
            base = base_of(ch)
            if not base:
                continue
            n += 1
            c = written(ch, 1000 + i, base)
            t = time.perf_counter()
            scored = zinnia.classify(c, 100)
            times["zinnia"].append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            matched = templates.match(c, 100)
            times["templates"].append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            fused = rec.classify(c, 100)
            times["fused"].append((time.perf_counter() - t) * 1000)
            got = {"raw": zinnia.classify(c, 10, centre=False), "centred": scored,
                   "reranked": lexicon.rerank(scored), "templates": matched, "fused": fused,
                   "fused_reranked": lexicon.rerank(fused)}
            for name in names:
                top = [x for x, _ in got[name]]
                hits[name][0] += top[:1] == [ch]
                hits[name][1] += ch in top[:10]
        out[hand] = {"characters": n, **{name: {"top1": round(t1 / max(1, n), 3), "top10": round(t10 / max(1, n), 3)}
                                         for name, (t1, t10) in hits.items()}}
    out["classify_ms"] = {k: _fig(v) for k, v in times.items()}

    # One update per stroke, as the pad does: every stroke prefix of a few characters.
    readers = {"zinnia": zinnia, "fused": rec}
    out["stroke_update_ms"] = {}
    for name, reader in readers.items():
        update_ms: list[float] = []
        for i, ch in enumerate(chars[:40]):
            full = written(ch, 2000 + i)
            for k in range(1, len(full.strokes) + 1):
                part = Character(full.width, full.height, full.strokes[:k])
                t = time.perf_counter()
                lexicon.read(reader, part)
                update_ms.append((time.perf_counter() - t) * 1000)
        out["stroke_update_ms"][name] = {**_fig(update_ms), "updates": len(update_ms)}

    # Words written character by character, by both hands (KanjiVG: words all of whose characters it has).
    out["words_top10"] = {}
    for hand, base_of in (("hanzi_writer", S.medians), ("kanjivg", other.get)):
        words = [w for w, _ in vocab if 2 <= len(w) <= 4 and all(S.known(c) and base_of(c) for c in w)][: args.words]
        row: dict[str, object] = {"words": len(words)}
        for name, reader in readers.items():
            found = 0
            for k, word in enumerate(words):
                seq = [written(ch, 3000 + 10 * k + j, base_of(ch)) for j, ch in enumerate(word)]
                found += word in lexicon.read_sequence(reader, seq).words[:10]
            row[name] = round(found / max(1, len(words)), 3)
        out["words_top10"][hand] = row
    out["rss_mb"]["peak"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # type: ignore[index]
    rec.close()
    return out


def app_latency(args: argparse.Namespace) -> dict[str, object]:
    sys.path.insert(0, str(REPO))
    import os

    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="hw-bench-kivy-"))
    from kiosk.app.env import configure_kivy, prepare_environment

    prepare_environment(quiet=True)
    from index.config import load_config

    config = load_config(None, {"app.width": 1920, "app.height": 1080, "app.fullscreen": False,
                                "app.handwriting_pause_s": 600.0})
    configure_kivy(config)
    from kivy.base import EventLoop, runTouchApp
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from kiosk.app.main import KioskApp
    from tests.fixtures import strokes as S

    if args.zinnia_only:  # the pad as it was before the stroke templates, for the side by side
        from index.handwriting import HandRecognizer, Recognizer, _templates

        _templates._shared = HandRecognizer(Recognizer(), None)

    def until(cond, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise SystemExit("the app did not answer in time")
            EventLoop.idle()

    with tempfile.TemporaryDirectory(prefix="hw-bench-") as tmp:
        root = _library(args.library, Path(tmp))
        Window.size = (1920, 1080)
        app = KioskApp(config=config, library_path=root)
        app._run_prepare()
        runTouchApp(embedded=True)
        until(lambda: app.library_ready)
        app.open_search()
        search = app.sm.get_screen("search")
        search.set_input_mode("hand")
        panel = search.ids.hand_panel
        until(lambda: panel._lexicon is not None)
        for _ in range(5):
            EventLoop.idle()
        pad = panel.ids.pad
        redraws: list[float] = []
        for _ in range(30):  # the window redrawn with nothing changed: what a frame costs here, for scale
            Window.canvas.ask_update()
            t0 = time.perf_counter()
            EventLoop.idle()
            redraws.append((time.perf_counter() - t0) * 1000)
        samples: list[float] = []
        handled: list[float] = []  # finger lifted -> the stroke handled: recognised, chips filled
        drawn: list[float] = []  # ... -> the frame that shows them drawn
        for ch in "公开政府信息通知办法养" * args.rounds:
            side = min(pad.width, pad.height) * 0.8
            k = side / S.BOX
            ox, oy = pad.x + (pad.width - side) / 2, pad.top - (pad.height - side) / 2
            for stroke in S.medians(ch):
                pts = [pad.to_window(ox + x * k, oy - y * k) for x, y in stroke]
                touch = UnitTestTouch(*pts[0])
                touch.touch_down()
                for x, y in pts[1:]:
                    touch.touch_move(x, y)
                t0 = time.perf_counter()
                touch.touch_up()
                n = len(pad.strokes)
                until(lambda n=n: panel._answered == n)
                t1 = time.perf_counter()
                EventLoop.idle()  # the frame that draws the new chips
                t2 = time.perf_counter()
                samples.append((t2 - t0) * 1000)
                handled.append((t1 - t0) * 1000)
                drawn.append((t2 - t1) * 1000)
            panel.rewrite()
            EventLoop.idle()
        app.stop()
    return {"recogniser": "zinnia" if args.zinnia_only else "zinnia+templates", "strokes": len(samples),
            "stroke_to_drawn_ms": _fig(samples, 1), "stroke_handled_ms": _fig(handled, 1),
            "frame_drawn_ms": _fig(drawn, 1), "redraw_unchanged_ms": _fig(redraws, 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--library", help="a library folder (default: build the demo library in a temporary folder)")
    p.add_argument("--chars", type=int, default=300, help="most frequent title characters to write (default 300)")
    p.add_argument("--words", type=int, default=100, help="vocabulary words to write (default 100)")
    p.add_argument("--strength", type=float, default=1.0, help="how unsteady the hand is (0 = clean medians)")
    p.add_argument("--kanjivg", help="the KanjiVG wheel or zip (pip download kanjivg==20260714 --no-deps): "
                   "KanjiVG's strokes of every character it has, instead of the committed slice")
    p.add_argument("--zinnia-only", action="store_true", help="with --app: Zinnia without the stroke templates")
    p.add_argument("--rounds", type=int, default=3, help="with --app: times the 11 characters are written")
    p.add_argument("--app", action="store_true", help="time stroke -> candidates drawn in the real app (needs a display)")
    args = p.parse_args(argv)
    print(json.dumps(app_latency(args) if args.app else run(args), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
