//! Approach 2 (Hoffmann et al. 2022, §3.2): per compute budget, a
//! least-squares parabola of L against log10 N whose vertex estimates
//! log10 N*(C) (and separately against log10 D for D*(C)); then ordinary least
//! squares of the vertices on log10 C gives the exponents and intercepts.

use std::any::Any;
use std::borrow::Cow;
use std::ops::Range;

use nalgebra::RealField;
use thiserror::Error;

use crate::numerics::{int, is_positive_finite, to_f64};
use crate::sampling::IsoflopPoint;

/// Why Approach 2 could not be fitted, with the evidence.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Approach2Error {
    /// A point has a non-positive or non-finite field.
    #[error("point {index}: {field} must be positive and finite, got {value}")]
    BadPoint {
        /// Index of the point in the input.
        index: usize,
        /// `N`, `D`, `L` or `C`.
        field: &'static str,
        /// The value found.
        value: f64,
    },
    /// A budget has fewer points than a parabola needs.
    #[error("budget C = {budget:e} has {got} points; a parabola needs at least {needed}")]
    TooFewPoints {
        /// The budget.
        budget: f64,
        /// Points needed (3).
        needed: usize,
        /// Points found.
        got: usize,
    },
    /// A budget's points do not span three distinct abscissae.
    #[error("budget C = {budget:e}: the points span fewer than 3 distinct log10 {axis} values")]
    Degenerate {
        /// The budget.
        budget: f64,
        /// `N` or `D`.
        axis: &'static str,
    },
    /// Fewer budgets than a power law needs.
    #[error("{got} compute budget(s); the power-law fit needs at least {needed}")]
    TooFewBudgets {
        /// Budgets needed (2).
        needed: usize,
        /// Budgets found.
        got: usize,
    },
    /// Most budgets have fewer points than a parabola needs: the budget
    /// column looks computed per row (every C = 6·N·D distinct), not a
    /// budget shared by an IsoFLOP curve.
    #[error("{points} points carry {budgets} distinct budgets, so most budgets have fewer than the 3 points a parabola needs; a budget column computed per row (6·N·D, every value distinct) gives each point its own budget: round the column, or group budgets within a relative tolerance (the command line's --budget-tolerance)")]
    BudgetsPerRow {
        /// Points given.
        points: usize,
        /// Distinct budgets among them.
        budgets: usize,
    },
    /// The budgets are distinct but their log10 C are equal (or within
    /// rounding) in f64: the power law's slope is not determined.
    #[error("the {count} budgets C = {low:e} … {high:e} are distinct, but their log10 C differ by no more than f64 rounding: no slope can be fitted through them")]
    BudgetsUnresolved {
        /// Number of budgets.
        count: usize,
        /// The smallest budget.
        low: f64,
        /// The largest budget.
        high: f64,
    },
    /// The fitted curvature is no larger than its rounding level: the losses
    /// of this budget do not resolve a minimum in f64 (flat or linear in
    /// log10 N, or the reducible loss below the rounding of L, as for
    /// budgets near 1e300).
    #[error("budget C = {budget:e}: the parabola's curvature in log10 {axis}, {curvature:e}, is within its rounding level {rounding_level:e}: the losses do not resolve a minimum in f64 (flat or linear in log10 {axis}, or the reducible loss below the rounding of L)")]
    CurvatureAtRoundingLevel {
        /// The budget.
        budget: f64,
        /// `N` or `D`.
        axis: &'static str,
        /// The fitted quadratic coefficient (per decade²).
        curvature: f64,
        /// Its rounding level (per decade²), see [`Parabola::curvature_rounding`].
        rounding_level: f64,
    },
    /// The fitted parabola opens downward (or is flat): no minimum.
    #[error("budget C = {budget:e}: parabola in log10 {axis} has non-positive curvature {curvature:e}; no minimum")]
    NonPositiveCurvature {
        /// The budget.
        budget: f64,
        /// `N` or `D`.
        axis: &'static str,
        /// The fitted quadratic coefficient (per decade²).
        curvature: f64,
    },
}

/// The least-squares parabola `y = c0 + c1·x + c2·x²` of one budget, reported
/// by its vertex.
#[derive(Debug, Clone, PartialEq)]
pub struct Parabola<T> {
    /// The abscissa of the vertex, `−c1/(2·c2)`.
    pub vertex: T,
    /// The quadratic coefficient `c2` (per unit of x squared).
    pub curvature: T,
    /// The fitted value at the vertex.
    pub minimum: T,
    /// The rounding level of `curvature`: `8n·ε·‖y‖₂/|R₂₂|` per unit of x
    /// squared, the change in c₂ that perturbations of y at its rounding
    /// level (plus the QR's backward error, ~n·ε) can cause (c₂ = (Qᵀy)₂/R₂₂
    /// and |(Qᵀδy)₂| ≤ ‖δy‖₂). A curvature no larger than this is noise.
    pub curvature_rounding: T,
}

/// The least-squares parabola through `(x_i, y_i)`, in centred coordinates
/// `u = x − x̄` on the orthogonal polynomials of the points (Forsythe's
/// three-term recurrence)
///
/// ```text
/// p₀ = 1,  p₁ = u − a₁,  p₂ = (u − a₂)·p₁ − b₁,
/// a₁ = Σu/n,  a₂ = Σu·p₁²/Σp₁²,  b₁ = Σp₁²/n,
/// y ≈ ȳ + d₁p₁ + d₂p₂,  d_k = Σp_k·(y − ȳ)/Σp_k²,
/// ```
///
/// the form whose rounding proofs/06 §6.2 bounds (each coefficient one
/// weighted sum of the centred losses `y − ȳ`; never the normal equations
/// on monomials, whose Gram matrix squares the conditioning). a₁ is zero
/// up to the rounding of x̄ and a₂ is zero on a symmetric grid, which then
/// gives a vertex exact to rounding. No allocation: three passes over the
/// two slices, so it costs no heap per budget and axis: (1) x̄, ȳ, ‖y‖
/// and the range; (2) the moments Σu, Σu², Σu³, Σu·(y − ȳ), Σ(y − ȳ),
/// which give the sums over p₁ by exact identities (Σp₁² = Σu² − a₁Σu,
/// Σu·p₁² = Σu³ − 2a₁Σu² + a₁²Σu, Σp₁(y − ȳ) = Σu(y − ȳ) − a₁Σ(y − ȳ);
/// the corrections are at rounding level, as a₁ is); (3) Σp₂², Σp₂(y − ȳ).
/// Each sum runs as two interleaved partial sums (even and odd points),
/// which halves the chain of dependent additions; any order of a sum has
/// the same rounding bound. (The basis is the same for any scaling of u,
/// so unlike a QR of monomials it needs none.)
///
/// Returns `None` when the x values do not span three distinct values (the
/// design is rank deficient: some ‖p_k‖ ≤ 64n·ε·max‖p_j‖ in the units of
/// the half range, the test a QR of `[1, t, t²]` with `t = u/half range`
/// makes on its R diagonal, |R_kk| = ‖p_k(t)‖).
pub fn fit_parabola<T: RealField>(x: &[T], y: &[T]) -> Option<Parabola<T>> {
    let [p] = fit_parabolas([x], y);
    p
}

/// [`fit_parabola`] for K abscissae against the same losses (Approach 2's
/// log10 N and log10 D of one budget): the passes over the points run the
/// K fits side by side (independent sums the processor overlaps) and share
/// the losses' mean and norm. Each fit is exactly [`fit_parabola`]'s.
pub fn fit_parabolas<T: RealField, const K: usize>(
    xs: [&[T]; K],
    y: &[T],
) -> [Option<Parabola<T>>; K] {
    let n = y.len();
    let zeros = || -> [T; K] { std::array::from_fn(|_| T::zero()) };
    if n < 3 || xs.iter().any(|x| x.len() != n) {
        return std::array::from_fn(|_| None);
    }
    let nt = int::<T>(n as i64);
    let add =
        |a: [T; K], b: [T; K]| -> [T; K] { std::array::from_fn(|k| a[k].clone() + b[k].clone()) };
    // Pass 1: centres, half ranges, mean loss, ‖y‖².
    let first: [T; K] = std::array::from_fn(|k| xs[k][0].clone());
    let (sx, sy, yy, lo, hi) = sum_pairs(
        n,
        || (zeros(), T::zero(), T::zero(), first.clone(), first.clone()),
        |(sx, sy, yy, lo, hi), i| {
            let yi = &y[i];
            *sy += yi.clone();
            *yy += yi.clone() * yi.clone();
            for k in 0..K {
                let xi = &xs[k][i];
                sx[k] += xi.clone();
                // Comparisons, not NaN-aware min/max: a NaN abscissa makes
                // the sums NaN, which the rank check refuses either way.
                if *xi < lo[k] {
                    lo[k] = xi.clone();
                }
                if *xi > hi[k] {
                    hi[k] = xi.clone();
                }
            }
        },
        |a, b| {
            let lo: [T; K] = std::array::from_fn(|k| a.3[k].clone().min(b.3[k].clone()));
            let hi: [T; K] = std::array::from_fn(|k| a.4[k].clone().max(b.4[k].clone()));
            (add(a.0, b.0), a.1 + b.1, a.2 + b.2, lo, hi)
        },
    );
    let mean: [T; K] = std::array::from_fn(|k| sx[k].clone() / nt.clone());
    let y_mean = sy / nt.clone();
    let half: [T; K] = std::array::from_fn(|k| (hi[k].clone() - lo[k].clone()) / int::<T>(2));
    // Pass 2: the moments Σu, Σu², Σu³, Σu·(y − ȳ) and Σ(y − ȳ) about the
    // mean, u = x − x̄, from which (p₁ = u − a₁, a₁ = Σu/n)
    //   Σp₁² = Σu² − a₁Σu,  Σu·p₁² = Σu³ − 2a₁Σu² + a₁²Σu,
    //   Σp₁(y − ȳ) = Σu(y − ȳ) − a₁Σ(y − ȳ),
    // identities in exact arithmetic; a₁ is zero up to the rounding of x̄,
    // so the corrections are themselves at rounding level and the sums are
    // those over p₁ to within their own rounding (proofs/06 §6.2).
    let (su, suu, suuu, suy, sdy) = sum_pairs(
        n,
        || (zeros(), zeros(), zeros(), zeros(), T::zero()),
        |(su, suu, suuu, suy, sdy), i| {
            let dy = y[i].clone() - y_mean.clone();
            for k in 0..K {
                let u = xs[k][i].clone() - mean[k].clone();
                let uu = u.clone() * u.clone();
                suuu[k] += uu.clone() * u.clone();
                suy[k] += u.clone() * dy.clone();
                su[k] += u;
                suu[k] += uu;
            }
            *sdy += dy;
        },
        |a, b| {
            (
                add(a.0, b.0),
                add(a.1, b.1),
                add(a.2, b.2),
                add(a.3, b.3),
                a.4 + b.4,
            )
        },
    );
    let a1: [T; K] = std::array::from_fn(|k| su[k].clone() / nt.clone());
    let p1p1: [T; K] = std::array::from_fn(|k| suu[k].clone() - a1[k].clone() * su[k].clone());
    let up1p1: [T; K] = std::array::from_fn(|k| {
        suuu[k].clone() - int::<T>(2) * a1[k].clone() * suu[k].clone()
            + a1[k].clone() * a1[k].clone() * su[k].clone()
    });
    let p1y: [T; K] = std::array::from_fn(|k| suy[k].clone() - a1[k].clone() * sdy.clone());
    let a2: [T; K] = std::array::from_fn(|k| up1p1[k].clone() / p1p1[k].clone());
    let b1: [T; K] = std::array::from_fn(|k| p1p1[k].clone() / nt.clone());
    // Pass 3: Σp₂², Σp₂(y − ȳ).
    let (p2p2, p2y) = sum_pairs(
        n,
        || (zeros(), zeros()),
        |(p2p2, p2y), i| {
            let dy = y[i].clone() - y_mean.clone();
            for k in 0..K {
                let u = xs[k][i].clone() - mean[k].clone();
                let p1 = u.clone() - a1[k].clone();
                let p2 = (u - a2[k].clone()) * p1 - b1[k].clone();
                p2y[k] += p2.clone() * dy.clone();
                p2p2[k] += p2.clone() * p2;
            }
        },
        |a, b| (add(a.0, b.0), add(a.1, b.1)),
    );
    let y_norm = yy.sqrt();
    std::array::from_fn(|k| {
        let half = half[k].clone();
        if !is_positive_finite(&half) || !is_positive_finite(&p1p1[k]) {
            return None;
        }
        // Rank check in the units of the half range (‖p_j(t)‖ =
        // ‖p_j(u)‖/half^j): a norm negligible against the largest.
        let h2 = half.clone() * half.clone();
        let norms = [
            nt.clone().sqrt(),
            p1p1[k].clone().sqrt() / half,
            p2p2[k].clone().sqrt() / h2,
        ];
        let rmax = norms.iter().cloned().fold(T::zero(), |a, b| a.max(b));
        let tiny = rmax * T::default_epsilon() * int::<T>(64 * n as i64);
        if norms.iter().any(|r| *r <= tiny) {
            return None;
        }
        let (a1, a2, b1) = (a1[k].clone(), a2[k].clone(), b1[k].clone());
        let d1 = p1y[k].clone() / p1p1[k].clone();
        let d2 = p2y[k].clone() / p2p2[k].clone();
        // y = ȳ + d₁(u − a₁) + d₂(u² − (a₁ + a₂)u + a₁a₂ − b₁) = c0 + c1 u + c2 u².
        let c1 = d1.clone() - d2.clone() * (a1.clone() + a2.clone());
        let c0 = y_mean.clone() - d1 * a1.clone() + d2.clone() * (a1 * a2 - b1);
        // |R₂₂| in x units is ‖p₂(u)‖: the rounding level 8n·ε·‖y‖/|R₂₂|.
        let curvature_rounding =
            int::<T>(8 * n as i64) * T::default_epsilon() * y_norm.clone() / p2p2[k].clone().sqrt();
        let u_star = -c1.clone() / (int::<T>(2) * d2.clone());
        let minimum = c0 + c1 * u_star.clone() / int::<T>(2);
        Some(Parabola {
            vertex: mean[k].clone() + u_star,
            curvature: d2,
            minimum,
            curvature_rounding,
        })
    })
}

/// `Σ_{i<n}` of a term accumulated by `step(acc, i)` in two interleaved
/// partial sums (even and odd i), then `merge`d: two independent chains of
/// dependent additions instead of one, which the processor overlaps. A sum
/// of n terms in any order has the same rounding bound, (n − 1)·u·Σ|terms|.
fn sum_pairs<A>(
    n: usize,
    zero: impl Fn() -> A,
    mut step: impl FnMut(&mut A, usize),
    merge: impl FnOnce(A, A) -> A,
) -> A {
    let (mut even, mut odd) = (zero(), zero());
    let mut i = 0;
    while i + 1 < n {
        step(&mut even, i);
        step(&mut odd, i + 1);
        i += 2;
    }
    if i < n {
        step(&mut even, i);
    }
    merge(even, odd)
}

/// A power law `log10 y = intercept + exponent·log10 C`.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerLaw<T> {
    /// The exponent (slope in log–log).
    pub exponent: T,
    /// The log10 intercept (log10 y at C = 1).
    pub intercept: T,
}

impl<T: RealField> PowerLaw<T> {
    /// Ordinary least squares of `y` on `x` (both already in log10), centred:
    /// slope `Σ(x−x̄)(y−ȳ)/Σ(x−x̄)²`, intercept `ȳ − slope·x̄`.
    ///
    /// Returns `None` for fewer than 2 points or a zero spread in x.
    pub fn fit_log10(x: &[T], y: &[T]) -> Option<Self> {
        let k = x.len();
        if k < 2 || y.len() != k {
            return None;
        }
        let kt = int::<T>(k as i64);
        let xm = x.iter().cloned().fold(T::zero(), |s, v| s + v) / kt.clone();
        let ym = y.iter().cloned().fold(T::zero(), |s, v| s + v) / kt;
        let (mut sxy, mut sxx) = (T::zero(), T::zero());
        for (xi, yi) in x.iter().zip(y) {
            let dx = xi.clone() - xm.clone();
            sxy += dx.clone() * (yi.clone() - ym.clone());
            sxx += dx.clone() * dx;
        }
        if !is_positive_finite(&sxx) {
            return None;
        }
        let exponent = sxy / sxx;
        let intercept = ym - exponent.clone() * xm;
        Some(Self {
            exponent,
            intercept,
        })
    }

    /// `log10 y` at compute C.
    pub fn log10_at(&self, c: &T) -> T {
        self.intercept.clone() + self.exponent.clone() * c.clone().log10()
    }
}

/// The fitted vertices of one budget.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetVertex<T> {
    /// The compute budget C.
    pub budget: T,
    /// Points on this budget.
    pub points: usize,
    /// Vertex of the parabola in log10 N: the estimate of log10 N*(C).
    pub log10_n_opt: T,
    /// Vertex of the parabola in log10 D: the estimate of log10 D*(C).
    pub log10_d_opt: T,
    /// Curvature of L in log10 N (per decade²).
    pub n_curvature: T,
    /// Curvature of L in log10 D (per decade²).
    pub d_curvature: T,
    /// Fitted loss at the N vertex.
    pub loss_at_vertex: T,
}

/// The result of Approach 2: power laws N̂* ∝ C^â and D̂* ∝ C^b̂, and the
/// per-budget vertices they were fitted to (sorted by budget).
#[derive(Debug, Clone, PartialEq)]
pub struct Approach2Fit<T> {
    /// `log10 N̂* = â0 + â·log10 C`.
    pub n_law: PowerLaw<T>,
    /// `log10 D̂* = b̂0 + b̂·log10 C`.
    pub d_law: PowerLaw<T>,
    /// The vertices, one per budget, in increasing budget.
    pub vertices: Vec<BudgetVertex<T>>,
}

fn check_point<T: RealField>(index: usize, p: &IsoflopPoint<T>) -> Result<(), Approach2Error> {
    for (field, v) in [("N", &p.n), ("D", &p.d), ("L", &p.loss), ("C", &p.budget)] {
        if !is_positive_finite(v) {
            return Err(Approach2Error::BadPoint {
                index,
                field,
                value: to_f64(v),
            });
        }
    }
    Ok(())
}

/// Whether all four fields of a point are positive and finite (what
/// [`check_point`] checks), without naming the first bad one. In f64 two
/// comparisons per field, `x > 0` and `x ≤ f64::MAX` (false for NaN and
/// ∞), combined without branches; any other `T` by its own tests.
fn point_is_valid<T: RealField>(p: &IsoflopPoint<T>) -> bool {
    if let Some(p) = (p as &dyn Any).downcast_ref::<IsoflopPoint<f64>>() {
        let ok = |x: f64| (x > 0.0) & (x <= f64::MAX);
        return ok(p.n) & ok(p.d) & ok(p.loss) & ok(p.budget);
    }
    is_positive_finite(&p.n)
        & is_positive_finite(&p.d)
        & is_positive_finite(&p.loss)
        & is_positive_finite(&p.budget)
}

/// IsoFLOP points grouped by exactly equal budget: the point indices in
/// increasing budget (stable: a budget's points keep their input order) and
/// each budget's run of positions in that order.
pub(crate) struct BudgetGroups {
    /// Point indices sorted by budget.
    pub order: Vec<usize>,
    /// One range of `order` per budget, in increasing budget.
    pub runs: Vec<Range<usize>>,
}

/// The points' order by budget, checked: `None` when they already come
/// grouped in non-decreasing budget (as sampled data do; one O(m) pass, no
/// sort), else the indices stably sorted by budget (O(m log m)); and the
/// number of distinct budgets.
///
/// # Errors
/// [`Approach2Error::BadPoint`] for the first point (in input order) with a
/// non-positive or non-finite value; [`Approach2Error::BudgetsPerRow`] when
/// more than half of the budgets (and at least two) have fewer than 3
/// points.
fn budget_order<T: RealField>(
    points: &[IsoflopPoint<T>],
) -> Result<(Option<Vec<usize>>, usize), Approach2Error> {
    // One pass: check each point, and count the runs of equal budget (and
    // those shorter than a parabola needs) while the budgets do not decrease.
    let (mut ordered, mut runs, mut short, mut len) = (true, 0, 0, 0);
    for (i, p) in points.iter().enumerate() {
        // All four fields at once (no short circuit: one branch per point);
        // check_point names the first bad one.
        if !point_is_valid(p) {
            check_point(i, p)?;
        }
        if i == 0 || p.budget != points[i - 1].budget {
            ordered &= i == 0 || p.budget > points[i - 1].budget;
            short += usize::from(i > 0 && len < 3);
            runs += 1;
            len = 0;
        }
        len += 1;
    }
    short += usize::from(!points.is_empty() && len < 3);
    let order = if ordered {
        None
    } else {
        // Every budget is finite, so partial_cmp is total here.
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by(|&i, &j| {
            points[i]
                .budget
                .partial_cmp(&points[j].budget)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        (runs, short) = (0, 0);
        for group in order.chunk_by(|&i, &j| points[i].budget == points[j].budget) {
            runs += 1;
            short += usize::from(group.len() < 3);
        }
        Some(order)
    };
    if short > 1 && 2 * short > runs {
        return Err(Approach2Error::BudgetsPerRow {
            points: points.len(),
            budgets: runs,
        });
    }
    Ok((order, runs))
}

/// Check every point and group them by exactly equal budget C, by sorting
/// (O(m log m) for m points; one O(m) pass and no sort when they already
/// come in budget order, as sampled data do). Shared by Approach 2's
/// corrected form.
///
/// # Errors
/// [`Approach2Error::BadPoint`] for a non-positive or non-finite value;
/// [`Approach2Error::BudgetsPerRow`] when more than half of the budgets
/// (and at least two) have fewer than 3 points.
pub(crate) fn group_budgets<T: RealField>(
    points: &[IsoflopPoint<T>],
) -> Result<BudgetGroups, Approach2Error> {
    let (order, count) = budget_order(points)?;
    let order = order.unwrap_or_else(|| (0..points.len()).collect());
    let mut runs = Vec::with_capacity(count);
    let mut start = 0;
    for group in order.chunk_by(|&i, &j| points[i].budget == points[j].budget) {
        runs.push(start..start + group.len());
        start += group.len();
    }
    Ok(BudgetGroups { order, runs })
}

/// [`Approach2Error::TooFewPoints`] for a budget with fewer than the 3
/// points a parabola (or a profile) needs.
pub(crate) fn check_budget_size(budget: f64, got: usize) -> Result<(), Approach2Error> {
    if got < 3 {
        return Err(Approach2Error::TooFewPoints {
            budget,
            needed: 3,
            got,
        });
    }
    Ok(())
}

/// The parabola of one budget along one axis, checked: a rank-deficient
/// design, a curvature that is not positive or is at its rounding level are
/// typed errors.
fn check_parabola<T: RealField>(
    budget: f64,
    axis: &'static str,
    p: Option<Parabola<T>>,
) -> Result<Parabola<T>, Approach2Error> {
    let p = p.ok_or(Approach2Error::Degenerate { budget, axis })?;
    // A curvature within its rounding level, of either sign (exactly 0 for
    // constant losses), is noise; beyond it, a non-positive one is a concave
    // or flat curve.
    if p.curvature.is_finite() && p.curvature.clone().abs() <= p.curvature_rounding {
        return Err(Approach2Error::CurvatureAtRoundingLevel {
            budget,
            axis,
            curvature: to_f64(&p.curvature),
            rounding_level: to_f64(&p.curvature_rounding),
        });
    }
    if !is_positive_finite(&p.curvature) {
        return Err(Approach2Error::NonPositiveCurvature {
            budget,
            axis,
            curvature: to_f64(&p.curvature),
        });
    }
    Ok(p)
}

/// `ln x` of every f64 in `x`, into `out` (same length).
///
/// THE ONE PLACE where Approach 2 takes logarithms in f64: every log10 N,
/// log10 D and log10 C of a fit comes through this single call, over one
/// contiguous slice: the vectorised [`crate::numerics::vmath::ln_into`]
/// (≤ 0.513 ulp, proofs/16).
fn ln_f64_into(x: &[f64], out: &mut [f64]) {
    crate::numerics::vmath::ln_into(x, out);
}

/// Append `log10 x`, as `ln x · log10(e)`, of every value of `buf[values]`
/// to the end of `buf`, in one batch.
///
/// In f64 (found by downcasting the buffer, `T: RealField` being `Any`) the
/// logarithms are one call of [`ln_f64_into`] over a contiguous slice, then
/// one scaling pass; any other `T` (the 256-bit cross-checks) takes `T`'s
/// own `ln`. `ln · log10(e)` is within 1.5 ulp of log10, as the C library's
/// `log10` (which computes ln and scales it, ≤ 2 ulp), at half its cost;
/// proofs/06 §6.2 allows the abscissae a rounding of a few ulp (its X term).
fn append_log10<T: RealField>(buf: &mut Vec<T>, values: Range<usize>) {
    if let Some(buf) = (buf as &mut dyn Any).downcast_mut::<Vec<f64>>() {
        let at = buf.len();
        buf.resize(at + values.len(), 0.0);
        let (head, out) = buf.split_at_mut(at);
        ln_f64_into(&head[values], out);
        for o in out {
            *o *= std::f64::consts::LOG10_E;
        }
        return;
    }
    let log10_e = T::log10_e();
    buf.reserve(values.len());
    for i in values {
        let y = buf[i].clone().ln() * log10_e.clone();
        buf.push(y);
    }
}

/// Fit Approach 2 to IsoFLOP points `(N, D, L, C)`.
///
/// Points are grouped by exactly equal budget C (one O(m) pass when they
/// already come in non-decreasing budget, as sampled data do; otherwise by
/// a stable sort, O(m log m) for m points). D̂* comes from its own parabola
/// in log10 D, not from C/(6N̂*): on real data the two differ. The
/// per-budget parabolas ([`fit_parabolas`]) and the power laws
/// ([`PowerLaw::fit_log10`]) are closed-form sums. The logarithms (log10 N,
/// log10 D of every point and log10 C of every budget) are taken in one
/// batch over one contiguous buffer (in f64, one call of a vectorisable
/// `ln`). Two allocations per fit: that buffer and the vertices returned
/// (plus the sort's index and a sorted copy of the points when they are
/// not in budget order).
///
/// # Errors
/// [`Approach2Error::BadPoint`] for a non-positive or non-finite value,
/// [`Approach2Error::BudgetsPerRow`] when more than half of the budgets (and
/// at least two) have fewer than 3 points (a per-row budget column), [`Approach2Error::TooFewPoints`] for a
/// budget with fewer than 3 points otherwise,
/// [`Approach2Error::Degenerate`] when a budget's abscissae are not distinct,
/// [`Approach2Error::CurvatureAtRoundingLevel`] when a parabola's curvature
/// is within its rounding level (of either sign: rounding noise),
/// [`Approach2Error::NonPositiveCurvature`] when, beyond that, it has no
/// minimum, [`Approach2Error::TooFewBudgets`] for fewer than 2
/// budgets, [`Approach2Error::BudgetsUnresolved`] when the budgets' log10 C
/// differ by no more than rounding.
pub fn fit_approach2<T: RealField>(
    points: &[IsoflopPoint<T>],
) -> Result<Approach2Fit<T>, Approach2Error> {
    let (order, budgets) = budget_order(points)?;
    // The points in budget order: each budget is a run of equal C.
    let points: Cow<[IsoflopPoint<T>]> = match order {
        None => Cow::Borrowed(points),
        Some(order) => Cow::Owned(order.iter().map(|&i| points[i].clone()).collect()),
    };
    let m = points.len();
    // One buffer, in budget order: N (m), D (m), the budgets C (one per
    // run), L (m); then the batch appends log10 of the first 2m + budgets.
    let raw = 2 * m + budgets;
    let mut buf: Vec<T> = Vec::with_capacity(2 * raw + m);
    buf.extend(points.iter().map(|p| p.n.clone()));
    buf.extend(points.iter().map(|p| p.d.clone()));
    buf.extend(
        points
            .chunk_by(|p, q| p.budget == q.budget)
            .map(|run| run[0].budget.clone()),
    );
    buf.extend(points.iter().map(|p| p.loss.clone()));
    append_log10(&mut buf, 0..raw);
    let (head, logs) = buf.split_at_mut(raw + m);
    let loss = &head[raw..];
    let (log_n, rest) = logs.split_at(m);
    let (log_d, log_c) = rest.split_at(m);
    let mut vertices = Vec::with_capacity(budgets);
    let mut start = 0;
    for group in points.chunk_by(|p, q| p.budget == q.budget) {
        let run = start..start + group.len();
        start = run.end;
        let c = &group[0].budget;
        let cf = to_f64(c);
        check_budget_size(cf, run.len())?;
        let [pn, pd] = fit_parabolas(
            [&log_n[run.clone()], &log_d[run.clone()]],
            &loss[run.clone()],
        );
        let pn = check_parabola(cf, "N", pn)?;
        let pd = check_parabola(cf, "D", pd)?;
        vertices.push(BudgetVertex {
            budget: c.clone(),
            points: run.len(),
            log10_n_opt: pn.vertex,
            log10_d_opt: pd.vertex,
            n_curvature: pn.curvature,
            d_curvature: pd.curvature,
            loss_at_vertex: pn.minimum,
        });
    }
    if vertices.len() < 2 {
        return Err(Approach2Error::TooFewBudgets {
            needed: 2,
            got: vertices.len(),
        });
    }
    // Sorted budgets: the spread of log10 C is last − first. Within 64 ulps
    // of the largest |log10 C| the slope is rounding noise.
    let x = log_c;
    let (x_lo, x_hi) = (x[0].clone(), x[x.len() - 1].clone());
    let x_max = x_lo.clone().abs().max(x_hi.clone().abs());
    let unresolved = || Approach2Error::BudgetsUnresolved {
        count: vertices.len(),
        low: to_f64(&vertices[0].budget),
        high: to_f64(&vertices[vertices.len() - 1].budget),
    };
    if x_hi - x_lo <= int::<T>(64) * T::default_epsilon() * x_max {
        return Err(unresolved());
    }
    // The vertices, as the power laws' ordinates, in the raw values' place
    // (no longer needed).
    let (yn, rest) = head.split_at_mut(budgets);
    let yd = &mut rest[..budgets];
    for (k, v) in vertices.iter().enumerate() {
        yn[k] = v.log10_n_opt.clone();
        yd[k] = v.log10_d_opt.clone();
    }
    let n_law = PowerLaw::fit_log10(x, yn).ok_or_else(unresolved)?;
    let d_law = PowerLaw::fit_log10(x, yd).ok_or_else(unresolved)?;
    Ok(Approach2Fit {
        n_law,
        d_law,
        vertices,
    })
}

/// Group budgets that agree within a relative tolerance: in increasing
/// order, a budget within `relative_tolerance` of the first budget of the
/// current group joins it; every budget of a group is replaced by the
/// group's geometric mean. For data whose budget column is computed per row
/// (C = 6·N·D, every value slightly different). Returns the number of
/// groups. A tolerance of 0 groups only equal budgets (and changes nothing).
///
/// # Errors
/// [`Approach2Error::BadPoint`] for a non-positive or non-finite budget.
pub fn pool_budgets(
    points: &mut [IsoflopPoint<f64>],
    relative_tolerance: f64,
) -> Result<usize, Approach2Error> {
    for (i, p) in points.iter().enumerate() {
        check_point(i, p)?;
    }
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&i, &j| points[i].budget.total_cmp(&points[j].budget));
    let mut groups = 0;
    let mut start = 0;
    while start < order.len() {
        let first = points[order[start]].budget;
        let mut end = start + 1;
        while end < order.len() && points[order[end]].budget <= first * (1.0 + relative_tolerance) {
            end += 1;
        }
        let mean_log = order[start..end]
            .iter()
            .map(|&i| points[i].budget.log10())
            .sum::<f64>()
            / (end - start) as f64;
        // An exact group (all equal) keeps its budget bit for bit.
        let last = points[order[end - 1]].budget;
        let pooled = if last == first {
            first
        } else {
            10f64.powf(mean_log)
        };
        for &i in &order[start..end] {
            points[i].budget = pooled;
        }
        groups += 1;
        start = end;
    }
    Ok(groups)
}
