//! Experiment 2 — exponent imbalance: Approach 2's exponent errors under a
//! drift of 0.2 decades, for surfaces whose α/β runs from 1 to 9 (α + β =
//! 0.62). The spec is `specs/experiment-2.md`.

use crate::io::Table;
use crate::models::Preset;
use crate::plots::{Figure, LegendPosition, Panel, Series};

use super::exp1::{case_figure, case_report, standard_widths, Widths, DISPLAY};
use super::sweep::{
    errors_table, grid_cells, max_deviation, optima_table, surface_color, Approach2Sweep, CellKey,
    NamedBias,
};
use super::{ExperimentError, ExperimentFiles};

/// What Experiment 2 sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp2Config {
    /// Surfaces, one curve each.
    pub surfaces: Vec<Preset>,
    /// The sampling bias of every surface.
    pub bias: NamedBias,
    /// Grid half-widths W (decades), increasing.
    pub widths: Vec<f64>,
    /// Indices into `widths` drawn in each surface's detailed figure.
    pub display: [usize; 3],
    /// Compute budgets.
    pub budgets: Vec<f64>,
    /// Points per IsoFLOP curve.
    pub points: usize,
}

impl Default for Exp2Config {
    /// chinchilla, balanced, ratio 1.5, 2, 3 (asymmetric), 9; drift 0.2; the
    /// 20 widths of Experiment 1.
    fn default() -> Self {
        Self {
            surfaces: vec![
                Preset::Chinchilla,
                Preset::Balanced,
                Preset::Ratio1_5,
                Preset::Ratio2,
                Preset::Asymmetric,
                Preset::Ratio9,
            ],
            bias: NamedBias::DRIFT_0_2,
            widths: standard_widths(),
            display: DISPLAY,
            budgets: crate::sampling::default_budgets(),
            points: 15,
        }
    }
}

impl Exp2Config {
    /// The default configuration on the widths grid `w`.
    pub fn with_widths(w: Widths) -> Self {
        Self {
            widths: w.values(),
            ..Self::default()
        }
    }

    /// The sweep cells the experiment reads.
    pub fn cells(&self) -> Vec<CellKey> {
        grid_cells(&self.surfaces, &[self.bias], &self.widths)
    }
}

/// Experiment 2's results.
#[derive(Debug, Clone)]
pub struct Exp2Output {
    /// The configuration run.
    pub config: Exp2Config,
    /// Its cells of the sweep, surface by surface, W increasing.
    pub sweep: Approach2Sweep,
}

/// Run Experiment 2 on its own.
///
/// # Errors
/// Bad configuration, or an Approach 2 failure.
pub fn run_exp2(config: &Exp2Config) -> Result<Exp2Output, ExperimentError> {
    let sweep = Approach2Sweep::approach2(&config.cells(), &config.budgets, config.points)?;
    run_exp2_on(config, &sweep)
}

/// Run Experiment 2 from a sweep that holds its cells.
///
/// # Errors
/// [`ExperimentError::MissingCell`].
pub fn run_exp2_on(
    config: &Exp2Config,
    sweep: &Approach2Sweep,
) -> Result<Exp2Output, ExperimentError> {
    Ok(Exp2Output {
        config: config.clone(),
        sweep: sweep.subset(&config.cells())?,
    })
}

impl Exp2Output {
    /// Errors against W per surface.
    pub fn errors_table(&self) -> Table {
        errors_table(&self.sweep)
    }

    /// The exponent-error figure: a and b against W, a curve per surface.
    pub fn figure(&self) -> Figure {
        let budgets = &self.sweep.budgets;
        let panel = |name: &str,
                     legend: LegendPosition,
                     pick: fn(&super::sweep::Approach2Errors) -> f64| {
            let mut series = Vec::new();
            for &p in &self.config.surfaces {
                let cells: Vec<_> = self
                    .config
                    .widths
                    .iter()
                    .filter_map(|&w| self.sweep.get(p, &self.config.bias, w))
                    .collect();
                let num = cells
                    .iter()
                    .map(|c| (c.key.half_width, pick(&c.fitted_errors(0, budgets))))
                    .collect();
                let pred = cells
                    .iter()
                    .map(|c| (c.key.half_width, pick(&c.predicted_errors(budgets))))
                    .collect();
                let s = crate::models::LossSurface::<f64>::preset(p);
                let label = format!("{} (α/β = {:.2})", p.name(), s.alpha() / s.beta());
                series.push(Series::markers(label, num, surface_color(p)));
                series.push(Series::line("", pred, surface_color(p)));
            }
            Panel {
                title: name.to_string(),
                x_label: "grid half-width W (decades)".into(),
                y_label: "relative exponent error".into(),
                series,
                legend,
                ..Panel::default()
            }
        };
        let mut fig = Figure::new(
            format!(
                "Experiment 2: Approach 2 exponent errors against grid width, bias {} ({} points per curve; markers: numerical fit, lines: closed form)",
                self.config.bias.name, self.config.points
            ),
            1,
            2,
            vec![
                panel("N* exponent a: (a_fit−a)/a", LegendPosition::None, |e| e.a),
                panel("D* exponent b: (b_fit−b)/b", LegendPosition::None, |e| e.b),
            ],
        );
        fig.panel_size = (640, 480);
        // Both panels draw the same surfaces: one legend above them.
        fig.shared_legend = true;
        fig
    }

    /// Everything to write.
    pub fn files(&self) -> ExperimentFiles {
        let mut figures = vec![("exponent_errors".to_string(), self.figure())];
        for &p in &self.config.surfaces {
            figures.push((
                super::sweep::file_stem(&format!("{}_{}", p.name(), self.config.bias.name)),
                case_figure(
                    "Experiment 2",
                    &self.sweep,
                    p,
                    &self.config.bias,
                    &self.config.widths,
                    self.config.display,
                ),
            ));
        }
        ExperimentFiles {
            tables: vec![
                ("errors".into(), self.errors_table()),
                ("optima".into(), optima_table(&self.sweep)),
            ],
            figures,
            report: self.report(),
        }
    }

    /// The report: the errors at the display widths per surface.
    pub fn report(&self) -> String {
        let mut s = format!(
            "Experiment 2 — exponent imbalance: Approach 2 under bias {} (drift {} decades)\n",
            self.config.bias.name, self.config.bias.drift_rate
        );
        let budgets = &self.sweep.budgets;
        s.push_str("\nlargest |(â−a)/a| and |(b̂−b)/b| over the widths, per surface:\n");
        for &p in &self.config.surfaces {
            let (mut ma, mut mb) = (0.0f64, 0.0f64);
            for &w in &self.config.widths {
                if let Some(c) = self.sweep.get(p, &self.config.bias, w) {
                    let e = c.fitted_errors(0, budgets);
                    ma = ma.max(e.a.abs());
                    mb = mb.max(e.b.abs());
                }
            }
            s.push_str(&format!("  {:<11} a {ma:.3e}   b {mb:.3e}\n", p.name()));
        }
        let cases: Vec<(Preset, NamedBias)> = self
            .config
            .surfaces
            .iter()
            .map(|&p| (p, self.config.bias))
            .collect();
        s.push_str(&case_report(
            &self.sweep,
            &cases,
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
