//! Box-constrained L-BFGS (L-BFGS-B) for `f64` objectives, through the
//! pure-Rust `rcompat-lbfgsb` crate, with scipy's default settings and an
//! outcome mapped onto this crate's vocabulary.
//!
//! ## Reference
//! R. H. Byrd, P. Lu, J. Nocedal, C. Zhu, *A limited memory algorithm for
//! bound constrained optimization*, SIAM J. Sci. Comput. 16 (1995),
//! doi:10.1137/0916069.

use rcompat_lbfgsb::{optim_lbfgsb_with_gradient, Bounds, OptimControl, OptimError};

use super::finite_diff::{fd_gradient, FdScheme};

/// Settings, named as in scipy's `minimize(method="L-BFGS-B")`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsbSettings {
    /// Stop when the relative reduction of f is below `ftol` (scipy default
    /// 2.22e-9, i.e. `factr = 1e7`).
    pub ftol: f64,
    /// Stop when the largest projected-gradient entry is below `gtol`
    /// (scipy default 1e-5).
    pub gtol: f64,
    /// Stored correction pairs (scipy default 10).
    pub maxcor: usize,
    /// Iteration limit (scipy default 15000).
    pub maxiter: usize,
}

impl Default for LbfgsbSettings {
    /// scipy's defaults: ftol 2.22e-9, gtol 1e-5, maxcor 10, maxiter 15000.
    fn default() -> Self {
        Self {
            ftol: 2.220_446_049_250_313e-9,
            gtol: 1e-5,
            maxcor: 10,
            maxiter: 15_000,
        }
    }
}

/// How the gradient is obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GradientSource {
    /// The analytic gradient supplied by the caller.
    Analytic,
    /// A finite-difference approximation of the objective.
    FiniteDifference(FdScheme),
}

/// How L-BFGS-B ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbfgsbEnd {
    /// Projected gradient or relative reduction below tolerance.
    Converged,
    /// Iteration limit.
    MaxIter,
    /// Line search failure or no descent direction (scipy's ABNORMAL).
    Abnormal,
}

/// The outcome of [`minimize_lbfgsb`].
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsbOutcome {
    /// The final point.
    pub x: Vec<f64>,
    /// f at the final point.
    pub value: f64,
    /// How it ended.
    pub end: LbfgsbEnd,
    /// Function evaluations counted by the optimizer (finite-difference
    /// evaluations excluded).
    pub evaluations: usize,
    /// The optimizer's message.
    pub message: String,
}

/// Minimise `f` over the box `[lo, hi]` from `x0` (projected into the box).
///
/// `grad` is used for [`GradientSource::Analytic`]; otherwise gradients are
/// finite differences of `f`.
///
/// # Errors
/// The optimizer's own error for invalid input (non-finite start or initial
/// value, inconsistent bounds), returned as its message.
pub fn minimize_lbfgsb(
    f: &mut dyn FnMut(&[f64]) -> f64,
    grad: &mut dyn FnMut(&[f64]) -> Vec<f64>,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    source: GradientSource,
    settings: &LbfgsbSettings,
) -> Result<LbfgsbOutcome, OptimError> {
    let n = x0.len();
    let bounds = Bounds::new(lo.to_vec(), hi.to_vec())?;
    let mut control = OptimControl::default_for_dimension(n);
    control.maxit = settings.maxiter;
    control.factr = settings.ftol / f64::EPSILON;
    control.pgtol = settings.gtol;
    control.lmm = settings.maxcor;
    // f and the gradient both need the objective: share it through a cell.
    let cell = std::cell::RefCell::new(f);
    let obj = |x: &[f64]| (cell.borrow_mut())(x);
    let gr = |x: &[f64]| match source {
        GradientSource::Analytic => grad(x),
        GradientSource::FiniteDifference(scheme) => {
            let mut f = cell.borrow_mut();
            let fx = f(x);
            fd_gradient(&mut **f, x, fx, scheme, Some((lo, hi)))
        }
    };
    let r = optim_lbfgsb_with_gradient(x0.to_vec(), bounds, obj, gr, control)?;
    let end = match r.convergence {
        0 => LbfgsbEnd::Converged,
        1 => LbfgsbEnd::MaxIter,
        _ => LbfgsbEnd::Abnormal,
    };
    Ok(LbfgsbOutcome {
        x: r.par,
        value: r.value,
        end,
        evaluations: r.counts.function,
        message: r.message,
    })
}
