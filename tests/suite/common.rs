//! Strategies and helpers shared by the test modules.

use proptest::prelude::*;

/// α or β on the domain [0.05, 0.95].
pub fn exponent() -> impl Strategy<Value = f64> {
    0.05f64..=0.95
}

/// Grid half-width W on [0.05, 2.5] decades.
pub fn half_width() -> impl Strategy<Value = f64> {
    0.05f64..=2.5
}

/// Points per IsoFLOP curve, 3 ..= 101.
pub fn points() -> impl Strategy<Value = usize> {
    3usize..=101
}

/// 2 to 6 distinct budgets on [1e15, 1e25], on a half-decade lattice.
///
/// Budgets at least half a decade apart: the log10 intercept is the fitted
/// line's value at C = 1, 15–25 decades from the data, so a vertex error ε
/// becomes an intercept error of up to ε·(log10 C̄)/(spread of log10 C);
/// half a decade keeps that factor below ~100.
pub fn budgets() -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::btree_set(30u32..=50, 2..=6)
        .prop_map(|s| s.into_iter().map(|k| 10f64.powf(k as f64 / 2.0)).collect())
}

/// The geometric mean of the budgets.
pub fn geometric_mean(budgets: &[f64]) -> f64 {
    10f64.powf(budgets.iter().map(|c| c.log10()).sum::<f64>() / budgets.len() as f64)
}
