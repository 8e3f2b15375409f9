//! Scoring the (α, β) grid: the NNLS RSS of every cell from Gram sums.

use nalgebra::RealField;

use super::VpnlsParams;
use crate::fitters::outcome::SurfaceData;
use crate::numerics::{int, lit};

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
pub(super) fn grid_start<T: RealField>(
    data: &SurfaceData<T>,
    params: &VpnlsParams,
) -> ([T; 2], bool) {
    let grid = grid_values::<T>(params);
    let (i, j) = grid_search(data, &grid);
    let last = grid.len() - 1;
    let edge = i == 0 || j == 0 || i == last || j == last;
    ([grid[i].clone(), grid[j].clone()], edge)
}
