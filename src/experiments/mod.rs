//! Experiments: sweeps that return typed rows, a report, and figure data.
//! They touch no files and no arguments; the command line writes their output.

use thiserror::Error;

use crate::analysis::AnalysisError;
use crate::fitters::{Approach2Error, FitError, FitStatus, SurfaceFit};
use crate::io::Table;
use crate::models::{LossSurface, ModelError};
use crate::plots::Figure;
use crate::sampling::SamplingError;

pub mod design_check;
pub mod exp1;
pub mod exp10;
pub mod exp13;
pub mod exp14;
pub mod exp2;
pub mod exp3;
pub mod exp4;
pub mod exp5;
pub mod exp6;
pub mod exp7;
pub mod exp8;
pub mod exp9;
pub mod sweep;

/// An experiment could not run, with the cause.
#[derive(Debug, Error)]
pub enum ExperimentError {
    /// A surface was invalid.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Sampling failed.
    #[error(transparent)]
    Sampling(#[from] SamplingError),
    /// A closed form failed.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// Approach 2 failed.
    #[error(transparent)]
    Approach2(#[from] Approach2Error),
    /// A surface fit failed where the experiment cannot go on without it.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// An experiment asked the shared Approach 2 sweep for a cell it does not hold.
    #[error(
        "the Approach 2 sweep has no cell for surface {surface}, bias {bias}, W = {half_width}"
    )]
    MissingCell {
        /// The surface name.
        surface: &'static str,
        /// The bias name.
        bias: &'static str,
        /// The grid half-width.
        half_width: f64,
    },
    /// An allocation cost could not be computed.
    #[error(transparent)]
    AllocationCost(#[from] crate::analysis::allocation_cost::AllocationCostError),
    /// A design's expected error could not be computed.
    #[error(transparent)]
    Design(#[from] crate::analysis::design::DesignError),
    /// The precision ladder (VPNLS and Approach 2 at several precisions) failed.
    #[error(transparent)]
    Ladder(#[from] crate::fitters::vpnls::PrecisionLadderError),
}

pub use crate::numerics::linspace;

/// `count` values evenly spaced in log10 from `10^lo` to `10^hi`, both ends included.
pub fn logspace(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    linspace(lo, hi, count)
        .into_iter()
        .map(|x| 10f64.powf(x))
        .collect()
}

/// Smallest |relative error| drawn on a log axis or entered in a geometric
/// mean (an exact 0 would be a gap, or send the mean to 0): below f64's
/// resolution of a relative error (ε ≈ 2.2e-16).
pub const ERROR_FLOOR: f64 = 1e-17;

/// The five parameter names in the order of [`relative_errors`].
pub const PARAMETERS: [&str; 5] = ["E", "A", "B", "alpha", "beta"];

/// Relative errors `(fitted − true)/true` of (E, A, B, α, β).
pub fn relative_errors(truth: &LossSurface<f64>, fit: &SurfaceFit<f64>) -> [f64; 5] {
    [
        fit.e / truth.e() - 1.0,
        fit.a / truth.a() - 1.0,
        fit.b / truth.b() - 1.0,
        fit.alpha / truth.alpha() - 1.0,
        fit.beta / truth.beta() - 1.0,
    ]
}

/// A fit's outcome for a table: the status word, or `failed` for a hard error.
pub fn status_word(fit: &Result<SurfaceFit<f64>, FitError>) -> &'static str {
    match fit {
        Ok(f) => f.status.as_str(),
        Err(_) => "failed",
    }
}

/// True if the fit ran and reported `Converged`.
pub fn converged(fit: &Result<SurfaceFit<f64>, FitError>) -> bool {
    matches!(fit, Ok(f) if f.status == FitStatus::Converged)
}

/// A grey dashed line at `floor` across `x`, named in the legend: the
/// level [`floored`] errors are drawn at.
pub fn floor_line(floor: f64, x: (f64, f64)) -> crate::plots::Series {
    crate::plots::Series::line(
        format!("floor {floor:.0e}: an error at or below it is drawn here"),
        vec![(x.0, floor), (x.1, floor)],
        crate::plots::palette::REFERENCE,
    )
    .dashed()
}

/// Relative errors below this are floating-point rounding (a fit of exact
/// data recovers the parameters to about 1e-15): drawn as 0.
pub const ROUNDING: f64 = 1e-12;

/// `v`, or 0 when |v| < [`ROUNDING`].
pub fn rounding_to_zero(v: f64) -> f64 {
    if v.abs() < ROUNDING {
        0.0
    } else {
        v
    }
}

/// `|x|`, raised to `floor` (so an exact fit shows on a log axis; drawn with
/// [`floor_line`], not as a dip), NaN for a non-finite `x`.
pub fn floored(x: f64, floor: f64) -> f64 {
    if x.is_finite() {
        x.abs().max(floor)
    } else {
        f64::NAN
    }
}

/// What an experiment hands to the command line to write: CSV tables and
/// figures by file stem, and a text report.
#[derive(Debug, Clone)]
pub struct ExperimentFiles {
    /// `(stem, table)`: written as `stem.csv`.
    pub tables: Vec<(String, Table)>,
    /// `(stem, figure)`: drawn as `stem.png` and `stem.svg`.
    pub figures: Vec<(String, Figure)>,
    /// The report, written as `report.txt` and printed.
    pub report: String,
}

/// The logarithms of the finite values, each floored at `floor` first.
fn floored_logs(values: &[f64], floor: f64) -> Vec<f64> {
    values
        .iter()
        .filter(|x| x.is_finite())
        .map(|x| x.max(floor).ln())
        .collect()
}

/// The geometric mean of the finite values, each floored at `floor` first
/// (an exact zero would send the mean to zero); NaN when none is finite.
pub fn geometric_mean(values: &[f64], floor: f64) -> f64 {
    let logs = floored_logs(values, floor);
    if logs.is_empty() {
        return f64::NAN;
    }
    (logs.iter().sum::<f64>() / logs.len() as f64).exp()
}

/// The interval of a geometric mean over repeats: exp(m ∓ 2·s/√n), where m
/// and s are the mean and sample standard deviation of the n finite values'
/// logarithms (each value floored at `floor` first, as in
/// [`geometric_mean`]): ±2 standard errors of the mean log error. (NaN, NaN)
/// with fewer than 2 finite values.
pub fn geometric_mean_band(values: &[f64], floor: f64) -> (f64, f64) {
    let logs = floored_logs(values, floor);
    let n = logs.len();
    if n < 2 {
        return (f64::NAN, f64::NAN);
    }
    let nf = n as f64;
    let m = logs.iter().sum::<f64>() / nf;
    let s = (logs.iter().map(|l| (l - m).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt();
    let half = 2.0 * s / nf.sqrt();
    ((m - half).exp(), (m + half).exp())
}
