"""Names from Windows shares: bytes that are not UTF-8 (GBK), shown readably.

Python gives undecodable bytes of a file name back as lone surrogates
(``surrogateescape``); such a string opens the file fine but cannot be stored in
SQLite or JSON as is. ``display_name`` turns it into readable text for reports and
logs (trying GBK, the usual encoding of old Windows servers), ``is_clean`` says
whether a name can be stored as it is.
"""

from __future__ import annotations

import os

_FALLBACK_ENCODINGS = ("gbk", "gb18030", "big5")


def is_clean(name: str) -> bool:
    """True when ``name`` is proper Unicode (no surrogate-escaped bytes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def display_name(name: str) -> str:
    """A readable form of a file name or relative path, for reports and logs."""
    if is_clean(name):
        return name
    raw = os.fsencode(name)
    for encoding in _FALLBACK_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="backslashreplace")


def original_encoding(name: str) -> str:
    """'utf-8' for a clean name, else the first fallback encoding that decodes it, else ''."""
    if is_clean(name):
        return "utf-8"
    raw = os.fsencode(name)
    for encoding in _FALLBACK_ENCODINGS:
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return ""
