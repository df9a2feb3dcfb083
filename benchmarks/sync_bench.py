"""Sync benchmarks; each prints one JSON object (figures, never pass/fail).

    PYTHONPATH=. python benchmarks/sync_bench.py idle [--files 100000] [--polls 10] [--real-seconds 0]
        CPU per poll and RSS of the polling observer on a share of N small files
        (ScandirPollingObserver vs watchdog's PollingObserver), and the idle CPU share of
        one core at the default sync.poll_interval_s, including the safety-net rescan.
    PYTHONPATH=. python benchmarks/sync_bench.py visible [--runs 10] [--pages 20]
        Time from a file taken (stable on the share) to visible in a fresh searcher,
        for a PDF of N pages made with reportlab, through the daemon's real ingest path.
    PYTHONPATH=. python benchmarks/sync_bench.py throughput [--files 200]
        Files per second through the daemon (TXT files; extraction in the worker process).
    PYTHONPATH=. python benchmarks/sync_bench.py daemon_idle [--docs 200] [--seconds 60]
        The real `kiosk sync` process after its first pass: idle CPU share and RSS
        (add the observer's figures from `idle` for a share of 100,000 files).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return -1.0


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def make_share(root: Path, n: int) -> None:
    if (root / ".done").exists() and int((root / ".done").read_text()) == n:
        return
    per_dir = 1000
    for d in range((n + per_dir - 1) // per_dir):
        folder = root / f"规范性文件{d:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(min(per_dir, n - d * per_dir)):
            (folder / f"文件{i:04d}.txt").write_bytes(b"x")
    (root / ".kiosk-share").write_text("", encoding="utf-8")
    (root / ".done").write_text(str(n))


# ------------------------------------------------------------------ idle polling
def _idle_child(kind: str, share: str, polls: int, real_s: float, interval: float) -> None:
    """Runs in a fresh process so RSS is the observer's own."""
    from index.config import load_config
    from index.sync.handler import ShareEventHandler
    from index.sync.polling import ScandirPollingEmitter
    from index.sync.watch import walk_share

    base_rss = _rss_mb()
    q: queue.Queue = queue.Queue()
    if kind == "scandir":
        from index.sync.polling import ScandirPollingObserver

        obs = ScandirPollingObserver(timeout=interval)
    else:
        from watchdog.observers.polling import PollingObserver

        obs = PollingObserver(timeout=interval)
    t0 = time.perf_counter()
    c0 = _cpu()
    obs.schedule(ShareEventHandler(Path(share), q), share, recursive=True)
    emitter = next(iter(obs.emitters))
    emitter.on_thread_start()  # the first full snapshot (normally done when the observer starts)
    first_s, first_cpu = time.perf_counter() - t0, _cpu() - c0
    per_poll: list[float] = []
    for _ in range(polls):
        c = _cpu()
        if isinstance(emitter, ScandirPollingEmitter):
            emitter.poll()
        else:
            emitter.queue_events(0)  # watchdog's emitter: one snapshot + diff
        per_poll.append(_cpu() - c)
    real = None
    if real_s > 0:
        obs.start()  # takes its own first snapshot, then polls every `interval`
        time.sleep(min(interval, real_s))
        c = _cpu()
        time.sleep(real_s)
        real = (_cpu() - c) / real_s
        obs.stop()
        obs.join()
    c = _cpu()
    n = sum(1 for _ in walk_share(Path(share)))
    rescan = _cpu() - c
    cfg = load_config(None)
    print(json.dumps({
        "observer": kind, "files": n, "first_snapshot_s": round(first_s, 3), "first_snapshot_cpu_s": round(first_cpu, 3),
        "poll_cpu_s_median": round(statistics.median(per_poll), 4), "poll_cpu_s_p95": round(_p95(per_poll), 4),
        "rescan_cpu_s": round(rescan, 3),
        "idle_cpu_share_of_one_core": round(statistics.median(per_poll) / interval + rescan / cfg["sync.rescan_interval_s"], 4),
        "idle_cpu_share_measured_real": None if real is None else round(real, 4),
        "rss_mb": round(_rss_mb(), 1), "rss_before_mb": round(base_rss, 1), "events_queued": q.qsize(),
    }))


def bench_idle(args: argparse.Namespace) -> dict:
    from index.config import load_config

    interval = float(load_config(None)["sync.poll_interval_s"])
    root = Path(args.dir or tempfile.gettempdir()) / f"kiosk-bench-share-{args.files}"
    t = time.perf_counter()
    make_share(root, args.files)
    made = time.perf_counter() - t
    out: dict = {"bench": "idle", "files": args.files, "poll_interval_s": interval, "share_made_s": round(made, 1)}
    for kind in ("scandir", "watchdog"):
        if kind == "watchdog" and args.skip_watchdog:
            continue
        res = subprocess.run(
            [sys.executable, __file__, "_idle_child", kind, str(root), str(args.polls), str(args.real_seconds), str(interval)],
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, check=True,
        )
        out[kind] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


# ------------------------------------------------------------------ file -> visible
def _make_pdf(path: Path, pages: int, tag: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    for p in range(pages):
        c.setFont("STSong-Light", 12)
        for line in range(40):
            c.drawString(50, 800 - line * 19, f"第{p + 1}页 关于加强档案信息化建设的通知 {tag} 第{line}行 规范性文件管理")
        c.showPage()
    c.save()


def _daemon(share: Path, lib: Path, **overrides: object):  # type: ignore[no-untyped-def]
    from index.config import load_config
    from index.sync.daemon import SyncDaemon

    cfg = load_config(None, {"sync.stability_delay_s": 0.0, "sync.poll_interval_s": 0.5,
                             "review.required": False, **overrides})
    d = SyncDaemon(share, lib, cfg)
    d.start()
    return d


def bench_visible(args: argparse.Namespace) -> dict:
    from index.library import Library

    tmp = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    share, lib_root = tmp / "share", tmp / "library"
    share.mkdir()
    (share / ".kiosk-share").write_text("")
    (share / "规范性文件").mkdir()
    d = _daemon(share, lib_root)
    times: list[float] = []
    try:
        with Library.open(lib_root, d.config) as reader:
            for i in range(args.runs):
                tag = f"标记{i:03d}号"
                src = tmp / f"doc{i}.pdf"
                _make_pdf(src, args.pages, tag)
                rel = f"规范性文件/通知{i:03d}.pdf"
                os.replace(src, share / rel)
                t0 = time.perf_counter()  # the file is complete and stable on the share
                d.todo[rel] = None  # taken now (the watcher's stability delay is not part of this figure)
                while True:
                    d.step(0.01)
                    reader.refresh()
                    if reader.search(tag, limit=1).total:
                        break
                    if time.perf_counter() - t0 > 60:
                        raise RuntimeError("document did not become visible within 60 s")
                times.append(time.perf_counter() - t0)
    finally:
        d.stop()
    warm = times[1:] or times
    return {"bench": "visible", "pages": args.pages, "runs": args.runs,
            "first_cold_s": round(times[0], 3),  # includes starting the extraction worker, loading jieba
            "taken_to_visible_s_median": round(statistics.median(warm), 3),
            "taken_to_visible_s_p95": round(_p95(warm), 3), "rss_mb": round(_rss_mb(), 1)}


def bench_throughput(args: argparse.Namespace) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    share, lib_root = tmp / "share", tmp / "library"
    share.mkdir()
    (share / ".kiosk-share").write_text("")
    d = _daemon(share, lib_root)
    try:
        (share / "规范性文件").mkdir()
        for i in range(args.files):
            (share / "规范性文件" / f"文件{i:04d}.txt").write_text(
                f"关于第{i}号事项的通知\n各有关单位：现将有关事项通知如下。" * 20, encoding="utf-8")
        t0 = time.perf_counter()
        c0 = _cpu()
        d.rescan()  # one rescan finds them all, as after a bulk copy onto the share
        while d.lib.counts()["public"] < args.files:
            d.step(0.01)
            if time.perf_counter() - t0 > 600:
                break
        dt = time.perf_counter() - t0
        n = d.lib.counts()["public"]
    finally:
        d.stop()
    return {"bench": "throughput", "files": n, "seconds": round(dt, 2), "files_per_s": round(n / dt, 1),
            "daemon_cpu_s": round(_cpu() - c0, 2), "batches": d.batches, "rss_mb": round(_rss_mb(), 1)}


def _proc_cpu_rss(pid: int) -> tuple[float, float]:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        rss = next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS:"))
    return cpu, rss


def bench_daemon_idle(args: argparse.Namespace) -> dict:
    """The real `kiosk sync` process, idle after its first pass, at the default settings."""
    import signal
    import socket

    tmp = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    share, lib_root = tmp / "share", tmp / "library"
    (share / "规范性文件").mkdir(parents=True)
    (share / ".kiosk-share").write_text("")
    for i in range(args.docs):
        (share / "规范性文件" / f"文件{i:04d}.txt").write_text(f"关于第{i}号事项的通知\n各有关单位：现将有关事项通知如下。\n",
                                                          encoding="utf-8")
    cfg = tmp / "kiosk.toml"
    cfg.write_text('[review]\nrequired = false\n', encoding="utf-8")
    sock_path = tmp / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(sock_path))
        server.settimeout(600)
        proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg), "sync", "--share", str(share),
                                 "--library", str(lib_root)],
                                env={**os.environ, "PYTHONPATH": str(REPO), "NOTIFY_SOCKET": str(sock_path)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            t0 = time.perf_counter()
            while b"READY=1" not in server.recv(4096):
                pass
            ready_s = time.perf_counter() - t0
            time.sleep(5)  # let the first status write and counts export finish
            c0, _ = _proc_cpu_rss(proc.pid)
            time.sleep(args.seconds)
            c1, rss = _proc_cpu_rss(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    return {"bench": "daemon_idle", "docs": args.docs, "first_pass_to_ready_s": round(ready_s, 1),
            "idle_seconds": args.seconds, "idle_cpu_share_of_one_core": round((c1 - c0) / args.seconds, 4),
            "rss_mb": round(rss, 1)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_idle_child":
        _idle_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]))
        return
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("idle")
    p.add_argument("--files", type=int, default=100_000)
    p.add_argument("--polls", type=int, default=10)
    p.add_argument("--real-seconds", type=float, default=0.0)
    p.add_argument("--dir", default="")
    p.add_argument("--skip-watchdog", action="store_true")
    p = sub.add_parser("visible")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--pages", type=int, default=20)
    p = sub.add_parser("throughput")
    p.add_argument("--files", type=int, default=200)
    p = sub.add_parser("daemon_idle")
    p.add_argument("--docs", type=int, default=200)
    p.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    fn = {"idle": bench_idle, "visible": bench_visible, "throughput": bench_throughput,
          "daemon_idle": bench_daemon_idle}[args.cmd]
    print(json.dumps(fn(args), ensure_ascii=False))


if __name__ == "__main__":
    main()
