//! Experiment 7 — exponent inference: how many points per IsoFLOP curve each
//! method needs to recover the allocation exponents a = β/(α+β) and
//! b = α/(α+β), without noise and with it. The spec is
//! `specs/experiment-7.md`.

use rayon::prelude::*;

use crate::fitters::approach3::{Approach3Start, Objective};
use crate::fitters::{fit_approach2, FitStatus, SurfaceData, SurfaceMethod};
use crate::io::{fmt_f64, Table};
use crate::models::{LossSurface, Preset};
use crate::plots::{Figure, LegendPosition, Panel, Series};
use crate::sampling::noise::{add_loss_noise, Rng};
use crate::sampling::{sample_isoflops, IsoflopGrid, IsoflopPoint, SamplingBias};

use super::{floored, geometric_mean, logspace, ExperimentError, ExperimentFiles, ERROR_FLOOR};

/// A method of Experiment 7: Approach 2 or a surface fitter.
#[derive(Debug, Clone, PartialEq)]
pub enum ExponentMethod {
    /// IsoFLOP parabolas and power laws through their vertices.
    Approach2,
    /// A surface fit; a and b from its α and β.
    Surface(SurfaceMethod),
}

impl ExponentMethod {
    /// Label for tables and legends.
    pub fn label(&self) -> String {
        match self {
            Self::Approach2 => "approach2".into(),
            Self::Surface(m) => m.label(),
        }
    }

    /// Estimate (a, b) from points; `Err(status word)` when the method fails
    /// or, for surface fits, the status with the estimate.
    fn exponents(&self, points: &[IsoflopPoint<f64>]) -> Estimate {
        match self {
            Self::Approach2 => match fit_approach2(points) {
                Ok(f) => Estimate {
                    a: f.n_law.exponent,
                    b: f.d_law.exponent,
                    status: FitStatus::Converged.as_str(),
                },
                Err(_) => Estimate::failed(),
            },
            Self::Surface(m) => match SurfaceData::from_points(points).and_then(|d| m.fit(&d)) {
                Ok(f) => {
                    let s = f.alpha + f.beta;
                    Estimate {
                        a: f.beta / s,
                        b: f.alpha / s,
                        status: f.status.as_str(),
                    }
                }
                Err(_) => Estimate::failed(),
            },
        }
    }
}

struct Estimate {
    a: f64,
    b: f64,
    status: &'static str,
}

impl Estimate {
    fn failed() -> Self {
        Self {
            a: f64::NAN,
            b: f64::NAN,
            status: "failed",
        }
    }
}

/// The noisy extension's sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisyConfig {
    /// Standard deviations of the Gaussian noise added to L.
    pub sigmas: Vec<f64>,
    /// Numbers of budgets (log-spaced over `budget_range`).
    pub budget_counts: Vec<usize>,
    /// Points per IsoFLOP curve.
    pub points: Vec<usize>,
    /// Grid half-width W (decades).
    pub half_width: f64,
    /// Repeats per cell.
    pub repeats: usize,
    /// Seed of the whole sweep.
    pub seed: u64,
    /// Methods.
    pub methods: Vec<ExponentMethod>,
}

/// What Experiment 7 sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp7Config {
    /// The surface (asymmetric: α/β = 3).
    pub surface: Preset,
    /// Drift rate of the sampling centres (decades at the largest budget).
    pub drift_rate: f64,
    /// log10 of the smallest and largest budget.
    pub budget_range: (f64, f64),
    /// Budgets of the noise-free sweep.
    pub budget_count: usize,
    /// Points per curve of the noise-free sweep.
    pub points: Vec<usize>,
    /// Named grid widths (label, W) of the noise-free sweep.
    pub widths: Vec<(&'static str, f64)>,
    /// Methods of the noise-free sweep.
    pub methods: Vec<ExponentMethod>,
    /// The noisy extension (None: skip it).
    pub noisy: Option<NoisyConfig>,
}

impl Default for Exp7Config {
    /// Asymmetric surface, drift log10 3, 5 budgets 1e17 … 1e21, 3 … 50
    /// points, ±2×/±16×/±100×; Approach 2, Approach 3 (RSS, grid start) and
    /// VPNLS. Noisy: σ ∈ {0.05, 0.1, 0.2}, 2/3/4 budgets, 4/8/16/32 points,
    /// ±8×, 256 repeats, seed 7; Approach 2, Approach 3 from a random start,
    /// Approach 3 from the grid (RSS and log-loss), VPNLS.
    fn default() -> Self {
        Self {
            surface: Preset::Asymmetric,
            drift_rate: 3f64.log10(),
            budget_range: (17.0, 21.0),
            budget_count: 5,
            points: (3..=50).collect(),
            widths: vec![
                ("narrow ±2×", 2f64.log10()),
                ("medium ±16×", 16f64.log10()),
                ("wide ±100×", 2.0),
            ],
            methods: vec![
                ExponentMethod::Approach2,
                ExponentMethod::Surface(SurfaceMethod::approach3(
                    Objective::Rss,
                    Approach3Start::Grid,
                )),
                ExponentMethod::Surface(SurfaceMethod::vpnls()),
            ],
            noisy: Some(NoisyConfig {
                sigmas: vec![0.05, 0.1, 0.2],
                budget_counts: vec![2, 3, 4],
                points: vec![4, 8, 16, 32],
                half_width: 8f64.log10(),
                repeats: 256,
                seed: 7,
                methods: vec![
                    ExponentMethod::Approach2,
                    ExponentMethod::Surface(SurfaceMethod::approach3(
                        Objective::Rss,
                        Approach3Start::Random(0),
                    )),
                    ExponentMethod::Surface(SurfaceMethod::approach3(
                        Objective::Rss,
                        Approach3Start::Grid,
                    )),
                    ExponentMethod::Surface(SurfaceMethod::approach3(
                        Objective::LogLoss,
                        Approach3Start::Grid,
                    )),
                    ExponentMethod::Surface(SurfaceMethod::vpnls()),
                ],
            }),
        }
    }
}

/// One noise-free fit.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanRow {
    /// Grid label.
    pub width_label: &'static str,
    /// Points per IsoFLOP curve.
    pub points: usize,
    /// Method label.
    pub method: String,
    /// Status word.
    pub status: &'static str,
    /// |â/a − 1|.
    pub error_a: f64,
    /// |b̂/b − 1|.
    pub error_b: f64,
}

/// A noisy cell summarised over its repeats.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisySummary {
    /// σ.
    pub sigma: f64,
    /// Number of budgets.
    pub budgets: usize,
    /// Points per curve.
    pub points: usize,
    /// Method label.
    pub method: String,
    /// Repeats run.
    pub repeats: usize,
    /// Geometric mean of |â/a − 1| over the fits that produced an estimate.
    pub geomean_error_a: f64,
    /// Max of |â/a − 1| over the same fits.
    pub max_error_a: f64,
    /// Geometric mean of |b̂/b − 1|.
    pub geomean_error_b: f64,
    /// Max of |b̂/b − 1|.
    pub max_error_b: f64,
    /// Counts of `converged`, `max_iter`, `abnormal`, `bound_hit`, `failed`.
    pub counts: [usize; 5],
}

/// The status words counted in [`NoisySummary::counts`], in order.
pub const STATUS_WORDS: [&str; 5] = ["converged", "max_iter", "abnormal", "bound_hit", "failed"];

/// Experiment 7's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp7Output {
    /// The configuration run.
    pub config: Exp7Config,
    /// Noise-free fits.
    pub clean: Vec<CleanRow>,
    /// Noisy summaries.
    pub noisy: Vec<NoisySummary>,
}

fn budgets(range: (f64, f64), count: usize) -> Vec<f64> {
    if count == 1 {
        return vec![10f64.powf(range.0)];
    }
    logspace(range.0, range.1, count)
}

fn with_seed(m: &ExponentMethod, seed: u64) -> ExponentMethod {
    use crate::fitters::approach3::Approach3Params;
    match m {
        ExponentMethod::Surface(SurfaceMethod::Approach3(p))
            if matches!(p.start, Approach3Start::Random(_)) =>
        {
            ExponentMethod::Surface(SurfaceMethod::Approach3(Approach3Params {
                start: Approach3Start::Random(seed),
                ..p.clone()
            }))
        }
        other => other.clone(),
    }
}

/// Run Experiment 7 (in parallel; each noisy repeat draws from its own
/// stream `Rng::for_task(seed, index)`, so the result depends only on the
/// seed, not on the thread count).
///
/// # Errors
/// Invalid widths, points, budgets or bias.
pub fn run_exp7(config: &Exp7Config) -> Result<Exp7Output, ExperimentError> {
    let surface = LossSurface::<f64>::preset(config.surface);
    let (a_true, b_true) = (surface.exponent_a(), surface.exponent_b());
    let bias = SamplingBias::new(config.drift_rate, 1.0)?;
    let clean_budgets = budgets(config.budget_range, config.budget_count);
    let mut cells = Vec::new();
    for &(label, w) in &config.widths {
        for &n in &config.points {
            cells.push((label, IsoflopGrid::new(w, n)?));
        }
    }
    let clean: Vec<Vec<CleanRow>> = cells
        .par_iter()
        .map(|(label, grid)| {
            let pts = sample_isoflops(&surface, &clean_budgets, grid, &bias)?;
            Ok(config
                .methods
                .iter()
                .map(|m| {
                    let e = m.exponents(&pts);
                    CleanRow {
                        width_label: label,
                        points: grid.points(),
                        method: m.label(),
                        status: e.status,
                        error_a: (e.a / a_true - 1.0).abs(),
                        error_b: (e.b / b_true - 1.0).abs(),
                    }
                })
                .collect())
        })
        .collect::<Result<_, ExperimentError>>()?;

    let noisy = match &config.noisy {
        Some(nc) => run_noisy(&surface, config, nc, (a_true, b_true))?,
        None => Vec::new(),
    };
    Ok(Exp7Output {
        config: config.clone(),
        clean: clean.into_iter().flatten().collect(),
        noisy,
    })
}

fn run_noisy(
    surface: &LossSurface<f64>,
    config: &Exp7Config,
    nc: &NoisyConfig,
    (a_true, b_true): (f64, f64),
) -> Result<Vec<NoisySummary>, ExperimentError> {
    let bias = SamplingBias::new(config.drift_rate, 1.0)?;
    let mut cells = Vec::new();
    for &sigma in &nc.sigmas {
        for &nb in &nc.budget_counts {
            for &np in &nc.points {
                let grid = IsoflopGrid::new(nc.half_width, np)?;
                let pts =
                    sample_isoflops(surface, &budgets(config.budget_range, nb), &grid, &bias)?;
                cells.push((sigma, nb, np, pts));
            }
        }
    }
    let m = nc.methods.len();
    // Every (cell, repeat) is one task with its own random stream.
    let tasks: Vec<(usize, usize)> = (0..cells.len())
        .flat_map(|c| (0..nc.repeats).map(move |r| (c, r)))
        .collect();
    let results: Vec<Vec<Estimate>> = tasks
        .par_iter()
        .map(|&(c, r)| {
            let index = (c * nc.repeats + r) as u64;
            let mut rng = Rng::for_task(nc.seed, index);
            let mut pts = cells[c].3.clone();
            add_loss_noise(&mut pts, cells[c].0, &mut rng);
            let start_seed = rng.next_u64();
            nc.methods
                .iter()
                .map(|meth| with_seed(meth, start_seed).exponents(&pts))
                .collect()
        })
        .collect();
    let mut out = Vec::with_capacity(cells.len() * m);
    for (c, (sigma, nb, np, _)) in cells.iter().enumerate() {
        for (k, meth) in nc.methods.iter().enumerate() {
            let ests: Vec<&Estimate> = (0..nc.repeats)
                .map(|r| &results[c * nc.repeats + r][k])
                .collect();
            let ea: Vec<f64> = ests.iter().map(|e| (e.a / a_true - 1.0).abs()).collect();
            let eb: Vec<f64> = ests.iter().map(|e| (e.b / b_true - 1.0).abs()).collect();
            let max = |v: &[f64]| {
                v.iter().filter(|x| x.is_finite()).fold(f64::NAN, |m, &x| {
                    if m.is_nan() {
                        x
                    } else {
                        m.max(x)
                    }
                })
            };
            let mut counts = [0usize; 5];
            for e in &ests {
                if let Some(i) = STATUS_WORDS.iter().position(|w| *w == e.status) {
                    counts[i] += 1;
                }
            }
            out.push(NoisySummary {
                sigma: *sigma,
                budgets: *nb,
                points: *np,
                method: meth.label(),
                repeats: nc.repeats,
                geomean_error_a: geometric_mean(&ea, ERROR_FLOOR),
                max_error_a: max(&ea),
                geomean_error_b: geometric_mean(&eb, ERROR_FLOOR),
                max_error_b: max(&eb),
                counts,
            });
        }
    }
    Ok(out)
}

/// One line-with-markers series per method, in palette order, its points
/// from `points(label)`.
fn method_series(
    methods: &[ExponentMethod],
    points: impl Fn(&str) -> Vec<(f64, f64)>,
) -> Vec<Series> {
    methods
        .iter()
        .enumerate()
        .map(|(ci, m)| {
            let lbl = m.label();
            let pts = points(&lbl);
            Series::line(lbl, pts, ci).with_markers()
        })
        .collect()
}

impl Exp7Output {
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

    /// Noise-free: rows a, b; columns widths; error against points per curve.
    pub fn clean_figure(&self) -> Figure {
        let mut panels = Vec::new();
        for (name, sym) in [("a", "a = β/(α+β)"), ("b", "b = α/(α+β)")] {
            for &(label, _) in &self.config.widths {
                let series = method_series(&self.config.methods, |lbl| {
                    self.clean
                        .iter()
                        .filter(|r| r.width_label == label && r.method == lbl)
                        .map(|r| {
                            let e = if name == "a" { r.error_a } else { r.error_b };
                            (r.points as f64, floored(e, ERROR_FLOOR))
                        })
                        .collect()
                });
                panels.push(Panel {
                    title: format!("{sym} — {label}"),
                    x_label: "points per IsoFLOP curve".into(),
                    y_label: format!("|relative error of {name}|"),
                    y_log: true,
                    series,
                    legend: LegendPosition::MiddleRight,
                    ..Panel::default()
                });
            }
        }
        Figure::new(
            format!(
                "Experiment 7: exponent recovery, {} surface, drift log10 3, {} budgets, noise-free (|error| floored at {:.0e})",
                self.config.surface.name(),
                self.config.budget_count,
                ERROR_FLOOR
            ),
            2,
            self.config.widths.len(),
            panels,
        )
    }

    /// Noisy: rows σ, columns number of budgets; geometric-mean error of a
    /// against points per curve. For the surface fits â + b̂ = 1, so b's
    /// relative error is a's times a/b (the same picture); Approach 2 fits b
    /// from its own parabolas, and the CSV carries both.
    pub fn noisy_figure(&self) -> Option<Figure> {
        let nc = self.config.noisy.as_ref()?;
        let mut panels = Vec::new();
        for &sigma in &nc.sigmas {
            for &nb in &nc.budget_counts {
                let series = method_series(&nc.methods, |lbl| {
                    self.noisy
                        .iter()
                        .filter(|s| s.sigma == sigma && s.budgets == nb && s.method == lbl)
                        .map(|s| (s.points as f64, s.geomean_error_a))
                        .collect()
                });
                panels.push(Panel {
                    title: format!("σ = {sigma}, {nb} budgets"),
                    x_label: "points per IsoFLOP curve".into(),
                    y_label: "geometric mean |rel. error of a|".into(),
                    x_log: true,
                    y_log: true,
                    series,
                    legend: LegendPosition::None,
                    ..Panel::default()
                });
            }
        }
        let mut fig = Figure::new(
            format!(
                "Experiment 7 (noisy): {} repeats per cell, ±{:.0}× grids, drift log10 3, seed {}",
                nc.repeats,
                10f64.powf(nc.half_width),
                nc.seed
            ),
            nc.sigmas.len(),
            nc.budget_counts.len(),
            panels,
        );
        fig.panel_size = (520, 380);
        fig.shared_legend = true;
        Some(fig)
    }

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
            if let Some(f) = self.noisy_figure() {
                figures.push(("noisy_exponent_error".into(), f));
            }
        }
        ExperimentFiles {
            tables,
            figures,
            report: self.report(),
        }
    }
}
