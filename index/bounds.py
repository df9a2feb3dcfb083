"""Bounds on what a visitor (or a tool) can ask: one query's length in characters and in words.

The two limits are settings (``search.max_query_chars``, ``search.max_query_words``) so the
app's search box, the CLI and the library agree. Beyond the visible limits the search
itself keeps its work bounded: at most ``MAX_QUERY_TERMS`` words of a query reach the index
(the longest kept, in their order), so no input can build a query that Whoosh walks for
seconds or recurses on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from index.errors import KioskError

# Words of one query that reach the index. A question of 80 characters segments into
# about 40 words; the longest 16 carry its subject (particles and one-character words go first).
MAX_QUERY_TERMS = 16


class QueryTooLong(KioskError):
    """A query longer than the settings allow; ``limit`` is the number shown (最多输入 N 个字)."""

    message_key = "app.query_too_long"

    def __init__(self, detail: str, *, limit: int, setting: str) -> None:
        super().__init__(detail, limit=limit, setting=setting)
        self.limit = limit
        self.setting = setting


@dataclass(frozen=True)
class QueryBounds:
    max_chars: int = 80
    max_words: int = 12

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> QueryBounds:
        return cls(int(config["search.max_query_chars"]), int(config["search.max_query_words"]))

    @staticmethod
    def length(text: str) -> int:
        """Characters as a visitor counts them: blanks between words do not count."""
        return sum(1 for ch in text if not ch.isspace())

    def room(self, text: str) -> int:
        """How many more characters ``text`` may take (0: the box must refuse the next key)."""
        return max(self.max_chars - self.length(text), 0)

    def check(self, text: str) -> None:
        """Raise ``QueryTooLong`` when ``text`` is over either limit (the CLI refuses it)."""
        n = self.length(text)
        if n > self.max_chars:
            raise QueryTooLong(f"the query has {n} characters, at most {self.max_chars} are allowed "
                               "(setting search.max_query_chars); shorten it",
                               limit=self.max_chars, setting="search.max_query_chars")
        words = len(text.split())
        if words > self.max_words:
            raise QueryTooLong(f"the query has {words} words, at most {self.max_words} are allowed "
                               "(setting search.max_query_words); shorten it",
                               limit=self.max_chars, setting="search.max_query_words")

    def cut(self, text: str) -> tuple[str, bool]:
        """``text`` within both limits (blanks collapsed), and whether anything was cut."""
        words = text.split()
        cut = len(words) > self.max_words
        words = words[: self.max_words]
        out: list[str] = []
        room = self.max_chars
        for w in words:
            if room <= 0:
                cut = True
                break
            if len(w) > room:
                w, cut = w[:room], True
            out.append(w)
            room -= len(w)
        return " ".join(out), cut


def keep_terms(words: list[str], limit: int = MAX_QUERY_TERMS) -> list[str]:
    """At most ``limit`` of ``words``: the longest (ties: the first), in their order."""
    if len(words) <= limit:
        return words
    ranked = sorted(range(len(words)), key=lambda i: (-len(words[i]), i))[:limit]
    return [words[i] for i in sorted(ranked)]
