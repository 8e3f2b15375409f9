//! The command line: parses arguments, calls the library, writes files.
//! The only layer that touches arguments and the file system.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use serde_json::json;
use thiserror::Error;

use crate::analysis::{predict_approach2, vertex_shift_offset, AnalysisError, InterceptErrors};
use crate::experiments::{exp5, exp6, exp7, exp8, ExperimentError, ExperimentFiles};
use crate::fitters::approach3::{Approach3Start, Objective};
use crate::fitters::grid5::Grid5Params;
use crate::fitters::{
    fit_approach2, Approach2Error, Approach2Fit, FitError, SurfaceData, SurfaceMethod,
};
use crate::io::{create_dir, read_positive_columns, write_atomic, DataError, IoError};
use crate::models::{LossSurface, ModelError, Preset};
use crate::plots::{write_figure, PlotError};
use crate::sampling::IsoflopPoint;
use crate::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias, SamplingError};

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
    /// An experiment failed.
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    /// A file could not be written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A data file is malformed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A surface fit failed.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
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
}

#[derive(Debug, Args)]
struct FitArgs {
    /// The method: vpnls (five-parameter surface by variable projection),
    /// approach3 (direct five-parameter fit), grid (plain 5-D grid search) or
    /// approach2 (IsoFLOP parabolas; needs the budget column).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["vpnls", "approach3", "approach2", "grid"]))]
    method: String,
    /// Approach 3's objective: rss, rss-log-params, log-loss or huber-log
    /// (the Chinchilla paper's Huber loss on log L, started from its grid).
    #[arg(long, default_value = "rss", value_parser = clap::builder::PossibleValuesParser::new(["rss", "rss-log-params", "log-loss", "huber-log"]))]
    objective: String,
    /// The CSV file (with a header line).
    #[arg(long)]
    data: PathBuf,
    /// Column of model sizes N.
    #[arg(long, default_value = "params")]
    n_col: String,
    /// Column of token counts D.
    #[arg(long, default_value = "tokens")]
    d_col: String,
    /// Column of losses L.
    #[arg(long, default_value = "loss")]
    loss_col: String,
    /// Column of compute budgets C (Approach 2 only).
    #[arg(long, default_value = "budget")]
    budget_col: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct VertexShiftArgs {
    /// α, the model-size exponent.
    #[arg(long, allow_hyphen_values = true)]
    alpha: f64,
    /// β, the data exponent.
    #[arg(long, allow_hyphen_values = true)]
    beta: f64,
    /// W, the grid half-width in decades (±16× is W = log10 16 ≈ 1.204).
    #[arg(long, allow_hyphen_values = true)]
    width: f64,
    /// Points per IsoFLOP curve.
    #[arg(long, default_value_t = 15)]
    points: usize,
    /// Grid centre offset from the true optimum, in decades.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    offset: f64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct SurfaceArgs {
    /// A named surface: chinchilla, symmetric, balanced, ratio_1.5, ratio_2,
    /// asymmetric, ratio_9 (default chinchilla).
    #[arg(long, conflicts_with_all = ["alpha", "beta", "a_coef", "b_coef", "e"])]
    surface: Option<String>,
    /// α (with --beta, --a-coef, --b-coef, --e instead of --surface).
    #[arg(long, allow_hyphen_values = true)]
    alpha: Option<f64>,
    /// β.
    #[arg(long, allow_hyphen_values = true)]
    beta: Option<f64>,
    /// A.
    #[arg(long, allow_hyphen_values = true)]
    a_coef: Option<f64>,
    /// B.
    #[arg(long, allow_hyphen_values = true)]
    b_coef: Option<f64>,
    /// E.
    #[arg(long, allow_hyphen_values = true)]
    e: Option<f64>,
}

impl SurfaceArgs {
    fn surface(&self) -> Result<LossSurface<f64>, CliError> {
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

#[derive(Debug, Args)]
struct Approach2Args {
    #[command(flatten)]
    surface: SurfaceArgs,
    /// W, the grid half-width in decades.
    #[arg(long, allow_hyphen_values = true)]
    width: f64,
    /// Points per IsoFLOP curve.
    #[arg(long, default_value_t = 15)]
    points: usize,
    /// Compute budgets in FLOPs, comma separated (default 1e17,1e18,1e19,1e20,1e21).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    budgets: Option<Vec<f64>>,
    /// Drift rate: decades toward smaller N at the largest budget.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    drift: f64,
    /// Centre scale: grids centred at N*/scale.
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    scale: f64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ExperimentArgs {
    /// The experiment number (5, 6, 7, 8) or `all`.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(["5", "6", "7", "8", "all"]))]
    number: String,
    /// Output directory (created if absent).
    #[arg(long, default_value = "out")]
    out: PathBuf,
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
    }
}

fn vertex_shift_cmd(a: &VertexShiftArgs) -> Result<String, CliError> {
    let grid = IsoflopGrid::new(a.width, a.points)?;
    let dw = vertex_shift_offset(&a.alpha, &a.beta, &grid, &a.offset)?;
    let e = InterceptErrors::from_shift(&dw);
    if a.json {
        Ok(json!({"delta_w": dw, "n_intercept_error": e.n, "d_intercept_error": e.d}).to_string())
    } else {
        Ok(format!(
            "vertex shift δw = {dw:.10e} decades (α = {}, β = {}, W = {}, n = {}, offset = {})\n\
             N* prefactor error 10^δw − 1  = {:+.6e}\n\
             D* prefactor error 10^−δw − 1 = {:+.6e}",
            a.alpha, a.beta, a.width, a.points, a.offset, e.n, e.d
        ))
    }
}

fn law_json(n: (f64, f64), d: (f64, f64)) -> serde_json::Value {
    json!({"a": n.0, "b": d.0, "a_intercept": n.1, "b_intercept": d.1})
}

fn approach2_cmd(a: &Approach2Args) -> Result<String, CliError> {
    let surface = a.surface.surface()?;
    let grid = IsoflopGrid::new(a.width, a.points)?;
    let budgets = a.budgets.clone().unwrap_or_else(default_budgets);
    let bias = SamplingBias::new(a.drift, a.scale)?;
    let points = sample_isoflops(&surface, &budgets, &grid, &bias)?;
    let fit: Approach2Fit<f64> = fit_approach2(&points)?;
    let pred = predict_approach2(&surface, &budgets, &grid, &bias)?;
    let fitted = law_json(
        (fit.n_law.exponent, fit.n_law.intercept),
        (fit.d_law.exponent, fit.d_law.intercept),
    );
    let truth = law_json(
        (surface.exponent_a(), surface.a0()),
        (surface.exponent_b(), surface.b0()),
    );
    let predicted = law_json(
        (pred.n_law.exponent, pred.n_law.intercept),
        (pred.d_law.exponent, pred.d_law.intercept),
    );
    if a.json {
        let mut obj = fitted;
        obj["true"] = truth;
        obj["predicted"] = predicted;
        return Ok(obj.to_string());
    }
    let row = |name: &str, v: &serde_json::Value| {
        format!(
            "{name:<10} {:>20.15} {:>20.15} {:>20.15} {:>20.15}",
            v["a"].as_f64().unwrap_or(f64::NAN),
            v["a_intercept"].as_f64().unwrap_or(f64::NAN),
            v["b"].as_f64().unwrap_or(f64::NAN),
            v["b_intercept"].as_f64().unwrap_or(f64::NAN)
        )
    };
    Ok(format!(
        "Approach 2 on {} budgets × {} points, W = {}, drift {}, scale {}\n\
         {:<10} {:>20} {:>20} {:>20} {:>20}\n{}\n{}\n{}",
        budgets.len(),
        a.points,
        a.width,
        a.drift,
        a.scale,
        "",
        "a",
        "a_intercept",
        "b",
        "b_intercept",
        row("fitted", &fitted),
        row("predicted", &predicted),
        row("true", &truth)
    ))
}

fn experiment_cmd(a: &ExperimentArgs) -> Result<String, CliError> {
    create_dir(&a.out)?;
    let numbers: Vec<&str> = match a.number.as_str() {
        "all" => EXPERIMENTS.to_vec(),
        one => vec![one],
    };
    let mut out = String::new();
    for n in numbers {
        let start = std::time::Instant::now();
        let files = match n {
            "5" => exp5::run_exp5(&exp5::Exp5Config::default())?.files(),
            "6" => exp6::run_exp6(&exp6::Exp6Config::default())?.files(),
            "7" => exp7::run_exp7(&exp7::Exp7Config::default())?.files(),
            "8" => exp8::run_exp8(&exp8::Exp8Config::default())?.files(),
            other => {
                return Err(CliError::Usage(format!(
                    "experiment {other} is not available (available: {}, all)",
                    EXPERIMENTS.join(", ")
                )))
            }
        };
        let dir = a.out.join(format!("exp{n}"));
        let written = write_experiment(&dir, &files)?;
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&files.report);
        for f in written {
            out.push_str(&format!("wrote {}\n", f.display()));
        }
        out.push_str(&format!(
            "experiment {n} ran in {:.2} s\n",
            start.elapsed().as_secs_f64()
        ));
    }
    Ok(out.trim_end().to_string())
}

/// The experiments `experiment all` runs, in order.
const EXPERIMENTS: [&str; 4] = ["5", "6", "7", "8"];

/// Write an experiment's tables, figures and report under `dir`, each file
/// atomically; returns the paths written.
fn write_experiment(dir: &Path, files: &ExperimentFiles) -> Result<Vec<PathBuf>, CliError> {
    create_dir(dir)?;
    let mut written = Vec::new();
    for (stem, table) in &files.tables {
        let path = dir.join(format!("{stem}.csv"));
        table.write_csv(&path)?;
        written.push(path);
    }
    for (stem, fig) in &files.figures {
        written.extend(write_figure(fig, &dir.join(stem))?);
    }
    let report = dir.join("report.txt");
    write_atomic(&report, files.report.as_bytes())?;
    written.push(report);
    Ok(written)
}

fn fit_cmd(a: &FitArgs) -> Result<String, CliError> {
    if a.method == "approach2" {
        let cols = read_positive_columns(
            &a.data,
            &[
                a.n_col.as_str(),
                a.d_col.as_str(),
                a.loss_col.as_str(),
                a.budget_col.as_str(),
            ],
        )?;
        let points: Vec<IsoflopPoint<f64>> = (0..cols[0].len())
            .map(|i| IsoflopPoint {
                n: cols[0][i],
                d: cols[1][i],
                loss: cols[2][i],
                budget: cols[3][i],
            })
            .collect();
        let fit = fit_approach2(&points)?;
        let v = law_json(
            (fit.n_law.exponent, fit.n_law.intercept),
            (fit.d_law.exponent, fit.d_law.intercept),
        );
        return Ok(if a.json {
            v.to_string()
        } else {
            format!(
                "Approach 2 on {} points, {} budgets\nN* = 10^{:.6} · C^{:.6}\nD* = 10^{:.6} · C^{:.6}",
                points.len(),
                fit.vertices.len(),
                fit.n_law.intercept,
                fit.n_law.exponent,
                fit.d_law.intercept,
                fit.d_law.exponent
            )
        });
    }
    let cols = read_positive_columns(
        &a.data,
        &[a.n_col.as_str(), a.d_col.as_str(), a.loss_col.as_str()],
    )?;
    let data = SurfaceData::new(&cols[0], &cols[1], &cols[2])?;
    let method = match a.method.as_str() {
        "approach3" => {
            let objective = Objective::from_name(&a.objective)
                .ok_or_else(|| CliError::Usage(format!("unknown objective '{}'", a.objective)))?;
            let start = if objective == Objective::HuberLog {
                Approach3Start::ChinchillaGrid
            } else {
                Approach3Start::Grid
            };
            SurfaceMethod::approach3(objective, start)
        }
        "grid" => SurfaceMethod::Grid5(Grid5Params::default()),
        _ => SurfaceMethod::vpnls(),
    };
    let f = method.fit(&data)?;
    if a.json {
        return Ok(json!({
            "E": f.e, "A": f.a, "B": f.b, "alpha": f.alpha, "beta": f.beta,
            "rss": f.rss, "status": f.status.as_str(), "iterations": f.iterations
        })
        .to_string());
    }
    Ok(format!(
        "{} on {} points: status {}, {} iterations, RSS {:.3e}\n\
         L(N, D) = {:.6} + {:.6}/N^{:.6} + {:.6}/D^{:.6}",
        method.label(),
        data.len(),
        f.status.as_str(),
        f.iterations,
        f.rss,
        f.e,
        f.a,
        f.alpha,
        f.b,
        f.beta
    ))
}
