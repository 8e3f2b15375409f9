//! Reproductions of published fits (the reference study's Experiment 0,
//! offline): Epoch AI's replication of Chinchilla's Approach 3 on the 240
//! extracted runs, and VPNLS and Approach 3 on the two Chinchilla subsets
//! of the IsoFLOP file.

use crate::analysis::bootstrap::{resample_indices, run_replicates};
use crate::fitters::approach3::{objective_value_and_gradient, REFERENCE_LBFGSB};
use crate::fitters::VpnlsParams;
use crate::fitters::{
    fit_approach3, fit_vpnls, Approach3Params, Approach3Start, FitStatus, Objective, SurfaceData,
    SurfaceFit,
};
use crate::io::isoflops::ChinchillaRuns;
use crate::io::{fmt_f64, Table};
use crate::numerics::lbfgsb::{minimize_lbfgsb, GradientSource, LbfgsbEnd, LbfgsbSettings};

use super::fits::fit_approach3_from_grid;
use super::{Experiment, StudyError, StudyFiles};

/// Epoch AI's published estimates (Besiroglu et al. 2024, Table 1) and
/// standard errors, in the order E, A, B, α, β.
pub const EPOCH_PUBLISHED: [(f64, f64); 5] = [
    (1.8172, 0.03),
    (482.01, 124.58),
    (2085.43, 1293.23),
    (0.3478, 0.02),
    (0.3658, 0.02),
];

/// Epoch's published a = β/(α+β).
pub const EPOCH_PUBLISHED_A: f64 = 0.513;

/// Bootstrap resamples of Epoch's standard errors.
pub const EPOCH_BOOTSTRAP: usize = 4000;

/// Bounds of the log-scale s = ln σ of the Huber likelihood.
const LN_SCALE_BOUNDS: (f64, f64) = (-20.0, 5.0);

/// The 240 runs Epoch fitted: the 245 minus the five with the highest
/// loss (rows with loss strictly below the 5th-largest loss), D = C/(6N).
///
/// # Errors
/// [`StudyError::Fit`] when fewer than 4 runs remain.
pub fn epoch_runs(runs: &ChinchillaRuns) -> Result<SurfaceData<f64>, StudyError> {
    let mut sorted = runs.loss.clone();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let cut = sorted.get(4).copied().unwrap_or(f64::INFINITY);
    let keep: Vec<usize> = (0..runs.loss.len())
        .filter(|&i| runs.loss[i] < cut)
        .collect();
    let n: Vec<f64> = keep.iter().map(|&i| runs.n[i]).collect();
    let d: Vec<f64> = keep
        .iter()
        .map(|&i| runs.c[i] / (6.0 * runs.n[i]))
        .collect();
    let l: Vec<f64> = keep.iter().map(|&i| runs.loss[i]).collect();
    SurfaceData::new(&n, &d, &l).map_err(|source| StudyError::Fit {
        experiment: "chinchilla runs".into(),
        method: "surface data".into(),
        source,
    })
}

/// The Huber fit of the Chinchilla paper as Epoch ran it: Σ Huber_δ(ln L̂ −
/// ln L), δ = 10⁻³, over (ln E, ln A, ln B, α, β), L-BFGS-B from `start`
/// (the best point of the 4,500-point grid when `None`).
///
/// # Errors
/// The fitter's [`crate::fitters::FitError`].
pub fn fit_huber(
    data: &SurfaceData<f64>,
    start: Option<[f64; 5]>,
    lbfgsb: &LbfgsbSettings,
) -> Result<SurfaceFit<f64>, crate::fitters::FitError> {
    fit_approach3(
        data,
        &Approach3Params {
            objective: Objective::HuberLog,
            start: start.map_or(Approach3Start::ChinchillaGrid, Approach3Start::Point),
            lbfgsb: *lbfgsb,
            ..Approach3Params::default()
        },
    )
}

/// A fit of the six-parameter Huber likelihood: the surface and the scale σ.
#[derive(Debug, Clone, PartialEq)]
pub struct HuberLikelihoodFit {
    /// The surface (E, A, B, α, β), with status and iterations.
    pub fit: SurfaceFit<f64>,
    /// The scale σ of the residuals ln L − ln L̂.
    pub sigma: f64,
}

/// The Huber negative log-likelihood without its constant
/// `n·ln Z(δ)`, at `x = (ln E, ln A, ln B, α, β, ln σ)`, and its gradient:
///
/// ```text
/// f = Σ H_δ(r_i/σ) + n·ln σ,   r_i = ln L_i − lse_i
/// ∂f/∂θ = −(1/σ)·Σ ψ_δ(r_i/σ)·∂lse_i/∂θ,   ∂f/∂ln σ = n − Σ ψ_δ(u_i)·u_i
/// ```
///
/// With u = r/σ, `H_δ(u)` and ψ = H′; the θ part reuses the Huber-on-log
/// objective's gradient (`objective_value_and_gradient`), which is
/// `Σ ψ_δ(lse_i − ln L_i)·∂lse_i/∂θ`, at the scaled residuals.
/// Derivation: proofs/14 §14.5.
pub fn huber_nll(data: &SurfaceData<f64>, x: &[f64]) -> (f64, [f64; 6]) {
    let sigma = x[5].exp();
    let delta = 1e-3;
    let (mut f, mut g) = (0.0, [0.0; 6]);
    for ((ln_n, ln_d), l) in data.ln_n().iter().zip(data.ln_d()).zip(data.loss()) {
        let t = [x[0], x[1] - x[3] * ln_n, x[2] - x[4] * ln_d];
        let m = t[0].max(t[1]).max(t[2]);
        let w: [f64; 3] = std::array::from_fn(|k| (t[k] - m).exp());
        let s = w[0] + w[1] + w[2];
        let lse = m + s.ln();
        let u = (l.ln() - lse) / sigma;
        let (h, psi) = if u.abs() <= delta {
            (0.5 * u * u, u)
        } else {
            (delta * (u.abs() - 0.5 * delta), delta * u.signum())
        };
        f += h;
        // ∂u/∂θ = −(1/σ)·∂lse/∂θ; ∂lse/∂t_k = w_k/s.
        let c = -psi / sigma;
        g[0] += c * w[0] / s;
        g[1] += c * w[1] / s;
        g[2] += c * w[2] / s;
        g[3] -= c * w[1] / s * ln_n;
        g[4] -= c * w[2] / s * ln_d;
        g[5] -= psi * u;
    }
    let n = data.len() as f64;
    f += n * x[5];
    g[5] += n;
    (f, g)
}

/// Minimise [`huber_nll`] by L-BFGS-B from a surface and a scale
/// (bounds: the Huber fit's box, ln σ ∈ [−20, 5]).
///
/// # Errors
/// [`crate::fitters::FitError::OptimizerFailed`] for a non-finite start.
pub fn fit_huber_likelihood(
    data: &SurfaceData<f64>,
    start: &[f64; 5],
    sigma: f64,
    lbfgsb: &LbfgsbSettings,
) -> Result<HuberLikelihoodFit, crate::fitters::FitError> {
    let (lo5, hi5) = Objective::HuberLog.bounds();
    let mut lo = lo5.to_vec();
    let mut hi = hi5.to_vec();
    lo.push(LN_SCALE_BOUNDS.0);
    hi.push(LN_SCALE_BOUNDS.1);
    let x5 = Objective::HuberLog.to_coordinates(start);
    let mut x0: Vec<f64> = x5.to_vec();
    x0.push(sigma.ln().clamp(LN_SCALE_BOUNDS.0, LN_SCALE_BOUNDS.1));
    for k in 0..6 {
        x0[k] = x0[k].clamp(lo[k], hi[k]);
    }
    let mut f = |x: &[f64]| huber_nll(data, x).0;
    let mut g = |x: &[f64]| huber_nll(data, x).1.to_vec();
    let out = minimize_lbfgsb(
        &mut f,
        &mut g,
        &x0,
        &lo,
        &hi,
        GradientSource::Analytic,
        lbfgsb,
    )
    .map_err(|e| crate::fitters::FitError::OptimizerFailed {
        method: "L-BFGS-B (Huber likelihood)",
        message: e.to_string(),
    })?;
    let status = match out.end {
        LbfgsbEnd::Converged => FitStatus::Converged,
        LbfgsbEnd::MaxIter => FitStatus::MaxIter,
        LbfgsbEnd::Abnormal => FitStatus::Abnormal,
    };
    let x5: [f64; 5] = std::array::from_fn(|k| out.x[k]);
    let p = Objective::HuberLog.from_coordinates(&x5);
    let _ = objective_value_and_gradient::<f64>;
    Ok(HuberLikelihoodFit {
        fit: SurfaceFit::from_parameters(
            p,
            crate::fitters::approach3::rss_at(data, &p),
            status,
            out.evaluations,
        ),
        sigma: out.x[5].exp(),
    })
}

/// The scale that minimises the likelihood for fixed residuals in the
/// linear part of the Huber function, σ = δ·Σ|r_i|/n (a start for the
/// six-parameter fit).
pub fn huber_scale_start(data: &SurfaceData<f64>, p: &[f64; 5]) -> f64 {
    let mean_abs: f64 = data
        .ln_n()
        .iter()
        .zip(data.ln_d())
        .zip(data.loss())
        .map(|((ln_n, ln_d), l)| {
            let pred = p[0] + p[1] * (-p[3] * ln_n).exp() + p[2] * (-p[4] * ln_d).exp();
            (l.ln() - pred.ln()).abs()
        })
        .sum::<f64>()
        / data.len() as f64;
    (1e-3 * mean_abs).max(1e-12)
}

/// Where Epoch's notebook starts every bootstrap replicate: Chinchilla's
/// published estimates (its `true_params`), in the Huber fit's coordinates
/// (ln E, ln A, ln B, α, β) = (0.5267228, 6.0073404, 6.0179186,
/// 0.33917084, 0.2849083), i.e. E 1.6934, A 406.40, B 410.72.
pub const EPOCH_REPLICATE_START: [f64; 5] =
    [0.5267228, 6.0073404, 6.0179186, 0.33917084, 0.2849083];

/// Distance (in the fit's coordinates) within which a converged replicate
/// counts as stopped on its box and is dropped, as `fit_approach3` marks
/// `BoundHit`.
const ON_BOUND: f64 = 1e-6;

/// The Huber objective of [`fit_huber`] on a bootstrap resample given as
/// multiplicities: `f = Σ_i c_i·H_δ(lse_i − ln L_i)` over the runs of
/// `data` with `counts[i] = c_i` copies in the resample, and its gradient
/// in x = (ln E, ln A, ln B, α, β):
///
/// ```text
/// lse_i = ln(e^{x0} + e^{x1 − x3 ln N_i} + e^{x2 − x4 ln D_i})
/// ∇f = Σ_i c_i·ψ_δ(lse_i − ln L_i)·(w0, w1, w2, −w1 ln N_i, −w2 ln D_i),  w = softmax
/// ```
///
/// A sum over a resample is a sum over its distinct runs weighted by their
/// counts, so this is the objective of the expanded resample (proofs/08
/// §8.4, proofs/14 §14.6) evaluated on about 63 % of the points
/// (`huber_on_counts_equals_huber_on_the_expanded_resample`). Runs with
/// count 0 are skipped.
///
/// # Panics
/// Never: `counts` shorter than the data counts the missing runs as 0.
pub fn huber_on_counts(data: &SurfaceData<f64>, counts: &[f64], x: &[f64; 5]) -> (f64, [f64; 5]) {
    let delta = 1e-3;
    let (mut f, mut g) = (0.0, [0.0; 5]);
    for (((ln_n, ln_d), l), &c) in data
        .ln_n()
        .iter()
        .zip(data.ln_d())
        .zip(data.loss())
        .zip(counts)
    {
        if c == 0.0 {
            continue;
        }
        let t = [x[0], x[1] - x[3] * ln_n, x[2] - x[4] * ln_d];
        // Largest term factored out: every exponent ≤ 0, the sum in [1, 3].
        let m = t[0].max(t[1]).max(t[2]);
        let w: [f64; 3] = std::array::from_fn(|k| (t[k] - m).exp());
        let s = w[0] + w[1] + w[2];
        let res = m + s.ln() - l.ln();
        let (h, psi) = if res.abs() <= delta {
            (0.5 * res * res, res)
        } else {
            (delta * (res.abs() - 0.5 * delta), delta * res.signum())
        };
        f += c * h;
        let p = c * psi / s;
        g[0] += p * w[0];
        g[1] += p * w[1];
        g[2] += p * w[2];
        g[3] -= p * w[1] * ln_n;
        g[4] -= p * w[2] * ln_d;
    }
    (f, g)
}

/// [`fit_huber`] on a bootstrap resample given as multiplicities `counts`
/// (see [`huber_on_counts`]), by L-BFGS-B over the Huber box from `start`
/// (in the coordinates (ln E, ln A, ln B, α, β)). A converged fit within
/// 10⁻⁶ of a bound is `BoundHit`, as in `fit_approach3`.
///
/// # Errors
/// [`crate::fitters::FitError::OptimizerFailed`] when L-BFGS-B rejects the
/// start (the objective not finite there).
pub fn fit_huber_on_counts(
    data: &SurfaceData<f64>,
    counts: &[f64],
    start: &[f64; 5],
    lbfgsb: &LbfgsbSettings,
) -> Result<SurfaceFit<f64>, crate::fitters::FitError> {
    // Keep only the runs drawn: the evaluations then touch ~63 % of them.
    let keep: Vec<usize> = (0..data.len())
        .filter(|&i| counts.get(i).is_some_and(|&c| c > 0.0))
        .collect();
    let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let n: Vec<f64> = pick(data.ln_n()).iter().map(|x| x.exp()).collect();
    let d: Vec<f64> = pick(data.ln_d()).iter().map(|x| x.exp()).collect();
    let drawn = SurfaceData::new(&n, &d, &pick(data.loss()))?;
    let c = pick(counts);
    let (lo, hi) = Objective::HuberLog.bounds();
    let x0: Vec<f64> = (0..5).map(|k| start[k].clamp(lo[k], hi[k])).collect();
    let cache: std::cell::RefCell<Option<Evaluation>> = std::cell::RefCell::new(None);
    let eval = |x: &[f64]| -> (f64, [f64; 5]) {
        let x: [f64; 5] = std::array::from_fn(|k| x[k]);
        if let Some((cx, f, g)) = *cache.borrow() {
            if cx == x {
                return (f, g);
            }
        }
        let (f, g) = huber_on_counts(&drawn, &c, &x);
        *cache.borrow_mut() = Some((x, f, g));
        (f, g)
    };
    let mut f = |x: &[f64]| eval(x).0;
    let mut g = |x: &[f64]| eval(x).1.to_vec();
    let out = minimize_lbfgsb(
        &mut f,
        &mut g,
        &x0,
        &lo,
        &hi,
        GradientSource::Analytic,
        lbfgsb,
    )
    .map_err(|e| crate::fitters::FitError::OptimizerFailed {
        method: "L-BFGS-B (Huber, bootstrap resample)",
        message: e.to_string(),
    })?;
    let mut status = match out.end {
        LbfgsbEnd::Converged => FitStatus::Converged,
        LbfgsbEnd::MaxIter => FitStatus::MaxIter,
        LbfgsbEnd::Abnormal => FitStatus::Abnormal,
    };
    let on_bound = (0..5).any(|k| out.x[k] - lo[k] <= ON_BOUND || hi[k] - out.x[k] <= ON_BOUND);
    if status == FitStatus::Converged && on_bound {
        status = FitStatus::BoundHit;
    }
    let x: [f64; 5] = std::array::from_fn(|k| out.x[k]);
    let p = Objective::HuberLog.from_coordinates(&x);
    Ok(SurfaceFit::from_parameters(
        p,
        crate::fitters::approach3::rss_at(data, &p),
        status,
        out.evaluations,
    ))
}

/// A cached evaluation: the point, f and ∇f there.
type Evaluation = ([f64; 5], f64, [f64; 5]);

/// The multiplicity of each of `n` runs in one resample drawn with
/// replacement: the draws of [`resample_indices`] with `rng`, counted.
pub fn resample_counts(rng: &mut crate::sampling::noise::Rng, n: usize) -> Vec<f64> {
    let mut counts = vec![0.0; n];
    for i in resample_indices(rng, n) {
        counts[i] += 1.0;
    }
    counts
}

/// The Epoch reproduction: both fits and the bootstrap standard errors.
#[derive(Debug, Clone)]
pub struct EpochReproduction {
    /// Runs fitted.
    pub runs: usize,
    /// The Huber fit from the 4,500-point grid.
    pub huber: SurfaceFit<f64>,
    /// The six-parameter Huber-likelihood fit.
    pub likelihood: HuberLikelihoodFit,
    /// Bootstrap standard errors of (E, A, B, α, β, a): Epoch's procedure,
    /// the Huber fit refitted per resample of the runs from
    /// [`EPOCH_REPLICATE_START`] (Epoch reports them beside the likelihood
    /// fit's estimates).
    pub se: [f64; 6],
    /// Replicates run.
    pub requested: usize,
    /// Replicates whose fit converged (the others are left out of `se`).
    pub converged: usize,
}

fn with_a(f: &SurfaceFit<f64>) -> [f64; 6] {
    [f.e, f.a, f.b, f.alpha, f.beta, f.beta / (f.alpha + f.beta)]
}

fn std_err(rows: &[[f64; 6]]) -> [f64; 6] {
    std::array::from_fn(|k| {
        let v: Vec<f64> = rows
            .iter()
            .map(|r| r[k])
            .filter(|x| x.is_finite())
            .collect();
        let n = v.len() as f64;
        if v.len() < 2 {
            return f64::NAN;
        }
        let m = v.iter().sum::<f64>() / n;
        (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)).sqrt()
    })
}

/// One bootstrap replicate of Epoch's procedure: the Huber fit of the
/// resample drawn by `rng`, from [`EPOCH_REPLICATE_START`], at the
/// reference tolerances; `None` when it does not converge.
pub fn epoch_replicate(
    data: &SurfaceData<f64>,
    rng: &mut crate::sampling::noise::Rng,
) -> Option<SurfaceFit<f64>> {
    let counts = resample_counts(rng, data.len());
    fit_huber_on_counts(data, &counts, &EPOCH_REPLICATE_START, &REFERENCE_LBFGSB)
        .ok()
        .filter(|f| f.status == FitStatus::Converged)
}

/// Epoch's replication on the 240 runs, with `replicates` bootstrap
/// resamples of the runs, as Epoch's notebook does: per resample the Huber
/// fit from the fixed start [`EPOCH_REPLICATE_START`] (Chinchilla's
/// published estimates), seeded per replicate, in parallel.
///
/// # Errors
/// A fit's failure on the full data.
pub fn reproduce_epoch(
    runs: &ChinchillaRuns,
    replicates: usize,
    seed: u64,
) -> Result<EpochReproduction, StudyError> {
    reproduce_epoch_with(runs, replicates, seed, &crate::progress::Silent)
}

/// [`reproduce_epoch`], reporting one stage with one unit for the two fits
/// on the full data and one per bootstrap replicate.
///
/// # Errors
/// As [`reproduce_epoch`].
pub fn reproduce_epoch_with(
    runs: &ChinchillaRuns,
    replicates: usize,
    seed: u64,
    progress: &dyn crate::progress::Progress,
) -> Result<EpochReproduction, StudyError> {
    const STAGE: &str = "Epoch AI's replication";
    progress.start(STAGE, 1 + replicates as u64);
    let result = reproduce_epoch_inner(runs, replicates, seed, progress);
    progress.finish(STAGE);
    result
}

fn reproduce_epoch_inner(
    runs: &ChinchillaRuns,
    replicates: usize,
    seed: u64,
    progress: &dyn crate::progress::Progress,
) -> Result<EpochReproduction, StudyError> {
    let data = epoch_runs(runs)?;
    let err = |method: &str| {
        let m = method.to_string();
        move |source| StudyError::Fit {
            experiment: "chinchilla runs".into(),
            method: m,
            source,
        }
    };
    let tick = crate::progress::Tick(progress);
    let huber = fit_huber(&data, None, &REFERENCE_LBFGSB).map_err(err("huber"))?;
    let hp = [huber.e, huber.a, huber.b, huber.alpha, huber.beta];
    let likelihood =
        fit_huber_likelihood(&data, &hp, huber_scale_start(&data, &hp), &REFERENCE_LBFGSB)
            .map_err(err("huber likelihood"))?;
    drop(tick);
    // Replicates use the reference tolerances: with scipy's defaults the
    // Huber fit stops a step from its start (the objective is nearly
    // piecewise linear in the residuals), and the spread of the replicates
    // collapses (measured: SE of α 0.0024 instead of 0.015).
    let rows: Vec<[f64; 6]> = run_replicates(replicates, seed, |rng| {
        let _tick = crate::progress::Tick(progress);
        epoch_replicate(&data, rng).map(|f| with_a(&f))
    });
    Ok(EpochReproduction {
        runs: data.len(),
        se: std_err(&rows),
        requested: replicates,
        converged: rows.len(),
        huber,
        likelihood,
    })
}

/// VPNLS and Approach 3 (log loss, 8⁵ grid) on one experiment's points.
///
/// # Errors
/// A fit's failure.
pub fn fit_subset(exp: &Experiment) -> Result<(SurfaceFit<f64>, SurfaceFit<f64>), StudyError> {
    let err = |method: &str| {
        let (e, m) = (exp.name.clone(), method.to_string());
        move |source| StudyError::Fit {
            experiment: e,
            method: m,
            source,
        }
    };
    let data = SurfaceData::from_points(&exp.points).map_err(err("surface data"))?;
    Ok((
        fit_vpnls(&data, &VpnlsParams::default()).map_err(err("vpnls"))?,
        fit_approach3_from_grid(&data, true).map_err(err("approach3"))?,
    ))
}

/// Tables and report of the reproductions.
pub fn reproduction_files(
    epoch: Option<&EpochReproduction>,
    subsets: &[(String, usize, SurfaceFit<f64>, SurfaceFit<f64>)],
) -> StudyFiles {
    let mut t = Table::new(&[
        "source", "fit", "points", "E", "A", "B", "alpha", "beta", "a", "status",
    ]);
    let mut report = String::from("Reproductions of published Chinchilla fits\n");
    let row = |t: &mut Table, src: &str, fit: &str, n: usize, v: [f64; 6], status: &str| {
        let mut r = vec![src.to_string(), fit.to_string(), n.to_string()];
        // A number that was not published (the SE of a) is an empty cell,
        // never "NaN".
        r.extend(v.iter().map(|x| {
            if x.is_finite() {
                fmt_f64(*x)
            } else {
                String::new()
            }
        }));
        r.push(status.to_string());
        t.push(r);
    };
    if let Some(e) = epoch {
        let p = EPOCH_PUBLISHED;
        let publ = [p[0].0, p[1].0, p[2].0, p[3].0, p[4].0, EPOCH_PUBLISHED_A];
        let publ_se = [p[0].1, p[1].1, p[2].1, p[3].1, p[4].1, f64::NAN];
        row(&mut t, "epoch", "published", e.runs, publ, "");
        row(&mut t, "epoch", "published_se", e.runs, publ_se, "");
        row(
            &mut t,
            "epoch",
            "huber",
            e.runs,
            with_a(&e.huber),
            e.huber.status.as_str(),
        );
        row(&mut t, "epoch", "bootstrap_se", e.runs, e.se, "");
        row(
            &mut t,
            "epoch",
            "huber_likelihood",
            e.runs,
            with_a(&e.likelihood.fit),
            e.likelihood.fit.status.as_str(),
        );
        report.push_str(&format!(
            "Epoch AI's replication, {} runs (the 245 minus the 5 highest losses); standard errors (in parentheses) from {} of {} bootstrap replicates of the Huber fit that converged (Epoch's procedure: each from Chinchilla's published estimates)\n",
            e.runs, e.converged, e.requested
        ));
        report.push_str(&format!(
            "  {:<22} {:>16} {:>18} {:>20} {:>16} {:>16} {:>7}\n",
            "", "E", "A", "B", "alpha", "beta", "a"
        ));
        let line = |name: &str, v: [f64; 6], se: [f64; 6]| {
            let cell = |k: usize, prec: usize| {
                if se[k].is_finite() {
                    format!("{:.prec$} ({:.prec$})", v[k], se[k])
                } else {
                    format!("{:.prec$}", v[k])
                }
            };
            format!(
                "  {:<22} {:>16} {:>18} {:>20} {:>16} {:>16} {:>7.4}\n",
                name,
                cell(0, 4),
                cell(1, 2),
                cell(2, 2),
                cell(3, 4),
                cell(4, 4),
                v[5]
            )
        };
        report.push_str(&line("published (Epoch)", publ, publ_se));
        report.push_str(&line("Huber, 4,500-pt grid", with_a(&e.huber), e.se));
        report.push_str(&line(
            &format!("Huber lik. σ={:.2e}", e.likelihood.sigma),
            with_a(&e.likelihood.fit),
            e.se,
        ));
    } else {
        report.push_str("Epoch AI's replication: skipped (no Chinchilla runs file)\n");
    }
    if !subsets.is_empty() {
        report.push_str("VPNLS and Approach 3 (log loss, 8^5 grid) on the Chinchilla subsets of the IsoFLOP file (all points):\n");
    }
    for (name, n, vp, a3) in subsets {
        for (fit, f) in [("vpnls", vp), ("approach3_log_loss", a3)] {
            row(&mut t, name, fit, *n, with_a(f), f.status.as_str());
            report.push_str(&format!(
                "  {name:<45} {fit:<19} {n:>4} points: E {:.4} A {:.2} B {:.2} α {:.4} β {:.4} a {:.4} ({})\n",
                f.e,
                f.a,
                f.b,
                f.alpha,
                f.beta,
                f.beta / (f.alpha + f.beta),
                f.status.as_str()
            ));
        }
    }
    StudyFiles {
        tables: vec![("reproductions".into(), t)],
        figures: Vec::new(),
        report,
    }
}
