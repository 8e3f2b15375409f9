//! Residuals and FLOP factors (the reference study's Experiment 12): per
//! experiment, Approach 3 on the clean points with and without the log
//! loss; the residuals L_obs − L_pred per budget; then per budget the FLOP
//! factor k in C = k·N·D that best explains the losses, and the residuals
//! after that adjustment.

use nalgebra::RealField;

use crate::fitters::SurfaceFit;
use crate::io::{fmt_f64, Table};
use crate::models::LossSurface;
use crate::plots::{Figure, LegendPosition, Panel, Series};
use crate::sampling::IsoflopPoint;

use super::fits::fit_approach3_from_grid;
use super::{fitted_surface, Experiment, StudyError, StudyFiles};
use crate::fitters::SurfaceData;

mod figures;

/// The experiments of the residual study, in report order.
pub const RESIDUAL_EXPERIMENTS: [&str; 6] = [
    "epochai_chinchilla__massivetext__chinchilla",
    "llama_3__raw_loss",
    "marin_202603__comma__llama_2",
    "marin_202603__dclm__llama_2",
    "marin_202603__nemotron__llama_2",
    "misfitting__fineweb_c4__transformer",
];

/// The least-squares κ of one budget: with `r_i = L_i − E − A·N_i^−α` and
/// `g_i = B·N_i^β/C^β`, `κ = Σ r_i g_i / Σ g_i²` minimises
/// `Σ (r_i − κ g_i)²`; the FLOP factor is `k = κ^(1/β)` (so that
/// `B·(C/(kN))^−β = κ·g`).
///
/// # Derivation
/// `proofs/14_isoflop_studies.md` §14.3; checked by
/// `isoflops::flop_factor_recovers_the_factor_that_generated_the_data`
/// (f64 and 256 bits).
///
/// Returns `(κ, k)`; `k` is NaN when κ ≤ 0 (the caller reports it).
///
/// ```
/// use scaling_laws::models::LossSurface;
/// use scaling_laws::studies::isoflops::residuals::flop_factor;
/// let s = LossSurface::<f64>::chinchilla();
/// let c = 1e20f64;
/// let n = [1e8, 3e8, 1e9, 3e9];
/// // Losses generated with C = 8·N·D: the fit finds k = 8.
/// let l: Vec<f64> = n.iter().map(|&n| s.loss(&n, &(c / (8.0 * n)))).collect();
/// let (_, k) = flop_factor(&s, c, &n, &l);
/// assert!((k - 8.0).abs() < 1e-9);
/// ```
pub fn flop_factor<T: RealField>(surface: &LossSurface<T>, c: T, n: &[T], loss: &[T]) -> (T, T) {
    let (mut rg, mut gg) = (T::zero(), T::zero());
    let beta = surface.beta().clone();
    for (ni, li) in n.iter().zip(loss) {
        let r = li.clone()
            - surface.e().clone()
            - surface.a().clone() * ni.clone().powf(-surface.alpha().clone());
        let g = surface.b().clone() * (ni.clone() / c.clone()).powf(beta.clone());
        rg += r * g.clone();
        gg += g.clone() * g;
    }
    let kappa = rg / gg;
    let k = if kappa > T::zero() {
        kappa.clone().powf(T::one() / beta)
    } else {
        T::zero() / T::zero()
    };
    (kappa, k)
}

/// One experiment's residual study.
#[derive(Debug, Clone)]
pub struct ResidualStudy {
    /// The experiment.
    pub name: String,
    /// Approach 3 on the log loss (clean points).
    pub log_fit: SurfaceFit<f64>,
    /// Approach 3 on the loss (RSS, log-parametrised coefficients).
    pub lin_fit: SurfaceFit<f64>,
    /// Per clean point: (budget, N, residual of the log-loss fit, of the
    /// linear fit, after the per-budget FLOP factor).
    pub residuals: Vec<(f64, f64, f64, f64, f64)>,
    /// Per budget: (C, points, κ, k).
    pub factors: Vec<(f64, usize, f64, f64)>,
    /// The clean points the fits saw.
    pub points: Vec<IsoflopPoint<f64>>,
}

/// Run the residual study on one experiment's clean points.
///
/// # Errors
/// A fit's failure, or [`StudyError::NonPositiveKappa`] for a budget the
/// log-loss surface cannot explain.
pub fn residual_study(exp: &Experiment) -> Result<ResidualStudy, StudyError> {
    let pts = exp.clean_points();
    if pts.is_empty() {
        return Err(StudyError::NoPoints(exp.name.clone()));
    }
    let fit_err = |method: &str| {
        let (e, m) = (exp.name.clone(), method.to_string());
        move |source| StudyError::Fit {
            experiment: e,
            method: m,
            source,
        }
    };
    let data = SurfaceData::from_points(&pts).map_err(fit_err("surface data"))?;
    let log_fit = fit_approach3_from_grid(&data, true).map_err(fit_err("approach3 log-loss"))?;
    let lin_fit = fit_approach3_from_grid(&data, false).map_err(fit_err("approach3 rss"))?;
    let s_log = fitted_surface(&log_fit, &exp.name, "approach3 log-loss")?;
    let s_lin = fitted_surface(&lin_fit, &exp.name, "approach3 rss")?;
    let mut residuals = Vec::with_capacity(pts.len());
    let mut factors = Vec::new();
    for c in Experiment::budgets(&pts) {
        let mine: Vec<&IsoflopPoint<f64>> = pts.iter().filter(|p| p.budget == c).collect();
        let n: Vec<f64> = mine.iter().map(|p| p.n).collect();
        let l: Vec<f64> = mine.iter().map(|p| p.loss).collect();
        let (kappa, k) = flop_factor(&s_log, c, &n, &l);
        if kappa.is_nan() || kappa <= 0.0 {
            return Err(StudyError::NonPositiveKappa {
                experiment: exp.name.clone(),
                budget: c,
                kappa,
            });
        }
        factors.push((c, mine.len(), kappa, k));
        for p in mine {
            residuals.push((
                c,
                p.n,
                p.loss - s_log.loss(&p.n, &p.d),
                p.loss - s_lin.loss(&p.n, &p.d),
                p.loss - s_log.loss(&p.n, &(c / (k * p.n))),
            ));
        }
    }
    Ok(ResidualStudy {
        name: exp.name.clone(),
        log_fit,
        lin_fit,
        residuals,
        factors,
        points: pts,
    })
}

fn std_dev(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt()
}

/// Tables, figures and report of the residual study over several experiments.
pub fn residual_files(studies: &[ResidualStudy]) -> StudyFiles {
    let mut fits = Table::new(&[
        "experiment",
        "objective",
        "E",
        "A",
        "B",
        "alpha",
        "beta",
        "status",
    ]);
    let mut points = Table::new(&[
        "experiment",
        "budget",
        "N",
        "residual_log_loss",
        "residual_loss",
        "residual_flop_factor",
    ]);
    let mut factors = Table::new(&["experiment", "budget", "points", "kappa", "k"]);
    let mut report = String::from("Residuals and FLOP factors (Approach 3 on the clean points)\n");
    let mut strip_panels = Vec::new();
    let mut k_series = Vec::new();
    for (si, s) in studies.iter().enumerate() {
        for (obj, f) in [("log-loss", &s.log_fit), ("rss", &s.lin_fit)] {
            fits.push(vec![
                s.name.clone(),
                obj.into(),
                fmt_f64(f.e),
                fmt_f64(f.a),
                fmt_f64(f.b),
                fmt_f64(f.alpha),
                fmt_f64(f.beta),
                f.status.as_str().into(),
            ]);
        }
        for r in &s.residuals {
            points.push(vec![
                s.name.clone(),
                fmt_f64(r.0),
                fmt_f64(r.1),
                fmt_f64(r.2),
                fmt_f64(r.3),
                fmt_f64(r.4),
            ]);
        }
        for f in &s.factors {
            factors.push(vec![
                s.name.clone(),
                fmt_f64(f.0),
                f.1.to_string(),
                fmt_f64(f.2),
                fmt_f64(f.3),
            ]);
        }
        let col =
            |k: usize| -> Vec<f64> { s.residuals.iter().map(|r| [r.2, r.3, r.4][k]).collect() };
        let (rl, rn, ra) = (col(0), col(1), col(2));
        let ks: Vec<f64> = s.factors.iter().map(|f| f.3).collect();
        report.push_str(&format!(
            "{}: {} points, {} budgets; log-loss fit E {:.4} A {:.1} B {:.1} α {:.4} β {:.4} ({}); \
             residual sd: log-loss fit {:.4}, RSS fit {:.4}, after FLOP factor {:.4}; k from {:.2} to {:.2}\n",
            s.name,
            s.residuals.len(),
            s.factors.len(),
            s.log_fit.e,
            s.log_fit.a,
            s.log_fit.b,
            s.log_fit.alpha,
            s.log_fit.beta,
            s.log_fit.status.as_str(),
            std_dev(&rl),
            std_dev(&rn),
            std_dev(&ra),
            ks.iter().copied().fold(f64::INFINITY, f64::min),
            ks.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ));
        // Strip plot: residual (x) against the budget (y, log), one row per
        // budget; before (circles, blue) and after (orange) the FLOP factor.
        let before: Vec<(f64, f64)> = s.residuals.iter().map(|r| (r.2, r.0)).collect();
        let after: Vec<(f64, f64)> = s.residuals.iter().map(|r| (r.4, r.0 * 1.12)).collect();
        strip_panels.push(Panel {
            title: s.name.clone(),
            x_label: "residual L_obs − L_pred".into(),
            y_label: "budget C (FLOPs)".into(),
            x_log: false,
            y_log: true,
            series: vec![
                Series::markers("log-loss fit", before, 0),
                Series::markers("after FLOP factor (drawn just above)", after, 1),
            ],
            annotations: Vec::new(),
            legend: LegendPosition::None,
            ..Panel::default()
        });
        k_series.push(
            Series::line(
                s.name.clone(),
                s.factors.iter().map(|f| (f.0, f.3)).collect(),
                si,
            )
            .with_markers(),
        );
    }
    let cols = 3;
    let rows = strip_panels.len().div_ceil(cols).max(1);
    let mut strip = Figure::new(
        "Residuals per budget: Approach 3 (log loss), before and after the per-budget FLOP factor",
        rows,
        cols,
        strip_panels,
    );
    strip.shared_legend = true;
    let (lo, hi) = studies
        .iter()
        .flat_map(|s| s.factors.iter().map(|f| f.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), c| {
            (l.min(c), h.max(c))
        });
    k_series.push(Series::line("k = 6", vec![(lo, 6.0), (hi, 6.0)], 7).dashed());
    let mut k_fig = Figure::new(
        "FLOP factor k in C = k·N·D that best explains each budget's losses",
        1,
        1,
        vec![Panel {
            title: "Approach 3 (log-loss) surface per study; k = 6 dashed".into(),
            x_label: "budget C (FLOPs)".into(),
            y_label: "k".into(),
            x_log: true,
            y_log: false,
            series: k_series,
            annotations: Vec::new(),
            legend: LegendPosition::None,
            ..Panel::default()
        }],
    );
    k_fig.panel_size = (900, 520);
    k_fig.shared_legend = true;
    StudyFiles {
        tables: vec![
            ("residual_fits".into(), fits),
            ("residuals".into(), points),
            ("flop_factors".into(), factors),
            ("residuals_summary".into(), figures::summary_table(studies)),
        ],
        figures: [
            ("residuals".to_string(), strip),
            ("flop_factors".to_string(), k_fig),
        ]
        .into_iter()
        .chain(figures::reference_figures(studies))
        .collect(),
        report,
    }
}
