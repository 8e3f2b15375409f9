//! The conditioning check of the design at the result (proofs/07 §7.5).

use nalgebra::{Matrix3, RealField};

use crate::fitters::outcome::SurfaceData;
use crate::numerics::to_f64;

/// A fit whose design, with unit-norm columns, has a condition number above
/// this is rejected ([`FitError::IllConditioned`](crate::fitters::FitError::IllConditioned)): with κ > 1e12 the f64
/// coefficients carry relative errors up to κ·ε ≈ 2e-4 and beyond — no longer
/// an estimate worth reporting (issue 3 §1).
pub const CONDITION_LIMIT: f64 = 1e12;

/// The condition number σ_max/σ_min of the design `[1, N^−α, D^−β]` with
/// its columns scaled to unit norm (the scaling that makes it independent of
/// the units of N and D, and the one that bounds the relative error of each
/// coefficient; proofs/07 §7.5). Computed from the 3×3 R factor of a QR of
/// Φ (cond(Φ) = cond(R)) and a 3×3 SVD. `+∞` (f64) when singular.
pub fn design_condition<T: RealField>(data: &SurfaceData<T>, alpha: &T, beta: &T) -> f64 {
    let phi = data.design(alpha, beta);
    if phi.iter().any(|v| !v.is_finite()) {
        return f64::INFINITY;
    }
    let rf = phi.qr().r();
    // Column norms of Φ equal those of R (Q has orthonormal columns).
    let r = Matrix3::from_fn(|i, j| {
        let norm = rf.column(j).norm();
        if norm > T::zero() {
            rf[(i, j)].clone() / norm
        } else {
            T::zero()
        }
    });
    let sv = r.singular_values();
    let (mut hi, mut lo) = (sv[0].clone(), sv[0].clone());
    for s in sv.iter() {
        hi = hi.max(s.clone());
        lo = lo.min(s.clone());
    }
    if lo > T::zero() {
        to_f64(&(hi / lo))
    } else {
        f64::INFINITY
    }
}
