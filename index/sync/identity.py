"""Which share a library mirrors, so that one library never takes in another share.

The share's identity is its marker file's content when the marker holds any (a
name or UUID written once when the share was set up), else the share's real path.
The first writer to sync a library records it in the catalogue (``meta``:
``share_identity``, ``share_path``); later writers given a share with another
identity are refused with ``WrongShare``. A share whose non-empty marker is missing
for the moment is accepted at the recorded path (the removal guard holds removals
meanwhile).
"""

from __future__ import annotations

import os
from pathlib import Path

from index.catalogue import Catalogue
from index.errors import WrongShare

MARKER_READ_MAX = 4096


def share_identity(share_root: Path, marker: str) -> str | None:
    """``marker:CONTENT`` or ``path:REALPATH``; None when the share cannot be read."""
    try:
        data = (Path(share_root) / marker).read_bytes()[:MARKER_READ_MAX]
    except FileNotFoundError:
        data = b""
    except OSError:
        return None
    text = data.decode("utf-8", "replace").strip()
    if text:
        return "marker:" + text
    return "path:" + os.path.realpath(share_root)


def check_share(catalogue: Catalogue, share_root: Path, marker: str, *, record: bool = True) -> None:
    """Raise ``WrongShare`` when the library mirrors another share; record the share when new."""
    ident = share_identity(share_root, marker)
    if ident is None:
        return  # unreadable now: nothing will be taken from it either
    real = os.path.realpath(share_root)
    known = catalogue.get_meta("share_identity", "")
    if not known:
        if record:
            catalogue.set_meta("share_identity", ident)
            catalogue.set_meta("share_path", real)
        return
    if ident == known:
        if record and catalogue.get_meta("share_path", "") != real:
            catalogue.set_meta("share_path", real)  # the same share, mounted elsewhere
        return
    marker_missing = not (Path(share_root) / marker).exists()
    if known.startswith("marker:") and marker_missing and catalogue.get_meta("share_path", "") == real:
        return
    library = Path(catalogue.path).parent
    raise WrongShare(
        f"library {library} mirrors another share ({_shown(known)}, last at {catalogue.get_meta('share_path', '?')}), "
        f"not {share_root} ({_shown(ident)}); to mirror this share start a new library: "
        f"kiosk sync --share {share_root} --library NEW_FOLDER",
        library=str(library), share=str(share_root),
    )


def _shown(ident: str) -> str:
    kind, _, value = ident.partition(":")
    return f"marker {value[:60]!r}" if kind == "marker" else f"path {value}"
