//! `scaling-laws hitchhiker`: the training-curve fit over a dataset registry
//! or over files given on the command line (`specs/hitchhiker.md`).

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Value};

use super::law_json::num;
use super::progress::Reporter;
use super::{num_or, CliError};
use crate::io::training_curves::{parse_n, CurveOptions, CurveSet, Registry, TokensMode};
use crate::io::{fmt_f64, prepare_out_dir, Table};
use crate::plots::write_figure_or_skip;
use crate::progress::Progress;
use crate::studies::hitchhiker::{
    analyse_training_curves, curves_figure, HitchhikerResult, HitchhikerSettings, Resample,
};

#[derive(Debug, Args)]
pub(crate) struct HitchhikerArgs {
    /// `list`, `all`, or dataset names of the registry.
    pub(crate) names: Vec<String>,
    /// The dataset registry (TOML; default: $SCALING_LAWS_REGISTRY, else
    /// ./data/registry.toml, else the registry shipped with the source this
    /// binary was built from).
    #[arg(long)]
    pub(crate) registry: Option<PathBuf>,
    /// Every dataset of the registry that has files (also the positional
    /// `all`); a failing one is reported and skipped.
    #[arg(long)]
    pub(crate) all: bool,
    /// A training log and its parameter count, PATH=N (repeatable); without
    /// a registry, the files are fitted as one dataset.
    #[arg(long = "file", value_name = "PATH=N")]
    pub(crate) files: Vec<String>,
    /// The loss column of --file logs (default validation_loss).
    #[arg(long)]
    pub(crate) loss_col: Option<String>,
    /// Tokens per step: tokens = step × K instead of the tokens column.
    // A negative value reaches the typed check (clap's own "unexpected
    // argument '-1'" tip did not work).
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) tokens_per_step: Option<f64>,
    /// Drop this fraction of each curve's first checkpoints.
    // A negative value reaches the typed check (clap's own "unexpected
    // argument '-1'" tip did not work).
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) skip_first: Option<f64>,
    /// Drop checkpoints with fewer tokens than this.
    // A negative value reaches the typed check (clap's own "unexpected
    // argument '-1'" tip did not work).
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) min_tokens: Option<f64>,
    /// Bootstrap replicates for the intervals (0: none).
    #[arg(long, default_value_t = 200, value_parser = super::replicates)]
    pub(crate) bootstrap: usize,
    /// Resample checkpoints within curves, or whole curves.
    #[arg(long, default_value = "checkpoints", value_parser = clap::builder::PossibleValuesParser::new(["checkpoints", "curves"]))]
    pub(crate) resample: String,
    /// Bootstrap seed.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Interval coverage.
    #[arg(long, default_value_t = 0.95)]
    pub(crate) level: f64,
    /// Write per dataset a figure (PNG, SVG) and a CSV of parameters here.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Reads a dataset's curves; returns them and the files that were missing.
type Loader = Box<dyn Fn(&CurveOptions) -> Result<(CurveSet, Vec<PathBuf>), CliError>>;

/// A dataset to fit: its name, how to read it, and where from.
struct Job {
    name: String,
    load: Loader,
    options: CurveOptions,
}

fn apply_overrides(a: &HitchhikerArgs, opts: &mut CurveOptions) {
    if let Some(c) = &a.loss_col {
        opts.loss_column = c.clone();
    }
    if let Some(k) = a.tokens_per_step {
        opts.tokens = TokensMode::PerStep(k);
    }
    if let Some(f) = a.skip_first {
        opts.skip_first = f;
    }
    if let Some(t) = a.min_tokens {
        opts.min_tokens = Some(t);
    }
}

fn settings(a: &HitchhikerArgs) -> Result<HitchhikerSettings, CliError> {
    if !(a.level > 0.0 && a.level < 1.0) {
        return Err(CliError::Usage(format!(
            "--level must be in (0, 1), got {}",
            a.level
        )));
    }
    Ok(HitchhikerSettings {
        replicates: a.bootstrap,
        resample: if a.resample == "curves" {
            Resample::Curves
        } else {
            Resample::Checkpoints
        },
        seed: a.seed,
        level: a.level,
        ..HitchhikerSettings::default()
    })
}

fn list(reg: &Registry) -> String {
    let mut out = format!("Datasets in {}:\n", reg.path.display());
    for (i, d) in reg.datasets.iter().enumerate() {
        let k = d.files_found();
        let count = if k == 0 && d.origin.is_some() {
            format!(
                "(not shipped: set {} to the published data)",
                crate::io::published::DATA_ENV
            )
        } else if k == 0 {
            "(no files found)".to_string()
        } else {
            format!("{k} file{}", if k == 1 { "" } else { "s" })
        };
        out.push_str(&format!("{:>3}. {:<32} {count}", i + 1, d.name));
        if !d.description.is_empty() {
            out.push_str(&format!("  {}", d.description));
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

pub(crate) fn hitchhiker_cmd(a: &HitchhikerArgs) -> Result<String, CliError> {
    let settings = settings(a)?;
    let mut jobs: Vec<Job> = Vec::new();
    let mut skip_failures = false;
    // The original tool's positional `all` is --all.
    let all = a.all || a.names.iter().any(|n| n == "all");
    let names: Vec<&String> = a.names.iter().filter(|n| *n != "all").collect();
    if a.names.iter().any(|n| n == "all") && a.all {
        return Err(CliError::Usage("give all or --all, not both".into()));
    }
    let file_mode = !a.files.is_empty();
    if file_mode && (a.registry.is_some() || all || !names.is_empty()) {
        return Err(CliError::Usage(
            "give either a registry's datasets (list, names, all) or --file PATH=N, not both"
                .into(),
        ));
    }
    if file_mode {
        let mut files = Vec::new();
        for f in &a.files {
            let (p, n) = f
                .rsplit_once('=')
                .ok_or_else(|| CliError::Usage(format!("--file '{f}' must be PATH=N")))?;
            files.push((PathBuf::from(p), parse_n(n, &format!("--file {p}"))?));
        }
        let mut options = CurveOptions::default();
        apply_overrides(a, &mut options);
        jobs.push(Job {
            name: "files".into(),
            load: Box::new(move |o| {
                Ok((
                    crate::io::training_curves::read_curves(&files, o)?,
                    Vec::new(),
                ))
            }),
            options,
        });
    } else {
        let path = match &a.registry {
            Some(p) => p.clone(),
            None => Registry::default_path().ok_or_else(|| {
                CliError::Usage(format!(
                    "no dataset registry found: give --registry FILE or set {} (the shipped registry is data/registry.toml in the repository; it is looked for in ./data/registry.toml and where this binary was built)",
                    crate::io::training_curves::REGISTRY_ENV
                ))
            })?,
        };
        {
            let reg = Registry::load(&path)?;
            if names.first().map(|n| n.as_str()) == Some("list") {
                if names.len() > 1 || all {
                    return Err(CliError::Usage("list takes no other names".into()));
                }
                if a.json {
                    let v: Vec<Value> = reg
                        .datasets
                        .iter()
                        .map(|d| json!({"name": d.name, "files_found": d.files_found(), "description": d.description}))
                        .collect();
                    return Ok(json!({ "datasets": v }).to_string());
                }
                return Ok(list(&reg));
            }
            let chosen: Vec<_> = if all {
                if !names.is_empty() {
                    return Err(CliError::Usage("all takes no other dataset names".into()));
                }
                skip_failures = true;
                reg.datasets
                    .iter()
                    .filter(|d| d.files_found() > 0)
                    .cloned()
                    .collect()
            } else if names.is_empty() {
                return Err(CliError::Usage(
                    "name a dataset, list, or all (see: scaling-laws hitchhiker list)".into(),
                ));
            } else {
                names
                    .iter()
                    .map(|n| reg.get(n).cloned())
                    .collect::<Result<_, _>>()?
            };
            for d in chosen {
                let mut options = d.options.clone();
                apply_overrides(a, &mut options);
                let name = d.name.clone();
                jobs.push(Job {
                    name,
                    load: Box::new(move |o| Ok(d.load(o)?)),
                    options,
                });
            }
        }
    }
    if let Some(dir) = &a.out {
        check_file_names(&jobs)?;
        prepare_out_dir(dir)?;
    }
    let mut done: Vec<(String, CurveSet, HitchhikerResult, Vec<PathBuf>)> = Vec::new();
    let mut failed: Vec<(String, String)> = Vec::new();
    let progress = Reporter::stderr();
    for job in &jobs {
        let stage = format!("dataset {}", job.name);
        progress.start(&stage, 0);
        let run = (|| -> Result<_, CliError> {
            let (set, missing) = (job.load)(&job.options)?;
            let r = analyse_training_curves(&set, &settings).map_err(|e| match e {
                crate::studies::hitchhiker::StudyError::Data(d) => CliError::from(d),
                crate::studies::hitchhiker::StudyError::Fit(f) => CliError::from(f),
            })?;
            Ok((set, r, missing))
        })();
        progress.finish(&stage);
        match run {
            Ok((set, r, missing)) => {
                if let Some(dir) = &a.out {
                    write_outputs(dir, &job.name, &set, &r)?;
                }
                done.push((job.name.clone(), set, r, missing));
            }
            Err(e) if skip_failures => failed.push((job.name.clone(), e.to_string())),
            Err(e) => {
                return Err(if jobs.len() > 1 {
                    CliError::Usage(format!("dataset '{}': {e}", job.name))
                } else {
                    e
                })
            }
        }
    }
    if a.json {
        let ds: Vec<Value> = done
            .iter()
            .map(|(name, _, r, missing)| result_json(name, r, missing))
            .collect();
        let f: Vec<Value> = failed
            .iter()
            .map(|(n, e)| json!({"name": n, "error": e}))
            .collect();
        return Ok(json!({"datasets": ds, "failed": f}).to_string());
    }
    let mut out = String::new();
    for (name, set, r, missing) in &done {
        out.push_str(&report(name, set, r, missing));
        out.push('\n');
    }
    for (n, e) in &failed {
        out.push_str(&format!("DATASET {n}: failed, skipped: {e}\n"));
    }
    if done.len() > 1 {
        let rows: Vec<SummaryRow> = done
            .iter()
            .map(|(name, _, r, _)| SummaryRow {
                name,
                alpha: r.fit.law.alpha,
                beta: r.fit.law.beta,
                exp_e: r.fit.law.e.exp(),
                points: r.fit.num_points,
                status: r.status.as_str(),
            })
            .collect();
        out.push_str(&summary_comparison(&rows));
    }
    if let Some(dir) = &a.out {
        out.push_str(&format!("files written to {}\n", dir.display()));
    }
    Ok(out.trim_end().to_string())
}

/// One dataset's line of the summary.
struct SummaryRow<'a> {
    name: &'a str,
    alpha: f64,
    beta: f64,
    exp_e: f64,
    points: usize,
    status: &'a str,
}

/// The summary of several datasets in the original tool's form: a rule,
/// `SUMMARY COMPARISON`, a rule, a header, a dashed rule, one line per
/// dataset with alpha, beta and exp(E) to six decimals and the points, then
/// our status column; a closing rule.
fn summary_comparison(rows: &[SummaryRow]) -> String {
    let rule = "=".repeat(80);
    let mut s = format!(
        "{rule}\nSUMMARY COMPARISON\n{rule}\n{:<32} {:>11} {:>11} {:>11} {:>7}  {}\n{}\n",
        "Dataset",
        "alpha",
        "beta",
        "exp(E)",
        "points",
        "status",
        "-".repeat(80)
    );
    for r in rows {
        s.push_str(&format!(
            "{:<32} {:>11.6} {:>11.6} {:>11.6} {:>7}  {}\n",
            r.name, r.alpha, r.beta, r.exp_e, r.points, r.status
        ));
    }
    s.push_str(&rule);
    s.push('\n');
    s
}

fn interval_json(r: &HitchhikerResult) -> Value {
    match &r.intervals {
        None => Value::Null,
        Some(iv) => {
            let b = |k: usize| iv.bounds.map(|b| json!([b[k][0], b[k][1]]));
            json!({
                "level": iv.level, "replicates": iv.replicates, "used": iv.used,
                "at_bound": iv.at_bound,
                "resample": iv.resample.as_str(),
                "E": b(0), "A": b(1), "B": b(2), "alpha": b(3), "beta": b(4), "exp_E": b(5)
            })
        }
    }
}

/// ln c, or a sentence when NNLS pinned c at 0 (never null or −∞).
fn log_or_pinned(c: f64, name: &str) -> Value {
    if c > 0.0 && c.is_finite() {
        json!(c.ln())
    } else {
        json!(format!("not_computable: VPNLS pins exp({name}) at 0"))
    }
}

fn certificate_json(r: &HitchhikerResult) -> Value {
    match &r.fit.certificate {
        None => Value::Null,
        Some(c) => super::law_json::certificate_json(c, num),
    }
}

fn flat_json(r: &HitchhikerResult, axis: usize) -> Value {
    match &r.fit.flat {
        None => Value::Null,
        Some(f) => json!({
            "range": [num(f[axis].range[0]), num(f[axis].range[1])],
            "at_bound": f[axis].at_bound,
            "within": f[axis].within,
        }),
    }
}

fn result_json(name: &str, r: &HitchhikerResult, missing: &[PathBuf]) -> Value {
    let l = &r.fit.law;
    let vpnls = match &r.vpnls {
        Ok(v) => {
            let s = &v.surface;
            json!({
                "E": log_or_pinned(s.e, "E"), "A": log_or_pinned(s.a, "A"),
                "B": log_or_pinned(s.b, "B"),
                "alpha": -s.alpha, "beta": -s.beta,
                "exp_E": s.e, "exp_A": s.a, "exp_B": s.b,
                "rss": s.rss, "status": s.status.as_str(), "smooth_l1": v.smooth_l1
            })
        }
        Err(e) => json!({"error": e.to_string()}),
    };
    json!({
        "name": name,
        "E": l.e, "A": l.a, "B": l.b, "alpha": l.alpha, "beta": l.beta,
        "exp_E": num_or(l.e.exp(), "exp(E) overflows f64"),
        "exp_A": num_or(l.a.exp(), "exp(A) overflows f64"),
        "exp_B": num_or(l.b.exp(), "exp(B) overflows f64"),
        "alpha_beta_over_sum": num_or(l.combined_exponent(), "alpha + beta = 0"),
        "num_points": r.fit.num_points, "num_curves": r.curves,
        "n_min": r.n_range[0], "n_max": r.n_range[1],
        "final_loss": r.fit.objective, "gradient_max": r.fit.gradient_max,
        "lbfgs_iterations": r.fit.lbfgs_iterations,
        "lbfgs_evaluations": r.fit.lbfgs_evaluations,
        "fit_status": r.fit.status.as_str(), "status": r.status.as_str(),
        "certificate": certificate_json(r),
        "alpha_range": flat_json(r, 0), "beta_range": flat_json(r, 1),
        "noise": r.noise,
        "warnings": r.warnings,
        "missing_files": missing.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "vpnls": vpnls,
        "intervals": interval_json(r),
    })
}

/// One dataset's block: first the original tool's block, line for line
/// (rules, `DATASET:`, the log-space parameters, the exponents, the
/// exponential form with its captions, `num_points`, `final Huber loss` to
/// six decimals), then our additions (specs/hitchhiker.md, "Seed-compatible
/// text").
fn report(name: &str, set: &CurveSet, r: &HitchhikerResult, missing: &[PathBuf]) -> String {
    let l = &r.fit.law;
    let rule = "=".repeat(80);
    let mut s = format!(
        "{rule}\nDATASET: {}\n{rule}\n\
         Fitted parameters (L = exp(E) + exp(A) * N^alpha + exp(B) * D^beta):\n\
         Log-space parameters:\n  E     = {:.6}\n  A     = {:.6}\n  B     = {:.6}\n\
         Scaling exponents:\n  alpha = {:.6}\n  beta  = {:.6}\n\
         Exponential form (actual scaling law coefficients):\n\
         \x20 exp(E) = {:.6}  (irreducible loss)\n\
         \x20 exp(A) = {:.6}  (parameter scaling coefficient)\n\
         \x20 exp(B) = {:.6}  (data scaling coefficient)\n\
         \x20 alpha*beta/(alpha+beta) = {:.6}\n  num_points = {}\n  final Huber loss = {:.6}\n",
        name.to_uppercase(),
        l.e,
        l.a,
        l.b,
        l.alpha,
        l.beta,
        l.e.exp(),
        l.a.exp(),
        l.b.exp(),
        l.combined_exponent(),
        r.fit.num_points,
        r.fit.objective,
    );
    // Ours from here on.
    s.push_str(&format!(
        "{} curves, N from {:.4e} to {:.4e} ({:.2}x); status {}\n\
         Fit: final Huber loss {:.6e}, {}, max |gradient| {:.1e}, {} L-BFGS evaluations\n",
        set.curves.len(),
        r.n_range[0],
        r.n_range[1],
        r.n_range[1] / r.n_range[0],
        r.status.as_str(),
        r.fit.objective,
        r.fit.status.as_str(),
        r.fit.gradient_max,
        r.fit.lbfgs_evaluations
    ));
    if let (Some(c), Some(f)) = (&r.fit.certificate, &r.fit.flat) {
        s.push_str(&format!(
            "Profile (variable projection): best {:.10e}, fit {:.10e} (gap {:.1e}, rounding {:.1e}; {}); within {:e} of the minimum: alpha in [{:.4}, {:.4}], beta in [{:.4}, {:.4}]\n",
            c.profile_best,
            c.value,
            c.gap,
            c.tolerance,
            if c.global_stage {
                "the global stage's answer"
            } else {
                "the published procedure's answer"
            },
            f[0].within,
            f[0].range[0],
            f[0].range[1],
            f[1].range[0],
            f[1].range[1]
        ));
    }
    if let Some(i) = &r.intervals {
        s.push_str(&format!(
            "Intervals: {:.0}% percentile bootstrap, {} of {} replicates converged or on the exponent box ({} on it) (resampling {}; warm-started profile refinement and L-BFGS)\n",
            100.0 * i.level,
            i.used,
            i.replicates,
            i.at_bound,
            i.resample.as_str()
        ));
        if let Some(b) = i.bounds {
            for (k, p) in ["E", "A", "B", "alpha", "beta", "exp(E)"]
                .iter()
                .enumerate()
            {
                s.push_str(&format!("  {p:<6} [{:.6}, {:.6}]\n", b[k][0], b[k][1]));
            }
        }
    }
    match &r.vpnls {
        Ok(v) => {
            let sf = &v.surface;
            s.push_str(&format!(
                "VPNLS cross-check (least squares): exp(E) = {:.6}, exp(A) = {:.6}, exp(B) = {:.6}, alpha = {:.6}, beta = {:.6}; RSS {:.6e} (SmoothL1 fit's RSS {:.6e}), status {}\n",
                sf.e, sf.a, sf.b, -sf.alpha, -sf.beta, sf.rss, v.rss_of_fit, sf.status.as_str()
            ));
        }
        Err(e) => s.push_str(&format!("VPNLS cross-check failed: {e}\n")),
    }
    for p in missing {
        s.push_str(&format!("note: {} not found, skipped\n", p.display()));
    }
    if r.warnings.is_empty() {
        s.push_str("Warnings: none\n");
    } else {
        s.push_str("Warnings:\n");
        for w in &r.warnings {
            s.push_str(&format!("  - {w}\n"));
        }
    }
    s
}

/// Each dataset's files are named by [`safe_name`]: refuse, before any
/// work, a name that gives no file name (empty, which would write
/// `DIR.csv` beside the folder) and two names that give the same one (as
/// `a.b` and `a_b`, the second overwriting the first).
fn check_file_names(jobs: &[Job]) -> Result<(), CliError> {
    let mut seen: std::collections::BTreeMap<String, &str> = Default::default();
    for job in jobs {
        let file = safe_name(&job.name);
        if file.is_empty() {
            return Err(CliError::Usage(format!(
                "dataset '{}': an empty name gives its files no name in --out; name it in the registry",
                job.name
            )));
        }
        if let Some(first) = seen.insert(file.to_lowercase(), &job.name) {
            return Err(CliError::Usage(format!(
                "datasets '{first}' and '{}' would both be written as {file}.csv/.png/.svg in --out (names are kept to letters, digits, '-' and '_', case ignored); rename one in the registry",
                job.name
            )));
        }
    }
    Ok(())
}

fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn write_outputs(
    dir: &Path,
    name: &str,
    set: &CurveSet,
    r: &HitchhikerResult,
) -> Result<(), CliError> {
    let stem = dir.join(safe_name(name));
    write_figure_or_skip(&curves_figure(name, set, r), &stem)?;
    let mut t = Table::new(&["parameter", "value", "lo", "hi", "vpnls"]);
    let l = &r.fit.law;
    let b = r.intervals.as_ref().and_then(|i| i.bounds);
    let v = r.vpnls.as_ref().ok().and_then(|v| v.law.clone());
    let vals = [l.e, l.a, l.b, l.alpha, l.beta, l.e.exp()];
    let vp = v.map(|v| [v.e, v.a, v.b, v.alpha, v.beta, v.e.exp()]);
    for (k, p) in ["E", "A", "B", "alpha", "beta", "exp_E"].iter().enumerate() {
        t.push(vec![
            (*p).to_string(),
            fmt_f64(vals[k]),
            b.map_or(String::new(), |b| fmt_f64(b[k][0])),
            b.map_or(String::new(), |b| fmt_f64(b[k][1])),
            vp.map_or(String::new(), |v| fmt_f64(v[k])),
        ]);
    }
    t.write_csv(&stem.with_extension("csv"))?;
    Ok(())
}
