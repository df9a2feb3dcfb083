"""Build ``index/handwriting/data/templates.npz``: stroke templates of the GB2312 characters.

    python scripts/handwriting_templates.py [TARBALL]

Reads hanzi-writer-data 2.0.1 (npm, Arphic Public License; derived from Make Me a Hanzi;
default ``../shared/corpus/handwriting/hanzi-writer-data-2.0.1.tgz``) and keeps, for every
character of GB2312 (the 6,763 characters of Simplified Chinese that Zinnia's model knows too),
its stroke medians in stroke order, each resampled to ``POINTS`` points evenly spaced along it,
in a 1024 box with y down. The arrays are what ``index.handwriting._templates`` matches written
strokes against; the licence travels with them (``data/ARPHICPL.txt``).
"""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from index.handwriting._templates import resample  # noqa: E402  (the same resampling as the matcher's)

OUT = REPO / "index" / "handwriting" / "data"
DEFAULT_TARBALL = REPO.parent / "shared" / "corpus" / "handwriting" / "hanzi-writer-data-2.0.1.tgz"


def _gb2312(ch: str) -> bool:
    try:
        return len(ch.encode("gb2312")) == 2 and "\u4e00" <= ch <= "\u9fff"
    except UnicodeEncodeError:
        return False


def main(argv: list[str]) -> int:
    tarball = Path(argv[0]) if argv else DEFAULT_TARBALL
    chars: list[str] = []
    counts: list[int] = []
    points: list[np.ndarray] = []
    with tarfile.open(tarball) as tar:
        members = {m.name.rsplit("/", 1)[-1]: m for m in tar if m.isfile()}
        for name in sorted(members):
            if len(name) != 6 or not name.endswith(".json") or not _gb2312(name[0]):
                continue
            data = json.load(tar.extractfile(members[name]))  # type: ignore[arg-type]
            strokes = [[(float(x), 900.0 - float(y)) for x, y in s] for s in data["medians"]]
            chars.append(name[0])
            counts.append(len(strokes))
            points.extend(resample(s) for s in strokes)
        licence = tar.extractfile(members["ARPHICPL.TXT"]).read()  # type: ignore[union-attr]
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "templates.npz", chars=np.array([ord(c) for c in chars], dtype=np.uint32),
                        counts=np.array(counts, dtype=np.uint8),
                        points=np.rint(np.stack(points)).astype(np.int16))
    (OUT / "ARPHICPL.txt").write_bytes(licence)
    print(f"{len(chars)} characters, {sum(counts)} strokes -> {OUT / 'templates.npz'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
