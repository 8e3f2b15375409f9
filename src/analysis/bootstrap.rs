//! Seeded, parallel bootstrap: resampling plans and percentile intervals.
//!
//! One mechanism for every analysis that reports an interval. Replicate `r`
//! draws from its own stream `Rng::for_task(seed, r)`, so the replicates —
//! and so the interval — are the same whatever the number of threads.
//!
//! ## References
//! - B. Efron, R. J. Tibshirani, *An Introduction to the Bootstrap*,
//!   Chapman & Hall, 1993 (percentile intervals, §13.3).

use rayon::prelude::*;

/// The most bootstrap replicates a command (or the Python package, through
/// it) accepts: 100 000, 25 times the largest default (4 000). Every
/// replicate keeps its estimates (tens of bytes each) until the intervals
/// are read, so the limit bounds that memory at a few megabytes; a larger
/// request is refused (exit 2) before anything is allocated.
pub const MAX_REPLICATES: usize = 100_000;

use crate::sampling::noise::Rng;

/// Indices `0..n` drawn with replacement (a plain resample of `n` items).
pub fn resample_indices(rng: &mut Rng, n: usize) -> Vec<usize> {
    (0..n).map(|_| draw_index(rng, n)).collect()
}

/// Resample within groups: for each group (a list of item indices), as many
/// of its items drawn with replacement; the groups keep their sizes.
pub fn resample_within_groups(rng: &mut Rng, groups: &[Vec<usize>]) -> Vec<usize> {
    let mut out = Vec::with_capacity(groups.iter().map(Vec::len).sum());
    for g in groups {
        for _ in 0..g.len() {
            out.push(g[draw_index(rng, g.len())]);
        }
    }
    out
}

/// Resample whole groups: as many groups as there are, drawn with
/// replacement, each contributing all its items.
pub fn resample_groups(rng: &mut Rng, groups: &[Vec<usize>]) -> Vec<usize> {
    let mut out = Vec::new();
    for _ in 0..groups.len() {
        out.extend_from_slice(&groups[draw_index(rng, groups.len())]);
    }
    out
}

/// A uniform index in `0..n` (`n > 0`), without modulo bias worth
/// mentioning for `n ≪ 2^64` (multiply-shift on 64 random bits).
fn draw_index(rng: &mut Rng, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

/// Run `replicates` bootstrap replicates in parallel; replicate `r` gets
/// `Rng::for_task(seed, r)`. Replicates returning `None` (a fit that failed
/// on that resample) are dropped; the caller sees how many remain.
/// The result is in replicate order, whatever the thread count.
pub fn run_replicates<T, F>(replicates: usize, seed: u64, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(&mut Rng) -> Option<T> + Sync,
{
    (0..replicates)
        .into_par_iter()
        .map(|r| f(&mut Rng::for_task(seed, r as u64)))
        .collect::<Vec<Option<T>>>()
        .into_iter()
        .flatten()
        .collect()
}

/// The `q`-quantile (`0 ≤ q ≤ 1`) of `values` by linear interpolation
/// between order statistics (numpy's default, "type 7"). Non-finite values
/// are ignored; `None` when no finite value remains or `q` is outside [0, 1].
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&q) {
        return None;
    }
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let h = q * (v.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

/// The two-sided percentile interval of coverage `level` (e.g. 0.95):
/// the (1 − level)/2 and (1 + level)/2 quantiles.
pub fn percentile_interval(values: &[f64], level: f64) -> Option<[f64; 2]> {
    if !(level > 0.0 && level < 1.0) {
        return None;
    }
    Some([
        quantile(values, (1.0 - level) / 2.0)?,
        quantile(values, (1.0 + level) / 2.0)?,
    ])
}
