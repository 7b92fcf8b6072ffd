#!/usr/bin/env bash
# Install everything the tests need (see install.sh), then run the whole test suite offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
exec "${PYTHON:-python3}" -m pytest -q "$@"
