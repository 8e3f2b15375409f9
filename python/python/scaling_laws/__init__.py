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
from typing import Iterable, List, Optional, Protocol, Sequence, Tuple, Union

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
    "fit_approach2_corrected",
    "fit_budgets",
    "predict",
    "audit",
]

class _HasArray(Protocol):
    """Anything numpy converts to an array: a pandas Series, an xarray..."""

    def __array__(self) -> np.ndarray: ...


ArrayLike = Union[np.ndarray, Sequence[float], _HasArray]


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

    def n_opt(self, C: Union[float, ArrayLike]) -> Union[float, np.ndarray]:
        """N*(C) = 10**a_intercept * C**a (a number, or an array for an array C).

        >>> Approach2Fit(0.5, 0.5, -1.0, -1.0).n_opt(1e4)
        10.0
        """
        v = 10.0 ** (self.a_intercept + self.a * np.log10(np.asarray(C, dtype=float)))
        return float(v) if np.ndim(v) == 0 else v

    def d_opt(self, C: Union[float, ArrayLike]) -> Union[float, np.ndarray]:
        """D*(C) = 10**b_intercept * C**b (a number, or an array for an array C)."""
        v = 10.0 ** (self.b_intercept + self.b * np.log10(np.asarray(C, dtype=float)))
        return float(v) if np.ndim(v) == 0 else v


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
    args: List[object] = ["hitchhiker"]
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


def _points_csv(N: ArrayLike, D: ArrayLike, L: ArrayLike, C: Optional[ArrayLike]) -> str:
    """The points as a temporary CSV file (params, tokens, loss[, budget]);
    the caller removes it. Lengths must agree (the error names them)."""
    import tempfile

    cols = [("N", np.asarray(N, dtype=float)), ("D", np.asarray(D, dtype=float)),
            ("L", np.asarray(L, dtype=float))]
    if C is not None:
        cols.append(("C", np.asarray(C, dtype=float)))
    lens = {name: a.shape for name, a in cols}
    if any(a.ndim != 1 for _, a in cols) or len({a.shape[0] for _, a in cols}) != 1:
        raise InvalidInputError(
            "N, D, L" + (", C" if C is not None else "")
            + " must be 1-D arrays of one length, got shapes "
            + ", ".join(f"{k}: {v}" for k, v in lens.items())
        )
    fd, path = tempfile.mkstemp(suffix=".csv", prefix="scaling-laws-")
    with os.fdopen(fd, "w") as f:
        f.write("params,tokens,loss" + (",budget" if C is not None else "") + "\n")
        for row in zip(*(a for _, a in cols)):
            f.write(",".join(repr(float(x)) for x in row) + "\n")
    return path


def _with_points(
    N: ArrayLike, D: ArrayLike, L: ArrayLike, C: Optional[ArrayLike], args: List[object]
) -> dict:
    path = _points_csv(N, D, L, C)
    try:
        return _command([str(a) if a is not _DATA else path for a in args])
    finally:
        os.remove(path)


_DATA: object = object()


def fit_approach2_corrected(
    N: ArrayLike, D: ArrayLike, L: ArrayLike, C: ArrayLike, *, budgets: Sequence[float] = ()
) -> dict:
    """Approach 2 with the exact IsoFLOP profile per budget (unbiased on
    noise-free data): the JSON of ``scaling-laws fit --method
    approach2-corrected`` (``a``, ``b``, ``a_intercept``, ``b_intercept``,
    ``alpha``, ``beta``, ``budgets``, ``allocations`` at ``budgets``…)."""
    args: List[object] = ["fit", "--method", "approach2-corrected", "--data", _DATA]
    if budgets:
        args += ["--budget", ",".join(repr(float(c)) for c in budgets)]
    return _with_points(N, D, L, C, args)


def fit_budgets(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    budgets: Sequence[float],
    *,
    method: str = "vpnls",
    C: Optional[ArrayLike] = None,
    objective: Optional[str] = None,
    bootstrap: int = 0,
    seed: int = 0,
) -> dict:
    """The compute-optimal allocation of any method at each budget: the JSON of
    ``scaling-laws fit --method METHOD --budget ... [--bootstrap K]``: ``a``,
    ``b``, ``allocations`` (``budget``, ``n_opt``, ``d_opt``, ``loss_opt``, and
    with ``bootstrap`` an ``interval`` each), ``on_bound_share``, ``warnings``.
    ``C`` (the budgets of the points) is needed by ``approach2`` and lets a
    surface's bootstrap compare with Approach 2's N* intervals. ``objective``
    is Approach 3's (default ``rss``)."""
    args: List[object] = ["fit", "--method", method, "--data", _DATA,
                  "--budget", ",".join(repr(float(c)) for c in budgets)]
    if objective is not None:
        args += ["--objective", objective]
    if bootstrap:
        args += ["--bootstrap", int(bootstrap), "--seed", int(seed)]
    return _with_points(N, D, L, C, args)


def predict(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    at: Sequence[Tuple[float, float]],
    *,
    method: str = "vpnls",
    C: Optional[ArrayLike] = None,
    objective: Optional[str] = None,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.95,
) -> dict:
    """The loss ``method`` predicts at each (N, D) of ``at``, with percentile
    intervals for the mean and for a new run (``bootstrap`` refits) and the
    Mahalanobis extrapolation distance on (ln N, ln D): the JSON of
    ``scaling-laws predict`` (``predictions``: ``n``, ``d``, ``loss``,
    ``distance``, ``outside_range``, ``mean_interval``, ``new_run_interval``).
    ``approach2`` needs ``C`` and predicts through the law of its parabolas."""
    args: List[object] = ["predict", "--data", _DATA, "--method", method,
                  "--bootstrap", int(bootstrap), "--seed", int(seed), "--level", level]
    if objective is not None:
        args += ["--objective", objective]
    for n, d in at:
        args += ["--at", f"{float(n)!r},{float(d)!r}"]
    return _with_points(N, D, L, C, args)


def audit(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    C: ArrayLike,
    *,
    methods: Sequence[str] = ("vpnls",),
    ordered: bool = False,
    objective: Optional[str] = None,
) -> dict:
    """Leave-one-budget-out (and with ``ordered`` the k-smallest-budgets)
    extrapolation of every method: the JSON of ``scaling-laws audit``, one data
    set ``data``: per method ``leave_one_out``, ``ordered`` and ``summary``
    (``mean``, ``median``, ``worst``, ``worst_key``, ``spearman``)."""
    args: List[object] = ["audit", "--data", _DATA, "--method", ",".join(methods)]
    if ordered:
        args.append("--ordered")
    if objective is not None:
        args += ["--objective", objective]
    out = _with_points(N, D, L, C, args)
    # One data set, named after the temporary file: give it a stable name.
    sets = out.get("data", {})
    if len(sets) == 1:
        out["data"] = {"data": next(iter(sets.values()))}
    return out


def __dir__() -> List[str]:
    """The public names only (not ``np``, ``os``, ``json``)."""
    return sorted(__all__)
