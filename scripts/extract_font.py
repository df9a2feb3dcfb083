"""Take the Simplified Chinese face out of the Debian Noto Sans CJK collection.

Kivy reads only the first face of a ``.ttc`` collection, and the first face of
``NotoSansCJK-Regular.ttc`` is the Japanese one (门, 直, 骨 come out in Japanese
shapes). This script finds the face whose name table says "Noto Sans CJK SC"
(never a hard-coded index) and writes it as a single-face OpenType file.

    python scripts/extract_font.py                    # Regular -> assets/fonts/
    python scripts/extract_font.py --weight Bold      # also possible; not shipped (size)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
FAMILY = "Noto Sans CJK SC"  # name ID 1 of the wanted face (not the Mono one)


def find_face(collection_path: Path, family: str = FAMILY) -> int:
    """Index of the face in a collection whose family name (name ID 1) is ``family``."""
    collection = TTCollection(str(collection_path), lazy=True)
    try:
        for index, face in enumerate(collection.fonts):
            if face["name"].getDebugName(1) == family:
                return index
    finally:
        collection.close()
    raise LookupError(f"no face named {family!r} in {collection_path}")


def extract_face(collection_path: Path, dest: Path, family: str = FAMILY) -> Path:
    index = find_face(collection_path, family)
    font = TTFont(str(collection_path), fontNumber=index, recalcTimestamp=False)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        # reorderTables keeps the output identical from run to run.
        font.save(str(dest), reorderTables=True)
    finally:
        font.close()
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weight", default="Regular", choices=["Regular", "Bold"])
    parser.add_argument("--source-dir", type=Path, default=SOURCE_DIR)
    parser.add_argument("--dest-dir", type=Path, default=REPO_ROOT / "assets" / "fonts")
    args = parser.parse_args(argv)
    source = args.source_dir / f"NotoSansCJK-{args.weight}.ttc"
    if not source.exists():
        print(f"{source} not found: install the Debian package fonts-noto-cjk", file=sys.stderr)
        return 1
    dest = args.dest_dir / f"NotoSansCJKsc-{args.weight}.otf"
    extract_face(source, dest)
    check = TTFont(str(dest), lazy=True)
    name = check["name"].getDebugName(4)
    check.close()
    print(f"{dest}: {name}, {dest.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
