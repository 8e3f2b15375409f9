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
