"""The app's pure parts, without a window: idle logic, corner gesture, worker, markup, PIN, URLs."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from index.ops.adminpin import PinFormatError, hash_pin, parse_pin_hash, verify_pin
from kiosk.app import idle
from kiosk.app.worker import Worker

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_idle_watcher_states():
    c = Clock()
    w = idle.IdleWatcher(idle_timeout_s=90, countdown_s=15, attract_after_s=300, now=c)
    c.t = 89
    assert w.tick() is None
    c.t = 90
    assert w.tick() == idle.COUNTDOWN and w.seconds_left() == 15
    c.t = 100
    assert w.seconds_left() == 5
    assert w.activity() == idle.ACTIVE  # a touch during the countdown keeps the session
    c.t = 190
    assert w.tick() == idle.COUNTDOWN
    c.t = 205
    assert w.tick() == idle.RESET
    c.t = 400
    assert w.tick() == idle.ATTRACT
    assert w.activity() == idle.ACTIVE


def test_idle_without_a_session_goes_straight_to_reset():
    c = Clock()
    w = idle.IdleWatcher(idle_timeout_s=10, countdown_s=5, attract_after_s=20, now=c)
    c.t = 10
    assert w.tick(session_dirty=False) == idle.RESET


def test_corner_gesture_needs_five_quick_taps_in_the_corner():
    c = Clock()
    g = idle.CornerGesture(taps=5, window_s=3.0, corner_px=100, now=c)
    for _ in range(4):
        assert not g.touch(1900, 1060, 1920, 1080)
        c.t += 0.3
    assert not g.touch(500, 500, 1920, 1080)  # a touch elsewhere starts over
    for _ in range(4):
        assert not g.touch(1900, 1060, 1920, 1080)
        c.t += 0.9
    assert not g.touch(1900, 1060, 1920, 1080), "taps spread over more than 3 s"
    g.touch(10, 10, 1920, 1080)
    for _ in range(4):
        g.touch(1900, 1060, 1920, 1080)
        c.t += 0.1
    assert g.touch(1900, 1060, 1920, 1080)


def test_worker_drops_stale_answers_and_survives_errors():
    delivered: list = []
    lock = threading.Lock()

    def deliver(fn):
        with lock:
            delivered.append(fn)

    w = Worker("t", deliver)
    w.start()
    results: list = []
    errors: list = []
    gate = threading.Event()
    w.submit(lambda _: gate.wait(5), channel="other")
    for q in ("a", "ab", "abc"):
        w.submit(lambda _, q=q: q.upper(), results.append, channel="search")
    w.submit(lambda _: 1 / 0, results.append, channel="boom", on_error=errors.append)
    gate.set()
    w.submit(lambda _: "late", results.append, channel="search")
    w.stop()
    for fn in delivered:
        fn()
    assert results == ["late"], "only the newest answer on a channel is delivered"
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)


def test_a_waiting_submit_delivers_a_quick_answer_at_once_and_only_once():
    delivered: list = []
    w = Worker("t", delivered.append)  # the UI's queue: run by hand below
    w.start()
    try:
        results: list = []
        w.submit(lambda _: "quick", results.append, channel="search", wait_s=5.0)
        assert results == ["quick"], "delivered before submit returned, for this frame"
        gate = threading.Event()
        w.submit(lambda _: gate.wait(5) and "slow", results.append, channel="search", wait_s=0.05)
        assert results == ["quick"], "a slow answer is not waited for"
        gate.set()
        w.submit(lambda _: None, channel="other", wait_s=5.0)  # the queue has run the slow job
        for fn in delivered:
            fn()
        assert results == ["quick", "slow"], "each answer once: the quick one is not given again"
    finally:
        w.stop()


def test_pin_hash_roundtrip_and_bad_hashes():
    stored = hash_pin("2580", iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$")
    assert verify_pin("2580", stored) and not verify_pin("2581", stored)
    assert not verify_pin("2580", "") and not verify_pin("2580", "md5$1$00$00")
    with pytest.raises(PinFormatError):
        parse_pin_hash("pbkdf2_sha256$x$zz$00")
    with pytest.raises(ValueError):
        hash_pin("12")


def test_hash_pin_command_reads_stdin_and_prints_a_usable_hash():
    proc = subprocess.run([sys.executable, "-m", "kiosk", "hash-pin", "--iterations", "1000"], input="4711\n",
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert verify_pin("4711", proc.stdout.strip())
    bad = subprocess.run([sys.executable, "-m", "kiosk", "hash-pin"], input="12\n",
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "digits" in bad.stderr


def test_importing_the_cli_does_not_import_kivy():
    code = "import sys, kiosk.cli; kiosk.cli.build_parser(); print('kivy' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_snippet_marks_become_kivy_markup_and_text_is_escaped():
    from kiosk.app.markup import mark_terms, snippet_markup

    out = snippet_markup("关于[通知] <mark>养老</mark>服务")
    assert "&bl;通知&br;" in out and "[b]" in out and "养老" in out and "<mark>" not in out
    assert mark_terms("养老服务与养老", ["养老"]).count("[b]") == 2
    assert snippet_markup("政府信息公开 &gt; 法规") == "政府信息公开 > 法规"


def test_public_url_from_pattern_only_when_the_fields_are_known():
    from kiosk.app.screens.qr import public_url

    meta = SimpleNamespace(url="", index_number="", doc_number="区政办发〔2023〕5号")
    assert public_url(meta, "https://x.gov.cn/{doc_number}").startswith("https://x.gov.cn/%E5")
    assert public_url(meta, "https://x.gov.cn/{index_number}") == ""
    assert public_url(SimpleNamespace(url="https://own", index_number="", doc_number=""), "") == "https://own"


def test_display_size_from_xlib():
    from kiosk.app.env import display_size, window_size

    size = display_size()
    if size is None:
        pytest.skip("no X display (pytest-xvfb not active)")
    assert size[0] > 0 and size[1] > 0
    config = {"app.width": 0, "app.height": 0, "app.fullscreen": True, "app.orientation": "landscape"}
    assert window_size(config) == size
    assert window_size({**config, "app.width": 800, "app.height": 600}) == (800, 600)


del time
