//! The training-curve study's rules (proofs/13 §13.3, §13.5, §13.6, §13.7,
//! §13.11), each made to fire on synthetic data built for it, and not to
//! fire on data beside it, through the public API only
//! (`studies::hitchhiker::analyse_training_curves`, `fit_training_curve`,
//! `gradient_floor`). The well-spanned noise-free law, on which none fires,
//! is `training_curve::analysis_of_a_well_spanned_noise_free_law_has_no_warnings`.

use scaling_laws::fitters::training_curve::{
    fit_training_curve, gradient_floor, smooth_l1, smooth_l1_hessian, CurvePoints,
    TrainingCurveParams, CONVERGED_GRADIENT,
};
use scaling_laws::fitters::FitStatus;
use scaling_laws::io::training_curves::{Curve, CurveSet};
use scaling_laws::models::TrainingCurveLaw;
use scaling_laws::sampling::noise::Rng;
use scaling_laws::studies::hitchhiker::{
    analyse_training_curves, HitchhikerResult, HitchhikerSettings, AGREEMENT_TOLERANCE, MIN_N_SPAN,
};

use crate::training_curve::chinchilla_law;

/// Curves at the sizes `ns`, 25 checkpoints each on 1e8 … 1e11 tokens,
/// losses from `law` plus uniform noise in ±`noise` (seeded).
fn curves(law: &TrainingCurveLaw<f64>, ns: &[f64], noise: f64, seed: u64) -> CurveSet {
    curves_from(law, ns, 1e8, noise, seed)
}

/// As [`curves`], the checkpoints on `d_lo` … 1000·`d_lo` tokens.
fn curves_from(
    law: &TrainingCurveLaw<f64>,
    ns: &[f64],
    d_lo: f64,
    noise: f64,
    seed: u64,
) -> CurveSet {
    let mut rng = Rng::new(seed);
    let curves = ns
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            // The file holds N as an integer: the losses are the law's at it.
            let n = n.round();
            let tokens: Vec<f64> = (0..25)
                .map(|j| d_lo * 10f64.powf(3.0 * j as f64 / 24.0))
                .collect();
            let loss = tokens
                .iter()
                .map(|d| law.loss(&n, d) + noise * rng.uniform_in(-1.0, 1.0))
                .collect();
            Curve {
                n: n.round() as u64,
                label: format!("n{k}"),
                tokens,
                loss,
            }
        })
        .collect();
    CurveSet { curves }
}

/// `k` sizes log-spaced from `lo` to `hi`.
fn sizes(lo: f64, hi: f64, k: usize) -> Vec<f64> {
    (0..k)
        .map(|i| lo * (hi / lo).powf(i as f64 / (k - 1) as f64))
        .collect()
}

fn analyse(set: &CurveSet) -> HitchhikerResult {
    let settings = HitchhikerSettings {
        replicates: 0,
        ..HitchhikerSettings::default()
    };
    analyse_training_curves(set, &settings).unwrap()
}

fn has(r: &HitchhikerResult, text: &str) -> bool {
    r.warnings.iter().any(|w| w.contains(text))
}

/// The verdict is never `converged` when a rule fired.
fn not_converged(r: &HitchhikerResult) {
    assert_ne!(r.status.as_str(), "converged", "{:?}", r.warnings);
}

/// Rule 1 (§13.6): N spanning 2.9× fires "N spans only"; 3.1× does not.
/// The boundary is `MIN_N_SPAN` = 3.
#[test]
fn rule_1_n_span_below_three_fires_and_above_does_not() {
    assert_eq!(MIN_N_SPAN, 3.0);
    let law = chinchilla_law();
    let narrow = analyse(&curves(&law, &sizes(1e8, 2.9e8, 4), 0.0, 0));
    assert!(has(&narrow, "N spans only 2.90x"), "{:?}", narrow.warnings);
    not_converged(&narrow);
    let wide = analyse(&curves(&law, &sizes(1e8, 3.1e8, 4), 0.0, 0));
    assert!(!has(&wide, "N spans only"), "{:?}", wide.warnings);
}

/// Rule 2 (§13.6): a D term far below the noise. The losses do not depend
/// on D beyond 6e-6 (e^B = 1e-3), the noise is ±0.02: whatever D term the
/// fit finds varies by less than the robust residual scale, and the rule
/// says so. The N term (Chinchilla's, varying by 0.5 over 1e7 … 1e9) is
/// identified.
#[test]
fn rule_2_a_term_within_the_noise_fires() {
    let law = TrainingCurveLaw::from_parameters([
        1.69f64.ln(),
        406.4f64.ln(),
        1e-3f64.ln(),
        -0.34,
        -0.28,
    ]);
    let r = analyse(&curves(&law, &sizes(1e7, 1e9, 6), 0.02, 3));
    assert!(
        has(&r, "beta not identified: the D term"),
        "{:?}",
        r.warnings
    );
    assert!(!has(&r, "alpha not identified"), "{:?}", r.warnings);
    not_converged(&r);
}

/// Rule 3 (§13.6): two sizes only (100× apart, so rule 1 is silent). E, A
/// and α enter the losses only through the two values e^E + e^A·N_k^α, so
/// the Jacobian has rank 4 of 5 and the scaled Hessian at a noise-free
/// optimum is singular to rounding: "Hessian near-singular".
#[test]
fn rule_3_a_singular_hessian_fires() {
    let r = analyse(&curves(&chinchilla_law(), &[1e7, 1e9], 0.0, 0));
    assert!(!has(&r, "N spans only"), "{:?}", r.warnings);
    assert!(has(&r, "Hessian near-singular"), "{:?}", r.warnings);
    not_converged(&r);
}

/// Rule 4 (§13.6), and the agreement rule of §13.7: losses that rise with
/// D (β = +0.1, e^B = 0.5, the Chinchilla N term), on 1 … 1000 tokens so
/// that the D term is alive at the start β₀ = −0.2 (on 1e8 … 1e11 tokens
/// a rising term starts below 2e-3 of the loss and the fit switches it off,
/// β → −2, where rule 2 fires instead). The fit recovers the law (β within
/// 1e-9), "beta = 0.1000 is not negative" fires and no other
/// identifiability rule does; VPNLS, whose exponents are positive by
/// construction (β_c ≥ 0.005), cannot follow and the agreement check says
/// so ("fits disagree: the SmoothL1 fit has a lower RSS").
#[test]
fn rule_4_a_non_negative_exponent_fires() {
    let law =
        TrainingCurveLaw::from_parameters([1.69f64.ln(), 406.4f64.ln(), 0.5f64.ln(), -0.34, 0.1]);
    let set = curves_from(&law, &sizes(1e7, 1e9, 6), 1.0, 0.0, 0);
    // With the global stage (proofs/13 §13.10) the exponents live in the box
    // [−4, −0.01]: a rising D term cannot be followed, the answer is the box's
    // best, and the result says so and is not `converged`.
    let boxed = analyse(&set);
    assert!(
        boxed.fit.law.beta < 0.0 && has(&boxed, "ends outside the exponent box"),
        "{:?} {:?}",
        boxed.fit.law,
        boxed.warnings
    );
    not_converged(&boxed);
    // Rule 4 judges the published procedure's own answer (global stage off).
    let settings = HitchhikerSettings {
        replicates: 0,
        fit: TrainingCurveParams {
            global_stage: false,
            ..TrainingCurveParams::default()
        },
        ..HitchhikerSettings::default()
    };
    let r = analyse_training_curves(&set, &settings).unwrap();
    assert!((r.fit.law.beta - 0.1).abs() < 1e-9, "{:?}", r.fit.law);
    assert!(
        has(
            &r,
            "beta = 0.1000 is not negative: the loss does not fall with D"
        ),
        "{:?}",
        r.warnings
    );
    assert!(
        !has(&r, "not identified") && !has(&r, "near-singular"),
        "{:?}",
        r.warnings
    );
    assert!(
        has(
            &r,
            "fits disagree: the SmoothL1 fit has a lower RSS than VPNLS"
        ),
        "{:?}",
        r.warnings
    );
    not_converged(&r);
}

/// §13.3: the floor is √(2·m·ε·|f|·‖H‖_F), recomputed here from the
/// Hessian, and a fit is `converged` exactly when its largest gradient
/// component is at most max(1e-8, floor), else `max_iter`. Three data sets
/// (Chinchilla's N and D terms, 6 sizes × 25 checkpoints), each fitted in
/// full and with the budgets cut (4 Adam steps and 1 L-BFGS iteration; 40
/// and 3), made so that each branch of the rule decides once:
/// - noise-free, E = 1.69: converged with |g| far below 1e-8 (the first term);
/// - E = 15, noise ±3 (seed 7): converged with 1e-8 < |g| ≤ floor — only the
///   floor term makes it converged (measured |g| 5.6e-7, floor 7.0e-5);
/// - E = 100, noise ±10 (seed 8): the full fit stops (stall or evaluation
///   budget) with |g| above the floor: `max_iter` (measured 3.2e-2 > 6.8e-4);
/// - every fit with its budgets cut to 4 Adam steps and 1 iteration: `max_iter`.
#[test]
fn convergence_floor_decides_the_status() {
    let law = |e: f64| {
        TrainingCurveLaw::from_parameters([e.ln(), 406.4f64.ln(), 410.7f64.ln(), -0.34, -0.28])
    };
    let ns = sizes(1e7, 1e9, 6);
    let sets = [
        curves(&law(1.69), &ns, 0.0, 0),
        curves(&law(15.0), &ns, 3.0, 7),
        curves(&law(100.0), &ns, 10.0, 8),
    ];
    // §13.3 is the published procedure's own stopping rule: the global stage
    // (which would certify these fits by the profile instead) is off.
    let full = TrainingCurveParams {
        global_stage: false,
        ..TrainingCurveParams::default()
    };
    let budgets = [
        TrainingCurveParams {
            adam_steps: 4,
            lbfgs_max_iter: 1,
            ..full.clone()
        },
        TrainingCurveParams {
            adam_steps: 40,
            lbfgs_max_iter: 3,
            ..full.clone()
        },
    ];
    for (s, set) in sets.iter().enumerate() {
        let (n, d, l) = set.points();
        let points = CurvePoints::<f64>::new(&n, &d, &l).unwrap();
        for (which, params) in std::iter::once(&full).chain(&budgets).enumerate() {
            let fit = fit_training_curve(&points, params).unwrap();
            let theta = fit.law.parameters();
            let (f, g) = smooth_l1(&points, &theta, &params.delta);
            assert_eq!(f.to_bits(), fit.objective.to_bits());
            let gmax = g.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            assert!((gmax - fit.gradient_max).abs() <= 1e-12 * gmax.max(1e-300));
            let h = smooth_l1_hessian(&points, &theta, &params.delta);
            let frob = (0..5)
                .flat_map(|i| (0..5).map(move |j| (i, j)))
                .map(|(i, j)| h[(i, j)] * h[(i, j)])
                .sum::<f64>()
                .sqrt();
            let floor = (2.0 * points.len() as f64 * f64::EPSILON * f.abs() * frob).sqrt();
            let lib = gradient_floor(&points, &theta, f, params.delta);
            assert!((lib - floor).abs() <= 1e-12 * floor, "{lib} vs {floor}");
            let expect = if gmax <= CONVERGED_GRADIENT.max(floor) {
                FitStatus::Converged
            } else {
                FitStatus::MaxIter
            };
            let at = format!("set {s}, params {which}: |g| {gmax:e}, floor {floor:e}");
            assert_eq!(fit.status, expect, "{at}");
            match (s, which) {
                (0, 0) => assert!(gmax <= CONVERGED_GRADIENT, "{at}"),
                (1, 0) => assert!(gmax > CONVERGED_GRADIENT && gmax <= floor, "{at}"),
                (2, 0) => assert!(gmax > floor.max(CONVERGED_GRADIENT), "{at}"),
                (_, 1) => assert_eq!(fit.status, FitStatus::MaxIter, "{at}"),
                _ => {}
            }
        }
    }
}

/// §13.11, the flat range: 4 sizes, noise-free, Chinchilla's law. N spanning
/// exactly 3× (rule 1 silent: 3 is not below `MIN_N_SPAN`) leaves α's profile
/// within 1e-6 of its minimum over an interval wider than 0.05 (measured
/// 0.061): "alpha not identified: alpha in [lo, hi] within 1e-6 of the
/// minimum objective", the only warning, and the status `not_identified`.
/// N spanning 5× narrows it to below 0.05 (measured 0.031): no warning,
/// `converged`. Both widths are asserted inside a factor 2 of 0.05 (the
/// interval (0.05, 0.1) and (0.025, 0.05)), so moving the width rule 0.05 by
/// a factor 2 either way, or the level 1e-6 by a factor 10 (which scales the
/// widths by √10), changes a verdict here. Both ranges contain the fit's α,
/// reach neither end of the box, and β's range is below 0.05 in both.
#[test]
fn flat_range_wider_than_the_width_rule_is_not_identified_and_narrower_is() {
    let law = chinchilla_law();
    let flat = analyse(&curves(&law, &sizes(1e8, 3e8, 4), 0.0, 0));
    let sharp = analyse(&curves(&law, &sizes(1e8, 5e8, 4), 0.0, 0));
    for (r, lo, hi) in [(&flat, 0.05, 0.1), (&sharp, 0.025, 0.05)] {
        let f = r.fit.flat.expect("the global stage's flat ranges");
        let w = f[0].width();
        assert!(lo < w && w < hi, "alpha range {:?}: width {w}", f[0]);
        assert!(f[0].range[0] <= r.fit.law.alpha && r.fit.law.alpha <= f[0].range[1]);
        assert_eq!(f[0].at_bound, [false, false]);
        assert!(f[1].width() < 0.05, "beta range {:?}", f[1]);
    }
    let a = flat.fit.flat.unwrap()[0].range;
    assert_eq!(
        flat.warnings,
        vec![format!(
            "alpha not identified: alpha in [{:.4}, {:.4}] within 1e-6 of the minimum objective",
            a[0], a[1]
        )]
    );
    assert_eq!(flat.status.as_str(), "not_identified");
    assert!(sharp.warnings.is_empty(), "{:?}", sharp.warnings);
    assert_eq!(sharp.status.as_str(), "converged");
}

/// §13.7, the first agreement test: VPNLS's solution scored by SmoothL1
/// beats the fit's objective by more than `AGREEMENT_TOLERANCE` (1e-6)
/// relative plus the rounding floor (16ε·max L)²/(2δ). Data: Chinchilla's
/// law, 6 sizes 1e7 … 1e9 × 25 checkpoints, noise ±0.01 (seed 1, every
/// residual inside δ). The published procedure alone (global stage off) with
/// 1000 Adam steps and its L-BFGS stopped after k = 58 … 70 iterations: the
/// fit approaches VPNLS's optimum, its relative gap (f − f_V)/f falling from
/// 8e-2 through 4e-6 and 3e-7 to rounding (measured). For each of the 13
/// fits the test recomputes VPNLS's SmoothL1 objective from its law and
/// the rule, and asserts the warning is there exactly when the rule holds;
/// among them a gap in (1e-6, 1e-5] fires and one in (1e-7, 1e-6] does not,
/// so the threshold is pinned to a decade on each side; the second test
/// (the fit's RSS below VPNLS's) is silent on all 13. The full default
/// analysis (global stage on) of the same data does not fire.
#[test]
fn agreement_rule_vpnls_better_on_smooth_l1_fires_exactly_above_its_tolerance() {
    assert_eq!(AGREEMENT_TOLERANCE, 1e-6);
    let set = curves(&chinchilla_law(), &sizes(1e7, 1e9, 6), 0.01, 1);
    let (n, d, l) = set.points();
    let points = CurvePoints::<f64>::new(&n, &d, &l).unwrap();
    let delta = TrainingCurveParams::default().delta;
    let m = points.len() as f64;
    let l_max = l.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let floor = m * (16.0 * f64::EPSILON * l_max).powi(2) / (2.0 * delta * m);
    let text = "fits disagree: VPNLS's solution has a lower SmoothL1 objective";
    let (mut fired_near, mut silent_near) = (false, false);
    for k in 58..=70 {
        let settings = HitchhikerSettings {
            replicates: 0,
            fit: TrainingCurveParams {
                global_stage: false,
                adam_steps: 1000,
                lbfgs_max_iter: k,
                ..TrainingCurveParams::default()
            },
            ..HitchhikerSettings::default()
        };
        let r = analyse_training_curves(&set, &settings).unwrap();
        let v = r.vpnls.as_ref().unwrap();
        let vl = v.law.as_ref().expect("VPNLS's law in log space");
        let f_v = smooth_l1(&points, &vl.parameters(), &delta).0;
        assert_eq!(f_v.to_bits(), v.smooth_l1.to_bits(), "k = {k}");
        let f = r.fit.objective;
        let rule = f_v < f - 1e-6 * f.abs() - floor;
        let gap = (f - f_v) / f;
        assert_eq!(has(&r, text), rule, "k = {k}: gap {gap:e} {:?}", r.warnings);
        assert!(
            !has(&r, "lower RSS than VPNLS"),
            "k = {k}: {:?}",
            r.warnings
        );
        fired_near |= rule && gap <= 1e-5;
        silent_near |= !rule && gap > 1e-7;
    }
    assert!(fired_near && silent_near, "{fired_near} {silent_near}");
    let full = analyse(&set);
    assert!(!has(&full, "fits disagree"), "{:?}", full.warnings);
}
