//! The honest comparison: information criteria, cross-validated RMSE and a
//! bootstrap interval of the RMSE improvement.

use crate::analysis::bootstrap::{percentile_interval, resample_indices, run_replicates};
use crate::fitters::power_law::{
    fit_power_law_newton_from, fit_single_and_two_term, nested_start, GlobalStage, PowerLawData,
    PowerLawError, PowerLawFit, PowerLawFitParams,
};
use crate::models::power_law::PowerLawForm;
use crate::progress::{Progress, Silent, Tick};
use crate::sampling::noise::Rng;

use super::{improvement_pct, rmse_mae, CvResult, DarkMatterParams, Evidence, MetricColumn};

/// AIC, AICc and BIC of a law with `p` parameters whose residuals on linear
/// loss have RMSE `rmse` over `n` points, from the Gaussian likelihood
/// with the residual variance as one more parameter (k = p + 1), at its
/// maximum over σ: `ln L = −n/2·(ln(2π·rmse²) + 1)`.
#[derive(Debug, Clone, PartialEq)]
pub struct InformationCriteria {
    /// Parameters counted, p + 1.
    pub k: usize,
    /// The maximised Gaussian log-likelihood.
    pub ln_likelihood: f64,
    /// `2k − 2 ln L`.
    pub aic: f64,
    /// `AIC + 2k(k + 1)/(n − k − 1)` (∞ when n ≤ k + 1).
    pub aicc: f64,
    /// `k ln n − 2 ln L`.
    pub bic: f64,
}

/// The information criteria of a law with `p` parameters and in-sample
/// RMSE `rmse` on `n` points.
///
/// The parameters are Huber estimates on log loss, not the Gaussian
/// maximum-likelihood ones: the likelihood is maximised over σ only, so
/// the criteria compare the fits as they are (specs/dark-matter.md).
pub fn information_criteria(rmse: f64, n: usize, p: usize) -> InformationCriteria {
    let k = p + 1;
    let nf = n as f64;
    let ln_likelihood = -0.5 * nf * ((std::f64::consts::TAU * rmse * rmse).ln() + 1.0);
    let aic = 2.0 * k as f64 - 2.0 * ln_likelihood;
    let aicc = if n > k + 1 {
        aic + 2.0 * (k * (k + 1)) as f64 / (n - k - 1) as f64
    } else {
        f64::INFINITY
    };
    InformationCriteria {
        k,
        ln_likelihood,
        aic,
        aicc,
        bic: k as f64 * nf.ln() - 2.0 * ln_likelihood,
    }
}

/// Which law an information-criterion difference Δ = IC₂ − IC₁ favours, on
/// Burnham & Anderson's scale (|Δ| ≤ 2: both have substantial support;
/// beyond 10: essentially none for the worse one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preference {
    /// Δ < −10.
    TwoTermStrongly,
    /// −10 ≤ Δ < −2.
    TwoTerm,
    /// |Δ| ≤ 2.
    Neither,
    /// 2 < Δ ≤ 10.
    Single,
    /// Δ > 10.
    SingleStrongly,
}

impl Preference {
    /// The reading of Δ = IC₂ − IC₁.
    pub fn from_delta(delta: f64) -> Self {
        if delta < -10.0 {
            Preference::TwoTermStrongly
        } else if delta < -2.0 {
            Preference::TwoTerm
        } else if delta <= 2.0 {
            Preference::Neither
        } else if delta <= 10.0 {
            Preference::Single
        } else {
            Preference::SingleStrongly
        }
    }

    /// `two_term_strongly`, `two_term`, `neither`, `single`, `single_strongly`.
    pub fn as_str(self) -> &'static str {
        match self {
            Preference::TwoTermStrongly => "two_term_strongly",
            Preference::TwoTerm => "two_term",
            Preference::Neither => "neither",
            Preference::Single => "single",
            Preference::SingleStrongly => "single_strongly",
        }
    }

    /// Favours the two-term law.
    pub fn favours_two_term(self) -> bool {
        matches!(self, Preference::TwoTermStrongly | Preference::TwoTerm)
    }
}

/// How cross-validation folds are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CvScheme {
    /// Whole model sizes held out: the distinct sizes, shuffled (seeded),
    /// dealt round-robin into K folds; a run goes with its size.
    ByModelSize,
    /// Runs shuffled (seeded) and dealt round-robin into K folds.
    Random,
}

impl CvScheme {
    /// `by_model_size` or `random`.
    pub fn as_str(self) -> &'static str {
        match self {
            CvScheme::ByModelSize => "by_model_size",
            CvScheme::Random => "random",
        }
    }
}

/// A uniform index in `0..n` (multiply-shift on 64 random bits).
fn draw(rng: &mut Rng, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

/// Fisher–Yates shuffle of `0..n`.
fn permutation(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        p.swap(i, draw(rng, i + 1));
    }
    p
}

/// The fold of each run (0..k) under `scheme`; `group` gives each run's
/// model size. Stream 2 (by size) or 3 (random) of `seed`.
pub fn assign_folds(group: &[f64], scheme: CvScheme, k: usize, seed: u64) -> Vec<usize> {
    let n = group.len();
    match scheme {
        CvScheme::Random => {
            let mut rng = Rng::for_task(seed, 3);
            let mut fold = vec![0; n];
            for (pos, &i) in permutation(&mut rng, n).iter().enumerate() {
                fold[i] = pos % k;
            }
            fold
        }
        CvScheme::ByModelSize => {
            let mut sizes: Vec<f64> = group.to_vec();
            sizes.sort_by(f64::total_cmp);
            sizes.dedup();
            let mut rng = Rng::for_task(seed, 2);
            let mut size_fold = vec![0; sizes.len()];
            for (pos, &j) in permutation(&mut rng, sizes.len()).iter().enumerate() {
                size_fold[j] = pos % k;
            }
            group
                .iter()
                .map(|g| {
                    let j = sizes.partition_point(|s| s.total_cmp(g).is_lt());
                    size_fold[j]
                })
                .collect()
        }
    }
}

/// K-fold cross-validated RMSE (on linear loss, pooled over all held-out
/// runs) of the single and the two-term law; every fold is a complete fit
/// (restarts and nested start) on the other folds.
///
/// # Errors
/// The first fold fit that fails (for instance a training set with fewer
/// distinct x than five).
pub fn cross_validated_rmse(
    column: &MetricColumn,
    loss: &[f64],
    group: &[f64],
    scheme: CvScheme,
    params: &DarkMatterParams,
) -> Result<CvResult, PowerLawError> {
    cross_validated_rmse_with(column, loss, group, scheme, params, &Silent)
}

/// [`cross_validated_rmse`], ticking `progress` once per fold.
pub(crate) fn cross_validated_rmse_with(
    column: &MetricColumn,
    loss: &[f64],
    group: &[f64],
    scheme: CvScheme,
    params: &DarkMatterParams,
    progress: &dyn Progress,
) -> Result<CvResult, PowerLawError> {
    let folds = assign_folds(group, scheme, params.folds, params.seed);
    let (mut ss1, mut ss2, mut n) = (0.0, 0.0, 0usize);
    let mut worst = [(0.0f64, f64::NAN); 2];
    // Folds that held out at least one run: `--folds 1000` on 41 runs makes
    // at most 41 (or as many as there are sizes), and that count is reported.
    let mut used = 0;
    for f in 0..params.folds {
        let _tick = Tick(progress);
        let (train, test): (Vec<usize>, Vec<usize>) = (0..loss.len()).partition(|&i| folds[i] != f);
        if test.is_empty() {
            continue;
        }
        used += 1;
        let pick = |v: &[f64], idx: &[usize]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let data =
            PowerLawData::<f64>::new(&pick(&column.x, &train), &pick(loss, &train), column.scale)?;
        let (single, two) = fit_single_and_two_term(&data, &params.fit)?;
        for &i in &test {
            let e1 = loss[i] - single.predict(column.x[i]);
            let e2 = loss[i] - two.predict(column.x[i]);
            ss1 += e1 * e1;
            ss2 += e2 * e2;
            for (w, e) in worst.iter_mut().zip([e1, e2]) {
                if e.abs() > w.0 {
                    *w = (e.abs(), column.x[i]);
                }
            }
            n += 1;
        }
    }
    let n = n as f64;
    Ok(CvResult {
        scheme,
        folds: used,
        single: (ss1 / n).sqrt(),
        two_term: (ss2 / n).sqrt(),
        worst_single: worst[0],
        worst_two_term: worst[1],
    })
}

/// Refit both laws on one resample, warm-started from the full-data fits
/// (the single law from its optimum; the two-term law from its optimum and
/// the nested start of the resample's single fit).
fn refit(
    data: &PowerLawData<f64>,
    full: (&PowerLawFit, &PowerLawFit),
    fit: &PowerLawFitParams,
) -> Option<(PowerLawFit, PowerLawFit)> {
    // The warm starts first; the profile's basins only when they do not
    // reach the best basin's score (proofs/12 §12.10).
    let fit = &PowerLawFitParams {
        global_stage: GlobalStage::Search,
        ..fit.clone()
    };
    let single = fit_power_law_newton_from(
        data,
        PowerLawForm::Single,
        std::slice::from_ref(&full.0.theta),
        fit,
    )
    .ok()?;
    let starts = vec![full.1.theta.clone(), nested_start(data, &single.theta)];
    let two = fit_power_law_newton_from(data, PowerLawForm::TwoTerm, &starts, fit).ok()?;
    Some((single, two))
}

/// The percentile bootstrap interval (coverage `params.level`) of the
/// in-sample RMSE improvement (percent), resampling runs with replacement,
/// `params.bootstrap` replicates seeded by `params.seed` (stream per
/// replicate, so the interval does not depend on the thread count); with
/// the number of replicates whose fits succeeded. `None` when none did.
pub fn rmse_improvement_interval(
    column: &MetricColumn,
    loss: &[f64],
    full: (&PowerLawFit, &PowerLawFit),
    params: &DarkMatterParams,
) -> Option<([f64; 2], usize)> {
    rmse_improvement_interval_with(column, loss, full, params, &Silent)
}

/// [`rmse_improvement_interval`], ticking `progress` once per replicate.
pub(crate) fn rmse_improvement_interval_with(
    column: &MetricColumn,
    loss: &[f64],
    full: (&PowerLawFit, &PowerLawFit),
    params: &DarkMatterParams,
    progress: &dyn Progress,
) -> Option<([f64; 2], usize)> {
    let n = loss.len();
    let values = run_replicates(params.bootstrap, params.seed ^ 0xB007, |rng| {
        let _tick = Tick(progress);
        let idx = resample_indices(rng, n);
        let x: Vec<f64> = idx.iter().map(|&i| column.x[i]).collect();
        let y: Vec<f64> = idx.iter().map(|&i| loss[i]).collect();
        let data = PowerLawData::<f64>::new(&x, &y, column.scale).ok()?;
        let (s, t) = refit(&data, full, &params.fit)?;
        let (r1, _) = rmse_mae(&s, &x, &y);
        let (r2, _) = rmse_mae(&t, &x, &y);
        let v = improvement_pct(r1, r2);
        v.is_finite().then_some(v)
    });
    let ci = percentile_interval(&values, params.level)?;
    Some((ci, values.len()))
}

/// The verdicts of the honest comparison and the overall one:
/// `supported` when the CV RMSE improves by more than 1 % under every fold
/// scheme, BIC favours the two-term law and the bootstrap interval lies
/// above 0; `not_supported` when no fold scheme shows a CV improvement
/// above 1 %; `inconclusive` otherwise.
pub fn honest_verdict(
    ic: (&InformationCriteria, &InformationCriteria),
    cv: &[CvResult],
    ci: Option<[f64; 2]>,
) -> super::HonestVerdict {
    let aic = Preference::from_delta(ic.1.aic - ic.0.aic);
    let aicc = Preference::from_delta(ic.1.aicc - ic.0.aicc);
    let bic = Preference::from_delta(ic.1.bic - ic.0.bic);
    let cvv: Vec<(CvScheme, Evidence)> = cv
        .iter()
        .map(|c| (c.scheme, Evidence::from_improvement(c.improvement_pct())))
        .collect();
    let excludes = ci.map(|c| c[0] > 0.0);
    let cv_all = !cvv.is_empty() && cvv.iter().all(|(_, e)| *e != Evidence::None);
    let cv_none = cvv.iter().all(|(_, e)| *e == Evidence::None);
    let overall = if cv_all && bic.favours_two_term() && excludes == Some(true) {
        "supported"
    } else if cv_none && !cvv.is_empty() {
        "not_supported"
    } else {
        "inconclusive"
    };
    super::HonestVerdict {
        aic,
        aicc,
        bic,
        cv: cvv,
        bootstrap_excludes_zero: excludes,
        overall,
    }
}
