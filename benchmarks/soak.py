"""Soak: the sync daemon on a FUSE share for a long run, files arriving, changing and vanishing
at random, a searcher querying all the while, and ``kill -9`` of the daemon every few minutes.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/soak.py --minutes 30
    PYTHONPATH=$PWD .venv/bin/python benchmarks/soak.py --minutes 5 --kill-every 60

Prints, every ``--sample`` seconds: documents expected (on the share, after the stability
delay) / in the catalogue / in the index / searchable (each expected document found by
its own unique word), the daemon's RSS (with its extraction workers) and open file
descriptors, and the searcher's longest query so far. At the end the share stands still
and the run waits for the library to catch up, then prints the final counts, the RSS
and descriptor curves (first/last/max) and the query latency median, p95 and maximum.
Needs bindfs and /dev/fuse (falls back to a plain folder, said in the output).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
FOLDER = "规范性文件"


def word(rng: random.Random) -> str:
    return "".join(rng.choice(CHARS) for _ in range(5))


def doc_text(token: str, n: int) -> str:
    return f"关于{token}事项的通知\n\n各有关单位：\n现将{token}有关事项通知如下，第{n}号。\n" + "请认真贯彻执行。\n" * 20


class Share:
    """The backing folder (written by the mutator) behind a bindfs mount (read by the daemon)."""

    def __init__(self, base: Path) -> None:
        self.backing = base / "backing"
        self.mnt = base / "share"
        self.backing.mkdir()
        (self.backing / ".kiosk-share").write_text("soak-share\n", encoding="utf-8")
        (self.backing / FOLDER).mkdir()
        self.proc: subprocess.Popen[bytes] | None = None
        self.fuse = bool(shutil.which("bindfs")) and os.path.exists("/dev/fuse")
        if self.fuse:
            self.mnt.mkdir()
            self.proc = subprocess.Popen(["bindfs", "-f", "--no-allow-other", str(self.backing), str(self.mnt)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while not os.path.ismount(self.mnt):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.fuse = False
                    break
                time.sleep(0.05)
        if not self.fuse:
            self.mnt = self.backing

    def close(self) -> None:
        if self.proc is not None:
            subprocess.run(["fusermount", "-u", "-z", str(self.mnt)], capture_output=True)
            self.proc.wait(timeout=10)


class Daemon:
    def __init__(self, cfg: Path, share: Path, lib: Path, log: Path) -> None:
        self.cmd = [sys.executable, "-m", "kiosk", "--config", str(cfg), "sync", "--share", str(share), "--library", str(lib)]
        self.env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.log = log.open("ab")
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=self.log, stderr=self.log, start_new_session=True)

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)  # the daemon and its extraction workers, as a crash would
        self.proc.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def rss_fds(self) -> tuple[float, int]:
        """RSS in MiB of the daemon and its children; open descriptors of the daemon."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0, 0
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            pids += [int(c) for c in children]
        except OSError:
            pass
        rss = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
            except OSError:
                continue
        try:
            fds = len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        except OSError:
            fds = 0
        return rss / 1024, fds


class Expected:
    """What the share holds: rel -> (unique word, time written)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.docs: dict[str, tuple[str, float]] = {}

    def settled(self, older_than: float) -> dict[str, str]:
        now = time.monotonic()
        with self.lock:
            return {rel: tok for rel, (tok, at) in self.docs.items() if now - at >= older_than}


def mutate(share: Share, exp: Expected, stop: threading.Event, rng: random.Random, rate: float, n0: int) -> None:
    n = n0
    while not stop.wait(1.0 / rate):
        with exp.lock:
            names = list(exp.docs)
        op = rng.random()
        if op < 0.5 or len(names) < 20:
            n += 1
            rel = f"{FOLDER}/通知{n:05d}.txt"
            tok = word(rng)
        elif op < 0.8:
            rel, tok = rng.choice(names), word(rng)
        else:
            rel = rng.choice(names)
            (share.backing / rel).unlink(missing_ok=True)
            with exp.lock:
                exp.docs.pop(rel, None)
            continue
        tmp = share.backing / FOLDER / f".{n}.part"
        tmp.write_text(doc_text(tok, n), encoding="utf-8")
        os.replace(tmp, share.backing / rel)
        with exp.lock:
            exp.docs[rel] = (tok, time.monotonic())


class Searcher:
    def __init__(self, lib: Path, config: object, exp: Expected, rng: random.Random) -> None:
        self.lib_root, self.config, self.exp, self.rng = lib, config, exp, rng
        self.latencies: list[float] = []
        self.errors = 0
        self.lock = threading.Lock()

    def run(self, stop: threading.Event) -> None:
        from index.errors import KioskError
        from index.library import Library

        lib = None
        while not stop.is_set():
            try:
                if lib is None:
                    lib = Library.open(self.lib_root, self.config)
                with self.exp.lock:
                    toks = [t for t, _ in self.exp.docs.values()]
                q = self.rng.choice(toks) if toks and self.rng.random() < 0.8 else self.rng.choice(["通知", "事项 执行", "第12号", ""])
                t0 = time.perf_counter()
                with self.lock:
                    lib.refresh()
                    lib.search(q, limit=10)
                self.latencies.append(time.perf_counter() - t0)
            except (KioskError, OSError, sqlite3.Error):
                self.errors += 1
                if lib is not None:
                    lib.close()
                lib = None
                stop.wait(0.5)
            stop.wait(0.05)
        if lib is not None:
            lib.close()

    def searchable(self, expected: dict[str, str]) -> int:
        from index.library import Library

        found = 0
        try:
            with Library.open(self.lib_root, self.config) as lib:
                for rel, tok in expected.items():
                    res = lib.search(tok, limit=5, with_facets=False)
                    found += any(h.source_path == rel for h in res.hits)
        except Exception:
            return -1
        return found


def counts(lib: Path) -> tuple[int, int]:
    """(public documents in the catalogue, documents in the index), read as a reader would."""
    from whoosh import index as wi

    try:
        conn = sqlite3.connect(f"file:{lib / 'catalogue.sqlite'}?mode=ro", uri=True, timeout=5)
        cat = conn.execute("SELECT COUNT(*) FROM documents WHERE state = 'public'").fetchone()[0]
        conn.close()
        ix = wi.open_dir(str(lib / "index"), indexname="main")
        with ix.searcher() as s:
            idx = sum(1 for _ in s.documents(unit="doc"))
    except Exception:
        return -1, -1
    return cat, idx


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--kill-every", type=float, default=180.0, help="seconds between kill -9 of the daemon")
    ap.add_argument("--rate", type=float, default=2.0, help="share changes per second")
    ap.add_argument("--initial", type=int, default=100, help="documents on the share at the start")
    ap.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()

    from index.config import load_config

    rng = random.Random(args.seed)
    base = Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    share = Share(base)
    lib = base / "library"
    cfg = base / "kiosk.toml"
    cfg.write_text('[review]\nrequired = false\n[sync]\nstability_delay_s = 1.0\npoll_interval_s = 2.0\n'
                   'rescan_interval_s = 60.0\nmin_free_mb = 0\n', encoding="utf-8")
    config = load_config(cfg)
    exp = Expected()
    for i in range(args.initial):
        tok = word(rng)
        rel = f"{FOLDER}/通知{i:05d}.txt"
        (share.backing / rel).write_text(doc_text(tok, i), encoding="utf-8")
        exp.docs[rel] = (tok, time.monotonic() - 60)
    print(f"soak: {args.minutes} min, kill -9 every {args.kill_every:.0f} s, {args.rate}/s changes, "
          f"share on {'FUSE bindfs' if share.fuse else 'a plain folder (no FUSE here)'}; work folder {base}")
    daemon = Daemon(cfg, share.mnt, lib, base / "daemon.log")
    daemon.start()
    while not (lib / "index").exists():  # first pass
        time.sleep(0.5)
    stop = threading.Event()
    searcher = Searcher(lib, config, exp, rng)
    threads = [threading.Thread(target=mutate, args=(share, exp, stop, random.Random(args.seed + 1), args.rate, args.initial)),
               threading.Thread(target=searcher.run, args=(stop,))]
    for t in threads:
        t.start()
    samples: list[tuple[float, int, int, int, int, float, int, float]] = []
    t_start = time.monotonic()
    end = t_start + args.minutes * 60
    next_kill = t_start + args.kill_every
    next_sample = t_start + args.sample
    print(f"{'t':>6} {'expected':>8} {'catalog':>8} {'index':>6} {'search':>6} {'RSS MiB':>8} {'fds':>4} {'max q ms':>8} kills")
    try:
        while time.monotonic() < end:
            time.sleep(0.5)
            now = time.monotonic()
            if now >= next_kill:
                daemon.kill9()
                daemon.start()
                next_kill = now + args.kill_every
            if now >= next_sample:
                next_sample = now + args.sample
                expected = exp.settled(older_than=10.0)  # what the daemon may be asked to have by now
                cat, idx = counts(lib)
                found = searcher.searchable(expected)
                rss, fds = daemon.rss_fds()
                worst = max(searcher.latencies, default=0.0) * 1000
                samples.append((now - t_start, len(expected), cat, idx, found, rss, fds, worst))
                print(f"{now - t_start:6.0f} {len(expected):8d} {cat:8d} {idx:6d} {found:6d} {rss:8.1f} {fds:4d} "
                      f"{worst:8.0f} {daemon.kills}", flush=True)
    finally:
        stop.set()
        for t in threads:
            t.join()
    # The share stands still: wait for the library to catch up.
    final = exp.settled(0.0)
    t0 = time.monotonic()
    cat = idx = found = -1
    while time.monotonic() - t0 < 180:
        cat, idx = counts(lib)
        if cat == idx == len(final):
            found = searcher.searchable(final)
            if found == len(final):
                break
        time.sleep(2)
    caught_up = time.monotonic() - t0
    rss, fds = daemon.rss_fds()
    daemon.stop()
    share.close()
    lat = sorted(searcher.latencies)
    print(f"\nfinal: expected {len(final)}, catalogue {cat}, index {idx}, searchable {found} "
          f"({caught_up:.0f} s after the share stood still); {daemon.kills} kill -9")
    if samples:
        rs = [s[5] for s in samples if s[5] > 0]
        fs = [s[6] for s in samples if s[6] > 0]
        print(f"daemon RSS MiB: first {rs[0]:.1f}, last {rs[-1]:.1f}, max {max(rs):.1f}; "
              f"open fds: first {fs[0]}, last {fs[-1]}, max {max(fs)}")
    if lat:
        print(f"queries: {len(lat)}, median {statistics.median(lat) * 1000:.1f} ms, "
              f"p95 {lat[int(len(lat) * 0.95)] * 1000:.1f} ms, max {lat[-1] * 1000:.0f} ms; "
              f"searcher errors {searcher.errors}")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
