"""Worker processes that extract files under a time and memory limit.

Design: each worker is a fresh interpreter (``python -m index.extract.worker``)
started with ``subprocess`` in its own session (process group), talking JSON
lines over pipes. It is reused for many files, so the per-file cost is a pipe
round trip, not an interpreter start; it is killed (the whole group, so a
LibreOffice child goes too) when a file overruns its time, and replaced after a
crash, an out-of-memory, a timeout, or ``max_tasks`` files. Chosen over
``multiprocessing``: no pickling or fork of the caller's threads and open
Whoosh/SQLite handles, no resource tracker, and a dead worker is just EOF on a
pipe plus an exit status, which the caller reads without ever blocking past the
deadline.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from index.errors import ExtractionError
from index.extract._dispatch import check_path
from index.extract._limits import ExtractLimits
from index.models import Extracted

log = logging.getLogger(__name__)

_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
_STARTUP_TIMEOUT_S = 60.0
_EXIT_GRACE_S = 5.0
_PAGE_GRACE_S = 10.0  # beyond extract.ocr_timeout_s for an OCR page: its rendering and the answer
_READ_CHUNK = 1 << 20
_PIPE_SIZE = 1 << 20
_MEMORY_MARKERS = ("MemoryError", "bad_alloc", "out of memory", "Out of memory", "Cannot allocate memory")
# Failures after which a worker is not trusted with another file.
_REPLACE_AFTER = frozenset({"timeout", "crashed", "out_of_memory"})


class _Worker:
    """One worker process and its pipes."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.tasks = 0
        self._buffer = bytearray()
        self._next_id = 0
        self._killed_by_us = False
        self._stderr: IO[bytes] = tempfile.TemporaryFile(prefix="kiosk-extract-")  # noqa: SIM115 (lives as long as the worker)
        env = dict(os.environ)
        env["MALLOC_ARENA_MAX"] = "2"  # fewer 64 MiB malloc arenas counted against RLIMIT_AS
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PROJECT_ROOT, env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "index.extract.worker", "--memory-mb", str(memory_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                start_new_session=True,
                close_fds=True,
                env=env,
                cwd="/",
            )
        except OSError as exc:
            self._stderr.close()
            raise ExtractionError("crashed", f"cannot start the extraction worker: {exc}") from exc
        self.pid = self.proc.pid
        if self.proc.stdout is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
            with contextlib.suppress(OSError):  # fewer wake-ups for big answers
                fcntl.fcntl(self.proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        try:
            hello = self._read_line(time.monotonic() + _STARTUP_TIMEOUT_S)
        except ExtractionError as exc:
            self.kill()
            raise ExtractionError(
                "crashed", f"extraction worker did not start ({exc.reason}): {exc.detail}"
            ) from exc
        if not hello.get("ready"):
            self.kill()
            raise ExtractionError("crashed", f"extraction worker sent {hello!r} instead of ready")
        log.debug("extraction worker %d started (memory limit %d MiB)", self.pid, memory_mb)

    # -- process control -------------------------------------------------------------------
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Kill the worker's whole process group and reap it. Safe to call twice."""
        if self.proc.poll() is None:
            self._killed_by_us = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        try:
            self.proc.wait(timeout=_EXIT_GRACE_S)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
            log.error("extraction worker %d did not die after SIGKILL", self.pid)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._stderr.close()

    def close(self) -> None:
        """Ask the worker to leave (EOF on stdin); kill it if it does not."""
        if self.proc.poll() is None and self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=_EXIT_GRACE_S)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    # -- protocol --------------------------------------------------------------------------------
    def _stderr_tail(self, start: int) -> str:
        try:
            self._stderr.seek(max(start, 0))
            data = self._stderr.read()
            self._stderr.seek(0, os.SEEK_END)
        except (OSError, ValueError):
            return ""
        return data[-4000:].decode("utf-8", "replace")

    def _reap(self) -> tuple[int | None, int]:
        """Wait for the exited worker; return (exit code, peak RSS in KiB) from wait4().

        The dead leader is left unreaped (WNOWAIT) while the rest of its process group
        (a LibreOffice child, say) is killed, so its group id cannot have been reused.
        """
        deadline = time.monotonic() + _EXIT_GRACE_S
        while True:
            try:
                exited = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:  # already reaped by Popen
                return self.proc.returncode, 0
            if exited is not None:
                break
            if time.monotonic() > deadline:
                self.kill()  # closed its output but did not exit
                return self.proc.returncode, 0
            time.sleep(0.01)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        try:
            _, status, usage = os.wait4(self.pid, 0)
        except ChildProcessError:
            return self.proc.returncode, 0
        code = os.waitstatus_to_exitcode(status)
        self.proc.returncode = code
        return code, usage.ru_maxrss

    def _died(self, since: int) -> ExtractionError:
        """Turn the worker's death into a rejection reason: out_of_memory or crashed.

        Out of memory shows in one of three ways: a MemoryError (or C++ bad_alloc)
        on stderr; a native library aborting or faulting when malloc fails under
        RLIMIT_AS, with the peak RSS (from wait4) close to the limit; or SIGKILL
        from the kernel's OOM killer (this pool sends SIGKILL only on timeout).
        """
        code, peak_kib = self._reap()
        tail = self._stderr_tail(since)
        last = tail.strip().splitlines()[-1] if tail.strip() else ""
        if code is not None and code < 0:
            sig = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            how = f"worker died with {sig}"
        else:
            how = f"worker exited with status {code}"
        peak_mb = peak_kib // 1024
        how += f" (peak memory {peak_mb} MiB of {self.memory_mb} MiB)"
        detail = f"{how}; {last}" if last else how
        by_signal = code is not None and code < 0
        memory = (
            any(m in tail for m in _MEMORY_MARKERS)
            or (by_signal and peak_mb >= self.memory_mb * 0.75)
            or (code == -signal.SIGKILL and not self._killed_by_us)
        )
        return ExtractionError("out_of_memory" if memory else "crashed", detail)

    def _read_line(self, deadline: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        buffer = self._buffer
        end = buffer.find(b"\n")
        while end < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ExtractionError("timeout", "no answer in time")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, _READ_CHUNK)
            if not chunk:
                raise ExtractionError("crashed", "worker closed its output")
            newline = chunk.find(b"\n")  # scan only the new bytes: answers can be 100+ MB
            if newline >= 0:
                end = len(buffer) + newline
            buffer += chunk
        line = bytes(buffer[:end])
        del buffer[: end + 1]
        try:
            reply: dict[str, Any] = json.loads(line)
        except ValueError as exc:
            raise ExtractionError("crashed", f"worker sent an unreadable answer: {exc}") from exc
        return reply

    def extract(self, path: Path, limits: ExtractLimits) -> Extracted:
        """Send one file; return its text or raise ExtractionError. Never waits past the deadline."""
        self._next_id += 1
        self.tasks += 1
        rid = self._next_id
        since = self._stderr.seek(0, os.SEEK_END)
        # File names from a share may not be valid UTF-8 (GBK names): send the raw bytes.
        raw_path = base64.b64encode(os.fsencode(path)).decode("ascii")
        request = {"id": rid, "path_b64": raw_path, "limits": limits.to_dict()}
        start = time.monotonic()
        deadline = start + limits.timeout_s
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(request).encode("ascii") + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._died(since) from None
        try:
            reply = self._read_line(deadline)
            while "progress" in reply and reply.get("id") == rid:  # an OCR page starts: its own budget
                deadline = max(deadline, time.monotonic() + limits.ocr_timeout_s + _PAGE_GRACE_S)
                reply = self._read_line(deadline)
        except ExtractionError as exc:
            if exc.reason == "timeout":
                self.kill()
                raise ExtractionError(
                    "timeout", f"extraction took longer than {limits.timeout_s:g} s; worker killed"
                ) from None
            raise self._died(since) from None
        if reply.get("id") != rid:
            self.kill()
            raise ExtractionError("crashed", f"worker answered request {reply.get('id')} for {rid}")
        log.debug("worker %d: %r in %.3f s", self.pid, path.name, time.monotonic() - start)
        if reply.get("ok"):
            return Extracted(**reply["extracted"])
        raise ExtractionError(str(reply.get("reason", "crashed")), str(reply.get("detail", "")))


class ExtractorPool:
    """Up to ``workers`` extraction worker processes, reused across files; thread-safe.

    ``extract(path, limits)`` refuses from ``stat()`` alone what it can (unsupported
    suffix, not a regular file, empty, too large), then hands the file to an idle
    worker. A worker that timed out, crashed, ran out of memory, or served
    ``max_tasks`` files is replaced by a fresh one on the next request.
    """

    def __init__(self, workers: int = 1, *, max_tasks: int = 500) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.size = workers
        self.max_tasks = max_tasks
        self._idle: list[_Worker] = []
        self._busy = 0
        self._closed = False
        self._cond = threading.Condition()

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def worker_pids(self) -> list[int]:
        """Process ids of the idle workers (for tests and diagnostics)."""
        with self._cond:
            return [w.pid for w in self._idle]

    def _checkout(self, memory_mb: int) -> _Worker:
        worker: _Worker | None
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("ExtractorPool is closed")
                if self._idle:
                    worker = self._idle.pop()
                    self._busy += 1
                    break
                if self._busy < self.size:
                    worker = None
                    self._busy += 1
                    break
                self._cond.wait()
        if worker is not None and (
            worker.memory_mb != memory_mb or not worker.alive() or worker.tasks >= self.max_tasks
        ):
            worker.close()
            worker = None
        if worker is None:
            try:
                worker = _Worker(memory_mb)
            except ExtractionError as exc:
                log.error("cannot start an extraction worker: %s", exc.detail)
                self._checkin(None)
                raise
            except BaseException:
                self._checkin(None)
                raise
        return worker

    def _checkin(self, worker: _Worker | None) -> None:
        with self._cond:
            self._busy -= 1
            if worker is not None:
                if self._closed:
                    worker.close()
                else:
                    self._idle.append(worker)
            self._cond.notify()

    def extract(self, path: Path | str, limits: ExtractLimits) -> Extracted:
        path = Path(path).absolute()  # the worker runs in "/"
        check_path(path, limits)
        worker = self._checkout(limits.memory_mb)
        keep: _Worker | None = worker
        try:
            return worker.extract(path, limits)
        except ExtractionError as exc:
            if exc.reason in _REPLACE_AFTER or not worker.alive():
                worker.kill()
                keep = None
            log.info("rejected %r: %s (%s)", path.name, exc.reason, exc.detail)
            raise
        except BaseException:
            worker.kill()
            keep = None
            raise
        finally:
            self._checkin(keep)

    def close(self) -> None:
        """Stop every idle worker; busy ones are stopped when their file is done."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for worker in idle:
            worker.close()


_default: ExtractorPool | None = None
_default_lock = threading.Lock()


def default_pool() -> ExtractorPool:
    """The process-wide pool behind ``extract_file``, stopped at exit.

    Up to two workers (one per core on a two-core terminal); the second is started
    only when two threads extract at once, so a sequential caller has one process.
    """
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            import atexit

            _default = ExtractorPool(max(1, min(2, os.cpu_count() or 1)))
            atexit.register(_default.close)
        return _default


def shutdown() -> None:
    """Stop the default pool's worker (tests, and the sync daemon on exit)."""
    global _default
    with _default_lock:
        pool, _default = _default, None
    if pool is not None:
        pool.close()


def extract_file(path: Path, limits: ExtractLimits) -> Extracted:
    """Extract one file in a worker process under ``limits``; raises ExtractionError(reason)."""
    return default_pool().extract(path, limits)
