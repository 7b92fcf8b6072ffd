#!/usr/bin/env bash
# Install everything the tests need (see install.sh: into $VIRTUAL_ENV, else .venv), check the
# code with ruff and mypy, then run the whole test suite offline with that environment's Python.
# Arguments go to pytest (`-m "not slow"` is the everyday loop).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
VENV=${VIRTUAL_ENV:-$PWD/.venv}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
"$VENV/bin/python" -m ruff check koritsu_search tests eval
"$VENV/bin/python" -m mypy
exec "$VENV/bin/python" -m pytest -q "$@"
