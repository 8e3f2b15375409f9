//! The extrapolation audit: refit without a group of points and score the
//! law on them.
//!
//! - **Leave one group out**: for each group g (a budget, or any column's
//!   value), fit on the other groups and predict g's points.
//! - **Ordered**: for k = 2 … G − 1, fit on the k smallest groups and
//!   predict all larger ones (pooled), as a user extrapolating to budgets
//!   they have not tried does.
//!
//! Each split reports the held-out RMSE of ln L (`√(mean (ln L − ln L̂)²)`),
//! the mean over the held-out points of their Mahalanobis distance on
//! (ln N, ln D) from the training points ([`DataSpread::distance`]), and the
//! share of held-out losses outside the training losses' range. The summary
//! over the leave-one-out splits: mean, median, worst, and the Spearman rank
//! correlation of score and distance (does the error grow with distance?).

use rayon::prelude::*;

use crate::analysis::law::LawMethod;
use crate::analysis::predict::DataSpread;
use crate::sampling::IsoflopPoint;

/// The score of one split.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitScore {
    /// The held-out group's key (leave-one-out), or the largest training
    /// group's key (ordered).
    pub key: f64,
    /// Training groups.
    pub train_groups: usize,
    /// Held-out points.
    pub held_out: usize,
    /// RMSE of ln L on the held-out points, or why the split has none
    /// (the fit failed, the law gives no loss).
    pub rmse_ln: Result<f64, String>,
    /// Mean Mahalanobis distance of the held-out points from the training
    /// points on (ln N, ln D).
    pub distance: f64,
    /// Share of held-out losses outside the training losses' range.
    pub outside_share: f64,
}

/// The summary of the leave-one-out scores that exist.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditSummary {
    /// Splits scored.
    pub scored: usize,
    /// Mean held-out RMSE of ln L.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// The worst score and its group's key.
    pub worst: (f64, f64),
    /// Spearman(score, distance), when at least 3 splits were scored and
    /// neither varies trivially.
    pub spearman: Option<f64>,
}

/// The audit of one method on one data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Audit {
    /// The method's name.
    pub method: String,
    /// Leave-one-group-out, one per group (in increasing key).
    pub leave_one_out: Vec<SplitScore>,
    /// Ordered splits, k = 2 … G − 1 (empty unless asked for).
    pub ordered: Vec<SplitScore>,
    /// The summary of `leave_one_out` (None when no split was scored).
    pub summary: Option<AuditSummary>,
}

/// Point indices grouped by `keys` (one key per point), groups in
/// increasing key; equal keys form a group.
pub fn groups_by_key(keys: &[f64]) -> Vec<(f64, Vec<usize>)> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&i, &j| keys[i].total_cmp(&keys[j]));
    let mut out: Vec<(f64, Vec<usize>)> = Vec::new();
    for i in order {
        match out.last_mut() {
            Some((k, g)) if *k == keys[i] => g.push(i),
            _ => out.push((keys[i], vec![i])),
        }
    }
    out
}

/// Score the law fitted to `train` on `test`.
fn score(
    method: &LawMethod,
    points: &[IsoflopPoint<f64>],
    train: &[usize],
    test: &[usize],
    key: f64,
    train_groups: usize,
) -> SplitScore {
    let tr: Vec<IsoflopPoint<f64>> = train.iter().map(|&i| points[i].clone()).collect();
    let spread = DataSpread::of(&tr);
    let distance = test
        .iter()
        .map(|&i| spread.distance(points[i].n, points[i].d))
        .sum::<f64>()
        / test.len() as f64;
    let [lo, hi] = spread.loss_range;
    let outside = test
        .iter()
        .filter(|&&i| points[i].loss < lo || points[i].loss > hi)
        .count() as f64
        / test.len() as f64;
    let rmse_ln = method.fit(&tr).and_then(|(law, _)| {
        let mut s = 0.0;
        for &i in test {
            let p = &points[i];
            let l = law.loss(p.n, p.d)?;
            if !(l > 0.0 && l.is_finite()) {
                return Err(format!(
                    "the law predicts L = {l} at N = {:e}, D = {:e}",
                    p.n, p.d
                ));
            }
            s += (p.loss.ln() - l.ln()).powi(2);
        }
        Ok((s / test.len() as f64).sqrt())
    });
    SplitScore {
        key,
        train_groups,
        held_out: test.len(),
        rmse_ln,
        distance,
        outside_share: outside,
    }
}

/// Audit `method` on `points` grouped by `keys` (one per point); `ordered`
/// adds the ordered splits. Splits run in parallel; the result does not
/// depend on the thread count.
pub fn audit(
    method: &LawMethod,
    points: &[IsoflopPoint<f64>],
    keys: &[f64],
    ordered: bool,
) -> Audit {
    let groups = groups_by_key(keys);
    let g = groups.len();
    let leave_one_out: Vec<SplitScore> = (0..g)
        .into_par_iter()
        .map(|h| {
            let train: Vec<usize> = (0..g)
                .filter(|&k| k != h)
                .flat_map(|k| groups[k].1.iter().copied())
                .collect();
            score(method, points, &train, &groups[h].1, groups[h].0, g - 1)
        })
        .collect();
    let ordered = if ordered {
        (2..g)
            .into_par_iter()
            .map(|k| {
                let train: Vec<usize> = groups[..k].iter().flat_map(|x| x.1.clone()).collect();
                let test: Vec<usize> = groups[k..].iter().flat_map(|x| x.1.clone()).collect();
                score(method, points, &train, &test, groups[k - 1].0, k)
            })
            .collect()
    } else {
        Vec::new()
    };
    let summary = summarise(&leave_one_out);
    Audit {
        method: method.name(),
        leave_one_out,
        ordered,
        summary,
    }
}

/// Mean, median, worst and Spearman(score, distance) of the scored splits.
pub fn summarise(splits: &[SplitScore]) -> Option<AuditSummary> {
    let ok: Vec<(f64, f64, f64)> = splits
        .iter()
        .filter_map(|s| s.rmse_ln.as_ref().ok().map(|&r| (r, s.distance, s.key)))
        .collect();
    if ok.is_empty() {
        return None;
    }
    let n = ok.len() as f64;
    let mean = ok.iter().map(|x| x.0).sum::<f64>() / n;
    let mut sorted: Vec<f64> = ok.iter().map(|x| x.0).collect();
    sorted.sort_by(f64::total_cmp);
    let k = sorted.len();
    let median = if k % 2 == 1 {
        sorted[k / 2]
    } else {
        (sorted[k / 2 - 1] + sorted[k / 2]) / 2.0
    };
    let worst = ok
        .iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|x| (x.0, x.2))?;
    let finite: Vec<&(f64, f64, f64)> = ok.iter().filter(|x| x.1.is_finite()).collect();
    let spearman = if finite.len() >= 3 {
        let s: Vec<f64> = finite.iter().map(|x| x.0).collect();
        let d: Vec<f64> = finite.iter().map(|x| x.1).collect();
        spearman(&s, &d)
    } else {
        None
    };
    Some(AuditSummary {
        scored: ok.len(),
        mean,
        median,
        worst,
        spearman,
    })
}

/// Ranks 1 … n, ties given their average rank.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            r[o] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (Pearson correlation of the average ranks);
/// None when either has no spread.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    let (rx, ry) = (ranks(x), ranks(y));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}
