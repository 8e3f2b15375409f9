//! The two-term ("dark matter") scaling analysis: does loss follow one
//! power law plus a floor, `L = C/x^α + E`, or two, `L = C₁/x^α₁ + C₂/x^α₂ + E`,
//! with x the model size, the training compute or the training tokens?
//!
//! The reproduction ([`analyse_metric`]'s in-sample part) follows the
//! published analysis: both laws fitted by Huber (δ = 10⁻³) on log loss
//! ([`crate::fitters::power_law`]), RMSE and MAE on linear loss, and its
//! verdict rule on the RMSE improvement (> 5 % strong, > 1 % weak, else
//! none). Beside it, the honest comparison ([`stats`]): information
//! criteria from a Gaussian likelihood with the residual variance as a
//! parameter, K-fold cross-validated RMSE (folds by model size and random),
//! and a bootstrap interval of the RMSE improvement. specs/dark-matter.md
//! describes the verdicts.
//!
//! ## References
//! - \[BA02\] K. P. Burnham, D. R. Anderson, *Model Selection and
//!   Multimodel Inference*, 2nd ed., Springer, 2002 (AIC, AICc; the
//!   ΔAIC scale of §2.6).
//! - \[S78\] G. Schwarz, *Estimating the dimension of a model*, Ann. Statist.
//!   6 (1978), doi:10.1214/aos/1176344136 (BIC).

use thiserror::Error;

use crate::fitters::power_law::{
    fit_single_and_two_term, PowerLawData, PowerLawError, PowerLawFit, PowerLawFitParams,
};

pub mod figures;
pub mod seed;
pub mod stats;

use crate::progress::{Progress, Silent, Tick};
use stats::{cross_validated_rmse_with, rmse_improvement_interval_with};

pub use stats::{
    cross_validated_rmse, information_criteria, rmse_improvement_interval, CvScheme,
    InformationCriteria, Preference,
};

/// The dark-matter analysis could not run.
#[derive(Debug, Error)]
pub enum DarkMatterError {
    /// A fit on the full data failed.
    #[error("{metric}: {source}")]
    Fit {
        /// The metric.
        metric: &'static str,
        /// The fitter's error.
        source: PowerLawError,
    },
    /// The input columns have different lengths or no metric was asked for.
    #[error("{0}")]
    BadInput(String),
    /// The full-data fits' statistics are not finite in f64 (losses, or x
    /// over its normalisation factor, too large or too small): refused
    /// before the cross-validation and bootstrap would spend their time.
    #[error("metric {metric}: not computable in f64: {quantities} (the losses, or x divided by the normalisation factor {scale:e}, are too large or too small for f64 in the fits' sums and powers); rescale the losses, choose a normalisation factor near the data's typical x, or leave the metric out")]
    NotComputable {
        /// The metric.
        metric: &'static str,
        /// The non-finite quantities, `name = value`, comma separated.
        quantities: String,
        /// The metric's normalisation factor.
        scale: f64,
    },
    /// A study setting outside its domain.
    #[error("dark-matter setting {name} is out of its domain: {value}")]
    BadSetting {
        /// The setting.
        name: &'static str,
        /// Its value.
        value: f64,
    },
}

/// What plays the role of x ("compute") in the power laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Model size N (parameters), normalised by 10⁹.
    Size,
    /// Training compute C (FLOPs), normalised by 10¹⁸.
    Flops,
    /// Training tokens D = C/(6N), normalised by 10⁹.
    Tokens,
}

impl Metric {
    /// The three metrics in the published order.
    pub const ALL: [Metric; 3] = [Metric::Size, Metric::Flops, Metric::Tokens];

    /// `size`, `flops` or `tokens` (JSON keys, folder names).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Size => "size",
            Metric::Flops => "flops",
            Metric::Tokens => "tokens",
        }
    }

    /// The metric of a name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// A label for figures and text.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Size => "model size N",
            Metric::Flops => "training compute C (FLOPs)",
            Metric::Tokens => "training tokens D",
        }
    }

    /// The published normalisation factor: 10⁹, 10¹⁸, 10⁹.
    pub fn default_scale(self) -> f64 {
        match self {
            Metric::Size => 1e9,
            Metric::Flops => 1e18,
            Metric::Tokens => 1e9,
        }
    }
}

/// One metric's column: x in its own units and the factor it is divided by.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricColumn {
    /// Which metric.
    pub metric: Metric,
    /// x per run.
    pub x: Vec<f64>,
    /// The normalisation factor.
    pub scale: f64,
}

/// The runs to analyse: losses, the model size of each run (the groups of
/// the model-size folds) and the metric columns.
#[derive(Debug, Clone, PartialEq)]
pub struct DarkMatterInput {
    /// Final loss per run.
    pub loss: Vec<f64>,
    /// Model size per run: runs of one size form one cross-validation group.
    pub group: Vec<f64>,
    /// The metrics to analyse.
    pub metrics: Vec<MetricColumn>,
}

/// Settings of the study.
#[derive(Debug, Clone, PartialEq)]
pub struct DarkMatterParams {
    /// The fitter's settings (restarts, seed, tolerances).
    pub fit: PowerLawFitParams,
    /// Folds of each cross-validation scheme (0: no cross-validation).
    pub folds: usize,
    /// Bootstrap replicates of the RMSE improvement (0: none).
    pub bootstrap: usize,
    /// Coverage of the bootstrap interval.
    pub level: f64,
    /// Seed of the folds and the bootstrap.
    pub seed: u64,
}

impl Default for DarkMatterParams {
    fn default() -> Self {
        Self {
            fit: PowerLawFitParams::default(),
            folds: 5,
            bootstrap: 200,
            level: 0.95,
            seed: crate::fitters::power_law::DEFAULT_SEED,
        }
    }
}

impl DarkMatterParams {
    /// The same settings with the folds' and the bootstrap's seed set to
    /// `seed`. The fits' restarts keep their own fixed seed
    /// (`fit.seed`, [`DEFAULT_SEED`](crate::fitters::power_law::DEFAULT_SEED)):
    /// the seed chooses the random draws of cross-validation and the
    /// bootstrap, never the fitted law (issue 22).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// The published verdict rule on an RMSE improvement (percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Improvement > 5 %.
    Strong,
    /// Improvement > 1 %.
    Weak,
    /// Otherwise.
    None,
}

impl Evidence {
    /// The rule: > 5 % strong, > 1 % weak, else none.
    pub fn from_improvement(pct: f64) -> Self {
        if pct > 5.0 {
            Evidence::Strong
        } else if pct > 1.0 {
            Evidence::Weak
        } else {
            Evidence::None
        }
    }

    /// `strong`, `weak` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Strong => "strong",
            Evidence::Weak => "weak",
            Evidence::None => "none",
        }
    }
}

/// In-sample residual statistics of one fitted law, on linear loss.
#[derive(Debug, Clone, PartialEq)]
pub struct InSample {
    /// √(mean (L − L̂)²).
    pub rmse: f64,
    /// mean |L − L̂|.
    pub mae: f64,
    /// The fitting objective (Huber on log loss, summed).
    pub objective: f64,
    /// Information criteria.
    pub ic: InformationCriteria,
}

/// Cross-validated RMSE of both laws under one fold scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct CvResult {
    /// How the folds were made.
    pub scheme: CvScheme,
    /// Number of folds that held out at least one run (at most the
    /// requested number: fewer when there are fewer runs or sizes).
    pub folds: usize,
    /// CV RMSE of the single law.
    pub single: f64,
    /// CV RMSE of the two-term law.
    pub two_term: f64,
    /// The single law's largest held-out |error| and the x (own units) where.
    pub worst_single: (f64, f64),
    /// The two-term law's largest held-out |error| and the x where.
    pub worst_two_term: (f64, f64),
}

impl CvResult {
    /// `100·(single − two_term)/single`.
    pub fn improvement_pct(&self) -> f64 {
        improvement_pct(self.single, self.two_term)
    }
}

/// The honest comparison's verdicts, one per test, and the overall one.
#[derive(Debug, Clone, PartialEq)]
pub struct HonestVerdict {
    /// ΔAIC = AIC₂ − AIC₁ read on Burnham & Anderson's scale.
    pub aic: Preference,
    /// ΔAICc read the same way.
    pub aicc: Preference,
    /// ΔBIC read the same way.
    pub bic: Preference,
    /// The published rule applied to the CV RMSE improvement, per scheme.
    pub cv: Vec<(CvScheme, Evidence)>,
    /// Whether the bootstrap interval of the RMSE improvement excludes 0.
    pub bootstrap_excludes_zero: Option<bool>,
    /// `supported`, `not_supported` or `inconclusive` (specs/dark-matter.md).
    pub overall: &'static str,
}

/// Everything the analysis finds for one metric.
#[derive(Debug, Clone)]
pub struct MetricAnalysis {
    /// Which metric.
    pub metric: Metric,
    /// Its normalisation factor.
    pub scale: f64,
    /// Number of runs.
    pub n: usize,
    /// x per run (own units), in input order.
    pub x: Vec<f64>,
    /// Loss per run, in input order.
    pub loss: Vec<f64>,
    /// The single-law fit.
    pub single: PowerLawFit,
    /// The two-term fit.
    pub two_term: PowerLawFit,
    /// In-sample statistics of the single law.
    pub single_stats: InSample,
    /// In-sample statistics of the two-term law.
    pub two_term_stats: InSample,
    /// RMSE improvement of two-term over single, percent.
    pub rmse_improvement_pct: f64,
    /// MAE improvement, percent.
    pub mae_improvement_pct: f64,
    /// Objective improvement, percent.
    pub objective_improvement_pct: f64,
    /// The published verdict.
    pub verdict: Evidence,
    /// Cross-validation, one per scheme (absent when a fold could not be fitted).
    pub cv: Vec<CvResult>,
    /// Bootstrap interval of the RMSE improvement (percent), with the
    /// number of replicates that fitted.
    pub rmse_improvement_ci: Option<([f64; 2], usize)>,
    /// The honest comparison's verdicts.
    pub honest: HonestVerdict,
}

/// How consistent the two-term exponents are across metrics (the
/// published rule).
#[derive(Debug, Clone, PartialEq)]
pub struct Consistency {
    /// max − min of α₁ (the steeper exponent) across metrics.
    pub alpha1_range: f64,
    /// max − min of α₂.
    pub alpha2_range: f64,
    /// `high` (both ranges < 0.1), `moderate` (both < 0.3) or `low`.
    pub level: &'static str,
}

/// The whole analysis.
#[derive(Debug, Clone)]
pub struct DarkMatterReport {
    /// Per metric, in input order.
    pub metrics: Vec<MetricAnalysis>,
    /// The metric with the largest RMSE improvement.
    pub best_metric: Metric,
    /// Consistency of the two-term exponents across metrics.
    pub consistency: Consistency,
    /// The settings used.
    pub params: DarkMatterParams,
}

/// `100·(before − after)/before`.
pub fn improvement_pct(before: f64, after: f64) -> f64 {
    100.0 * (before - after) / before
}

/// RMSE and MAE of a fit's predictions on (x, loss) in own units.
pub fn rmse_mae(fit: &PowerLawFit, x: &[f64], loss: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let (mut ss, mut sa) = (0.0, 0.0);
    for (xi, li) in x.iter().zip(loss) {
        let r = li - fit.predict(*xi);
        ss += r * r;
        sa += r.abs();
    }
    ((ss / n).sqrt(), sa / n)
}

fn in_sample(fit: &PowerLawFit, x: &[f64], loss: &[f64]) -> InSample {
    let (rmse, mae) = rmse_mae(fit, x, loss);
    InSample {
        rmse,
        mae,
        objective: fit.objective,
        ic: information_criteria(rmse, x.len(), fit.form.parameters()),
    }
}

fn check(input: &DarkMatterInput, params: &DarkMatterParams) -> Result<(), DarkMatterError> {
    let n = input.loss.len();
    if input.metrics.is_empty() {
        return Err(DarkMatterError::BadInput("no metric to analyse".into()));
    }
    if input.group.len() != n || input.metrics.iter().any(|m| m.x.len() != n) {
        return Err(DarkMatterError::BadInput(format!(
            "columns of different lengths: {n} losses, {} model sizes, metrics {:?}",
            input.group.len(),
            input
                .metrics
                .iter()
                .map(|m| (m.metric.name(), m.x.len()))
                .collect::<Vec<_>>()
        )));
    }
    if params.folds == 1 {
        return Err(DarkMatterError::BadSetting {
            name: "folds",
            value: params.folds as f64,
        });
    }
    if !(params.level > 0.0 && params.level < 1.0) {
        return Err(DarkMatterError::BadSetting {
            name: "level",
            value: params.level,
        });
    }
    Ok(())
}

/// Analyse one metric: fit both laws on all runs, the in-sample statistics
/// and published verdict, then the honest comparison.
///
/// # Errors
/// [`DarkMatterError::Fit`] when a full-data fit fails (bad points, too
/// few distinct x, every restart failing); [`DarkMatterError::NotComputable`]
/// when its RMSE, AIC or BIC are not finite in f64.
pub fn analyse_metric(
    column: &MetricColumn,
    loss: &[f64],
    group: &[f64],
    params: &DarkMatterParams,
) -> Result<MetricAnalysis, DarkMatterError> {
    analyse_metric_with(column, loss, group, params, &Silent)
}

/// The units of work [`analyse_metric_with`] reports for one metric: the
/// full-data fits (1), every fold of both cross-validation schemes, and
/// every bootstrap replicate.
pub fn metric_work(params: &DarkMatterParams) -> u64 {
    let folds = if params.folds == 0 {
        0
    } else {
        2 * params.folds
    };
    (1 + folds + params.bootstrap) as u64
}

/// [`analyse_metric`], reporting one stage named after the metric with
/// [`metric_work`] units (ticked as each fit, fold and replicate ends).
///
/// # Errors
/// As [`analyse_metric`].
pub fn analyse_metric_with(
    column: &MetricColumn,
    loss: &[f64],
    group: &[f64],
    params: &DarkMatterParams,
    progress: &dyn Progress,
) -> Result<MetricAnalysis, DarkMatterError> {
    let stage = column.metric.label();
    progress.start(stage, metric_work(params));
    let result = analyse_metric_inner(column, loss, group, params, progress);
    progress.finish(stage);
    result
}

fn analyse_metric_inner(
    column: &MetricColumn,
    loss: &[f64],
    group: &[f64],
    params: &DarkMatterParams,
    progress: &dyn Progress,
) -> Result<MetricAnalysis, DarkMatterError> {
    let metric = column.metric;
    let err = |source| DarkMatterError::Fit {
        metric: metric.name(),
        source,
    };
    let data = PowerLawData::<f64>::new(&column.x, loss, column.scale).map_err(err)?;
    let (single, two_term) = {
        let _tick = Tick(progress);
        fit_single_and_two_term(&data, &params.fit).map_err(err)?
    };
    let single_stats = in_sample(&single, &column.x, loss);
    let two_term_stats = in_sample(&two_term, &column.x, loss);
    let quantities: Vec<String> = [
        ("rmse_single", single_stats.rmse),
        ("rmse_two_term", two_term_stats.rmse),
        ("aic.single", single_stats.ic.aic),
        ("aic.two_term", two_term_stats.ic.aic),
        ("bic.single", single_stats.ic.bic),
        ("bic.two_term", two_term_stats.ic.bic),
    ]
    .iter()
    .filter(|(_, v)| !v.is_finite())
    .map(|(k, v)| format!("{k} = {v}"))
    .collect();
    if !quantities.is_empty() {
        return Err(DarkMatterError::NotComputable {
            metric: metric.name(),
            quantities: quantities.join(", "),
            scale: column.scale,
        });
    }
    let rmse_improvement_pct = improvement_pct(single_stats.rmse, two_term_stats.rmse);
    let schemes: &[CvScheme] = if params.folds == 0 {
        &[]
    } else {
        &[CvScheme::ByModelSize, CvScheme::Random]
    };
    let cv: Vec<CvResult> = schemes
        .iter()
        .copied()
        .filter_map(|scheme| {
            cross_validated_rmse_with(column, loss, group, scheme, params, progress).ok()
        })
        // A fold law whose predictions overflow f64 (coefficients beyond
        // its range) leaves the scheme not computable, never NaN.
        .filter(|c| c.single.is_finite() && c.two_term.is_finite())
        .collect();
    let rmse_improvement_ci = if params.bootstrap > 0 {
        rmse_improvement_interval_with(column, loss, (&single, &two_term), params, progress)
    } else {
        None
    };
    let honest = stats::honest_verdict(
        (&single_stats.ic, &two_term_stats.ic),
        &cv,
        rmse_improvement_ci.map(|c| c.0),
    );
    Ok(MetricAnalysis {
        metric,
        scale: column.scale,
        n: loss.len(),
        x: column.x.clone(),
        loss: loss.to_vec(),
        mae_improvement_pct: improvement_pct(single_stats.mae, two_term_stats.mae),
        objective_improvement_pct: improvement_pct(single.objective, two_term.objective),
        verdict: Evidence::from_improvement(rmse_improvement_pct),
        rmse_improvement_pct,
        single,
        two_term,
        single_stats,
        two_term_stats,
        cv,
        rmse_improvement_ci,
        honest,
    })
}

/// The consistency rule on the two-term exponents (canonical order:
/// α₁ the steeper) across metrics.
pub fn consistency(metrics: &[MetricAnalysis]) -> Consistency {
    let range = |k: usize| {
        let v: Vec<f64> = metrics.iter().map(|m| m.two_term.theta[k]).collect();
        v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - v.iter().copied().fold(f64::INFINITY, f64::min)
    };
    let (a1, a2) = (range(1), range(3));
    let level = if a1 < 0.1 && a2 < 0.1 {
        "high"
    } else if a1 < 0.3 && a2 < 0.3 {
        "moderate"
    } else {
        "low"
    };
    Consistency {
        alpha1_range: a1,
        alpha2_range: a2,
        level,
    }
}

/// Run the analysis on every metric of `input`.
///
/// # Errors
/// [`DarkMatterError::BadInput`] (columns of different lengths, no metric),
/// [`DarkMatterError::BadSetting`], [`DarkMatterError::Fit`].
pub fn analyse_dark_matter(
    input: &DarkMatterInput,
    params: &DarkMatterParams,
) -> Result<DarkMatterReport, DarkMatterError> {
    analyse_dark_matter_with(input, params, &Silent)
}

/// [`analyse_dark_matter`], reporting one stage per metric
/// ([`analyse_metric_with`]).
///
/// # Errors
/// As [`analyse_dark_matter`].
pub fn analyse_dark_matter_with(
    input: &DarkMatterInput,
    params: &DarkMatterParams,
    progress: &dyn Progress,
) -> Result<DarkMatterReport, DarkMatterError> {
    check(input, params)?;
    let metrics = input
        .metrics
        .iter()
        .map(|c| analyse_metric_with(c, &input.loss, &input.group, params, progress))
        .collect::<Result<Vec<_>, _>>()?;
    let best_metric = metrics
        .iter()
        .fold(None::<&MetricAnalysis>, |b, m| match b {
            Some(b) if b.rmse_improvement_pct >= m.rmse_improvement_pct => Some(b),
            _ => Some(m),
        })
        .map_or(Metric::Tokens, |m| m.metric);
    let consistency = consistency(&metrics);
    Ok(DarkMatterReport {
        metrics,
        best_metric,
        consistency,
        params: params.clone(),
    })
}
