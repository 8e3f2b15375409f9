//! Experiment 7's report and the files it hands to the command line.

use super::{CleanRow, Exp7Output, STATUS_WORDS};
use crate::experiments::ExperimentFiles;

impl Exp7Output {
    /// A text report.
    pub fn report(&self) -> String {
        let mut s = format!(
            "Experiment 7 — exponent inference ({} surface, drift log10 3 = {:.4} decades)\n\n",
            self.config.surface.name(),
            self.config.drift_rate
        );
        s.push_str("noise-free: max |relative error of a| over points per curve (and at the fewest points)\n");
        for &(label, _) in &self.config.widths {
            for m in &self.config.methods {
                let lbl = m.label();
                let rows: Vec<&CleanRow> = self
                    .clean
                    .iter()
                    .filter(|r| r.width_label == label && r.method == lbl)
                    .collect();
                let max = rows.iter().map(|r| r.error_a).fold(0.0, f64::max);
                let first = rows.first().map_or(f64::NAN, |r| r.error_a);
                let bad = rows.iter().filter(|r| r.status != "converged").count();
                s.push_str(&format!(
                    "  {label:<12} {lbl:<36} max {max:.2e}  at {} points {first:.2e}  not converged {bad}\n",
                    rows.first().map_or(0, |r| r.points)
                ));
            }
        }
        if let Some(nc) = &self.config.noisy {
            s.push_str(&format!(
                "\nnoisy ({} repeats): geometric mean |relative error of a| [failures]\n",
                nc.repeats
            ));
            for sum in &self.noisy {
                s.push_str(&format!(
                    "  σ={:<5} budgets={} points={:<3} {:<36} {:.3e}  max {:.3e}  [{}]\n",
                    sum.sigma,
                    sum.budgets,
                    sum.points,
                    sum.method,
                    sum.geomean_error_a,
                    sum.max_error_a,
                    STATUS_WORDS
                        .iter()
                        .zip(sum.counts)
                        .filter(|(_, c)| *c > 0)
                        .map(|(w, c)| format!("{w} {c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        s
    }

    /// Everything to write.
    pub fn files(&self) -> ExperimentFiles {
        let mut tables = vec![("exponent_recovery".to_string(), self.clean_table())];
        let mut figures = vec![("exponent_recovery".to_string(), self.clean_figure())];
        if self.config.noisy.is_some() {
            tables.push(("noisy_summary".into(), self.noisy_table()));
            tables.push(("method_comparison".into(), self.pooled_table()));
            if let Some(f) = self.noisy_figure() {
                figures.push(("noisy_exponent_error".into(), f));
            }
            if let Some(f) = self.pooled_figure() {
                figures.push(("method_comparison".into(), f));
            }
            if let Some(f) = self.boxplot_figure() {
                figures.push(("exponent_inference_errors".into(), f));
            }
            // The sampling settings were validated by run_exp7.
            if let Ok(Some(f)) = self.isoflop_figure() {
                figures.push(("isoflop_curves".into(), f));
            }
        }
        ExperimentFiles {
            tables,
            figures,
            report: self.report(),
        }
    }
}
