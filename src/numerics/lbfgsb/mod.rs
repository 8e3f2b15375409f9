//! Box-constrained L-BFGS (L-BFGS-B) for `f64` objectives, with scipy's
//! default settings and an outcome mapped onto this crate's vocabulary.
//!
//! The algorithm is that of Byrd, Lu, Nocedal and Zhu with the
//! Morales–Nocedal (2011) subspace step that scipy's L-BFGS-B 3.0 uses:
//! generalized Cauchy point along the projected steepest-descent path,
//! Newton step of the limited-memory model on the variables left free, and a
//! Moré–Thuente line search (constants `ftol = 1e-3`, `gtol = 0.9`,
//! `xtol = 0.1`, at most 20 evaluations) bounded to the box. Stopping rules
//! are scipy's: projected-gradient max-norm ≤ `gtol`, relative reduction
//! `(f_old − f)/max(|f_old|, |f|, 1) ≤ ftol`, iteration limit; a failed line
//! search with no stored corrections is `Abnormal` (with stored corrections
//! the memory is discarded and the iteration restarted, as in the Fortran).
//!
//! The problems here have a handful of variables, so the limited-memory
//! matrix `B = θI − W M Wᵀ` is not kept in compact form: it is formed densely
//! (n × n) from `θI` by the stored BFGS updates, which is the same matrix
//! (Byrd, Nocedal, Schnabel 1994, Thm 2.2), and the Cauchy walk and the
//! subspace solve use it directly (Cholesky on the free block). For n ≤ m
//! this costs O(m n²) per iteration instead of the compact form's O(m³).
//! Five-parameter problems get a copy of the model step of their own
//! (proofs/10 §10.1, "The n = 5 copy"): the same matrices, formed with a
//! shorter dependency chain from pair to pair in padded vector rows, and an
//! LDLᵀ solve when every variable is free; its rounding is its own.
//!
//! Input validation and the error type are those of `rcompat-lbfgsb`, the
//! crate this module wrapped before (and which the tests use as an oracle).
//!
//! ## References
//! R. H. Byrd, P. Lu, J. Nocedal, C. Zhu, *A limited memory algorithm for
//! bound constrained optimization*, SIAM J. Sci. Comput. 16 (1995),
//! doi:10.1137/0916069.
//! J. L. Morales, J. Nocedal, *Remark on "Algorithm 778: L-BFGS-B"*, ACM
//! TOMS 38 (2011), doi:10.1145/2049662.2049669.
//! J. J. Moré, D. J. Thuente, *Line search algorithms with guaranteed
//! sufficient decrease*, ACM TOMS 20 (1994), doi:10.1145/192115.192132.
//! R. H. Byrd, J. Nocedal, R. B. Schnabel, *Representations of quasi-Newton
//! matrices and their use in limited memory methods*, Math. Prog. 63 (1994).

mod cauchy;
mod dcsrch;
mod dcstep;
mod line_search;
mod model;
mod subspace;

use rcompat_lbfgsb::{Bounds, OptimError};

use super::finite_diff::{fd_gradient, FdScheme};
use line_search::{line_search, LineSearchStart};
use model::Model;

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
    /// Which stopping rule the relative-reduction test follows (scipy's by
    /// default; proofs/10 §10.5).
    pub stop: StopRule,
}

/// The relative-reduction test and what a failed line search means
/// (proofs/10 §10.4–10.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StopRule {
    /// scipy's rules exactly: stop when `f_old − f ≤ ftol·max(|f_old|, |f|, 1)`;
    /// a line search that fails without stored corrections ends the run
    /// `Abnormal`. For `f < 1` the reduction test is absolute.
    Scipy,
    /// Relative down to the objective's resolution. For an objective that
    /// sums per-point losses of residuals (least squares, Huber), `floor` is
    /// F = Σ ℓ(ρᵢ), ρᵢ the rounding of residual i: the value f takes when
    /// every residual is rounding alone, and moving every residual by its
    /// rounding changes a value f by at most `F + 2√(F·f)` (Cauchy–Schwarz).
    /// Stop when `f_old − f ≤ max(ftol·max(|f_old|, |f|), F)`, and when a
    /// quasi-Newton line search along a descent direction fails after at
    /// least one trial point although the decrease it was asked for, `−gᵀd`,
    /// was at most `max(ftol·|f|, F + 2√(F·|f|))` (`Converged`: a step would
    /// have passed the reduction test, or the decrease is within f's
    /// rounding). Any other failure still discards the memory and, without
    /// stored corrections, ends `Abnormal` (proofs/10 §10.5).
    Resolution {
        /// The objective's absolute resolution (≥ 0, finite).
        floor: f64,
    },
}

impl StopRule {
    /// The reduction below which the run stops, for values `f_old`, `f`.
    fn threshold(self, ftol: f64, f_old: f64, f: f64) -> f64 {
        match self {
            StopRule::Scipy => ftol * f_old.abs().max(f.abs()).max(1.0),
            StopRule::Resolution { floor } => (ftol * f_old.abs().max(f.abs())).max(floor),
        }
    }

    /// Whether a failed line search from a point with value `f`, asked for
    /// the decrease `predicted`, ends the run as converged: never under
    /// [`StopRule::Scipy`]; under [`StopRule::Resolution`] when `predicted`
    /// is within the reduction test or within the rounding bound
    /// `F + 2√(F·|f|)` of f.
    fn failure_converges(self, ftol: f64, f: f64, predicted: f64) -> bool {
        match self {
            StopRule::Scipy => false,
            StopRule::Resolution { floor } => {
                let rounding = floor + 2.0 * (floor * f.abs()).sqrt();
                predicted <= self.threshold(ftol, f, f).max(rounding)
            }
        }
    }
}

impl Default for LbfgsbSettings {
    /// scipy's defaults: ftol 2.22e-9, gtol 1e-5, maxcor 10, maxiter 15000.
    fn default() -> Self {
        Self {
            ftol: 2.220_446_049_250_313e-9,
            gtol: 1e-5,
            maxcor: 10,
            maxiter: 15_000,
            stop: StopRule::Scipy,
        }
    }
}

impl LbfgsbSettings {
    /// The reference implementation's settings (its `LBFGSBOptions`
    /// defaults, used by its Experiment 5): `ftol = gtol = 1e-15`, 10,000
    /// iterations, 10 correction pairs. With `ftol` at 4.5 ε the
    /// relative-reduction test fires only once an iteration lowers f by less
    /// than ~1e-15 · max(|f|, 1): on noise-free data that is f ≲ 1e-15.
    pub const fn reference() -> Self {
        Self {
            ftol: 1e-15,
            gtol: 1e-15,
            maxcor: 10,
            maxiter: 10_000,
            stop: StopRule::Scipy,
        }
    }

    /// Whether these are scipy's defaults ([`Default`]).
    pub fn is_scipy_default(&self) -> bool {
        *self == Self::default()
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

const MSG_PGTOL: &str = "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL";
const MSG_FTOL: &str = "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH";
const MSG_PREDICTED: &str =
    "CONVERGENCE: LINE SEARCH FAILED WHERE THE PREDICTED REDUCTION OF F <= THE REDUCTION TEST";
const MSG_MAXITER: &str = "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT";
const MSG_ABNORMAL: &str = "ABNORMAL: LINE SEARCH FAILED WITHOUT STORED CORRECTIONS";

/// Minimise `f` over the box `[lo, hi]` from `x0` (projected into the box).
///
/// `grad` is used for [`GradientSource::Analytic`]; otherwise gradients are
/// finite differences of `f`.
///
/// # Errors
/// [`OptimError`] for invalid input (non-finite start, inconsistent bounds,
/// zero `maxcor`), a non-finite value or gradient at the start
/// (`NonFiniteInitialValue`, `InvalidGradient`) and a non-finite value or
/// gradient during the search (`NonFiniteObjective`, `InvalidGradient`).
pub fn minimize_lbfgsb(
    f: &mut dyn FnMut(&[f64]) -> f64,
    grad: &mut dyn FnMut(&[f64]) -> Vec<f64>,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    source: GradientSource,
    settings: &LbfgsbSettings,
) -> Result<LbfgsbOutcome, OptimError> {
    run(f, Gradient::Owned(grad), x0, lo, hi, source, settings)
}

/// [`minimize_lbfgsb`] with a gradient written into a slice of length n
/// (no allocation per evaluation).
///
/// # Errors
/// As [`minimize_lbfgsb`].
pub fn minimize_lbfgsb_into(
    f: &mut dyn FnMut(&[f64]) -> f64,
    grad: &mut dyn FnMut(&[f64], &mut [f64]),
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    source: GradientSource,
    settings: &LbfgsbSettings,
) -> Result<LbfgsbOutcome, OptimError> {
    run(f, Gradient::Into(grad), x0, lo, hi, source, settings)
}

/// How the caller supplies the analytic gradient.
enum Gradient<'a> {
    /// Returned as a vector (checked for length).
    Owned(&'a mut dyn FnMut(&[f64]) -> Vec<f64>),
    /// Written into the slice given.
    Into(&'a mut dyn FnMut(&[f64], &mut [f64])),
}

fn run<'a>(
    f: &'a mut dyn FnMut(&[f64]) -> f64,
    grad: Gradient<'a>,
    x0: &[f64],
    lo: &'a [f64],
    hi: &'a [f64],
    source: GradientSource,
    settings: &LbfgsbSettings,
) -> Result<LbfgsbOutcome, OptimError> {
    let n = x0.len();
    validate(x0, lo, hi, settings)?;
    let mut problem = Problem {
        f,
        grad,
        source,
        lo,
        hi,
        evaluations: 0,
    };
    let mut x: Vec<f64> = (0..n).map(|i| x0[i].clamp(lo[i], hi[i])).collect();
    let mut g = vec![0.0; n];
    let mut fx = problem.evaluate(&x, &mut g).map_err(|e| match e {
        OptimError::NonFiniteObjective { value } => OptimError::NonFiniteInitialValue { value },
        other => other,
    })?;
    let finish = |x: Vec<f64>, value: f64, end: LbfgsbEnd, msg: &str, evaluations: usize| {
        Ok(LbfgsbOutcome {
            x,
            value,
            end,
            evaluations,
            message: msg.to_string(),
        })
    };
    if n == 0 || projected_gradient_norm(&x, &g, lo, hi) <= settings.gtol {
        return finish(x, fx, LbfgsbEnd::Converged, MSG_PGTOL, problem.evaluations);
    }
    let constrained = lo.iter().chain(hi).any(|b| b.is_finite());
    let boxed = lo
        .iter()
        .zip(hi)
        .all(|(l, u)| l.is_finite() && u.is_finite());
    let mut model = Model::new(n, settings.maxcor);
    let (mut target, mut direction) = (vec![0.0; n], vec![0.0; n]);
    // The accepted point and its gradient (the line search's trial buffers).
    let (mut xn, mut gn) = (vec![0.0; n], vec![0.0; n]);
    let mut iteration = 0_usize;
    loop {
        // One iteration; a failed factorisation or line search with stored
        // corrections discards them and tries again (the Fortran's restart).
        let fxn = loop {
            if !model.target(&x, &g, lo, hi, constrained, &mut target) {
                model.clear();
                continue;
            }
            for ((d, t), x) in direction.iter_mut().zip(&target).zip(&x) {
                *d = t - x;
            }
            let evaluated_before = problem.evaluations;
            let search = line_search(
                &mut problem,
                &x,
                fx,
                &g,
                &direction,
                &target,
                (&mut xn, &mut gn),
                LineSearchStart {
                    first: iteration == 0,
                    constrained,
                    boxed,
                },
            )?;
            let Some(step) = search else {
                // Rule 2 of proofs/10 §10.5 judges a search that looked: a
                // descent direction along which trial points were evaluated
                // (the quasi-Newton step, or the steepest-descent retry after
                // one). A direction that is not descent, or a search rejected
                // before any trial, says nothing about f's resolution and
                // restarts as in the Fortran.
                let predicted = -dot(&g, &direction);
                let searched = problem.evaluations > evaluated_before && predicted > 0.0;
                if searched
                    && settings
                        .stop
                        .failure_converges(settings.ftol, fx, predicted)
                {
                    return finish(
                        x,
                        fx,
                        LbfgsbEnd::Converged,
                        MSG_PREDICTED,
                        problem.evaluations,
                    );
                }
                if model.is_empty() {
                    return finish(
                        x,
                        fx,
                        LbfgsbEnd::Abnormal,
                        MSG_ABNORMAL,
                        problem.evaluations,
                    );
                }
                model.clear();
                continue;
            };
            break step;
        };
        iteration += 1;
        let f_old = fx;
        let descent = model.stage(&xn, &x, &gn, &g);
        std::mem::swap(&mut x, &mut xn);
        std::mem::swap(&mut g, &mut gn);
        fx = fxn;
        if iteration >= settings.maxiter {
            return finish(x, fx, LbfgsbEnd::MaxIter, MSG_MAXITER, problem.evaluations);
        }
        if projected_gradient_norm(&x, &g, lo, hi) <= settings.gtol {
            return finish(x, fx, LbfgsbEnd::Converged, MSG_PGTOL, problem.evaluations);
        }
        if f_old - fx <= settings.stop.threshold(settings.ftol, f_old, fx) {
            return finish(x, fx, LbfgsbEnd::Converged, MSG_FTOL, problem.evaluations);
        }
        model.commit(descent);
    }
}

/// The dense model matrix B (row-major 5 × 5) that five-parameter runs
/// form from these correction pairs (s, y), oldest first, with
/// θ = yᵀy/sᵀy of the last: by the n = 5 copy of proofs/10 §10.1
/// (`fixed = Some(true)` in the build the processor selects,
/// `Some(false)` in the portable build) or by the general recursion
/// (`None`). `None` back when a pair fails the curvature test or an update
/// is not positive. Public for the tests only.
#[doc(hidden)]
pub fn model_matrix_5(pairs: &[([f64; 5], [f64; 5])], fixed: Option<bool>) -> Option<Vec<f64>> {
    let mut model = Model::new(5, pairs.len().max(1));
    let zero = [0.0; 5];
    for (s, y) in pairs {
        let before = model.pairs.len();
        model.stage(s, &zero, y, &zero);
        model.commit(f64::MIN_POSITIVE);
        if model.pairs.len() == before {
            return None;
        }
    }
    model.form_variant(fixed).then(|| model.b.clone())
}

/// The checks `rcompat-lbfgsb` made, with its error values.
fn validate(
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    settings: &LbfgsbSettings,
) -> Result<(), OptimError> {
    let n = x0.len();
    let bounds = Bounds::new(lo.to_vec(), hi.to_vec())?;
    bounds.validate_for_dimension(n)?;
    for (index, &value) in x0.iter().enumerate() {
        if value.is_nan() || !value.clamp(lo[index], hi[index]).is_finite() {
            return Err(OptimError::NonFiniteInitialParameter { index, value });
        }
    }
    let bad = |field: &'static str, reason: &str| {
        Err(OptimError::InvalidControl {
            field,
            reason: reason.to_string(),
        })
    };
    if settings.maxcor == 0 {
        return bad("lmm", "must be greater than zero");
    }
    if !(settings.ftol >= 0.0 && settings.ftol.is_finite()) {
        return bad("factr", "must be finite and nonnegative");
    }
    if !(settings.gtol >= 0.0 && settings.gtol.is_finite()) {
        return bad("pgtol", "must be finite and nonnegative");
    }
    if let StopRule::Resolution { floor } = settings.stop {
        if !(floor >= 0.0 && floor.is_finite()) {
            return bad("floor", "must be finite and nonnegative");
        }
    }
    Ok(())
}

/// The objective, its gradient source and the evaluation count.
struct Problem<'a> {
    f: &'a mut dyn FnMut(&[f64]) -> f64,
    grad: Gradient<'a>,
    source: GradientSource,
    lo: &'a [f64],
    hi: &'a [f64],
    evaluations: usize,
}

impl Problem<'_> {
    /// f at `x`, its gradient written to `g` (length n).
    fn evaluate(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, OptimError> {
        let value = (self.f)(x);
        if !value.is_finite() {
            return Err(OptimError::NonFiniteObjective { value });
        }
        let mismatch = || OptimError::InvalidGradient {
            index: None,
            value: None,
            reason: "gradient dimension mismatch".to_string(),
        };
        match (self.source, &mut self.grad) {
            (GradientSource::Analytic, Gradient::Owned(grad)) => {
                let v = grad(x);
                if v.len() != g.len() {
                    return Err(mismatch());
                }
                g.copy_from_slice(&v);
            }
            (GradientSource::Analytic, Gradient::Into(grad)) => grad(x, g),
            (GradientSource::FiniteDifference(scheme), _) => {
                let v = fd_gradient(&mut *self.f, x, value, scheme, Some((self.lo, self.hi)));
                if v.len() != g.len() {
                    return Err(mismatch());
                }
                g.copy_from_slice(&v);
            }
        }
        if let Some((index, &v)) = g.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(OptimError::InvalidGradient {
                index: Some(index),
                value: Some(v),
                reason: "gradient entry is not finite".to_string(),
            });
        }
        self.evaluations += 1;
        Ok(value)
    }
}

#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// max_i |P(x − g) − x|_i: the projected gradient's max-norm.
fn projected_gradient_norm(x: &[f64], g: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
    let mut norm = 0.0_f64;
    for i in 0..x.len() {
        let gi = if g[i] < 0.0 {
            g[i].max(x[i] - hi[i])
        } else {
            g[i].min(x[i] - lo[i])
        };
        norm = norm.max(gi.abs());
    }
    norm
}
