"""Running the crate's commands on points passed from Python (a temporary CSV)."""

from __future__ import annotations

import json
import numbers
import os
import tempfile
import warnings as _warnings
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar

import numpy as np

from . import _native
from ._native import InvalidInputError
from ._types import ArrayLike, Budgets
from ._results import Approach2Fit, SurfaceFit, _allocation, _fit


def _command(args: Sequence[object]) -> Dict[str, Any]:
    out: Dict[str, Any] = json.loads(_native.run_command([str(a) for a in args] + ["--json"]))
    return out


def _check_lengths(cols: Sequence[Tuple[str, Any]]) -> List[Tuple[str, np.ndarray]]:
    """The columns as 1-D float arrays of one length, or an InvalidInputError
    naming every array and its length (its shape when it is not 1-D)."""
    arrays = [(name, np.asarray(a, dtype=float)) for name, a in cols]
    if any(a.ndim != 1 for _, a in arrays) or len({a.shape[0] for _, a in arrays}) != 1:
        shown = ", ".join(f"{k}: {a.shape[0] if a.ndim == 1 else 'shape ' + str(a.shape)}"
                          for k, a in arrays)
        raise InvalidInputError(f"{', '.join(k for k, _ in arrays)} must be 1-D arrays of one "
                                f"length, got {shown}")
    return arrays


def _points_csv(N: ArrayLike, D: ArrayLike, L: ArrayLike, C: Optional[ArrayLike]) -> str:
    """The points as a temporary CSV file (params, tokens, loss[, budget]);
    the caller removes it. Lengths must agree (the error names them)."""
    named: List[Tuple[str, Any]] = [("N", N), ("D", D), ("L", L)]
    if C is not None:
        named.append(("C", C))
    cols = _check_lengths(named)
    fd, path = tempfile.mkstemp(suffix=".csv", prefix="scaling-laws-")
    with os.fdopen(fd, "w") as f:
        f.write("params,tokens,loss" + (",budget" if C is not None else "") + "\n")
        for row in zip(*(a for _, a in cols)):
            f.write(",".join(repr(float(x)) for x in row) + "\n")
    return path


def _with_points(
    N: ArrayLike, D: ArrayLike, L: ArrayLike, C: Optional[ArrayLike], args: Sequence[object]
) -> Dict[str, Any]:
    path = _points_csv(N, D, L, C)
    try:
        return _command([a if a is not _DATA else path for a in args])
    finally:
        os.remove(path)




_DATA: object = object()


def _budget_list(budgets: Optional[Budgets]) -> List[float]:
    if budgets is None:
        return []
    b = np.atleast_1d(np.asarray(budgets, dtype=float))
    if b.ndim != 1:
        raise InvalidInputError(f"budgets: expected a number or a 1-D array, got shape {b.shape}")
    return [float(c) for c in b]


def _replicates(bootstrap: int) -> int:
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, numbers.Integral) or bootstrap < 0:
        raise InvalidInputError(f"bootstrap must be a non-negative integer, got {bootstrap!r}")
    return int(bootstrap)


def _deprecated(old: str, new: str, func: str) -> None:
    _warnings.warn(
        f"{func}({old}=...) is deprecated: use {new}=... (one name for each option "
        "in every function; see help(scaling_laws))",
        DeprecationWarning,
        stacklevel=3,
    )


def _only_rss(objective: str, func: str) -> None:
    if objective != "rss":
        raise InvalidInputError(
            f"{func} minimises the RSS only, got objective={objective!r} "
            "(fit_approach3 takes rss, rss-log-params, log-loss, huber-log)"
        )


def _cli_fit(
    method: str,
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    C: Optional[ArrayLike],
    budgets: List[float],
    bootstrap: int,
    seed: int,
    resample: str,
    objective: Optional[str] = None,
) -> Dict[str, Any]:
    args: List[object] = ["fit", "--method", method, "--data", _DATA]
    if objective is not None:
        args += ["--objective", objective]
    if budgets:
        args += ["--budget", ",".join(repr(c) for c in budgets)]
    if bootstrap:
        args += ["--bootstrap", bootstrap, "--seed", int(seed), "--resample", resample]
    return _with_points(N, D, L, C, args)


FitT = TypeVar("FitT", SurfaceFit, Approach2Fit)


def _extend(fit: FitT, js: Mapping[str, Any]) -> FitT:
    """The fit with the command's allocations, intervals and warnings."""
    return replace(
        fit,
        allocations=tuple(_allocation(a) for a in js.get("allocations", [])),
        interval=dict(js.get("interval", {})),
        on_bound_share=js.get("on_bound_share"),
        warnings=tuple(js.get("warnings", [])),
    )


def _surface_fit(
    method: str,
    cli_method: str,
    variant: Optional[str],
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    C: Optional[ArrayLike],
    budgets: Optional[Budgets],
    bootstrap: int,
    seed: int,
    resample: str,
    cli_objective: Optional[str] = None,
) -> SurfaceFit:
    fit = _fit(_native.fit_surface(N, D, L, method, variant))
    b, k = _budget_list(budgets), _replicates(bootstrap)
    if not b and not k:
        return fit
    if k and resample == "budgets" and C is None:
        raise InvalidInputError(
            "resample='budgets' resamples whole budgets: give C, the budget of each point")
    js = _cli_fit(cli_method, N, D, L, C, b, k, seed, resample, cli_objective)
    return _extend(fit, js)
