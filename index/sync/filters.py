"""Which names on the share are documents, and which are debris or still being written."""

from __future__ import annotations

import fnmatch
from pathlib import PurePosixPath

# Names that are still being written, or that desktops and NAS boxes leave behind.
IGNORED_FILE_PATTERNS: tuple[str, ...] = (
    "*.part", "*.tmp", "*.crdownload", "*.filepart", "~$*", ".~lock.*", ".syncthing.*",
    ".DS_Store", "._*", "Thumbs.db", "desktop.ini", "*.json",  # sidecars are read with their document
    ".kiosk-share",
)
IGNORED_DIRS: frozenset[str] = frozenset({"@eaDir", ".stfolder", "__MACOSX", ".Trashes", ".kiosk-status", ".git"})

# Metadata files that belong to a folder, not documents of their own.
FOLDER_CATALOGUE_NAMES: frozenset[str] = frozenset({"目录.xlsx", "catalog.csv", "目录.csv", "catalog.xlsx"})

DOCUMENT_SUFFIXES: frozenset[str] = frozenset({
    ".pdf", ".docx", ".txt", ".html", ".htm", ".md", ".ofd", ".doc", ".wps",
    ".tif", ".tiff", ".png", ".jpg", ".jpeg",  # scans (OCR)
})


def is_ignored(rel_path: str) -> bool:
    """True for debris, partial files, hidden and status folders, sidecars and folder catalogues."""
    parts = PurePosixPath(rel_path).parts
    if any(p in IGNORED_DIRS for p in parts[:-1]):
        return True
    name = parts[-1] if parts else ""
    if name in FOLDER_CATALOGUE_NAMES:
        return True
    return any(fnmatch.fnmatchcase(name, pat) for pat in IGNORED_FILE_PATTERNS)


def is_candidate(rel_path: str) -> bool:
    """True for a name that should be taken as a document (or rejected with a reason)."""
    if is_ignored(rel_path):
        return False
    name = PurePosixPath(rel_path).name
    return not name.startswith(".")
