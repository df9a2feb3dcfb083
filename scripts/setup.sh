#!/usr/bin/env bash
# All set-up on a fresh Debian 12 / Ubuntu 24.04 machine: system packages, the
# virtual environment with the project and its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3 python3-venv python3-dev          # the interpreter (3.11+) and venv
  libgl1 libgl1-mesa-dri libmtdev1 libxi6 libxcursor1 libxss1 libegl1  # what Kivy's SDL2 window needs
  xvfb xauth xdotool imagemagick            # a virtual screen for tests, driving it, screenshots
  bindfs fuse3                              # a FUSE mount that behaves like a network share (sync tests)
  qpdf                                      # makes encrypted PDFs for the extraction tests
  cups-client                               # 'lp' for printing
  cage                                      # the kiosk compositor (its unit is verified in tests)
  systemd                                   # systemd-analyze verify / systemd-escape, which the provisioning tests call
  fonts-wqy-microhei                        # fallback CJK font (the app ships Noto Sans CJK SC)
  fonts-noto-cjk                            # the collection scripts/extract_font.py takes the shipped face from (its tests)
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-osd  # OCR of scans (Tesseract 5, Simplified Chinese, page orientation)
  libzinnia0 tegaki-zinnia-simplified-chinese  # handwriting: the Zinnia recogniser and its zh_CN model (index/handwriting)
  git
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: Python 3.11 or newer is needed (found $("$PY" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating the virtual environment in .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing the project and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test,provisioning]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
