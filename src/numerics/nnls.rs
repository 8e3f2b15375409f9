//! Non-negative least squares, `min ‖Ax − b‖² subject to x ≥ 0`, by the
//! Lawson–Hanson active-set method \[LH74, ch. 23\], generic over the scalar.
//!
//! Unconstrained subproblems on the passive set are solved by Householder QR
//! of the passive columns (not the normal equations), so a well-conditioned
//! problem is solved to rounding. There is no silent iteration cap: running
//! out of iterations returns `Ok` with [`NnlsStatus::MaxIter`].
//!
//! ## Reference
//! \[LH74\] C. L. Lawson, R. J. Hanson, *Solving Least Squares Problems*,
//! Prentice-Hall, 1974 (SIAM reprint 1995, doi:10.1137/1.9781611971217).

use nalgebra::{DMatrix, DVector, RealField};
use thiserror::Error;

use crate::numerics::int;

/// Invalid NNLS input, with the evidence.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum NnlsError {
    /// A has no rows or no columns.
    #[error("NNLS needs a non-empty matrix, got {rows}×{cols}")]
    Empty {
        /// Rows of A.
        rows: usize,
        /// Columns of A.
        cols: usize,
    },
    /// A and b disagree in length.
    #[error("A has {rows_a} rows but b has {len_b} entries")]
    DimensionMismatch {
        /// Rows of A.
        rows_a: usize,
        /// Length of b.
        len_b: usize,
    },
    /// A non-finite entry (`col` is `None` for an entry of b).
    #[error("non-finite input at row {row} of {}", match col { Some(c) => format!("the matrix, column {c}"), None => "the right-hand side".to_string() })]
    NonFinite {
        /// Row.
        row: usize,
        /// Column of A, or `None` for b.
        col: Option<usize>,
    },
}

/// How NNLS ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NnlsStatus {
    /// The KKT conditions hold to the tolerance.
    Converged,
    /// The iteration limit was reached first; `x` is feasible but may not be optimal.
    MaxIter,
}

/// Settings for [`nnls`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NnlsParams {
    /// Iteration limit (outer + inner steps); `None`: `3k + 30` for k columns —
    /// Lawson–Hanson terminates in finitely many steps, typically fewer than
    /// 2k, and 3k is the customary safety bound.
    pub max_iter: Option<usize>,
}

/// The NNLS solution.
#[derive(Debug, Clone, PartialEq)]
pub struct NnlsSolution<T: RealField> {
    /// The minimiser, x ≥ 0.
    pub x: DVector<T>,
    /// The residual sum of squares ‖Ax − b‖².
    pub rss: T,
    /// Converged or out of iterations.
    pub status: NnlsStatus,
    /// Steps taken.
    pub iterations: usize,
    /// `passive[j]`: x_j is free (positive); otherwise pinned at zero.
    pub passive: Vec<bool>,
}

/// Least squares on the columns `cols` of `a` by Householder QR; `None` if
/// those columns are numerically rank deficient.
fn solve_subset<T: RealField>(
    a: &DMatrix<T>,
    b: &DVector<T>,
    cols: &[usize],
) -> Option<DVector<T>> {
    let m = a.nrows();
    let sub = DMatrix::from_fn(m, cols.len(), |i, j| a[(i, cols[j])].clone());
    let qr = sub.qr();
    let r = qr.r();
    let rmax = (0..cols.len())
        .map(|i| r[(i, i)].clone().abs())
        .fold(T::zero(), |x, y| x.max(y));
    let tiny = rmax * T::default_epsilon() * int::<T>(16 * m as i64);
    if (0..cols.len()).any(|i| r[(i, i)].clone().abs() <= tiny.clone()) {
        return None;
    }
    r.solve_upper_triangular(&(qr.q().transpose() * b))
}

/// `min ‖Ax − b‖²` subject to `x ≥ 0`, by Lawson–Hanson.
///
/// The dual tolerance is `tol = 10·k·ε·‖A‖_F·‖b‖`: a gradient entry
/// `w_j = [Aᵀ(b − Ax)]_j` below it is zero to rounding.
///
/// # Errors
/// [`NnlsError::Empty`], [`NnlsError::DimensionMismatch`], [`NnlsError::NonFinite`].
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use scaling_laws::numerics::nnls::{nnls, NnlsParams};
/// let a = DMatrix::<f64>::from_row_slice(3, 2, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
/// let b = DVector::from_vec(vec![1.0, -1.0, 0.0]);
/// let s = nnls(&a, &b, &NnlsParams::default()).unwrap();
/// assert!((s.x[0] - 0.5).abs() < 1e-15 && s.x[1] == 0.0);
/// ```
pub fn nnls<T: RealField>(
    a: &DMatrix<T>,
    b: &DVector<T>,
    params: &NnlsParams,
) -> Result<NnlsSolution<T>, NnlsError> {
    let (m, k) = a.shape();
    if m == 0 || k == 0 {
        return Err(NnlsError::Empty { rows: m, cols: k });
    }
    if b.len() != m {
        return Err(NnlsError::DimensionMismatch {
            rows_a: m,
            len_b: b.len(),
        });
    }
    for i in 0..m {
        for j in 0..k {
            if !a[(i, j)].is_finite() {
                return Err(NnlsError::NonFinite {
                    row: i,
                    col: Some(j),
                });
            }
        }
        if !b[i].is_finite() {
            return Err(NnlsError::NonFinite { row: i, col: None });
        }
    }
    let max_iter = params.max_iter.unwrap_or(3 * k + 30);
    let tol = int::<T>(10 * k as i64) * T::default_epsilon() * a.norm() * b.norm();
    let mut x = DVector::<T>::zeros(k);
    let mut passive = vec![false; k];
    let mut iterations = 0usize;
    let mut status = NnlsStatus::Converged;
    'outer: loop {
        let w = a.transpose() * (b - a * &x);
        // Most positive gradient among the active (zero) variables.
        let mut best: Option<usize> = None;
        for j in (0..k).filter(|&j| !passive[j]) {
            if w[j] > tol && best.is_none_or(|bj| w[j] > w[bj]) {
                best = Some(j);
            }
        }
        let Some(j) = best else { break };
        if iterations >= max_iter {
            status = NnlsStatus::MaxIter;
            break;
        }
        iterations += 1;
        passive[j] = true;
        loop {
            let cols: Vec<usize> = (0..k).filter(|&i| passive[i]).collect();
            let z = match solve_subset(a, b, &cols) {
                Some(z) => z,
                None => {
                    // The new column is dependent on the passive ones: it
                    // cannot improve the fit; leave it at zero.
                    passive[j] = false;
                    x[j] = T::zero();
                    break;
                }
            };
            if z.iter().all(|v| v.clone() > T::zero()) {
                for (p, &i) in cols.iter().enumerate() {
                    x[i] = z[p].clone();
                }
                break;
            }
            if iterations >= max_iter {
                status = NnlsStatus::MaxIter;
                break 'outer;
            }
            iterations += 1;
            // Step from x toward z as far as feasibility allows. Some z_p ≤ 0
            // here (otherwise the loop ended above); the first variable whose
            // ratio x/(x − z) attains the minimum blocks the step. It is set
            // to exactly zero and leaves the passive set, so every inner step
            // shrinks that set (computed x − step·(x − z) can be a rounding
            // residue above zero, and keeping such a variable cycles).
            let mut step = T::one();
            let mut blocking: Option<usize> = None;
            for (p, &i) in cols.iter().enumerate() {
                if z[p] <= T::zero() {
                    let denom = x[i].clone() - z[p].clone();
                    let ratio = if denom > T::zero() {
                        x[i].clone() / denom
                    } else {
                        T::zero() // x_i = z_p = 0: it stays at zero
                    };
                    if blocking.is_none() || ratio < step {
                        step = ratio.min(T::one());
                        blocking = Some(i);
                    }
                }
            }
            for (p, &i) in cols.iter().enumerate() {
                x[i] = x[i].clone() + step.clone() * (z[p].clone() - x[i].clone());
            }
            if let Some(i) = blocking {
                x[i] = T::zero();
            }
            // Variables that reached zero leave the passive set.
            for &i in &cols {
                if x[i] <= T::zero() {
                    x[i] = T::zero();
                    passive[i] = false;
                }
            }
            if !passive.iter().any(|&p| p) {
                break;
            }
        }
    }
    let r = b - a * &x;
    let rss = r.dot(&r);
    Ok(NnlsSolution {
        x,
        rss,
        status,
        iterations,
        passive,
    })
}

/// NNLS on the first `k` (2 or 3) columns of a problem given by its normal
/// equations `G c = h` and `ll = bᵀb`: every support is solved (Cramer's
/// rule with the adjugate of the symmetric G) and the feasible one of least
/// RSS `ll − c_Sᵀh_S` kept (c = 0, RSS = ll, when none is). The full
/// support comes first: feasible, it is the unconstrained minimum and the
/// enumeration stops. Returns the RSS and c (zero off the support). No
/// allocation: the variable-projection grids call it per cell. Forming G
/// squares the condition number, harmless where it ranks grid cells and
/// seeds a local fit (checked against [`nnls`] in
/// `power_law::profile_nnls_from_the_gram_sums_matches_lawson_hanson`).
#[inline]
pub fn gram_nnls<T: RealField>(g: &[[T; 3]; 3], h: &[T; 3], ll: &T, k: usize) -> (T, [T; 3]) {
    let full: &[usize] = if k >= 3 { &[0, 1, 2] } else { &[0, 1] };
    if let Some(s) = gram_support(g, h, ll, full) {
        return s;
    }
    let mut best = (ll.clone(), [T::zero(), T::zero(), T::zero()]);
    for idx in [&[0][..], &[1], &[2], &[0, 1], &[0, 2], &[1, 2]] {
        if idx.len() >= full.len() || idx.iter().any(|&j| j >= full.len()) {
            continue;
        }
        if let Some(s) = gram_support(g, h, ll, idx) {
            if s.0 < best.0 {
                best = s;
            }
        }
    }
    best
}

/// The least-squares solution of `G c = h` on the support `idx` and its
/// RSS `ll − c_Sᵀh_S` (at the support's normal equations
/// `LᵀL − 2cᵀh + cᵀGc = LᵀL − cᵀh`), if strictly positive; `None` otherwise.
#[inline]
fn gram_support<T: RealField>(
    g: &[[T; 3]; 3],
    h: &[T; 3],
    ll: &T,
    idx: &[usize],
) -> Option<(T, [T; 3])> {
    let mut c: [T; 3] = [T::zero(), T::zero(), T::zero()];
    match *idx {
        [p] => {
            let a = g[p][p].clone();
            if a <= T::zero() {
                return None;
            }
            c[p] = h[p].clone() / a;
        }
        [p, q] => {
            let det = g[p][p].clone() * g[q][q].clone() - g[p][q].clone() * g[q][p].clone();
            if det <= T::zero() {
                return None;
            }
            c[p] = (h[p].clone() * g[q][q].clone() - g[p][q].clone() * h[q].clone()) / det.clone();
            c[q] = (g[p][p].clone() * h[q].clone() - g[q][p].clone() * h[p].clone()) / det;
        }
        _ => {
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
    for &j in idx {
        if !(c[j].is_finite() && c[j] > T::zero()) {
            return None;
        }
        rss -= c[j].clone() * h[j].clone();
    }
    Some((rss, c))
}
