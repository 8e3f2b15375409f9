//! The global stage and the certificate of the training-curve fit
//! (proofs/13 §13.9–13.11).

use super::profile::{basins, objective_at, Profile, ProfilePoint};
use super::{
    fit_training_curve_from, gradient_floor, smooth_l1, CurvePoints, TrainingCurveFit,
    TrainingCurveParams, CONVERGED_GRADIENT,
};
use crate::fitters::outcome::{Certificate, FitError, FitStatus, BOUND_TOLERANCE};
use crate::models::TrainingCurveLaw;

/// The SmoothL1 objective's rounding near the value `best` (proofs/13
/// §13.11): each prediction e^E + t_N + t_D − L is rounded to about
/// 4ε·max|L|, which moves the mean of h (|h'| ≤ 1) by at most that, plus the
/// rounding of the m-term sum, 2mε·|best|. A fit within this of `best` is at `best`.
pub fn certificate_tolerance(points: &CurvePoints<f64>, best: f64) -> f64 {
    let l_max = points.loss().iter().fold(0.0f64, |a, b| a.max(b.abs()));
    4.0 * f64::EPSILON * l_max + 2.0 * points.len() as f64 * f64::EPSILON * best.abs()
}

/// The law at θ as a fit: objective, gradient, and the gradient test of
/// proofs/13 §13.3 as its status (`Converged` or `Abnormal`).
fn fit_at(points: &CurvePoints<f64>, theta: [f64; 5], delta: f64) -> TrainingCurveFit {
    let f = objective_at(points, &theta, delta);
    let (_, g) = smooth_l1(points, &theta, &delta);
    let gmax = g.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let floor = gradient_floor(points, &theta, f, delta);
    let ok = gmax.is_finite() && gmax <= CONVERGED_GRADIENT.max(floor);
    TrainingCurveFit {
        law: TrainingCurveLaw::from_parameters(theta),
        objective: f,
        gradient_max: gmax,
        adam_objective: f64::NAN,
        lbfgs_iterations: 0,
        lbfgs_evaluations: 0,
        num_points: points.len(),
        status: if ok {
            FitStatus::Converged
        } else {
            FitStatus::Abnormal
        },
        certificate: None,
        flat: None,
        warnings: Vec::new(),
    }
}

fn in_box(params: &TrainingCurveParams, e: [f64; 2]) -> bool {
    let b = [params.profile.alpha, params.profile.beta];
    (0..2).all(|k| e[k] >= b[k].0 && e[k] <= b[k].1)
}

fn on_bound(params: &TrainingCurveParams, e: [f64; 2]) -> bool {
    let b = [params.profile.alpha, params.profile.beta];
    (0..2).any(|k| e[k] - b[k].0 <= BOUND_TOLERANCE || b[k].1 - e[k] <= BOUND_TOLERANCE)
}

/// The profile point `start` refined, then — only when the refined point
/// fails the gradient test of proofs/13 §13.3 (on the box, or stopped
/// short) — polished by L-BFGS on all five parameters (kept only when it
/// stays in the box and ends lower): the lower of the two. A refined point
/// that passes the test is a stationary point of f to rounding, from which
/// no descent can be told (§13.10).
fn refine_and_polish(
    points: &CurvePoints<f64>,
    profile: &mut Profile<'_>,
    start: ProfilePoint,
    params: &TrainingCurveParams,
) -> (ProfilePoint, TrainingCurveFit) {
    let bounds = [params.profile.alpha, params.profile.beta];
    let best = profile.refine(start, [true; 2], bounds);
    let vp = fit_at(points, profile.parameters(&best), params.delta);
    if vp.status == FitStatus::Converged {
        return (best, vp);
    }
    let warm = TrainingCurveParams {
        adam_steps: 0,
        ..params.clone()
    };
    let polish = fit_training_curve_from(points, vp.law.parameters(), &warm)
        .ok()
        .filter(|f| in_box(params, [f.law.alpha, f.law.beta]) && f.objective < vp.objective);
    (best, polish.unwrap_or(vp))
}

/// The global stage after the published procedure (proofs/13 §13.10): the
/// profile on the grid, its best basins (and the published fit's exponents,
/// when in the box) refined and polished; the lowest of these and the
/// published fit (when in the box) is the answer; the certificate compares
/// it with the best refined profile value; the flat ranges of α and β.
///
/// # Errors
/// [`FitError::OptimizerFailed`] when the profile is nowhere finite.
pub(super) fn global_stage(
    points: &CurvePoints<f64>,
    params: &TrainingCurveParams,
    published: TrainingCurveFit,
) -> Result<TrainingCurveFit, FitError> {
    let s = &params.profile;
    let delta = params.delta;
    let mut profile = Profile::new(points, delta);
    let grid = profile.grid(s);
    let mut starts: Vec<ProfilePoint> = basins(&grid, s.nodes.max(2))
        .into_iter()
        .take(s.basins.max(1))
        .map(|k| grid[k])
        .collect();
    let e_pub = [published.law.alpha, published.law.beta];
    let pub_in_box = in_box(params, e_pub);
    if pub_in_box {
        starts.push(profile.at(e_pub, None));
    }
    let mut best: Option<(ProfilePoint, TrainingCurveFit)> = None;
    for p in starts {
        let (q, f) = refine_and_polish(points, &mut profile, p, params);
        if best.as_ref().is_none_or(|(b, _)| q.objective < b.objective) {
            best = Some((q, f));
        }
    }
    let Some((center, global)) = best else {
        return Err(FitError::OptimizerFailed {
            method: "variable projection",
            message: "the profile is nowhere finite".into(),
        });
    };
    let theta_c = profile.parameters(&center);
    let f_c = objective_at(points, &theta_c, delta);
    let tol = certificate_tolerance(points, f_c);
    let mut warnings = Vec::new();
    let keep_published = pub_in_box && published.objective <= global.objective.min(f_c) + tol;
    if !pub_in_box {
        warnings.push(format!(
            "the published procedure (Adam + L-BFGS) ends outside the exponent box (alpha = {:.4}, beta = {:.4}; alpha in [{}, {}], beta in [{}, {}]) at objective {:.10e}; the answer is the box's best",
            e_pub[0], e_pub[1], s.alpha.0, s.alpha.1, s.beta.0, s.beta.1, published.objective
        ));
    } else if published.objective - f_c > tol {
        warnings.push(format!(
            "the published procedure (Adam + L-BFGS) ends {} at objective {:.10e}, {:.3e} above the profile's best {:.10e} (alpha = {:.4}): the answer is the global stage's",
            published.status.as_str(),
            published.objective,
            published.objective - f_c,
            f_c,
            e_pub[0]
        ));
    }
    let mut fit = if keep_published {
        published.clone()
    } else {
        global
    };
    let gap = fit.objective - f_c;
    let e_fit = [fit.law.alpha, fit.law.beta];
    fit.status = if on_bound(params, e_fit) {
        FitStatus::BoundHit
    } else if gap <= tol {
        FitStatus::Converged
    } else {
        FitStatus::LocalMinimum
    };
    if fit.status == FitStatus::LocalMinimum {
        warnings.push(format!(
            "local minimum: the objective {:.10e} is {gap:.3e} above the profile's best {f_c:.10e}",
            fit.objective
        ));
    }
    if !keep_published {
        fit.adam_objective = published.adam_objective;
    }
    fit.certificate = Some(Certificate {
        objective: "smooth_l1",
        value: fit.objective,
        profile_best: f_c,
        tolerance: tol,
        gap,
        global_stage: !keep_published,
    });
    fit.flat = Some([
        profile.flat_range(&center, 0, s),
        profile.flat_range(&center, 1, s),
    ]);
    fit.warnings = warnings;
    Ok(fit)
}

/// The warm-started fit of a bootstrap replicate: the profile refined from
/// θ's exponents (clamped into the box), then polished by L-BFGS (no grid,
/// no Adam). Status: `BoundHit` on the box, else `Converged` when the
/// answer passes the gradient test (proofs/13 §13.3), else the polish's.
///
/// # Errors
/// None in practice (kept for the signature of the other fits).
pub fn fit_training_curve_warm(
    points: &CurvePoints<f64>,
    theta: [f64; 5],
    params: &TrainingCurveParams,
) -> Result<TrainingCurveFit, FitError> {
    let s = &params.profile;
    let mut profile = Profile::new(points, params.delta);
    let e = [
        theta[3].clamp(s.alpha.0, s.alpha.1),
        theta[4].clamp(s.beta.0, s.beta.1),
    ];
    let start = profile.at(e, None);
    let (_, mut fit) = refine_and_polish(points, &mut profile, start, params);
    if !fit.objective.is_finite() {
        return Err(FitError::OptimizerFailed {
            method: "variable projection",
            message: format!("non-finite objective {}", fit.objective),
        });
    }
    if on_bound(params, [fit.law.alpha, fit.law.beta]) {
        fit.status = FitStatus::BoundHit;
    }
    Ok(fit)
}
