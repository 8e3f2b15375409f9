//! Experiments: sweeps that return typed rows, a report, and figure data.
//! They touch no files and no arguments; the command line writes their output.

use thiserror::Error;

use crate::analysis::AnalysisError;
use crate::fitters::{Approach2Error, FitError, FitStatus, SurfaceData, SurfaceFit};
use crate::io::Table;
use crate::models::{LossSurface, ModelError};
use crate::plots::Figure;
use crate::sampling::{IsoflopPoint, SamplingError};

pub mod exp5;
pub mod exp6;
pub mod exp7;
pub mod exp8;

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
    /// The precision ladder (VPNLS and Approach 2 at several precisions) failed.
    #[error(transparent)]
    Ladder(#[from] crate::fitters::vpnls::PrecisionLadderError),
}

/// `count` values evenly spaced on `[lo, hi]`, both ends included.
pub fn linspace(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    match count {
        0 => Vec::new(),
        1 => vec![lo],
        _ => (0..count)
            .map(|i| lo + (hi - lo) * i as f64 / (count - 1) as f64)
            .collect(),
    }
}

/// `count` values evenly spaced in log10 from `10^lo` to `10^hi`, both ends included.
pub fn logspace(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    linspace(lo, hi, count)
        .into_iter()
        .map(|x| 10f64.powf(x))
        .collect()
}

/// IsoFLOP points as surface-fitting data (N, D, L; the budget is dropped).
///
/// # Errors
/// [`FitError`] for fewer than 4 points, a non-positive value, or a single
/// distinct N or D.
pub fn surface_data(points: &[IsoflopPoint<f64>]) -> Result<SurfaceData<f64>, FitError> {
    let n: Vec<f64> = points.iter().map(|p| p.n).collect();
    let d: Vec<f64> = points.iter().map(|p| p.d).collect();
    let l: Vec<f64> = points.iter().map(|p| p.loss).collect();
    SurfaceData::new(&n, &d, &l)
}

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

/// |x| floored at `floor` for a log axis (an exact zero would be a gap).
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
