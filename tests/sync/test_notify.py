from __future__ import annotations

import os
import socket
from pathlib import Path

from index.sync.daemon import SdNotifier


def test_notify_sends_datagram_to_socket(tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(2)
        n = SdNotifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "20000000"})
        assert n.enabled
        assert n.watchdog_interval_s == 10.0
        assert n.notify("READY=1", "STATUS=watching")
        assert server.recv(4096) == b"READY=1\nSTATUS=watching"


def test_notify_abstract_socket() -> None:
    name = f"kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind("\0" + name)
        server.settimeout(2)
        n = SdNotifier({"NOTIFY_SOCKET": "@" + name})
        assert n.notify("WATCHDOG=1")
        assert server.recv(100) == b"WATCHDOG=1"


def test_notify_disabled_without_socket(tmp_path: Path) -> None:
    n = SdNotifier({})
    assert not n.enabled and n.watchdog_interval_s is None
    assert n.notify("READY=1") is False
    # A socket that is gone is not an error for the daemon.
    assert SdNotifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")}).notify("READY=1") is False


def test_watchdog_for_another_pid_is_ignored() -> None:
    n = SdNotifier({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"})
    assert n.watchdog_interval_s is None


def test_notify_never_blocks_on_a_full_socket(tmp_path: Path) -> None:
    """A receiver that does not read fills its queue; the daemon must not hang on it."""
    path = tmp_path / "full.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        n = SdNotifier({"NOTIFY_SOCKET": str(path)})
        results = [n.notify("WATCHDOG=1") for _ in range(2000)]
        assert results[0] is True
        assert results[-1] is False  # dropped, not blocked
