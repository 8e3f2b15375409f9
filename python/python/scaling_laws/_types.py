"""Argument types of the public functions."""

from __future__ import annotations

import os
from typing import Protocol, Sequence, Union

import numpy as np


#: The Huber threshold δ of ``objective="huber-log"`` (the Chinchilla paper's
#: 1e-3, on residuals of ln L). Fixed: it is the paper's fit being reproduced.
HUBER_DELTA: float = 1e-3


class _HasArray(Protocol):
    """Anything numpy converts to an array: a pandas Series, an xarray..."""

    def __array__(self) -> np.ndarray: ...


ArrayLike = Union[np.ndarray, Sequence[float], _HasArray]
Budgets = Union[float, Sequence[float], np.ndarray]
PathLike = Union[str, "os.PathLike[str]"]
