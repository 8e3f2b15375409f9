//! The projected objective: NNLS at fixed (α, β), its exact gradient and the
//! Kaufman Jacobian of the projected residual.

use nalgebra::{DMatrix, DVector, RealField};

use crate::fitters::outcome::{FitError, SurfaceData};
use crate::numerics::nnls::{nnls, NnlsParams, NnlsStatus};
use crate::numerics::{int, to_f64};

/// The projected objective at (α, β): ρ, its exact gradient and the NNLS
/// coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct Projected<T> {
    /// ρ(α, β) = min over c ≥ 0 of ‖L − Φc‖².
    pub rss: T,
    /// (∂ρ/∂α, ∂ρ/∂β).
    pub gradient: [T; 2],
    /// (E, A, B) = the NNLS minimiser c(α, β).
    pub coefficients: [T; 3],
}

/// Projected state at (α, β): NNLS coefficients, residual, RSS, and an
/// orthonormal basis of the free columns of Φ (for the Kaufman Jacobian).
pub(super) struct Projection<T: RealField> {
    pub(super) phi: DMatrix<T>,
    pub(super) c: DVector<T>,
    pub(super) r: DVector<T>,
    pub(super) rss: T,
    pub(super) q_free: Option<DMatrix<T>>,
    /// NNLS ran out of iterations (c feasible, maybe not optimal).
    pub(super) nnls_max_iter: bool,
}

/// Relative size below which an R diagonal counts as zero, as in
/// `numerics::nnls` (16·m·ε·max|R_ii|).
fn rank_ok<T: RealField>(r: &DMatrix<T>, m: usize) -> bool {
    let k = r.ncols().min(r.nrows());
    let rmax = (0..k)
        .map(|i| r[(i, i)].clone().abs())
        .fold(T::zero(), |x, y| x.max(y));
    let tiny = rmax * T::default_epsilon() * int::<T>(16 * m as i64);
    (0..k).all(|i| r[(i, i)].clone().abs() > tiny)
}

pub(super) fn project<T: RealField>(
    data: &SurfaceData<T>,
    alpha: &T,
    beta: &T,
) -> Result<Projection<T>, FitError> {
    let phi = data.design(alpha, beta);
    let l = data.rhs();
    let m = data.len();
    if let Some((i, j)) = (0..m)
        .flat_map(|i| (1..3).map(move |j| (i, j)))
        .find(|&(i, j)| !phi[(i, j)].is_finite())
    {
        let (term, axis, ln_z, exponent) = if j == 1 {
            ("N^−α", "N", &data.ln_n()[i], alpha)
        } else {
            ("D^−β", "D", &data.ln_d()[i], beta)
        };
        return Err(FitError::DesignOverflow {
            index: i,
            term,
            axis,
            base: to_f64(&ln_z.clone().exp()),
            exponent: to_f64(exponent),
        });
    }
    // Fast path: the unconstrained least-squares solution by one QR; when it
    // is strictly positive it satisfies the KKT conditions (Φᵀr = 0, c > 0)
    // and is the NNLS solution (proofs/07 §7.6). Otherwise Lawson–Hanson.
    if phi.iter().all(|v| v.is_finite()) {
        let qr = phi.clone().qr();
        let rf = qr.r();
        if rank_ok(&rf, m) {
            let q = qr.q();
            if let Some(c) = rf.solve_upper_triangular(&(q.transpose() * &l)) {
                if c.iter().all(|v| v.is_finite() && *v > T::zero()) {
                    let r = l - &phi * &c;
                    let rss = r.dot(&r);
                    return Ok(Projection {
                        phi,
                        c,
                        r,
                        rss,
                        q_free: Some(q),
                        nnls_max_iter: false,
                    });
                }
            }
        }
    }
    let s = nnls(&phi, &l, &NnlsParams::default())?;
    let r = l - &phi * &s.x;
    let free: Vec<usize> = (0..3).filter(|&j| s.x[j] > T::zero()).collect();
    let q_free = (!free.is_empty()).then(|| {
        DMatrix::from_fn(m, free.len(), |i, j| phi[(i, free[j])].clone())
            .qr()
            .q()
    });
    Ok(Projection {
        phi,
        c: s.x,
        rss: s.rss,
        r,
        q_free,
        nnls_max_iter: s.status == NnlsStatus::MaxIter,
    })
}

/// The projected objective ρ(α, β) = min_{c ≥ 0} ‖L − Φ(α, β)c‖², its
/// gradient and the minimiser c = (E, A, B).
///
/// ```math
/// ∂ρ/∂α = −2 rᵀ(∂_αΦ)c = 2A Σ_i r_i ln N_i N_i^{−α},
/// ∂ρ/∂β = 2B Σ_i r_i ln D_i D_i^{−β},   r = L − Φc.
/// ```
///
/// The gradient is exact, not an approximation: c minimises a convex
/// function over a set that does not depend on (α, β), so by Danskin's
/// (envelope) theorem the derivative of ρ is the partial derivative of
/// ‖L − Φc‖² at fixed c (proofs/07 §7.3).
///
/// # Errors
/// [`FitError::DesignOverflow`] when a design term overflows f64, naming the
/// point (N^−α = e^{−α ln N} overflows once −α ln N > ln(f64::MAX) ≈ 709.8:
/// N below e^{−709.8/α}, e.g. N = 5e-324 with α > 0.954; an underflow to 0
/// is harmless).
///
/// ```
/// use scaling_laws::fitters::{vpnls::projected_objective, SurfaceData};
/// let n: [f64; 6] = [1e8, 1e9, 1e10, 1e8, 1e9, 1e10];
/// let d: [f64; 6] = [1e10, 1e10, 1e10, 1e11, 1e11, 1e11];
/// let l: Vec<f64> = n.iter().zip(&d)
///     .map(|(n, d)| 1.7 + 400.0 * n.powf(-0.34) + 400.0 * d.powf(-0.28)).collect();
/// let data = SurfaceData::new(&n, &d, &l).unwrap();
/// let p = projected_objective(&data, &0.34, &0.28).unwrap();
/// assert!(p.rss < 1e-24 && (p.coefficients[0] - 1.7).abs() < 1e-9);
/// ```
pub fn projected_objective<T: RealField>(
    data: &SurfaceData<T>,
    alpha: &T,
    beta: &T,
) -> Result<Projected<T>, FitError> {
    let p = project(data, alpha, beta)?;
    let two = int::<T>(2);
    let (mut ga, mut gb) = (T::zero(), T::zero());
    for i in 0..data.len() {
        ga += p.r[i].clone() * data.ln_n()[i].clone() * p.phi[(i, 1)].clone();
        gb += p.r[i].clone() * data.ln_d()[i].clone() * p.phi[(i, 2)].clone();
    }
    Ok(Projected {
        gradient: [two.clone() * p.c[1].clone() * ga, two * p.c[2].clone() * gb],
        coefficients: [p.c[0].clone(), p.c[1].clone(), p.c[2].clone()],
        rss: p.rss,
    })
}

/// The Kaufman Jacobian of the projected residual `r(α, β) = L − Φc` with
/// respect to (α, β): `J_k = −P⊥(∂Φ/∂θ_k)c`, P⊥ the projector onto the
/// complement of the free columns of Φ.
pub(super) fn kaufman_jacobian<T: RealField>(
    data: &SurfaceData<T>,
    p: &Projection<T>,
) -> DMatrix<T> {
    let m = data.len();
    // ∂Φ/∂α c = −ln N ⊙ N^−α · c_A; so −(∂Φ/∂α)c = c_A ln N ⊙ N^−α.
    let mut j = DMatrix::from_fn(m, 2, |i, k| {
        if k == 0 {
            p.c[1].clone() * data.ln_n()[i].clone() * p.phi[(i, 1)].clone()
        } else {
            p.c[2].clone() * data.ln_d()[i].clone() * p.phi[(i, 2)].clone()
        }
    });
    if let Some(q) = &p.q_free {
        let proj = q * (q.transpose() * &j);
        j -= proj;
    }
    j
}
