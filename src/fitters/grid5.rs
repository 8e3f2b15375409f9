//! A plain five-dimensional grid search over (E, A, B, α, β), scored by the
//! RSS on L: the baseline every iterative method should beat.
//!
//! E, α and β are linearly spaced, A and B log-spaced, each over its bound
//! (by default Approach 3's box, [`PARAM_LO`]..[`PARAM_HI`]). For each
//! (α, β) the RSS is a quadratic in c = (E, A, B),
//! `RSS(c) = cᵀGc − 2cᵀh + LᵀL` with `G = ΦᵀΦ`, `h = ΦᵀL`, `Φ = [1, N^−α,
//! D^−β]`, so a grid point costs ~15 flops after one Gram matrix per (α, β)
//! pair (k² of them, m points each): k⁵ points cost k²·6m + 15·k⁵ flops
//! (k = 10: ~0.15 ms on 75 points, benches/approach3.rs). The expanded
//! form loses relative precision when RSS ≪ LᵀL; it is used only to rank
//! the points, and the reported RSS is recomputed directly at the best one.

use super::approach3::{rss_at, PARAM_HI, PARAM_LO};
use super::outcome::{FitError, FitStatus, SurfaceData, SurfaceFit};

/// Settings for [`fit_grid5`].
#[derive(Debug, Clone, PartialEq)]
pub struct Grid5Params {
    /// Points per axis k (k⁵ points are scored).
    pub points_per_axis: usize,
    /// Lower ends of the axes (E, A, B, α, β).
    pub lo: [f64; 5],
    /// Upper ends of the axes (E, A, B, α, β).
    pub hi: [f64; 5],
}

impl Default for Grid5Params {
    /// 10 points per axis (10⁵ points, ~0.15 ms on 75 data points) over
    /// Approach 3's box.
    fn default() -> Self {
        Self {
            points_per_axis: 10,
            lo: PARAM_LO,
            hi: PARAM_HI,
        }
    }
}

fn axis(lo: f64, hi: f64, k: usize, log: bool) -> Vec<f64> {
    (0..k)
        .map(|i| {
            let t = i as f64 / (k - 1) as f64;
            if log {
                (lo.ln() + (hi.ln() - lo.ln()) * t).exp()
            } else {
                lo + (hi - lo) * t
            }
        })
        .collect()
}

/// The best point of the k⁵ grid by RSS on L (first minimum wins; loops
/// nested α, β, E, A, B from the outside in).
///
/// The status is `BoundHit` when the best point lies on the grid's edge in any
/// coordinate, `GridPoint` otherwise (a grid point is not a converged
/// minimum); `iterations` is the number of points
/// scored (k⁵).
///
/// # Errors
/// [`FitError::BadSetting`] for fewer than 2 points per axis, a non-finite
/// or inverted axis, or a non-positive lower end for A or B (log-spaced).
///
/// ```
/// use scaling_laws::fitters::{fit_grid5, Grid5Params, SurfaceData};
/// let n = [1e8f64, 3e8, 1e9, 3e9, 1e10, 3e10];
/// let d = [3e10f64, 1e10, 3e9, 1e9, 3e8, 1e8];
/// let l: Vec<f64> = n.iter().zip(&d).map(|(n, d)| 1.7 + 400.0 * n.powf(-0.34) + 400.0 * d.powf(-0.28)).collect();
/// let fit = fit_grid5(&SurfaceData::new(&n, &d, &l).unwrap(), &Grid5Params::default()).unwrap();
/// assert_eq!(fit.iterations, 100_000);
/// assert!(fit.rss.is_finite());
/// ```
pub fn fit_grid5(
    data: &SurfaceData<f64>,
    params: &Grid5Params,
) -> Result<SurfaceFit<f64>, FitError> {
    let k = params.points_per_axis;
    if k < 2 {
        return Err(FitError::BadSetting {
            name: "points_per_axis",
            value: k as f64,
        });
    }
    const NAMES: [&str; 5] = ["E range", "A range", "B range", "alpha range", "beta range"];
    for (j, name) in NAMES.iter().enumerate() {
        let (lo, hi) = (params.lo[j], params.hi[j]);
        let bad =
            !(lo.is_finite() && hi.is_finite() && lo < hi) || ((j == 1 || j == 2) && lo <= 0.0);
        if bad {
            return Err(FitError::BadSetting {
                name,
                value: if lo.is_finite() && lo < hi {
                    lo
                } else {
                    hi - lo
                },
            });
        }
    }
    let axes: Vec<Vec<f64>> = (0..5)
        .map(|j| axis(params.lo[j], params.hi[j], k, j == 1 || j == 2))
        .collect();
    let m = data.len() as f64;
    let loss = data.loss();
    let sum_l: f64 = loss.iter().sum();
    let ll: f64 = loss.iter().map(|l| l * l).sum();
    let cols = |ln_z: &[f64], theta: f64| -> Vec<f64> {
        ln_z.iter().map(|l| (-theta * l).exp()).collect()
    };
    let us: Vec<Vec<f64>> = axes[3].iter().map(|a| cols(data.ln_n(), *a)).collect();
    let vs: Vec<Vec<f64>> = axes[4].iter().map(|b| cols(data.ln_d(), *b)).collect();
    let stats = |x: &[f64]| -> (f64, f64, f64) {
        x.iter()
            .zip(loss)
            .fold((0.0, 0.0, 0.0), |(s, q, h), (xi, li)| {
                (s + xi, q + xi * xi, h + xi * li)
            })
    };
    let us_stats: Vec<(f64, f64, f64)> = us.iter().map(|u| stats(u)).collect();
    let vs_stats: Vec<(f64, f64, f64)> = vs.iter().map(|v| stats(v)).collect();
    let mut best = (f64::INFINITY, [0usize; 5]);
    for (ia, u) in us.iter().enumerate() {
        for (ib, v) in vs.iter().enumerate() {
            let (su, uu, hu) = us_stats[ia];
            let (sv, vv, hv) = vs_stats[ib];
            let uv: f64 = u.iter().zip(v).map(|(a, b)| a * b).sum();
            for (ie, e) in axes[0].iter().enumerate() {
                for (iaa, a) in axes[1].iter().enumerate() {
                    for (ibb, b) in axes[2].iter().enumerate() {
                        // cᵀGc − 2cᵀh + LᵀL, G = [[m, Σu, Σv], [Σu, Σu², Σuv], [Σv, Σuv, Σv²]].
                        let quad = e * e * m
                            + a * a * uu
                            + b * b * vv
                            + 2.0 * (e * a * su + e * b * sv + a * b * uv);
                        let lin = e * sum_l + a * hu + b * hv;
                        let rss = quad - 2.0 * lin + ll;
                        if rss < best.0 {
                            best = (rss, [ie, iaa, ibb, ia, ib]);
                        }
                    }
                }
            }
        }
    }
    let idx = best.1;
    let p: [f64; 5] = std::array::from_fn(|j| axes[j][idx[j]]);
    let status = if idx.iter().any(|&i| i == 0 || i == k - 1) {
        FitStatus::BoundHit
    } else {
        FitStatus::GridPoint
    };
    Ok(SurfaceFit::from_parameters(
        p,
        rss_at(data, &p),
        status,
        k.pow(5),
    ))
}
