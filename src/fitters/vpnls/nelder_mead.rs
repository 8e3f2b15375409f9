//! Grid, then argmin's Nelder–Mead \[NM65\].

use std::cell::RefCell;

use argmin::core::{Executor, State, TerminationReason};
use argmin::solver::neldermead::NelderMead;

use super::finish::finish;
use super::grid::grid_start;
use super::objective::Objective;
use super::project::project;
use super::{VpnlsParams, NM_SD_TOLERANCE};
use crate::fitters::outcome::{FitError, FitStatus, SurfaceData, SurfaceFit};

pub(super) fn fit_nelder_mead(
    data: &SurfaceData<f64>,
    params: &VpnlsParams,
) -> Result<SurfaceFit<f64>, FitError> {
    let ([a0, b0], _) = grid_start(data, params);
    let (lo, hi) = params.bounds;
    let spacing = (params.grid_range.1 - params.grid_range.0) / (params.grid.max(2) - 1) as f64;
    // One grid spacing along each axis, pointing inward when a step would
    // leave the box.
    let step = |x: f64| if x + spacing <= hi { spacing } else { -spacing };
    let simplex = vec![
        vec![a0, b0],
        vec![a0 + step(a0), b0],
        vec![a0, b0 + step(b0)],
    ];
    let fail = |e: argmin::core::Error| FitError::OptimizerFailed {
        method: "nelder-mead",
        message: e.to_string(),
    };
    let objective = Objective {
        data,
        bounds: (lo, hi),
        error: RefCell::new(None),
    };
    // The smallest positive f64 keeps the tolerance positive on an exact start.
    let sd_tolerance = NM_SD_TOLERANCE * objective.rss(&simplex[0]) + f64::MIN_POSITIVE;
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(sd_tolerance)
        .map_err(fail)?;
    let res = Executor::new(objective, solver)
        .configure(|s| s.max_iters(params.nm_max_iter as u64))
        .run()
        .map_err(fail)?;
    res.problem
        .problem
        .as_ref()
        .map_or(Ok(()), |o| o.take_error())?;
    let state = res.state();
    let status = match state.get_termination_reason() {
        Some(TerminationReason::SolverConverged) => FitStatus::Converged,
        Some(TerminationReason::MaxItersReached) => FitStatus::MaxIter,
        _ => FitStatus::Abnormal,
    };
    let best = state.get_best_param().cloned().unwrap_or(vec![a0, b0]);
    let p = project(data, &best[0], &best[1])?;
    finish(
        data,
        [best[0], best[1]],
        p,
        status,
        state.get_iter() as usize,
        params,
        false,
    )
}
