"""Anonymous usage counts: how much the terminals are used, never by whom.

The app calls :class:`UsageCounter` ``.record(event, ...)`` for six events:
``session`` (a visitor started using the screen), ``search``, ``search_no_result``,
``view`` (a document opened), ``qr`` (a QR code shown) and ``print`` (pages printed).

What is stored, and what is not
-------------------------------
* Counts only, bucketed per terminal and per **local calendar day**, with event
  counts per **hour of the day** inside. There is no timestamp finer than the hour
  (files even get their modification time set to the start of the hour), no
  session id, no order of events: nothing lets one visitor's path be rebuilt.
* Per-document counts (views, QR codes, prints, pages) are per day, not per hour.
* A searched word is kept only when it is a word of the library's own vocabulary
  (``is_vocabulary_word``); anything else a visitor typed is counted as a search
  and forgotten. Without a vocabulary checker no word is kept at all.
  Searches without results are grouped by vocabulary words the same way.
* ``topic`` is a 主题分类 value the visitor *tapped* (a facet of the catalogue),
  never typed text.

On disk
-------
``STATS/<terminal-id>/<YYYY-MM-DD>.json``, one file per (terminal, day), each with a
``revision`` that grows with every write. Files are replaced atomically (temporary
file, fsync, rename, fsync of the folder) at least every ``stats.flush_interval_s``
seconds while there is something new, so a power cut loses at most that much.

Merging without double counting
-------------------------------
A file is a *snapshot* of the whole day's counts of one terminal, never a delta.
Copies of it (exported to the share twice, copied into a backup folder, ...) are
therefore alternatives, not addenda: :func:`read_counts` keeps, for each
(terminal id, day) found *inside* the files, the copy with the highest revision,
and sums only across different terminals and days.

:func:`export_counts` copies a terminal's files to
``SHARE/.kiosk-status/counts/<terminal-id>/`` (temporary file + rename); the sync
daemon calls it when it writes its status file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from index.atomic import atomic_write
from index.errors import ConfigError

log = logging.getLogger(__name__)

SCHEMA = 1
FILE_KIND = "kiosk-usage-counts"
EVENTS = ("session", "search", "search_no_result", "view", "qr", "print")
DOC_EVENTS = ("view", "qr", "print")  # events about one document: doc_id required
WORD_EVENTS = ("search", "search_no_result")
PAGES_KEY = "pages"  # pages printed, counted per hour beside the events
HOUR_KEYS = (*EVENTS, PAGES_KEY)
COUNTS_SUBDIR = "counts"  # SHARE/.kiosk-status/counts/<terminal-id>/

_TERMINAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_MAX_LABEL = 200  # longest doc id / word / topic kept


def check_terminal_id(terminal_id: str) -> str:
    """A terminal id names folders: letters, digits, ``.``, ``_``, ``-``; at most 64 characters."""
    if not isinstance(terminal_id, str) or not _TERMINAL_ID.match(terminal_id):
        raise ConfigError(
            f"terminal id {terminal_id!r} cannot name a folder: use letters, digits, '.', '_' or '-' "
            "(e.g. terminal-01) in terminal.id",
            key="terminal.id",
        )
    return terminal_id


class CorruptCounts(ValueError):
    """A count file that cannot be read or does not follow the schema."""


def _bump(counter: dict[str, int], key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n


@dataclass
class DayCounts:
    """All counts of one terminal for one local calendar day: a snapshot, never a delta."""

    terminal_id: str
    day: date
    revision: int = 0
    # "HH" -> event (or "pages") -> count
    hours: dict[str, dict[str, int]] = field(default_factory=dict)
    # "view" / "qr" / "print" / "pages" -> doc_id -> count
    docs: dict[str, dict[str, int]] = field(default_factory=dict)
    # "search" / "search_no_result" -> vocabulary word -> count
    words: dict[str, dict[str, int]] = field(default_factory=dict)
    # event -> 主题分类 value -> count
    topics: dict[str, dict[str, int]] = field(default_factory=dict)

    # -- totals
    def total(self, key: str) -> int:
        """Total of an event (or ``"pages"``) over the day."""
        return sum(h.get(key, 0) for h in self.hours.values())

    def by_hour(self, key: str) -> dict[int, int]:
        return {int(hh): c[key] for hh, c in self.hours.items() if c.get(key)}

    # -- (de)serialisation
    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "kind": FILE_KIND,
            "terminal_id": self.terminal_id,
            "day": self.day.isoformat(),
            "revision": self.revision,
            "hours": {hh: dict(sorted(c.items())) for hh, c in sorted(self.hours.items())},
            "docs": {k: dict(sorted(v.items())) for k, v in sorted(self.docs.items())},
            "words": {k: dict(sorted(v.items())) for k, v in sorted(self.words.items())},
            "topics": {k: dict(sorted(v.items())) for k, v in sorted(self.topics.items())},
        }

    def dumps(self) -> bytes:
        return (json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: Any) -> DayCounts:
        """Validate strictly: a half-understood file must not be summed."""
        if not isinstance(data, dict):
            raise CorruptCounts("not a JSON object")
        if data.get("kind") != FILE_KIND or data.get("schema") != SCHEMA:
            raise CorruptCounts(f"not a schema-{SCHEMA} usage count file")
        terminal_id = data.get("terminal_id")
        if not isinstance(terminal_id, str) or not _TERMINAL_ID.match(terminal_id):
            raise CorruptCounts(f"bad terminal_id {terminal_id!r}")
        try:
            day = date.fromisoformat(data.get("day"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise CorruptCounts(f"bad day {data.get('day')!r}") from None
        revision: Any = data.get("revision")  # checked just below
        if not _is_count(revision):
            raise CorruptCounts(f"bad revision {revision!r}")
        hours = _nested_counts(data.get("hours"), "hours", allowed=set(HOUR_KEYS))
        for hh in hours:
            if not (len(hh) == 2 and hh.isdigit() and 0 <= int(hh) <= 23):
                raise CorruptCounts(f"bad hour {hh!r}")
        docs = _nested_counts(data.get("docs"), "docs", outer={*DOC_EVENTS, PAGES_KEY})
        words = _nested_counts(data.get("words"), "words", outer=set(WORD_EVENTS))
        topics = _nested_counts(data.get("topics"), "topics", outer=set(EVENTS))
        return cls(terminal_id, day, revision, hours, docs, words, topics)

    @classmethod
    def load(cls, path: Path) -> DayCounts:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CorruptCounts(f"cannot read: {exc.strerror or exc}") from exc
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CorruptCounts(f"not valid JSON ({exc})") from exc
        return cls.from_json(data)


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _nested_counts(
    node: Any, name: str, *, allowed: set[str] | None = None, outer: set[str] | None = None
) -> dict[str, dict[str, int]]:
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise CorruptCounts(f"'{name}' is not an object")
    result: dict[str, dict[str, int]] = {}
    for key, inner in node.items():
        if outer is not None and key not in outer:
            raise CorruptCounts(f"unknown key {key!r} in '{name}'")
        if not isinstance(inner, dict):
            raise CorruptCounts(f"'{name}.{key}' is not an object")
        for k, v in inner.items():
            if allowed is not None and k not in allowed:
                raise CorruptCounts(f"unknown event {k!r} in '{name}'")
            if not _is_count(v):
                raise CorruptCounts(f"bad count {v!r} in '{name}.{key}'")
        result[key] = dict(inner)
    return result


# ----------------------------------------------------------------------------- files


def terminal_dir(stats_dir: Path, terminal_id: str) -> Path:
    return Path(stats_dir) / check_terminal_id(terminal_id)


def day_file(stats_dir: Path, terminal_id: str, day: date) -> Path:
    return terminal_dir(stats_dir, terminal_id) / f"{day.isoformat()}.json"


# ----------------------------------------------------------------------------- counting


class UsageCounter:
    """Counts the app's events for one terminal; thread-safe; never raises on I/O.

    ``now`` is the clock (seconds since the epoch); ``tz`` the time zone that decides
    the day and hour of an event (``None``: the machine's local time zone).
    Counts are written when :meth:`record` finds the last write older than
    ``flush_interval_s`` (by ``now``), by a background thread that looks every second
    (of real time) whether the last write is that old by ``now`` while there are
    unwritten counts (``background_flush``), on :meth:`flush` and on :meth:`close`.
    ``flushed`` is set after every write, for whoever must wait for one.
    """

    def __init__(
        self,
        stats_dir: Path,
        terminal_id: str,
        *,
        is_vocabulary_word: Callable[[str], bool] | None = None,
        now: Callable[[], float] = time.time,
        flush_interval_s: float = 60.0,
        tz: tzinfo | None = None,
        background_flush: bool = True,
    ) -> None:
        if flush_interval_s <= 0:
            raise ValueError("flush_interval_s must be > 0")
        self.stats_dir = Path(stats_dir)
        self.terminal_id = check_terminal_id(terminal_id)
        self.is_vocabulary_word = is_vocabulary_word
        self.flush_interval_s = float(flush_interval_s)
        self._now = now
        self._tz = tz
        self._lock = threading.RLock()
        self._days: dict[date, DayCounts] = {}
        self._dirty: set[date] = set()
        self._last_flush = now()
        self._closed = False
        self._stop = threading.Event()
        self.flushed = threading.Event()
        self._thread: threading.Thread | None = None
        if background_flush:
            self._thread = threading.Thread(target=self._flush_loop, name="index.usage.counts-flush", daemon=True)
            self._thread.start()

    # -- context manager
    def __enter__(self) -> UsageCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- recording
    def record(
        self,
        event: str,
        *,
        doc_id: str | None = None,
        topic: str | None = None,
        word: str | None = None,
        pages: int = 0,
    ) -> None:
        """Count one event. Raises ``ValueError`` only for a programming error (unknown event,
        missing ``doc_id``, negative pages); never for a full or read-only disk."""
        if event not in EVENTS:
            raise ValueError(f"unknown usage event {event!r}; expected one of {', '.join(EVENTS)}")
        if event in DOC_EVENTS and not doc_id:
            raise ValueError(f"usage event {event!r} needs a doc_id")
        if isinstance(pages, bool) or not isinstance(pages, int) or pages < 0:
            raise ValueError(f"pages must be an int >= 0, got {pages!r}")
        kept_word = self._vocabulary_word(word) if event in WORD_EVENTS else None
        ts = self._now()
        moment = datetime.fromtimestamp(ts, self._tz)
        day, hour = moment.date(), f"{moment.hour:02d}"
        with self._lock:
            if self._closed:
                log.warning("usage event after close() ignored")
                return
            counts = self._day(day)
            hour_counts = counts.hours.setdefault(hour, {})
            _bump(hour_counts, event)
            if event in DOC_EVENTS and doc_id:
                doc_key = doc_id.split("#", 1)[0][:_MAX_LABEL]  # a gazette item "<doc id>#<page>" counts for its issue
                _bump(counts.docs.setdefault(event, {}), doc_key)
                if event == "print" and pages:
                    _bump(counts.docs.setdefault(PAGES_KEY, {}), doc_key, pages)
            if event == "print" and pages:
                _bump(hour_counts, PAGES_KEY, pages)
            if kept_word:
                _bump(counts.words.setdefault(event, {}), kept_word)
            if topic and topic.strip():
                _bump(counts.topics.setdefault(event, {}), topic.strip()[:_MAX_LABEL])
            self._dirty.add(day)
            due = ts - self._last_flush >= self.flush_interval_s
        if due:
            self.flush()

    def _vocabulary_word(self, word: str | None) -> str | None:
        """The word when the library knows it, else None: free text is never kept."""
        if not word or self.is_vocabulary_word is None:
            return None
        word = word.strip()
        if not word or len(word) > _MAX_LABEL:
            return None
        try:
            return word if self.is_vocabulary_word(word) else None
        except Exception:  # a broken checker must not make us store free text or crash the app
            log.exception("vocabulary check failed; word not counted")
            return None

    def _day(self, day: date) -> DayCounts:
        counts = self._days.get(day)
        if counts is None:
            counts = self._load_existing(day)
            self._days[day] = counts
        return counts

    def _load_existing(self, day: date) -> DayCounts:
        """Continue the day's file after a restart (same counts, next revision)."""
        path = day_file(self.stats_dir, self.terminal_id, day)
        if not path.exists():
            return DayCounts(self.terminal_id, day)
        try:
            counts = DayCounts.load(path)
            if counts.terminal_id != self.terminal_id or counts.day != day:
                raise CorruptCounts(f"holds {counts.terminal_id} {counts.day}, expected {self.terminal_id} {day}")
            return counts
        except CorruptCounts as exc:
            aside = path.with_name(f"{path.name}.corrupt")
            log.warning("usage count file %s is unreadable (%s); kept as %s, counting anew", path, exc, aside.name)
            with contextlib.suppress(OSError):
                os.replace(path, aside)
            return DayCounts(self.terminal_id, day)

    # -- writing
    def flush(self) -> bool:
        """Write every day with new counts. Returns False (and keeps the counts) when the disk refuses."""
        with self._lock:
            ok = True
            for day in sorted(self._dirty):
                counts = self._days[day]
                counts.revision += 1
                path = day_file(self.stats_dir, self.terminal_id, day)
                try:
                    atomic_write(path, counts.dumps(), mtime=self._hour_floor(), sync_folder=True)
                except OSError as exc:
                    counts.revision -= 1
                    ok = False
                    log.warning("cannot write usage counts to %s: %s (will retry)", path, exc)
                    continue
                self._dirty.discard(day)
            self._last_flush = self._now()
            if ok:
                self.flushed.set()
            # Keep only days still being counted or not yet written.
            today = datetime.fromtimestamp(self._last_flush, self._tz).date()
            for day in list(self._days):
                if day != today and day not in self._dirty:
                    del self._days[day]
            return ok

    def _hour_floor(self) -> float:
        """Start of the current hour: file times must not tell when a visitor was here."""
        moment = datetime.fromtimestamp(self._now(), self._tz)
        return moment.replace(minute=0, second=0, microsecond=0).timestamp()

    def _flush_loop(self) -> None:
        while not self._stop.wait(min(self.flush_interval_s, 1.0)):
            with self._lock:
                due = (bool(self._dirty) and not self._closed
                       and self._now() - self._last_flush >= self.flush_interval_s)
            if due:
                self.flush()

    def close(self) -> None:
        """Write what is left and stop the background thread. Safe to call twice."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        with self._lock:
            if self._closed:
                return
            self.flush()
            self._closed = True


# ----------------------------------------------------------------------------- reading & merging


@dataclass
class CountSet:
    """Day snapshots merged from any number of folders: one per (terminal id, day)."""

    days: dict[tuple[str, date], DayCounts] = field(default_factory=dict)
    problems: list[tuple[Path, str]] = field(default_factory=list)  # (file, what is wrong)
    files_read: int = 0
    copies_ignored: int = 0  # older or identical copies of a (terminal, day) already counted

    def add(self, counts: DayCounts) -> None:
        key = (counts.terminal_id, counts.day)
        current = self.days.get(key)
        if current is None:
            self.days[key] = counts
            return
        self.copies_ignored += 1
        if counts.revision > current.revision:
            self.days[key] = counts

    @property
    def terminals(self) -> list[str]:
        return sorted({t for t, _ in self.days})

    def select(self, start: date, end: date, terminals: Iterable[str] | None = None) -> list[DayCounts]:
        """Snapshots with ``start <= day <= end`` (optionally of some terminals), in order."""
        wanted = set(terminals) if terminals is not None else None
        return [
            c for (t, d), c in sorted(self.days.items())
            if start <= d <= end and (wanted is None or t in wanted)
        ]


def iter_count_files(root: Path) -> Iterator[Path]:
    """Every ``YYYY-MM-DD.json`` below ``root`` (any depth), in a stable order."""
    root = Path(root)
    if root.is_file():
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if _DAY_FILE.match(name):
                yield Path(dirpath) / name


def read_counts(roots: Iterable[Path]) -> CountSet:
    """Read and merge every count file below ``roots``. Bad files are listed in
    ``problems`` and skipped; they never stop the others from being counted."""
    result = CountSet()
    for root in roots:
        for path in iter_count_files(root):
            result.files_read += 1
            try:
                counts = DayCounts.load(path)
            except CorruptCounts as exc:
                log.warning("skipping usage count file %s: %s", path, exc)
                result.problems.append((path, str(exc)))
                continue
            if path.stem != counts.day.isoformat():
                # A renamed file still counts under the day it holds, once.
                log.info("count file %s holds day %s", path, counts.day)
            result.add(counts)
    return result


# ----------------------------------------------------------------------------- export to the share


@dataclass
class ExportResult:
    copied: int = 0
    unchanged: int = 0
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # local files not exported, why


def export_counts(stats_dir: Path, share_status_dir: Path, terminal_id: str) -> ExportResult:
    """Copy this terminal's count files to ``share_status_dir/counts/<terminal-id>/``.

    Each file is written to a temporary name in the destination folder, fsynced and
    renamed, so a reader on the share sees either the old or the new copy. Files
    already identical on the share are not rewritten; files on the share that are
    gone locally are kept (the share keeps the history). Corrupt local files are
    skipped and listed. Raises ``OSError`` when the share cannot be written.
    """
    source = terminal_dir(stats_dir, terminal_id)
    dest = Path(share_status_dir) / COUNTS_SUBDIR / terminal_id
    result = ExportResult()
    if not source.is_dir():
        return result
    for path in sorted(source.iterdir()):
        if not _DAY_FILE.match(path.name):
            continue
        try:
            data = path.read_bytes()
            counts = DayCounts.from_json(json.loads(data.decode("utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, CorruptCounts) as exc:
            log.warning("not exporting usage count file %s: %s", path, exc)
            result.skipped.append((path, str(exc)))
            continue
        if counts.terminal_id != terminal_id:
            result.skipped.append((path, f"belongs to terminal {counts.terminal_id}"))
            continue
        target = dest / path.name
        try:
            if target.read_bytes() == data:
                result.unchanged += 1
                continue
        except OSError:
            pass
        atomic_write(target, data, mtime=path.stat().st_mtime, sync_folder=True)
        result.copied += 1
    return result
