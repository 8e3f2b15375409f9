//! The precision ladder: VPNLS and Approach 2 on the same noise-free data
//! at 53, 64, 128 and 256 bits.

use nalgebra::RealField;
use thiserror::Error;

use super::{fit_vpnls, refine_vpnls, VpnlsParams};
use crate::fitters::approach2::{fit_approach2, Approach2Error};
use crate::fitters::outcome::{FitError, FitStatus, SurfaceData};
use crate::models::LossSurface;
use crate::numerics::mpf::Mpf;
use crate::numerics::{lit, to_f64};
use crate::sampling::{sample_isoflops, IsoflopGrid, SamplingBias, SamplingError};

/// One rung of the precision ladder ([`vpnls_precision_ladder`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PrecisionRung {
    /// Significand bits of the scalar (53 for f64).
    pub bits: u32,
    /// VPNLS: max relative error over E, A, B, α, β.
    pub vpnls_max_rel_error: f64,
    /// VPNLS: relative error of a = β/(α+β) (the N* exponent).
    pub vpnls_a_rel_error: f64,
    /// VPNLS status.
    pub vpnls_status: FitStatus,
    /// VPNLS Levenberg–Marquardt iterations (from the grid for f64, from the
    /// f64 answer otherwise).
    pub vpnls_iterations: usize,
    /// Approach 2: relative error of its fitted exponent â.
    pub approach2_a_rel_error: f64,
    /// Approach 2: relative error of its fitted exponent b̂.
    pub approach2_b_rel_error: f64,
}

/// Why the precision ladder could not run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PrecisionLadderError {
    /// Invalid sampling input.
    #[error(transparent)]
    Sampling(#[from] SamplingError),
    /// A VPNLS fit failed.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// An Approach 2 fit failed.
    #[error(transparent)]
    Approach2(#[from] Approach2Error),
}

fn rel<T: RealField>(est: &T, truth: &T) -> f64 {
    to_f64(&((est.clone() - truth.clone()) / truth.clone())).abs()
}

fn ladder_rung<T: RealField>(
    surface: &LossSurface<f64>,
    budgets: &[f64],
    grid: &IsoflopGrid<f64>,
    bias: &SamplingBias<f64>,
    start: Option<(f64, f64)>,
    params: &VpnlsParams,
    bits: u32,
) -> Result<(PrecisionRung, (f64, f64)), PrecisionLadderError> {
    let s: LossSurface<T> = surface.cast();
    let cs: Vec<T> = budgets.iter().map(|&c| lit::<T>(c)).collect();
    let g = IsoflopGrid::new(lit::<T>(*grid.half_width()), grid.points())?;
    let b = SamplingBias::new(lit::<T>(*bias.drift_rate()), lit::<T>(*bias.center_scale()))?;
    let pts = sample_isoflops(&s, &cs, &g, &b)?;
    let data = SurfaceData::from_points(&pts)?;
    let fit = match start {
        None => fit_vpnls(&data, params)?,
        Some((a, b)) => refine_vpnls(&data, (lit::<T>(a), lit::<T>(b)), params)?,
    };
    let a_of = |alpha: &T, beta: &T| beta.clone() / (alpha.clone() + beta.clone());
    let b_of = |alpha: &T, beta: &T| alpha.clone() / (alpha.clone() + beta.clone());
    let a_true = a_of(s.alpha(), s.beta());
    let b_true = b_of(s.alpha(), s.beta());
    let max_rel = [
        rel(&fit.e, s.e()),
        rel(&fit.a, s.a()),
        rel(&fit.b, s.b()),
        rel(&fit.alpha, s.alpha()),
        rel(&fit.beta, s.beta()),
    ]
    .into_iter()
    .fold(0.0, f64::max);
    let a2 = fit_approach2(&pts)?;
    Ok((
        PrecisionRung {
            bits,
            vpnls_max_rel_error: max_rel,
            vpnls_a_rel_error: rel(&a_of(&fit.alpha, &fit.beta), &a_true),
            vpnls_status: fit.status,
            vpnls_iterations: fit.iterations,
            approach2_a_rel_error: rel(&a2.n_law.exponent, &a_true),
            approach2_b_rel_error: rel(&a2.d_law.exponent, &b_true),
        },
        (to_f64(&fit.alpha), to_f64(&fit.beta)),
    ))
}

/// VPNLS and Approach 2 on the same noise-free data at 53 (f64), 64, 128
/// and 256 bits: the data are generated at each precision from the f64
/// surface, budgets and grid (exact in every precision); VPNLS runs the
/// default fit in f64 and [`refine_vpnls`] from the f64 answer above it.
/// VPNLS's error falls with precision (it is rounding); Approach 2's does
/// not (it is the structural vertex shift; proofs/07 §7.7).
///
/// # Errors
/// Invalid sampling input, or a failed fit, as [`PrecisionLadderError`].
pub fn vpnls_precision_ladder(
    surface: &LossSurface<f64>,
    budgets: &[f64],
    grid: &IsoflopGrid<f64>,
    bias: &SamplingBias<f64>,
    params: &VpnlsParams,
) -> Result<Vec<PrecisionRung>, PrecisionLadderError> {
    let (r53, start) = ladder_rung::<f64>(surface, budgets, grid, bias, None, params, 53)?;
    let s = Some(start);
    let (r64, _) = ladder_rung::<Mpf<64>>(surface, budgets, grid, bias, s, params, 64)?;
    let (r128, _) = ladder_rung::<Mpf<128>>(surface, budgets, grid, bias, s, params, 128)?;
    let (r256, _) = ladder_rung::<Mpf<256>>(surface, budgets, grid, bias, s, params, 256)?;
    Ok(vec![r53, r64, r128, r256])
}
