//! Experiment 10's D* error bar chart: the relative error of Approach 2's
//! extrapolated D̂* at the target budget, per surface and grid width, one
//! panel per bias; the closed form (proofs/02, proofs/11) as a black tick on
//! each bar.

use crate::models::LossSurface;
use crate::plots::bars::{ClosedFormBars, ClosedFormPanel};
use crate::plots::Figure;

use super::{Exp10Output, Exp10Row};

impl Exp10Row {
    /// 100 · (D̂ − D*)/D* at the target budget, from the fitted law.
    pub fn d_error_pct(&self) -> f64 {
        let truth = LossSurface::<f64>::preset(self.surface);
        100.0 * (self.numerical.tokens / truth.d_opt(&self.numerical.budget) - 1.0)
    }

    /// The same from the closed-form Approach 2 law.
    pub fn d_error_pct_closed_form(&self) -> f64 {
        let truth = LossSurface::<f64>::preset(self.surface);
        100.0 * (self.closed_form.tokens / truth.d_opt(&self.closed_form.budget) - 1.0)
    }
}

impl Exp10Output {
    /// The bar chart: panels biases, categories surfaces (with α, β), one
    /// bar per grid width; each bar's value printed, the closed form drawn as
    /// a zero-height whisker (a black tick) at its value.
    pub fn d_error_figure(&self) -> Figure {
        let c = &self.config;
        let panels = c
            .biases
            .iter()
            .map(|b| {
                let rows = |w: f64| -> Vec<&Exp10Row> {
                    c.surfaces
                        .iter()
                        .map(|&p| {
                            self.rows
                                .iter()
                                .find(|r| r.surface == p && r.bias == b.name && r.half_width == w)
                        })
                        .collect::<Option<_>>()
                        .unwrap_or_default()
                };
                ClosedFormPanel {
                    title: format!("bias {}", b.name),
                    values: c
                        .widths
                        .iter()
                        .map(|&w| rows(w).iter().map(|r| r.d_error_pct()).collect())
                        .collect(),
                    closed_form: c
                        .widths
                        .iter()
                        .map(|&w| {
                            rows(w)
                                .iter()
                                .map(|r| r.d_error_pct_closed_form())
                                .collect()
                        })
                        .collect(),
                }
            })
            .collect();
        let budgets = &c.budgets;
        let lo = budgets.first().copied().unwrap_or(f64::NAN).log10();
        let hi = budgets.last().copied().unwrap_or(f64::NAN).log10();
        ClosedFormBars {
            title: format!(
                "Experiment 10: D* error of Approach 2 extrapolated from 1e{lo:.0}–1e{hi:.0} to {:.0e} FLOPs, by bias and grid width",
                c.target
            ),
            x_label: "loss surface".into(),
            y_label: "(D̂* − D*)/D* (%)".into(),
            categories: c
                .surfaces
                .iter()
                .map(|&p| {
                    let s = LossSurface::<f64>::preset(p);
                    format!("{} (α={:.2}, β={:.2})", p.name(), s.alpha(), s.beta())
                })
                .collect(),
            groups: c
                .widths
                .iter()
                .map(|&w| format!("±{:.0}×", 10f64.powf(w)))
                .collect(),
            panels,
            note: "black tick: closed form (proofs/02)".into(),
            legend_panel: 0,
            value_digits: 3,
            panel_size: (760, 520),
        }
        .figure()
    }
}
