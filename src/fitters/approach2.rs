//! Approach 2 (Hoffmann et al. 2022, §3.2): per compute budget, a
//! least-squares parabola of L against log10 N whose vertex estimates
//! log10 N*(C) (and separately against log10 D for D*(C)); then ordinary least
//! squares of the vertices on log10 C gives the exponents and intercepts.

use nalgebra::{DMatrix, DVector, RealField};
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

/// The least-squares parabola through `(x_i, y_i)`, solved in centred and
/// scaled coordinates `t = (x − x̄)/s` by Householder QR (never the normal
/// equations), so a symmetric grid gives a vertex exact to rounding.
///
/// Returns `None` when the x values do not span three distinct values (the
/// design is rank deficient).
pub fn fit_parabola<T: RealField>(x: &[T], y: &[T]) -> Option<Parabola<T>> {
    let n = x.len();
    if n < 3 || y.len() != n {
        return None;
    }
    let nt = int::<T>(n as i64);
    let mean = x.iter().cloned().fold(T::zero(), |s, v| s + v) / nt;
    let lo = x.iter().cloned().reduce(|a, b| a.min(b))?;
    let hi = x.iter().cloned().reduce(|a, b| a.max(b))?;
    let scale = (hi - lo) / int::<T>(2);
    if !is_positive_finite(&scale) {
        return None;
    }
    let m = DMatrix::from_fn(n, 3, |i, j| {
        let t = (x[i].clone() - mean.clone()) / scale.clone();
        match j {
            0 => T::one(),
            1 => t,
            _ => t.clone() * t,
        }
    });
    let rhs = DVector::from_iterator(n, y.iter().cloned());
    let qr = m.qr();
    let r = qr.r();
    // Rank check: a diagonal entry of R negligible against the largest.
    let rmax = (0..3)
        .map(|i| r[(i, i)].clone().abs())
        .fold(T::zero(), |a, b| a.max(b));
    let tiny = rmax * T::default_epsilon() * int::<T>(64 * n as i64);
    if (0..3).any(|i| r[(i, i)].clone().abs() <= tiny) {
        return None;
    }
    let y_norm = rhs.norm();
    let qtb = qr.q().transpose() * rhs;
    let c = r.solve_upper_triangular(&qtb)?;
    let (c0, c1, c2) = (c[0].clone(), c[1].clone(), c[2].clone());
    // Back to x units: y = c0 + c1 t + c2 t², t = (x − mean)/scale.
    let curvature = c2.clone() / (scale.clone() * scale.clone());
    let curvature_rounding = int::<T>(8 * n as i64) * T::default_epsilon() * y_norm
        / (r[(2, 2)].clone().abs() * scale.clone() * scale.clone());
    let t_star = -c1.clone() / (int::<T>(2) * c2.clone());
    let minimum = c0 + c1 * t_star.clone() / int::<T>(2);
    Some(Parabola {
        vertex: mean + scale * t_star,
        curvature,
        minimum,
        curvature_rounding,
    })
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

/// Fit Approach 2 to IsoFLOP points `(N, D, L, C)`.
///
/// Points are grouped by exactly equal budget C (by sorting, O(m log m) for
/// m points). D̂* comes from its own parabola in log10 D, not from
/// C/(6N̂*): on real data the two differ.
///
/// # Errors
/// [`Approach2Error::BadPoint`] for a non-positive or non-finite value,
/// [`Approach2Error::BudgetsPerRow`] when more than half of the budgets (and
/// at least two) have fewer than 3 points (a per-row budget column), [`Approach2Error::TooFewPoints`] for a
/// budget with fewer than 3 points otherwise,
/// [`Approach2Error::Degenerate`] when a budget's abscissae are not distinct,
/// [`Approach2Error::NonPositiveCurvature`] when a parabola has no minimum,
/// [`Approach2Error::CurvatureAtRoundingLevel`] when its curvature is
/// rounding noise, [`Approach2Error::TooFewBudgets`] for fewer than 2
/// budgets, [`Approach2Error::BudgetsUnresolved`] when the budgets' log10 C
/// differ by no more than rounding.
pub fn fit_approach2<T: RealField>(
    points: &[IsoflopPoint<T>],
) -> Result<Approach2Fit<T>, Approach2Error> {
    for (i, p) in points.iter().enumerate() {
        check_point(i, p)?;
    }
    // Indices sorted by budget (stable: a budget's points keep their input
    // order); a group is a run of equal budgets. Every budget is finite.
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&i, &j| {
        points[i]
            .budget
            .partial_cmp(&points[j].budget)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let groups: Vec<&[usize]> = order
        .chunk_by(|&i, &j| points[i].budget == points[j].budget)
        .collect();
    let short = groups.iter().filter(|g| g.len() < 3).count();
    if short > 1 && 2 * short > groups.len() {
        return Err(Approach2Error::BudgetsPerRow {
            points: points.len(),
            budgets: groups.len(),
        });
    }
    let mut vertices = Vec::with_capacity(groups.len());
    for idx in groups {
        let c = &points[idx[0]].budget;
        let cf = to_f64(c);
        if idx.len() < 3 {
            return Err(Approach2Error::TooFewPoints {
                budget: cf,
                needed: 3,
                got: idx.len(),
            });
        }
        let loss: Vec<T> = idx.iter().map(|&i| points[i].loss.clone()).collect();
        let fit_axis = |axis: &'static str, xs: Vec<T>| {
            let p =
                fit_parabola(&xs, &loss).ok_or(Approach2Error::Degenerate { budget: cf, axis })?;
            if !is_positive_finite(&p.curvature) {
                return Err(Approach2Error::NonPositiveCurvature {
                    budget: cf,
                    axis,
                    curvature: to_f64(&p.curvature),
                });
            }
            if p.curvature <= p.curvature_rounding {
                return Err(Approach2Error::CurvatureAtRoundingLevel {
                    budget: cf,
                    axis,
                    curvature: to_f64(&p.curvature),
                    rounding_level: to_f64(&p.curvature_rounding),
                });
            }
            Ok(p)
        };
        let pn = fit_axis(
            "N",
            idx.iter().map(|&i| points[i].n.clone().log10()).collect(),
        )?;
        let pd = fit_axis(
            "D",
            idx.iter().map(|&i| points[i].d.clone().log10()).collect(),
        )?;
        vertices.push(BudgetVertex {
            budget: c.clone(),
            points: idx.len(),
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
    let x: Vec<T> = vertices.iter().map(|v| v.budget.clone().log10()).collect();
    // Sorted budgets: the spread of log10 C is last − first. Within 64 ulps
    // of the largest |log10 C| the slope is rounding noise.
    let (x_lo, x_hi) = (x[0].clone(), x[x.len() - 1].clone());
    let x_max = x_lo.clone().abs().max(x_hi.clone().abs());
    if x_hi - x_lo <= int::<T>(64) * T::default_epsilon() * x_max {
        return Err(Approach2Error::BudgetsUnresolved {
            count: vertices.len(),
            low: to_f64(&vertices[0].budget),
            high: to_f64(&vertices[vertices.len() - 1].budget),
        });
    }
    let yn: Vec<T> = vertices.iter().map(|v| v.log10_n_opt.clone()).collect();
    let yd: Vec<T> = vertices.iter().map(|v| v.log10_d_opt.clone()).collect();
    let unresolved = || Approach2Error::BudgetsUnresolved {
        count: vertices.len(),
        low: to_f64(&vertices[0].budget),
        high: to_f64(&vertices[vertices.len() - 1].budget),
    };
    let n_law = PowerLaw::fit_log10(&x, &yn).ok_or_else(unresolved)?;
    let d_law = PowerLaw::fit_log10(&x, &yd).ok_or_else(unresolved)?;
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
