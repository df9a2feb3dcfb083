from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.config import Config
from index.messages import t
from index.sync.guard import MASS_REMOVAL, NO_MARKER, SHARE_EMPTY, SHARE_UNREACHABLE, RemovalGuard


def _with_doc(share: Path) -> Path:
    (share / "规范性文件").mkdir()
    (share / "规范性文件" / "a.txt").write_text("x", encoding="utf-8")
    return share


def test_nothing_to_remove_is_always_allowed(tmp_path: Path, config: Config) -> None:
    decision = RemovalGuard.check(tmp_path / "missing", 0, 10, config)
    assert decision.allowed and decision.reason_key == ""


def test_unreachable_share_holds(tmp_path: Path, config: Config) -> None:
    decision = RemovalGuard.check(tmp_path / "not-mounted", 1, 10, config)
    assert not decision.allowed
    assert decision.reason_key == SHARE_UNREACHABLE
    assert decision.message() == t(SHARE_UNREACHABLE)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders without permission; covered by the missing-folder case")
def test_unreadable_share_holds(share: Path, config: Config) -> None:
    share.chmod(0)
    try:
        assert RemovalGuard.check(share, 1, 10, config).reason_key == SHARE_UNREACHABLE
    finally:
        share.chmod(0o755)


def test_missing_marker_holds(tmp_path: Path, config: Config) -> None:
    root = tmp_path / "mnt"
    root.mkdir()
    (root / "a.txt").write_text("x", encoding="utf-8")
    decision = RemovalGuard.check(root, 1, 10, config)
    assert (decision.allowed, decision.reason_key) == (False, NO_MARKER)
    assert ".kiosk-share" in decision.message()


def test_marker_name_comes_from_config(tmp_path: Path, config: Config) -> None:
    root = tmp_path / "mnt"
    root.mkdir()
    (root / "a.txt").write_text("x", encoding="utf-8")
    (root / "ARCHIVE-SHARE").write_text("", encoding="utf-8")
    cfg = config.with_overrides({"share.marker": "ARCHIVE-SHARE"})
    assert RemovalGuard.check(root, 1, 10, cfg).allowed
    assert not RemovalGuard.check(root, 1, 10, config).allowed


def test_empty_share_holds(share: Path, config: Config) -> None:
    (share / ".kiosk-status").mkdir()  # terminals' status files are not content
    decision = RemovalGuard.check(share, 3, 3, config)
    assert (decision.allowed, decision.reason_key) == (False, SHARE_EMPTY)


def test_ordinary_removal_allowed(share: Path, config: Config) -> None:
    _with_doc(share)
    assert RemovalGuard.check(share, 1, 10, config).allowed
    assert RemovalGuard.check(share, 20, 100, config).allowed  # exactly the fraction: allowed


def test_single_removal_from_small_library_allowed(share: Path, config: Config) -> None:
    _with_doc(share)
    assert RemovalGuard.check(share, 1, 2, config).allowed


def test_mass_removal_by_fraction_holds(share: Path, config: Config) -> None:
    _with_doc(share)
    decision = RemovalGuard.check(share, 21, 100, config)
    assert (decision.allowed, decision.reason_key) == (False, MASS_REMOVAL)
    assert "21" in decision.message() and "100" in decision.message()


def test_mass_removal_by_count_holds(share: Path, config: Config) -> None:
    _with_doc(share)
    cfg = config.with_overrides({"sync.max_removal_count": 5})
    assert not RemovalGuard.check(share, 6, 1000, cfg).allowed
    assert RemovalGuard.check(share, 5, 1000, cfg).allowed


def test_mass_removal_allowed_by_setting(share: Path, config: Config) -> None:
    _with_doc(share)
    cfg = config.with_overrides({"sync.allow_mass_removal": True})
    decision = RemovalGuard.check(share, 90, 100, cfg)
    assert decision.allowed and "allowed" in decision.detail


def test_allowed_does_not_override_missing_share(tmp_path: Path, config: Config) -> None:
    cfg = config.with_overrides({"sync.allow_mass_removal": True})
    assert not RemovalGuard.check(tmp_path / "gone", 90, 100, cfg).allowed
