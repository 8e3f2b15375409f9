//! The two-term ("dark matter") analysis on the published Chinchilla runs:
//! the published numbers, and the command line's JSON and folder.

use std::path::PathBuf;

use scaling_laws::io::runs::{read_runs, RunColumns};
use scaling_laws::studies::dark_matter::{
    analyse_dark_matter, consistency, DarkMatterInput, DarkMatterParams, Evidence, Metric,
    MetricColumn,
};

use super::common::published;
use super::support::{json_of, words};

/// The Chinchilla runs (Epoch AI's extraction; published data).
fn chinchilla_path() -> PathBuf {
    published("chinchilla/svg_extracted_data.csv")
}

fn chinchilla_input() -> DarkMatterInput {
    let runs = read_runs(&chinchilla_path(), &RunColumns::default(), 5).unwrap();
    assert_eq!(runs.loss.len(), 245);
    DarkMatterInput {
        loss: runs.loss.clone(),
        group: runs.size.clone(),
        metrics: vec![
            MetricColumn {
                metric: Metric::Size,
                x: runs.size.clone(),
                scale: 1e9,
            },
            MetricColumn {
                metric: Metric::Flops,
                x: runs.flops.clone(),
                scale: 1e18,
            },
            MetricColumn {
                metric: Metric::Tokens,
                x: runs.tokens.clone(),
                scale: 1e9,
            },
        ],
    }
}

/// The published results: RylanSchaeffer/KoyejoLab-Robustness-Chinchilla-
/// Compute-Optimal-Scaling, branch `dark-matter`,
/// results/dark_matter_analysis/dark_matter_improvements.csv and
/// dark_matter_summary_results.csv (RMSE_Improvement_Pct per metric; the
/// token fits' alpha1 and E).
const PUBLISHED_RMSE_IMPROVEMENT: [(Metric, f64); 3] = [
    (Metric::Size, -0.5601249918346145),
    (Metric::Flops, -0.036746711243669496),
    (Metric::Tokens, 7.687026029519388),
];

pub fn chinchilla_published_numbers_are_reproduced() {
    let params = DarkMatterParams {
        folds: 0,
        bootstrap: 0,
        ..DarkMatterParams::default()
    };
    let r = analyse_dark_matter(&chinchilla_input(), &params).unwrap();
    for (metric, published) in PUBLISHED_RMSE_IMPROVEMENT {
        let m = r.metrics.iter().find(|m| m.metric == metric).unwrap();
        assert!(
            (m.rmse_improvement_pct - published).abs() < 0.1,
            "{metric:?}: {} vs published {published}",
            m.rmse_improvement_pct
        );
        // The nested start: never worse than the single law.
        assert!(m.two_term.objective <= m.single.objective);
    }
    let t = r
        .metrics
        .iter()
        .find(|m| m.metric == Metric::Tokens)
        .unwrap();
    // Published: single α 0.22802, E 1.70644; two-term exponents 1.9031 and 0.1463.
    assert!((t.single.law.terms[0].alpha - 0.228).abs() < 5e-4);
    assert!((t.single.law.e - 1.706).abs() < 5e-4);
    assert!((t.two_term.law.terms[0].alpha - 1.90).abs() < 5e-3);
    assert!((t.two_term.law.terms[1].alpha - 0.146).abs() < 5e-4);
    assert_eq!(t.verdict, Evidence::Strong);
    assert_eq!(r.best_metric, Metric::Tokens);
    assert_eq!(r.consistency.level, "low");
    let c = consistency(&r.metrics);
    let a1: Vec<f64> = r.metrics.iter().map(|m| m.two_term.theta[1]).collect();
    let span =
        a1.iter().cloned().fold(f64::MIN, f64::max) - a1.iter().cloned().fold(f64::MAX, f64::min);
    assert_eq!(c.alpha1_range, span);
    // The FLOPs two-term fit trades a near-zero exponent against E.
    let f = r
        .metrics
        .iter()
        .find(|m| m.metric == Metric::Flops)
        .unwrap();
    assert_eq!(f.two_term.status.as_str(), "near_singular");
    assert_eq!(t.two_term.status.as_str(), "converged");
}

pub fn dark_matter_json_has_the_contract_keys_and_writes_its_folder() {
    let out = std::env::temp_dir().join(format!("sl-dm-cli-{}", std::process::id()));
    let (data, dir) = (
        chinchilla_path().to_str().unwrap().to_string(),
        out.to_str().unwrap().to_string(),
    );
    let mut args = vec!["dark-matter", "--data", &data, "--out", &dir];
    args.extend(words("--metrics tokens --folds 2 --bootstrap 8 --json"));
    let v = json_of(&args);
    let t = &v["tokens"];
    for k in ["C", "alpha", "E"] {
        assert!(t["single"][k].as_f64().is_some(), "single.{k}");
    }
    for k in ["C1", "alpha1", "C2", "alpha2", "E"] {
        assert!(t["two_term"][k].as_f64().is_some(), "two_term.{k}");
    }
    for k in [
        "rmse_single",
        "rmse_two_term",
        "rmse_improvement_pct",
        "objective_single",
        "objective_two_term",
        "objective_improvement_pct",
    ] {
        assert!(t[k].as_f64().is_some(), "{k}");
    }
    assert_eq!(t["verdict"], "strong");
    assert!(t["aic"]["two_term"].as_f64().is_some());
    assert!(t["bic"]["single"].as_f64().is_some());
    assert!(t["cv_rmse"]["by_model_size"]["two_term"].as_f64().is_some());
    assert!(t["cv_rmse"]["random"]["single"].as_f64().is_some());
    assert!(t["rmse_improvement_ci"]["lo"].as_f64().is_some());
    assert!(t["honest_verdict"].as_str().is_some());
    assert_eq!(v["best_metric"], "tokens");
    assert!(v["consistency"]["level"].as_str().is_some());
    for f in [
        "tokens/fitted_parameters.csv",
        "tokens/dark_matter_scaling_analysis.png",
        "summary.csv",
        "improvements.csv",
        "summary.png",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let params = std::fs::read_to_string(out.join("tokens/fitted_parameters.csv")).unwrap();
    assert!(params.starts_with("model,C1,alpha1,C2,alpha2,E,normalization_factor"));
    std::fs::remove_dir_all(&out).unwrap();
}

/// The FLOPs two-term fit on the Chinchilla runs reaches the same objective
/// whatever the seed, at or below the original program's best seed's
/// 4.0200722e-3 (issue 22; before, 9 of 22 seeds stopped at 4.020125950e-3).
/// The default draws nothing (no jittered restarts: the seed reaches no fit,
/// `jittered_starts` is empty); with the original program's 10 jittered
/// restarts of the two-term law drawn from seeds 0–20 (`fit.seed`), it ends at
/// the same objective to 1e-12 relative (the global stage and certificate,
/// proofs/12 §12.10).
pub fn dark_matter_fit_does_not_depend_on_the_seed() {
    use scaling_laws::fitters::power_law::jittered_starts;
    use scaling_laws::models::power_law::PowerLawForm;
    use scaling_laws::studies::dark_matter::analyse_metric;
    let input = chinchilla_input();
    let flops = input
        .metrics
        .iter()
        .find(|m| m.metric == Metric::Flops)
        .unwrap();
    let defaults = DarkMatterParams::default();
    assert!(jittered_starts(PowerLawForm::TwoTerm, &defaults.fit).is_empty());
    let objective = |seed: u64, restarts: usize| {
        let mut params = DarkMatterParams {
            folds: 0,
            bootstrap: 0,
            ..DarkMatterParams::default()
        }
        .with_seed(seed);
        params.fit.seed = seed;
        params.fit.restarts_two_term = restarts;
        analyse_metric(flops, &input.loss, &input.group, &params)
            .unwrap()
            .two_term
            .objective
    };
    // The seed moves the restarts' starts.
    let starts = |seed: u64| {
        let mut fit = defaults.fit.clone();
        fit.seed = seed;
        fit.restarts_two_term = 10;
        jittered_starts(PowerLawForm::TwoTerm, &fit)
    };
    assert_ne!(starts(0), starts(1));
    let first = objective(0, 0);
    assert!(first <= 4.0200722e-3, "{first}");
    for seed in 0..=20 {
        let o = objective(seed, 10);
        assert!(
            (o - first).abs() <= 1e-12 * first,
            "seed {seed}: {o} vs {first}"
        );
    }
}

/// No legend and no note covers data in the study figures drawn from the
/// published data: the dark-matter metric and summary figures (default
/// analysis) and every IsoFLOP fit figure (`plots::covered_marks` replays
/// `write_figure`'s placement; the synthetic experiments' figures:
/// `experiment_figures::no_legend_or_note_covers_data_in_any_experiment_figure`).
pub fn no_legend_or_note_covers_data_in_any_study_figure() {
    use scaling_laws::io::isoflops::read_isoflops;
    use scaling_laws::plots::covered_marks;
    use scaling_laws::studies::dark_matter::figures::report_files;
    use scaling_laws::studies::isoflops::experiments;
    use scaling_laws::studies::isoflops::fits::{fit_experiment, FitSettings};
    let r = analyse_dark_matter(&chinchilla_input(), &DarkMatterParams::default()).unwrap();
    let mut figures: Vec<(String, scaling_laws::plots::Figure)> = report_files(&r).figures;
    let rows = read_isoflops(&published("isoflops/isoflops.csv")).unwrap();
    for e in experiments(&rows, &[]).unwrap() {
        let fit = fit_experiment(&e, &FitSettings::default()).unwrap();
        figures.push((format!("isoflops fit {}", e.name), fit.figure));
    }
    assert!(figures.len() >= 12, "{}", figures.len());
    for (stem, fig) in &figures {
        let covered = covered_marks(fig);
        assert!(
            covered.iter().all(|&c| c == 0),
            "{stem}: marks covered per panel {covered:?}"
        );
    }
}
