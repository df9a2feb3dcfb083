"""Deletion safety: when the library may lose documents because the share lost files.

Nothing is removed from the library when the share is unreachable, appears empty or
lacks its marker file (``share.marker`` at the share root): an unmounted network
share looks exactly like a share whose staff deleted everything. A pass that would
remove more than ``sync.max_removal_fraction`` of the library or more than
``sync.max_removal_count`` documents holds until allowed (``--allow-mass-removal``
or ``sync.allow_mass_removal``). The share probe runs in a helper thread with a time
limit, because ``stat`` on a dead network mount can hang for minutes.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.messages import t

log = logging.getLogger(__name__)

# Message keys (index/messages.toml, [sync]) a held pass reports.
SHARE_UNREACHABLE = "sync.guard_share_unreachable"
SHARE_EMPTY = "sync.guard_share_empty"
NO_MARKER = "sync.guard_no_marker"
MASS_REMOVAL = "sync.guard_mass_removal"

PROBE_TIMEOUT_S = 15.0

# Entries at the share root that do not count as content.
_NOT_CONTENT = {".kiosk-status"}


@dataclass(frozen=True)
class GuardDecision:
    """``allowed`` False means: remove nothing in this pass, and report ``reason_key``."""

    allowed: bool
    reason_key: str = ""  # "" when allowed; else a message key under [sync]
    detail: str = ""  # English, for logs and technicians
    params: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        """The Chinese sentence for staff ("" when allowed)."""
        return t(self.reason_key, **self.params) if self.reason_key else ""


@dataclass(frozen=True)
class ShareState:
    reachable: bool
    has_marker: bool
    has_content: bool
    detail: str = ""


def probe_share(share_root: Path, marker: str, timeout_s: float = PROBE_TIMEOUT_S) -> ShareState:
    """Look at the share root without ever hanging longer than ``timeout_s``."""
    result: list[ShareState] = []

    def run() -> None:
        try:
            if not share_root.is_dir():
                result.append(ShareState(False, False, False, f"{share_root} is not a folder"))
                return
            has_marker = False
            has_content = False
            with os.scandir(share_root) as it:
                for entry in it:
                    if entry.name == marker:
                        has_marker = True
                    elif entry.name not in _NOT_CONTENT:
                        has_content = True
                    if has_marker and has_content:
                        break
            result.append(ShareState(True, has_marker, has_content))
        except OSError as exc:
            result.append(ShareState(False, False, False, f"cannot read {share_root}: {exc.strerror or exc}"))

    thread = threading.Thread(target=run, name="share-probe", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if not result:
        return ShareState(False, False, False, f"{share_root} did not answer within {timeout_s:g} s")
    return result[0]


class RemovalGuard:
    """Decides whether a pass may remove documents; stateless, configuration-driven."""

    @staticmethod
    def check(
        share_root: Path,
        to_remove: int,
        library_size: int,
        config: Mapping[str, Any],
        *,
        probe_timeout_s: float = PROBE_TIMEOUT_S,
    ) -> GuardDecision:
        """May a pass remove ``to_remove`` of the ``library_size`` documents of the library?

        ``config`` gives share.marker, sync.max_removal_fraction, sync.max_removal_count and
        sync.allow_mass_removal (the CLI's --allow-mass-removal is an override of the latter).
        A pass removing nothing is always allowed (the share is not even probed).
        """
        if to_remove <= 0:
            return GuardDecision(True)
        share_root = Path(share_root)
        state = probe_share(share_root, str(config["share.marker"]), probe_timeout_s)
        if not state.reachable:
            return _hold(SHARE_UNREACHABLE, state.detail, share=str(share_root))
        if not state.has_marker:
            return _hold(
                NO_MARKER,
                f"marker file {config['share.marker']!r} missing at {share_root}",
                share=str(share_root), marker=str(config["share.marker"]),
            )
        if not state.has_content:
            return _hold(SHARE_EMPTY, f"{share_root} holds nothing but its marker", share=str(share_root))
        limit_count = int(config["sync.max_removal_count"])
        limit_fraction = float(config["sync.max_removal_fraction"])
        fraction = to_remove / library_size if library_size > 0 else 1.0
        # A single removal is never "mass" removal, whatever the library's size.
        too_many = to_remove > limit_count or (to_remove > 1 and fraction > limit_fraction)
        if too_many:
            detail = (
                f"pass would remove {to_remove} of {library_size} documents "
                f"(limits: {limit_count} documents, {limit_fraction:.0%} of the library)"
            )
            if config["sync.allow_mass_removal"]:
                log.warning("mass removal allowed by configuration: %s", detail)
                return GuardDecision(True, "", detail + "; allowed")
            return _hold(MASS_REMOVAL, detail, count=to_remove, total=library_size)
        return GuardDecision(True)


def _hold(key: str, detail: str, **params: Any) -> GuardDecision:
    log.info("removal held (%s): %s", key, detail)  # callers report it once, as they see fit
    return GuardDecision(False, key, detail, params)
