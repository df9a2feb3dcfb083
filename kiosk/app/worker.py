"""Work off the UI thread, with stale answers dropped.

A ``Worker`` is one background thread that runs jobs in order. Jobs are sent on a
*channel* ("search", "candidates", "page", ...); each new job on a channel makes
the older ones stale: a stale job still queued is skipped, and a stale answer that
arrives late is dropped instead of being shown. Answers come back to the UI
through ``deliver`` (in the app: ``Clock.schedule_once``), so callbacks run on the
UI thread.

The library is opened *in* the worker thread and only ever used there (SQLite
connections belong to their thread), so the UI thread never waits on it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# How long a touch waits on the UI thread for an answer that is nearly there (a cached search,
# a handwriting reading of ~10 ms: Zinnia and the stroke templates), so that it is drawn in the
# touch's own frame: with software GL a frame that redraws costs 35-45 ms here, 80-100 ms with
# multisampling (``submit(wait_s=)``).
SAME_FRAME_WAIT_S = 0.03


@dataclass
class _Job:
    channel: str | None
    generation: int
    fn: Callable[[Any], Any]
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    answered: threading.Event | None = None  # set when the answer is in (submit with wait_s)
    answer: tuple[Any, BaseException | None] | None = None
    delivered: bool = False  # given to the UI already, by the waiting submit


class Worker:
    def __init__(
        self,
        name: str,
        deliver: Callable[[Callable[[], None]], None],
        *,
        setup: Callable[[], Any] | None = None,
        teardown: Callable[[Any], None] | None = None,
    ) -> None:
        self.name = name
        self._deliver = deliver
        self._setup = setup
        self._teardown = teardown
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"kiosk-{name}", daemon=True)
        self.resource: Any = None
        self.ready = threading.Event()
        self.setup_error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def current(self, channel: str) -> int:
        with self._lock:
            return self._generations.get(channel, 0)

    def invalidate(self, channel: str) -> None:
        """Make every queued or running job on ``channel`` stale (e.g. when the session is reset)."""
        with self._lock:
            self._generations[channel] = self._generations.get(channel, 0) + 1

    def submit(
        self,
        fn: Callable[[Any], Any],
        on_done: Callable[[Any], None] | None = None,
        *,
        channel: str | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        wait_s: float = 0.0,
    ) -> int:
        """Run ``fn(resource)`` on the worker thread; ``on_done(result)`` on the UI thread if still current.

        ``wait_s``: called on the UI thread, wait that long for the answer and deliver it at once
        when it came in time, so that it is drawn in the frame of the touch that asked (a frame
        that redraws costs 35-45 ms with software GL); a later answer is delivered as usual."""
        generation = 0
        if channel is not None:
            with self._lock:
                generation = self._generations.get(channel, 0) + 1
                self._generations[channel] = generation
        job = _Job(channel, generation, fn, on_done, on_error, threading.Event() if wait_s > 0 else None)
        self._queue.put(job)
        if job.answered is not None and job.answered.wait(wait_s) and job.answer is not None:
            self._hand_over(job, *job.answer)
        return generation

    def _stale(self, job: _Job) -> bool:
        return job.channel is not None and self.current(job.channel) != job.generation

    def _run(self) -> None:
        try:
            self.resource = self._setup() if self._setup else None
        except BaseException as exc:
            log.exception("worker %s: setup failed", self.name)
            self.setup_error = exc
        self.ready.set()
        while True:
            job = self._queue.get()
            if job is None:
                break
            if self._stale(job):
                continue
            try:
                result = job.fn(self.resource)
            except Exception as exc:
                log.warning("worker %s: job on %s failed: %s", self.name, job.channel, exc, exc_info=True)
                self._finish(job, None, exc)
                continue
            self._finish(job, result, None)
        if self._teardown and self.resource is not None:
            try:
                self._teardown(self.resource)
            except Exception:
                log.exception("worker %s: teardown failed", self.name)

    def _finish(self, job: _Job, result: Any, error: BaseException | None) -> None:
        if job.answered is not None:
            job.answer = (result, error)
            job.answered.set()
        self._deliver(lambda: self._hand_over(job, result, error))

    def _hand_over(self, job: _Job, result: Any, error: BaseException | None) -> None:
        """On the UI thread: the answer to its callback, once, unless a newer question made it stale."""
        if job.delivered or self._stale(job):
            return  # given already, or a newer question was asked meanwhile: drop this answer
        job.delivered = True
        if error is not None:
            if job.on_error:
                job.on_error(error)
        elif job.on_done:
            job.on_done(result)

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout)
