//! The loss surface and its compute-optimal allocation (proofs/01).

use proptest::prelude::*;
use scaling_laws::models::{LossSurface, ModelError, Preset};

use crate::common::exponent;

fn surface() -> impl Strategy<Value = LossSurface<f64>> {
    (0.5f64..3.0, 10f64..1e4, 10f64..1e4, exponent(), exponent())
        .prop_map(|(e, a, b, al, be)| LossSurface::new(e, a, b, al, be).unwrap())
}

proptest! {
    #[test]
    fn optimal_allocation_minimises_loss_along_the_budget(s in surface(), lc in 15f64..25.0) {
        let c = 10f64.powf(lc);
        let (n, d) = (s.n_opt(&c), s.d_opt(&c));
        prop_assert!((6.0 * n * d / c - 1.0).abs() < 1e-12);
        let at = |k: f64| { let nn = n * 10f64.powf(k); s.loss(&nn, &(c / (6.0 * nn))) };
        let l0 = at(0.0);
        for h in [1e-3, 1e-2, 0.1, 1.0] {
            prop_assert!(at(h) > l0 && at(-h) > l0);
        }
        // Optimality condition (1.1).
        let lhs = s.alpha() * s.a() * n.powf(-s.alpha());
        let rhs = s.beta() * s.b() * d.powf(-s.beta());
        prop_assert!((lhs / rhs - 1.0).abs() < 1e-12);
    }

    #[test]
    fn log10_intercepts_match_the_power_laws(s in surface(), lc in 15f64..25.0) {
        let c = 10f64.powf(lc);
        prop_assert!((s.log10_n_opt(&c) - s.n_opt(&c).log10()).abs() < 1e-12);
        prop_assert!((s.log10_d_opt(&c) - s.d_opt(&c).log10()).abs() < 1e-12);
        prop_assert!((s.exponent_a() + s.exponent_b() - 1.0).abs() < 1e-15);
        prop_assert!((s.log10_g() - s.g().log10()).abs() < 1e-12);
    }

    #[test]
    fn optimal_loss_matches_the_surface_at_the_optimum(s in surface(), lc in 15f64..25.0) {
        let c = 10f64.powf(lc);
        let direct = s.loss(&s.n_opt(&c), &s.d_opt(&c));
        prop_assert!((s.loss_opt(&c) - direct).abs() <= 1e-13 * direct);
    }

    #[test]
    fn compute_for_loss_inverts_optimal_loss(s in surface(), lc in 15f64..25.0) {
        let c = 10f64.powf(lc);
        let back = s.compute_for_loss(&s.loss_opt(&c)).unwrap();
        // Conditioning: dC/C = dL/(γ (L − E)); allow 1e-13 relative in L.
        let l = s.loss_opt(&c);
        let tol = 1e-13 * l / (s.gamma() * (l - s.e()));
        prop_assert!((back / c - 1.0).abs() <= tol, "{back} {c}");
    }
}

#[test]
fn presets_have_their_published_values() {
    let c = LossSurface::<f64>::chinchilla();
    assert_eq!(
        (*c.e(), *c.a(), *c.b(), *c.alpha(), *c.beta()),
        (1.69, 406.4, 410.7, 0.34, 0.28)
    );
    let a = LossSurface::<f64>::preset(Preset::Asymmetric);
    assert!((a.alpha() - 0.465).abs() < 1e-15 && (a.beta() - 0.155).abs() < 1e-15);
    for p in Preset::ALL {
        let s = LossSurface::<f64>::preset(p);
        assert_eq!(Preset::from_name(p.name()).unwrap(), p);
        if p != Preset::Symmetric {
            assert!((s.alpha() + s.beta() - 0.62).abs() < 1e-15, "{}", p.name());
        }
    }
    let r = LossSurface::<f64>::preset(Preset::Ratio9);
    assert!((r.alpha() / r.beta() - 9.0).abs() < 1e-12);
}

#[test]
fn invalid_parameters_are_typed_errors_naming_the_value() {
    let e = LossSurface::new(1.69, 406.4, -3.0, 0.34, 0.28).unwrap_err();
    assert_eq!(
        e,
        ModelError::NotPositiveFinite {
            name: "B",
            value: -3.0
        }
    );
    assert!(e.to_string().contains("-3"));
    assert!(matches!(
        LossSurface::new(f64::NAN, 1.0, 1.0, 0.3, 0.3),
        Err(ModelError::NotPositiveFinite { name: "E", .. })
    ));
    assert!(matches!(
        LossSurface::new(1.0, 1.0, 1.0, f64::INFINITY, 0.3),
        Err(ModelError::NotPositiveFinite { name: "alpha", .. })
    ));
    let s = LossSurface::<f64>::chinchilla();
    assert!(matches!(
        s.compute_for_loss(&1.69),
        Err(ModelError::LossNotAboveIrreducible { .. })
    ));
    assert!(matches!(
        Preset::from_name("chinchila"),
        Err(ModelError::UnknownPreset { .. })
    ));
}
