//! Experiments: sweeps that return typed rows, a report, and figure data.
//! They touch no files and no arguments; the command line writes their output.

use thiserror::Error;

use crate::analysis::AnalysisError;
use crate::fitters::Approach2Error;
use crate::models::ModelError;
use crate::sampling::SamplingError;

pub mod exp6;

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
