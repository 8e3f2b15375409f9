//! Approach 2 (Hoffmann et al. 2022, §3.2): per compute budget, a
//! least-squares parabola of L against log10 N whose vertex estimates
//! log10 N*(C) (and separately against log10 D for D*(C)); then ordinary least
//! squares of the vertices on log10 C gives the exponents and intercepts.

use std::collections::BTreeMap;

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
    let qtb = qr.q().transpose() * rhs;
    let c = r.solve_upper_triangular(&qtb)?;
    let (c0, c1, c2) = (c[0].clone(), c[1].clone(), c[2].clone());
    // Back to x units: y = c0 + c1 t + c2 t², t = (x − mean)/scale.
    let curvature = c2.clone() / (scale.clone() * scale.clone());
    let t_star = -c1.clone() / (int::<T>(2) * c2.clone());
    let minimum = c0 + c1 * t_star.clone() / int::<T>(2);
    Some(Parabola {
        vertex: mean + scale * t_star,
        curvature,
        minimum,
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
/// Points are grouped by exactly equal budget C. D̂* comes from its own
/// parabola in log10 D, not from C/(6N̂*): on real data the two differ.
///
/// # Errors
/// [`Approach2Error::BadPoint`] for a non-positive or non-finite value,
/// [`Approach2Error::TooFewPoints`] for a budget with fewer than 3 points,
/// [`Approach2Error::Degenerate`] when a budget's abscissae are not distinct,
/// [`Approach2Error::NonPositiveCurvature`] when a parabola has no minimum,
/// [`Approach2Error::TooFewBudgets`] for fewer than 2 budgets.
pub fn fit_approach2<T: RealField>(
    points: &[IsoflopPoint<T>],
) -> Result<Approach2Fit<T>, Approach2Error> {
    // Group point indices by budget, keyed by the f64 rounding for ordering
    // but compared exactly.
    let mut groups: Vec<(T, Vec<usize>)> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        check_point(i, p)?;
        match groups.iter_mut().find(|(c, _)| *c == p.budget) {
            Some((_, idx)) => idx.push(i),
            None => groups.push((p.budget.clone(), vec![i])),
        }
    }
    let mut order: BTreeMap<(u64, usize), usize> = BTreeMap::new();
    for (g, (c, _)) in groups.iter().enumerate() {
        order.insert((to_f64(c).to_bits(), g), g);
    }
    let mut vertices = Vec::with_capacity(groups.len());
    for &g in order.values() {
        let (c, idx) = &groups[g];
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
    let yn: Vec<T> = vertices.iter().map(|v| v.log10_n_opt.clone()).collect();
    let yd: Vec<T> = vertices.iter().map(|v| v.log10_d_opt.clone()).collect();
    // Distinct budgets guarantee a positive spread in log10 C.
    let n_law = PowerLaw::fit_log10(&x, &yn).ok_or(Approach2Error::TooFewBudgets {
        needed: 2,
        got: vertices.len(),
    })?;
    let d_law = PowerLaw::fit_log10(&x, &yd).ok_or(Approach2Error::TooFewBudgets {
        needed: 2,
        got: vertices.len(),
    })?;
    Ok(Approach2Fit {
        n_law,
        d_law,
        vertices,
    })
}
