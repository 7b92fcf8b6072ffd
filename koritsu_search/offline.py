"""Offline by default: the Hugging Face libraries never reach the network unless the user opts in."""

from __future__ import annotations

import os
import sys

ALLOW_ENV = "KORITSU_ALLOW_DOWNLOAD"  # 1/true/yes/on: a hub model not on disk may be downloaded
_TRUE = {"1", "true", "yes", "on"}


def downloads_allowed() -> bool:
    return os.environ.get(ALLOW_ENV, "").strip().lower() in _TRUE


def allow_downloads() -> None:
    """Opt in for this process (the CLI's --allow-download)."""
    os.environ[ALLOW_ENV] = "1"


def stay_offline() -> None:
    """Put huggingface_hub and transformers in offline mode unless downloads are allowed: a model that
    is not on disk then fails at once instead of after ~75 s of retries."""
    if downloads_allowed():
        return
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:  # imported already (gradio does): its flag was read at import time
        constants.HF_HUB_OFFLINE = True  # type: ignore[attr-defined]
