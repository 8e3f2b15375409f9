//! Experiment 6 — the analytical Approach 2 error.
//!
//! For each surface and grid half-width W, simulate noise-free IsoFLOP data
//! on centred grids, fit Approach 2 numerically, and compare its intercept and
//! exponent errors with the closed form ([`crate::analysis::predict_approach2`]).
//! The spec is `specs/experiment-6.md`.

use crate::analysis::predict_approach2;
use crate::fitters::fit_approach2;
use crate::io::{fmt_f64, Table};
use crate::models::{LossSurface, Preset};
use crate::plots::{Figure, LegendPosition, Panel, Series};
use crate::sampling::{sample_isoflops, IsoflopGrid, SamplingBias};

use super::{linspace, ExperimentError};

/// What Experiment 6 sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp6Config {
    /// Surfaces, one figure panel each.
    pub surfaces: Vec<Preset>,
    /// Grid half-widths W (decades).
    pub widths: Vec<f64>,
    /// Points per IsoFLOP curve.
    pub points: usize,
    /// Compute budgets.
    pub budgets: Vec<f64>,
}

impl Default for Exp6Config {
    /// Symmetric, Chinchilla and asymmetric surfaces; 20 widths 0.3 … 2.0;
    /// 15 points; budgets 1e17 … 1e21.
    fn default() -> Self {
        Self {
            surfaces: vec![Preset::Symmetric, Preset::Chinchilla, Preset::Asymmetric],
            widths: linspace(0.3, 2.0, 20),
            points: 15,
            budgets: crate::sampling::default_budgets(),
        }
    }
}

/// One (surface, W) cell: numerical Approach 2 against the closed form.
///
/// Intercept errors are relative errors of the prefactor, `10^(â0 − a0) − 1`;
/// exponent errors are relative, `(â − a)/a`.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp6Row {
    /// The surface.
    pub surface: Preset,
    /// Grid half-width W (decades).
    pub half_width: f64,
    /// N* prefactor error of the numerical fit.
    pub n_intercept_error_numerical: f64,
    /// N* prefactor error predicted in closed form (`10^δw − 1`).
    pub n_intercept_error_predicted: f64,
    /// D* prefactor error of the numerical fit.
    pub d_intercept_error_numerical: f64,
    /// D* prefactor error predicted (`10^(−δw) − 1`).
    pub d_intercept_error_predicted: f64,
    /// Relative N* exponent error of the numerical fit.
    pub a_exponent_error_numerical: f64,
    /// Relative N* exponent error predicted (0 for centred grids).
    pub a_exponent_error_predicted: f64,
    /// Relative D* exponent error of the numerical fit.
    pub b_exponent_error_numerical: f64,
    /// Relative D* exponent error predicted.
    pub b_exponent_error_predicted: f64,
}

impl Exp6Row {
    /// The largest |numerical − predicted| over the four error pairs.
    pub fn max_deviation(&self) -> f64 {
        [
            self.n_intercept_error_numerical - self.n_intercept_error_predicted,
            self.d_intercept_error_numerical - self.d_intercept_error_predicted,
            self.a_exponent_error_numerical - self.a_exponent_error_predicted,
            self.b_exponent_error_numerical - self.b_exponent_error_predicted,
        ]
        .into_iter()
        .fold(0.0, |m, d| m.max(d.abs()))
    }
}

/// Experiment 6's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp6Output {
    /// The configuration run.
    pub config: Exp6Config,
    /// One row per (surface, W), surfaces in config order, W increasing.
    pub rows: Vec<Exp6Row>,
}

fn prefactor_error(log10_ratio: f64) -> f64 {
    (log10_ratio * std::f64::consts::LN_10).exp_m1()
}

/// Run Experiment 6.
///
/// # Errors
/// Invalid widths, points or budgets, or an Approach 2 failure.
pub fn run_exp6(config: &Exp6Config) -> Result<Exp6Output, ExperimentError> {
    let bias = SamplingBias::none();
    let mut rows = Vec::with_capacity(config.surfaces.len() * config.widths.len());
    for &preset in &config.surfaces {
        let surface = LossSurface::<f64>::preset(preset);
        let (a, b) = (surface.exponent_a(), surface.exponent_b());
        for &w in &config.widths {
            let grid = IsoflopGrid::new(w, config.points)?;
            let points = sample_isoflops(&surface, &config.budgets, &grid, &bias)?;
            let fit = fit_approach2(&points)?;
            let pred = predict_approach2(&surface, &config.budgets, &grid, &bias)?;
            rows.push(Exp6Row {
                surface: preset,
                half_width: w,
                n_intercept_error_numerical: prefactor_error(fit.n_law.intercept - surface.a0()),
                n_intercept_error_predicted: prefactor_error(pred.n_law.intercept - surface.a0()),
                d_intercept_error_numerical: prefactor_error(fit.d_law.intercept - surface.b0()),
                d_intercept_error_predicted: prefactor_error(pred.d_law.intercept - surface.b0()),
                a_exponent_error_numerical: (fit.n_law.exponent - a) / a,
                a_exponent_error_predicted: (pred.n_law.exponent - a) / a,
                b_exponent_error_numerical: (fit.d_law.exponent - b) / b,
                b_exponent_error_predicted: (pred.d_law.exponent - b) / b,
            });
        }
    }
    Ok(Exp6Output {
        config: config.clone(),
        rows,
    })
}

impl Exp6Output {
    /// The rows as a CSV table.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "surface",
            "half_width",
            "n_intercept_error_numerical",
            "n_intercept_error_predicted",
            "d_intercept_error_numerical",
            "d_intercept_error_predicted",
            "a_exponent_error_numerical",
            "a_exponent_error_predicted",
            "b_exponent_error_numerical",
            "b_exponent_error_predicted",
            "max_abs_deviation",
        ]);
        for r in &self.rows {
            let mut cells = vec![r.surface.name().to_string()];
            cells.extend(
                [
                    r.half_width,
                    r.n_intercept_error_numerical,
                    r.n_intercept_error_predicted,
                    r.d_intercept_error_numerical,
                    r.d_intercept_error_predicted,
                    r.a_exponent_error_numerical,
                    r.a_exponent_error_predicted,
                    r.b_exponent_error_numerical,
                    r.b_exponent_error_predicted,
                    r.max_deviation(),
                ]
                .map(fmt_f64),
            );
            t.push(cells);
        }
        t
    }

    /// Everything to write.
    pub fn files(&self) -> super::ExperimentFiles {
        super::ExperimentFiles {
            tables: vec![("analytical_error".into(), self.table())],
            figures: vec![("analytical_error".into(), self.figure())],
            report: self.report(),
        }
    }

    /// The largest |numerical − predicted| over all rows of one surface.
    pub fn max_deviation(&self, surface: Preset) -> f64 {
        self.rows
            .iter()
            .filter(|r| r.surface == surface)
            .map(Exp6Row::max_deviation)
            .fold(0.0, f64::max)
    }

    /// A short text report: per surface, the error range and the agreement.
    pub fn report(&self) -> String {
        let mut s = String::from(
            "Experiment 6 — Approach 2 error, numerical fit vs closed form (centred grids)\n",
        );
        s.push_str(&format!(
            "points per curve: {}, budgets: {}, widths: {} from {} to {} decades\n\n",
            self.config.points,
            self.config
                .budgets
                .iter()
                .map(|c| format!("{c:e}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.config.widths.len(),
            self.config.widths.first().copied().unwrap_or(f64::NAN),
            self.config.widths.last().copied().unwrap_or(f64::NAN),
        ));
        for &p in &self.config.surfaces {
            let rows: Vec<&Exp6Row> = self.rows.iter().filter(|r| r.surface == p).collect();
            let max_n = rows
                .iter()
                .map(|r| r.n_intercept_error_predicted.abs())
                .fold(0.0, f64::max);
            let max_a = rows
                .iter()
                .map(|r| r.a_exponent_error_numerical.abs())
                .fold(0.0, f64::max);
            s.push_str(&format!(
                "{:<11} max |N* intercept error| {:.4e}   max |exponent error| {:.1e}   max |numerical − predicted| {:.1e}\n",
                p.name(),
                max_n,
                max_a,
                self.max_deviation(p)
            ));
        }
        s
    }
}

impl Exp6Output {
    /// The figure: one panel per surface, numerical (markers) and predicted
    /// (dashed) N* and D* prefactor errors against W, with the largest
    /// deviation annotated.
    pub fn figure(&self) -> Figure {
        let panels = self
            .config
            .surfaces
            .iter()
            .map(|&p| {
                let rows: Vec<&Exp6Row> = self.rows.iter().filter(|r| r.surface == p).collect();
                // Rounding noise (the symmetric surface's errors are exactly
                // 0, computed as up to ±1.6e-14) is drawn as 0, not as data.
                let pts = |f: fn(&Exp6Row) -> f64| {
                    rows.iter()
                        .map(|r| (r.half_width, super::rounding_to_zero(f(r))))
                        .collect::<Vec<_>>()
                };
                Panel {
                    // The deviation in the title: a note in the panel sat on the data.
                    title: format!("{}, max |Δ| {:.1e}", p.name(), self.max_deviation(p)),
                    x_label: "grid half-width W (decades)".into(),
                    y_label: "relative prefactor error".into(),
                    series: vec![
                        Series::markers("N* numerical", pts(|r| r.n_intercept_error_numerical), 0),
                        Series::line("N* predicted", pts(|r| r.n_intercept_error_predicted), 0)
                            .dashed(),
                        Series::markers("D* numerical", pts(|r| r.d_intercept_error_numerical), 1),
                        Series::line("D* predicted", pts(|r| r.d_intercept_error_predicted), 1)
                            .dashed(),
                    ],
                    legend: LegendPosition::None,
                    ..Panel::default()
                }
            })
            .collect::<Vec<_>>();
        let cols = panels.len().max(1);
        let mut fig = Figure::new(
            format!(
                "Experiment 6: Approach 2 intercept error, numerical fit vs closed form ({} points per curve, centred grids; Δ = numerical − predicted; errors below {:e} are rounding, drawn as 0)",
                self.config.points,
                super::ROUNDING
            ),
            1,
            cols,
            panels,
        );
        // One legend for the three panels (in a panel it covered the data).
        fig.shared_legend = true;
        fig
    }
}
