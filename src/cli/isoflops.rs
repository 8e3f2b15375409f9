//! `scaling-laws isoflops`: the published IsoFLOP studies — fits with
//! bootstrap intervals (the bare command), quality control (`qc`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};

use super::CliError;
use crate::io::isoflops::{isoflops_table, read_chinchilla_runs, read_isoflops};
use crate::io::published::{locate, CHINCHILLA_RUNS, ISOFLOPS};
use crate::io::{check_out_dir, prepare_out_dir, prepare_out_file, write_atomic};
use crate::plots::write_figure_or_skip;
use crate::progress::Progress;
use crate::studies::isoflops::fits::{fit_experiment_with, ExperimentFit, FitSettings, Resample};

use super::progress::Reporter;
use crate::studies::isoflops::{cost, reproductions, residuals};
use crate::studies::isoflops::{
    experiment_names, experiments, recompute_flags, Reason, StudyError, StudyFiles,
};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct IsoflopsArgs {
    #[command(subcommand)]
    sub: Option<IsoflopsSub>,
    #[command(flatten)]
    fit: IsoflopsFitArgs,
}

#[derive(Debug, Subcommand)]
enum IsoflopsSub {
    /// Recompute the outlier flags of an IsoFLOP file and count them per
    /// experiment and reason.
    Qc(QcArgs),
    /// What Approach 2 costs: simulated surfaces (no file needed) and the
    /// Llama 3 and Chinchilla data (the reference study's Experiment 11).
    Cost(StudyArgs),
    /// Residuals of Approach 3 per budget and the per-budget FLOP factor
    /// (the reference study's Experiment 12).
    Residuals(StudyArgs),
    /// Reproductions of published Chinchilla fits (Epoch AI's replication;
    /// VPNLS and Approach 3 on the Chinchilla subsets).
    Reproduce(StudyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct StudyArgs {
    /// The IsoFLOP CSV file (default: isoflops/isoflops.csv in the folder
    /// named by SCALING_LAWS_DATA).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The Chinchilla runs file (reproductions only; default:
    /// chinchilla/svg_extracted_data.csv in the folder named by
    /// SCALING_LAWS_DATA).
    #[arg(long)]
    chinchilla: Option<PathBuf>,
    /// Bootstrap replicates (cost and reproductions only; default: 1000 for
    /// cost, 4000 for reproductions).
    #[arg(long, value_parser = super::replicates)]
    bootstrap: Option<usize>,
    /// The bootstrap seed (cost and reproductions only; default 0).
    #[arg(long)]
    seed: Option<u64>,
    /// Write the tables, figures and report to this directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct QcArgs {
    /// The IsoFLOP CSV file.
    #[arg(long)]
    data: PathBuf,
    /// Write the rows with `outlier` and `reason` recomputed to this CSV.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct IsoflopsFitArgs {
    /// The IsoFLOP CSV file (default: isoflops/isoflops.csv in the folder
    /// named by SCALING_LAWS_DATA).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Experiments to fit (repeatable; default all).
    #[arg(long = "experiment", num_args = 1..)]
    experiments: Vec<String>,
    /// Fit only the points QC leaves clean.
    #[arg(long)]
    exclude_outliers: bool,
    /// The compute budget of the reported allocations (FLOPs).
    #[arg(long, default_value_t = 1e24)]
    budget: f64,
    /// Bootstrap replicates for percentile intervals (0: none).
    #[arg(long, default_value_t = 0, value_parser = super::replicates)]
    bootstrap: usize,
    /// What the bootstrap resamples: points within each budget, or whole budgets.
    #[arg(long, default_value = "within-budgets", value_parser = clap::builder::PossibleValuesParser::new(["within-budgets", "budgets"]))]
    resample: String,
    /// The bootstrap seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Write a figure and a CSV of the numbers per experiment to this directory.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub(crate) fn isoflops_cmd(a: &IsoflopsArgs) -> Result<String, CliError> {
    match &a.sub {
        Some(IsoflopsSub::Qc(q)) => qc_cmd(q),
        Some(IsoflopsSub::Cost(s)) => study_cmd(s, Study::Cost),
        Some(IsoflopsSub::Residuals(s)) => study_cmd(s, Study::Residuals),
        Some(IsoflopsSub::Reproduce(s)) => study_cmd(s, Study::Reproductions),
        None => fits_cmd(&a.fit),
    }
}

pub(crate) fn parse_resample(name: &str) -> Resample {
    if name == "budgets" {
        Resample::Budgets
    } else {
        Resample::WithinBudgets
    }
}

/// The per-experiment counts of a QC run: (points, clean, reason → count).
fn qc_counts(
    rows: &[crate::io::isoflops::IsoflopRow],
) -> Vec<(String, usize, usize, BTreeMap<&'static str, usize>)> {
    experiment_names(rows)
        .into_iter()
        .map(|name| {
            let mine: Vec<_> = rows.iter().filter(|r| r.experiment == name).collect();
            let mut reasons = BTreeMap::new();
            let mut clean = 0;
            for r in &mine {
                let reason = r
                    .reason
                    .as_deref()
                    .and_then(Reason::from_name)
                    .unwrap_or(Reason::None);
                if reason.is_outlier() {
                    *reasons.entry(reason.as_str()).or_insert(0) += 1;
                } else {
                    clean += 1;
                }
            }
            (name, mine.len(), clean, reasons)
        })
        .collect()
}

fn qc_cmd(a: &QcArgs) -> Result<String, CliError> {
    // `qc --out` names one CSV file: a regular file or a new path, never a
    // folder or a device (checked before any work, written atomically).
    if let Some(out) = &a.out {
        prepare_out_file(out)?;
    }
    let rows = read_isoflops(&a.data)?;
    let flagged = recompute_flags(&rows);
    if let Some(out) = &a.out {
        isoflops_table(&flagged).write_csv(out)?;
    }
    let counts = qc_counts(&flagged);
    if a.json {
        let mut m = Map::new();
        for (name, points, clean, reasons) in counts {
            m.insert(
                name,
                json!({"points": points, "clean": clean, "reasons": reasons}),
            );
        }
        return Ok(Value::Object(m).to_string());
    }
    let mut s = format!("QC of {} ({} rows)\n", a.data.display(), rows.len());
    for (name, points, clean, reasons) in counts {
        let detail: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
        s.push_str(&format!(
            "{name}: {clean}/{points} clean{}{}\n",
            if detail.is_empty() { "" } else { "; " },
            detail.join(", ")
        ));
    }
    if let Some(out) = &a.out {
        s.push_str(&format!("wrote {}\n", out.display()));
    }
    Ok(s.trim_end().to_string())
}

/// The JSON object of one fitted experiment. A number a method could not
/// give (a surface fit that did not converge, an interval with too few
/// finite replicates) is left out and named with its reason in that
/// object's `errors` {key: reason}: never `null`, never NaN.
pub(crate) fn fit_json(f: &ExperimentFit) -> Value {
    let mut groups: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut intervals: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut errors: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for (k, (g, key, v)) in f.numbers.iter().enumerate() {
        if v.is_finite() {
            groups
                .entry(g.clone())
                .or_default()
                .insert((*key).to_string(), json!(v));
        } else {
            groups.entry(g.clone()).or_default();
            errors.entry(g.clone()).or_default().insert(
                (*key).to_string(),
                json!("not available: the method gave no finite value (see its status)"),
            );
        }
        if let Some((iv, finite)) = f.intervals.get(k) {
            match iv {
                Some([l, h]) => {
                    intervals
                        .entry(g.clone())
                        .or_default()
                        .insert((*key).to_string(), json!([l, h]));
                }
                None => {
                    errors.entry(g.clone()).or_default().insert(
                        format!("interval.{key}"),
                        json!(format!(
                            "no interval: {finite} of {} replicates gave a finite value",
                            f.replicates
                        )),
                    );
                }
            }
        }
    }
    let mut obj = |g: &str| {
        let mut m = groups.remove(g).unwrap_or_default();
        if let Some(iv) = intervals.remove(g) {
            m.insert("interval".into(), Value::Object(iv));
        }
        if let Some(e) = errors.remove(g) {
            m.insert("errors".into(), Value::Object(e));
        }
        m
    };
    let mut a2 = obj("approach2");
    match &f.estimates.approach2 {
        Ok(_) => {
            a2.insert("status".into(), json!("converged"));
        }
        Err(e) => {
            a2.insert("status".into(), json!("error"));
            a2.insert("error".into(), json!(e.to_string()));
        }
    }
    let dropped = dropped_warnings(f);
    if !dropped.is_empty() {
        a2.insert("warnings".into(), json!(dropped));
    }
    let mut a2c = obj("approach2_corrected");
    match &f.estimates.approach2_corrected {
        Ok(c) => {
            a2c.insert("status".into(), json!(c.status.as_str()));
        }
        Err(e) => {
            a2c.insert("status".into(), json!("error"));
            a2c.insert("error".into(), json!(e.to_string()));
        }
    }
    let mut a3 = obj("approach3");
    a3.insert(
        "status".into(),
        json!(f.estimates.approach3.status.as_str()),
    );
    let mut vp = obj("vpnls");
    vp.insert("status".into(), json!(f.estimates.vpnls.status.as_str()));
    let mut alloc = Map::new();
    alloc.insert("budget".into(), json!(f.budget));
    for m in crate::studies::isoflops::fits::METHODS {
        alloc.insert(m.into(), Value::Object(obj(&format!("allocation.{m}"))));
    }
    let mut out = json!({
        "points": f.points,
        "budgets": f.budgets,
        "approach2": a2,
        "approach2_corrected": a2c,
        "approach3": a3,
        "vpnls": vp,
        "allocation": alloc,
    });
    if f.replicates > 0 {
        out["bootstrap"] = json!({"replicates": f.replicates, "level": crate::studies::isoflops::fits::INTERVAL_LEVEL});
    }
    out
}

fn fits_cmd(a: &IsoflopsFitArgs) -> Result<String, CliError> {
    if !(a.budget > 0.0 && a.budget.is_finite()) {
        return Err(CliError::Usage(format!(
            "--budget must be positive and finite, got {}",
            a.budget
        )));
    }
    if let Some(dir) = &a.out {
        check_out_dir(dir)?;
    }
    let data = locate(a.data.as_deref(), &ISOFLOPS, "isoflops", "--data")?;
    let rows = read_isoflops(&data)?;
    let exps = experiments(&rows, &a.experiments)?;
    let progress = Reporter::stderr();
    let settings = FitSettings {
        budget: a.budget,
        bootstrap: a.bootstrap,
        seed: a.seed,
        resample: parse_resample(&a.resample),
        exclude_outliers: a.exclude_outliers,
    };
    // Each experiment is fitted on its own: one that a method cannot fit
    // (a concave parabola in one budget, no points left) is reported with
    // its reason and the others go on. Only when none could be fitted does
    // the command fail (exit 2, the first reason).
    let mut results: Vec<(String, Result<ExperimentFit, StudyError>)> = exps
        .iter()
        .map(|e| (e.name.clone(), fit_experiment_with(e, &settings, &progress)))
        .collect();
    if results.iter().all(|(_, r)| r.is_err()) {
        if let Some((_, Err(e))) = results.drain(..).next() {
            return Err(e.into());
        }
    }
    let fits: Vec<&ExperimentFit> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .collect();
    let failed: Vec<(&String, &StudyError)> = results
        .iter()
        .filter_map(|(n, r)| r.as_ref().err().map(|e| (n, e)))
        .collect();
    let mut written = Vec::new();
    if let Some(dir) = &a.out {
        prepare_out_dir(dir)?;
        for f in &fits {
            written.extend(write_figure_or_skip(
                &f.figure,
                &dir.join(format!("fit_{}", f.name)),
            )?);
        }
        let path = dir.join("fits.csv");
        fits_table(&fits).write_csv(&path)?;
        written.push(path);
        if !failed.is_empty() {
            let mut t = crate::io::Table::new(&["experiment", "error"]);
            for (n, e) in &failed {
                t.push(vec![(*n).clone(), e.to_string()]);
            }
            let path = dir.join("fit_errors.csv");
            t.write_csv(&path)?;
            written.push(path);
        }
    }
    if a.json {
        let mut m = Map::new();
        for (name, r) in &results {
            let v = match r {
                Ok(f) => fit_json(f),
                Err(e) => json!({"error": e.to_string()}),
            };
            m.insert(name.clone(), v);
        }
        return Ok(Value::Object(m).to_string());
    }
    let mut s = String::new();
    for (name, r) in &results {
        match r {
            Ok(f) => s.push_str(&fit_text(f)),
            Err(e) => s.push_str(&format!("{name}: not fitted: {e}\n")),
        }
    }
    for w in written {
        s.push_str(&format!("wrote {}\n", w.display()));
    }
    Ok(s.trim_end().to_string())
}

fn fits_table(fits: &[&ExperimentFit]) -> crate::io::Table {
    let mut t = crate::io::Table::new(&[
        "experiment",
        "group",
        "key",
        "value",
        "low",
        "high",
        "replicates",
    ]);
    for f in fits {
        for (k, (g, key, v)) in f.numbers.iter().enumerate() {
            let (lo, hi, n) = match f.intervals.get(k) {
                Some((Some([l, h]), n)) => (
                    crate::io::fmt_f64(*l),
                    crate::io::fmt_f64(*h),
                    n.to_string(),
                ),
                Some((None, n)) => (String::new(), String::new(), n.to_string()),
                None => (String::new(), String::new(), String::new()),
            };
            t.push(vec![
                f.name.clone(),
                g.clone(),
                (*key).to_string(),
                crate::io::fmt_f64(*v),
                lo,
                hi,
                n,
            ]);
        }
    }
    t
}

/// One line per budget Approach 2 dropped, naming it and the reason.
fn dropped_warnings(f: &ExperimentFit) -> Vec<String> {
    f.estimates
        .dropped_budgets
        .iter()
        .map(|(_, e)| {
            format!(
                "dropped for approach2 and approach2_corrected (VPNLS and approach3 use every \
                 budget): {e}"
            )
        })
        .collect()
}

fn fit_text(f: &ExperimentFit) -> String {
    let mut s = format!("{}: {} points, {} budgets\n", f.name, f.points, f.budgets);
    for w in dropped_warnings(f) {
        s.push_str(&format!("  warning: {w}\n"));
    }
    let corrected_error = f
        .estimates
        .approach2_corrected
        .as_ref()
        .err()
        .map(|e| e.to_string());
    let a2_error = f.estimates.approach2.as_ref().err().map(|e| e.to_string());
    let mut last = String::new();
    for (k, (g, key, v)) in f.numbers.iter().enumerate() {
        let error = if g.ends_with("approach2_corrected") {
            corrected_error.as_ref()
        } else if g.ends_with("approach2") {
            a2_error.as_ref()
        } else {
            None
        };
        if let Some(e) = error {
            // The typed error's message in place of the numbers.
            if *g != last {
                s.push_str(&format!("  {g}: not fitted: {e}\n"));
                last = g.clone();
            }
            continue;
        }
        if *g != last {
            s.push_str(&format!("  {g}:"));
            last = g.clone();
        }
        s.push_str(&format!(" {key} {}", short(*v)));
        if let Some((Some([l, h]), _)) = f.intervals.get(k) {
            s.push_str(&format!(" [{}, {}]", short(*l), short(*h)));
        }
        let next = f.numbers.get(k + 1).map(|n| &n.0);
        if next != Some(g) {
            if let (true, Ok(c)) = (g == "approach2_corrected", &f.estimates.approach2_corrected) {
                s.push_str(&format!(" ({})", c.status.as_str()));
            } else if g == "approach3" {
                s.push_str(&format!(" ({})", f.estimates.approach3.status.as_str()));
            } else if g == "vpnls" {
                s.push_str(&format!(" ({})", f.estimates.vpnls.status.as_str()));
            }
            s.push('\n');
        }
    }
    s
}

/// Four significant digits, in exponent form outside [1e-3, 1e5).
pub(crate) fn short(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e5 || x.abs() < 1e-3) {
        format!("{x:.4e}")
    } else {
        format!("{x:.4}")
    }
}

/// The three file-backed studies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Study {
    /// §3: what Approach 2 costs (the reference's Experiment 11).
    Cost,
    /// §4: residuals and FLOP factors (Experiment 12).
    Residuals,
    /// §5: reproductions (Experiment 0).
    Reproductions,
}

/// The studies `experiment all` runs after Experiments 5–8, by number:
/// 11 (cost), 12 (residuals), 0 (reproductions).
pub(crate) const STUDY_EXPERIMENTS: [&str; 3] = ["11", "12", "0"];

/// A study as an experiment (`experiment 11|12|0`): the data files under
/// `data_dir` (`isoflops/isoflops.csv`, `chinchilla/svg_extracted_data.csv`),
/// or none (their parts skipped with a notice in the report).
pub(crate) fn study_experiment(
    number: &str,
    data_dir: Option<&Path>,
    progress: &dyn Progress,
) -> Result<crate::experiments::ExperimentFiles, CliError> {
    let study = match number {
        "11" => Study::Cost,
        "12" => Study::Residuals,
        _ => Study::Reproductions,
    };
    let iso = data_dir.map(|d| d.join("isoflops").join("isoflops.csv"));
    let chin = data_dir.map(|d| d.join("chinchilla").join("svg_extracted_data.csv"));
    let (f, _) = run_study(study, iso.as_deref(), chin.as_deref(), None, 0, progress)?;
    Ok(crate::experiments::ExperimentFiles {
        tables: f.tables,
        figures: f.figures,
        report: f.report,
    })
}

/// Run a study: its files and its JSON object. `isoflops`/`chinchilla` are
/// the data files, `None` when absent: the parts that need them are skipped
/// with a line in the report and in the JSON's `skipped` (the simulation of
/// the cost study needs none).
pub(crate) fn run_study(
    study: Study,
    isoflops: Option<&Path>,
    chinchilla: Option<&Path>,
    bootstrap: Option<usize>,
    seed: u64,
    progress: &dyn Progress,
) -> Result<(StudyFiles, Value), CliError> {
    let rows = match isoflops {
        Some(p) => Some(read_isoflops(p)?),
        None => None,
    };
    // An experiment the file does not hold is reported (`absent`) and its
    // part skipped; the study goes on with the others.
    let absent = std::cell::RefCell::new(Vec::<String>::new());
    let exp = |name: &str| -> Result<Option<crate::studies::isoflops::Experiment>, CliError> {
        match &rows {
            Some(r) if !r.iter().any(|row| row.experiment == name) => {
                absent.borrow_mut().push(name.to_string());
                Ok(None)
            }
            Some(r) => Ok(experiments(r, &[name.to_string()])?.pop()),
            None => Ok(None),
        }
    };
    let note_absent = |files: &mut StudyFiles, v: &mut Value| {
        let names = absent.borrow();
        if names.is_empty() {
            return;
        }
        let lines: Vec<String> = names
            .iter()
            .map(|n| format!("{n}: not in the IsoFLOP file, its part skipped"))
            .collect();
        files.report.push_str(&(lines.join("\n") + "\n"));
        let mut skipped = v
            .get("skipped")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        skipped.extend(lines.into_iter().map(Value::from));
        if let Some(obj) = v.as_object_mut() {
            obj.insert("skipped".into(), Value::Array(skipped));
        }
    };
    match study {
        Study::Cost => {
            let mut surfaces = Vec::new();
            let mut notes = String::new();
            let llama = exp("llama_3__raw_loss")?;
            if let Some(e) = &llama {
                let f = crate::studies::isoflops::fits::estimate(&e.points, &e.name)?;
                let s = crate::models::LossSurface::new(
                    f.vpnls.e,
                    f.vpnls.a,
                    f.vpnls.b,
                    f.vpnls.alpha,
                    f.vpnls.beta,
                )?;
                surfaces.push(("Llama 3".to_string(), s));
            } else if rows.is_none() {
                notes.push_str("Llama 3 surface and real-data costs skipped: no IsoFLOP file\n");
            }
            surfaces.extend(cost::published_surfaces());
            let sim = cost::simulate_costs(&surfaces, cost::LLAMA3_405B_BUDGET)?;
            let mut real = Vec::new();
            let k = bootstrap.unwrap_or(1000);
            for (name, eval) in [
                ("llama_3__raw_loss", cost::LLAMA3_405B_BUDGET),
                (
                    "epochai_chinchilla__massivetext__chinchilla",
                    cost::CHINCHILLA_BUDGET,
                ),
            ] {
                if let Some(e) = exp(name)? {
                    real.push((name.to_string(), eval, cost::real_costs(&e, eval, k, seed)?));
                }
            }
            let mut files = cost::cost_files(&sim, &real);
            files.report.insert_str(0, &notes);
            let mut v = cost_json(&sim, &real);
            if rows.is_none() {
                v["skipped"] = json!(["Llama 3 surface and real-data costs: no IsoFLOP file"]);
            }
            note_absent(&mut files, &mut v);
            Ok((files, v))
        }
        Study::Residuals => {
            let Some(r) = &rows else {
                let files = StudyFiles {
                    report: "Experiment 12 (residuals) skipped: no IsoFLOP file\n".into(),
                    ..StudyFiles::default()
                };
                return Ok((files, json!({"skipped": ["residuals: no IsoFLOP file"]})));
            };
            let (names, missing): (Vec<String>, Vec<String>) = residuals::RESIDUAL_EXPERIMENTS
                .iter()
                .map(|s| s.to_string())
                .partition(|n| r.iter().any(|row| &row.experiment == n));
            // One experiment the study cannot run on (a budget with κ ≤ 0, a
            // failed fit) is reported with its reason; the others go on.
            let results: Vec<(String, Result<residuals::ResidualStudy, _>)> =
                experiments(r, &names)?
                    .iter()
                    .map(|e| (e.name.clone(), residuals::residual_study(e)))
                    .collect();
            let studies: Vec<residuals::ResidualStudy> = results
                .iter()
                .filter_map(|(_, r)| r.as_ref().ok().cloned())
                .collect();
            let mut files = residuals::residual_files(&studies);
            let mut m = Map::new();
            for (name, r) in &results {
                match r {
                    Ok(st) => {
                        m.insert(name.clone(), residual_json(st));
                    }
                    Err(e) => {
                        files
                            .report
                            .push_str(&format!("{name}: not computed: {e}\n"));
                        m.insert(name.clone(), json!({"error": e.to_string()}));
                    }
                }
            }
            // An experiment the file does not hold is reported and skipped.
            for name in &missing {
                files
                    .report
                    .push_str(&format!("{name}: not in the IsoFLOP file, skipped\n"));
                m.insert(name.clone(), json!({"error": "not in the IsoFLOP file"}));
            }
            Ok((files, Value::Object(m)))
        }
        Study::Reproductions => {
            let epoch = match chinchilla {
                None => None,
                Some(p) => {
                    let runs = read_chinchilla_runs(p)?;
                    Some(reproductions::reproduce_epoch_with(
                        &runs,
                        bootstrap.unwrap_or(reproductions::EPOCH_BOOTSTRAP),
                        seed,
                        progress,
                    )?)
                }
            };
            let mut subsets = Vec::new();
            for name in [
                "ml_scalefit__massivetext__chinchilla",
                "epochai_chinchilla__massivetext__chinchilla",
            ] {
                if let Some(e) = exp(name)? {
                    progress.start(name, 0);
                    let fitted = reproductions::fit_subset(&e);
                    progress.finish(name);
                    let (vp, a3) = fitted?;
                    subsets.push((name.to_string(), e.points.len(), vp, a3));
                }
            }
            let mut files = reproductions::reproduction_files(epoch.as_ref(), &subsets);
            let mut v = reproduction_json(epoch.as_ref(), &subsets);
            let mut skipped = Vec::new();
            if epoch.is_none() {
                skipped.push("Epoch AI's replication: no Chinchilla runs file");
            }
            if rows.is_none() {
                files
                    .report
                    .push_str("Chinchilla subsets skipped: no IsoFLOP file\n");
                skipped.push("Chinchilla subsets: no IsoFLOP file");
            }
            if !skipped.is_empty() {
                v["skipped"] = json!(skipped);
            }
            note_absent(&mut files, &mut v);
            Ok((files, v))
        }
    }
}

/// Write a study's files under `dir`; returns the paths.
pub(crate) fn write_study(dir: &Path, files: &StudyFiles) -> Result<Vec<PathBuf>, CliError> {
    prepare_out_dir(dir)?;
    let mut written = Vec::new();
    for (stem, table) in &files.tables {
        let path = dir.join(format!("{stem}.csv"));
        table.write_csv(&path)?;
        written.push(path);
    }
    for (stem, fig) in &files.figures {
        written.extend(write_figure_or_skip(fig, &dir.join(stem))?);
    }
    let report = dir.join("report.txt");
    write_atomic(&report, files.report.as_bytes())?;
    written.push(report);
    Ok(written)
}

fn study_cmd(a: &StudyArgs, study: Study) -> Result<String, CliError> {
    // An option the study does not use is an error, never silently ignored.
    let (name, unused): (&str, &[(&str, bool)]) = match study {
        Study::Cost => ("cost", &[("--chinchilla", a.chinchilla.is_some())]),
        Study::Residuals => (
            "residuals",
            &[
                ("--chinchilla", a.chinchilla.is_some()),
                ("--bootstrap", a.bootstrap.is_some()),
                ("--seed", a.seed.is_some()),
            ],
        ),
        Study::Reproductions => ("reproduce", &[]),
    };
    if let Some((flag, _)) = unused.iter().find(|(_, given)| *given) {
        return Err(CliError::Usage(format!(
            "{flag} does not apply to isoflops {name} (it has no use for it)"
        )));
    }
    if let Some(dir) = &a.out {
        check_out_dir(dir)?;
    }
    let command = match study {
        Study::Cost => "isoflops cost",
        Study::Residuals => "isoflops residuals",
        Study::Reproductions => "isoflops reproduce",
    };
    let data = locate(a.data.as_deref(), &ISOFLOPS, command, "--data")?;
    let chinchilla = match study {
        Study::Reproductions => Some(locate(
            a.chinchilla.as_deref(),
            &CHINCHILLA_RUNS,
            command,
            "--chinchilla",
        )?),
        _ => None,
    };
    let (files, v) = run_study(
        study,
        Some(data.as_path()),
        chinchilla.as_deref(),
        a.bootstrap,
        a.seed.unwrap_or(0),
        &Reporter::stderr(),
    )?;
    let written = match &a.out {
        Some(dir) => write_study(dir, &files)?,
        None => Vec::new(),
    };
    if a.json {
        return Ok(v.to_string());
    }
    let mut s = files.report.clone();
    for w in written {
        s.push_str(&format!("wrote {}\n", w.display()));
    }
    Ok(s.trim_end().to_string())
}

/// An object of named numbers with only the finite ones; each non-finite
/// one is left out and named in `errors` with `why`.
fn finite_object(pairs: &[(&str, f64)], why: &str) -> Map<String, Value> {
    let mut m = Map::new();
    let mut errors = Map::new();
    for (k, x) in pairs {
        if x.is_finite() {
            m.insert((*k).to_string(), json!(x));
        } else {
            errors.insert((*k).to_string(), json!(why));
        }
    }
    if !errors.is_empty() {
        m.insert("errors".into(), Value::Object(errors));
    }
    m
}

/// A surface fit's numbers (E, A, B, α, β, a = β/(α+β)) and status.
fn surface_json(f: &crate::fitters::SurfaceFit<f64>) -> Map<String, Value> {
    let mut m = finite_object(
        &[
            ("E", f.e),
            ("A", f.a),
            ("B", f.b),
            ("alpha", f.alpha),
            ("beta", f.beta),
            ("a", f.beta / (f.alpha + f.beta)),
        ],
        "the fit ended without a finite value",
    );
    m.insert("status".into(), json!(f.status.as_str()));
    m
}

fn cost_view_json(c: &cost::CostView) -> Map<String, Value> {
    finite_object(
        &[
            ("d_opt", c.d_opt),
            ("d_inferred", c.d_inferred),
            ("d_error", c.d_error),
            ("wasted_flops", c.wasted_flops),
            ("wasted_fraction", c.wasted_flops / c.budget),
            ("wasted_dollars", c.wasted_dollars),
        ],
        "not finite at this allocation",
    )
}

/// The JSON of the cost study: `eval_budget`, `dollars_per_flop`,
/// `simulated` (one entry per surface, bias and width with `simulated` and
/// `closed_form` costs) and `real` {experiment: {`eval_budget`, `truths`:
/// {truth: cost, `interval`, `filter`}}}.
fn cost_json(sim: &[cost::SimulatedCost], real: &[(String, f64, Vec<cost::RealCost>)]) -> Value {
    let simulated: Vec<Value> = sim
        .iter()
        .map(|r| {
            json!({
                "surface": r.surface,
                "bias": r.bias,
                "width": r.width,
                "simulated": cost_view_json(&r.simulated),
                "closed_form": cost_view_json(&r.closed_form),
            })
        })
        .collect();
    let mut rm = Map::new();
    for (name, eval, costs) in real {
        let mut truths = Map::new();
        for rc in costs {
            let mut t = cost_view_json(&rc.cost);
            if let Some(([lo, hi], n)) = rc.interval {
                t.insert(
                    "interval".into(),
                    json!({"wasted_flops": [lo, hi], "replicates": n, "level": crate::studies::isoflops::fits::INTERVAL_LEVEL}),
                );
            }
            let filter: Vec<Value> = rc
                .filter
                .iter()
                .map(|(label, p, b, w)| {
                    let mut m = finite_object(
                        &[("wasted_flops", *w), ("wasted_fraction", w / eval)],
                        "Approach 2 or its allocation cost could not be computed at this filter level",
                    );
                    m.insert("level".into(), json!(label));
                    m.insert("points".into(), json!(p));
                    m.insert("budgets".into(), json!(b));
                    Value::Object(m)
                })
                .collect();
            t.insert("filter".into(), json!(filter));
            truths.insert(rc.truth.clone(), Value::Object(t));
        }
        rm.insert(name.clone(), json!({"eval_budget": eval, "truths": truths}));
    }
    json!({
        "eval_budget": cost::LLAMA3_405B_BUDGET,
        "dollars_per_flop": crate::analysis::allocation_cost::DOLLARS_PER_FLOP,
        "simulated": simulated,
        "real": rm,
    })
}

/// The JSON of one experiment's residual study.
fn residual_json(st: &residuals::ResidualStudy) -> Value {
    let sd = |k: usize| -> f64 {
        let v: Vec<f64> = st.residuals.iter().map(|r| [r.2, r.3, r.4][k]).collect();
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt()
    };
    let factors: Vec<Value> = st
        .factors
        .iter()
        .map(|(c, n, kappa, k)| json!({"budget": c, "points": n, "kappa": kappa, "k": k}))
        .collect();
    json!({
        "points": st.residuals.len(),
        "budgets": st.factors.len(),
        "fits": {"log_loss": surface_json(&st.log_fit), "rss": surface_json(&st.lin_fit)},
        "residual_sd": finite_object(
            &[("log_loss", sd(0)), ("rss", sd(1)), ("after_flop_factor", sd(2))],
            "no residuals",
        ),
        "flop_factors": factors,
    })
}

/// The JSON of the reproductions: `epoch` (published values and standard
/// errors, our Huber and Huber-likelihood fits, the bootstrap) and
/// `subsets` {experiment: {points, vpnls, approach3_log_loss}}.
fn reproduction_json(
    epoch: Option<&reproductions::EpochReproduction>,
    subsets: &[(
        String,
        usize,
        crate::fitters::SurfaceFit<f64>,
        crate::fitters::SurfaceFit<f64>,
    )],
) -> Value {
    let keys = ["E", "A", "B", "alpha", "beta"];
    let mut out = Map::new();
    if let Some(e) = epoch {
        let p = reproductions::EPOCH_PUBLISHED;
        let mut published: Map<String, Value> = keys
            .iter()
            .zip(p)
            .map(|(k, v)| ((*k).to_string(), json!(v.0)))
            .collect();
        published.insert("a".into(), json!(reproductions::EPOCH_PUBLISHED_A));
        let published_se: Map<String, Value> = keys
            .iter()
            .zip(p)
            .map(|(k, v)| ((*k).to_string(), json!(v.1)))
            .collect();
        let se_keys = ["E", "A", "B", "alpha", "beta", "a"];
        let se: Vec<(&str, f64)> = se_keys.iter().copied().zip(e.se).collect();
        let mut lik = surface_json(&e.likelihood.fit);
        lik.insert("sigma".into(), json!(e.likelihood.sigma));
        out.insert(
            "epoch".into(),
            json!({
                "runs": e.runs,
                "published": published,
                "published_se": published_se,
                "huber": surface_json(&e.huber),
                "huber_likelihood": lik,
                "bootstrap": {
                    "replicates": e.requested,
                    "converged": e.converged,
                    "se": finite_object(&se, "fewer than 2 replicates converged"),
                },
            }),
        );
    }
    let mut sm = Map::new();
    for (name, n, vp, a3) in subsets {
        sm.insert(
            name.clone(),
            json!({"points": n, "vpnls": surface_json(vp), "approach3_log_loss": surface_json(a3)}),
        );
    }
    out.insert("subsets".into(), Value::Object(sm));
    Value::Object(out)
}
