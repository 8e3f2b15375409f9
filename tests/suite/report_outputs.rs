//! Issue 26, items 4–6: progress reported through the `Progress` trait
//! (counts, and lines on a piped standard error), `index.html` (structure,
//! every reference resolves, nothing external), and the files and text the
//! original programs wrote (dark-matter's layout and columns, hitchhiker's
//! block and summary).

use std::path::{Path, PathBuf};

use crate::support::{self, dark_matter_args, run_status};
use scaling_laws::experiments::exp9::{run_exp9, run_exp9_with, Exp9Config};
use scaling_laws::models::power_law::PowerLawSum;
use scaling_laws::progress::Tally;
use scaling_laws::sampling::noise::Rng;
use scaling_laws::studies::dark_matter::seed::{
    py_float, FITTED_PARAMETERS_HEADER, IMPROVEMENTS_HEADER, SUMMARY_RESULTS_HEADER,
};
use scaling_laws::studies::dark_matter::{
    analyse_metric, analyse_metric_with, metric_work, DarkMatterInput, DarkMatterParams,
};

fn scratch(name: &str) -> PathBuf {
    support::scratch(&format!("i26-{name}"))
}

fn small_exp9() -> Exp9Config {
    Exp9Config {
        sigmas: vec![0.01, 0.05],
        widths: vec![0.5],
        points: vec![9],
        budget_counts: vec![3, 5],
        repeats: 3,
        ..Exp9Config::default()
    }
}

// ------------------------------------------------------------ 4. progress

#[test]
fn progress_is_ticked_once_per_data_set_and_changes_nothing() {
    let cfg = small_exp9();
    let tally = Tally::default();
    let with = run_exp9_with(&cfg, &tally).unwrap();
    // 2 σ × 1 width × 1 points × 2 budget counts × 3 repeats = 12 data sets.
    assert_eq!(tally.stages(), vec![("noisy data sets".to_string(), 12)]);
    assert_eq!(
        (tally.started(), tally.finished(), tally.ticks()),
        (1, 1, 12)
    );
    // The same rows without a receiver, and on one thread.
    let silent = run_exp9(&cfg).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| run_exp9_with(&cfg, &Tally::default()).unwrap());
    // (Debug text: a failed fit's NaN is not equal to itself.)
    let text = |rows: &[_]| format!("{rows:?}");
    assert_eq!(text(&with.rows), text(&silent.rows));
    assert_eq!(text(&with.rows), text(&one.rows));
}

/// Synthetic runs on tokens (`dark_matter::synthetic`: 12 sizes × 8 token
/// counts), a single power law with 1 % multiplicative noise.
fn tokens_input() -> DarkMatterInput {
    let law = PowerLawSum::from_theta(&[0.5f64.ln(), 0.3, 1.7f64.ln()]).unwrap();
    crate::dark_matter::synthetic(&law, 0.01, 3)
}

#[test]
fn dark_matter_ticks_every_fit_fold_and_replicate() {
    let params = DarkMatterParams {
        folds: 3,
        bootstrap: 7,
        ..DarkMatterParams::default()
    };
    // 1 full-data fit + 2 schemes × 3 folds + 7 replicates.
    assert_eq!(metric_work(&params), 14);
    let input = tokens_input();
    let tally = Tally::default();
    let m = analyse_metric_with(
        &input.metrics[0],
        &input.loss,
        &input.group,
        &params,
        &tally,
    )
    .unwrap();
    assert_eq!(tally.stages(), vec![("training tokens D".to_string(), 14)]);
    assert_eq!((tally.finished(), tally.ticks()), (1, 14));
    let silent = analyse_metric(&input.metrics[0], &input.loss, &input.group, &params).unwrap();
    assert_eq!(m.rmse_improvement_ci, silent.rmse_improvement_ci);
    assert_eq!(m.cv, silent.cv);
}

#[test]
fn piped_experiment_prints_a_line_per_stage_on_stderr_and_stdout_is_the_answer() {
    let dir = scratch("progress");
    let out = dir.to_str().unwrap();
    let (code, stdout, stderr) = run_status(&["experiment", "6", "--out", out]);
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    // One line per finished stage, the experiment's last.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("experiment 6: writing: 3/3 done in ")),
        "{stderr}"
    );
    assert!(
        lines.last().unwrap().starts_with("experiment 6: done in "),
        "{stderr}"
    );
    assert!(lines.iter().all(|l| l.contains(" done in ")), "{stderr}");
    // Standard output: the report and the files, no progress.
    assert!(!stdout.contains(" done in "), "{stdout}");
    let report = std::fs::read_to_string(dir.join("exp6/report.txt")).unwrap();
    assert!(stdout.starts_with(report.trim_end()), "{stdout}");
    assert!(stdout.contains("experiment 6 ran in"));
    // Experiment 9: its data sets are a counted stage.
    let (code, _, stderr) = run_status(&["experiment", "9", "--out", out]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("experiment 9: noisy data sets: 810/810 done in "),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

// ------------------------------------------------------------ 5. index.html

/// The values of every `src="…"` and `href="…"` in `html`.
fn references(html: &str) -> Vec<String> {
    let mut v = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            let after = &rest[i + attr.len()..];
            let end = after.find('"').unwrap();
            v.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    v
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn index_html_has_a_contents_every_figure_table_and_report_and_no_missing_file() {
    let dir = scratch("index");
    let out = dir.to_str().unwrap();
    // Without --index (and not `all`): no index.
    let (code, _, err) = run_status(&["experiment", "6", "--out", out]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!dir.join("index.html").exists());
    let (code, stdout, err) = run_status(&["experiment", "6", "--index", "--out", out]);
    assert_eq!(code, Some(0), "{err}");
    assert!(stdout.contains(&format!("wrote {}", dir.join("index.html").display())));
    assert!(dir.join("index.md").is_file());
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    // Nothing from elsewhere.
    assert!(!html.contains("http://") && !html.contains("https://"));
    // The contents: an entry per section, each anchor has its element.
    let toc = &html[html.find("<nav id=\"toc\">").unwrap()..html.find("</nav>").unwrap()];
    for anchor in ["#timing", "#exp6"] {
        assert!(toc.contains(&format!("href=\"{anchor}\"")), "{toc}");
    }
    let refs = references(&html);
    for r in &refs {
        if let Some(id) = r.strip_prefix('#') {
            assert!(html.contains(&format!("id=\"{id}\"")), "anchor {r}");
        } else {
            assert!(!r.contains(':') && !r.starts_with('/'), "not relative: {r}");
            assert!(dir.join(r).is_file(), "{r} does not exist");
        }
    }
    // Every figure shown (its PNG) and linked to its SVG; every table linked.
    let files: Vec<String> = std::fs::read_dir(dir.join("exp6"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let pngs: Vec<&String> = files.iter().filter(|f| f.ends_with(".png")).collect();
    assert!(!pngs.is_empty());
    assert_eq!(html.matches("<img ").count(), pngs.len());
    for f in &files {
        let rel = format!("exp6/{f}");
        if f.ends_with(".png") {
            assert!(html.contains(&format!("src=\"{rel}\"")), "{rel}");
        } else {
            assert!(refs.contains(&rel), "{rel} not linked");
        }
    }
    // The report, verbatim.
    let report = std::fs::read_to_string(dir.join("exp6/report.txt")).unwrap();
    let pre = &html[html.find("<pre>").unwrap() + 5..html.find("</pre>").unwrap()];
    assert_eq!(unescape(pre), report.trim_end());
    std::fs::remove_dir_all(&dir).unwrap();
}

// ------------------------------------------------------------ 6. seed files

#[test]
fn py_float_spells_floats_as_python_repr() {
    for (x, s) in [
        (1e9, "1000000000.0"),
        (1e18, "1e+18"),
        (1e16, "1e+16"),
        (9999999999999998.0, "9999999999999998.0"),
        (1.5e-5, "1.5e-05"),
        (1e-4, "0.0001"),
        (0.0, "0.0"),
        (-0.5601249918346145, "-0.5601249918346145"),
        (7.687026029519388, "7.687026029519388"),
        (2.5e-300, "2.5e-300"),
        (f64::NAN, "nan"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        assert_eq!(py_float(x), s, "{x:e}");
    }
}

/// A runs file from L = E + A/N^a + B/D^b with 1 % noise: 8 sizes × 6
/// token counts, C = 6ND.
fn runs_file(dir: &Path) -> PathBuf {
    let mut rng = Rng::new(11);
    let mut s = String::from("Model Size,Training FLOP,loss\n");
    for i in 0..8 {
        let n = 1e8 * 10f64.powf(i as f64 / 3.0);
        for j in 0..6 {
            let d = 20.0 * n * 10f64.powf((j as f64 - 2.5) / 3.0);
            let l = 1.7 + 400.0 / n.powf(0.34) + 410.0 / d.powf(0.28);
            s.push_str(&format!(
                "{n:e},{:e},{}\n",
                6.0 * n * d,
                l * (0.01 * rng.normal()).exp()
            ));
        }
    }
    let p = dir.join("runs.csv");
    std::fs::write(&p, s).unwrap();
    p
}

fn csv_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn dark_matter_writes_the_original_layout_with_its_column_names() {
    let dir = scratch("dm-seed");
    let data = runs_file(&dir);
    let out = dir.join("out");
    let (code, stdout, stderr) = run_status(&dark_matter_args(
        &data,
        &out,
        &["--bootstrap", "3", "--folds", "2"],
    ));
    assert_eq!(code, Some(0), "{stderr}");
    // Progress: one line per metric, 1 + 2·2 + 3 units each (fewer done
    // when a cross-validation scheme stops at a fold it cannot fit).
    for label in [
        "model size N",
        "training compute C (FLOPs)",
        "training tokens D",
    ] {
        let line = stderr
            .lines()
            .find(|l| l.starts_with(&format!("{label}: ")))
            .unwrap_or_else(|| panic!("no line for {label}: {stderr}"));
        assert!(line.contains("/8 done in "), "{line}");
    }
    assert!(
        stderr.contains("training tokens D: 8/8 done in "),
        "{stderr}"
    );
    assert!(!stdout.contains(" done in "));
    let metrics = [
        (
            "Model_Size_Parameters",
            "Model Size (Parameters)",
            "1000000000.0",
        ),
        ("Training_FLOPs", "Training FLOPs", "1e+18"),
        ("Training_Tokens", "Training Tokens", "1000000000.0"),
    ];
    for (folder, _, scale) in metrics {
        assert!(out
            .join(folder)
            .join("dark_matter_scaling_analysis.png")
            .is_file());
        let lines = csv_lines(&out.join(folder).join("fitted_parameters.csv"));
        assert_eq!(lines[0], FITTED_PARAMETERS_HEADER.join(","));
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("Single Power Law,"), "{}", lines[1]);
        // The single law has no second term: two empty cells.
        assert!(lines[1].contains(",,,"), "{}", lines[1]);
        assert!(lines[2].starts_with("Two-Term Power Law,"), "{}", lines[2]);
        for l in &lines[1..] {
            assert!(l.ends_with(&format!(",{scale}")), "{l}");
        }
    }
    assert!(out.join("dark_matter_summary_comparison.png").is_file());
    // The same PNG bytes as ours.
    assert_eq!(
        std::fs::read(out.join("summary.png")).unwrap(),
        std::fs::read(out.join("dark_matter_summary_comparison.png")).unwrap()
    );
    let summary = csv_lines(&out.join("dark_matter_summary_results.csv"));
    assert_eq!(summary[0], SUMMARY_RESULTS_HEADER.join(","));
    assert_eq!(summary.len(), 7);
    let improvements = csv_lines(&out.join("dark_matter_improvements.csv"));
    assert_eq!(improvements[0], IMPROVEMENTS_HEADER.join(","));
    assert_eq!(improvements.len(), 4);
    // The numbers are ours: RMSE improvement as in report.json.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    for (k, (_, name, _)) in metrics.iter().enumerate() {
        assert!(summary[1 + 2 * k].starts_with(&format!("{name},Single Power Law,")));
        assert!(summary[2 + 2 * k].starts_with(&format!("{name},Two-Term Power Law,")));
        let cells: Vec<&str> = improvements[1 + k].split(',').collect();
        assert_eq!(cells[0], *name);
        let key = ["size", "flops", "tokens"][k];
        let ours = json[key]["rmse_improvement_pct"].as_f64().unwrap();
        // (serde_json's parser may miss the last bit of a float.)
        let csv = cells[1].parse::<f64>().unwrap();
        assert!((csv - ours).abs() <= 1e-14 * ours.abs(), "{csv} vs {ours}");
        // Loss_Improvement_Pct: the fitting objective's improvement.
        let loss = cells[2].parse::<f64>().unwrap();
        let ours = json[key]["objective_improvement_pct"].as_f64().unwrap();
        assert!(
            (loss - ours).abs() <= 1e-14 * ours.abs(),
            "{loss} vs {ours}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn registry() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/data/registry.toml").to_string()
}

/// `x` written with six decimals (and a sign when negative).
fn six_decimals(x: &str) -> bool {
    let x = x.strip_prefix('-').unwrap_or(x);
    matches!(x.split_once('.'), Some((i, f)) if !i.is_empty()
        && i.bytes().all(|b| b.is_ascii_digit())
        && f.len() == 6 && f.bytes().all(|b| b.is_ascii_digit()))
}

#[test]
fn hitchhiker_text_is_the_original_block_then_ours() {
    let reg = registry();
    let base = [
        "hitchhiker",
        "--registry",
        &reg,
        "opt_trajectories",
        "--bootstrap",
        "0",
    ];
    let (code, text, err) = run_status(&base);
    assert_eq!(code, Some(0), "{err}");
    let (_, json, _) = run_status(&[&base[..], &["--json"]].concat());
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    let d = &v["datasets"][0];
    let rule = "=".repeat(80);
    let lines: Vec<&str> = text.lines().collect();
    let fixed = [
        (0, rule.as_str()),
        (1, "DATASET: OPT_TRAJECTORIES"),
        (2, rule.as_str()),
        (
            3,
            "Fitted parameters (L = exp(E) + exp(A) * N^alpha + exp(B) * D^beta):",
        ),
        (4, "Log-space parameters:"),
        (8, "Scaling exponents:"),
        (11, "Exponential form (actual scaling law coefficients):"),
    ];
    for (i, want) in fixed {
        assert_eq!(lines[i], want, "line {i}:\n{text}");
    }
    // (line, prefix, JSON key, caption after the value)
    let numbered = [
        (5, "  E     = ", "E", ""),
        (6, "  A     = ", "A", ""),
        (7, "  B     = ", "B", ""),
        (9, "  alpha = ", "alpha", ""),
        (10, "  beta  = ", "beta", ""),
        (12, "  exp(E) = ", "exp_E", "  (irreducible loss)"),
        (
            13,
            "  exp(A) = ",
            "exp_A",
            "  (parameter scaling coefficient)",
        ),
        (14, "  exp(B) = ", "exp_B", "  (data scaling coefficient)"),
        (
            15,
            "  alpha*beta/(alpha+beta) = ",
            "alpha_beta_over_sum",
            "",
        ),
        (17, "  final Huber loss = ", "final_loss", ""),
    ];
    for (i, prefix, key, caption) in numbered {
        let value = lines[i]
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(caption))
            .unwrap_or_else(|| panic!("line {i}: {:?}", lines[i]));
        assert!(six_decimals(value), "line {i}: {value}");
        assert_eq!(
            value,
            format!("{:.6}", d[key].as_f64().unwrap()),
            "line {i}"
        );
    }
    assert_eq!(
        lines[16],
        format!("  num_points = {}", d["num_points"].as_u64().unwrap())
    );
    // Ours after the block.
    assert!(lines[18].contains(" curves, N from "), "{}", lines[18]);

    // Two datasets: the summary comparison.
    let (code, text, err) = run_status(&[
        "hitchhiker",
        "--registry",
        &reg,
        "opt_trajectories",
        "datablations_c4_1epoch",
        "--bootstrap",
        "0",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("dataset opt_trajectories: done in ")
            && err.contains("dataset datablations_c4_1epoch: done in "),
        "{err}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == "SUMMARY COMPARISON")
        .expect("SUMMARY COMPARISON");
    assert_eq!(lines[at - 1], rule);
    assert_eq!(lines[at + 1], rule);
    let header: Vec<&str> = lines[at + 2].split_whitespace().collect();
    assert_eq!(
        header,
        ["Dataset", "alpha", "beta", "exp(E)", "points", "status"]
    );
    assert_eq!(lines[at + 3], "-".repeat(80));
    for (k, name) in ["opt_trajectories", "datablations_c4_1epoch"]
        .iter()
        .enumerate()
    {
        let cells: Vec<&str> = lines[at + 4 + k].split_whitespace().collect();
        assert_eq!(cells[0], *name);
        for c in &cells[1..4] {
            assert!(six_decimals(c), "{c}");
        }
    }
    assert_eq!(lines[at + 6], rule);
}
