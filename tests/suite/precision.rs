//! Arbitrary precision: the same generic code at 256 bits (and more).
//!
//! Conventions (proofs/06_precision.md §6.0): u = 2^−P is the unit roundoff
//! (2^−53 ≈ 1.1e-16 in f64, 2^−256 ≈ 8.6e-78 at 256 bits); the machine
//! epsilon `RealField::default_epsilon()` is 2u (2^−52, 2^−255 ≈ 1.7e-77).
//!
//! Tolerances:
//! - `AGREE_F64` = 1e-12: the f64 closed form (shifts, exponents, intercepts)
//!   against 256 bits on every drawn case of the whole domain (§6.1, where
//!   the per-shift bound `analysis::closed_f64_bound` is also asserted);
//!   measured worst 1.5e-14 per shift and 1.6e-13 on an intercept.
//! - The numerical fit against the closed form: the derived bound of §6.2
//!   (`analysis::fit_bound`), in f64 and at 256 bits (the bound scales with u).
//! - `AGREE_256` = 1e-60: the 256-bit sum form against the 256-bit closed
//!   form; both carry ≲ 1e3·n·u ≈ 1e-72.

use proptest::prelude::*;
use scaling_laws::analysis::special::CothSeries;
use scaling_laws::analysis::*;
use scaling_laws::fitters::fit_approach2;
use scaling_laws::models::LossSurface;
use scaling_laws::numerics::mpf::{Mpf, Mpf256};
use scaling_laws::numerics::{lit, to_f64};
use scaling_laws::sampling::*;

use crate::analysis::{
    any_bias, any_budgets, any_surface, closed_f64_bound, fit_bound, CLOSED_F64, U64,
};
use crate::common::*;

const AGREE_256: f64 = 1e-60;
const AGREE_F64: f64 = CLOSED_F64;

/// Unit roundoff at 256 bits, 2^−256.
const U256: f64 = 8.636168555094445e-78;

fn m(x: f64) -> Mpf256 {
    lit(x)
}

fn absf<const P: u32>(x: Mpf<P>) -> f64 {
    to_f64(&x).abs()
}

#[test]
fn mpf_arithmetic_is_correctly_rounded_at_256_bits() {
    use nalgebra::{ComplexField, RealField};
    let two = Mpf256::from_ratio(2, 1);
    let r = two.clone().sqrt();
    assert!(absf(r.clone() * r - two) < 1e-75);
    assert_eq!(Mpf256::ln_10().0, rug::Float::with_val(256, 10).ln());
    assert_eq!(
        Mpf256::pi().0,
        rug::Float::with_val(256, rug::float::Constant::Pi)
    );
    assert_eq!(Mpf256::from_ratio(1, 3).0.prec(), 256);
    // A 6×3 least-squares problem with an exact solution, by nalgebra's generic QR.
    let a = nalgebra::DMatrix::<Mpf256>::from_fn(6, 3, |i, j| m(((i + 1) as f64).powi(j as i32)));
    let x = nalgebra::DVector::<Mpf256>::from_vec(vec![m(1.5), m(-2.0), m(0.25)]);
    let b = a.clone() * x.clone();
    let qr = a.qr();
    let sol = qr
        .r()
        .solve_upper_triangular(&(qr.q().transpose() * b))
        .unwrap();
    for (s, t) in sol.iter().zip(x.iter()) {
        assert!(absf(s.clone() - t.clone()) < 1e-70);
    }
}

#[test]
fn vertex_shift_reference_value_at_256_bits() {
    // δw(0.34, 0.28, log10 16, 15) by the sum form and the closed form at 256
    // bits; the f64 closed form agrees within its derived bound (proofs/06
    // §6.1: u·16/(ln10·0.28) + … ≈ 3.1e-15 here). Printed digits:
    // 0.02273490672565... (issue 2 gives ≈ 0.0227349).
    let w = m(16.0).log10_exact();
    let grid = IsoflopGrid::new(w, 15).unwrap();
    let closed = vertex_shift(&m(0.34), &m(0.28), &grid).unwrap();
    let sum = vertex_shift_sum(&m(0.34), &m(0.28), &grid, &m(0.0)).unwrap();
    assert!(absf(closed.clone() - sum) < 1e-70);
    let f = vertex_shift(&0.34, &0.28, &IsoflopGrid::new(16f64.log10(), 15).unwrap()).unwrap();
    let tol = closed_f64_bound(0.34, 0.28, 0.0, f);
    assert!((to_f64(&closed) - f).abs() <= tol, "{tol:e}");
    assert!((to_f64(&closed) - 0.0227349).abs() < 1e-7);
}

trait Log10Exact {
    fn log10_exact(self) -> Self;
}
impl Log10Exact for Mpf256 {
    fn log10_exact(self) -> Self {
        nalgebra::ComplexField::log10(self)
    }
}

proptest! {
    #![proptest_config(crate::common::cases(128))]

    /// proofs/06 §6.1 over the whole domain, no filter: every shift within
    /// its derived bound and 1e-12, exponents and intercepts within 1e-12.
    #[test]
    fn f64_closed_form_agrees_with_256_bits_to_1e_12(
        surface in (exponent(), exponent()).prop_flat_map(|(a, b)| any_surface(a, b)),
        w in half_width(), n in points(), budgets in budgets(), bias in any_bias(),
    ) {
        // Budgets half a decade apart or more: the intercept extrapolates the
        // line ≤ 25 decades, a gain ≤ ~100 on each shift's error (common.rs).
        let s: LossSurface<Mpf256> = surface.cast();
        let pf = predict_approach2(&surface, &budgets, &IsoflopGrid::new(w, n).unwrap(), &bias)
            .unwrap();
        let bm = SamplingBias::new(m(*bias.drift_rate()), m(*bias.center_scale())).unwrap();
        let cs: Vec<Mpf256> = budgets.iter().map(|&c| m(c)).collect();
        let pm = predict_approach2(&s, &cs, &IsoflopGrid::new(m(w), n).unwrap(), &bm).unwrap();
        let (alpha, beta) = (*surface.alpha(), *surface.beta());
        let grid_m = IsoflopGrid::new(m(w), n).unwrap();
        for ((a, b), o) in pf.shifts.iter().zip(&pm.shifts).zip(bias.offsets(&budgets)) {
            // (6.1) is the closed form's error for the same f64 offset; the
            // f64 offsets themselves are rounded (log10 C over a spread of
            // log10 C), which the pipeline comparison below includes.
            let exact = vertex_shift_offset(&m(alpha), &m(beta), &grid_m, &m(o)).unwrap();
            let err = (a - to_f64(&exact)).abs();
            prop_assert!(err <= closed_f64_bound(alpha, beta, o, *a), "{err:e} at o = {o}");
            let err = (a - to_f64(b)).abs();
            prop_assert!(err <= AGREE_F64, "{err:e}");
        }
        for (a, b) in [
            (pf.n_law.exponent, &pm.n_law.exponent),
            (pf.d_law.exponent, &pm.d_law.exponent),
            (pf.n_law.intercept, &pm.n_law.intercept),
            (pf.d_law.intercept, &pm.d_law.intercept),
        ] {
            prop_assert!((a - to_f64(b)).abs() <= AGREE_F64, "{a} {b:?}");
        }
    }
}

proptest! {
    #![proptest_config(crate::common::cases(32))]

    /// The numerical fit, the grid sum and the closed form at 256 bits, over
    /// any surface, n ≤ 101, any budgets and offsets: the fit within the
    /// derived bound of proofs/06 §6.2 at u = 2^−256, the sum form within
    /// 1e-60; and the f64 fit within the same bound at u = 2^−53.
    #[test]
    fn closed_form_and_numerical_approach2_agree_at_256_bits(
        sf in (exponent(), exponent()).prop_flat_map(|(a, b)| any_surface(a, b)),
        w in half_width(), n in points(), budgets in any_budgets(), bf in any_bias(),
    ) {
        let surface: LossSurface<Mpf256> = sf.cast();
        let grid = IsoflopGrid::new(m(w), n).unwrap();
        let bias = SamplingBias::new(m(*bf.drift_rate()), m(*bf.center_scale())).unwrap();
        let cs: Vec<Mpf256> = budgets.iter().map(|&c| m(c)).collect();
        let pts = sample_isoflops(&surface, &cs, &grid, &bias).unwrap();
        let fit = fit_approach2(&pts).unwrap();
        let pred = predict_approach2(&surface, &cs, &grid, &bias).unwrap();
        // The bound's ingredients (L, c₂, log10 N, gains) to f64 accuracy.
        let gf = IsoflopGrid::new(w, n).unwrap();
        let pts_f = sample_isoflops(&sf, &budgets, &gf, &bf).unwrap();
        let shifts_f: Vec<f64> = pred.shifts.iter().map(to_f64).collect();
        let b256 = fit_bound(&sf, &budgets, &gf, &bf, &pts_f, &shifts_f, (U256, 1e-70));
        for (a, b, tol) in [
            (&fit.n_law.exponent, &pred.n_law.exponent, b256.exponent),
            (&fit.d_law.exponent, &pred.d_law.exponent, b256.exponent),
            (&fit.n_law.intercept, &pred.n_law.intercept, b256.intercept),
            (&fit.d_law.intercept, &pred.d_law.intercept, b256.intercept),
        ] {
            let err = absf(a.clone() - b.clone());
            prop_assert!(err <= tol, "{err:e} > {tol:e}");
        }
        for ((v, dw), tol) in fit.vertices.iter().zip(&pred.shifts).zip(&b256.vertex) {
            let err = absf(v.log10_n_opt.clone() - surface.log10_n_opt(&v.budget) - dw.clone());
            prop_assert!(err <= *tol, "{err:e} > {tol:e}");
        }
        // The sum form agrees too, budget by budget.
        for (o, dw) in bias.offsets(&cs).iter().zip(&pred.shifts) {
            let s = vertex_shift_sum(surface.alpha(), surface.beta(), &grid, o).unwrap();
            prop_assert!(absf(s - dw.clone()) <= AGREE_256);
        }
        // The f64 fit of the same case against the exact shifts.
        let b64 = fit_bound(&sf, &budgets, &gf, &bf, &pts_f, &shifts_f, (U64, CLOSED_F64));
        match fit_approach2(&pts_f) {
            Ok(ff) => {
                for ((v, dw), tol) in ff.vertices.iter().zip(&pred.shifts).zip(&b64.vertex) {
                    let num = v.log10_n_opt - sf.log10_n_opt(&v.budget);
                    prop_assert!((num - to_f64(dw)).abs() <= *tol, "{num} {dw:?} {tol:e}");
                }
                prop_assert!((ff.n_law.intercept - to_f64(&pred.n_law.intercept)).abs()
                    <= b64.intercept);
                prop_assert!((ff.n_law.exponent - to_f64(&pred.n_law.exponent)).abs()
                    <= b64.exponent);
            }
            Err(e) => prop_assert!(b64.vertex.iter().any(|b| *b >= 1e-6 * w), "{e}"),
        }
    }
}

#[test]
fn small_width_expansion_has_a_sixth_order_remainder() {
    // Halving W divides the remainder after one term by 2^4 and after two
    // terms by 2^6, up to the next correction (relative O(W²) ≈ 1e-3 here).
    for (alpha, beta, n) in [
        (0.34, 0.28, 15),
        (0.465, 0.155, 7),
        (0.1, 0.9, 101),
        (0.9, 0.05, 3),
    ] {
        let exp = vertex_shift_small_width(&m(alpha), &m(beta), Some(n)).unwrap();
        let rem = |w: f64, two: bool| {
            let w = m(w);
            let g = IsoflopGrid::new(w.clone(), n).unwrap();
            let dw = vertex_shift(&m(alpha), &m(beta), &g).unwrap();
            to_f64(
                &(dw - if two {
                    exp.two_term(&w)
                } else {
                    exp.leading(&w)
                }),
            )
        };
        let r4 = rem(0.01, false) / rem(0.005, false);
        let r6 = rem(0.01, true) / rem(0.005, true);
        assert!(
            (r4 / 16.0 - 1.0).abs() < 0.01,
            "leading remainder ratio {r4}"
        );
        assert!(
            (r6 / 64.0 - 1.0).abs() < 0.01,
            "two-term remainder ratio {r6}"
        );
    }
}

#[test]
fn special_functions_match_direct_forms_at_high_precision() {
    // Series branch (|y| < 1) and direct branch (|y| ≥ 1) at 256 bits against
    // the direct forms at 1024 bits, where their cancellation (15/y⁴ ulps, at
    // most 1.5e13 here) still leaves > 250 digits.
    let s256 = CothSeries::<Mpf256>::new();
    let s64 = CothSeries::<f64>::new();
    for y in [
        1e-3, 0.01, 0.1, 0.3, 0.49, 0.5, 0.7, 0.99, 1.0, 1.5, 2.0, 5.0,
    ] {
        let yb: Mpf<1024> = lit(y);
        let phi_direct = {
            use nalgebra::ComplexField;
            (yb.clone() / yb.clone().tanh() - Mpf::<1024>::from_ratio(1, 1))
                / (yb.clone() * yb.clone())
        };
        let kt_direct = {
            use nalgebra::ComplexField;
            let sh = yb.clone().sinh();
            Mpf::<1024>::from_ratio(1, 3)
                - Mpf::<1024>::from_ratio(1, 1) / (yb.clone() * yb.clone())
                + Mpf::<1024>::from_ratio(1, 1) / (sh.clone() * sh)
        };
        let phi = s256.phi(&m(y));
        let kt = s256.k_tilde(&m(y));
        let rel = |a: &Mpf256, b: &Mpf<1024>| {
            let d = rug::Float::with_val(1024, &a.0 - &b.0) / &b.0;
            d.to_f64().abs()
        };
        assert!(rel(&phi, &phi_direct) < 1e-70, "phi({y})");
        assert!(rel(&kt, &kt_direct) < 1e-70, "k_tilde({y})");
        // f64 (proofs/03 §3.5): the series within a few ulps; the direct
        // forms above |y| = 1 lose at most 3/y² ulps (φ) and 15/y⁴ (k̃),
        // plus a few for tanh and sinh.
        let eps = f64::EPSILON;
        let (e_phi, e_kt) = (
            (s64.phi(&y) / phi_direct.0.to_f64() - 1.0).abs(),
            (s64.k_tilde(&y) / kt_direct.0.to_f64() - 1.0).abs(),
        );
        assert!(e_phi <= 8.0 * eps, "f64 phi({y}): {e_phi:e}");
        assert!(e_kt <= 24.0 * eps, "f64 k_tilde({y}): {e_kt:e}");
    }
    // J terms with 16(J+1)·π^(−2J) ≤ machine epsilon (proofs/03 §3.5): 19 and 81.
    assert_eq!((s64.terms(), s256.terms()), (19, 81));
    for (terms, eps) in [(s64.terms(), f64::EPSILON), (s256.terms(), 2f64.powi(-255))] {
        let tail = |j: usize| 16.0 * (j as f64 + 1.0) * std::f64::consts::PI.powi(-2 * j as i32);
        assert!(tail(terms) <= eps && tail(terms - 1) > eps, "{terms}");
    }
}

/// |a_j| = 2ζ(2j)·π^(−2j) (proofs/03 §3.5), the coefficients of y·coth y:
/// a_1 = 1/3, a_2 = −1/45, a_3 = 2/945, and the ζ form for every j kept.
#[test]
fn coth_series_coefficients_are_two_zeta_over_pi_powers() {
    use rug::ops::Pow;
    use rug::Float;
    let s = CothSeries::<Mpf256>::new();
    let a = s.coefficients();
    for (j, exact) in [(1, (1, 3)), (2, (-1, 45)), (3, (2, 945))] {
        let q = Mpf256::from_ratio(exact.0, exact.1);
        assert!(absf(a[j - 1].clone() - q) < 1e-75, "a_{j}");
    }
    let pi = Float::with_val(256, rug::float::Constant::Pi);
    for (i, aj) in a.iter().enumerate() {
        let j = (i + 1) as u32;
        let zeta = Float::with_val(256, Float::zeta_u(2 * j));
        let expect = Float::with_val(256, 2 * zeta / pi.clone().pow(2 * j));
        let got = Float::with_val(256, aj.0.abs_ref());
        let rel = Float::with_val(256, (got - &expect) / &expect)
            .to_f64()
            .abs();
        // The recursion's rounding grows with j (alternating sums of ~j terms).
        assert!(rel < 1e-70, "a_{j}: {rel:e}");
        assert_eq!(
            aj.0.is_sign_negative(),
            j.is_multiple_of(2),
            "sign of a_{j}"
        );
    }
}

#[test]
fn power_sums_match_their_closed_forms() {
    // Σ_i (2i − (n−1))^k for k = 2, 4, 6, exactly in integers (proofs 03 eq. 3.3, 04 eq. 4.6).
    for n in 2i128..=200 {
        let s = |k: u32| (0..n).map(|i| (2 * i - (n - 1)).pow(k)).sum::<i128>();
        assert_eq!(s(2) * 3, n * (n * n - 1));
        assert_eq!(s(4) * 15, n * (n * n - 1) * (3 * n * n - 7));
        assert_eq!(
            s(6) * 21,
            n * (n * n - 1) * (3 * n.pow(4) - 18 * n * n + 31)
        );
    }
}

#[test]
fn loss_surface_identities_hold_at_256_bits() {
    for preset in scaling_laws::models::Preset::ALL {
        let s = LossSurface::<Mpf256>::preset(preset);
        for c in [m(1e17), m(3.3e21), m(1e25)] {
            let n = s.n_opt(&c);
            let d = s.d_opt(&c);
            // C = 6 N* D*, the optimality condition αA N^-α = βB D^-β, and L_opt = L(N*, D*).
            assert!(absf((m(6.0) * n.clone() * d.clone() - c.clone()) / c.clone()) < 1e-70);
            let lhs = s.alpha().clone()
                * s.a().clone()
                * nalgebra::ComplexField::powf(n.clone(), -s.alpha().clone());
            let rhs = s.beta().clone()
                * s.b().clone()
                * nalgebra::ComplexField::powf(d.clone(), -s.beta().clone());
            assert!(absf((lhs.clone() - rhs) / lhs) < 1e-70);
            assert!(absf(s.loss(&n, &d) - s.loss_opt(&c)) < 1e-70);
            let back = s.compute_for_loss(&s.loss_opt(&c)).unwrap();
            assert!(absf((back - c.clone()) / c) < 1e-65);
        }
    }
}

/// VPNLS's error at each rung stays within this many ε of that precision:
/// the column-equilibrated design has condition ≤ 15 on the standard case
/// and the reduced problem's Jacobian adds the exponents' sensitivity
/// (measured 10–25 ε at 53, 64, 128 and 256 bits); 1e3 ε leaves a margin
/// of 40× while still failing for any error that does not scale with ε.
const VPNLS_EPS_MULTIPLE: f64 = 1e3;

#[test]
fn vpnls_error_falls_with_precision_while_approach2_error_does_not() {
    use scaling_laws::fitters::vpnls::vpnls_precision_ladder;
    use scaling_laws::fitters::{FitStatus, VpnlsParams};
    use scaling_laws::models::Preset;
    // Asymmetric surface with drift: Approach 2's exponent carries the
    // vertex-shift bias (structural), VPNLS has none.
    let s = LossSurface::<f64>::preset(Preset::Asymmetric);
    let grid = IsoflopGrid::new(8f64.log10(), 15).unwrap();
    let bias = SamplingBias::named("drift_0.2").unwrap();
    let ladder = vpnls_precision_ladder(
        &s,
        &default_budgets(),
        &grid,
        &bias,
        &VpnlsParams::default(),
    )
    .unwrap();
    let bits: Vec<u32> = ladder.iter().map(|r| r.bits).collect();
    assert_eq!(bits, [53, 64, 128, 256]);
    for r in &ladder {
        let eps = 2f64.powi(1 - r.bits as i32);
        assert_eq!(r.vpnls_status, FitStatus::Converged, "{} bits", r.bits);
        assert!(
            r.vpnls_max_rel_error <= VPNLS_EPS_MULTIPLE * eps,
            "{} bits: {:e}",
            r.bits,
            r.vpnls_max_rel_error
        );
        // Approach 2's exponent error is the same at every precision: it is
        // the vertex shift, not rounding.
        let a2 = ladder[0].approach2_a_rel_error;
        assert!(a2 > 1e-3, "{a2:e}");
        assert!(
            (r.approach2_a_rel_error - a2).abs() <= 1e-12 * a2,
            "{} bits: {:e} vs {a2:e}",
            r.bits,
            r.approach2_a_rel_error
        );
    }
    // The bar: ≤ 1e-30 at 128 bits, smaller still at 256.
    assert!(ladder[2].vpnls_max_rel_error <= 1e-30);
    assert!(ladder[3].vpnls_max_rel_error <= 1e-60);
}

#[test]
fn vpnls_refinement_at_128_bits_recovers_every_preset_from_the_f64_answer() {
    use scaling_laws::fitters::{fit_vpnls, refine_vpnls, FitStatus, SurfaceData, VpnlsParams};
    use scaling_laws::models::Preset;
    type Mpf128 = Mpf<128>;
    let eps = 2f64.powi(-127);
    for preset in Preset::ALL {
        let sf = LossSurface::<f64>::preset(preset);
        let s: LossSurface<Mpf128> = sf.cast();
        let grid = IsoflopGrid::new(lit::<Mpf128>(2f64.log10() * 4.0), 15).unwrap();
        let pts = sample_isoflops(&s, &default_budgets(), &grid, &SamplingBias::none()).unwrap();
        let n: Vec<Mpf128> = pts.iter().map(|p| p.n.clone()).collect();
        let d: Vec<Mpf128> = pts.iter().map(|p| p.d.clone()).collect();
        let l: Vec<Mpf128> = pts.iter().map(|p| p.loss.clone()).collect();
        let data = SurfaceData::new(&n, &d, &l).unwrap();
        // The f64 answer on the f64 data of the same surface.
        let nf: Vec<f64> = n.iter().map(to_f64).collect();
        let df: Vec<f64> = d.iter().map(to_f64).collect();
        let lf: Vec<f64> = l.iter().map(to_f64).collect();
        let f64_fit = fit_vpnls(
            &SurfaceData::new(&nf, &df, &lf).unwrap(),
            &VpnlsParams::default(),
        )
        .unwrap();
        let fit = refine_vpnls(
            &data,
            (lit(f64_fit.alpha), lit(f64_fit.beta)),
            &VpnlsParams::default(),
        )
        .unwrap();
        assert_eq!(fit.status, FitStatus::Converged, "{}", preset.name());
        for (g, t) in [
            (&fit.e, s.e()),
            (&fit.a, s.a()),
            (&fit.b, s.b()),
            (&fit.alpha, s.alpha()),
            (&fit.beta, s.beta()),
        ] {
            let err = absf((g.clone() - t.clone()) / t.clone());
            assert!(
                err <= VPNLS_EPS_MULTIPLE * eps,
                "{}: {err:e}",
                preset.name()
            );
        }
    }
}
