//! Experiment 9's data-efficiency summary: the variance of b̂ − b per
//! method, pooled over every cell and per noise level (CSV, report table and
//! the `data_efficiency` figure: bars of the pooled variance beside a heat
//! map by σ).

use crate::io::{fmt_f64, Table};
use crate::plots::bars::{BarGroup, Bars};
use crate::plots::heatmap::HeatMap;
use crate::plots::{Figure, LegendPosition, Panel};

use super::Exp9Output;

/// The unit the figure and report print variances in.
pub const VARIANCE_UNIT: f64 = 1e-4;

/// Population variance (divisor n, as numpy's `var`) of the values; NaN
/// when there are none.
pub fn population_variance(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n
}

/// One method's variance of b̂ − b over its converged fits.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodVariance {
    /// Method label.
    pub method: String,
    /// `(σ, converged fits, variance)` per noise level, in the config's order.
    pub per_sigma: Vec<(f64, usize, f64)>,
    /// Converged fits over every σ.
    pub converged: usize,
    /// Variance of the pooled errors (every σ, width, points, budgets).
    pub pooled: f64,
}

impl Exp9Output {
    /// Per method: the variance of b̂ − b (converged fits, divisor n) per σ
    /// and pooled, in the config's method order.
    pub fn variances(&self) -> Vec<MethodVariance> {
        self.config
            .methods
            .iter()
            .map(|m| {
                let label = m.label();
                let per_sigma: Vec<(f64, usize, f64)> = self
                    .config
                    .sigmas
                    .iter()
                    .map(|&s| {
                        let e = self.errors(|r| r.method == label && r.sigma == s);
                        (s, e.len(), population_variance(&e))
                    })
                    .collect();
                let all = self.errors(|r| r.method == label);
                MethodVariance {
                    method: label,
                    per_sigma,
                    converged: all.len(),
                    pooled: population_variance(&all),
                }
            })
            .collect()
    }

    /// `pooled_variance.csv`: per method a row per σ and a row `all`.
    pub fn variance_table(&self) -> Table {
        let mut t = Table::new(&["method", "sigma", "converged", "variance", "sd"]);
        for v in self.variances() {
            let rows = v
                .per_sigma
                .iter()
                .map(|&(s, n, var)| (fmt_f64(s), n, var))
                .chain(std::iter::once(("all".to_string(), v.converged, v.pooled)));
            for (s, n, var) in rows {
                t.push(vec![
                    v.method.clone(),
                    s,
                    n.to_string(),
                    fmt_f64(var),
                    fmt_f64(var.sqrt()),
                ]);
            }
        }
        t
    }

    /// The report's variance table (×1e-4).
    pub fn variance_report(&self) -> String {
        let vars = self.variances();
        let mut s = String::from("\nvariance of b̂ − b (×1e-4, converged fits, divisor n)\nmethod                       pooled");
        for &sigma in &self.config.sigmas {
            s.push_str(&format!("   σ={sigma:<6}"));
        }
        s.push('\n');
        for v in &vars {
            s.push_str(&format!(
                "{:<28} {:>7.3}",
                v.method,
                v.pooled / VARIANCE_UNIT
            ));
            for &(_, _, var) in &v.per_sigma {
                s.push_str(&format!("   {:>8.3}", var / VARIANCE_UNIT));
            }
            s.push('\n');
        }
        s
    }

    /// The `data_efficiency` figure: the pooled variance per method (bars,
    /// largest first) and a heat map of the variance per method and σ.
    pub fn efficiency_figure(&self) -> Figure {
        let mut vars = self.variances();
        vars.sort_by(|a, b| b.pooled.total_cmp(&a.pooled));
        let scaled = |v: f64| v / VARIANCE_UNIT;
        let left = Panel {
            title: "variance of b_fit − b, all cells pooled (×1e-4)".into(),
            x_label: "method".into(),
            y_label: "variance of b_fit − b (×1e-4)".into(),
            bars: Some(Bars {
                categories: vars.iter().map(|v| v.method.clone()).collect(),
                // One grey group: the methods are named along x.
                groups: vec![BarGroup::new(
                    "pooled variance",
                    vars.iter().map(|v| scaled(v.pooled)).collect(),
                    7,
                )],
                value_digits: Some(3),
                y_limits: None,
            }),
            legend: LegendPosition::None,
            ..Panel::default()
        };
        let right = Panel {
            title: "variance by noise level (×1e-4)".into(),
            heatmap: Some(HeatMap {
                rows: vars.iter().map(|v| v.method.clone()).collect(),
                cols: self
                    .config
                    .sigmas
                    .iter()
                    .map(|s| format!("σ = {s}"))
                    .collect(),
                values: vars
                    .iter()
                    .map(|v| v.per_sigma.iter().map(|&(_, _, x)| scaled(x)).collect())
                    .collect(),
                text: vars
                    .iter()
                    .map(|v| {
                        v.per_sigma
                            .iter()
                            .map(|&(_, _, x)| {
                                if x.is_finite() {
                                    format!("{:.3}", scaled(x))
                                } else {
                                    "—".into()
                                }
                            })
                            .collect()
                    })
                    .collect(),
            }),
            ..Panel::default()
        };
        let mut fig = Figure::new(
            format!(
                "Experiment 9: data efficiency, recovery of b = α/(α+β) = {} under noise ({} surface, seed {}; converged fits only, variance with divisor n)",
                crate::models::LossSurface::<f64>::preset(self.config.surface).exponent_b(),
                self.config.surface.name(),
                self.config.seed
            ),
            1,
            2,
            vec![left, right],
        );
        fig.panel_size = (760, 480);
        fig
    }
}
