//! Experiment 5 — parameter recovery by surface fitting.
//!
//! Noise-free IsoFLOP data from three surfaces under five sampling biases and
//! twenty grid widths; the five parameters are fitted by VPNLS (default
//! outer search), the fitted surface's closed-form D* is extrapolated to
//! budgets far beyond the data, and on the unbiased data every surface-fitting
//! method is compared. The spec is `specs/experiment-5.md`.

use rayon::prelude::*;

use crate::fitters::approach3::{Approach3Params, Approach3Start, GlobalStage, Objective};
use crate::fitters::vpnls::VpnlsMethod;
use crate::fitters::{FitError, FitStatus, SurfaceData, SurfaceFit, SurfaceMethod};
use crate::io::{fmt_f64, Table};
use crate::models::{LossSurface, Preset};
use crate::numerics::finite_diff::FdScheme;
use crate::numerics::lbfgsb::{GradientSource, LbfgsbSettings};
use crate::plots::{method_color, Figure, LegendPosition, Panel, Series};
use crate::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};

use super::sweep::bias_color;
use super::{
    floored, linspace, logspace, relative_errors, status_word, ExperimentError, ERROR_FLOOR,
    PARAMETERS,
};

/// What Experiment 5 sweeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp5Config {
    /// Surfaces (figure rows).
    pub surfaces: Vec<Preset>,
    /// Named sampling biases (curves).
    pub biases: Vec<&'static str>,
    /// Grid half-widths W in decades.
    pub widths: Vec<f64>,
    /// Points per IsoFLOP curve.
    pub points: usize,
    /// Budgets of the data.
    pub budgets: Vec<f64>,
    /// Budgets D* is extrapolated to.
    pub extrapolation_budgets: Vec<f64>,
    /// Named widths (label, W) of the extrapolation figure's rows.
    pub extrapolation_widths: Vec<(&'static str, f64)>,
    /// Methods compared on the unbiased data.
    pub methods: Vec<SurfaceMethod>,
}

/// The methods of the comparison (part c), with the reference
/// implementation's settings: Approach 3 on the log-loss (4⁵ grid start)
/// with the analytic gradient and with scipy's `3-point` differences; VPNLS
/// with L-BFGS-B, analytic and `3-point`; all four with ftol = gtol = 1e-15
/// and 10,000 iterations ([`LbfgsbSettings::reference`]). Then VPNLS with
/// L-BFGS-B on scipy's own default tolerances (the labelled variant
/// `…-scipy-defaults`, to show what the tolerances do), Nelder–Mead, the
/// 256² grid and the Levenberg–Marquardt refinement.
pub fn comparison_methods() -> Vec<SurfaceMethod> {
    let approach3 = |gradient| {
        SurfaceMethod::Approach3(Approach3Params {
            objective: Objective::LogLoss,
            start: Approach3Start::Grid,
            gradient,
            lbfgsb: LbfgsbSettings::reference(),
            // The local optimiser as studied: no global stage (proofs/18).
            global_stage: GlobalStage::Off,
            ..Approach3Params::default()
        })
    };
    let three_point = GradientSource::FiniteDifference(FdScheme::ThreePoint);
    vec![
        approach3(GradientSource::Analytic),
        approach3(three_point),
        SurfaceMethod::vpnls_with(VpnlsMethod::Lbfgsb(GradientSource::Analytic)),
        SurfaceMethod::vpnls_with(VpnlsMethod::Lbfgsb(three_point)),
        SurfaceMethod::vpnls_lbfgsb_scipy_defaults(GradientSource::Analytic),
        SurfaceMethod::vpnls_with(VpnlsMethod::NelderMead),
        SurfaceMethod::vpnls_with(VpnlsMethod::Grid),
        SurfaceMethod::vpnls(),
    ]
}

impl Default for Exp5Config {
    /// Symmetric, Chinchilla and asymmetric surfaces; the five named biases;
    /// 20 widths 0.3 … 2.0; 5 budgets 1e17 … 1e21 × 15 points; D* at 16
    /// budgets log-spaced 1e22 … 1e25 for ±2×, ±16×, ±100×; the methods of
    /// [`comparison_methods`].
    fn default() -> Self {
        Self {
            surfaces: vec![Preset::Symmetric, Preset::Chinchilla, Preset::Asymmetric],
            biases: SamplingBias::<f64>::NAMES.to_vec(),
            widths: linspace(0.3, 2.0, 20),
            points: 15,
            budgets: default_budgets(),
            extrapolation_budgets: logspace(22.0, 25.0, 16),
            extrapolation_widths: vec![
                ("narrow ±2×", 2f64.log10()),
                ("medium ±16×", 16f64.log10()),
                ("wide ±100×", 2.0),
            ],
            methods: comparison_methods(),
        }
    }
}

/// One fit: which data, which method, how it ended, the relative errors.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryRow {
    /// The surface.
    pub surface: Preset,
    /// The sampling bias name.
    pub bias: &'static str,
    /// Grid half-width W (decades).
    pub half_width: f64,
    /// Method label.
    pub method: String,
    /// Status word (`converged`, …, or `failed`).
    pub status: &'static str,
    /// Iterations reported by the method (0 when it failed).
    pub iterations: usize,
    /// RSS at the estimate (NaN when it failed).
    pub rss: f64,
    /// Relative errors of (E, A, B, α, β); NaN when the fit failed.
    pub errors: [f64; 5],
    /// The failure message, empty when the fit ran.
    pub error: String,
}

impl RecoveryRow {
    /// The errors to draw: the values for a fit that gave an answer —
    /// converged, hit a bound, or (the grid method) ended on its best grid
    /// point (`grid_point`: the method's answer, though no convergence is
    /// claimed) — and gaps (NaN) for one that ended abnormally, ran out of
    /// iterations or failed.
    pub fn drawn_errors(&self) -> [f64; 5] {
        if self.status == FitStatus::Converged.as_str()
            || self.status == FitStatus::BoundHit.as_str()
            || self.status == FitStatus::GridPoint.as_str()
        {
            self.errors
        } else {
            [f64::NAN; 5]
        }
    }
}

/// D* extrapolated from the fitted surface at one budget.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtrapolationRow {
    /// The surface.
    pub surface: Preset,
    /// The sampling bias name.
    pub bias: &'static str,
    /// Grid label (`narrow ±2×`, …).
    pub width_label: &'static str,
    /// Grid half-width W.
    pub half_width: f64,
    /// Budget C (FLOPs).
    pub budget: f64,
    /// True D*(C).
    pub d_true: f64,
    /// D*(C) of the fitted surface (NaN if the fit failed or is not a valid surface).
    pub d_fitted: f64,
}

impl ExtrapolationRow {
    /// `D̂*/D* − 1`.
    pub fn relative_error(&self) -> f64 {
        self.d_fitted / self.d_true - 1.0
    }
}

/// Experiment 5's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp5Output {
    /// The configuration run.
    pub config: Exp5Config,
    /// (a) default VPNLS on every surface × bias × width.
    pub recovery: Vec<RecoveryRow>,
    /// (b) D* extrapolation.
    pub extrapolation: Vec<ExtrapolationRow>,
    /// (c) every method on the unbiased data, every surface × width.
    pub comparison: Vec<RecoveryRow>,
}

fn row(
    surface: Preset,
    bias: &'static str,
    w: f64,
    method: &SurfaceMethod,
    truth: &LossSurface<f64>,
    fit: &Result<SurfaceFit<f64>, FitError>,
) -> RecoveryRow {
    let (iterations, rss, errors, error) = match fit {
        Ok(f) => (
            f.iterations,
            f.rss,
            relative_errors(truth, f),
            String::new(),
        ),
        Err(e) => (0, f64::NAN, [f64::NAN; 5], e.to_string()),
    };
    RecoveryRow {
        surface,
        bias,
        half_width: w,
        method: method.label(),
        status: status_word(fit),
        iterations,
        rss,
        errors,
        error,
    }
}

/// Run Experiment 5 (in parallel over cells; the result does not depend on
/// the thread count).
///
/// # Errors
/// Invalid widths, points, budgets or bias names. Failed fits are rows
/// with status `failed`, not errors.
pub fn run_exp5(config: &Exp5Config) -> Result<Exp5Output, ExperimentError> {
    run_exp5_with(config, &crate::progress::Silent)
}

/// [`run_exp5`], reporting to `progress` three stages (recovery,
/// extrapolation, method comparison), one unit per cell.
///
/// # Errors
/// As [`run_exp5`].
pub fn run_exp5_with(
    config: &Exp5Config,
    progress: &dyn crate::progress::Progress,
) -> Result<Exp5Output, ExperimentError> {
    use crate::progress::Tick;
    // Validate everything once, up front.
    let mut cells = Vec::new();
    for &p in &config.surfaces {
        for &bias in &config.biases {
            let b = SamplingBias::<f64>::named(bias)?;
            for &w in &config.widths {
                cells.push((p, bias, b.clone(), IsoflopGrid::new(w, config.points)?));
            }
        }
    }
    let vpnls = SurfaceMethod::vpnls();
    progress.start("recovery", cells.len() as u64);
    let recovery: Vec<RecoveryRow> = cells
        .par_iter()
        .map(|(p, bias, b, grid)| {
            let _tick = Tick(progress);
            let truth = LossSurface::<f64>::preset(*p);
            let fit = sample_isoflops(&truth, &config.budgets, grid, b)
                .map_err(ExperimentError::from)
                .and_then(|pts| Ok(SurfaceData::from_points(&pts)?))
                .map(|d| vpnls.fit(&d));
            let fit = match fit {
                Ok(f) => f,
                Err(e) => return Err(e),
            };
            Ok(row(*p, bias, *grid.half_width(), &vpnls, &truth, &fit))
        })
        .collect::<Result<_, ExperimentError>>()?;
    progress.finish("recovery");

    let mut ex_cells = Vec::new();
    for &p in &config.surfaces {
        for &bias in &config.biases {
            for &(label, w) in &config.extrapolation_widths {
                ex_cells.push((p, bias, label, w));
            }
        }
    }
    progress.start("extrapolation", ex_cells.len() as u64);
    let extrapolation: Vec<Vec<ExtrapolationRow>> = ex_cells
        .par_iter()
        .map(|&(p, bias, label, w)| {
            let _tick = Tick(progress);
            let truth = LossSurface::<f64>::preset(p);
            let grid = IsoflopGrid::new(w, config.points)?;
            let pts = sample_isoflops(&truth, &config.budgets, &grid, &SamplingBias::named(bias)?)?;
            let fitted = vpnls
                .fit(&SurfaceData::from_points(&pts)?)
                .ok()
                .and_then(|f| LossSurface::new(f.e, f.a, f.b, f.alpha, f.beta).ok());
            Ok(config
                .extrapolation_budgets
                .iter()
                .map(|&c| ExtrapolationRow {
                    surface: p,
                    bias,
                    width_label: label,
                    half_width: w,
                    budget: c,
                    d_true: truth.d_opt(&c),
                    d_fitted: fitted.as_ref().map_or(f64::NAN, |s| s.d_opt(&c)),
                })
                .collect())
        })
        .collect::<Result<_, ExperimentError>>()?;
    progress.finish("extrapolation");

    let mut cmp_cells = Vec::new();
    for &p in &config.surfaces {
        for &w in &config.widths {
            for m in &config.methods {
                cmp_cells.push((p, w, m));
            }
        }
    }
    progress.start("method comparison", cmp_cells.len() as u64);
    let comparison: Vec<RecoveryRow> = cmp_cells
        .par_iter()
        .map(|&(p, w, m)| {
            let _tick = Tick(progress);
            let truth = LossSurface::<f64>::preset(p);
            let grid = IsoflopGrid::new(w, config.points)?;
            let pts = sample_isoflops(&truth, &config.budgets, &grid, &SamplingBias::none())?;
            let fit = m.fit(&SurfaceData::from_points(&pts)?);
            Ok(row(p, "baseline", w, m, &truth, &fit))
        })
        .collect::<Result<_, ExperimentError>>()?;
    progress.finish("method comparison");

    Ok(Exp5Output {
        config: config.clone(),
        recovery,
        extrapolation: extrapolation.into_iter().flatten().collect(),
        comparison,
    })
}

fn recovery_table(rows: &[RecoveryRow]) -> Table {
    let mut t = Table::new(&[
        "surface",
        "bias",
        "half_width",
        "method",
        "status",
        "iterations",
        "rss",
        "rel_error_E",
        "rel_error_A",
        "rel_error_B",
        "rel_error_alpha",
        "rel_error_beta",
        "error",
    ]);
    for r in rows {
        let mut cells = vec![
            r.surface.name().to_string(),
            r.bias.to_string(),
            fmt_f64(r.half_width),
            r.method.clone(),
            r.status.to_string(),
            r.iterations.to_string(),
            fmt_f64(r.rss),
        ];
        cells.extend(r.errors.map(fmt_f64));
        cells.push(r.error.clone());
        t.push(cells);
    }
    t
}

/// Per (surface, method) of the comparison: max |relative error| per
/// parameter over the converged fits, counts of each outcome, mean iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodSummary {
    /// The surface.
    pub surface: Preset,
    /// Method label.
    pub method: String,
    /// Fits run (one per width).
    pub fits: usize,
    /// Fits that gave no answer: not `converged`, `bound_hit` or
    /// `grid_point` (abnormal, max_iter, not_identifiable, non_finite,
    /// failed).
    pub failures: usize,
    /// Fits that ended `bound_hit`.
    pub bound_hits: usize,
    /// Fits that ended `grid_point` (the grid method's best interior cell:
    /// an answer, not a convergence).
    pub grid_points: usize,
    /// Fits that ended `converged`.
    pub converged: usize,
    /// Max |relative error| of (E, A, B, α, β) over the fits that are drawn.
    pub max_abs_error: [f64; 5],
    /// Mean iterations.
    pub mean_iterations: f64,
    /// Median iterations (of an even count, the mean of the middle two).
    pub median_iterations: f64,
    /// Most iterations of any fit.
    pub max_iterations: usize,
}

impl Exp5Output {
    /// (a) as CSV.
    pub fn recovery_table(&self) -> Table {
        recovery_table(&self.recovery)
    }

    /// (c) as CSV, one row per fit.
    pub fn comparison_table(&self) -> Table {
        recovery_table(&self.comparison)
    }

    /// (b) as CSV.
    pub fn extrapolation_table(&self) -> Table {
        let mut t = Table::new(&[
            "surface",
            "bias",
            "grid",
            "half_width",
            "budget",
            "d_opt_true",
            "d_opt_fitted",
            "rel_error",
        ]);
        for r in &self.extrapolation {
            t.push(vec![
                r.surface.name().to_string(),
                r.bias.to_string(),
                r.width_label.to_string(),
                fmt_f64(r.half_width),
                fmt_f64(r.budget),
                fmt_f64(r.d_true),
                fmt_f64(r.d_fitted),
                fmt_f64(r.relative_error()),
            ]);
        }
        t
    }

    /// (c) summarised per surface and method.
    pub fn method_summaries(&self) -> Vec<MethodSummary> {
        let mut out = Vec::new();
        for &p in &self.config.surfaces {
            for m in &self.config.methods {
                let label = m.label();
                let rows: Vec<&RecoveryRow> = self
                    .comparison
                    .iter()
                    .filter(|r| r.surface == p && r.method == label)
                    .collect();
                let mut max = [0.0f64; 5];
                for r in &rows {
                    for (k, e) in r.drawn_errors().iter().enumerate() {
                        if e.is_finite() {
                            max[k] = max[k].max(e.abs());
                        }
                    }
                }
                let drawn = rows
                    .iter()
                    .filter(|r| r.drawn_errors()[0].is_finite())
                    .count();
                if drawn == 0 {
                    max = [f64::NAN; 5];
                }
                out.push(MethodSummary {
                    surface: p,
                    method: label,
                    fits: rows.len(),
                    failures: rows.len() - drawn,
                    bound_hits: rows.iter().filter(|r| r.status == "bound_hit").count(),
                    grid_points: rows.iter().filter(|r| r.status == "grid_point").count(),
                    converged: rows.iter().filter(|r| r.status == "converged").count(),
                    max_abs_error: max,
                    mean_iterations: rows.iter().map(|r| r.iterations as f64).sum::<f64>()
                        / rows.len().max(1) as f64,
                    median_iterations: median(rows.iter().map(|r| r.iterations).collect()),
                    max_iterations: rows.iter().map(|r| r.iterations).max().unwrap_or(0),
                });
            }
        }
        out
    }

    /// (c)'s summary as CSV.
    pub fn summary_table(&self) -> Table {
        let mut t = Table::new(&[
            "surface",
            "method",
            "fits",
            "converged",
            "failures",
            "bound_hits",
            "grid_points",
            "max_abs_rel_error_E",
            "max_abs_rel_error_A",
            "max_abs_rel_error_B",
            "max_abs_rel_error_alpha",
            "max_abs_rel_error_beta",
            "mean_iterations",
            "median_iterations",
            "max_iterations",
        ]);
        for s in self.method_summaries() {
            let mut cells = vec![
                s.surface.name().to_string(),
                s.method.clone(),
                s.fits.to_string(),
                s.converged.to_string(),
                s.failures.to_string(),
                s.bound_hits.to_string(),
                s.grid_points.to_string(),
            ];
            cells.extend(s.max_abs_error.map(fmt_f64));
            cells.push(format!("{:.1}", s.mean_iterations));
            cells.push(format!("{:.1}", s.median_iterations));
            cells.push(s.max_iterations.to_string());
            t.push(cells);
        }
        t
    }

    fn error_grid(
        &self,
        rows: &[RecoveryRow],
        curves: &[String],
        key: fn(&RecoveryRow) -> &str,
        color: fn(&str) -> usize,
        title: &str,
    ) -> Figure {
        let mut panels = Vec::new();
        for &p in &self.config.surfaces {
            for (k, name) in PARAMETERS.iter().enumerate() {
                let mut series: Vec<Series> = curves
                    .iter()
                    .map(|c| {
                        let pts = rows
                            .iter()
                            .filter(|r| r.surface == p && key(r) == c.as_str())
                            .map(|r| (r.half_width, floored(r.drawn_errors()[k], ERROR_FLOOR)))
                            .collect();
                        Series::line(c.clone(), pts, color(c)).with_markers()
                    })
                    .collect();
                let xs = rows.iter().map(|r| r.half_width);
                let x = (
                    xs.clone().fold(f64::INFINITY, f64::min),
                    xs.fold(f64::NEG_INFINITY, f64::max),
                );
                series.push(super::floor_line(ERROR_FLOOR, x));
                panels.push(Panel {
                    title: format!("{} — {}", p.name(), symbol(name)),
                    // Five panels a row: a label that fits under each.
                    x_label: "W (decades)".into(),
                    y_label: "|relative error|".into(),
                    y_log: true,
                    series,
                    legend: LegendPosition::None,
                    ..Panel::default()
                });
            }
        }
        let mut fig = Figure::new(title, self.config.surfaces.len(), 5, panels);
        fig.panel_size = (420, 420);
        fig.shared_legend = true;
        fig
    }

    /// (a): rows = surfaces, columns = parameters, one curve per bias.
    pub fn recovery_figure(&self) -> Figure {
        let curves: Vec<String> = self.config.biases.iter().map(|b| b.to_string()).collect();
        self.error_grid(
            &self.recovery,
            &curves,
            |r| r.bias,
            bias_color,
            &format!(
                "Experiment 5: VPNLS parameter recovery, noise-free ({} budgets × {} points; |error| floored at {:.0e})",
                self.config.budgets.len(),
                self.config.points,
                ERROR_FLOOR
            ),
        )
    }

    /// (c): rows = surfaces, columns = parameters, one curve per method;
    /// gaps where a fit did not converge.
    pub fn comparison_figure(&self) -> Figure {
        let curves: Vec<String> = self.config.methods.iter().map(|m| m.label()).collect();
        self.error_grid(
            &self.comparison,
            &curves,
            |r| r.method.as_str(),
            method_color,
            "Experiment 5: method comparison on unbiased data (gaps: abnormal, max_iter or failed fits)",
        )
    }

    /// (b): rows = grid widths, columns = surfaces; D* relative error against
    /// the extrapolation budget, one curve per bias.
    pub fn extrapolation_figure(&self) -> Figure {
        let mut panels = Vec::new();
        for &(label, _) in &self.config.extrapolation_widths {
            for &p in &self.config.surfaces {
                let series = self
                    .config
                    .biases
                    .iter()
                    .map(|&b| {
                        let pts = self
                            .extrapolation
                            .iter()
                            .filter(|r| r.surface == p && r.bias == b && r.width_label == label)
                            .map(|r| (r.budget, r.relative_error()))
                            .collect();
                        Series::line(b, pts, bias_color(b)).with_markers()
                    })
                    .collect();
                panels.push(Panel {
                    title: format!("{} — {label}", p.name()),
                    x_label: "compute budget C (FLOPs)".into(),
                    y_label: "D* relative error".into(),
                    x_log: true,
                    series,
                    legend: LegendPosition::None,
                    ..Panel::default()
                });
            }
        }
        // Noise-free data: VPNLS recovers the surface to rounding, and the
        // title says so rather than let the noise read as a trend.
        // A NaN or infinite error fails the `<` and makes no claim.
        let exact = !self.extrapolation.is_empty()
            && self
                .extrapolation
                .iter()
                .all(|r| r.relative_error().abs() < super::ROUNDING);
        let reading = if exact {
            let largest = self
                .extrapolation
                .iter()
                .map(|r| r.relative_error().abs())
                .fold(0.0, f64::max);
            format!(
                "; every |error| ≤ {}: floating-point rounding, the surface is recovered exactly",
                crate::io::fmt_sig(largest, 2)
            )
        } else {
            String::new()
        };
        let mut fig = Figure::new(
            format!(
                "Experiment 5: D* extrapolated from the VPNLS surface (fit on 1e17…1e21{reading})"
            ),
            self.config.extrapolation_widths.len(),
            self.config.surfaces.len(),
            panels,
        );
        fig.panel_size = (480, 360);
        fig.shared_legend = true;
        fig
    }

    /// Everything to write.
    pub fn files(&self) -> super::ExperimentFiles {
        super::ExperimentFiles {
            tables: vec![
                ("parameter_recovery".into(), self.recovery_table()),
                ("extrapolation".into(), self.extrapolation_table()),
                ("method_comparison".into(), self.comparison_table()),
                ("method_summary".into(), self.summary_table()),
            ],
            figures: vec![
                ("parameter_recovery".into(), self.recovery_figure()),
                ("extrapolation".into(), self.extrapolation_figure()),
                ("method_comparison".into(), self.comparison_figure()),
            ],
            report: self.report(),
        }
    }

    /// A text report: worst errors of (a) and (b), and (c)'s summary.
    pub fn report(&self) -> String {
        let mut s =
            String::from("Experiment 5 — parameter recovery by surface fitting (noise-free)\n\n");
        s.push_str("(a) default VPNLS (32×32 grid + Levenberg–Marquardt), all surfaces × biases × widths\n");
        for &p in &self.config.surfaces {
            let rows: Vec<&RecoveryRow> = self.recovery.iter().filter(|r| r.surface == p).collect();
            let worst = rows
                .iter()
                .flat_map(|r| r.errors.iter().map(|e| e.abs()))
                .fold(0.0, f64::max);
            let not_conv = rows.iter().filter(|r| r.status != "converged").count();
            s.push_str(&format!(
                "  {:<11} max |relative error| over all five parameters {:.2e}; fits not converged: {}/{}\n",
                p.name(),
                worst,
                not_conv,
                rows.len()
            ));
        }
        s.push_str("\n(b) D* extrapolated to 1e22…1e25 from the fitted surface\n");
        for &p in &self.config.surfaces {
            let worst = self
                .extrapolation
                .iter()
                .filter(|r| r.surface == p)
                .map(|r| r.relative_error().abs())
                .fold(0.0, f64::max);
            s.push_str(&format!(
                "  {:<11} max |D* relative error| {worst:.2e}\n",
                p.name()
            ));
        }
        s.push_str("\n(c) methods on unbiased data: max |relative error| (E, A, B, α, β); fits converged, failed (no answer: abnormal, max_iter, failed), at a bound, ended on a grid point (the grid method's unrefined answer: drawn, not converged); iterations mean / median / max\n");
        for m in self.method_summaries() {
            s.push_str(&format!(
                "  {:<11} {:<40} {:>9.1e} {:>9.1e} {:>9.1e} {:>9.1e} {:>9.1e}  converged {:>2}/{:<2} failures {:>2} bound hits {:>2} grid points {:>2}  iterations {:>7.1} / {:>6.1} / {:>5}\n",
                m.surface.name(),
                m.method,
                m.max_abs_error[0],
                m.max_abs_error[1],
                m.max_abs_error[2],
                m.max_abs_error[3],
                m.max_abs_error[4],
                m.converged,
                m.fits,
                m.failures,
                m.bound_hits,
                m.grid_points,
                m.mean_iterations,
                m.median_iterations,
                m.max_iterations
            ));
        }
        s
    }
}

/// The median of counts (the mean of the middle two for an even number; 0
/// for none).
fn median(mut v: Vec<usize>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m] as f64
    } else {
        (v[m - 1] + v[m]) as f64 / 2.0
    }
}

fn symbol(name: &str) -> &str {
    match name {
        "alpha" => "α",
        "beta" => "β",
        other => other,
    }
}
