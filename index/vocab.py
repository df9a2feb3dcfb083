"""The library's own vocabulary and its pinyin: candidates for the on-screen keyboard,
and Latin-letter queries turned into Chinese words.

Words come from the titles, issuers, topics and keywords of public documents (jieba
search-mode words of two or more characters, plus whole issuers, topics and
keywords), counted by how many documents carry them. Each word has its full
pinyin without tones (``xinxigongkai``) and its initials (``xxgk``).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from index.analysis import query_words, search_words
from index.normalize import has_cjk, normalize

MAX_WORD_LEN = 12
MAX_COMPOUND_LEN = 6
# Words that join phrases rather than build a compound (办法 + 的 + 通知 is none).
_JOINERS = frozenset(["的", "之", "和", "与", "及", "或", "等", "对", "为", "在", "于", "关于", "以及"])


def word_pinyin(word: str) -> tuple[str, str]:
    """(full pinyin, initials) of a Chinese word, lower case, no tones, ü as v."""
    from pypinyin import Style, lazy_pinyin

    syllables = [s for s in lazy_pinyin(word, style=Style.NORMAL, errors="ignore") if s.isascii() and s.isalpha()]
    return "".join(syllables).lower(), "".join(s[0] for s in syllables).lower()


def document_words(title: str, issuer: str, topic: str, keywords: Iterable[str]) -> set[str]:
    """The vocabulary words one document contributes."""
    title_n = normalize(title)
    words = set(search_words(title_n))
    # Neighbouring words of the title make a compound people look for as one
    # (信息 + 公开 -> 信息公开, 停车 + 管理 -> 停车管理, jieba's 古树名 + 木 -> 古树名木), up to
    # MAX_COMPOUND_LEN characters; it occurs in the title, so it finds it. A compound starts
    # with a word of two or more characters (木 + 保护 is no compound).
    tokens = query_words(title_n)
    for i, first in enumerate(tokens):
        if len(first) < 2 or not has_cjk(first):
            continue
        compound = first
        for nxt in tokens[i + 1 :]:
            if not has_cjk(nxt) or nxt in _JOINERS or len(compound) + len(nxt) > MAX_COMPOUND_LEN:
                break
            compound += nxt
            words.add(compound)
    for whole in (issuer, topic, *keywords):
        w = normalize(whole).strip()
        if w and has_cjk(w) and len(w) <= MAX_WORD_LEN and " " not in w:
            words.add(w)
        words.update(search_words(w))
    return {w for w in words if 2 <= len(w) <= MAX_WORD_LEN}


@dataclass(frozen=True)
class Entry:
    word: str
    df: int
    full: str
    initials: str


class Vocabulary:
    """In-memory lookup over (word, df, full, initials) rows from the catalogue."""

    def __init__(self, rows: Iterable[tuple[str, int, str, str]]) -> None:
        self._entries: dict[str, Entry] = {}
        self._by_full: dict[str, list[Entry]] = {}
        self._by_initials: dict[str, list[Entry]] = {}
        for word, df, full, initials in rows:
            if df <= 0 or not full:
                continue
            e = Entry(word, df, full, initials)
            self._entries[word] = e
            self._by_full.setdefault(full, []).append(e)
            self._by_initials.setdefault(initials, []).append(e)
        self._fulls = sorted(self._by_full)
        self._initials = sorted(self._by_initials)
        for bucket in (*self._by_full.values(), *self._by_initials.values()):
            bucket.sort(key=lambda e: (-e.df, -len(e.word), e.word))

    def __len__(self) -> int:
        return len(self._entries)

    def most_common(self, n: int) -> list[str]:
        """The ``n`` words found in the most documents (the candidates a visitor meets most)."""
        return [e.word for e in heapq.nsmallest(n, self._entries.values(), key=lambda e: (-e.df, e.word))]

    def __contains__(self, word: object) -> bool:
        return word in self._entries

    def matches_exactly(self, word: str, letters: str) -> bool:
        e = self._entries.get(word)
        return bool(e) and letters in (e.full, e.initials)  # type: ignore[union-attr]

    def homophones(self, full: str) -> list[str]:
        """Words whose full pinyin is exactly ``full``, most frequent first."""
        return [e.word for e in self._by_full.get(full, [])]

    def df(self, word: str) -> int:
        e = self._entries.get(word)
        return e.df if e else 0

    @staticmethod
    def _prefixed(keys: list[str], prefix: str, limit: int = 400) -> list[str]:
        i = bisect.bisect_left(keys, prefix)
        out: list[str] = []
        while i < len(keys) and keys[i].startswith(prefix) and len(out) < limit:
            out.append(keys[i])
            i += 1
        return out

    def lookup(self, letters: str, limit: int = 12) -> list[str]:
        """Words whose initials or full pinyin match ``letters`` (exact first, then prefixes)."""
        letters = letters.lower().replace(" ", "").replace("'", "")
        if not letters:
            return []
        scored: dict[str, tuple[int, int, int]] = {}

        def add(entries: Iterable[Entry], tier: int) -> None:
            for e in entries:
                key = (tier, -e.df, -len(e.word))
                if e.word not in scored or key < scored[e.word]:
                    scored[e.word] = key

        add(self._by_initials.get(letters, []), 0)
        add(self._by_full.get(letters, []), 0)
        if len(letters) >= 2:
            for full in self._prefixed(self._fulls, letters):
                add(self._by_full[full], 1)
            for ini in self._prefixed(self._initials, letters):
                add(self._by_initials[ini], 2)
        return [w for w, _ in sorted(scored.items(), key=lambda kv: kv[1])][:limit]

    def segment(self, letters: str) -> list[str] | None:
        """Split a run of letters (with optional spaces) into vocabulary words.

        ``zhengfuxinxigongkai`` -> [政府, 信息公开]; ``weihai tingche`` -> [威海, 停车];
        mixed full and initials work (``zhengfu xxgk``). Fewest words win; ties go to
        the more frequent words. None when some part matches no word.
        """
        words: list[str] = []
        for chunk in letters.lower().replace("'", " ").split():
            part = self._segment_chunk(chunk)
            if part is None:
                return None
            words.extend(part)
        return words or None

    def _segment_chunk(self, s: str) -> list[str] | None:
        n = len(s)
        best: list[tuple[int, int, list[str]] | None] = [None] * (n + 1)
        best[0] = (0, 0, [])
        for i in range(n):
            if best[i] is None:
                continue
            count, neg_df, path = best[i]  # type: ignore[misc]
            for j in range(i + 1, min(n, i + 6 * MAX_WORD_LEN) + 1):
                sub = s[i:j]
                # Two-letter initials (xx, gk) are ambiguous: allowed, but they cost more
                # than a full syllable or longer initials, so fewer, surer words win.
                cost = 2
                entries = self._by_full.get(sub)
                if not entries and len(sub) >= 2:
                    entries = self._by_initials.get(sub)
                    cost = 3 if len(sub) == 2 and not (i == 0 and j == n) else 2
                if not entries:
                    continue
                e = entries[0]
                cand = (count + cost, neg_df - e.df, [*path, e.word])
                if best[j] is None or cand[:2] < best[j][:2]:  # type: ignore[index]
                    best[j] = cand
        last = best[n]
        return last[2] if last else None
