//! VPNLS: variable projection with non-negative least squares.
//!
//! For fixed (α, β) the model `L = E + A·N^−α + B·D^−β` is linear in
//! (E, A, B) ≥ 0, solved by NNLS on the design `Φ = [1, N^−α, D^−β]`; only
//! (α, β) is searched: a coarse grid scored by the projected RSS, then an
//! exact-derivative Levenberg–Marquardt refinement on the reduced problem
//! with the Kaufman Jacobian `∂r/∂θ_k = −P⊥ (∂Φ/∂θ_k) c` \[GP73, K75\].
//!
//! ## References
//! - \[GP73\] G. Golub, V. Pereyra, SIAM J. Numer. Anal. 10 (1973), doi:10.1137/0710036.
//! - \[K75\] L. Kaufman, BIT 15 (1975), doi:10.1007/BF01932995.

use super::outcome::{FitError, FitStatus, SurfaceData, SurfaceFit};
use crate::numerics::nnls::{nnls, NnlsParams};
use crate::numerics::{int, lit, ratio};
use nalgebra::{DMatrix, DVector, RealField};

/// Settings for [`fit_vpnls`].
#[derive(Debug, Clone, PartialEq)]
pub struct VpnlsParams {
    /// Grid points per axis of the coarse (α, β) search.
    pub grid: usize,
    /// Range of the coarse grid (both axes).
    pub grid_range: (f64, f64),
    /// Bounds of the refinement (both axes).
    pub bounds: (f64, f64),
    /// Iteration limit of the refinement (it converges in 5–10 on
    /// noise-free data; the limit only guards against a stalled search).
    pub max_iter: usize,
}

impl Default for VpnlsParams {
    /// 32×32 grid on [0.05, 0.95]², refinement bounds [0.01, 0.99], 100 iterations.
    fn default() -> Self {
        Self {
            grid: 32,
            grid_range: (0.05, 0.95),
            bounds: (0.01, 0.99),
            max_iter: 100,
        }
    }
}

/// Projected state at (α, β): NNLS coefficients, residual, RSS.
struct Projection<T: RealField> {
    phi: DMatrix<T>,
    c: DVector<T>,
    r: DVector<T>,
    rss: T,
}

fn project<T: RealField>(
    data: &SurfaceData<T>,
    alpha: &T,
    beta: &T,
) -> Result<Projection<T>, FitError> {
    let phi = data.design(alpha, beta);
    let l = data.rhs();
    let s = nnls(&phi, &l, &NnlsParams::default())?;
    let r = l - &phi * &s.x;
    Ok(Projection {
        phi,
        c: s.x,
        rss: s.rss,
        r,
    })
}

/// The Kaufman Jacobian of the projected residual `r(α, β) = L − Φc` with
/// respect to (α, β): `J_k = −P⊥(∂Φ/∂θ_k)c`, P⊥ the projector onto the
/// complement of the free columns of Φ.
fn kaufman_jacobian<T: RealField>(data: &SurfaceData<T>, p: &Projection<T>) -> DMatrix<T> {
    let m = data.len();
    let free: Vec<usize> = (0..3).filter(|&j| p.c[j] > T::zero()).collect();
    let q = if free.is_empty() {
        None
    } else {
        let sub = DMatrix::from_fn(m, free.len(), |i, j| p.phi[(i, free[j])].clone());
        Some(sub.qr().q())
    };
    // ∂Φ/∂α c = −ln N ⊙ N^−α · c_A; so −(∂Φ/∂α)c = c_A ln N ⊙ N^−α.
    let mut j = DMatrix::from_fn(m, 2, |i, k| {
        if k == 0 {
            p.c[1].clone() * data.ln_n()[i].clone() * p.phi[(i, 1)].clone()
        } else {
            p.c[2].clone() * data.ln_d()[i].clone() * p.phi[(i, 2)].clone()
        }
    });
    if let Some(q) = q {
        let proj = &q * (q.transpose() * &j);
        j -= proj;
    }
    j
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

/// The NNLS residual sum of squares from the 3×3 normal equations `G c = h`
/// by enumerating the 7 non-empty supports (the optimum is the feasible
/// support solution of least RSS). Used only to rank grid cells: forming G
/// squares the condition number, which is harmless for ranking.
fn gram_nnls_rss<T: RealField>(g: &[[T; 3]; 3], h: &[T; 3], ll: &T) -> T {
    let mut best = ll.clone(); // c = 0
    for mask in 1u8..8 {
        let idx: Vec<usize> = (0..3).filter(|k| mask & (1 << k) != 0).collect();
        let c: Option<Vec<T>> = match idx.len() {
            1 => {
                let a = g[idx[0]][idx[0]].clone();
                (a > T::zero()).then(|| vec![h[idx[0]].clone() / a])
            }
            2 => {
                let (p, q) = (idx[0], idx[1]);
                let det = g[p][p].clone() * g[q][q].clone() - g[p][q].clone() * g[q][p].clone();
                (det > T::zero()).then(|| {
                    vec![
                        (h[p].clone() * g[q][q].clone() - g[p][q].clone() * h[q].clone())
                            / det.clone(),
                        (g[p][p].clone() * h[q].clone() - g[q][p].clone() * h[p].clone()) / det,
                    ]
                })
            }
            _ => {
                let m = nalgebra::Matrix3::from_fn(|r, c| g[r][c].clone());
                let rhs = nalgebra::Vector3::new(h[0].clone(), h[1].clone(), h[2].clone());
                m.lu().solve(&rhs).map(|v| v.iter().cloned().collect())
            }
        };
        let Some(c) = c else { continue };
        if c.iter().any(|v| !(v.is_finite() && *v > T::zero())) {
            continue;
        }
        // RSS = LᵀL − 2cᵀh + cᵀGc = LᵀL − cᵀh at the subset's normal equations.
        let mut rss = ll.clone();
        for (v, &k) in c.iter().zip(&idx) {
            rss -= v.clone() * h[k].clone();
        }
        if rss < best {
            best = rss;
        }
    }
    best
}

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
    let mut best: Option<(T, usize, usize)> = None;
    for (i, x) in xs.iter().enumerate() {
        for (j, y) in ys.iter().enumerate() {
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
            let rss = gram_nnls_rss(&g, &h, &ll);
            if best.as_ref().is_none_or(|(b, _, _)| rss < *b) {
                best = Some((rss, i, j));
            }
        }
    }
    best.map(|(_, i, j)| (i, j)).unwrap_or((0, 0))
}

/// Fit `L = E + A/N^α + B/D^β` by VPNLS: coarse grid over (α, β), then
/// Levenberg–Marquardt on the reduced problem with the Kaufman Jacobian.
///
/// # Errors
/// [`FitError`] for invalid data.
pub fn fit_vpnls<T: RealField>(
    data: &SurfaceData<T>,
    params: &VpnlsParams,
) -> Result<SurfaceFit<T>, FitError> {
    let (g_lo, g_hi) = (lit::<T>(params.grid_range.0), lit::<T>(params.grid_range.1));
    let (lo, hi) = (lit::<T>(params.bounds.0), lit::<T>(params.bounds.1));
    let g = params.grid.max(2);
    let at = |i: usize| {
        g_lo.clone() + (g_hi.clone() - g_lo.clone()) * int::<T>(i as i64) / int::<T>(g as i64 - 1)
    };
    let grid: Vec<T> = (0..g).map(at).collect();
    let (bi, bj) = grid_search(data, &grid);
    let mut theta = [at(bi), at(bj)];
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
        let mut accepted = false;
        for _ in 0..30 {
            let mut a = jtj.clone();
            for k in 0..2 {
                a[(k, k)] = a[(k, k)].clone() * (T::one() + lambda.clone());
            }
            let Some(step) = a.clone().lu().solve(&(-jtr.clone())) else {
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
    let near = |x: &T, b: &T| (x.clone() - b.clone()).abs() <= lit(1e-6);
    if status == FitStatus::Converged
        && (theta.iter().any(|t| near(t, &lo) || near(t, &hi))
            || p.c.iter().any(|c| *c <= T::zero()))
    {
        status = FitStatus::BoundHit;
    }
    let [alpha, beta] = theta;
    Ok(SurfaceFit {
        e: p.c[0].clone(),
        a: p.c[1].clone(),
        b: p.c[2].clone(),
        alpha,
        beta,
        rss: p.rss,
        status,
        iterations,
    })
}

// ---- STUB (replaced by the vpnls-variants branch at merge) ----
/// The outer search over (α, β).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VpnlsMethod {
    /// Grid, then Levenberg–Marquardt.
    LevenbergMarquardt,
    /// Grid, then Nelder–Mead.
    NelderMead,
    /// Grid, then L-BFGS-B.
    Lbfgsb(crate::numerics::lbfgsb::GradientSource),
    /// Fine grid only.
    Grid,
}
impl VpnlsMethod {
    /// Name.
    pub fn name(&self) -> String {
        format!("{self:?}")
    }
}
impl VpnlsParams {
    /// 256×256.
    pub fn fine_grid() -> Self {
        Self {
            grid: 256,
            ..Self::default()
        }
    }
}
/// Any method.
pub fn fit_vpnls_with(
    data: &SurfaceData<f64>,
    _method: VpnlsMethod,
    params: &VpnlsParams,
) -> Result<SurfaceFit<f64>, FitError> {
    fit_vpnls(data, params)
}
/// Refine.
pub fn refine_vpnls<T: RealField>(
    data: &SurfaceData<T>,
    _start: (T, T),
    params: &VpnlsParams,
) -> Result<SurfaceFit<T>, FitError> {
    fit_vpnls(data, params)
}
/// Projected objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Projected<T> {
    /// ρ.
    pub rss: T,
    /// ∇ρ.
    pub gradient: [T; 2],
    /// (E, A, B).
    pub coefficients: [T; 3],
}
/// Projected objective.
pub fn projected_objective<T: RealField>(
    _data: &SurfaceData<T>,
    _alpha: &T,
    _beta: &T,
) -> Result<Projected<T>, FitError> {
    Ok(Projected {
        rss: T::zero(),
        gradient: [T::zero(), T::zero()],
        coefficients: [T::zero(), T::zero(), T::zero()],
    })
}
