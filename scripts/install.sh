#!/usr/bin/env bash
# Install koritsu-search and its dependencies into a virtual environment: the active one
# ($VIRTUAL_ENV) if there is one, otherwise .venv in this repository (created here, with
# $PYTHON or python3). Debian/Ubuntu forbid pip installs into the system Python (PEP 668).
#
# Debian packages, installed with apt only when missing: Tesseract with Japanese data (ingestion
# OCRs scanned PDF pages) and, when `python3 -m venv` cannot work, python3-venv. With --test:
# also the test tools and the Debian packages the tests use (Chromium for the browser tests,
# fonts and PDF tools for test PDFs).
#
# torch==2.13.0 is installed first, from pip's configured indexes; on Linux, PyPI's wheel is the
# CUDA build (several GB of nvidia-* wheels). For the CPU build set
#   TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# which is passed to pip as --index-url for the torch install only.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

pkgs="tesseract-ocr tesseract-ocr-jpn"
if [ "${1:-}" = "--test" ]; then
  pkgs="$pkgs chromium chromium-driver fonts-ipaexfont qpdf poppler-utils"
fi
need=""
for pkg in $pkgs; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -z "${VIRTUAL_ENV:-}" ]; then
  if ! command -v "$PY" >/dev/null 2>&1; then
    need="$need python3 python3-venv"
  elif ! "$PY" -c "import ensurepip, venv" >/dev/null 2>&1; then
    need="$need python3-venv"  # Debian ships ensurepip (needed by `python3 -m venv`) there
  fi
fi
if [ -n "$need" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "Installing Debian packages:$need" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

if [ -n "${VIRTUAL_ENV:-}" ]; then
  VENV=$VIRTUAL_ENV
else
  VENV=$PWD/.venv
  # A .venv left without pip (e.g. by a `python3 -m venv` that failed) is made again.
  if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$VENV"
    echo "Creating the virtual environment $VENV" >&2
    "$PY" -m venv "$VENV"
  fi
fi
VPY=$VENV/bin/python
echo "Installing koritsu-search into $VENV (takes a few minutes the first time)" >&2

if [ -n "${TORCH_INDEX_URL:-}" ]; then
  "$VPY" -m pip install -q --index-url "$TORCH_INDEX_URL" "torch==2.13.0"
else
  "$VPY" -m pip install -q "torch==2.13.0"
fi
if [ "${1:-}" = "--test" ]; then
  "$VPY" -m pip install -q -e ".[test]"
else
  "$VPY" -m pip install -q -e .
fi
# pyenv(-virtualenv) shims only see new console scripts (koritsu-search) after a rehash.
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
"$VENV/bin/koritsu-search" --version >/dev/null
echo "Installed: $VENV/bin/koritsu-search (activate with: . $VENV/bin/activate)" >&2
