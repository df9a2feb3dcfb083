"""The project's exception hierarchy.

Errors carry data (which file, which limit) and a message key from the catalogue
(``index/messages.toml``); they are translated once, at the edge: a one-line CLI
message with an exit code, or a sentence on the screen.
"""

from __future__ import annotations

from typing import Any


class KioskError(Exception):
    """Base class for every error the project raises on purpose."""

    message_key = "error.generic"

    def __init__(self, detail: str = "", **params: Any) -> None:
        super().__init__(detail or self.message_key)
        self.detail = detail
        self.params = params

    def message(self) -> str:
        """The catalogue's sentence for this error (Simplified Chinese), with its data filled in.

        This is the one translation: the CLI prints it, the app shows it. A placeholder the
        raiser did not supply is left empty rather than hiding the error behind a KeyError.
        """
        from index.messages import t_partial

        return t_partial(self.message_key, detail=self.detail, **self.params)


class ConfigError(KioskError):
    """The configuration file is missing, unreadable or has a bad key/value."""

    message_key = "error.config"


class LibraryError(KioskError):
    """The library folder, catalogue or index cannot be used."""

    message_key = "error.library"


class IndexCorrupt(LibraryError):
    """The Whoosh index cannot be opened or disagrees with the catalogue."""

    message_key = "error.index_corrupt"


class ExtractionError(KioskError):
    """A file could not be turned into text; ``reason`` is a catalogue key under ``reject.``."""

    message_key = "error.extraction"

    def __init__(self, reason: str, detail: str = "", **params: Any) -> None:
        super().__init__(detail or reason, **params)
        self.reason = reason


class ShareUnavailable(KioskError):
    """The share is not mounted, unreadable, empty or lacks its marker file."""

    message_key = "error.share_unavailable"


class LibraryBusy(LibraryError):
    """Another process holds the library's writer lock (one writer per library)."""

    message_key = "error.library_busy"


class WrongShare(LibraryError):
    """The library mirrors another share than the one it was given."""

    message_key = "error.wrong_share"
