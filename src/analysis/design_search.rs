//! Ranking candidate sweep designs by their expected error, and choosing
//! the next runs greedily (`proofs/19_design.md` §19.7–19.8).

use nalgebra::{DMatrix, DVector, RealField};
use rayon::prelude::*;

use super::design::{
    expected_error, ln_n_gradient, DesignError, DesignMethod, ExpectedError, SweepDesign,
};
use crate::models::LossSurface;
use crate::numerics::{int, is_positive_finite, to_f64};
use crate::sampling::{IsoflopGrid, SamplingBias};

/// One scored candidate: a design, a method, and its expected error
/// averaged over the prior's surfaces and at the worst of them.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredDesign {
    /// The design.
    pub design: SweepDesign<f64>,
    /// The method.
    pub method: DesignMethod,
    /// Compute spent, `n·Σ C_k` FLOPs.
    pub cost: f64,
    /// Mean over the prior of E[(ln N̂* − ln N*)²] at the target.
    pub mse_ln_n: f64,
    /// The largest over the prior.
    pub worst_mse_ln_n: f64,
    /// Mean over the prior of E[(â − a)²].
    pub mse_a: f64,
    /// Mean over the prior of the squared bias of ln N̂*.
    pub bias2_ln_n: f64,
}

/// The candidate designs: every run of ≥ 2 consecutive budgets of
/// `budgets` (sorted), crossed with every grid (factor, points), at one
/// sampling bias. Grids that are invalid are skipped.
pub fn candidate_designs(
    budgets: &[f64],
    factors: &[f64],
    points: &[usize],
    bias: &SamplingBias<f64>,
) -> Vec<SweepDesign<f64>> {
    let mut b = budgets.to_vec();
    b.sort_by(f64::total_cmp);
    b.dedup();
    let mut out = Vec::new();
    for i in 0..b.len() {
        for j in i + 2..=b.len() {
            for &f in factors {
                for &n in points {
                    if let Ok(grid) = IsoflopGrid::from_factor(f, n) {
                        out.push(SweepDesign {
                            budgets: b[i..j].to_vec(),
                            grid,
                            bias: bias.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// The expected error of each (design, method) averaged and maximised over
/// `prior` (one or more surfaces, equally weighted), kept when its cost is
/// at most `cap`, sorted by the mean MSE of ln N*(target) (then cost).
/// A (design, method) pair the method cannot fit (e.g. the corrected fit on
/// fewer than 5 points) is left out.
///
/// # Errors
/// [`DesignError::BadSigma`], [`DesignError::BadTarget`] (checked once).
pub fn rank_designs(
    prior: &[LossSurface<f64>],
    designs: &[SweepDesign<f64>],
    methods: &[DesignMethod],
    sigma: f64,
    target: f64,
    cap: f64,
) -> Result<Vec<ScoredDesign>, DesignError> {
    if !is_positive_finite(&sigma) {
        return Err(DesignError::BadSigma(sigma));
    }
    if !is_positive_finite(&target) {
        return Err(DesignError::BadTarget(target));
    }
    let mut out: Vec<ScoredDesign> = designs
        .par_iter()
        .flat_map_iter(|d| {
            let cost = d.cost();
            methods.iter().filter_map(move |&m| {
                if cost > cap {
                    return None;
                }
                let errs: Vec<ExpectedError<f64>> = prior
                    .iter()
                    .map(|s| expected_error(s, d, &sigma, &target, m))
                    .collect::<Result<_, _>>()
                    .ok()?;
                let k = errs.len() as f64;
                Some(ScoredDesign {
                    design: d.clone(),
                    method: m,
                    cost,
                    mse_ln_n: errs.iter().map(|e| e.mse_ln_n()).sum::<f64>() / k,
                    worst_mse_ln_n: errs.iter().map(|e| e.mse_ln_n()).fold(0.0, f64::max),
                    mse_a: errs.iter().map(|e| e.mse_a()).sum::<f64>() / k,
                    bias2_ln_n: errs.iter().map(|e| e.bias_ln_n * e.bias_ln_n).sum::<f64>() / k,
                })
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.mse_ln_n
            .total_cmp(&b.mse_ln_n)
            .then(a.cost.total_cmp(&b.cost))
    });
    Ok(out)
}

/// The Pareto front of `scored` for one method: the designs no other
/// design of that method beats in both cost and mean MSE, by cost.
pub fn pareto_front(scored: &[ScoredDesign], method: DesignMethod) -> Vec<&ScoredDesign> {
    let mut mine: Vec<&ScoredDesign> = scored.iter().filter(|s| s.method == method).collect();
    mine.sort_by(|a, b| {
        a.cost
            .total_cmp(&b.cost)
            .then(a.mse_ln_n.total_cmp(&b.mse_ln_n))
    });
    let mut front: Vec<&ScoredDesign> = Vec::new();
    for s in mine {
        if front.last().is_none_or(|l| s.mse_ln_n < l.mse_ln_n) {
            front.push(s);
        }
    }
    front
}

/// One suggested run.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion<T> {
    /// Its compute budget C.
    pub budget: T,
    /// Its model size N (D = C/(6N)).
    pub n: T,
    /// Var ln N̂*(target) after adding it (and the runs suggested before it).
    pub variance_after: T,
    /// The variance it removes per FLOP.
    pub reduction_per_flop: T,
}

/// The surface-fit Jacobian row at (N, D) ([`super::design::jacobian_row`]).
fn jacobian_row<T: RealField>(s: &LossSurface<T>, n: &T, d: &T) -> DVector<T> {
    DVector::from_vec(super::design::jacobian_row(s, &n.clone().ln(), &d.clone().ln()).to_vec())
}

/// σ²·gᵀ(JᵀJ)⁻¹g: the first-order Var ln N̂*(C_t) of the surface fit
/// (VPNLS, Approach 3) on runs at `(N, D)` (eqs. 19.8–19.10).
///
/// # Errors
/// As [`suggest_next`].
pub fn ln_n_variance<T: RealField>(
    surface: &LossSurface<T>,
    runs: &[(T, T)],
    sigma: &T,
    target: &T,
) -> Result<T, DesignError> {
    Ok(suggest_next(surface, runs, &[], sigma, target, 1)?
        .first()
        .map(|s| s.variance_after.clone())
        .unwrap_or_else(T::zero))
}

/// Greedy next runs for the surface fit (VPNLS/Approach 3): given the runs
/// done `(N, D)`, choose `k` times among `candidates` `(C, N)` the run that
/// removes the most Var ln N̂*(C_t) per FLOP. Adding a row j to the
/// information M = JᵀJ lowers gᵀM⁻¹g by `(gᵀM⁻¹j)²/(1 + jᵀM⁻¹j)`
/// (Sherman–Morrison, eq. 19.12), times σ². The chosen run joins M before
/// the next choice.
///
/// # Errors
/// [`DesignError::BadSigma`], [`DesignError::BadTarget`],
/// [`DesignError::NotIdentified`] when the runs done do not identify the
/// five parameters (fewer than 5 distinct runs or a singular M).
pub fn suggest_next<T: RealField>(
    surface: &LossSurface<T>,
    done: &[(T, T)],
    candidates: &[(T, T)],
    sigma: &T,
    target: &T,
    k: usize,
) -> Result<Vec<Suggestion<T>>, DesignError> {
    if !is_positive_finite(sigma) {
        return Err(DesignError::BadSigma(to_f64(sigma)));
    }
    if !is_positive_finite(target) {
        return Err(DesignError::BadTarget(to_f64(target)));
    }
    let not_identified = DesignError::NotIdentified {
        method: "vpnls (runs done)",
    };
    let mut m = DMatrix::<T>::zeros(5, 5);
    for (n, d) in done {
        let j = jacobian_row(surface, n, d);
        m += &j * j.transpose();
    }
    let g = ln_n_gradient(surface, target);
    let six = int::<T>(6);
    let rows: Vec<DVector<T>> = candidates
        .iter()
        .map(|(c, n)| jacobian_row(surface, n, &(c.clone() / (six.clone() * n.clone()))))
        .collect();
    let mut out = Vec::with_capacity(k);
    let s2 = sigma.clone() * sigma.clone();
    for _ in 0..k {
        // M scaled to unit diagonal for the inverse (as in design.rs).
        let d: Vec<T> = (0..5).map(|i| m[(i, i)].clone().sqrt()).collect();
        if d.iter().any(|x| !is_positive_finite(x)) {
            return Err(not_identified);
        }
        let scaled = DMatrix::from_fn(5, 5, |i, j| {
            m[(i, j)].clone() / (d[i].clone() * d[j].clone())
        });
        let chol = scaled.cholesky().ok_or(not_identified.clone())?;
        // A pivot below √(5ε): condition past 1/(5ε), as in design.rs.
        let pivot = (0..5)
            .map(|i| chol.l_dirty()[(i, i)].clone())
            .fold(T::one(), |a, b| a.min(b));
        if pivot.clone() * pivot < int::<T>(5) * crate::numerics::epsilon::<T>() {
            return Err(not_identified);
        }
        let solve = |v: &DVector<T>| {
            let vs = DVector::from_fn(5, |i, _| v[i].clone() / d[i].clone());
            let x = chol.solve(&vs);
            DVector::from_fn(5, |i, _| x[i].clone() / d[i].clone())
        };
        let mg = solve(&g);
        let var = g.dot(&mg);
        let mut best: Option<(usize, T, T)> = None;
        for (i, j) in rows.iter().enumerate() {
            let mj = solve(j);
            let num = g.dot(&mj);
            let gain = num.clone() * num / (T::one() + j.dot(&mj));
            let per_flop = gain.clone() / candidates[i].0.clone();
            if best.as_ref().is_none_or(|(_, _, p)| per_flop > *p) {
                best = Some((i, gain, per_flop));
            }
        }
        let Some((i, gain, per_flop)) = best else {
            // No candidates: report the variance as it stands (used by
            // `ln_n_variance`).
            out.push(Suggestion {
                budget: T::zero(),
                n: T::zero(),
                variance_after: s2.clone() * var,
                reduction_per_flop: T::zero(),
            });
            break;
        };
        m += &rows[i] * rows[i].transpose();
        out.push(Suggestion {
            budget: candidates[i].0.clone(),
            n: candidates[i].1.clone(),
            variance_after: s2.clone() * (var - gain),
            reduction_per_flop: s2.clone() * per_flop,
        });
    }
    Ok(out)
}
