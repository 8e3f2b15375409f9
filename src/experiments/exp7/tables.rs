//! Experiment 7's tables: noise-free fits, noisy summaries, the pooled method comparison.

use crate::io::{fmt_f64, Table};

use super::{Exp7Output, NoisySummary, PooledErrors, STATUS_WORDS};
use crate::experiments::{geometric_mean, ERROR_FLOOR};

impl Exp7Output {
    /// Every noisy method's errors pooled over all cells.
    pub fn pooled(&self) -> Vec<PooledErrors> {
        let Some(nc) = &self.config.noisy else {
            return Vec::new();
        };
        nc.methods
            .iter()
            .map(|m| {
                let label = m.label();
                let cells: Vec<&NoisySummary> =
                    self.noisy.iter().filter(|s| s.method == label).collect();
                let finite_max = |v: &mut dyn Iterator<Item = f64>| {
                    v.filter(|e| e.is_finite()).fold(f64::NAN, f64::max)
                };
                let mut counts = [0usize; STATUS_WORDS.len()];
                for c in &cells {
                    for (k, n) in c.counts.iter().enumerate() {
                        counts[k] += n;
                    }
                }
                PooledErrors {
                    method: label,
                    fits: cells.iter().map(|c| c.repeats).sum(),
                    errors: cells
                        .iter()
                        .flat_map(|c| c.errors_a.iter())
                        .chain(cells.iter().flat_map(|c| c.errors_b.iter()))
                        .copied()
                        .collect(),
                    max_a: finite_max(&mut cells.iter().flat_map(|c| c.errors_a.iter().copied())),
                    max_b: finite_max(&mut cells.iter().flat_map(|c| c.errors_b.iter().copied())),
                    counts,
                }
            })
            .collect()
    }

    /// The pooled comparison as CSV: per method the fits, the minimum,
    /// geometric mean and maximum of every |relative error| (a and b
    /// pooled), the largest of a and of b, the status counts, and the eight
    /// largest errors.
    pub fn pooled_table(&self) -> Table {
        let nc = self.config.noisy.as_ref();
        let mut header: Vec<String> = [
            "method",
            "noise_levels",
            "budget_counts",
            "points_counts",
            "fits",
            "min_abs_rel_error",
            "geomean_abs_rel_error",
            "max_abs_rel_error",
            "max_abs_rel_error_a",
            "max_abs_rel_error_b",
        ]
        .map(String::from)
        .to_vec();
        header.extend(STATUS_WORDS.map(|w| format!("count_{w}")));
        header.extend((1..=8).map(|k| format!("top{k}")));
        let mut t = Table::new(&header);
        for p in self.pooled() {
            let sorted = p.sorted_desc();
            let mut cells = vec![
                p.method.clone(),
                nc.map_or(0, |c| c.sigmas.len()).to_string(),
                nc.map_or(0, |c| c.budget_counts.len()).to_string(),
                nc.map_or(0, |c| c.points.len()).to_string(),
                p.fits.to_string(),
                fmt_f64(sorted.last().copied().unwrap_or(f64::NAN)),
                fmt_f64(geometric_mean(&p.errors, ERROR_FLOOR)),
                fmt_f64(sorted.first().copied().unwrap_or(f64::NAN)),
                fmt_f64(p.max_a),
                fmt_f64(p.max_b),
            ];
            cells.extend(p.counts.map(|c| c.to_string()));
            cells.extend((0..8).map(|k| fmt_f64(sorted.get(k).copied().unwrap_or(f64::NAN))));
            t.push(cells);
        }
        t
    }

    /// Noise-free fits as CSV.
    pub fn clean_table(&self) -> Table {
        let mut t = Table::new(&[
            "grid",
            "points_per_curve",
            "method",
            "status",
            "abs_rel_error_a",
            "abs_rel_error_b",
        ]);
        for r in &self.clean {
            t.push(vec![
                r.width_label.to_string(),
                r.points.to_string(),
                r.method.clone(),
                r.status.to_string(),
                fmt_f64(r.error_a),
                fmt_f64(r.error_b),
            ]);
        }
        t
    }

    /// Noisy summaries as CSV.
    pub fn noisy_table(&self) -> Table {
        let mut header: Vec<String> = [
            "sigma",
            "budgets",
            "points_per_curve",
            "method",
            "repeats",
            "geomean_abs_rel_error_a",
            "max_abs_rel_error_a",
            "geomean_abs_rel_error_b",
            "max_abs_rel_error_b",
        ]
        .map(String::from)
        .to_vec();
        header.extend(STATUS_WORDS.map(|w| format!("count_{w}")));
        let mut t = Table::new(&header);
        for s in &self.noisy {
            let mut cells = vec![
                fmt_f64(s.sigma),
                s.budgets.to_string(),
                s.points.to_string(),
                s.method.clone(),
                s.repeats.to_string(),
                fmt_f64(s.geomean_error_a),
                fmt_f64(s.max_error_a),
                fmt_f64(s.geomean_error_b),
                fmt_f64(s.max_error_b),
            ];
            cells.extend(s.counts.map(|c| c.to_string()));
            t.push(cells);
        }
        t
    }
}
