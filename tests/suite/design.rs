//! The expected error of a sweep design (`analysis::design`,
//! proofs/19_design.md): the closed forms against Monte Carlo with the
//! crate's own sampler, noise and fitters, on 12 designs.
//!
//! Criterion (proofs/19 §19.5): for each checked design and method, with
//! M = 2,000 draws, |MSE_mc − MSE_analytic| ≤ 4·SE + 0.05·MSE_analytic for
//! ln N*(C_t) and for the exponent a, where SE = sd(e²)/√M is the Monte
//! Carlo standard error and 5 % the allowance for the O(σ²) terms the
//! linearisation drops (measured in §19.6); the mean error within
//! 4·sd(e)/√M + 0.05·|bias| of the analytic bias (Approach 2) or of 0.

use scaling_laws::analysis::design::*;
use scaling_laws::experiments::design_check::monte_carlo;
use scaling_laws::models::{LossSurface, Preset};
use scaling_laws::sampling::*;

const DRAWS: usize = 2000;
const SEED: u64 = 20251205;
const TARGET: f64 = 1e24;

/// (surface, half-width factor, points, budgets, centre scale, drift, σ).
type Case = (Preset, f64, usize, Vec<f64>, f64, f64, f64);

fn decades(lo: f64, hi: f64, k: usize) -> Vec<f64> {
    (0..k)
        .map(|i| 10f64.powf(lo + (hi - lo) * i as f64 / (k - 1) as f64))
        .collect()
}

/// The 12 checked designs: widths ±2× … ±32×, 5 … 31 points, 2 … 8
/// budgets, centred, off-centre both ways, drifting; two surfaces.
fn cases() -> Vec<Case> {
    use Preset::{Asymmetric as Asy, Chinchilla as Chi};
    vec![
        (Chi, 8.0, 9, decades(17.0, 21.0, 5), 1.0, 0.0, 0.002),
        (Chi, 2.0, 5, decades(17.0, 21.0, 5), 1.0, 0.0, 0.0005),
        (Chi, 4.0, 7, decades(18.0, 20.0, 3), 1.5, 0.0, 0.001),
        (Chi, 16.0, 15, decades(17.0, 21.0, 5), 1.0, 0.2, 0.005),
        (Chi, 32.0, 11, decades(18.0, 21.0, 4), 2.0, 0.0, 0.005),
        (Chi, 8.0, 5, vec![1e19, 1e21], 1.0, 0.0, 0.002),
        (Chi, 3.0, 31, decades(16.0, 21.0, 6), 0.7, 0.0, 0.002),
        (Asy, 8.0, 9, decades(17.0, 21.0, 5), 1.0, 0.0, 0.002),
        (Asy, 4.0, 15, decades(17.0, 21.0, 5), 1.0, 0.4, 0.002),
        (Asy, 16.0, 7, decades(18.0, 20.0, 3), 1.5, 0.0, 0.005),
        (Asy, 2.0, 21, decades(17.0, 20.0, 4), 1.0, 0.0, 0.0005),
        (Asy, 10.0, 9, decades(17.0, 20.5, 8), 1.0, 0.2, 0.002),
    ]
}

fn design(c: &Case) -> (LossSurface<f64>, SweepDesign<f64>, f64) {
    let d = SweepDesign {
        budgets: c.3.clone(),
        grid: IsoflopGrid::from_factor(c.1, c.2).unwrap(),
        bias: SamplingBias::new(c.5, c.4).unwrap(),
    };
    (LossSurface::preset(c.0), d, c.6)
}

/// Check one method on one design; returns a line for the failure message.
fn check(c: &Case, method: DesignMethod) -> Option<String> {
    let (s, d, sigma) = design(c);
    let an = expected_error(&s, &d, &sigma, &TARGET, method).unwrap();
    let mc = monte_carlo(&s, &d, sigma, TARGET, method, DRAWS, SEED).unwrap();
    let m = mc.draws as f64;
    let mut bad = Vec::new();
    if mc.failed > 0 {
        bad.push(format!("{} failed draws", mc.failed));
    }
    for (j, name, mse, bias) in [
        (0, "ln N*", an.mse_ln_n(), an.bias_ln_n),
        (2, "a", an.mse_a(), an.bias_a),
    ] {
        if (mc.mse[j] - mse).abs() > 4.0 * mc.mse_se[j] + 0.05 * mse {
            bad.push(format!(
                "{name}: MSE mc {:e} ± {:e}, analytic {mse:e}",
                mc.mse[j], mc.mse_se[j]
            ));
        }
        let sd = (mc.mse[j] - mc.mean[j] * mc.mean[j]).max(0.0).sqrt();
        if (mc.mean[j] - bias).abs() > 4.0 * sd / m.sqrt() + 0.05 * bias.abs() {
            bad.push(format!(
                "{name}: mean error mc {:e} (sd {sd:e}), analytic bias {bias:e}",
                mc.mean[j]
            ));
        }
    }
    // ln D* has the same squared error as ln N* (eq. 19.2).
    if (mc.mse[1] - mc.mse[0]).abs() > 1e-9 * mc.mse[0] {
        bad.push(format!(
            "ln D* MSE {:e} ≠ ln N* MSE {:e}",
            mc.mse[1], mc.mse[0]
        ));
    }
    (!bad.is_empty()).then(|| format!("{c:?} {}: {}", method.name(), bad.join("; ")))
}

fn run(methods: &[DesignMethod], which: &[usize]) {
    let all = cases();
    let failures: Vec<String> = which
        .iter()
        .flat_map(|&i| {
            methods
                .iter()
                .filter_map(|&m| check(&all[i], m))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn approach2_expected_error_matches_monte_carlo_on_12_designs() {
    run(&[DesignMethod::Approach2], &(0..12).collect::<Vec<_>>());
}

#[test]
fn corrected_expected_error_matches_monte_carlo_on_12_designs() {
    run(
        &[DesignMethod::Approach2Corrected],
        &(0..12).collect::<Vec<_>>(),
    );
}

#[test]
fn vpnls_expected_error_matches_monte_carlo_on_12_designs() {
    run(&[DesignMethod::Vpnls], &(0..12).collect::<Vec<_>>());
}

/// Approach 3 (RSS) solves VPNLS's least-squares problem: the same closed
/// form, checked on four of the designs (its fits cost ~3× VPNLS's).
#[test]
fn approach3_expected_error_matches_monte_carlo_on_4_designs() {
    run(&[DesignMethod::Approach3], &[0, 3, 7, 11]);
}

/// The Monte Carlo summary does not depend on the thread count.
#[test]
fn monte_carlo_is_thread_count_independent() {
    let (s, d, sigma) = design(&cases()[3]);
    let go = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| monte_carlo(&s, &d, sigma, TARGET, DesignMethod::Vpnls, 200, SEED))
            .unwrap()
    };
    assert_eq!(go(1), go(3));
}

/// Approach 2's bias is the vertex shift carried through the power-law fit:
/// on a centred grid every budget shifts by the same δw, so ln N*(C_t) is
/// biased by ln10·δw and the exponent not at all (proofs/05).
#[test]
fn approach2_bias_is_the_vertex_shift_through_the_power_law() {
    let s = LossSurface::<f64>::chinchilla();
    let grid = IsoflopGrid::from_factor(16.0, 15).unwrap();
    let dw = scaling_laws::analysis::vertex_shift(&0.34, &0.28, &grid).unwrap();
    let d = SweepDesign {
        budgets: default_budgets(),
        grid,
        bias: SamplingBias::none(),
    };
    let e = expected_error(&s, &d, &0.01, &1e24, DesignMethod::Approach2).unwrap();
    assert!((e.bias_ln_n - std::f64::consts::LN_10 * dw).abs() < 1e-12);
    assert!(e.bias_a.abs() < 1e-14);
    // Variance scales as σ².
    let e2 = expected_error(&s, &d, &0.02, &1e24, DesignMethod::Approach2).unwrap();
    assert!((e2.var_ln_n / e.var_ln_n - 4.0).abs() < 1e-12);
}

/// Bad input is a typed error naming the value.
#[test]
fn bad_design_input_is_a_typed_error() {
    let s = LossSurface::<f64>::chinchilla();
    let d = SweepDesign {
        budgets: vec![1e18],
        grid: IsoflopGrid::from_factor(8.0, 9).unwrap(),
        bias: SamplingBias::none(),
    };
    let m = DesignMethod::Vpnls;
    assert_eq!(
        expected_error(&s, &d, &0.01, &1e24, m),
        Err(DesignError::TooFewBudgets { got: 1 })
    );
    let d = SweepDesign {
        budgets: default_budgets(),
        ..d
    };
    assert_eq!(
        expected_error(&s, &d, &-1.0, &1e24, m),
        Err(DesignError::BadSigma(-1.0))
    );
    assert!(matches!(
        expected_error(&s, &d, &0.01, &f64::NAN, m),
        Err(DesignError::BadTarget(_))
    ));
    let d4 = SweepDesign {
        grid: IsoflopGrid::from_factor(8.0, 4).unwrap(),
        ..d
    };
    assert_eq!(
        expected_error(&s, &d4, &0.01, &1e24, DesignMethod::Approach2Corrected),
        Err(DesignError::TooFewPointsForCorrected(4))
    );
}

/// `design` ranks the candidates, recommends the best under the cap, and
/// its JSON agrees with the library's closed form for the habit.
#[test]
fn design_command_ranks_under_the_cap_and_reports_the_habit() {
    use crate::support::json_of;
    let v = json_of(&[
        "design",
        "--sigma",
        "0.005",
        "--compute-cap",
        "1e21",
        "--json",
        "--top",
        "3",
    ]);
    let best = &v["recommended"];
    assert!(best["cost_flops"].as_f64().unwrap() <= 1e21);
    let top = v["top"].as_array().unwrap();
    assert_eq!(top.len(), 3);
    assert!(top[0]["mse_ln_n"].as_f64() <= top[1]["mse_ln_n"].as_f64());
    let s = LossSurface::<f64>::chinchilla();
    let habit = SweepDesign {
        budgets: default_budgets(),
        grid: IsoflopGrid::from_factor(8.0, 9).unwrap(),
        bias: SamplingBias::none(),
    };
    let a2 = expected_error(&s, &habit, &0.005, &1e24, DesignMethod::Approach2).unwrap();
    let h = v["habit"].as_array().unwrap();
    assert_eq!(h[0]["method"], "approach2");
    assert!((h[0]["mse_ln_n"].as_f64().unwrap() - a2.mse_ln_n()).abs() < 1e-15);
}

/// Bad input to `design` exits 2 naming the value; nothing on stdout.
#[test]
fn design_command_bad_input_exits_2() {
    use crate::support::{assert_refused, run_status};
    for (args, needle) in [
        (vec!["design", "--sigma", "-1"], "sigma"),
        (vec!["design", "--sigma", "0.01", "--widths", "0.5"], "0.5"),
        (
            vec!["design", "--sigma", "0.01", "--compute-cap", "1e10"],
            "1e10",
        ),
        (
            vec!["design", "--sigma", "0.01", "--methods", "magic"],
            "magic",
        ),
        (vec!["design", "--sigma", "0.01", "--points", "2"], "2"),
        (
            vec![
                "design",
                "--sigma",
                "0.01",
                "--alpha-range",
                "0.3,0.2",
                "--beta-range",
                "0.2,0.3",
            ],
            "alpha-range",
        ),
        (vec!["design"], "--sigma"),
        (
            vec![
                "design",
                "--sigma",
                "0.01",
                "--alpha-range",
                "0.3",
                "--beta-range",
                "0.2,0.3",
            ],
            "two numbers",
        ),
    ] {
        assert_refused(&args, run_status(&args), &[needle]);
    }
}

/// Greedy next runs: each step's variance is below the last, and the
/// first step's reduction is the Sherman–Morrison value checked against
/// recomputing the closed form with the run added.
#[test]
fn suggest_next_lowers_the_variance_each_step() {
    use scaling_laws::analysis::design_search::suggest_next;
    let s = LossSurface::<f64>::chinchilla();
    let pts = sample_isoflops(
        &s,
        &[1e17, 1e18, 1e19],
        &IsoflopGrid::from_factor(4.0, 5).unwrap(),
        &SamplingBias::none(),
    )
    .unwrap();
    let done: Vec<(f64, f64)> = pts.iter().map(|p| (p.n, p.d)).collect();
    let cands: Vec<(f64, f64)> = [1e19, 1e20, 1e21]
        .iter()
        .flat_map(|&c| {
            let centre = s.n_opt(&c);
            (-4..=4).map(move |i| (c, centre * 10f64.powf(0.25 * i as f64)))
        })
        .collect();
    let next = suggest_next(&s, &done, &cands, &0.01, &1e24, 4).unwrap();
    assert_eq!(next.len(), 4);
    // The design closed form of the runs done (3 budgets × 5 points, VPNLS).
    let d = SweepDesign {
        budgets: vec![1e17, 1e18, 1e19],
        grid: IsoflopGrid::from_factor(4.0, 5).unwrap(),
        bias: SamplingBias::none(),
    };
    let before = expected_error(&s, &d, &0.01, &1e24, DesignMethod::Vpnls)
        .unwrap()
        .var_ln_n;
    assert!(next[0].variance_after < before);
    for w in next.windows(2) {
        assert!(w[1].variance_after < w[0].variance_after);
    }
    // The variance of the runs done is the design closed form's, and adding
    // the first suggestion as a run and recomputing (σ²gᵀ(JᵀJ)⁻¹g afresh)
    // gives the Sherman–Morrison update's variance.
    use scaling_laws::analysis::design_search::ln_n_variance;
    let v0 = ln_n_variance(&s, &done, &0.01, &1e24).unwrap();
    assert!((v0 - before).abs() < 1e-9 * before, "{v0} vs {before}");
    let mut done2 = done.clone();
    done2.push((next[0].n, next[0].budget / (6.0 * next[0].n)));
    let v1 = ln_n_variance(&s, &done2, &0.01, &1e24).unwrap();
    assert!(
        (v1 - next[0].variance_after).abs() < 1e-9 * v1,
        "{v1} vs {}",
        next[0].variance_after
    );
    assert!(
        ((before - next[0].variance_after) / next[0].budget - next[0].reduction_per_flop).abs()
            < 1e-9 * next[0].reduction_per_flop
    );
}

/// Experiment 14: the recommended designs' closed-form MSE agrees with its
/// own Monte Carlo check (400 draws, same criterion as above), the habit
/// is dominated (some design reaches its error for less compute), and the
/// result does not depend on the thread count.
#[test]
fn experiment_14_checks_agree_and_the_habit_is_dominated() {
    use scaling_laws::experiments::exp14::{run_exp14, Exp14Config};
    let cfg = Exp14Config::default();
    let go = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run_exp14(&cfg))
            .unwrap()
    };
    let r = go(2);
    for s in &r.surfaces {
        assert_eq!(s.checked.len(), 3);
        for (best, mc, se) in &s.checked {
            assert!(best.cost <= cfg.cap);
            assert!(
                (mc - best.mse_ln_n).abs() <= 4.0 * se + 0.05 * best.mse_ln_n,
                "{:?} {}: mc {mc} ± {se}, analytic {}",
                s.surface,
                best.method.name(),
                best.mse_ln_n
            );
            let habit = s.habit.iter().find(|h| h.0 == best.method).unwrap().1;
            assert!(best.mse_ln_n < habit);
        }
    }
    assert_eq!(r, go(1));
}
