"""Review (先审查、后公开): folders whose documents count as reviewed."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from index.metadata.fields import _nfkc
from index.models import STATE_PENDING, STATE_PUBLIC, DocumentMeta


def is_trusted_folder(rel_path: str, patterns: Iterable[str]) -> bool:
    """True when the document's folder (or one of its parent folders) matches a pattern of
    ``review.trusted_folders`` (fnmatch on the relative folder path, forward slashes)."""
    parent = PurePosixPath(_nfkc(rel_path).replace("\\", "/")).parent
    folders = [str(p) for p in [parent, *parent.parents] if str(p) not in ("", ".")]
    for pattern in patterns:
        pat = _nfkc(pattern).replace("\\", "/").strip("/")
        base = pat[:-3] if pat.endswith("/**") else pat  # "X/**" means X and everything beneath
        if pat and any(fnmatch.fnmatchcase(folder, pat) or fnmatch.fnmatchcase(folder, base) for folder in folders):
            return True
    return False


def review_state(source_path: str, meta: DocumentMeta, config: Mapping[str, Any]) -> str:
    """``public`` when review is not required, or the document carries a review record, or it
    lies in a folder that staff fill only with reviewed files; otherwise ``pending``."""
    if not config["review.required"] or meta.reviewed:
        return STATE_PUBLIC
    if is_trusted_folder(source_path, config["review.trusted_folders"]):
        return STATE_PUBLIC
    return STATE_PENDING
