"""Stroke templates beside Zinnia: written strokes matched against each character's own strokes.

Zinnia's Tegaki model misses some everyday characters however tidily they are written (山,
女, 运, 区 and most characters with 辶 rank in the thousands even on clean strokes), so
recognition also compares the written strokes, in the order written, with the strokes of every
GB2312 character in standard stroke order (``data/templates.npz``, built by
``scripts/handwriting_templates.py`` from hanzi-writer-data, Arphic Public License). This is
how template recognisers such as Tomoe work:

- every stroke is resampled to ``POINTS`` points evenly spaced along it;
- the first n template strokes (n = strokes written so far) and the written ones are each
  scaled into their own bounding box, centred, proportions kept: size, place and the
  strokes still to come do not count;
- the distance is the mean point-to-point distance, plus ``PARTIAL_COST`` for each template
  stroke not yet written; a template with fewer strokes than written is not a candidate;
- a first pass on the strokes' ends alone keeps the ``PREFILTER`` nearest characters, and
  only these are compared point by point (the same answers in the benchmark, in half the time).

``HandRecognizer`` fuses both answers into one score on Zinnia's scale
(``ZINNIA_WEIGHT * zinnia - DISTANCE_WEIGHT * distance + OFFSET``), so the lexicon reranks it
as before. Matching is numpy on read-only arrays: thread-safe, about 6 ms for 6,763 characters.
"""

from __future__ import annotations

import logging
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.handwriting._zinnia import Character, HandwritingUnavailable, Recognizer

log = logging.getLogger(__name__)

DEFAULT_TEMPLATES = Path(__file__).resolve().parent / "data" / "templates.npz"
POINTS = 10
PARTIAL_COST = 0.02
NBEST = 100
PREFILTER = 400
ENDS = [0, POINTS - 1]
ZINNIA_WEIGHT = 0.5
DISTANCE_WEIGHT = 8.0
OFFSET = 0.6  # brings the fused best (about -0.6) to where Zinnia's best usually is (about 0)
ZINNIA_MISSING = 0.3  # a character Zinnia does not list scores this much under its last one
TEMPLATE_MISSING = 0.05  # ... and one the templates do not list, this much over their last distance

Scored = list[tuple[str, float]]


def resample(stroke: Sequence[tuple[float, float]], k: int = POINTS) -> np.ndarray:
    """``k`` points evenly spaced along the polyline ``stroke`` (a tap gives one point k times)."""
    a = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
    d = np.r_[0.0, np.cumsum(np.hypot(*np.diff(a, axis=0).T))] if len(a) > 1 else np.zeros(1)
    if d[-1] == 0:
        return np.repeat(a[:1], k, axis=0)
    t = np.linspace(0.0, d[-1], k)
    return np.c_[np.interp(t, d, a[:, 0]), np.interp(t, d, a[:, 1])]


class Templates:
    """The characters' stroke templates, grouped by stroke count; ``match`` is thread-safe."""

    def __init__(self, path: Path | str = DEFAULT_TEMPLATES) -> None:
        self.path = Path(path)
        try:
            with np.load(self.path) as data:
                codes, counts, points = data["chars"], data["counts"].astype(np.int64), data["points"]
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:  # a missing or cut file
            raise HandwritingUnavailable(
                f"the stroke templates {self.path} cannot be read ({exc}); reinstall the kiosk "
                "(or run scripts/handwriting_templates.py)", "reading-room-kiosk") from exc
        if points.shape[1:] != (POINTS, 2) or int(counts.sum()) != len(points):
            raise HandwritingUnavailable(f"the stroke templates {self.path} are damaged", "reading-room-kiosk")
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        # m strokes -> (characters, points (N, m, POINTS, 2), stroke ends (N, m, 2, 2),
        #              prefix box centres (N, m, 2), sides (N, m))
        self._groups: dict[int, tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        for m in np.unique(counts):
            rows = np.flatnonzero(counts == m)
            pts = np.stack([points[starts[r]:starts[r] + m] for r in rows]).astype(np.float32)
            lo = np.minimum.accumulate(pts.min(axis=2), axis=1)
            hi = np.maximum.accumulate(pts.max(axis=2), axis=1)
            self._groups[int(m)] = ([chr(int(codes[r])) for r in rows], pts,
                                    np.ascontiguousarray(pts[:, :, ENDS]), (lo + hi) / 2,
                                    np.maximum((hi - lo).max(axis=-1), 1.0))
        self.size = len(codes)

    @staticmethod
    def _written(char: Character) -> np.ndarray:
        w = np.stack([resample(s) for s in char.strokes])
        lo, hi = w.min(axis=(0, 1)), w.max(axis=(0, 1))
        return ((w - (lo + hi) / 2) / max(float((hi - lo).max()), 1e-6)).astype(np.float32)

    def match(self, char: Character, limit: int = NBEST) -> Scored:
        """(character, distance) nearest first; empty for a character with no strokes."""
        if not char.strokes:
            return []
        w = self._written(char)
        n = len(w)
        groups = [(m, g) for m, g in self._groups.items() if m >= n]
        if not groups:
            return []
        coarse = [_distance(ends, centre, side, w[:, ENDS], m, n) for m, (_c, _p, ends, centre, side) in groups]
        pooled = np.concatenate(coarse)
        keep = min(max(PREFILTER, limit), len(pooled))
        cut = np.partition(pooled, keep - 1)[keep - 1]
        names: list[str] = []
        dists: list[np.ndarray] = []
        for (m, (chars, pts, _e, centre, side)), d in zip(groups, coarse, strict=True):
            rows = np.flatnonzero(d <= cut)
            if len(rows):
                names.extend(chars[r] for r in rows)
                dists.append(_distance(pts[rows], centre[rows], side[rows], w, m, n))
        d = np.concatenate(dists)
        k = min(limit, len(d))
        top = np.argpartition(d, k - 1)[:k]
        top = top[np.argsort(d[top], kind="stable")]
        return [(names[i], float(d[i])) for i in top]


def _distance(pts: np.ndarray, centre: np.ndarray, side: np.ndarray, w: np.ndarray, m: int, n: int) -> np.ndarray:
    """Mean distance of the written strokes ``w`` (n, k, 2) to the first n strokes of each
    template (``pts`` (N, m, k, 2)), in the templates' prefix boxes, plus the strokes to come."""
    s = side[:, n - 1]
    diff = pts[:, :n] - (centre[:, n - 1, None, None, :] + s[:, None, None, None] * w)
    return np.sqrt((diff * diff).sum(axis=-1)).mean(axis=(1, 2)) / s + PARTIAL_COST * (m - n)


def fuse(zinnia: Scored, templates: Scored) -> Scored:
    """One score per character from both answers, best first (see the module's docstring)."""
    z = dict(zinnia)
    t = dict(templates)
    z_missing = (min(z.values()) if z else 0.0) - ZINNIA_MISSING
    t_missing = (max(t.values()) if t else 1.0) + TEMPLATE_MISSING
    fused = [(ch, ZINNIA_WEIGHT * z.get(ch, z_missing) - DISTANCE_WEIGHT * t.get(ch, t_missing) + OFFSET)
             for ch in dict.fromkeys([*t, *z])]
    fused.sort(key=lambda cs: -cs[1])
    return fused


class HandRecognizer:
    """Zinnia and the stroke templates together; ``classify`` as ``Recognizer.classify``, thread-safe.

    Without templates (``templates=None``) it is Zinnia alone."""

    def __init__(self, zinnia: Recognizer, templates: Templates | None) -> None:
        self.zinnia = zinnia
        self.templates = templates
        self.model = zinnia.model

    @property
    def size(self) -> int:
        return self.zinnia.size

    def classify(self, char: Character, nbest: int = 10) -> Scored:
        if self.templates is None:
            return self.zinnia.classify(char, nbest)
        depth = max(nbest, NBEST)
        return fuse(self.zinnia.classify(char, depth), self.templates.match(char, depth))[:nbest]

    def close(self) -> None:
        self.zinnia.close()

    def __enter__(self) -> HandRecognizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_templates(path: Path | str = DEFAULT_TEMPLATES) -> Templates | None:
    """The templates, or None (logged) when they cannot be read: Zinnia alone still recognises."""
    try:
        return Templates(path)
    except HandwritingUnavailable as exc:
        log.warning("handwriting without stroke templates: %s", exc)
        return None


_shared: HandRecognizer | None = None
_shared_lock = threading.Lock()


def shared_recognizer(model: Path | str | None = None, library: str | None = None) -> HandRecognizer:
    """The process's one recogniser, Zinnia and templates (read on first use, then kept)."""
    from index.handwriting._zinnia import DEFAULT_LIBRARY, DEFAULT_MODEL

    global _shared
    model = Path(model or DEFAULT_MODEL)
    with _shared_lock:
        if _shared is None or _shared.model != model:
            _shared = HandRecognizer(Recognizer(model, library or DEFAULT_LIBRARY), load_templates())
        return _shared
