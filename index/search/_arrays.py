"""The engine's queries evaluated over posting arrays (private: see ``index.search``).

Whoosh answers a query by walking its matcher tree in Python: a few calls per posting and
node, about 8 µs a posting here, so a body phrase of common words (部门应当, 9 in 10
documents, 200,000 postings) cost a tenth of a second at 10,000 documents and grows with
the library. This module reads each term's postings block by block into numpy arrays
(kept per searcher) and evaluates the same tree on whole arrays, one segment at a time:
the same documents, the same total, the same order of results, and the same scores up to
the order of additions, because every term is scored with the parameters of Whoosh's own
scorer for it (BM25F's idf, average length, B and K1, or the weight where a field is not
scorable) on the same field lengths.

Supported: ``Term``, ``And``, ``Or`` (without ``minmatch`` or ``scale``), ``AndMaybe``,
``Require``, ``NullQuery``, with Whoosh's rules for boosts (a compound of one drops its
own). Anything else raises ``Unsupported`` and the engine asks Whoosh (the typo path's
``minmatch``, the unknown-year filter's ``Not``/``Every``). ``tests/index/test_arrays.py``
compares both on real indexes, with segments and deletions.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, TypeGuard

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.query.compound import DefaultOr, PreloadedOr, SplitOr
from whoosh.query.qcore import _NullQuery
from whoosh.scoring import BM25FScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

from index.search._query import Or as StepOr

# Field length bytes to lengths, as Whoosh decodes them for scoring (``doc_field_length``).
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_ONE_BYTE = int(np.flatnonzero(_LENGTHS == 1)[0])  # the byte that decodes to a length of 1
POSTINGS_CACHE = 4_000_000  # postings kept per searcher (32-bit numbers and weights: about 32 MB)


class Unsupported(Exception):
    """A query this module does not evaluate; the caller uses Whoosh."""


class RankedHit:
    """One ranked document, as much of Whoosh's ``Hit`` as the engine reads."""

    __slots__ = ("_searcher", "docnum", "score")

    def __init__(self, searcher: Any, docnum: int, score: float) -> None:
        self._searcher, self.docnum, self.score = searcher, docnum, score

    def fields(self) -> dict[str, Any]:
        return self._searcher.stored_fields(self.docnum)


class Ranked:
    """The top of a query, as much of Whoosh's ``Results`` as the engine reads: iteration in
    rank order, ``len()`` (every match) and ``scored_length()`` (the ranked ones)."""

    def __init__(self, hits: list[RankedHit], total: int) -> None:
        self._hits, self._total = hits, total

    def __iter__(self) -> Iterator[RankedHit]:
        return iter(self._hits)

    def __len__(self) -> int:
        return self._total

    def scored_length(self) -> int:
        return len(self._hits)


class _Leaf:
    """One segment: its searcher, document-number offset, live documents and field lengths."""

    def __init__(self, searcher: Any, offset: int) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.offset = offset
        self.n = self.reader.doc_count_all()
        self.alive: np.ndarray | None = None
        if self.reader.has_deletions():
            deleted = getattr(self.reader, "deleted_docs_set", None)
            if deleted is None:
                deleted = [d for d in range(self.n) if self.reader.is_deleted(d)]
            self.alive = np.ones(self.n, dtype=bool)
            self.alive[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
        self._lengths: dict[str, np.ndarray] = {}

    def lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length of ``fieldname``, decoded as Whoosh's scorers see it."""
        out = self._lengths.get(fieldname)
        if out is None:
            col = _column_bytes(self.reader, fieldname, self.n)
            if col is not None:
                out = _LENGTHS[col]
            else:  # another codec: one call a document, as Whoosh's scorer makes them
                out = np.array([self.reader.doc_field_length(d, fieldname, 1) or 0 for d in range(self.n)],
                               dtype=np.float64)
            self._lengths[fieldname] = out
        return out


def _column_bytes(reader: Any, fieldname: str, n: int) -> np.ndarray | None:
    """The length column of ``fieldname`` in a whoosh3 segment, read whole (a byte a document;
    0 past its end, as Whoosh reads it), or None when the reader is not one."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:  # no lengths stored: Whoosh's scorer gets its default, 1
        return np.full(n, _ONE_BYTE, dtype=np.uint8)
    if not all(hasattr(column, a) for a in ("_dbfile", "_basepos", "_count")) or getattr(column, "_fixedlen", 1) != 1:
        return None
    out = np.zeros(n, dtype=np.uint8)
    count = min(column._count, n)
    if count:
        out[:count] = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
    return out


def _read_postings(reader: Any, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers and weights in one segment, deletions included."""
    terms = getattr(reader, "_terms", None)
    m = terms.matcher(fieldname, btext, reader.schema[fieldname].format) if terms is not None else None
    if isinstance(m, W3LeafMatcher):
        try:
            return _read_blocks(m)
        except (AttributeError, TypeError, IndexError) as exc:  # not the layout of whoosh3 3.54
            raise Unsupported(f"postings blocks: {exc}") from exc
    # Inlined postings (one document) or another codec: Whoosh's own walk.
    m = reader.postings(fieldname, btext)
    id_list, w_list = [], []
    while m.is_active():
        id_list.append(m.id())
        w_list.append(m.weight())
        m.next()
    return _compact(np.array(id_list, dtype=np.int64), np.array(w_list, dtype=np.float64))


def _read_blocks(m: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """A whoosh3 posting list read block by block: each block's data is one pickle of
    (delta-coded ids, weights or one weight or None, values)."""
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    while not m._atend and m._blocklength:
        m._read_data()
        data = m._data
        block = np.cumsum(np.asarray(data[0], dtype=np.int64))
        if len(block) != m._blocklength:  # not the block layout this module reads: let Whoosh walk it
            raise Unsupported("postings block")
        ids.append(block)
        w = data[1]
        if w is None:
            weights.append(np.ones(len(block), dtype=np.float64))
        elif isinstance(w, float):
            weights.append(np.full(len(block), w, dtype=np.float64))
        else:
            weights.append(np.asarray(w, dtype=np.float64))
        if m._lastblock:
            break
        m._goto(m._nextoffset)
    if not ids:
        return _compact(np.zeros(0, np.int64), np.zeros(0, np.float64))
    return _compact(np.concatenate(ids), np.concatenate(weights))


def _compact(ids: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Postings as kept: 32-bit numbers, and 32-bit weights when that loses nothing (Whoosh
    writes weights as 32-bit floats, so it never does on its own indexes)."""
    narrow = weights.astype(np.float32)
    return ids.astype(np.int32), narrow if np.array_equal(narrow, weights) else weights


class PostingArrays:
    """For one searcher: evaluate supported queries on arrays; postings cached by term."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.leaves = [_Leaf(s, off) for s, off in searcher.leaf_searchers()]
        self._postings: OrderedDict[tuple[int, str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0

    # -- public ------------------------------------------------------------------------
    def top(self, q: Q.Query, limit: int, weighting: Any = None) -> Ranked:
        """The ``limit`` best documents of ``q`` (score descending, then document number, as
        Whoosh's ``TopCollector``) and the number of all matches. Raises ``Unsupported``."""
        w = weighting if weighting is not None else self.searcher.weighting
        docs, scores = [], []
        for n, leaf in enumerate(self.leaves):
            mask, score = self._eval(q, n, leaf, w)
            idx = np.flatnonzero(mask)
            docs.append(idx + leaf.offset)
            scores.append(score[idx])
        d = np.concatenate(docs) if docs else np.zeros(0, np.int64)
        s = np.concatenate(scores) if scores else np.zeros(0, np.float64)
        total = len(d)
        if total > limit > 0:
            kth = -np.partition(-s, limit - 1)[limit - 1]
            keep = s >= kth  # every tie at the boundary: the lowest numbers win below
            d, s = d[keep], s[keep]
        order = np.lexsort((d, -s))[: max(limit, 0)]
        hits = [RankedHit(self.searcher, int(d[i]), float(s[i])) for i in order]
        return Ranked(hits, total)

    def docs(self, q: Q.Query) -> list[int]:
        """Every document number matching ``q``, ascending. Raises ``Unsupported``."""
        out: list[int] = []
        w = self.searcher.weighting
        for n, leaf in enumerate(self.leaves):
            mask, _ = self._eval(q, n, leaf, w, scored=False)
            out.extend((np.flatnonzero(mask) + leaf.offset).tolist())
        return out

    # -- evaluation ----------------------------------------------------------------------
    def _eval(self, q: Q.Query, n: int, leaf: _Leaf, w: Any, scored: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """``q``'s matches in one segment: a mask, and scores that are 0 where it is False."""
        if isinstance(q, Q.Term):
            return self._term(q, n, leaf, w, scored)
        if isinstance(q, _NullQuery):
            return _empty(leaf.n)
        if _summing(q):
            subs = q.subqueries
            if not subs:
                return _empty(leaf.n)
            if len(subs) == 1:  # Whoosh uses the one child's matcher: the compound's boost is lost
                return self._eval(subs[0], n, leaf, w, scored)
            parts = [self._eval(s, n, leaf, w, scored) for s in subs]
            if isinstance(q, Q.And):
                mask = parts[0][0].copy()
                for m, _ in parts[1:]:
                    mask &= m
            else:
                mask = parts[0][0].copy()
                for m, _ in parts[1:]:
                    mask |= m
            score = parts[0][1].copy()
            for _, s in parts[1:]:
                score += s
            if isinstance(q, Q.And):
                score[~mask] = 0.0
            if q.boost != 1.0:
                score *= q.boost
            return mask, score
        if isinstance(q, Q.AndMaybe):
            am, a_s = self._eval(q.a, n, leaf, w, scored)
            _bm, b_s = self._eval(q.b, n, leaf, w, scored)
            return am, a_s + np.where(am, b_s, 0.0)
        if isinstance(q, Q.Require):
            am, a_s = self._eval(q.a, n, leaf, w, scored)
            bm, _ = self._eval(q.b, n, leaf, w, scored=False)
            mask = am & bm
            return mask, np.where(mask, a_s, 0.0)
        raise Unsupported(type(q).__name__)

    def _term(self, q: Q.Term, n: int, leaf: _Leaf, w: Any, scored: bool) -> tuple[np.ndarray, np.ndarray]:
        schema = leaf.searcher.schema
        if q.fieldname not in schema:
            return _empty(leaf.n)
        try:
            btext = schema[q.fieldname].to_bytes(q.text)
        except ValueError:
            return _empty(leaf.n)
        if (q.fieldname, btext) not in leaf.reader:
            return _empty(leaf.n)
        ids, weights = self._cached_postings(n, leaf, q.fieldname, btext)
        mask = np.zeros(leaf.n, dtype=bool)
        score = np.zeros(leaf.n, dtype=np.float64)
        mask[ids] = True
        if leaf.alive is not None:
            mask &= leaf.alive
        if not scored:
            return mask, score
        scorer = w.scorer(leaf.searcher, q.fieldname, btext)
        if isinstance(scorer, BM25FScorer):
            fl = leaf.lengths(q.fieldname)[ids]
            tf = weights.astype(np.float64)
            k1, b = scorer.K1, scorer.B
            s = scorer.idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / scorer.avgfl)))
        elif isinstance(scorer, WeightScorer):
            s = weights.astype(np.float64)
        else:
            raise Unsupported(type(scorer).__name__)
        if q.boost != 1.0:
            s = s * q.boost
        score[ids] = s
        if leaf.alive is not None:
            score[~leaf.alive] = 0.0
        return mask, score

    def _cached_postings(self, n: int, leaf: _Leaf, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        key = (n, fieldname, btext)
        got = self._postings.get(key)
        if got is not None:
            self._postings.move_to_end(key)
            return got
        got = _read_postings(leaf.reader, fieldname, btext)
        self._postings[key] = got
        self._cached += len(got[0])
        while self._cached > POSTINGS_CACHE and len(self._postings) > 1:
            _, (old, _w) = self._postings.popitem(last=False)
            self._cached -= len(old)
        return got


def _summing(q: Q.Query) -> TypeGuard[Q.CompoundQuery]:
    """An ``And``, or an ``Or`` whose matchers sum their children's scores (no ``minmatch``,
    no ``scale``); not their subclasses with other rules (``Ordered``, ``DisjunctionMax``…)."""
    if type(q) is Q.And:
        return True
    return type(q) in _SUMMING_ORS and not getattr(q, "minmatch", 0) and not getattr(q, "scale", None)


_SUMMING_ORS = frozenset([Q.Or, DefaultOr, PreloadedOr, SplitOr, StepOr])


def _empty(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(n, dtype=bool), np.zeros(n, dtype=np.float64)
