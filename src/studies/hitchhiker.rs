//! The training-curve ("Hitchhiker") analysis: the published tool's fit of
//! `L(N, D) = e^E + e^A·N^α + e^B·D^β` through per-size training curves,
//! checked by VPNLS, with seeded bootstrap intervals and warnings when the
//! data cannot determine a parameter (proofs/13 §13.6–13.8,
//! `specs/hitchhiker.md`).

use std::path::PathBuf;

use nalgebra::DMatrix;
use thiserror::Error;

use crate::analysis::bootstrap::{
    percentile_interval, resample_groups, resample_within_groups, run_replicates,
};
use crate::fitters::training_curve::{
    fit_training_curve, fit_training_curve_warm, smooth_l1, smooth_l1_hessian, CurvePoints,
    TrainingCurveFit, TrainingCurveParams,
};
use crate::fitters::vpnls::{fit_vpnls, VpnlsParams};
use crate::fitters::{FitError, FitStatus, SurfaceData, SurfaceFit};
use crate::io::training_curves::{read_curves, CurveError, CurveOptions, CurveSet};
use crate::models::TrainingCurveLaw;
use crate::plots::{Figure, Panel, Series};

/// N must span at least this factor for α (and A) to be reported as
/// identified: below it ln N varies by less than ln 3 ≈ 1.1, and the N
/// term is nearly collinear with the constant e^E (the criterion).
pub const MIN_N_SPAN: f64 = 3.0;

/// The correlation-scaled Hessian (unit diagonal) is near-singular when its
/// smallest eigenvalue is below this (condition number above ~5e8, the
/// largest eigenvalue being at most 5): along that direction a change of
/// 1e-4 in scaled parameters moves the objective by less than 1e-8·(a change
/// in any single parameter alone would), so the data fix only a combination
/// of parameters, not each of them (proofs/13 §13.6).
pub const MIN_SCALED_CURVATURE: f64 = 1e-8;

/// Relative margin by which one fit's solution must beat the other's on the
/// other's own objective to count as a disagreement: both fits stop with the
/// objective resolved far better than this (L-BFGS to a gradient ≤ 1e-8,
/// Levenberg–Marquardt to rounding), so a larger gap is a different optimum,
/// not a stopping error (proofs/13 §13.7).
pub const AGREEMENT_TOLERANCE: f64 = 1e-6;

/// How bootstrap resamples are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resample {
    /// Checkpoints within each curve, with replacement (curves keep their sizes).
    Checkpoints,
    /// Whole curves, with replacement.
    Curves,
}

impl Resample {
    /// `checkpoints` or `curves`.
    pub fn as_str(self) -> &'static str {
        match self {
            Resample::Checkpoints => "checkpoints",
            Resample::Curves => "curves",
        }
    }
}

/// Settings of [`analyse_training_curves`].
#[derive(Debug, Clone, PartialEq)]
pub struct HitchhikerSettings {
    /// The fit (the published tool's settings by default).
    pub fit: TrainingCurveParams,
    /// The VPNLS cross-check: exponents searched on [0.02, 2.5], refined in
    /// [0.005, 3] (wider than the Chinchilla-scale default: training-curve
    /// exponents reach 0.8 and beyond).
    pub vpnls: VpnlsParams,
    /// Bootstrap replicates (0: no intervals).
    pub replicates: usize,
    /// How resamples are drawn.
    pub resample: Resample,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Coverage of the intervals.
    pub level: f64,
}

impl Default for HitchhikerSettings {
    fn default() -> Self {
        Self {
            fit: TrainingCurveParams::default(),
            vpnls: VpnlsParams {
                grid_range: (0.02, 2.5),
                bounds: (0.005, 3.0),
                ..VpnlsParams::default()
            },
            replicates: 200,
            resample: Resample::Checkpoints,
            seed: 0,
            level: 0.95,
        }
    }
}

/// The analysis' overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitchhikerStatus {
    /// The fit converged and every parameter is identified.
    Converged,
    /// The fit converged but an identifiability warning fired: the numbers
    /// are an optimum of the objective, not trustworthy estimates.
    NotIdentified,
    /// The fit itself did not converge (`max_iter` or `abnormal`).
    NotConverged(FitStatus),
}

impl HitchhikerStatus {
    /// `converged`, `not_identified`, or the fit's status.
    pub fn as_str(self) -> &'static str {
        match self {
            HitchhikerStatus::Converged => "converged",
            HitchhikerStatus::NotIdentified => "not_identified",
            HitchhikerStatus::NotConverged(s) => s.as_str(),
        }
    }
}

/// The VPNLS fit of the same data, mapped to the training-curve parametrisation.
#[derive(Debug, Clone, PartialEq)]
pub struct VpnlsCheck {
    /// The surface fit (E, A, B ≥ 0, α, β > 0).
    pub surface: SurfaceFit<f64>,
    /// The same law as (ln E, ln A, ln B, −α, −β); `None` when NNLS pinned a
    /// coefficient at 0 (its log is −∞).
    pub law: Option<TrainingCurveLaw<f64>>,
    /// The SmoothL1 objective at the VPNLS law.
    pub smooth_l1: f64,
    /// The RSS of the training-curve fit (to compare with `surface.rss`).
    pub rss_of_fit: f64,
}

/// Percentile intervals of the parameters from the bootstrap.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals {
    /// Coverage.
    pub level: f64,
    /// Replicates asked for.
    pub replicates: usize,
    /// Replicates whose fit converged or ended on the exponent box (the
    /// constrained optimum, as the full fit may; the intervals are over these).
    pub used: usize,
    /// Of these, how many ended on the exponent box.
    pub at_bound: usize,
    /// How resamples were drawn.
    pub resample: Resample,
    /// (E, A, B, α, β, e^E), each `[lo, hi]`; `None` when no replicate converged.
    pub bounds: Option<[[f64; 2]; 6]>,
}

/// Everything the analysis reports for one dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct HitchhikerResult {
    /// The published procedure's fit.
    pub fit: TrainingCurveFit,
    /// The verdict.
    pub status: HitchhikerStatus,
    /// The VPNLS cross-check, or why it failed.
    pub vpnls: Result<VpnlsCheck, FitError>,
    /// The bootstrap intervals (when asked for).
    pub intervals: Option<Intervals>,
    /// Identifiability and agreement warnings (empty when none).
    pub warnings: Vec<String>,
    /// Number of curves (distinct N).
    pub curves: usize,
    /// Smallest and largest N.
    pub n_range: [f64; 2],
    /// Robust residual scale 1.4826·MAD of the fit's residuals.
    pub noise: f64,
}

/// Why a dataset could not be analysed.
#[derive(Debug, Error)]
pub enum StudyError {
    /// The files could not be read.
    #[error(transparent)]
    Data(#[from] CurveError),
    /// The fit could not run (too few points, a single N, a non-finite end).
    #[error(transparent)]
    Fit(#[from] FitError),
}

/// The robust scale 1.4826·median|r − median r| (the standard deviation for
/// Gaussian residuals).
fn robust_scale(r: &[f64]) -> f64 {
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let k = v.len();
        if k == 0 {
            f64::NAN
        } else if k % 2 == 1 {
            v[k / 2]
        } else {
            0.5 * (v[k / 2 - 1] + v[k / 2])
        }
    };
    let m = med(&mut r.to_vec());
    1.4826 * med(&mut r.iter().map(|x| (x - m).abs()).collect())
}

const NAMES: [&str; 5] = ["E", "A", "B", "alpha", "beta"];

/// The identifiability checks of proofs/13 §13.6 at the fit.
fn identifiability(
    points: &CurvePoints<f64>,
    fit: &TrainingCurveFit,
    noise: f64,
    delta: f64,
    flat_width: f64,
) -> Vec<String> {
    let mut w = Vec::new();
    let law = &fit.law;
    let (n_lo, n_hi) = minmax(points.n());
    let (d_lo, d_hi) = minmax(points.d());
    if n_hi / n_lo < MIN_N_SPAN {
        w.push(format!(
            "alpha not identified: N spans only {:.2}x ({n_lo:.4e} … {n_hi:.4e}), less than {MIN_N_SPAN}x; alpha and A trade off against E",
            n_hi / n_lo
        ));
    }
    let t_n = |n: f64| (law.a + law.alpha * n.ln()).exp();
    let t_d = |d: f64| (law.b + law.beta * d.ln()).exp();
    let var_n = (t_n(n_hi) - t_n(n_lo)).abs();
    let var_d = (t_d(d_hi) - t_d(d_lo)).abs();
    if var_n <= noise {
        w.push(format!(
            "alpha not identified: the N term exp(A)·N^alpha varies by {var_n:.3e} over the data, not above the residual noise {noise:.3e}"
        ));
    }
    if var_d <= noise {
        w.push(format!(
            "beta not identified: the D term exp(B)·D^beta varies by {var_d:.3e} over the data, not above the residual noise {noise:.3e}"
        ));
    }
    let h = smooth_l1_hessian(points, &law.parameters(), &delta);
    let diag: Vec<f64> = (0..5).map(|i| h[(i, i)]).collect();
    if let Some(i) = diag.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        w.push(format!(
            "{} not identified: the objective has no curvature along it at the optimum (Hessian diagonal {:.3e})",
            NAMES[i], diag[i]
        ));
        return w;
    }
    let c = DMatrix::from_fn(5, 5, |i, j| h[(i, j)] / (diag[i] * diag[j]).sqrt());
    let eig = c.symmetric_eigen();
    let (k, lmin) = eig
        .eigenvalues
        .iter()
        .enumerate()
        .fold(
            (0, f64::INFINITY),
            |acc, (i, v)| if *v < acc.1 { (i, *v) } else { acc },
        );
    if lmin.is_nan() || lmin < MIN_SCALED_CURVATURE {
        let v = eig.eigenvectors.column(k);
        let mut parts: Vec<(usize, f64)> = (0..5).map(|i| (i, v[i].abs())).collect();
        parts.sort_by(|a, b| b.1.total_cmp(&a.1));
        w.push(format!(
            "Hessian near-singular: smallest eigenvalue of the correlation-scaled Hessian {lmin:.3e} (< {MIN_SCALED_CURVATURE:e}); the flat direction is mostly {} ({:.2}) and {} ({:.2})",
            NAMES[parts[0].0], parts[0].1, NAMES[parts[1].0], parts[1].1
        ));
    }
    if let Some(flat) = &fit.flat {
        for (k, name) in ["alpha", "beta"].iter().enumerate() {
            let f = &flat[k];
            if f.width() > flat_width || f.at_bound.iter().any(|b| *b) {
                let bound = match f.at_bound {
                    [true, _] => format!("; it reaches the search bound {name} = {}: the objective may keep falling beyond", f.range[0]),
                    [_, true] => format!("; it reaches the search bound {name} = {}: the objective may keep falling beyond", f.range[1]),
                    _ => String::new(),
                };
                w.push(format!(
                    "{name} not identified: {name} in [{:.4}, {:.4}] within {:e} of the minimum objective{bound}",
                    f.range[0], f.range[1], f.within
                ));
            }
        }
    }
    for (name, v) in [("A", law.a), ("B", law.b), ("E", law.e)] {
        if !v.exp().is_finite() {
            w.push(format!(
                "{name} not identified: exp({name}) overflows f64 ({name} = {v:.4e}); the fit ran off along a flat direction"
            ));
        }
    }
    for (name, v) in [("alpha", law.alpha), ("beta", law.beta)] {
        if v >= 0.0 {
            w.push(format!(
                "{name} = {v:.4} is not negative: the loss does not fall with {}",
                if name == "alpha" { "N" } else { "D" }
            ));
        }
    }
    w
}

fn minmax(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(*x), b.max(*x))
        })
}

/// VPNLS on the same points, mapped, and the agreement checks (proofs/13 §13.7).
fn vpnls_check(
    points: &CurvePoints<f64>,
    fit: &TrainingCurveFit,
    settings: &HitchhikerSettings,
    warnings: &mut Vec<String>,
) -> Result<VpnlsCheck, FitError> {
    let data = SurfaceData::new(points.n(), points.d(), points.loss())?;
    let s = fit_vpnls(&data, &settings.vpnls)?;
    let delta = settings.fit.delta;
    let law = (s.e > 0.0 && s.a > 0.0 && s.b > 0.0).then(|| {
        TrainingCurveLaw::from_parameters([s.e.ln(), s.a.ln(), s.b.ln(), -s.alpha, -s.beta])
    });
    let res_fit = points.residuals(&fit.law);
    let rss_of_fit: f64 = res_fit.iter().map(|r| r * r).sum();
    let (smooth, res_v) = match &law {
        Some(l) => (
            smooth_l1(points, &l.parameters(), &delta).0,
            points.residuals(l),
        ),
        None => {
            // E + A N^-α + B D^-β with a zero coefficient: evaluate directly.
            let r: Vec<f64> = (0..points.len())
                .map(|i| {
                    s.e + s.a * points.n()[i].powf(-s.alpha) + s.b * points.d()[i].powf(-s.beta)
                        - points.loss()[i]
                })
                .collect();
            let h: f64 = r
                .iter()
                .map(|r| {
                    if r.abs() < delta {
                        r * r / (2.0 * delta)
                    } else {
                        r.abs() - delta / 2.0
                    }
                })
                .sum::<f64>()
                / r.len() as f64;
            warnings.push(format!(
                "VPNLS pins a coefficient at 0 (E, A, B) = ({:.4e}, {:.4e}, {:.4e}): no log-space equivalent",
                s.e, s.a, s.b
            ));
            (h, r)
        }
    };
    if s.status != FitStatus::Converged {
        warnings.push(format!(
            "VPNLS cross-check ended {} (alpha = {:.4}, beta = {:.4})",
            s.status.as_str(),
            -s.alpha,
            -s.beta
        ));
    }
    // Rounding floors: each residual is resolved to ~16ε·max L, so the RSS
    // to m·(16ε·max L)² and SmoothL1 (= RSS/(2δm) inside δ) to that /(2δm).
    let l_max = points.loss().iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let m = points.len() as f64;
    let rss_floor = m * (16.0 * f64::EPSILON * l_max).powi(2);
    let worse =
        |own: f64, other: f64, floor: f64| other < own - AGREEMENT_TOLERANCE * own.abs() - floor;
    let mut disagree = false;
    if worse(fit.objective, smooth, rss_floor / (2.0 * delta * m)) {
        disagree = true;
        warnings.push(format!(
            "fits disagree: VPNLS's solution has a lower SmoothL1 objective ({smooth:.6e} < {:.6e}); the Adam + L-BFGS fit is in a worse optimum",
            fit.objective
        ));
    }
    if worse(s.rss, rss_of_fit, rss_floor) {
        disagree = true;
        warnings.push(format!(
            "fits disagree: the SmoothL1 fit has a lower RSS than VPNLS ({rss_of_fit:.6e} < {:.6e}); VPNLS is in a worse optimum (or at its exponent bounds)",
            s.rss
        ));
    }
    let inside = res_fit.iter().chain(&res_v).all(|r| r.abs() < delta);
    if let (Some(l), true, false) = (&law, inside, disagree) {
        // Every residual inside δ: the two objectives are proportional
        // (SmoothL1 = RSS/(2δm)), so the optima must coincide.
        let a = fit.law.parameters();
        let b = l.parameters();
        let rel = (0..5)
            .map(|i| (a[i] - b[i]).abs() / a[i].abs().max(b[i].abs()).max(1e-300))
            .fold(0.0f64, f64::max);
        if rel > 1e-3 {
            warnings.push(format!(
                "fits differ by {rel:.2e} (relative, largest over E, A, B, alpha, beta) although every residual is below delta and the objectives coincide: the optimum is flat"
            ));
        }
    }
    Ok(VpnlsCheck {
        surface: s,
        law,
        smooth_l1: smooth,
        rss_of_fit,
    })
}

/// Fit and analyse one dataset: the published procedure, the VPNLS
/// cross-check, bootstrap intervals (warm-started L-BFGS per replicate) and
/// the identifiability warnings.
///
/// # Errors
/// [`StudyError::Fit`] when the points cannot be fitted.
pub fn analyse_training_curves(
    set: &CurveSet,
    settings: &HitchhikerSettings,
) -> Result<HitchhikerResult, StudyError> {
    let (n, d, l) = set.points();
    let points = CurvePoints::<f64>::new(&n, &d, &l)?;
    let fit = fit_training_curve(&points, &settings.fit)?;
    let residuals = points.residuals(&fit.law);
    let noise = robust_scale(&residuals);
    let mut warnings = identifiability(
        &points,
        &fit,
        noise,
        settings.fit.delta,
        settings.fit.profile.flat_width,
    );
    let identified = warnings.is_empty();
    warnings.extend(fit.warnings.iter().cloned());
    let vpnls = vpnls_check(&points, &fit, settings, &mut warnings);
    if let Err(e) = &vpnls {
        warnings.push(format!("VPNLS cross-check failed: {e}"));
    }
    let intervals = (settings.replicates > 0).then(|| bootstrap(set, &points, &fit, settings));
    let status = match fit.status {
        FitStatus::Converged if identified => HitchhikerStatus::Converged,
        FitStatus::Converged | FitStatus::BoundHit if !identified => {
            HitchhikerStatus::NotIdentified
        }
        s => HitchhikerStatus::NotConverged(s),
    };
    let (n_lo, n_hi) = minmax(points.n());
    Ok(HitchhikerResult {
        fit,
        status,
        vpnls,
        intervals,
        warnings,
        curves: set.curves.len(),
        n_range: [n_lo, n_hi],
        noise,
    })
}

fn bootstrap(
    set: &CurveSet,
    points: &CurvePoints<f64>,
    fit: &TrainingCurveFit,
    settings: &HitchhikerSettings,
) -> Intervals {
    let groups = set.groups();
    let params = settings.fit.clone();
    let start = fit.law.parameters();
    let reps = run_replicates(settings.replicates, settings.seed, |rng| {
        let idx = match settings.resample {
            Resample::Checkpoints => resample_within_groups(rng, &groups),
            Resample::Curves => resample_groups(rng, &groups),
        };
        let sub = points.subset(&idx).ok()?;
        let f = fit_training_curve_warm(&sub, start, &params).ok()?;
        matches!(f.status, FitStatus::Converged | FitStatus::BoundHit)
            .then(|| (f.law.parameters(), f.status == FitStatus::BoundHit))
    });
    let bounds = (!reps.is_empty()).then(|| {
        std::array::from_fn(|k| {
            let v: Vec<f64> = reps
                .iter()
                .map(|(p, _)| if k < 5 { p[k] } else { p[0].exp() })
                .collect();
            percentile_interval(&v, settings.level).unwrap_or([f64::NAN; 2])
        })
    });
    Intervals {
        level: settings.level,
        replicates: settings.replicates,
        used: reps.len(),
        at_bound: reps.iter().filter(|r| r.1).count(),
        resample: settings.resample,
        bounds,
    }
}

/// The library entry point: read `(file, N)` pairs with `options` and
/// analyse them as one dataset.
///
/// # Errors
/// [`StudyError::Data`] for unreadable files, [`StudyError::Fit`].
pub fn fit_training_curve_files(
    files: &[(PathBuf, u64)],
    options: &CurveOptions,
    settings: &HitchhikerSettings,
) -> Result<(CurveSet, HitchhikerResult), StudyError> {
    let set = read_curves(files, options)?;
    let r = analyse_training_curves(&set, settings)?;
    Ok((set, r))
}

/// The figure of one dataset: each curve's checkpoints (markers) and the
/// fitted law at its N (a line), loss against tokens on log axes (the loss
/// axis is linear when the losses span less than a factor 3: a log axis
/// would squeeze them into a sliver of one decade).
pub fn curves_figure(name: &str, set: &CurveSet, r: &HitchhikerResult) -> Figure {
    let mut series = Vec::new();
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for (k, c) in set.curves.iter().enumerate() {
        let n = c.n as f64;
        let pts: Vec<(f64, f64)> = c
            .tokens
            .iter()
            .copied()
            .zip(c.loss.iter().copied())
            .collect();
        for p in &pts {
            lo = lo.min(p.1);
            hi = hi.max(p.1);
        }
        let (d0, d1) = minmax(&c.tokens);
        let line: Vec<(f64, f64)> = (0..=60)
            .map(|i| {
                let d = d0 * (d1 / d0).powf(i as f64 / 60.0);
                (d, r.fit.law.loss(&n, &d))
            })
            .collect();
        series.push(Series::markers(
            format!("N = {}", crate::io::fmt_sig(n, 3)),
            pts,
            k,
        ));
        series.push(Series::line(String::new(), line, k));
    }
    let law = &r.fit.law;
    let panel = Panel {
        // The dataset's name is the figure's title already.
        title: format!(
            "α = {:.3}, β = {:.3}, e^E = {:.3} ({})",
            law.alpha,
            law.beta,
            law.e.exp(),
            r.status.as_str()
        ),
        x_label: "tokens D".into(),
        y_label: "loss L".into(),
        x_log: true,
        y_log: hi / lo >= 3.0,
        series,
        annotations: vec!["markers: checkpoints; lines: fitted L(N, D)".into()],
        ..Panel::default()
    };
    let mut fig = Figure::new(
        format!("Training curves and the fitted law: {name}"),
        1,
        1,
        vec![panel],
    );
    fig.panel_size = (900, 600);
    fig
}
