"""Result types: frozen dataclasses and command reports, with ``to_dict()`` and
``to_pandas()``."""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

import numpy as np

from ._native import LossSurface
from ._types import ArrayLike


def _pandas() -> Any:
    try:
        import pandas  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "to_pandas() needs pandas, which is not installed: `pip install pandas` "
            "(to_dict() gives the same numbers without it)"
        ) from e
    return pandas


def _plain(v: Any) -> Any:
    """A JSON-like copy: numpy arrays and tuples become lists, numpy scalars
    Python numbers, records their dicts."""
    if isinstance(v, _Record):
        return v.to_dict()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _num(v: Any) -> float:
    """A number for a table cell: NaN for a reason string ("unavailable: ...")."""
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else float("nan")


def _interval_columns(row: Dict[str, Any], interval: Mapping[str, Any]) -> None:
    """``k_low``, ``k_high`` for each interval entry (NaN when it is a reason)."""
    for k, iv in interval.items():
        pair = iv if isinstance(iv, (list, tuple)) and len(iv) == 2 else (None, None)
        row[f"{k}_low"], row[f"{k}_high"] = _num(pair[0]), _num(pair[1])


class _Record:
    """``to_dict()`` and ``to_pandas()`` of the frozen dataclasses."""

    def to_dict(self) -> Dict[str, Any]:
        """The fields as plain Python values (lists for arrays), keys as the
        command line's JSON."""
        names: Iterable[str] = getattr(self, "__dataclass_fields__")
        return {k: _plain(getattr(self, k)) for k in names}

    def _rows(self) -> List[Dict[str, Any]]:
        row: Dict[str, Any] = {}
        for k, v in self.to_dict().items():
            if k == "interval" and isinstance(v, Mapping):
                _interval_columns(row, v)
            elif not isinstance(v, (list, dict)):
                row[k] = v
        return [row]

    def to_pandas(self) -> Any:
        """A pandas DataFrame: one row per point or budget for results that
        are arrays, one row otherwise (intervals as ``k_low``/``k_high``
        columns). Needs pandas (an ImportError saying so otherwise)."""
        return _pandas().DataFrame(self._rows())


@dataclass(frozen=True)
class VertexShift(_Record):
    """The Approach 2 vertex shift and the prefactor errors it implies.

    ``delta_w`` (decades): the parabola's vertex sits at log10 N* + delta_w.
    ``n_intercept_error`` = 10**delta_w - 1, ``d_intercept_error`` = 10**-delta_w - 1.
    """

    delta_w: float
    n_intercept_error: float
    d_intercept_error: float


@dataclass(frozen=True)
class Allocation(_Record):
    """The compute-optimal allocation at one ``budget`` C (FLOPs): ``n_opt``
    (N*), ``d_opt`` (D*), ``tokens_per_param`` (D*/N*) and ``loss_opt`` (L*, or
    a sentence saying why it is unavailable). With a bootstrap, ``interval``
    maps each of ``n_opt``, ``d_opt``, ``loss_opt`` (and the companion method's
    N*, e.g. ``n_opt_approach2``) to its percentile interval [low, high], or to
    a sentence when too few replicates gave a value."""

    budget: float
    n_opt: float
    d_opt: float
    tokens_per_param: float
    loss_opt: Union[float, str]
    interval: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        """The fields as the command's JSON object (no ``interval`` without a
        bootstrap)."""
        d = super().to_dict()
        if not self.interval:
            del d["interval"]
        return d

    def _rows(self) -> List[Dict[str, Any]]:
        row: Dict[str, Any] = {
            "budget": self.budget, "n_opt": self.n_opt, "d_opt": self.d_opt,
            "tokens_per_param": self.tokens_per_param, "loss_opt": _num(self.loss_opt),
        }
        _interval_columns(row, self.interval)
        return [row]


class _Allocated(_Record):
    """Fits that may carry allocations: a table of them."""

    allocations: Tuple[Allocation, ...]

    def allocations_to_pandas(self) -> Any:
        """One row per budget: ``budget``, ``n_opt``, ``d_opt``,
        ``tokens_per_param``, ``loss_opt`` and, with a bootstrap, ``n_opt_low``,
        ``n_opt_high``… (NaN where a value is unavailable). Needs pandas."""
        pd = _pandas()
        rows = [r for a in self.allocations for r in a._rows()]
        return pd.DataFrame(rows, columns=None if rows else
                            ["budget", "n_opt", "d_opt", "tokens_per_param", "loss_opt"])


@dataclass(frozen=True)
class Approach2Fit(_Allocated):
    """Approach 2: N* = 10**a_intercept * C**a and D* = 10**b_intercept * C**b.

    Per budget (in increasing order): ``budgets`` and the parabola vertices
    ``log10_n_opt``, ``log10_d_opt`` (empty for a closed-form prediction).
    Given ``budgets=`` or ``bootstrap=``, also ``allocations`` (one
    :class:`Allocation` per requested budget), ``interval`` (percentile
    intervals of ``a``, ``b``, ``a_intercept``, ``b_intercept``),
    ``on_bound_share`` and ``warnings`` (as ``scaling-laws fit --json``).
    ``to_pandas()`` gives one row per fitted budget.
    """

    a: float
    b: float
    a_intercept: float
    b_intercept: float
    budgets: np.ndarray = field(default_factory=lambda: np.empty(0))
    log10_n_opt: np.ndarray = field(default_factory=lambda: np.empty(0))
    log10_d_opt: np.ndarray = field(default_factory=lambda: np.empty(0))
    allocations: Tuple[Allocation, ...] = ()
    interval: Mapping[str, Any] = field(default_factory=dict)
    on_bound_share: Optional[float] = None
    warnings: Tuple[str, ...] = ()

    def n_opt(self, C: Union[float, ArrayLike]) -> Union[float, np.ndarray]:
        """N*(C) = 10**a_intercept * C**a (a number, or an array for an array C).

        >>> Approach2Fit(0.5, 0.5, -1.0, -1.0).n_opt(1e4)
        10.0
        """
        v = 10.0 ** (self.a_intercept + self.a * np.log10(np.asarray(C, dtype=float)))
        return float(v) if np.ndim(v) == 0 else np.asarray(v)

    def d_opt(self, C: Union[float, ArrayLike]) -> Union[float, np.ndarray]:
        """D*(C) = 10**b_intercept * C**b (a number, or an array for an array C).

        >>> Approach2Fit(0.5, 0.5, -1.0, -1.0).d_opt([1e4, 1e6]).tolist()
        [10.0, 100.0]
        """
        v = 10.0 ** (self.b_intercept + self.b * np.log10(np.asarray(C, dtype=float)))
        return float(v) if np.ndim(v) == 0 else np.asarray(v)

    def _rows(self) -> List[Dict[str, Any]]:
        if len(self.budgets) == 0:
            row = {k: getattr(self, k) for k in ["a", "b", "a_intercept", "b_intercept"]}
            return [row]
        return [
            {"budget": float(c), "log10_n_opt": float(n), "log10_d_opt": float(d)}
            for c, n, d in zip(self.budgets, self.log10_n_opt, self.log10_d_opt)
        ]


@dataclass(frozen=True)
class SurfaceFit(_Allocated):
    """A fitted surface L = E + A/N**alpha + B/D**beta.

    ``status`` is one of ``converged``, ``max_iter``, ``abnormal``, ``bound_hit``
    (or what the crate reports); ``rss`` the residual sum of squares on L.
    Given ``budgets=`` or ``bootstrap=``, also ``allocations`` (one
    :class:`Allocation` per budget), ``interval`` (percentile intervals of E,
    A, B, alpha, beta), ``on_bound_share`` (the share of replicates whose fit
    ended on a bound) and the bootstrap's ``warnings``.
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
    allocations: Tuple[Allocation, ...] = ()
    interval: Mapping[str, Any] = field(default_factory=dict)
    on_bound_share: Optional[float] = None

    def surface(self) -> LossSurface:
        """The fitted parameters as a :class:`LossSurface`.

        >>> import scaling_laws as sl
        >>> s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 7)
        >>> round(sl.fit_vpnls(s.N, s.D, s.loss).surface().exponent_a, 4)
        0.4516
        """
        return LossSurface(self.E, self.A, self.B, self.alpha, self.beta)


@dataclass(frozen=True)
class IsoflopSample(_Record):
    """Noise-free IsoFLOP samples: one entry per point, budgets in order.
    ``to_pandas()`` gives one row per point."""

    N: np.ndarray
    D: np.ndarray
    loss: np.ndarray
    budget: np.ndarray

    def _rows(self) -> List[Dict[str, Any]]:
        return [{"N": float(n), "D": float(d), "loss": float(l), "budget": float(c)}
                for n, d, l, c in zip(self.N, self.D, self.loss, self.budget)]


@dataclass(frozen=True)
class AllocationCost(_Record):
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


class Report(Dict[str, Any]):
    """A command's JSON object (a dict, key for key as ``scaling-laws ...
    --json``), with ``to_dict()`` and ``to_pandas()``."""

    def to_dict(self) -> Dict[str, Any]:
        """A plain deep copy (dicts, lists, numbers, strings)."""
        out: Dict[str, Any] = json.loads(json.dumps(self))
        return out

    def _rows(self) -> List[Dict[str, Any]]:
        return [self.to_dict()]

    def to_pandas(self) -> Any:
        """The report's main table as a pandas DataFrame (nested objects
        flattened to dotted column names). Needs pandas."""
        return _pandas().json_normalize(self._rows())


class FitReport(Report):
    """``scaling-laws fit --json`` (:func:`fit_budgets`,
    :func:`fit_approach2_corrected`); ``to_pandas()``: one row per allocation."""

    def _rows(self) -> List[Dict[str, Any]]:
        return [r for a in self.get("allocations", []) for r in _allocation(a)._rows()]


class Predictions(Report):
    """``scaling-laws predict --json``; ``to_pandas()``: one row per (N, D)."""

    def _rows(self) -> List[Dict[str, Any]]:
        rows = []
        for p in self.get("predictions", []):
            row = {k: v for k, v in p.items() if not isinstance(v, (list, dict))}
            _interval_columns(row, {k: v for k, v in p.items() if k.endswith("_interval")})
            rows.append(row)
        return rows


class AuditReport(Report):
    """``scaling-laws audit --json``; ``to_pandas()``: one row per data set,
    method, split (``leave_one_out`` or ``ordered``) and held-out group
    (``rmse_ln`` NaN where the method could not predict)."""

    def _rows(self) -> List[Dict[str, Any]]:
        rows = []
        for data, d in self.get("data", {}).items():
            for method, m in d.get("methods", {}).items():
                for split in ("leave_one_out", "ordered"):
                    for g in m.get(split, []) or []:
                        row = {"data": data, "method": method, "split": split, **g}
                        row["rmse_ln"] = _num(row.get("rmse_ln"))
                        rows.append(row)
        return rows


class IsoflopsQc(Report):
    """``scaling-laws isoflops qc --json``: per experiment ``points``,
    ``clean`` and ``reasons`` {reason: count}; ``to_pandas()``: one row per
    experiment with a column per reason."""

    def _rows(self) -> List[Dict[str, Any]]:
        reasons = sorted({r for v in self.values() for r in v.get("reasons", {})})
        return [{"experiment": k, "points": v["points"], "clean": v["clean"],
                 **{r: v.get("reasons", {}).get(r, 0) for r in reasons}}
                for k, v in self.items()]


class IsoflopsFits(Report):
    """``scaling-laws isoflops --json``: per experiment the fits of Approach 2,
    corrected Approach 2, Approach 3 and VPNLS and their ``allocation`` at
    the budget (an ``error`` object for an experiment that could not be
    fitted). ``to_pandas()``: one row per (experiment, group, key) with
    ``value``, ``low``, ``high`` (as the command's ``fits.csv``)."""

    def _rows(self) -> List[Dict[str, Any]]:
        rows: List[Dict[str, Any]] = []

        def add(exp: str, group: str, obj: Mapping[str, Any]) -> None:
            iv = obj.get("interval", {})
            for k, v in obj.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    pair = iv.get(k)
                    lo, hi = (pair if isinstance(pair, list) else (None, None))
                    rows.append({"experiment": exp, "group": group, "key": k,
                                 "value": float(v), "low": _num(lo), "high": _num(hi)})

        for exp, e in self.items():
            for group in ("approach2", "approach2_corrected", "approach3", "vpnls"):
                if isinstance(e.get(group), Mapping):
                    add(exp, group, e[group])
            for m, a in e.get("allocation", {}).items():
                if isinstance(a, Mapping):
                    add(exp, f"allocation.{m}", a)
        return rows


class DarkMatterReport(Report):
    """``scaling-laws dark-matter --json``; ``to_pandas()``: one row per
    metric (nested objects as dotted columns)."""

    def _rows(self) -> List[Dict[str, Any]]:
        return [{"metric": k, **v} for k, v in self.to_dict().items() if isinstance(v, dict)]


class TrainingCurvesReport(Report):
    """``scaling-laws hitchhiker --json``; ``to_pandas()``: one row per data set."""

    def _rows(self) -> List[Dict[str, Any]]:
        rows: List[Dict[str, Any]] = self.to_dict().get("datasets", [])
        return rows


def _fields(cls: Any, d: Mapping[str, Any]) -> Dict[str, Any]:
    names = cls.__dataclass_fields__
    out = {k: v for k, v in d.items() if k in names}
    if "warnings" in out:
        out["warnings"] = tuple(out["warnings"])
    return out


def _allocation(d: Mapping[str, Any]) -> Allocation:
    return Allocation(**_fields(Allocation, d))


def _fit(d: Mapping[str, Any]) -> SurfaceFit:
    return SurfaceFit(**_fields(SurfaceFit, d))


class DesignReport(Report):
    """``scaling-laws design --json`` (:func:`design`): ``target``, ``sigma``,
    ``prior_surfaces``, ``candidates``, ``ranked``, the ``recommended``
    design, the ``habit`` (±8×, 9 points, 1e17…1e21) per method and the
    ``top`` rows, each ``method``, ``width_factor``, ``points``, ``budgets``,
    ``cost_flops``, ``mse_ln_n``, ``mse_ln_d``, ``rmse_ln_n``,
    ``worst_mse_ln_n``, ``bias2_ln_n``, ``mse_a``. ``to_pandas()``: one row
    per ranked design and method, best first, with ``rank``, ``n_budgets``,
    ``budget_min`` and ``budget_max`` (the list of budgets kept in
    ``budgets``)."""

    def _rows(self) -> List[Dict[str, Any]]:
        rows = []
        for i, r in enumerate(self.get("top", [])):
            b = list(r.get("budgets", []))
            rows.append({"rank": i + 1, **r, "n_budgets": len(b),
                         "budget_min": min(b) if b else float("nan"),
                         "budget_max": max(b) if b else float("nan")})
        return rows


class NextRuns(Report):
    """``scaling-laws design --data F --next K --json`` (:func:`suggest_next`):
    ``sigma``, the VPNLS ``surface`` of the runs done, and ``next``: per step
    ``budget``, ``n``, ``d``, ``var_ln_n_after`` (Var ln N*(target) once the
    runs so far are added) and ``reduction_per_flop``. ``to_pandas()``: one
    row per suggested run, with ``step`` (1, 2, …)."""

    def _rows(self) -> List[Dict[str, Any]]:
        return [{"step": i + 1, **r} for i, r in enumerate(self.get("next", []))]
