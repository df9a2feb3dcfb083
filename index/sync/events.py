"""What the watcher tells the daemon: a few kinds of change, each a small frozen dataclass.

``rel`` is the path relative to the share root with forward slashes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Touched:
    """A document file was created or written: take it once it is stable."""

    rel: str


@dataclass(frozen=True, slots=True)
class Deleted:
    """A document file is gone: it waits among the removals (the guard decides)."""

    rel: str


@dataclass(frozen=True, slots=True)
class Moved:
    """A document file was renamed inside the share."""

    rel: str
    new_rel: str


@dataclass(frozen=True, slots=True)
class DirDeleted:
    """A folder is gone (or renamed away): every document under it waits among the removals."""

    rel: str


@dataclass(frozen=True, slots=True)
class DirTouched:
    """A folder appeared (or was renamed here): every document under it is taken."""

    rel: str


@dataclass(frozen=True, slots=True)
class MetadataChanged:
    """A sidecar or folder catalogue changed: the documents it describes are described anew."""

    rel: str


ShareEvent = Touched | Deleted | Moved | DirDeleted | DirTouched | MetadataChanged
