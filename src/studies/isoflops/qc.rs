//! Quality control of IsoFLOP measurements: the outlier pipeline that
//! produced the `outlier`/`reason` columns of the published file, so that it
//! can be rerun on anyone's data.
//!
//! Per experiment, stage by stage (each stage sees only the points no
//! earlier stage flagged, and flags each point at most once):
//!
//! 1. **duplicates** per budget: points with equal N keep the one whose
//!    implied compute 6ND is closest to the budget (ties: lower loss, then
//!    file order), the rest are `exact_duplicate`; then, walking the
//!    remaining points in increasing N, a bin collects the points within
//!    `ln N − ln N_first ≤ 0.01` of its first point; each bin keeps one point
//!    by the same rule, the rest are `near_duplicate_params`;
//! 2. budgets with fewer than 6 points: all `too_few_points`;
//! 3. **off-centre**: the parabola ln L = a(ln N)² + b ln N + c (a > 0) has
//!    its vertex v; with all points on one side of v the budget is
//!    `off_center`; otherwise r = (1 + 1.5)·min(v − min ln N, max ln N − v)
//!    and the points with |ln N − v| > r are `off_center`;
//! 4. **spline**: each point is predicted by an Akima interpolant in ln N
//!    through the other points of its budget (extrapolated at the ends);
//!    over all the experiment's residuals r, the robust z = 0.6745·|r −
//!    median|/MAD above the threshold (6; 3 for Epoch AI's Chinchilla, 4.5
//!    for Marin DCLM) is `spline_outlier`;
//! 5. **curvature**: a ≤ 0 is `negative_curvature` for the budget; then
//!    with n ≥ 4 points, a − t_{0.975, n−3}·se(a) ≤ 0 is `weak_curvature`;
//! 6. budgets left with 1–5 points: `too_few_post_qc`.
//!
//! Derivations of the curvature interval: `proofs/14_isoflop_studies.md` §14.1–14.2.

use std::collections::BTreeMap;

use nalgebra::{DMatrix, DVector};

use crate::numerics::student_t::two_sided_critical_value;

/// Why a point is an outlier (or `None`), named as in the published file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// A clean point.
    None,
    /// Same N as another point of its budget.
    ExactDuplicate,
    /// ln N within 0.01 of another point of its budget.
    NearDuplicateParams,
    /// Its budget has fewer than the minimum number of points.
    TooFewPoints,
    /// Its budget's log-log parabola opens downward.
    NegativeCurvature,
    /// Its budget's curvature is not significantly positive.
    WeakCurvature,
    /// Far from the leave-one-out Akima interpolant of its budget.
    SplineOutlier,
    /// Far from its budget's parabola vertex.
    OffCenter,
    /// Its budget fell below the minimum after the other stages.
    TooFewPostQc,
}

impl Reason {
    /// Every reason, `None` first, then in pipeline order.
    pub const ALL: [Reason; 9] = [
        Reason::None,
        Reason::ExactDuplicate,
        Reason::NearDuplicateParams,
        Reason::TooFewPoints,
        Reason::OffCenter,
        Reason::SplineOutlier,
        Reason::NegativeCurvature,
        Reason::WeakCurvature,
        Reason::TooFewPostQc,
    ];

    /// The name used in the published file.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::None => "none",
            Reason::ExactDuplicate => "exact_duplicate",
            Reason::NearDuplicateParams => "near_duplicate_params",
            Reason::TooFewPoints => "too_few_points",
            Reason::NegativeCurvature => "negative_curvature",
            Reason::WeakCurvature => "weak_curvature",
            Reason::SplineOutlier => "spline_outlier",
            Reason::OffCenter => "off_center",
            Reason::TooFewPostQc => "too_few_post_qc",
        }
    }

    /// The reason with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Whether the point is flagged.
    pub fn is_outlier(self) -> bool {
        self != Reason::None
    }
}

/// The thresholds of the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct QcConfig {
    /// Fewest points a budget may keep (6).
    pub min_budget_points: usize,
    /// Robust z above which a leave-one-out spline residual is an outlier (6).
    pub spline_z_threshold: f64,
    /// Largest ln N difference within a near-duplicate bin (0.01).
    pub near_duplicate_ln_tol: f64,
    /// Coverage of the curvature t-interval (0.95; 0 disables the test).
    pub curvature_level: f64,
    /// Margin on the off-centre radius: points beyond (1 + margin) times the
    /// smaller half-distance are off-centre (1.5).
    pub off_center_margin: f64,
}

impl Default for QcConfig {
    fn default() -> Self {
        Self {
            min_budget_points: 6,
            spline_z_threshold: 6.0,
            near_duplicate_ln_tol: 0.01,
            curvature_level: 0.95,
            off_center_margin: 1.5,
        }
    }
}

impl QcConfig {
    /// The published pipeline's settings for an experiment: the defaults,
    /// with the spline threshold 3.0 for Epoch AI's Chinchilla and 4.5 for
    /// Marin DCLM.
    pub fn for_experiment(experiment: &str) -> Self {
        let spline_z_threshold = match experiment {
            "epochai_chinchilla__massivetext__chinchilla" => 3.0,
            "marin_202603__dclm__llama_2" => 4.5,
            _ => 6.0,
        };
        Self {
            spline_z_threshold,
            ..Self::default()
        }
    }
}

/// One measurement as the pipeline sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QcPoint {
    /// Model size N.
    pub params: f64,
    /// Tokens D.
    pub tokens: f64,
    /// Budget C.
    pub budget: f64,
    /// Loss L.
    pub loss: f64,
}

/// A least-squares parabola `y = a x² + b x + c` with the standard error of
/// `a` (σ̂² = RSS/(n − 3)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuadraticFit {
    /// The quadratic coefficient a.
    pub a: f64,
    /// The vertex −b/(2a).
    pub vertex: f64,
    /// The standard error of a (NaN for n = 3, where σ̂ is undefined).
    pub se_a: f64,
}

/// The least-squares parabola through `(x, y)` with the standard error of
/// its quadratic coefficient, solved by Householder QR in the centred and
/// scaled abscissa t = (x − x̄)/s: with `R` the triangular factor,
/// `a = c₂/s²` and `se(a) = σ̂/(|R₂₂|·s²)` (proofs/14 §14.1). `None` for
/// fewer than 3 points or fewer than 3 distinct abscissae.
pub fn fit_quadratic(x: &[f64], y: &[f64]) -> Option<QuadraticFit> {
    let n = x.len();
    if n < 3 || y.len() != n {
        return None;
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    let s = (hi - lo) / 2.0;
    if !(s > 0.0 && s.is_finite()) {
        return None;
    }
    let m = DMatrix::from_fn(n, 3, |i, j| {
        let t = (x[i] - mean) / s;
        [1.0, t, t * t][j]
    });
    let rhs = DVector::from_column_slice(y);
    let qr = m.clone().qr();
    let r = qr.r();
    let rmax = (0..3).map(|i| r[(i, i)].abs()).fold(0.0, f64::max);
    if (0..3).any(|i| r[(i, i)].abs() <= rmax * f64::EPSILON * (64 * n) as f64) {
        return None;
    }
    let c = r.solve_upper_triangular(&(qr.q().transpose() * &rhs))?;
    let rss = (m * &c - rhs).norm_squared();
    let a = c[2] / (s * s);
    let b_t = c[1];
    // Vertex in t, then in x.
    let t_star = -b_t / (2.0 * c[2]);
    let se_a = if n > 3 {
        (rss / (n - 3) as f64).sqrt() / (r[(2, 2)].abs() * s * s)
    } else {
        f64::NAN
    };
    Some(QuadraticFit {
        a,
        vertex: mean + s * t_star,
        se_a,
    })
}

/// The Akima interpolant through `(x, y)` (x strictly increasing, n ≥ 2)
/// evaluated at `at`, extrapolating with the end pieces — scipy's
/// `Akima1DInterpolator(x, y)(at, extrapolate=True)` with its default
/// method (plain Akima 1970, the 1e-9 relative guard on the weights).
/// With two points it is the straight line through them.
///
/// No kept crate has Akima interpolation with scipy's end conditions, and
/// the QC flags depend on them.
pub fn akima(x: &[f64], y: &[f64], at: f64) -> f64 {
    let n = x.len();
    if n == 2 {
        return y[0] + (y[1] - y[0]) / (x[1] - x[0]) * (at - x[0]);
    }
    // m[2..n+1] are the chord slopes; two extrapolated on each side.
    let mut m = vec![0.0; n + 3];
    for i in 0..n - 1 {
        m[i + 2] = (y[i + 1] - y[i]) / (x[i + 1] - x[i]);
    }
    m[1] = 2.0 * m[2] - m[3];
    m[0] = 2.0 * m[1] - m[2];
    m[n + 1] = 2.0 * m[n] - m[n - 1];
    m[n + 2] = 2.0 * m[n + 1] - m[n];
    let dm: Vec<f64> = (0..n + 2).map(|i| (m[i + 1] - m[i]).abs()).collect();
    let f1: Vec<f64> = (0..n).map(|i| dm[i + 2]).collect();
    let f2: Vec<f64> = (0..n).map(|i| dm[i]).collect();
    let f12: Vec<f64> = (0..n).map(|i| f1[i] + f2[i]).collect();
    let big = f12.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let t: Vec<f64> = (0..n)
        .map(|i| {
            if f12[i] > 1e-9 * big {
                (f1[i] * m[i + 1] + f2[i] * m[i + 2]) / f12[i]
            } else {
                0.5 * (m[i + 3] + m[i])
            }
        })
        .collect();
    // The piece: the interval containing `at`, or the end piece outside.
    let k = match x.iter().rposition(|&xi| xi <= at) {
        None => 0,
        Some(k) => k.min(n - 2),
    };
    let h = x[k + 1] - x[k];
    let slope = (y[k + 1] - y[k]) / h;
    let tt = (t[k] + t[k + 1] - 2.0 * slope) / h;
    let c0 = tt / h;
    let c1 = (slope - t[k]) / h - tt;
    let u = at - x[k];
    ((c0 * u + c1) * u + t[k]) * u + y[k]
}

/// The median (mean of the two middle values for an even count).
fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Run the pipeline on one experiment's points; returns a reason per point
/// (in input order, which breaks the last ties of the duplicate stage).
pub fn run_qc(points: &[QcPoint], cfg: &QcConfig) -> Vec<Reason> {
    let mut reason = vec![Reason::None; points.len()];
    // Budgets in order of first appearance, each with its point indices.
    let mut budgets: Vec<(f64, Vec<usize>)> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match budgets.iter_mut().find(|(c, _)| *c == p.budget) {
            Some((_, idx)) => idx.push(i),
            None => budgets.push((p.budget, vec![i])),
        }
    }
    let clean = |reason: &[Reason], idx: &[usize]| -> Vec<usize> {
        idx.iter()
            .copied()
            .filter(|&i| !reason[i].is_outlier())
            .collect()
    };
    // The point to keep of a duplicate group: closest implied compute, then
    // lowest loss, then first in `group` order.
    let keeper = |group: &[usize], c: f64| -> usize {
        let key = |&i: &usize| {
            (
                (6.0 * points[i].params * points[i].tokens - c).abs(),
                points[i].loss,
            )
        };
        let mut best = group[0];
        for &i in &group[1..] {
            let (ki, kb) = (key(&i), key(&best));
            if ki.0 < kb.0 || (ki.0 == kb.0 && ki.1 < kb.1) {
                best = i;
            }
        }
        best
    };

    // 1a. Exact duplicates of N.
    for (c, idx) in &budgets {
        let mut by_n: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for &i in idx {
            by_n.entry(points[i].params.to_bits()).or_default().push(i);
        }
        for group in by_n.values().filter(|g| g.len() > 1) {
            let keep = keeper(group, *c);
            for &i in group.iter().filter(|&&i| i != keep) {
                reason[i] = Reason::ExactDuplicate;
            }
        }
    }
    // 1b. Near duplicates: greedy bins in increasing N.
    for (c, idx) in &budgets {
        let mut sorted = clean(&reason, idx);
        sorted.sort_by(|&i, &j| points[i].params.total_cmp(&points[j].params));
        let mut bins: Vec<Vec<usize>> = Vec::new();
        for &i in &sorted {
            let ln = points[i].params.ln();
            match bins.last_mut() {
                Some(b) if ln - points[b[0]].params.ln() <= cfg.near_duplicate_ln_tol => b.push(i),
                _ => bins.push(vec![i]),
            }
        }
        for b in bins.iter().filter(|b| b.len() > 1) {
            let keep = keeper(b, *c);
            for &i in b.iter().filter(|&&i| i != keep) {
                reason[i] = Reason::NearDuplicateParams;
            }
        }
    }
    // 2. Too few points.
    for (_, idx) in &budgets {
        let left = clean(&reason, idx);
        if left.len() < cfg.min_budget_points {
            for i in left {
                reason[i] = Reason::TooFewPoints;
            }
        }
    }
    let ln_xy = |ids: &[usize]| -> (Vec<f64>, Vec<f64>) {
        (
            ids.iter().map(|&i| points[i].params.ln()).collect(),
            ids.iter().map(|&i| points[i].loss.ln()).collect(),
        )
    };
    // 3. Off-centre.
    for (_, idx) in &budgets {
        let ids = clean(&reason, idx);
        let (x, y) = ln_xy(&ids);
        let Some(q) = fit_quadratic(&x, &y) else {
            continue;
        };
        if q.a <= 0.0 {
            continue;
        }
        let v = q.vertex;
        let left = x
            .iter()
            .copied()
            .filter(|&u| u <= v)
            .fold(f64::INFINITY, f64::min);
        let right = x
            .iter()
            .copied()
            .filter(|&u| u >= v)
            .fold(f64::NEG_INFINITY, f64::max);
        if !left.is_finite() || !right.is_finite() {
            for &i in &ids {
                reason[i] = Reason::OffCenter;
            }
            continue;
        }
        let radius = (v - left).min(right - v) * (1.0 + cfg.off_center_margin);
        for (k, &i) in ids.iter().enumerate() {
            if x[k] < v - radius || x[k] > v + radius {
                reason[i] = Reason::OffCenter;
            }
        }
    }
    // 4. Leave-one-out Akima residuals, pooled over the experiment.
    let mut loo: Vec<(usize, f64)> = Vec::new();
    for (_, idx) in &budgets {
        let mut ids = clean(&reason, idx);
        ids.sort_by(|&i, &j| points[i].params.total_cmp(&points[j].params));
        let x: Vec<f64> = ids.iter().map(|&i| points[i].params.ln()).collect();
        let y: Vec<f64> = ids.iter().map(|&i| points[i].loss).collect();
        for k in 0..ids.len() {
            if ids.len() < 3 {
                continue;
            }
            let xr: Vec<f64> = x
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .map(|(_, v)| *v)
                .collect();
            let yr: Vec<f64> = y
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .map(|(_, v)| *v)
                .collect();
            loo.push((ids[k], y[k] - akima(&xr, &yr, x[k])));
        }
    }
    if !loo.is_empty() {
        let r: Vec<f64> = loo.iter().map(|p| p.1).collect();
        let med = median(&r);
        let dev: Vec<f64> = r.iter().map(|v| (v - med).abs()).collect();
        let mad = median(&dev);
        if mad > 0.0 {
            for &(i, ri) in &loo {
                if 0.6745 * (ri - med).abs() / mad > cfg.spline_z_threshold {
                    reason[i] = Reason::SplineOutlier;
                }
            }
        }
    }
    // 5a. Negative curvature.
    for (_, idx) in &budgets {
        let ids = clean(&reason, idx);
        let (x, y) = ln_xy(&ids);
        if let Some(q) = fit_quadratic(&x, &y) {
            if q.a <= 0.0 {
                for &i in &ids {
                    reason[i] = Reason::NegativeCurvature;
                }
            }
        }
    }
    // 5b. Weak curvature: the t-interval of a reaches 0.
    if cfg.curvature_level > 0.0 {
        for (_, idx) in &budgets {
            let ids = clean(&reason, idx);
            if ids.len() < 4 {
                continue;
            }
            let (x, y) = ln_xy(&ids);
            let Some(q) = fit_quadratic(&x, &y) else {
                continue;
            };
            let nu = (ids.len() - 3) as u32;
            let Some(t) = two_sided_critical_value(cfg.curvature_level, nu) else {
                continue;
            };
            if q.a > 0.0 && q.a - t * q.se_a <= 0.0 {
                for &i in &ids {
                    reason[i] = Reason::WeakCurvature;
                }
            }
        }
    }
    // 6. Too few after QC.
    for (_, idx) in &budgets {
        let left = clean(&reason, idx);
        if !left.is_empty() && left.len() < cfg.min_budget_points {
            for i in left {
                reason[i] = Reason::TooFewPostQc;
            }
        }
    }
    reason
}
