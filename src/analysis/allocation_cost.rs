//! The cost of a wrong compute allocation: train with an inferred token
//! count D̂ at budget C (so N = C/(6D̂)), reach the loss L(N, D̂), and ask
//! what budget would have reached that loss at the optimal allocation; the
//! difference is the wasted compute.
//!
//! ```text
//! L̂ = L(C/(6D̂), D̂),   C_eq = C_opt(L̂) = 6·((L̂ − E)/K)^(−1/γ),   wasted = C − C_eq
//! ```
//!
//! # Derivation
//! `proofs/14_isoflop_studies.md` §14.4 (C_opt from `LossSurface::loss_opt`,
//! proofs/01); checked by `isoflops::allocation_cost_is_zero_at_the_optimum_and_positive_elsewhere`.

use nalgebra::RealField;

use crate::models::{LossSurface, ModelError};
use crate::numerics::{int, to_f64};

/// Dollars per FLOP: $2 per H100-hour at 50 % of 1,979 bf16 TFLOP/s
/// (2/(1979e12 · 0.5 · 3600) = 5.614507888383584e-19), the reference
/// study's assumption.
pub const DOLLARS_PER_FLOP: f64 = 5.614507888383584e-19;

/// The comparison of an inferred allocation with the optimum at one budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AllocationCost {
    /// The budget C.
    pub budget: f64,
    /// The optimal N*(C).
    pub n_opt: f64,
    /// The optimal D*(C).
    pub d_opt: f64,
    /// N forced by the budget, C/(6D̂).
    pub n_inferred: f64,
    /// The inferred D̂.
    pub d_inferred: f64,
    /// The optimal loss L_opt(C).
    pub loss_opt: f64,
    /// The loss reached, L(C/(6D̂), D̂).
    pub loss_inferred: f64,
    /// The budget that reaches `loss_inferred` at the optimum.
    pub equivalent_compute: f64,
    /// (D̂ − D*)/D*.
    pub d_error: f64,
    /// C − C_eq (FLOPs).
    pub wasted_flops: f64,
    /// `wasted_flops` × [`DOLLARS_PER_FLOP`].
    pub wasted_dollars: f64,
}

/// The cost of training with `d_inferred` tokens at `budget` on `surface`.
///
/// # Errors
/// [`ModelError::LossNotAboveIrreducible`] when the loss reached is not
/// above E (a non-finite or non-positive `d_inferred`).
///
/// ```
/// use scaling_laws::analysis::allocation_cost::allocation_cost;
/// use scaling_laws::models::LossSurface;
/// let s = LossSurface::<f64>::chinchilla();
/// let c = 1e24;
/// let at_opt = allocation_cost(&s, s.d_opt(&c), c).unwrap();
/// assert!(at_opt.wasted_flops.abs() < 1e-9 * c);
/// let off = allocation_cost(&s, 2.0 * s.d_opt(&c), c).unwrap();
/// assert!(off.wasted_flops > 0.0);
/// ```
pub fn allocation_cost<T: RealField>(
    surface: &LossSurface<T>,
    d_inferred: T,
    budget: T,
) -> Result<AllocationCost, ModelError> {
    let n_opt = surface.n_opt(&budget);
    let d_opt = surface.d_opt(&budget);
    let n_inf = budget.clone() / (int::<T>(6) * d_inferred.clone());
    let loss_inf = surface.loss(&n_inf, &d_inferred);
    let c_eq = surface.compute_for_loss(&loss_inf)?;
    let wasted = budget.clone() - c_eq.clone();
    Ok(AllocationCost {
        budget: to_f64(&budget),
        n_opt: to_f64(&n_opt),
        d_opt: to_f64(&d_opt),
        n_inferred: to_f64(&n_inf),
        d_inferred: to_f64(&d_inferred),
        loss_opt: to_f64(&surface.loss_opt(&budget)),
        loss_inferred: to_f64(&loss_inf),
        equivalent_compute: to_f64(&c_eq),
        d_error: to_f64(&((d_inferred - d_opt.clone()) / d_opt)),
        wasted_flops: to_f64(&wasted),
        wasted_dollars: to_f64(&wasted) * DOLLARS_PER_FLOP,
    })
}
