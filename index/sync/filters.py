"""Which names on the share are documents, which describe documents, and which are debris.

One ``ShareFilter`` answers every such question for the reconcile pass, the watcher's
events and the rescan, so they can never disagree about which file is a document.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import PurePosixPath

from index.metadata import (
    FOLDER_CATALOGUE_NAMES,  # a folder's spreadsheet: metadata, not a document
)

# Names that are still being written, or that desktops and NAS boxes leave behind.
IGNORED_FILE_PATTERNS: tuple[str, ...] = (
    "*.part", "*.tmp", "*.crdownload", "*.filepart", "~$*", ".~lock.*", ".syncthing.*",
    ".DS_Store", "._*", "Thumbs.db", "desktop.ini", "*.json",  # sidecars are read with their document
    ".kiosk-share",
)
IGNORED_DIRS: frozenset[str] = frozenset({"@eaDir", ".stfolder", "__MACOSX", ".Trashes", ".kiosk-status", ".git"})

DOCUMENT_SUFFIXES: frozenset[str] = frozenset({
    ".pdf", ".docx", ".txt", ".html", ".htm", ".md", ".ofd", ".doc", ".wps",
    ".tif", ".tiff", ".png", ".jpg", ".jpeg",  # scans (OCR)
})


class ShareFilter:
    """The share's naming rules: folders never entered, document names, metadata names."""

    def __init__(self, ignored_dirs: frozenset[str] = IGNORED_DIRS,
                 ignored_patterns: tuple[str, ...] = IGNORED_FILE_PATTERNS,
                 catalogue_names: frozenset[str] = FOLDER_CATALOGUE_NAMES) -> None:
        self.ignored_dirs = ignored_dirs
        self.catalogue_names = catalogue_names
        # One compiled pattern: the rescan asks for every file on the share (100,000
        # fnmatch loops cost seconds; one regex match does not).
        self._ignored_name = re.compile("|".join(fnmatch.translate(p) for p in ignored_patterns))

    def enters(self, dir_name: str) -> bool:
        """True for a folder whose contents belong to the share (not ``@eaDir``, ``.kiosk-status`` …)."""
        return dir_name not in self.ignored_dirs

    def entries(self, listing: Iterable[os.DirEntry[str]], files: Callable[[str], bool] = lambda _name: True,
                ) -> Iterator[tuple[os.DirEntry[str], os.stat_result | None]]:
        """The entries of one folder listing that the sync looks at: ``(entry, None)`` for a folder
        it enters, ``(entry, lstat)`` for a file whose name ``files`` accepts; entries that vanish
        or cannot be read while listed are skipped. Symbolic links are files here (never entered)."""
        for entry in listing:
            try:
                if entry.is_dir(follow_symlinks=False):
                    st = None
                    if not self.enters(entry.name):
                        continue
                elif files(entry.name):
                    st = entry.stat(follow_symlinks=False)
                else:
                    continue
            except OSError:
                continue
            yield entry, st

    def in_ignored_dir(self, rel_path: str) -> bool:
        """True when any folder of ``rel_path`` (the last part included) is one never entered."""
        return any(p in self.ignored_dirs for p in rel_path.split("/"))

    def is_document_name(self, name: str) -> bool:
        """For a file whose folders are already known to be entered: is it taken as a document?"""
        return not (name.startswith(".") or name in self.catalogue_names or self._ignored_name.match(name))

    def is_document(self, rel_path: str) -> bool:
        """True for a path that should be taken as a document (or rejected with a reason)."""
        parts = PurePosixPath(rel_path).parts
        if not parts or any(p in self.ignored_dirs for p in parts[:-1]):
            return False
        return self.is_document_name(parts[-1])

    def is_metadata(self, rel_path: str) -> bool:
        """A sidecar (``NAME.EXT.json``) or folder catalogue (``目录.xlsx`` …): it changes a document's metadata."""
        parts = rel_path.split("/")
        if any(p in self.ignored_dirs for p in parts[:-1]):
            return False
        name = parts[-1]
        return name in self.catalogue_names or (name.endswith(".json") and not name.startswith("."))

    def is_ignored(self, rel_path: str) -> bool:
        """True for debris, partial files, hidden and status folders, sidecars and folder catalogues."""
        parts = PurePosixPath(rel_path).parts
        if any(p in self.ignored_dirs for p in parts[:-1]):
            return True
        name = parts[-1] if parts else ""
        return name in self.catalogue_names or bool(self._ignored_name.match(name))


SHARE_FILTER = ShareFilter()
is_candidate = SHARE_FILTER.is_document
is_ignored = SHARE_FILTER.is_ignored
is_metadata_file = SHARE_FILTER.is_metadata
