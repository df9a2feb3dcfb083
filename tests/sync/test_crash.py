"""kill -9 at random points during the daemon's batches, 50 times: the library stays consistent.

Each round forks a real process that runs the daemon's batch path (``DaemonIngest.take``
for new files, then the removals of files gone from the share) and kills it with
SIGKILL after a random delay. The parent then opens the library as the next daemon
would (its writer replays the index journal and drops orphan copies) and checks that
catalogue, copies and index agree and that every document is fully present or absent.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from index.config import Config
from index.library import Library
from index.models import STATE_PUBLIC
from index.sync.ingest import DaemonIngest

PUBLIC = "规范性文件"
ROUNDS = 50
PER_ROUND = 12
SEEDS = 4


def _seed_text(i: int) -> str:
    return f"关于第{i}类档案工作的通知\n\n各有关单位：\n现将第{i}类档案工作有关事项通知如下。\n\n某某区档案局\n2024年5月{i + 1}日\n"


def _batch(share: Path, lib_root: Path, config: Config, round_no: int) -> None:
    """What a daemon does in one round: take the new files, then drop the gone ones."""
    with Library.open(lib_root, config, writable=True) as lib:
        known = lib.catalogue.file_states()
        on_share = {str(p.relative_to(share)) for p in (share / PUBLIC).rglob("*.txt")}
        DaemonIngest(share, lib, config).take(sorted(on_share - known.keys()))
        gone = sorted(known.keys() - on_share)
        if gone:
            with lib.writer() as w:
                for k in gone:
                    w.remove(k)


def _check(lib_root: Path, config: Config) -> int:
    with Library.open(lib_root, config, writable=True) as lib:  # recovery, as the next daemon start
        assert lib.check_index() == [], lib.check_index()
        records = list(lib.catalogue.iter_documents())
        referenced = set()
        for rec in records:
            assert (lib_root / rec.copy_path).is_file(), f"copy missing for {rec.source_path}"
            assert lib.catalogue.get_text(rec.checksum), f"text missing for {rec.source_path}"
            referenced.add(rec.copy_path)
        copies = {str(p.relative_to(lib_root)) for p in (lib_root / "files").glob("*/*") if p.is_file()}
        assert copies == referenced, f"orphan copies: {copies - referenced}"
        assert not list((lib_root / "files").glob("**/.tmp-*")), "temporary copy left behind"
        public = {r.source_path for r in records if r.state == STATE_PUBLIC}
        with lib._lock:
            indexed = {f["source_path"] for f in lib._searcher.documents(unit="doc")}
        assert indexed == public
        return len(records)


@pytest.mark.slow
def test_kill9_during_batches_leaves_library_consistent(share: Path, library_root: Path, config: Config) -> None:
    from index.extract import shutdown

    cfg = config.with_overrides({"review.trusted_folders": [PUBLIC], "sync.batch_size": 5,
                                 "sync.max_removal_fraction": 1.0})
    rng = random.Random(20241127)
    (share / PUBLIC / "seed").mkdir(parents=True)
    for i in range(SEEDS):
        (share / PUBLIC / "seed" / f"种子{i}.txt").write_text(_seed_text(i), encoding="utf-8")
    _batch(share, library_root, cfg, -1)  # extracts the seeds once (in the worker process)
    shutdown()  # no extraction worker to share with forked children: they reuse the stored text
    assert _check(library_root, cfg) == SEEDS

    kills = 0
    full_run_s = 0.0
    for r in range(ROUNDS):
        folder = share / PUBLIC / f"批次{r:02d}"
        folder.mkdir()
        for j in range(PER_ROUND):
            (folder / f"文件{j:02d}.txt").write_text(_seed_text(j % SEEDS), encoding="utf-8")
        old = share / PUBLIC / f"批次{r - 3:02d}"
        if old.is_dir():
            for p in old.iterdir():
                p.unlink()
            old.rmdir()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child: one daemon round, then exit without cleanup
            code = 0
            try:
                _batch(share, library_root, cfg, r)
            except BaseException:
                code = 1
            os._exit(code)
        delay = None if r == 0 else rng.uniform(0.0, full_run_s * 1.1)
        status = None
        while status is None:
            got, st = os.waitpid(pid, os.WNOHANG)
            if got:
                status = st
            elif delay is not None and time.monotonic() - started >= delay:
                os.kill(pid, signal.SIGKILL)
                status = os.waitpid(pid, 0)[1]
                kills += 1
            else:
                time.sleep(0.002)
        if r == 0:
            assert os.waitstatus_to_exitcode(status) == 0, "an uninterrupted round failed"
            full_run_s = time.monotonic() - started
        _check(library_root, cfg)
    assert kills >= ROUNDS // 2, f"only {kills} of {ROUNDS} rounds were interrupted"
    # A last uninterrupted round takes whatever the killed ones left: the share is all there.
    _batch(share, library_root, cfg, ROUNDS)
    expected = SEEDS + PER_ROUND * 3
    assert _check(library_root, cfg) == expected
