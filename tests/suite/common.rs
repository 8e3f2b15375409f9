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
