//! Closing a fit: the conditioning check and the final status.

use nalgebra::RealField;

use super::condition::{design_condition, CONDITION_LIMIT};
use super::project::Projection;
use super::VpnlsParams;
use crate::fitters::outcome::{FitError, FitStatus, SurfaceData, SurfaceFit, BOUND_TOLERANCE};
use crate::numerics::{lit, to_f64};

/// Close a fit at θ: the conditioning check, then `MaxIter` when the final
/// NNLS ran out of iterations; a `Converged` or `GridPoint` fit becomes
/// `BoundHit` when α or β is within
/// [`BOUND_TOLERANCE`] of a bound, `edge` (a grid edge was chosen), or E, A
/// or B is pinned at zero.
pub(super) fn finish<T: RealField>(
    data: &SurfaceData<T>,
    theta: [T; 2],
    p: Projection<T>,
    mut status: FitStatus,
    iterations: usize,
    params: &VpnlsParams,
    edge: bool,
) -> Result<SurfaceFit<T>, FitError> {
    let [alpha, beta] = theta;
    let condition = design_condition(data, &alpha, &beta);
    if condition.is_nan() || condition > CONDITION_LIMIT {
        return Err(FitError::IllConditioned {
            alpha: to_f64(&alpha),
            beta: to_f64(&beta),
            condition,
        });
    }
    if p.nnls_max_iter {
        status = FitStatus::MaxIter;
    }
    let (lo, hi) = (lit::<T>(params.bounds.0), lit::<T>(params.bounds.1));
    let near = |x: &T, b: &T| (x.clone() - b.clone()).abs() <= lit(BOUND_TOLERANCE);
    let at_bound = [&alpha, &beta].iter().any(|t| near(t, &lo) || near(t, &hi));
    let claims_answer = matches!(status, FitStatus::Converged | FitStatus::GridPoint);
    if claims_answer && (at_bound || edge || p.c.iter().any(|c| *c <= T::zero())) {
        status = FitStatus::BoundHit;
    }
    Ok(SurfaceFit::from_parameters(
        [p.c[0].clone(), p.c[1].clone(), p.c[2].clone(), alpha, beta],
        p.rss,
        status,
        iterations,
    ))
}
