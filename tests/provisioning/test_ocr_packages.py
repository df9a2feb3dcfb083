"""The OCR packages are installed by both ways of setting up a machine, and kiosk doctor checks the same."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from index.ops.health import OCR_LANGUAGES_NEEDED

REPO = Path(__file__).resolve().parents[2]
OCR_PACKAGES = {"tesseract-ocr", "tesseract-ocr-chi-sim", "tesseract-ocr-osd"}


def test_setup_script_and_ansible_role_install_tesseract_with_its_languages() -> None:
    setup = (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")
    block = re.search(r"APT_PACKAGES=\((.*?)\n\)", setup, re.S)
    assert block is not None
    listed = {word for line in block.group(1).splitlines() for word in line.split("#")[0].split()}
    assert listed >= OCR_PACKAGES
    defaults = yaml.safe_load((REPO / "provisioning" / "roles" / "kiosk" / "defaults" / "main.yml").read_text())
    assert set(defaults["kiosk_system_packages"]) >= OCR_PACKAGES
    # the doctor asks for the languages these packages bring (chi_sim, osd)
    assert {f"tesseract-ocr-{lang.replace('_', '-')}" for lang in OCR_LANGUAGES_NEEDED} <= OCR_PACKAGES
