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
    /// ±8×, 256 repeats, seed 7; Approach 2, Approach 3 (RSS) from a random
    /// start drawn as the reference draws it (uniform on the box) and from
    /// the log-uniform variant, Approach 3 from the grid (RSS and log-loss),
    /// VPNLS.
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
                        Approach3Start::RandomLogUniform(0),
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
    /// |â/a − 1| of every repeat, in repeat order (NaN for a failed fit).
    pub errors_a: Vec<f64>,
    /// |b̂/b − 1| of every repeat (NaN for a failed fit).
    pub errors_b: Vec<f64>,
}

/// One method's noisy errors pooled over every σ, number of budgets, points
/// per curve and repeat, a and b together (the reference's method
/// comparison).
#[derive(Debug, Clone, PartialEq)]
pub struct PooledErrors {
    /// Method label.
    pub method: String,
    /// Fits run.
    pub fits: usize,
    /// Every |relative error| of a, then of b (NaN for failed fits).
    pub errors: Vec<f64>,
    /// Largest |relative error| of a.
    pub max_a: f64,
    /// Largest |relative error| of b.
    pub max_b: f64,
    /// Counts of each status word ([`STATUS_WORDS`]).
    pub counts: [usize; 5],
}

impl PooledErrors {
    /// The finite errors, largest first.
    pub fn sorted_desc(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self
            .errors
            .iter()
            .copied()
            .filter(|e| e.is_finite())
            .collect();
        v.sort_by(|a, b| b.total_cmp(a));
        v
    }
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
        ExponentMethod::Surface(SurfaceMethod::Approach3(p)) => {
            let start = match p.start {
                Approach3Start::Random(_) => Approach3Start::Random(seed),
                Approach3Start::RandomLogUniform(_) => Approach3Start::RandomLogUniform(seed),
                other => other,
            };
            ExponentMethod::Surface(SurfaceMethod::Approach3(Approach3Params {
                start,
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
                errors_a: ea,
                errors_b: eb,
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

/// One σ of the IsoFLOP figure: σ, the noise-free points, the noisy draw.
type IsoflopDraw = (f64, Vec<IsoflopPoint<f64>>, Vec<IsoflopPoint<f64>>);

/// The IsoFLOP data the noisy extension draws on, as the reference's
/// `isoflop_curves` figure shows them: the largest number of budgets, 16
/// points per curve (the largest count ≤ 16 in the sweep), one noisy draw
/// per σ from `Rng::new(seed)`, beside the noise-free curves.
fn isoflop_data(
    config: &Exp7Config,
    nc: &NoisyConfig,
) -> Result<Vec<IsoflopDraw>, ExperimentError> {
    let surface = LossSurface::<f64>::preset(config.surface);
    let bias = SamplingBias::new(config.drift_rate, 1.0)?;
    let nb = nc.budget_counts.iter().copied().max().unwrap_or(1);
    let np = nc
        .points
        .iter()
        .copied()
        .filter(|&p| p <= 16)
        .max()
        .or_else(|| nc.points.iter().copied().min())
        .unwrap_or(16);
    let grid = IsoflopGrid::new(nc.half_width, np)?;
    let clean = sample_isoflops(&surface, &budgets(config.budget_range, nb), &grid, &bias)?;
    Ok(nc
        .sigmas
        .iter()
        .map(|&sigma| {
            let mut rng = Rng::new(nc.seed);
            let mut noisy = clean.clone();
            add_loss_noise(&mut noisy, sigma, &mut rng);
            (sigma, clean.clone(), noisy)
        })
        .collect())
}

/// Text of a heat-map cell: a relative error as a percentage.
fn percent_text(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v > 1.0 {
        ">100%".into()
    } else if v >= 0.01 {
        format!("{:.1}%", 100.0 * v)
    } else if v >= 1e-4 {
        format!("{:.2}%", 100.0 * v)
    } else {
        format!("{:.1e}%", 100.0 * v)
    }
}

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
                let mut counts = [0usize; 5];
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

    /// The pooled comparison: left, each method's error distribution (a
    /// Gaussian KDE of log10 |error|, bandwidth 0.3 × its spread, drawn above
    /// the method's row, with the geometric mean as a marker and the min–max
    /// range as a bar); right, a heat map of the largest error of a and of b.
    /// Methods sorted by their largest error, largest at the top.
    pub fn pooled_figure(&self) -> Option<Figure> {
        let nc = self.config.noisy.as_ref()?;
        let mut pooled = self.pooled();
        pooled.sort_by(|x, y| {
            let key = |p: &PooledErrors| p.max_a.max(p.max_b);
            key(y).total_cmp(&key(x))
        });
        let n = pooled.len();
        let mut series = Vec::new();
        for (i, p) in pooled.iter().enumerate() {
            let row = (n - 1 - i) as f64;
            let sorted = p.sorted_desc();
            let positive: Vec<f64> = sorted.iter().copied().filter(|e| *e > 0.0).collect();
            let (Some(&hi), Some(&lo)) = (positive.first(), positive.last()) else {
                continue;
            };
            let logs: Vec<f64> = positive.iter().map(|e| e.log10()).collect();
            let grid: Vec<f64> = (0..200)
                .map(|k| lo.log10() + (hi.log10() - lo.log10()) * k as f64 / 199.0)
                .collect();
            let density = crate::plots::kde::gaussian_kde(&logs, 0.3, &grid);
            let top = density
                .iter()
                .copied()
                .filter(|d| d.is_finite())
                .fold(0.0, f64::max);
            let color = nc
                .methods
                .iter()
                .position(|m| m.label() == p.method)
                .unwrap_or(i);
            if top > 0.0 {
                let curve = grid
                    .iter()
                    .zip(&density)
                    .map(|(x, d)| (10f64.powf(*x), row + 0.4 * d / top))
                    .collect();
                series.push(Series::line(p.method.clone(), curve, color));
            }
            series.push(Series::line("", vec![(lo, row), (hi, row)], color));
            series.push(Series::markers(
                "",
                vec![(geometric_mean(&p.errors, ERROR_FLOOR), row)],
                color,
            ));
        }
        let left = Panel {
            title: "pooled |relative error| of a and b: KDE, geometric mean (dot), min–max (bar)"
                .into(),
            x_label: "|relative error|".into(),
            y_label: "method (row, top = largest max error)".into(),
            x_log: true,
            series,
            legend: LegendPosition::LowerLeft,
            ..Panel::default()
        };
        let heat = crate::plots::heatmap::HeatMap {
            rows: pooled.iter().map(|p| p.method.clone()).collect(),
            cols: vec!["a".into(), "b".into()],
            values: pooled.iter().map(|p| vec![p.max_a, p.max_b]).collect(),
            text: pooled
                .iter()
                .map(|p| vec![percent_text(p.max_a), percent_text(p.max_b)])
                .collect(),
        };
        let right = Panel {
            title: "max |relative error|".into(),
            heatmap: Some(heat),
            ..Panel::default()
        };
        let mut fig = Figure::new(
            format!(
                "Experiment 7: methods compared, errors pooled over σ, budgets, points and {} repeats",
                nc.repeats
            ),
            1,
            2,
            vec![left, right],
        );
        fig.panel_size = (900, 520);
        Some(fig)
    }

    /// Box plots of the noisy errors per cell (`exponent_inference_errors`):
    /// rows = number of budgets, columns = σ; in each panel one group of
    /// boxes per points-per-curve, one box per method (the random-start
    /// Approach 3 variants left out, as in the reference's figure), of the
    /// |relative error of a| over the repeats, on a symmetric-log axis
    /// (linear below 1e-4).
    pub fn boxplot_figure(&self) -> Option<Figure> {
        use crate::plots::{BoxPlot, BoxSeries, BoxStats, SymLog};
        let nc = self.config.noisy.as_ref()?;
        let shown: Vec<(usize, String)> = nc
            .methods
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                !matches!(
                    m,
                    ExponentMethod::Surface(SurfaceMethod::Approach3(p))
                        if matches!(
                            p.start,
                            Approach3Start::Random(_) | Approach3Start::RandomLogUniform(_)
                        )
                )
            })
            .map(|(i, m)| (i, m.label()))
            .collect();
        let mut panels = Vec::new();
        for &nb in &nc.budget_counts {
            for &sigma in &nc.sigmas {
                let series = shown
                    .iter()
                    .map(|(color, label)| BoxSeries {
                        label: label.clone(),
                        color: *color,
                        boxes: nc
                            .points
                            .iter()
                            .map(|&np| {
                                self.noisy
                                    .iter()
                                    .find(|s| {
                                        s.sigma == sigma
                                            && s.budgets == nb
                                            && s.points == np
                                            && &s.method == label
                                    })
                                    .and_then(|s| BoxStats::from_values(&s.errors_a))
                            })
                            .collect(),
                    })
                    .collect();
                panels.push(Panel {
                    title: format!("σ = {sigma}, {nb} budgets"),
                    x_label: "points per IsoFLOP curve".into(),
                    y_label: "|relative error of a|".into(),
                    boxes: Some(BoxPlot {
                        categories: nc.points.iter().map(|p| p.to_string()).collect(),
                        series,
                        symlog: SymLog::new(1e-4),
                        reference: None,
                    }),
                    // The first panel carries the legend.
                    legend: if panels.is_empty() {
                        LegendPosition::UpperRight
                    } else {
                        LegendPosition::None
                    },
                    ..Panel::default()
                });
            }
        }
        let mut fig = Figure::new(
            format!(
                "Experiment 7 (noisy): |relative error of a| per cell over {} repeats (boxes: quartiles, whiskers 1.5 IQR)",
                nc.repeats
            ),
            nc.budget_counts.len(),
            nc.sigmas.len(),
            panels,
        );
        fig.panel_size = (620, 420);
        Some(fig)
    }

    /// The sampled IsoFLOP data (`isoflop_curves`): one panel per σ, loss
    /// against N, the noisy draw as markers and the noise-free curve as a
    /// line, one colour per budget.
    ///
    /// # Errors
    /// Invalid sampling settings (already validated by [`run_exp7`]).
    pub fn isoflop_figure(&self) -> Result<Option<Figure>, ExperimentError> {
        let Some(nc) = &self.config.noisy else {
            return Ok(None);
        };
        let data = isoflop_data(&self.config, nc)?;
        let panels: Vec<Panel> = data
            .iter()
            .map(|(sigma, clean, noisy)| {
                let mut budgets: Vec<f64> = clean.iter().map(|p| p.budget).collect();
                budgets.dedup();
                let mut series = Vec::new();
                for (k, c) in budgets.iter().enumerate() {
                    let pick = |v: &[IsoflopPoint<f64>]| {
                        v.iter()
                            .filter(|p| p.budget == *c)
                            .map(|p| (p.n, p.loss))
                            .collect::<Vec<_>>()
                    };
                    series.push(Series::markers(format!("C = {c:.0e}"), pick(noisy), k));
                    series.push(Series::line("", pick(clean), k));
                }
                Panel {
                    title: format!("σ = {sigma}"),
                    x_label: "model size N (parameters)".into(),
                    y_label: "loss L".into(),
                    x_log: true,
                    series,
                    legend: LegendPosition::UpperRight,
                    ..Panel::default()
                }
            })
            .collect();
        let curves = nc.budget_counts.iter().copied().max().unwrap_or(1).max(1);
        let points = data.first().map_or(0, |(_, c, _)| c.len() / curves);
        let mut fig = Figure::new(
            format!(
                "Experiment 7: sampled IsoFLOP curves ({} points per curve, ±{:.0}×, drift log10 3; lines: noise-free)",
                points,
                10f64.powf(nc.half_width)
            ),
            1,
            panels.len(),
            panels,
        );
        fig.panel_size = (560, 460);
        Ok(Some(fig))
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
