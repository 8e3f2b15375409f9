//! `scaling-laws dark-matter`: one power law or two, per metric, on a file
//! of training runs; writes a folder of figures and tables.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Value};

use super::CliError;
use crate::fitters::power_law::{PowerLawFit, DEFAULT_SEED};
use crate::io::published::{locate, CHINCHILLA_RUNS};
use crate::io::runs::{read_runs, RunColumns};
use crate::io::{create_dir, write_atomic};
use crate::models::power_law::PowerLawForm;
use crate::plots::write_figure;
use crate::studies::dark_matter::figures::{report_files, report_text};
use crate::studies::dark_matter::{
    analyse_dark_matter, CvScheme, DarkMatterInput, DarkMatterParams, DarkMatterReport, Metric,
    MetricColumn,
};

#[derive(Debug, Args)]
pub(crate) struct DarkMatterArgs {
    /// The CSV file of runs (with a header line; default: Epoch AI's
    /// Chinchilla runs, chinchilla/svg_extracted_data.csv in the folder
    /// named by SCALING_LAWS_DATA).
    #[arg(long)]
    pub(crate) data: Option<PathBuf>,
    /// Output directory (replaced as a whole when the analysis succeeds).
    #[arg(long, default_value = "out/dark-matter")]
    pub(crate) out: PathBuf,
    /// Seed of the restarts, the folds and the bootstrap.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub(crate) seed: u64,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
    /// The metrics to analyse, comma separated: size, flops, tokens.
    #[arg(long, default_value = "size,flops,tokens", value_delimiter = ',')]
    pub(crate) metrics: Vec<String>,
    /// Column of model sizes N.
    #[arg(long, default_value = "Model Size")]
    pub(crate) size_col: String,
    /// Column of training compute C.
    #[arg(long, default_value = "Training FLOP")]
    pub(crate) flops_col: String,
    /// Column of training tokens D (default: D = C/(6N)).
    #[arg(long)]
    pub(crate) tokens_col: Option<String>,
    /// Column of final losses.
    #[arg(long, default_value = "loss")]
    pub(crate) loss_col: String,
    /// Normalisation factor of model size.
    #[arg(long, default_value_t = 1e9)]
    pub(crate) size_scale: f64,
    /// Normalisation factor of compute.
    #[arg(long, default_value_t = 1e18)]
    pub(crate) flops_scale: f64,
    /// Normalisation factor of tokens.
    #[arg(long, default_value_t = 1e9)]
    pub(crate) tokens_scale: f64,
    /// Folds of each cross-validation scheme.
    #[arg(long, default_value_t = 5)]
    pub(crate) folds: usize,
    /// Bootstrap replicates of the RMSE improvement (0: none).
    #[arg(long, default_value_t = 200)]
    pub(crate) bootstrap: usize,
}

pub(crate) fn dark_matter_cmd(a: &DarkMatterArgs) -> Result<String, CliError> {
    let mut metrics = Vec::new();
    for name in &a.metrics {
        let m = Metric::from_name(name.trim()).ok_or_else(|| {
            CliError::Usage(format!(
                "--metrics: unknown metric '{name}' (known: size, flops, tokens)"
            ))
        })?;
        if !metrics.contains(&m) {
            metrics.push(m);
        }
    }
    for (flag, v) in [
        ("--size-scale", a.size_scale),
        ("--flops-scale", a.flops_scale),
        ("--tokens-scale", a.tokens_scale),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(CliError::Usage(format!(
                "{flag} must be positive and finite, got {v}"
            )));
        }
    }
    if a.folds < 2 {
        return Err(CliError::Usage(format!(
            "--folds must be at least 2, got {}",
            a.folds
        )));
    }
    let columns = RunColumns {
        size: a.size_col.clone(),
        flops: a.flops_col.clone(),
        tokens: a.tokens_col.clone(),
        loss: a.loss_col.clone(),
    };
    let data = locate(a.data.as_deref(), CHINCHILLA_RUNS, "dark-matter", "--data")?;
    let runs = read_runs(&data, &columns, PowerLawForm::TwoTerm.parameters())?;
    let input = DarkMatterInput {
        loss: runs.loss.clone(),
        group: runs.size.clone(),
        metrics: metrics
            .iter()
            .map(|&m| {
                let (x, scale) = match m {
                    Metric::Size => (&runs.size, a.size_scale),
                    Metric::Flops => (&runs.flops, a.flops_scale),
                    Metric::Tokens => (&runs.tokens, a.tokens_scale),
                };
                MetricColumn {
                    metric: m,
                    x: x.clone(),
                    scale,
                }
            })
            .collect(),
    };
    let params = DarkMatterParams {
        folds: a.folds,
        bootstrap: a.bootstrap,
        ..DarkMatterParams::default()
    }
    .with_seed(a.seed);
    let report = analyse_dark_matter(&input, &params)
        .map_err(|e| CliError::Usage(format!("{}: {e}", data.display())))?;
    let written = write_report(&a.out, &report)?;
    if a.json {
        return Ok(report_json(&report).to_string());
    }
    let mut out = report_text(&report);
    out.push_str(&format!(
        "wrote {} files under {}",
        written,
        a.out.display()
    ));
    Ok(out)
}

/// Write every table and figure into a fresh directory beside `out`, then
/// move it into place (replacing an earlier `out`), so a failure never
/// leaves a half-written folder. Returns the number of files written.
fn write_report(out: &Path, r: &DarkMatterReport) -> Result<usize, CliError> {
    let files = report_files(r);
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dark-matter".into());
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    let sibling = |tag: &str| {
        let n = format!(".{name}.{tag}-{}", std::process::id());
        parent.map_or_else(|| PathBuf::from(&n), |p| p.join(&n))
    };
    if let Some(p) = parent {
        create_dir(p)?;
    }
    let tmp = sibling("tmp");
    let result = (|| -> Result<usize, CliError> {
        let _ = std::fs::remove_dir_all(&tmp);
        create_dir(&tmp)?;
        let mut count = 0;
        for (rel, table) in &files.tables {
            let path = tmp.join(rel);
            if let Some(d) = path.parent() {
                create_dir(d)?;
            }
            table.write_csv(&path)?;
            count += 1;
        }
        for (rel, fig) in &files.figures {
            let stem = tmp.join(rel);
            if let Some(d) = stem.parent() {
                create_dir(d)?;
            }
            count += write_figure(fig, &stem)?.len();
        }
        write_atomic(&tmp.join("report.txt"), report_text(r).as_bytes())?;
        write_atomic(
            &tmp.join("report.json"),
            serde_json::to_string_pretty(&report_json(r))
                .unwrap_or_default()
                .as_bytes(),
        )?;
        count += 2;
        let old = sibling("old");
        let replaced = out.exists();
        if replaced {
            std::fs::rename(out, &old).map_err(|source| crate::io::IoError::Os {
                path: out.to_path_buf(),
                source,
            })?;
        }
        if let Err(source) = std::fs::rename(&tmp, out) {
            if replaced {
                let _ = std::fs::rename(&old, out);
            }
            return Err(crate::io::IoError::Os {
                path: out.to_path_buf(),
                source,
            }
            .into());
        }
        if replaced {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(count)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn law_json(f: &PowerLawFit) -> Value {
    let t = &f.law.terms;
    match f.form {
        PowerLawForm::Single => json!({"C": t[0].c, "alpha": t[0].alpha, "E": f.law.e,
            "status": f.status.as_str(), "hessian_rcond": finite(f.hessian_rcond)}),
        PowerLawForm::TwoTerm => json!({"C1": t[0].c, "alpha1": t[0].alpha,
            "C2": t[1].c, "alpha2": t[1].alpha, "E": f.law.e,
            "status": f.status.as_str(), "hessian_rcond": finite(f.hessian_rcond)}),
    }
}

/// JSON has no NaN: a non-finite value is null.
fn finite(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// The report as one JSON object (keys in specs/dark-matter.md).
pub(crate) fn report_json(r: &DarkMatterReport) -> Value {
    let mut obj = serde_json::Map::new();
    for m in &r.metrics {
        let (a, b) = (&m.single_stats, &m.two_term_stats);
        let cv = |scheme: CvScheme| {
            m.cv.iter()
                .find(|c| c.scheme == scheme)
                .map_or(Value::Null, |c| {
                    json!({"single": c.single, "two_term": c.two_term,
                       "improvement_pct": c.improvement_pct(), "folds": c.folds,
                       "worst_abs_error": {"single": c.worst_single.0, "single_x": finite(c.worst_single.1),
                                           "two_term": c.worst_two_term.0, "two_term_x": finite(c.worst_two_term.1)}})
                })
        };
        let h = &m.honest;
        obj.insert(
            m.metric.name().into(),
            json!({
                "normalization_factor": m.scale,
                "n": m.n,
                "single": law_json(&m.single),
                "two_term": law_json(&m.two_term),
                "rmse_single": a.rmse,
                "rmse_two_term": b.rmse,
                "rmse_improvement_pct": m.rmse_improvement_pct,
                "mae_single": a.mae,
                "mae_two_term": b.mae,
                "mae_improvement_pct": m.mae_improvement_pct,
                "objective_single": a.objective,
                "objective_two_term": b.objective,
                "objective_improvement_pct": m.objective_improvement_pct,
                "verdict": m.verdict.as_str(),
                "aic": {"single": a.ic.aic, "two_term": b.ic.aic, "preference": h.aic.as_str()},
                "aicc": {"single": finite(a.ic.aicc), "two_term": finite(b.ic.aicc), "preference": h.aicc.as_str()},
                "bic": {"single": a.ic.bic, "two_term": b.ic.bic, "preference": h.bic.as_str()},
                "cv_rmse": {"by_model_size": cv(CvScheme::ByModelSize), "random": cv(CvScheme::Random)},
                "rmse_improvement_ci": m.rmse_improvement_ci.map_or(Value::Null, |(c, reps)| {
                    json!({"level": r.params.level, "lo": c[0], "hi": c[1], "replicates": reps})
                }),
                "honest_verdict": h.overall,
            }),
        );
    }
    obj.insert("best_metric".into(), json!(r.best_metric.name()));
    obj.insert(
        "consistency".into(),
        json!({"level": r.consistency.level, "alpha1_range": r.consistency.alpha1_range,
               "alpha2_range": r.consistency.alpha2_range}),
    );
    obj.insert("seed".into(), json!(r.params.seed));
    Value::Object(obj)
}
