//! Experiment 12's outputs after the reference study: the IsoFLOP curves of
//! each study with its Approach 3 (log-loss) fit drawn along every budget,
//! raw (D = C/(6N)) and FLOP-adjusted (D = C/(k·N) with the per-budget k of
//! proofs/14 §14.3); one residual strip figure per fit (loss, log loss,
//! log loss after the FLOP factor); and the residual spread per budget
//! (`residuals_summary`, figure and CSV).

use crate::io::{fmt_f64, Table};
use crate::models::LossSurface;
use crate::plots::palette::{budget_colors, BLACK, MAX_DISTINCT_BUDGETS};
use crate::plots::{Figure, LegendPosition, Panel, Series};

use super::ResidualStudy;

/// Points drawn along each fitted IsoFLOP curve.
const CURVE_POINTS: usize = 48;

fn panel_name(name: &str) -> String {
    let mut parts = name.split("__");
    let a = parts.next().unwrap_or(name);
    match parts.next() {
        Some(b) if a == "marin_202603" => format!("marin {b}"),
        _ => a.replace('_', " "),
    }
}

/// Population standard deviation; NaN for no values.
fn sd(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt()
}

fn grid(rows: usize) -> (usize, usize) {
    let cols = rows.clamp(1, 3);
    (rows.div_ceil(cols).max(1), cols)
}

/// The IsoFLOP curves figure: per study, the clean points (loss against N,
/// a colour per budget) and the log-loss Approach 3 surface along each
/// budget, with `D = C/(k·N)` (`adjusted`: the budget's FLOP factor k; else
/// k = 6) and its optimum as a black dot.
fn isoflop_figure(studies: &[ResidualStudy], adjusted: bool) -> Figure {
    let panels: Vec<Panel> = studies
        .iter()
        .filter_map(|s| {
            let f = &s.log_fit;
            let surface = LossSurface::new(f.e, f.a, f.b, f.alpha, f.beta).ok()?;
            let mut series = Vec::new();
            let mut optima = Vec::new();
            // Black is kept for the optima; many budgets run along the ramp.
            let colors = budget_colors(s.factors.len());
            for (i, &(c, _, _, k)) in s.factors.iter().enumerate() {
                let bi = colors[i];
                let k = if adjusted { k } else { 6.0 };
                let mine: Vec<(f64, f64)> = s
                    .points
                    .iter()
                    .filter(|p| p.budget == c)
                    .map(|p| (p.n, p.loss))
                    .collect();
                let (lo, hi) = mine
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| {
                        (l.min(p.0), h.max(p.0))
                    });
                series.push(Series::markers("", mine, bi).size(3));
                if lo < hi {
                    let (a, b) = (lo.log10() - 0.1, hi.log10() + 0.1);
                    let curve = (0..CURVE_POINTS)
                        .map(|i| {
                            let n = 10f64.powf(a + (b - a) * i as f64 / (CURVE_POINTS - 1) as f64);
                            (n, surface.loss(&n, &(c / (k * n))))
                        })
                        .collect();
                    series.push(Series::line("", curve, bi));
                }
                // L(N, C/(kN)) = L(N, C'/(6N)) with C' = 6C/k: its optimum.
                let c6 = 6.0 * c / k;
                let n_star = surface.n_opt(&c6);
                optima.push((n_star, surface.loss(&n_star, &surface.d_opt(&c6))));
            }
            series.push(Series::markers("fitted optimum", optima, BLACK).size(4));
            Some(Panel {
                title: panel_name(&s.name),
                x_label: "parameters N".into(),
                y_label: "loss (nats)".into(),
                x_log: true,
                series,
                legend: LegendPosition::None,
                ..Panel::default()
            })
        })
        .collect();
    let (rows, cols) = grid(panels.len());
    let d = if adjusted {
        "C/(k·N), k fitted per budget (proofs/14 §14.3)"
    } else {
        "C/(6N)"
    };
    let mut fig = Figure::new(
        format!("Experiment 12: IsoFLOP curves with the Approach 3 (log-loss) fit drawn at D = {d}; a colour per budget (past {MAX_DISTINCT_BUDGETS} budgets a dark-to-light ramp along C), black dots the fitted optima"),
        rows,
        cols,
        panels,
    );
    fig.panel_size = (620, 440);
    fig
}

/// One strip figure of residuals (x) against budget (y, log), a panel per
/// study; `pick` selects the residual from the study's tuple.
fn residual_figure(
    studies: &[ResidualStudy],
    title: &str,
    color: usize,
    pick: fn(&(f64, f64, f64, f64, f64)) -> f64,
) -> Figure {
    let panels: Vec<Panel> = studies
        .iter()
        .map(|s| {
            let r: Vec<f64> = s.residuals.iter().map(pick).collect();
            Panel {
                title: panel_name(&s.name),
                x_label: "residual L_obs − L_pred (nats)".into(),
                y_label: "budget C (FLOPs)".into(),
                y_log: true,
                series: vec![
                    Series::markers(
                        "",
                        s.residuals.iter().map(|t| (pick(t), t.0)).collect(),
                        color,
                    )
                    .size(3),
                    Series::line(
                        "",
                        {
                            let (lo, hi) = s
                                .residuals
                                .iter()
                                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), t| {
                                    (l.min(t.0), h.max(t.0))
                                });
                            vec![(0.0, lo), (0.0, hi)]
                        },
                        7,
                    )
                    .dashed(),
                ],
                annotations: vec![format!("sd {:.4} nats, {} points", sd(&r), r.len())],
                legend: LegendPosition::None,
                ..Panel::default()
            }
        })
        .collect();
    let (rows, cols) = grid(panels.len());
    let mut fig = Figure::new(title, rows, cols, panels);
    fig.panel_size = (600, 420);
    fig
}

/// `residuals_summary.csv`: per study and budget, the points and the mean
/// and standard deviation (divisor n) of each fit's residuals.
pub fn summary_table(studies: &[ResidualStudy]) -> Table {
    let mut t = Table::new(&[
        "experiment",
        "budget",
        "points",
        "k",
        "mean_log_loss",
        "sd_log_loss",
        "sd_loss",
        "sd_flop_factor",
    ]);
    for s in studies {
        for &(c, n, _, k) in &s.factors {
            let col = |i: usize| -> Vec<f64> {
                s.residuals
                    .iter()
                    .filter(|r| r.0 == c)
                    .map(|r| [r.2, r.3, r.4][i])
                    .collect()
            };
            let log = col(0);
            t.push(vec![
                s.name.clone(),
                fmt_f64(c),
                n.to_string(),
                fmt_f64(k),
                fmt_f64(log.iter().sum::<f64>() / log.len().max(1) as f64),
                fmt_f64(sd(&log)),
                fmt_f64(sd(&col(1))),
                fmt_f64(sd(&col(2))),
            ]);
        }
    }
    t
}

/// The residual spread per budget, a line per study: the log-loss fit's
/// residual sd (left) and after the FLOP factor (right), log y.
fn summary_figure(studies: &[ResidualStudy]) -> Figure {
    let panel = |title: &str, i: usize| {
        let series = studies
            .iter()
            .enumerate()
            .map(|(si, s)| {
                let pts = s
                    .factors
                    .iter()
                    .map(|&(c, ..)| {
                        let v: Vec<f64> = s
                            .residuals
                            .iter()
                            .filter(|r| r.0 == c)
                            .map(|r| [r.2, r.4][i])
                            .collect();
                        (c, sd(&v))
                    })
                    .collect();
                Series::line(panel_name(&s.name), pts, si).with_markers()
            })
            .collect();
        Panel {
            title: title.into(),
            x_label: "budget C (FLOPs)".into(),
            y_label: "residual sd (nats)".into(),
            x_log: true,
            y_log: true,
            series,
            legend: LegendPosition::None,
            ..Panel::default()
        }
    };
    let mut fig = Figure::new(
        "Experiment 12: spread of the Approach 3 (log-loss) residuals per budget, before and after the per-budget FLOP factor",
        1,
        2,
        vec![
            panel("residual sd per budget: Approach 3 fit", 0),
            panel("after the per-budget FLOP factor k", 1),
        ],
    );
    fig.shared_legend = true;
    fig.panel_size = (640, 440);
    fig
}

/// The reference's Experiment 12 figures, by file stem.
pub fn reference_figures(studies: &[ResidualStudy]) -> Vec<(String, Figure)> {
    if studies.is_empty() {
        return Vec::new();
    }
    vec![
        ("isoflops_log_loss".into(), isoflop_figure(studies, false)),
        (
            "isoflops_log_loss_adj".into(),
            isoflop_figure(studies, true),
        ),
        (
            "residuals_lin_loss".into(),
            residual_figure(
                studies,
                "Experiment 12: residuals of Approach 3 fitted on the loss (RSS), per budget",
                1,
                |r| r.3,
            ),
        ),
        (
            "residuals_log_loss".into(),
            residual_figure(
                studies,
                "Experiment 12: residuals of Approach 3 fitted on the log loss, per budget",
                0,
                |r| r.2,
            ),
        ),
        (
            "residuals_log_loss_adj".into(),
            residual_figure(
                studies,
                "Experiment 12: residuals of the log-loss fit after the per-budget FLOP factor k",
                2,
                |r| r.4,
            ),
        ),
        ("residuals_summary".into(), summary_figure(studies)),
    ]
}
