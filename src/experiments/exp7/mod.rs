//! Experiment 7 — exponent inference: how many points per IsoFLOP curve each
//! method needs to recover the allocation exponents a = β/(α+β) and
//! b = α/(α+β), without noise and with it. The spec is
//! `specs/experiment-7.md`.

use crate::fitters::approach3::{Approach3Start, Objective};
use crate::fitters::{fit_approach2, FitError, FitStatus, SurfaceData, SurfaceMethod};
use crate::models::Preset;
use crate::sampling::IsoflopPoint;

mod figures;
mod report;
mod run;
mod tables;

pub use run::{run_exp7, run_exp7_with};

/// A method of Experiment 7: Approach 2 or a surface fitter.
#[derive(Debug, Clone, PartialEq)]
pub enum ExponentMethod {
    /// IsoFLOP parabolas and power laws through their vertices.
    Approach2,
    /// A surface fit; a and b from its α and β.
    Surface(SurfaceMethod),
}

impl ExponentMethod {
    /// Label for tables and legends.
    pub fn label(&self) -> String {
        match self {
            Self::Approach2 => "approach2".into(),
            Self::Surface(m) => m.label(),
        }
    }

    /// Estimate (a, b) from points (`data`: the same points prepared once
    /// for every surface fitter of a data set: their logs are computed once,
    /// not once per method); `failed` when the method fails or, for surface
    /// fits, the status with the estimate.
    fn exponents(
        &self,
        points: &[IsoflopPoint<f64>],
        data: &Result<SurfaceData<f64>, FitError>,
    ) -> Estimate {
        match self {
            Self::Approach2 => match fit_approach2(points) {
                Ok(f) => Estimate {
                    a: f.n_law.exponent,
                    b: f.d_law.exponent,
                    status: FitStatus::Converged.as_str(),
                },
                Err(_) => Estimate::failed(),
            },
            Self::Surface(m) => match data.as_ref().map_err(Clone::clone).and_then(|d| m.fit(d)) {
                Ok(f) => {
                    let s = f.alpha + f.beta;
                    Estimate {
                        a: f.beta / s,
                        b: f.alpha / s,
                        status: f.status.as_str(),
                    }
                }
                Err(_) => Estimate::failed(),
            },
        }
    }
}

struct Estimate {
    a: f64,
    b: f64,
    status: &'static str,
}

impl Estimate {
    fn failed() -> Self {
        Self {
            a: f64::NAN,
            b: f64::NAN,
            status: "failed",
        }
    }
}

/// The noisy extension's sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisyConfig {
    /// Standard deviations of the Gaussian noise added to L.
    pub sigmas: Vec<f64>,
    /// Numbers of budgets (log-spaced over `budget_range`).
    pub budget_counts: Vec<usize>,
    /// Points per IsoFLOP curve.
    pub points: Vec<usize>,
    /// Grid half-width W (decades).
    pub half_width: f64,
    /// Repeats per cell.
    pub repeats: usize,
    /// Seed of the whole sweep.
    pub seed: u64,
    /// Methods.
    pub methods: Vec<ExponentMethod>,
}

/// What Experiment 7 sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp7Config {
    /// The surface (asymmetric: α/β = 3).
    pub surface: Preset,
    /// Drift rate of the sampling centres (decades at the largest budget).
    pub drift_rate: f64,
    /// log10 of the smallest and largest budget.
    pub budget_range: (f64, f64),
    /// Budgets of the noise-free sweep.
    pub budget_count: usize,
    /// Points per curve of the noise-free sweep.
    pub points: Vec<usize>,
    /// Named grid widths (label, W) of the noise-free sweep.
    pub widths: Vec<(&'static str, f64)>,
    /// Methods of the noise-free sweep.
    pub methods: Vec<ExponentMethod>,
    /// The noisy extension (None: skip it).
    pub noisy: Option<NoisyConfig>,
}

impl Default for Exp7Config {
    /// Asymmetric surface, drift log10 3, 5 budgets 1e17 … 1e21, 3 … 50
    /// points, ±2×/±16×/±100×; Approach 2, Approach 3 (RSS, grid start) and
    /// VPNLS. Noisy: σ ∈ {0.05, 0.1, 0.2}, 2/3/4 budgets, 4/8/16/32 points,
    /// ±8×, 256 repeats, seed 7; Approach 2, Approach 3 (RSS) from a random
    /// start drawn as the reference draws it (uniform on the box) and from
    /// the log-uniform variant, Approach 3 from the grid (RSS and log-loss),
    /// VPNLS.
    fn default() -> Self {
        Self {
            surface: Preset::Asymmetric,
            drift_rate: 3f64.log10(),
            budget_range: (17.0, 21.0),
            budget_count: 5,
            points: (3..=50).collect(),
            widths: vec![
                ("narrow ±2×", 2f64.log10()),
                ("medium ±16×", 16f64.log10()),
                ("wide ±100×", 2.0),
            ],
            methods: vec![
                ExponentMethod::Approach2,
                ExponentMethod::Surface(SurfaceMethod::approach3(
                    Objective::Rss,
                    Approach3Start::Grid,
                )),
                ExponentMethod::Surface(SurfaceMethod::vpnls()),
            ],
            noisy: Some(NoisyConfig {
                sigmas: vec![0.05, 0.1, 0.2],
                budget_counts: vec![2, 3, 4],
                points: vec![4, 8, 16, 32],
                half_width: 8f64.log10(),
                repeats: 256,
                seed: 7,
                methods: vec![
                    ExponentMethod::Approach2,
                    ExponentMethod::Surface(SurfaceMethod::approach3(
                        Objective::Rss,
                        Approach3Start::Random(0),
                    )),
                    ExponentMethod::Surface(SurfaceMethod::approach3(
                        Objective::Rss,
                        Approach3Start::RandomLogUniform(0),
                    )),
                    ExponentMethod::Surface(SurfaceMethod::approach3(
                        Objective::Rss,
                        Approach3Start::Grid,
                    )),
                    ExponentMethod::Surface(SurfaceMethod::approach3(
                        Objective::LogLoss,
                        Approach3Start::Grid,
                    )),
                    ExponentMethod::Surface(SurfaceMethod::vpnls()),
                ],
            }),
        }
    }
}

/// One noise-free fit.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanRow {
    /// Grid label.
    pub width_label: &'static str,
    /// Points per IsoFLOP curve.
    pub points: usize,
    /// Method label.
    pub method: String,
    /// Status word.
    pub status: &'static str,
    /// |â/a − 1|.
    pub error_a: f64,
    /// |b̂/b − 1|.
    pub error_b: f64,
}

/// A noisy cell summarised over its repeats.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisySummary {
    /// σ.
    pub sigma: f64,
    /// Number of budgets.
    pub budgets: usize,
    /// Points per curve.
    pub points: usize,
    /// Method label.
    pub method: String,
    /// Repeats run.
    pub repeats: usize,
    /// Geometric mean of |â/a − 1| over the fits that produced an estimate.
    pub geomean_error_a: f64,
    /// Max of |â/a − 1| over the same fits.
    pub max_error_a: f64,
    /// Geometric mean of |b̂/b − 1|.
    pub geomean_error_b: f64,
    /// Max of |b̂/b − 1|.
    pub max_error_b: f64,
    /// Counts of `converged`, `max_iter`, `abnormal`, `bound_hit`, `failed`.
    pub counts: [usize; STATUS_WORDS.len()],
    /// |â/a − 1| of every repeat, in repeat order (NaN for a failed fit).
    pub errors_a: Vec<f64>,
    /// |b̂/b − 1| of every repeat (NaN for a failed fit).
    pub errors_b: Vec<f64>,
}

/// One method's noisy errors pooled over every σ, number of budgets, points
/// per curve and repeat, a and b together (the reference's method
/// comparison).
#[derive(Debug, Clone, PartialEq)]
pub struct PooledErrors {
    /// Method label.
    pub method: String,
    /// Fits run.
    pub fits: usize,
    /// Every |relative error| of a, then of b (NaN for failed fits).
    pub errors: Vec<f64>,
    /// Largest |relative error| of a.
    pub max_a: f64,
    /// Largest |relative error| of b.
    pub max_b: f64,
    /// Counts of each status word ([`STATUS_WORDS`]).
    pub counts: [usize; STATUS_WORDS.len()],
}

impl PooledErrors {
    /// The finite errors, largest first.
    pub fn sorted_desc(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self
            .errors
            .iter()
            .copied()
            .filter(|e| e.is_finite())
            .collect();
        v.sort_by(|a, b| b.total_cmp(a));
        v
    }
}

/// The status words counted in [`NoisySummary::counts`], in order.
pub const STATUS_WORDS: [&str; 7] = [
    "converged",
    "max_iter",
    "abnormal",
    "bound_hit",
    "local_minimum",
    "not_identifiable",
    "failed",
];

/// Experiment 7's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp7Output {
    /// The configuration run.
    pub config: Exp7Config,
    /// Noise-free fits.
    pub clean: Vec<CleanRow>,
    /// Noisy summaries.
    pub noisy: Vec<NoisySummary>,
}
