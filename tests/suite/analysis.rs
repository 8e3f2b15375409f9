//! The closed forms of `analysis` against numerical Approach 2, in f64.
//! Tolerances: `AGREE` = 1e-10 absolute, the issue's bar for closed form vs
//! numerical fit; identities that hold to rounding use a few ε.

use proptest::prelude::*;
use scaling_laws::analysis::*;
use scaling_laws::fitters::fit_approach2;
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::*;

use crate::common::*;

/// Closed form vs numerical Approach 2, absolute.
const AGREE: f64 = 1e-10;

/// The numerical Approach 2 fit and the closed-form prediction for one case.
fn both(
    surface: &LossSurface<f64>,
    budgets: &[f64],
    grid: &IsoflopGrid<f64>,
    bias: &SamplingBias<f64>,
) -> (
    scaling_laws::fitters::Approach2Fit<f64>,
    Approach2Prediction<f64>,
) {
    let pts = sample_isoflops(surface, budgets, grid, bias).unwrap();
    let fit = fit_approach2(&pts).unwrap();
    let pred = predict_approach2(surface, budgets, grid, bias).unwrap();
    (fit, pred)
}

#[test]
fn vertex_shift_matches_the_issue_orientation_value() {
    // Issue 2: δw(0.34, 0.28, W = log10 16, n = 15) ≈ 0.0227349.
    let grid = IsoflopGrid::new(16f64.log10(), 15).unwrap();
    let dw = vertex_shift(&0.34, &0.28, &grid).unwrap();
    assert!((dw - 0.0227349).abs() < 5e-8, "{dw}");
}

#[test]
fn vertex_shift_of_the_symmetric_preset_is_zero_and_its_fit_exact() {
    let s = LossSurface::<f64>::preset(scaling_laws::models::Preset::Symmetric);
    let grid = IsoflopGrid::new(1.0, 15).unwrap();
    let (fit, _) = both(&s, &default_budgets(), &grid, &SamplingBias::none());
    // Issue 2 §4: noise-free results on a symmetric surface exact to ~1e-13.
    assert!((fit.n_law.exponent - s.exponent_a()).abs() < 1e-13);
    assert!((fit.n_law.intercept - s.a0()).abs() < 1e-12);
    assert!((fit.d_law.intercept - s.b0()).abs() < 1e-12);
    assert_eq!(vertex_shift(&0.31, &0.31, &grid).unwrap(), 0.0);
}

proptest! {
    #![proptest_config(crate::common::cases(256))]

    #[test]
    fn sum_free_closed_form_equals_the_grid_sum(
        alpha in exponent(), beta in exponent(), w in half_width(), n in points(),
        offset in -1.0f64..=1.0,
    ) {
        let grid = IsoflopGrid::new(w, n).unwrap();
        let closed = vertex_shift_offset(&alpha, &beta, &grid, &offset).unwrap();
        let sum = vertex_shift_sum(&alpha, &beta, &grid, &offset).unwrap();
        prop_assert!((closed - sum).abs() <= AGREE, "closed {closed} sum {sum}");
    }

    #[test]
    fn vertex_shift_is_odd_under_swapping_exponents(
        alpha in exponent(), beta in exponent(), w in half_width(), n in points(),
    ) {
        let grid = IsoflopGrid::new(w, n).unwrap();
        let fwd = vertex_shift(&alpha, &beta, &grid).unwrap();
        let back = vertex_shift(&beta, &alpha, &grid).unwrap();
        prop_assert!((fwd + back).abs() <= 1e-14 + 1e-12 * fwd.abs(), "{fwd} {back}");
        let equal = vertex_shift(&alpha, &alpha, &grid).unwrap();
        prop_assert!(equal.abs() <= 1e-15, "{equal}");
        // Sign: the vertex moves toward larger N when α > β.
        if (alpha - beta).abs() > 1e-3 {
            prop_assert_eq!(fwd > 0.0, alpha > beta);
        }
    }

    #[test]
    fn closed_form_predicts_numerical_approach2_under_any_bias(
        alpha in exponent(), beta in exponent(), w in half_width(), n in points(),
        budgets in budgets(),
        drift in -0.5f64..=0.5, scale in 0.5f64..=3.0,
        seed in (0.2f64..=2.0, -1.0f64..=1.0, 0.5f64..=3.0),
    ) {
        let surface = conditioned_surface(alpha, beta, geometric_mean(&budgets), seed);
        let grid = IsoflopGrid::new(w, n).unwrap();
        let bias = SamplingBias::new(drift, scale).unwrap();
        prop_assume!(brackets_optimum(&bias, &budgets, w));
        let (fit, pred) = both(&surface, &budgets, &grid, &bias);
        prop_assert!((fit.n_law.exponent - pred.n_law.exponent).abs() <= AGREE);
        prop_assert!((fit.d_law.exponent - pred.d_law.exponent).abs() <= AGREE);
        prop_assert!((fit.n_law.intercept - pred.n_law.intercept).abs() <= AGREE);
        prop_assert!((fit.d_law.intercept - pred.d_law.intercept).abs() <= AGREE);
        // Prefactor (intercept) errors 10^(â0 − a0) − 1, absolute while the
        // prefactor ratio is O(1); beyond that (a drift over budgets close
        // together can tilt the line by many decades at C = 1) relative to
        // the ratio 10^(â0 − a0) itself.
        let pe = |x: f64| (x * std::f64::consts::LN_10).exp_m1();
        for (fitted, predicted, truth) in [
            (fit.n_law.intercept, pred.n_law.intercept, surface.a0()),
            (fit.d_law.intercept, pred.d_law.intercept, surface.b0()),
        ] {
            let (num, cf) = (pe(fitted - truth), pe(predicted - truth));
            prop_assert!((num - cf).abs() <= AGREE * (1.0 + cf).max(1.0), "{num} {cf}");
        }
        // Per budget: each vertex is log10 N* + δw(o_k), each D vertex log10 D* − δw(o_k).
        for (v, dw) in fit.vertices.iter().zip(&pred.shifts) {
            prop_assert!((v.log10_n_opt - surface.log10_n_opt(&v.budget) - dw).abs() <= AGREE);
            prop_assert!((v.log10_d_opt - surface.log10_d_opt(&v.budget) + dw).abs() <= AGREE);
        }
    }

    #[test]
    fn centred_sampling_leaves_exponents_exact_and_shifts_intercepts_by_delta_w(
        alpha in exponent(), beta in exponent(), w in half_width(), n in points(),
        budgets in budgets(), scale in 0.5f64..=3.0,
        seed in (0.2f64..=2.0, -1.0f64..=1.0, 0.5f64..=3.0),
    ) {
        let surface = conditioned_surface(alpha, beta, geometric_mean(&budgets), seed);
        let grid = IsoflopGrid::new(w, n).unwrap();
        // A constant centre scale is a constant offset: exponents stay exact.
        let bias = SamplingBias::new(0.0, scale).unwrap();
        prop_assume!(brackets_optimum(&bias, &budgets, w));
        let (fit, _) = both(&surface, &budgets, &grid, &bias);
        prop_assert!((fit.n_law.exponent - surface.exponent_a()).abs() <= AGREE);
        prop_assert!((fit.d_law.exponent - surface.exponent_b()).abs() <= AGREE);
        let dw = vertex_shift_offset(&alpha, &beta, &grid, &-scale.log10()).unwrap();
        prop_assert!((fit.n_law.intercept - surface.a0() - dw).abs() <= AGREE);
        prop_assert!((fit.d_law.intercept - surface.b0() + dw).abs() <= AGREE);
        let errs = InterceptErrors::from_shift(&dw);
        prop_assert!(((1.0 + errs.n) * (1.0 + errs.d) - 1.0).abs() <= 1e-14);
    }

    #[test]
    fn vertex_shift_does_not_depend_on_budget_or_coefficients(
        alpha in exponent(), beta in exponent(), w in half_width(), n in points(),
        b1 in budgets(), b2 in budgets(),
        s1 in (0.2f64..=2.0, -1.0f64..=1.0, 0.5f64..=3.0),
        s2 in (0.2f64..=2.0, -1.0f64..=1.0, 0.5f64..=3.0),
    ) {
        let grid = IsoflopGrid::new(w, n).unwrap();
        let sa = conditioned_surface(alpha, beta, geometric_mean(&b1), s1);
        let sb = conditioned_surface(alpha, beta, geometric_mean(&b2), s2);
        let (fa, _) = both(&sa, &b1, &grid, &SamplingBias::none());
        let (fb, _) = both(&sb, &b2, &grid, &SamplingBias::none());
        for va in &fa.vertices {
            for vb in &fb.vertices {
                let da = va.log10_n_opt - sa.log10_n_opt(&va.budget);
                let db = vb.log10_n_opt - sb.log10_n_opt(&vb.budget);
                prop_assert!((da - db).abs() <= AGREE, "{da} {db}");
            }
        }
    }

    #[test]
    fn rescaling_compute_moves_only_the_intercept(
        alpha in exponent(), beta in exponent(), w in half_width(), n in 3usize..=31,
        budgets in budgets(), drift in -0.5f64..=0.5, k in -2i32..=2,
    ) {
        // Multiplying every budget by 10^k: drift's f(C) is unchanged, so the
        // shifts are unchanged and only the intercept moves (by −k·δa).
        let surface = LossSurface::new(1.69, 406.4, 410.7, alpha, beta).unwrap();
        let grid = IsoflopGrid::new(w, n).unwrap();
        let bias = SamplingBias::new(drift, 1.0).unwrap();
        let scaled: Vec<f64> = budgets.iter().map(|c| c * 10f64.powi(k)).collect();
        let p1 = predict_approach2(&surface, &budgets, &grid, &bias).unwrap();
        let p2 = predict_approach2(&surface, &scaled, &grid, &bias).unwrap();
        prop_assert!((p1.n_law.exponent - p2.n_law.exponent).abs() <= 1e-12);
        let da = p1.n_law.exponent - surface.exponent_a();
        let di1 = p1.n_law.intercept - surface.a0();
        let di2 = p2.n_law.intercept - surface.a0();
        prop_assert!((di2 - (di1 - k as f64 * da)).abs() <= 1e-11, "{di1} {di2} {da}");
    }
}

#[test]
fn continuum_limit_is_approached_at_rate_one_over_n() {
    for (alpha, beta, w) in [
        (0.34f64, 0.28f64, 1.2f64),
        (0.465, 0.155, 2.0),
        (0.9, 0.1, 0.3),
    ] {
        let inf: f64 = vertex_shift_continuum(&alpha, &beta, &w).unwrap();
        let err =
            |n: usize| vertex_shift(&alpha, &beta, &IsoflopGrid::new(w, n).unwrap()).unwrap() - inf;
        // Error ~ c/n: tenfold n, tenfold smaller.
        let ratio = err(1001) / err(10001);
        assert!((ratio / 10.0 - 1.0).abs() < 0.01, "{ratio}");
        // Richardson in 1/(n−1) removes the 1/n term: agreement to O(1/n²).
        let (n1, n2) = (20001.0, 40001.0);
        let (e1, e2) = (err(20001), err(40001));
        let rich = (e2 * (n2 - 1.0) - e1 * (n1 - 1.0)) / ((n2 - 1.0) - (n1 - 1.0));
        assert!(rich.abs() < 1e-9, "richardson residual {rich}");
        // The small-W expansion's continuum coefficients are the n → ∞ limit.
        let e_inf: SmallWidthExpansion<f64> =
            vertex_shift_small_width(&alpha, &beta, None).unwrap();
        let e_n = vertex_shift_small_width(&alpha, &beta, Some(1_000_001)).unwrap();
        assert!((e_inf.d2 - e_n.d2).abs() < 1e-5 * e_inf.d2.abs());
    }
}

#[test]
fn bad_exponents_and_widths_are_typed_errors() {
    let grid = IsoflopGrid::new(1.0, 15).unwrap();
    assert!(matches!(
        vertex_shift(&-0.1, &0.3, &grid),
        Err(AnalysisError::BadExponent { name: "alpha", .. })
    ));
    assert!(matches!(
        vertex_shift(&0.3, &f64::NAN, &grid),
        Err(AnalysisError::BadExponent { name: "beta", .. })
    ));
    assert!(matches!(
        vertex_shift_offset(&0.3, &0.3, &grid, &f64::INFINITY),
        Err(AnalysisError::BadOffset(_))
    ));
    assert!(vertex_shift_continuum(&0.3, &0.2, &0.0).is_err());
    assert!(vertex_shift_small_width(&0.3, &0.2, Some(2)).is_err());
    let s = LossSurface::<f64>::chinchilla();
    assert!(matches!(
        predict_approach2(&s, &[1e18], &grid, &SamplingBias::none()),
        Err(AnalysisError::TooFewBudgets { got: 1 })
    ));
}
