//! One- and two-term power laws and their Huber fit (proofs/12_power_laws.md).

use nalgebra::RealField;
use proptest::prelude::*;
use scaling_laws::fitters::power_law::{
    fit_power_law, fit_power_law_from, fit_power_law_newton_from, fit_single_and_two_term,
    jittered_starts, nested_start, objective, objective_and_gradient, objective_hessian,
    objective_in, profile_candidates, GlobalStage, PowerLawData, PowerLawError, PowerLawFitParams,
    PowerLawStatus,
};
use scaling_laws::models::power_law::{
    ln_prediction, ln_prediction_and_gradient, ln_prediction_hessian, PowerLawForm, PowerLawSum,
};
use scaling_laws::numerics::mpf::Mpf256;
use scaling_laws::numerics::nnls::{nnls, NnlsParams};
use scaling_laws::numerics::{lit, to_f64};
use scaling_laws::sampling::noise::Rng;

use crate::common::cases;

/// f64 Richardson step (relative to max(|θ_k|, 1)) and agreement, as in
/// tests/suite/approach3.rs: truncation O(h⁴·(ln x)⁵·|f|) with |ln x| ≤ 7
/// is ≈ 1e-24·2e4 relative, rounding ≈ 3ε/h ≈ 7e-10; 1e-6 leaves a
/// factor > 1000 over both.
const FD_STEP_F64: f64 = 1e-6;
const FD_AGREE_F64: f64 = 1e-6;
/// 256 bits: step 1e-30 (truncation ≈ 1e-116, rounding ≈ 5e-47 relative);
/// agreement to 1e-40 holds only for an exact derivative.
const FD_STEP_256: f64 = 1e-30;
const FD_AGREE_256: f64 = 1e-40;

/// Max over k of |FD_k − g_k| / (|g_k| + |f|/s_k), FD the Richardson
/// extrapolation (4·D(h/2) − D(h))/3 of central differences of `f`.
fn mismatch<T: RealField>(f: &dyn Fn(&[T]) -> T, g: &[T], theta: &[T], h_rel: f64) -> f64 {
    let f0 = f(theta);
    let mut worst = 0.0f64;
    for k in 0..theta.len() {
        let s = theta[k].clone().abs().max(T::one());
        let central = |h: T| {
            let mut p = theta.to_vec();
            p[k] += h.clone();
            let mut m = theta.to_vec();
            m[k] -= h.clone();
            (f(&p) - f(&m)) / (h * lit::<T>(2.0))
        };
        let h = s.clone() * lit::<T>(h_rel);
        let fd = (central(h.clone() / lit::<T>(2.0)) * lit::<T>(4.0) - central(h)) / lit::<T>(3.0);
        let scale = g[k].clone().abs() + f0.clone().abs() / s;
        worst = worst.max(to_f64(&((fd - g[k].clone()).abs() / scale)));
    }
    worst
}

/// x on a log grid over [0.01, 100] (normalised units), `n` points.
fn log_grid(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 10f64.powf(-2.0 + 4.0 * i as f64 / (n - 1) as f64))
        .collect()
}

fn law(theta: &[f64]) -> PowerLawSum<f64> {
    PowerLawSum::from_theta(theta).unwrap()
}

/// θ of a single law: ln C ∈ [−2, 2], α ∈ [0.1, 1.5], ln E ∈ [−1, 1].
fn single_theta() -> impl Strategy<Value = Vec<f64>> {
    (-2.0f64..2.0, 0.1f64..1.5, -1.0f64..1.0).prop_map(|(a, b, c)| vec![a, b, c])
}

/// θ of a two-term law, any exponents in [−1, 3].
fn two_theta() -> impl Strategy<Value = Vec<f64>> {
    (
        -3.0f64..2.0,
        -1.0f64..3.0,
        -3.0f64..2.0,
        -1.0f64..3.0,
        -1.0f64..1.0,
    )
        .prop_map(|(a, b, c, d, e)| vec![a, b, c, d, e])
}

/// Points: x on a log grid, losses the law of `theta` times e^{σ·u},
/// u uniform in [−1, 1] from `seed`.
fn points(theta: &[f64], n: usize, sigma: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let x = log_grid(n);
    let l = law(theta);
    let mut rng = Rng::new(seed);
    let y = x
        .iter()
        .map(|xi| l.predict(xi) * (sigma * rng.uniform_in(-1.0, 1.0)).exp())
        .collect();
    (x, y)
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn ln_prediction_gradient_and_hessian_match_richardson_differences(
        theta in prop_oneof![single_theta(), two_theta()],
        ln_x in -7.0f64..7.0,
    ) {
        let (_, g) = ln_prediction_and_gradient(&theta, &ln_x);
        let f = |t: &[f64]| ln_prediction(t, &ln_x);
        let bad = mismatch(&f, &g, &theta, FD_STEP_F64);
        prop_assert!(bad < FD_AGREE_F64, "gradient mismatch {bad}");
        let h = ln_prediction_hessian(&theta, &ln_x);
        for j in 0..theta.len() {
            let gj = |t: &[f64]| ln_prediction_and_gradient(t, &ln_x).1[j];
            let row: Vec<f64> = (0..theta.len()).map(|k| h[(j, k)]).collect();
            let bad = mismatch(&gj, &row, &theta, FD_STEP_F64);
            prop_assert!(bad < FD_AGREE_F64, "Hessian row {j} mismatch {bad}");
        }
    }

    #[test]
    fn objective_gradient_matches_richardson_differences(
        theta in prop_oneof![single_theta(), two_theta()],
        truth in two_theta(),
        sigma in 0.0f64..0.2,
        seed in 0u64..1000,
    ) {
        let (x, y) = points(&truth, 12, sigma, seed);
        let d = PowerLawData::<f64>::new(&x, &y, 1.0).unwrap();
        let (_, g) = objective_and_gradient(&d, &theta);
        let f = |t: &[f64]| objective(&d, t);
        // Huber's ψ′ jumps at |r| = δ: a step straddling it errs by
        // O(h·jump), so a 100× smaller step (rounding then ≈ 7e-8).
        let bad = mismatch(&f, &g, &theta, FD_STEP_F64 / 100.0);
        prop_assert!(bad < FD_AGREE_F64, "gradient mismatch {bad}");
    }

    #[test]
    fn objective_in_f64_agrees_with_256_bits(
        theta in prop_oneof![single_theta(), two_theta()],
        truth in two_theta(),
        sigma in 0.0f64..0.2,
        seed in 0u64..1000,
    ) {
        let (x, y) = points(&truth, 20, sigma, seed);
        let f64v = objective_in::<f64>(&x, &y, 1.0, &theta);
        let hi = objective_in::<Mpf256>(&x, &y, 1.0, &theta);
        // Per point: ln L̂ to a few ulps of max|t| ≤ 16 (|ln C| ≤ 3,
        // |α| ≤ 3, |ln x| ≤ 4.61), r likewise; ρ passes that error on times
        // max(δ, |r|), and |r| ≤ 16 + 16 + 0.2 < 35 on this domain. Summed
        // over n = 20 points: |ΔF| ≤ n·(δ + 35)·200ε.
        let bound = 20.0 * (1e-3 + 35.0) * 200.0 * f64::EPSILON;
        prop_assert!((f64v - hi).abs() <= bound, "f64 {f64v} vs 256-bit {hi}");
    }

    #[test]
    fn objective_is_invariant_to_the_normalisation_factor(
        theta in prop_oneof![single_theta(), two_theta()],
        truth in two_theta(),
        log10_factor in -3.0f64..3.0,
        seed in 0u64..1000,
    ) {
        // x' = x/f: the law with c'_k = c_k·f^−α_k on x' is the same function.
        let f = 10f64.powf(log10_factor);
        let (x, y) = points(&truth, 15, 0.1, seed);
        let d1 = PowerLawData::<f64>::new(&x, &y, 1.0).unwrap();
        let d2 = PowerLawData::<f64>::new(&x, &y, f).unwrap();
        let moved = law(&theta).rescaled(&f).theta();
        let (f1, g1) = objective_and_gradient(&d1, &theta);
        let (f2, g2) = objective_and_gradient(&d2, &moved);
        // Rounding of ln(x/f) and of ln c + α ln f: a few ε·(|ln x| + |α ln f|)
        // per residual, times at most δ per point in ρ.
        prop_assert!((f1 - f2).abs() <= 1e-12 * (1.0 + f1.abs()), "{f1} vs {f2}");
        // ∂/∂ln c and ∂/∂ln E are unchanged; ∂/∂α picks up −ln f·∂/∂ln c.
        let last = theta.len() - 1;
        prop_assert!((g1[last] - g2[last]).abs() <= 1e-10);
        for k in 0..last / 2 {
            prop_assert!((g1[2 * k] - g2[2 * k]).abs() <= 1e-10);
            let expect = g1[2 * k + 1] + g1[2 * k] * f.ln();
            prop_assert!((g2[2 * k + 1] - expect).abs() <= 1e-9 * (1.0 + g1[2 * k].abs()),
                "{} vs {}", g2[2 * k + 1], expect);
        }
    }
}

proptest! {
    // Each case runs 16 BFGS fits: 16 cases by default.
    #![proptest_config(cases(16))]

    #[test]
    fn two_term_objective_never_exceeds_single(
        truth in prop_oneof![single_theta(), two_theta()],
        sigma in 0.0f64..0.3,
        seed in 0u64..1000,
        n in 6usize..30,
    ) {
        let (x, y) = points(&truth, n, sigma, seed);
        let d = PowerLawData::<f64>::new(&x, &y, 1.0).unwrap();
        let params = PowerLawFitParams { seed, ..PowerLawFitParams::default() };
        let (single, two) = fit_single_and_two_term(&d, &params).unwrap();
        prop_assert!(two.objective <= single.objective,
            "two-term {} > single {}", two.objective, single.objective);
    }
}

#[test]
fn objective_hessian_matches_differences_at_256_bits() {
    let truth = [0.5, 1.9, 0.7, 0.15, 0.25];
    let (x, y) = points(&truth, 12, 0.05, 7);
    let d = PowerLawData::<Mpf256>::new(&x, &y, 1.0).unwrap();
    for theta64 in [vec![0.1, 1.5, 0.3, 0.2, 0.1], vec![0.4, 0.3, 0.6]] {
        let theta: Vec<Mpf256> = theta64.iter().map(|v| lit(*v)).collect();
        let h = objective_hessian(&d, &theta);
        for j in 0..theta.len() {
            let gj = |t: &[Mpf256]| objective_and_gradient(&d, t).1[j].clone();
            let row: Vec<Mpf256> = (0..theta.len()).map(|k| h[(j, k)].clone()).collect();
            let bad = mismatch(&gj, &row, &theta, FD_STEP_256);
            assert!(bad < FD_AGREE_256, "Hessian row {j}: {bad:e}");
        }
    }
}

#[test]
fn log_sum_exp_neither_overflows_nor_loses_small_terms() {
    // ln C = 800: C/x^α overflows f64 if formed directly; E = e⁻⁴⁰ is far
    // below it. The 256-bit value is the oracle.
    let theta = [800.0, 0.5, -40.0, -0.2, 2.0];
    for ln_x in [-5.0, 0.0, 5.0] {
        let v = ln_prediction(&theta, &ln_x);
        let t: Vec<Mpf256> = theta.iter().map(|v| lit(*v)).collect();
        let hi = to_f64(&ln_prediction(&t, &lit::<Mpf256>(ln_x)));
        assert!(v.is_finite());
        assert!(
            (v - hi).abs() <= 4.0 * f64::EPSILON * hi.abs(),
            "{v} vs {hi}"
        );
    }
}

#[test]
fn nested_start_has_the_single_objective_bit_for_bit() {
    let (x, y) = points(&[0.5, 0.3, 0.2], 40, 0.1, 3);
    let d = PowerLawData::<f64>::new(&x, &y, 1.0).unwrap();
    let single = fit_power_law(&d, PowerLawForm::Single, &PowerLawFitParams::default()).unwrap();
    let nested = nested_start(&d, &single.theta);
    assert_eq!(
        objective(&d, &nested).to_bits(),
        objective(&d, &single.theta).to_bits()
    );
}

#[test]
fn fit_does_not_depend_on_row_order() {
    let (x, y) = points(&[0.5, 1.2, 0.7, 0.2, 0.3], 30, 0.05, 11);
    let mut rx = x.clone();
    let mut ry = y.clone();
    rx.reverse();
    ry.reverse();
    rx.swap(3, 17);
    ry.swap(3, 17);
    let params = PowerLawFitParams::default();
    let a =
        fit_single_and_two_term(&PowerLawData::<f64>::new(&x, &y, 1.0).unwrap(), &params).unwrap();
    let b = fit_single_and_two_term(&PowerLawData::<f64>::new(&rx, &ry, 1.0).unwrap(), &params)
        .unwrap();
    assert_eq!(a.0.theta, b.0.theta);
    assert_eq!(a.1.theta, b.1.theta);
    assert_eq!(a.1.objective.to_bits(), b.1.objective.to_bits());
}

fn max_rel(a: &PowerLawSum<f64>, b: &PowerLawSum<f64>) -> f64 {
    let mut worst = (a.e / b.e - 1.0).abs();
    for (p, q) in a.terms.iter().zip(&b.terms) {
        worst = worst
            .max((p.c / q.c - 1.0).abs())
            .max((p.alpha / q.alpha - 1.0).abs());
    }
    worst
}

#[test]
fn noise_free_laws_are_recovered() {
    // Well-separated exponents (1.5 and 0.3), both terms visible over the
    // grid; the truth in canonical order (steeper first).
    let params = PowerLawFitParams::default();
    for (truth, form) in [
        (vec![0.3f64.ln(), 0.35, 1.7f64.ln()], PowerLawForm::Single),
        (
            vec![0.05f64.ln(), 1.5, 1.2f64.ln(), 0.3, 1.5f64.ln()],
            PowerLawForm::TwoTerm,
        ),
    ] {
        let (x, y) = points(&truth, 60, 0.0, 0);
        let d = PowerLawData::<f64>::new(&x, &y, 1.0).unwrap();
        let (single, two) = fit_single_and_two_term(&d, &params).unwrap();
        let fit = if form == PowerLawForm::Single {
            &single
        } else {
            &two
        };
        let err = max_rel(&fit.law, &law(&truth));
        assert!(
            err <= 1e-8,
            "{form:?}: relative error {err:e}, {:?}",
            fit.theta
        );
        assert_eq!(fit.status, PowerLawStatus::Converged);
        // Certified: at or below the profile's best basin (proofs/12 §12.10).
        let c = fit.certificate.as_ref().unwrap();
        assert!(c.holds() && c.gap <= 0.0, "{c:?}");
    }
}

/// Data with two basins of the two-term objective (proofs/12 §12.10): the
/// law C₁ = 0.09, α₁ = 1.9, C₂ = 1.97, α₂ = 0.146, E = 1.28 on 40 x
/// log-spaced over [10^−0.6, 10^2.5], losses times e^{0.02u}, u uniform in
/// [−1, 1] (seed 2).
fn two_basin_data() -> PowerLawData<f64> {
    let truth = law(&[0.09f64.ln(), 1.9, 1.97f64.ln(), 0.146, 1.28f64.ln()]);
    let n = 40;
    let x: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(-0.6 + 3.1 * i as f64 / (n - 1) as f64))
        .collect();
    let mut rng = Rng::new(2);
    let y: Vec<f64> = x
        .iter()
        .map(|xi| truth.predict(xi) * (0.02 * rng.uniform_in(-1.0, 1.0)).exp())
        .collect();
    PowerLawData::new(&x, &y, 1.0).unwrap()
}

/// The start in the worse basin: a shallow first term (α₁ = 1.40), a nearly
/// flat second one (α₂ = 0.07) and E almost 0.
const WORSE_BASIN_START: [f64; 5] = [-1.62, 1.40, 1.147, 0.070, -13.07];

#[test]
fn global_stage_finds_the_better_of_two_basins() {
    let d = two_basin_data();
    let start = [WORSE_BASIN_START.to_vec()];
    let local = PowerLawFitParams {
        global_stage: GlobalStage::Off,
        ..PowerLawFitParams::default()
    };
    let alone = fit_power_law_newton_from(&d, PowerLawForm::TwoTerm, &start, &local).unwrap();
    // A local minimum: the run converges (gradient test) above the better basin.
    assert_eq!(alone.restarts[0].status, PowerLawStatus::Converged);
    assert!(alone.certificate.is_none());
    let global = fit_power_law_newton_from(
        &d,
        PowerLawForm::TwoTerm,
        &start,
        &PowerLawFitParams::default(),
    )
    .unwrap();
    assert!(
        global.objective < alone.objective * (1.0 - 0.05),
        "{} vs {}",
        global.objective,
        alone.objective
    );
    assert!((global.theta[1] - 1.95).abs() < 0.05, "{:?}", global.theta);
    assert!(global.certificate.as_ref().unwrap().holds());
    assert_eq!(global.status, PowerLawStatus::Converged);
    // From the reference's base start with the global stage: the same basin.
    let base = fit_power_law(&d, PowerLawForm::TwoTerm, &PowerLawFitParams::default()).unwrap();
    assert!((base.objective / global.objective - 1.0).abs() < 1e-9);
}

#[test]
fn certificate_reports_a_local_minimum_when_the_fit_stops_early() {
    let d = two_basin_data();
    for form in [PowerLawForm::Single, PowerLawForm::TwoTerm] {
        let early = PowerLawFitParams {
            global_stage: GlobalStage::CertifyOnly,
            max_iters: 1,
            ..PowerLawFitParams::default()
        };
        let fit = fit_power_law(&d, form, &early).unwrap();
        let c = fit.certificate.clone().unwrap();
        assert_eq!(fit.status, PowerLawStatus::LocalMinimum, "{form:?}");
        assert_eq!(fit.status.as_str(), "local_minimum");
        assert_eq!(c.gap, c.value - c.profile_best);
        assert!(c.gap > c.tolerance && !c.holds(), "{c:?}");
        assert!(c.tolerance > 0.0 && c.gap > 1e3 * c.tolerance, "{c:?}");
        assert_eq!(c.profile_best, profile_candidates(&d, form, 3)[0].objective);
        assert!(fit.warnings.iter().any(|w| w.contains("local minimum")));
        // The search stage from the same start repairs it.
        let search = PowerLawFitParams {
            global_stage: GlobalStage::Search,
            ..early
        };
        let fit = fit_power_law(&d, form, &search).unwrap();
        assert!(fit.certificate.unwrap().holds(), "{form:?}");
        assert_ne!(fit.status, PowerLawStatus::LocalMinimum);
    }
}

/// The weighted NNLS of the profile (proofs/12 §12.9) against Lawson–Hanson
/// on the weighted design itself: 8 exponent pairs on the two-basin data.
#[test]
fn profile_nnls_from_the_gram_sums_matches_lawson_hanson() {
    use nalgebra::{DMatrix, DVector};
    use scaling_laws::numerics::nnls::gram_nnls;
    let d = two_basin_data();
    let pairs = [
        (1.9, 0.15),
        (0.5, 0.1),
        (2.5, -0.3),
        (0.3, 0.2),
        (1.0, 0.0),
        (4.0, 2.0),
        (0.05, -0.05),
        (-0.5, -1.0),
    ];
    for (a1, a2) in pairs {
        let n = d.len();
        let a = DMatrix::from_fn(n, 3, |i, j| {
            let col = [1.0, d.x()[i].powf(-a1), d.x()[i].powf(-a2)][j];
            col / d.loss()[i]
        });
        let b = DVector::from_element(n, 1.0);
        let lh = nnls(&a, &b, &NnlsParams::default()).unwrap();
        let g = a.transpose() * &a;
        let h = a.transpose() * &b;
        let gm = [
            [g[(0, 0)], g[(0, 1)], g[(0, 2)]],
            [g[(1, 0)], g[(1, 1)], g[(1, 2)]],
            [g[(2, 0)], g[(2, 1)], g[(2, 2)]],
        ];
        let (rss, c) = gram_nnls(&gm, &[h[0], h[1], h[2]], &(n as f64), 3);
        let rss_lh = (&b - &a * &lh.x).norm_squared();
        assert!(
            (rss - rss_lh).abs() <= 1e-8 * (1.0 + rss_lh),
            "({a1}, {a2}): {rss} vs {rss_lh}"
        );
        for (k, (ck, lk)) in c.iter().zip(lh.x.iter()).enumerate() {
            assert!(
                (ck - lk).abs() <= 1e-6 * (1.0 + lk.abs()),
                "({a1}, {a2}) c{k}: {ck} vs {lk}"
            );
        }
    }
}

#[test]
fn fit_is_invariant_to_the_normalisation_factor() {
    let truth = vec![0.05f64.ln(), 1.5, 1.2f64.ln(), 0.3, 1.5f64.ln()];
    let (x, y) = points(&truth, 60, 0.0, 0);
    let params = PowerLawFitParams::default();
    for f in [0.1, 3.0] {
        // The same x in units f times larger: fit on x·f with factor f.
        let xf: Vec<f64> = x.iter().map(|v| v * f).collect();
        let d = PowerLawData::<f64>::new(&xf, &y, f).unwrap();
        let (_, two) = fit_single_and_two_term(&d, &params).unwrap();
        let err = max_rel(&two.law, &law(&truth));
        assert!(err <= 1e-8, "factor {f}: {err:e}");
        // And on the raw x with factor 1/f, coefficients rescale by f^α.
        let d = PowerLawData::<f64>::new(&x, &y, 1.0 / f).unwrap();
        let (_, two) = fit_single_and_two_term(&d, &params).unwrap();
        let err = max_rel(&two.law, &law(&truth).rescaled(&(1.0 / f)));
        assert!(err <= 1e-8, "factor 1/{f}: {err:e}");
    }
}

#[test]
fn jittered_starts_follow_the_seed_and_separate_the_exponents() {
    // None by default (the global stage replaces them); the reference's
    // 5 and 10 when asked for.
    assert!(jittered_starts(PowerLawForm::TwoTerm, &PowerLawFitParams::default()).is_empty());
    let p = PowerLawFitParams {
        restarts_single: 5,
        restarts_two_term: 10,
        ..PowerLawFitParams::default()
    };
    let a = jittered_starts(PowerLawForm::TwoTerm, &p);
    assert_eq!(a, jittered_starts(PowerLawForm::TwoTerm, &p));
    assert_eq!(a.len(), 10);
    assert_eq!(jittered_starts(PowerLawForm::Single, &p).len(), 5);
    for s in &a {
        assert!((s[1] - s[3]).abs() >= 0.05 - 1e-12 || (s[1] - s[3]).abs() >= 0.15);
    }
    let other = PowerLawFitParams {
        seed: p.seed + 1,
        ..p
    };
    assert_ne!(a, jittered_starts(PowerLawForm::TwoTerm, &other));
}

#[test]
fn bad_input_is_a_typed_error() {
    let e = PowerLawData::<f64>::new(&[1.0, -2.0], &[1.0, 1.0], 1.0).unwrap_err();
    assert_eq!(
        e,
        PowerLawError::BadPoint {
            index: 1,
            field: "x",
            value: -2.0
        }
    );
    let e = PowerLawData::<f64>::new(&[1.0, 2.0], &[1.0, f64::NAN], 1.0).unwrap_err();
    assert!(matches!(
        e,
        PowerLawError::BadPoint {
            index: 1,
            field: "loss",
            ..
        }
    ));
    assert!(matches!(
        PowerLawData::<f64>::new(&[1.0], &[1.0], 0.0),
        Err(PowerLawError::BadSetting { name: "scale", .. })
    ));
    // Four distinct x cannot determine five parameters.
    let d = PowerLawData::<f64>::new(&[1.0, 2.0, 3.0, 4.0, 4.0], &[3.0, 2.0, 1.5, 1.2, 1.3], 1.0)
        .unwrap();
    let r = fit_power_law(&d, PowerLawForm::TwoTerm, &PowerLawFitParams::default());
    assert!(matches!(
        r,
        Err(PowerLawError::TooFewPoints {
            needed: 5,
            got: 4,
            ..
        })
    ));
    let r = fit_power_law_from(
        &d,
        PowerLawForm::Single,
        &[vec![0.0, f64::NAN, 0.0]],
        &PowerLawFitParams::default(),
    );
    assert!(matches!(r, Err(PowerLawError::BadStart { .. })));
}

/// The one-pass F, ∇F, ∇²F of the resampled fits' Newton optimiser equal
/// `objective`, `objective_and_gradient` and `objective_hessian` (each
/// checked against differences above) to 1e-12 relative, on 3 θ per form
/// and two noise levels: σ = 0.05 (most |r| > δ) and σ = 0.0005 (every
/// |r| ≤ δ at the truth: the ψ′ = 1 branch) (proofs/12 §12.8).
#[test]
fn newton_one_pass_derivatives_equal_the_checked_ones() {
    use scaling_laws::fitters::power_law::newton::objective_gradient_hessian;
    let truth = [0.5, 1.9, 0.7, 0.15, 0.25];
    for sigma in [0.05, 0.0005] {
        let (x, y) = points(&truth, 30, sigma, 11);
        let d = PowerLawData::<f64>::new(&x, &y, 1.0).unwrap();
        for theta in [
            vec![0.1, 1.5, 0.3, 0.2, 0.1],
            truth.to_vec(),
            vec![-1.0, 0.8, 0.2, 0.05, -0.5],
            vec![0.4, 0.3, 0.6],
            vec![0.2, 0.5, -0.1],
            vec![1.0, 0.1, -2.0],
        ] {
            let p = theta.len();
            let (f, g, h) = objective_gradient_hessian(&d, &theta).unwrap();
            let (f0, g0) = objective_and_gradient(&d, &theta);
            let h0 = objective_hessian(&d, &theta);
            let close = |a: f64, b: f64, s: f64| (a - b).abs() <= 1e-12 * s.max(1e-300);
            assert!(close(f, f0, f0.abs()), "{f} vs {f0}");
            let gs = g0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let hs = h0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for i in 0..p {
                assert!(close(g[i], g0[i], gs), "g[{i}] {} vs {}", g[i], g0[i]);
                for j in 0..p {
                    assert!(close(h[i][j], h0[(i, j)], hs), "σ {sigma}: h[{i}][{j}]");
                }
            }
        }
    }
}

/// Damped Newton from the same starts as BFGS (the base start and the
/// jittered ones, no global stage on either, so each is the local
/// optimiser alone) reaches BFGS's objective or lower to 1e-10 relative, on
/// 4 noisy data sets (single and two-term), and reports `converged` or
/// `near_singular`.
#[test]
fn newton_fits_reach_the_bfgs_objective() {
    use scaling_laws::fitters::power_law::fixed_starts;
    let params = PowerLawFitParams {
        restarts_single: 4,
        restarts_two_term: 4,
        global_stage: GlobalStage::Off,
        ..PowerLawFitParams::default()
    };
    for seed in 0..4 {
        let (x, y) = points(&[0.5, 1.2, 0.7, 0.2, 0.3], 50, 0.02, 100 + seed);
        let d = PowerLawData::<f64>::new(&x, &y, 1.0).unwrap();
        for form in [PowerLawForm::Single, PowerLawForm::TwoTerm] {
            let starts = fixed_starts(form, &params);
            let b = fit_power_law_from(&d, form, &starts, &params).unwrap();
            let n = fit_power_law_newton_from(&d, form, &starts, &params).unwrap();
            assert!(
                n.objective <= b.objective * (1.0 + 1e-10),
                "seed {seed} {form:?}: Newton {} vs BFGS {}",
                n.objective,
                b.objective
            );
            assert!(matches!(
                n.status,
                PowerLawStatus::Converged | PowerLawStatus::NearSingular
            ));
        }
    }
}

/// The profile's candidates (proofs/12 §12.9) carry the weighted NNLS of
/// their node: each one's RSS equals Lawson–Hanson's on the weighted design
/// `[1, x^−α₁, x^−α₂]/L` at its exponents, and its coefficients, converted
/// back from the table's centred columns (ln C = ln c + α·m), equal
/// Lawson–Hanson's where they are positive: the centring, the sums' layout
/// and the back-conversion of `profile_candidates`, not only the 3×3 solve.
#[test]
fn profile_candidates_carry_the_nnls_of_their_node() {
    use nalgebra::{DMatrix, DVector};
    use scaling_laws::fitters::power_law::profile_candidates;
    let d = two_basin_data();
    let n = d.len();
    // The columns centred at the midpoint m of ln x (as the table's; a
    // plain x^−α column at α = −9 is too badly scaled for Lawson–Hanson).
    let ln_x: Vec<f64> = d.x().iter().map(|x| x.ln()).collect();
    let lo = ln_x.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ln_x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let m = 0.5 * (lo + hi);
    let candidates = profile_candidates(&d, PowerLawForm::TwoTerm, 3);
    assert!(!candidates.is_empty());
    for c in &candidates {
        let (a1, a2) = (c.theta[1], c.theta[3]);
        let a = DMatrix::from_fn(n, 3, |i, j| {
            let col = [
                1.0,
                (-a1 * (ln_x[i] - m)).exp(),
                (-a2 * (ln_x[i] - m)).exp(),
            ][j];
            col / d.loss()[i]
        });
        // Columns scaled to unit norm (a positive scaling changes neither
        // the feasible set nor the RSS; at α = −9 a column spans e^40).
        let norms: Vec<f64> = (0..3).map(|j| a.column(j).norm()).collect();
        let scaled = DMatrix::from_fn(n, 3, |i, j| a[(i, j)] / norms[j]);
        let b = DVector::from_element(n, 1.0);
        let lh = nnls(&scaled, &b, &NnlsParams::default()).unwrap();
        let rss_lh = (&b - &scaled * &lh.x).norm_squared();
        let x: Vec<f64> = (0..3).map(|j| lh.x[j] / norms[j]).collect();
        let largest = x.iter().copied().fold(0.0, f64::max);
        assert!(
            (c.rss - rss_lh).abs() <= 1e-8 * (1.0 + rss_lh),
            "({a1}, {a2}): {} vs {rss_lh}",
            c.rss
        );
        // ln C = ln c + α·m back from the centred columns.
        for (k, ln) in [
            (0, c.theta[4]),
            (1, c.theta[0] - a1 * m),
            (2, c.theta[2] - a2 * m),
        ] {
            if lh.x[k] > 1e-6 * lh.x.amax() {
                let v = ln.exp();
                assert!(
                    (v - x[k]).abs() <= 1e-6 * x[k],
                    "({a1}, {a2}) coefficient {k}: {v} vs {} (largest {largest})",
                    x[k]
                );
            }
        }
    }
}
