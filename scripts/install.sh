#!/usr/bin/env bash
# Install koritsu-search and its dependencies. torch is pinned to the CPU build first, so that
# nothing later pulls a multi-GB CUDA build. Always: Tesseract with Japanese data (ingestion OCRs
# scanned PDF pages). With --test: also the test tools and the Debian packages the tests use
# (Chromium for the browser tests, fonts and PDF tools for test PDFs).
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
if [ -n "$need" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "Installing Debian packages:$need" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

"$PY" -m pip install -q "torch==2.13.0"
if [ "${1:-}" = "--test" ]; then
  "$PY" -m pip install -q -e ".[test]"
else
  "$PY" -m pip install -q -e .
fi
# pyenv only sees new console scripts (koritsu-search) after a rehash.
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
