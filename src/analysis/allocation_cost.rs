//! What a misallocated compute budget costs.
//!
//! A method that estimates the compute-optimal token count at budget C as D̂
//! (say from a fitted power law) trains `N_c = C/(6D̂)` parameters on D̂
//! tokens. On the true surface that run reaches `L = L(N_c, D̂)`, which the
//! optimal allocation reaches with the smaller budget `C(L)`: the difference
//! `C − C(L)` is compute spent for nothing.
//!
//! Two ways to evaluate it, which `cargo test` holds against each other:
//!
//! | function | how |
//! |---|---|
//! | [`allocation_cost`], [`allocation_cost_from_law`] | directly: N_c, then L on the surface, then C(L) by the surface's inverse |
//! | [`allocation_cost_closed_form`], [`allocation_cost_closed_form_from_law`] | from the token error `ε = log10(D̂/D*)` alone: share `1 − φ(ε)^(−1/γ)` |
//!
//! with `φ(ε) = [β·10^(αε) + α·10^(−βε)]/(α+β)` and `γ = αβ/(α+β)`
//! (`proofs/11_allocation_cost.md`).

use nalgebra::RealField;
use thiserror::Error;

use crate::fitters::PowerLaw;
use crate::models::{LossSurface, ModelError};
use crate::numerics::{int, is_positive_finite, pow10, to_f64};

/// Dollars per useful FLOP: 2 $ per GPU-hour at 989.5e12 useful FLOP/s per
/// GPU (half of a 1979 TFLOP/s peak): `2/(3600 · 989.5e12)`.
pub const DOLLARS_PER_FLOP: f64 = 5.614507888383584e-19;

/// The GPU-hour price behind [`DOLLARS_PER_FLOP`] (dollars).
pub const DOLLARS_PER_GPU_HOUR: f64 = 2.0;

/// The useful throughput per GPU behind [`DOLLARS_PER_FLOP`] (FLOP/s).
pub const USEFUL_FLOP_PER_SECOND: f64 = 989.5e12;

/// Bad arguments to an allocation cost, with the offending value.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AllocationCostError {
    /// The compute budget must be positive and finite.
    #[error("compute budget C must be positive and finite, got {0}")]
    BadBudget(f64),
    /// The estimated token count must be positive and finite.
    #[error("estimated token count D̂ must be positive and finite, got {0}")]
    BadTokens(f64),
    /// The token error ε must be finite.
    #[error("token error ε = log10(D̂/D*) must be finite, got {0}")]
    BadTokenError(f64),
    /// The surface could not invert the loss reached (it rounded to E).
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The cost of training at budget C on D̂ tokens instead of D*(C).
///
/// Fields spell the quantities of `proofs/11_allocation_cost.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationCost<T> {
    /// The budget C (FLOPs).
    pub budget: T,
    /// D̂, the tokens trained on.
    pub tokens: T,
    /// `N_c = C/(6D̂)`, the parameters the budget leaves.
    pub params: T,
    /// `ε = log10(D̂/D*(C))`, the token error in decades.
    pub token_error: T,
    /// `L(N_c, D̂)`, the loss reached on the true surface (nats).
    pub loss: T,
    /// `L_opt(C)`, the loss the optimal allocation reaches.
    pub optimal_loss: T,
    /// `L − L_opt(C)` (nats).
    pub loss_gap: T,
    /// `C(L)`, the budget that reaches `L` at the optimal allocation.
    pub compute_for_loss: T,
    /// `C − C(L)`, compute spent for nothing (FLOPs).
    pub wasted_compute: T,
    /// `(C − C(L))/C`.
    pub wasted_share: T,
}

impl<T: RealField> AllocationCost<T> {
    /// The wasted compute priced at [`DOLLARS_PER_FLOP`].
    pub fn wasted_dollars(&self) -> f64 {
        to_f64(&self.wasted_compute) * DOLLARS_PER_FLOP
    }
}

fn check_budget<T: RealField>(budget: &T) -> Result<(), AllocationCostError> {
    if !is_positive_finite(budget) {
        return Err(AllocationCostError::BadBudget(to_f64(budget)));
    }
    Ok(())
}

/// The cost of training on `tokens` = D̂ at `budget` = C, computed directly:
/// `N_c = C/(6D̂)`, `L = L(N_c, D̂)`, `C(L)` by [`LossSurface::compute_for_loss`].
///
/// # Errors
/// [`AllocationCostError::BadBudget`], [`AllocationCostError::BadTokens`];
/// [`AllocationCostError::Model`] if `L` rounds to E (astronomical N_c, D̂).
///
/// ```
/// use scaling_laws::analysis::allocation_cost::allocation_cost;
/// use scaling_laws::models::LossSurface;
/// let s = LossSurface::<f64>::chinchilla();
/// let c = 1e24;
/// // Twice the optimal tokens: a few percent of the budget is wasted.
/// let cost = allocation_cost(&s, &c, &(2.0 * s.d_opt(&c))).unwrap();
/// assert!(cost.wasted_share > 0.01 && cost.wasted_share < 0.2);
/// ```
pub fn allocation_cost<T: RealField>(
    surface: &LossSurface<T>,
    budget: &T,
    tokens: &T,
) -> Result<AllocationCost<T>, AllocationCostError> {
    check_budget(budget)?;
    if !is_positive_finite(tokens) {
        return Err(AllocationCostError::BadTokens(to_f64(tokens)));
    }
    let params = budget.clone() / (int::<T>(6) * tokens.clone());
    let loss = surface.loss(&params, tokens);
    let optimal_loss = surface.loss_opt(budget);
    let compute_for_loss = surface.compute_for_loss(&loss)?;
    let wasted_compute = budget.clone() - compute_for_loss.clone();
    Ok(AllocationCost {
        budget: budget.clone(),
        tokens: tokens.clone(),
        params,
        token_error: tokens.clone().log10() - surface.log10_d_opt(budget),
        loss_gap: loss.clone() - optimal_loss.clone(),
        loss,
        optimal_loss,
        compute_for_loss,
        wasted_share: wasted_compute.clone() / budget.clone(),
        wasted_compute,
    })
}

/// [`allocation_cost`] with D̂ read from a fitted power law
/// `log10 D̂ = b̂0 + b̂·log10 C` (for example Approach 2's `d_law`).
///
/// # Errors
/// As [`allocation_cost`].
pub fn allocation_cost_from_law<T: RealField>(
    surface: &LossSurface<T>,
    d_law: &PowerLaw<T>,
    budget: &T,
) -> Result<AllocationCost<T>, AllocationCostError> {
    check_budget(budget)?;
    allocation_cost(surface, budget, &pow10(d_law.log10_at(budget)))
}

/// `φ(ε) − 1 = [β·(10^(αε) − 1) + α·(10^(−βε) − 1)]/(α+β)` by `exp_m1`, so
/// that a small ε keeps its relative precision (`proofs/11`, eq. 11.4).
pub fn loss_factor_minus_one<T: RealField>(alpha: &T, beta: &T, token_error: &T) -> T {
    let z = token_error.clone() * T::ln_10();
    (beta.clone() * (alpha.clone() * z.clone()).exp_m1()
        + alpha.clone() * (-beta.clone() * z).exp_m1())
        / (alpha.clone() + beta.clone())
}

/// The cost of a token error `ε = log10(D̂/D*(C))` in closed form
/// (`proofs/11_allocation_cost.md`, eqs. 11.4–11.7):
///
/// ```text
/// L − L_opt(C) = (L_opt(C) − E)·(φ(ε) − 1)
/// (C − C(L))/C = 1 − φ(ε)^(−1/γ)
/// ```
///
/// The share depends on ε, α and β only: not on C, E, A or B.
///
/// # Errors
/// [`AllocationCostError::BadBudget`], [`AllocationCostError::BadTokenError`].
pub fn allocation_cost_closed_form<T: RealField>(
    surface: &LossSurface<T>,
    budget: &T,
    token_error: &T,
) -> Result<AllocationCost<T>, AllocationCostError> {
    check_budget(budget)?;
    if !token_error.is_finite() {
        return Err(AllocationCostError::BadTokenError(to_f64(token_error)));
    }
    let phi_m1 = loss_factor_minus_one(surface.alpha(), surface.beta(), token_error);
    let optimal_loss = surface.loss_opt(budget);
    let reducible = optimal_loss.clone() - surface.e().clone();
    let loss_gap = reducible * phi_m1.clone();
    // ln C(L)/C = −ln φ/γ; the share is −expm1 of it.
    let ln_ratio = -phi_m1.ln_1p() / surface.gamma();
    let wasted_share = -ln_ratio.clone().exp_m1();
    let shift = pow10(token_error.clone());
    Ok(AllocationCost {
        budget: budget.clone(),
        tokens: surface.d_opt(budget) * shift.clone(),
        params: surface.n_opt(budget) / shift,
        token_error: token_error.clone(),
        loss: optimal_loss.clone() + loss_gap.clone(),
        optimal_loss,
        loss_gap,
        compute_for_loss: budget.clone() * ln_ratio.exp(),
        wasted_compute: budget.clone() * wasted_share.clone(),
        wasted_share,
    })
}

/// [`allocation_cost_closed_form`] for the D̂ of a power law:
/// `ε = log10 D̂(C) − log10 D*(C)`. For Approach 2's predicted law
/// (`b̂ = b − s_δ`, `b̂0 = b0 − i_δ`, proofs/05) this is `ε = −(i_δ + s_δ·log10 C)`.
///
/// # Errors
/// As [`allocation_cost_closed_form`].
pub fn allocation_cost_closed_form_from_law<T: RealField>(
    surface: &LossSurface<T>,
    d_law: &PowerLaw<T>,
    budget: &T,
) -> Result<AllocationCost<T>, AllocationCostError> {
    check_budget(budget)?;
    let eps = d_law.log10_at(budget) - surface.log10_d_opt(budget);
    allocation_cost_closed_form(surface, budget, &eps)
}
