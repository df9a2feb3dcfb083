"""The worker process under its limits: size, time, memory, decompressed size; crashes; no leaks."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from index.errors import ExtractionError
from index.extract import ExtractLimits, ExtractorPool, extract_in_process
from index.extract._dispatch import read_file
from tests.fixtures.documents import (
    SENTENCES_397,
    TITLE_397,
    make_docx,
    make_heavy_pdf,
    make_zip_bomb_docx,
)
from tests.fixtures.processes import child_pids, process_exists

HEAVY_OPS = 1_000_000  # ~4 s and ~450 MiB in pdfium on this machine


@pytest.fixture(autouse=True)
def no_leaked_processes() -> Iterator[None]:
    before = set(child_pids())
    yield
    deadline = time.monotonic() + 5
    while set(child_pids()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(child_pids()) - before == set(), "a test left a process running"


@pytest.fixture
def pool() -> Iterator[ExtractorPool]:
    with ExtractorPool(1) as p:
        yield p


@pytest.fixture(scope="module")
def heavy_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_heavy_pdf(tmp_path_factory.mktemp("heavy") / "complex.pdf", HEAVY_OPS)


def reason_of(pool: ExtractorPool, path: Path, limits: ExtractLimits) -> ExtractionError:
    with pytest.raises(ExtractionError) as info:
        pool.extract(path, limits)
    return info.value


def warm_worker(pool: ExtractorPool, tmp_path: Path, limits: ExtractLimits) -> int:
    probe = tmp_path / "probe.txt"
    probe.write_text(TITLE_397, encoding="utf-8")
    assert pool.extract(probe, limits).text == TITLE_397
    (pid,) = pool.worker_pids()
    return pid


# -- size ----------------------------------------------------------------------------------------

def test_sparse_5gb_file_is_refused_without_reading(pool: ExtractorPool, tmp_path: Path) -> None:
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as fh:
        fh.truncate(5 * 1024**3)
    assert huge.stat().st_size == 5 * 1024**3
    start = time.monotonic()
    err = reason_of(pool, huge, ExtractLimits(max_file_mb=300))
    assert err.reason == "too_large"
    assert time.monotonic() - start < 1.0
    assert pool.worker_pids() == []  # decided from stat(): no worker was even started
    # The worker's own check (on the open descriptor) refuses it too, before reading.
    with pytest.raises(ExtractionError) as info:
        read_file(huge, ExtractLimits(max_file_mb=300))
    assert info.value.reason == "too_large"


def test_size_limit_boundary(pool: ExtractorPool, tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_bytes(("公" * (1024 * 1024 // 3 + 1)).encode("utf-8"))  # just over 1 MiB
    assert reason_of(pool, path, ExtractLimits(max_file_mb=1)).reason == "too_large"
    assert pool.extract(path, ExtractLimits(max_file_mb=2)).has_text


def test_missing_file_is_unreadable(pool: ExtractorPool, tmp_path: Path) -> None:
    assert reason_of(pool, tmp_path / "gone.pdf", ExtractLimits()).reason == "unreadable"


def test_fifo_named_txt_does_not_hang(pool: ExtractorPool, tmp_path: Path) -> None:
    # A FIFO blocks any reader forever; it must be refused, not waited on.
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    start = time.monotonic()
    assert reason_of(pool, fifo, ExtractLimits(timeout_s=30)).reason == "unsupported"
    with pytest.raises(ExtractionError) as info:
        read_file(fifo, ExtractLimits())  # the worker's own open(O_NONBLOCK) + fstat check
    assert info.value.reason == "unsupported"
    assert time.monotonic() - start < 2.0


# -- time ----------------------------------------------------------------------------------------

def test_timeout_kills_the_worker_and_the_pool_recovers(
    pool: ExtractorPool, tmp_path: Path, heavy_pdf: Path
) -> None:
    limits = ExtractLimits(timeout_s=1.0, memory_mb=2048)
    pid = warm_worker(pool, tmp_path, limits)
    start = time.monotonic()
    err = reason_of(pool, heavy_pdf, limits)
    elapsed = time.monotonic() - start
    assert err.reason == "timeout", err.detail
    assert 1.0 <= elapsed < 6.0
    assert not process_exists(pid)  # killed and reaped
    assert warm_worker(pool, tmp_path, limits) != pid  # a fresh worker takes the next file


def test_heavy_pdf_is_a_valid_pdf(pool: ExtractorPool, tmp_path: Path) -> None:
    # The heavy file is a valid PDF, only large: a smaller one of the same make reads fine
    # (the full one does too, in about 4-8 s, too slow to repeat here).
    small = make_heavy_pdf(tmp_path / "small.pdf", 20_000)
    got = pool.extract(small, ExtractLimits(timeout_s=30.0))
    assert got.has_text and got.text.replace(" ", "").startswith("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


# -- memory --------------------------------------------------------------------------------------

def test_native_out_of_memory_in_pdfium(pool: ExtractorPool, tmp_path: Path, heavy_pdf: Path) -> None:
    # pdfium aborts when malloc fails under RLIMIT_AS; the peak RSS tells it was memory.
    limits = ExtractLimits(timeout_s=60.0, memory_mb=300)
    pid = warm_worker(pool, tmp_path, limits)
    err = reason_of(pool, heavy_pdf, limits)
    assert err.reason == "out_of_memory", err.detail
    assert "SIGABRT" in err.detail or "SIGSEGV" in err.detail or "MemoryError" in err.detail
    assert not process_exists(pid)
    assert warm_worker(pool, tmp_path, limits) != pid


def test_python_memory_error(pool: ExtractorPool, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    line = ("。".join(SENTENCES_397) + "\n").encode("utf-8")
    with big.open("wb") as fh:
        for _ in range(40 * 1024 * 1024 // len(line)):
            fh.write(line)
    limits = ExtractLimits(timeout_s=60.0, memory_mb=100)
    err = reason_of(pool, big, limits)
    assert err.reason == "out_of_memory", err.detail
    # With room to spare the same file is fine.
    assert pool.extract(big, ExtractLimits(timeout_s=60.0, memory_mb=2048)).encoding == "utf-8"


# -- crashes -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sig", "reason"), [(signal.SIGSEGV, "crashed"), (signal.SIGKILL, "out_of_memory")])
def test_worker_killed_by_a_signal(
    pool: ExtractorPool, tmp_path: Path, heavy_pdf: Path, sig: signal.Signals, reason: str
) -> None:
    """A worker that dies mid-file: a segfault is 'crashed'; a SIGKILL we did not send is
    what the kernel's OOM killer does, so it is 'out_of_memory'. The caller never hangs."""
    limits = ExtractLimits(timeout_s=30.0, memory_mb=2048)
    pid = warm_worker(pool, tmp_path, limits)
    killer = threading.Timer(0.5, os.kill, (pid, sig))
    killer.start()
    try:
        start = time.monotonic()
        err = reason_of(pool, heavy_pdf, limits)
    finally:
        killer.cancel()
    assert err.reason == reason, err.detail
    assert sig.name in err.detail
    assert time.monotonic() - start < 10
    assert warm_worker(pool, tmp_path, limits) != pid


# -- zip bombs -----------------------------------------------------------------------------------

def test_docx_zip_bomb(pool: ExtractorPool, tmp_path: Path) -> None:
    bomb = make_zip_bomb_docx(tmp_path / "bomb.docx", inflated_mb=12)
    assert bomb.stat().st_size < 100 * 1024
    err = reason_of(pool, bomb, ExtractLimits(max_unzipped_mb=10))
    assert err.reason == "zip_bomb"
    assert "declare" in err.detail
    # Under a cap it fits, the document's own text is read.
    assert pool.extract(bomb, ExtractLimits(max_unzipped_mb=20)).text.startswith(SENTENCES_397[0])


def test_ofd_zip_bomb(pool: ExtractorPool, tmp_path: Path) -> None:
    import zipfile

    from tests.fixtures.ofd import make_ofd

    path = make_ofd(tmp_path / "bomb.ofd", [[TITLE_397]])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("Doc_0/Res/font.ttf", "w") as fh:
        for _ in range(12):
            fh.write(b"\0" * (1 << 20))
    assert reason_of(pool, path, ExtractLimits(max_unzipped_mb=10)).reason == "zip_bomb"


# -- the pool --------------------------------------------------------------------------------------

def test_worker_is_reused_then_recycled(tmp_path: Path) -> None:
    limits = ExtractLimits()
    paths = []
    for i in range(5):
        p = tmp_path / f"n{i}.txt"
        p.write_text(f"{TITLE_397}{i}", encoding="utf-8")
        paths.append(p)
    with ExtractorPool(1, max_tasks=3) as pool:
        pids = []
        for p in paths:
            assert pool.extract(p, limits).text == p.read_text(encoding="utf-8")
            pids.append(pool.worker_pids()[0])
    assert pids[0] == pids[1] == pids[2] != pids[3] == pids[4]
    assert not process_exists(pids[0])


def test_two_workers_serve_threads(tmp_path: Path) -> None:
    limits = ExtractLimits()
    docs = [make_docx(tmp_path / f"d{i}.docx", [SENTENCES_397[i]]) for i in range(6)]
    with ExtractorPool(2) as pool, ThreadPoolExecutor(4) as ex:
        texts = list(ex.map(lambda d: pool.extract(d, limits).text, docs))
        assert len(pool.worker_pids()) <= 2
    assert texts == SENTENCES_397[:6]


def test_in_process_extraction_matches_worker(tmp_path: Path) -> None:
    doc = make_docx(tmp_path / "d.docx", SENTENCES_397)
    with ExtractorPool(1) as pool:
        assert pool.extract(doc, ExtractLimits()) == extract_in_process(doc, ExtractLimits())
