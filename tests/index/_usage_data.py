"""Real usage count files, made by driving UsageCounter the way the app does.

Every generated event is also tallied here, independently of ``index.usage.counts``, so
tests compare what the counter and the report say against what really happened.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

from index.usage.counts import UsageCounter

CHINA = timezone(timedelta(hours=8), "CST")

VOCABULARY = frozenset({"住房公积金", "养老保险", "营业执照", "城市管理", "义务教育", "医疗保障", "信息公开"})
FREE_TEXT = ("我家门口的路灯坏了", "张三的房子", "13800138000", "拆迁补偿多少钱")
TOPICS = ("城乡建设", "社会保障", "教育", "卫生健康")
DOC_IDS = tuple(f"doc{n:03d}" for n in range(12))


def is_vocabulary_word(word: str) -> bool:
    return word in VOCABULARY


class FakeClock:
    """An injected clock: tests move time, they never sleep."""

    def __init__(self, start: float) -> None:
        self.t = float(start)

    def __call__(self) -> float:
        return self.t

    def set(self, moment: datetime) -> None:
        self.t = moment.timestamp()

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Truth:
    """What the simulated visitors did, tallied independently of index.usage.counts."""

    totals: Counter[str] = field(default_factory=Counter)  # event -> count, plus "pages"
    by_terminal: dict[str, Counter[str]] = field(default_factory=dict)
    by_month: dict[tuple[int, int], Counter[str]] = field(default_factory=dict)
    by_hour: dict[int, Counter[str]] = field(default_factory=dict)
    views: Counter[str] = field(default_factory=Counter)
    qr: Counter[str] = field(default_factory=Counter)
    pages_by_doc: Counter[str] = field(default_factory=Counter)
    words: Counter[str] = field(default_factory=Counter)  # vocabulary words searched
    no_result_words: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)

    def add(self, terminal: str, moment: datetime, event: str, n: int = 1) -> None:
        for bucket in (
            self.totals,
            self.by_terminal.setdefault(terminal, Counter()),
            self.by_month.setdefault((moment.year, moment.month), Counter()),
            self.by_hour.setdefault(moment.hour, Counter()),
        ):
            bucket[event] += n


def simulate(
    stats_dir: Path,
    terminal_id: str,
    days: Iterable[date],
    *,
    seed: int,
    visitors_per_day: int = 6,
    truth: Truth | None = None,
    tz: tzinfo = CHINA,
    vocabulary: Callable[[str], bool] | None = is_vocabulary_word,
    doc_ids: tuple[str, ...] = DOC_IDS,
    words: tuple[str, ...] = tuple(sorted(VOCABULARY)),
) -> Truth:
    """Visitors come during opening hours; each session searches, opens, shows QR codes, prints."""
    truth = truth or Truth()
    rng = random.Random(seed)
    day_list = list(days)
    clock = FakeClock(datetime.combine(day_list[0], datetime.min.time(), tz).timestamp())
    counter = UsageCounter(
        stats_dir, terminal_id, is_vocabulary_word=vocabulary, now=clock, flush_interval_s=60.0,
        tz=tz, background_flush=False,
    )
    try:
        for day in day_list:
            starts = sorted(rng.randrange(9 * 3600, 17 * 3600) for _ in range(visitors_per_day))
            for start in starts:
                moment = datetime.combine(day, datetime.min.time(), tz) + timedelta(seconds=start)
                clock.set(moment)

                def do(event: str, **kw: object) -> None:
                    counter.record(event, **kw)  # type: ignore[arg-type]
                    truth.add(terminal_id, datetime.fromtimestamp(clock.t, tz), event)

                do("session")
                for _ in range(rng.randint(1, 3)):
                    clock.advance(rng.randint(5, 40))
                    word = rng.choice(words) if rng.random() < 0.7 else rng.choice(FREE_TEXT)
                    topic = rng.choice(TOPICS) if rng.random() < 0.3 else None
                    do("search", word=word, topic=topic)
                    kept = vocabulary is not None and vocabulary(word)
                    if kept:
                        truth.words[word] += 1
                    if topic:
                        truth.topics[topic] += 1
                    if rng.random() < 0.2:
                        do("search_no_result", word=word)
                        if kept:
                            truth.no_result_words[word] += 1
                        continue
                    doc = rng.choice(doc_ids[: 1 + rng.randint(0, len(doc_ids) - 1)])
                    do("view", doc_id=doc)
                    truth.views[doc] += 1
                    if rng.random() < 0.4:
                        do("qr", doc_id=doc)
                        truth.qr[doc] += 1
                    if rng.random() < 0.25:
                        pages = rng.randint(1, 6)
                        do("print", doc_id=doc, pages=pages)
                        truth.add(terminal_id, datetime.fromtimestamp(clock.t, tz), "pages", pages)
                        truth.pages_by_doc[doc] += pages
    finally:
        counter.close()
    return truth
