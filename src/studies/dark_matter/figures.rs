//! The analysis as files: tables and figures described as data (drawn and
//! written by the command line).

use crate::io::{fmt_f64, Table};
use crate::numerics::linspace;
use crate::plots::bars::{BarGroup, Bars};
use crate::plots::{Figure, LegendPosition, Panel, Series};

use super::{CvScheme, DarkMatterReport, Evidence, MetricAnalysis};

/// The improvement panel's y range, ±30 %: cross-validated "improvements"
/// of −10⁴ % would flatten the in-sample ones.
const IMPROVEMENT_CLIP: f64 = 30.0;

/// Points on the fine grid the fitted curves are drawn on.
const CURVE_POINTS: usize = 400;

/// The tables and figures of a report, by path relative to the output
/// directory (without extension for figures).
#[derive(Debug, Clone)]
pub struct DarkMatterFiles {
    /// `(path, table)`, written as CSV.
    pub tables: Vec<(String, Table)>,
    /// `(stem, figure)`, drawn as PNG and SVG.
    pub figures: Vec<(String, Figure)>,
}

/// The coefficients of one fit, `[C1, alpha1, C2, alpha2, E]`, each written
/// by `fmt`; the second term empty for the single law (ours and the seed's
/// files differ only in how a number is spelled).
pub(super) fn law_cells(m: &MetricAnalysis, two: bool, fmt: fn(f64) -> String) -> Vec<String> {
    let fit = if two { &m.two_term } else { &m.single };
    let t = &fit.law.terms;
    let (c2, a2) = if two {
        (fmt(t[1].c), fmt(t[1].alpha))
    } else {
        (String::new(), String::new())
    };
    vec![fmt(t[0].c), fmt(t[0].alpha), c2, a2, fmt(fit.law.e)]
}

fn params_row(m: &MetricAnalysis, two: bool) -> Vec<String> {
    let fit = if two { &m.two_term } else { &m.single };
    let mut row = vec![fit.form.name().to_string()];
    row.extend(law_cells(m, two, fmt_f64));
    row.extend([
        fmt_f64(m.scale),
        fit.status.as_str().to_string(),
        fmt_f64(fit.hessian_rcond),
    ]);
    row
}

/// `fitted_parameters.csv` of one metric: coefficients as C (not ln C), x
/// in units of the normalisation factor.
pub fn fitted_parameters_table(m: &MetricAnalysis) -> Table {
    let mut t = Table::new(&[
        "model",
        "C1",
        "alpha1",
        "C2",
        "alpha2",
        "E",
        "normalization_factor",
        "status",
        "hessian_rcond",
    ]);
    t.push(params_row(m, false));
    t.push(params_row(m, true));
    t
}

/// `summary.csv`: per metric and model, parameters, RMSE, MAE, objective,
/// AIC, AICc, BIC and CV RMSE (both schemes).
pub fn summary_table(r: &DarkMatterReport) -> Table {
    let mut t = Table::new(&[
        "metric",
        "model",
        "C1",
        "alpha1",
        "C2",
        "alpha2",
        "E",
        "rmse",
        "mae",
        "objective",
        "aic",
        "aicc",
        "bic",
        "cv_rmse_by_model_size",
        "cv_rmse_random",
        "status",
    ]);
    for m in &r.metrics {
        for two in [false, true] {
            let p = params_row(m, two);
            let s = if two {
                &m.two_term_stats
            } else {
                &m.single_stats
            };
            let cv = |scheme: CvScheme| {
                m.cv.iter()
                    .find(|c| c.scheme == scheme)
                    .map_or(String::new(), |c| {
                        fmt_f64(if two { c.two_term } else { c.single })
                    })
            };
            t.push(vec![
                m.metric.name().to_string(),
                p[0].clone(),
                p[1].clone(),
                p[2].clone(),
                p[3].clone(),
                p[4].clone(),
                p[5].clone(),
                fmt_f64(s.rmse),
                fmt_f64(s.mae),
                fmt_f64(s.objective),
                fmt_f64(s.ic.aic),
                fmt_f64(s.ic.aicc),
                fmt_f64(s.ic.bic),
                cv(CvScheme::ByModelSize),
                cv(CvScheme::Random),
                p[7].clone(),
            ]);
        }
    }
    t
}

/// `improvements.csv`: per metric, the improvements (percent), the
/// published verdict, the bootstrap interval and the honest verdicts.
pub fn improvements_table(r: &DarkMatterReport) -> Table {
    let mut t = Table::new(&[
        "metric",
        "rmse_improvement_pct",
        "mae_improvement_pct",
        "objective_improvement_pct",
        "verdict",
        "rmse_improvement_ci_lo",
        "rmse_improvement_ci_hi",
        "delta_aic",
        "delta_aicc",
        "delta_bic",
        "cv_improvement_pct_by_model_size",
        "cv_improvement_pct_random",
        "honest_verdict",
    ]);
    for m in &r.metrics {
        let (lo, hi) = m
            .rmse_improvement_ci
            .map_or((String::new(), String::new()), |(c, _)| {
                (fmt_f64(c[0]), fmt_f64(c[1]))
            });
        let cv = |scheme: CvScheme| {
            m.cv.iter()
                .find(|c| c.scheme == scheme)
                .map_or(String::new(), |c| fmt_f64(c.improvement_pct()))
        };
        let (a, b) = (&m.single_stats.ic, &m.two_term_stats.ic);
        t.push(vec![
            m.metric.name().to_string(),
            fmt_f64(m.rmse_improvement_pct),
            fmt_f64(m.mae_improvement_pct),
            fmt_f64(m.objective_improvement_pct),
            m.verdict.as_str().to_string(),
            lo,
            hi,
            fmt_f64(b.aic - a.aic),
            fmt_f64(b.aicc - a.aicc),
            fmt_f64(b.bic - a.bic),
            cv(CvScheme::ByModelSize),
            cv(CvScheme::Random),
            m.honest.overall.to_string(),
        ]);
    }
    t
}

/// A law as text, `C₁/x^α₁ + C₂/x^α₂ + E` with x in normalised units.
pub fn law_text(m: &MetricAnalysis, two: bool) -> String {
    law_written(m, two, short, |a| format!("{a:.4}"))
}

/// A law as the figures print it: three significant digits
/// ([`crate::io::fmt_sig`]), `C₁/x^α₁ + C₂/x^α₂ + E` with x in normalised
/// units.
fn law_figure_text(m: &MetricAnalysis, two: bool) -> String {
    let g = |v: f64| crate::io::fmt_sig(v, 3);
    law_written(m, two, g, g)
}

/// The law `C₁/x^α₁ + C₂/x^α₂ + E` with the coefficients and E written by
/// `coef`, the exponents by `exponent`.
fn law_written(
    m: &MetricAnalysis,
    two: bool,
    coef: impl Fn(f64) -> String,
    exponent: impl Fn(f64) -> String,
) -> String {
    let fit = if two { &m.two_term } else { &m.single };
    let mut s = String::new();
    for t in &fit.law.terms {
        s.push_str(&format!("{}/x^{} + ", coef(t.c), exponent(t.alpha)));
    }
    s.push_str(&coef(fit.law.e));
    s
}

/// Four decimals, or three significant digits in exponent form below 10⁻³
/// (an E of 1e-9 is not "0.0000").
fn short(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.2e}")
    } else {
        format!("{v:.4}")
    }
}

/// Panels of 760×480 pixels (room for the laws in the legends).
fn sized(mut fig: Figure) -> Figure {
    fig.panel_size = (760, 480);
    fig
}

/// `strong evidence`, `weak evidence` or `no evidence`.
fn phrase(e: Evidence) -> &'static str {
    match e {
        Evidence::Strong => "strong evidence",
        Evidence::Weak => "weak evidence",
        Evidence::None => "no evidence",
    }
}

/// The figure of one metric: data and both fits (log–log, fits on a fine
/// grid), residuals of each law against x, and bars of RMSE, MAE and
/// objective with the improvements.
pub fn metric_figure(m: &MetricAnalysis) -> Figure {
    let (lo, hi) =
        m.x.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
    let grid: Vec<f64> = linspace(lo.log10(), hi.log10(), CURVE_POINTS)
        .into_iter()
        .map(|v| 10f64.powf(v))
        .collect();
    let curve = |two: bool| {
        let fit = if two { &m.two_term } else { &m.single };
        grid.iter()
            .map(|&x| (x, fit.predict(x)))
            .collect::<Vec<_>>()
    };
    let data: Vec<(f64, f64)> = m.x.iter().copied().zip(m.loss.iter().copied()).collect();
    let x_label = format!(
        "{} (normalised by {:.0e} in the fit)",
        m.metric.label(),
        m.scale
    );
    let fits = Panel {
        title: "data and fits".into(),
        x_label: x_label.clone(),
        y_label: "final loss".into(),
        x_log: true,
        y_log: true,
        series: vec![
            Series::markers(format!("{} runs", m.n), data, 7),
            Series::line("single law", curve(false), 0),
            Series::line("two-term law", curve(true), 1).dashed(),
        ],
        legend: LegendPosition::UpperRight,
        ..Panel::default()
    };
    let residual_panel = |two: bool| {
        let fit = if two { &m.two_term } else { &m.single };
        let pts: Vec<(f64, f64)> =
            m.x.iter()
                .zip(&m.loss)
                .map(|(&x, &l)| (x, l - fit.predict(x)))
                .collect();
        let stats = if two {
            &m.two_term_stats
        } else {
            &m.single_stats
        };
        Panel {
            title: format!("{} residuals", if two { "two-term" } else { "single-law" }),
            x_label: x_label.clone(),
            y_label: "loss − fit".into(),
            x_log: true,
            series: vec![
                Series::markers("", pts, usize::from(two)),
                Series::line("", vec![(lo, 0.0), (hi, 0.0)], 6).dashed(),
            ],
            // The law beside its residuals (a legend entry this long
            // would leave the fits panel no free corner).
            annotations: vec![
                format!("L = {}", law_figure_text(m, two)),
                format!("RMSE {:.4}, MAE {:.4}", stats.rmse, stats.mae),
            ],
            legend: LegendPosition::None,
            ..Panel::default()
        }
    };
    let s = &m.single_stats;
    let t = &m.two_term_stats;
    let bars = Panel {
        title: "residual statistics".into(),
        y_label: "value (log scale)".into(),
        y_log: true,
        bars: Some(Bars {
            categories: vec!["RMSE".into(), "MAE".into(), "objective".into()],
            groups: vec![
                BarGroup::new("single", vec![s.rmse, s.mae, s.objective], 0),
                BarGroup::new("two-term", vec![t.rmse, t.mae, t.objective], 1),
            ],
            value_digits: Some(4),
            y_limits: None,
        }),
        annotations: vec![
            "two-term improvement:".into(),
            format!(
                "RMSE {:.2} %, MAE {:.2} %, objective {:.2} %",
                m.rmse_improvement_pct, m.mae_improvement_pct, m.objective_improvement_pct
            ),
        ],
        legend: LegendPosition::UpperRight,
        ..Panel::default()
    };
    let mut title = format!(
        "One law or two, x = {}: published rule {}, honest comparison {}",
        m.metric.name(),
        phrase(m.verdict),
        m.honest.overall.replace('_', " ")
    );
    if m.two_term.status.as_str() == "near_singular" {
        title.push_str(" (two-term parameters not identified)");
    }
    sized(Figure::new(
        title,
        2,
        2,
        vec![fits, bars, residual_panel(false), residual_panel(true)],
    ))
}

/// The summary figure across metrics: improvements (with the bootstrap
/// interval of the RMSE improvement), exponents, information-criterion
/// differences and cross-validated RMSE.
pub fn summary_figure(r: &DarkMatterReport) -> Figure {
    let cats: Vec<String> = r.metrics.iter().map(|m| m.metric.name().into()).collect();
    let col = |f: &dyn Fn(&MetricAnalysis) -> f64| r.metrics.iter().map(f).collect::<Vec<f64>>();
    let cv_imp = |scheme: CvScheme| {
        col(&|m: &MetricAnalysis| {
            m.cv.iter()
                .find(|c| c.scheme == scheme)
                .map_or(f64::NAN, |c| c.improvement_pct())
        })
    };
    let ci: Vec<[f64; 2]> = r
        .metrics
        .iter()
        .map(|m| m.rmse_improvement_ci.map_or([f64::NAN; 2], |c| c.0))
        .collect();
    let improvements = Panel {
        title: "two-term improvement over single (%)".into(),
        y_label: "improvement (%)".into(),
        bars: Some(Bars {
            categories: cats.clone(),
            groups: vec![
                BarGroup::new(
                    "RMSE in sample (95 % bootstrap)",
                    col(&|m| m.rmse_improvement_pct),
                    0,
                )
                .with_intervals(ci),
                BarGroup::new(
                    "objective in sample",
                    col(&|m| m.objective_improvement_pct),
                    1,
                ),
                BarGroup::new("RMSE, CV by model size", cv_imp(CvScheme::ByModelSize), 2),
                BarGroup::new("RMSE, CV random folds", cv_imp(CvScheme::Random), 3),
            ],
            value_digits: Some(2),
            y_limits: Some([-IMPROVEMENT_CLIP, IMPROVEMENT_CLIP]),
        }),
        annotations: vec![
            "published rule: > 5 % strong, > 1 % weak".into(),
            format!("axis cut at ±{IMPROVEMENT_CLIP} % (white break);"),
            "labels give the values".into(),
        ],
        legend: LegendPosition::LowerLeft,
        ..Panel::default()
    };
    let exponents = Panel {
        title: "fitted exponents".into(),
        y_label: "exponent".into(),
        bars: Some(Bars {
            categories: cats.clone(),
            groups: vec![
                BarGroup::new("single α", col(&|m| m.single.theta[1]), 0),
                BarGroup::new("two-term α₁ (steeper)", col(&|m| m.two_term.theta[1]), 1),
                BarGroup::new("two-term α₂", col(&|m| m.two_term.theta[3]), 2),
            ],
            value_digits: Some(3),
            y_limits: None,
        }),
        annotations: vec![format!(
            "consistency {}: range α₁ {:.2}, α₂ {:.2}",
            r.consistency.level, r.consistency.alpha1_range, r.consistency.alpha2_range
        )],
        legend: LegendPosition::LowerRight,
        ..Panel::default()
    };
    let ic = Panel {
        title: "information criteria, two-term − single".into(),
        y_label: "Δ (negative favours two-term)".into(),
        bars: Some(Bars {
            categories: cats.clone(),
            groups: vec![
                BarGroup::new(
                    "ΔAIC",
                    col(&|m| m.two_term_stats.ic.aic - m.single_stats.ic.aic),
                    0,
                ),
                BarGroup::new(
                    "ΔAICc",
                    col(&|m| m.two_term_stats.ic.aicc - m.single_stats.ic.aicc),
                    1,
                ),
                BarGroup::new(
                    "ΔBIC",
                    col(&|m| m.two_term_stats.ic.bic - m.single_stats.ic.bic),
                    2,
                ),
            ],
            value_digits: Some(3),
            y_limits: None,
        }),
        annotations: vec!["|Δ| ≤ 2: no preference; Δ < −10: strong".into()],
        legend: LegendPosition::LowerLeft,
        ..Panel::default()
    };
    let cv_rmse = |scheme: CvScheme, two: bool| {
        col(&|m: &MetricAnalysis| {
            m.cv.iter()
                .find(|c| c.scheme == scheme)
                .map_or(f64::NAN, |c| if two { c.two_term } else { c.single })
        })
    };
    let cv = Panel {
        title: format!("RMSE in sample and {}-fold cross-validated", r.params.folds),
        bars: Some(Bars {
            categories: cats,
            groups: vec![
                BarGroup::new("single, in sample", col(&|m| m.single_stats.rmse), 0),
                BarGroup::new("two-term, in sample", col(&|m| m.two_term_stats.rmse), 1),
                BarGroup::new(
                    "single, CV by size",
                    cv_rmse(CvScheme::ByModelSize, false),
                    2,
                ),
                BarGroup::new(
                    "two-term, CV by size",
                    cv_rmse(CvScheme::ByModelSize, true),
                    3,
                ),
            ],
            value_digits: Some(3),
            y_limits: None,
        }),
        y_label: "RMSE (log scale)".into(),
        y_log: true,
        legend: LegendPosition::UpperLeft,
        ..Panel::default()
    };
    let mut fig = Figure::new(
        format!(
            "One power law or two, across metrics — best published evidence: {}",
            r.best_metric.name()
        ),
        2,
        2,
        vec![improvements, exponents, ic, cv],
    );
    // Taller panels than the metric figures': each bar panel keeps a band
    // for its notes above the bars (its legend goes below the panel).
    fig.panel_size = (760, 640);
    fig
}

/// Every file of the report.
pub fn report_files(r: &DarkMatterReport) -> DarkMatterFiles {
    let mut tables = Vec::new();
    let mut figures = Vec::new();
    for m in &r.metrics {
        let dir = m.metric.name();
        tables.push((
            format!("{dir}/fitted_parameters.csv"),
            fitted_parameters_table(m),
        ));
        figures.push((
            format!("{dir}/dark_matter_scaling_analysis"),
            metric_figure(m),
        ));
    }
    tables.push(("summary.csv".into(), summary_table(r)));
    tables.push(("improvements.csv".into(), improvements_table(r)));
    figures.push(("summary".into(), summary_figure(r)));
    DarkMatterFiles { tables, figures }
}

/// The report as text: per metric the two laws, the statistics, the
/// published verdict and the honest comparison; then the best metric and
/// the consistency.
pub fn report_text(r: &DarkMatterReport) -> String {
    let mut s = String::new();
    for m in &r.metrics {
        let (a, b) = (&m.single_stats, &m.two_term_stats);
        s.push_str(&format!(
            "== x = {} (normalised by {:e}), {} runs\n",
            m.metric.label(),
            m.scale,
            m.n
        ));
        s.push_str(&format!(
            "single   L = {}   [{}]\ntwo-term L = {}   [{}]\n",
            law_text(m, false),
            m.single.status.as_str(),
            law_text(m, true),
            m.two_term.status.as_str()
        ));
        if m.two_term.status.as_str() == "near_singular" {
            s.push_str(&format!(
                "  the two-term Hessian is near-singular (λmin/λmax = {:.1e}): its objective is stable, its parameters are not\n",
                m.two_term.hessian_rcond
            ));
        }
        for (name, f) in [("single", &m.single), ("two-term", &m.two_term)] {
            for w in &f.warnings {
                s.push_str(&format!("  {name}: warning: {w}\n"));
            }
            if f.failed_restarts() > 0 {
                s.push_str(&format!(
                    "  {name}: {} of {} restarts failed\n",
                    f.failed_restarts(),
                    f.restarts.len()
                ));
            }
        }
        s.push_str(&format!(
            "RMSE {:.6} → {:.6} ({:+.2} %), MAE {:.6} → {:.6} ({:+.2} %), objective {:.6e} → {:.6e} ({:+.3} %)\n",
            a.rmse, b.rmse, m.rmse_improvement_pct, a.mae, b.mae, m.mae_improvement_pct,
            a.objective, b.objective, m.objective_improvement_pct
        ));
        s.push_str(&format!(
            "published rule: {} for a second term\n",
            phrase(m.verdict)
        ));
        let h = &m.honest;
        s.push_str(&format!(
            "honest: ΔAIC {:+.2} ({}), ΔAICc {:+.2} ({}), ΔBIC {:+.2} ({})\n",
            b.ic.aic - a.ic.aic,
            h.aic.as_str(),
            b.ic.aicc - a.ic.aicc,
            h.aicc.as_str(),
            b.ic.bic - a.ic.bic,
            h.bic.as_str()
        ));
        for c in &m.cv {
            s.push_str(&format!(
                "        {}-fold CV {}: RMSE {:.6} → {:.6} ({:+.2} %); largest held-out |error| {:.3} (x = {:.3e}) → {:.3} (x = {:.3e})\n",
                c.folds,
                c.scheme.as_str(),
                c.single,
                c.two_term,
                c.improvement_pct(),
                c.worst_single.0,
                c.worst_single.1,
                c.worst_two_term.0,
                c.worst_two_term.1
            ));
        }
        if let Some((ci, reps)) = m.rmse_improvement_ci {
            s.push_str(&format!(
                "        bootstrap {:.0} % interval of the RMSE improvement ({} replicates): [{:+.2}, {:+.2}] %\n",
                100.0 * r.params.level,
                reps,
                ci[0],
                ci[1]
            ));
        }
        s.push_str(&format!("        honest verdict: {}\n\n", h.overall));
    }
    let best = r
        .metrics
        .iter()
        .find(|m| m.metric == r.best_metric)
        .map_or(f64::NAN, |m| m.rmse_improvement_pct);
    s.push_str(&format!(
        "best evidence (published rule): {} ({:+.2} % RMSE)\nconsistency of the two-term exponents: {} (α₁ range {:.3}, α₂ range {:.3})\n",
        r.best_metric.name(),
        best,
        r.consistency.level,
        r.consistency.alpha1_range,
        r.consistency.alpha2_range
    ));
    s
}
