"""``kiosk doctor`` against real set-ups, healthy and broken, one thing at a time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from index.config import load_config
from index.ops import health

from .conftest import Terminal, build_library, run_kiosk

CHECK_NAMES = ["config", "display", "font", "handwriting", "share", "library", "disk", "clock", "sync", "printer", "ocr"]
# The clock check reads the host's kernel/NTP state, which a test cannot set.
NOT_UNDER_TEST = {"clock"}


def checks_of(proc: subprocess.CompletedProcess[str]) -> dict[str, dict]:
    data = json.loads(proc.stdout)
    assert [c["name"] for c in data["checks"]] == CHECK_NAMES
    # exit status 0 exactly when every check passes
    assert proc.returncode == (0 if all(c["ok"] for c in data["checks"]) else 1), proc.stderr
    assert data["ok"] == (proc.returncode == 0)
    return {c["name"]: c for c in data["checks"]}


def test_a_healthy_terminal_passes_every_check_it_controls(terminal: Terminal) -> None:
    checks = checks_of(terminal.doctor("--json"))
    for name, check in checks.items():
        if name not in NOT_UNDER_TEST:
            assert check["ok"], f"{name}: {check['message']} / {check['fix']}"
            assert check["fix"] == ""
    assert "公开 1 份" in checks["library"]["message"]
    assert checks["library"]["data"]["counts"]["public"] == 1


def test_text_output_one_line_per_check_with_marks_and_fixes(terminal: Terminal) -> None:
    terminal.write_config(**{"app.printer": "no-such-printer-here"})
    proc = terminal.doctor()
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == len(CHECK_NAMES) + 1  # + the summary
    assert all(line[0] in "✔✘" for line in lines[:-1])
    printer = next(line for line in lines if "打印机 (printer)" in line)
    assert printer.startswith("✘") and "no-such-printer-here" in printer and "处理: " in printer
    assert "lpstat -p" in printer
    assert proc.returncode == 1 and "项检查未通过" in lines[-1]


def test_bad_config_key_names_the_nearest_and_other_checks_still_run(terminal: Terminal) -> None:
    terminal.write_config(extra="sync.poll_intervall_s = 5\n")
    proc = terminal.doctor("--json")
    checks = checks_of(proc)
    assert proc.returncode == 1
    config = checks["config"]
    assert not config["ok"]
    assert "sync.poll_intervall_s" in config["message"] and "sync.poll_interval_s" in config["message"]
    assert "sync.poll_interval_s" in config["fix"] and "docs/SETTINGS.md" in config["fix"]
    # the doctor carries on with default settings: the font is found the default way
    assert checks["font"]["ok"]


def test_out_of_range_value_and_missing_file(terminal: Terminal, tmp_path: Path) -> None:
    terminal.write_config(**{"app.orientation": "sideways"})
    config = checks_of(terminal.doctor("--json"))["config"]
    assert not config["ok"] and "app.orientation" in config["message"] and "landscape | portrait" in config["message"]
    proc = run_kiosk("--config", str(tmp_path / "absent.toml"), "doctor", "--json")
    config = checks_of(proc)["config"]
    assert not config["ok"] and "absent.toml" in config["message"] and "ansible-playbook" in config["fix"]


def test_missing_font(terminal: Terminal) -> None:
    missing = terminal.root / "fonts" / "NotoSansCJKsc-Regular.otf"
    terminal.write_config(**{"app.font_path": str(missing)})
    font = checks_of(terminal.doctor("--json"))["font"]
    assert not font["ok"] and str(missing) in font["message"] and "app.font_path" in font["fix"]


def test_font_without_chinese_and_japanese_first_face(terminal: Terminal) -> None:
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin.is_file():
        pytest.skip("DejaVuSans.ttf missing (fonts-dejavu-core)")
    check = health.check_font(load_config(terminal.config).with_overrides({"app.font_path": str(latin)}))
    assert not check.ok and "缺少中文字形" in check.message and "档" in check.message
    noto = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if noto.is_file():  # its first face is Japanese: Kivy would draw 门 直 骨 the Japanese way
        check = health.check_font(load_config(terminal.config).with_overrides({"app.font_path": str(noto)}))
        assert not check.ok and "日文" in check.message


def test_missing_share_marker(terminal: Terminal) -> None:
    (terminal.share / ".kiosk-share").unlink()
    share = checks_of(terminal.doctor("--json"))["share"]
    assert not share["ok"] and ".kiosk-share" in share["message"]
    assert "automount" in share["fix"]


def test_share_folder_missing(terminal: Terminal) -> None:
    shutil.rmtree(terminal.share)
    share = checks_of(terminal.doctor("--json"))["share"]
    assert not share["ok"] and str(terminal.share) in share["message"]


def test_corrupt_index(terminal: Terminal) -> None:
    index_dir = terminal.library / "index"
    for path in index_dir.rglob("*"):
        if path.is_file():
            path.write_bytes(b"\x00garbage" * 64)
    library = checks_of(terminal.doctor("--json"))["library"]
    assert not library["ok"] and "索引损坏" in library["message"]
    assert "kiosk index rebuild" in library["fix"]


def test_index_disagrees_with_catalogue(terminal: Terminal) -> None:
    for copy in (terminal.library / "files").rglob("*.txt"):
        copy.unlink()  # the catalogue says public, the copy is gone
    library = checks_of(terminal.doctor("--json"))["library"]
    assert not library["ok"] and "不一致" in library["message"] and "copy missing" in library["message"]


def test_corrupt_catalogue(terminal: Terminal) -> None:
    (terminal.library / "catalogue.sqlite").write_bytes(b"this is not a database" * 100)
    for side in ("catalogue.sqlite-wal", "catalogue.sqlite-shm"):
        (terminal.library / side).unlink(missing_ok=True)
    library = checks_of(terminal.doctor("--json"))["library"]
    assert not library["ok"] and "损坏" in library["message"]


@pytest.fixture
def tiny_disk(tmp_path: Path):
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root and mount permission): {proc.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_full_disk(terminal: Terminal, tiny_disk: Path) -> None:
    library = tiny_disk / "library"
    library.mkdir()
    terminal.write_config(**{"library.path": str(library), "sync.min_free_mb": 0})
    ok = health.check_disk(load_config(terminal.config))
    assert ok.ok, ok.message  # an empty 1 MiB disk with min_free_mb = 0 is fine ...
    with open(tiny_disk / "filler", "wb") as fh:  # ... until it is full
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    disk = checks_of(terminal.doctor("--json"))["disk"]
    assert not disk["ok"] and disk["data"]["free_mb"] == 0 and str(tiny_disk) in disk["message"]
    assert "journalctl --vacuum-size" in disk["fix"]


def test_disk_below_min_free(terminal: Terminal, tiny_disk: Path) -> None:
    terminal.write_config(**{"library.path": str(tiny_disk / "library"), "sync.min_free_mb": 500})
    disk = health.check_disk(load_config(terminal.config))
    assert not disk.ok and "500 MB" in disk.message and disk.data["path"] == str(tiny_disk)


def test_stale_and_failed_sync_status(terminal: Terminal) -> None:
    terminal.write_status(age_s=3 * 3600)
    sync = checks_of(terminal.doctor("--json"))["sync"]
    assert not sync["ok"] and "3 小时前" in sync["message"] and "journalctl -u reading-room-kiosk-sync" in sync["fix"]
    terminal.write_status(age_s=10, last_sync_ok=False)
    sync = checks_of(terminal.doctor("--json"))["sync"]
    assert not sync["ok"] and "上次同步失败" in sync["message"]
    (terminal.library / "sync-status.json").unlink()
    sync = checks_of(terminal.doctor("--json"))["sync"]
    assert not sync["ok"] and "sync-status.json" in sync["message"]


def test_share_status_file_is_used_when_newer(terminal: Terminal) -> None:
    terminal.write_status(age_s=3 * 3600)
    fresh = terminal.write_status(age_s=5)
    shutil.move(fresh, terminal.share / ".kiosk-status" / "hall1-t01.json")
    terminal.write_status(age_s=3 * 3600)
    sync = health.check_sync(load_config(terminal.config))
    assert sync.ok and sync.data["status_file"].endswith(".kiosk-status/hall1-t01.json")


def test_display_without_x_server(terminal: Terminal) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":87"  # nothing listens there
    display = checks_of(terminal.doctor("--json", env=env))["display"]
    assert not display["ok"] and ":87" in display["message"] and "journalctl" in display["fix"]


def test_display_with_x_server_reports_the_renderer(terminal: Terminal) -> None:
    if not os.environ.get("DISPLAY"):
        pytest.skip("no X display (run under pytest-xvfb)")
    check = health.check_display()
    assert check.ok, check.message
    assert check.data["renderer"] and check.data["version"]


def test_root_checks_the_library_as_its_owner(terminal: Terminal) -> None:
    """sudo kiosk doctor must not leave root-owned SQLite files the sync user cannot open."""
    if os.geteuid() != 0:
        pytest.skip("needs root to hand the library to another user")
    nobody = 65534
    try:
        probe = subprocess.run([sys.executable, "-c", "import whoosh"], user=nobody, group=nobody,
                               capture_output=True, check=False, cwd="/")
    except PermissionError:
        probe = None
    if probe is None or probe.returncode != 0:
        pytest.skip(f"this Python ({sys.executable}) cannot be run by another user here (e.g. under /root)")
    place = Path(tempfile.mkdtemp(dir="/var/tmp", prefix="kiosk-doctor-"))
    try:
        place.chmod(0o755)
        shutil.copytree(terminal.library, place / "library")
        for side in ("catalogue.sqlite-wal", "catalogue.sqlite-shm"):
            (place / "library" / side).unlink(missing_ok=True)
        for path in [place / "library", *(place / "library").rglob("*")]:
            os.chown(path, nobody, nobody)
        config = place / "kiosk.toml"
        config.write_text("\n".join(line for line in terminal.config.read_text(encoding="utf-8").splitlines()
                                    if not line.startswith("library.path"))
                          + f'\nlibrary.path = "{place / "library"}"\n', encoding="utf-8")
        config.chmod(0o644)
        check = health.check_library(load_config(config))
        assert check.ok, check.message
        assert check.data["counts"]["public"] == 1
        owners = {p.name: p.stat().st_uid for p in (place / "library").iterdir()}
        assert set(owners.values()) == {nobody}, owners
    finally:
        shutil.rmtree(place, ignore_errors=True)


def test_library_never_synced(terminal: Terminal) -> None:
    shutil.rmtree(terminal.library)
    terminal.library.mkdir()
    library = health.check_library(load_config(terminal.config))
    assert not library.ok and "catalogue.sqlite" in library.message and "systemctl start" in library.fix
    shutil.rmtree(terminal.library)
    library = health.check_library(load_config(terminal.config))
    assert not library.ok and "不存在" in library.message


def test_sync_judged_by_its_process_not_by_a_fresh_looking_status_file(tmp_path: Path) -> None:
    """No process holds the writer lock: the sync is not running, however new the status file."""
    from index.lock import WriterLock

    share = tmp_path / "share"
    (share / ".kiosk-status").mkdir(parents=True)
    (share / ".kiosk-share").write_text("")
    term = Terminal(tmp_path, tmp_path / "kiosk.toml", share, tmp_path / "library")
    term.write_config()
    build_library(term.library, term.config)
    term.write_status(age_s=5)
    sync = health.check_sync(load_config(term.config))
    assert not sync.ok and "未运行" in sync.message and str(term.library) in sync.message
    with WriterLock(term.library):
        sync = health.check_sync(load_config(term.config))
        assert sync.ok and str(os.getpid()) in sync.message


def test_ocr_check_names_the_packages_when_tesseract_is_missing(
    terminal: Terminal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(terminal.config)
    if shutil.which("tesseract"):
        present = health.check_ocr(config)
        assert present.ok and "chi_sim" in present.message and "tesseract 5" in present.data["version"]
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no tesseract on PATH
    missing = health.check_ocr(config)
    assert not missing.ok and "tesseract-ocr-chi-sim" in missing.fix and "tesseract-ocr-osd" in missing.fix
    assert health.check_ocr(config.with_overrides({"extract.ocr_max_pages": 0})).ok  # OCR off: nothing to check


@pytest.mark.skipif(not Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model").is_file(),
                    reason="needs libzinnia0 and tegaki-zinnia-simplified-chinese (scripts/setup.sh)")
def test_handwriting_library_and_model(tmp_path: Path) -> None:
    good = health.check_handwriting()
    assert good.ok and good.data["size"] > 5000, good.message
    missing_model = health.check_handwriting(model=tmp_path / "none.model")
    assert not missing_model.ok and "tegaki-zinnia-simplified-chinese" in missing_model.fix
    broken = tmp_path / "broken.model"
    broken.write_bytes(b"\0" * 64)
    assert "tegaki-zinnia-simplified-chinese" in health.check_handwriting(model=broken).fix
    no_lib = health.check_handwriting(library="libzinnia-absent.so.7")
    assert not no_lib.ok and no_lib.fix == "apt install libzinnia0" and "libzinnia-absent" in no_lib.message
    assert good.data["template_characters"] == 6763 and "6763" in good.message
    damaged = tmp_path / "templates.npz"
    damaged.write_bytes(b"PK\3\4 half a file")
    bad_templates = health.check_handwriting(templates=damaged)
    assert not bad_templates.ok and "scripts/setup.sh" in bad_templates.fix and str(damaged) in bad_templates.message
