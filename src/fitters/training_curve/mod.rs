//! The training-curve fit: `L(N, D) = e^E + e^A·N^α + e^B·D^β` through
//! the checkpoints of several training runs, by the procedure of the
//! "Hitchhiker" tool (seed 001): the SmoothL1 (Huber) objective on the loss,
//! a percentile start, an Adam phase and an L-BFGS polish (argmin, strong
//! Wolfe line search by Moré–Thuente), with analytic gradients.
//!
//! The objective, its gradient and Hessian and the Adam phase are generic
//! over the scalar (`T: RealField`); the L-BFGS phase runs in `f64` (argmin's
//! float bound needs `Copy`). Derivations: `proofs/13_training_curve.md`.
//!
//! Every evaluation costs one exponential per *distinct* N and per distinct
//! D, not per point: a training log's checkpoints share their N, and logs
//! evaluated at the same steps share their D (the five-size run: 307 points,
//! 5 + 83 exponentials).
//!
//! After that procedure, a global stage by variable projection
//! ([`profile`]; proofs/13 §13.9–13.11): the profile over the exponents on a
//! grid, its best basins refined, the local optimiser started from the
//! best, and a certificate comparing the answer with the profile's best.
//!
//! ## References
//! - \[KB15\] D. P. Kingma, J. Ba, *Adam: A Method for Stochastic
//!   Optimization*, ICLR 2015, arXiv:1412.6980.
//! - \[NW06\] J. Nocedal, S. J. Wright, *Numerical Optimization*, 2nd ed.,
//!   Springer 2006 (L-BFGS, §7.2; strong Wolfe conditions, §3.1).
//! - \[H64\] P. J. Huber, *Robust Estimation of a Location Parameter*, Ann.
//!   Math. Statist. 35 (1964), doi:10.1214/aoms/1177703732.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use nalgebra::{Matrix5, RealField};

use super::outcome::{Certificate, FitError, FitStatus};
use crate::analysis::bootstrap::quantile;
use crate::models::TrainingCurveLaw;
use crate::numerics::{int, lit, to_f64};

mod adam;
mod global;
pub mod profile;
pub use adam::{adam_phase, adam_phase_generic, AdamPhase};
pub use global::{certificate_tolerance, fit_training_curve_warm};
use profile::{FlatRange, ProfileSettings};

/// The Huber threshold δ of the published tool (PyTorch's `SmoothL1Loss(beta=0.1)`).
pub const HUBER_DELTA: f64 = 0.1;

/// After L-BFGS stops (its own test is ‖g‖ ≤ 1e-12, usually out of reach
/// of f64 rounding on real data), the fit counts as converged when the
/// largest gradient component is at most this. The gradient's rounding
/// floor is about ε·max|L|/δ·max|∂L/∂θ| (proofs/13 §13.3): ≈ 2e-16·10/0.1·10·22
/// ≈ 4e-12 for losses near 10 and ln D near 22; 1e-8 leaves a factor 2500
/// above it and is still far below any gradient of a point that is not a
/// stationary point.
pub const CONVERGED_GRADIENT: f64 = 1e-8;

/// The gradient below which no descent can be told from rounding
/// (proofs/13 §13.3): `f(θ) − f* ≥ |g|²/(2λ_max)`, and a sum of m terms
/// resolves f only to about m·ε·|f|, so a point with
/// `|g| ≤ √(2·m·ε·|f|·‖H‖_F)` (‖H‖_F ≥ λ_max) is as converged as f64 allows.
pub fn gradient_floor(points: &CurvePoints<f64>, theta: &[f64; 5], f: f64, delta: f64) -> f64 {
    let h = smooth_l1_hessian(points, theta, &delta);
    (2.0 * points.len() as f64 * f64::EPSILON * f.abs() * h.norm()).sqrt()
}

/// Settings of [`fit_training_curve`]; the defaults are the published tool's.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingCurveParams {
    /// Huber threshold δ ([`HUBER_DELTA`]).
    pub delta: f64,
    /// Adam's initial learning rate (0.05).
    pub adam_lr: f64,
    /// Adam steps (4000); 0 skips the Adam phase.
    pub adam_steps: usize,
    /// The learning rate is multiplied by `lr_decay` every `lr_every` steps
    /// (0.2 every 1000) ...
    pub lr_decay: f64,
    /// ... (1000) ...
    pub lr_every: usize,
    /// ... and never falls below `lr_floor` (1e-3).
    pub lr_floor: f64,
    /// Weight of the Adam-phase anchor `|e^E − min L|` (1e-6).
    pub anchor_weight: f64,
    /// L-BFGS gradient tolerance (1e-12, on the 2-norm).
    pub lbfgs_grad_tol: f64,
    /// L-BFGS history length (20).
    pub lbfgs_memory: usize,
    /// L-BFGS iteration limit (1000; it needs 20–200 on these problems, the
    /// limit only guards against a stalled search and makes the status `max_iter`).
    pub lbfgs_max_iter: u64,
    /// Objective evaluations allowed to the L-BFGS phase, line searches
    /// included (20,000). argmin runs each Moré–Thuente line search without
    /// an iteration limit of its own, and at the rounding floor of noisy data
    /// a line search can cycle without end; past this budget the phase stops
    /// and keeps the best point evaluated (status `max_iter` unless its
    /// gradient passes [`CONVERGED_GRADIENT`]).
    pub lbfgs_max_evaluations: usize,
    /// The L-BFGS phase also stops when this many consecutive evaluations
    /// have not lowered the best objective (200): the line search is then
    /// cycling at the rounding floor, and the best point is the answer.
    pub lbfgs_stall_evaluations: usize,
    /// The variable-projection profile: its box, grid, basins and the flat
    /// tolerance.
    pub profile: ProfileSettings,
    /// Whether [`fit_training_curve`] runs the global stage after the
    /// published procedure (true).
    pub global_stage: bool,
}

impl Default for TrainingCurveParams {
    fn default() -> Self {
        Self {
            delta: HUBER_DELTA,
            adam_lr: 0.05,
            adam_steps: 4000,
            lr_decay: 0.2,
            lr_every: 1000,
            lr_floor: 1e-3,
            anchor_weight: 1e-6,
            lbfgs_grad_tol: 1e-12,
            lbfgs_memory: 20,
            lbfgs_max_iter: 1000,
            lbfgs_max_evaluations: 20_000,
            lbfgs_stall_evaluations: 1000,
            profile: ProfileSettings::default(),
            global_stage: true,
        }
    }
}

/// Checkpoints prepared for the fit: ln N and ln D of the distinct values,
/// each point's index into them, and the losses.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePoints<T> {
    ln_n: Vec<T>,
    ln_d: Vec<T>,
    n_index: Vec<usize>,
    d_index: Vec<usize>,
    loss: Vec<T>,
    n: Vec<f64>,
    d: Vec<f64>,
    loss_f64: Vec<f64>,
}

fn distinct(values: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut map: HashMap<u64, usize> = HashMap::new();
    let mut uniq = Vec::new();
    let idx = values
        .iter()
        .map(|v| {
            *map.entry(v.to_bits()).or_insert_with(|| {
                uniq.push(*v);
                uniq.len() - 1
            })
        })
        .collect();
    (uniq, idx)
}

impl<T: RealField> CurvePoints<T> {
    /// Validate and prepare `(N, D, L)` triples.
    ///
    /// # Errors
    /// [`FitError::TooFewPoints`] (fewer than 5, the number of parameters, or
    /// slices of unequal length), [`FitError::BadPoint`] (N or D not positive
    /// and finite, L not finite), [`FitError::Degenerate`] when N or D has a
    /// single distinct value.
    pub fn new(n: &[f64], d: &[f64], loss: &[f64]) -> Result<Self, FitError> {
        let len = n.len().min(d.len()).min(loss.len());
        if len < 5 || n.len() != d.len() || d.len() != loss.len() {
            return Err(FitError::TooFewPoints {
                needed: 5,
                got: len,
            });
        }
        for i in 0..len {
            for (field, v, ok) in [
                ("N", n[i], n[i].is_finite() && n[i] > 0.0),
                ("D", d[i], d[i].is_finite() && d[i] > 0.0),
                ("L", loss[i], loss[i].is_finite()),
            ] {
                if !ok {
                    return Err(FitError::BadPoint {
                        index: i,
                        field,
                        value: v,
                    });
                }
            }
        }
        let (un, n_index) = distinct(n);
        let (ud, d_index) = distinct(d);
        if un.len() < 2 {
            return Err(FitError::Degenerate { axis: "N" });
        }
        if ud.len() < 2 {
            return Err(FitError::Degenerate { axis: "D" });
        }
        Ok(Self {
            ln_n: un.iter().map(|v| lit::<T>(*v).ln()).collect(),
            ln_d: ud.iter().map(|v| lit::<T>(*v).ln()).collect(),
            n_index,
            d_index,
            loss: loss.iter().map(|v| lit(*v)).collect(),
            n: n.to_vec(),
            d: d.to_vec(),
            loss_f64: loss.to_vec(),
        })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.loss.len()
    }

    /// Always false (construction needs 5 points).
    pub fn is_empty(&self) -> bool {
        self.loss.is_empty()
    }

    /// The model sizes N, one per point.
    pub fn n(&self) -> &[f64] {
        &self.n
    }

    /// The token counts D, one per point.
    pub fn d(&self) -> &[f64] {
        &self.d
    }

    /// The losses, one per point.
    pub fn loss(&self) -> &[f64] {
        &self.loss_f64
    }

    /// The points at `indices` (with repetition: a bootstrap resample).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn subset(&self, indices: &[usize]) -> Result<Self, FitError> {
        let pick = |v: &[f64]| indices.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        Self::new(&pick(&self.n), &pick(&self.d), &pick(&self.loss_f64))
    }

    /// The law's prediction at every point.
    pub fn predictions(&self, law: &TrainingCurveLaw<T>) -> Vec<T> {
        let (e, tn, td) = self.terms(&law.parameters());
        (0..self.len())
            .map(|i| e.clone() + tn[self.n_index[i]].clone() + td[self.d_index[i]].clone())
            .collect()
    }

    /// Residuals `prediction − L`.
    pub fn residuals(&self, law: &TrainingCurveLaw<T>) -> Vec<T> {
        self.predictions(law)
            .into_iter()
            .zip(&self.loss)
            .map(|(p, l)| p - l.clone())
            .collect()
    }

    fn terms(&self, p: &[T; 5]) -> (T, Vec<T>, Vec<T>) {
        let e = p[0].clone().exp();
        let tn = self
            .ln_n
            .iter()
            .map(|l| (p[1].clone() + p[3].clone() * l.clone()).exp())
            .collect();
        let td = self
            .ln_d
            .iter()
            .map(|l| (p[2].clone() + p[4].clone() * l.clone()).exp())
            .collect();
        (e, tn, td)
    }
}

/// The Huber function divided by δ and its derivative:
/// `h(r) = r²/(2δ)`, `h'(r) = r/δ` for `|r| < δ`; `|r| − δ/2`, `sign r` beyond.
fn huber<T: RealField>(r: &T, delta: &T) -> (T, T) {
    if r.clone().abs() < *delta {
        let dh = r.clone() / delta.clone();
        (r.clone() * dh.clone() / int::<T>(2), dh)
    } else {
        let s = if *r > T::zero() { T::one() } else { -T::one() };
        (r.clone().abs() - delta.clone() / int::<T>(2), s)
    }
}

/// The SmoothL1 objective `f(θ) = (1/m) Σ h(L̂_i(θ) − L_i)` and its exact
/// gradient with respect to θ = (E, A, B, α, β) (proofs/13 §13.2):
///
/// ```math
/// ∂f/∂θ = (1/m) Σ_i h'(r_i) ∇_θ L̂_i,
/// ∇_θ L̂ = (e^E, t_N, t_D, t_N ln N, t_D ln D).
/// ```
///
/// ```
/// use scaling_laws::fitters::training_curve::{smooth_l1, CurvePoints};
/// let n = [1e7, 1e7, 1e8, 1e8, 1e9, 1e9];
/// let d = [1e9, 1e10, 1e9, 1e10, 1e9, 1e10];
/// let p = [0.5f64, 5.0, 6.0, -0.3, -0.25];
/// let l: Vec<f64> = n.iter().zip(&d)
///     .map(|(n, d): (&f64, &f64)| p[0].exp() + (p[1] + p[3] * n.ln()).exp() + (p[2] + p[4] * d.ln()).exp())
///     .collect();
/// let pts = CurvePoints::<f64>::new(&n, &d, &l).unwrap();
/// let (f, g) = smooth_l1(&pts, &p, &0.1);
/// assert!(f < 1e-28 && g.iter().all(|x| x.abs() < 1e-12));
/// ```
pub fn smooth_l1<T: RealField>(points: &CurvePoints<T>, p: &[T; 5], delta: &T) -> (T, [T; 5]) {
    if let Some(pts) = (points as &dyn Any).downcast_ref::<CurvePoints<f64>>() {
        let (f, g) = smooth_l1_f64(
            pts,
            &p.clone().map(|v| to_f64(&v)),
            to_f64(delta),
            &mut Scratch::default(),
        );
        return (lit(f), g.map(lit));
    }
    smooth_l1_generic(points, p, delta)
}

/// [`smooth_l1`] for any scalar (the 256-bit checks): the same arithmetic
/// as the `f64` fast path [`smooth_l1_f64`], operation for operation.
pub fn smooth_l1_generic<T: RealField>(
    points: &CurvePoints<T>,
    p: &[T; 5],
    delta: &T,
) -> (T, [T; 5]) {
    let (e, tn, td) = points.terms(p);
    let mut psi_n = vec![T::zero(); tn.len()];
    let mut psi_d = vec![T::zero(); td.len()];
    let mut psi = T::zero();
    let mut f = T::zero();
    for i in 0..points.len() {
        let (ni, di) = (points.n_index[i], points.d_index[i]);
        let r = e.clone() + tn[ni].clone() + td[di].clone() - points.loss[i].clone();
        let (h, dh) = huber(&r, delta);
        f += h;
        psi += dh.clone();
        psi_n[ni] += dh.clone();
        psi_d[di] += dh;
    }
    let m = int::<T>(points.len() as i64);
    let (mut ga, mut gb, mut gal, mut gbe) = (T::zero(), T::zero(), T::zero(), T::zero());
    for k in 0..tn.len() {
        let w = tn[k].clone() * psi_n[k].clone();
        gal += w.clone() * points.ln_n[k].clone();
        ga += w;
    }
    for k in 0..td.len() {
        let w = td[k].clone() * psi_d[k].clone();
        gbe += w.clone() * points.ln_d[k].clone();
        gb += w;
    }
    (
        f / m.clone(),
        [
            e * psi / m.clone(),
            ga / m.clone(),
            gb / m.clone(),
            gal / m.clone(),
            gbe / m,
        ],
    )
}

/// Reusable buffers of [`smooth_l1_f64`] (one term and one sum of h' per
/// distinct N and per distinct D), so that an optimizer allocates nothing
/// per evaluation.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    tn: Vec<f64>,
    td: Vec<f64>,
    psi_n: Vec<f64>,
    psi_d: Vec<f64>,
}

/// The `f64` fast path of [`smooth_l1`]: the same operations in the same
/// order as [`smooth_l1_generic`] (so the same bits), without allocation
/// (buffers in `scratch`), one exponential per distinct N and D, the loss
/// and the sums of h' in one pass over the points.
pub fn smooth_l1_f64(
    points: &CurvePoints<f64>,
    p: &[f64; 5],
    delta: f64,
    scratch: &mut Scratch,
) -> (f64, [f64; 5]) {
    let Scratch {
        tn,
        td,
        psi_n,
        psi_d,
    } = scratch;
    let e = p[0].exp();
    tn.clear();
    tn.extend(points.ln_n.iter().map(|l| (p[1] + p[3] * l).exp()));
    td.clear();
    td.extend(points.ln_d.iter().map(|l| (p[2] + p[4] * l).exp()));
    psi_n.clear();
    psi_n.resize(tn.len(), 0.0);
    psi_d.clear();
    psi_d.resize(td.len(), 0.0);
    let half_delta = delta / 2.0;
    let (mut psi, mut f) = (0.0f64, 0.0f64);
    for ((&ni, &di), &l) in points.n_index.iter().zip(&points.d_index).zip(&points.loss) {
        let r = e + tn[ni] + td[di] - l;
        let (h, dh) = if r.abs() < delta {
            let dh = r / delta;
            (r * dh / 2.0, dh)
        } else {
            (r.abs() - half_delta, if r > 0.0 { 1.0 } else { -1.0 })
        };
        f += h;
        psi += dh;
        psi_n[ni] += dh;
        psi_d[di] += dh;
    }
    let m = points.len() as f64;
    let (mut ga, mut gb, mut gal, mut gbe) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for ((t, s), l) in tn.iter().zip(psi_n.iter()).zip(&points.ln_n) {
        let w = t * s;
        gal += w * l;
        ga += w;
    }
    for ((t, s), l) in td.iter().zip(psi_d.iter()).zip(&points.ln_d) {
        let w = t * s;
        gbe += w * l;
        gb += w;
    }
    (f / m, [e * psi / m, ga / m, gb / m, gal / m, gbe / m])
}

/// The Hessian of the SmoothL1 objective at θ (exact wherever no residual
/// sits at ±δ, where h'' jumps; proofs/13 §13.2):
///
/// ```math
/// ∇²f = (1/m) Σ_i [ h''(r_i) ∇L̂_i ∇L̂_iᵀ + h'(r_i) ∇²L̂_i ],
/// ```
/// with `h'' = 1/δ` inside the threshold and 0 beyond, and `∇²L̂` nonzero
/// only in the (E, E) entry (`e^E`), the (A, α) block `t_N [[1, ln N], [ln N, ln² N]]`
/// and the (B, β) block likewise.
pub fn smooth_l1_hessian<T: RealField>(
    points: &CurvePoints<T>,
    p: &[T; 5],
    delta: &T,
) -> Matrix5<T> {
    let (e, tn, td) = points.terms(p);
    let mut h = Matrix5::<T>::zeros();
    for i in 0..points.len() {
        let (ni, di) = (points.n_index[i], points.d_index[i]);
        let (ln_n, ln_d) = (points.ln_n[ni].clone(), points.ln_d[di].clone());
        let (t_n, t_d) = (tn[ni].clone(), td[di].clone());
        let r = e.clone() + t_n.clone() + t_d.clone() - points.loss[i].clone();
        let (_, dh) = huber(&r, delta);
        if r.clone().abs() < *delta {
            let g = [
                e.clone(),
                t_n.clone(),
                t_d.clone(),
                t_n.clone() * ln_n.clone(),
                t_d.clone() * ln_d.clone(),
            ];
            for a in 0..5 {
                for b in 0..5 {
                    h[(a, b)] += g[a].clone() * g[b].clone() / delta.clone();
                }
            }
        }
        h[(0, 0)] += dh.clone() * e.clone();
        let nb = [
            t_n.clone(),
            t_n.clone() * ln_n.clone(),
            t_n * ln_n.clone() * ln_n,
        ];
        let db = [
            t_d.clone(),
            t_d.clone() * ln_d.clone(),
            t_d * ln_d.clone() * ln_d,
        ];
        h[(1, 1)] += dh.clone() * nb[0].clone();
        h[(1, 3)] += dh.clone() * nb[1].clone();
        h[(3, 1)] += dh.clone() * nb[1].clone();
        h[(3, 3)] += dh.clone() * nb[2].clone();
        h[(2, 2)] += dh.clone() * db[0].clone();
        h[(2, 4)] += dh.clone() * db[1].clone();
        h[(4, 2)] += dh.clone() * db[1].clone();
        h[(4, 4)] += dh * db[2].clone();
    }
    h / int::<T>(points.len() as i64)
}

/// The published tool's start (proofs/13 §13.4): `E = ln max(P10(L), 1e-6)`,
/// `A = B = ln max(P90(L) − P10(L), 1e-3)`, `α = −0.5`, `β = −0.2`, with
/// linearly interpolated percentiles (numpy's default).
pub fn training_curve_start(loss: &[f64]) -> [f64; 5] {
    let p10 = quantile(loss, 0.1).unwrap_or(f64::NAN);
    let p90 = quantile(loss, 0.9).unwrap_or(f64::NAN);
    let e = p10.max(1e-6).ln();
    let ab = (p90 - p10).max(1e-3).ln();
    [e, ab, ab, -0.5, -0.2]
}

/// A fitted training-curve law and how the fit ended.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingCurveFit {
    /// The law (E, A, B, α, β).
    pub law: TrainingCurveLaw<f64>,
    /// The final SmoothL1 objective (the seed's "final Huber loss").
    pub objective: f64,
    /// The largest absolute gradient component at the end.
    pub gradient_max: f64,
    /// The Adam phase's best objective (with the anchor term); NaN when skipped.
    pub adam_objective: f64,
    /// L-BFGS iterations (0 when the phase ended on an error or the budget).
    pub lbfgs_iterations: u64,
    /// Objective evaluations of the L-BFGS phase.
    pub lbfgs_evaluations: usize,
    /// Number of points.
    pub num_points: usize,
    /// How it ended: `Converged` (L-BFGS's own test, or it stopped with the
    /// largest gradient component below [`CONVERGED_GRADIENT`] or the
    /// rounding floor [`gradient_floor`]; after the global stage: at or
    /// below the profile's best within rounding, inside the exponent box),
    /// `BoundHit` (the profile's best is on the box), `MaxIter`, `Abnormal`.
    pub status: FitStatus,
    /// The comparison with the profile's best (after the global stage).
    pub certificate: Option<Certificate>,
    /// The flat ranges of α and β: where the profile stays within
    /// [`ProfileSettings::flat_tolerance`] of its minimum (after the global stage).
    pub flat: Option<[FlatRange; 2]>,
    /// Warnings of the global stage (empty when none).
    pub warnings: Vec<String>,
}

/// The f64 problem for argmin; it remembers the best point it evaluated,
/// so that a line-search failure (which argmin reports as an error,
/// dropping its state) still returns the best point found.
struct Problem<'a> {
    points: &'a CurvePoints<f64>,
    delta: f64,
    best: RefCell<Option<([f64; 5], f64)>>,
    evaluations: std::cell::Cell<usize>,
    max_evaluations: usize,
    since_best: std::cell::Cell<usize>,
    max_stall: usize,
    last: RefCell<Option<Evaluation>>,
    scratch: RefCell<Scratch>,
}

/// A point, the objective there and its gradient.
type Evaluation = ([f64; 5], f64, [f64; 5]);

const STALLED: &str = "no progress";

const BUDGET: &str = "evaluation budget exhausted";

impl Problem<'_> {
    fn budgeted(&self, x: &[f64]) -> Result<(f64, [f64; 5]), argmin::core::Error> {
        let k = self.evaluations.get();
        if k >= self.max_evaluations {
            return Err(argmin::core::Error::msg(BUDGET));
        }
        if self.since_best.get() >= self.max_stall {
            return Err(argmin::core::Error::msg(STALLED));
        }
        // argmin asks for the cost and the gradient at the same point in two
        // calls; one evaluation gives both.
        if let Some((p, f, g)) = *self.last.borrow() {
            if p.as_slice() == x {
                return Ok((f, g));
            }
        }
        self.evaluations.set(k + 1);
        let (f, g) = self.eval(x);
        *self.last.borrow_mut() = Some(([x[0], x[1], x[2], x[3], x[4]], f, g));
        Ok((f, g))
    }

    fn eval(&self, x: &[f64]) -> (f64, [f64; 5]) {
        let p = [x[0], x[1], x[2], x[3], x[4]];
        let (f, g) = smooth_l1_f64(self.points, &p, self.delta, &mut self.scratch.borrow_mut());
        if f.is_finite() {
            let mut b = self.best.borrow_mut();
            if b.as_ref().is_none_or(|(_, bf)| f < *bf) {
                *b = Some((p, f));
                self.since_best.set(0);
                return (f, g);
            }
        }
        self.since_best.set(self.since_best.get() + 1);
        (f, g)
    }
}

/// argmin owns its problem; this borrows ours, so that the best point
/// survives an error.
struct ByRef<'a, 'b>(&'b Problem<'a>);

impl CostFunction for ByRef<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.0.budgeted(x)?.0)
    }
}

impl Gradient for ByRef<'_, '_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, x: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Ok(self.0.budgeted(x)?.1.to_vec())
    }
}

/// Fit the training-curve law by the published procedure: the percentile
/// start ([`training_curve_start`]), the Adam phase ([`adam_phase`]), then
/// L-BFGS on the plain objective ([`fit_training_curve_from`]).
///
/// # Errors
/// [`FitError::OptimizerFailed`] when the objective is not finite at the
/// result (a fit that ends non-finite is an error, never a status).
pub fn fit_training_curve(
    points: &CurvePoints<f64>,
    params: &TrainingCurveParams,
) -> Result<TrainingCurveFit, FitError> {
    let published = fit_training_curve_from(points, training_curve_start(points.loss()), params)?;
    if !params.global_stage {
        return Ok(published);
    }
    global::global_stage(points, params, published)
}

/// As [`fit_training_curve`] from an explicit start (with
/// `params.adam_steps = 0`, L-BFGS alone: the warm-started bootstrap
/// replicates).
///
/// # Errors
/// As [`fit_training_curve`].
pub fn fit_training_curve_from(
    points: &CurvePoints<f64>,
    start: [f64; 5],
    params: &TrainingCurveParams,
) -> Result<TrainingCurveFit, FitError> {
    let (theta0, adam_objective) = if params.adam_steps > 0 {
        let a = adam_phase(points, start, params);
        (a.best, a.objective)
    } else {
        (start, f64::NAN)
    };
    let problem = Problem {
        points,
        delta: params.delta,
        best: RefCell::new(None),
        evaluations: std::cell::Cell::new(0),
        max_evaluations: params.lbfgs_max_evaluations,
        since_best: std::cell::Cell::new(0),
        max_stall: params.lbfgs_stall_evaluations.max(1),
        last: RefCell::new(None),
        scratch: RefCell::new(Scratch::default()),
    };
    let (f0, _) = problem.eval(&theta0);
    if !f0.is_finite() {
        return Err(FitError::NonFiniteStart {
            objective: "SmoothL1",
            start: theta0,
            value: f0,
        });
    }
    let failed = |message: String| FitError::OptimizerFailed {
        method: "L-BFGS",
        message,
    };
    let linesearch = MoreThuenteLineSearch::new();
    let solver = LBFGS::new(linesearch, params.lbfgs_memory.max(1))
        .with_tolerance_grad(params.lbfgs_grad_tol)
        .and_then(|s| s.with_tolerance_cost(0.0))
        .map_err(|e| failed(e.to_string()))?;
    let run = Executor::new(ByRef(&problem), solver)
        .configure(|st| st.param(theta0.to_vec()).max_iters(params.lbfgs_max_iter))
        .run();
    let (reason, iterations, budget) = match &run {
        Ok(res) => (
            res.state().get_termination_reason().cloned(),
            res.state().get_iter(),
            false,
        ),
        Err(e) => (None, 0, format!("{e:#}").contains(BUDGET)),
    };
    let Some((theta, f)) = *problem.best.borrow() else {
        return Err(failed("no finite objective value".into()));
    };
    let (_, g) = smooth_l1(points, &theta, &params.delta);
    let gmax = g.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    if !(f.is_finite() && gmax.is_finite() && theta.iter().all(|v| v.is_finite())) {
        return Err(failed(format!(
            "non-finite result {theta:?}, objective {f}"
        )));
    }
    let floor = gradient_floor(points, &theta, f, params.delta);
    let small = gmax <= CONVERGED_GRADIENT.max(floor);
    let status = match reason {
        Some(TerminationReason::SolverConverged) => FitStatus::Converged,
        _ if small => FitStatus::Converged,
        Some(TerminationReason::MaxItersReached) => FitStatus::MaxIter,
        _ if budget => FitStatus::MaxIter,
        _ => FitStatus::Abnormal,
    };
    Ok(TrainingCurveFit {
        law: TrainingCurveLaw::from_parameters(theta),
        objective: f,
        gradient_max: gmax,
        adam_objective: to_f64(&adam_objective),
        lbfgs_iterations: iterations,
        lbfgs_evaluations: problem.evaluations.get(),
        num_points: points.len(),
        status,
        certificate: None,
        flat: None,
        warnings: Vec::new(),
    })
}
