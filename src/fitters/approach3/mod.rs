//! Approach 3: fit all five parameters (E, A, B, α, β) of
//! `L = E + A/N^α + B/D^β` directly, by box-constrained L-BFGS-B.
//!
//! Four objectives (proofs/08_approach3.md), each with an analytic gradient
//! written once over `T: RealField` ([`objective_value_and_gradient`]):
//!
//! | [`Objective`] | coordinates x | objective |
//! |---|---|---|
//! | `Rss` | (E, A, B, α, β) | Σ (L̂ − L)² |
//! | `RssLogParams` | (ln E, ln A, ln B, α, β) | Σ (L̂ − L)² |
//! | `LogLoss` | (ln E, ln A, ln B, α, β) | Σ (ln L̂ − ln L)² |
//! | `HuberLog` | (ln E, ln A, ln B, α, β) | Σ Huber_δ(ln L̂ − ln L), δ = 10⁻³ |
//!
//! with `ln L̂ = logsumexp(ln E, ln A − α ln N, ln B − β ln D)` for the two
//! log-loss objectives (evaluated with the largest term factored out, so it
//! neither overflows nor loses the small terms).
//!
//! The Huber objective is **summed**, as in the Chinchilla paper's code: the
//! mean divides the gradient by the number of points and L-BFGS-B's
//! projected-gradient test (absolute, 10⁻⁵) then stops early.
//!
//! Bounds: E ∈ [10⁻⁶, 10], A, B ∈ [10⁻⁶, 10⁶], α, β ∈ [0.01, 0.99] for the
//! first three (their logs in log coordinates, [`PARAM_LO`], [`PARAM_HI`]).
//! The paper's Huber fit is unbounded; here it gets a box wide enough never
//! to bind on sensible data but keeping every evaluation finite
//! ([`HUBER_LO`], [`HUBER_HI`]: ln E ∈ [−20, 20], ln A, ln B ∈ [−20, 60],
//! α, β ∈ [0, 5]).
//!
//! Defaults ([`Approach3Params::default`]): objective `Rss` from the 4⁵ grid
//! start, analytic gradient, the reference implementation's L-BFGS-B
//! tolerances [`REFERENCE_LBFGSB`] (scipy's own defaults stop the plain RSS
//! far from the minimum; proofs/08 §8.5). [`approach3_start`] returns the
//! start a fit would use.
//!
//! ## References
//! - \[H22\] J. Hoffmann et al., *Training Compute-Optimal Large Language
//!   Models*, 2022, arXiv:2203.15556 (Approach 3, Huber δ = 10⁻³, the
//!   4,500-point initialisation grid).
//! - \[BLNZ95\] R. H. Byrd, P. Lu, J. Nocedal, C. Zhu, SIAM J. Sci. Comput.
//!   16 (1995), doi:10.1137/0916069 (L-BFGS-B).

mod certificate;

use std::cell::RefCell;

use nalgebra::RealField;

pub use certificate::{certificate_tolerance, PROFILE_BASINS};

use super::outcome::{Certificate, FitError, FitStatus, SurfaceData, SurfaceFit};
use crate::numerics::lbfgsb::{
    minimize_lbfgsb_into, GradientSource, LbfgsbEnd, LbfgsbSettings, StopRule,
};
use crate::numerics::{int, linspace, ratio};
use crate::sampling::noise::Rng;

/// Lower bounds of (E, A, B, α, β) for the bounded objectives (i)–(iii).
pub const PARAM_LO: [f64; 5] = [1e-6, 1e-6, 1e-6, 0.01, 0.01];
/// Upper bounds of (E, A, B, α, β) for the bounded objectives (i)–(iii).
pub const PARAM_HI: [f64; 5] = [10.0, 1e6, 1e6, 0.99, 0.99];
/// Lower bounds of (ln E, ln A, ln B, α, β) for [`Objective::HuberLog`]:
/// the paper is unbounded; these never bind on data with losses of order 1
/// and keep every evaluation finite.
pub const HUBER_LO: [f64; 5] = [-20.0, -20.0, -20.0, 0.0, 0.0];
/// Upper bounds of (ln E, ln A, ln B, α, β) for [`Objective::HuberLog`].
pub const HUBER_HI: [f64; 5] = [20.0, 60.0, 60.0, 5.0, 5.0];

pub use super::outcome::BOUND_TOLERANCE;

/// The Huber threshold δ of the Chinchilla paper, as the exact ratio 1/1000.
pub fn huber_delta<T: RealField>() -> T {
    ratio(1, 1000)
}

/// The objective minimised by [`fit_approach3`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// (i) RSS on L over (E, A, B, α, β).
    Rss,
    /// (ii) RSS on L over (ln E, ln A, ln B, α, β).
    RssLogParams,
    /// (iii) RSS on ln L over (ln E, ln A, ln B, α, β), ln L̂ by log-sum-exp.
    LogLoss,
    /// (iv) the Chinchilla paper's: Σ Huber_δ(ln L̂ − ln L), δ = 10⁻³, over
    /// (ln E, ln A, ln B, α, β).
    HuberLog,
}

impl Objective {
    /// Every objective, in the order (i)–(iv).
    pub const ALL: [Objective; 4] = [
        Objective::Rss,
        Objective::RssLogParams,
        Objective::LogLoss,
        Objective::HuberLog,
    ];

    /// `rss`, `rss-log-params`, `log-loss`, `huber-log`.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Rss => "rss",
            Objective::RssLogParams => "rss-log-params",
            Objective::LogLoss => "log-loss",
            Objective::HuberLog => "huber-log",
        }
    }

    /// The objective with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }

    /// Whether E, A, B enter as their natural logs.
    pub fn log_params(self) -> bool {
        !matches!(self, Objective::Rss)
    }

    /// The box `(lo, hi)` in this objective's coordinates.
    pub fn bounds(self) -> ([f64; 5], [f64; 5]) {
        match self {
            Objective::HuberLog => (HUBER_LO, HUBER_HI),
            Objective::Rss => (PARAM_LO, PARAM_HI),
            _ => (
                self.to_coordinates(&PARAM_LO),
                self.to_coordinates(&PARAM_HI),
            ),
        }
    }

    /// (E, A, B, α, β) in this objective's coordinates (the coefficients'
    /// natural logs for the log-parametrised objectives; NaN or −∞ for a
    /// non-positive coefficient there).
    pub fn to_coordinates<T: RealField>(self, p: &[T; 5]) -> [T; 5] {
        let mut x = p.clone();
        if self.log_params() {
            for v in x.iter_mut().take(3) {
                *v = v.clone().ln();
            }
        }
        x
    }

    /// (E, A, B, α, β) from this objective's coordinates.
    pub fn from_coordinates<T: RealField>(self, x: &[T; 5]) -> [T; 5] {
        let mut p = x.clone();
        if self.log_params() {
            for v in p.iter_mut().take(3) {
                *v = v.clone().exp();
            }
        }
        p
    }
}

/// Where L-BFGS-B starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Approach3Start {
    /// The default: the best point of the 4⁵ grid E ∈ linspace(0.1, 5, 4),
    /// A, B ∈ {10, 100, 1000, 10000}, α, β ∈ linspace(0.05, 0.95, 4), scored
    /// by RSS on L (first minimum wins, loops nested E, A, B, α, β from the
    /// outside in). For [`Objective::HuberLog`] this means
    /// [`ChinchillaGrid`](Self::ChinchillaGrid), the paper's initialisation.
    Grid,
    /// The Chinchilla paper's 4,500-point grid (α, β ∈ {0, 0.5, …, 2},
    /// ln E ∈ {−1, −0.5, …, 1}, ln A, ln B ∈ {0, 5, …, 25}), each point
    /// projected into the objective's box and scored by the objective. The
    /// paper starts L-BFGS from every grid point and keeps the best end; for
    /// cost this takes the best-scoring grid point as the single start (loops
    /// nested α, β, ln E, ln A, ln B; first minimum wins).
    ChinchillaGrid,
    /// An explicit start (E, A, B, α, β), projected into the box.
    Point([f64; 5]),
    /// A seeded random start drawn as the reference implementation draws it:
    /// every coordinate uniform on the objective's box
    /// ([`Objective::bounds`]), in the order E, A, B, α, β from
    /// `Rng::new(seed)`. For `Rss` that is E uniform on [10⁻⁶, 10] and A, B
    /// uniform on [10⁻⁶, 10⁶] (so A and B start near 5·10⁵ on average); for
    /// the log-parametrised objectives the box is in ln E, ln A, ln B, so
    /// the same rule draws them log-uniformly.
    Random(u64),
    /// A variant: α, β uniform on [0.01, 0.99] and E, A, B log-uniform on
    /// [`PARAM_LO`]..[`PARAM_HI`] for every objective (drawn in the order E,
    /// A, B, α, β from `Rng::new(seed)`). For `Rss` this is a different,
    /// much easier experiment than [`Random`](Self::Random): A and B start
    /// within a few decades of their true values most of the time.
    RandomLogUniform(u64),
}

/// Settings for [`fit_approach3`].
#[derive(Debug, Clone, PartialEq)]
pub struct Approach3Params {
    /// The objective.
    pub objective: Objective,
    /// The start.
    pub start: Approach3Start,
    /// Analytic or finite-difference gradients.
    pub gradient: GradientSource,
    /// L-BFGS-B settings; their [`stop`](LbfgsbSettings::stop) rule is
    /// replaced by the one [`stop`](Self::stop) names.
    pub lbfgsb: LbfgsbSettings,
    /// How the run decides it has converged.
    pub stop: Approach3Stop,
    /// The certificate and the global stage ([`GlobalStage`]).
    pub global_stage: GlobalStage,
}

/// What [`fit_approach3`] does after its local fit (proofs/18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalStage {
    /// The default: compare the fit's objective with the best value of the
    /// variable-projection profile of the same objective on the same data
    /// ([`Certificate`]); when it is above (beyond the objective's rounding,
    /// [`certificate_tolerance`]), start L-BFGS-B again from the profile's
    /// best basins, best first, and keep the lowest end. A fit still above is
    /// [`FitStatus::LocalMinimum`] with a warning.
    Search,
    /// The certificate without the global stage: a fit above the profile's
    /// best is [`FitStatus::LocalMinimum`]. For studies of the optimiser
    /// from a given start (Experiment 7's random starts).
    CertifyOnly,
    /// Neither: the local optimiser's result as it ends (parity checks
    /// against the reference implementation).
    Off,
}

/// The stopping rule of [`fit_approach3`] (proofs/10 §10.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approach3Stop {
    /// The default: [`StopRule::Resolution`] with the floor
    /// [`objective_resolution`] of the data: the relative-reduction test is
    /// relative down to the size of f that the residuals' rounding alone
    /// produces, and a quasi-Newton line search that fails where the
    /// decrease it was asked for is below that test is convergence. Only
    /// with the analytic gradient: a finite-difference gradient is biased by
    /// its truncation error far above F (its stationary point is off the
    /// minimiser by ~h²), so finite-difference runs keep scipy's rule.
    Resolution,
    /// scipy's rules exactly ([`StopRule::Scipy`]): the reduction test is
    /// absolute for f < 1, a failed line search without stored corrections
    /// is `Abnormal`. The reference implementation's behaviour; kept for
    /// parity checks.
    Scipy,
}

/// The reference implementation's L-BFGS-B settings for Approach 3:
/// `ftol = gtol = 1e-15`, 1000 iterations, 10 correction pairs.
///
/// scipy's defaults (`LbfgsbSettings::default()`: ftol 2.2e-9, gtol 1e-5)
/// stop the plain-RSS objective far from the minimum on noise-free data:
/// on the standard Chinchilla case (±8×, 5 × 15 points) it ends `Converged`
/// with α off by 62 % (the relative-reduction test fires while the
/// ill-scaled problem still creeps downhill; proofs/08 §8.5). With these
/// settings every objective reaches 1e-8–1e-10 there.
pub const REFERENCE_LBFGSB: LbfgsbSettings = LbfgsbSettings {
    ftol: 1e-15,
    gtol: 1e-15,
    maxcor: 10,
    maxiter: 1000,
    stop: StopRule::Scipy,
};

impl Default for Approach3Params {
    /// Objective (i) `Rss` (the reference implementation's plain Approach 3)
    /// from the 4⁵ grid, analytic gradient, [`REFERENCE_LBFGSB`], stopping
    /// at the objective's resolution ([`Approach3Stop::Resolution`]), then
    /// the certificate and global stage ([`GlobalStage::Search`]).
    fn default() -> Self {
        Self {
            objective: Objective::Rss,
            start: Approach3Start::Grid,
            gradient: GradientSource::Analytic,
            lbfgsb: REFERENCE_LBFGSB,
            stop: Approach3Stop::Resolution,
            global_stage: GlobalStage::Search,
        }
    }
}

/// Per-point buffers of one objective evaluation, reused across the
/// evaluations of a fit (no allocation per evaluation).
struct Workspace<T> {
    /// N^−α per point (its exponent first). In [`rss_f64`]: N^−α then
    /// D^−β, each padded to a multiple of [`LANES`].
    u: Vec<T>,
    /// D^−β per point (its exponent first). In [`rss_f64`]: the exponents
    /// of `u`, −α ln N then −β ln D, padded with zeros.
    v: Vec<T>,
    /// For [`rss_f64`]: ln N, ln D, L and the weights (1 per point, 0 per
    /// pad), each padded to a multiple of [`LANES`].
    lanes: Vec<T>,
}

impl<T: RealField> Workspace<T> {
    fn new() -> Self {
        Self {
            u: Vec::new(),
            v: Vec::new(),
            lanes: Vec::new(),
        }
    }
}

/// `out[i] = exp(−θ·ln_z[i])` for every point: the exponents in one pass,
/// then the exponentials in one batch (a tight loop the processor keeps
/// busy with independent calls; no accumulator is live across them).
fn powers_into<T: RealField>(theta: &T, ln_z: &[T], out: &mut Vec<T>) {
    out.clear();
    out.extend(ln_z.iter().map(|l| -theta.clone() * l.clone()));
    // In f64 (T: RealField is `Any`) the exponentials are one vector call.
    if let Some(v) = (out as &mut dyn std::any::Any).downcast_mut::<Vec<f64>>() {
        crate::numerics::vmath::exp_in_place(v);
        return;
    }
    for v in out.iter_mut() {
        *v = v.clone().exp();
    }
}

/// Accumulator lanes of [`rss_f64`].
const LANES: usize = 4;

/// The lane sums of [`rss_f64`] over padded columns (ln N, ln D, L,
/// weight, N^−α, D^−β): `[f, ∂E, ∂A, ∂B, ∂α, ∂β][lane]` before the factor 2.
/// With AVX2 the same operations run four lanes to an instruction (no fused
/// multiply-add is formed, so every lane rounds as the portable code does).
fn rss_lanes<const LOG: bool>(e: f64, a: f64, b: f64, cols: [&[f64]; 6]) -> [[f64; LANES]; 6] {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2 (checked just above).
            #[allow(unsafe_code)]
            return unsafe { rss_lanes_avx2::<LOG>(e, a, b, cols) };
        }
    }
    rss_lanes_body::<LOG>(e, a, b, cols)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn rss_lanes_avx2<const LOG: bool>(e: f64, a: f64, b: f64, cols: [&[f64]; 6]) -> [[f64; LANES]; 6] {
    rss_lanes_body::<LOG>(e, a, b, cols)
}

#[inline(always)]
fn rss_lanes_body<const LOG: bool>(e: f64, a: f64, b: f64, cols: [&[f64]; 6]) -> [[f64; LANES]; 6] {
    let [ln_n, ln_d, loss, weight, u, v] = cols;
    let mut acc = [[0.0f64; LANES]; 6];
    for (((((nk, dk), lk), wk), uk), vk) in ln_n
        .chunks_exact(LANES)
        .zip(ln_d.chunks_exact(LANES))
        .zip(loss.chunks_exact(LANES))
        .zip(weight.chunks_exact(LANES))
        .zip(u.chunks_exact(LANES))
        .zip(v.chunks_exact(LANES))
    {
        for l in 0..LANES {
            let au = a * uk[l];
            let bv = b * vk[l];
            let r = (e + au + bv - lk[l]) * wk[l];
            let (de, da, db) = if LOG {
                (e, au, bv)
            } else {
                (1.0, uk[l], vk[l])
            };
            acc[0][l] += r * r;
            acc[1][l] += r * de;
            acc[2][l] += r * da;
            acc[3][l] += r * db;
            acc[4][l] -= r * au * nk[l];
            acc[5][l] -= r * bv * dk[l];
        }
    }
    acc
}

/// The `Rss`/`RssLogParams` value and gradient when `T` is `f64`, `None`
/// otherwise: the same sums as the generic loop, each accumulated in
/// [`LANES`] interleaved partial sums (point i into lane i mod 4, lanes
/// added pairwise at the end) so the processor runs four points side by side
/// in vector registers. Only the order of the additions differs from the
/// generic loop: the two differ by at most 2γ_m·Σ|tᵢ| per sum (proofs/08
/// §8.2, "Evaluation order"; tested by
/// `approach3_rss_lanes_differ_from_the_in_order_sum_by_summation_rounding_only`).
/// [`objective_value_and_gradient`] dispatches here for `f64`.
fn rss_f64<T: RealField>(
    data: &SurfaceData<T>,
    objective: Objective,
    x: &[T; 5],
    work: &mut Workspace<T>,
) -> Option<(T, [T; 5])> {
    use std::any::Any;
    let data = (data as &dyn Any).downcast_ref::<SurfaceData<f64>>()?;
    let x = (x as &dyn Any).downcast_ref::<[f64; 5]>()?;
    let work = (work as &mut dyn Any).downcast_mut::<Workspace<f64>>()?;
    let log = objective.log_params();
    let [e, a, b] = if log {
        [x[0].exp(), x[1].exp(), x[2].exp()]
    } else {
        [x[0], x[1], x[2]]
    };
    let m = data.loss().len();
    let padded = m.div_ceil(LANES) * LANES;
    // The exponents −α ln N and −β ln D, each padded with zeros, into `v`;
    // their exponentials into `u` in one vector call (the same products and
    // the same bits as `powers_into`, without its in-place copy).
    let t = &mut work.v;
    t.clear();
    t.extend(data.ln_n().iter().map(|l| -x[3] * l));
    t.resize(padded, 0.0);
    t.extend(data.ln_d().iter().map(|l| -x[4] * l));
    t.resize(2 * padded, 0.0);
    work.u.resize(2 * padded, 0.0);
    crate::numerics::vmath::exp_into(&work.v, &mut work.u);
    // The data in lanes, padded to a multiple of LANES with weight-0
    // points (prepared once per fit).
    if work.lanes.len() != 4 * padded {
        work.lanes.clear();
        for col in [data.ln_n(), data.ln_d(), data.loss()] {
            work.lanes.extend(col);
            work.lanes.resize(work.lanes.len() + padded - m, 0.0);
        }
        work.lanes.extend(std::iter::repeat_n(1.0, m));
        work.lanes.resize(4 * padded, 0.0);
    }
    let (ln_n, rest) = work.lanes.split_at(padded);
    let (ln_d, rest) = rest.split_at(padded);
    let (loss, weight) = rest.split_at(padded);
    let (u, v) = work.u.split_at(padded);
    let cols = [ln_n, ln_d, loss, weight, u, v];
    let acc = if log {
        rss_lanes::<true>(e, a, b, cols)
    } else {
        rss_lanes::<false>(e, a, b, cols)
    };
    let total = |s: &[f64; LANES]| (s[0] + s[1]) + (s[2] + s[3]);
    let f = total(&acc[0]);
    let g: [f64; 5] = std::array::from_fn(|k| 2.0 * total(&acc[k + 1]));
    let mut out: Option<(T, [T; 5])> = None;
    *(&mut out as &mut dyn Any).downcast_mut::<Option<(f64, [f64; 5])>>()? = Some((f, g));
    out
}

/// The objective and its gradient at `x` given `ln L` per point.
fn evaluate<T: RealField>(
    data: &SurfaceData<T>,
    ln_loss: &[T],
    objective: Objective,
    x: &[T; 5],
    work: &mut Workspace<T>,
) -> (T, [T; 5]) {
    let mut f = T::zero();
    let mut g: [T; 5] = std::array::from_fn(|_| T::zero());
    let two = int::<T>(2);
    let (alpha, beta) = (x[3].clone(), x[4].clone());
    let points = data
        .ln_n()
        .iter()
        .zip(data.ln_d())
        .zip(data.loss().iter().zip(ln_loss));
    match objective {
        Objective::Rss | Objective::RssLogParams => {
            let log = objective.log_params();
            let [e, a, b] = if log {
                [x[0].clone().exp(), x[1].clone().exp(), x[2].clone().exp()]
            } else {
                [x[0].clone(), x[1].clone(), x[2].clone()]
            };
            if let Some(fast) = rss_f64(data, objective, x, work) {
                return fast;
            }
            // Pass 1: the powers; pass 2: residuals and sums, in point order.
            powers_into(&alpha, data.ln_n(), &mut work.u);
            powers_into(&beta, data.ln_d(), &mut work.v);
            for (((ln_n, ln_d), (l, _)), (u, v)) in points.zip(work.u.iter().zip(&work.v)) {
                let au = a.clone() * u.clone();
                let bv = b.clone() * v.clone();
                let r = e.clone() + au.clone() + bv.clone() - l.clone();
                f += r.clone() * r.clone();
                // ∂r/∂x: (1, u, v) or, in log coordinates, (E, A u, B v).
                let (de, da, db) = if log {
                    (e.clone(), au.clone(), bv.clone())
                } else {
                    (T::one(), u.clone(), v.clone())
                };
                g[0] += r.clone() * de;
                g[1] += r.clone() * da;
                g[2] += r.clone() * db;
                g[3] -= r.clone() * au * ln_n.clone();
                g[4] -= r * bv * ln_d.clone();
            }
            for gk in g.iter_mut() {
                *gk *= two.clone();
            }
        }
        Objective::LogLoss | Objective::HuberLog => {
            let delta = huber_delta::<T>();
            for ((ln_n, ln_d), (_, ln_l)) in points {
                let t = [
                    x[0].clone(),
                    x[1].clone() - alpha.clone() * ln_n.clone(),
                    x[2].clone() - beta.clone() * ln_d.clone(),
                ];
                // log-sum-exp with the largest term factored out: every
                // exponent is ≤ 0, the sum is in [1, 3].
                let m = t[0].clone().max(t[1].clone()).max(t[2].clone());
                let w: [T; 3] = std::array::from_fn(|k| (t[k].clone() - m.clone()).exp());
                let s = w[0].clone() + w[1].clone() + w[2].clone();
                let lse = m + s.clone().ln();
                let res = lse - ln_l.clone();
                // ψ = d(loss)/d(res).
                let psi = if objective == Objective::LogLoss {
                    f += res.clone() * res.clone();
                    two.clone() * res
                } else if res.clone().abs() <= delta {
                    f += res.clone() * res.clone() / two.clone();
                    res
                } else {
                    f += delta.clone() * (res.clone().abs() - delta.clone() / two.clone());
                    if res > T::zero() {
                        delta.clone()
                    } else {
                        -delta.clone()
                    }
                };
                // ∂ lse/∂t_k = softmax weight w_k / s.
                let p: [T; 3] = std::array::from_fn(|k| psi.clone() * w[k].clone() / s.clone());
                g[3] -= p[1].clone() * ln_n.clone();
                g[4] -= p[2].clone() * ln_d.clone();
                let [p0, p1, p2] = p;
                g[0] += p0;
                g[1] += p1;
                g[2] += p2;
            }
        }
    }
    (f, g)
}

/// The value and the analytic gradient of `objective` at `x`, given in the
/// objective's coordinates ([`Objective::to_coordinates`]: (E, A, B, α, β)
/// for `Rss`, (ln E, ln A, ln B, α, β) for the others).
///
/// ```text
/// Rss, RssLogParams:  f = Σ r²,        r = E + A N^−α + B D^−β − L
///                     ∇f = 2 Σ r ∇r,   ∇r = (1, N^−α, D^−β, −A ln N N^−α, −B ln D D^−β)
///                                      (log coordinates: (E, A N^−α, B D^−β, …))
/// LogLoss:            f = Σ s²,        s = logsumexp(t) − ln L,
///                                      t = (ln E, ln A − α ln N, ln B − β ln D)
///                     ∇f = 2 Σ s (w₀, w₁, w₂, −w₁ ln N, −w₂ ln D),  w = softmax(t)
/// HuberLog:           f = Σ H_δ(s),    ∇f = Σ ψ_δ(s) (w₀, w₁, w₂, −w₁ ln N, −w₂ ln D)
/// ```
///
/// # Derivation
/// proofs/08_approach3.md §8.2–8.4.
///
/// ```
/// use scaling_laws::fitters::approach3::{objective_value_and_gradient, Objective};
/// use scaling_laws::fitters::SurfaceData;
/// let d = SurfaceData::<f64>::new(&[1e8, 1e9, 1e10, 1e11], &[1e11, 1e10, 1e9, 1e8], &[3.0, 2.9, 2.95, 3.2]).unwrap();
/// let (f, g) = objective_value_and_gradient(&d, Objective::Rss, &[1.7, 400.0, 410.0, 0.34, 0.28]);
/// assert!(f.is_finite() && g.iter().all(|v| v.is_finite()));
/// ```
pub fn objective_value_and_gradient<T: RealField>(
    data: &SurfaceData<T>,
    objective: Objective,
    x: &[T; 5],
) -> (T, [T; 5]) {
    let ln_loss: Vec<T> = data.loss().iter().map(|l| l.clone().ln()).collect();
    evaluate(data, &ln_loss, objective, x, &mut Workspace::new())
}

/// The objective's resolution on these data: its value when every residual
/// equals an estimate of its own rounding error,
///
/// ```text
/// F = Σᵢ ℓ(ρᵢ),   ρᵢ = ε · (1 + |yᵢ|) · (3 + θ_max · (|ln Nᵢ| + |ln Dᵢ|))
/// ```
///
/// with ℓ the per-point loss (r² for the least-squares objectives, the Huber
/// function for `HuberLog`), yᵢ the datum the residual compares with (Lᵢ,
/// or ln Lᵢ for the log-loss objectives), θ_max the upper bound of α, β in
/// the objective's box and ε = 2⁻⁵². Below F a change of f is rounding, not
/// progress: [`Approach3Stop::Resolution`] stops there.
///
/// # Derivation
/// proofs/10 §10.5: near a fit the prediction is of the size of yᵢ (of 1 on
/// the log scale); its terms carry exponent arguments θ ln z rounded to
/// ε·|θ ln z|, which `exp` turns into relative errors of the same size, and
/// at most three further roundings enter each residual.
pub fn objective_resolution(data: &SurfaceData<f64>, objective: Objective) -> f64 {
    let (_, hi) = objective.bounds();
    let theta_max = hi[3].max(hi[4]);
    data.ln_n()
        .iter()
        .zip(data.ln_d())
        .zip(data.loss())
        .map(|((ln_n, ln_d), l)| {
            let y = match objective {
                Objective::Rss | Objective::RssLogParams => *l,
                Objective::LogLoss | Objective::HuberLog => l.ln(),
            };
            let rho =
                f64::EPSILON * (1.0 + y.abs()) * (3.0 + theta_max * (ln_n.abs() + ln_d.abs()));
            match objective {
                Objective::HuberLog => rho * rho / 2.0,
                _ => rho * rho,
            }
        })
        .sum()
}

/// The plain RSS on L, Σ (E + A N^−α + B D^−β − L)², at `p` = (E, A, B, α, β).
pub fn rss_at<T: RealField>(data: &SurfaceData<T>, p: &[T; 5]) -> T {
    data.ln_n().iter().zip(data.ln_d()).zip(data.loss()).fold(
        T::zero(),
        |acc, ((ln_n, ln_d), l)| {
            let r = p[0].clone()
                + p[1].clone() * (-p[3].clone() * ln_n.clone()).exp()
                + p[2].clone() * (-p[4].clone() * ln_d.clone()).exp()
                - l.clone();
            acc + r.clone() * r
        },
    )
}

/// Columns `c · exp(−θ ln z)` for every pair (c, θ), indexed `[ic][iθ]`.
fn scaled_columns(ln_z: &[f64], coefs: &[f64], thetas: &[f64]) -> Vec<Vec<Vec<f64>>> {
    coefs
        .iter()
        .map(|c| {
            thetas
                .iter()
                .map(|t| ln_z.iter().map(|l| c * (-t * l).exp()).collect())
                .collect()
        })
        .collect()
}

/// The default 4⁵ start, scored by RSS on L; returns (E, A, B, α, β).
///
/// For fixed (α, β) the RSS is a quadratic in (E, A, B):
/// Σ (E + A u + B v − L)² with u = N^−α, v = D^−β, so it is scored from
/// the ten sums of (1, u, v, L) products per (α, β) pair (16 passes over
/// the data instead of 1,024). Candidates are visited in the same order and
/// the first strict minimum wins, as in the direct scoring.
fn grid_start(data: &SurfaceData<f64>) -> [f64; 5] {
    let es = linspace(0.1, 5.0, 4);
    let coefs = [10.0, 100.0, 1000.0, 10000.0];
    let thetas = linspace(0.05, 0.95, 4);
    // z^−θ for the four θ, each row by one vector exp call.
    let powers = |ln_z: &[f64]| -> Vec<Vec<f64>> {
        thetas
            .iter()
            .map(|t| {
                let x: Vec<f64> = ln_z.iter().map(|l| -t * l).collect();
                let mut out = vec![0.0; x.len()];
                crate::numerics::vmath::exp_into(&x, &mut out);
                out
            })
            .collect()
    };
    let us = powers(data.ln_n());
    let vs = powers(data.ln_d());
    let loss = data.loss();
    let n = loss.len() as f64;
    let sl: f64 = loss.iter().sum();
    let sll: f64 = loss.iter().map(|l| l * l).sum();
    // [Σu, Σv, Σu², Σv², Σuv, ΣuL, ΣvL] per (jα, jβ).
    let mut sums = [[[0.0f64; 7]; 4]; 4];
    for (ja, u) in us.iter().enumerate() {
        for (jb, v) in vs.iter().enumerate() {
            let s = &mut sums[ja][jb];
            for ((ui, vi), li) in u.iter().zip(v).zip(loss) {
                s[0] += ui;
                s[1] += vi;
                s[2] += ui * ui;
                s[3] += vi * vi;
                s[4] += ui * vi;
                s[5] += ui * li;
                s[6] += vi * li;
            }
        }
    }
    let mut best = (
        f64::INFINITY,
        [es[0], coefs[0], coefs[0], thetas[0], thetas[0]],
    );
    for &e in &es {
        for a in &coefs {
            for b in &coefs {
                for (ja, alpha) in thetas.iter().enumerate() {
                    for (jb, beta) in thetas.iter().enumerate() {
                        let s = &sums[ja][jb];
                        let rss = n * e * e
                            + a * a * s[2]
                            + b * b * s[3]
                            + sll
                            + 2.0
                                * (e * a * s[0] + e * b * s[1] - e * sl + a * b * s[4]
                                    - a * s[5]
                                    - b * s[6]);
                        if rss < best.0 {
                            best = (rss, [e, *a, *b, *alpha, *beta]);
                        }
                    }
                }
            }
        }
    }
    best.1
}

/// The objective's term for one point from its prediction, given as L̂ for
/// the RSS objectives and as ln L̂ for the log objectives (grid scoring; the
/// log-sum-exp form is not needed there: L̂ is a sum of positive terms of
/// moderate size).
fn score(objective: Objective, pred: f64, l: f64, ln_l: f64) -> f64 {
    match objective {
        Objective::Rss | Objective::RssLogParams => (pred - l).powi(2),
        Objective::LogLoss => (pred - ln_l).powi(2),
        Objective::HuberLog => {
            let s = (pred - ln_l).abs();
            let d = huber_delta::<f64>();
            if s <= d {
                s * s / 2.0
            } else {
                d * (s - d / 2.0)
            }
        }
    }
}

/// The Chinchilla 4,500-point grid projected into the objective's box,
/// scored by the objective; returns coordinates.
fn chinchilla_grid_start(
    data: &SurfaceData<f64>,
    objective: Objective,
    ln_loss: &[f64],
) -> [f64; 5] {
    let (lo, hi) = objective.bounds();
    let clamp = |k: usize, v: f64| v.clamp(lo[k], hi[k]);
    let thetas = linspace(0.0, 2.0, 5);
    let ln_es = linspace(-1.0, 1.0, 5);
    let ln_cs = linspace(0.0, 25.0, 6);
    // Projected values along each axis, in coordinates and as physical values.
    let alphas: Vec<f64> = thetas.iter().map(|t| clamp(3, *t)).collect();
    let betas: Vec<f64> = thetas.iter().map(|t| clamp(4, *t)).collect();
    let to_phys = |k: usize, v: f64| -> (f64, f64) {
        if objective.log_params() {
            let x = clamp(k, v);
            (x, x.exp())
        } else {
            let p = clamp(k, v.exp());
            (p, p)
        }
    };
    let es: Vec<(f64, f64)> = ln_es.iter().map(|v| to_phys(0, *v)).collect();
    let as_: Vec<(f64, f64)> = ln_cs.iter().map(|v| to_phys(1, *v)).collect();
    let bs: Vec<(f64, f64)> = ln_cs.iter().map(|v| to_phys(2, *v)).collect();
    let a_phys: Vec<f64> = as_.iter().map(|p| p.1).collect();
    let b_phys: Vec<f64> = bs.iter().map(|p| p.1).collect();
    // Predictions of one grid point (their logs, in one vector call, for
    // the log objectives).
    let mut pred = vec![0.0; data.loss().len()];
    let log_scored = matches!(objective, Objective::LogLoss | Objective::HuberLog);
    let au = scaled_columns(data.ln_n(), &a_phys, &alphas);
    let bv = scaled_columns(data.ln_d(), &b_phys, &betas);
    let mut best = (
        f64::INFINITY,
        [es[0].0, as_[0].0, bs[0].0, alphas[0], betas[0]],
    );
    for (ja, alpha) in alphas.iter().enumerate() {
        for (jb, beta) in betas.iter().enumerate() {
            for e in &es {
                for (ia, a) in as_.iter().enumerate() {
                    for (ib, b) in bs.iter().enumerate() {
                        let (x, y) = (&au[ia][ja], &bv[ib][jb]);
                        for ((p, xi), yi) in pred.iter_mut().zip(x).zip(y) {
                            *p = e.1 + xi + yi;
                        }
                        if log_scored {
                            crate::numerics::vmath::ln_in_place(&mut pred);
                        }
                        let total = pred
                            .iter()
                            .zip(data.loss().iter().zip(ln_loss))
                            .fold(0.0, |s, (p, (l, ln_l))| s + score(objective, *p, *l, *ln_l));
                        if total < best.0 {
                            best = (total, [e.0, a.0, b.0, *alpha, *beta]);
                        }
                    }
                }
            }
        }
    }
    best.1
}

/// The reference's random start: each coordinate uniform on the
/// objective's box; returns coordinates.
fn random_start(objective: Objective, seed: u64) -> [f64; 5] {
    let (lo, hi) = objective.bounds();
    let mut rng = Rng::new(seed);
    std::array::from_fn(|k| rng.uniform_in(lo[k], hi[k]))
}

/// The log-uniform variant: (E, A, B, α, β) with E, A, B log-uniform.
fn random_log_uniform_start(seed: u64) -> [f64; 5] {
    let mut rng = Rng::new(seed);
    let mut p = [0.0; 5];
    for (k, v) in p.iter_mut().enumerate() {
        let (lo, hi) = (PARAM_LO[k], PARAM_HI[k]);
        *v = if k < 3 {
            rng.uniform_in(lo.ln(), hi.ln()).exp()
        } else {
            rng.uniform_in(lo, hi)
        };
    }
    p
}

/// A cached evaluation: the point, f and ∇f there.
type Evaluation = ([f64; 5], f64, [f64; 5]);

/// Whether coordinate `k` of `x` is on the box (see [`BOUND_TOLERANCE`]).
fn on_bound(objective: Objective, x: &[f64], lo: &[f64; 5], hi: &[f64; 5], k: usize) -> bool {
    if k < 3 && !objective.log_params() {
        x[k] <= lo[k] * (1.0 + BOUND_TOLERANCE) || x[k] >= hi[k] * (1.0 - BOUND_TOLERANCE)
    } else {
        x[k] - lo[k] <= BOUND_TOLERANCE || hi[k] - x[k] <= BOUND_TOLERANCE
    }
}

/// The start in the objective's coordinates, projected into its box, and
/// the objective there.
fn start_coordinates(
    data: &SurfaceData<f64>,
    params: &Approach3Params,
    ln_loss: &[f64],
) -> Result<([f64; 5], f64), FitError> {
    let objective = params.objective;
    let (lo, hi) = objective.bounds();
    let x0 = match params.start {
        Approach3Start::Grid if objective == Objective::HuberLog => {
            chinchilla_grid_start(data, objective, ln_loss)
        }
        Approach3Start::Grid => objective.to_coordinates(&grid_start(data)),
        Approach3Start::ChinchillaGrid => chinchilla_grid_start(data, objective, ln_loss),
        Approach3Start::Point(p) => objective.to_coordinates(&p),
        Approach3Start::Random(seed) => random_start(objective, seed),
        Approach3Start::RandomLogUniform(seed) => {
            objective.to_coordinates(&random_log_uniform_start(seed))
        }
    };
    let start_error = |value: f64| FitError::NonFiniteStart {
        objective: objective.name(),
        start: objective.from_coordinates(&x0),
        value,
    };
    if x0.iter().any(|v| !v.is_finite()) {
        return Err(start_error(f64::NAN));
    }
    let x0: [f64; 5] = std::array::from_fn(|k| x0[k].clamp(lo[k], hi[k]));
    let (f0, _) = evaluate(data, ln_loss, objective, &x0, &mut Workspace::new());
    if !f0.is_finite() {
        return Err(start_error(f0));
    }
    Ok((x0, f0))
}

/// The point (E, A, B, α, β) where [`fit_approach3`] starts L-BFGS-B with
/// these settings: the chosen start projected into the objective's box
/// (for the grid starts, the best grid point; for the experiments'
/// grid-start quality).
///
/// # Errors
/// As [`fit_approach3`]: [`FitError::NonFiniteStart`].
pub fn approach3_start(
    data: &SurfaceData<f64>,
    params: &Approach3Params,
) -> Result<[f64; 5], FitError> {
    let ln_loss: Vec<f64> = data.loss().iter().map(|l| l.ln()).collect();
    let (x0, _) = start_coordinates(data, params, &ln_loss)?;
    Ok(params.objective.from_coordinates(&x0))
}

/// Fit `L = E + A/N^α + B/D^β` by minimising `params.objective` with
/// L-BFGS-B from `params.start`.
///
/// Then, unless `params.global_stage` is [`GlobalStage::Off`], the
/// certificate: the objective at the end is compared with its best value
/// at the basins of the variable-projection profile on the same data
/// (proofs/18); above it beyond the objective's rounding
/// ([`certificate_tolerance`]), L-BFGS-B starts again from those basins,
/// best first ([`GlobalStage::Search`]), and the lowest end is kept. The
/// fit carries the comparison in [`SurfaceFit::certificate`].
///
/// The status is the optimizer's (`Converged`, `MaxIter`, `Abnormal`) at
/// the kept end, except that a converged solution with any coordinate on
/// its bound (α or β within 10⁻⁶; E, A or B within 10⁻⁶ relative) is
/// `BoundHit`, and a fit still above the profile's best is
/// [`FitStatus::LocalMinimum`] with a warning giving the gap. `iterations`
/// counts objective evaluations by the optimizer over every run
/// (finite-difference evaluations excluded); `rss` is the plain RSS on L at
/// the estimate, whatever the objective, so fitters compare.
///
/// # Errors
/// [`FitError::NonFiniteStart`] when the objective is not finite at the
/// start (a non-finite explicit start, or a non-positive coefficient for a
/// log-parametrised objective); [`FitError::ObjectiveOverflow`] when the
/// objective or its gradient overflows f64 at the start or during the
/// search (extreme data).
///
/// ```
/// use scaling_laws::fitters::approach3::{Approach3Params, Objective};
/// use scaling_laws::fitters::{fit_approach3, FitStatus, SurfaceData};
/// use scaling_laws::models::LossSurface;
/// use scaling_laws::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};
///
/// let s = LossSurface::<f64>::chinchilla();
/// let grid = IsoflopGrid::new(8f64.log10(), 15).unwrap();
/// let pts = sample_isoflops(&s, &default_budgets(), &grid, &SamplingBias::none()).unwrap();
/// let col = |f: fn(&_) -> f64| pts.iter().map(f).collect::<Vec<f64>>();
/// let data = SurfaceData::new(&col(|p| p.n), &col(|p| p.d), &col(|p| p.loss)).unwrap();
/// let params = Approach3Params { objective: Objective::LogLoss, ..Default::default() };
/// let fit = fit_approach3(&data, &params).unwrap();
/// assert_eq!(fit.status, FitStatus::Converged);
/// assert!((fit.alpha / 0.34 - 1.0).abs() < 1e-5);
/// ```
pub fn fit_approach3(
    data: &SurfaceData<f64>,
    params: &Approach3Params,
) -> Result<SurfaceFit<f64>, FitError> {
    let objective = params.objective;
    let (lo, hi) = objective.bounds();
    let ln_loss: Vec<f64> = data.loss().iter().map(|l| l.ln()).collect();
    let (x0, _) = start_coordinates(data, params, &ln_loss)?;
    let mut best = local_fit(data, params, &ln_loss, &x0)?;
    let mut evaluations = best.evaluations;
    let mut warnings = Vec::new();
    let mut certificate = None;
    if params.global_stage != GlobalStage::Off {
        let candidates = certificate::profile_candidates(
            data,
            &ln_loss,
            objective,
            &objective.from_coordinates(&best.x),
        );
        if let Some(&(_, profile_best)) = candidates.first() {
            let tolerance = certificate_tolerance(data, objective, profile_best);
            // Above the profile's best beyond rounding (NaN counts as
            // above); the same difference as `Certificate::gap` and
            // `Certificate::holds`, so that the two never disagree by the
            // rounding of a sum.
            let above = |f: f64| {
                !matches!(
                    (f - profile_best).partial_cmp(&tolerance),
                    Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                )
            };
            let mut global_stage = false;
            if above(best.value) && params.global_stage == GlobalStage::Search {
                global_stage = true;
                for (x, _) in &candidates {
                    // A restart that fails (an overflow on the way) leaves
                    // the best end so far.
                    if let Ok(end) = local_fit(data, params, &ln_loss, x) {
                        evaluations += end.evaluations;
                        if end.value < best.value {
                            best = end;
                        }
                    }
                    if !above(best.value) {
                        break;
                    }
                }
            }
            // A restart from the profile's minimum that ends certified but
            // without a further descent (a failed line search at the
            // rounding floor, or the iteration limit while creeping along
            // it) is at the minimum: the certificate is the convergence
            // test (proofs/18 §18.4).
            if global_stage
                && !above(best.value)
                && matches!(best.status, FitStatus::Abnormal | FitStatus::MaxIter)
            {
                best.status = if (0..5).any(|k| on_bound(objective, &best.x, &lo, &hi, k)) {
                    FitStatus::BoundHit
                } else {
                    FitStatus::Converged
                };
            }
            certificate = Some(Certificate {
                objective: objective.name(),
                value: best.value,
                profile_best,
                tolerance,
                gap: best.value - profile_best,
                global_stage,
            });
        } else {
            warnings.push(format!(
                "no certificate: the variable-projection profile of the {} objective could not \
                 be computed on these data (every basin's design is ill-conditioned)",
                objective.name()
            ));
        }
    }
    let p = objective.from_coordinates(&best.x);
    let mut fit = SurfaceFit::from_parameters(p, rss_at(data, &p), best.status, evaluations);
    fit.warnings.extend(warnings);
    if let Some(c) = &certificate {
        if !c.holds() && fit.status != FitStatus::NonFinite {
            fit.warnings.push(format!(
                "a local minimum: the {} objective ends at {:e}, above the best value {:e} of \
                 its variable-projection profile on these data by {:e} (rounding {:e}){}; this \
                 is not the global minimum",
                c.objective,
                c.value,
                c.profile_best,
                c.gap,
                c.tolerance,
                if c.global_stage {
                    ", also after starting again from the profile's best basins"
                } else {
                    ""
                }
            ));
            fit.status = FitStatus::LocalMinimum;
        }
    }
    fit.certificate = certificate;
    Ok(fit)
}

/// Where one L-BFGS-B run ended: the point (in the objective's
/// coordinates), the objective there, the status, and the evaluations.
#[derive(Debug, Clone, Copy)]
struct LocalEnd {
    x: [f64; 5],
    value: f64,
    status: FitStatus,
    evaluations: usize,
}

/// One L-BFGS-B run of `params.objective` from `x0` (coordinates, inside
/// the box).
fn local_fit(
    data: &SurfaceData<f64>,
    params: &Approach3Params,
    ln_loss: &[f64],
    x0: &[f64; 5],
) -> Result<LocalEnd, FitError> {
    let objective = params.objective;
    let (lo, hi) = objective.bounds();
    // L-BFGS-B asks for f and ∇f at the same points: evaluate both once.
    let cache: RefCell<Option<Evaluation>> = RefCell::new(None);
    let work = RefCell::new(Workspace::new());
    let eval = |x: &[f64]| -> (f64, [f64; 5]) {
        let x: [f64; 5] = std::array::from_fn(|k| x[k]);
        if let Some((cx, f, g)) = *cache.borrow() {
            if cx == x {
                return (f, g);
            }
        }
        let (f, g) = evaluate(data, ln_loss, objective, &x, &mut work.borrow_mut());
        *cache.borrow_mut() = Some((x, f, g));
        (f, g)
    };
    let mut f = |x: &[f64]| eval(x).0;
    let mut grad = |x: &[f64], g: &mut [f64]| g.copy_from_slice(&eval(x).1);
    let out = minimize_lbfgsb_into(
        &mut f,
        &mut grad,
        x0,
        &lo,
        &hi,
        params.gradient,
        &LbfgsbSettings {
            stop: match (params.stop, params.gradient) {
                (Approach3Stop::Resolution, GradientSource::Analytic) => StopRule::Resolution {
                    floor: objective_resolution(data, objective),
                },
                _ => StopRule::Scipy,
            },
            ..params.lbfgsb
        },
    )
    // The start, the data and the bounds are finite (checked above), so an
    // error here is a value or gradient that overflowed, at the start or at
    // the last point evaluated.
    .map_err(|e| {
        let last = cache
            .borrow()
            .map(|(x, _, _)| objective.from_coordinates(&x));
        FitError::from_lbfgsb(
            e,
            objective.name(),
            objective.log_params(),
            objective.from_coordinates(x0),
            last,
        )
    })?;
    let mut status = match out.end {
        LbfgsbEnd::Converged => FitStatus::Converged,
        LbfgsbEnd::MaxIter => FitStatus::MaxIter,
        LbfgsbEnd::Abnormal => FitStatus::Abnormal,
    };
    if status == FitStatus::Converged && (0..5).any(|k| on_bound(objective, &out.x, &lo, &hi, k)) {
        status = FitStatus::BoundHit;
    }
    let x: [f64; 5] = std::array::from_fn(|k| out.x[k]);
    let (value, _) = evaluate(data, ln_loss, objective, &x, &mut Workspace::new());
    Ok(LocalEnd {
        x,
        value,
        status,
        evaluations: out.evaluations,
    })
}
