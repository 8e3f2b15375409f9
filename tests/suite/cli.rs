//! The command line: JSON contracts, errors, experiment files.

use std::process::Command;

use crate::support::{assert_refused, dark_matter_args, json_of, run_status, words};

/// Run the binary: (success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    let (code, out, err) = run_status(args);
    (code == Some(0), out, err)
}

/// Run a command that must fail as bad input: exit status 2, nothing on
/// stdout, no panic, and every needle in the message. Returns the message.
fn fails_clearly(args: &[&str], needles: &[&str]) -> String {
    assert_refused(args, run_status(args), needles)
}

#[test]
fn vertex_shift_json_has_the_contract_keys() {
    let w = 16f64.log10().to_string();
    let mut args = words("vertex-shift --alpha 0.34 --beta 0.28 --json --width");
    args.push(&w);
    let v = json_of(&args);
    let dw = v["delta_w"].as_f64().unwrap();
    assert!((dw - 0.0227349).abs() < 1e-7);
    assert!((v["n_intercept_error"].as_f64().unwrap() - (10f64.powf(dw) - 1.0)).abs() < 1e-15);
    assert!((v["d_intercept_error"].as_f64().unwrap() - (10f64.powf(-dw) - 1.0)).abs() < 1e-15);
}

#[test]
fn approach2_json_has_fitted_true_and_predicted_laws() {
    let v = json_of(&words(
        "approach2 --surface asymmetric --width 1.0 --drift 0.3 --json",
    ));
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
    for (line, needle) in [
        ("vertex-shift --alpha -0.3 --beta 0.28 --width 1", "-0.3"),
        ("vertex-shift --alpha 0.3 --beta 0.28 --width 0", "W"),
        (
            "vertex-shift --alpha 0.3 --beta 0.28 --width 1 --points 2",
            "3 points",
        ),
        ("approach2 --width 1 --budgets 1e18,-5", "-5"),
        ("approach2 --width 1 --alpha 0.3", "missing"),
        ("approach2 --width 1 --surface nope", "nope"),
        ("approach2 --width 1 --scale 0", "center_scale"),
        ("vertex-shift --alpha abc --beta 0.28 --width 1", "abc"),
        ("experiment 15", "15"),
        ("experiment 1 --widths 0.3", "0.3"),
    ] {
        fails_clearly(&words(line), &[needle]);
    }
}

/// Run `experiment N` into a fresh temporary folder; assert it succeeds,
/// prints `needle`, and writes every file of `files` (more than 100 bytes)
/// under `DIR/expN/`. Returns DIR.
fn experiment_writes(number: &str, needle: &str, files: &[&str]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("scaling-laws-exp{number}-{}", std::process::id()));
    let (ok, out, err) = run(&["experiment", number, "--out", dir.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains(needle), "{out}");
    for f in files {
        let p = dir.join(format!("exp{number}")).join(f);
        assert!(
            p.metadata().map(|m| m.len() > 100).unwrap_or(false),
            "{}",
            p.display()
        );
    }
    dir
}

#[test]
fn experiment_1_widths_default_to_the_reference_and_log2_is_a_named_option() {
    for (flag, first) in [(None, "0.3000"), (Some("log2"), "0.3010")] {
        let dir = std::env::temp_dir().join(format!(
            "scaling-laws-exp1-widths-{}-{}",
            flag.unwrap_or("default"),
            std::process::id()
        ));
        let mut args = vec!["experiment", "1", "--out", dir.to_str().unwrap()];
        if let Some(f) = flag {
            args.extend(["--widths", f]);
        }
        let (ok, out, err) = run(&args);
        assert!(ok, "{err}");
        assert!(
            out.contains(&format!("20 widths W from {first} to 2.0000 decades")),
            "{out}"
        );
        let csv = std::fs::read_to_string(dir.join("exp1/errors.csv")).unwrap();
        let header = csv.lines().next().unwrap();
        assert!(header.contains(",a_hat_approach2,a_hat_closed_form,a_error_approach2,"));
        assert_eq!(csv.lines().count(), 1 + 2 * 20);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn experiment_6_writes_csv_figures_and_report() {
    let dir = experiment_writes(
        "6",
        "chinchilla",
        &[
            "analytical_error.csv",
            "analytical_error.png",
            "analytical_error.svg",
            "report.txt",
        ],
    );
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

/// `fit --method METHOD --data PATH` followed by the words of `extra`.
fn fit_args<'a>(method: &'a str, path: &'a std::path::Path, extra: &'a str) -> Vec<&'a str> {
    let mut args = vec!["fit", "--method", method, "--data", path.to_str().unwrap()];
    args.extend(words(extra));
    args
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

/// `chinchilla_csv` with every data line (1-based line number `i` ≥ 2, its
/// fields) rewritten by `f`; the header kept.
fn chinchilla_csv_with(f: impl Fn(usize, &[&str]) -> String) -> String {
    chinchilla_csv()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                let fields: Vec<&str> = l.split(',').collect();
                f(i, &fields) + "\n"
            }
        })
        .collect()
}

#[test]
fn fit_vpnls_json_recovers_the_surface_from_csv() {
    let p = write_csv("vpnls", &chinchilla_csv());
    let v = json_of(&fit_args("vpnls", &p, "--json"));
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
    let v = json_of(&fit_args("approach2", &p, "--json"));
    assert!((v["a"].as_f64().unwrap() - 0.28 / 0.62).abs() < 1e-10);
    let _ = std::fs::remove_file(p);
}

#[test]
fn fit_names_the_line_and_column_of_malformed_data() {
    let good = chinchilla_csv();
    let mut lines: Vec<String> = good.lines().map(String::from).collect();
    lines[3] = lines[3].replacen(|c: char| c.is_ascii_digit(), "x", 1);
    let p = write_csv("bad", &(lines.join("\n") + "\n"));
    fails_clearly(&fit_args("vpnls", &p, ""), &["line 4", "'params'"]);
    let q = write_csv(
        "neg",
        &good.replacen("\n", "\n-", 2).replacen("\n-", "\n", 1),
    );
    fails_clearly(&fit_args("vpnls", &q, ""), &["line 3", "positive"]);
    fails_clearly(&fit_args("vpnls", &p, "--n-col N"), &["no column 'N'"]);
    fails_clearly(
        &words("fit --method vpnls --data /nonexistent/x.csv"),
        &["/nonexistent/x.csv"],
    );
    let _ = std::fs::remove_file(p);
    let _ = std::fs::remove_file(q);
}

/// Issue 7 §2 "column Some(1)": the CSV reader's own errors (a short or long
/// line, an unclosed quote, bytes that are not UTF-8, an empty file) name
/// the file, the line and the column or the header, never a Rust `Option`.
#[test]
fn fit_names_the_line_of_a_malformed_csv_structure() {
    let cases: [(&str, &[u8], &[&str]); 6] = [
        (
            "short",
            b"params,tokens,loss\n1e9,1e10,3\n1e9,1e10\n",
            &[
                "line 3 has 2 field(s)",
                "header has 3 (params, tokens, loss)",
            ],
        ),
        (
            "long",
            b"params,tokens,loss\n1e9,1e10,3,4\n",
            &["line 2 has 4 field(s)", "an extra cell"],
        ),
        (
            "quote",
            b"params,tokens,loss\n\"1e9,1e10,3\n",
            &["line 2 has 1 field(s)", "never closed"],
        ),
        (
            "utf8",
            b"params,tokens,loss\n1e9,\xff1e10,3\n",
            &["line 2, column 'tokens'", "not valid UTF-8"],
        ),
        (
            "utf8-header",
            b"par\xffams,tokens,loss\n1e9,1e10,3\n",
            &["line 1, column number 1", "not valid UTF-8"],
        ),
        ("empty", b"", &["the file is empty"]),
    ];
    for (name, body, needles) in cases {
        let p =
            std::env::temp_dir().join(format!("scaling-laws-{}-{name}.csv", std::process::id()));
        std::fs::write(&p, body).unwrap();
        let err = fails_clearly(&fit_args("vpnls", &p, ""), needles);
        assert!(err.contains(p.to_str().unwrap()), "{err}");
        assert!(!err.contains("Some(") && !err.contains("None"), "{err}");
        let _ = std::fs::remove_file(p);
    }
}

/// Issue 7 §2 "a gradient overflow reported as a non-finite input value":
/// data so extreme that the objective or a design term overflows f64 are an
/// error that says so and where (status 2), not "not finite at the start"
/// with a finite value, nor "column Some(2)".
#[test]
fn fit_reports_an_overflow_as_an_overflow_naming_where() {
    // N = 1e-320: A·N^−α overflows once the search reaches α = 0.99.
    let tiny_n = write_csv(
        "i7-tiny-n",
        "params,tokens,loss\n1e-320,1e10,3\n1e-300,1e11,2.5\n1e9,1e12,2.2\n1e10,1e9,2.4\n1e11,1e10,2.3\n",
    );
    let err = fails_clearly(
        &fit_args("approach3", &tiny_n, ""),
        &["rss objective's value overflowed f64 during the search at (E, A, B, α, β)"],
    );
    assert!(!err.contains("not finite at the start"), "{err}");
    // D = 5e-324: D^−β overflows for β > 0.954, inside VPNLS's (α, β) grid.
    let tiny_d = write_csv(
        "i7-tiny-d",
        "params,tokens,loss\n1e9,5e-324,3\n1e-300,1e11,2.5\n1e9,1e12,2.2\n1e10,1e9,2.4\n1e11,1e10,2.3\n",
    );
    let err = fails_clearly(
        &fit_args("vpnls", &tiny_d, ""),
        &["point 0: D^−β", "overflows f64"],
    );
    assert!(!err.contains("Some("), "{err}");
    // The grid search still answers; its VPNLS check names the same point.
    let v = json_of(&fit_args("grid", &tiny_d, "--json"));
    let warnings = v["warnings"].to_string();
    assert!(
        warnings.contains("point 0: D^−β") && !warnings.contains("Some("),
        "{warnings}"
    );
    let _ = std::fs::remove_file(tiny_n);
    let _ = std::fs::remove_file(tiny_d);
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
        let extra = if method == "approach3" {
            format!("--objective {objective} --json")
        } else {
            "--json".to_string()
        };
        let v = json_of(&fit_args(method, &p, &extra));
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
                "{v}"
            );
        }
    }
    fails_clearly(
        &fit_args("approach3", &p, "--objective nonsense"),
        &["nonsense"],
    );
    let _ = std::fs::remove_file(p);
}

#[test]
fn experiment_8_writes_its_report_and_tables() {
    let dir = experiment_writes(
        "8",
        "condition number",
        &["fits.csv", "hessians.csv", "noise.csv", "report.txt"],
    );
    let _ = std::fs::remove_dir_all(dir);
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
        let err = fails_clearly(&dark_matter_args(&p, &out, &[]), needles);
        assert!(err.contains(name), "{name}: {err}");
        assert!(!out.exists(), "{name}: output folder written");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 7 §2: one command line per defect, each a clear error (status 2)
/// or a right answer — never `null`, `inf` echoed, or a panic.
#[test]
fn issue7_defects_answer_right_or_fail_clearly() {
    let vs = |extra: &str| format!("vertex-shift --alpha .34 --beta .28 --json {extra}");
    let vs_json = |extra: &str| json_of(&words(&vs(extra)));
    // n² overflowed: δw 0.00518 where the truth is 0.02001.
    let v = vs_json("--width 1.2041 --points 3037000500");
    assert!(
        (v["delta_w"].as_f64().unwrap() - 0.02001).abs() < 1e-5,
        "{v}"
    );
    // Wide and tiny widths: finite numbers, no null.
    for w in ["1000", "1e-300", "1e-8"] {
        let v = vs_json(&format!("--width {w}"));
        assert!(
            v["delta_w"].as_f64().is_some_and(f64::is_finite),
            "{w}: {v}"
        );
        assert!(!v.to_string().contains("null"), "{w}: {v}");
    }
    // The text form quotes inputs as written, not as 300 zeros.
    let (ok, out, err) = run(&words(
        "vertex-shift --alpha .34 --beta .28 --width 1e-300 --offset 1e-200",
    ));
    assert!(
        ok && out.contains("W = 1e-300") && out.contains("offset = 1e-200"),
        "{out}{err}"
    );
    assert!(out.len() < 300, "{out}");
    // W = 1e-8: ≈ d₂W² (d₂ = ln10·(α−β)·r₄/(6r₂) ≈ 0.0157 for n = 15), not noise.
    let dw = vs_json("--width 1e-8")["delta_w"].as_f64().unwrap();
    assert!(dw > 1.5e-18 && dw < 1.6e-18, "{dw}");
    // No f64 answer: an error, not null.
    for extra in ["--width 1 --offset 1e300", "--width 1e308 --offset 0"] {
        fails_clearly(&words(&vs(extra)), &["f64"]);
    }
    for (line, needle) in [
        // 1e400 was echoed as "inf".
        (
            "vertex-shift --alpha .3 --beta .2 --width 1e400",
            "'1e400' overflows f64",
        ),
        // Capacity overflow panic / 16 GB abort / "0 compute budget(s)".
        ("approach2 --width 1 --points 4611686018427387904", "2^53"),
        ("approach2 --width 1 --points 18446744073709551615", "2^53"),
        ("approach2 --width 1 --points 100000000", "limit is 1000000"),
        // a = 0.029 with exit 0 where the truth is 0.4516.
        (
            "approach2 --width 1 --budgets 1e300,1e301",
            "rounding level",
        ),
        // "2 budgets … needs at least 2".
        (
            "approach2 --width 1 --budgets 1e20,1.0000000000000002e20",
            "distinct, but their log10 C",
        ),
        // "point 30: N must be positive" without naming the argument.
        ("approach2 --width 1 --drift 1e3", "--drift"),
        ("approach2 --width 1 --scale 1e300", "--scale"),
    ] {
        let err = fails_clearly(&words(line), &[needle]);
        assert!(!err.contains("got inf"), "{line}: {err}");
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
    // --objective silently ignored by vpnls and grid: an error.
    for method in ["vpnls", "grid", "approach2"] {
        fails_clearly(
            &fit_args(method, &p, "--objective log-loss"),
            &["approach3 only"],
        );
    }
    // approach2-corrected takes --bootstrap as plain Approach 2 does: on
    // noise-free data every replicate gives the fit's own numbers, so each
    // interval holds the estimate (to rounding), with VPNLS's N* beside.
    let v = json_of(&fit_args(
        "approach2-corrected",
        &p,
        "--budget 1e24 --bootstrap 10 --json",
    ));
    for k in ["a", "b", "a_intercept", "b_intercept", "alpha", "beta"] {
        let iv = v["interval"][k]
            .as_array()
            .unwrap_or_else(|| panic!("{k}: {v}"));
        let x = v[k].as_f64().unwrap();
        let tol = 1e-9 * x.abs().max(1.0);
        assert!(
            iv[0].as_f64().unwrap() <= x + tol && x - tol <= iv[1].as_f64().unwrap(),
            "{k}: {v}"
        );
    }
    let alloc = &v["allocations"][0];
    let n = alloc["n_opt"].as_f64().unwrap();
    for key in ["n_opt", "n_opt_vpnls"] {
        let iv = alloc["interval"][key]
            .as_array()
            .unwrap_or_else(|| panic!("{key}: {v}"));
        assert!(
            (iv[0].as_f64().unwrap() / n - 1.0).abs() < 1e-6,
            "{key}: {v}"
        );
    }
    assert_eq!(v["on_bound_share"], 0.0, "{v}");
    // grid: a grid point, and a warning that VPNLS goes lower.
    let v = json_of(&fit_args("grid", &p, "--json"));
    assert_eq!(v["status"], "grid_point");
    assert!(
        v["warnings"][0]
            .as_str()
            .unwrap()
            .contains("coarse grid point"),
        "{v}"
    );
    // vpnls at the minimum: no warnings.
    let v = json_of(&fit_args("vpnls", &p, "--json"));
    assert_eq!(v["warnings"].as_array().unwrap().len(), 0, "{v}");
    // One IsoFLOP curve: Approach 3's local fit stops in a local minimum;
    // its certificate sees the profile's lower value, the global stage
    // starts again from there and reaches it (issue 22; proofs/18).
    let one: String = chinchilla_csv()
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0 || (31..=45).contains(i))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let q = write_csv("i7-one", &one);
    let v = json_of(&fit_args("approach3", &q, "--json"));
    let vp = json_of(&fit_args("vpnls", &q, "--json"));
    assert_eq!(v["certificate"]["global_stage"], true, "{v}");
    assert_eq!(v["certificate"]["objective"], "rss", "{v}");
    let gap = v["certificate"]["gap"].as_f64().unwrap();
    assert!(
        gap <= v["certificate"]["tolerance"].as_f64().unwrap(),
        "{v}"
    );
    assert_eq!(v["certificate"]["holds"], true, "{v}");
    assert!(
        v["rss"].as_f64().unwrap() <= vp["rss"].as_f64().unwrap() * (1.0 + 1e-9) + 1e-24,
        "{v} {vp}"
    );
    assert_eq!(v["warnings"].as_array().unwrap().len(), 0, "{v}");
    // N = D with α = β: not identifiable, for every surface method.
    let mut nd = String::from("params,tokens,loss\n");
    for i in 0..20 {
        let n = 10f64.powf(8.0 + i as f64 * 0.15);
        nd.push_str(&format!("{n:?},{n:?},{:?}\n", 1.7 + 800.0 * n.powf(-0.3)));
    }
    let r = write_csv("i7-nd", &nd);
    for method in ["vpnls", "approach3", "grid"] {
        let v = json_of(&fit_args(method, &r, "--json"));
        assert_eq!(v["status"], "not_identifiable", "{method}: {v}");
    }
    // Approach 2 on constant losses: a typed error, not a = 0.404.
    let flat = chinchilla_csv_with(|_, f| format!("{},{},2.5,{},x", f[0], f[1], f[3]));
    let s = write_csv("i7-flat", &flat);
    fails_clearly(&fit_args("approach2", &s, ""), &["rounding level"]);
    // A per-row budget column: named, and --budget-tolerance pools it.
    let per_row = chinchilla_csv_with(|i, f| {
        let c: f64 = f[3].parse().unwrap();
        format!(
            "{},{},{},{:?},x",
            f[0],
            f[1],
            f[2],
            c * (1.0 + i as f64 * 1e-12)
        )
    });
    let t = write_csv("i7-row", &per_row);
    fails_clearly(&fit_args("approach2", &t, ""), &["computed per row"]);
    let v = json_of(&fit_args("approach2", &t, "--budget-tolerance 1e-6 --json"));
    assert!((v["a"].as_f64().unwrap() - 0.28 / 0.62).abs() < 1e-9, "{v}");
    // A cell that overflows f64 is quoted as written.
    let u = write_csv("i7-big", "params,tokens,loss\n1e9,1e10,1e400\n");
    fails_clearly(&fit_args("vpnls", &u, ""), &["'1e400'", "overflows"]);
    for f in [p, q, r, s, t, u] {
        let _ = std::fs::remove_file(f);
    }
}

/// Issue 7 §2: `huber-log` returned α = 0 or β = 5 outside the documented
/// [0.01, 0.99]. Its box is documented as [0, 5] (specs/commands.md), and a
/// fit that ends on it says so: `bound_hit`, or `not_identifiable` at α = 0
/// (where A·N^0 merges with E) with the optimizer's bound hit in the warning.
#[test]
fn huber_log_ends_inside_its_documented_box_and_says_so_at_its_edge() {
    let table = |f: &dyn Fn(f64, f64) -> f64, log10_n0: f64, step: f64| {
        let mut t = String::from("params,tokens,loss\n");
        for i in 0..6 {
            for j in 0..6 {
                let (n, d) = (
                    10f64.powf(log10_n0 + step * i as f64),
                    10f64.powf(9.0 + 0.4 * j as f64),
                );
                t.push_str(&format!("{n:?},{d:?},{:?}\n", f(n, d)));
            }
        }
        t
    };
    // Loss rising with N: α wants to be negative and stops at 0.
    let up = write_csv(
        "huber-up",
        &table(
            &|n, d| 1.7 + 0.02 * n.log10() + 400.0 * d.powf(-0.3),
            8.0,
            0.4,
        ),
    );
    // Loss falling like N^−7 over N ∈ [1, 3.2]: α stops at 5.
    let steep = write_csv(
        "huber-steep",
        &table(
            &|n, d| 1.7 + 2.0 * n.powf(-7.0) + 400.0 * d.powf(-0.3),
            0.0,
            0.1,
        ),
    );
    for (p, edge, statuses) in [
        (&up, 0.0, &["bound_hit", "not_identifiable"][..]),
        (&steep, 5.0, &["bound_hit"][..]),
    ] {
        let v = json_of(&fit_args("approach3", p, "--objective huber-log --json"));
        let alpha = v["alpha"].as_f64().unwrap();
        assert!((0.0..=5.0).contains(&alpha), "{v}");
        assert!((alpha - edge).abs() <= 1e-6, "{v}");
        assert!(statuses.contains(&v["status"].as_str().unwrap()), "{v}");
        if v["status"] == "not_identifiable" {
            assert!(v["warnings"].to_string().contains("bound_hit"), "{v}");
        }
    }
    let _ = std::fs::remove_file(up);
    let _ = std::fs::remove_file(steep);
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

#[test]
fn fit_grid_bootstrap_gives_intervals_from_its_grid_points_and_never_null() {
    // The grid method's answer is its grid point (status `grid_point`, not
    // `converged`); its bootstrap replicates are those grid points, so every
    // interval is a finite [low, high] that contains the fit's own value.
    let p = write_csv("grid_bootstrap", &chinchilla_csv());
    let v = json_of(&fit_args("grid", &p, "--bootstrap 16 --seed 3 --json"));
    assert_eq!(v["status"], "grid_point");
    for k in ["E", "A", "B", "alpha", "beta"] {
        let iv = v["interval"][k]
            .as_array()
            .unwrap_or_else(|| panic!("{k}: {}", v["interval"][k]));
        let (lo, hi) = (iv[0].as_f64().unwrap(), iv[1].as_f64().unwrap());
        let x = v[k].as_f64().unwrap();
        assert!(
            lo.is_finite() && hi.is_finite() && lo <= hi,
            "{k}: [{lo}, {hi}]"
        );
        assert!(lo <= x && x <= hi, "{k}: {x} outside [{lo}, {hi}]");
    }
}
