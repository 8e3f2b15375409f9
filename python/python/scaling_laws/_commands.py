"""The commands bound through their JSON: corrected Approach 2, allocations,
predict, audit, the IsoFLOP study, dark matter, training curves, sweep design."""

from __future__ import annotations

import csv as _csv
import numbers
import os
import tempfile
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._native import InvalidInputError, LossSurface
from ._types import ArrayLike, Budgets, PathLike
from ._results import (
    AuditReport,
    DarkMatterReport,
    DesignReport,
    FitReport,
    IsoflopsFits,
    IsoflopsQc,
    NextRuns,
    Predictions,
    TrainingCurvesReport,
)
from ._run import (
    _DATA,
    _budget_list,
    _check_lengths,
    _cli_fit,
    _command,
    _replicates,
    _with_points,
)


def fit_approach2_corrected(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    C: ArrayLike,
    *,
    budgets: Optional[Budgets] = None,
    bootstrap: int = 0,
    seed: int = 0,
    resample: str = "points",
) -> FitReport:
    """Approach 2 with the exact IsoFLOP profile per budget (unbiased on
    noise-free data): the JSON of ``scaling-laws fit --method
    approach2-corrected`` (``a``, ``b``, ``a_intercept``, ``b_intercept``,
    ``alpha``, ``beta``, ``allocations`` at ``budgets``…). ``bootstrap``,
    ``seed``, ``resample`` as in :func:`fit_approach2` (intervals of ``a``,
    ``b``, the intercepts, ``alpha``, ``beta`` and every allocation).

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 7)
    >>> r = sl.fit_approach2_corrected(s.N, s.D, s.loss, s.budget, budgets=[1e24])
    >>> round(r["a"], 4), round(r["allocations"][0]["n_opt"] / 1e9, 1)
    (0.4516, 41.3)
    """
    b, k = _budget_list(budgets), _replicates(bootstrap)
    return FitReport(_cli_fit("approach2-corrected", N, D, L, C, b, k, seed, resample))


def fit_budgets(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    budgets: Budgets,
    *,
    method: str = "vpnls",
    C: Optional[ArrayLike] = None,
    objective: Optional[str] = None,
    bootstrap: int = 0,
    seed: int = 0,
    resample: str = "points",
) -> FitReport:
    """The compute-optimal allocation of any method at each budget: the JSON of
    ``scaling-laws fit --method METHOD --budget ... [--bootstrap K]``: ``a``,
    ``b``, ``allocations`` (``budget``, ``n_opt``, ``d_opt``, ``loss_opt``, and
    with ``bootstrap`` an ``interval`` each), ``on_bound_share``, ``warnings``.
    ``method``: ``vpnls`` (default), ``approach3``, ``grid``, ``approach2``,
    ``approach2-corrected``. ``C`` (the budgets of the points) is needed by
    Approach 2 and lets a surface's bootstrap compare with Approach 2's N*
    intervals. ``objective`` is Approach 3's (default ``rss``). ``bootstrap``
    (default 0: none), ``seed`` (default 0) and ``resample`` (default
    ``points``) as in :func:`fit_approach3`.

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 7)
    >>> r = sl.fit_budgets(s.N, s.D, s.loss, [1e22, 1e24])
    >>> [round(a["n_opt"] / 1e9, 2) for a in r["allocations"]]
    [5.16, 41.3]
    """
    b = _budget_list(budgets)
    return FitReport(_cli_fit(method, N, D, L, C, b, _replicates(bootstrap), seed, resample,
                              objective))


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
) -> Predictions:
    """The loss ``method`` (default ``vpnls``) predicts at each (N, D) of
    ``at``, with percentile intervals at ``level`` (default 0.95) for the
    mean and for a new run (``bootstrap`` refits, default 0: none, drawn from
    ``seed``, default 0) and the Mahalanobis extrapolation distance on
    (ln N, ln D): the JSON of ``scaling-laws predict`` (``predictions``:
    ``n``, ``d``, ``loss``, ``distance``, ``outside_range``,
    ``mean_interval``, ``new_run_interval``). ``approach2`` needs ``C`` and
    predicts through the law of its parabolas.

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 7)
    >>> p = sl.predict(s.N, s.D, s.loss, [(1e10, 2e11)], bootstrap=10)
    >>> round(p["predictions"][0]["loss"], 4)
    2.1331
    """
    args: List[object] = ["predict", "--data", _DATA, "--method", method,
                          "--bootstrap", _replicates(bootstrap), "--seed", int(seed),
                          "--level", level]
    if objective is not None:
        args += ["--objective", objective]
    for n, d in at:
        args += ["--at", f"{float(n)!r},{float(d)!r}"]
    return Predictions(_with_points(N, D, L, C, args))


def audit(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    C: ArrayLike,
    *,
    methods: Sequence[str] = ("vpnls",),
    ordered: bool = False,
    objective: Optional[str] = None,
) -> AuditReport:
    """Leave-one-budget-out (and with ``ordered``, default False, the
    k-smallest-budgets) extrapolation of every method (default VPNLS only):
    the JSON of ``scaling-laws audit``, one data set ``data``: per method
    ``leave_one_out``, ``ordered`` and ``summary`` (``mean``, ``median``,
    ``worst``, ``worst_key``, ``spearman``) of the held-out RMSE of ln L.

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 7)
    >>> r = sl.audit(s.N, s.D, s.loss, s.budget, methods=["vpnls", "approach2"])
    >>> r["data"]["data"]["methods"]["approach2"]["summary"]["scored"]
    5
    """
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
    return AuditReport(out)


_TEXT = ("source", "dataset", "model", "condition", "experiment")
_NUMERIC = ("tokens", "params", "budget", "loss")


def _isoflops_csv(table: Mapping[str, Any]) -> str:
    """An IsoFLOP table (a dict of columns or a DataFrame: ``experiment``,
    ``params``, ``tokens``, ``budget``, ``loss``; optional ``source``,
    ``dataset``, ``model``, ``condition`` (empty when absent), ``outlier``,
    ``reason``) as a temporary CSV file; the caller removes it."""
    missing = [c for c in ("experiment",) + _NUMERIC if c not in table]
    if missing:
        raise InvalidInputError(
            f"the IsoFLOP table lacks the column(s) {', '.join(missing)} "
            f"(it has {', '.join(map(str, table.keys()))})")
    nums = _check_lengths([(c, table[c]) for c in _NUMERIC])
    n = len(nums[0][1])
    texts = {}
    for c in _TEXT + ("outlier", "reason"):
        if c in table:
            v = [str(x) for x in table[c]]
            if len(v) != n:
                raise InvalidInputError(f"column {c} has {len(v)} rows, the numeric columns {n}")
            texts[c] = v
        elif c in _TEXT:
            texts[c] = [""] * n
    fd, path = tempfile.mkstemp(suffix=".csv", prefix="scaling-laws-isoflops-")
    with os.fdopen(fd, "w", newline="") as f:
        w = _csv.writer(f)
        header = list(_TEXT) + list(_NUMERIC) + [c for c in ("outlier", "reason") if c in texts]
        w.writerow(header)
        cols = {**texts, **{c: [repr(float(x)) for x in a] for c, a in nums}}
        for i in range(n):
            w.writerow([cols[c][i] for c in header])
    return path


def _isoflops_command(
    data: Union[PathLike, Mapping[str, Any], None], args: List[object]
) -> Dict[str, Any]:
    if data is None:
        return _command(args)
    if isinstance(data, (str, os.PathLike)):
        return _command(args + ["--data", os.fspath(data)])
    path = _isoflops_csv(data)
    try:
        return _command(args + ["--data", path])
    finally:
        os.remove(path)


def isoflops_qc(
    data: Union[PathLike, Mapping[str, Any]],
    *,
    out: Optional[PathLike] = None,
) -> IsoflopsQc:
    """Recompute the outlier flags of an IsoFLOP study and count them per
    experiment: the JSON of ``scaling-laws isoflops qc --data F``, as an
    :class:`IsoflopsQc` ({experiment: {``points``, ``clean``, ``reasons``}}).
    ``data``: a CSV path (columns source, dataset, model, condition,
    experiment, tokens, params, budget, loss), or a dict of columns / pandas
    DataFrame with at least ``experiment``, ``params``, ``tokens``,
    ``budget``, ``loss``. ``out`` (default none): write the rows with
    ``outlier`` and ``reason`` recomputed to this CSV.

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 9)
    >>> table = {"experiment": ["sim"] * len(s.N), "params": s.N, "tokens": s.D,
    ...          "budget": s.budget, "loss": s.loss}
    >>> qc = sl.isoflops_qc(table)
    >>> qc["sim"]["points"], qc["sim"]["clean"], qc["sim"]["reasons"]
    (45, 44, {'spline_outlier': 1})
    """
    args: List[object] = ["isoflops", "qc"]
    if out is not None:
        args += ["--out", os.fspath(out)]
    return IsoflopsQc(_isoflops_command(data, args))


def isoflops_fits(
    data: Union[PathLike, Mapping[str, Any], None] = None,
    *,
    experiments: Sequence[str] = (),
    exclude_outliers: bool = False,
    budget: float = 1e24,
    bootstrap: int = 0,
    resample: str = "within-budgets",
    seed: int = 0,
    out: Optional[PathLike] = None,
) -> IsoflopsFits:
    """Fit every experiment of an IsoFLOP study with Approach 2, corrected
    Approach 2, Approach 3 and VPNLS and report each one's allocation at
    ``budget`` (default 1e24 FLOPs): the JSON of ``scaling-laws isoflops``, as
    an :class:`IsoflopsFits`. ``data``: as :func:`isoflops_qc` (default: the
    published isoflops/isoflops.csv under $SCALING_LAWS_DATA);
    ``experiments`` (default all); ``exclude_outliers`` (default False) fits
    only the points QC leaves clean; ``bootstrap`` K (default 0) adds 95 %
    percentile intervals, resampling points ``within-budgets`` (default) or
    whole ``budgets``, drawn from ``seed`` (default 0); ``out`` writes a
    figure per experiment and fits.csv there.

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 9)
    >>> table = {"experiment": ["sim"] * len(s.N), "params": s.N, "tokens": s.D,
    ...          "budget": s.budget, "loss": s.loss}
    >>> r = sl.isoflops_fits(table, bootstrap=20)
    >>> r["sim"]["vpnls"]["status"], round(r["sim"]["allocation"]["vpnls"]["n_opt"] / 1e9, 1)
    ('converged', 41.3)
    """
    args: List[object] = ["isoflops", "--budget", repr(float(budget)),
                          "--bootstrap", _replicates(bootstrap), "--resample", resample,
                          "--seed", int(seed)]
    if experiments:
        args += ["--experiment", *experiments]
    if exclude_outliers:
        args.append("--exclude-outliers")
    if out is not None:
        args += ["--out", os.fspath(out)]
    return IsoflopsFits(_isoflops_command(data, args))


def dark_matter(
    data: PathLike,
    out: PathLike,
    *,
    metrics: Sequence[str] = ("size", "flops", "tokens"),
    seed: Optional[int] = None,
    folds: Optional[int] = None,
    bootstrap: Optional[int] = None,
    size_col: Optional[str] = None,
    flops_col: Optional[str] = None,
    tokens_col: Optional[str] = None,
    loss_col: Optional[str] = None,
) -> DarkMatterReport:
    r"""One power law or two ("dark matter"), L = C/x**alpha + E against
    L = C1/x**alpha1 + C2/x**alpha2 + E, per metric x (model size N/1e9, training
    FLOPs C/1e18, tokens D/1e9) on a CSV of training runs: the published RMSE
    verdict beside an honest comparison (AIC/BIC, cross-validated RMSE by model
    size and random folds, a bootstrap interval of the RMSE improvement).

    Writes its tables and figures under ``out`` (as ``scaling-laws dark-matter``)
    and returns the command's JSON object: per metric ``single``, ``two_term``,
    ``rmse_improvement_pct``, ``verdict``, ``aic``, ``bic``, ``cv_rmse``,
    ``rmse_improvement_ci``, ``honest_verdict``…; and ``best_metric``,
    ``consistency``. Unset options take the command's defaults (seed
    20250909, 5 folds, 200 bootstrap replicates, columns "Model Size",
    "Training FLOP", "loss"; tokens D = C/(6N) without ``tokens_col``).

    >>> import os, tempfile, numpy as np, scaling_laws as sl
    >>> s = sl.LossSurface.preset("chinchilla")
    >>> folder = tempfile.mkdtemp()
    >>> runs = os.path.join(folder, "runs.csv")
    >>> with open(runs, "w") as f:
    ...     _ = f.write("Model Size,Training FLOP,loss\n")
    ...     for i, n in enumerate(np.logspace(8, 10, 24).tolist()):
    ...         d = 20 * n * (1 + i % 3)
    ...         _ = f.write(f"{n!r},{6 * n * d!r},{s.loss(n, d) * (1 + 0.003 * (-1) ** i)!r}\n")
    >>> r = sl.dark_matter(runs, os.path.join(folder, "out"), metrics=["size"], bootstrap=10)
    >>> sorted(r)[:2], "verdict" in r["size"]
    (['best_metric', 'consistency'], True)
    >>> import shutil; shutil.rmtree(folder)
    """
    args: List[object] = ["dark-matter", "--data", data, "--out", out, "--metrics", ",".join(metrics)]
    for flag, v in [("--seed", seed), ("--folds", folds), ("--bootstrap", bootstrap),
                    ("--size-col", size_col), ("--flops-col", flops_col),
                    ("--tokens-col", tokens_col), ("--loss-col", loss_col)]:
        if v is not None:
            args += [flag, v]
    return DarkMatterReport(_command(args))


def training_curves(
    files: Sequence[Tuple[PathLike, int]] = (),
    *,
    registry: Optional[PathLike] = None,
    names: Sequence[str] = (),
    all: bool = False,
    loss_col: Optional[str] = None,
    tokens_per_step: Optional[float] = None,
    skip_first: Optional[float] = None,
    min_tokens: Optional[float] = None,
    bootstrap: Optional[int] = None,
    resample: Optional[str] = None,
    seed: Optional[int] = None,
    out: Optional[PathLike] = None,
) -> TrainingCurvesReport:
    """The training-curve law L(N, D) = e**E + e**A * N**alpha + e**B * D**beta
    (alpha, beta < 0) through per-size loss curves: SmoothL1 fit (Adam, then
    L-BFGS), a VPNLS cross-check, bootstrap intervals and identifiability warnings.

    Either ``files`` as (CSV path, parameter count N) pairs fitted as one data
    set, or a ``registry`` (TOML) with dataset ``names`` or ``all=True``. Returns
    the JSON of ``scaling-laws hitchhiker``: ``{"datasets": [...], "failed": [...]}``,
    each data set with ``E``, ``A``, ``B``, ``alpha``, ``beta``, ``exp_E``…,
    ``num_points``, ``final_loss``, ``status``, ``warnings``, ``vpnls``,
    ``intervals``. Unset options take the command's defaults (200 bootstrap
    replicates resampling ``checkpoints``, seed 0; the shipped registry is
    found through $SCALING_LAWS_REGISTRY, ./data or the build's source tree).

    >>> import scaling_laws as sl
    >>> r = sl.training_curves(names=["opt_trajectories"], bootstrap=8)
    >>> d = r["datasets"][0]
    >>> d["alpha"] < 0 and d["beta"] < 0
    True
    """
    args: List[object] = ["hitchhiker"]
    if registry is not None:
        args += ["--registry", registry]
    args += [*names] + (["--all"] if all else [])
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
    return TrainingCurvesReport(_command(args))


def _floats(name: str, values: Optional[Sequence[float]]) -> Optional[str]:
    if values is None:
        return None
    v = np.atleast_1d(np.asarray(values, dtype=float))
    if v.ndim != 1 or v.size == 0:
        raise InvalidInputError(f"{name}: expected a non-empty 1-D list of numbers, got {values!r}")
    return ",".join(repr(float(x)) for x in v)


def design(
    surface: Union[str, LossSurface] = "chinchilla",
    *,
    sigma: Optional[float] = None,
    target: float = 1e24,
    budgets: Optional[Sequence[float]] = None,
    points: Optional[Sequence[int]] = None,
    widths: Optional[Sequence[float]] = None,
    centring: float = 1.0,
    drift: float = 0.0,
    compute_cap: Optional[float] = None,
    methods: Optional[Sequence[str]] = None,
    alpha_range: Optional[Tuple[float, float]] = None,
    beta_range: Optional[Tuple[float, float]] = None,
    fit: Optional[PathLike] = None,
    top: Optional[int] = None,
) -> DesignReport:
    """Rank IsoFLOP sweep designs by the expected error (bias² + variance,
    proofs/19) of ln N*(``target``) for each method: the JSON of
    ``scaling-laws design``. ``surface``: a preset name (default
    ``chinchilla``) or a :class:`LossSurface`; ``sigma``: noise sd on L
    (needed unless ``fit``, a ``fit --json`` file, gives it); ``budgets``
    (FLOPs; designs use runs of ≥ 2 consecutive ones; default 1e17,
    10^17.5, …, 1e21), ``points`` (default 5,7,9,11,15,21,31) and ``widths``
    (±F× factors; default 2,3,4,6,8,12,16,32) span the candidates;
    ``centring`` (factor the grid centre misses N* by, default 1),
    ``drift`` (decades, default 0), ``compute_cap`` (FLOPs), ``methods``
    (default all four), ``alpha_range``/``beta_range`` (a prior: LO, HI).
    ``top`` rows are returned (default: every ranked design).

    >>> import scaling_laws as sl
    >>> r = sl.design(sigma=0.005, budgets=[1e18, 1e19, 1e20, 1e21], points=[9], widths=[8])
    >>> r["recommended"]["method"], r["ranked"], len(r["top"])
    ('vpnls', 24, 24)
    >>> round(r["recommended"]["rmse_ln_n"], 4)
    0.0299
    """
    args: List[object] = ["design", "--target", float(target), "--centring", float(centring),
                          "--drift", float(drift)]
    if isinstance(surface, LossSurface):
        args += ["--e", repr(surface.E), "--a-coef", repr(surface.A), "--b-coef",
                 repr(surface.B), "--alpha", repr(surface.alpha), "--beta", repr(surface.beta)]
    elif fit is None:
        args += ["--surface", str(surface)]
    if fit is not None:
        args += ["--fit", os.fspath(fit)]
    if sigma is not None:
        args += ["--sigma", float(sigma)]
    for flag, name, vals in (("--budgets", "budgets", budgets), ("--widths", "widths", widths),
                             ("--alpha-range", "alpha_range", alpha_range),
                             ("--beta-range", "beta_range", beta_range)):
        s = _floats(name, vals)
        if s is not None:
            args += [flag, s]
    if points is not None:
        p = [int(x) for x in points]
        if not p or any(x != y for x, y in zip(p, points)):
            raise InvalidInputError(f"points: expected a non-empty list of integers, got {points!r}")
        args += ["--points", ",".join(map(str, p))]
    if compute_cap is not None:
        args += ["--compute-cap", float(compute_cap)]
    if methods is not None:
        args += ["--methods", ",".join(methods)]
    if top is not None and (isinstance(top, bool) or not isinstance(top, numbers.Integral)
                            or top < 1):
        raise InvalidInputError(f"top must be a positive integer, got {top!r}")
    args += ["--top", int(top) if top is not None else 2**32]
    return DesignReport(_command(args))


def suggest_next(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    *,
    k: int = 5,
    sigma: Optional[float] = None,
    target: float = 1e24,
    budgets: Optional[Sequence[float]] = None,
) -> NextRuns:
    """The next ``k`` runs (default 5), greedily, that most reduce Var ln
    N*(``target``) per FLOP given the runs done (N, D, L): the JSON of
    ``scaling-laws design --data F --next K``. The surface is the runs'
    VPNLS fit; ``sigma`` defaults to its residual sd; candidates are N*(C)/16
    … 16·N*(C) in quarter decades at each of ``budgets`` (default 1e17,
    10^17.5, …, 1e21).

    >>> import scaling_laws as sl
    >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), [1e17, 1e18, 1e19], 0.6, 5)
    >>> r = sl.suggest_next(s.N, s.D, s.loss, k=3, sigma=0.01)
    >>> len(r["next"]), r["next"][0]["budget"]    # per FLOP, the cheapest budget wins here
    (3, 1e+17)
    >>> v = [x["var_ln_n_after"] for x in r["next"]]
    >>> v[0] > v[1] > v[2]
    True
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise InvalidInputError(f"k must be a positive integer, got {k!r}")
    args: List[object] = ["design", "--data", _DATA, "--next", int(k), "--target", float(target)]
    if sigma is not None:
        args += ["--sigma", float(sigma)]
    s = _floats("budgets", budgets)
    if s is not None:
        args += ["--budgets", s]
    return NextRuns(_with_points(N, D, L, None, args))
