//! Experiment 9 — data efficiency under noise: the signed error b̂ − b of
//! Approach 2, Approach 3 and VPNLS on the symmetric surface with Gaussian
//! noise on L, over noise levels, grid widths, points per curve and numbers
//! of budgets. The spec is `specs/experiment-9.md`.

use rayon::prelude::*;

use crate::fitters::approach3::{Approach3Start, Objective};
use crate::fitters::{fit_approach2, FitStatus, SurfaceData, SurfaceMethod};
use crate::io::{fmt_f64, Table};
use crate::models::{LossSurface, Preset};
use crate::plots::{
    method_color, BoxPlot, BoxSeries, BoxStats, Figure, LegendPosition, Panel, SymLog,
};
use crate::sampling::noise::{add_loss_noise, Rng};
use crate::sampling::{sample_isoflops, IsoflopGrid, IsoflopPoint, SamplingBias};

use super::exp7::ExponentMethod;
use super::{logspace, ExperimentError, ExperimentFiles};

pub mod efficiency;

/// What Experiment 9 sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp9Config {
    /// The surface (symmetric: b = 0.5).
    pub surface: Preset,
    /// Standard deviations of the Gaussian noise on L.
    pub sigmas: Vec<f64>,
    /// Grid half-widths W (decades).
    pub widths: Vec<f64>,
    /// Points per IsoFLOP curve.
    pub points: Vec<usize>,
    /// Numbers of budgets, log-spaced over `budget_range`.
    pub budget_counts: Vec<usize>,
    /// log10 of the smallest and largest budget.
    pub budget_range: (f64, f64),
    /// Data sets per cell.
    pub repeats: usize,
    /// The seed of the whole sweep.
    pub seed: u64,
    /// The methods, each fitted to every data set.
    pub methods: Vec<ExponentMethod>,
}

impl Default for Exp9Config {
    /// σ ∈ {0.01, 0.02, 0.05}; W = log10 2, 4, 8; 21, 31, 41 points; 3, 5, 7
    /// budgets over 1e17 … 1e21; 10 repeats (810 data sets); seed 9;
    /// Approach 2, Approach 3 (RSS, grid start), VPNLS.
    fn default() -> Self {
        Self {
            surface: Preset::Symmetric,
            sigmas: vec![0.01, 0.02, 0.05],
            widths: [2f64, 4.0, 8.0].iter().map(|f| f.log10()).collect(),
            points: vec![21, 31, 41],
            budget_counts: vec![3, 5, 7],
            budget_range: (17.0, 21.0),
            repeats: 10,
            seed: 9,
            methods: vec![
                ExponentMethod::Approach2,
                ExponentMethod::Surface(SurfaceMethod::approach3(
                    Objective::Rss,
                    Approach3Start::Grid,
                )),
                ExponentMethod::Surface(SurfaceMethod::vpnls()),
            ],
        }
    }
}

/// One fit of one data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp9Row {
    /// σ.
    pub sigma: f64,
    /// W (decades).
    pub half_width: f64,
    /// Points per curve.
    pub points: usize,
    /// Number of budgets.
    pub budgets: usize,
    /// Repeat index.
    pub repeat: usize,
    /// Method label.
    pub method: String,
    /// Status word (`converged`, …, or `failed`).
    pub status: &'static str,
    /// b̂ (NaN when the fit failed).
    pub b_hat: f64,
    /// b̂ − b.
    pub signed_error: f64,
}

/// Experiment 9's results.
#[derive(Debug, Clone)]
pub struct Exp9Output {
    /// The configuration run.
    pub config: Exp9Config,
    /// One row per (σ, W, points, budgets, repeat, method), in that nesting.
    pub rows: Vec<Exp9Row>,
}

fn estimate_b(method: &ExponentMethod, points: &[IsoflopPoint<f64>]) -> (f64, &'static str) {
    match method {
        ExponentMethod::Approach2 => match fit_approach2(points) {
            Ok(f) if f.d_law.exponent.is_finite() => {
                (f.d_law.exponent, FitStatus::Converged.as_str())
            }
            _ => (f64::NAN, "failed"),
        },
        ExponentMethod::Surface(m) => {
            match SurfaceData::from_points(points).and_then(|d| m.fit(&d)) {
                Ok(f) => (f.alpha / (f.alpha + f.beta), f.status.as_str()),
                Err(_) => (f64::NAN, "failed"),
            }
        }
    }
}

/// Run Experiment 9. Data set i draws its noise from `Rng::for_task(seed, i)`:
/// the rows do not depend on the thread count.
///
/// # Errors
/// Bad widths, points or budgets.
pub fn run_exp9(config: &Exp9Config) -> Result<Exp9Output, ExperimentError> {
    let surface = LossSurface::<f64>::preset(config.surface);
    let truth_b = surface.exponent_b();
    let bias = SamplingBias::none();
    let mut tasks = Vec::new();
    for &sigma in &config.sigmas {
        for &w in &config.widths {
            for &n in &config.points {
                for &k in &config.budget_counts {
                    for r in 0..config.repeats {
                        tasks.push((sigma, w, n, k, r));
                    }
                }
            }
        }
    }
    let rows: Vec<Vec<Exp9Row>> = tasks
        .par_iter()
        .enumerate()
        .map(
            |(i, &(sigma, w, n, k, r))| -> Result<Vec<Exp9Row>, ExperimentError> {
                let grid = IsoflopGrid::new(w, n)?;
                let budgets = logspace(config.budget_range.0, config.budget_range.1, k);
                let mut pts = sample_isoflops(&surface, &budgets, &grid, &bias)?;
                let mut rng = Rng::for_task(config.seed, i as u64);
                add_loss_noise(&mut pts, sigma, &mut rng);
                Ok(config
                    .methods
                    .iter()
                    .map(|m| {
                        let (b_hat, status) = estimate_b(m, &pts);
                        Exp9Row {
                            sigma,
                            half_width: w,
                            points: n,
                            budgets: k,
                            repeat: r,
                            method: m.label(),
                            status,
                            b_hat,
                            signed_error: b_hat - truth_b,
                        }
                    })
                    .collect())
            },
        )
        .collect::<Result<_, _>>()?;
    Ok(Exp9Output {
        config: config.clone(),
        rows: rows.into_iter().flatten().collect(),
    })
}

/// Linear region of the detailed figure's symmetric-log axis: errors of b
/// below 1e-3 are drawn linearly (the noise-free floor of these fits is far
/// below it; σ = 0.01 gives errors of ~1e-3 and more).
pub const SYMLOG_THRESHOLD: f64 = 1e-3;

impl Exp9Output {
    /// Estimates counted in the figures: converged fits only.
    fn errors(&self, f: impl Fn(&Exp9Row) -> bool) -> Vec<f64> {
        self.rows
            .iter()
            .filter(|r| r.status == "converged" && f(r))
            .map(|r| r.signed_error)
            .collect()
    }

    /// The rows as a table.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "sigma",
            "half_width",
            "points_per_curve",
            "budgets",
            "repeat",
            "method",
            "status",
            "b_hat",
            "signed_error_b",
        ]);
        for r in &self.rows {
            t.push(vec![
                fmt_f64(r.sigma),
                fmt_f64(r.half_width),
                r.points.to_string(),
                r.budgets.to_string(),
                r.repeat.to_string(),
                r.method.clone(),
                r.status.into(),
                fmt_f64(r.b_hat),
                fmt_f64(r.signed_error),
            ]);
        }
        t
    }

    /// Per (σ, method): count, converged, median, IQR, mean |error|.
    pub fn summary_table(&self) -> Table {
        let mut t = Table::new(&[
            "sigma",
            "method",
            "fits",
            "converged",
            "median_signed_error",
            "q1",
            "q3",
            "mean_abs_error",
        ]);
        for &sigma in &self.config.sigmas {
            for m in &self.config.methods {
                let label = m.label();
                let all = self
                    .rows
                    .iter()
                    .filter(|r| r.sigma == sigma && r.method == label)
                    .count();
                let e = self.errors(|r| r.sigma == sigma && r.method == label);
                let b = BoxStats::from_values(&e);
                let mean_abs = e.iter().map(|x| x.abs()).sum::<f64>() / e.len().max(1) as f64;
                t.push(vec![
                    fmt_f64(sigma),
                    label,
                    all.to_string(),
                    e.len().to_string(),
                    fmt_f64(b.as_ref().map_or(f64::NAN, |b| b.median)),
                    fmt_f64(b.as_ref().map_or(f64::NAN, |b| b.q1)),
                    fmt_f64(b.as_ref().map_or(f64::NAN, |b| b.q3)),
                    fmt_f64(if e.is_empty() { f64::NAN } else { mean_abs }),
                ]);
            }
        }
        t
    }

    fn box_series(&self, cats: &[f64], in_cat: impl Fn(&Exp9Row, f64) -> bool) -> Vec<BoxSeries> {
        self.config
            .methods
            .iter()
            .map(|m| {
                let label = m.label();
                BoxSeries {
                    color: method_color(&label),
                    boxes: cats
                        .iter()
                        .map(|&c| {
                            BoxStats::from_values(
                                &self.errors(|r| r.method == label && in_cat(r, c)),
                            )
                        })
                        .collect(),
                    label,
                }
            })
            .collect()
    }

    /// Signed error per method and σ, over every width, size and budget count.
    pub fn figure(&self) -> Figure {
        let sig = &self.config.sigmas;
        let panel = Panel {
            title: "signed error of b per method and noise level (all cells pooled)".into(),
            x_label: "noise σ on L (nats)".into(),
            y_label: "b_fit − b (symmetric log)".into(),
            boxes: Some(BoxPlot {
                categories: sig.iter().map(|s| format!("σ = {s}")).collect(),
                series: self.box_series(sig, |r, c| r.sigma == c),
                symlog: SymLog::new(SYMLOG_THRESHOLD),
                reference: Some(0.0),
            }),
            annotations: vec!["converged fits only; boxes: quartiles, whiskers: 1.5 IQR".into()],
            legend: LegendPosition::UpperLeft,
            ..Panel::default()
        };
        let mut fig = Figure::new(
            format!(
                "Experiment 9: b_fit − b (true b = {}), {} surface, {} data sets × {} methods, seed {}",
                LossSurface::<f64>::preset(self.config.surface).exponent_b(),
                self.config.surface.name(),
                self.rows.len() / self.config.methods.len().max(1),
                self.config.methods.len(),
                self.config.seed
            ),
            1,
            1,
            vec![panel],
        );
        fig.panel_size = (1000, 560);
        fig
    }

    /// The detailed figure: rows σ, columns numbers of budgets, points per
    /// curve along x; symmetric-log y axis.
    pub fn detail_figure(&self) -> Figure {
        let pts: Vec<f64> = self.config.points.iter().map(|&p| p as f64).collect();
        let mut panels = Vec::new();
        for &sigma in &self.config.sigmas {
            for &k in &self.config.budget_counts {
                panels.push(Panel {
                    title: format!("σ = {sigma}, {k} budgets"),
                    x_label: "points per IsoFLOP curve".into(),
                    y_label: "b_fit − b (symmetric log)".into(),
                    boxes: Some(BoxPlot {
                        categories: self.config.points.iter().map(|p| p.to_string()).collect(),
                        series: self.box_series(&pts, |r, c| {
                            r.sigma == sigma && r.budgets == k && r.points as f64 == c
                        }),
                        symlog: SymLog::new(SYMLOG_THRESHOLD),
                        reference: Some(0.0),
                    }),
                    legend: LegendPosition::None,
                    ..Panel::default()
                });
            }
        }
        let mut fig = Figure::new(
            format!(
                "Experiment 9: b_fit − b by noise, budgets and points (widths pooled; linear within ±{SYMLOG_THRESHOLD:e}, log beyond)"
            ),
            self.config.sigmas.len(),
            self.config.budget_counts.len(),
            panels,
        );
        fig.shared_legend = true;
        fig
    }

    /// Everything to write.
    pub fn files(&self) -> ExperimentFiles {
        ExperimentFiles {
            tables: vec![
                ("fits".into(), self.table()),
                ("summary".into(), self.summary_table()),
                ("pooled_variance".into(), self.variance_table()),
            ],
            figures: vec![
                ("signed_error".into(), self.figure()),
                ("signed_error_detail".into(), self.detail_figure()),
                ("data_efficiency".into(), self.efficiency_figure()),
            ],
            report: self.report(),
        }
    }

    /// The report: per σ and method, the spread of b̂ − b and the failures.
    pub fn report(&self) -> String {
        let mut s = format!(
            "Experiment 9 — data efficiency under noise: b̂ − b on the {} surface, seed {}\n",
            self.config.surface.name(),
            self.config.seed
        );
        s.push_str(&format!(
            "{} data sets ({} σ × {} widths × {} point counts × {} budget counts × {} repeats), {} methods each\n\n",
            self.rows.len() / self.config.methods.len().max(1),
            self.config.sigmas.len(),
            self.config.widths.len(),
            self.config.points.len(),
            self.config.budget_counts.len(),
            self.config.repeats,
            self.config.methods.len()
        ));
        s.push_str("σ      method                       converged   median b̂−b    IQR          mean |b̂−b|\n");
        let table = self.summary_table();
        for row in &table.rows {
            let q1: f64 = row[5].parse().unwrap_or(f64::NAN);
            let q3: f64 = row[6].parse().unwrap_or(f64::NAN);
            let med: f64 = row[4].parse().unwrap_or(f64::NAN);
            let mae: f64 = row[7].parse().unwrap_or(f64::NAN);
            s.push_str(&format!(
                "{:<6} {:<28} {:>4}/{:<6} {:<+12.3e} {:<12.3e} {:.3e}\n",
                row[0],
                row[1],
                row[3],
                row[2],
                med,
                q3 - q1,
                mae
            ));
        }
        s.push_str(&self.variance_report());
        s
    }
}
