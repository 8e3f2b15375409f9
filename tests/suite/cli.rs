//! The command line: JSON contracts, errors, experiment files.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn vertex_shift_json_has_the_contract_keys() {
    let w = 16f64.log10().to_string();
    let (ok, out, _) = run(&[
        "vertex-shift",
        "--alpha",
        "0.34",
        "--beta",
        "0.28",
        "--width",
        &w,
        "--json",
    ]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let dw = v["delta_w"].as_f64().unwrap();
    assert!((dw - 0.0227349).abs() < 1e-7);
    assert!((v["n_intercept_error"].as_f64().unwrap() - (10f64.powf(dw) - 1.0)).abs() < 1e-15);
    assert!((v["d_intercept_error"].as_f64().unwrap() - (10f64.powf(-dw) - 1.0)).abs() < 1e-15);
}

#[test]
fn approach2_json_has_fitted_true_and_predicted_laws() {
    let (ok, out, _) = run(&[
        "approach2",
        "--surface",
        "asymmetric",
        "--width",
        "1.0",
        "--drift",
        "0.3",
        "--json",
    ]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    for k in ["a", "b", "a_intercept", "b_intercept"] {
        let fitted = v[k].as_f64().unwrap();
        let predicted = v["predicted"][k].as_f64().unwrap();
        assert!(v["true"][k].as_f64().is_some());
        assert!((fitted - predicted).abs() < 1e-10, "{k}");
    }
    // Drift tilts the exponent.
    assert!((v["a"].as_f64().unwrap() - v["true"]["a"].as_f64().unwrap()).abs() > 1e-3);
}

#[test]
fn bad_arguments_exit_nonzero_with_a_message_naming_the_value() {
    for (args, needle) in [
        (
            vec![
                "vertex-shift",
                "--alpha",
                "-0.3",
                "--beta",
                "0.28",
                "--width",
                "1",
            ],
            "-0.3",
        ),
        (
            vec![
                "vertex-shift",
                "--alpha",
                "0.3",
                "--beta",
                "0.28",
                "--width",
                "0",
            ],
            "W",
        ),
        (
            vec![
                "vertex-shift",
                "--alpha",
                "0.3",
                "--beta",
                "0.28",
                "--width",
                "1",
                "--points",
                "2",
            ],
            "3 points",
        ),
        (
            vec!["approach2", "--width", "1", "--budgets", "1e18,-5"],
            "-5",
        ),
        (
            vec!["approach2", "--width", "1", "--alpha", "0.3"],
            "missing",
        ),
        (
            vec!["approach2", "--width", "1", "--surface", "nope"],
            "nope",
        ),
        (
            vec!["approach2", "--width", "1", "--scale", "0"],
            "center_scale",
        ),
        (
            vec![
                "vertex-shift",
                "--alpha",
                "abc",
                "--beta",
                "0.28",
                "--width",
                "1",
            ],
            "abc",
        ),
        (vec!["experiment", "9"], "9"),
    ] {
        let (ok, _, err) = run(&args);
        assert!(!ok, "{args:?} should fail");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn experiment_6_writes_csv_figures_and_report() {
    let dir = std::env::temp_dir().join(format!("scaling-laws-exp6-{}", std::process::id()));
    let (ok, out, err) = run(&["experiment", "6", "--out", dir.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("chinchilla"));
    for f in [
        "analytical_error.csv",
        "analytical_error.png",
        "analytical_error.svg",
        "report.txt",
    ] {
        let p = dir.join("exp6").join(f);
        assert!(
            p.metadata().map(|m| m.len() > 100).unwrap_or(false),
            "{}",
            p.display()
        );
    }
    let csv = std::fs::read_to_string(dir.join("exp6/analytical_error.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * 20);
    // Every row's numerical and predicted errors agree (max_abs_deviation column).
    for line in csv.lines().skip(1) {
        let dev: f64 = line.rsplit(',').next().unwrap().parse().unwrap();
        assert!(dev < 1e-10, "{line}");
    }
    // No temporary files left behind.
    assert!(std::fs::read_dir(dir.join("exp6")).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("tmp")));
    let _ = std::fs::remove_dir_all(dir);
}

fn write_csv(name: &str, body: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("scaling-laws-{}-{name}.csv", std::process::id()));
    std::fs::write(&p, body).unwrap();
    p
}

fn chinchilla_csv() -> String {
    use scaling_laws::models::LossSurface;
    use scaling_laws::sampling::*;
    let s = LossSurface::<f64>::chinchilla();
    let pts = sample_isoflops(
        &s,
        &default_budgets(),
        &IsoflopGrid::new(0.9, 15).unwrap(),
        &SamplingBias::none(),
    )
    .unwrap();
    let mut out = String::from("params,tokens,loss,budget,other\n");
    for p in pts {
        out.push_str(&format!(
            "{:?},{:?},{:?},{:?},ignored\n",
            p.n, p.d, p.loss, p.budget
        ));
    }
    out
}

#[test]
fn fit_vpnls_json_recovers_the_surface_from_csv() {
    let p = write_csv("vpnls", &chinchilla_csv());
    let (ok, out, err) = run(&[
        "fit",
        "--method",
        "vpnls",
        "--data",
        p.to_str().unwrap(),
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    for (k, want) in [
        ("E", 1.69),
        ("A", 406.4),
        ("B", 410.7),
        ("alpha", 0.34),
        ("beta", 0.28),
    ] {
        assert!((v[k].as_f64().unwrap() / want - 1.0).abs() < 1e-12, "{k}");
    }
    assert_eq!(v["status"], "converged");
    assert!(v["rss"].as_f64().is_some() && v["iterations"].as_u64().is_some());
    let (ok, out, _) = run(&[
        "fit",
        "--method",
        "approach2",
        "--data",
        p.to_str().unwrap(),
        "--json",
    ]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!((v["a"].as_f64().unwrap() - 0.28 / 0.62).abs() < 1e-10);
    let _ = std::fs::remove_file(p);
}

#[test]
fn fit_names_the_line_and_column_of_malformed_data() {
    let good = chinchilla_csv();
    let mut lines: Vec<String> = good.lines().map(String::from).collect();
    lines[3] = lines[3].replacen(|c: char| c.is_ascii_digit(), "x", 1);
    let p = write_csv("bad", &(lines.join("\n") + "\n"));
    let (ok, _, err) = run(&["fit", "--method", "vpnls", "--data", p.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("line 4") && err.contains("'params'"), "{err}");
    let q = write_csv(
        "neg",
        &good.replacen("\n", "\n-", 2).replacen("\n-", "\n", 1),
    );
    let (ok, _, err) = run(&["fit", "--method", "vpnls", "--data", q.to_str().unwrap()]);
    assert!(
        !ok && err.contains("line 3") && err.contains("positive"),
        "{err}"
    );
    let (ok, _, err) = run(&[
        "fit",
        "--method",
        "vpnls",
        "--data",
        p.to_str().unwrap(),
        "--n-col",
        "N",
    ]);
    assert!(!ok && err.contains("no column 'N'"), "{err}");
    let (ok, _, err) = run(&["fit", "--method", "vpnls", "--data", "/nonexistent/x.csv"]);
    assert!(!ok && err.contains("/nonexistent/x.csv"), "{err}");
    let _ = std::fs::remove_file(p);
    let _ = std::fs::remove_file(q);
}

#[test]
fn fit_approach3_and_grid_answer_with_the_contract_keys() {
    let p = write_csv("a3", &chinchilla_csv());
    for (method, objective) in [
        ("approach3", "rss"),
        ("approach3", "rss-log-params"),
        ("approach3", "log-loss"),
        ("approach3", "huber-log"),
        ("grid", "rss"),
    ] {
        let (ok, out, err) = run(&[
            "fit",
            "--method",
            method,
            "--objective",
            objective,
            "--data",
            p.to_str().unwrap(),
            "--json",
        ]);
        assert!(ok, "{method} {objective}: {err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        for k in ["E", "A", "B", "alpha", "beta", "rss"] {
            assert!(
                v[k].as_f64().is_some_and(f64::is_finite),
                "{method} {objective} {k}"
            );
        }
        assert!(v["iterations"].as_u64().is_some());
        let status = v["status"].as_str().unwrap();
        assert!(
            ["converged", "max_iter", "abnormal", "bound_hit"].contains(&status),
            "{status}"
        );
        if method == "approach3" && objective != "huber-log" {
            // A direct fit on noise-free data lands near the truth (its
            // precision is what Experiment 8 studies; 1e-3 has wide margin).
            assert!(
                (v["alpha"].as_f64().unwrap() / 0.34 - 1.0).abs() < 1e-3,
                "{out}"
            );
        }
    }
    let (ok, _, err) = run(&[
        "fit",
        "--method",
        "approach3",
        "--objective",
        "nonsense",
        "--data",
        p.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("nonsense"), "{err}");
    let _ = std::fs::remove_file(p);
}

#[test]
fn experiment_8_writes_its_report_and_tables() {
    let dir = std::env::temp_dir().join(format!("scaling-laws-exp8-{}", std::process::id()));
    let (ok, out, err) = run(&["experiment", "8", "--out", dir.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("condition number"));
    for f in ["fits.csv", "hessians.csv", "noise.csv", "report.txt"] {
        let p = dir.join("exp8").join(f);
        assert!(
            p.metadata().map(|m| m.len() > 100).unwrap_or(false),
            "{}",
            p.display()
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The Chinchilla runs (shared data beside the crate).
fn chinchilla_runs_csv() -> String {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/chinchilla/svg_extracted_data.csv"
    );
    assert!(std::path::Path::new(p).exists(), "shared data missing: {p}");
    p.to_string()
}

#[test]
fn dark_matter_json_has_the_contract_keys_and_writes_its_folder() {
    let out = std::env::temp_dir().join(format!("sl-dm-cli-{}", std::process::id()));
    let (ok, stdout, stderr) = run(&[
        "dark-matter",
        "--data",
        &chinchilla_runs_csv(),
        "--out",
        out.to_str().unwrap(),
        "--metrics",
        "tokens",
        "--folds",
        "2",
        "--bootstrap",
        "8",
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let t = &v["tokens"];
    for k in ["C", "alpha", "E"] {
        assert!(t["single"][k].as_f64().is_some(), "single.{k}");
    }
    for k in ["C1", "alpha1", "C2", "alpha2", "E"] {
        assert!(t["two_term"][k].as_f64().is_some(), "two_term.{k}");
    }
    for k in [
        "rmse_single",
        "rmse_two_term",
        "rmse_improvement_pct",
        "objective_single",
        "objective_two_term",
        "objective_improvement_pct",
    ] {
        assert!(t[k].as_f64().is_some(), "{k}");
    }
    assert_eq!(t["verdict"], "strong");
    assert!(t["aic"]["two_term"].as_f64().is_some());
    assert!(t["bic"]["single"].as_f64().is_some());
    assert!(t["cv_rmse"]["by_model_size"]["two_term"].as_f64().is_some());
    assert!(t["cv_rmse"]["random"]["single"].as_f64().is_some());
    assert!(t["rmse_improvement_ci"]["lo"].as_f64().is_some());
    assert!(t["honest_verdict"].as_str().is_some());
    assert_eq!(v["best_metric"], "tokens");
    assert!(v["consistency"]["level"].as_str().is_some());
    for f in [
        "tokens/fitted_parameters.csv",
        "tokens/dark_matter_scaling_analysis.png",
        "summary.csv",
        "improvements.csv",
        "summary.png",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let params = std::fs::read_to_string(out.join("tokens/fitted_parameters.csv")).unwrap();
    assert!(params.starts_with("model,C1,alpha1,C2,alpha2,E,normalization_factor"));
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn dark_matter_bad_input_exits_2_naming_file_line_and_column_and_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("sl-dm-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out");
    let cases: [(&str, &str, &[&str]); 3] = [
        ("nocol.csv", "Model Size,loss\n1,2\n", &["'Training FLOP'"]),
        (
            "neg.csv",
            "Model Size,Training FLOP,loss\n1e9,1e19,3\n1e9,-1e19,3\n",
            &["line 3", "'Training FLOP'"],
        ),
        (
            "few.csv",
            "Model Size,Training FLOP,loss\n1e9,1e19,3\n2e9,1e20,2.5\n",
            &["2 data rows"],
        ),
    ];
    for (name, text, needles) in cases {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let out_cmd = Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
            .args([
                "dark-matter",
                "--data",
                p.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(out_cmd.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out_cmd.stderr);
        assert!(err.contains(name), "{name}: {err}");
        for n in needles {
            assert!(err.contains(n), "{name}: {err} lacks {n}");
        }
        assert!(!out.exists(), "{name}: output folder written");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
