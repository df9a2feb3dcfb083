"""A ctypes binding of Zinnia's C API (``zinnia.h``), just what recognition needs.

Zinnia is the online handwriting recogniser the Linux input methods use (an SVM over
stroke features). Debian ships it as ``libzinnia0``; the Simplified Chinese model is
``tegaki-zinnia-simplified-chinese``. No maintained Python binding exists on the package
index, so this module binds the dozen functions it needs.

One ``Recognizer`` holds the model (26 MB, read once); ``classify`` may be called from any
thread: calls are serialised by a lock, and each call uses its own ``zinnia_character_t``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.errors import KioskError

DEFAULT_LIBRARY = "libzinnia.so.0"
DEFAULT_MODEL = Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")
LIBRARY_PACKAGE = "libzinnia0"
MODEL_PACKAGE = "tegaki-zinnia-simplified-chinese"

Stroke = Sequence[tuple[float, float]]


class HandwritingUnavailable(KioskError):
    """The recogniser library or its model is missing or unreadable; ``package`` names the fix."""

    message_key = "error.handwriting_unavailable"

    def __init__(self, detail: str, package: str) -> None:
        super().__init__(detail, package=package)
        self.package = package


@dataclass(frozen=True)
class Character:
    """One written character: strokes of (x, y) points in a width x height box, y down."""

    width: float
    height: float
    strokes: tuple[tuple[tuple[float, float], ...], ...]

    @classmethod
    def from_json(cls, data: object) -> Character:
        """From ``{"width": W, "height": H, "strokes": [[[x, y], ...], ...]}``; ValueError when malformed."""
        if not isinstance(data, dict):
            raise ValueError("a character is an object with width, height and strokes")
        try:
            width, height = float(data["width"]), float(data["height"])
            strokes = tuple(tuple((float(p[0]), float(p[1])) for p in s) for s in data["strokes"])
        except (KeyError, TypeError, IndexError, ValueError) as exc:
            raise ValueError(f"a character needs width, height and strokes of [x, y] points ({exc})") from exc
        if width <= 0 or height <= 0:
            raise ValueError("width and height must be positive")
        return cls(width, height, tuple(s for s in strokes if s))


INK_MARGIN = 0.1  # of the ink's larger side, on each side
MIN_INK = 0.25  # a flat or thin character (一, 丨) keeps its shape: side at least this much of the box
NORM_BOX = 1000


def centred(char: Character) -> Character:
    """``char`` with its ink centred in a ``NORM_BOX`` square, keeping its proportions."""
    xs = [x for s in char.strokes for x, _ in s]
    ys = [y for s in char.strokes for _, y in s]
    side = max(max(xs) - min(xs), max(ys) - min(ys), MIN_INK * max(char.width, char.height)) * (1 + 2 * INK_MARGIN)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    k = NORM_BOX / side
    half = NORM_BOX / 2
    strokes = tuple(tuple(((x - cx) * k + half, (y - cy) * k + half) for x, y in s) for s in char.strokes)
    return Character(NORM_BOX, NORM_BOX, strokes)


def _load(library: str) -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL(library)
    except OSError as exc:
        raise HandwritingUnavailable(
            f"the handwriting recogniser library {library} cannot be loaded ({exc}); "
            f"install the Debian package {LIBRARY_PACKAGE}", LIBRARY_PACKAGE) from exc
    vp, sz = ctypes.c_void_p, ctypes.c_size_t
    signatures = {
        "zinnia_recognizer_new": (vp, []),
        "zinnia_recognizer_destroy": (None, [vp]),
        "zinnia_recognizer_open": (ctypes.c_int, [vp, ctypes.c_char_p]),
        "zinnia_recognizer_strerror": (ctypes.c_char_p, [vp]),
        "zinnia_recognizer_size": (sz, [vp]),
        "zinnia_recognizer_classify": (vp, [vp, vp, sz]),
        "zinnia_character_new": (vp, []),
        "zinnia_character_destroy": (None, [vp]),
        "zinnia_character_clear": (None, [vp]),
        "zinnia_character_set_width": (None, [vp, sz]),
        "zinnia_character_set_height": (None, [vp, sz]),
        "zinnia_character_add": (ctypes.c_int, [vp, sz, ctypes.c_int, ctypes.c_int]),
        "zinnia_result_value": (ctypes.c_char_p, [vp, sz]),
        "zinnia_result_score": (ctypes.c_float, [vp, sz]),
        "zinnia_result_size": (sz, [vp]),
        "zinnia_result_destroy": (None, [vp]),
    }
    for name, (restype, argtypes) in signatures.items():
        try:
            fn = getattr(lib, name)
        except AttributeError as exc:
            raise HandwritingUnavailable(f"{library} is not Zinnia (no {name}); install {LIBRARY_PACKAGE}",
                                         LIBRARY_PACKAGE) from exc
        fn.restype, fn.argtypes = restype, argtypes
    return lib


class Recognizer:
    """Zinnia with its model, opened once; ``classify`` is thread-safe. Close it (or use ``with``)."""

    def __init__(self, model: Path | str = DEFAULT_MODEL, library: str = DEFAULT_LIBRARY) -> None:
        self.model = Path(model)
        if not self.model.is_file():
            raise HandwritingUnavailable(
                f"the handwriting model {self.model} is missing; install the Debian package {MODEL_PACKAGE}",
                MODEL_PACKAGE)
        self._lib = _load(library)
        self._lock = threading.Lock()
        self._rec: int | None = self._lib.zinnia_recognizer_new()
        if not self._lib.zinnia_recognizer_open(self._rec, str(self.model).encode()):
            why = (self._lib.zinnia_recognizer_strerror(self._rec) or b"").decode(errors="replace")
            self._lib.zinnia_recognizer_destroy(self._rec)
            self._rec = None
            raise HandwritingUnavailable(
                f"the handwriting model {self.model} cannot be read ({why}); reinstall {MODEL_PACKAGE}",
                MODEL_PACKAGE)

    def __enter__(self) -> Recognizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._rec is not None:
                self._lib.zinnia_recognizer_destroy(self._rec)
                self._rec = None

    @property
    def size(self) -> int:
        """How many characters the model knows."""
        with self._lock:
            return int(self._lib.zinnia_recognizer_size(self._rec)) if self._rec is not None else 0

    def classify(self, char: Character, nbest: int = 10, *, centre: bool = True) -> list[tuple[str, float]]:
        """(character, score) best first; empty for a character with no strokes.

        The ink is first centred in a square box a little larger than itself (``centred``):
        Zinnia's features are relative to the box, and visitors write small and off-centre.
        ``centre=False`` gives Zinnia the box as written (the benchmark's baseline).
        """
        if not char.strokes:
            return []
        if centre:
            char = centred(char)
        lib = self._lib
        with self._lock:
            if self._rec is None:
                raise ValueError("the recogniser is closed")
            c = lib.zinnia_character_new()
            try:
                lib.zinnia_character_set_width(c, max(1, round(char.width)))
                lib.zinnia_character_set_height(c, max(1, round(char.height)))
                for i, stroke in enumerate(char.strokes):
                    for x, y in stroke:
                        lib.zinnia_character_add(c, i, round(x), round(y))
                res = lib.zinnia_recognizer_classify(self._rec, c, nbest)
                if not res:
                    return []
                try:
                    return [(lib.zinnia_result_value(res, i).decode("utf-8"), float(lib.zinnia_result_score(res, i)))
                            for i in range(lib.zinnia_result_size(res))]
                finally:
                    lib.zinnia_result_destroy(res)
            finally:
                lib.zinnia_character_destroy(c)
