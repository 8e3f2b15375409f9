//! Experiment 4 — extrapolation: the D* that Approach 2's fitted power law
//! predicts at budgets 10 to 10,000 times beyond its data, against the truth.
//! The spec is `specs/experiment-4.md`.

use crate::io::{fmt_f64, Table};
use crate::models::{LossSurface, Preset};
use crate::plots::{Figure, LegendPosition, Panel, Series};

use super::exp1::Widths;
use super::sweep::{bias_color, grid_cells, prefactor_error, Approach2Sweep, CellKey, NamedBias};
use super::{logspace, ExperimentError, ExperimentFiles};

/// What Experiment 4 sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp4Config {
    /// Surfaces (figure columns).
    pub surfaces: Vec<Preset>,
    /// Biases (curves).
    pub biases: Vec<NamedBias>,
    /// Grid half-widths W (figure rows).
    pub widths: Vec<f64>,
    /// Fitting budgets.
    pub budgets: Vec<f64>,
    /// Extrapolation budgets.
    pub extrapolation: Vec<f64>,
    /// Points per IsoFLOP curve.
    pub points: usize,
}

impl Default for Exp4Config {
    /// Experiment 3's surfaces and biases at the three display widths of
    /// Experiment 1; fit on 1e17 … 1e21, extrapolate to 16 budgets 1e22 … 1e25.
    fn default() -> Self {
        Self {
            surfaces: vec![Preset::Symmetric, Preset::Chinchilla, Preset::Asymmetric],
            biases: NamedBias::STANDARD.to_vec(),
            widths: Widths::default().display_values(),
            budgets: crate::sampling::default_budgets(),
            extrapolation: logspace(22.0, 25.0, 16),
            points: 15,
        }
    }
}

impl Exp4Config {
    /// The default configuration on the widths grid `w` (its three display widths).
    pub fn with_widths(w: Widths) -> Self {
        Self {
            widths: w.display_values(),
            ..Self::default()
        }
    }

    /// The sweep cells the experiment reads.
    pub fn cells(&self) -> Vec<CellKey> {
        grid_cells(&self.surfaces, &self.biases, &self.widths)
    }
}

/// One extrapolated D*.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp4Row {
    /// The surface.
    pub surface: Preset,
    /// The bias name.
    pub bias: &'static str,
    /// Grid half-width W.
    pub half_width: f64,
    /// The extrapolation budget C.
    pub budget: f64,
    /// True D*(C).
    pub d_opt: f64,
    /// D̂*(C) from the fitted law.
    pub d_fitted: f64,
    /// D̂*(C) from the closed-form law.
    pub d_closed_form: f64,
    /// (D̂* − D*)/D*, fitted.
    pub error_fitted: f64,
    /// The same from the closed-form law.
    pub error_closed_form: f64,
}

/// Experiment 4's results.
#[derive(Debug, Clone)]
pub struct Exp4Output {
    /// The configuration run.
    pub config: Exp4Config,
    /// One row per (surface, bias, W, extrapolation budget), in that nesting.
    pub rows: Vec<Exp4Row>,
}

/// Run Experiment 4 on its own.
///
/// # Errors
/// Bad configuration, or an Approach 2 failure.
pub fn run_exp4(config: &Exp4Config) -> Result<Exp4Output, ExperimentError> {
    let sweep = Approach2Sweep::approach2(&config.cells(), &config.budgets, config.points)?;
    run_exp4_on(config, &sweep)
}

/// Run Experiment 4 from a sweep that holds its cells.
///
/// # Errors
/// [`ExperimentError::MissingCell`].
pub fn run_exp4_on(
    config: &Exp4Config,
    sweep: &Approach2Sweep,
) -> Result<Exp4Output, ExperimentError> {
    let mut rows = Vec::new();
    for cell in sweep.cells_of(&config.cells())? {
        let truth = LossSurface::<f64>::preset(cell.key.surface);
        let fit = &cell.fits[0];
        for &c in &config.extrapolation {
            let log_true = truth.log10_d_opt(&c);
            rows.push(Exp4Row {
                surface: cell.key.surface,
                bias: cell.key.bias.name,
                half_width: cell.key.half_width,
                budget: c,
                d_opt: truth.d_opt(&c),
                d_fitted: 10f64.powf(fit.d_law.log10_at(&c)),
                d_closed_form: 10f64.powf(cell.predicted.d_law.log10_at(&c)),
                error_fitted: prefactor_error(fit.d_law.log10_at(&c) - log_true),
                error_closed_form: prefactor_error(cell.predicted.d_law.log10_at(&c) - log_true),
            });
        }
    }
    Ok(Exp4Output {
        config: config.clone(),
        rows,
    })
}

impl Exp4Output {
    /// The rows as a table.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "surface",
            "bias",
            "half_width",
            "budget",
            "d_opt_true",
            "d_opt_fitted",
            "d_opt_closed_form",
            "d_opt_rel_error_approach2",
            "d_opt_rel_error_closed_form",
        ]);
        for r in &self.rows {
            t.push(vec![
                r.surface.name().into(),
                r.bias.into(),
                fmt_f64(r.half_width),
                fmt_f64(r.budget),
                fmt_f64(r.d_opt),
                fmt_f64(r.d_fitted),
                fmt_f64(r.d_closed_form),
                fmt_f64(r.error_fitted),
                fmt_f64(r.error_closed_form),
            ]);
        }
        t
    }

    /// The largest |fitted − closed form| over the rows.
    pub fn max_deviation(&self) -> f64 {
        self.rows.iter().fold(0.0, |m, r| {
            m.max((r.error_fitted - r.error_closed_form).abs())
        })
    }

    /// The 3 × 3 figure: rows widths, columns surfaces, a curve per bias.
    pub fn figure(&self) -> Figure {
        let mut panels = Vec::new();
        for &w in &self.config.widths {
            for &p in &self.config.surfaces {
                let mut series = Vec::new();
                for b in &self.config.biases {
                    let rows: Vec<&Exp4Row> = self
                        .rows
                        .iter()
                        .filter(|r| r.surface == p && r.bias == b.name && r.half_width == w)
                        .collect();
                    series.push(Series::markers(
                        b.name,
                        rows.iter()
                            .map(|r| (r.budget, 100.0 * r.error_fitted))
                            .collect(),
                        bias_color(b.name),
                    ));
                    series.push(Series::line(
                        "",
                        rows.iter()
                            .map(|r| (r.budget, 100.0 * r.error_closed_form))
                            .collect(),
                        bias_color(b.name),
                    ));
                }
                panels.push(Panel {
                    title: format!("{}, W = {:.2} (±{:.0}×)", p.name(), w, 10f64.powf(w)),
                    x_label: "extrapolation budget C (FLOPs)".into(),
                    y_label: "(D*_fit − D*)/D* (%)".into(),
                    x_log: true,
                    series,
                    legend: LegendPosition::None,
                    ..Panel::default()
                });
            }
        }
        let mut fig = Figure::new(
            "Experiment 4: D* extrapolated by Approach 2's power law (fit on 1e17–1e21; markers: fit, lines: closed form)",
            self.config.widths.len(),
            self.config.surfaces.len(),
            panels,
        );
        fig.shared_legend = true;
        fig
    }

    /// Everything to write.
    pub fn files(&self) -> ExperimentFiles {
        ExperimentFiles {
            tables: vec![("extrapolation".into(), self.table())],
            figures: vec![("extrapolation".into(), self.figure())],
            report: self.report(),
        }
    }

    /// The report: the D* error at the largest budget per case.
    pub fn report(&self) -> String {
        let mut s = String::from(
            "Experiment 4 — extrapolating D* with Approach 2's fitted law\n\nrelative D* error at the largest extrapolation budget:\n",
        );
        let last = self
            .config
            .extrapolation
            .last()
            .copied()
            .unwrap_or(f64::NAN);
        s.push_str(&format!(
            "surface      bias        {}\n",
            self.config
                .widths
                .iter()
                .map(|w| format!("W = {w:<8.3}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        for &p in &self.config.surfaces {
            for b in &self.config.biases {
                let cells: Vec<String> = self
                    .config
                    .widths
                    .iter()
                    .map(|&w| {
                        self.rows
                            .iter()
                            .find(|r| {
                                r.surface == p
                                    && r.bias == b.name
                                    && r.half_width == w
                                    && r.budget == last
                            })
                            .map_or("-".into(), |r| format!("{:+.4}%", 100.0 * r.error_fitted))
                    })
                    .map(|x| format!("{x:<12}"))
                    .collect();
                s.push_str(&format!(
                    "{:<12} {:<11} {}\n",
                    p.name(),
                    b.name,
                    cells.join(" ")
                ));
            }
        }
        s.push_str(&format!(
            "\nat C = {last:e}; largest |numerical − closed form| over every row: {:.1e}\n",
            self.max_deviation()
        ));
        s
    }
}
