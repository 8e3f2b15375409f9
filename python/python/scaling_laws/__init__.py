"""scaling_laws — fit and analyse neural scaling laws, from Python.

The loss surface (Hoffmann et al. 2022)

    L(N, D) = E + A / N**alpha + B / D**beta,    C = 6 N D,

has the compute-optimal frontier N*(C) = 10**a0 * C**a, D*(C) = 10**b0 * C**b with
a = beta / (alpha + beta) and b = alpha / (alpha + beta).

Every function here is a thin call into the Rust crate ``scaling-laws``: the same
numbers as its command line (``scaling-laws ... --json``), to the last bit. Arrays
go in as numpy arrays (any stride), lists or pandas columns; results come back as
frozen dataclasses whose field names are the JSON keys (with numpy arrays where
the result is an array), or, for the commands' reports, as dicts holding the
command's JSON. Every result has ``to_dict()`` (plain Python values, keys as the
JSON) and ``to_pandas()`` (a DataFrame; needs pandas). Fits release the GIL;
:func:`fit_many` fits a list of data sets in parallel.

Options have one name everywhere: ``objective`` is the loss a fit minimises
(``rss``, ``rss-log-params``, ``log-loss``, ``huber-log``; only Approach 3 has a
choice, VPNLS and the grid minimise the RSS), ``search`` VPNLS's outer search,
``method`` the fitting method, ``budgets`` the compute budgets C (FLOPs) at which
allocations are reported, ``bootstrap``/``seed``/``resample`` the bootstrap.

Errors are :class:`ScalingLawsError` (base), :class:`InvalidInputError` (bad input:
the message names the value and its index, or the arrays and their lengths) and
:class:`FitFailedError`. A fit that ran but did not converge is not an exception:
look at ``status``.

>>> import numpy as np, scaling_laws as sl
>>> s = sl.LossSurface.preset("chinchilla")
>>> round(s.loss(1e9, 2e10), 4)
2.58
>>> s.loss(np.array([1e9, 1e10]), 2e10).round(4).tolist()    # numpy in, numpy out
[2.58, 2.3879]
>>> round(s.n_opt(1e24) / 1e9, 2), round(s.exponent_a, 4)
(41.3, 0.4516)
"""

from __future__ import annotations

from typing import List

from ._native import FitFailedError, InvalidInputError, LossSurface, ScalingLawsError
from ._types import HUBER_DELTA, ArrayLike
from ._results import (
    Allocation,
    AllocationCost,
    Approach2Fit,
    AuditReport,
    DarkMatterReport,
    DesignReport,
    FitReport,
    IsoflopSample,
    IsoflopsFits,
    IsoflopsQc,
    NextRuns,
    Predictions,
    Report,
    SurfaceFit,
    TrainingCurvesReport,
    VertexShift,
)
from ._fits import (
    allocation_cost,
    fit_approach2,
    fit_approach3,
    fit_grid5,
    fit_many,
    fit_vpnls,
    predict_approach2,
    simulate_isoflops,
    vertex_shift,
    vertex_shift_continuum,
    vertex_shift_small_width,
)
from ._commands import (
    audit,
    dark_matter,
    design,
    fit_approach2_corrected,
    fit_budgets,
    isoflops_fits,
    isoflops_qc,
    predict,
    suggest_next,
    training_curves,
)

__all__ = [
    "LossSurface",
    "ScalingLawsError",
    "InvalidInputError",
    "FitFailedError",
    "VertexShift",
    "Approach2Fit",
    "SurfaceFit",
    "Allocation",
    "IsoflopSample",
    "AllocationCost",
    "Report",
    "FitReport",
    "Predictions",
    "AuditReport",
    "IsoflopsQc",
    "IsoflopsFits",
    "DarkMatterReport",
    "TrainingCurvesReport",
    "DesignReport",
    "NextRuns",
    "HUBER_DELTA",
    "ArrayLike",
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
    "isoflops_qc",
    "isoflops_fits",
    "design",
    "suggest_next",
]


def __dir__() -> List[str]:
    """The public names only (not the modules the package is made of)."""
    return sorted(__all__)
