//! What Approach 2 costs (the reference study's Experiment 11): the compute
//! wasted at a large evaluation budget by following Approach 2's token
//! allocation, on simulated surfaces (by simulation and by the closed form)
//! and on the Llama 3 and Chinchilla IsoFLOP data.

use crate::analysis::allocation_cost::{
    allocation_cost, allocation_cost_closed_form_from_law, allocation_cost_from_law,
    AllocationCost, AllocationCostError, DOLLARS_PER_FLOP,
};
use crate::analysis::bootstrap::percentile_interval;
use crate::analysis::predict_approach2;
use crate::fitters::VpnlsParams;
use crate::fitters::{fit_approach2, fit_vpnls, Approach2Fit, SurfaceData};
use crate::io::{fmt_f64, Table};
use crate::models::{LossSurface, Preset};
use crate::plots::palette::REFERENCE;
use crate::plots::{Figure, LegendPosition, Panel, Series};
use crate::sampling::{sample_isoflops, IsoflopGrid, IsoflopPoint, SamplingBias};

use super::fits::{bootstrap_points, fit_approach3_from_grid, Resample};
use super::{fitted_surface, Experiment, Reason, StudyError, StudyFiles};

mod figures;
pub use figures::{allocation_table, ALLOCATION_BIAS, ALLOCATION_WIDTH};

/// Llama 3 405B's training budget (FLOPs), the evaluation budget.
pub const LLAMA3_405B_BUDGET: f64 = 3.8e25;
/// Chinchilla's budget (Hoffmann et al. 2022, Figure 2), the evaluation
/// budget of the Chinchilla filter study.
pub const CHINCHILLA_BUDGET: f64 = 5.76e23;
/// The simulated training budgets 1e18 … 1e22.
pub const TRAINING_BUDGETS: [f64; 5] = [1e18, 1e19, 1e20, 1e21, 1e22];
/// Grid widths ±2×, ±4×, ±8×, ±16× (factors).
pub const WIDTH_FACTORS: [f64; 4] = [2.0, 4.0, 8.0, 16.0];
/// Points per simulated IsoFLOP curve.
pub const POINTS_PER_CURVE: usize = 15;

/// The published surfaces of the simulation besides Llama 3's fit:
/// Chinchilla, SODA and Sparse-NMM (the reference study's values).
pub fn published_surfaces() -> Vec<(String, LossSurface<f64>)> {
    let mk =
        |e, a, b, al, be| LossSurface::new(e, a, b, al, be).expect("published surface is valid");
    vec![
        ("Chinchilla".into(), LossSurface::preset(Preset::Chinchilla)),
        ("SODA".into(), mk(3.169, 215_886.0, 4750.0, 0.684, 0.439)),
        (
            "Sparse-NMM".into(),
            mk(2.158, 381_773.0, 4659.0, 0.710, 0.372),
        ),
    ]
}

/// The simulated surfaces in the order of their palette colours (the
/// `simulated_costs` figure).
const SURFACE_ORDER: [&str; 4] = ["Llama 3", "Chinchilla", "SODA", "Sparse-NMM"];

/// The two sampling biases: offset 3× (every grid centred 3× off the
/// optimum) and drift to 3× (no offset at the smallest budget, 3× at the
/// largest).
pub fn cost_biases() -> Vec<(&'static str, SamplingBias<f64>)> {
    vec![
        (
            "offset 3x",
            SamplingBias::new(0.0, 3.0).expect("valid bias"),
        ),
        (
            "drift to 3x",
            SamplingBias::new(3f64.log10(), 1.0).expect("valid bias"),
        ),
    ]
}

/// One simulated case: Approach 2's cost by simulation and by closed form.
#[derive(Debug, Clone)]
pub struct SimulatedCost {
    /// Surface name.
    pub surface: String,
    /// Bias name.
    pub bias: String,
    /// Grid width factor (±k×).
    pub width: f64,
    /// Cost of the simulated Approach 2 fit.
    pub simulated: CostView,
    /// Cost of the closed-form prediction of the fit.
    pub closed_form: CostView,
}

/// An allocation cost (`analysis::allocation_cost`, issue 8) in the terms
/// the report prints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostView {
    /// The evaluation budget C.
    pub budget: f64,
    /// The optimal D*(C).
    pub d_opt: f64,
    /// The inferred D̂.
    pub d_inferred: f64,
    /// (D̂ − D*)/D*.
    pub d_error: f64,
    /// Wasted FLOPs, C − C(L).
    pub wasted_flops: f64,
    /// Wasted dollars.
    pub wasted_dollars: f64,
    /// The optimal N*(C).
    pub n_opt: f64,
    /// N forced by the budget, C/(6D̂).
    pub n_inferred: f64,
    /// Loss reached minus the optimal loss at C (nats).
    pub loss_gap: f64,
}

impl CostView {
    /// The view of a cost on `surface`.
    pub fn of(surface: &LossSurface<f64>, c: &AllocationCost<f64>) -> Self {
        Self {
            budget: c.budget,
            d_opt: surface.d_opt(&c.budget),
            d_inferred: c.tokens,
            d_error: 10f64.powf(c.token_error) - 1.0,
            wasted_flops: c.wasted_compute,
            wasted_dollars: c.wasted_dollars(),
            n_opt: surface.n_opt(&c.budget),
            n_inferred: c.params,
            loss_gap: c.loss_gap,
        }
    }
}

fn view(
    surface: &LossSurface<f64>,
    c: Result<AllocationCost<f64>, AllocationCostError>,
) -> Result<CostView, AllocationCostError> {
    c.map(|c| CostView::of(surface, &c))
}

fn approach2_d(law_intercept: f64, law_exponent: f64, c: f64) -> f64 {
    10f64.powf(law_intercept + law_exponent * c.log10())
}

/// The simulation of §3 over `surfaces`: every bias and width, training on
/// [`TRAINING_BUDGETS`], evaluated at `eval_budget`.
///
/// # Errors
/// A sampling, fit or closed-form failure (none on valid surfaces).
pub fn simulate_costs(
    surfaces: &[(String, LossSurface<f64>)],
    eval_budget: f64,
) -> Result<Vec<SimulatedCost>, StudyError> {
    let mut out = Vec::new();
    let fail = |what: &'static str, message: String| StudyError::Simulation { what, message };
    for (name, s) in surfaces {
        for (bname, bias) in cost_biases() {
            for &w in &WIDTH_FACTORS {
                let grid = IsoflopGrid::new(w.log10(), POINTS_PER_CURVE)
                    .map_err(|e| fail("grid", e.to_string()))?;
                let pts = sample_isoflops(s, &TRAINING_BUDGETS, &grid, &bias)
                    .map_err(|e| fail("sampling", e.to_string()))?;
                let fit = fit_approach2(&pts).map_err(|e| fail("approach 2", e.to_string()))?;
                let pred = predict_approach2(s, &TRAINING_BUDGETS, &grid, &bias)
                    .map_err(|e| fail("closed form", e.to_string()))?;
                out.push(SimulatedCost {
                    surface: name.clone(),
                    bias: bname.into(),
                    width: w,
                    simulated: view(s, allocation_cost_from_law(s, &fit.d_law, &eval_budget))
                        .map_err(|e| fail("cost", e.to_string()))?,
                    closed_form: view(
                        s,
                        allocation_cost_closed_form_from_law(s, &pred.d_law, &eval_budget),
                    )
                    .map_err(|e| fail("cost", e.to_string()))?,
                });
            }
        }
    }
    Ok(out)
}

/// The cumulative filter levels: label and the reasons removed up to it.
pub fn filter_levels() -> Vec<(&'static str, Vec<Reason>)> {
    use Reason::*;
    let steps: [(&str, &[Reason]); 5] = [
        ("raw", &[]),
        (
            "+duplicates, too few",
            &[ExactDuplicate, NearDuplicateParams, TooFewPoints],
        ),
        ("+off-centre, spline", &[OffCenter, SplineOutlier]),
        ("+weak curvature", &[NegativeCurvature, WeakCurvature]),
        ("+post-QC", &[TooFewPostQc]),
    ];
    let mut acc = Vec::new();
    steps
        .iter()
        .map(|(label, rs)| {
            acc.extend_from_slice(rs);
            (*label, acc.clone())
        })
        .collect()
}

/// Approach 2's cost on real data against one truth surface.
#[derive(Debug, Clone)]
pub struct RealCost {
    /// The truth: `vpnls` or `approach3`.
    pub truth: String,
    /// The truth surface (fitted on all points).
    pub surface: LossSurface<f64>,
    /// The cost of Approach 2 on all points.
    pub cost: CostView,
    /// Percentile interval of the wasted FLOPs (within-budget bootstrap of
    /// Approach 2, truth fixed), and the replicates that fitted.
    pub interval: Option<([f64; 2], usize)>,
    /// Per filter level: (label, points, budgets, wasted FLOPs).
    pub filter: Vec<(String, usize, usize, f64)>,
}

/// Approach 2 on an experiment against its VPNLS and Approach 3 fits (all
/// points) taken as the truth, with a bootstrap of the wasted compute and
/// the progressive filter.
///
/// # Errors
/// A fit's failure on the full data.
pub fn real_costs(
    exp: &Experiment,
    eval_budget: f64,
    bootstrap: usize,
    seed: u64,
) -> Result<Vec<RealCost>, StudyError> {
    let pts = &exp.points;
    let fit_err = |method: &str| {
        let (e, m) = (exp.name.clone(), method.to_string());
        move |source| StudyError::Fit {
            experiment: e,
            method: m,
            source,
        }
    };
    let data = SurfaceData::from_points(pts).map_err(fit_err("surface data"))?;
    let vp = fitted_surface(
        &fit_vpnls(&data, &VpnlsParams::default()).map_err(fit_err("vpnls"))?,
        &exp.name,
        "vpnls",
    )?;
    let a3 = fitted_surface(
        &fit_approach3_from_grid(&data, true).map_err(fit_err("approach3"))?,
        &exp.name,
        "approach3",
    )?;
    let a2_err = |source| StudyError::Approach2 {
        experiment: exp.name.clone(),
        source,
    };
    let a2 = fit_approach2(pts).map_err(a2_err)?;
    let d_at =
        |f: &Approach2Fit<f64>| approach2_d(f.d_law.intercept, f.d_law.exponent, eval_budget);
    let cost_err = |source| StudyError::AllocationCost {
        experiment: exp.name.clone(),
        source,
    };
    // Bootstrap: Approach 2 refitted per resample (one set of resamples for
    // both truths).
    let boot_d: Vec<f64> = if bootstrap > 0 {
        bootstrap_points(pts, Resample::WithinBudgets, bootstrap, seed, |p| {
            fit_approach2(p).ok().map(|f| d_at(&f))
        })
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for (truth, s) in [("vpnls", vp), ("approach3", a3)] {
        let cost = view(&s, allocation_cost(&s, &eval_budget, &d_at(&a2))).map_err(cost_err)?;
        let interval = if bootstrap > 0 {
            let w: Vec<f64> = boot_d
                .iter()
                .filter_map(|&d| {
                    allocation_cost(&s, &eval_budget, &d)
                        .ok()
                        .map(|c| c.wasted_compute)
                })
                .collect();
            percentile_interval(&w, super::fits::INTERVAL_LEVEL).map(|iv| (iv, w.len()))
        } else {
            None
        };
        let mut filter = Vec::new();
        for (label, drop) in filter_levels() {
            let kept: Vec<IsoflopPoint<f64>> = exp.points_without(|r| drop.contains(&r));
            if kept.is_empty() {
                break;
            }
            let wasted = match fit_approach2(&kept) {
                Ok(f) => allocation_cost(&s, &eval_budget, &d_at(&f))
                    .map(|c| c.wasted_compute)
                    .unwrap_or(f64::NAN),
                Err(_) => f64::NAN,
            };
            filter.push((
                label.to_string(),
                kept.len(),
                Experiment::budgets(&kept).len(),
                wasted,
            ));
        }
        out.push(RealCost {
            truth: truth.into(),
            surface: s,
            cost,
            interval,
            filter,
        });
    }
    Ok(out)
}

/// Tables, figures and report of §3.
pub fn cost_files(sim: &[SimulatedCost], real: &[(String, f64, Vec<RealCost>)]) -> StudyFiles {
    let mut t = Table::new(&[
        "surface",
        "bias",
        "width",
        "method",
        "d_opt",
        "d_inferred",
        "d_error",
        "wasted_flops",
        "wasted_fraction",
        "wasted_dollars",
    ]);
    let mut report = format!(
        "What Approach 2 costs. Simulation: budgets 1e18..1e22, {POINTS_PER_CURVE} points per curve, \
         evaluation at {} FLOPs, ${} per FLOP.\n",
        crate::io::fmt_sig(LLAMA3_405B_BUDGET, 3),
        crate::io::fmt_sig(DOLLARS_PER_FLOP, 3)
    );
    let mut worst_gap = 0f64;
    for r in sim {
        for (m, c) in [("simulated", &r.simulated), ("closed_form", &r.closed_form)] {
            t.push(vec![
                r.surface.clone(),
                r.bias.clone(),
                fmt_f64(r.width),
                m.into(),
                fmt_f64(c.d_opt),
                fmt_f64(c.d_inferred),
                fmt_f64(c.d_error),
                fmt_f64(c.wasted_flops),
                fmt_f64(c.wasted_flops / c.budget),
                fmt_f64(c.wasted_dollars),
            ]);
        }
        let gap = ((r.simulated.d_error - r.closed_form.d_error)
            / r.closed_form.d_error.abs().max(1e-300))
        .abs();
        worst_gap = worst_gap.max(gap);
        report.push_str(&format!(
            "  {:<10} {:<11} ±{:>2}x: D error {:+.2}% (closed form {:+.2}%), wasted {:.3}% of the budget = ${}\n",
            r.surface,
            r.bias,
            r.width,
            100.0 * r.simulated.d_error,
            100.0 * r.closed_form.d_error,
            100.0 * r.simulated.wasted_flops / r.simulated.budget,
            crate::io::fmt_sig(r.simulated.wasted_dollars, 3)
        ));
    }
    report.push_str(&format!(
        "  largest relative gap between simulated and closed-form D error: {worst_gap:.1e}\n"
    ));
    let mut tables = vec![("simulated_costs".to_string(), t)];
    let mut figures = Vec::new();
    // Simulation figure: wasted fraction against width, per surface and bias.
    let mut panels = Vec::new();
    for (bname, _) in cost_biases() {
        let mut series = Vec::new();
        let names: Vec<String> = {
            let mut v: Vec<String> = sim.iter().map(|r| r.surface.clone()).collect();
            v.dedup();
            v
        };
        for (i, sname) in names.iter().enumerate() {
            // A surface keeps its colour whether or not Llama 3's fit (from
            // the data) is among them.
            let k = SURFACE_ORDER
                .iter()
                .position(|n| n == sname)
                .unwrap_or(SURFACE_ORDER.len() + i);
            let rows: Vec<&SimulatedCost> = sim
                .iter()
                .filter(|r| &r.surface == sname && r.bias == bname)
                .collect();
            // The closed form a line, the simulation hollow rings on it:
            // where they agree the line runs through each ring, both show.
            series.push(Series::line(
                "",
                rows.iter()
                    .map(|r| (r.width, r.closed_form.wasted_flops / r.closed_form.budget))
                    .collect(),
                k,
            ));
            series.push(
                Series::markers(
                    sname.clone(),
                    rows.iter()
                        .map(|r| (r.width, r.simulated.wasted_flops / r.simulated.budget))
                        .collect(),
                    k,
                )
                .size(7)
                .hollow(),
            );
        }
        series.push(
            Series::markers("simulated fit", Vec::new(), REFERENCE)
                .size(7)
                .hollow(),
        );
        series.push(Series::line("closed form", Vec::new(), REFERENCE));
        panels.push(Panel {
            title: bname.to_string(),
            x_label: "grid width factor (±k×)".into(),
            y_label: "wasted fraction of the budget".into(),
            x_log: true,
            y_log: true,
            series,
            annotations: Vec::new(),
            legend: LegendPosition::None,
            ..Panel::default()
        });
    }
    let mut fig = Figure::new(
        format!("Compute wasted by Approach 2's allocation at {LLAMA3_405B_BUDGET:e} FLOPs: simulated fits (rings) on the closed form (lines)"),
        1,
        2,
        panels,
    );
    fig.shared_legend = true;
    figures.push(("simulated_costs".to_string(), fig));
    // Real data.
    let mut rt = Table::new(&[
        "experiment",
        "eval_budget",
        "truth",
        "level",
        "points",
        "budgets",
        "wasted_flops",
        "wasted_fraction",
        "wasted_dollars",
        "low",
        "high",
    ]);
    let mut fpanels = Vec::new();
    for (name, eval, costs) in real {
        report.push_str(&format!(
            "{name}, evaluated at {} FLOPs:\n",
            crate::io::fmt_sig(*eval, 3)
        ));
        let mut series = Vec::new();
        for (k, rc) in costs.iter().enumerate() {
            let iv = rc.interval.map(|(iv, n)| {
                format!(
                    " (95% interval {} … {} FLOPs, {n} replicates)",
                    crate::io::fmt_sig(iv[0], 3),
                    crate::io::fmt_sig(iv[1], 3)
                )
            });
            report.push_str(&format!(
                "  truth {}: Approach 2 D* {} vs {} ({:+.2}%), wasted {} FLOPs = {:.3}% = ${}{}\n",
                rc.truth,
                crate::io::fmt_sig(rc.cost.d_inferred, 4),
                crate::io::fmt_sig(rc.cost.d_opt, 4),
                100.0 * rc.cost.d_error,
                crate::io::fmt_sig(rc.cost.wasted_flops, 3),
                100.0 * rc.cost.wasted_flops / eval,
                crate::io::fmt_sig(rc.cost.wasted_dollars, 3),
                iv.unwrap_or_default()
            ));
            let (lo, hi) = rc
                .interval
                .map_or((String::new(), String::new()), |(iv, _)| {
                    (fmt_f64(iv[0]), fmt_f64(iv[1]))
                });
            rt.push(vec![
                name.clone(),
                fmt_f64(*eval),
                rc.truth.clone(),
                "all points".into(),
                String::new(),
                String::new(),
                fmt_f64(rc.cost.wasted_flops),
                fmt_f64(rc.cost.wasted_flops / eval),
                fmt_f64(rc.cost.wasted_dollars),
                lo,
                hi,
            ]);
            for (j, (label, p, b, w)) in rc.filter.iter().enumerate() {
                rt.push(vec![
                    name.clone(),
                    fmt_f64(*eval),
                    rc.truth.clone(),
                    label.clone(),
                    p.to_string(),
                    b.to_string(),
                    fmt_f64(*w),
                    fmt_f64(w / eval),
                    fmt_f64(w * DOLLARS_PER_FLOP),
                    String::new(),
                    String::new(),
                ]);
                report.push_str(&format!(
                    "    filter {j} {label:<22} {p:>4} points {b:>3} budgets: wasted {:.3}% (${})\n",
                    100.0 * w / eval,
                    crate::io::fmt_sig(w * DOLLARS_PER_FLOP, 3)
                ));
            }
            series.push(
                Series::line(
                    format!("truth: {}", rc.truth),
                    rc.filter
                        .iter()
                        .enumerate()
                        .map(|(j, f)| (j as f64, 100.0 * f.3 / eval))
                        .collect(),
                    k,
                )
                .with_markers(),
            );
        }
        fpanels.push(Panel {
            title: format!("{name} at {eval:e} FLOPs"),
            x_label: "cumulative QC filter level".into(),
            y_label: "wasted compute (% of budget)".into(),
            x_log: false,
            y_log: false,
            series,
            // The levels, in a corner free of data (an axis label this long
            // ran into the next panel).
            annotations: vec![
                "0 raw, 1 +dup./too few,".into(),
                "2 +off-centre/spline,".into(),
                "3 +weak curv., 4 +post-QC".into(),
            ],
            legend: LegendPosition::UpperRight,
            ..Panel::default()
        });
    }
    figures.push((
        "token_allocation_errors".to_string(),
        figures::token_allocation_figure(sim),
    ));
    figures.push((
        "compute_allocation_errors".to_string(),
        figures::compute_allocation_figure(sim, real),
    ));
    tables.push(("allocation".to_string(), allocation_table(sim, real)));
    figures.extend(figures::progressive_filter_figures(real));
    if !fpanels.is_empty() {
        let n = fpanels.len();
        figures.push((
            "filter_costs".to_string(),
            Figure::new(
                "Approach 2's wasted compute as QC removes outlier classes",
                1,
                n,
                fpanels,
            ),
        ));
        tables.push(("real_costs".to_string(), rt));
    }
    StudyFiles {
        tables,
        figures,
        report,
    }
}
