//! From a fit to a decision (proofs/17): allocations at a budget, Approach
//! 2's loss law, the extrapolation distance, predict's intervals, the
//! audit; and the commands `fit --budget`, `predict`, `audit`.

use crate::support::{assert_refused, json_of, run_status};
use scaling_laws::analysis::audit::{audit, groups_by_key, spearman};
use scaling_laws::analysis::law::{Approach2Law, FittedLaw, LawMethod, OptimalLossLaw};
use scaling_laws::analysis::predict::{predict, DataSpread};
use scaling_laws::fitters::{fit_approach2, fit_vpnls, SurfaceData, SurfaceMethod, VpnlsParams};
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::noise::Rng;
use scaling_laws::sampling::{sample_isoflops, IsoflopGrid, IsoflopPoint, SamplingBias};

/// Noise-free IsoFLOP points of `s`: `per` points on a grid of half-width
/// `w` decades at each budget.
fn isoflops(s: &LossSurface<f64>, budgets: &[f64], w: f64, per: usize) -> Vec<IsoflopPoint<f64>> {
    sample_isoflops(
        s,
        budgets,
        &IsoflopGrid::new(w, per).unwrap(),
        &SamplingBias::none(),
    )
    .unwrap()
}

/// Multiply every loss by exp(σ·z), z standard normal.
fn noisy(points: &[IsoflopPoint<f64>], sigma: f64, rng: &mut Rng) -> Vec<IsoflopPoint<f64>> {
    points
        .iter()
        .map(|p| IsoflopPoint {
            loss: p.loss * (sigma * rng.normal()).exp(),
            ..p.clone()
        })
        .collect()
}

#[test]
fn surface_allocation_is_the_closed_form() {
    let s = LossSurface::<f64>::chinchilla();
    let law = FittedLaw::Surface(s.clone());
    for c in [1e18, 1e21, 1e24, 1e27] {
        let al = law.allocation(c);
        assert!((al.n_opt / s.n_opt(&c) - 1.0).abs() < 1e-12);
        assert!((al.d_opt / s.d_opt(&c) - 1.0).abs() < 1e-12);
        assert!((6.0 * al.n_opt * al.d_opt / c - 1.0).abs() < 1e-12);
        let l = *al.loss_opt.as_ref().unwrap();
        assert!((s.loss(&al.n_opt, &al.d_opt) - l).abs() < 1e-12);
        // A direct minimisation of L along the budget (golden section on ln N).
        let f = |x: f64| s.loss(&x.exp(), &(c / (6.0 * x.exp())));
        let (mut lo, mut hi) = (al.n_opt.ln() - 3.0, al.n_opt.ln() + 3.0);
        for _ in 0..200 {
            let (m1, m2) = (lo + (hi - lo) * 0.382, lo + (hi - lo) * 0.618);
            if f(m1) < f(m2) {
                hi = m2;
            } else {
                lo = m1;
            }
        }
        assert!(
            (((lo + hi) / 2.0).exp() / al.n_opt - 1.0).abs() < 1e-5,
            "C = {c:e}"
        );
    }
    let (a, b) = law.exponents();
    assert!((a - 0.28 / 0.62).abs() < 1e-15 && (b - 0.34 / 0.62).abs() < 1e-15);
}

#[test]
fn optimal_loss_law_recovers_a_noise_free_law() {
    let budgets = [1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
    let truth = OptimalLossLaw {
        e: 1.69,
        k: 480.0,
        gamma: 0.1535,
    };
    let losses: Vec<f64> = budgets.iter().map(|&c| truth.at(c)).collect();
    let f = OptimalLossLaw::fit(&budgets, &losses).unwrap();
    assert!((f.gamma / truth.gamma - 1.0).abs() < 1e-6, "{f:?}");
    assert!((f.e / truth.e - 1.0).abs() < 1e-6, "{f:?}");
    assert!((f.k / truth.k - 1.0).abs() < 1e-5, "{f:?}");
    // Too few budgets, and losses rising with C, are named.
    assert!(OptimalLossLaw::fit(&budgets[..2], &losses[..2]).is_err());
    let rising: Vec<f64> = losses.iter().rev().copied().collect();
    assert!(OptimalLossLaw::fit(&budgets, &rising)
        .unwrap_err()
        .contains("decreasing"));
}

#[test]
fn approach2_law_predicts_noise_free_points_near_the_surface() {
    let s = LossSurface::<f64>::chinchilla();
    let budgets = [1e18, 1e19, 1e20, 1e21, 1e22];
    let pts = isoflops(&s, &budgets, 0.5, 9);
    let law = FittedLaw::Approach2(Approach2Law::from_fit(&fit_approach2(&pts).unwrap()));
    // The loss law through the vertices is the surface's L*(C) (to the
    // parabola's small bias), and the curvature law's exponent is −γ.
    let FittedLaw::Approach2(l) = &law else {
        unreachable!()
    };
    let ll = l.loss_law.as_ref().unwrap();
    assert!((ll.gamma / s.gamma() - 1.0).abs() < 1e-2, "{ll:?}");
    let k = l.curvature_law.as_ref().unwrap();
    assert!((k.exponent + s.gamma()).abs() < 1e-2, "{k:?}");
    // Held-out budget between the fitted ones: points on its IsoFLOP curve.
    let held = isoflops(&s, &[3e20], 0.5, 9);
    for p in &held {
        let got = law.loss(p.n, p.d).unwrap();
        assert!((got / p.loss - 1.0).abs() < 2e-3, "{got} vs {}", p.loss);
    }
    assert!(law.allocation(3e20).loss_opt.is_ok());
    // The corrected Approach 2 gives L* but no loss off the optimum.
    let (c, _) = LawMethod::Approach2Corrected.fit(&pts).unwrap();
    assert!((c.allocation(1e24).loss_opt.unwrap() / s.loss_opt(&1e24) - 1.0).abs() < 1e-3);
    assert!(c.loss(1e9, 1e10).is_err());
}

#[test]
fn distance_is_mahalanobis_and_affine_invariant() {
    let s = LossSurface::<f64>::chinchilla();
    let pts = isoflops(&s, &[1e18, 1e19, 1e20, 1e21], 1.0, 7);
    let sp = DataSpread::of(&pts);
    // Mean squared distance of the training points is 2(n − 1)/n.
    let n = pts.len() as f64;
    let ms = pts
        .iter()
        .map(|p| sp.distance(p.n, p.d).powi(2))
        .sum::<f64>()
        / n;
    assert!((ms - 2.0 * (n - 1.0) / n).abs() < 1e-9, "{ms}");
    // Units of N and D (ln N + const), and a sheared coordinate: the same.
    let scaled: Vec<IsoflopPoint<f64>> = pts
        .iter()
        .map(|p| IsoflopPoint {
            n: p.n * 1e-9,
            d: p.d * p.n.powf(0.5),
            ..p.clone()
        })
        .collect();
    let sp2 = DataSpread::of(&scaled);
    for (nn, dd) in [(1e8, 1e9), (1e11, 1e13), (3e9, 2e11)] {
        let a = sp.distance(nn, dd);
        let b = sp2.distance(nn * 1e-9, dd * nn.powf(0.5));
        assert!((a / b - 1.0).abs() < 1e-9, "{a} {b}");
    }
    // A single D value: off that line is infinitely far.
    let line: Vec<IsoflopPoint<f64>> = (1..6)
        .map(|k| IsoflopPoint {
            n: 10f64.powi(k + 6),
            d: 1e10,
            loss: 3.0,
            budget: 1.0,
        })
        .collect();
    let sl = DataSpread::of(&line);
    assert!(sl.distance(1e9, 1e10).is_finite());
    assert!(sl.distance(1e9, 2e10).is_infinite());
}

#[test]
fn predict_new_run_intervals_cover_at_their_nominal_rate() {
    // 200 data sets: 4 budgets × 6 points of the Chinchilla surface with
    // multiplicative noise σ = 0.01; a new run at an interior point not in
    // the design; K = 30 bootstrap refits each.
    let s = LossSurface::<f64>::chinchilla();
    let clean = isoflops(&s, &[1e18, 1e19, 1e20, 1e21], 0.8, 6);
    let at = (s.n_opt(&3e19) * 1.5, 3e19 / (6.0 * s.n_opt(&3e19) * 1.5));
    let truth = s.loss(&at.0, &at.1);
    let sigma = 0.01;
    let draws = 200;
    let method = LawMethod::Surface(SurfaceMethod::vpnls());
    let (mut hit_new, mut hit_mean, mut used) = (0, 0, 0);
    for k in 0..draws {
        let mut rng = Rng::for_task(2025, k);
        let pts = noisy(&clean, sigma, &mut rng);
        let r = predict(&method, &pts, &[at], 30, k, 0.95).unwrap();
        let p = &r.predictions[0];
        let (Some([l, h]), Some([ml, mh])) = (p.new_run_interval, p.mean_interval) else {
            continue;
        };
        used += 1;
        let new_run = truth * (sigma * rng.normal()).exp();
        hit_new += usize::from(l <= new_run && new_run <= h);
        hit_mean += usize::from(ml <= truth && truth <= mh);
        assert!(p.distance < 3.0);
    }
    assert!(used >= 195, "{used}");
    let rate = hit_new as f64 / used as f64;
    eprintln!(
        "new-run coverage {rate} ({hit_new}/{used}), mean coverage {}",
        hit_mean as f64 / used as f64
    );
    let se = (0.95f64 * 0.05 / used as f64).sqrt();
    assert!(
        (rate - 0.95).abs() < 3.0 * se,
        "new-run coverage {rate} over {used}"
    );
    // The mean interval (percentile bootstrap with 30 replicates on 24 points; measured 0.91)
    // is reported, not promised: it covers the noise-free truth most of the time.
    let mean_rate = hit_mean as f64 / used as f64;
    assert!(mean_rate > 0.85, "mean coverage {mean_rate}");
}

#[test]
fn predict_is_the_same_for_any_thread_count() {
    let s = LossSurface::<f64>::chinchilla();
    let pts = noisy(
        &isoflops(&s, &[1e18, 1e19, 1e20, 1e21], 0.8, 6),
        0.01,
        &mut Rng::new(3),
    );
    let m = LawMethod::Surface(SurfaceMethod::vpnls());
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| predict(&m, &pts, &[(1e10, 1e11)], 20, 9, 0.9).unwrap())
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn audit_matches_a_plain_refit_loop() {
    let s = LossSurface::<f64>::chinchilla();
    let budgets = [1e18, 3e18, 1e19, 3e19, 1e20, 3e20];
    let pts = noisy(&isoflops(&s, &budgets, 0.8, 7), 0.005, &mut Rng::new(11));
    let keys: Vec<f64> = pts.iter().map(|p| p.budget).collect();
    let m = LawMethod::Surface(SurfaceMethod::vpnls());
    let au = audit(&m, &pts, &keys, true);
    assert_eq!(au.leave_one_out.len(), budgets.len());
    assert_eq!(au.ordered.len(), budgets.len() - 2);
    // The loop written out.
    let mut scores = Vec::new();
    for &c in &budgets {
        let train: Vec<IsoflopPoint<f64>> = pts.iter().filter(|p| p.budget != c).cloned().collect();
        let test: Vec<&IsoflopPoint<f64>> = pts.iter().filter(|p| p.budget == c).collect();
        let f = fit_vpnls(
            &SurfaceData::from_points(&train).unwrap(),
            &VpnlsParams::default(),
        )
        .unwrap();
        let ls = LossSurface::new(f.e, f.a, f.b, f.alpha, f.beta).unwrap();
        let mse = test
            .iter()
            .map(|p| (p.loss.ln() - ls.loss(&p.n, &p.d).ln()).powi(2))
            .sum::<f64>()
            / test.len() as f64;
        scores.push(mse.sqrt());
    }
    for (sp, want) in au.leave_one_out.iter().zip(&scores) {
        assert!((sp.rmse_ln.as_ref().unwrap() - want).abs() <= 1e-12 * want.max(1e-6));
    }
    let sm = au.summary.unwrap();
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    assert!((sm.mean - mean).abs() < 1e-15);
    assert!(scores.iter().all(|&x| x <= sm.worst.0));
    // The extreme budgets are the farthest from the rest.
    let d: Vec<f64> = au.leave_one_out.iter().map(|s| s.distance).collect();
    assert!(d[0] > d[2] && d[5] > d[3], "{d:?}");
    // Approach 2 is audited through its parabolas' law.
    let a2 = audit(&LawMethod::Approach2, &pts, &keys, false);
    assert!(a2.leave_one_out.iter().all(|s| s.rmse_ln.is_ok()), "{a2:?}");
    assert_eq!(groups_by_key(&keys).len(), budgets.len());
}

#[test]
fn spearman_of_known_ranks() {
    assert_eq!(
        spearman(&[1.0, 2.0, 3.0, 4.0], &[10.0, 20.0, 30.0, 40.0]),
        Some(1.0)
    );
    assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
    // Ties take their average rank: ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4).
    let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0]).unwrap();
    assert!((r - 4.5 / 22.5f64.sqrt()).abs() < 1e-15);
    assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
}

// ---- The commands ----

fn fails(args: &[&str], needle: &str) {
    assert_refused(args, run_status(args), &[needle]);
}

/// A CSV of noisy Chinchilla-surface IsoFLOP data with columns params,
/// tokens, flops (= 6ND), loss, budget.
fn csv_file(name: &str, sigma: f64) -> std::path::PathBuf {
    let s = LossSurface::<f64>::chinchilla();
    let pts = noisy(
        &isoflops(&s, &[1e18, 3e18, 1e19, 3e19, 1e20], 0.8, 9),
        sigma,
        &mut Rng::new(5),
    );
    let mut out = String::from("params,tokens,flops,loss,budget\n");
    for p in &pts {
        out.push_str(&format!(
            "{:?},{:?},{:?},{:?},{:?}\n",
            p.n,
            p.d,
            6.0 * p.n * p.d,
            p.loss,
            p.budget
        ));
    }
    let path = std::env::temp_dir().join(format!("scaling-laws-{}-{name}.csv", std::process::id()));
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn fit_budget_reports_the_closed_form_allocation() {
    let p = csv_file("budget", 0.0);
    let ps = p.to_str().unwrap();
    let v = json_of(&[
        "fit",
        "--method",
        "vpnls",
        "--data",
        ps,
        "--budget",
        "1e22,1e24",
        "--json",
    ]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["method"], "vpnls");
    let f = |k: &str| v[k].as_f64().unwrap();
    let s = LossSurface::new(f("E"), f("A"), f("B"), f("alpha"), f("beta")).unwrap();
    assert!((f("a") - s.exponent_a()).abs() < 1e-15);
    assert!((f("b") - s.exponent_b()).abs() < 1e-15);
    for (i, c) in [1e22, 1e24].into_iter().enumerate() {
        let al = &v["allocations"][i];
        assert_eq!(al["budget"].as_f64().unwrap(), c);
        assert!((al["n_opt"].as_f64().unwrap() / s.n_opt(&c) - 1.0).abs() < 1e-12);
        assert!((al["d_opt"].as_f64().unwrap() / s.d_opt(&c) - 1.0).abs() < 1e-12);
        assert!((al["loss_opt"].as_f64().unwrap() - s.loss_opt(&c)).abs() < 1e-12);
        // Noise-free data: the truth.
        assert!(
            (al["n_opt"].as_f64().unwrap() / LossSurface::<f64>::chinchilla().n_opt(&c) - 1.0)
                .abs()
                < 1e-8
        );
    }
    // D from a FLOPs column: the same fit.
    let w = json_of(&[
        "fit",
        "--method",
        "vpnls",
        "--data",
        ps,
        "--flops-col",
        "flops",
        "--budget",
        "1e22,1e24",
        "--json",
    ]);
    assert!(
        (w["allocations"][1]["n_opt"].as_f64().unwrap()
            / v["allocations"][1]["n_opt"].as_f64().unwrap()
            - 1.0)
            .abs()
            < 1e-8
    );
    // --flops-per-token 3 doubles every D: N* is unchanged at C/2's D... the
    // fit sees D' = 2D, so its B' = B·2^β and the allocation moves.
    let x = json_of(&[
        "fit",
        "--method",
        "vpnls",
        "--data",
        ps,
        "--flops-col",
        "flops",
        "--flops-per-token",
        "3",
        "--json",
    ]);
    assert!((x["B"].as_f64().unwrap() / (f("B") * 2f64.powf(f("beta"))) - 1.0).abs() < 1e-6);
    // Approach 2 with budgets: a, b, N*, D*, and L* from its loss law.
    let a2 = json_of(&[
        "fit",
        "--method",
        "approach2",
        "--data",
        ps,
        "--budget",
        "1e22",
        "--json",
    ]);
    assert!(a2["allocations"][0]["loss_opt"].as_f64().is_some(), "{a2}");
    assert!(a2["loss_law"]["gamma"].as_f64().is_some());
    fails(
        &["fit", "--method", "vpnls", "--data", ps, "--budget", "-1"],
        "--budget",
    );
    fails(
        &[
            "fit",
            "--method",
            "vpnls",
            "--data",
            ps,
            "--flops-col",
            "nope",
        ],
        "nope",
    );
    let _ = std::fs::remove_file(p);
}

#[test]
fn fit_bootstrap_gives_allocation_intervals_and_compares_methods() {
    let p = csv_file("alloc-boot", 0.01);
    let ps = p.to_str().unwrap();
    let v = json_of(&[
        "fit",
        "--method",
        "vpnls",
        "--data",
        ps,
        "--budget",
        "1e21",
        "--bootstrap",
        "40",
        "--json",
    ]);
    let al = &v["allocations"][0];
    let [l, h] = [
        al["interval"]["n_opt"][0].as_f64().unwrap(),
        al["interval"]["n_opt"][1].as_f64().unwrap(),
    ];
    let n = al["n_opt"].as_f64().unwrap();
    assert!(l < h && l <= n * 1.5 && h >= n / 1.5, "{al}");
    assert!(al["interval"]["n_opt_approach2"].is_array(), "{al}");
    assert!(v["on_bound_share"].as_f64().unwrap() >= 0.0);
    let a2 = json_of(&[
        "fit",
        "--method",
        "approach2",
        "--data",
        ps,
        "--budget",
        "1e21",
        "--bootstrap",
        "40",
        "--json",
    ]);
    assert!(
        a2["allocations"][0]["interval"]["n_opt_vpnls"].is_array(),
        "{a2}"
    );
    let _ = std::fs::remove_file(p);
}

#[test]
fn predict_reads_fit_json_back_and_gives_intervals_from_data() {
    let p = csv_file("predict", 0.01);
    let ps = p.to_str().unwrap();
    let (code, fit, err) = run_status(&["fit", "--method", "vpnls", "--data", ps, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let fp = std::env::temp_dir().join(format!("scaling-laws-{}-fit.json", std::process::id()));
    std::fs::write(&fp, &fit).unwrap();
    let fv: serde_json::Value = serde_json::from_str(fit.trim()).unwrap();
    let f = |k: &str| fv[k].as_f64().unwrap();
    let s = LossSurface::new(f("E"), f("A"), f("B"), f("alpha"), f("beta")).unwrap();
    let v = json_of(&[
        "predict",
        "--fit",
        fp.to_str().unwrap(),
        "--at",
        "1e10,2e11",
        "--at",
        "1e12,1e14",
        "--json",
    ]);
    let p0 = &v["predictions"][0];
    assert!((p0["loss"].as_f64().unwrap() - s.loss(&1e10, &2e11)).abs() < 1e-12);
    assert!(v["predictions"][1]["distance"].as_f64().unwrap() > p0["distance"].as_f64().unwrap());
    assert_eq!(v["predictions"][1]["outside_range"], true);
    let w = json_of(&[
        "predict",
        "--data",
        ps,
        "--method",
        "vpnls",
        "--at",
        "1e10,2e11",
        "--bootstrap",
        "30",
        "--json",
    ]);
    let q = &w["predictions"][0];
    let (l, h) = (
        q["new_run_interval"][0].as_f64().unwrap(),
        q["new_run_interval"][1].as_f64().unwrap(),
    );
    let (ml, mh) = (
        q["mean_interval"][0].as_f64().unwrap(),
        q["mean_interval"][1].as_f64().unwrap(),
    );
    assert!(l < ml && ml <= mh && mh < h, "{q}");
    assert!((q["loss"].as_f64().unwrap() - p0["loss"].as_f64().unwrap()).abs() < 1e-12);
    fails(
        &["predict", "--fit", fp.to_str().unwrap(), "--at", "1e10"],
        "N,D",
    );
    std::fs::write(&fp, "{\"method\": \"vpnls\"}").unwrap();
    fails(
        &[
            "predict",
            "--fit",
            fp.to_str().unwrap(),
            "--at",
            "1e10,1e11",
        ],
        "schema_version",
    );
    let _ = std::fs::remove_file(p);
    let _ = std::fs::remove_file(fp);
}

#[test]
fn audit_reports_every_method_and_writes_its_figure() {
    let p = csv_file("audit", 0.005);
    let ps = p.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("scaling-laws-{}-audit", std::process::id()));
    let v = json_of(&[
        "audit",
        "--data",
        ps,
        "--method",
        "vpnls,approach2",
        "--ordered",
        "--json",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let set = v["data"].as_object().unwrap().values().next().unwrap();
    assert_eq!(set["groups"], 5);
    for m in ["vpnls", "approach2"] {
        let x = &set["methods"][m];
        assert_eq!(x["leave_one_out"].as_array().unwrap().len(), 5, "{m}");
        assert_eq!(x["ordered"].as_array().unwrap().len(), 3, "{m}");
        assert!(x["summary"]["mean"].as_f64().unwrap() > 0.0, "{m}: {x}");
    }
    assert!(dir.join("audit.csv").exists());
    assert!(std::fs::read_dir(&dir).unwrap().any(|e| e
        .unwrap()
        .path()
        .extension()
        .is_some_and(|x| x == "png")));
    fails(&["audit", "--data", ps, "--method", "nope"], "nope");
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_file(p);
}
