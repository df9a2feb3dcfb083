"""Names from Windows shares: bytes that are not UTF-8 (GBK), shown readably.

Python gives undecodable bytes of a file name back as lone surrogates
(``surrogateescape``); such a string opens the file fine but cannot be stored in
SQLite or JSON as is. ``display_name`` turns it into readable text for reports and
logs (trying GBK, the usual encoding of old Windows servers), ``is_clean`` says
whether a name can be stored as it is.
"""

from __future__ import annotations

import os


def is_clean(name: str) -> bool:
    """True when ``name`` is proper Unicode (no surrogate-escaped bytes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def display_name(name: str) -> str:
    """A readable form of a file name or relative path, for reports and logs (name by name)."""
    if is_clean(name):
        return name
    from index.sync.reconcile import display_rel

    return display_rel(os.fsencode(name))
