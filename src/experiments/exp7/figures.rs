//! Experiment 7's figures.

use crate::fitters::approach3::Approach3Start;
use crate::fitters::SurfaceMethod;
use crate::models::LossSurface;
use crate::plots::{method_color, Figure, LegendPosition, Panel, Series};
use crate::sampling::noise::{add_loss_noise, Rng};
use crate::sampling::{sample_isoflops, IsoflopGrid, IsoflopPoint, SamplingBias};

use super::run::budgets;
use super::{Exp7Config, Exp7Output, ExponentMethod, NoisyConfig, PooledErrors};
use crate::experiments::{
    floored, geometric_mean, geometric_mean_band, ExperimentError, ERROR_FLOOR,
};

/// One line-with-markers series per method, each in its own colour
/// ([`method_color`]), its points from `points(label)`.
fn method_series(
    methods: &[ExponentMethod],
    points: impl Fn(&str) -> Vec<(f64, f64)>,
) -> Vec<Series> {
    methods
        .iter()
        .map(|m| {
            let lbl = m.label();
            let pts = points(&lbl);
            let color = method_color(&lbl);
            Series::line(lbl, pts, color).with_markers()
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
            let color = method_color(&p.method);
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
            // Short: the title and y label sat beyond the panel's edges.
            title: "pooled |relative error| of a and b".into(),
            x_label: "|relative error|".into(),
            y_label: "method".into(),
            x_log: true,
            series,
            // Rows are named on the y axis: no legend.
            legend: LegendPosition::None,
            y_categories: pooled.iter().rev().map(|p| p.method.clone()).collect(),
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
                "Experiment 7: methods compared, errors pooled over σ, budgets, points and {} repeats (left: KDE, geometric mean as a dot, min–max as a bar; top: largest max error)",
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
    /// |relative error of a| over the repeats, on a log axis.
    pub fn boxplot_figure(&self) -> Option<Figure> {
        use crate::plots::{BoxPlot, BoxSeries, BoxStats};
        let nc = self.config.noisy.as_ref()?;
        let shown: Vec<(usize, String)> = nc
            .methods
            .iter()
            .filter(|m| {
                !matches!(
                    m,
                    ExponentMethod::Surface(SurfaceMethod::Approach3(p))
                        if matches!(
                            p.start,
                            Approach3Start::Random(_) | Approach3Start::RandomLogUniform(_)
                        )
                )
            })
            .map(|m| {
                let label = m.label();
                (method_color(&label), label)
            })
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
                        symlog: None,
                        reference: None,
                        log: true,
                        fit_whiskers: false,
                    }),
                    // One legend for the figure, in a strip under the title:
                    // inside a panel it would cover boxes.
                    legend: LegendPosition::None,
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
        fig.shared_legend = true;
        Some(fig)
    }

    /// The sampled IsoFLOP data (`isoflop_curves`): one panel per σ, loss
    /// against N, the noisy draw as markers and the noise-free curve as a
    /// line, one colour per budget.
    ///
    /// # Errors
    /// Invalid sampling settings (already validated by [`run_exp7`](super::run::run_exp7)).
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
                    legend: LegendPosition::None,
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
        // The budgets are the same in every panel: one legend above them.
        fig.shared_legend = true;
        Ok(Some(fig))
    }

    /// Noise-free: rows a, b; columns widths; error against points per curve.
    pub fn clean_figure(&self) -> Figure {
        let mut panels = Vec::new();
        for (name, sym) in [("a", "a = β/(α+β)"), ("b", "b = α/(α+β)")] {
            for &(label, _) in &self.config.widths {
                let mut series = method_series(&self.config.methods, |lbl| {
                    self.clean
                        .iter()
                        .filter(|r| r.width_label == label && r.method == lbl)
                        .map(|r| {
                            let e = if name == "a" { r.error_a } else { r.error_b };
                            (r.points as f64, floored(e, ERROR_FLOOR))
                        })
                        .collect()
                });
                let xs = self.clean.iter().map(|r| r.points as f64);
                series.push(crate::experiments::floor_line(
                    ERROR_FLOOR,
                    (
                        xs.clone().fold(f64::INFINITY, f64::min),
                        xs.fold(f64::NEG_INFINITY, f64::max),
                    ),
                ));
                panels.push(Panel {
                    title: format!("{sym} — {label}"),
                    x_label: "points per IsoFLOP curve".into(),
                    y_label: format!("|relative error of {name}|"),
                    y_log: true,
                    series,
                    legend: LegendPosition::None,
                    ..Panel::default()
                });
            }
        }
        let mut fig = Figure::new(
            format!(
                "Experiment 7: exponent recovery, {} surface, drift log10 3, {} budgets, noise-free (|error| floored at {:.0e})",
                self.config.surface.name(),
                self.config.budget_count,
                ERROR_FLOOR
            ),
            2,
            self.config.widths.len(),
            panels,
        );
        // Every panel has the same series: one legend above them (in a
        // panel it was wider than the plot and sat on the data).
        fig.shared_legend = true;
        fig
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
                let cells = |lbl: &str| -> Vec<&super::NoisySummary> {
                    self.noisy
                        .iter()
                        .filter(|s| s.sigma == sigma && s.budgets == nb && s.method == lbl)
                        .collect()
                };
                let series = method_series(&nc.methods, |lbl| {
                    cells(lbl)
                        .iter()
                        .map(|s| (s.points as f64, s.geomean_error_a))
                        .collect()
                })
                .into_iter()
                .map(|s| {
                    // ±2 standard errors of the mean log error over the repeats.
                    let band = cells(&s.label)
                        .iter()
                        .map(|c| geometric_mean_band(&c.errors_a, ERROR_FLOOR))
                        .collect();
                    s.band(band)
                })
                .collect();
                panels.push(Panel {
                    title: format!("σ = {sigma}, {nb} budgets"),
                    x_label: "points per IsoFLOP curve".into(),
                    // The geometric mean over repeats (the title says so).
                    y_label: "|rel. error of a|".into(),
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
                "Experiment 7 (noisy): geometric mean of |relative error of a| over {} repeats per cell, ±{:.0}× grids, drift log10 3, seed {}; bands: ±2 standard errors of the mean log error",
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
}
