"""What the watcher tells the daemon: a few kinds of change, each a small frozen dataclass.

``rel`` is the path relative to the share root with forward slashes. Events of different
kinds never compare equal, even for the same path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PathEvent:
    rel: str


class Touched(PathEvent):
    """A document file was created or written: take it once it is stable."""


class Deleted(PathEvent):
    """A document file is gone: it waits among the removals (the guard decides)."""


class DirDeleted(PathEvent):
    """A folder is gone (or renamed away): every document under it waits among the removals."""


class DirTouched(PathEvent):
    """A folder appeared (or was renamed here): every document under it is taken."""


class MetadataChanged(PathEvent):
    """A sidecar or folder catalogue changed: the documents it describes are described anew."""


@dataclass(frozen=True)
class Moved(PathEvent):
    """A document file was renamed inside the share."""

    new_rel: str


ShareEvent = Touched | Deleted | Moved | DirDeleted | DirTouched | MetadataChanged
