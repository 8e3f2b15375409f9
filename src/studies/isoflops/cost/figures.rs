//! Experiment 11's remaining outputs after the reference study: the token
//! allocation error bars (simulated, with the closed form of proofs/02 as a
//! tick), the compute allocation error bars (real data with bootstrap
//! intervals, simulated with the closed form), the allocation table, and one
//! progressive-filter figure per (study, truth).

use crate::analysis::allocation_cost::DOLLARS_PER_FLOP;
use crate::io::{fmt_f64, Table};
use crate::plots::bars::{BarGroup, Bars, ClosedFormBars, ClosedFormPanel};
use crate::plots::heatmap::HeatMap;
use crate::plots::{Figure, LegendPosition, Panel};

use super::{cost_biases, RealCost, SimulatedCost, LLAMA3_405B_BUDGET, WIDTH_FACTORS};

/// The simulated case the allocation table and the compute figure show
/// (the reference's report case): drift to 3×, ±2× grids.
pub const ALLOCATION_BIAS: &str = "drift to 3x";
/// Its grid width factor.
pub const ALLOCATION_WIDTH: f64 = 2.0;

fn surface_names(sim: &[SimulatedCost]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in sim {
        if !v.contains(&r.surface) {
            v.push(r.surface.clone());
        }
    }
    v
}

/// A study's short name for labels.
fn study_label(name: &str) -> String {
    if name.starts_with("llama_3") {
        "Llama 3".into()
    } else if name.starts_with("epochai_chinchilla") {
        "Chinchilla (Epoch AI)".into()
    } else {
        name.into()
    }
}

fn truth_label(truth: &str) -> &str {
    match truth {
        "vpnls" => "VPNLS",
        "approach3" => "Approach 3",
        other => other,
    }
}

/// 100 · (D̂* − D*)/D* at 3.8e25 per surface (x) and width (bars), a panel
/// per bias; the closed form as a black tick on each bar.
pub fn token_allocation_figure(sim: &[SimulatedCost]) -> Figure {
    let names = surface_names(sim);
    let cell = |n: &String, bias: &str, w: f64| {
        sim.iter()
            .find(|r| &r.surface == n && r.bias == bias && r.width == w)
    };
    let panels = cost_biases()
        .iter()
        .map(|(bname, _)| {
            let per_width = |f: &dyn Fn(&SimulatedCost) -> f64| -> Vec<Vec<f64>> {
                WIDTH_FACTORS
                    .iter()
                    .map(|&w| {
                        names
                            .iter()
                            .map(|n| cell(n, bname, w).map_or(f64::NAN, f))
                            .collect()
                    })
                    .collect()
            };
            ClosedFormPanel {
                title: format!("bias: {bname}"),
                values: per_width(&|r| 100.0 * r.simulated.d_error),
                closed_form: per_width(&|r| 100.0 * r.closed_form.d_error),
            }
        })
        .collect();
    ClosedFormBars {
        title: format!(
            "Experiment 11: token allocation error of Approach 2 fitted on 1e18–1e22 and extrapolated to {LLAMA3_405B_BUDGET:.1e} FLOPs"
        ),
        x_label: "loss surface".into(),
        y_label: "(D̂* − D*)/D* (%)".into(),
        categories: names,
        groups: WIDTH_FACTORS.iter().map(|w| format!("±{w}×")).collect(),
        panels,
        note: "black tick: closed form (proofs/02)".into(),
        legend_panel: 1,
        value_digits: 3,
        panel_size: (760, 520),
    }
    .figure()
}

/// One row of the allocation table / compute figure.
struct AllocationRow {
    label: String,
    group: &'static str,
    method: &'static str,
    budget: f64,
    view: super::CostView,
    interval: Option<[f64; 2]>,
}

fn allocation_rows(
    sim: &[SimulatedCost],
    real: &[(String, f64, Vec<RealCost>)],
) -> Vec<AllocationRow> {
    let mut rows = Vec::new();
    for (name, eval, costs) in real {
        for rc in costs {
            rows.push(AllocationRow {
                label: format!("{}: {} truth", study_label(name), truth_label(&rc.truth)),
                group: "real",
                method: "approach2_on_data",
                budget: *eval,
                view: rc.cost,
                interval: rc.interval.map(|(iv, _)| iv),
            });
        }
    }
    for r in sim
        .iter()
        .filter(|r| r.bias == ALLOCATION_BIAS && r.width == ALLOCATION_WIDTH)
    {
        for (method, v) in [("simulated", r.simulated), ("closed_form", r.closed_form)] {
            rows.push(AllocationRow {
                label: format!(
                    "{} (simulated, {ALLOCATION_BIAS}, ±{ALLOCATION_WIDTH}×)",
                    r.surface
                ),
                group: "simulated",
                method,
                budget: v.budget,
                view: v,
                interval: None,
            });
        }
    }
    rows
}

/// `allocation.csv`: per real study and truth, and per simulated surface
/// (drift to 3×, ±2×; simulated and closed form), the true and inferred D*
/// and N*, the loss penalty, the wasted compute, share and dollars, and the
/// bootstrap interval of the wasted compute (real data).
pub fn allocation_table(sim: &[SimulatedCost], real: &[(String, f64, Vec<RealCost>)]) -> Table {
    let mut t = Table::new(&[
        "case",
        "group",
        "method",
        "eval_budget",
        "d_opt",
        "d_inferred",
        "d_error",
        "n_opt",
        "n_inferred",
        "n_error",
        "ratio_opt",
        "ratio_inferred",
        "loss_penalty",
        "wasted_flops",
        "wasted_fraction",
        "wasted_dollars",
        "wasted_flops_low",
        "wasted_flops_high",
    ]);
    for r in allocation_rows(sim, real) {
        let v = &r.view;
        let (lo, hi) = r.interval.map_or((String::new(), String::new()), |iv| {
            (fmt_f64(iv[0]), fmt_f64(iv[1]))
        });
        t.push(vec![
            r.label,
            r.group.into(),
            r.method.into(),
            fmt_f64(r.budget),
            fmt_f64(v.d_opt),
            fmt_f64(v.d_inferred),
            fmt_f64(v.d_error),
            fmt_f64(v.n_opt),
            fmt_f64(v.n_inferred),
            fmt_f64(v.n_inferred / v.n_opt - 1.0),
            fmt_f64(v.d_opt / v.n_opt),
            fmt_f64(v.d_inferred / v.n_inferred),
            fmt_f64(v.loss_gap),
            fmt_f64(v.wasted_flops),
            fmt_f64(v.wasted_flops / r.budget),
            fmt_f64(v.wasted_dollars),
            lo,
            hi,
        ]);
    }
    t
}

/// Wasted compute (% of each case's budget, log axis): real studies with
/// their bootstrap interval as whiskers, simulated surfaces with the closed
/// form as a black tick.
pub fn compute_allocation_figure(
    sim: &[SimulatedCost],
    real: &[(String, f64, Vec<RealCost>)],
) -> Figure {
    let rows: Vec<AllocationRow> = allocation_rows(sim, real)
        .into_iter()
        .filter(|r| r.method != "closed_form")
        .collect();
    let closed = allocation_rows(sim, real);
    let pct = |w: f64, c: f64| 100.0 * w / c;
    let values = rows
        .iter()
        .map(|r| pct(r.view.wasted_flops, r.budget))
        .collect();
    let whiskers = rows
        .iter()
        .map(|r| match r.interval {
            Some(iv) => [pct(iv[0], r.budget), pct(iv[1], r.budget)],
            None => closed
                .iter()
                .find(|c| c.method == "closed_form" && c.label == r.label)
                .map_or([f64::NAN; 2], |c| [pct(c.view.wasted_flops, c.budget); 2]),
        })
        .collect();
    let panel = Panel {
        title: "compute wasted by following Approach 2's D*".into(),
        x_label: "case".into(),
        y_label: "wasted compute (% of C)".into(),
        y_log: true,
        bars: Some(Bars {
            categories: rows
                .iter()
                .map(|r| {
                    r.label
                        .replace(" (simulated, drift to 3x, ±2×)", " (sim.)")
                        .replace(" truth", "")
                        .replace("Approach 3", "A3")
                        .replace("(Epoch AI)", "(Epoch)")
                })
                .collect(),
            groups: vec![BarGroup::new("wasted compute", values, 0).with_intervals(whiskers)],
            value_digits: Some(3),
            y_limits: None,
        }),
        annotations: vec![
            "real: Approach 2 on the data vs a surface fitted to it;".into(),
            "whiskers: 95% within-budget bootstrap (truth fixed)".into(),
            "simulated: drift to 3×, ±2×; black tick: closed form (proofs/11)".into(),
        ],
        legend: LegendPosition::None,
        ..Panel::default()
    };
    let mut fig = Figure::new(
        format!(
            "Experiment 11: compute allocation error of Approach 2 (real data at their budgets; simulated at {}), ${} per FLOP",
            crate::io::fmt_sig(LLAMA3_405B_BUDGET, 2),
            crate::io::fmt_sig(DOLLARS_PER_FLOP, 3)
        ),
        1,
        1,
        vec![panel],
    );
    fig.panel_size = (1000, 1100);
    fig
}

/// Dollars for a table cell: $1.34M, $9.35K, $12.30.
fn dollars(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v.abs() >= 1e9 {
        format!("${:.2}B", v / 1e9)
    } else if v.abs() >= 1e6 {
        format!("${:.2}M", v / 1e6)
    } else if v.abs() >= 1e3 {
        format!("${:.2}K", v / 1e3)
    } else {
        format!("${v:.2}")
    }
}

/// The file stem of a (study, truth) progressive-filter figure.
fn filter_stem(name: &str, truth: &str) -> String {
    let study = if name.starts_with("llama_3") {
        "llama3"
    } else if name.starts_with("epochai_chinchilla") {
        "chinchilla"
    } else {
        name
    };
    let t = if truth == "approach3" { "a3" } else { truth };
    format!("progressive_filter_{study}_{t}")
}

/// One figure per (study, truth): the wasted compute (% of budget) at each
/// cumulative QC filter level (bars, values printed) beside a table of the
/// points and budgets removed and left and the dollars.
pub fn progressive_filter_figures(real: &[(String, f64, Vec<RealCost>)]) -> Vec<(String, Figure)> {
    let mut out = Vec::new();
    for (name, eval, costs) in real {
        for rc in costs {
            let levels = &rc.filter;
            let left = Panel {
                title: "wasted compute at each cumulative filter level".into(),
                x_label: "filter level (cumulative)".into(),
                y_label: "waste (% of budget)".into(),
                bars: Some(Bars {
                    categories: levels.iter().map(|l| l.0.clone()).collect(),
                    groups: vec![BarGroup::new(
                        "wasted compute",
                        levels.iter().map(|l| 100.0 * l.3 / eval).collect(),
                        7,
                    )],
                    value_digits: Some(3),
                    y_limits: None,
                }),
                legend: LegendPosition::None,
                ..Panel::default()
            };
            let mut text = Vec::new();
            let (mut prev_p, mut prev_b) = (None::<usize>, None::<usize>);
            for l in levels {
                let removed = |prev: Option<usize>, now: usize| {
                    prev.map_or("0".to_string(), |p| (p.saturating_sub(now)).to_string())
                };
                text.push(vec![
                    removed(prev_p, l.1),
                    l.1.to_string(),
                    removed(prev_b, l.2),
                    l.2.to_string(),
                    dollars(l.3 * DOLLARS_PER_FLOP),
                ]);
                prev_p = Some(l.1);
                prev_b = Some(l.2);
            }
            let right = Panel {
                title: "points and budgets removed / left".into(),
                heatmap: Some(HeatMap {
                    rows: levels.iter().map(|l| l.0.clone()).collect(),
                    cols: vec![
                        "points removed".into(),
                        "points left".into(),
                        "budgets removed".into(),
                        "budgets left".into(),
                        "wasted $".into(),
                    ],
                    // No shading: a plain table.
                    values: levels.iter().map(|_| vec![f64::NAN; 5]).collect(),
                    text,
                }),
                ..Panel::default()
            };
            let mut fig = Figure::new(
                format!(
                    "Experiment 11: {}, Approach 2's waste at {eval:.2e} FLOPs as QC removes outliers (truth: {} on all points)",
                    study_label(name),
                    truth_label(&rc.truth)
                ),
                1,
                2,
                vec![left, right],
            );
            fig.panel_size = (760, 760);
            out.push((filter_stem(name, &rc.truth), fig));
        }
    }
    out
}
