//! Strategies and helpers shared by the test modules.

use proptest::prelude::*;
use scaling_laws::models::LossSurface;

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

/// A surface with exponents (α, β) whose optimum at budget `c_ref` sits
/// `s` decades from N = √(C/6) with reducible loss `r·(1 + α/β)` (r ≈ 0.2–2)
/// and irreducible loss `e`: its f64 losses carry the curvature well above
/// rounding (proofs/06 §6.2).
pub fn conditioned_surface(
    alpha: f64,
    beta: f64,
    c_ref: f64,
    (r, s, e): (f64, f64, f64),
) -> LossSurface<f64> {
    let n_opt = (c_ref / 6.0).sqrt() * 10f64.powf(s);
    let d_opt = c_ref / (6.0 * n_opt);
    LossSurface::new(
        e,
        r * n_opt.powf(alpha),
        alpha / beta * r * d_opt.powf(beta),
        alpha,
        beta,
    )
    .expect("positive by construction")
}

/// Noise-free surface data on the default budgets (1e17…1e21) with
/// `points` per budget on a grid of half-width `w` decades, unbiased, in `T`.
pub fn surface_data<T: nalgebra::RealField>(
    surface: &LossSurface<T>,
    w: T,
    points: usize,
) -> scaling_laws::fitters::SurfaceData<T> {
    use scaling_laws::sampling::*;
    let pts = sample_isoflops(
        surface,
        &default_budgets(),
        &IsoflopGrid::new(w, points).expect("valid grid"),
        &SamplingBias::none(),
    )
    .expect("valid budgets");
    scaling_laws::fitters::SurfaceData::from_points(&pts).expect("valid data")
}

/// A proptest configuration with `default` cases, or `PROPTEST_CASES` when
/// that is set (to run a property harder on demand). Rejections (by
/// `prop_assume!`) are allowed up to one per case.
pub fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        max_global_rejects: cases.max(1024),
        ..ProptestConfig::with_cases(cases)
    }
}

/// The grid centres lie within two half-widths of the optimum at every
/// budget. Further out the parabola's vertex is an extrapolation that
/// amplifies the f64 rounding of the losses by ~|o|/W on top of the bound of
/// proofs/06 §6.2 (a vertex 0.3 decades outside a ±0.05-decade grid misses
/// 1e-10); the 256-bit test covers every offset.
pub fn brackets_optimum(
    bias: &scaling_laws::sampling::SamplingBias<f64>,
    budgets: &[f64],
    w: f64,
) -> bool {
    bias.offsets(budgets).iter().all(|o| o.abs() <= 2.0 * w)
}
