//! VPNLS recovers noise-free surfaces.

use proptest::prelude::*;
use scaling_laws::fitters::{fit_vpnls, FitError, FitStatus, SurfaceData, VpnlsParams};
use scaling_laws::models::{LossSurface, Preset};
use scaling_laws::sampling::*;

fn data(s: &LossSurface<f64>, w: f64, n: usize, bias: &SamplingBias<f64>) -> SurfaceData<f64> {
    let pts = sample_isoflops(
        s,
        &default_budgets(),
        &IsoflopGrid::new(w, n).unwrap(),
        bias,
    )
    .unwrap();
    let (ns, ds, ls): (Vec<f64>, Vec<f64>, Vec<f64>) = pts.iter().map(|p| (p.n, p.d, p.loss)).fold(
        (vec![], vec![], vec![]),
        |mut acc, (a, b, c)| {
            acc.0.push(a);
            acc.1.push(b);
            acc.2.push(c);
            acc
        },
    );
    SurfaceData::new(&ns, &ds, &ls).unwrap()
}

fn max_rel_error(s: &LossSurface<f64>, f: &scaling_laws::fitters::SurfaceFit<f64>) -> f64 {
    [
        (f.e, *s.e()),
        (f.a, *s.a()),
        (f.b, *s.b()),
        (f.alpha, *s.alpha()),
        (f.beta, *s.beta()),
    ]
    .iter()
    .map(|(g, t)| (g / t - 1.0).abs())
    .fold(0.0, f64::max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn vpnls_recovers_every_preset_surface_without_noise(
        preset in proptest::sample::select(Preset::ALL.to_vec()),
        w in 0.3f64..=2.0,
        bias in proptest::sample::select(SamplingBias::<f64>::NAMES.to_vec()),
    ) {
        let s = LossSurface::<f64>::preset(preset);
        let d = data(&s, w, 15, &SamplingBias::named(bias).unwrap());
        let f = fit_vpnls(&d, &VpnlsParams::default()).unwrap();
        prop_assert_eq!(f.status, FitStatus::Converged);
        let err = max_rel_error(&s, &f);
        // Issue 3: ≤ 1e-12 relative for all five parameters in f64.
        prop_assert!(err <= 1e-12, "{} W={w} {bias}: max relative error {err:e}", preset.name());
    }
}

#[test]
fn surface_data_rejects_bad_input_with_the_location() {
    assert_eq!(
        SurfaceData::new(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]),
        Err(FitError::TooFewPoints { needed: 4, got: 3 })
    );
    let bad = SurfaceData::new(
        &[1.0, 2.0, 3.0, 4.0],
        &[1.0, 2.0, -3.0, 4.0],
        &[1.0, 2.0, 3.0, 4.0],
    );
    assert_eq!(
        bad,
        Err(FitError::BadPoint {
            index: 2,
            field: "D",
            value: -3.0
        })
    );
    let flat = SurfaceData::new(&[5.0; 4], &[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(flat, Err(FitError::Degenerate { axis: "N" }));
}
