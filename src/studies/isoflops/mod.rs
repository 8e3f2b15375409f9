//! Published IsoFLOP studies (issue 12): quality control, fits with
//! bootstrap intervals, what Approach 2 costs, residuals and FLOP factors,
//! and reproductions of published fits.
//!
//! The data come as [`IsoflopRow`]s (`io::isoflops`); everything here is a
//! computation on them and touches no file.

use thiserror::Error;

use crate::fitters::{Approach2Error, FitError};
use crate::io::isoflops::IsoflopRow;
use crate::models::ModelError;
use crate::sampling::IsoflopPoint;

pub mod cost;
pub mod fits;
pub mod qc;
pub mod reproductions;
pub mod residuals;

pub use qc::{run_qc, QcConfig, QcPoint, Reason};

/// A study could not be computed, with the evidence.
#[derive(Debug, Error)]
pub enum StudyError {
    /// An experiment asked for is not in the data.
    #[error("no experiment named '{name}' in the data (available: {available})")]
    UnknownExperiment {
        /// The name asked for.
        name: String,
        /// The experiments present, comma separated.
        available: String,
    },
    /// An experiment has no points left (after excluding outliers).
    #[error("experiment '{0}' has no points")]
    NoPoints(String),
    /// Approach 2 failed on an experiment.
    #[error("experiment '{experiment}': Approach 2: {source}")]
    Approach2 {
        /// The experiment.
        experiment: String,
        /// The cause.
        source: Approach2Error,
    },
    /// A surface fit failed on an experiment.
    #[error("experiment '{experiment}': {method}: {source}")]
    Fit {
        /// The experiment.
        experiment: String,
        /// The method.
        method: String,
        /// The cause.
        source: FitError,
    },
    /// A fitted surface is not a valid surface (a coefficient at 0).
    #[error("experiment '{experiment}': {method}: {source}")]
    Model {
        /// The experiment.
        experiment: String,
        /// The method.
        method: String,
        /// The cause.
        source: ModelError,
    },
    /// A setting outside its domain.
    #[error("{name} must be {must}, got {value}")]
    BadSetting {
        /// The setting.
        name: &'static str,
        /// What it must be.
        must: &'static str,
        /// Its value.
        value: f64,
    },
    /// The allocation cost of an experiment's Approach 2 fit failed.
    #[error("experiment '{experiment}': allocation cost: {source}")]
    AllocationCost {
        /// The experiment.
        experiment: String,
        /// The cause.
        source: crate::analysis::allocation_cost::AllocationCostError,
    },
    /// The cost simulation failed at one step (not expected on valid surfaces).
    #[error("cost simulation, {what}: {message}")]
    Simulation {
        /// The step.
        what: &'static str,
        /// The cause.
        message: String,
    },
    /// The FLOP factor fit of a budget has κ ≤ 0: the surface cannot explain
    /// that budget's data term.
    #[error("experiment '{experiment}', budget {budget:e}: FLOP factor κ = {kappa} ≤ 0")]
    NonPositiveKappa {
        /// The experiment.
        experiment: String,
        /// The budget.
        budget: f64,
        /// The fitted κ.
        kappa: f64,
    },
}

/// One experiment's points: (N, D, L, C) per measurement, and the QC reason
/// of each.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// The experiment's name.
    pub name: String,
    /// The measurements, in file order.
    pub points: Vec<IsoflopPoint<f64>>,
    /// The reason of each point (from the file's flags, or recomputed).
    pub reasons: Vec<Reason>,
}

impl Experiment {
    /// The points not flagged as outliers.
    pub fn clean_points(&self) -> Vec<IsoflopPoint<f64>> {
        self.points_without(|r| r.is_outlier())
    }

    /// The points whose reason is not excluded by `drop`.
    pub fn points_without(&self, drop: impl Fn(Reason) -> bool) -> Vec<IsoflopPoint<f64>> {
        self.points
            .iter()
            .zip(&self.reasons)
            .filter(|(_, r)| !drop(**r))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The distinct budgets, increasing.
    pub fn budgets(points: &[IsoflopPoint<f64>]) -> Vec<f64> {
        let mut b: Vec<f64> = points.iter().map(|p| p.budget).collect();
        b.sort_by(f64::total_cmp);
        b.dedup();
        b
    }
}

/// The experiment names in order of first appearance.
pub fn experiment_names(rows: &[IsoflopRow]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in rows {
        if !names.contains(&r.experiment) {
            names.push(r.experiment.clone());
        }
    }
    names
}

/// Rerun QC on every experiment: the rows with `outlier`/`reason`
/// recomputed (the published thresholds per experiment).
pub fn recompute_flags(rows: &[IsoflopRow]) -> Vec<IsoflopRow> {
    let mut out = rows.to_vec();
    for name in experiment_names(rows) {
        let idx: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].experiment == name)
            .collect();
        let pts: Vec<QcPoint> = idx
            .iter()
            .map(|&i| QcPoint {
                params: rows[i].params,
                tokens: rows[i].tokens,
                budget: rows[i].budget,
                loss: rows[i].loss,
            })
            .collect();
        let reasons = run_qc(&pts, &QcConfig::for_experiment(&name));
        for (k, &i) in idx.iter().enumerate() {
            out[i].outlier = Some(reasons[k].is_outlier());
            out[i].reason = Some(reasons[k].as_str().to_string());
        }
    }
    out
}

/// The experiments of `rows` (all, or the ones named, in that order), with
/// reasons from the file's `reason` column when every row has a known one,
/// else recomputed by QC.
///
/// # Errors
/// [`StudyError::UnknownExperiment`] for a name not in the data.
pub fn experiments(rows: &[IsoflopRow], names: &[String]) -> Result<Vec<Experiment>, StudyError> {
    let all = experiment_names(rows);
    let wanted: Vec<String> = if names.is_empty() {
        all.clone()
    } else {
        for n in names {
            if !all.contains(n) {
                return Err(StudyError::UnknownExperiment {
                    name: n.clone(),
                    available: all.join(", "),
                });
            }
        }
        names.to_vec()
    };
    let have_flags = rows
        .iter()
        .all(|r| r.reason.as_deref().and_then(Reason::from_name).is_some());
    let rows = if have_flags {
        rows.to_vec()
    } else {
        recompute_flags(rows)
    };
    Ok(wanted
        .into_iter()
        .map(|name| {
            let mine: Vec<&IsoflopRow> = rows.iter().filter(|r| r.experiment == name).collect();
            Experiment {
                points: mine
                    .iter()
                    .map(|r| IsoflopPoint {
                        n: r.params,
                        d: r.tokens,
                        loss: r.loss,
                        budget: r.budget,
                    })
                    .collect(),
                reasons: mine
                    .iter()
                    .map(|r| {
                        r.reason
                            .as_deref()
                            .and_then(Reason::from_name)
                            .unwrap_or(Reason::None)
                    })
                    .collect(),
                name,
            }
        })
        .collect())
}

/// What a study hands to the command line: CSV tables and figures by file
/// stem, and a text report (the shape of `experiments::ExperimentFiles`).
#[derive(Debug, Clone, Default)]
pub struct StudyFiles {
    /// `(stem, table)`: written as `stem.csv`.
    pub tables: Vec<(String, crate::io::Table)>,
    /// `(stem, figure)`: drawn as `stem.png` and `stem.svg`.
    pub figures: Vec<(String, crate::plots::Figure)>,
    /// The report.
    pub report: String,
}

/// A surface fit as a [`LossSurface`], or the error naming the experiment
/// and method when a coefficient is not positive.
pub(crate) fn fitted_surface(
    f: &crate::fitters::SurfaceFit<f64>,
    experiment: &str,
    method: &str,
) -> Result<crate::models::LossSurface<f64>, StudyError> {
    crate::models::LossSurface::new(f.e, f.a, f.b, f.alpha, f.beta).map_err(|source| {
        StudyError::Model {
            experiment: experiment.to_string(),
            method: method.to_string(),
            source,
        }
    })
}
