//! Experiment 3 — sampling bias: Approach 2's exponent and intercept errors,
//! and its per-budget optimum errors, for three surfaces under five biases.
//! The spec is `specs/experiment-3.md`.

use crate::io::Table;
use crate::models::{LossSurface, Preset};
use crate::plots::{Figure, LegendPosition, Panel, Series};

use super::exp1::{case_figure, standard_widths, Widths, DISPLAY};
use super::sweep::{
    bias_color, errors_table, grid_cells, max_deviation, optima_table, Approach2Errors,
    Approach2Sweep, CellKey, NamedBias, BUDGET_STYLE,
};
use super::{ExperimentError, ExperimentFiles};

/// What Experiment 3 sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp3Config {
    /// Surfaces (figure rows).
    pub surfaces: Vec<Preset>,
    /// Biases (curves).
    pub biases: Vec<NamedBias>,
    /// The biases of the per-surface optima figures (rows).
    pub optima_biases: Vec<NamedBias>,
    /// Grid half-widths W (decades).
    pub widths: Vec<f64>,
    /// Compute budgets.
    pub budgets: Vec<f64>,
    /// Points per IsoFLOP curve.
    pub points: usize,
}

impl Default for Exp3Config {
    /// symmetric, chinchilla, asymmetric × the five standard biases × the 20
    /// widths; optima figures for baseline, drift_0.4 and scale_2.0.
    fn default() -> Self {
        Self {
            surfaces: vec![Preset::Symmetric, Preset::Chinchilla, Preset::Asymmetric],
            biases: NamedBias::STANDARD.to_vec(),
            optima_biases: vec![
                NamedBias::BASELINE,
                NamedBias::DRIFT_0_4,
                NamedBias::SCALE_2_0,
            ],
            widths: standard_widths(),
            budgets: crate::sampling::default_budgets(),
            points: 15,
        }
    }
}

impl Exp3Config {
    /// The default configuration on the widths grid `w`.
    pub fn with_widths(w: Widths) -> Self {
        Self {
            widths: w.values(),
            ..Self::default()
        }
    }

    /// The sweep cells the experiment reads.
    pub fn cells(&self) -> Vec<CellKey> {
        let biases = [self.biases.as_slice(), &self.optima_biases].concat();
        grid_cells(&self.surfaces, &biases, &self.widths)
    }
}

/// Experiment 3's results.
#[derive(Debug, Clone)]
pub struct Exp3Output {
    /// The configuration run.
    pub config: Exp3Config,
    /// Its cells of the sweep.
    pub sweep: Approach2Sweep,
}

/// Run Experiment 3 on its own.
///
/// # Errors
/// Bad configuration, or an Approach 2 failure.
pub fn run_exp3(config: &Exp3Config) -> Result<Exp3Output, ExperimentError> {
    let sweep = Approach2Sweep::approach2(&config.cells(), &config.budgets, config.points)?;
    run_exp3_on(config, &sweep)
}

/// Run Experiment 3 from a sweep that holds its cells.
///
/// # Errors
/// [`ExperimentError::MissingCell`].
pub fn run_exp3_on(
    config: &Exp3Config,
    sweep: &Approach2Sweep,
) -> Result<Exp3Output, ExperimentError> {
    Ok(Exp3Output {
        config: config.clone(),
        sweep: sweep.subset(&config.cells())?,
    })
}

type Pick = fn(&Approach2Errors) -> f64;

impl Exp3Output {
    fn curve(
        &self,
        p: Preset,
        b: &NamedBias,
        pick: &dyn Fn(&Approach2Errors) -> f64,
        fitted: bool,
    ) -> Vec<(f64, f64)> {
        let budgets = &self.sweep.budgets;
        self.config
            .widths
            .iter()
            .filter_map(|&w| self.sweep.get(p, b, w))
            .map(|c| {
                let e = if fitted {
                    c.fitted_errors(0, budgets)
                } else {
                    c.predicted_errors(budgets)
                };
                (c.key.half_width, pick(&e))
            })
            .collect()
    }

    /// The 3 × 4 figure: rows surfaces; columns a, b exponent errors and a0,
    /// b0 intercept errors; a curve per bias.
    pub fn parameter_figure(&self) -> Figure {
        let columns: [(&str, Pick); 4] = [
            ("exponent a", |e| e.a),
            ("exponent b", |e| e.b),
            ("intercept a0", |e| e.a0),
            ("intercept b0", |e| e.b0),
        ];
        let mut panels = Vec::new();
        for &p in &self.config.surfaces {
            for (name, pick) in columns {
                let mut series = Vec::new();
                for b in &self.config.biases {
                    series.push(Series::markers(
                        b.name,
                        self.curve(p, b, &pick, true),
                        bias_color(b.name),
                    ));
                    series.push(Series::line(
                        "",
                        self.curve(p, b, &pick, false),
                        bias_color(b.name),
                    ));
                }
                panels.push(Panel {
                    // Short titles and y labels: four panels a row.
                    title: format!("{}: {name}", p.name()),
                    x_label: "W (decades)".into(),
                    y_label: "relative error".into(),
                    series,
                    legend: LegendPosition::None,
                    ..Panel::default()
                });
            }
        }
        let mut fig = Figure::new(
            format!(
                "Experiment 3: Approach 2's relative errors (fit − true)/|true| of a, b, a0, b0 under sampling bias (markers: numerical fit, lines: closed form; {} points per curve, noise-free: one fit per cell)",
                self.config.points
            ),
            self.config.surfaces.len(),
            4,
            panels,
        );
        fig.shared_legend = true;
        fig
    }

    /// The optima figure of one surface: rows biases; columns N* and D*
    /// relative errors (%) and signed errors; a series per budget.
    pub fn optima_figure(&self, p: Preset) -> Figure {
        let truth = LossSurface::<f64>::preset(p);
        let budgets = &self.sweep.budgets;
        let mut panels = Vec::new();
        for b in &self.config.optima_biases {
            let cells: Vec<_> = self
                .config
                .widths
                .iter()
                .filter_map(|&w| self.sweep.get(p, b, w))
                .map(|c| {
                    (
                        c.key.half_width,
                        c.fitted_errors(0, budgets),
                        c.predicted_errors(budgets),
                    )
                })
                .collect();
            for col in 0..4 {
                let (d_axis, signed) = (col % 2 == 1, col >= 2);
                let color = usize::from(d_axis);
                let mut series = Vec::new();
                for (k, c) in budgets.iter().enumerate() {
                    let (size, alpha) = BUDGET_STYLE[k.min(BUDGET_STYLE.len() - 1)];
                    let scale = match (signed, d_axis) {
                        (false, _) => 100.0,
                        (true, false) => truth.n_opt(c),
                        (true, true) => truth.d_opt(c),
                    };
                    let val =
                        |e: &Approach2Errors| scale * if d_axis { e.d_opt[k] } else { e.n_opt[k] };
                    let num: Vec<(f64, f64)> = cells.iter().map(|(w, f, _)| (*w, val(f))).collect();
                    let pred: Vec<(f64, f64)> =
                        cells.iter().map(|(w, _, q)| (*w, val(q))).collect();
                    series.push(
                        Series::markers(
                            format!("C = {}", crate::plots::tick_label(*c)),
                            num,
                            color,
                        )
                        .size(size)
                        .opacity(alpha),
                    );
                    series.push(Series::line("", pred, color).opacity(alpha));
                }
                let what = if d_axis { "D*" } else { "N*" };
                // Short titles and labels: four panels share 7 inches.
                let (title, unit) = match (signed, d_axis) {
                    (false, _) => (format!("{what} relative error"), "error (%)"),
                    (true, false) => (format!("{what} signed error"), "error (parameters)"),
                    (true, true) => (format!("{what} signed error"), "error (tokens)"),
                };
                panels.push(Panel {
                    title: format!("{}: {title}", b.name),
                    x_label: "W (decades)".into(),
                    y_label: unit.into(),
                    series,
                    legend: LegendPosition::None,
                    ..Panel::default()
                });
            }
        }
        let mut fig = Figure::new(
            format!(
                "Experiment 3: per-budget optimum errors (fit − true)/true in % and fit − true, {} surface (N* blue, D* orange; markers: fit, lines: closed form; size and opacity grow with C)",
                p.name()
            ),
            self.config.optima_biases.len(),
            4,
            panels,
        );
        // The budgets' legend once, above the panels (in a panel it sat on
        // the data).
        fig.shared_legend = true;
        fig
    }

    /// Everything to write.
    pub fn files(&self) -> ExperimentFiles {
        let mut figures = vec![("parameter_errors".to_string(), self.parameter_figure())];
        for &p in &self.config.surfaces {
            figures.push((
                super::sweep::file_stem(&format!("optima_{}", p.name())),
                self.optima_figure(p),
            ));
        }
        // The reference's per-(surface, bias) figures: Experiment 1's figure
        // (IsoFLOP curves, inferred optima, errors against W, the closed form
        // beside each fit) for every surface and bias.
        let n = self.config.widths.len();
        let display = if DISPLAY.iter().all(|&i| i < n) {
            DISPLAY
        } else {
            [0, n / 2, n.saturating_sub(1)]
        };
        for &p in &self.config.surfaces {
            for b in &self.config.biases {
                figures.push((
                    super::sweep::file_stem(&format!("{}_{}", p.name(), b.name)),
                    case_figure(
                        "Experiment 3",
                        &self.sweep,
                        p,
                        b,
                        &self.config.widths,
                        display,
                    ),
                ));
            }
        }
        ExperimentFiles {
            tables: vec![
                ("errors".into(), errors_table(&self.sweep)),
                ("optima".into(), optima_table(&self.sweep)),
            ],
            figures,
            report: self.report(),
        }
    }

    /// The report: per surface and bias, the largest errors over W.
    pub fn report(&self) -> String {
        let budgets = &self.sweep.budgets;
        let mut s = String::from(
            "Experiment 3 — sampling bias: Approach 2's errors, largest |value| over the widths\n\n",
        );
        s.push_str("surface      bias        |(â−a)/a|    |(b̂−b)/b|    |(â0−a0)/a0| |(b̂0−b0)/b0| |N̂*/N*−1|\n");
        for &p in &self.config.surfaces {
            for b in &self.config.biases {
                let mut m = [0.0f64; 5];
                for &w in &self.config.widths {
                    if let Some(c) = self.sweep.get(p, b, w) {
                        let e = c.fitted_errors(0, budgets);
                        let worst = e.n_opt.iter().fold(0.0f64, |a, x| a.max(x.abs()));
                        for (slot, v) in m.iter_mut().zip([e.a, e.b, e.a0, e.b0, worst]) {
                            *slot = slot.max(v.abs());
                        }
                    }
                }
                s.push_str(&format!(
                    "{:<12} {:<11} {:<12.3e} {:<12.3e} {:<12.3e} {:<12.3e} {:.3e}\n",
                    p.name(),
                    b.name,
                    m[0],
                    m[1],
                    m[2],
                    m[3],
                    m[4]
                ));
            }
        }
        s.push_str("\nA centre scale alone moves only the intercepts (exponent errors are rounding); a drift tilts both.\n");
        s.push_str(&format!(
            "largest |numerical − closed form| over every error of the experiment: {:.1e}\n",
            max_deviation(&self.sweep)
        ));
        s
    }

    /// The errors table.
    pub fn errors_table(&self) -> Table {
        errors_table(&self.sweep)
    }
}
