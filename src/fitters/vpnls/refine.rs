//! The default refinement: Levenberg–Marquardt on the reduced problem with
//! the Kaufman Jacobian.

use nalgebra::RealField;

use super::finish::finish;
use super::project::{kaufman_jacobian, project};
use super::VpnlsParams;
use crate::fitters::outcome::{FitError, FitStatus, SurfaceData, SurfaceFit};
use crate::numerics::{int, lit, ratio};

/// Levenberg–Marquardt on the reduced problem from `start` = (α, β), with
/// the Kaufman Jacobian, inside `params.bounds`; then NNLS at the result.
/// Generic over the scalar: run at 128 or 256 bits from the f64 answer it
/// converges to the rounding floor of that precision (proofs/07 §7.7).
///
/// Converged when a step no longer moves (α, β) beyond 4ε relative, or no
/// step lowers ρ and the gradient `Jᵀr` is at rounding level.
///
/// # Errors
/// As [`fit_vpnls`](super::fit_vpnls).
pub fn refine_vpnls<T: RealField>(
    data: &SurfaceData<T>,
    start: (T, T),
    params: &VpnlsParams,
) -> Result<SurfaceFit<T>, FitError> {
    let (lo, hi) = (lit::<T>(params.bounds.0), lit::<T>(params.bounds.1));
    let mut theta = [
        start.0.clamp(lo.clone(), hi.clone()),
        start.1.clamp(lo.clone(), hi.clone()),
    ];
    let mut p = project(data, &theta[0], &theta[1])?;
    let mut lambda = ratio::<T>(1, 1000);
    let mut iterations = 0;
    let mut status = FitStatus::MaxIter;
    let tiny = T::default_epsilon() * int::<T>(4);
    while iterations < params.max_iter {
        iterations += 1;
        let jac = kaufman_jacobian(data, &p);
        let jtj = jac.transpose() * &jac;
        let jtr = jac.transpose() * &p.r;
        // Marquardt's damping λ·diag(JᵀJ), with each diagonal entry floored
        // at ε·tr(JᵀJ): a coefficient pinned at 0 zeroes its exponent's
        // column, and the other exponent must still move.
        let floor = T::default_epsilon() * (jtj[(0, 0)].clone() + jtj[(1, 1)].clone());
        let mut accepted = false;
        for _ in 0..30 {
            let mut a = jtj.clone();
            for k in 0..2 {
                a[(k, k)] =
                    jtj[(k, k)].clone() + lambda.clone() * jtj[(k, k)].clone().max(floor.clone());
            }
            let Some(step) = a.lu().solve(&(-jtr.clone())) else {
                break;
            };
            let cand = [
                (theta[0].clone() + step[0].clone()).clamp(lo.clone(), hi.clone()),
                (theta[1].clone() + step[1].clone()).clamp(lo.clone(), hi.clone()),
            ];
            let moved = (cand[0].clone() - theta[0].clone()).abs()
                + (cand[1].clone() - theta[1].clone()).abs();
            if moved <= tiny.clone() * (theta[0].clone().abs() + theta[1].clone().abs()) {
                status = FitStatus::Converged;
                break;
            }
            let q = project(data, &cand[0], &cand[1])?;
            if q.rss <= p.rss {
                theta = cand;
                p = q;
                lambda = (lambda / int::<T>(10)).max(lit(1e-12));
                accepted = true;
                break;
            }
            lambda *= int::<T>(10);
        }
        if status == FitStatus::Converged {
            break;
        }
        if !accepted {
            // No step lowers the RSS: at the floor of rounding (noise-free
            // data) or stuck. Converged if the gradient is at rounding level.
            let gnorm = jtr.norm();
            let scale = jac.norm() * p.r.norm() + T::default_epsilon();
            status = if gnorm <= scale * lit(1e-6) || p.rss == T::zero() {
                FitStatus::Converged
            } else {
                FitStatus::Abnormal
            };
            break;
        }
    }
    finish(data, theta, p, status, iterations, params, false)
}
