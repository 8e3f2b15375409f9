//! The original program's files: the folder, file and column names its
//! `results/dark_matter_analysis/` holds, written beside ours so that a
//! script written for the original reads our output unchanged
//! (specs/dark-matter.md, "Seed-compatible files").

use crate::io::Table;

use super::{DarkMatterReport, Metric, MetricAnalysis};

/// The original's name of a metric (its `Compute_Metric` column).
pub fn seed_metric_name(metric: Metric) -> &'static str {
    match metric {
        Metric::Size => "Model Size (Parameters)",
        Metric::Flops => "Training FLOPs",
        Metric::Tokens => "Training Tokens",
    }
}

/// The original's folder of a metric: its name with spaces as `_` and
/// without parentheses.
pub fn seed_folder(metric: Metric) -> &'static str {
    match metric {
        Metric::Size => "Model_Size_Parameters",
        Metric::Flops => "Training_FLOPs",
        Metric::Tokens => "Training_Tokens",
    }
}

/// The original's model names (its `Model`/`Model_Type` column).
pub const SEED_MODELS: [&str; 2] = ["Single Power Law", "Two-Term Power Law"];

/// Header of `<folder>/fitted_parameters.csv`.
pub const FITTED_PARAMETERS_HEADER: [&str; 7] = [
    "Model",
    "C1",
    "alpha1",
    "C2",
    "alpha2",
    "E",
    "normalization_factor",
];

/// Header of `dark_matter_summary_results.csv`.
pub const SUMMARY_RESULTS_HEADER: [&str; 10] = [
    "Compute_Metric",
    "Model_Type",
    "C1",
    "alpha1",
    "C2",
    "alpha2",
    "E",
    "RMSE",
    "MAE",
    "Fitting_Loss",
];

/// Header of `dark_matter_improvements.csv`.
pub const IMPROVEMENTS_HEADER: [&str; 7] = [
    "Compute_Metric",
    "RMSE_Improvement_Pct",
    "Loss_Improvement_Pct",
    "Single_RMSE",
    "TwoTerm_RMSE",
    "Single_Loss",
    "TwoTerm_Loss",
];

/// A float as Python's `repr` (and so pandas' CSV writer) spells it: the
/// shortest text that reads back to the same value, with `.0` on integral
/// values, and exponent notation (`1e+18`, `1.5e-05`) below 1e-4 and from
/// 1e16 on; non-finite values as `nan`, `inf`, `-inf`.
pub fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{x:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    let s = format!("{x}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

fn law_cells(m: &MetricAnalysis, two: bool) -> Vec<String> {
    super::figures::law_cells(m, two, py_float)
}

/// `<folder>/fitted_parameters.csv` of one metric, as the original writes it.
pub fn seed_fitted_parameters(m: &MetricAnalysis) -> Table {
    let mut t = Table::new(&FITTED_PARAMETERS_HEADER);
    for (k, model) in SEED_MODELS.iter().enumerate() {
        let mut row = vec![(*model).to_string()];
        row.extend(law_cells(m, k == 1));
        row.push(py_float(m.scale));
        t.push(row);
    }
    t
}

/// `dark_matter_summary_results.csv`: per metric and model the law, the
/// in-sample RMSE and MAE, and the fitting loss (the objective).
pub fn seed_summary_results(r: &DarkMatterReport) -> Table {
    let mut t = Table::new(&SUMMARY_RESULTS_HEADER);
    for m in &r.metrics {
        for (k, model) in SEED_MODELS.iter().enumerate() {
            let s = if k == 1 {
                &m.two_term_stats
            } else {
                &m.single_stats
            };
            let mut row = vec![seed_metric_name(m.metric).to_string(), (*model).to_string()];
            row.extend(law_cells(m, k == 1));
            row.extend([py_float(s.rmse), py_float(s.mae), py_float(s.objective)]);
            t.push(row);
        }
    }
    t
}

/// `dark_matter_improvements.csv`: per metric the RMSE and fitting-loss
/// improvements (percent) and the numbers they come from.
pub fn seed_improvements(r: &DarkMatterReport) -> Table {
    let mut t = Table::new(&IMPROVEMENTS_HEADER);
    for m in &r.metrics {
        let (a, b) = (&m.single_stats, &m.two_term_stats);
        t.push(vec![
            seed_metric_name(m.metric).to_string(),
            py_float(m.rmse_improvement_pct),
            py_float(m.objective_improvement_pct),
            py_float(a.rmse),
            py_float(b.rmse),
            py_float(a.objective),
            py_float(b.objective),
        ]);
    }
    t
}

/// The original's files that are tables, by path relative to the output
/// folder.
pub fn seed_tables(r: &DarkMatterReport) -> Vec<(String, Table)> {
    let mut v: Vec<(String, Table)> = r
        .metrics
        .iter()
        .map(|m| {
            (
                format!("{}/fitted_parameters.csv", seed_folder(m.metric)),
                seed_fitted_parameters(m),
            )
        })
        .collect();
    v.push((
        "dark_matter_summary_results.csv".into(),
        seed_summary_results(r),
    ));
    v.push(("dark_matter_improvements.csv".into(), seed_improvements(r)));
    v
}

/// The original's figures, as `(our PNG, the original's PNG)` relative to
/// the output folder: the same drawings under the original's names.
pub fn seed_figures(r: &DarkMatterReport) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = r
        .metrics
        .iter()
        .map(|m| {
            (
                format!("{}/dark_matter_scaling_analysis.png", m.metric.name()),
                format!("{}/dark_matter_scaling_analysis.png", seed_folder(m.metric)),
            )
        })
        .collect();
    v.push((
        "summary.png".into(),
        "dark_matter_summary_comparison.png".into(),
    ));
    v
}
