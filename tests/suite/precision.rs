//! Arbitrary precision: the same generic code at 256 bits (and more).
//!
//! Bounds (proofs/06_precision.md): at 256 bits ε = 2^-255 ≈ 1.7e-77; the
//! worst conditioning on the domain (δw's intrinsic cancellation
//! ~1/(t²W²) ≤ 1e5, times the intercept's extrapolation ≤ 100, times the
//! grid's ~n) leaves > 60 digits, hence `AGREE_256` = 1e-60. The f64 path
//! carries ε = 2.2e-16 through the same factors: proofs/06 §6.1 bounds the
//! f64 closed form's error by ~1e-11 at the worst corner of the domain
//! (α, β → 0.05, W → 0.05), and off-centre grids (|o| ≤ 2W) reach that corner:
//! `AGREE_F64` = 1e-11 on the closed forms (whose inputs are exact) and on
//! the numerical vertex shifts (measured worst 1.6e-12, at α = β = 0.05,
//! W = 0.14, n = 14, over 8192 cases; the bar for f64 is 1e-10).

use proptest::prelude::*;
use scaling_laws::analysis::special::CothSeries;
use scaling_laws::analysis::*;
use scaling_laws::fitters::fit_approach2;
use scaling_laws::models::LossSurface;
use scaling_laws::numerics::mpf::{Mpf, Mpf256, Mpf512};
use scaling_laws::numerics::{lit, to_f64};
use scaling_laws::sampling::*;

use crate::common::*;

const AGREE_256: f64 = 1e-60;
const AGREE_F64: f64 = 1e-11;

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
    // bits; the f64 closed form agrees to 1e-15. Printed digits:
    // 0.02273490672565... (issue 2 gives ≈ 0.0227349).
    let w = m(16.0).log10_exact();
    let grid = IsoflopGrid::new(w, 15).unwrap();
    let closed = vertex_shift(&m(0.34), &m(0.28), &grid).unwrap();
    let sum = vertex_shift_sum(&m(0.34), &m(0.28), &grid, &m(0.0)).unwrap();
    assert!(absf(closed.clone() - sum) < 1e-70);
    let f = vertex_shift(&0.34, &0.28, &IsoflopGrid::new(16f64.log10(), 15).unwrap()).unwrap();
    assert!((to_f64(&closed) - f).abs() < 1e-15);
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
    #![proptest_config(crate::common::cases(24))]

    #[test]
    fn closed_form_and_numerical_approach2_agree_at_256_bits(
        alpha in exponent(), beta in exponent(), w in half_width(), n in 3usize..=25,
        budgets in budgets(), drift in -0.5f64..=0.5, scale in 0.5f64..=3.0,
    ) {
        // A surface whose reducible loss at the budgets' geometric mean is
        // comparable to E, so that f64 losses carry the curvature (the 256-bit
        // path does not need this; the f64 comparison below does).
        let sf = conditioned_surface(alpha, beta, geometric_mean(&budgets), (1.0, 0.0, 1.69));
        let surface: LossSurface<Mpf256> = sf.cast();
        let grid = IsoflopGrid::new(m(w), n).unwrap();
        let bias = SamplingBias::new(m(drift), m(scale)).unwrap();
        let cs: Vec<Mpf256> = budgets.iter().map(|&c| m(c)).collect();
        let pts = sample_isoflops(&surface, &cs, &grid, &bias).unwrap();
        let fit = fit_approach2(&pts).unwrap();
        let pred = predict_approach2(&surface, &cs, &grid, &bias).unwrap();
        prop_assert!(absf(fit.n_law.exponent.clone() - pred.n_law.exponent.clone()) <= AGREE_256);
        prop_assert!(absf(fit.d_law.exponent.clone() - pred.d_law.exponent.clone()) <= AGREE_256);
        prop_assert!(absf(fit.n_law.intercept.clone() - pred.n_law.intercept.clone()) <= AGREE_256);
        prop_assert!(absf(fit.d_law.intercept.clone() - pred.d_law.intercept.clone()) <= AGREE_256);
        // The sum form agrees too, budget by budget.
        for (o, dw) in bias.offsets(&cs).iter().zip(&pred.shifts) {
            let s = vertex_shift_sum(surface.alpha(), surface.beta(), &grid, o).unwrap();
            prop_assert!(absf(s - dw.clone()) <= AGREE_256);
        }
        // The f64 closed form and the f64 numerical fit agree with 256 bits
        // where f64 losses carry the vertex (the grid brackets the optimum).
        let bf = SamplingBias::new(drift, scale).unwrap();
        if !brackets_optimum(&bf, &budgets, w) {
            return Ok(());
        }
        let gf = IsoflopGrid::new(w, n).unwrap();
        let pf = predict_approach2(&sf, &budgets, &gf, &bf).unwrap();
        for (a, b) in pf.shifts.iter().zip(&pred.shifts) {
            prop_assert!((a - to_f64(b)).abs() <= AGREE_F64, "{a} {b}");
        }
        let ff = fit_approach2(&sample_isoflops(&sf, &budgets, &gf, &bf).unwrap()).unwrap();
        for (v, dw) in ff.vertices.iter().zip(&pred.shifts) {
            let num = v.log10_n_opt - sf.log10_n_opt(&v.budget);
            prop_assert!((num - to_f64(dw)).abs() <= AGREE_F64, "{num} {dw}");
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
    // Series branch (|y| < 1/2) at 256 bits vs the direct forms at 1024 bits,
    // where the direct forms' cancellation (15/y⁴ ulps at most 1.5e13 here)
    // still leaves > 250 digits.
    let s256 = CothSeries::<Mpf256>::new();
    let s64 = CothSeries::<f64>::new();
    for y in [1e-3, 0.01, 0.1, 0.3, 0.49, 0.5, 0.7, 2.0, 5.0] {
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
            (a.0.to_f64() - b.0.to_f64()).abs() / b.0.to_f64().abs() + {
                let d = rug::Float::with_val(1024, &a.0 - &b.0) / &b.0;
                d.to_f64().abs()
            }
        };
        assert!(rel(&phi, &phi_direct) < 1e-70, "phi({y})");
        assert!(rel(&kt, &kt_direct) < 1e-70, "k_tilde({y})");
        // f64: within a few hundred ulps (the direct branch's cancellation bound).
        assert!(
            (s64.phi(&y) / phi_direct.0.to_f64() - 1.0).abs() < 1e-14,
            "f64 phi({y})"
        );
        assert!(
            (s64.k_tilde(&y) / kt_direct.0.to_f64() - 1.0).abs() < 1e-13,
            "f64 k_tilde({y})"
        );
    }
    assert!(s64.terms() <= 14 && s256.terms() >= 40);
    let _ = Mpf512::from_ratio(1, 1);
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
