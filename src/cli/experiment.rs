//! `scaling-laws experiment`: run experiments and write their files, and for
//! `all` an index of everything written.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use rayon::prelude::*;

use super::CliError;
use crate::experiments::exp1::Widths;
use crate::experiments::sweep::{Approach2Sweep, CellKey};
use crate::experiments::{
    exp1, exp10, exp13, exp14, exp2, exp3, exp4, exp5, exp6, exp7, exp8, exp9, ExperimentFiles,
};
use crate::io::{create_dir, prepare_out_dir, remove_stale_temps, write_atomic};
use crate::plots::write_figure_or_skip;
use crate::progress::{Progress, Tick};

use super::progress::Reporter;

#[derive(Debug, Args)]
pub(crate) struct ExperimentArgs {
    /// The experiment number (1 … 10, 13, 14; 11, 12, 0 on published data) or `all`.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(
        ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "13", "14", "11", "12", "0", "all"]
    ))]
    pub(crate) number: String,
    /// Output directory (created if absent).
    #[arg(long, default_value = "out")]
    pub(crate) out: PathBuf,
    /// The folder of published data (with isoflops/ and chinchilla/) for
    /// experiments 11, 12 and 0 (default: SCALING_LAWS_DATA); without it
    /// their file parts are skipped with a line saying so.
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// The 20 grid half-widths of experiments 1–4: `reference` (the
    /// reference study's linspace(0.3, 2.0, 20) decades) or `log2`
    /// (linspace(log10 2, 2.0, 20), the first width exactly ±2×).
    #[arg(long, default_value = "reference", value_parser = clap::builder::PossibleValuesParser::new(["reference", "log2"]))]
    pub(crate) widths: String,
    /// Also write index.md and index.html for the experiments run (always
    /// done for `all`).
    #[arg(long)]
    pub(crate) index: bool,
}

/// The experiments `experiment all` runs, in order.
const EXPERIMENTS: [&str; 12] = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "13", "14",
];

/// The union of the sweep cells the listed experiments read, with the
/// budgets and points they share.
fn shared_sweep(numbers: &[&str], w: Widths) -> Result<Option<Approach2Sweep>, CliError> {
    let mut keys: Vec<CellKey> = Vec::new();
    for n in numbers {
        match *n {
            "1" => keys.extend(exp1::Exp1Config::with_widths(w).cells()),
            "2" => keys.extend(exp2::Exp2Config::with_widths(w).cells()),
            "3" => keys.extend(exp3::Exp3Config::with_widths(w).cells()),
            "4" => keys.extend(exp4::Exp4Config::with_widths(w).cells()),
            "10" => keys.extend(exp10::Exp10Config::default().cells()),
            _ => {}
        }
    }
    if keys.is_empty() {
        return Ok(None);
    }
    let base = exp1::Exp1Config::default();
    Ok(Some(Approach2Sweep::approach2(
        &keys,
        &base.budgets,
        base.points,
    )?))
}

fn run_one(
    n: &str,
    sweep: Option<&Approach2Sweep>,
    data_dir: Option<&Path>,
    w: Widths,
    progress: &dyn Progress,
) -> Result<ExperimentFiles, CliError> {
    let need = || {
        sweep.ok_or_else(|| CliError::Usage(format!("experiment {n} needs the Approach 2 sweep")))
    };
    Ok(match n {
        "1" => exp1::run_exp1_on(&exp1::Exp1Config::with_widths(w), need()?)?.files(),
        "2" => exp2::run_exp2_on(&exp2::Exp2Config::with_widths(w), need()?)?.files(),
        "3" => exp3::run_exp3_on(&exp3::Exp3Config::with_widths(w), need()?)?.files(),
        "4" => exp4::run_exp4_on(&exp4::Exp4Config::with_widths(w), need()?)?.files(),
        "5" => exp5::run_exp5_with(&exp5::Exp5Config::default(), progress)?.files(),
        "6" => exp6::run_exp6(&exp6::Exp6Config::default())?.files(),
        "7" => exp7::run_exp7_with(&exp7::Exp7Config::default(), progress)?.files(),
        "8" => exp8::run_exp8(&exp8::Exp8Config::default())?.files(),
        "9" => exp9::run_exp9_with(&exp9::Exp9Config::default(), progress)?.files(),
        "10" => exp10::run_exp10_on(&exp10::Exp10Config::default(), need()?)?.files(),
        "13" => exp13::run_exp13_with(&exp13::Exp13Config::default(), progress)?.files(),
        "14" => exp14::run_exp14(&exp14::Exp14Config::default())?.files(),
        "11" | "12" | "0" => super::isoflops::study_experiment(n, data_dir, progress)?,
        other => {
            return Err(CliError::Usage(format!(
                "experiment {other} is not available (available: {}, all)",
                EXPERIMENTS.join(", ")
            )))
        }
    })
}

/// One experiment's entry in `index.md`.
pub(super) struct Entry {
    pub(super) number: String,
    pub(super) title: String,
    pub(super) seconds: f64,
    pub(super) compute_seconds: f64,
    pub(super) files: Vec<PathBuf>,
    /// The tables as written (stem, table), for index.html.
    pub(super) tables: Vec<(String, crate::io::Table)>,
    pub(super) report: String,
}

pub(crate) fn experiment_cmd(a: &ExperimentArgs) -> Result<String, CliError> {
    prepare_out_dir(&a.out)?;
    let numbers: Vec<&str> = match a.number.as_str() {
        "all" => EXPERIMENTS
            .iter()
            .chain(&super::isoflops::STUDY_EXPERIMENTS)
            .copied()
            .collect(),
        one => vec![one],
    };
    let data_dir = a.data_dir.clone().or_else(crate::io::published::data_dir);
    let total = Instant::now();
    let sweep_start = Instant::now();
    let w = Widths::from_name(&a.widths)
        .ok_or_else(|| CliError::Usage(format!("unknown widths grid {:?}", a.widths)))?;
    let progress = Reporter::stderr();
    let sweep = if numbers
        .iter()
        .any(|n| ["1", "2", "3", "4", "10"].contains(n))
    {
        progress.start("shared Approach 2 sweep", 0);
        let sweep = shared_sweep(&numbers, w);
        progress.finish("shared Approach 2 sweep");
        sweep?
    } else {
        None
    };
    let sweep_seconds = sweep_start.elapsed().as_secs_f64();
    let mut out = String::new();
    if let Some(s) = &sweep {
        out.push_str(&format!(
            "shared Approach 2 sweep: {} cells in {sweep_seconds:.2} s\n\n",
            s.len()
        ));
    }
    let mut entries = Vec::new();
    for n in numbers {
        let start = Instant::now();
        let stage = format!("experiment {n}");
        progress.start(&stage, 0);
        let result = run_and_write(n, &a.out, sweep.as_ref(), data_dir.as_deref(), w, &progress);
        progress.finish(&stage);
        let (files, written, compute_seconds) = result?;
        let seconds = start.elapsed().as_secs_f64();
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&files.report);
        for f in &written {
            out.push_str(&format!("wrote {}\n", f.display()));
        }
        out.push_str(&format!(
            "experiment {n} ran in {seconds:.2} s (computing {compute_seconds:.2} s, writing tables and figures {:.2} s)\n",
            seconds - compute_seconds
        ));
        entries.push(Entry {
            number: n.to_string(),
            title: files.report.lines().next().unwrap_or_default().to_string(),
            seconds,
            compute_seconds,
            files: written,
            tables: files.tables.clone(),
            report: files.report.clone(),
        });
    }
    if a.number == "all" || a.index {
        let index = a.out.join("index.md");
        let text = index_markdown(
            &a.out,
            &entries,
            sweep.as_ref().map(|s| (s.len(), sweep_seconds)),
            total.elapsed().as_secs_f64(),
        );
        write_atomic(&index, text.as_bytes())?;
        out.push_str(&format!("\nwrote {}\n", index.display()));
        let html = a.out.join("index.html");
        let page = super::index_html::index_html(
            &a.out,
            &entries,
            sweep.as_ref().map(|s| (s.len(), sweep_seconds)),
            total.elapsed().as_secs_f64(),
        );
        write_atomic(&html, page.as_bytes())?;
        out.push_str(&format!("wrote {}\n", html.display()));
        out.push_str(&format!(
            "all experiments ran in {:.2} s\n",
            total.elapsed().as_secs_f64()
        ));
    }
    Ok(out.trim_end().to_string())
}

/// Run experiment `n` and write its files under `out/exp{n}`, reporting a
/// stage for the writing: the files, the paths written and the seconds
/// spent computing.
fn run_and_write(
    n: &str,
    out: &Path,
    sweep: Option<&Approach2Sweep>,
    data_dir: Option<&Path>,
    w: Widths,
    progress: &dyn Progress,
) -> Result<(ExperimentFiles, Vec<PathBuf>, f64), CliError> {
    let start = Instant::now();
    let files = run_one(n, sweep, data_dir, w, progress)?;
    let compute_seconds = start.elapsed().as_secs_f64();
    let count = files.tables.len() + files.figures.len() + 1;
    progress.start("writing", count as u64);
    let written = write_experiment(&out.join(format!("exp{n}")), &files, progress);
    progress.finish("writing");
    Ok((files, written?, compute_seconds))
}

/// Write an experiment's tables, figures and report under `dir`, each file
/// atomically (figures in parallel), after removing temporaries an
/// interrupted run left there; returns the paths written. Ticks `progress`
/// once per file (a figure's PNG and SVG count as one).
fn write_experiment(
    dir: &Path,
    files: &ExperimentFiles,
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>, CliError> {
    create_dir(dir)?;
    // An interrupted earlier run may have left hidden temporaries here.
    remove_stale_temps(dir);
    let mut written = Vec::new();
    for (stem, table) in &files.tables {
        let path = dir.join(format!("{stem}.csv"));
        let _tick = Tick(progress);
        table.write_csv(&path)?;
        written.push(path);
    }
    let figures = files
        .figures
        .par_iter()
        .map(|(stem, fig)| {
            let _tick = Tick(progress);
            write_figure_or_skip(fig, &dir.join(stem))
        })
        .collect::<Result<Vec<_>, _>>()?;
    written.extend(figures.into_iter().flatten());
    let report = dir.join("report.txt");
    let _tick = Tick(progress);
    write_atomic(&report, files.report.as_bytes())?;
    written.push(report);
    Ok(written)
}

/// A one-line reading of an output file, by experiment and file name.
pub(super) fn describe(n: &str, name: &str) -> String {
    let stem = name.split('.').next().unwrap_or(name);
    let text = match (n, stem) {
        ("1" | "2" | "3", "errors") => "per (surface, bias, W): exponent errors (â−a)/a, (b̂−b)/b, log10-intercept errors (â0−a0)/|a0|, prefactor errors 10^(â0−a0)−1; Approach 2 fitted and closed form side by side",
        ("1" | "2" | "3", "optima") => "per (surface, bias, W, budget): relative and signed N* and D* errors, fitted and closed form",
        ("2", "exponent_errors") => "exponent errors of a and b against W, one curve per α/β ratio (drift 0.2)",
        ("1" | "2", _) if stem.contains('_') => "IsoFLOP curves with fitted parabolas and true/inferred N*; inferred optima against C; errors against W (markers fit, lines closed form)",
        ("3", "parameter_errors") => "3 × 4: rows surfaces, columns a, b, a0, b0 errors against W, one curve per bias",
        ("3", _) if stem.contains('_') && !stem.starts_with("optima_") => "one (surface, bias) case in Experiment 1's layout: IsoFLOP curves with fitted parabolas and true/inferred N* at three widths, inferred optima against C, errors against W (markers fit, lines closed form)",
        ("3", _) if stem.starts_with("optima_") => "per-budget N* and D* errors (relative %, signed) against W for baseline, drift_0.4, scale_2.0",
        ("4", "extrapolation") => "relative D* error of Approach 2's law extrapolated to 1e22…1e25, rows widths, columns surfaces, one curve per bias",
        ("5", "parameter_recovery") => "VPNLS relative errors of E, A, B, α, β per surface, bias and width",
        ("5", "extrapolation") => "D* extrapolated from the fitted surface, relative error",
        ("5", "method_comparison") => "every optimizer configuration's parameter errors (baseline bias)",
        ("5", "method_summary") => "failure rate and worst error per method and surface",
        ("6", "analytical_error") => "Approach 2 intercept and exponent errors, numerical against the closed form",
        ("7", "exponent_recovery") => "noise-free exponent errors of Approach 2, Approach 3 and VPNLS against points per curve",
        ("7", "noisy_summary" | "noisy_exponent_error") => "noisy exponent errors per σ, budgets, points and method",
        ("7", "method_comparison") => "every noisy method's errors pooled over σ, budgets, points and repeats: fits, min, geometric mean, max, status counts (CSV); its error distribution per method (KDE, geometric mean, min–max) and a heat map of the largest errors (figure)",
        ("7", "exponent_inference_errors") => "box plots of |relative error of a| per cell (rows budgets, columns σ, groups points per curve), one box per method",
        ("7", "isoflop_curves") => "the noisy IsoFLOP data of the sweep, one draw per σ, over the noise-free curves",
        ("13", "summary") => "per (setting, σ, width, budgets, points, method): failures, bias, sd, RMSE and median |error| of â − a and of log10 D* at 1e24",
        ("13", _) if stem.ends_with("_exponent_a") => "RMSE (solid) and |bias| (dashed, band ± 2 standard errors) of â − a against points per curve, one colour per method; a series on another drawn hollow and named in the legend",
        ("13", _) if stem.ends_with("_dstar") => "RMSE (solid) and |bias| (dashed, band ± 2 standard errors) of the log10 D*(1e24) error against points per curve, one colour per method; a series on another drawn hollow and named in the legend",
        ("14", "exp14_profiles") => "at the habit's compute: the best expected RMSE of ln N*(1e24) per method for each width, point count and number of budgets (closed forms, proofs/19)",
        ("14", "exp14_recommended") => "per surface and method: the best design at the habit's compute, its RMSE closed form and Monte Carlo, the habit's, and the compute the habit wastes for its error",
        ("14", "exp14_pareto") => "expected RMSE of ln N*(1e24) against compute: one Pareto front per method, the habit as a large dot",
        ("8", "fits") => "Approach 3 and VPNLS fits of the conditioning case",
        ("8", "hessians") => "eigenvalues and eigenvectors of the 5-D and 2-D Hessians",
        ("8", "noise") => "how noise hides the conditioning gap",
        ("8", "precision_ladder") => "VPNLS and Approach 2 errors at 53 … 256 bits",
        ("9", "fits") => "every fit: σ, W, points, budgets, repeat, method, status, b̂, b̂ − b",
        ("9", "summary") => "per σ and method: converged fits, median, quartiles, mean |b̂ − b|",
        ("9", "signed_error") => "box plots of b̂ − b per method and σ (all cells pooled)",
        ("9", "pooled_variance") => "per method, per σ and pooled over every cell (sigma = all): converged fits, variance (divisor n) and sd of b̂ − b",
        ("9", "data_efficiency") => "variance of b̂ − b per method pooled over every cell (bars, ×1e-4) and per σ (heat map)",
        ("9", "signed_error_detail") => "box plots of b̂ − b by σ, budgets and points (symmetric-log axis)",
        ("10", "allocation_cost") => "24 rows: D̂, N forced by the budget, loss reached, C(L), wasted FLOPs, share, loss gap, dollars; numerical and closed form",
        ("10", "d_error") => "relative error (%) of Approach 2's D* extrapolated to 1e24, bars per surface and grid width, one panel per bias; black ticks: the closed form",
        ("10", "wasted_share") => "wasted share of a 1e24 budget against grid width, one curve per surface and bias",
        ("11", "simulated_costs") => "Approach 2's D* error and wasted compute at 3.8e25 per surface (Llama 3, Chinchilla, SODA, Sparse-NMM), bias and width: simulated and closed form side by side (CSV); wasted share against width, simulated fits as rings on the closed-form lines (figure)",
        ("11", "real_costs") => "Approach 2 on the real Llama 3 and Epoch AI points against each parametric fit taken as the truth, per QC filter level, with bootstrap intervals",
        ("11", "token_allocation_errors") => "relative D* error (%) of Approach 2 extrapolated to 3.8e25 per surface and grid width, one panel per bias (bars: simulated fit, black ticks: closed form)",
        ("11", "compute_allocation_errors") => "wasted compute (% of budget, log axis) of following Approach 2's D*: real Llama 3 / Epoch AI data against each fitted truth with 95% bootstrap whiskers, simulated surfaces (drift to 3×, ±2×) with the closed form as a tick",
        ("11", "allocation") => "the allocation table: per real study and truth, and per simulated surface (drift to 3×, ±2×; simulated and closed form), D* and N* true and inferred, D/N ratios, loss penalty, wasted FLOPs, share and dollars, bootstrap interval",
        ("11", _) if stem.starts_with("progressive_filter_") => "one study and truth: wasted compute (% of budget) at each cumulative QC filter level (bars) beside a table of the points and budgets removed and left and the dollars",
        ("11", "filter_costs") => "wasted compute per cumulative QC filter level (duplicates/too few → off-centre/spline → weak curvature → post-QC)",
        ("12", "residual_fits") => "Approach 3 fits (with and without log-loss) on each study's clean points",
        ("12", "residuals") => "residuals L_obs − L_pred per point and budget, before and after the FLOP-factor adjustment (CSV); strip plots per budget (figure)",
        ("12", "isoflops_log_loss") => "per study the clean IsoFLOP points (loss against N, a colour per budget) and the Approach 3 log-loss fit drawn along each budget at D = C/(6N), fitted optima as black dots",
        ("12", "isoflops_log_loss_adj") => "the same with the fit drawn at D = C/(k·N), k the budget's fitted FLOP factor",
        ("12", "residuals_lin_loss") => "residuals of Approach 3 fitted on the loss (RSS) against budget, a panel per study, sd in each",
        ("12", "residuals_log_loss") => "residuals of Approach 3 fitted on the log loss against budget, a panel per study, sd in each",
        ("12", "residuals_log_loss_adj") => "residuals of the log-loss fit after the per-budget FLOP factor against budget, a panel per study",
        ("12", "residuals_summary") => "per study and budget: points, k, mean and sd (divisor n) of the residuals of each fit (CSV); residual sd per budget before and after the FLOP factor, a line per study (figure)",
        ("12", "flop_factors") => "per budget the FLOP factor k in C = k·N·D that best explains the losses (κ, k), one series per study",
        ("0", "reproductions") => "Epoch AI's published Chinchilla Approach 3 replication beside ours (Huber fit, Huber-likelihood fit, bootstrap standard errors), and VPNLS/Approach 3 on the ml-scalefit and Epoch subsets",
        (_, "report") => "the experiment's report (printed by the command)",
        _ => "see the experiment's report",
    };
    text.to_string()
}

fn index_markdown(
    out: &Path,
    entries: &[Entry],
    sweep: Option<(usize, f64)>,
    total_seconds: f64,
) -> String {
    let mut s = String::from("# The simulation study\n\n");
    s.push_str(&format!(
        "Written by `scaling-laws experiment all` ({} {}). Seeds: Experiment 7 {}, Experiment 8 {}, Experiment 9 {}, Experiment 14 {}; the other experiments are noise-free and draw nothing at random. Total wall time {total_seconds:.2} s.\n\n",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        exp7::Exp7Config::default().noisy.map_or(0, |n| n.seed),
        exp8::Exp8Config::default().seed,
        exp9::Exp9Config::default().seed,
        exp14::Exp14Config::default().seed,
    ));
    if let Some((cells, secs)) = sweep {
        s.push_str(&format!(
            "Experiments 1–4 and 10 read one shared Approach 2 sweep ({cells} distinct surface × bias × width cells, each fitted and predicted in closed form) computed in {secs:.2} s, not counted in their times below.\n\n"
        ));
    }
    s.push_str(
        "| experiment | wall time (s) | computing (s) | writing files (s) |\n|---|---|---|---|\n",
    );
    for e in entries {
        s.push_str(&format!(
            "| {} | {:.2} | {:.2} | {:.2} |\n",
            e.title.replace('|', "\\|"),
            e.seconds,
            e.compute_seconds,
            e.seconds - e.compute_seconds
        ));
    }
    let computing: f64 = entries.iter().map(|e| e.compute_seconds).sum();
    let writing: f64 = entries.iter().map(|e| e.seconds - e.compute_seconds).sum();
    s.push_str(&format!(
        "\nWhere the time goes: computing (fits, closed forms, and the figures' data: KDEs, box statistics) {computing:.2} s in all, writing (CSV tables, drawing every figure to PNG and SVG, reports) {writing:.2} s. Wall times on a machine shared with other jobs vary with its load.\n"
    ));
    for e in entries {
        s.push_str(&format!(
            "\n## {}\n\nWall time {:.2} s.\n\n",
            e.title, e.seconds
        ));
        for f in &e.files {
            let rel = f.strip_prefix(out).unwrap_or(f);
            let name = rel
                .file_name()
                .map(|x| x.to_string_lossy().into_owned())
                .unwrap_or_default();
            s.push_str(&format!(
                "- `{}` — {}\n",
                rel.display(),
                describe(&e.number, &name)
            ));
        }
        s.push_str("\nHeadline numbers (from `report.txt`):\n\n```text\n");
        s.push_str(e.report.trim_end());
        s.push_str("\n```\n");
    }
    s
}
