"""``kiosk sync`` (watching) as a real process: systemd notify, a file taken, SIGTERM, nothing left behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from index.config import load_config
from index.library import Library

REPO = Path(__file__).resolve().parents[2]


def _marked_processes(mark: str) -> list[int]:
    """Processes whose environment carries ``mark`` (the daemon and anything it started)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if mark.encode() in fh.read():
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def _drain(sock: socket.socket) -> None:
    sock.setblocking(False)
    try:
        while True:
            sock.recv(4096)
    except BlockingIOError:
        pass
    finally:
        sock.setblocking(True)


def _recv_until(sock: socket.socket, want: str, timeout: float) -> list[str]:
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            got.extend(sock.recv(4096).decode().split("\n"))
        except TimeoutError:
            break
        if want in got:
            return got
    raise AssertionError(f"{want} not received; got {got}")


def test_daemon_process_notifies_takes_files_and_stops_on_sigterm(tmp_path: Path, share: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(
        '[terminal]\nid = "t-test"\n[sync]\nstability_delay_s = 0.2\npoll_interval_s = 0.2\n'
        '[review]\ntrusted_folders = ["规范性文件"]\n', encoding="utf-8")
    lib_root = tmp_path / "library"
    (share / "规范性文件").mkdir()
    (share / "规范性文件" / "关于开馆时间的通知.txt").write_text("关于开馆时间的通知\n\n本馆每周一闭馆。\n", encoding="utf-8")
    mark = f"KIOSK_TEST_MARK={uuid.uuid4().hex}"
    sock_path = tmp_path / "notify.sock"
    env = {**os.environ, "NOTIFY_SOCKET": str(sock_path), "WATCHDOG_USEC": "200000",
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
           mark.split("=")[0]: mark.split("=")[1]}
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server, (tmp_path / "daemon.err").open("wb") as err:
        server.bind(str(sock_path))
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--config", str(cfg), "sync", "--share", str(share), "--library", str(lib_root)],
            env=env, stdout=subprocess.DEVNULL, stderr=err,
        )
        try:
            _recv_until(server, "READY=1", 90)
            _recv_until(server, "WATCHDOG=1", 10)
            config = load_config(cfg)
            with Library.open(lib_root, config) as reader:
                assert reader.search("开馆时间").total == 1  # the first pass
                (share / "规范性文件" / "关于闭馆日的通知.txt").write_text("关于闭馆日的通知\n\n春节闭馆七天。\n", encoding="utf-8")
                deadline = time.monotonic() + 30
                while not reader.search("春节闭馆").total:
                    assert time.monotonic() < deadline, "new file not taken by the running daemon"
                    _drain(server)  # read as systemd does, so the daemon's messages keep flowing
                    time.sleep(0.1)
                    reader.refresh()
            _drain(server)
            status = json.loads((share / ".kiosk-status" / "t-test.json").read_text(encoding="utf-8"))
            assert status["terminal_id"] == "t-test" and status["share_ok"] is True
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGUSR1)  # stacks of every thread to the daemon's stderr
                time.sleep(1)
                raise AssertionError("daemon did not stop on SIGTERM:\n" + (tmp_path / "daemon.err").read_text()) from None
            assert code == 0, (tmp_path / "daemon.err").read_text()
            _recv_until(server, "STOPPING=1", 5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    deadline = time.monotonic() + 10
    while _marked_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.1)  # an extraction worker exits when its parent's pipe closes
    assert _marked_processes(mark) == [], "processes left behind"
