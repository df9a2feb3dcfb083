"""Anonymous usage counts, behind one small adapter around ``index.usage.counts.UsageCounter``.

Runs in the library worker thread (``UsageCounter`` asks the library whether a
word is vocabulary, and the library lives in that thread). Only vocabulary words
are ever passed on as words; no other query text leaves the app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from index.usage.counts import UsageCounter

log = logging.getLogger(__name__)

EVENTS = ("session", "search", "search_no_result", "view", "qr", "print")


class Usage:
    def __init__(self, stats_dir: Path, terminal_id: str, is_vocabulary_word: Callable[[str], bool],
                 flush_interval_s: float) -> None:
        self._is_vocabulary_word = is_vocabulary_word
        self._counter: UsageCounter | None = UsageCounter(
            stats_dir, terminal_id, is_vocabulary_word=is_vocabulary_word, flush_interval_s=flush_interval_s
        )

    @property
    def enabled(self) -> bool:
        return self._counter is not None

    def record(self, event: str, *, doc_id: str | None = None, topic: str | None = None,
               word: str | None = None, pages: int = 0) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown usage event {event!r}")
        if word is not None and not self._is_vocabulary_word(word):
            word = None  # never pass on what a visitor typed unless it is a vocabulary word
        if self._counter is not None:
            self._counter.record(event, doc_id=doc_id, topic=topic or None, word=word, pages=pages)

    def flush(self) -> None:
        if self._counter is not None:
            self._counter.flush()

    def close(self) -> None:
        if self._counter is not None:
            self._counter.close()
            self._counter = None
