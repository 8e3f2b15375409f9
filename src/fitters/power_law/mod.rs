//! Fits of one- and two-term power laws `L = Σ C_k/x^α_k + E` to points
//! (x, L): Huber loss with δ = 10⁻³ on the log residuals
//! `r = ln L − ln L̂`, summed over points, minimised by damped Newton on the
//! exact Hessian ([`newton`]; BFGS with argmin's More–Thuente line search on
//! request, [`fit_power_law_from`]) from the reference's base start, the
//! best basins of the variable-projection profile and the faces of c ≥ 0
//! next to the best end ([`global`], proofs/12 §12.9–§12.11), with a
//! certificate; the two-term fit also starts from the nested point (the
//! best single fit plus a negligible second term), so its objective is
//! never above the single fit's (proofs/12_power_laws.md §12.3). No random
//! restarts unless asked for ([`PowerLawFitParams::restarts_single`]).
//!
//! The reproduction of the "dark matter" analysis (issue 9) uses the
//! reference's base start; the reference's 10 jittered restarts are an
//! option (`restarts_two_term`), not the default: the global stage makes
//! them unnecessary ([`PowerLawFitParams::default`]).
//!
//! ## References
//! - \[H64\] P. J. Huber, *Robust estimation of a location parameter*,
//!   Ann. Math. Statist. 35 (1964), doi:10.1214/aoms/1177703732.
//! - \[NW06\] J. Nocedal, S. J. Wright, *Numerical Optimization*, 2nd ed.,
//!   Springer, 2006 (BFGS, §6.1; More–Thuente line search, §3.5).

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::BFGS;
use nalgebra::{DMatrix, DVector, RealField};
use thiserror::Error;

use crate::models::power_law::{
    ln_prediction, ln_prediction_and_gradient, ln_prediction_hessian, PowerLawForm, PowerLawSum,
};
use crate::numerics::{lit, ratio, to_f64};
use crate::sampling::noise::Rng;

pub mod global;
pub mod newton;

use crate::fitters::outcome::Certificate;
pub use global::{
    certificate_tolerance, profile_candidates, GlobalStage, ProfileCandidate, PROFILE_BASINS,
    PROFILE_INNER_SPAN, PROFILE_OUTER_STEP, PROFILE_SPAN, PROFILE_STEP,
};

/// The Huber threshold δ = 1/1000 on log residuals (the Chinchilla paper's,
/// and the reference analysis').
pub fn huber_delta<T: RealField>() -> T {
    ratio(1, 1000)
}

/// Why a power-law fit could not run or produced nothing usable.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PowerLawError {
    /// Fewer distinct x values than the form has parameters.
    #[error("a {form} power law needs at least {needed} distinct x values, got {got}")]
    TooFewPoints {
        /// `single` or `two_term`.
        form: &'static str,
        /// Distinct x values needed (the number of parameters).
        needed: usize,
        /// Distinct x values given.
        got: usize,
    },
    /// x and L have different lengths.
    #[error("{x} x values but {y} loss values")]
    LengthMismatch {
        /// Number of x values.
        x: usize,
        /// Number of loss values.
        y: usize,
    },
    /// A value that must be positive and finite is not.
    #[error("point {index}: {field} must be positive and finite, got {value}")]
    BadPoint {
        /// Index of the point (in the order given).
        index: usize,
        /// `x` or `loss`.
        field: &'static str,
        /// The value.
        value: f64,
    },
    /// A fitter setting outside its domain.
    #[error("power-law fit setting {name} is out of its domain: {value}")]
    BadSetting {
        /// The setting.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// A start of the wrong length or with a non-finite coordinate.
    #[error("a {form} start needs {needed} finite coordinates, got {start:?}")]
    BadStart {
        /// `single` or `two_term`.
        form: &'static str,
        /// Coordinates needed.
        needed: usize,
        /// The start given.
        start: Vec<f64>,
    },
    /// Every restart failed before reaching a finite objective.
    #[error("every one of the {restarts} {form} restarts failed; the first: {first}")]
    AllRestartsFailed {
        /// `single` or `two_term`.
        form: &'static str,
        /// Restarts tried.
        restarts: usize,
        /// The first failure's message.
        first: String,
    },
}

/// Points (x, L) for a power-law fit: x divided by its normalisation
/// factor, both positive and finite, held in a canonical order (by x, then
/// L) so that a fit does not depend on the order of the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerLawData<T> {
    x: Vec<T>,
    loss: Vec<T>,
    ln_x: Vec<T>,
    ln_loss: Vec<T>,
    scale: f64,
    distinct_x: usize,
}

impl<T: RealField> PowerLawData<T> {
    /// Validate points (x in its own units, divided here by `scale`) and put
    /// them in canonical order.
    ///
    /// # Errors
    /// [`PowerLawError::LengthMismatch`], [`PowerLawError::BadPoint`] naming
    /// the first bad value, [`PowerLawError::BadSetting`] for a scale that is
    /// not positive and finite.
    pub fn new(x: &[f64], loss: &[f64], scale: f64) -> Result<Self, PowerLawError> {
        if x.len() != loss.len() {
            return Err(PowerLawError::LengthMismatch {
                x: x.len(),
                y: loss.len(),
            });
        }
        if !(scale.is_finite() && scale > 0.0) {
            return Err(PowerLawError::BadSetting {
                name: "scale",
                value: scale,
            });
        }
        for (index, (&xi, &li)) in x.iter().zip(loss).enumerate() {
            for (field, value) in [("x", xi), ("loss", li)] {
                if !(value.is_finite() && value > 0.0) {
                    return Err(PowerLawError::BadPoint {
                        index,
                        field,
                        value,
                    });
                }
            }
        }
        let mut pairs: Vec<(f64, f64)> = x.iter().copied().zip(loss.iter().copied()).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let distinct_x = 1 + pairs.windows(2).filter(|w| w[0].0 != w[1].0).count();
        let distinct_x = if pairs.is_empty() { 0 } else { distinct_x };
        let xs: Vec<T> = pairs
            .iter()
            .map(|p| lit::<T>(p.0) / lit::<T>(scale))
            .collect();
        let ls: Vec<T> = pairs.iter().map(|p| lit::<T>(p.1)).collect();
        Ok(Self {
            ln_x: xs.iter().map(|v| v.clone().ln()).collect(),
            ln_loss: ls.iter().map(|v| v.clone().ln()).collect(),
            x: xs,
            loss: ls,
            scale,
            distinct_x,
        })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// No points.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// x / scale, in canonical order.
    pub fn x(&self) -> &[T] {
        &self.x
    }

    /// Losses, in canonical order.
    pub fn loss(&self) -> &[T] {
        &self.loss
    }

    /// ln(x / scale).
    pub fn ln_x(&self) -> &[T] {
        &self.ln_x
    }

    /// ln L.
    pub fn ln_loss(&self) -> &[T] {
        &self.ln_loss
    }

    /// The normalisation factor x was divided by.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Number of distinct x values.
    pub fn distinct_x(&self) -> usize {
        self.distinct_x
    }
}

/// Huber's ρ_δ(r) and ψ_δ(r) = ρ′(r): `½r²` and `r` for |r| ≤ δ, else
/// `δ(|r| − δ/2)` and `δ·sign r`.
pub fn huber<T: RealField>(r: &T, delta: &T) -> (T, T) {
    let a = r.clone().abs();
    if a <= *delta {
        (r.clone() * r.clone() * ratio::<T>(1, 2), r.clone())
    } else {
        let half = delta.clone() * ratio::<T>(1, 2);
        let sign = if *r > T::zero() { T::one() } else { -T::one() };
        (delta.clone() * (a - half), delta.clone() * sign)
    }
}

/// The fitting objective `F(θ) = Σ_i ρ_δ(ln L_i − ln L̂(x_i; θ))`, δ = 10⁻³,
/// for θ of 3 (single) or 5 (two-term) log coordinates.
///
/// # Derivation
/// proofs/12_power_laws.md §12.2.
pub fn objective<T: RealField>(data: &PowerLawData<T>, theta: &[T]) -> T {
    let delta = huber_delta::<T>();
    data.ln_x
        .iter()
        .zip(&data.ln_loss)
        .fold(T::zero(), |acc, (lx, ly)| {
            let r = ly.clone() - ln_prediction(theta, lx);
            acc + huber(&r, &delta).0
        })
}

/// `F(θ)` and its gradient `∇F = −Σ_i ψ_δ(r_i) ∇ ln L̂_i`.
///
/// # Derivation
/// proofs/12_power_laws.md §12.2.
pub fn objective_and_gradient<T: RealField>(data: &PowerLawData<T>, theta: &[T]) -> (T, Vec<T>) {
    let delta = huber_delta::<T>();
    let mut f = T::zero();
    let mut g = vec![T::zero(); theta.len()];
    for (lx, ly) in data.ln_x.iter().zip(&data.ln_loss) {
        let (lp, gp) = ln_prediction_and_gradient(theta, lx);
        let (rho, psi) = huber(&(ly.clone() - lp), &delta);
        f += rho;
        for (gk, dk) in g.iter_mut().zip(gp) {
            *gk -= psi.clone() * dk;
        }
    }
    (f, g)
}

/// The Hessian `∇²F = Σ_i [ψ′_δ(r_i) ∇ln L̂_i ∇ln L̂_iᵀ − ψ_δ(r_i) ∇² ln L̂_i]`,
/// with ψ′ = 1 for |r| ≤ δ and 0 beyond (F is not twice differentiable where
/// some |r_i| = δ exactly; this is the one-sided value from inside).
///
/// # Derivation
/// proofs/12_power_laws.md §12.4.
pub fn objective_hessian<T: RealField>(data: &PowerLawData<T>, theta: &[T]) -> DMatrix<T> {
    let delta = huber_delta::<T>();
    let p = theta.len();
    let mut h = DMatrix::zeros(p, p);
    for (lx, ly) in data.ln_x.iter().zip(&data.ln_loss) {
        let (lp, gp) = ln_prediction_and_gradient(theta, lx);
        let r = ly.clone() - lp;
        let (_, psi) = huber(&r, &delta);
        if r.clone().abs() <= delta {
            let g = DVector::from_vec(gp);
            h += &g * g.transpose();
        }
        h -= ln_prediction_hessian(theta, lx) * psi;
    }
    h
}

/// How a power-law fit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerLawStatus {
    /// BFGS met its tolerance and the Hessian at the optimum is well
    /// conditioned: the parameters are determined by the data.
    Converged,
    /// BFGS met its tolerance, but the Hessian at the optimum is
    /// near-singular (reciprocal condition number below
    /// [`NEAR_SINGULAR_RCOND`]): the objective is stable, the parameters
    /// along its flat direction are not.
    NearSingular,
    /// Ran out of iterations.
    MaxIter,
    /// BFGS stopped for another reason (a line search that found no
    /// decrease); the best point it evaluated is reported.
    Abnormal,
    /// The fit ends above the best basin of the variable-projection profile
    /// of the same data scored by the same objective, beyond the
    /// objective's rounding (its [`Certificate`] holds the gap; a warning
    /// says so): a local minimum, not the answer (proofs/12 §12.10).
    LocalMinimum,
}

impl PowerLawStatus {
    /// `converged`, `near_singular`, `max_iter` or `abnormal`.
    pub fn as_str(self) -> &'static str {
        match self {
            PowerLawStatus::Converged => "converged",
            PowerLawStatus::NearSingular => "near_singular",
            PowerLawStatus::MaxIter => "max_iter",
            PowerLawStatus::Abnormal => "abnormal",
            PowerLawStatus::LocalMinimum => "local_minimum",
        }
    }
}

/// A Hessian whose smallest-to-largest eigenvalue ratio is below this is
/// near-singular: the fit's parameters are not identified along the
/// smallest eigenvector. The value sits between the well-determined
/// Chinchilla fits and the degenerate FLOPs two-term fit (specs/dark-matter.md
/// gives the measured ratios).
pub const NEAR_SINGULAR_RCOND: f64 = 1e-9;

/// Settings of [`fit_power_law`] and [`fit_single_and_two_term`].
#[derive(Debug, Clone, PartialEq)]
pub struct PowerLawFitParams {
    /// Jittered restarts of the single law besides the unjittered base
    /// start (the reference's 5; 0 by default: the global stage replaces
    /// them, proofs/12 §12.10).
    pub restarts_single: usize,
    /// Jittered restarts of the two-term law (the reference's 10; 0 by
    /// default).
    pub restarts_two_term: usize,
    /// Standard deviation of the Gaussian jitter added to every start
    /// coordinate (the reference's 0.1).
    pub jitter: f64,
    /// Seed of the restarts' jitter.
    pub seed: u64,
    /// Start the two-term fit also from the best single fit plus a
    /// negligible second term (guarantees F₂ ≤ F₁).
    pub nested_start: bool,
    /// BFGS stops when ‖∇F‖ falls below this.
    pub tol_grad: f64,
    /// BFGS stops when an iteration changes F by less than this (absolute).
    pub tol_cost: f64,
    /// BFGS iterations per restart at most.
    pub max_iters: u64,
    /// The variable-projection global stage and certificate
    /// ([`GlobalStage`]).
    pub global_stage: GlobalStage,
}

impl Default for PowerLawFitParams {
    fn default() -> Self {
        Self {
            restarts_single: 0,
            restarts_two_term: 0,
            jitter: 0.1,
            seed: DEFAULT_SEED,
            nested_start: true,
            tol_grad: 1.5e-8,
            tol_cost: f64::EPSILON,
            max_iters: 2000,
            global_stage: GlobalStage::Always,
        }
    }
}

/// The default seed of the restarts.
pub const DEFAULT_SEED: u64 = 20_250_909;

/// The reference's base starts: single `[ln 100, 0.3, ln 0.1]`, two-term
/// `[ln 200, 0.4, ln 50, 0.1, ln 0.1]`.
pub fn base_start(form: PowerLawForm) -> Vec<f64> {
    match form {
        PowerLawForm::Single => vec![100f64.ln(), 0.3, 0.1f64.ln()],
        PowerLawForm::TwoTerm => vec![200f64.ln(), 0.4, 50f64.ln(), 0.1, 0.1f64.ln()],
    }
}

/// Two exponents closer than this at a jittered two-term start get α₂
/// moved by ±[`ALPHA_KICK`] (the reference's rule).
pub const MIN_ALPHA_GAP: f64 = 0.05;
/// The move of α₂ when the jittered exponents are too close.
pub const ALPHA_KICK: f64 = 0.2;

/// The jittered starts: base start + N(0, jitter²) on every coordinate; for
/// two terms, α₂ moved by ±0.2 (a fair coin) when |α₁ − α₂| < 0.05.
/// Restart r of a form draws from `Rng::for_task(seed, stream)`, stream 0
/// for the single law and 1 for the two-term law, r after r.
pub fn jittered_starts(form: PowerLawForm, params: &PowerLawFitParams) -> Vec<Vec<f64>> {
    let (count, stream) = match form {
        PowerLawForm::Single => (params.restarts_single, 0),
        PowerLawForm::TwoTerm => (params.restarts_two_term, 1),
    };
    let mut rng = Rng::for_task(params.seed, stream);
    let base = base_start(form);
    (0..count)
        .map(|_| {
            let mut s: Vec<f64> = base
                .iter()
                .map(|b| b + params.jitter * rng.normal())
                .collect();
            if form == PowerLawForm::TwoTerm && (s[1] - s[3]).abs() < MIN_ALPHA_GAP {
                s[3] += if rng.uniform() > 0.5 {
                    ALPHA_KICK
                } else {
                    -ALPHA_KICK
                };
            }
            s
        })
        .collect()
}

/// How far below the largest term (in nats) the nested start puts the
/// second term: e⁻⁴⁰ ≈ 4.2·10⁻¹⁸ is below half an f64 ulp of any sum ≥ 1,
/// so the second term leaves the f64 objective bit-identical.
pub const NESTED_MARGIN: f64 = 40.0;

/// The nested start from a single law θ₁ = `[ln C, α, ln E]`:
/// `[ln C, α, ln C₂, α + 1, ln E]` with ln C₂ chosen so that the second
/// term is e⁻⁴⁰ of the largest term or less at every point. Its objective
/// equals the single law's, bit for bit (proofs/12 §12.3).
pub fn nested_start(data: &PowerLawData<f64>, single_theta: &[f64]) -> Vec<f64> {
    let (ln_c, alpha, ln_e) = (single_theta[0], single_theta[1], single_theta[2]);
    let alpha2 = alpha + 1.0;
    // t₂ − m ≤ −margin at every point ⇔ ln C₂ ≤ m_i + α₂ ln x_i − margin.
    let ln_c2 = data
        .ln_x()
        .iter()
        .map(|lx| (ln_c - alpha * lx).max(ln_e) + alpha2 * lx)
        .fold(f64::INFINITY, f64::min)
        - NESTED_MARGIN;
    vec![ln_c, alpha, ln_c2, alpha2, ln_e]
}

/// What one restart did.
#[derive(Debug, Clone, PartialEq)]
pub struct RestartOutcome {
    /// The start θ₀.
    pub start: Vec<f64>,
    /// The best θ it evaluated (θ₀ at worst), if any objective was finite.
    pub end: Option<Vec<f64>>,
    /// F at `end` (∞ when none).
    pub objective: f64,
    /// BFGS iterations.
    pub iterations: u64,
    /// How it ended.
    pub status: PowerLawStatus,
    /// argmin's error, when it stopped with one.
    pub error: Option<String>,
}

/// A fitted power law.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerLawFit {
    /// Single or two-term.
    pub form: PowerLawForm,
    /// The law, x in the fit's units (x / scale), terms steepest first.
    pub law: PowerLawSum<f64>,
    /// Its log coordinates, in the same order.
    pub theta: Vec<f64>,
    /// The objective F at θ.
    pub objective: f64,
    /// ‖∇F(θ)‖.
    pub gradient_norm: f64,
    /// Smallest over largest eigenvalue of ∇²F(θ) (≤ 0: indefinite or singular).
    pub hessian_rcond: f64,
    /// How the best restart ended, with the Hessian check applied.
    pub status: PowerLawStatus,
    /// Index (into `restarts`) of the best restart.
    pub best_restart: usize,
    /// Every restart, in the order tried (the given starts: base, jittered,
    /// nested; then the profile's basins that were polished).
    pub restarts: Vec<RestartOutcome>,
    /// The normalisation factor of x.
    pub scale: f64,
    /// The comparison with the best basin of the variable-projection
    /// profile scored by the objective (`None` with [`GlobalStage::Off`] or
    /// when the profile is nowhere finite; a warning then says so).
    pub certificate: Option<Certificate>,
    /// What the user should know beyond the status (a local minimum, no
    /// certificate). Empty when there is nothing to say.
    pub warnings: Vec<String>,
}

impl PowerLawFit {
    /// `L̂` at x in the data's own units (divided by the scale here).
    pub fn predict(&self, x: f64) -> f64 {
        self.law.predict(&(x / self.scale))
    }

    /// Restarts that ended with an error.
    pub fn failed_restarts(&self) -> usize {
        self.restarts.iter().filter(|r| r.error.is_some()).count()
    }
}

/// The objective as argmin sees it, recording the best point evaluated so
/// that a restart whose line search fails still yields its best point.
struct Problem<'a> {
    data: &'a PowerLawData<f64>,
    best: &'a RefCell<Option<(f64, Vec<f64>)>>,
}

impl Problem<'_> {
    fn record(&self, theta: &[f64], f: f64) {
        if !f.is_finite() {
            return;
        }
        let mut b = self.best.borrow_mut();
        if b.as_ref().is_none_or(|(bf, _)| f < *bf) {
            *b = Some((f, theta.to_vec()));
        }
    }
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        let f = objective(self.data, p);
        self.record(p, f);
        if f.is_finite() {
            Ok(f)
        } else {
            Err(argmin::core::Error::msg(format!(
                "objective not finite at θ = {:?}",
                p
            )))
        }
    }
}

impl Gradient for Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Self::Param) -> Result<Vec<f64>, argmin::core::Error> {
        let (f, g) = objective_and_gradient(self.data, p);
        self.record(p, f);
        if g.iter().all(|v| v.is_finite()) {
            Ok(g)
        } else {
            Err(argmin::core::Error::msg(format!(
                "gradient not finite at θ = {:?}",
                p
            )))
        }
    }
}

/// The p×p identity as argmin's `Vec<Vec<f64>>` matrix.
fn identity(p: usize) -> Vec<Vec<f64>> {
    (0..p)
        .map(|i| (0..p).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect()
}

/// One BFGS run from `start`.
fn run_restart(
    data: &PowerLawData<f64>,
    start: &[f64],
    params: &PowerLawFitParams,
) -> RestartOutcome {
    let best = RefCell::new(None);
    let problem = Problem { data, best: &best };
    let p = start.len();
    let result = (|| {
        let solver = BFGS::new(MoreThuenteLineSearch::new())
            .with_tolerance_grad(params.tol_grad)?
            .with_tolerance_cost(params.tol_cost)?;
        Executor::new(problem, solver)
            .configure(|s| {
                s.param(start.to_vec())
                    .inv_hessian(identity(p))
                    .max_iters(params.max_iters)
            })
            .run()
    })();
    let (status, iterations, error) = match &result {
        Ok(res) => {
            let st = res.state();
            let status = match st.get_termination_reason() {
                Some(TerminationReason::SolverConverged) => PowerLawStatus::Converged,
                Some(TerminationReason::MaxItersReached) => PowerLawStatus::MaxIter,
                _ => PowerLawStatus::Abnormal,
            };
            (status, st.get_iter(), None)
        }
        Err(e) => (PowerLawStatus::Abnormal, 0, Some(e.to_string())),
    };
    let best = best.into_inner();
    RestartOutcome {
        start: start.to_vec(),
        objective: best.as_ref().map_or(f64::INFINITY, |b| b.0),
        end: best.map(|b| b.1),
        iterations,
        status,
        error,
    }
}

/// Check a start's length and finiteness.
fn check_start(form: PowerLawForm, start: &[f64]) -> Result<(), PowerLawError> {
    if start.len() != form.parameters() || !start.iter().all(|v| v.is_finite()) {
        return Err(PowerLawError::BadStart {
            form: form.name(),
            needed: form.parameters(),
            start: start.to_vec(),
        });
    }
    Ok(())
}

fn check_params(params: &PowerLawFitParams) -> Result<(), PowerLawError> {
    let bad = |name, value| Err(PowerLawError::BadSetting { name, value });
    if !(params.jitter.is_finite() && params.jitter >= 0.0) {
        return bad("jitter", params.jitter);
    }
    if !(params.tol_grad.is_finite() && params.tol_grad >= 0.0) {
        return bad("tol_grad", params.tol_grad);
    }
    if !(params.tol_cost.is_finite() && params.tol_cost >= 0.0) {
        return bad("tol_cost", params.tol_cost);
    }
    if params.max_iters == 0 {
        return bad("max_iters", 0.0);
    }
    Ok(())
}

/// Fit `form` from the given starts (each run by BFGS), then the global
/// stage of `params.global_stage` ([`GlobalStage`]: the profile's best
/// basins, the faces of c ≥ 0 next to the best end, the certificate;
/// proofs/12 §12.10); the best run (lowest F, the first among equals)
/// wins. A run that fails is recorded in the result, not fatal unless all
/// fail. A fit above the profile's best basin beyond rounding is
/// [`PowerLawStatus::LocalMinimum`] with a warning.
///
/// # Errors
/// [`PowerLawError::TooFewPoints`] (fewer distinct x than parameters),
/// [`PowerLawError::BadStart`], [`PowerLawError::BadSetting`],
/// [`PowerLawError::AllRestartsFailed`].
pub fn fit_power_law_from(
    data: &PowerLawData<f64>,
    form: PowerLawForm,
    starts: &[Vec<f64>],
    params: &PowerLawFitParams,
) -> Result<PowerLawFit, PowerLawError> {
    fit_from_with(data, form, starts, params, run_restart)
}

/// As [`fit_power_law_from`], every start run by damped Newton on the exact
/// Hessian ([`newton::run_newton`]) instead of BFGS: the local optimiser of
/// the cross-validation folds and bootstrap replicates (proofs/12 §12.8).
///
/// # Errors
/// As [`fit_power_law_from`].
pub fn fit_power_law_newton_from(
    data: &PowerLawData<f64>,
    form: PowerLawForm,
    starts: &[Vec<f64>],
    params: &PowerLawFitParams,
) -> Result<PowerLawFit, PowerLawError> {
    fit_from_with(data, form, starts, params, newton::run_newton)
}

fn fit_from_with(
    data: &PowerLawData<f64>,
    form: PowerLawForm,
    starts: &[Vec<f64>],
    params: &PowerLawFitParams,
    run: LocalRun,
) -> Result<PowerLawFit, PowerLawError> {
    check_params(params)?;
    if data.distinct_x() < form.parameters() {
        return Err(PowerLawError::TooFewPoints {
            form: form.name(),
            needed: form.parameters(),
            got: data.distinct_x(),
        });
    }
    for s in starts {
        check_start(form, s)?;
    }
    let stage = params.global_stage;
    let mut restarts: Vec<RestartOutcome> = starts.iter().map(|s| run(data, s, params)).collect();
    let local_runs = restarts.len();
    let candidates = if stage == GlobalStage::Off {
        Vec::new()
    } else {
        profile_candidates(data, form, PROFILE_BASINS)
    };
    match (stage, candidates.first()) {
        (GlobalStage::Always, _) => {
            restarts.extend(candidates.iter().map(|c| run(data, &c.theta, params)));
        }
        (GlobalStage::Search, Some(best_c)) => {
            for c in &candidates {
                let end = global::best_run(&restarts).and_then(|b| {
                    let r = &restarts[b];
                    r.end.as_ref().map(|e| (e.clone(), r.objective))
                });
                if let Some((e, f)) = &end {
                    let tol = certificate_tolerance(data, e, &best_c.theta, best_c.objective);
                    // Certified (a NaN gap is not).
                    if *f - best_c.objective <= tol {
                        break;
                    }
                }
                restarts.push(run(data, &c.theta, params));
            }
        }
        _ => {}
    }
    let searched = restarts.len() > local_runs;
    // The faces of c ≥ 0 next to the best end: a coefficient on its way to
    // zero (ln C → −∞, a crawl for a local optimiser) tried at zero.
    if stage != GlobalStage::Off {
        if let Some(e) = global::best_run(&restarts).and_then(|b| restarts[b].end.clone()) {
            let faces = global::face_starts(data, &e);
            restarts.extend(faces.iter().map(|s| run(data, s, params)));
        }
    }
    let Some(bi) = global::best_run(&restarts) else {
        return Err(PowerLawError::AllRestartsFailed {
            form: form.name(),
            restarts: restarts.len(),
            first: restarts
                .iter()
                .find_map(|r| r.error.clone())
                .unwrap_or_else(|| "no finite objective".into()),
        });
    };
    let raw = restarts[bi].end.clone().unwrap_or_default();
    // Reordering the terms permutes θ. The reported objective is the one the
    // restart evaluated (in its own term order, so that the nested start's
    // bit-for-bit guarantee carries over, proofs/12 §12.3); the gradient and
    // Hessian are evaluated in the canonical order.
    let theta = canonical_theta(&raw);
    let law = PowerLawSum::from_theta(&theta).ok_or_else(|| PowerLawError::BadStart {
        form: form.name(),
        needed: form.parameters(),
        start: raw.clone(),
    })?;
    let f = restarts[bi].objective;
    let (_, g) = objective_and_gradient(data, &theta);
    let rcond = hessian_rcond(&objective_hessian(data, &theta));
    let mut status = match restarts[bi].status {
        PowerLawStatus::Converged if rcond.is_nan() || rcond < NEAR_SINGULAR_RCOND => {
            PowerLawStatus::NearSingular
        }
        s => s,
    };
    let mut warnings = Vec::new();
    let certificate = candidates.first().map(|c| {
        let tolerance = certificate_tolerance(data, &raw, &c.theta, c.objective);
        Certificate {
            objective: "huber_log",
            value: f,
            profile_best: c.objective,
            tolerance,
            gap: f - c.objective,
            global_stage: searched,
        }
    });
    match &certificate {
        Some(c) if !c.holds() => {
            status = PowerLawStatus::LocalMinimum;
            warnings.push(format!(
                "a local minimum: the {} objective ends at {:e}, above the best basin of its \
                 variable-projection profile on these data ({:e}) by {:e} (rounding {:e}); \
                 this is not the global minimum",
                form.name(),
                c.value,
                c.profile_best,
                c.gap,
                c.tolerance
            ));
        }
        None if stage != GlobalStage::Off => warnings.push(format!(
            "no certificate: the variable-projection profile of the {} law is nowhere finite \
             on these data",
            form.name()
        )),
        _ => {}
    }
    Ok(PowerLawFit {
        form,
        law,
        objective: f,
        gradient_norm: g.iter().map(|v| v * v).sum::<f64>().sqrt(),
        theta,
        hessian_rcond: rcond,
        status,
        best_restart: bi,
        restarts,
        scale: data.scale(),
        certificate,
        warnings,
    })
}

/// A local optimiser run from one start.
type LocalRun = fn(&PowerLawData<f64>, &[f64], &PowerLawFitParams) -> RestartOutcome;

/// The given starts of a form: the reference's base start, then its
/// jittered restarts (none by default).
pub fn fixed_starts(form: PowerLawForm, params: &PowerLawFitParams) -> Vec<Vec<f64>> {
    let mut starts = vec![base_start(form)];
    starts.extend(jittered_starts(form, params));
    starts
}

/// θ with the power terms sorted steepest first (the floor stays last).
pub fn canonical_theta(theta: &[f64]) -> Vec<f64> {
    let mut terms: Vec<[f64; 2]> = theta[..theta.len() - 1]
        .chunks(2)
        .map(|c| [c[0], c[1]])
        .collect();
    terms.sort_by(|a, b| b[1].total_cmp(&a[1]));
    let mut out: Vec<f64> = terms.into_iter().flatten().collect();
    out.push(theta[theta.len() - 1]);
    out
}

/// λ_min / λ_max of a symmetric matrix (NaN when it has a non-finite entry).
pub fn hessian_rcond(h: &DMatrix<f64>) -> f64 {
    if !h.iter().all(|v| v.is_finite()) {
        return f64::NAN;
    }
    let ev = h.clone().symmetric_eigen().eigenvalues;
    let (lo, hi) = ev
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    if hi > 0.0 {
        lo / hi
    } else {
        f64::NAN
    }
}

/// Fit `form` from the reference's base start (and jittered restarts,
/// none by default; no nested start), each run by damped Newton, with the
/// global stage of `params.global_stage` (proofs/12 §12.10).
///
/// # Errors
/// As [`fit_power_law_from`].
pub fn fit_power_law(
    data: &PowerLawData<f64>,
    form: PowerLawForm,
    params: &PowerLawFitParams,
) -> Result<PowerLawFit, PowerLawError> {
    fit_power_law_newton_from(data, form, &fixed_starts(form, params), params)
}

/// The single law, then the two-term law from the base start plus
/// (with `params.nested_start`) the nested start from the single fit, so
/// that `two.objective ≤ single.objective` (proofs/12 §12.3); both with
/// the global stage and certificate (§12.10), every run by damped Newton
/// (§12.8, [`fit_power_law_newton_from`]).
///
/// # Errors
/// As [`fit_power_law_from`].
pub fn fit_single_and_two_term(
    data: &PowerLawData<f64>,
    params: &PowerLawFitParams,
) -> Result<(PowerLawFit, PowerLawFit), PowerLawError> {
    let single = fit_power_law_newton_from(
        data,
        PowerLawForm::Single,
        &fixed_starts(PowerLawForm::Single, params),
        params,
    )?;
    let mut starts = fixed_starts(PowerLawForm::TwoTerm, params);
    if params.nested_start {
        starts.push(nested_start(data, &single.theta));
    }
    let two = fit_power_law_newton_from(data, PowerLawForm::TwoTerm, &starts, params)?;
    Ok((single, two))
}

/// `F` evaluated at `theta` in precision `T` from f64 data (for the
/// precision cross-check), returned as f64.
pub fn objective_in<T: RealField>(x: &[f64], loss: &[f64], scale: f64, theta: &[f64]) -> f64 {
    match PowerLawData::<T>::new(x, loss, scale) {
        Ok(d) => {
            let th: Vec<T> = theta.iter().map(|v| lit::<T>(*v)).collect();
            to_f64(&objective(&d, &th))
        }
        Err(_) => f64::NAN,
    }
}
