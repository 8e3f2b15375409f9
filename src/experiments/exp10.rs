//! Experiment 10 — what Approach 2's bias costs: at C = 1e24, the compute a
//! run wastes by training on the D̂* of Approach 2's fitted law instead of
//! D*, priced in dollars. The spec is `specs/experiment-10.md`; the closed
//! form is `proofs/11_allocation_cost.md`.

use crate::analysis::allocation_cost::{
    allocation_cost_closed_form_from_law, allocation_cost_from_law, AllocationCost,
    DOLLARS_PER_FLOP,
};
use crate::io::{fmt_f64, fmt_sig, Table};
use crate::models::{LossSurface, Preset};
use crate::plots::{Figure, LegendPosition, Panel, Series};

use super::sweep::{grid_cells, surface_color, Approach2Sweep, CellKey, NamedBias};
use super::{ExperimentError, ExperimentFiles};

mod figures;

/// What Experiment 10 sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp10Config {
    /// Surfaces.
    pub surfaces: Vec<Preset>,
    /// Biases.
    pub biases: Vec<NamedBias>,
    /// Grid half-widths W (decades).
    pub widths: Vec<f64>,
    /// Fitting budgets.
    pub budgets: Vec<f64>,
    /// Points per IsoFLOP curve.
    pub points: usize,
    /// The budget at which the cost is evaluated.
    pub target: f64,
}

/// "offset 3×": every grid centred at a third of N* (centre scale 3).
pub const OFFSET_3X: NamedBias = NamedBias::new("offset_3x", 0.0, 3.0);

/// "drift to 3×": centres drifting from N* to N*/3 across the budgets
/// (drift rate log10 3).
pub const DRIFT_TO_3X: NamedBias = NamedBias::new("drift_to_3x", 0.477_121_254_719_662_4, 1.0);

impl Default for Exp10Config {
    /// symmetric, chinchilla, asymmetric × offset 3×, drift to 3× × ±2×, ±4×,
    /// ±8×, ±16×; fit on 1e17 … 1e21 with 15 points; evaluated at 1e24.
    fn default() -> Self {
        Self {
            surfaces: vec![Preset::Symmetric, Preset::Chinchilla, Preset::Asymmetric],
            biases: vec![OFFSET_3X, DRIFT_TO_3X],
            widths: [2f64, 4.0, 8.0, 16.0].iter().map(|f| f.log10()).collect(),
            budgets: crate::sampling::default_budgets(),
            points: 15,
            target: 1e24,
        }
    }
}

impl Exp10Config {
    /// The sweep cells the experiment reads.
    pub fn cells(&self) -> Vec<CellKey> {
        grid_cells(&self.surfaces, &self.biases, &self.widths)
    }
}

/// One (surface, bias, W) case: the cost from the fitted law and in closed form.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp10Row {
    /// The surface.
    pub surface: Preset,
    /// The bias name.
    pub bias: &'static str,
    /// Grid half-width W (decades).
    pub half_width: f64,
    /// From Approach 2 fitted numerically, computed directly on the surface.
    pub numerical: AllocationCost<f64>,
    /// From the closed-form Approach 2 law, by proofs/11.
    pub closed_form: AllocationCost<f64>,
}

impl Exp10Row {
    /// The largest relative difference between the two over D̂, N_c, the loss
    /// gap, the wasted compute and share (relative to the closed form, or
    /// absolute where it is 0).
    pub fn max_deviation(&self) -> f64 {
        let (n, c) = (&self.numerical, &self.closed_form);
        [
            (n.tokens, c.tokens),
            (n.params, c.params),
            (n.loss_gap, c.loss_gap),
            (n.wasted_compute, c.wasted_compute),
            (n.wasted_share, c.wasted_share),
        ]
        .into_iter()
        .map(|(x, y)| {
            let d = (x - y).abs();
            if y != 0.0 {
                d / y.abs()
            } else {
                d
            }
        })
        .fold(0.0, f64::max)
    }
}

/// Experiment 10's results.
#[derive(Debug, Clone)]
pub struct Exp10Output {
    /// The configuration run.
    pub config: Exp10Config,
    /// One row per (surface, bias, W), in that nesting.
    pub rows: Vec<Exp10Row>,
}

/// Run Experiment 10 on its own.
///
/// # Errors
/// Bad configuration, an Approach 2 failure, or a cost that cannot be computed.
pub fn run_exp10(config: &Exp10Config) -> Result<Exp10Output, ExperimentError> {
    let sweep = Approach2Sweep::approach2(&config.cells(), &config.budgets, config.points)?;
    run_exp10_on(config, &sweep)
}

/// Run Experiment 10 from a sweep that holds its cells.
///
/// # Errors
/// [`ExperimentError::MissingCell`], or a cost that cannot be computed.
pub fn run_exp10_on(
    config: &Exp10Config,
    sweep: &Approach2Sweep,
) -> Result<Exp10Output, ExperimentError> {
    let rows = sweep
        .cells_of(&config.cells())?
        .into_iter()
        .map(|cell| {
            let truth = LossSurface::<f64>::preset(cell.key.surface);
            Ok(Exp10Row {
                surface: cell.key.surface,
                bias: cell.key.bias.name,
                half_width: cell.key.half_width,
                numerical: allocation_cost_from_law(&truth, &cell.fits[0].d_law, &config.target)?,
                closed_form: allocation_cost_closed_form_from_law(
                    &truth,
                    &cell.predicted.d_law,
                    &config.target,
                )?,
            })
        })
        .collect::<Result<_, ExperimentError>>()?;
    Ok(Exp10Output {
        config: config.clone(),
        rows,
    })
}

impl Exp10Output {
    /// The rows as a table: every quantity from the numerical fit, and the
    /// closed form's beside the headline ones.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "surface",
            "bias",
            "half_width",
            "factor",
            "budget",
            "d_opt_true",
            "d_hat",
            "n_forced",
            "token_error_decades",
            "loss_reached",
            "loss_optimal",
            "compute_for_loss",
            "wasted_compute",
            "wasted_compute_closed_form",
            "wasted_share",
            "wasted_share_closed_form",
            "loss_gap_nats",
            "loss_gap_nats_closed_form",
            "wasted_dollars",
            "wasted_dollars_closed_form",
            "max_rel_deviation",
            "d_error_pct",
            "d_error_pct_closed_form",
        ]);
        for r in &self.rows {
            let (n, c) = (&r.numerical, &r.closed_form);
            let truth = LossSurface::<f64>::preset(r.surface);
            t.push(vec![
                r.surface.name().into(),
                r.bias.into(),
                fmt_f64(r.half_width),
                fmt_f64(10f64.powf(r.half_width)),
                fmt_f64(n.budget),
                fmt_f64(truth.d_opt(&n.budget)),
                fmt_f64(n.tokens),
                fmt_f64(n.params),
                fmt_f64(n.token_error),
                fmt_f64(n.loss),
                fmt_f64(n.optimal_loss),
                fmt_f64(n.compute_for_loss),
                fmt_f64(n.wasted_compute),
                fmt_f64(c.wasted_compute),
                fmt_f64(n.wasted_share),
                fmt_f64(c.wasted_share),
                fmt_f64(n.loss_gap),
                fmt_f64(c.loss_gap),
                fmt_f64(n.wasted_dollars()),
                fmt_f64(c.wasted_dollars()),
                fmt_f64(r.max_deviation()),
                fmt_f64(r.d_error_pct()),
                fmt_f64(r.d_error_pct_closed_form()),
            ]);
        }
        t
    }

    /// The largest relative deviation over the rows.
    pub fn max_deviation(&self) -> f64 {
        self.rows
            .iter()
            .map(Exp10Row::max_deviation)
            .fold(0.0, f64::max)
    }

    /// Wasted share (%) against the grid's ±factor, a curve per surface and
    /// bias: numerical as markers, closed form as lines (dashed for drift).
    pub fn figure(&self) -> Figure {
        let mut series = Vec::new();
        for &p in &self.config.surfaces {
            for (bi, b) in self.config.biases.iter().enumerate() {
                let rows: Vec<&Exp10Row> = self
                    .rows
                    .iter()
                    .filter(|r| r.surface == p && r.bias == b.name)
                    .collect();
                let pts = |f: &dyn Fn(&Exp10Row) -> f64| -> Vec<(f64, f64)> {
                    rows.iter().map(|r| (r.half_width, f(r))).collect()
                };
                series.push(
                    Series::markers(
                        "",
                        pts(&|r| 100.0 * r.numerical.wasted_share),
                        surface_color(p),
                    )
                    .size(if bi == 0 { 4 } else { 6 }),
                );
                // The legend shows the line (dashed for the second bias).
                let line = Series::line(
                    format!("{}, {}", p.name(), b.name),
                    pts(&|r| 100.0 * r.closed_form.wasted_share),
                    surface_color(p),
                );
                series.push(if bi == 0 { line } else { line.dashed() });
            }
        }
        let mut fig = Figure::new(
            format!(
                "Experiment 10: share of a {:.0e} FLOP budget wasted by Approach 2's D* (markers: fit, lines: closed form)",
                self.config.target
            ),
            1,
            1,
            vec![Panel {
                title: "wasted share of the budget".into(),
                x_label: "grid half-width W (decades): ±2× … ±16×".into(),
                y_label: "compute wasted (% of C)".into(),
                y_log: true,
                series,
                // Six entries are too tall for a free corner: above the panel.
                legend: LegendPosition::None,
                ..Panel::default()
            }],
        );
        fig.panel_size = (1100, 620);
        fig.shared_legend = true;
        fig
    }

    /// Everything to write.
    pub fn files(&self) -> ExperimentFiles {
        ExperimentFiles {
            tables: vec![("allocation_cost".into(), self.table())],
            figures: vec![
                ("wasted_share".into(), self.figure()),
                ("d_error".into(), self.d_error_figure()),
            ],
            report: self.report(),
        }
    }

    /// The report: every row's share, compute and dollars.
    pub fn report(&self) -> String {
        let mut s = format!(
            "Experiment 10 — what Approach 2's bias costs at C = {:e} FLOPs (price {} per FLOP: 2 $/GPU-hour at 989.5 TFLOP/s)\n\n",
            self.config.target,
            dollars(DOLLARS_PER_FLOP)
        );
        s.push_str("surface      bias         ±factor  log10(D̂/D*)  wasted share  wasted FLOPs  wasted $      loss gap (nats)\n");
        for r in &self.rows {
            let n = &r.numerical;
            s.push_str(&format!(
                "{:<12} {:<12} {:<8.0} {:<+12.5} {:<12} {:<12}  {:<12} {}\n",
                r.surface.name(),
                r.bias,
                10f64.powf(r.half_width),
                n.token_error,
                format!("{:.4}%", 100.0 * n.wasted_share),
                fmt_sig(n.wasted_compute, 3),
                dollars(n.wasted_dollars()),
                fmt_sig(n.loss_gap, 3),
            ));
        }
        s.push_str(&format!(
            "\nlargest relative |numerical − closed form| over D̂, N_c, loss gap, wasted compute and share: {:.1e}\n(the numerical path subtracts C(L) from C and L_opt from L: at a share of 1e-6 that cancellation alone costs ~1e-10 relatively)\n",
            self.max_deviation()
        ));
        s
    }
}

/// A dollar amount as a reader writes it: `$264.29`, `$1,234,567` … for
/// amounts from a cent to a trillion, `$5.61e-19` (three significant digits,
/// [`fmt_sig`]) beyond.
pub fn dollars(v: f64) -> String {
    if !v.is_finite() {
        return format!("${v}");
    }
    let a = v.abs();
    if !(0.01..1e12).contains(&a) {
        return format!("${}", fmt_sig(v, 3));
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let cents = format!("{a:.2}");
    let (whole, frac) = cents.split_once('.').unwrap_or((&cents, "00"));
    let mut grouped = String::new();
    for (k, ch) in whole.chars().enumerate() {
        if k > 0 && (whole.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if a >= 1000.0 {
        format!("{sign}${grouped}")
    } else {
        format!("{sign}${grouped}.{frac}")
    }
}
