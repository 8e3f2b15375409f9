//! Exact conditioning of the two formulations of the surface fit: the
//! five-parameter RSS of Approach 3 and the projected two-parameter
//! objective of VPNLS.
//!
//! Everything here is written over `T: RealField` and is exact up to the
//! rounding of `T` (no finite differences): at 256 bits
//! ([`Mpf256`](crate::numerics::mpf::Mpf256)) the numbers are reference
//! values.
//!
//! With `u = N^−α`, `v = D^−β` and residuals `r = E + A u + B v − L`:
//!
//! ```text
//! RSS      = Σ r²
//! ∇RSS     = 2 Σ r J,                 J = (1, u, v, −A u ln N, −B v ln D)
//! ∇²RSS    = 2 Σ (J Jᵀ + r ∇²r),      ∇²r: ∂A∂α = −u ln N, ∂α² = A u ln² N,
//!                                          ∂B∂β = −v ln D, ∂β² = B v ln² D
//! ∇²ρ(θ)   = H_θθ − H_θc H_cc⁻¹ H_cθ  at (c(θ), θ), c(θ) the interior least-squares coefficients
//! ```
//!
//! # Derivation
//! proofs/09_conditioning.md.

use nalgebra::{DMatrix, Matrix2, Matrix3, Matrix3x2, RealField, Vector5};

use crate::fitters::approach3::{objective_value_and_gradient, Objective};
use crate::fitters::{FitError, SurfaceData};
use crate::numerics::int;
use crate::numerics::nnls::{nnls, NnlsParams};
use crate::numerics::to_f64;

/// Gradient of `RSS(E, A, B, α, β) = Σ (E + A N^−α + B D^−β − L)²`, in the
/// order (E, A, B, α, β).
///
/// # Derivation
/// proofs/09_conditioning.md §9.1.
pub fn rss_gradient<T: RealField>(data: &SurfaceData<T>, p: &[T; 5]) -> Vector5<T> {
    let (_, g) = objective_value_and_gradient(data, Objective::Rss, p);
    let [g0, g1, g2, g3, g4] = g;
    Vector5::new(g0, g1, g2, g3, g4)
}

/// Exact Hessian of the same RSS, residual (second-order) term included:
/// `2 Σ (J Jᵀ + r ∇²r)`.
///
/// # Derivation
/// proofs/09_conditioning.md §9.1.
pub fn rss_hessian<T: RealField>(data: &SurfaceData<T>, p: &[T; 5]) -> nalgebra::Matrix5<T> {
    let [e, a, b, alpha, beta] = p.clone();
    let mut h = nalgebra::Matrix5::<T>::zeros();
    for ((ln_n, ln_d), l) in data.ln_n().iter().zip(data.ln_d()).zip(data.loss()) {
        let u = (-alpha.clone() * ln_n.clone()).exp();
        let v = (-beta.clone() * ln_d.clone()).exp();
        let r = e.clone() + a.clone() * u.clone() + b.clone() * v.clone() - l.clone();
        let j = Vector5::new(
            T::one(),
            u.clone(),
            v.clone(),
            -a.clone() * u.clone() * ln_n.clone(),
            -b.clone() * v.clone() * ln_d.clone(),
        );
        h += &j * j.transpose();
        // r ∇²r: only (A, α), (α, α), (B, β), (β, β) are non-zero.
        let ru_ln = r.clone() * u * ln_n.clone();
        let rv_ln = r * v * ln_d.clone();
        h[(1, 3)] -= ru_ln.clone();
        h[(3, 1)] -= ru_ln.clone();
        h[(3, 3)] += a.clone() * ru_ln * ln_n.clone();
        h[(2, 4)] -= rv_ln.clone();
        h[(4, 2)] -= rv_ln.clone();
        h[(4, 4)] += b.clone() * rv_ln * ln_d.clone();
    }
    h * int::<T>(2)
}

/// Exact 2×2 Hessian of the projected objective
/// `ρ(α, β) = min_{c ≥ 0} ‖L − Φ(α, β)c‖²` at a point where the minimiser
/// c(α, β) is interior (E, A, B > 0): the Schur complement
/// `H_θθ − H_θc H_cc⁻¹ H_cθ` of [`rss_hessian`] at (c(α, β), α, β).
///
/// c is computed by NNLS (`numerics::nnls`) in `T`.
///
/// # Derivation
/// proofs/09_conditioning.md §9.2 (envelope theorem and implicit function
/// theorem).
///
/// # Errors
/// [`FitError::NotInterior`] when NNLS pins a coefficient at zero or the
/// 3×3 block `H_cc = 2ΦᵀΦ` is not positive definite to rounding;
/// [`FitError::Nnls`] for non-finite design entries.
///
/// ```
/// use nalgebra::DMatrix;
/// use scaling_laws::analysis::conditioning::{projected_hessian, rss_hessian, spectrum};
/// use scaling_laws::fitters::SurfaceData;
/// let n = [1e8f64, 3e8, 1e9, 3e9, 1e10, 3e10];
/// let d = [3e10f64, 1e10, 3e9, 1e9, 3e8, 1e8];
/// let l: Vec<f64> = n.iter().zip(&d).map(|(n, d)| 1.69 + 406.4 * n.powf(-0.34) + 410.7 * d.powf(-0.28)).collect();
/// let data = SurfaceData::new(&n, &d, &l).unwrap();
/// let h5 = rss_hessian(&data, &[1.69, 406.4, 410.7, 0.34, 0.28]);
/// let h2 = projected_hessian(&data, &0.34, &0.28).unwrap();
/// let k5 = spectrum(&DMatrix::from_fn(5, 5, |i, j| h5[(i, j)])).condition;
/// let k2 = spectrum(&DMatrix::from_fn(2, 2, |i, j| h2[(i, j)])).condition;
/// assert!(k2 < k5);
/// ```
pub fn projected_hessian<T: RealField>(
    data: &SurfaceData<T>,
    alpha: &T,
    beta: &T,
) -> Result<Matrix2<T>, FitError> {
    let s = nnls(
        &data.design(alpha, beta),
        &data.rhs(),
        &NnlsParams::default(),
    )?;
    let c = s.x;
    let not_interior = || FitError::NotInterior {
        alpha: to_f64(alpha),
        beta: to_f64(beta),
        coefficients: [to_f64(&c[0]), to_f64(&c[1]), to_f64(&c[2])],
    };
    if c.iter().any(|v| *v <= T::zero()) {
        return Err(not_interior());
    }
    let p = [
        c[0].clone(),
        c[1].clone(),
        c[2].clone(),
        alpha.clone(),
        beta.clone(),
    ];
    let h = rss_hessian(data, &p);
    let h_cc = Matrix3::from_fn(|i, j| h[(i, j)].clone());
    let h_ct = Matrix3x2::from_fn(|i, j| h[(i, 3 + j)].clone());
    let h_tt = Matrix2::from_fn(|i, j| h[(3 + i, 3 + j)].clone());
    let chol = h_cc.cholesky().ok_or_else(not_interior)?;
    let x = chol.solve(&h_ct);
    Ok(h_tt - h_ct.transpose() * x)
}

/// Eigen-decomposition of a symmetric matrix, eigenvalues ascending.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum<T> {
    /// Eigenvalues, ascending.
    pub eigenvalues: Vec<T>,
    /// Unit eigenvectors in the same order, each with its largest-magnitude
    /// component positive.
    pub eigenvectors: Vec<Vec<T>>,
    /// `max |λ| / min |λ|` (infinite when an eigenvalue is exactly 0).
    pub condition: T,
}

/// The spectrum of the symmetric matrix `h` (nalgebra's symmetric QR
/// algorithm, in `T`: exact to `T`'s rounding at 256 bits too).
pub fn spectrum<T: RealField>(h: &DMatrix<T>) -> Spectrum<T> {
    let eig = h.clone().symmetric_eigen();
    let n = eig.eigenvalues.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| {
        eig.eigenvalues[i]
            .partial_cmp(&eig.eigenvalues[j])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let eigenvalues: Vec<T> = order.iter().map(|&i| eig.eigenvalues[i].clone()).collect();
    let eigenvectors = order
        .iter()
        .map(|&i| {
            let col: Vec<T> = eig.eigenvectors.column(i).iter().cloned().collect();
            let lead = col.iter().cloned().fold(T::zero(), |m, v| {
                if v.clone().abs() > m.clone().abs() {
                    v
                } else {
                    m
                }
            });
            if lead < T::zero() {
                col.into_iter().map(|v| -v).collect()
            } else {
                col
            }
        })
        .collect();
    let abs: Vec<T> = eigenvalues.iter().map(|v| v.clone().abs()).collect();
    let max = abs.iter().cloned().fold(T::zero(), |m, v| m.max(v));
    let min = abs.iter().cloned().fold(max.clone(), |m, v| m.min(v));
    let condition = if min == T::zero() {
        // 1/0 in T: +∞ for f64 and for MPFR floats.
        T::one() / T::zero()
    } else {
        max / min
    };
    Spectrum {
        eigenvalues,
        eigenvectors,
        condition,
    }
}
