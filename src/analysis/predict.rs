//! Predictions of a fitted law with intervals, and how far a point lies
//! from the data the law was fitted to.
//!
//! - **Extrapolation distance**: the Mahalanobis distance of (ln N, ln D)
//!   from the training points, `√((x − μ)ᵀ S⁻¹ (x − μ))` with μ the mean and
//!   S the sample covariance (divisor n − 1) of the training (ln N, ln D):
//!   how many of the data's own standard deviations, along the direction of
//!   the point, it lies from their centre. A training cloud has distances
//!   of about √2 on average; 3 is at its edge, beyond that is extrapolation.
//!   A direction in which the data do not vary (all D equal) has no spread:
//!   a point off the data's line there is infinitely far (`inf`).
//! - **Interval for the mean**: the percentile interval of the law's L̂ at
//!   the point over bootstrap refits (points resampled with replacement).
//! - **Interval for a new run**: the percentile interval of
//!   `ln L̂_r + e_j·√(n/(n − p))` over every replicate r and every residual
//!   e_j = ln L_j − ln L̂(N_j, D_j) of the full fit (centred, p the law's
//!   parameter count): the refit's uncertainty plus the scatter of one run
//!   about the law, in ln L (multiplicative noise).

use crate::analysis::bootstrap::{percentile_interval, resample_indices, run_replicates};
use crate::analysis::law::{FittedLaw, LawMethod};
use crate::sampling::IsoflopPoint;

/// Where the training data lie in (ln N, ln D): mean, covariance, ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSpread {
    /// Points.
    pub points: usize,
    /// Mean of (ln N, ln D).
    pub mean: [f64; 2],
    /// Sample covariance of (ln N, ln D) (divisor n − 1).
    pub cov: [[f64; 2]; 2],
    /// Smallest and largest ln N.
    pub ln_n_range: [f64; 2],
    /// Smallest and largest ln D.
    pub ln_d_range: [f64; 2],
    /// Smallest and largest loss.
    pub loss_range: [f64; 2],
}

impl DataSpread {
    /// The spread of `points` (at least 2).
    pub fn of(points: &[IsoflopPoint<f64>]) -> Self {
        let m = points.len().max(1) as f64;
        let xs: Vec<[f64; 2]> = points.iter().map(|p| [p.n.ln(), p.d.ln()]).collect();
        let mean = [
            xs.iter().map(|x| x[0]).sum::<f64>() / m,
            xs.iter().map(|x| x[1]).sum::<f64>() / m,
        ];
        let mut cov = [[0.0; 2]; 2];
        for x in &xs {
            for i in 0..2 {
                for j in 0..2 {
                    cov[i][j] += (x[i] - mean[i]) * (x[j] - mean[j]);
                }
            }
        }
        let div = (m - 1.0).max(1.0);
        for row in &mut cov {
            for v in row.iter_mut() {
                *v /= div;
            }
        }
        let range = |f: &dyn Fn(&IsoflopPoint<f64>) -> f64| {
            points
                .iter()
                .fold([f64::INFINITY, f64::NEG_INFINITY], |r, p| {
                    [r[0].min(f(p)), r[1].max(f(p))]
                })
        };
        Self {
            points: points.len(),
            mean,
            cov,
            ln_n_range: range(&|p| p.n.ln()),
            ln_d_range: range(&|p| p.d.ln()),
            loss_range: range(&|p| p.loss),
        }
    }

    /// The Mahalanobis distance of (ln n, ln d) from the data (module docs).
    /// A direction with variance below 1e-12 of the largest is treated as
    /// no spread: 0 along it when the point is on the data's line (within
    /// 1e-9 of the spread), `inf` otherwise.
    pub fn distance(&self, n: f64, d: f64) -> f64 {
        let dx = [n.ln() - self.mean[0], d.ln() - self.mean[1]];
        let [[a, b], [_, c]] = self.cov;
        // Eigen-decomposition of the symmetric 2×2 covariance.
        let tr = a + c;
        let disc = (((a - c) / 2.0).powi(2) + b * b).sqrt();
        let l1 = tr / 2.0 + disc;
        let l2 = tr / 2.0 - disc;
        let v1 = if b.abs() > 0.0 {
            let v = [l1 - c, b];
            let nv = (v[0] * v[0] + v[1] * v[1]).sqrt();
            [v[0] / nv, v[1] / nv]
        } else if a >= c {
            [1.0, 0.0]
        } else {
            [0.0, 1.0]
        };
        let v2 = [-v1[1], v1[0]];
        let mut s = 0.0;
        for (l, v) in [(l1, v1), (l2, v2)] {
            let p = dx[0] * v[0] + dx[1] * v[1];
            if l > 1e-12 * l1.max(0.0) && l > 0.0 {
                s += p * p / l;
            } else if p.abs() > 1e-9 * (1.0 + l1.max(0.0).sqrt()) {
                return f64::INFINITY;
            }
        }
        s.sqrt()
    }

    /// Whether ln n or ln d lies outside the training range.
    pub fn outside_range(&self, n: f64, d: f64) -> bool {
        let (x, y) = (n.ln(), d.ln());
        x < self.ln_n_range[0]
            || x > self.ln_n_range[1]
            || y < self.ln_d_range[0]
            || y > self.ln_d_range[1]
    }
}

/// The residuals `ln L_j − ln L̂(N_j, D_j)` of a law on its data.
///
/// # Errors
/// Why the law gives no loss.
pub fn ln_residuals(law: &FittedLaw, points: &[IsoflopPoint<f64>]) -> Result<Vec<f64>, String> {
    points
        .iter()
        .map(|p| {
            let l = law.loss(p.n, p.d)?;
            if l > 0.0 && l.is_finite() {
                Ok(p.loss.ln() - l.ln())
            } else {
                Err(format!(
                    "the law predicts L = {l} at N = {:e}, D = {:e}",
                    p.n, p.d
                ))
            }
        })
        .collect()
}

/// One prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// N.
    pub n: f64,
    /// D.
    pub d: f64,
    /// L̂ at (N, D) by the fit to all points.
    pub loss: f64,
    /// The extrapolation distance (module docs).
    pub distance: f64,
    /// Whether ln N or ln D lies outside the training range.
    pub outside_range: bool,
    /// The percentile interval of L̂ over the bootstrap refits.
    pub mean_interval: Option<[f64; 2]>,
    /// The percentile interval for a new run (module docs).
    pub new_run_interval: Option<[f64; 2]>,
}

/// Predictions at `at` with their intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictReport {
    /// The law fitted to all points.
    pub law: FittedLaw,
    /// The spread of the training data.
    pub spread: DataSpread,
    /// Standard deviation of the ln L residuals, corrected by √(n/(n − p)).
    pub residual_sd: f64,
    /// One per point asked for.
    pub predictions: Vec<Prediction>,
    /// Replicates asked for.
    pub replicates: usize,
    /// Replicates whose refit gave a law with a loss.
    pub replicates_used: usize,
}

/// Fit `method` to `points` and predict at each (N, D) of `at`; with
/// `replicates > 0`, intervals of coverage `level` from that many bootstrap
/// refits (replicate r seeded `Rng::for_task(seed, r)`: the same for any
/// thread count).
///
/// # Errors
/// The fit's failure on all points, or a law without a loss.
pub fn predict(
    method: &LawMethod,
    points: &[IsoflopPoint<f64>],
    at: &[(f64, f64)],
    replicates: usize,
    seed: u64,
    level: f64,
) -> Result<PredictReport, String> {
    let (law, _) = method.fit(points)?;
    let resid = ln_residuals(&law, points)?;
    let m = resid.len() as f64;
    let p = law.parameter_count() as f64;
    let inflate = if m > p { (m / (m - p)).sqrt() } else { 1.0 };
    let mean_r = resid.iter().sum::<f64>() / m;
    let centred: Vec<f64> = resid.iter().map(|e| (e - mean_r) * inflate).collect();
    let residual_sd = (centred.iter().map(|e| e * e).sum::<f64>() / m).sqrt();
    let spread = DataSpread::of(points);
    let rows: Vec<Vec<f64>> = if replicates > 0 {
        run_replicates(replicates, seed, |rng| {
            let idx = resample_indices(rng, points.len());
            let pts: Vec<IsoflopPoint<f64>> = idx.iter().map(|&i| points[i].clone()).collect();
            let (l, _) = method.fit(&pts).ok()?;
            at.iter()
                .map(|&(n, d)| l.loss(n, d).ok().filter(|x| x.is_finite() && *x > 0.0))
                .collect::<Option<Vec<f64>>>()
        })
    } else {
        Vec::new()
    };
    let mut predictions = Vec::with_capacity(at.len());
    for (k, &(n, d)) in at.iter().enumerate() {
        let loss = law.loss(n, d)?;
        let col: Vec<f64> = rows.iter().map(|r| r[k]).collect();
        let (mean_interval, new_run_interval) = if col.is_empty() {
            (None, None)
        } else {
            let runs: Vec<f64> = col
                .iter()
                .flat_map(|l| centred.iter().map(move |e| l * e.exp()))
                .collect();
            (
                percentile_interval(&col, level),
                percentile_interval(&runs, level),
            )
        };
        predictions.push(Prediction {
            n,
            d,
            loss,
            distance: spread.distance(n, d),
            outside_range: spread.outside_range(n, d),
            mean_interval,
            new_run_interval,
        });
    }
    Ok(PredictReport {
        law,
        spread,
        residual_sd,
        predictions,
        replicates,
        replicates_used: rows.len(),
    })
}
