"""Whoosh analysis for Chinese government documents.

Two analyzers, both over ``index.normalize.normalize`` (so queries and documents
agree on width, script and case):

* ``NgramAnalyzer`` emits every CJK character bigram, positioned at its character
  offset, so a phrase of bigrams matches any substring exactly; with
  ``unigrams=True`` (short fields: title, issuer, topic…) single characters too.
  Runs of Latin letters and digits are single tokens (文号 parts, "12345热线").
* ``WordAnalyzer`` emits jieba's search-mode words: used for titles, so that a
  query word that is a real word in the title (民政) ranks above a document where
  the characters only meet inside another word (人民政府).
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Analyzer, Token, Tokenizer

from index.normalize import TOKEN_RUN, normalize


def ngrams(text: str, unigrams: bool = False) -> Iterator[tuple[str, int]]:
    """Yield (token, char offset) for normalised ``text``."""
    for m in TOKEN_RUN.finditer(text):
        run, start = m.group(), m.start()
        if run[0].isascii():
            yield run, start
            continue
        if len(run) == 1:
            yield run, start
            continue
        for i in range(len(run)):
            if unigrams:
                yield run[i], start + i
            if i + 1 < len(run):
                yield run[i : i + 2], start + i


def gram_counts(text: str) -> Counter[str]:
    """How often each token of ``ngrams(text)`` (no unigrams) occurs: the same counts, made in C.

    Pairing a run with itself shifted by one (``map(operator.add, run, run[1:])``) and
    counting into a ``Counter`` does the per-character work in C; the generator above spends
    most of a document's analysis time in Python."""
    counts: Counter[str] = Counter()
    for m in TOKEN_RUN.finditer(normalize(text)):
        run = m.group()
        if run[0].isascii() or len(run) == 1:
            counts[run] += 1
        else:
            counts.update(map(operator.add, run, run[1:]))
    return counts


def query_grams(word: str) -> list[str]:
    """The bigrams of a CJK word (its single character when it has one)."""
    if len(word) < 2 or word.isascii():
        return [word]
    return [word[i : i + 2] for i in range(len(word) - 1)]


class NgramTokenizer(Tokenizer):
    def __init__(self, unigrams: bool = False) -> None:
        self.unigrams = unigrams

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NgramTokenizer) and other.unigrams == self.unigrams

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        text = normalize(value)
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for gram, offset in ngrams(text, self.unigrams):
            t.text = gram
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = gram  # type: ignore[attr-defined]
            if positions:
                # Offsets as positions: consecutive bigrams of a phrase are 1 apart,
                # and a unigram shares the position of the bigram starting there.
                t.pos = start_pos + offset
            if chars:
                t.startchar = start_char + offset
                t.endchar = start_char + offset + len(gram)
            yield t


class WordTokenizer(Tokenizer):
    """jieba search-mode words of the normalised text (CJK words of two or more characters)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordTokenizer)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, word in enumerate(search_words(normalize(value))):
            t.text = word
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + i
            yield t


def NgramAnalyzer(unigrams: bool = False) -> Analyzer:
    return NgramTokenizer(unigrams)  # type: ignore[return-value]  # a Tokenizer is a valid analyzer


def WordAnalyzer() -> Analyzer:
    return WordTokenizer()  # type: ignore[return-value]


def _jieba() -> Any:
    from index.jieba_dict import ready_jieba

    return ready_jieba()


def search_words(text: str) -> list[str]:
    """jieba search-mode words of normalised ``text`` that have two or more CJK characters."""
    from index.normalize import CJK_RUN

    words: list[str] = []
    jb = _jieba()
    for m in CJK_RUN.finditer(text):
        for w in jb.cut_for_search(m.group()):
            if len(w) >= 2:
                words.append(w)
    return words


def query_words(text: str) -> list[str]:
    """Segment a normalised query into words (jieba precise mode) and Latin/digit runs."""
    words: list[str] = []
    jb = _jieba()
    for m in TOKEN_RUN.finditer(text):
        run = m.group()
        if run[0].isascii():
            words.append(run)
        else:
            words.extend(w for w in jb.cut(run, HMM=False) if w.strip())
    return words
