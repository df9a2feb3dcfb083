"""Watchdog's events, reduced to the few kinds of ``index.sync.events``.

Touched, deleted, moved, folder deleted or touched, metadata changed: queued for the
daemon's single thread. Which file is a document or a metadata file is ``SHARE_FILTER``'s
decision, the same one the reconcile pass and the rescan make.
"""

from __future__ import annotations

import os
import queue
from pathlib import Path

from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

from index.sync.events import (
    Deleted,
    DirDeleted,
    DirTouched,
    MetadataChanged,
    Moved,
    ShareEvent,
    Touched,
)
from index.sync.filters import SHARE_FILTER


def rel_path(share_root: str, path: str | bytes) -> str | None:
    """Path relative to the share root with '/' separators; None when outside it."""
    p = os.fsdecode(path)
    rel = os.path.relpath(p, share_root)
    if rel == "." or rel.startswith(".." + os.sep) or rel == "..":
        return None
    return rel.replace(os.sep, "/")


class ShareEventHandler(FileSystemEventHandler):
    """Turns watchdog events into ``index.sync.events`` items on a queue."""

    def __init__(self, share_root: Path, events: queue.Queue[ShareEvent]) -> None:
        self.share_root = os.fspath(share_root)
        self.events = events

    def _rel(self, path: str | bytes) -> str | None:
        return rel_path(self.share_root, path)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, (FileCreatedEvent, FileModifiedEvent)) or event.event_type == "closed":
            if event.is_directory:
                return
            rel = self._rel(event.src_path)
            if rel and SHARE_FILTER.is_document(rel):
                self.events.put(Touched(rel))
            elif rel and SHARE_FILTER.is_metadata(rel):
                self.events.put(MetadataChanged(rel))
        elif isinstance(event, (FileDeletedEvent, DirDeletedEvent)):
            rel = self._rel(event.src_path)
            if rel is None:
                return
            if event.is_directory:
                if not SHARE_FILTER.in_ignored_dir(rel):
                    self.events.put(DirDeleted(rel))
            elif SHARE_FILTER.is_document(rel):
                self.events.put(Deleted(rel))
            elif SHARE_FILTER.is_metadata(rel):
                self.events.put(MetadataChanged(rel))  # a sidecar removed: its document is described anew
        elif isinstance(event, (FileMovedEvent, DirMovedEvent)):
            old, new = self._rel(event.src_path), self._rel(event.dest_path)
            if event.is_directory:
                # Folder renamed: the files below the new name are taken (recognised as moves by
                # their checksums), the old names wait among the removals.
                if old and not SHARE_FILTER.in_ignored_dir(old):
                    self.events.put(DirDeleted(old))
                if new and not SHARE_FILTER.in_ignored_dir(new):
                    self.events.put(DirTouched(new))
                return
            old_rel, new_rel = old or "", new or ""
            old_doc = bool(old_rel) and SHARE_FILTER.is_document(old_rel)
            new_doc = bool(new_rel) and SHARE_FILTER.is_document(new_rel)
            if old_doc and new_doc:
                self.events.put(Moved(old_rel, new_rel))
                return
            if old_doc:
                self.events.put(Deleted(old_rel))
            elif old_rel and SHARE_FILTER.is_metadata(old_rel):
                self.events.put(MetadataChanged(old_rel))
            if new_doc:
                self.events.put(Touched(new_rel))
            elif new_rel and SHARE_FILTER.is_metadata(new_rel):
                self.events.put(MetadataChanged(new_rel))
