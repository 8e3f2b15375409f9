//! Scoring the (α, β) grid: the NNLS RSS of every cell from Gram sums.

use nalgebra::RealField;

use super::VpnlsParams;
use crate::fitters::outcome::SurfaceData;
use crate::numerics::{int, lit};

/// Sums of one exponent's column on the grid, `x = exp(−θ·ln z)`: Σx, Σx², Σx·L.
struct ColumnSums<T> {
    sum: T,
    sq: T,
    dot_l: T,
}

/// The column `x_i = exp(−θ·ln z_i)` written into `out` (stride `stride`:
/// 1 for a plain column, the grid size for the transposed layout), and its
/// sums, accumulated in point order.
fn column<T: RealField>(
    ln_z: &[T],
    theta: &T,
    loss: &[T],
    out: &mut [T],
    stride: usize,
) -> ColumnSums<T> {
    let (mut sum, mut sq, mut dot_l) = (T::zero(), T::zero(), T::zero());
    // In f64 the exponentials are one vector call (numerics::vmath, within
    // 0.514 ulp; proofs/16), written back in place before the sums.
    let mut powers: Vec<T> = ln_z.iter().map(|l| -theta.clone() * l.clone()).collect();
    if let Some(v) = (&mut powers as &mut dyn std::any::Any).downcast_mut::<Vec<f64>>() {
        crate::numerics::vmath::exp_in_place(v);
    } else {
        for v in powers.iter_mut() {
            *v = v.clone().exp();
        }
    }
    for (i, (xi, li)) in powers.into_iter().zip(loss).enumerate() {
        sum += xi.clone();
        sq += xi.clone() * xi.clone();
        dot_l += xi.clone() * li.clone();
        out[i * stride] = xi;
    }
    ColumnSums { sum, sq, dot_l }
}

/// Data size from which the grid's columns and Gram sums are spread over
/// rayon's threads ([`VpnlsParams::parallel_grid_points`]); smaller fits stay
/// single-threaded. Set from `cargo bench --bench fitters -- vpnls_large`
/// (sequential against parallel at 10³, 10⁴ and 10⁵ points, on this 2-core
/// machine shared with other jobs): parallel was no faster at 10⁴ (48 vs
/// 45 ms) and 6 % faster at 10⁵ (387 vs 413 ms).
pub const PARALLEL_GRID_POINTS: usize = 50_000;

/// Points per block of the cross sums: a block of the transposed D columns
/// (`BLOCK_VALUES` values, 128 KiB of f64) stays in L1/L2 while every N
/// column of the task passes over it.
const BLOCK_VALUES: usize = 16_384;

/// The cross sums `S[a][b] = Σ_i x_a[i]·y_b[i]` for the rows `xs` (N
/// columns, each of length m) against every D column, held transposed in
/// `yt` (`yt[i·g + b] = y_b[i]`). Every sum runs over i in increasing order
/// from zero, as a plain dot product would, so the result does not depend
/// on the blocking or on how rows are split between threads; the inner loop
/// updates g independent sums (one per D column), which the compiler keeps
/// in SIMD lanes instead of waiting on one chain of additions.
fn cross_sums<T: RealField>(xs: &[&[T]], yt: &[T], g: usize) -> Vec<T> {
    let m = yt.len() / g;
    let mut acc = vec![T::zero(); xs.len() * g];
    let block = (BLOCK_VALUES / g).max(1);
    let mut i0 = 0;
    while i0 < m {
        let i1 = (i0 + block).min(m);
        for (x, acc_row) in xs.iter().zip(acc.chunks_mut(g)) {
            for (xi, y_row) in x[i0..i1].iter().zip(yt[i0 * g..i1 * g].chunks(g)) {
                for (s, y) in acc_row.iter_mut().zip(y_row) {
                    *s += xi.clone() * y.clone();
                }
            }
        }
        i0 = i1;
    }
    acc
}

/// The projected RSS of every grid cell, `table[i·g + j]` for (α_i, β_j).
/// Columns are computed once per exponent (2·g·m
/// exponentials instead of g²·m); the g² cross sums Σ x_a·y_b pass over
/// the data once, block by block ([`cross_sums`]); each cell then costs a
/// 3×3 enumeration. From `parallel_from` points on, the columns and the
/// cross sums (rows of the grid split evenly between rayon's threads) run in
/// parallel; every sum runs in the same order either way, so both paths
/// return exactly the same table.
fn grid_table<T: RealField>(data: &SurfaceData<T>, grid: &[T], parallel_from: usize) -> Vec<T> {
    use rayon::prelude::*;
    let n_points = data.len();
    let g = grid.len();
    let parallel = n_points >= parallel_from;
    let m = int::<T>(n_points as i64);
    let sum_l = data.loss().iter().fold(T::zero(), |s, l| s + l.clone());
    let ll = data
        .loss()
        .iter()
        .fold(T::zero(), |s, l| s + l.clone() * l.clone());
    // N columns, one after another (x[a·m + i]).
    let mut x = vec![T::zero(); g * n_points];
    let x_col = |(a, out): (&T, &mut [T])| column(data.ln_n(), a, data.loss(), out, 1);
    let x_sums: Vec<ColumnSums<T>> = if parallel {
        grid.par_iter()
            .zip(x.par_chunks_mut(n_points))
            .map(x_col)
            .collect()
    } else {
        grid.iter().zip(x.chunks_mut(n_points)).map(x_col).collect()
    };
    // D columns transposed (yt[i·g + b]), so that a point's g values are adjacent.
    let mut yt = vec![T::zero(); g * n_points];
    let y_sums: Vec<ColumnSums<T>> = if parallel {
        // Each task writes its own column with stride g: split the buffer's
        // columns by computing them into plain columns first, then transposing.
        let mut y = vec![T::zero(); g * n_points];
        let sums = grid
            .par_iter()
            .zip(y.par_chunks_mut(n_points))
            .map(|(b, out)| column(data.ln_d(), b, data.loss(), out, 1))
            .collect();
        yt.par_chunks_mut(g).enumerate().for_each(|(i, row)| {
            for (b, v) in row.iter_mut().enumerate() {
                *v = y[b * n_points + i].clone();
            }
        });
        sums
    } else {
        grid.iter()
            .enumerate()
            .map(|(b, theta)| column(data.ln_d(), theta, data.loss(), &mut yt[b..], g))
            .collect()
    };
    let rows: Vec<&[T]> = x.chunks(n_points).collect();
    let xy: Vec<T> = if parallel {
        let per_task = g.div_ceil(rayon::current_num_threads().max(1));
        rows.par_chunks(per_task)
            .flat_map_iter(|r| cross_sums(r, &yt, g))
            .collect()
    } else {
        cross_sums(&rows, &yt, g)
    };
    let mut table = Vec::with_capacity(g * g);
    for xs in &x_sums {
        for (j, ys) in y_sums.iter().enumerate() {
            let i = table.len() / g;
            let s = xy[i * g + j].clone();
            let gram = [
                [m.clone(), xs.sum.clone(), ys.sum.clone()],
                [xs.sum.clone(), xs.sq.clone(), s.clone()],
                [ys.sum.clone(), s, ys.sq.clone()],
            ];
            let h = [sum_l.clone(), xs.dot_l.clone(), ys.dot_l.clone()];
            table.push(crate::numerics::nnls::gram_nnls(&gram, &h, &ll, 3).0);
        }
    }
    table
}

/// The grid cell (i, j) of least projected RSS; first minimum wins (α
/// outer, β inner; the scan is serial).
fn grid_search<T: RealField>(
    data: &SurfaceData<T>,
    grid: &[T],
    parallel_from: usize,
) -> (usize, usize) {
    let g = grid.len();
    let table = grid_table(data, grid, parallel_from);
    let mut best: Option<(T, usize)> = None;
    for (k, rss) in table.into_iter().enumerate() {
        if best.as_ref().is_none_or(|(b, _)| rss < *b) {
            best = Some((rss, k));
        }
    }
    best.map(|(_, k)| (k / g, k % g)).unwrap_or((0, 0))
}

/// The basins of the grid: every cell whose projected RSS is no larger than
/// that of any of its (up to 8) neighbours and strictly smaller than that of
/// the neighbours scanned before it (so a flat pair of cells counts once),
/// best first (ties by scan order). Each is (RSS, i, j).
fn basin_cells<T: RealField>(table: &[T], g: usize) -> Vec<(T, usize, usize)> {
    let mut out = Vec::new();
    for i in 0..g {
        'cell: for j in 0..g {
            let v = &table[i * g + j];
            for a in i.saturating_sub(1)..=(i + 1).min(g - 1) {
                for b in j.saturating_sub(1)..=(j + 1).min(g - 1) {
                    let w = &table[a * g + b];
                    // A lower neighbour, or an equal one scanned earlier.
                    if *v > *w || ((a, b) < (i, j) && *v == *w) {
                        continue 'cell;
                    }
                }
            }
            out.push((v.clone(), i, j));
        }
    }
    out.sort_by(|x, y| x.0.partial_cmp(&y.0).unwrap_or(std::cmp::Ordering::Equal));
    out
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
    let (i, j) = grid_search(data, &grid, params.parallel_grid_points);
    let last = grid.len() - 1;
    let edge = i == 0 || j == 0 || i == last || j == last;
    ([grid[i].clone(), grid[j].clone()], edge)
}

/// The best `count` basins of the (α, β) grid ([`basin_cells`]), best
/// first: each cell's (α, β), whether it lies on the grid's edge, and its
/// projected RSS.
pub(super) fn grid_basins<T: RealField>(
    data: &SurfaceData<T>,
    params: &VpnlsParams,
    count: usize,
) -> Vec<([T; 2], bool, T)> {
    let grid = grid_values::<T>(params);
    let g = grid.len();
    let table = grid_table(data, &grid, params.parallel_grid_points);
    let last = g - 1;
    basin_cells(&table, g)
        .into_iter()
        .take(count)
        .map(|(rss, i, j)| {
            let edge = i == 0 || j == 0 || i == last || j == last;
            ([grid[i].clone(), grid[j].clone()], edge, rss)
        })
        .collect()
}
