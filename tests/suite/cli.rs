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
        (vec!["experiment", "14"], "14"),
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
        let mut args = vec!["fit", "--method", method];
        if method == "approach3" {
            args.extend(["--objective", objective]);
        }
        args.extend(["--data", p.to_str().unwrap(), "--json"]);
        let (ok, out, err) = run(&args);
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
            [
                "converged",
                "max_iter",
                "abnormal",
                "bound_hit",
                "grid_point",
                "not_identifiable",
                "non_finite"
            ]
            .contains(&status),
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

/// Issue 7 §2: one command line per defect, each a clear error (status 2)
/// or a right answer — never `null`, `inf` echoed, or a panic.
#[test]
fn issue7_defects_answer_right_or_fail_clearly() {
    let vs = |extra: &[&str]| {
        let mut a = vec!["vertex-shift", "--alpha", ".34", "--beta", ".28", "--json"];
        a.extend_from_slice(extra);
        run(&a)
    };
    // n² overflowed: δw 0.00518 where the truth is 0.02001.
    let (ok, out, err) = vs(&["--width", "1.2041", "--points", "3037000500"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        (v["delta_w"].as_f64().unwrap() - 0.02001).abs() < 1e-5,
        "{out}"
    );
    // Wide and tiny widths: finite numbers, no null.
    for w in ["1000", "1e-300", "1e-8"] {
        let (ok, out, err) = vs(&["--width", w]);
        assert!(ok && !out.contains("null"), "{w}: {out} {err}");
    }
    // W = 1e-8: ≈ d₂W² (d₂ = ln10·(α−β)·r₄/(6r₂) ≈ 0.0157 for n = 15), not noise.
    let (_, out, _) = vs(&["--width", "1e-8"]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let dw = v["delta_w"].as_f64().unwrap();
    assert!(dw > 1.5e-18 && dw < 1.6e-18, "{dw}");
    // No f64 answer: an error, not null.
    for extra in [
        ["--width", "1", "--offset", "1e300"],
        ["--width", "1e308", "--offset", "0"],
    ] {
        let (ok, out, err) = vs(&extra);
        assert!(
            !ok && out.is_empty() && err.contains("f64"),
            "{extra:?}: {err}"
        );
    }
    for (args, needle) in [
        // 1e400 was echoed as "inf".
        (
            vec![
                "vertex-shift",
                "--alpha",
                ".3",
                "--beta",
                ".2",
                "--width",
                "1e400",
            ],
            "'1e400' overflows f64",
        ),
        // Capacity overflow panic / 16 GB abort / "0 compute budget(s)".
        (
            vec![
                "approach2",
                "--width",
                "1",
                "--points",
                "4611686018427387904",
            ],
            "2^53",
        ),
        (
            vec![
                "approach2",
                "--width",
                "1",
                "--points",
                "18446744073709551615",
            ],
            "2^53",
        ),
        (
            vec!["approach2", "--width", "1", "--points", "100000000"],
            "limit is 1000000",
        ),
        // a = 0.029 with exit 0 where the truth is 0.4516.
        (
            vec!["approach2", "--width", "1", "--budgets", "1e300,1e301"],
            "rounding level",
        ),
        // "2 budgets … needs at least 2".
        (
            vec![
                "approach2",
                "--width",
                "1",
                "--budgets",
                "1e20,1.0000000000000002e20",
            ],
            "distinct, but their log10 C",
        ),
        // "point 30: N must be positive" without naming the argument.
        (
            vec!["approach2", "--width", "1", "--drift", "1e3"],
            "--drift",
        ),
        (
            vec!["approach2", "--width", "1", "--scale", "1e300"],
            "--scale",
        ),
    ] {
        let (ok, _, err) = run(&args);
        assert!(!ok, "{args:?} should fail");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("got inf"),
            "{args:?}: {err}"
        );
    }
}

fn exit_code(args: &[&str], stdout: std::process::Stdio) -> Option<i32> {
    Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(args)
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
        .status
        .code()
}

#[test]
fn a_full_or_closed_stdout_exits_1_with_a_message_not_a_panic() {
    let args = [
        "vertex-shift",
        "--alpha",
        ".3",
        "--beta",
        ".2",
        "--width",
        "1",
    ];
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(args)
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("could not be written") && !err.contains("panicked"),
        "{err}"
    );
    // A closed pipe: the reader is gone before the child writes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args([
            "experiment",
            "6",
            "--out",
            std::env::temp_dir()
                .join(format!("sl-pipe-{}", std::process::id()))
                .to_str()
                .unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("sl-pipe-{}", std::process::id())),
    );
    assert_eq!(exit_code(&args, std::process::Stdio::piped()), Some(0));
}

#[test]
fn fit_reports_warnings_statuses_and_refuses_a_meaningless_objective() {
    let p = write_csv("i7", &chinchilla_csv());
    let path = p.to_str().unwrap();
    // --objective silently ignored by vpnls and grid: an error.
    for method in ["vpnls", "grid", "approach2"] {
        let (ok, _, err) = run(&[
            "fit",
            "--method",
            method,
            "--objective",
            "log-loss",
            "--data",
            path,
        ]);
        assert!(!ok && err.contains("approach3 only"), "{method}: {err}");
    }
    // grid: a grid point, and a warning that VPNLS goes lower.
    let (ok, out, err) = run(&["fit", "--method", "grid", "--data", path, "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["status"], "grid_point");
    assert!(
        v["warnings"][0]
            .as_str()
            .unwrap()
            .contains("coarse grid point"),
        "{out}"
    );
    // vpnls at the minimum: no warnings.
    let (_, out, _) = run(&["fit", "--method", "vpnls", "--data", path, "--json"]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["warnings"].as_array().unwrap().len(), 0, "{out}");
    // One IsoFLOP curve: Approach 3 stops in a local minimum and is told so.
    let one: String = chinchilla_csv()
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0 || (31..=45).contains(i))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let q = write_csv("i7-one", &one);
    let (ok, out, err) = run(&[
        "fit",
        "--method",
        "approach3",
        "--data",
        q.to_str().unwrap(),
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        v["warnings"]
            .to_string()
            .contains("a lower rss objective exists"),
        "{out}"
    );
    // N = D with α = β: not identifiable, for every surface method.
    let mut nd = String::from("params,tokens,loss\n");
    for i in 0..20 {
        let n = 10f64.powf(8.0 + i as f64 * 0.15);
        nd.push_str(&format!("{n:?},{n:?},{:?}\n", 1.7 + 800.0 * n.powf(-0.3)));
    }
    let r = write_csv("i7-nd", &nd);
    for method in ["vpnls", "approach3", "grid"] {
        let (ok, out, err) = run(&[
            "fit",
            "--method",
            method,
            "--data",
            r.to_str().unwrap(),
            "--json",
        ]);
        assert!(ok, "{method}: {err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(v["status"], "not_identifiable", "{method}: {out}");
    }
    // Approach 2 on constant losses: a typed error, not a = 0.404.
    let flat: String = chinchilla_csv()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                let f: Vec<&str> = l.split(',').collect();
                format!("{},{},2.5,{},x\n", f[0], f[1], f[3])
            }
        })
        .collect();
    let s = write_csv("i7-flat", &flat);
    let (ok, _, err) = run(&[
        "fit",
        "--method",
        "approach2",
        "--data",
        s.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("rounding level"), "{err}");
    // A per-row budget column: named, and --budget-tolerance pools it.
    let per_row: String = chinchilla_csv()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                return format!("{l}\n");
            }
            let f: Vec<&str> = l.split(',').collect();
            let c: f64 = f[3].parse().unwrap();
            format!(
                "{},{},{},{:?},x\n",
                f[0],
                f[1],
                f[2],
                c * (1.0 + i as f64 * 1e-12)
            )
        })
        .collect();
    let t = write_csv("i7-row", &per_row);
    let (ok, _, err) = run(&[
        "fit",
        "--method",
        "approach2",
        "--data",
        t.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("computed per row"), "{err}");
    let (ok, out, err) = run(&[
        "fit",
        "--method",
        "approach2",
        "--data",
        t.to_str().unwrap(),
        "--budget-tolerance",
        "1e-6",
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        (v["a"].as_f64().unwrap() - 0.28 / 0.62).abs() < 1e-9,
        "{out}"
    );
    // A cell that overflows f64 is quoted as written.
    let u = write_csv("i7-big", "params,tokens,loss\n1e9,1e10,1e400\n");
    let (ok, _, err) = run(&["fit", "--method", "vpnls", "--data", u.to_str().unwrap()]);
    assert!(
        !ok && err.contains("'1e400'") && err.contains("overflows"),
        "{err}"
    );
    for f in [p, q, r, s, t, u] {
        let _ = std::fs::remove_file(f);
    }
}

#[test]
fn experiment_removes_temporaries_an_interrupted_run_left() {
    let dir = std::env::temp_dir().join(format!("scaling-laws-stale-cli-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("exp6")).unwrap();
    let stale = dir.join("exp6/.report.txt.4294967295.tmp");
    std::fs::write(&stale, b"half").unwrap();
    let (ok, _, err) = run(&["experiment", "6", "--out", dir.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(!stale.exists());
    let _ = std::fs::remove_dir_all(dir);
}
