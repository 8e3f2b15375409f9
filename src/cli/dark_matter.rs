//! `scaling-laws dark-matter`: one power law or two, per metric, on a file
//! of training runs; writes a folder of figures and tables.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Value};

use super::progress::Reporter;
use super::CliError;
use crate::fitters::power_law::{PowerLawFit, DEFAULT_SEED};
use crate::io::published::{locate, CHINCHILLA_RUNS};
use crate::io::runs::{read_runs, RunColumns};
use crate::io::{
    check_out_dir, create_dir, prepare_out_dir, remove_stale_temps, sweep_folder_swaps,
    write_atomic,
};
use crate::models::power_law::PowerLawForm;
use crate::plots::write_figure_or_skip;
use crate::studies::dark_matter::figures::{report_files, report_text};
use crate::studies::dark_matter::seed::{seed_figures, seed_tables};
use crate::studies::dark_matter::{
    analyse_dark_matter_with, CvScheme, DarkMatterInput, DarkMatterParams, DarkMatterReport,
    Metric, MetricColumn,
};

#[derive(Debug, Args)]
pub(crate) struct DarkMatterArgs {
    /// The CSV file of runs (with a header line; default: Epoch AI's
    /// Chinchilla runs, chinchilla/svg_extracted_data.csv in the folder
    /// named by SCALING_LAWS_DATA).
    #[arg(long)]
    pub(crate) data: Option<PathBuf>,
    /// Output folder: created, or an existing folder reused (its other
    /// files are left alone); each file is written atomically.
    #[arg(long, default_value = "out/dark-matter")]
    pub(crate) out: PathBuf,
    /// Seed of the cross-validation folds and the bootstrap (the fits' restarts
    /// keep their own fixed seed: the seed never changes the fitted laws).
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
    #[arg(long, default_value_t = 200, value_parser = super::replicates)]
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
    // What earlier versions left beside the folder, then the output policy,
    // before any work.
    sweep_folder_swaps(&a.out);
    check_out_dir(&a.out)?;
    let columns = RunColumns {
        size: a.size_col.clone(),
        flops: a.flops_col.clone(),
        tokens: a.tokens_col.clone(),
        loss: a.loss_col.clone(),
    };
    let data = locate(a.data.as_deref(), &CHINCHILLA_RUNS, "dark-matter", "--data")?;
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
    let report = analyse_dark_matter_with(&input, &params, &Reporter::stderr())
        .map_err(|e| CliError::Usage(format!("{}: {e}", data.display())))?;
    check_finite(&report).map_err(|e| CliError::Usage(format!("{}: {e}", data.display())))?;
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

/// Write every table and figure into `out` (checked at the start, created
/// here by [`prepare_out_dir`]), each file atomically; a figure that cannot be
/// drawn is skipped with a warning. Returns the number of files written.
fn write_report(out: &Path, r: &DarkMatterReport) -> Result<usize, CliError> {
    prepare_out_dir(out)?;
    let files = report_files(r);
    let mut count = 0;
    let subdir = |path: &Path| -> Result<(), CliError> {
        if let Some(d) = path.parent() {
            create_dir(d)?;
            remove_stale_temps(d);
        }
        Ok(())
    };
    for (rel, table) in &files.tables {
        let path = out.join(rel);
        subdir(&path)?;
        table.write_csv(&path)?;
        count += 1;
    }
    let mut drawn = Vec::new();
    for (rel, fig) in &files.figures {
        let stem = out.join(rel);
        subdir(&stem)?;
        drawn.extend(write_figure_or_skip(fig, &stem)?);
    }
    count += drawn.len();
    // The original program's layout beside ours: its tables, and our
    // figures' PNGs under its names (a figure that was skipped is skipped).
    for (rel, table) in seed_tables(r) {
        let path = out.join(rel);
        subdir(&path)?;
        table.write_csv(&path)?;
        count += 1;
    }
    for (ours, theirs) in seed_figures(r) {
        let ours = out.join(ours);
        // Only a PNG drawn by this run (not one an earlier run left).
        if !drawn.contains(&ours) {
            continue;
        }
        let bytes = std::fs::read(&ours).map_err(|source| crate::io::IoError::Os {
            path: ours.clone(),
            source,
        })?;
        let path = out.join(theirs);
        subdir(&path)?;
        write_atomic(&path, &bytes)?;
        count += 1;
    }
    write_atomic(&out.join("report.txt"), report_text(r).as_bytes())?;
    write_atomic(
        &out.join("report.json"),
        serde_json::to_string_pretty(&report_json(r))
            .unwrap_or_default()
            .as_bytes(),
    )?;
    Ok(count + 2)
}

/// Exit 0 only with finite numbers: a metric whose fits or statistics are
/// not finite (all sizes so large, or all budgets so small, that a power
/// overflows or underflows f64) would print `null` beside a confident
/// preference; it is refused instead, naming the metric, the quantities and
/// the scale option that brings the data into range.
fn check_finite(r: &DarkMatterReport) -> Result<(), String> {
    for m in &r.metrics {
        let law = |f: &PowerLawFit, tag: &str| -> Vec<(String, f64)> {
            let mut v = vec![(format!("E ({tag})"), f.law.e)];
            for (k, t) in f.law.terms.iter().enumerate() {
                v.push((format!("C{} ({tag})", k + 1), t.c));
                v.push((format!("alpha{} ({tag})", k + 1), t.alpha));
            }
            v
        };
        let (a, b) = (&m.single_stats, &m.two_term_stats);
        let mut all = law(&m.single, "single");
        all.extend(law(&m.two_term, "two-term"));
        all.extend([
            ("rmse_single".into(), a.rmse),
            ("rmse_two_term".into(), b.rmse),
            ("mae_single".into(), a.mae),
            ("mae_two_term".into(), b.mae),
            ("aic.single".into(), a.ic.aic),
            ("aic.two_term".into(), b.ic.aic),
            ("bic.single".into(), a.ic.bic),
            ("bic.two_term".into(), b.ic.bic),
        ]);
        let bad: Vec<String> = all
            .iter()
            .filter(|(_, v)| !v.is_finite())
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        if !bad.is_empty() {
            let flag = match m.metric {
                Metric::Size => "--size-scale",
                Metric::Flops => "--flops-scale",
                Metric::Tokens => "--tokens-scale",
            };
            return Err(format!(
                "metric {}: not computable in f64: {} (the losses, or x divided by the normalisation factor {:e}, are too large or too small for f64 in the fits' sums and powers); rescale the losses, choose a {flag} near the data's typical value, or leave the metric out with --metrics",
                m.metric.name(),
                bad.join(", "),
                m.scale
            ));
        }
    }
    Ok(())
}

fn law_json(f: &PowerLawFit) -> Value {
    let t = &f.law.terms;
    let mut v = match f.form {
        PowerLawForm::Single => json!({"C": t[0].c, "alpha": t[0].alpha, "E": f.law.e,
            "status": f.status.as_str(), "hessian_rcond": finite(f.hessian_rcond)}),
        PowerLawForm::TwoTerm => json!({"C1": t[0].c, "alpha1": t[0].alpha,
            "C2": t[1].c, "alpha2": t[1].alpha, "E": f.law.e,
            "status": f.status.as_str(), "hessian_rcond": finite(f.hessian_rcond)}),
    };
    // The certificate (proofs/12 §12.10): the fit against the best basin of
    // the variable-projection profile scored by the objective.
    v["certificate"] = match &f.certificate {
        Some(c) => super::law_json::certificate_json(c, finite),
        None => json!("not_computable: the variable-projection profile is nowhere finite"),
    };
    v["warnings"] = json!(f.warnings);
    v
}

/// JSON has no NaN: a non-finite value is a string `"not_computable: …"`.
fn finite(v: f64) -> Value {
    super::num_or(v, "not finite in f64")
}

/// The report as one JSON object (keys in specs/dark-matter.md).
pub(crate) fn report_json(r: &DarkMatterReport) -> Value {
    let mut obj = serde_json::Map::new();
    for m in &r.metrics {
        let (a, b) = (&m.single_stats, &m.two_term_stats);
        let cv = |scheme: CvScheme| {
            m.cv.iter()
                .find(|c| c.scheme == scheme)
                .map_or(json!("not_computable: a fold's fit failed (a training fold with too few distinct x, or its fit did not converge)"), |c| {
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
