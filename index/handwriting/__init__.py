"""Handwriting input: Zinnia's recogniser (ctypes) and candidates that know the library.

``Recognizer`` wraps Debian's ``libzinnia0`` with the model from
``tegaki-zinnia-simplified-chinese``; ``Lexicon`` reranks its answers by the library's
own characters and words (``rerank``) and spells words from a sequence (``words_for``).
Nothing here imports Kivy: the CLI, the benchmark and the app share it.
"""

from __future__ import annotations

from index.handwriting._lexicon import Lexicon, Reading, lexicon_for
from index.handwriting._zinnia import (
    DEFAULT_LIBRARY,
    DEFAULT_MODEL,
    Character,
    HandwritingUnavailable,
    Recognizer,
    Stroke,
    shared_recognizer,
)

__all__ = [
    "DEFAULT_LIBRARY", "DEFAULT_MODEL", "Character", "HandwritingUnavailable", "Lexicon", "Reading",
    "Recognizer", "Stroke", "lexicon_for", "shared_recognizer",
]
