"""The Ansible playbook: syntax, lint (production profile), rendered units verified by systemd.

Templates are rendered in-process by Ansible's own templating engine (the same filters as
the template module) with the roles' defaults and test inventory values. The real converge
into a bootstrapped Debian root is provisioning/tests/converge.sh (slow, not run here).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from index.config import SETTINGS, parse_config, settings_table_markdown
from index.errors import ConfigError
from index.ops import health

REPO = Path(__file__).resolve().parents[2]
PROV = REPO / "provisioning"
ROLES = PROV / "roles"
ROLE_NAMES = ("kiosk", "kiosk_share", "kiosk_sync", "kiosk_session", "kiosk_lockdown")
BIN = Path(sys.executable).parent

yaml = pytest.importorskip("yaml", reason="PyYAML comes with ansible: pip install 'reading-room-kiosk[provisioning]'")


def _tool(name: str) -> str:
    path = shutil.which(name) or (str(BIN / name) if (BIN / name).exists() else None)
    if path is None:
        pytest.skip(f"{name} is not installed (pip install 'reading-room-kiosk[provisioning]')")
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(ANSIBLE_CONFIG=str(PROV / "ansible.cfg"), ANSIBLE_NOCOLOR="1", PATH=f"{BIN}:{env.get('PATH', '')}")
    return env


def test_playbook_syntax_check() -> None:
    proc = subprocess.run([_tool("ansible-playbook"), "--syntax-check", "site.yml"], cwd=PROV, env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "playbook: site.yml" in proc.stdout


@pytest.mark.slow
def test_ansible_lint_production_profile() -> None:
    proc = subprocess.run([_tool("ansible-lint"), "--profile", "production", "--offline", "-q", "site.yml", "roles"],
                          cwd=PROV, env=_env(), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]


# -- rendering -----------------------------------------------------------------------------

@functools.cache
def _role_defaults() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for role in ROLE_NAMES:
        values.update(yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text(encoding="utf-8")) or {})
    return values


def role_defaults() -> dict[str, Any]:
    return dict(_role_defaults())


def escape_unit(path: str) -> str:
    return subprocess.run(["systemd-escape", "--path", "--suffix=mount", path], capture_output=True, text=True,
                          check=True).stdout.strip()


def render(template: str, **overrides: Any) -> str:
    templating = pytest.importorskip("ansible.template", reason="ansible-core is not installed")
    from ansible.parsing.dataloader import DataLoader

    values = role_defaults()
    values.update(
        ansible_managed="Ansible managed",
        kiosk_terminal_id="hall1-t03",
        kiosk_location="政务服务大厅 三号机",
        kiosk_share_source="//fileserver.archive.test/reading-room",
        kiosk_wheel="/tmp/reading_room_kiosk-0.1.0-py3-none-any.whl",
        kiosk_admin_pin_hash="pbkdf2_sha256$200000$00ff$" + "ab" * 32,
        kiosk_printer="hall1-printer",
        kiosk_url_pattern="https://www.example.gov.cn/xxgk/{index_number}.html",
        kiosk_idle_timeout_s=120,
        ansible_facts={"distribution_release": "bookworm"},
    )
    values.update(overrides)
    values.setdefault("kiosk_sync_status_mount", {"stdout": escape_unit(f"{values['kiosk_share_path']}/{values['kiosk_status_dir']}")})
    role, name = template.split("/", 1)
    text = (ROLES / role / "templates" / name).read_text(encoding="utf-8")
    return templating.Templar(loader=DataLoader(), variables=values).template(text)


def _launcher(folder: Path) -> Path:
    """A console script for the kiosk CLI, as pip writes it (systemd checks ExecStart is executable)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "kiosk"
    script.write_text(f"#!{sys.executable}\nimport sys\nfrom kiosk.cli import main\nsys.exit(main())\n")
    script.chmod(0o755)
    return script


def render_units(dest: Path, **overrides: Any) -> list[Path]:
    share = overrides.get("kiosk_share_path", "/mnt/archive-share")
    share_unit = escape_unit(share)
    status_unit = escape_unit(f"{share}/.kiosk-status")
    files = {
        share_unit: "kiosk_share/share.mount.j2",
        share_unit.removesuffix(".mount") + ".automount": "kiosk_share/share.automount.j2",
        status_unit: "kiosk_share/status.mount.j2",
        health.SYNC_UNIT: "kiosk_sync/reading-room-kiosk-sync.service.j2",
        "reading-room-kiosk-metrics.service": "kiosk_sync/reading-room-kiosk-metrics.service.j2",
        "reading-room-kiosk-metrics.timer": "kiosk_sync/reading-room-kiosk-metrics.timer.j2",
        health.APP_UNIT: "kiosk_session/reading-room-kiosk-app.service.j2",
    }
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name, template in files.items():
        (dest / name).write_text(render(template, **overrides), encoding="utf-8")
        out.append(dest / name)
    return out


def systemd_verify(units: list[Path]) -> subprocess.CompletedProcess[str]:
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    return subprocess.run(["systemd-analyze", "verify", *[u.name for u in units]], cwd=units[0].parent,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("share_type", ["cifs", "nfs"])
def test_rendered_units_pass_systemd_analyze_verify(tmp_path: Path, share_type: str) -> None:
    if not shutil.which("cage"):
        pytest.skip("cage is not installed here (apt-get install cage): systemd-analyze checks ExecStart exists")
    kiosk = _launcher(tmp_path / "venv" / "bin")
    units = render_units(tmp_path / "units", kiosk_bin=str(kiosk), kiosk_share_type=share_type,
                         kiosk_share_source="fileserver:/export/reading-room" if share_type == "nfs" else
                         "//fileserver/reading-room")
    proc = systemd_verify(units)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def test_systemd_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a mount unit whose name does not match Where=, a missing program."""
    units = render_units(tmp_path / "units", kiosk_bin=str(tmp_path / "no-such-venv" / "bin" / "kiosk"))
    mount = next(u for u in units if u.name.endswith("share.mount"))
    mount.rename(mount.with_name("mnt-elsewhere.mount"))
    proc = systemd_verify([mount.with_name("mnt-elsewhere.mount"), tmp_path / "units" / health.SYNC_UNIT])
    assert proc.returncode != 0
    assert "not executable" in proc.stderr and "mnt-elsewhere.mount" in proc.stderr


def test_sync_unit_is_notify_with_watchdog_and_never_gives_up() -> None:
    unit = render("kiosk_sync/reading-room-kiosk-sync.service.j2", kiosk_sync_watchdog_s=90)
    lines = set(unit.splitlines())
    for expected in ("Type=notify", "NotifyAccess=main", "WatchdogSec=90", "Restart=always", "StartLimitIntervalSec=0",
                     "User=kiosk", "TimeoutStartSec=infinity"):
        assert expected in lines, expected
    exec_start = next(x for x in lines if x.startswith("ExecStart="))
    assert exec_start.split("=", 1)[1].split() == [
        "/opt/reading-room-kiosk/venv/bin/kiosk", "--config", "/etc/reading-room-kiosk/kiosk.toml", "sync",
        "--share", "/mnt/archive-share", "--library", "/var/lib/reading-room-kiosk/library"]


def test_cifs_mount_is_read_only_with_root_only_credentials_and_utf8() -> None:
    unit = render("kiosk_share/share.mount.j2")
    options = next(x for x in unit.splitlines() if x.startswith("Options=")).split("=", 1)[1].split(",")
    assert options[0] == "ro"
    assert "credentials=/etc/reading-room-kiosk/share.credentials" in options
    assert "iocharset=utf8" in options
    assert "What=//fileserver.archive.test/reading-room" in unit.splitlines()
    tasks = (ROLES / "kiosk_share" / "tasks" / "main.yml").read_text(encoding="utf-8")
    cred_task = next(t for t in yaml.safe_load(tasks) if t["name"].startswith("Install the share credentials"))
    assert cred_task["ansible.builtin.copy"]["mode"] == "0600" and cred_task["ansible.builtin.copy"]["owner"] == "root"


@pytest.mark.parametrize(("orientation", "release", "expected"), [
    ("landscape", "bookworm", "/usr/bin/cage -d --"),
    ("portrait", "bookworm", "/usr/bin/cage -d -r --"),
    ("portrait", "noble", "/usr/bin/cage -d --"),
])
def test_app_unit_runs_cage_on_tty1_and_turns_portrait_screens(orientation: str, release: str, expected: str) -> None:
    unit = render("kiosk_session/reading-room-kiosk-app.service.j2", kiosk_orientation=orientation,
                  ansible_facts={"distribution_release": release})
    lines = unit.splitlines()
    assert "TTYPath=/dev/tty1" in lines and "Restart=always" in lines and "PAMName=reading-room-kiosk" in lines
    assert next(x for x in lines if x.startswith("ExecStart=")).startswith(f"ExecStart={expected} ")
    session = render("kiosk_session/session.j2", kiosk_orientation=orientation,
                     ansible_facts={"distribution_release": release})
    assert session.rstrip().endswith("exec /opt/reading-room-kiosk/venv/bin/kiosk --config /etc/reading-room-kiosk/kiosk.toml app")
    assert ("--transform 90" in session) == (orientation == "portrait" and release != "bookworm")


# -- the configuration the playbook writes ----------------------------------------------------

def test_kiosk_toml_from_the_inventory_is_a_valid_configuration() -> None:
    config = parse_config(render("kiosk/kiosk.toml.j2", kiosk_orientation="portrait",
                                 kiosk_extra_settings={"sync.poll_interval_s": 20, "app.large_text": True}))
    assert config["terminal.id"] == "hall1-t03"
    assert config["terminal.location"] == "政务服务大厅 三号机"
    assert config["app.orientation"] == "portrait"
    assert config["app.idle_timeout_s"] == 120.0
    assert config["app.printer"] == "hall1-printer"
    assert config["app.url_pattern"] == "https://www.example.gov.cn/xxgk/{index_number}.html"
    assert config["app.admin_pin_hash"].startswith("pbkdf2_sha256$200000$")
    assert config["sync.poll_interval_s"] == 20.0 and config["app.large_text"] is True
    assert config["share.path"] == "/mnt/archive-share"


def test_a_mistyped_extra_setting_is_refused_with_the_nearest_name() -> None:
    text = render("kiosk/kiosk.toml.j2", kiosk_extra_settings={"sync.poll_intervall_s": 20})
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert info.value.params["nearest"] == "sync.poll_interval_s"


def test_reboot_slots_are_staggered_inside_the_window() -> None:
    slots = {}
    for n in range(24):
        reboot = render("kiosk_lockdown/52reading-room-kiosk.j2", kiosk_terminal_id=f"hall{n % 4}-t{n:02d}",
                        kiosk_reboot_window_start="01:30", kiosk_reboot_window_minutes=90)
        hhmm = re.search(r'Automatic-Reboot-Time "(\d\d):(\d\d)"', reboot)
        assert hhmm, reboot
        minute = int(hhmm[1]) * 60 + int(hhmm[2])
        assert 90 <= minute < 180, f"{hhmm[0]} outside 01:30-03:00"
        timer = render("kiosk_lockdown/apt-daily-upgrade.conf.j2", kiosk_terminal_id=f"hall{n % 4}-t{n:02d}",
                       kiosk_reboot_window_start="01:30", kiosk_reboot_window_minutes=90)
        upgrade = re.search(r"OnCalendar=\*-\*-\* (\d\d):(\d\d)", timer)
        assert upgrade and (int(upgrade[1]) * 60 + int(upgrade[2])) == minute - 60
        slots[n] = minute
    assert len(set(slots.values())) >= 15, "terminals should not all reboot at the same minute"
    again = render("kiosk_lockdown/52reading-room-kiosk.j2", kiosk_terminal_id="hall0-t00",
                   kiosk_reboot_window_start="01:30", kiosk_reboot_window_minutes=90)
    assert f'"{slots[0] // 60:02d}:{slots[0] % 60:02d}"' in again  # stable between runs (idempotent)


def test_lockdown_masks_ctrl_alt_del_and_disables_vt_switching() -> None:
    tasks = yaml.safe_load((ROLES / "kiosk_lockdown" / "tasks" / "main.yml").read_text(encoding="utf-8"))
    mask = next(t for t in tasks if t["name"] == "Mask Ctrl-Alt-Del")["ansible.builtin.systemd_service"]
    assert mask == {"name": "ctrl-alt-del.target", "masked": True}
    assert "NAutoVTs=0" in render("kiosk_lockdown/logind.conf.j2").splitlines()
    assert "CtrlAltDelBurstAction=none" in render("kiosk_lockdown/system.conf.j2").splitlines()
    app = render("kiosk_session/reading-room-kiosk-app.service.j2")
    assert " -s " not in next(x for x in app.splitlines() if x.startswith("ExecStart="))  # cage -s allows VT switching


def test_example_inventory_names_every_technician_variable() -> None:
    inventory = yaml.safe_load((PROV / "inventory" / "example.yml").read_text(encoding="utf-8"))["terminals"]
    names = set(inventory["vars"])
    for host in inventory["hosts"].values():
        names |= set(host)
    for needed in ("kiosk_terminal_id", "kiosk_location", "kiosk_share_source", "kiosk_share_credentials_file",
                   "kiosk_idle_timeout_s", "kiosk_printer", "kiosk_url_pattern", "kiosk_admin_pin_hash",
                   "kiosk_orientation", "kiosk_wheel"):
        assert needed in names, needed
        assert needed in role_defaults(), needed
    readme = (PROV / "README.md").read_text(encoding="utf-8")
    for name in role_defaults():
        if not name.startswith(("kiosk_lockdown_", "kiosk_session_script")):
            assert f"`{name}`" in readme, f"{name} is not described in provisioning/README.md"


# -- settings documentation -------------------------------------------------------------------

def test_settings_doc_is_current_and_mentions_every_setting() -> None:
    doc = (REPO / "docs" / "SETTINGS.md").read_text(encoding="utf-8")
    assert settings_table_markdown() in doc, "docs/SETTINGS.md is out of date: run python scripts/settings_doc.py"
    for setting in SETTINGS:
        assert f"`{setting.name}`" in doc, setting.name
