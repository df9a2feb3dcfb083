"""Candidates that know the library: Zinnia's answers reranked by the library's characters and words.

A ``Lexicon`` holds how often each character occurs in the public titles and in the
vocabulary (weighted by how many documents carry each word), and the vocabulary words
by their first character. From them:

- ``rerank``: the recogniser's n-best, rescored as ``score + FREQ_WEIGHT * f(char)``
  plus ``CONTEXT_WEIGHT`` when the characters accepted so far and this one begin a
  vocabulary word (写 养, then 老 → 养老). A character the library never uses keeps its
  place by its own score: it may be in a body.
- ``words_after``: 联想, vocabulary words the accepted characters begin (养 → 养老, 养老服务).
- ``spell``: vocabulary words a sequence of written characters spells, best first.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from index.handwriting._zinnia import Character
from index.models import DocumentRecord
from index.normalize import normalize


class _Records(Protocol):
    def iter_documents(self, state: str | None = None) -> Iterator[DocumentRecord]: ...
    def vocab_rows(self) -> list[tuple[str, int, str, str]]: ...
    def generation(self) -> int: ...


class Classifier(Protocol):
    """A recogniser: ``HandRecognizer`` (Zinnia and templates) or Zinnia's ``Recognizer`` alone."""

    def classify(self, char: Character, nbest: int = 10) -> list[tuple[str, float]]: ...


class LibraryLike(Protocol):
    """What the lexicon reads of an open ``index.library.Library`` (a room above this one)."""

    @property
    def root(self) -> Path: ...
    @property
    def catalogue(self) -> _Records: ...

NBEST = 100  # how deep into Zinnia's answers the library may reach
FREQ_WEIGHT = 1.0
CONTEXT_WEIGHT = 0.45
WORD_DF_WEIGHT = 0.3
WORD_LENGTH_COST = 0.04
SPELL_DEPTH = 30  # a word's character counts as written when among the first SPELL_DEPTH of its position
MISS_SCORE = -1.6  # ... else it scores this (Zinnia never finds some characters, e.g. 老 -> 考)
MAX_CONTEXT = 6

Scored = list[tuple[str, float]]


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@dataclass(frozen=True)
class Reading:
    """What the pad shows after a stroke: characters best first, and whole words when likely."""

    candidates: list[str]
    words: list[str] = field(default_factory=list)
    ranked: Scored = field(default_factory=list)  # the reranked readings: a position for ``spell``
    spelled: list[str] = field(default_factory=list)  # the words among ``words`` spelled with ``earlier``


class Lexicon:
    def __init__(self, titles: Iterable[str], vocab: Iterable[tuple[str, int]]) -> None:
        freq: Counter[str] = Counter()
        for title in titles:
            freq.update(ch for ch in normalize(title) if _is_han(ch))
        self._df: dict[str, int] = {}
        self._by_first: dict[str, list[str]] = {}
        self._by_second: dict[str, list[str]] = {}  # spell: a word whose first character was misread
        self._prefixes: set[str] = set()
        for word, df in vocab:
            if df <= 0 or len(word) < 2 or not all(_is_han(ch) for ch in word):
                continue
            self._df[word] = df
            freq.update({ch: df for ch in word})
            self._by_first.setdefault(word[0], []).append(word)
            self._by_second.setdefault(word[1], []).append(word)
            for i in range(1, len(word)):
                self._prefixes.add(word[:i])
        for words in self._by_first.values():
            words.sort(key=lambda w: (-self._df[w], len(w), w))
        self._freq = freq
        self._log_max_freq = math.log1p(max(freq.values(), default=1))
        self._log_max_df = math.log1p(max(self._df.values(), default=1))

    @classmethod
    def from_library(cls, lib: LibraryLike) -> Lexicon:
        """From an open ``index.library.Library``: its public titles and vocabulary."""
        from index.models import STATE_PUBLIC

        titles = [rec.meta.title for rec in lib.catalogue.iter_documents(STATE_PUBLIC)]
        return cls(titles, ((w, df) for w, df, _full, _ini in lib.catalogue.vocab_rows()))

    def __len__(self) -> int:
        return len(self._df)

    def frequency(self, ch: str) -> int:
        return self._freq.get(ch, 0)

    # -- characters -------------------------------------------------------------------------
    def _context(self, context: str) -> str:
        """The longest tail of the accepted text that begins some vocabulary word."""
        tail = ""
        for ch in reversed(normalize(context)[-MAX_CONTEXT:]):
            if not _is_han(ch):
                break
            tail = ch + tail
        for i in range(len(tail)):
            if tail[i:] in self._prefixes:
                return tail[i:]
        return ""

    def rerank(self, scored: Scored, context: str = "") -> Scored:
        """``scored`` (Zinnia's n-best) rescored by the library, best first."""
        ctx = self._context(context)
        out = []
        for ch, score in scored:
            s = score + FREQ_WEIGHT * math.log1p(self._freq.get(ch, 0)) / self._log_max_freq
            if ctx and (ctx + ch in self._prefixes or ctx + ch in self._df):
                s += CONTEXT_WEIGHT
            out.append((ch, s))
        out.sort(key=lambda cs: -cs[1])
        return out

    def read(self, recognizer: Classifier, char: Character, context: str = "", limit: int = 12,
             earlier: Sequence[Scored] = ()) -> Reading:
        """Candidates for the character being written after ``context``, and the words they begin.

        ``earlier``: the readings of the characters written just before, one after another (the
        pad keeps them); the words they spell with this one come first, so a word is offered
        even when an earlier character went into the box misread (通 read 甬, then 知: 通知)."""
        ranked = self.rerank(recognizer.classify(char, NBEST), context)
        candidates = [ch for ch, _ in ranked[:limit]]
        spelled = self.spell([*earlier, ranked], limit=4) if earlier else []
        words = list(spelled)
        ctx = self._context(context)
        for ch in candidates[:3]:  # whole words only for the likeliest readings
            words.extend(w for w in self.words_after(ctx + ch, limit=4) if w not in words)
        return Reading(candidates, words[:limit], ranked, spelled)

    # -- words ------------------------------------------------------------------------------
    def words_after(self, context: str, limit: int = 8) -> list[str]:
        """联想: vocabulary words longer than the accepted tail that it begins, most documents first."""
        ctx = self._context(context) if context and context not in self._prefixes else context
        if not ctx:
            return []
        return [w for w in self._by_first.get(ctx[0], []) if w.startswith(ctx) and len(w) > len(ctx)][:limit]

    def next_characters(self, context: str, limit: int = 12) -> list[str]:
        """Characters that follow the accepted tail in the library's words (offered after each accepted one)."""
        ctx = self._context(context)
        out: list[str] = []
        for w in self.words_after(ctx, limit=200):
            ch = w[len(ctx)]
            if ch not in out:
                out.append(ch)
            if len(out) >= limit:
                break
        return out

    def spell(self, positions: Sequence[Scored], limit: int = 10) -> list[str]:
        """Vocabulary words whose first characters are the written ones, best first.

        ``positions`` are the reranked (character, score) lists of each written character.
        A word scores the mean of its characters' scores plus a bonus for documents that
        carry it, less a little for every character beyond the written ones. The first or the
        second character must be among its position's readings; one character in three may be
        missing (scored ``MISS_SCORE``): a word is still offered when one character was misread,
        the first one included (an unsteady 通 is read 管, 山 is read 女).
        """
        n = len(positions)
        if n == 0:
            return []
        tables = [dict(pos[:SPELL_DEPTH]) for pos in positions]
        candidates = {w for first in tables[0] for w in self._by_first.get(first, [])}
        if n >= 2:  # the first character may be the misread one
            candidates.update(w for second in tables[1] for w in self._by_second.get(second, []))
        scored: list[tuple[float, str]] = []
        for w in candidates:
            if len(w) < n:
                continue
            parts = [tables[i].get(w[i]) for i in range(n)]
            misses = sum(p is None for p in parts)
            if misses > max(1, n // 3) or (misses and n < 2):
                continue
            s = sum(MISS_SCORE if p is None else p for p in parts) / n
            s += WORD_DF_WEIGHT * math.log1p(self._df[w]) / self._log_max_df - WORD_LENGTH_COST * (len(w) - n)
            scored.append((s, w))
        scored.sort(key=lambda sw: (-sw[0], len(sw[1]), sw[1]))
        return [w for _, w in scored[:limit]]

    def read_sequence(self, recognizer: Classifier, chars: Sequence[Character], limit: int = 12) -> Reading:
        """A sequence written one character after another: the last one's candidates (each earlier
        one accepted as its best reading) and the words the whole sequence spells."""
        positions: list[Scored] = []
        accepted = ""
        for char in chars:
            ranked = self.rerank(recognizer.classify(char, NBEST), accepted)
            positions.append(ranked)
            accepted += ranked[0][0] if ranked else ""
        words = self.spell([p for p in positions if p], limit=limit)
        candidates = [ch for ch, _ in positions[-1][:limit]] if positions else []
        return Reading(candidates, words)


_cache: dict[str, tuple[int, Lexicon]] = {}
_cache_lock = threading.Lock()


def lexicon_for(lib: LibraryLike) -> Lexicon:
    """The library's lexicon, rebuilt when the catalogue changed (keyed by library folder)."""
    key = str(lib.root)
    gen = lib.catalogue.generation()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and hit[0] == gen:
            return hit[1]
    lex = Lexicon.from_library(lib)
    with _cache_lock:
        _cache[key] = (gen, lex)
    return lex
