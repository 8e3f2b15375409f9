//! VPNLS: variable projection with non-negative least squares.
//!
//! For fixed (α, β) the model `L = E + A·N^−α + B·D^−β` is linear in
//! (E, A, B) ≥ 0, solved by NNLS on the design `Φ = [1, N^−α, D^−β]`; only
//! (α, β) is searched. The default ([`fit_vpnls`]) scores a coarse grid by
//! the projected RSS, then refines by an exact-derivative
//! Levenberg–Marquardt on the reduced problem with the Kaufman Jacobian
//! `∂r/∂θ_k = −P⊥ (∂Φ/∂θ_k) c` \[GP73, K75\]. [`fit_vpnls_with`] runs the
//! other outer searches of the comparison study ([`VpnlsMethod`]): Nelder–Mead,
//! L-BFGS-B with the analytic variable-projection gradient
//! ([`projected_objective`]) or finite differences, and a plain fine grid.
//!
//! Every fit ends with one conditioning check of the design at the returned
//! (α, β) ([`design_condition`], proofs/07 §7.5).
//!
//! ## References
//! - \[GP73\] G. Golub, V. Pereyra, SIAM J. Numer. Anal. 10 (1973), doi:10.1137/0710036.
//! - \[K75\] L. Kaufman, BIT 15 (1975), doi:10.1007/BF01932995.
//! - \[NM65\] J. A. Nelder, R. Mead, Comput. J. 7 (1965), doi:10.1093/comjnl/7.4.308.

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor, State, TerminationReason};
use argmin::solver::neldermead::NelderMead;
use nalgebra::{DMatrix, DVector, Matrix3, RealField};
use thiserror::Error;

use super::approach2::{fit_approach2, Approach2Error};
use super::outcome::{FitError, FitStatus, SurfaceData, SurfaceFit};
use crate::models::LossSurface;
use crate::numerics::finite_diff::FdScheme;
use crate::numerics::lbfgsb::{minimize_lbfgsb, GradientSource, LbfgsbEnd, LbfgsbSettings};
use crate::numerics::mpf::Mpf;
use crate::numerics::nnls::{nnls, NnlsParams, NnlsStatus};
use crate::numerics::{int, lit, ratio, to_f64};
use crate::sampling::{sample_isoflops, IsoflopGrid, SamplingBias, SamplingError};

/// A fit whose design, with unit-norm columns, has a condition number above
/// this is rejected ([`FitError::IllConditioned`]): with κ > 1e12 the f64
/// coefficients carry relative errors up to κ·ε ≈ 2e-4 and beyond — no longer
/// an estimate worth reporting (issue 3 §1).
pub const CONDITION_LIMIT: f64 = 1e12;

pub use super::outcome::BOUND_TOLERANCE;

/// Nelder–Mead stops when the standard deviation of the RSS over its simplex
/// falls below this fraction of the RSS at the grid start (argmin's only
/// criterion is an absolute spread of the objective, so it is set per fit).
/// It plays the part of scipy's `fatol = 1e-15, xatol = 1e-10`: the RSS
/// spread is relative so that noisy data (RSS ~ mσ²) still stop at their
/// rounding level, and on noise-free data (grid-start RSS ~1e-5, curvature
/// ~0.1) it leaves (α, β) within ~1e-10 (proofs/07 §7.4).
pub const NM_SD_TOLERANCE: f64 = 1e-15;

/// The outer search over (α, β).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VpnlsMethod {
    /// Grid, then Levenberg–Marquardt with the Kaufman Jacobian (the default;
    /// the "exact-derivative refinement").
    LevenbergMarquardt,
    /// Grid, then argmin's Nelder–Mead until the RSS spread over the simplex
    /// is below [`NM_SD_TOLERANCE`]; the simplex starts at the grid point and
    /// one grid spacing along each axis; outside the bounds the objective is +∞.
    NelderMead,
    /// Grid, then L-BFGS-B ([`VpnlsParams::lbfgsb`]: the reference's
    /// ftol = gtol = 1e-15 by default) on the bounds, with the analytic
    /// variable-projection gradient or finite differences.
    Lbfgsb(GradientSource),
    /// The grid alone (`params.grid` per axis; 256 for the study,
    /// [`VpnlsParams::fine_grid`]), no refinement.
    Grid,
}

impl VpnlsMethod {
    /// A short name: `lm`, `nelder-mead`, `lbfgsb-analytic`,
    /// `lbfgsb-3-point`, `lbfgsb-forward-1e-8`, `lbfgsb-central-1e-8`, `grid`.
    pub fn name(&self) -> String {
        match self {
            VpnlsMethod::LevenbergMarquardt => "lm".into(),
            VpnlsMethod::NelderMead => "nelder-mead".into(),
            VpnlsMethod::Lbfgsb(GradientSource::Analytic) => "lbfgsb-analytic".into(),
            VpnlsMethod::Lbfgsb(GradientSource::FiniteDifference(fd)) => {
                format!("lbfgsb-{}", fd.name())
            }
            VpnlsMethod::Grid => "grid".into(),
        }
    }

    /// The 2-D outer searches of the comparison study (Exp 5c), in order:
    /// LM, Nelder–Mead, L-BFGS-B with the analytic gradient and with scipy's
    /// `3-point` differences ([`FdScheme::ThreePoint`], the reference's
    /// numerical gradient), grid (run it with [`VpnlsParams::fine_grid`]).
    pub fn study() -> Vec<VpnlsMethod> {
        use GradientSource::{Analytic, FiniteDifference};
        vec![
            VpnlsMethod::LevenbergMarquardt,
            VpnlsMethod::NelderMead,
            VpnlsMethod::Lbfgsb(Analytic),
            VpnlsMethod::Lbfgsb(FiniteDifference(FdScheme::ThreePoint)),
            VpnlsMethod::Grid,
        ]
    }
}

/// Settings for [`fit_vpnls`], [`fit_vpnls_with`] and [`refine_vpnls`].
#[derive(Debug, Clone, PartialEq)]
pub struct VpnlsParams {
    /// Grid points per axis of the (α, β) grid.
    pub grid: usize,
    /// Range of the grid (both axes).
    pub grid_range: (f64, f64),
    /// Bounds of the refinement (both axes).
    pub bounds: (f64, f64),
    /// Iteration limit of the Levenberg–Marquardt refinement (it converges
    /// in 5–10 on noise-free data; the limit only guards against a stalled
    /// search).
    pub max_iter: usize,
    /// Iteration limit of Nelder–Mead (it needs ~100–200 on these problems).
    pub nm_max_iter: usize,
    /// L-BFGS-B settings (the reference's, [`LbfgsbSettings::reference`];
    /// scipy's own defaults are the study's labelled variant).
    pub lbfgsb: LbfgsbSettings,
}

impl Default for VpnlsParams {
    /// 32×32 grid on [0.05, 0.95]², refinement bounds [0.01, 0.99], 100 LM
    /// iterations, 2000 Nelder–Mead iterations, the reference's L-BFGS-B
    /// settings (ftol = gtol = 1e-15, 10,000 iterations).
    fn default() -> Self {
        Self {
            grid: 32,
            grid_range: (0.05, 0.95),
            bounds: (0.01, 0.99),
            max_iter: 100,
            nm_max_iter: 2000,
            lbfgsb: LbfgsbSettings::reference(),
        }
    }
}

impl VpnlsParams {
    /// The defaults with a 256×256 grid (the study's grid-only method).
    pub fn fine_grid() -> Self {
        Self {
            grid: 256,
            ..Self::default()
        }
    }
}

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
struct Projection<T: RealField> {
    phi: DMatrix<T>,
    c: DVector<T>,
    r: DVector<T>,
    rss: T,
    q_free: Option<DMatrix<T>>,
    /// NNLS ran out of iterations (c feasible, maybe not optimal).
    nnls_max_iter: bool,
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

fn project<T: RealField>(
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
fn kaufman_jacobian<T: RealField>(data: &SurfaceData<T>, p: &Projection<T>) -> DMatrix<T> {
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

/// Close a fit at θ: the conditioning check, then `MaxIter` when the final
/// NNLS ran out of iterations, `BoundHit` when α or β is within
/// [`BOUND_TOLERANCE`] of a bound, `edge` (a grid edge was chosen), or E, A
/// or B is pinned at zero.
fn finish<T: RealField>(
    data: &SurfaceData<T>,
    theta: [T; 2],
    p: Projection<T>,
    mut status: FitStatus,
    iterations: usize,
    params: &VpnlsParams,
    edge: bool,
) -> Result<SurfaceFit<T>, FitError> {
    let [alpha, beta] = theta;
    let condition = design_condition(data, &alpha, &beta);
    if condition.is_nan() || condition > CONDITION_LIMIT {
        return Err(FitError::IllConditioned {
            alpha: to_f64(&alpha),
            beta: to_f64(&beta),
            condition,
        });
    }
    if p.nnls_max_iter {
        status = FitStatus::MaxIter;
    }
    let (lo, hi) = (lit::<T>(params.bounds.0), lit::<T>(params.bounds.1));
    let near = |x: &T, b: &T| (x.clone() - b.clone()).abs() <= lit(BOUND_TOLERANCE);
    let at_bound = [&alpha, &beta].iter().any(|t| near(t, &lo) || near(t, &hi));
    if status == FitStatus::Converged && (at_bound || edge || p.c.iter().any(|c| *c <= T::zero())) {
        status = FitStatus::BoundHit;
    }
    Ok(SurfaceFit::from_parameters(
        [p.c[0].clone(), p.c[1].clone(), p.c[2].clone(), alpha, beta],
        p.rss,
        status,
        iterations,
    ))
}

/// Column data of one exponent on the grid: `x = exp(−θ·ln z)`, Σx, Σx², Σx·L.
struct Column<T> {
    x: Vec<T>,
    sum: T,
    sq: T,
    dot_l: T,
}

fn column<T: RealField>(ln_z: &[T], theta: &T, loss: &[T]) -> Column<T> {
    let x: Vec<T> = ln_z
        .iter()
        .map(|l| (-theta.clone() * l.clone()).exp())
        .collect();
    let (mut sum, mut sq, mut dot_l) = (T::zero(), T::zero(), T::zero());
    for (xi, li) in x.iter().zip(loss) {
        sum += xi.clone();
        sq += xi.clone() * xi.clone();
        dot_l += xi.clone() * li.clone();
    }
    Column { x, sum, sq, dot_l }
}

/// The RSS `LᵀL − c_Sᵀh_S` of the least-squares solution on the support
/// `idx` of the normal equations `G c = h`, if that solution is strictly
/// positive (feasible); `None` otherwise. No allocation: this runs per grid cell.
fn support_rss<T: RealField>(g: &[[T; 3]; 3], h: &[T; 3], ll: &T, idx: &[usize]) -> Option<T> {
    let mut c: [T; 3] = [T::zero(), T::zero(), T::zero()];
    match *idx {
        [p] => {
            let a = g[p][p].clone();
            if a <= T::zero() {
                return None;
            }
            c[0] = h[p].clone() / a;
        }
        [p, q] => {
            let det = g[p][p].clone() * g[q][q].clone() - g[p][q].clone() * g[q][p].clone();
            if det <= T::zero() {
                return None;
            }
            c[0] = (h[p].clone() * g[q][q].clone() - g[p][q].clone() * h[q].clone()) / det.clone();
            c[1] = (g[p][p].clone() * h[q].clone() - g[q][p].clone() * h[p].clone()) / det;
        }
        _ => {
            // Cramer's rule with the adjugate of the symmetric G (as the 2×2
            // case above): no pivoting or allocation in the per-cell loop.
            let cof = |r1: usize, r2: usize, k1: usize, k2: usize| {
                g[r1][k1].clone() * g[r2][k2].clone() - g[r1][k2].clone() * g[r2][k1].clone()
            };
            let adj = [
                [cof(1, 2, 1, 2), -cof(0, 2, 1, 2), cof(0, 1, 1, 2)],
                [-cof(1, 2, 0, 2), cof(0, 2, 0, 2), -cof(0, 1, 0, 2)],
                [cof(1, 2, 0, 1), -cof(0, 2, 0, 1), cof(0, 1, 0, 1)],
            ];
            let det = g[0][0].clone() * adj[0][0].clone()
                + g[0][1].clone() * adj[1][0].clone()
                + g[0][2].clone() * adj[2][0].clone();
            if det <= T::zero() {
                return None;
            }
            for (r, row) in adj.iter().enumerate() {
                c[r] = (row[0].clone() * h[0].clone()
                    + row[1].clone() * h[1].clone()
                    + row[2].clone() * h[2].clone())
                    / det.clone();
            }
        }
    }
    let mut rss = ll.clone();
    for (v, &k) in c.iter().zip(idx) {
        if !(v.is_finite() && *v > T::zero()) {
            return None;
        }
        // RSS = LᵀL − 2cᵀh + cᵀGc = LᵀL − cᵀh at the subset's normal equations.
        rss -= v.clone() * h[k].clone();
    }
    Some(rss)
}

/// The NNLS residual sum of squares from the 3×3 normal equations `G c = h`
/// by enumerating the non-empty supports (the optimum is the feasible
/// support solution of least RSS). The full support comes first: when its
/// solution is feasible it is the unconstrained minimum, so no other support
/// can do better and the enumeration stops. Used only to rank grid cells:
/// forming G squares the condition number, which is harmless for ranking.
fn gram_nnls_rss<T: RealField>(g: &[[T; 3]; 3], h: &[T; 3], ll: &T) -> T {
    if let Some(rss) = support_rss(g, h, ll, &[0, 1, 2]) {
        return rss;
    }
    let mut best = ll.clone(); // c = 0
    for idx in [&[0][..], &[1], &[2], &[0, 1], &[0, 2], &[1, 2]] {
        if let Some(rss) = support_rss(g, h, ll, idx) {
            if rss < best {
                best = rss;
            }
        }
    }
    best
}

/// Data size from which the grid's Gram sums are spread over rayon's
/// threads (one grid row per task); smaller fits stay single-threaded.
pub const PARALLEL_GRID_POINTS: usize = 20_000;

/// The grid cell (i, j) of least projected RSS; first minimum wins (α
/// outer, β inner). Columns are computed once per exponent (2·g·m
/// exponentials instead of g²·m) and each cell costs one m-term dot product
/// and a 3×3 enumeration.
fn grid_search<T: RealField>(data: &SurfaceData<T>, grid: &[T]) -> (usize, usize) {
    let m = int::<T>(data.len() as i64);
    let sum_l = data.loss().iter().fold(T::zero(), |s, l| s + l.clone());
    let ll = data
        .loss()
        .iter()
        .fold(T::zero(), |s, l| s + l.clone() * l.clone());
    let xs: Vec<Column<T>> = grid
        .iter()
        .map(|a| column(data.ln_n(), a, data.loss()))
        .collect();
    let ys: Vec<Column<T>> = grid
        .iter()
        .map(|b| column(data.ln_d(), b, data.loss()))
        .collect();
    let cell = |x: &Column<T>, y: &Column<T>| -> T {
        let xy =
            x.x.iter()
                .zip(&y.x)
                .fold(T::zero(), |s, (a, b)| s + a.clone() * b.clone());
        let g = [
            [m.clone(), x.sum.clone(), y.sum.clone()],
            [x.sum.clone(), x.sq.clone(), xy.clone()],
            [y.sum.clone(), xy, y.sq.clone()],
        ];
        let h = [sum_l.clone(), x.dot_l.clone(), y.dot_l.clone()];
        gram_nnls_rss(&g, &h, &ll)
    };
    // Each cell's sums run in the same order either way, and the scan below
    // is serial, so the parallel path returns exactly the serial cell.
    let rows: Vec<Vec<T>> = if data.len() >= PARALLEL_GRID_POINTS {
        use rayon::prelude::*;
        xs.par_iter()
            .map(|x| ys.iter().map(|y| cell(x, y)).collect())
            .collect()
    } else {
        xs.iter()
            .map(|x| ys.iter().map(|y| cell(x, y)).collect())
            .collect()
    };
    let mut best: Option<(T, usize, usize)> = None;
    for (i, row) in rows.into_iter().enumerate() {
        for (j, rss) in row.into_iter().enumerate() {
            if best.as_ref().is_none_or(|(b, _, _)| rss < *b) {
                best = Some((rss, i, j));
            }
        }
    }
    best.map(|(_, i, j)| (i, j)).unwrap_or((0, 0))
}

/// The grid values on `params.grid_range` (at least 2 per axis).
fn grid_values<T: RealField>(params: &VpnlsParams) -> Vec<T> {
    let (g_lo, g_hi) = (lit::<T>(params.grid_range.0), lit::<T>(params.grid_range.1));
    let g = params.grid.max(2);
    (0..g)
        .map(|i| {
            g_lo.clone()
                + (g_hi.clone() - g_lo.clone()) * int::<T>(i as i64) / int::<T>(g as i64 - 1)
        })
        .collect()
}

/// The grid start: the best cell's (α, β) and whether it lies on the grid's edge.
fn grid_start<T: RealField>(data: &SurfaceData<T>, params: &VpnlsParams) -> ([T; 2], bool) {
    let grid = grid_values::<T>(params);
    let (i, j) = grid_search(data, &grid);
    let last = grid.len() - 1;
    let edge = i == 0 || j == 0 || i == last || j == last;
    ([grid[i].clone(), grid[j].clone()], edge)
}

/// Fit `L = E + A/N^α + B/D^β` by VPNLS: grid over (α, β), then
/// Levenberg–Marquardt on the reduced problem with the Kaufman Jacobian
/// ([`refine_vpnls`]). Generic over the scalar.
///
/// `iterations` counts Levenberg–Marquardt iterations (Jacobian evaluations).
///
/// # Errors
/// [`FitError::IllConditioned`] when the design at the result is
/// ill-conditioned; [`FitError::DesignOverflow`] when a design term
/// overflows f64 at an (α, β) the fit visits.
pub fn fit_vpnls<T: RealField>(
    data: &SurfaceData<T>,
    params: &VpnlsParams,
) -> Result<SurfaceFit<T>, FitError> {
    let (theta, _) = grid_start(data, params);
    refine_vpnls(data, (theta[0].clone(), theta[1].clone()), params)
}

/// Levenberg–Marquardt on the reduced problem from `start` = (α, β), with
/// the Kaufman Jacobian, inside `params.bounds`; then NNLS at the result.
/// Generic over the scalar: run at 128 or 256 bits from the f64 answer it
/// converges to the rounding floor of that precision (proofs/07 §7.7).
///
/// Converged when a step no longer moves (α, β) beyond 4ε relative, or no
/// step lowers ρ and the gradient `Jᵀr` is at rounding level.
///
/// # Errors
/// As [`fit_vpnls`].
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

/// Fit with any outer search ([`VpnlsMethod`]), in f64.
///
/// `iterations` counts: Levenberg–Marquardt iterations; Nelder–Mead
/// iterations (argmin's count; 1–2 objective evaluations each, more on a
/// shrink); L-BFGS-B objective evaluations (finite-difference evaluations
/// excluded, as scipy's `nfev` with an analytic gradient); grid: the cells
/// scored (`grid²`).
///
/// Status: L-BFGS-B's abnormal end → `Abnormal`, its iteration limit →
/// `MaxIter`; Nelder–Mead's iteration limit → `MaxIter`; the grid method is
/// `BoundHit` when an edge cell is chosen; all: `BoundHit` as in
/// [`FitStatus::BoundHit`].
///
/// # Errors
/// As [`fit_vpnls`]; [`FitError::OptimizerFailed`] when the outer optimizer
/// rejects its input.
pub fn fit_vpnls_with(
    data: &SurfaceData<f64>,
    method: VpnlsMethod,
    params: &VpnlsParams,
) -> Result<SurfaceFit<f64>, FitError> {
    match method {
        VpnlsMethod::LevenbergMarquardt => fit_vpnls(data, params),
        VpnlsMethod::NelderMead => fit_nelder_mead(data, params),
        VpnlsMethod::Lbfgsb(source) => fit_lbfgsb(data, source, params),
        VpnlsMethod::Grid => {
            let (theta, edge) = grid_start(data, params);
            let p = project(data, &theta[0], &theta[1])?;
            let cells = params.grid.max(2).pow(2);
            finish(data, theta, p, FitStatus::Converged, cells, params, edge)
        }
    }
}

/// ρ as an f64 objective for the derivative-free and quasi-Newton searches:
/// +∞ outside the box (Nelder–Mead never accepts such a vertex, since every
/// simplex holds a finite one) and on a projection error, which is kept to
/// be returned.
struct Objective<'a> {
    data: &'a SurfaceData<f64>,
    bounds: (f64, f64),
    error: RefCell<Option<FitError>>,
}

impl Objective<'_> {
    fn rss(&self, x: &[f64]) -> f64 {
        let (lo, hi) = self.bounds;
        if x.iter().any(|v| !(lo..=hi).contains(v)) {
            return f64::INFINITY;
        }
        match project(self.data, &x[0], &x[1]) {
            Ok(p) => p.rss,
            Err(e) => {
                self.error.borrow_mut().get_or_insert(e);
                f64::INFINITY
            }
        }
    }

    fn take_error(&self) -> Result<(), FitError> {
        match self.error.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.rss(p))
    }
}

fn fit_nelder_mead(
    data: &SurfaceData<f64>,
    params: &VpnlsParams,
) -> Result<SurfaceFit<f64>, FitError> {
    let ([a0, b0], _) = grid_start(data, params);
    let (lo, hi) = params.bounds;
    let spacing = (params.grid_range.1 - params.grid_range.0) / (params.grid.max(2) - 1) as f64;
    // One grid spacing along each axis, pointing inward when a step would
    // leave the box.
    let step = |x: f64| if x + spacing <= hi { spacing } else { -spacing };
    let simplex = vec![
        vec![a0, b0],
        vec![a0 + step(a0), b0],
        vec![a0, b0 + step(b0)],
    ];
    let fail = |e: argmin::core::Error| FitError::OptimizerFailed {
        method: "nelder-mead",
        message: e.to_string(),
    };
    let objective = Objective {
        data,
        bounds: (lo, hi),
        error: RefCell::new(None),
    };
    // The smallest positive f64 keeps the tolerance positive on an exact start.
    let sd_tolerance = NM_SD_TOLERANCE * objective.rss(&simplex[0]) + f64::MIN_POSITIVE;
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(sd_tolerance)
        .map_err(fail)?;
    let res = Executor::new(objective, solver)
        .configure(|s| s.max_iters(params.nm_max_iter as u64))
        .run()
        .map_err(fail)?;
    res.problem
        .problem
        .as_ref()
        .map_or(Ok(()), |o| o.take_error())?;
    let state = res.state();
    let status = match state.get_termination_reason() {
        Some(TerminationReason::SolverConverged) => FitStatus::Converged,
        Some(TerminationReason::MaxItersReached) => FitStatus::MaxIter,
        _ => FitStatus::Abnormal,
    };
    let best = state.get_best_param().cloned().unwrap_or(vec![a0, b0]);
    let p = project(data, &best[0], &best[1])?;
    finish(
        data,
        [best[0], best[1]],
        p,
        status,
        state.get_iter() as usize,
        params,
        false,
    )
}

/// A point with its ρ and ∇ρ.
type Evaluation = (Vec<f64>, f64, [f64; 2]);

fn fit_lbfgsb(
    data: &SurfaceData<f64>,
    source: GradientSource,
    params: &VpnlsParams,
) -> Result<SurfaceFit<f64>, FitError> {
    let ([a0, b0], _) = grid_start(data, params);
    let (lo, hi) = params.bounds;
    let objective = Objective {
        data,
        bounds: (lo, hi),
        error: RefCell::new(None),
    };
    // L-BFGS-B asks for f and ∇f at the same point: one projection serves both.
    let cache: RefCell<Option<Evaluation>> = RefCell::new(None);
    let eval = |x: &[f64]| -> (f64, [f64; 2]) {
        if let Some((cx, f, g)) = cache.borrow().as_ref() {
            if cx.as_slice() == x {
                return (*f, *g);
            }
        }
        let out = match projected_objective(data, &x[0], &x[1]) {
            Ok(p) => (p.rss, p.gradient),
            Err(e) => {
                objective.error.borrow_mut().get_or_insert(e);
                (f64::INFINITY, [f64::NAN; 2])
            }
        };
        *cache.borrow_mut() = Some((x.to_vec(), out.0, out.1));
        out
    };
    let mut f = |x: &[f64]| match source {
        GradientSource::Analytic => eval(x).0,
        GradientSource::FiniteDifference(_) => objective.rss(x),
    };
    let mut grad = |x: &[f64]| eval(x).1.to_vec();
    let out = minimize_lbfgsb(
        &mut f,
        &mut grad,
        &[a0, b0],
        &[lo, lo],
        &[hi, hi],
        source,
        &params.lbfgsb,
    );
    // A projection error (which made the objective +∞) explains an
    // optimizer failure better than the optimizer's own message.
    objective.take_error()?;
    let out = out.map_err(|e| FitError::OptimizerFailed {
        method: "L-BFGS-B",
        message: e.to_string(),
    })?;
    let status = match out.end {
        LbfgsbEnd::Converged => FitStatus::Converged,
        LbfgsbEnd::MaxIter => FitStatus::MaxIter,
        LbfgsbEnd::Abnormal => FitStatus::Abnormal,
    };
    let (alpha, beta) = (out.x[0], out.x[1]);
    let p = project(data, &alpha, &beta)?;
    finish(
        data,
        [alpha, beta],
        p,
        status,
        out.evaluations,
        params,
        false,
    )
}

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
