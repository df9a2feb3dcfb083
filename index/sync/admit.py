"""Files on the share the library must refuse, each with its reason (never a traceback, never a lost batch).

Judged from ``lstat``/``stat`` and the raw name before anything is opened:

- ``name_too_long``: the name with the sidecar suffix (``NAME.json``, index/metadata.py)
  does not fit the 255-byte limit of a file name (about 80 Chinese characters);
- ``not_regular``: a FIFO, socket or device (opening a FIFO would block the sync);
- ``hard_link``: a file with other names too (a hard link to ``/etc/passwd`` inside a
  local share would otherwise be published);
- ``other_device``: the file lies on another file system than the share (a mount
  inside the share);
- ``name_collision``: two raw names that read the same once decoded (non-UTF-8 bytes):
  the second is refused under its escaped raw name, the first is kept.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import stat
from dataclasses import dataclass

from index.models import Extracted

log = logging.getLogger(__name__)

def link_outside(real_root: str | bytes, path: str | bytes | os.PathLike[str]) -> str | None:
    """Where the symbolic link at ``path`` leads when that is outside the share whose resolved
    root is ``real_root``, else None: the one check the reconcile scan and the daemon make."""
    root = os.fsencode(real_root).rstrip(b"/")
    target = os.path.realpath(os.fsencode(path))
    return None if target == root or target.startswith(root + b"/") else os.fsdecode(target)


NAME_MAX = 255
SIDECAR_SUFFIX = ".json"


@dataclass(frozen=True)
class Refused:
    key: str  # the catalogue's name for the file (escaped raw bytes for a name collision)
    reason: str  # a key under [reject] in index/messages.toml
    detail: str
    size: int = 0
    mtime: float = 0.0


def refusal(name: bytes, st: os.stat_result, share_dev: int | None) -> tuple[str, str] | None:
    """(reason, detail) when the file must be refused, else None."""
    if len(name) + len(SIDECAR_SUFFIX) > NAME_MAX:
        return "name_too_long", (f"name is {len(name)} bytes; with its sidecar suffix {SIDECAR_SUFFIX} "
                                 f"it passes the {NAME_MAX}-byte limit of a file name")
    if not stat.S_ISREG(st.st_mode):
        return "not_regular", f"not a regular file ({stat.filemode(st.st_mode)})"
    if st.st_nlink > 1:
        return "hard_link", f"hard link: the same file has {st.st_nlink} names"
    if share_dev is not None and st.st_dev != share_dev:
        return "other_device", "the file lies on another file system than the share"
    return None


def escaped(raw_rel: bytes) -> str:
    """A raw relative name as text that keeps every byte apart (``\\xff`` for an undecodable byte)."""
    return raw_rel.decode("utf-8", "backslashreplace")


def cap_text(extracted: Extracted, max_chars: int) -> Extracted:
    """At most ``max_chars`` characters of text (whole pages, the last one cut): one 10 MB TXT
    must not make a 448 MB index. The cut is noted in the document's metadata sources."""
    total = sum(len(p) for p in extracted.pages)
    if total <= max_chars:
        return extracted
    pages: list[str] = []
    left = max_chars
    for page in extracted.pages:
        if left <= 0:
            break
        pages.append(page[:left])
        left -= len(pages[-1])
    log.warning("text cut: %d of %d characters kept (extract.max_indexed_chars)", max_chars, total)
    return dataclasses.replace(extracted, pages=pages + [""] * (len(extracted.pages) - len(pages)))
