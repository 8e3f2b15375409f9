//! Fits of the published IsoFLOP experiments with bootstrap intervals:
//! Approach 2 (exponents and intercepts), the corrected Approach 2 (exact
//! IsoFLOP profiles, `fitters::approach2_corrected`), Approach 3 on the log
//! loss from an 8⁵ grid, VPNLS, and the compute-optimal allocation each
//! implies at a budget.

use crate::analysis::bootstrap::{
    percentile_interval, resample_groups, resample_within_groups, run_replicates,
};
use crate::fitters::approach2::Approach2Error;
use crate::fitters::approach2_corrected::{
    fit_approach2_corrected, CorrectedError, CorrectedFit, CorrectedParams,
};
use crate::fitters::VpnlsParams;
use crate::fitters::{
    fit_approach2, fit_approach3, fit_grid5, fit_vpnls, Approach2Fit, Approach3Params,
    Approach3Start, FitError, FitStatus, Grid5Params, Objective, PowerLaw, SurfaceData, SurfaceFit,
};
use crate::models::LossSurface;
use crate::plots::palette::{
    budget_colors, budget_in_legend, BLACK, MAX_DISTINCT_BUDGETS, REFERENCE,
};
use crate::plots::{Figure, LegendPosition, Marker, Panel, Series};
use crate::sampling::noise::Rng;
use crate::sampling::IsoflopPoint;

use super::{Experiment, StudyError};

/// The budget at which the allocations are reported by default (FLOPs).
pub const DEFAULT_BUDGET: f64 = 1e24;

/// Coverage of the bootstrap intervals.
pub const INTERVAL_LEVEL: f64 = 0.95;

/// The 8⁵ starting grid of Approach 3 (the reference study's, scored by RSS
/// on L): E ∈ linspace(0.1, 5, 8), A, B ∈ logspace(1, 6, 8), α, β ∈
/// linspace(0.05, 0.95, 8).
pub fn approach3_grid() -> Grid5Params {
    Grid5Params {
        points_per_axis: 8,
        lo: [0.1, 10.0, 10.0, 0.05, 0.05],
        hi: [5.0, 1e6, 1e6, 0.95, 0.95],
    }
}

/// Approach 3 as the studies run it: the best point of [`approach3_grid`]
/// by RSS, then L-BFGS-B on the log loss (`log_loss = true`) or on RSS in
/// log-parametrised coefficients (`false`), with analytic gradients.
///
/// # Errors
/// The fitters' [`FitError`].
pub fn fit_approach3_from_grid(
    data: &SurfaceData<f64>,
    log_loss: bool,
) -> Result<SurfaceFit<f64>, FitError> {
    let g = fit_grid5(data, &approach3_grid())?;
    let objective = if log_loss {
        Objective::LogLoss
    } else {
        Objective::RssLogParams
    };
    fit_approach3(
        data,
        &Approach3Params {
            objective,
            start: Approach3Start::Point([g.e, g.a, g.b, g.alpha, g.beta]),
            ..Approach3Params::default()
        },
    )
}

/// How the bootstrap resamples an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resample {
    /// Points drawn with replacement within each budget (budgets keep their sizes).
    #[default]
    WithinBudgets,
    /// Whole budgets drawn with replacement.
    Budgets,
}

impl Resample {
    /// `within-budgets` or `budgets`.
    pub fn name(self) -> &'static str {
        match self {
            Resample::WithinBudgets => "within-budgets",
            Resample::Budgets => "budgets",
        }
    }

    /// The point indices of one resample of `groups` (point indices per budget).
    pub fn draw(self, rng: &mut Rng, groups: &[Vec<usize>]) -> Vec<usize> {
        match self {
            Resample::WithinBudgets => resample_within_groups(rng, groups),
            Resample::Budgets => resample_groups(rng, groups),
        }
    }
}

/// Settings of [`fit_experiment`].
#[derive(Debug, Clone, PartialEq)]
pub struct FitSettings {
    /// The budget of the reported allocations.
    pub budget: f64,
    /// Bootstrap replicates (0: none).
    pub bootstrap: usize,
    /// The bootstrap seed.
    pub seed: u64,
    /// How to resample.
    pub resample: Resample,
    /// Use only the points QC left clean.
    pub exclude_outliers: bool,
}

impl Default for FitSettings {
    fn default() -> Self {
        Self {
            budget: DEFAULT_BUDGET,
            bootstrap: 0,
            seed: 0,
            resample: Resample::WithinBudgets,
            exclude_outliers: false,
        }
    }
}

/// The methods of a study, in report order.
pub const METHODS: [&str; 4] = ["approach2", "approach2_corrected", "approach3", "vpnls"];

/// The keys of the corrected Approach 2 in [`Estimates::numbers`].
pub const CORRECTED_KEYS: [&str; 6] = ["a", "b", "a_intercept", "b_intercept", "alpha", "beta"];

/// The point estimates of one data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimates {
    /// Approach 2 on the budgets it can fit ([`fit_approach2_per_budget`]),
    /// or why it cannot run on any: its failure never stops the other
    /// methods.
    pub approach2: Result<Approach2Fit<f64>, Approach2Error>,
    /// The budgets Approach 2 (and with it the corrected method) dropped,
    /// each with the reason.
    pub dropped_budgets: Vec<(f64, Approach2Error)>,
    /// The corrected Approach 2, or why it cannot run on this data (fewer
    /// than 5 distinct sizes on every budget, a profile without a minimum):
    /// its failure never stops the other methods.
    pub approach2_corrected: Result<CorrectedFit<f64>, CorrectedError>,
    /// Approach 3 on the log loss from the 8⁵ grid.
    pub approach3: SurfaceFit<f64>,
    /// VPNLS (32² grid, Levenberg–Marquardt).
    pub vpnls: SurfaceFit<f64>,
}

/// `N*` and `D*` of a surface fit at compute C (C = 6ND).
pub fn surface_allocation(f: &SurfaceFit<f64>, c: f64) -> (f64, f64) {
    match LossSurface::new(f.e, f.a, f.b, f.alpha, f.beta) {
        Ok(s) => (s.n_opt(&c), s.d_opt(&c)),
        Err(_) => (f64::NAN, f64::NAN),
    }
}

/// `N*` and `D*` of Approach 2's power laws at compute C.
pub fn approach2_allocation(f: &Approach2Fit<f64>, c: f64) -> (f64, f64) {
    laws_allocation(&f.n_law, &f.d_law, c)
}

/// `N*` and `D*` of a pair of power laws `log10 N* = a0 + a·log10 C` (and
/// the same for D) at compute C.
fn laws_allocation(n: &PowerLaw<f64>, d: &PowerLaw<f64>, c: f64) -> (f64, f64) {
    (10f64.powf(n.log10_at(&c)), 10f64.powf(d.log10_at(&c)))
}

impl Estimates {
    /// Every reported number as (method or `allocation.<method>`, key,
    /// value), in a fixed order (the order of the bootstrap intervals).
    /// A surface fit that did not converge contributes NaN.
    pub fn numbers(&self, budget: f64) -> Vec<(String, &'static str, f64)> {
        let mut v = Vec::with_capacity(36);
        let a2 = self.approach2.as_ref().ok();
        let law = |f: fn(&Approach2Fit<f64>) -> f64| a2.map_or(f64::NAN, f);
        for (k, x) in [
            ("a", law(|f| f.n_law.exponent)),
            ("b", law(|f| f.d_law.exponent)),
            ("a_intercept", law(|f| f.n_law.intercept)),
            ("b_intercept", law(|f| f.d_law.intercept)),
        ] {
            v.push(("approach2".to_string(), k, x));
        }
        let corrected = self.approach2_corrected.as_ref().ok();
        let cv = corrected.map_or([f64::NAN; 6], |f| {
            [
                f.n_law.exponent,
                f.d_law.exponent,
                f.n_law.intercept,
                f.d_law.intercept,
                f.alpha,
                f.beta,
            ]
        });
        for (k, x) in CORRECTED_KEYS.into_iter().zip(cv) {
            v.push(("approach2_corrected".to_string(), k, x));
        }
        for (m, f) in [("approach3", &self.approach3), ("vpnls", &self.vpnls)] {
            let ok = f.status == FitStatus::Converged;
            let s = f.alpha + f.beta;
            for (k, x) in [
                ("E", f.e),
                ("A", f.a),
                ("B", f.b),
                ("alpha", f.alpha),
                ("beta", f.beta),
                ("a", f.beta / s),
                ("b", f.alpha / s),
            ] {
                v.push((m.to_string(), k, if ok { x } else { f64::NAN }));
            }
        }
        let alloc = [
            a2.map_or((f64::NAN, f64::NAN), |f| approach2_allocation(f, budget)),
            corrected.map_or((f64::NAN, f64::NAN), |f| {
                laws_allocation(&f.n_law, &f.d_law, budget)
            }),
            surface_allocation(&self.approach3, budget),
            surface_allocation(&self.vpnls, budget),
        ];
        let ok = [
            a2.is_some(),
            corrected.is_some(),
            self.approach3.status == FitStatus::Converged,
            self.vpnls.status == FitStatus::Converged,
        ];
        for ((m, (n, d)), ok) in METHODS.iter().zip(alloc).zip(ok) {
            let g = format!("allocation.{m}");
            let (n, d) = if ok { (n, d) } else { (f64::NAN, f64::NAN) };
            v.push((g.clone(), "n_opt", n));
            v.push((g.clone(), "d_opt", d));
            v.push((g, "tokens_per_param", d / n));
        }
        v
    }
}

/// Approach 2 per budget: the fit (or why none is possible), the dropped
/// budgets with their reasons, and the points kept.
pub type PerBudgetFit = (
    Result<Approach2Fit<f64>, Approach2Error>,
    Vec<(f64, Approach2Error)>,
    Vec<IsoflopPoint<f64>>,
);

/// Approach 2 on every budget it can fit: a budget whose parabola cannot
/// be fitted (too few points, fewer than 3 distinct sizes, a curvature at
/// rounding level or not positive) is dropped with its reason, and the fit
/// runs on the rest; the result is the fit (or why none is possible: fewer
/// than 2 budgets left, a bad point) and the dropped budgets in the order
/// they were found.
pub fn fit_approach2_per_budget(points: &[IsoflopPoint<f64>]) -> PerBudgetFit {
    let mut kept = points.to_vec();
    let mut dropped = Vec::new();
    loop {
        match fit_approach2(&kept) {
            Err(e) => {
                let budget = match &e {
                    Approach2Error::TooFewPoints { budget, .. }
                    | Approach2Error::Degenerate { budget, .. }
                    | Approach2Error::CurvatureAtRoundingLevel { budget, .. }
                    | Approach2Error::NonPositiveCurvature { budget, .. } => Some(*budget),
                    _ => None,
                };
                match budget {
                    Some(c) if kept.iter().any(|p| p.budget == c) => {
                        kept.retain(|p| p.budget != c);
                        dropped.push((c, e));
                    }
                    _ => return (Err(e), dropped, kept),
                }
            }
            ok => return (ok, dropped, kept),
        }
    }
}

/// Fit the four methods to `points` of `experiment`: VPNLS and Approach 3
/// on every point; Approach 2 and the corrected Approach 2 on the budgets
/// Approach 2 can fit ([`fit_approach2_per_budget`]; the dropped budgets are
/// in [`Estimates::dropped_budgets`]).
///
/// # Errors
/// [`StudyError::Fit`] naming the experiment when a surface fit fails.
/// Approach 2's and the corrected Approach 2's failures are kept in
/// [`Estimates`], not returned.
pub fn estimate(points: &[IsoflopPoint<f64>], experiment: &str) -> Result<Estimates, StudyError> {
    let (approach2, dropped_budgets, kept) = fit_approach2_per_budget(points);
    let fit_err = |method: &str| {
        let experiment = experiment.to_string();
        let method = method.to_string();
        move |source| StudyError::Fit {
            experiment,
            method,
            source,
        }
    };
    let data = SurfaceData::from_points(points).map_err(fit_err("surface data"))?;
    let approach3 = fit_approach3_from_grid(&data, true).map_err(fit_err("approach3"))?;
    let vpnls = fit_vpnls(&data, &VpnlsParams::default()).map_err(fit_err("vpnls"))?;
    Ok(Estimates {
        approach2,
        dropped_budgets,
        approach2_corrected: fit_approach2_corrected(&kept, &CorrectedParams::default()),
        approach3,
        vpnls,
    })
}

/// Point indices grouped by budget (budgets in increasing order).
pub fn budget_groups(points: &[IsoflopPoint<f64>]) -> Vec<Vec<usize>> {
    Experiment::budgets(points)
        .into_iter()
        .map(|c| {
            (0..points.len())
                .filter(|&i| points[i].budget == c)
                .collect()
        })
        .collect()
}

/// Bootstrap of any statistic of an experiment's points: `replicates`
/// resamples (seeded per replicate, so the result does not depend on the
/// thread count), each mapped by `stat` (None: a resample the statistic
/// cannot be computed on, dropped). Returns the replicates' values.
pub fn bootstrap_points<T, F>(
    points: &[IsoflopPoint<f64>],
    resample: Resample,
    replicates: usize,
    seed: u64,
    stat: F,
) -> Vec<T>
where
    T: Send,
    F: Fn(&[IsoflopPoint<f64>]) -> Option<T> + Sync,
{
    let groups = budget_groups(points);
    run_replicates(replicates, seed, |rng| {
        let idx = resample.draw(rng, &groups);
        let pts: Vec<IsoflopPoint<f64>> = idx.iter().map(|&i| points[i].clone()).collect();
        stat(&pts)
    })
}

/// Percentile intervals per column of `rows` (each row one replicate's
/// numbers); a column with no finite value gets `None`. Also the count of
/// finite values per column.
pub fn column_intervals(rows: &[Vec<f64>], width: usize) -> Vec<(Option<[f64; 2]>, usize)> {
    (0..width)
        .map(|k| {
            let col: Vec<f64> = rows.iter().map(|r| r[k]).collect();
            let finite = col.iter().filter(|x| x.is_finite()).count();
            (percentile_interval(&col, INTERVAL_LEVEL), finite)
        })
        .collect()
}

/// One experiment fitted: the estimates, their numbers, and (with a
/// bootstrap) an interval per number.
#[derive(Debug, Clone)]
pub struct ExperimentFit {
    /// The experiment.
    pub name: String,
    /// Points used.
    pub points: usize,
    /// Budgets used.
    pub budgets: usize,
    /// The point estimates.
    pub estimates: Estimates,
    /// The budget of the allocations.
    pub budget: f64,
    /// `(group, key, value)` per reported number.
    pub numbers: Vec<(String, &'static str, f64)>,
    /// Per number, the percentile interval and how many replicates gave a
    /// finite value (empty without a bootstrap).
    pub intervals: Vec<(Option<[f64; 2]>, usize)>,
    /// Replicates run.
    pub replicates: usize,
    /// The figure: points, fitted curves, parabolas, optima.
    pub figure: Figure,
}

/// Fit one experiment (all its points, or only the clean ones).
///
/// # Errors
/// [`StudyError::BadSetting`] for a non-positive budget,
/// [`StudyError::NoPoints`], or a fit's failure on the full data. Failures
/// on a bootstrap resample only drop that replicate's numbers (NaN).
pub fn fit_experiment(
    exp: &Experiment,
    settings: &FitSettings,
) -> Result<ExperimentFit, StudyError> {
    fit_experiment_with(exp, settings, &crate::progress::Silent)
}

/// [`fit_experiment`], reporting one stage named after the experiment with
/// one unit for the fits on the full data and one per bootstrap replicate.
///
/// # Errors
/// As [`fit_experiment`].
pub fn fit_experiment_with(
    exp: &Experiment,
    settings: &FitSettings,
    progress: &dyn crate::progress::Progress,
) -> Result<ExperimentFit, StudyError> {
    progress.start(&exp.name, 1 + settings.bootstrap as u64);
    let result = fit_experiment_inner(exp, settings, progress);
    progress.finish(&exp.name);
    result
}

fn fit_experiment_inner(
    exp: &Experiment,
    settings: &FitSettings,
    progress: &dyn crate::progress::Progress,
) -> Result<ExperimentFit, StudyError> {
    if !(settings.budget > 0.0 && settings.budget.is_finite()) {
        return Err(StudyError::BadSetting {
            name: "budget",
            must: "positive and finite",
            value: settings.budget,
        });
    }
    let points = if settings.exclude_outliers {
        exp.clean_points()
    } else {
        exp.points.clone()
    };
    if points.is_empty() {
        return Err(StudyError::NoPoints(exp.name.clone()));
    }
    let estimates = {
        let _tick = crate::progress::Tick(progress);
        estimate(&points, &exp.name)?
    };
    let numbers = estimates.numbers(settings.budget);
    let width = numbers.len();
    let intervals = if settings.bootstrap > 0 {
        let rows = bootstrap_points(
            &points,
            settings.resample,
            settings.bootstrap,
            settings.seed,
            |pts| {
                let _tick = crate::progress::Tick(progress);
                Some(replicate_numbers(pts, settings.budget, width))
            },
        );
        column_intervals(&rows, width)
    } else {
        Vec::new()
    };
    let figure = fit_figure(&exp.name, &points, &estimates);
    Ok(ExperimentFit {
        name: exp.name.clone(),
        points: points.len(),
        budgets: Experiment::budgets(&points).len(),
        estimates,
        budget: settings.budget,
        numbers,
        intervals,
        replicates: settings.bootstrap,
        figure,
    })
}

/// The numbers of one resample; each method that fails contributes NaN.
fn replicate_numbers(pts: &[IsoflopPoint<f64>], budget: f64, width: usize) -> Vec<f64> {
    let nan_fit = || SurfaceFit::from_parameters([f64::NAN; 5], f64::NAN, FitStatus::Abnormal, 0);
    let data = SurfaceData::from_points(pts).ok();
    let (approach2, dropped_budgets, kept) = fit_approach2_per_budget(pts);
    let est = Estimates {
        approach2,
        dropped_budgets,
        approach2_corrected: fit_approach2_corrected(&kept, &CorrectedParams::default()),
        approach3: data
            .as_ref()
            .and_then(|d| fit_approach3_from_grid(d, true).ok())
            .unwrap_or_else(nan_fit),
        vpnls: data
            .as_ref()
            .and_then(|d| fit_vpnls(d, &VpnlsParams::default()).ok())
            .unwrap_or_else(nan_fit),
    };
    let v: Vec<f64> = est.numbers(budget).into_iter().map(|t| t.2).collect();
    debug_assert_eq!(v.len(), width);
    v
}

/// The figure of one experiment: loss against N per budget, the VPNLS
/// surface along each budget's IsoFLOP curve, Approach 2's parabolas, and
/// both methods' optima.
pub fn fit_figure(name: &str, points: &[IsoflopPoint<f64>], est: &Estimates) -> Figure {
    let budgets = Experiment::budgets(points);
    let surface = LossSurface::new(
        est.vpnls.e,
        est.vpnls.a,
        est.vpnls.b,
        est.vpnls.alpha,
        est.vpnls.beta,
    )
    .ok();
    let mut series = Vec::new();
    let mut a2_opt = Vec::new();
    let mut vp_opt = Vec::new();
    let colors = budget_colors(budgets.len());
    for (k, &c) in budgets.iter().enumerate() {
        let pts: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.budget == c)
            .map(|p| (p.n, p.loss))
            .collect();
        let (lo, hi) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| {
                (l.min(p.0), h.max(p.0))
            });
        // Black is left to the optima; many budgets run along the ramp,
        // a few of them named in the legend.
        let label = if budget_in_legend(k, budgets.len()) {
            format!("C = {}", crate::plots::tick_label(c))
        } else {
            String::new()
        };
        let k = colors[k];
        series.push(Series::markers(label, pts, k));
        let grid: Vec<f64> = (0..=60)
            .map(|i| 10f64.powf(lo.log10() + (hi.log10() - lo.log10()) * i as f64 / 60.0))
            .collect();
        if let Some(s) = &surface {
            let curve = grid
                .iter()
                .map(|&n| (n, s.loss(&n, &(c / (6.0 * n)))))
                .collect();
            series.push(Series::line("", curve, k));
            vp_opt.push((s.n_opt(&c), s.loss_opt(&c)));
        }
        let vertices = est.approach2.as_ref().map_or(&[][..], |f| &f.vertices[..]);
        if let Some(v) = vertices.iter().find(|v| v.budget == c) {
            let curve = grid
                .iter()
                .map(|&n| {
                    let u = n.log10() - v.log10_n_opt;
                    (n, v.loss_at_vertex + v.n_curvature * u * u)
                })
                .collect();
            series.push(Series::line("", curve, k).dashed());
            a2_opt.push((10f64.powf(v.log10_n_opt), v.loss_at_vertex));
        }
    }
    // The optima in black (no budget's colour), each its own shape, drawn
    // over the curves; the line styles get legend entries of their own.
    series.push(
        Series::markers("VPNLS optimum", vp_opt, BLACK)
            .marker(Marker::Triangle)
            .size(5),
    );
    series.push(
        Series::markers("Approach 2 vertex", a2_opt, BLACK)
            .marker(Marker::Diamond)
            .size(6)
            .hollow(),
    );
    series.push(Series::line("VPNLS surface", Vec::new(), REFERENCE));
    series.push(Series::line("Approach 2 parabola", Vec::new(), REFERENCE).dashed());
    let panel = Panel {
        title: String::new(),
        x_label: "parameters N".into(),
        y_label: "loss L".into(),
        x_log: true,
        y_log: true,
        series,
        annotations: vec![format!(
            "a: Approach 2 {:.4}, VPNLS {:.4}",
            est.approach2
                .as_ref()
                .map_or(f64::NAN, |f| f.n_law.exponent),
            est.vpnls.beta / (est.vpnls.alpha + est.vpnls.beta)
        )],
        legend: LegendPosition::None,
        ..Panel::default()
    };
    let ramp = if budgets.len() > MAX_DISTINCT_BUDGETS {
        format!("; {} budgets, dark to light by C", budgets.len())
    } else {
        String::new()
    };
    let mut fig = Figure::new(
        format!("IsoFLOP fits: {name} ({} points{ramp})", points.len()),
        1,
        1,
        vec![panel],
    );
    fig.panel_size = (900, 640);
    fig.shared_legend = true;
    fig
}
