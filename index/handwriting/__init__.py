"""Handwriting input: Zinnia's recogniser (ctypes), stroke templates, and candidates that know the library.

``Recognizer`` wraps Debian's ``libzinnia0`` with the model from
``tegaki-zinnia-simplified-chinese``; ``Templates`` match the written strokes against each
character's own; ``HandRecognizer`` (``shared_recognizer()``) fuses both; ``Lexicon`` reranks
the answers by the library's own characters and words (``rerank``) and spells words from a
sequence (``spell``).
Nothing here imports Kivy: the CLI, the benchmark and the app share it.
"""

from __future__ import annotations

from index.handwriting._lexicon import Lexicon, Reading, lexicon_for
from index.handwriting._templates import (
    HandRecognizer,
    Templates,
    load_templates,
    shared_recognizer,
)
from index.handwriting._zinnia import (
    DEFAULT_LIBRARY,
    DEFAULT_MODEL,
    Character,
    HandwritingUnavailable,
    Recognizer,
    Stroke,
)

__all__ = [
    "DEFAULT_LIBRARY",
    "DEFAULT_MODEL",
    "Character",
    "HandRecognizer",
    "HandwritingUnavailable",
    "Lexicon",
    "Reading",
    "Recognizer",
    "Stroke",
    "Templates",
    "lexicon_for",
    "load_templates",
    "shared_recognizer",
]
