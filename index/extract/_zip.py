"""Reading members of zip-based formats (DOCX, OFD) under a decompressed-size cap.

Two guards: the sum of the sizes the archive declares (``ZipInfo.file_size``) is
checked before anything is inflated, and every member is then read in chunks with
a running count, so an archive whose headers lie is stopped as soon as the real
output passes the cap.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from index.errors import ExtractionError

_CHUNK = 1024 * 1024
_MAX_MEMBERS = 100_000


class GuardedZip:
    """A zip archive opened from bytes whose members are read under one shared budget."""

    def __init__(self, data: bytes, max_unzipped_bytes: int, *, kind: str) -> None:
        self.kind = kind
        self.budget = max_unzipped_bytes
        self.used = 0
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
            raise ExtractionError("corrupt", f"{kind}: not a readable zip archive: {exc}") from exc
        if len(infos) > _MAX_MEMBERS:
            raise ExtractionError("zip_bomb", f"{kind}: {len(infos)} zip members (limit {_MAX_MEMBERS})")
        declared = sum(i.file_size for i in infos)
        if declared > max_unzipped_bytes:
            raise ExtractionError(
                "zip_bomb",
                f"{kind}: members declare {declared} bytes uncompressed (limit {max_unzipped_bytes})",
            )
        self._names = {i.filename: i for i in infos}
        # Case-insensitive lookup and tolerance of a leading slash or backslashes.
        self._folded = {n.lower().lstrip("/").replace("\\", "/"): n for n in self._names}

    def names(self) -> list[str]:
        return list(self._names)

    def find(self, name: str) -> str | None:
        if name in self._names:
            return name
        return self._folded.get(name.lower().lstrip("/").replace("\\", "/"))

    def read(self, name: str) -> bytes:
        """Read one member, counting its real decompressed size against the budget."""
        real = self.find(name)
        if real is None:
            raise ExtractionError("corrupt", f"{self.kind}: member {name!r} is missing")
        info = self._names[real]
        if info.flag_bits & 0x1:
            raise ExtractionError("encrypted", f"{self.kind}: member {real!r} is encrypted")
        out = bytearray()
        try:
            with self._zip.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    self.used += len(chunk)
                    if self.used > self.budget:
                        raise ExtractionError(
                            "zip_bomb",
                            f"{self.kind}: more than {self.budget} bytes after decompression",
                        )
                    out += chunk
        except ExtractionError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise ExtractionError("corrupt", f"{self.kind}: member {real!r} is damaged: {exc}") from exc
        return bytes(out)
