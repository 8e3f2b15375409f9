//! Published IsoFLOP studies (issue 12): QC flags, known fits, bootstrap
//! determinism, the FLOP factor and the cost of Approach 2.
//!
//! The tests on the published files are in `tests/data/isoflops.rs`.

use nalgebra::ComplexField;
use proptest::prelude::*;
use scaling_laws::models::LossSurface;
use scaling_laws::numerics::mpf::Mpf;
use scaling_laws::numerics::student_t::{two_sided_critical_value, two_sided_probability};
use scaling_laws::numerics::{lit, to_f64};
use scaling_laws::studies::isoflops::cost::{
    published_surfaces, simulate_costs, LLAMA3_405B_BUDGET,
};
use scaling_laws::studies::isoflops::qc::{akima, fit_quadratic};
use scaling_laws::studies::isoflops::residuals::flop_factor;

type M = Mpf<256>;

#[test]
#[allow(clippy::excessive_precision)]
fn student_t_quantiles_match_tables() {
    // Two-sided 95 % critical values t_{0.975, ν} from mpmath at 40 digits
    // (the root of 1 − I_{ν/(ν+t²)}(ν/2, 1/2)/2 = 0.975, an independent
    // route through the incomplete beta function):
    //   import mpmath as mp; mp.mp.dps = 40
    //   cdf = lambda t, nu: 1 - mp.betainc(nu/2, 0.5, 0, nu/(nu+t*t), regularized=True)/2
    //   mp.findroot(lambda t: cdf(t, nu) - mp.mpf('0.975'), 2.5)
    let table = [
        (1, 12.706204736174704646),
        (2, 4.3026527297494638523),
        (3, 3.1824463052837095927),
        (4, 2.7764451051977943578),
        (5, 2.5705818356363155147),
        (10, 2.2281388519862747484),
        (20, 2.0859634472658648427),
        (30, 2.04227245630123831),
    ];
    for (nu, t) in table {
        let ours = two_sided_critical_value(0.95f64, nu).unwrap();
        assert!((ours - t).abs() < 1e-12 * t, "ν = {nu}: {ours} vs {t}");
    }
    assert!(two_sided_critical_value(1.0f64, 3).is_none());
    assert!(two_sided_critical_value(0.0f64, 3).is_none());
}

#[test]
fn student_t_probability_inverts_its_quantile_at_256_bits() {
    for nu in [1u32, 2, 3, 7, 12, 25] {
        let level = lit::<M>(0.95);
        let t = two_sided_critical_value(level.clone(), nu).unwrap();
        let back = two_sided_probability(t, nu);
        let err = to_f64(&(back - level).abs());
        assert!(err < 1e-70, "ν = {nu}: {err:e}");
    }
}

#[test]
fn student_t_with_many_degrees_of_freedom_tends_to_the_normal() {
    // ν → ∞: P(|T| ≤ 1.959963984540054) → 0.95 (the normal quantile); at
    // ν = 10⁴ the difference is O(1/ν).
    let p = two_sided_probability(1.959963984540054f64, 10_000);
    assert!((p - 0.95).abs() < 1e-4);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn quadratic_fit_standard_error_matches_the_normal_equations(
        a in 0.01f64..1.0, b in -1.0f64..1.0, n in 4usize..20, seed in 0u64..1000,
    ) {
        // Noisy parabola on x ∈ [20, 24] (ln N scale); the covariance of the
        // coefficients by the normal equations in 256 bits.
        let mut rng = scaling_laws::sampling::noise::Rng::new(seed);
        let x: Vec<f64> = (0..n).map(|i| 20.0 + 4.0 * i as f64 / (n - 1) as f64).collect();
        let y: Vec<f64> = x.iter().map(|&u| a * (u - 22.0).powi(2) + b * (u - 22.0) + 1.0 + 0.01 * rng.normal()).collect();
        let q = fit_quadratic(&x, &y).unwrap();
        let xm: Vec<M> = x.iter().map(|&u| lit::<M>(u)).collect();
        let ym: Vec<M> = y.iter().map(|&u| lit::<M>(u)).collect();
        let design = nalgebra::DMatrix::from_fn(n, 3, |i, j| [xm[i].clone() * xm[i].clone(), xm[i].clone(), lit::<M>(1.0)][j].clone());
        let rhs = nalgebra::DVector::from_vec(ym);
        let gram = design.transpose() * &design;
        let inv = gram.try_inverse().unwrap();
        let coef = &inv * (design.transpose() * &rhs);
        let resid = &design * &coef - rhs;
        let rss = resid.dot(&resid);
        let var_a = inv[(0, 0)].clone() * rss / lit::<M>((n - 3) as f64);
        let a_ref = to_f64(&coef[0]);
        let se_ref = to_f64(&var_a.sqrt());
        prop_assert!((q.a - a_ref).abs() < 1e-8 * a_ref.abs().max(1.0), "{} vs {}", q.a, a_ref);
        prop_assert!((q.se_a - se_ref).abs() < 1e-6 * se_ref, "{} vs {}", q.se_a, se_ref);
    }
}

#[test]
fn akima_interpolates_its_nodes_and_is_exact_on_lines() {
    let x = [0.0, 1.0, 2.5, 3.0, 4.5, 6.0];
    let y = [1.0, 2.0, 0.5, 0.7, 3.0, 2.0];
    for k in 0..x.len() {
        assert!((akima(&x, &y, x[k]) - y[k]).abs() < 1e-14);
    }
    let line: Vec<f64> = x.iter().map(|u| 2.0 * u - 1.0).collect();
    for at in [-1.0, 0.3, 2.0, 5.0, 7.5] {
        assert!(
            (akima(&x, &line, at) - (2.0 * at - 1.0)).abs() < 1e-12,
            "at {at}"
        );
    }
}

#[test]
fn closed_form_and_simulated_costs_agree() {
    // Noise-free simulation: the closed form predicts Approach 2's fit
    // exactly (proofs/05), so both allocations agree to rounding.
    let rows = simulate_costs(&published_surfaces(), LLAMA3_405B_BUDGET).unwrap();
    assert_eq!(rows.len(), 3 * 2 * 4);
    for r in &rows {
        let (s, c) = (&r.simulated, &r.closed_form);
        assert!(
            (s.d_inferred / c.d_inferred - 1.0).abs() < 1e-9,
            "{} {} {}",
            r.surface,
            r.bias,
            r.width
        );
        assert!(s.wasted_flops > 0.0 && c.wasted_flops > 0.0);
        assert!(
            (s.wasted_flops / c.wasted_flops - 1.0).abs() < 1e-5,
            "{} {} {}: {} vs {}",
            r.surface,
            r.bias,
            r.width,
            s.wasted_flops,
            c.wasted_flops
        );
    }
}

#[test]
fn flop_factor_recovers_the_factor_that_generated_the_data() {
    for k in [4.0, 6.0, 8.5] {
        let s = LossSurface::<f64>::chinchilla();
        let c = 1e21;
        let n = [1e8, 2e8, 5e8, 1e9, 3e9];
        let l: Vec<f64> = n.iter().map(|&n| s.loss(&n, &(c / (k * n)))).collect();
        let (kappa, kf) = flop_factor(&s, c, &n, &l);
        assert!((kf / k - 1.0).abs() < 1e-12, "{kf} vs {k}");
        assert!((kappa - k.powf(*s.beta())).abs() < 1e-12 * kappa);
        let sm = s.cast::<M>();
        let km = lit::<M>(k);
        let cm = lit::<M>(c);
        let nm: Vec<M> = n.iter().map(|&v| lit::<M>(v)).collect();
        let lm: Vec<M> = nm
            .iter()
            .map(|v| sm.loss(v, &(cm.clone() / (km.clone() * v.clone()))))
            .collect();
        let (_, kfm) = flop_factor(&sm, cm, &nm, &lm);
        let err = to_f64(&((kfm - km.clone()) / km).abs());
        assert!(err < 1e-70, "{err:e}");
    }
}

fn run_cli(args: &[&str]) -> (bool, Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(args)
        .env_remove("SCALING_LAWS_DATA")
        .output()
        .unwrap();
    (
        out.status.success(),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn experiment_11_without_data_runs_the_simulation_and_says_what_it_skipped() {
    let dir = std::env::temp_dir().join(format!("sl-exp11-{}", std::process::id()));
    let (ok, _, out, err) = run_cli(&["experiment", "11", "--out", dir.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("skipped: no IsoFLOP file"), "{out}");
    assert!(dir.join("exp11").join("simulated_costs.csv").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn commands_without_published_data_name_the_file_and_where_it_is_published() {
    // SCALING_LAWS_DATA is removed by run_cli; no --data is given.
    for (args, needles) in [
        (
            vec!["isoflops", "--json"],
            ["isoflops/isoflops.csv", "Open-Athena/scaling-law-analysis"],
        ),
        (
            vec!["isoflops", "residuals"],
            ["isoflops/isoflops.csv", "Open-Athena/scaling-law-analysis"],
        ),
        (
            vec!["dark-matter", "--out", "unused-dir"],
            [
                "chinchilla/svg_extracted_data.csv",
                "epoch-research/analyzing-chinchilla",
            ],
        ),
    ] {
        let (ok, code, out, err) = run_cli(&args);
        assert!(!ok && code == Some(2), "{args:?}: {code:?} {out}");
        assert!(out.is_empty(), "{args:?}: {out}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: {err}");
        }
        assert!(err.contains("SCALING_LAWS_DATA is unset"), "{err}");
        assert!(!err.contains("../shared"), "{err}");
    }
    assert!(!std::path::Path::new("unused-dir").exists());
}

#[test]
fn isoflops_a_budget_approach2_cannot_fit_is_dropped_for_approach2_only() {
    // Synthetic: the Chinchilla surface on 5 budgets, the 1e19 budget's
    // losses replaced by a downward parabola in log10 N. Approach 2 drops
    // that budget (with its reason) and fits the other four; the corrected
    // method runs on the same four; VPNLS and Approach 3 use every point.
    use scaling_laws::fitters::approach2::Approach2Error;
    use scaling_laws::fitters::{fit_approach2, fit_vpnls, SurfaceData, VpnlsParams};
    use scaling_laws::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};
    use scaling_laws::studies::isoflops::fits::estimate;
    let s = LossSurface::<f64>::chinchilla();
    let grid = IsoflopGrid::new(8f64.log10(), 15).unwrap();
    let mut pts = sample_isoflops(&s, &default_budgets(), &grid, &SamplingBias::none()).unwrap();
    let bad = 1e19;
    assert!(pts.iter().any(|p| p.budget == bad));
    let mean = {
        let xs: Vec<f64> = pts
            .iter()
            .filter(|p| p.budget == bad)
            .map(|p| p.n.log10())
            .collect();
        xs.iter().sum::<f64>() / xs.len() as f64
    };
    for p in pts.iter_mut().filter(|p| p.budget == bad) {
        p.loss = 3.0 - 0.05 * (p.n.log10() - mean).powi(2);
    }
    assert!(fit_approach2(&pts).is_err());
    let est = estimate(&pts, "synthetic").unwrap();
    assert_eq!(est.dropped_budgets.len(), 1);
    assert_eq!(est.dropped_budgets[0].0, bad);
    assert!(matches!(
        est.dropped_budgets[0].1,
        Approach2Error::NonPositiveCurvature { .. }
    ));
    let kept: Vec<_> = pts.iter().filter(|p| p.budget != bad).cloned().collect();
    assert_eq!(
        est.approach2.as_ref().unwrap(),
        &fit_approach2(&kept).unwrap()
    );
    assert_eq!(est.approach2.as_ref().unwrap().vertices.len(), 4);
    let vp = fit_vpnls(
        &SurfaceData::from_points(&pts).unwrap(),
        &VpnlsParams::default(),
    )
    .unwrap();
    assert_eq!(est.vpnls, vp);
    // With fewer than two budgets left Approach 2 reports why and the
    // others still fit.
    let two: Vec<_> = pts
        .iter()
        .filter(|p| p.budget == bad || p.budget == default_budgets::<f64>()[0])
        .cloned()
        .collect();
    let est = estimate(&two, "synthetic").unwrap();
    assert!(matches!(
        est.approach2,
        Err(Approach2Error::TooFewBudgets { .. })
    ));
    assert!(est.vpnls.rss.is_finite());
}
