//! proofs/11_allocation_cost.md: the cost of training on D̂ tokens instead
//! of D*(C), directly on the surface and in closed form.

use proptest::prelude::*;
use scaling_laws::analysis::allocation_cost::*;
use scaling_laws::models::LossSurface;
use scaling_laws::numerics::mpf::Mpf256;
use scaling_laws::numerics::{lit, to_f64};

use crate::common::*;

/// Rounding of a term `x^y` (proofs/11, Tests): relative error ≲ ε·(2 + |y·ln x|),
/// and every power here has |y·ln x| ≤ (α+β)·ln C (N_c, D̂ ≤ C; the closed
/// form's (C/6)^−γ and 10^(αε) likewise): each path's loss carries
/// `ε·L·(16 + 4(α+β)·ln C)`.
fn loss_tolerance(s: &LossSurface<f64>, c: f64, loss: f64) -> f64 {
    f64::EPSILON * loss * (16.0 + 4.0 * (s.alpha() + s.beta()) * c.ln())
}

/// The share: C(L) = 6·((L − E)/K)^(−1/γ) turns the loss error into
/// `(1/γ)·loss_tolerance/(L − E)` relatively, and its own power adds ε·ln C.
fn share_tolerance(s: &LossSurface<f64>, c: f64, loss: f64) -> f64 {
    loss_tolerance(s, c, loss) / (s.gamma() * (loss - s.e())) + 4.0 * f64::EPSILON * c.ln()
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn closed_form_allocation_cost_matches_the_direct_computation(
        alpha in exponent(),
        beta in exponent(),
        a in 10f64..=1000.0,
        b in 10f64..=1000.0,
        e in 0.5f64..=3.0,
        log10_c in 15f64..=28.0,
        eps in -1.5f64..=1.5,
    ) {
        let s = LossSurface::new(e, a, b, alpha, beta).unwrap();
        let c = 10f64.powf(log10_c);
        let d_hat = s.d_opt(&c) * 10f64.powf(eps);
        let direct = allocation_cost(&s, &c, &d_hat).unwrap();
        let closed = allocation_cost_closed_form(&s, &c, &direct.token_error).unwrap();
        let tol = share_tolerance(&s, c, direct.loss);
        prop_assert!((direct.wasted_share - closed.wasted_share).abs() <= tol,
            "share {} vs {} (tol {tol:e})", direct.wasted_share, closed.wasted_share);
        prop_assert!((direct.wasted_compute - closed.wasted_compute).abs() <= tol * c);
        prop_assert!((direct.loss_gap - closed.loss_gap).abs() <= loss_tolerance(&s, c, direct.loss));
        prop_assert!((direct.params / closed.params - 1.0).abs() <= 1e-13);
        prop_assert!((direct.tokens / closed.tokens - 1.0).abs() <= 1e-13);
        // (11.3): φ ≥ 1, so the waste is never negative in closed form.
        prop_assert!(closed.wasted_share >= 0.0 && closed.loss_gap >= 0.0);
        // (11.6): the share depends on ε, α, β only.
        let other = LossSurface::new(e + 0.5, 2.0 * a, b / 3.0, alpha, beta).unwrap();
        let moved = allocation_cost_closed_form(&other, &(c * 1e3), &direct.token_error).unwrap();
        prop_assert!((moved.wasted_share - closed.wasted_share).abs() <= 4.0 * f64::EPSILON * closed.wasted_share.max(f64::MIN_POSITIVE));
    }
}

#[test]
fn closed_form_allocation_cost_is_exact_at_256_bits() {
    let m = |x: f64| -> Mpf256 { lit(x) };
    for (alpha, beta, log10_c, eps) in [
        (0.34, 0.28, 24.0, 0.25),
        (0.465, 0.155, 22.0, -0.4),
        (0.31, 0.31, 26.0, 0.001),
        (0.05, 0.95, 17.0, 1.2),
    ] {
        let s = LossSurface::new(m(1.69), m(406.4), m(410.7), m(alpha), m(beta)).unwrap();
        let c = m(10f64.powf(log10_c));
        let d_hat = s.d_opt(&c) * scaling_laws::numerics::pow10(m(eps));
        let direct = allocation_cost(&s, &c, &d_hat).unwrap();
        let closed = allocation_cost_closed_form(&s, &c, &direct.token_error).unwrap();
        let rel = |x: &Mpf256, y: &Mpf256| to_f64(&((x.clone() - y.clone()) / y.clone())).abs();
        assert!(rel(&direct.wasted_share, &closed.wasted_share) < 1e-60);
        assert!(rel(&direct.loss_gap, &closed.loss_gap) < 1e-60);
        assert!(rel(&direct.compute_for_loss, &closed.compute_for_loss) < 1e-60);
        assert!(rel(&direct.params, &closed.params) < 1e-60);
    }
}

#[test]
fn allocation_cost_vanishes_at_the_optimum_and_grows_as_the_square_of_the_token_error() {
    let s = LossSurface::<f64>::chinchilla();
    let c = 1e24;
    let zero = allocation_cost_closed_form(&s, &c, &0.0).unwrap();
    assert_eq!(
        (zero.wasted_share, zero.loss_gap, zero.wasted_compute),
        (0.0, 0.0, 0.0)
    );
    assert_eq!(zero.compute_for_loss, c);
    // (11.8): share = (α+β)/2·(ε ln 10)² · (1 + (α−β)ε ln10/3 + O(ε²)).
    for eps in [1e-3, -1e-3, 1e-4, -1e-5] {
        let cost = allocation_cost_closed_form(&s, &c, &eps).unwrap();
        let z: f64 = eps * std::f64::consts::LN_10;
        let second = (s.alpha() + s.beta()) / 2.0 * z * z;
        assert!(
            (cost.wasted_share / second - 1.0).abs() <= z.abs(),
            "{eps}: {} vs {second}",
            cost.wasted_share
        );
    }
    // A bad budget or token count is an error naming the value.
    assert_eq!(
        allocation_cost(&s, &-1.0, &1e9).unwrap_err(),
        AllocationCostError::BadBudget(-1.0)
    );
    assert_eq!(
        allocation_cost(&s, &c, &0.0).unwrap_err(),
        AllocationCostError::BadTokens(0.0)
    );
    assert!(matches!(
        allocation_cost_closed_form(&s, &c, &f64::NAN),
        Err(AllocationCostError::BadTokenError(_))
    ));
}

#[test]
fn dollars_per_flop_is_two_dollars_per_gpu_hour_at_989_5_teraflops() {
    let price = DOLLARS_PER_GPU_HOUR / (3600.0 * USEFUL_FLOP_PER_SECOND);
    assert!((price / DOLLARS_PER_FLOP - 1.0).abs() <= f64::EPSILON);
    let s = LossSurface::<f64>::chinchilla();
    let cost = allocation_cost_closed_form(&s, &1e24, &0.3).unwrap();
    assert_eq!(
        cost.wasted_dollars(),
        cost.wasted_compute * DOLLARS_PER_FLOP
    );
}
