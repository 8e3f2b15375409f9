"""scaling_laws — fit and analyse neural scaling laws, from Python.

The loss surface (Hoffmann et al. 2022)

    L(N, D) = E + A / N**alpha + B / D**beta,    C = 6 N D,

has the compute-optimal frontier N*(C) = 10**a0 * C**a, D*(C) = 10**b0 * C**b with
a = beta / (alpha + beta) and b = alpha / (alpha + beta).

Every function here is a thin call into the Rust crate ``scaling-laws``: the same
numbers as its command line (``scaling-laws ... --json``), to the last bit. Arrays
go in as numpy arrays (any stride), lists or pandas columns; results come back as
frozen dataclasses whose field names are the JSON keys, with numpy arrays where the
result is an array. Fits release the GIL; :func:`fit_many` fits a list of data sets
in parallel.

Errors are :class:`ScalingLawsError` (base), :class:`InvalidInputError` (bad input:
the message names the value and its index) and :class:`FitFailedError`. A fit that
ran but did not converge is not an exception: look at ``status``.
"""

from __future__ import annotations

import json
import numbers
import os
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native
from ._native import (
    FitFailedError,
    InvalidInputError,
    LossSurface,
    ScalingLawsError,
)

__all__ = [
    "LossSurface",
    "ScalingLawsError",
    "InvalidInputError",
    "FitFailedError",
    "VertexShift",
    "Approach2Fit",
    "SurfaceFit",
    "IsoflopSample",
    "AllocationCost",
    "allocation_cost",
    "vertex_shift",
    "vertex_shift_continuum",
    "vertex_shift_small_width",
    "predict_approach2",
    "simulate_isoflops",
    "fit_approach2",
    "fit_vpnls",
    "fit_approach3",
    "fit_grid5",
    "fit_many",
    "dark_matter",
    "training_curves",
]

ArrayLike = Union[np.ndarray, Sequence[float]]


@dataclass(frozen=True)
class VertexShift:
    """The Approach 2 vertex shift and the prefactor errors it implies.

    ``delta_w`` (decades): the parabola's vertex sits at log10 N* + delta_w.
    ``n_intercept_error`` = 10**delta_w - 1, ``d_intercept_error`` = 10**-delta_w - 1.
    """

    delta_w: float
    n_intercept_error: float
    d_intercept_error: float


@dataclass(frozen=True)
class Approach2Fit:
    """Approach 2: N* = 10**a_intercept * C**a and D* = 10**b_intercept * C**b.

    Per budget (in increasing order): ``budgets`` and the parabola vertices
    ``log10_n_opt``, ``log10_d_opt`` (empty for a closed-form prediction).
    """

    a: float
    b: float
    a_intercept: float
    b_intercept: float
    budgets: np.ndarray = field(default_factory=lambda: np.empty(0))
    log10_n_opt: np.ndarray = field(default_factory=lambda: np.empty(0))
    log10_d_opt: np.ndarray = field(default_factory=lambda: np.empty(0))


@dataclass(frozen=True)
class SurfaceFit:
    """A fitted surface L = E + A/N**alpha + B/D**beta.

    ``status`` is one of ``converged``, ``max_iter``, ``abnormal``, ``bound_hit``
    (or what the crate reports); ``rss`` the residual sum of squares on L.
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    rss: float
    status: str
    iterations: int
    warnings: Tuple[str, ...] = ()

    def surface(self) -> LossSurface:
        """The fitted parameters as a :class:`LossSurface`."""
        return LossSurface(self.E, self.A, self.B, self.alpha, self.beta)


@dataclass(frozen=True)
class IsoflopSample:
    """Noise-free IsoFLOP samples: one entry per point, budgets in order."""

    N: np.ndarray
    D: np.ndarray
    loss: np.ndarray
    budget: np.ndarray


@dataclass(frozen=True)
class AllocationCost:
    """What training with ``tokens`` (N = C/(6·tokens)) instead of D*(C) costs at
    ``budget``: the loss reached, the budget that reaches it at the optimum
    (``compute_for_loss``), the compute wasted (FLOPs, share of C, dollars at
    2 $/GPU-hour and 989.5e12 useful FLOP/s) and the loss gap (nats)."""

    budget: float
    tokens: float
    params: float
    token_error: float
    loss: float
    optimal_loss: float
    loss_gap: float
    compute_for_loss: float
    wasted_compute: float
    wasted_share: float
    wasted_dollars: float


def _fields(cls, d: dict) -> dict:
    names = cls.__dataclass_fields__
    out = {k: v for k, v in d.items() if k in names}
    if "warnings" in out:
        out["warnings"] = tuple(out["warnings"])
    return out


def _fit(d: dict) -> SurfaceFit:
    return SurfaceFit(**_fields(SurfaceFit, d))


def vertex_shift(
    alpha: float, beta: float, width: float, points: int, offset: float = 0.0
) -> VertexShift:
    """The exact Approach 2 vertex shift on an n-point grid of half-width
    ``width`` decades (±10**width ×), centred ``offset`` decades from N*.

    Same numbers as ``scaling-laws vertex-shift --json``.
    """
    return VertexShift(**_native.vertex_shift(alpha, beta, width, points, offset))


def vertex_shift_continuum(alpha: float, beta: float, width: float) -> float:
    """The vertex shift's continuum limit (points → ∞) on a centred grid."""
    return _native.vertex_shift_continuum_limit(alpha, beta, width)


def vertex_shift_small_width(
    alpha: float, beta: float, points: Optional[int] = None
) -> Tuple[float, float]:
    """Coefficients (d2, d4) of δw ≈ d2·W² + d4·W⁴ for small half-width W
    (``points=None``: the continuum)."""
    return _native.vertex_shift_small_width_coefficients(alpha, beta, points)


def predict_approach2(
    surface: LossSurface,
    budgets: Optional[ArrayLike],
    width: float,
    points: int,
    drift: float = 0.0,
    scale: float = 1.0,
) -> Approach2Fit:
    """What Approach 2 reports on noise-free IsoFLOP data of ``surface``, in
    closed form (``budgets=None``: 1e17 … 1e21)."""
    return Approach2Fit(
        **_native.predict_approach2_fit(surface, width, points, budgets, drift, scale)
    )


def allocation_cost(
    surface: LossSurface,
    budget: float,
    tokens: Optional[float] = None,
    token_error: Optional[float] = None,
) -> AllocationCost:
    """The cost of training with ``tokens`` at ``budget`` on ``surface``; or, with
    ``token_error`` = log10(D̂/D*) instead, the same from the closed form
    (share wasted = 1 − φ(ε)^(−1/γ), proofs/11)."""
    return AllocationCost(**_native.allocation_cost(surface, budget, tokens, token_error))


def simulate_isoflops(
    surface: LossSurface,
    budgets: Optional[ArrayLike],
    width: float,
    points: int,
    drift: float = 0.0,
    scale: float = 1.0,
) -> IsoflopSample:
    """Noise-free IsoFLOP data: ``points`` log-spaced model sizes per budget over
    ±``width`` decades around N*/scale, shifted by ``drift`` decades at the largest
    budget (``budgets=None``: 1e17 … 1e21)."""
    return IsoflopSample(
        **_native.simulate_isoflops(surface, width, points, budgets, drift, scale)
    )


def fit_approach2(N: ArrayLike, D: ArrayLike, L: ArrayLike, C: ArrayLike) -> Approach2Fit:
    """Chinchilla's Approach 2: a parabola in log10 N (and log10 D) per budget C,
    then power laws through the vertices. Same numbers as ``scaling-laws fit
    --method approach2 --json``."""
    return Approach2Fit(**_native.fit_approach2_points(N, D, L, C))


def fit_vpnls(N: ArrayLike, D: ArrayLike, L: ArrayLike, method: str = "lm") -> SurfaceFit:
    """The five-parameter surface by variable projection: (E, A, B) by
    non-negative least squares for each (alpha, beta), a 32×32 grid over
    (alpha, beta), then ``method``: ``lm`` (Levenberg–Marquardt, the default),
    ``nelder-mead``, ``lbfgsb`` or ``grid`` (256×256, no refinement)."""
    return _fit(_native.fit_surface(N, D, L, "vpnls", method))


def fit_approach3(N: ArrayLike, D: ArrayLike, L: ArrayLike, objective: str = "rss") -> SurfaceFit:
    """The direct five-parameter fit (L-BFGS-B in a box) with ``objective``:
    ``rss``, ``rss-log-params``, ``log-loss`` or ``huber-log`` (Chinchilla's
    Huber loss on log L from its 4,500-point grid)."""
    return _fit(_native.fit_surface(N, D, L, "approach3", objective))


def fit_grid5(N: ArrayLike, D: ArrayLike, L: ArrayLike) -> SurfaceFit:
    """The plain five-dimensional grid search (10 points per axis)."""
    return _fit(_native.fit_surface(N, D, L, "grid5", None))


def fit_many(
    datasets: Iterable[Tuple[ArrayLike, ArrayLike, ArrayLike]],
    method: str = "vpnls",
    variant: Optional[str] = None,
) -> List[Union[SurfaceFit, ScalingLawsError]]:
    """Fit many (N, D, L) data sets in parallel on all cores, with the GIL
    released. ``method`` is ``vpnls``, ``approach3`` or ``grid5``; ``variant`` the
    VPNLS outer search or Approach 3's objective. A data set whose fit fails
    gives its exception object in its place (nothing is raised)."""
    out = _native.fit_surfaces(list(datasets), method, variant)
    return [r if isinstance(r, BaseException) else _fit(r) for r in out]


def _command(args: List[str]) -> dict:
    return json.loads(_native.run_command([str(a) for a in args] + ["--json"]))


def dark_matter(
    data: Union[str, os.PathLike],
    out: Union[str, os.PathLike],
    *,
    metrics: Sequence[str] = ("size", "flops", "tokens"),
    seed: Optional[int] = None,
    folds: Optional[int] = None,
    bootstrap: Optional[int] = None,
    size_col: Optional[str] = None,
    flops_col: Optional[str] = None,
    tokens_col: Optional[str] = None,
    loss_col: Optional[str] = None,
) -> dict:
    """One power law or two ("dark matter"), L = C/x**alpha + E against
    L = C1/x**alpha1 + C2/x**alpha2 + E, per metric x (model size N/1e9, training
    FLOPs C/1e18, tokens D/1e9) on a CSV of training runs: the published RMSE
    verdict beside an honest comparison (AIC/BIC, cross-validated RMSE by model
    size and random folds, a bootstrap interval of the RMSE improvement).

    Writes its tables and figures under ``out`` (as ``scaling-laws dark-matter``)
    and returns the command's JSON object: per metric ``single``, ``two_term``,
    ``rmse_improvement_pct``, ``verdict``, ``aic``, ``bic``, ``cv_rmse``,
    ``rmse_improvement_ci``, ``honest_verdict``…; and ``best_metric``,
    ``consistency``. Unset options take the command's defaults."""
    args = ["dark-matter", "--data", data, "--out", out, "--metrics", ",".join(metrics)]
    for flag, v in [("--seed", seed), ("--folds", folds), ("--bootstrap", bootstrap),
                    ("--size-col", size_col), ("--flops-col", flops_col),
                    ("--tokens-col", tokens_col), ("--loss-col", loss_col)]:
        if v is not None:
            args += [flag, v]
    return _command(args)


def training_curves(
    files: Sequence[Tuple[Union[str, os.PathLike], int]] = (),
    *,
    registry: Optional[Union[str, os.PathLike]] = None,
    names: Sequence[str] = (),
    all: bool = False,
    loss_col: Optional[str] = None,
    tokens_per_step: Optional[float] = None,
    skip_first: Optional[float] = None,
    min_tokens: Optional[float] = None,
    bootstrap: Optional[int] = None,
    resample: Optional[str] = None,
    seed: Optional[int] = None,
    out: Optional[Union[str, os.PathLike]] = None,
) -> dict:
    """The training-curve law L(N, D) = e**E + e**A * N**alpha + e**B * D**beta
    (alpha, beta < 0) through per-size loss curves: SmoothL1 fit (Adam, then
    L-BFGS), a VPNLS cross-check, bootstrap intervals and identifiability warnings.

    Either ``files`` as (CSV path, parameter count N) pairs fitted as one data
    set, or a ``registry`` (TOML) with dataset ``names`` or ``all=True``. Returns
    the JSON of ``scaling-laws hitchhiker``: ``{"datasets": [...], "failed": [...]}``,
    each data set with ``E``, ``A``, ``B``, ``alpha``, ``beta``, ``exp_E``…,
    ``num_points``, ``final_loss``, ``status``, ``warnings``, ``vpnls``,
    ``intervals``."""
    args: List = ["hitchhiker"]
    if registry is not None:
        args += ["--registry", registry, *names] + (["--all"] if all else [])
    for path, n in files:
        # N as given (never truncated): the command refuses 1683000.9, NaN or
        # text that is not a positive integer with a message naming the file.
        if isinstance(n, bool) or not isinstance(n, (int, float, str, numbers.Integral, numbers.Real)):
            raise InvalidInputError(
                f"training_curves: N of {os.fspath(path)!r} must be a positive integer, got {n!r}")
        args += ["--file", f"{os.fspath(path)}={n}"]
    for flag, v in [("--loss-col", loss_col), ("--tokens-per-step", tokens_per_step),
                    ("--skip-first", skip_first), ("--min-tokens", min_tokens),
                    ("--bootstrap", bootstrap), ("--resample", resample),
                    ("--seed", seed), ("--out", out)]:
        if v is not None:
            args += [flag, v]
    return _command(args)
