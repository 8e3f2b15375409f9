"""Closed forms and fits (the native layer, and the `fit` command for
allocations and bootstrap intervals)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, List, Optional, Tuple, Union

from . import _native
from ._native import InvalidInputError, LossSurface, ScalingLawsError
from ._types import ArrayLike, Budgets
from ._results import (
    AllocationCost,
    Approach2Fit,
    IsoflopSample,
    SurfaceFit,
    VertexShift,
)
from ._results import _fit
from ._run import (
    _budget_list,
    _check_lengths,
    _deprecated,
    _only_rss,
    _replicates,
    _cli_fit,
    _extend,
    _surface_fit,
)


def vertex_shift(
    alpha: float, beta: float, width: float, points: int, offset: float = 0.0
) -> VertexShift:
    """The exact Approach 2 vertex shift on an n-point grid of half-width
    ``width`` decades (±10**width ×), centred ``offset`` decades from N*
    (default 0: centred). Same numbers as ``scaling-laws vertex-shift --json``.

    >>> import scaling_laws as sl
    >>> round(sl.vertex_shift(0.34, 0.28, 1.2041, 15).delta_w, 6)
    0.022734
    """
    return VertexShift(**_native.vertex_shift(alpha, beta, width, points, offset))


def vertex_shift_continuum(alpha: float, beta: float, width: float) -> float:
    """The vertex shift's continuum limit (points → ∞) on a centred grid.

    >>> import scaling_laws as sl
    >>> round(sl.vertex_shift_continuum(0.34, 0.28, 1.2041), 6)
    0.02001
    """
    return _native.vertex_shift_continuum_limit(alpha, beta, width)


def vertex_shift_small_width(
    alpha: float, beta: float, points: Optional[int] = None
) -> Tuple[float, float]:
    """Coefficients (d2, d4) of δw ≈ d2·W² + d4·W⁴ for small half-width W
    (``points=None``, the default: the continuum).

    >>> import scaling_laws as sl
    >>> [round(x, 6) for x in sl.vertex_shift_small_width(0.5, 0.5)]
    [0.0, 0.0]
    """
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
    closed form (``budgets=None``: 1e17 … 1e21; ``drift`` 0 and ``scale`` 1,
    the defaults, centre every grid on N*).

    >>> import scaling_laws as sl
    >>> p = sl.predict_approach2(sl.LossSurface.preset("chinchilla"), None, 0.9, 15)
    >>> round(p.a, 6)
    0.451613
    """
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
    (share wasted = 1 − φ(ε)^(−1/γ), proofs/11). Give exactly one of the two.

    >>> import scaling_laws as sl
    >>> c = sl.allocation_cost(sl.LossSurface.preset("chinchilla"), 1e24, token_error=0.3)
    >>> round(c.wasted_share, 4)
    0.1383
    """
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
    budget (``budgets=None``: 1e17 … 1e21; defaults drift 0, scale 1).

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), [1e18, 1e20], 0.5, 3)
    >>> s.budget.tolist(), len(s.N)
    ([1e+18, 1e+18, 1e+18, 1e+20, 1e+20, 1e+20], 6)
    """
    return IsoflopSample(
        **_native.simulate_isoflops(surface, width, points, budgets, drift, scale)
    )




def fit_approach2(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    C: ArrayLike,
    *,
    budgets: Optional[Budgets] = None,
    bootstrap: int = 0,
    seed: int = 0,
    resample: str = "points",
) -> Approach2Fit:
    """Chinchilla's Approach 2: a parabola in log10 N (and log10 D) per budget C,
    then power laws through the vertices. Same numbers as ``scaling-laws fit
    --method approach2 --json``.

    ``budgets`` (default none): report the allocation N*, D*, L* at these C.
    ``bootstrap`` K > 0 (default 0): percentile (95 %) intervals of the laws
    and of every allocation from K refits, resampling points within each
    budget (``resample="points"``, the default) or whole budgets
    (``"budgets"``), drawn from ``seed`` (default 0); VPNLS's N* intervals
    beside them, with a warning when the two do not overlap.

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 7)
    >>> fit = sl.fit_approach2(s.N, s.D, s.loss, s.budget, budgets=1e24, bootstrap=20)
    >>> round(fit.a, 4), round(fit.allocations[0].n_opt / 1e9, 1)
    (0.4516, 42.7)
    >>> sorted(fit.allocations[0].interval)
    ['d_opt', 'loss_opt', 'n_opt', 'n_opt_vpnls']
    """
    fit = Approach2Fit(**_native.fit_approach2_points(N, D, L, C))
    b, k = _budget_list(budgets), _replicates(bootstrap)
    if not b and not k:
        return fit
    return _extend(fit, _cli_fit("approach2", N, D, L, C, b, k, seed, resample))


def fit_vpnls(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    search: str = "lm",
    *,
    objective: str = "rss",
    budgets: Optional[Budgets] = None,
    bootstrap: int = 0,
    seed: int = 0,
    resample: str = "points",
    C: Optional[ArrayLike] = None,
    method: Optional[str] = None,
) -> SurfaceFit:
    """The five-parameter surface by variable projection: (E, A, B) by
    non-negative least squares for each (alpha, beta), a 32×32 grid over
    (alpha, beta), then ``search``: ``lm`` (Levenberg–Marquardt, the default),
    ``nelder-mead``, ``lbfgsb`` or ``grid`` (256×256, no refinement). The
    ``objective`` is the RSS on L (the only one; the argument exists so that
    every fit takes the same name). ``method=`` is the deprecated name of
    ``search``.

    ``budgets``, ``bootstrap``, ``seed``, ``resample`` as in
    :func:`fit_approach3` (the bootstrap runs the default search ``lm``, as
    the command line). ``C`` (optional): the points' budgets, to compare the
    N* intervals with Approach 2's.

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 7)
    >>> fit = sl.fit_vpnls(s.N, s.D, s.loss)
    >>> fit.status, round(fit.alpha, 4), round(fit.beta, 4)
    ('converged', 0.34, 0.28)
    """
    if method is not None:
        _deprecated("method", "search", "fit_vpnls")
        search = method
    _only_rss(objective, "fit_vpnls")
    if search != "lm" and (_budget_list(budgets) or _replicates(bootstrap)):
        raise InvalidInputError(
            f"budgets= and bootstrap= run the command line's VPNLS (search 'lm'), got search={search!r}"
        )
    return _surface_fit("vpnls", "vpnls", search, N, D, L, C, budgets, bootstrap, seed, resample)


def fit_approach3(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    objective: str = "rss",
    *,
    budgets: Optional[Budgets] = None,
    bootstrap: int = 0,
    seed: int = 0,
    resample: str = "points",
    C: Optional[ArrayLike] = None,
) -> SurfaceFit:
    """The direct five-parameter fit (L-BFGS-B in a box) with ``objective``:
    ``rss`` (the default), ``rss-log-params``, ``log-loss`` or ``huber-log``
    (Chinchilla's Huber loss on ln L, δ = :data:`HUBER_DELTA` = 1e-3, started
    from its 4,500-point grid, in its box α, β ∈ [0, 5]).

    ``budgets`` (default none): report N*, D*, L* at these budgets C (FLOPs).
    ``bootstrap`` K > 0 (default 0): 95 % percentile intervals of the
    parameters and of every allocation from K refits on resampled points
    (``resample="points"``, the default; ``"budgets"`` resamples whole
    budgets and needs ``C``), drawn from ``seed`` (default 0); with ``C``,
    Approach 2's N* intervals beside them. Same numbers as ``scaling-laws fit
    --method approach3 --budget ... --bootstrap K --json``.

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 7)
    >>> fit = sl.fit_approach3(s.N, s.D, s.loss, objective="log-loss")
    >>> fit.status, round(fit.E, 3)
    ('converged', 1.69)
    """
    return _surface_fit("approach3", "approach3", objective, N, D, L, C, budgets,
                        bootstrap, seed, resample, cli_objective=objective)


def fit_grid5(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    *,
    objective: str = "rss",
    budgets: Optional[Budgets] = None,
    bootstrap: int = 0,
    seed: int = 0,
    resample: str = "points",
    C: Optional[ArrayLike] = None,
) -> SurfaceFit:
    """The plain five-dimensional grid search (10 points per axis) on the RSS
    (``objective`` must be ``rss``). ``budgets``, ``bootstrap``, ``seed``,
    ``resample``, ``C`` as in :func:`fit_approach3`.

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 7)
    >>> sl.fit_grid5(s.N, s.D, s.loss).status
    'grid_point'
    """
    _only_rss(objective, "fit_grid5")
    return _surface_fit("grid5", "grid", None, N, D, L, C, budgets, bootstrap, seed, resample)


def fit_many(
    datasets: Iterable[Tuple[ArrayLike, ArrayLike, ArrayLike]],
    method: str = "vpnls",
    objective: Optional[str] = None,
    *,
    search: Optional[str] = None,
    budgets: Optional[Budgets] = None,
    bootstrap: int = 0,
    seed: int = 0,
    resample: str = "points",
    variant: Optional[str] = None,
) -> List[Union[SurfaceFit, ScalingLawsError]]:
    """Fit many (N, D, L) data sets in parallel on all cores, with the GIL
    released. ``method`` is ``vpnls`` (the default), ``approach3`` or
    ``grid5``; ``objective`` Approach 3's objective (default ``rss``; VPNLS
    and the grid take only ``rss``); ``search`` VPNLS's outer search
    (default ``lm``). ``budgets``, ``bootstrap``, ``seed``, ``resample`` as in
    :func:`fit_approach3`, for each data set. A data set whose fit fails gives
    its exception object in its place (nothing is raised); arrays of different
    lengths raise, naming the data set, the arrays and their lengths.
    ``variant=`` is the deprecated name of ``objective`` (Approach 3) or
    ``search`` (VPNLS).

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 7)
    >>> fits = sl.fit_many([(s.N, s.D, s.loss), (s.N[:20], s.D[:20], s.loss[:20])])
    >>> [f.status for f in fits]
    ['converged', 'converged']
    """
    if variant is not None:
        _deprecated("variant", "search" if method == "vpnls" else "objective", "fit_many")
        if method == "vpnls":
            search = variant
        else:
            objective = variant
    if method not in ("vpnls", "approach3", "grid5"):
        raise InvalidInputError(f"unknown surface method '{method}' (known: vpnls, approach3, grid5)")
    if method != "approach3":
        _only_rss(objective or "rss", f"fit_many(method={method!r})")
    if search is not None and method != "vpnls":
        raise InvalidInputError(f"search applies to method 'vpnls' only, got method={method!r}")
    sets = list(datasets)
    b, k = _budget_list(budgets), _replicates(bootstrap)
    native_variant = search if method == "vpnls" else (objective if method == "approach3" else None)
    if not b and not k:
        out = _native.fit_surfaces(sets, method, native_variant)
        return [r if isinstance(r, ScalingLawsError) else _fit(r) for r in out]
    for i, ds in enumerate(sets):
        _check_lengths([(f"datasets[{i}].{n}", a) for n, a in zip(("N", "D", "loss"), ds)])

    def one(ds: Tuple[ArrayLike, ArrayLike, ArrayLike]) -> Union[SurfaceFit, ScalingLawsError]:
        n, d, l = ds
        try:
            if method == "vpnls":
                return fit_vpnls(n, d, l, search or "lm", budgets=b, bootstrap=k, seed=seed,
                                 resample=resample)
            if method == "approach3":
                return fit_approach3(n, d, l, objective or "rss", budgets=b, bootstrap=k,
                                     seed=seed, resample=resample)
            return fit_grid5(n, d, l, budgets=b, bootstrap=k, seed=seed, resample=resample)
        except ScalingLawsError as e:
            return e

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(one, sets))
