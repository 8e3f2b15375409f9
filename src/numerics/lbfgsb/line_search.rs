//! `lnsrlb`: the line search along the step to the subspace minimiser,
//! bounded to the box (proofs/10 §10.4).

use rcompat_lbfgsb::OptimError;

use super::dcsrch::{MoreThuente, Search};
use super::{dot, Problem};

/// Evaluations one line search may spend before it counts as failed
/// (`mainlb`: `iback >= 20`).
const LS_MAX_EVALUATIONS: usize = 20;
/// Largest step when no bound limits it (`lnsrlb`'s `big`).
const LS_UNBOUNDED_STEP: f64 = 1e10;

#[derive(Debug, Clone, Copy)]
pub(super) struct LineSearchStart {
    pub(super) first: bool,
    pub(super) constrained: bool,
    pub(super) boxed: bool,
}

/// `lnsrlb`: Moré–Thuente along `direction` from `x`, the step bounded so
/// the box is kept; step 1 lands exactly on `target`. `Ok(None)` when the
/// search fails (not a descent direction, a search error, or 20
/// evaluations without an acceptable step). An accepted step leaves the
/// point and ∇f there in `out` and returns f.
#[allow(clippy::too_many_arguments)]
pub(super) fn line_search(
    problem: &mut Problem<'_>,
    x: &[f64],
    fx: f64,
    g: &[f64],
    direction: &[f64],
    target: &[f64],
    out: (&mut [f64], &mut [f64]),
    start: LineSearchStart,
) -> Result<Option<f64>, OptimError> {
    let (trial, gt) = out;
    let (lo, hi) = (problem.lo, problem.hi);
    let slope = dot(g, direction);
    if slope >= 0.0 {
        return Ok(None);
    }
    let mut step_max = LS_UNBOUNDED_STEP;
    if start.constrained {
        if start.first {
            step_max = 1.0;
        } else {
            for i in 0..x.len() {
                let d = direction[i];
                if d < 0.0 && lo[i].is_finite() {
                    let room = lo[i] - x[i];
                    if room >= 0.0 {
                        step_max = 0.0;
                    } else if d * step_max < room {
                        step_max = room / d;
                    }
                } else if d > 0.0 && hi[i].is_finite() {
                    let room = hi[i] - x[i];
                    if room <= 0.0 {
                        step_max = 0.0;
                    } else if d * step_max > room {
                        step_max = room / d;
                    }
                }
            }
        }
    }
    let mut step = if start.first && !start.boxed {
        (1.0 / dot(direction, direction).sqrt()).min(step_max)
    } else {
        1.0
    };
    let mut search = match MoreThuente::new(fx, slope, step, 0.0, step_max) {
        Some(s) => s,
        None => return Ok(None),
    };
    for _ in 0..LS_MAX_EVALUATIONS {
        if step == 1.0 {
            trial.copy_from_slice(target);
        } else {
            for i in 0..x.len() {
                trial[i] = (x[i] + step * direction[i]).clamp(lo[i], hi[i]);
            }
        }
        let ft = problem.evaluate(trial, gt)?;
        match search.next(step, ft, dot(gt, direction)) {
            Search::Done => return Ok(Some(ft)),
            Search::Evaluate(next) => step = next,
        }
    }
    Ok(None)
}
