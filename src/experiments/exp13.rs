//! Experiment 13 — is the correction worth it? Plain Approach 2, the
//! corrected Approach 2 (`fitters::approach2_corrected`), VPNLS and
//! Approach 3 on noisy IsoFLOP data: bias, spread and RMSE of the exponent â
//! and of D* extrapolated to a large budget. The spec is
//! `specs/experiment-13.md`.

use rayon::prelude::*;

use crate::analysis::bootstrap::{percentile_interval, resample_indices};
use crate::fitters::approach2_corrected::{fit_approach2_corrected, CorrectedParams};
use crate::fitters::approach3::{Approach3Start, Objective};
use crate::fitters::{fit_approach2, FitStatus, SurfaceData, SurfaceMethod};
use crate::io::{fmt_f64, Table};
use crate::models::{LossSurface, Preset};
use crate::plots::{method_color, Figure, LegendPosition, Marker, Panel, Series};
use crate::sampling::noise::{add_loss_noise, Rng};
use crate::sampling::{sample_isoflops, IsoflopGrid, IsoflopPoint, SamplingBias};

use super::{logspace, ExperimentError, ExperimentFiles};

/// A method of Experiment 13.
#[derive(Debug, Clone, PartialEq)]
pub enum Exp13Method {
    /// IsoFLOP parabolas.
    Approach2,
    /// Exact IsoFLOP profiles (proofs/15).
    Corrected(CorrectedParams),
    /// A surface fit; a = β/(α+β), D* from the fitted surface.
    Surface(SurfaceMethod),
}

impl Exp13Method {
    /// Label for tables and legends.
    pub fn label(&self) -> String {
        match self {
            Self::Approach2 => "approach2".into(),
            Self::Corrected(_) => "approach2-corrected".into(),
            Self::Surface(m) => m.label(),
        }
    }

    /// (â, log10 D̂*(C_x), converged) or `None` when the method fails or
    /// returns a non-finite or non-positive estimate.
    fn estimate(&self, points: &[IsoflopPoint<f64>], c_x: f64) -> Option<(f64, f64, bool)> {
        let (a, log10_d, ok) = match self {
            Self::Approach2 => {
                let f = fit_approach2(points).ok()?;
                (f.n_law.exponent, f.d_law.log10_at(&c_x), true)
            }
            Self::Corrected(p) => {
                let f = fit_approach2_corrected(points, p).ok()?;
                (
                    f.n_law.exponent,
                    f.d_law.log10_at(&c_x),
                    f.status == FitStatus::Converged,
                )
            }
            Self::Surface(m) => {
                let f = SurfaceData::from_points(points)
                    .and_then(|d| m.fit(&d))
                    .ok()?;
                // log10 D*(C) = b·log10(C/6) − log10 G, log10 G = log10(αA/(βB))/(α+β).
                if !(f.a > 0.0 && f.b > 0.0) {
                    return None;
                }
                let s = f.alpha + f.beta;
                let log10_g = ((f.alpha * f.a).log10() - (f.beta * f.b).log10()) / s;
                (
                    f.beta / s,
                    f.alpha / s * (c_x / 6.0).log10() - log10_g,
                    f.status == FitStatus::Converged,
                )
            }
        };
        (a.is_finite() && log10_d.is_finite()).then_some((a, log10_d, ok))
    }
}

/// One noisy setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp13Setting {
    /// Short name (file stems, report).
    pub name: &'static str,
    /// What it is, for titles.
    pub description: &'static str,
    /// The surface.
    pub surface: Preset,
    /// Drift rate of the grid centres (decades at the largest budget).
    pub drift_rate: f64,
    /// log10 of the smallest and largest budget.
    pub budget_range: (f64, f64),
    /// Standard deviations of the Gaussian noise on L (0: one noise-free fit).
    pub sigmas: Vec<f64>,
    /// Named half-widths (label, W).
    pub widths: Vec<(&'static str, f64)>,
    /// Numbers of budgets.
    pub budget_counts: Vec<usize>,
    /// Points per IsoFLOP curve.
    pub points: Vec<usize>,
    /// Repeats per noisy cell.
    pub repeats: usize,
    /// Seed of the setting.
    pub seed: u64,
}

/// What Experiment 13 runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp13Config {
    /// The settings.
    pub settings: Vec<Exp13Setting>,
    /// The budget D* is extrapolated to.
    pub extrapolate_to: f64,
    /// The methods.
    pub methods: Vec<Exp13Method>,
}

impl Default for Exp13Config {
    /// Two settings. `exp7`: Experiment 7's noisy setting (asymmetric
    /// surface, drift log10 3, ±8×, σ ∈ {0.05, 0.1, 0.2}, 2/3/4 budgets on
    /// 1e17…1e21, seed 7) with the point counts ≥ 5 the corrected method needs
    /// (8, 16, 32). `exp9`: Experiment 9's setting as issue 8 states it
    /// (symmetric surface, centred grids, σ ∈ {0.01, 0.02, 0.05},
    /// W ∈ {log10 2, log10 4, log10 8}) with 5 budgets and 11/21/41 points.
    /// Both with σ = 0 too, 64 repeats, D* at 1e24; methods Approach 2,
    /// corrected, VPNLS, Approach 3 (RSS, grid start).
    fn default() -> Self {
        Self {
            settings: vec![
                Exp13Setting {
                    name: "exp7",
                    description: "Exp 7 noisy setting: asymmetric surface, drift log10 3",
                    surface: Preset::Asymmetric,
                    drift_rate: 3f64.log10(),
                    budget_range: (17.0, 21.0),
                    sigmas: vec![0.0, 0.05, 0.1, 0.2],
                    widths: vec![("±8×", 8f64.log10())],
                    budget_counts: vec![2, 3, 4],
                    points: vec![8, 16, 32],
                    repeats: 64,
                    seed: 7,
                },
                Exp13Setting {
                    name: "exp9",
                    description: "Exp 9 setting: symmetric surface, centred grids, 5 budgets",
                    surface: Preset::Symmetric,
                    drift_rate: 0.0,
                    budget_range: (17.0, 21.0),
                    sigmas: vec![0.0, 0.01, 0.02, 0.05],
                    widths: vec![
                        ("±2×", 2f64.log10()),
                        ("±4×", 4f64.log10()),
                        ("±8×", 8f64.log10()),
                    ],
                    budget_counts: vec![5],
                    points: vec![11, 21, 41],
                    repeats: 64,
                    seed: 9,
                },
            ],
            extrapolate_to: 1e24,
            methods: vec![
                Exp13Method::Approach2,
                Exp13Method::Corrected(CorrectedParams::default()),
                Exp13Method::Surface(SurfaceMethod::vpnls()),
                Exp13Method::Surface(SurfaceMethod::approach3(
                    Objective::Rss,
                    Approach3Start::Grid,
                )),
            ],
        }
    }
}

/// Bias, spread and RMSE of one error over the repeats of a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorStats {
    /// Mean error.
    pub bias: f64,
    /// Sample standard deviation (0 for one value).
    pub sd: f64,
    /// Root mean square error.
    pub rmse: f64,
    /// Median |error|.
    pub median_abs: f64,
}

impl ErrorStats {
    /// The interval |bias| ± 2 standard errors (sd/√n over `n` estimates);
    /// (NaN, NaN) when its low end is at or below 0 (the bias is not told
    /// from 0).
    pub fn abs_bias_band(&self, n: usize) -> (f64, f64) {
        let se = self.sd / (n.max(1) as f64).sqrt();
        let (lo, hi) = (self.bias.abs() - 2.0 * se, self.bias.abs() + 2.0 * se);
        if lo > 0.0 {
            (lo, hi)
        } else {
            (f64::NAN, f64::NAN)
        }
    }

    fn of(errors: &[f64]) -> Self {
        let n = errors.len();
        if n == 0 {
            return Self {
                bias: f64::NAN,
                sd: f64::NAN,
                rmse: f64::NAN,
                median_abs: f64::NAN,
            };
        }
        let nf = n as f64;
        let bias = errors.iter().sum::<f64>() / nf;
        let sd = if n > 1 {
            (errors.iter().map(|e| (e - bias).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt()
        } else {
            0.0
        };
        let rmse = (errors.iter().map(|e| e * e).sum::<f64>() / nf).sqrt();
        let mut abs: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
        abs.sort_by(f64::total_cmp);
        let median_abs = if n % 2 == 1 {
            abs[n / 2]
        } else {
            (abs[n / 2 - 1] + abs[n / 2]) / 2.0
        };
        Self {
            bias,
            sd,
            rmse,
            median_abs,
        }
    }
}

/// The key of one cell of the sweep, shared by [`Exp13Row`] and
/// [`Exp13Comparison`]: the first five columns of both CSVs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exp13Cell {
    /// Setting name.
    pub setting: &'static str,
    /// Noise σ.
    pub sigma: f64,
    /// Width label.
    pub width: &'static str,
    /// Number of budgets.
    pub budgets: usize,
    /// Points per curve.
    pub points: usize,
}

impl Exp13Cell {
    /// The CSV columns of the key, in order.
    pub const COLUMNS: [&'static str; 5] = ["setting", "sigma", "width", "budgets", "points"];

    /// The key's CSV cells, in the order of [`Self::COLUMNS`].
    pub fn csv_cells(&self) -> Vec<String> {
        vec![
            self.setting.to_string(),
            fmt_f64(self.sigma),
            self.width.to_string(),
            self.budgets.to_string(),
            self.points.to_string(),
        ]
    }

    /// True for the cell of `setting`, `sigma`, `width` and `budgets` at any
    /// number of points.
    fn is(&self, setting: &str, sigma: f64, width: &str, budgets: usize) -> bool {
        self.setting == setting
            && self.sigma == sigma
            && self.width == width
            && self.budgets == budgets
    }
}

/// One (setting, σ, width, budgets, points, method) cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp13Row {
    /// The cell: setting, σ, width, budgets, points.
    pub cell: Exp13Cell,
    /// Method label.
    pub method: String,
    /// Data sets fitted.
    pub repeats: usize,
    /// Fits that failed (error or non-finite estimate): left out of the statistics.
    pub failed: usize,
    /// Fits that returned an estimate but not `Converged` (kept in the statistics).
    pub not_converged: usize,
    /// â − a.
    pub a: ErrorStats,
    /// `log10 D̂*(C_x) − log10 D*(C_x)`, decades (the relative error
    /// `10^x − 1` is unbounded above and one wild slope dominates its RMSE).
    pub d: ErrorStats,
}

/// The result: rows and the configuration that made them.
#[derive(Debug, Clone)]
pub struct Exp13Result {
    /// The configuration.
    pub config: Exp13Config,
    /// One row per cell and method, settings in order (each method over its
    /// own survivors: descriptive, not for comparison).
    pub rows: Vec<Exp13Row>,
    /// The paired comparisons of every noisy cell ([`COMPARISONS`]).
    pub comparisons: Vec<Exp13Comparison>,
}

/// The pairs compared in every noisy cell: (method, against).
pub const COMPARISONS: [(&str, &str); 2] = [
    ("approach2-corrected", "approach2"),
    ("vpnls-lm", "approach2-corrected"),
];

/// Bootstrap replicates of each RMSE ratio's interval.
pub const RATIO_REPLICATES: usize = 2000;

/// Coverage of each RMSE ratio's interval.
pub const RATIO_LEVEL: f64 = 0.95;

/// Seed of the ratios' bootstrap (fixed: the verdicts do not depend on
/// the experiment's seeds beyond the data).
pub const RATIO_SEED: u64 = 13;

/// How two methods compare on one quantity over their common data sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioVerdict {
    /// RMSE of the method over the common data sets.
    pub rmse: f64,
    /// RMSE of the method compared against, over the same data sets.
    pub rmse_against: f64,
    /// `rmse / rmse_against`.
    pub ratio: f64,
    /// Percentile bootstrap interval of the ratio (resampling the common
    /// data sets, both methods with the same draw).
    pub interval: [f64; 2],
    /// `better`, `worse` or `not distinguishable` ([`verdict`]).
    pub verdict: &'static str,
}

/// One paired comparison in one noisy cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp13Comparison {
    /// The cell: setting, σ, width, budgets, points.
    pub cell: Exp13Cell,
    /// The method.
    pub method: String,
    /// The method it is compared against.
    pub against: String,
    /// Data sets on which both returned an estimate.
    pub common: usize,
    /// Data sets on which the method failed.
    pub failed: usize,
    /// Data sets on which the other method failed.
    pub failed_against: usize,
    /// On â (`None` when fewer than 2 common data sets).
    pub a: Option<RatioVerdict>,
    /// On log10 D*.
    pub d: Option<RatioVerdict>,
}

/// The verdict of an interval of a ratio of errors (method / against):
/// `better` when it lies wholly below 1, `worse` wholly above, `not
/// distinguishable` when it contains 1.
pub fn verdict(interval: [f64; 2]) -> &'static str {
    if interval[1] < 1.0 {
        "better"
    } else if interval[0] > 1.0 {
        "worse"
    } else {
        "not distinguishable"
    }
}

/// The paired comparison of two methods' errors on the same data sets
/// (`None`: that method failed there): the RMSEs over the data sets where
/// both returned an estimate, their ratio, its percentile bootstrap
/// interval (`replicates` resamples of the common data sets from
/// `Rng::for_task(seed, stream)`), and the [`verdict`]. `None` when fewer
/// than 2 data sets are common.
pub fn paired_ratio(
    x: &[Option<f64>],
    y: &[Option<f64>],
    replicates: usize,
    level: f64,
    seed: u64,
    stream: u64,
) -> Option<RatioVerdict> {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .collect();
    let n = pairs.len();
    if n < 2 {
        return None;
    }
    let rmse = |idx: &mut dyn Iterator<Item = usize>| {
        let (mut sx, mut sy) = (0.0, 0.0);
        for i in idx {
            sx += pairs[i].0 * pairs[i].0;
            sy += pairs[i].1 * pairs[i].1;
        }
        ((sx / n as f64).sqrt(), (sy / n as f64).sqrt())
    };
    let (rx, ry) = rmse(&mut (0..n));
    let mut rng = Rng::for_task(seed, stream);
    let ratios: Vec<f64> = (0..replicates)
        .filter_map(|_| {
            let idx = resample_indices(&mut rng, n);
            let (a, b) = rmse(&mut idx.into_iter());
            let r = a / b;
            r.is_finite().then_some(r)
        })
        .collect();
    let ratio = rx / ry;
    let interval = percentile_interval(&ratios, level).unwrap_or([ratio, ratio]);
    Some(RatioVerdict {
        rmse: rx,
        rmse_against: ry,
        ratio,
        interval,
        verdict: verdict(interval),
    })
}

fn budgets(range: (f64, f64), count: usize) -> Vec<f64> {
    logspace(range.0, range.1, count)
}

/// Run Experiment 13: every cell's repeats in parallel, each with its own
/// random stream `(seed, index)`, so the result does not depend on the
/// thread count.
///
/// # Errors
/// Invalid widths, points or budgets.
pub fn run_exp13(config: &Exp13Config) -> Result<Exp13Result, ExperimentError> {
    run_exp13_with(config, &crate::progress::Silent)
}

/// [`run_exp13`], reporting to `progress` one stage per setting, one unit
/// per (cell, repeat).
///
/// # Errors
/// As [`run_exp13`].
pub fn run_exp13_with(
    config: &Exp13Config,
    progress: &dyn crate::progress::Progress,
) -> Result<Exp13Result, ExperimentError> {
    let mut rows = Vec::new();
    let mut comparisons = Vec::new();
    for st in &config.settings {
        let surface = LossSurface::<f64>::preset(st.surface);
        let a_true = surface.exponent_a();
        let d_true = surface.log10_d_opt(&config.extrapolate_to);
        let bias = SamplingBias::new(st.drift_rate, 1.0)?;
        let mut cells = Vec::new();
        for &sigma in &st.sigmas {
            for &(wl, w) in &st.widths {
                for &nb in &st.budget_counts {
                    for &np in &st.points {
                        let grid = IsoflopGrid::new(w, np)?;
                        let pts =
                            sample_isoflops(&surface, &budgets(st.budget_range, nb), &grid, &bias)?;
                        let reps = if sigma > 0.0 { st.repeats } else { 1 };
                        cells.push((sigma, wl, nb, np, reps, pts));
                    }
                }
            }
        }
        let tasks: Vec<(usize, usize)> = cells
            .iter()
            .enumerate()
            .flat_map(|(c, cell)| (0..cell.4).map(move |r| (c, r)))
            .collect();
        let stage = format!("setting {}", st.name);
        progress.start(&stage, tasks.len() as u64);
        let results: Vec<Vec<Option<(f64, f64, bool)>>> = tasks
            .par_iter()
            .map(|&(c, r)| {
                let _tick = crate::progress::Tick(progress);
                let mut rng = Rng::for_task(st.seed, (c * st.repeats + r) as u64);
                let mut pts = cells[c].5.clone();
                add_loss_noise(&mut pts, cells[c].0, &mut rng);
                config
                    .methods
                    .iter()
                    .map(|m| m.estimate(&pts, config.extrapolate_to))
                    .collect()
            })
            .collect();
        progress.finish(&stage);
        let mut offset = 0;
        for (sigma, wl, nb, np, reps, _) in &cells {
            let cell = Exp13Cell {
                setting: st.name,
                sigma: *sigma,
                width: wl,
                budgets: *nb,
                points: *np,
            };
            let slice = &results[offset..offset + reps];
            offset += reps;
            for (k, m) in config.methods.iter().enumerate() {
                let ests: Vec<(f64, f64, bool)> = slice.iter().filter_map(|r| r[k]).collect();
                let ea: Vec<f64> = ests.iter().map(|e| e.0 - a_true).collect();
                let ed: Vec<f64> = ests.iter().map(|e| e.1 - d_true).collect();
                rows.push(Exp13Row {
                    cell,
                    method: m.label(),
                    repeats: *reps,
                    failed: reps - ests.len(),
                    not_converged: ests.iter().filter(|e| !e.2).count(),
                    a: ErrorStats::of(&ea),
                    d: ErrorStats::of(&ed),
                });
            }
            if *sigma == 0.0 {
                continue;
            }
            let labels: Vec<String> = config.methods.iter().map(|m| m.label()).collect();
            for (x, y) in COMPARISONS {
                let (Some(kx), Some(ky)) = (
                    labels.iter().position(|l| l == x),
                    labels.iter().position(|l| l == y),
                ) else {
                    continue;
                };
                let err = |k: usize, q: usize| -> Vec<Option<f64>> {
                    slice
                        .iter()
                        .map(|r| r[k].map(|e| if q == 0 { e.0 - a_true } else { e.1 - d_true }))
                        .collect()
                };
                let stream = comparisons.len() as u64;
                let common = slice
                    .iter()
                    .filter(|r| r[kx].is_some() && r[ky].is_some())
                    .count();
                comparisons.push(Exp13Comparison {
                    cell,
                    method: x.to_string(),
                    against: y.to_string(),
                    common,
                    failed: slice.iter().filter(|r| r[kx].is_none()).count(),
                    failed_against: slice.iter().filter(|r| r[ky].is_none()).count(),
                    a: paired_ratio(
                        &err(kx, 0),
                        &err(ky, 0),
                        RATIO_REPLICATES,
                        RATIO_LEVEL,
                        RATIO_SEED,
                        2 * stream,
                    ),
                    d: paired_ratio(
                        &err(kx, 1),
                        &err(ky, 1),
                        RATIO_REPLICATES,
                        RATIO_LEVEL,
                        RATIO_SEED,
                        2 * stream + 1,
                    ),
                });
            }
        }
    }
    Ok(Exp13Result {
        config: config.clone(),
        rows,
        comparisons,
    })
}

impl Exp13Result {
    /// Every row as CSV.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&with_key(&[
            "method",
            "repeats",
            "failed",
            "not_converged",
            "a_bias",
            "a_sd",
            "a_rmse",
            "a_median_abs",
            "log10_dstar_bias",
            "log10_dstar_sd",
            "log10_dstar_rmse",
            "log10_dstar_median_abs",
        ]));
        for r in &self.rows {
            let mut row = r.cell.csv_cells();
            row.extend([
                r.method.clone(),
                r.repeats.to_string(),
                r.failed.to_string(),
                r.not_converged.to_string(),
                fmt_f64(r.a.bias),
                fmt_f64(r.a.sd),
                fmt_f64(r.a.rmse),
                fmt_f64(r.a.median_abs),
                fmt_f64(r.d.bias),
                fmt_f64(r.d.sd),
                fmt_f64(r.d.rmse),
                fmt_f64(r.d.median_abs),
            ]);
            t.push(row);
        }
        t
    }

    /// Per setting and quantity (â, D*): rows σ > 0, columns (width, budgets);
    /// RMSE against points per curve (solid), |bias| dashed, one colour per method.
    pub fn figure(&self, setting: &Exp13Setting, dstar: bool) -> Figure {
        let sigmas: Vec<f64> = setting
            .sigmas
            .iter()
            .copied()
            .filter(|s| *s > 0.0)
            .collect();
        let mut cols = Vec::new();
        for &(wl, _) in &setting.widths {
            for &nb in &setting.budget_counts {
                cols.push((wl, nb));
            }
        }
        let mut panels = Vec::new();
        for &sigma in &sigmas {
            for &(wl, nb) in &cols {
                let mut series = Vec::new();
                for m in &self.config.methods {
                    let label = m.label();
                    let k = method_color(&label);
                    let sel: Vec<&Exp13Row> = self
                        .rows
                        .iter()
                        .filter(|r| r.cell.is(setting.name, sigma, wl, nb) && r.method == label)
                        .collect();
                    let st = |r: &Exp13Row| if dstar { r.d } else { r.a };
                    series.push(
                        Series::line(
                            format!("{label} RMSE"),
                            sel.iter()
                                .map(|r| (r.cell.points as f64, st(r).rmse))
                                .collect(),
                            k,
                        )
                        .with_markers(),
                    );
                    // |bias| and its ±2 SE band only where that interval
                    // excludes 0: elsewhere the bias is not told from 0 and
                    // its value is noise (a gap; the CSV has every value).
                    let bands: Vec<(f64, f64)> = sel
                        .iter()
                        .map(|r| st(r).abs_bias_band(r.repeats - r.failed))
                        .collect();
                    series.push(
                        Series::line(
                            format!("{label} |bias|"),
                            sel.iter()
                                .zip(&bands)
                                .map(|(r, b)| {
                                    let v = if b.0.is_finite() {
                                        st(r).bias.abs()
                                    } else {
                                        f64::NAN
                                    };
                                    (r.cell.points as f64, v)
                                })
                                .collect(),
                            k,
                        )
                        .dashed()
                        .with_markers()
                        .marker(Marker::Triangle)
                        .size(3)
                        .band(bands),
                    );
                }
                panels.push(Panel {
                    title: format!("σ = {sigma}, {wl}, {nb} budgets"),
                    x_label: "points per IsoFLOP curve".into(),
                    y_label: if dstar {
                        // The budget is in the figure title.
                        "|log10 D* error| (decades)".to_string()
                    } else {
                        "â − a: RMSE, |bias|".into()
                    },
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
                "Experiment 13 — {}: {} ({} repeats per cell, seed {}; solid: RMSE; dashed, triangles: |bias| ± 2 SE, drawn where that excludes 0)",
                if dstar {
                    format!("D* extrapolated to {:.0e}", self.config.extrapolate_to)
                } else {
                    "exponent a".to_string()
                },
                setting.description,
                setting.repeats,
                setting.seed
            ),
            sigmas.len(),
            cols.len(),
            panels,
        );
        fig.panel_size = (480, 360);
        fig.shared_legend = true;
        fig
    }

    fn find(
        &self,
        setting: &str,
        sigma: f64,
        wl: &str,
        nb: usize,
        np: usize,
        m: &str,
    ) -> Option<&Exp13Row> {
        self.rows
            .iter()
            .find(|r| r.cell.is(setting, sigma, wl, nb) && r.cell.points == np && r.method == m)
    }

    /// A text report: per setting, the noise-free errors, then for every
    /// noisy cell the RMSE of â and of D* per method, and where the corrected
    /// method beats plain Approach 2.
    pub fn report(&self) -> String {
        let labels: Vec<String> = self.config.methods.iter().map(|m| m.label()).collect();
        let mut s = format!(
            "Experiment 13 — is the correction worth it? (D* extrapolated to {:.0e})\n",
            self.config.extrapolate_to
        );
        for st in &self.config.settings {
            s.push_str(&format!("\n== {} ({}) ==\n", st.name, st.description));
            s.push_str(
                "noise-free: |â − a| and |log10 D* error| per method (largest over cells)\n",
            );
            for l in &labels {
                let (mut ea, mut ed) = (0f64, 0f64);
                for r in self
                    .rows
                    .iter()
                    .filter(|r| r.cell.setting == st.name && r.cell.sigma == 0.0 && &r.method == l)
                {
                    ea = ea.max(r.a.bias.abs());
                    ed = ed.max(r.d.bias.abs());
                }
                s.push_str(&format!("  {l:<32} a {ea:.2e}  D* {ed:.2e}\n"));
            }
            s.push_str(
                "noisy: RMSE(â − a) / RMSE(log10 D* error, decades), [bias of â]; {failed fits, left out}\n",
            );
            for &sigma in st.sigmas.iter().filter(|x| **x > 0.0) {
                for &(wl, _) in &st.widths {
                    for &nb in &st.budget_counts {
                        for &np in &st.points {
                            s.push_str(&format!(
                                "  σ={sigma:<5} {wl:<4} budgets={nb} points={np:<3}"
                            ));
                            for l in &labels {
                                if let Some(r) = self.find(st.name, sigma, wl, nb, np, l) {
                                    s.push_str(&format!(
                                        " | {}: {:.2e}/{:.2e} [{:+.1e}]{}",
                                        short(l),
                                        r.a.rmse,
                                        r.d.rmse,
                                        r.a.bias,
                                        if r.failed > 0 {
                                            format!(" {{{}}}", r.failed)
                                        } else {
                                            String::new()
                                        }
                                    ));
                                }
                            }
                            s.push('\n');
                        }
                    }
                }
            }
            s.push_str(&format!(
                "paired: RMSE ratio over the data sets where both methods returned an estimate, {:.0}% bootstrap interval ({} resamples of those data sets, seed {}), verdict; (common; failed: method / against)\n",
                100.0 * RATIO_LEVEL, RATIO_REPLICATES, RATIO_SEED
            ));
            let fmt = |v: &Option<RatioVerdict>| match v {
                Some(v) => format!(
                    "{:.3} [{:.3}, {:.3}] {}",
                    v.ratio, v.interval[0], v.interval[1], v.verdict
                ),
                None => "fewer than 2 common data sets".to_string(),
            };
            for (x, y) in COMPARISONS {
                let cs: Vec<&Exp13Comparison> = self
                    .comparisons
                    .iter()
                    .filter(|c| c.cell.setting == st.name && c.method == x && c.against == y)
                    .collect();
                if cs.is_empty() {
                    continue;
                }
                s.push_str(&format!("  {} / {}:\n", short(x), short(y)));
                for c in &cs {
                    s.push_str(&format!(
                        "    σ={:<5} {:<4} budgets={} points={:<3} â {}; D* {}; ({}; failed {} / {})\n",
                        c.cell.sigma, c.cell.width, c.cell.budgets, c.cell.points, fmt(&c.a), fmt(&c.d), c.common, c.failed, c.failed_against
                    ));
                }
                for (q, name) in [(0, "â"), (1, "D*")] {
                    let count = |w: &str| {
                        cs.iter()
                            .filter(|c| {
                                let v = if q == 0 { &c.a } else { &c.d };
                                v.is_some_and(|v| v.verdict == w)
                            })
                            .count()
                    };
                    s.push_str(&format!(
                        "  {} / {} on RMSE of {name}: better in {}, worse in {}, not distinguishable in {} of {} noisy cells\n",
                        short(x),
                        short(y),
                        count("better"),
                        count("worse"),
                        count("not distinguishable"),
                        cs.len()
                    ));
                }
            }
        }
        s
    }

    /// The paired comparisons as CSV.
    pub fn comparison_table(&self) -> Table {
        let mut t = Table::new(&with_key(&[
            "method",
            "against",
            "common",
            "failed",
            "failed_against",
            "a_ratio",
            "a_lo",
            "a_hi",
            "a_verdict",
            "log10_dstar_ratio",
            "log10_dstar_lo",
            "log10_dstar_hi",
            "log10_dstar_verdict",
        ]));
        for c in &self.comparisons {
            let mut row = c.cell.csv_cells();
            row.extend([
                c.method.clone(),
                c.against.clone(),
                c.common.to_string(),
                c.failed.to_string(),
                c.failed_against.to_string(),
            ]);
            for v in [&c.a, &c.d] {
                match v {
                    Some(v) => row.extend([
                        fmt_f64(v.ratio),
                        fmt_f64(v.interval[0]),
                        fmt_f64(v.interval[1]),
                        v.verdict.to_string(),
                    ]),
                    None => row.extend(["".into(), "".into(), "".into(), "too few common".into()]),
                }
            }
            t.push(row);
        }
        t
    }

    /// Everything to write.
    pub fn files(&self) -> ExperimentFiles {
        let mut figures = Vec::new();
        for st in &self.config.settings {
            figures.push((format!("{}_exponent_a", st.name), self.figure(st, false)));
            figures.push((format!("{}_dstar", st.name), self.figure(st, true)));
        }
        ExperimentFiles {
            tables: vec![
                ("summary".to_string(), self.table()),
                ("comparisons".to_string(), self.comparison_table()),
            ],
            figures,
            report: self.report(),
        }
    }
}

/// The key's columns, then `rest`.
fn with_key<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = Exp13Cell::COLUMNS.to_vec();
    v.extend_from_slice(rest);
    v
}

fn short(label: &str) -> &str {
    match label {
        "approach2" => "A2",
        "approach2-corrected" => "A2c",
        "vpnls-lm" => "VP",
        l if l.starts_with("approach3") => "A3",
        l => l,
    }
}
