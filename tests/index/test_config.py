"""One configuration table: defaults, types, ranges, unknown keys, overrides, and the docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.config import SETTINGS, load_config, parse_config
from index.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_defaults_and_tables():
    cfg = parse_config('[sync]\npoll_interval_s = 3\n[terminal]\nid = "hall-2"\n')
    assert cfg["sync.poll_interval_s"] == 3.0 and isinstance(cfg["sync.poll_interval_s"], float)
    assert cfg["terminal.id"] == "hall-2"
    assert cfg["app.idle_timeout_s"] == 90.0
    assert len(cfg) == len(SETTINGS)


def test_unknown_key_names_the_nearest():
    with pytest.raises(ConfigError, match=r"sync\.poll_interval_s"):
        parse_config("[sync]\npoll_intervl_s = 3\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        parse_config("colour = 1\n")


@pytest.mark.parametrize("text, match", [
    ('[sync]\npoll_interval_s = "fast"\n', "must be float"),
    ("[sync]\nmax_removal_fraction = 1.5\n", "out of range"),
    ('[sync]\nwatch_mode = "inotify"\n', "auto | native | polling"),
    ("[review]\nrequired = 1\n", "must be bool"),
    ("[sync\n", "not valid TOML"),
])
def test_bad_values_are_errors(text, match):
    with pytest.raises(ConfigError, match=match):
        parse_config(text)


def test_overrides_and_relative_paths(tmp_path):
    f = tmp_path / "kiosk.toml"
    f.write_text('[library]\npath = "lib"\n', encoding="utf-8")
    cfg = load_config(f, {"sync.stability_delay_s": 1})
    assert cfg["library.path"] == str(tmp_path / "lib")
    assert cfg["sync.stability_delay_s"] == 1.0
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")


def test_demo_settings_load():
    cfg = load_config(REPO / "assets" / "demo" / "kiosk.toml")
    assert Path(cfg["share.path"]).is_dir()


def test_every_setting_is_documented():
    text = (REPO / "docs" / "SETTINGS.md").read_text(encoding="utf-8") if (REPO / "docs" / "SETTINGS.md").exists() else ""
    if not text:
        pytest.fail("docs/SETTINGS.md is missing: generate it from index.config.settings_table_markdown()")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert missing == []
