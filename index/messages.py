"""The one message catalogue: every sentence a visitor, staff member or technician reads.

Texts live in ``messages.toml`` beside this module (Simplified Chinese), keyed by
dotted names; code refers to keys only, so wording can be reviewed in one place.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

_CATALOGUE = Path(__file__).with_name("messages.toml")


@cache
def _load() -> dict[str, str]:
    with _CATALOGUE.open("rb") as fh:
        data = tomllib.load(fh)
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value)
            else:
                flat[name] = str(value)

    walk("", data)
    return flat


def keys() -> list[str]:
    """All message keys, for tests that check every key is used and formatted."""
    return sorted(_load())


def t(key: str, /, **params: Any) -> str:
    """Return the text for ``key`` with ``{name}`` placeholders filled in.

    An unknown key raises ``KeyError``: a missing text is a bug, not a blank screen.
    """
    text = _load()[key]
    return text.format(**params) if params else text


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def t_partial(key: str, /, **params: Any) -> str:
    """Like ``t``, but a placeholder without a value is left empty (for errors raised anywhere)."""
    return _load()[key].format_map(_Blank(params))
