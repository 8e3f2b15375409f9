//! Experiment 1 — Approach 2's empirical error on noise-free data, against
//! the grid half-width, with the closed form beside every numerical curve.
//! The spec is `specs/experiment-1.md`.

use crate::io::Table;
use crate::models::{LossSurface, Preset};
use crate::plots::{Figure, LegendPosition, Panel, Series};

use super::sweep::{
    errors_table, fit_and_closed_form, max_deviation, optima_table, Approach2Sweep, CellKey,
    NamedBias, SweepCell, BUDGET_STYLE,
};
use super::{linspace, ExperimentError, ExperimentFiles};
use super::{rounding_to_zero, ROUNDING};

/// What Experiment 1 sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp1Config {
    /// (surface, bias) cases, one figure each.
    pub cases: Vec<(Preset, NamedBias)>,
    /// Grid half-widths W (decades), increasing.
    pub widths: Vec<f64>,
    /// Indices into `widths` of the three widths drawn in detail.
    pub display: [usize; 3],
    /// Compute budgets.
    pub budgets: Vec<f64>,
    /// Points per IsoFLOP curve.
    pub points: usize,
}

/// The grids of half-widths Experiments 1–4 sweep: 20 widths each, equally
/// spaced in decades, ending at 2 decades (±100×).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Widths {
    /// The reference study's `linspace(0.3, 2.0, 20)` (the default).
    #[default]
    Reference,
    /// `linspace(log10 2, 2, 20)`: the first width exactly ±2×.
    Log2,
}

impl Widths {
    /// Both grids, the default first.
    pub const ALL: [Widths; 2] = [Widths::Reference, Widths::Log2];

    /// The name the CLI takes (`reference`, `log2`).
    pub fn name(self) -> &'static str {
        match self {
            Widths::Reference => "reference",
            Widths::Log2 => "log2",
        }
    }

    /// The grid by its name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.name() == name)
    }

    /// The 20 half-widths W (decades), increasing.
    pub fn values(self) -> Vec<f64> {
        let lo = match self {
            Widths::Reference => 0.3,
            Widths::Log2 => 2f64.log10(),
        };
        linspace(lo, 2.0, 20)
    }

    /// The three display widths ([`DISPLAY`]) of the grid.
    pub fn display_values(self) -> Vec<f64> {
        let w = self.values();
        DISPLAY.iter().map(|&i| w[i]).collect()
    }
}

/// The default 20 widths of Experiments 1–4: the reference's
/// `linspace(0.3, 2.0, 20)` decades ([`Widths::Reference`]).
pub fn standard_widths() -> Vec<f64> {
    Widths::default().values()
}

/// The display widths: the first, the 11th and the last.
pub const DISPLAY: [usize; 3] = [0, 10, 19];

impl Default for Exp1Config {
    /// Chinchilla without bias and `balanced` with drift 0.2; 20 widths;
    /// budgets 1e17 … 1e21; 15 points.
    fn default() -> Self {
        Self {
            cases: vec![
                (Preset::Chinchilla, NamedBias::BASELINE),
                (Preset::Balanced, NamedBias::DRIFT_0_2),
            ],
            widths: standard_widths(),
            display: DISPLAY,
            budgets: crate::sampling::default_budgets(),
            points: 15,
        }
    }
}

impl Exp1Config {
    /// The default configuration on the widths grid `w`.
    pub fn with_widths(w: Widths) -> Self {
        Self {
            widths: w.values(),
            ..Self::default()
        }
    }

    /// The sweep cells the experiment reads.
    pub fn cells(&self) -> Vec<CellKey> {
        self.cases
            .iter()
            .flat_map(|&(surface, bias)| {
                self.widths.iter().map(move |&w| CellKey {
                    surface,
                    bias,
                    half_width: w,
                })
            })
            .collect()
    }
}

/// Experiment 1's results: its cells of the sweep, case by case, W increasing.
#[derive(Debug, Clone)]
pub struct Exp1Output {
    /// The configuration run.
    pub config: Exp1Config,
    /// The cells, in `config.cells()` order.
    pub sweep: Approach2Sweep,
}

/// Run Experiment 1 on its own.
///
/// # Errors
/// Bad configuration, or an Approach 2 failure.
pub fn run_exp1(config: &Exp1Config) -> Result<Exp1Output, ExperimentError> {
    let sweep = Approach2Sweep::approach2(&config.cells(), &config.budgets, config.points)?;
    run_exp1_on(config, &sweep)
}

/// Run Experiment 1 from a sweep that holds its cells.
///
/// # Errors
/// [`ExperimentError::MissingCell`].
pub fn run_exp1_on(
    config: &Exp1Config,
    sweep: &Approach2Sweep,
) -> Result<Exp1Output, ExperimentError> {
    Ok(Exp1Output {
        config: config.clone(),
        sweep: sweep.subset(&config.cells())?,
    })
}

impl Exp1Output {
    /// Errors against W: per cell, each method's and the closed form's.
    pub fn errors_table(&self) -> Table {
        errors_table(&self.sweep)
    }

    /// Per-budget optimum errors.
    pub fn optima_table(&self) -> Table {
        optima_table(&self.sweep)
    }

    /// Everything to write.
    pub fn files(&self) -> ExperimentFiles {
        ExperimentFiles {
            tables: vec![
                ("errors".into(), self.errors_table()),
                ("optima".into(), self.optima_table()),
            ],
            figures: self
                .config
                .cases
                .iter()
                .map(|&(p, b)| {
                    (
                        super::sweep::file_stem(&format!("{}_{}", p.name(), b.name)),
                        case_figure(
                            "Experiment 1",
                            &self.sweep,
                            p,
                            &b,
                            &self.config.widths,
                            self.config.display,
                        ),
                    )
                })
                .collect(),
            report: self.report(),
        }
    }

    /// The report: per case, the errors at the display widths, and the
    /// largest |numerical − closed form|.
    pub fn report(&self) -> String {
        let mut s = String::from(
            "Experiment 1 — Approach 2's error on noise-free data against the grid half-width\n",
        );
        s.push_str(&format!(
            "{} budgets {:e} … {:e}, {} points per curve, {} widths W from {:.4} to {:.4} decades\n",
            self.config.budgets.len(),
            self.config.budgets.first().copied().unwrap_or(f64::NAN),
            self.config.budgets.last().copied().unwrap_or(f64::NAN),
            self.config.points,
            self.config.widths.len(),
            self.config.widths.first().copied().unwrap_or(f64::NAN),
            self.config.widths.last().copied().unwrap_or(f64::NAN),
        ));
        s.push_str(&case_report(
            &self.sweep,
            &self.config.cases,
            &self.config.widths,
            self.config.display,
        ));
        s.push_str(&format!(
            "\nlargest |numerical − closed form| over every error of the experiment: {:.1e}\n",
            max_deviation(&self.sweep)
        ));
        s
    }
}

/// Report lines for (surface, bias) cases at the display widths.
pub fn case_report(
    sweep: &Approach2Sweep,
    cases: &[(Preset, NamedBias)],
    widths: &[f64],
    display: [usize; 3],
) -> String {
    let mut s = String::new();
    for &(p, b) in cases {
        s.push_str(&format!("\n{} surface, bias {}:\n", p.name(), b.name));
        s.push_str("  W (decades)  (â−a)/a      (b̂−b)/b      (â0−a0)/|a0| (b̂0−b0)/|b0| N* prefactor  max |N̂*/N* − 1|\n");
        for &i in &display {
            let Some(&w) = widths.get(i) else { continue };
            let Some(c) = sweep.get(p, &b, w) else {
                continue;
            };
            let e = c.fitted_errors(0, &sweep.budgets);
            let worst = e.n_opt.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            s.push_str(&format!(
                "  {w:<11.4}  {:<+11.3e}  {:<+11.3e}  {:<+11.3e}  {:<+11.3e}  {:<+11.3e}  {worst:.3e}\n",
                e.a, e.b, e.a0, e.b0, e.a0_prefactor
            ));
        }
    }
    s
}

fn budget_label(c: f64) -> String {
    format!("C = {}", crate::plots::tick_label(c))
}

/// The Experiment-1 figure of one (surface, bias) case: IsoFLOP curves and
/// fitted parabolas, inferred optima against C, errors against W.
pub fn case_figure(
    experiment: &str,
    sweep: &Approach2Sweep,
    surface: Preset,
    bias: &NamedBias,
    widths: &[f64],
    display: [usize; 3],
) -> Figure {
    let truth = LossSurface::<f64>::preset(surface);
    let budgets = &sweep.budgets;
    let cells: Vec<&SweepCell> = widths
        .iter()
        .filter_map(|&w| sweep.get(surface, bias, w))
        .collect();
    let shown: Vec<&SweepCell> = display
        .iter()
        .filter_map(|&i| widths.get(i).and_then(|&w| sweep.get(surface, bias, w)))
        .collect();
    let mut panels = Vec::new();
    // The three panels of rows 1 and 2 draw the same curves: the first
    // column's legend serves the row (three copies would cover data).
    let columns = shown.len().max(1);
    let first_column_legend = |index: usize, pos: LegendPosition| {
        if index.is_multiple_of(columns) {
            pos
        } else {
            LegendPosition::None
        }
    };
    // Row 1: the IsoFLOP curves.
    for c in &shown {
        let fit = &c.fits[0];
        let mut series = Vec::new();
        for (k, v) in fit.vertices.iter().enumerate() {
            let (size, alpha) = BUDGET_STYLE[k.min(BUDGET_STYLE.len() - 1)];
            let pts: Vec<(f64, f64)> = c
                .points
                .iter()
                .filter(|p| p.budget == v.budget)
                .map(|p| (p.n, p.loss))
                .collect();
            let (lo, hi) = pts
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| {
                    (l.min(p.0.log10()), h.max(p.0.log10()))
                });
            let curve: Vec<(f64, f64)> = linspace(lo, hi, 60)
                .into_iter()
                .map(|x| {
                    (
                        10f64.powf(x),
                        v.loss_at_vertex + v.n_curvature * (x - v.log10_n_opt).powi(2),
                    )
                })
                .collect();
            series.push(
                Series::markers("", pts, 0)
                    .size(size.saturating_sub(1).max(2))
                    .opacity(alpha),
            );
            // The smallest and largest budgets are named; the shade runs
            // between them.
            let label = if k == 0 || k + 1 == fit.vertices.len() {
                budget_label(v.budget)
            } else {
                String::new()
            };
            series.push(Series::line(label, curve, 0).opacity(alpha));
        }
        let s = &truth;
        series.push(
            Series::markers(
                "N* fit",
                fit.vertices
                    .iter()
                    .map(|v| (10f64.powf(v.log10_n_opt), v.loss_at_vertex))
                    .collect(),
                11,
            )
            .size(5),
        );
        series.push(
            Series::line(
                "N* closed form",
                fit.vertices
                    .iter()
                    .zip(&c.predicted.shifts)
                    .map(|(v, dw)| (10f64.powf(s.log10_n_opt(&v.budget) + dw), v.loss_at_vertex))
                    .collect(),
                11,
            )
            .dashed(),
        );
        // True N* last, small, so it shows on top of the inferred one.
        series.push(
            Series::markers(
                "N* true",
                budgets
                    .iter()
                    .map(|b| (s.n_opt(b), s.loss_opt(b)))
                    .collect(),
                6,
            )
            .size(3),
        );
        panels.push(Panel {
            title: format!(
                "IsoFLOP curves, W = {:.2} (±{:.0}×)",
                c.key.half_width,
                10f64.powf(c.key.half_width)
            ),
            x_label: "model size N (parameters)".into(),
            y_label: "loss L (nats)".into(),
            x_log: true,
            series,
            legend: first_column_legend(panels.len(), LegendPosition::UpperRight),
            ..Panel::default()
        });
    }
    // Row 2: inferred optima against C.
    for c in &shown {
        let fit = &c.fits[0];
        let law = |l: &crate::fitters::PowerLaw<f64>| -> Vec<(f64, f64)> {
            budgets
                .iter()
                .map(|b| (*b, 10f64.powf(l.log10_at(b))))
                .collect()
        };
        let series = vec![
            Series::markers(
                "N* fit",
                fit.vertices
                    .iter()
                    .map(|v| (v.budget, 10f64.powf(v.log10_n_opt)))
                    .collect(),
                0,
            ),
            Series::line("", law(&fit.n_law), 0),
            Series::line(
                "N* true",
                budgets.iter().map(|b| (*b, truth.n_opt(b))).collect(),
                0,
            )
            .dashed(),
            Series::markers(
                "D* fit",
                fit.vertices
                    .iter()
                    .map(|v| (v.budget, 10f64.powf(v.log10_d_opt)))
                    .collect(),
                1,
            ),
            Series::line("", law(&fit.d_law), 1),
            Series::line(
                "D* true",
                budgets.iter().map(|b| (*b, truth.d_opt(b))).collect(),
                1,
            )
            .dashed(),
            Series::markers(
                "",
                law(&c.predicted.n_law)
                    .into_iter()
                    .chain(law(&c.predicted.d_law))
                    .collect(),
                6,
            )
            .size(2),
        ];
        panels.push(Panel {
            title: format!("optima against compute, W = {:.2}", c.key.half_width),
            x_label: "compute C (FLOPs)".into(),
            y_label: "N* (parameters), D* (tokens)".into(),
            x_log: true,
            y_log: true,
            series,
            legend: first_column_legend(panels.len(), LegendPosition::UpperLeft),
            ..Panel::default()
        });
    }
    // Row 3: errors against W.
    let errs: Vec<_> = cells
        .iter()
        .map(|c| {
            (
                c.key.half_width,
                c.fitted_errors(0, budgets),
                c.predicted_errors(budgets),
            )
        })
        .collect();
    let pts =
        |f: &dyn Fn(&super::sweep::Approach2Errors) -> f64, fitted: bool| -> Vec<(f64, f64)> {
            errs.iter()
                .map(|(w, fe, pe)| (*w, rounding_to_zero(if fitted { f(fe) } else { f(pe) })))
                .collect()
        };
    let mut exp_series = fit_and_closed_form(
        "a: (a_fit−a)/a",
        pts(&|e| e.a, true),
        pts(&|e| e.a, false),
        0,
    );
    exp_series.extend(fit_and_closed_form(
        "b: (b_fit−b)/b",
        pts(&|e| e.b, true),
        pts(&|e| e.b, false),
        1,
    ));
    panels.push(Panel {
        title: "exponent errors".into(),
        x_label: "grid half-width W (decades)".into(),
        y_label: "relative error".into(),
        series: exp_series,
        legend: LegendPosition::UpperLeft,
        ..Panel::default()
    });
    let mut int_series = fit_and_closed_form(
        "a0: (a0_fit−a0)/|a0|",
        pts(&|e| e.a0, true),
        pts(&|e| e.a0, false),
        0,
    );
    int_series.extend(fit_and_closed_form(
        "b0: (b0_fit−b0)/|b0|",
        pts(&|e| e.b0, true),
        pts(&|e| e.b0, false),
        1,
    ));
    panels.push(Panel {
        title: "intercept errors (log10 intercepts)".into(),
        x_label: "grid half-width W (decades)".into(),
        y_label: "relative error".into(),
        series: int_series,
        legend: LegendPosition::UpperLeft,
        ..Panel::default()
    });
    let mut opt_series = Vec::new();
    for (k, b) in budgets.iter().enumerate() {
        let (size, alpha) = BUDGET_STYLE[k.min(BUDGET_STYLE.len() - 1)];
        for (name, color, pick) in [
            (
                "N*",
                0usize,
                (|e: &super::sweep::Approach2Errors, k: usize| e.n_opt[k]) as fn(&_, usize) -> f64,
            ),
            ("D*", 1, |e, k| e.d_opt[k]),
        ] {
            let num: Vec<(f64, f64)> = errs
                .iter()
                .map(|(w, fe, _)| (*w, rounding_to_zero(pick(fe, k))))
                .collect();
            let pred: Vec<(f64, f64)> = errs
                .iter()
                .map(|(w, _, pe)| (*w, rounding_to_zero(pick(pe, k))))
                .collect();
            let label = if k == 0 || k + 1 == budgets.len() {
                format!("{name}, {}", budget_label(*b))
            } else {
                String::new()
            };
            opt_series.push(Series::markers(label, num, color).size(size).opacity(alpha));
            opt_series.push(Series::line("", pred, color).opacity(alpha));
        }
    }
    panels.push(Panel {
        title: "per-budget N*, D* errors".into(),
        x_label: "grid half-width W (decades)".into(),
        y_label: "relative error".into(),
        series: opt_series,
        legend: LegendPosition::UpperLeft,
        ..Panel::default()
    });
    Figure::new(
        format!(
            "{experiment}: Approach 2 on the {} surface, bias {} ({} points per curve; row 2: markers fitted vertices, solid lines their power laws, dashed the truth, black dots the closed form; row 3: markers fit, lines closed form, size and opacity grow with C; relative errors below {ROUNDING:e} are rounding, drawn as 0)",
            surface.name(),
            bias.name,
            sweep.points
        ),
        3,
        3,
        panels,
    )
}
