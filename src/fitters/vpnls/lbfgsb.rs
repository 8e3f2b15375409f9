//! Grid, then L-BFGS-B (our own, `numerics::lbfgsb`) with the analytic
//! variable-projection gradient or finite differences.

use std::cell::RefCell;

use super::finish::finish;
use super::grid::grid_start;
use super::objective::Objective;
use super::project::{project, projected_objective};
use super::VpnlsParams;
use crate::fitters::outcome::{FitError, FitStatus, SurfaceData, SurfaceFit};
use crate::numerics::lbfgsb::{minimize_lbfgsb, GradientSource, LbfgsbEnd};

/// A point with its ρ and ∇ρ.
type Evaluation = (Vec<f64>, f64, [f64; 2]);

pub(super) fn fit_lbfgsb(
    data: &SurfaceData<f64>,
    source: GradientSource,
    params: &VpnlsParams,
) -> Result<SurfaceFit<f64>, FitError> {
    let ([a0, b0], _) = grid_start(data, params);
    let (lo, hi) = params.bounds;
    let objective = Objective {
        data,
        bounds: (lo, hi),
        error: RefCell::new(None),
    };
    // L-BFGS-B asks for f and ∇f at the same point: one projection serves both.
    let cache: RefCell<Option<Evaluation>> = RefCell::new(None);
    let eval = |x: &[f64]| -> (f64, [f64; 2]) {
        if let Some((cx, f, g)) = cache.borrow().as_ref() {
            if cx.as_slice() == x {
                return (*f, *g);
            }
        }
        let out = match projected_objective(data, &x[0], &x[1]) {
            Ok(p) => (p.rss, p.gradient),
            Err(e) => {
                objective.error.borrow_mut().get_or_insert(e);
                (f64::INFINITY, [f64::NAN; 2])
            }
        };
        *cache.borrow_mut() = Some((x.to_vec(), out.0, out.1));
        out
    };
    let mut f = |x: &[f64]| match source {
        GradientSource::Analytic => eval(x).0,
        GradientSource::FiniteDifference(_) => objective.rss(x),
    };
    let mut grad = |x: &[f64]| eval(x).1.to_vec();
    let out = minimize_lbfgsb(
        &mut f,
        &mut grad,
        &[a0, b0],
        &[lo, lo],
        &[hi, hi],
        source,
        &params.lbfgsb,
    );
    // A projection error (which made the objective +∞) explains an
    // optimizer failure better than the optimizer's own message.
    objective.take_error()?;
    let out = out.map_err(|e| FitError::OptimizerFailed {
        method: "L-BFGS-B",
        message: e.to_string(),
    })?;
    let status = match out.end {
        LbfgsbEnd::Converged => FitStatus::Converged,
        LbfgsbEnd::MaxIter => FitStatus::MaxIter,
        LbfgsbEnd::Abnormal => FitStatus::Abnormal,
    };
    let (alpha, beta) = (out.x[0], out.x[1]);
    let p = project(data, &alpha, &beta)?;
    finish(
        data,
        [alpha, beta],
        p,
        status,
        out.evaluations,
        params,
        false,
    )
}
