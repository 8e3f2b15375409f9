//! Monte Carlo truth for the design closed forms (`analysis::design`):
//! noisy IsoFLOP sweeps drawn with the crate's own sampler and noise, fitted
//! by each method, and the errors of ln N̂*(C_t), ln D̂*(C_t) and â averaged.
//!
//! Draw i uses `Rng::for_task(seed, i)` and the sums run over the draws in
//! index order, so the result does not depend on the thread count.

use rayon::prelude::*;

use crate::analysis::design::{DesignMethod, SweepDesign};
use crate::fitters::approach2_corrected::{fit_approach2_corrected, CorrectedParams};
use crate::fitters::{fit_approach2, SurfaceData, SurfaceMethod};
use crate::models::LossSurface;
use crate::sampling::noise::{add_loss_noise, Rng};
use crate::sampling::{sample_isoflops, IsoflopPoint, SamplingError};

/// The errors of one fitted draw: (ln N̂* − ln N*, ln D̂* − ln D*, â − a)
/// at the target.
pub type DrawErrors = [f64; 3];

/// The Monte Carlo summary of one method on one design.
#[derive(Debug, Clone, PartialEq)]
pub struct MonteCarlo {
    /// Draws that fitted (the others are counted in `failed`).
    pub draws: usize,
    /// Draws whose fit failed or gave a surface without an optimum.
    pub failed: usize,
    /// Mean error of (ln N*, ln D*, a).
    pub mean: [f64; 3],
    /// Mean squared error of (ln N*, ln D*, a).
    pub mse: [f64; 3],
    /// The standard error of each mean squared error, sd(e²)/√M.
    pub mse_se: [f64; 3],
}

/// The errors of one method on one set of points, or `None` when it fails.
pub fn draw_errors(
    surface: &LossSurface<f64>,
    points: &[IsoflopPoint<f64>],
    target: f64,
    method: DesignMethod,
) -> Option<DrawErrors> {
    let (ln_n, ln_d, a) = match method {
        DesignMethod::Approach2 => {
            let f = fit_approach2(points).ok()?;
            (
                f.n_law.log10_at(&target),
                f.d_law.log10_at(&target),
                f.n_law.exponent,
            )
        }
        DesignMethod::Approach2Corrected => {
            let f = fit_approach2_corrected(points, &CorrectedParams::default()).ok()?;
            (
                f.n_law.log10_at(&target),
                f.d_law.log10_at(&target),
                f.n_law.exponent,
            )
        }
        DesignMethod::Vpnls | DesignMethod::Approach3 => {
            let m = if method == DesignMethod::Vpnls {
                SurfaceMethod::vpnls()
            } else {
                SurfaceMethod::Approach3(Default::default())
            };
            let data = SurfaceData::from_points(points).ok()?;
            let [e, aa, b, al, be] = m.fit(&data).ok()?.parameters();
            let s = LossSurface::new(e, aa, b, al, be).ok()?;
            (
                s.log10_n_opt(&target),
                s.log10_d_opt(&target),
                s.exponent_a(),
            )
        }
    };
    let ln10 = std::f64::consts::LN_10;
    let e = [
        (ln_n - surface.log10_n_opt(&target)) * ln10,
        (ln_d - surface.log10_d_opt(&target)) * ln10,
        a - surface.exponent_a(),
    ];
    e.iter().all(|x| x.is_finite()).then_some(e)
}

/// `draws` noisy sweeps of `design` on `surface` with noise σ, each fitted
/// by `method`.
///
/// # Errors
/// Invalid budgets or grid.
pub fn monte_carlo(
    surface: &LossSurface<f64>,
    design: &SweepDesign<f64>,
    sigma: f64,
    target: f64,
    method: DesignMethod,
    draws: usize,
    seed: u64,
) -> Result<MonteCarlo, SamplingError> {
    let clean = sample_isoflops(surface, &design.budgets, &design.grid, &design.bias)?;
    let errors: Vec<Option<DrawErrors>> = (0..draws as u64)
        .into_par_iter()
        .map(|i| {
            let mut pts = clean.clone();
            add_loss_noise(&mut pts, sigma, &mut Rng::for_task(seed, i));
            draw_errors(surface, &pts, target, method)
        })
        .collect();
    let ok: Vec<DrawErrors> = errors.iter().flatten().copied().collect();
    let m = ok.len().max(1) as f64;
    let mut mean = [0.0; 3];
    let mut mse = [0.0; 3];
    for e in &ok {
        for j in 0..3 {
            mean[j] += e[j] / m;
            mse[j] += e[j] * e[j] / m;
        }
    }
    let mut var = [0.0; 3];
    for e in &ok {
        for j in 0..3 {
            let d = e[j] * e[j] - mse[j];
            var[j] += d * d / (m - 1.0).max(1.0);
        }
    }
    Ok(MonteCarlo {
        draws: ok.len(),
        failed: draws - ok.len(),
        mean,
        mse,
        mse_se: var.map(|v| (v / m).sqrt()),
    })
}
