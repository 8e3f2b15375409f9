//! The command line: parses arguments, calls the library, writes files.
//! The only layer that touches arguments and the file system.

//!
//! One file per command: `fit`, `vertex_shift`, `approach2`, `experiment`.
//! This file holds what they share: the error type, the argument tree and
//! the dispatch.

mod approach2;
mod approach2_corrected;
mod audit;
mod columns;
mod dark_matter;
mod design;
mod experiment;
mod fit;
mod hitchhiker;
mod index_html;
mod isoflops;
mod law_json;
mod predict;
mod progress;
mod vertex_shift;

use clap::{Args, Parser, Subcommand};
use serde_json::json;
use thiserror::Error;

use crate::analysis::AnalysisError;
use crate::experiments::ExperimentError;
use crate::fitters::approach2_corrected::CorrectedError;
use crate::fitters::{Approach2Error, FitError};
use crate::io::{DataError, IoError};
use crate::models::{LossSurface, ModelError, Preset};
use crate::plots::PlotError;
use crate::sampling::SamplingError;

use approach2::{approach2_cmd, Approach2Args};
use audit::{audit_cmd, AuditArgs};
use dark_matter::{dark_matter_cmd, DarkMatterArgs};
use design::{design_cmd, DesignArgs};
use experiment::{experiment_cmd, ExperimentArgs};
use fit::{fit_cmd, FitArgs};
use hitchhiker::{hitchhiker_cmd, HitchhikerArgs};
use isoflops::{isoflops_cmd, IsoflopsArgs};
use predict::{predict_cmd, PredictArgs};
use vertex_shift::{vertex_shift_cmd, VertexShiftArgs};

/// Everything the command line can report as a failure.
#[derive(Debug, Error)]
pub enum CliError {
    /// Bad surface parameters.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Bad sampling arguments.
    #[error(transparent)]
    Sampling(#[from] SamplingError),
    /// Bad closed-form arguments.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// Approach 2 failed.
    #[error(transparent)]
    Approach2(#[from] Approach2Error),
    /// The corrected Approach 2 failed.
    #[error(transparent)]
    Corrected(#[from] CorrectedError),
    /// An experiment failed.
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    /// A file could not be written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A data file is malformed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Published data (not shipped) were not found.
    #[error(transparent)]
    Published(#[from] crate::io::published::MissingPublished),
    /// A surface fit failed.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// A simulated IsoFLOP grid leaves f64's range: the arguments that place
    /// it are named.
    #[error("budget C = {budget:e}: the grid placed by --width {width:?}, --drift {drift:?}, --scale {scale:?} reaches {field} = {value:?}, outside f64's positive finite range; use a smaller --drift, --scale or --width")]
    GridOutOfRange {
        /// The budget.
        budget: f64,
        /// `N`, `D` or `L`.
        field: &'static str,
        /// The value reached.
        value: f64,
        /// `--width`.
        width: f64,
        /// `--drift`.
        drift: f64,
        /// `--scale`.
        scale: f64,
    },
    /// An IsoFLOP file is malformed.
    #[error(transparent)]
    IsoflopFile(#[from] crate::io::isoflops::IsoflopFileError),
    /// A study of published IsoFLOP data failed.
    #[error(transparent)]
    Study(#[from] crate::studies::isoflops::StudyError),
    /// A runs file that cannot be analysed.
    #[error(transparent)]
    Runs(#[from] crate::io::runs::RunsError),
    /// Training logs or a registry could not be read.
    #[error(transparent)]
    Curves(#[from] crate::io::training_curves::CurveError),
    /// A sweep design whose expected error cannot be computed.
    #[error(transparent)]
    Design(#[from] crate::analysis::design::DesignError),
    /// Arguments that parse but do not fit together.
    #[error("{0}")]
    Usage(String),
}

/// Fit and analyse neural scaling laws L(N, D) = E + A/N^α + B/D^β.
#[derive(Debug, Parser)]
#[command(name = "scaling-laws", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The Approach 2 vertex shift δw in closed form, and the prefactor errors
    /// it implies.
    VertexShift(VertexShiftArgs),
    /// Simulate noise-free IsoFLOP data, fit Approach 2, and compare with the
    /// truth and the closed-form prediction.
    Approach2(Approach2Args),
    /// Run an experiment and write its CSV, figures and report to --out.
    Experiment(ExperimentArgs),
    /// Fit a scaling law to loss measurements in a CSV file.
    Fit(FitArgs),
    /// Published IsoFLOP studies: fits with bootstrap intervals, and the
    /// subcommands qc, cost, residuals, reproduce.
    Isoflops(IsoflopsArgs),
    /// One power law or two ("dark matter") per metric on a file of
    /// training runs: the published analysis and an honest comparison.
    DarkMatter(DarkMatterArgs),
    /// Fit L(N, D) = e^E + e^A·N^α + e^B·D^β through per-size training
    /// curves (the "Hitchhiker" fit), from a dataset registry or files.
    Hitchhiker(HitchhikerArgs),
    /// Predict the loss at given (N, D) from a fit, with intervals for the
    /// mean and for a new run, and the extrapolation distance.
    Predict(PredictArgs),
    /// Extrapolation audit: leave each group (budget) out, refit, score
    /// the held-out losses; every method side by side.
    Audit(AuditArgs),
    /// Rank IsoFLOP sweep designs by the expected error of ln N*(target)
    /// for each method (proofs/19), or suggest the next runs (--data).
    Design(Box<DesignArgs>),
}

#[derive(Debug, Args)]
pub(crate) struct SurfaceArgs {
    /// A named surface: chinchilla, symmetric, balanced, ratio_1.5, ratio_2,
    /// asymmetric, ratio_9 (default chinchilla).
    #[arg(long, conflicts_with_all = ["alpha", "beta", "a_coef", "b_coef", "e"])]
    pub(crate) surface: Option<String>,
    /// α (with --beta, --a-coef, --b-coef, --e instead of --surface).
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) alpha: Option<f64>,
    /// β.
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) beta: Option<f64>,
    /// A.
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) a_coef: Option<f64>,
    /// B.
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) b_coef: Option<f64>,
    /// E.
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) e: Option<f64>,
}

impl SurfaceArgs {
    pub(crate) fn surface(&self) -> Result<LossSurface<f64>, CliError> {
        if let Some(name) = &self.surface {
            return Ok(LossSurface::preset(Preset::from_name(name)?));
        }
        let given = [
            ("--alpha", self.alpha),
            ("--beta", self.beta),
            ("--a-coef", self.a_coef),
            ("--b-coef", self.b_coef),
            ("--e", self.e),
        ];
        if given.iter().all(|(_, v)| v.is_none()) {
            return Ok(LossSurface::chinchilla());
        }
        let missing: Vec<&str> = given
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        match (self.e, self.a_coef, self.b_coef, self.alpha, self.beta) {
            (Some(e), Some(a), Some(b), Some(al), Some(be)) => {
                Ok(LossSurface::new(e, a, b, al, be)?)
            }
            _ => Err(CliError::Usage(format!(
                "an explicit surface needs all of --alpha --beta --a-coef --b-coef --e; missing {}",
                missing.join(" ")
            ))),
        }
    }
}

/// Parse the process arguments and run; returns the text to print.
///
/// # Errors
/// A [`CliError`] whose message names the offending value.
pub fn run(cli: Cli) -> Result<String, CliError> {
    match cli.command {
        Command::VertexShift(a) => vertex_shift_cmd(&a),
        Command::Approach2(a) => approach2_cmd(&a),
        Command::Experiment(a) => experiment_cmd(&a),
        Command::Fit(a) => fit_cmd(&a),
        Command::Isoflops(a) => isoflops_cmd(&a),
        Command::DarkMatter(a) => dark_matter_cmd(&a),
        Command::Hitchhiker(a) => hitchhiker_cmd(&a),
        Command::Predict(a) => predict_cmd(&a),
        Command::Audit(a) => audit_cmd(&a),
        Command::Design(a) => design_cmd(&a),
    }
}

/// Parse a command-line number as a finite f64, refusing text that
/// overflows (`1e400` would otherwise become `inf` and be echoed as such)
/// or spells a non-finite value.
pub(crate) fn finite_f64(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else if v.is_nan() || text.to_ascii_lowercase().contains("inf") {
        Err(format!("'{text}' is not a finite number"))
    } else {
        Err(format!(
            "'{text}' overflows f64 (the largest finite value is {:e})",
            f64::MAX
        ))
    }
}

/// Parse `--bootstrap`: a count of replicates up to
/// [`MAX_REPLICATES`](crate::analysis::bootstrap::MAX_REPLICATES), refused
/// beyond it before anything is allocated.
pub(crate) fn replicates(text: &str) -> Result<usize, String> {
    use crate::analysis::bootstrap::MAX_REPLICATES;
    let n: u128 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a count of replicates (0, 1, 2, …)"))?;
    if n > MAX_REPLICATES as u128 {
        return Err(format!(
            "{n} replicates is more than the limit of {MAX_REPLICATES} (each is kept in memory until the intervals are read)"
        ));
    }
    Ok(n as usize)
}

/// A JSON number, or when `x` is not finite a string naming why it is not
/// computable (`"not_computable: …"`): never the `null` serde writes for NaN.
pub(crate) fn num_or(x: f64, why: &str) -> serde_json::Value {
    if x.is_finite() {
        json!(x)
    } else {
        json!(format!("not_computable: {why} (value {x})"))
    }
}

pub(crate) fn law_json(n: (f64, f64), d: (f64, f64)) -> serde_json::Value {
    json!({"a": n.0, "b": d.0, "a_intercept": n.1, "b_intercept": d.1})
}
