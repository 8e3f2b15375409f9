//! Issue 24: extreme but legal input never hangs, never allocates
//! gigabytes, never moves a user's file. Each reproduction of the issue,
//! on small files made here, must end within 10 s with the right status.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{self, assert_refused, dark_matter_args};

/// Every reproduction ends within this.
const LIMIT: Duration = Duration::from_secs(10);

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    support::scratch(&format!("i24-{name}"))
}

/// A fresh folder holding `runs.csv` (the unaltered runs of [`runs_csv`]):
/// (folder, file).
fn scratch_with_runs(name: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    let data = dir.join("runs.csv");
    write(&data, &runs_csv(|n| n, |_, l| l));
    (dir, data)
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_scaling-laws")
}

/// The memory a run may take: 1 GiB of data segment and anonymous
/// mappings (`RLIMIT_DATA`, Linux). An allocation above it fails, which
/// aborts the child (no exit code), and that fails the test.
const MEMORY_LIMIT: u64 = 1 << 30;

/// Run the binary with a time limit and, on Linux, [`MEMORY_LIMIT`]:
/// (status, stdout, stderr). A run past the time limit is killed and fails
/// the test; a panic fails it too.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let t = Instant::now();
    let mut cmd = Command::new(bin());
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe; nothing else runs
        // between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                let lim = libc::rlimit {
                    rlim_cur: MEMORY_LIMIT,
                    rlim_max: MEMORY_LIMIT,
                };
                if libc::setrlimit(libc::RLIMIT_DATA, &lim) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    let mut child = cmd.spawn().unwrap();
    // Read the pipes on threads so a large output cannot block the child.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let ho = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut so, &mut s);
        s
    });
    let he = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut se, &mut s);
        s
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} ran past {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (out, err) = (ho.join().unwrap(), he.join().unwrap());
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    (status.code(), out, err)
}

/// A run that must exit 2 with every needle in its message (and no panic).
fn refused(args: &[&str], needles: &[&str]) -> String {
    assert_refused(args, run(args), needles)
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// Dark-matter runs: 6 sizes × 2 token multiples of L = 1.7 + 400/N^0.34 +
/// 410/D^0.28, each loss passed through `loss`, each N through `size` (the
/// FLOPs column is 6·N·D of the unaltered N).
fn runs_csv(size: impl Fn(f64) -> f64, loss: impl Fn(usize, f64) -> f64) -> String {
    let mut s = String::from("Model Size,Training FLOP,loss\n");
    let mut k = 0;
    for n in [1e7f64, 3e7, 1e8, 3e8, 1e9, 1e10] {
        for m in [10.0, 40.0] {
            let d = m * n;
            let l = 1.7 + 400.0 / n.powf(0.34) + 410.0 / d.powf(0.28);
            let c = 6.0 * n * d;
            s.push_str(&format!("{:e},{c:e},{:e}\n", size(n), loss(k, l)));
            k += 1;
        }
    }
    s
}

/// An IsoFLOP file: 3 budgets × 7 sizes around the Chinchilla optimum,
/// each N passed through `size`.
fn isoflops_csv(size: impl Fn(usize, f64) -> f64) -> String {
    let mut s =
        String::from("source,dataset,model,condition,experiment,tokens,params,budget,loss\n");
    let mut k = 0;
    for c in [1e18f64, 1e19, 1e20] {
        let n_opt = 0.6 * (c / 6.0).powf(0.5);
        for j in -3..=3 {
            let n = n_opt * 10f64.powf(j as f64 * 0.25);
            let d = c / (6.0 * n);
            let l = 1.69 + 406.4 / n.powf(0.34) + 410.7 / d.powf(0.28);
            let n = size(k, n);
            s.push_str(&format!("s,d,m,,exp,{d:e},{n:e},{c:e},{l}\n"));
            k += 1;
        }
    }
    s
}

/// Training-curve files (step, tokens, validation_loss) for 3 sizes;
/// returns the `--file PATH=N` arguments. `loss` may alter a loss.
fn curve_files(dir: &Path, loss: impl Fn(usize, f64) -> f64) -> Vec<String> {
    let mut args = Vec::new();
    for (i, n) in [1e8f64, 4e8, 1.6e9].iter().enumerate() {
        let mut s = String::from("step,tokens,validation_loss\n");
        for step in 1..=30 {
            let d = step as f64 * 2e8;
            let l = 1.8 + 500.0 * n.powf(-0.35) + 900.0 * d.powf(-0.3);
            s.push_str(&format!("{step},{d:e},{}\n", loss(i * 100 + step, l)));
        }
        let p = dir.join(format!("c{i}.csv"));
        write(&p, &s);
        args.push(format!("{}={}", p.display(), *n as u64));
    }
    args
}

// ------------------------------------------------------------ 1. figures

#[test]
fn one_extreme_value_never_stalls_a_figure() {
    let dir = scratch("figures");
    for (tag, csv) in [
        (
            "huge",
            runs_csv(|n| n, |k, l| if k == 5 { 1e300 } else { l }),
        ),
        (
            "subnormal",
            runs_csv(|n| n, |k, l| if k == 5 { 5e-324 } else { l }),
        ),
        ("tiny", runs_csv(|n| n, |_, l| l * 1e-300)),
        ("large", runs_csv(|n| n, |_, l| l * 1e290)),
    ] {
        let data = dir.join(format!("{tag}.csv"));
        write(&data, &csv);
        let out = dir.join(format!("out-{tag}"));
        let (code, _, err) = run(&dark_matter_args(
            &data,
            &out,
            &["--bootstrap", "5", "--metrics", "size"],
        ));
        // A number that cannot be computed is exit 2; otherwise the files
        // are written, figures included or skipped with a warning.
        eprintln!(
            "dark-matter {tag}: {code:?} {}",
            err.lines().next().unwrap_or("")
        );
        assert!(matches!(code, Some(0 | 2)), "{tag}: {code:?} {err}");
        if code == Some(0) {
            assert!(out.join("report.json").is_file(), "{tag}");
        }
    }
    // isoflops --out with one huge N.
    let data = dir.join("iso.csv");
    write(&data, &isoflops_csv(|k, n| if k == 3 { 1e300 } else { n }));
    let out = dir.join("iso-out");
    let (code, _, err) = run(&[
        "isoflops",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(matches!(code, Some(0 | 2)), "{code:?} {err}");
    // hitchhiker --out with one huge loss.
    let mut args = vec![
        "hitchhiker".to_string(),
        "--bootstrap".into(),
        "0".into(),
        "--out".into(),
        dir.join("hh").display().to_string(),
    ];
    for f in curve_files(&dir, |k, l| if k == 105 { 1e300 } else { l }) {
        args.push("--file".into());
        args.push(f);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run(&args);
    assert!(matches!(code, Some(0 | 2)), "{code:?} {err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

// ------------------------------------------------------- 2. output policy

#[test]
fn out_onto_a_file_or_fifo_is_refused_and_left_untouched() {
    let (dir, data) = scratch_with_runs("policy");
    let file = dir.join("precious.txt");
    write(&file, "keep me");
    let d = data.to_str().unwrap();
    let f = file.to_str().unwrap();
    for args in [
        vec!["dark-matter", "--data", d, "--out", f],
        vec!["experiment", "1", "--out", f],
        vec!["isoflops", "--data", d, "--out", f],
        vec!["isoflops", "cost", "--data", d, "--out", f],
        vec!["hitchhiker", "--file", "x.csv=1000", "--out", f],
    ] {
        refused(
            &args,
            &["it is a regular file, not a folder", "left untouched"],
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    }
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    // A FIFO: refused without opening it (an open would block).
    let fifo = dir.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let p = fifo.to_str().unwrap();
        refused(&["dark-matter", "--data", d, "--out", p], &["FIFO"]);
        refused(
            &["isoflops", "qc", "--data", d, "--out", p],
            &["FIFO", "not a regular file"],
        );
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }
    // `isoflops qc --out` onto a folder is refused too.
    refused(
        &[
            "isoflops",
            "qc",
            "--data",
            d,
            "--out",
            dir.to_str().unwrap(),
        ],
        &["it is a folder, not a regular file"],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dark_matter_writes_into_an_existing_folder_and_sweeps_stale_temporaries() {
    let (dir, data) = scratch_with_runs("sweep");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    write(&out.join("mine.txt"), "a user's file");
    // What killed runs leave: PID 4194304 is above Linux's pid_max default
    // of 4194304 − 1, so it never runs.
    let dead = 4_194_304u32;
    write(&out.join(format!(".report.json.{dead}.tmp")), "half");
    std::fs::create_dir_all(dir.join(format!(".out.tmp-{dead}"))).unwrap();
    std::fs::create_dir_all(dir.join(format!(".out.old-{dead}"))).unwrap();
    let args = dark_matter_args(&data, &out, &["--bootstrap", "5", "--metrics", "size"]);
    let (code, _, err) = run(&args);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("mine.txt")).unwrap(),
        "a user's file"
    );
    assert!(out.join("report.json").is_file());
    let hidden = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    };
    assert!(hidden(&out).is_empty(), "{:?}", hidden(&out));
    assert!(hidden(&dir).is_empty(), "{:?}", hidden(&dir));
    // Two runs into one folder at once: both succeed.
    let a = Command::new(bin())
        .args(&args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let b = Command::new(bin())
        .args(&args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    for mut c in [a, b] {
        assert!(c.wait().unwrap().success());
    }
    assert!(hidden(&out).is_empty(), "{:?}", hidden(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ------------------------------------------------------ 3. resource limits

#[test]
fn a_billion_bootstrap_replicates_are_refused_before_allocating() {
    for args in [
        "fit --data x.csv",
        "dark-matter --data x.csv",
        "hitchhiker --file x.csv=1000",
        "isoflops --data x.csv",
        "isoflops cost --data x.csv",
        "isoflops reproduce --data x.csv",
    ] {
        let mut a: Vec<&str> = args.split_whitespace().collect();
        a.extend(["--bootstrap", "1000000000"]);
        refused(&a, &["1000000000", "100000"]);
    }
    // The corrected Approach 2 obeys plain Approach 2's 10⁶ points.
    refused(
        &[
            "approach2",
            "--corrected",
            "--width",
            "0.5",
            "--points",
            "1000000",
        ],
        &["limit is 1000000"],
    );
}

// ----------------------------------------------- 4. exit 0 means finite

#[test]
fn constant_losses_are_refused_by_the_corrected_approach2() {
    let dir = scratch("flat");
    let mut s = String::from("params,tokens,loss,budget\n");
    for c in [1e18f64, 1e19, 1e20] {
        for j in 0..7 {
            let n = 1e8 * 10f64.powf(j as f64 * 0.25) * (c / 1e18).sqrt();
            s.push_str(&format!("{n:e},{:e},2.5,{c:e}\n", c / (6.0 * n)));
        }
    }
    let data = dir.join("flat.csv");
    write(&data, &s);
    let d = data.to_str().unwrap();
    let plain = refused(&["fit", "--method", "approach2", "--data", d], &[]);
    let corrected = refused(
        &["fit", "--method", "approach2-corrected", "--data", d],
        &[],
    );
    assert!(
        plain.contains("flat") && corrected.contains("flat"),
        "{plain}\n{corrected}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_overflowing_rss_is_exit_2_for_every_surface_method() {
    let dir = scratch("overflow");
    let mut s = String::from("params,tokens,loss\n");
    for (i, n) in [1e7f64, 3e7, 1e8, 3e8, 1e9].iter().enumerate() {
        for m in [5.0, 20.0, 80.0] {
            // Losses near 1e200: every square overflows f64.
            s.push_str(&format!(
                "{n:e},{:e},{:e}\n",
                m * n,
                1e200 * (1.0 + i as f64 * 0.1 + m * 1e-3)
            ));
        }
    }
    let data = dir.join("huge.csv");
    write(&data, &s);
    for method in ["vpnls", "grid", "approach3"] {
        let (code, out, err) = run(&[
            "fit",
            "--method",
            method,
            "--data",
            data.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(code, Some(2), "{method}: {out} {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dark_matter_never_prints_null_beside_a_preference() {
    let dir = scratch("dm-null");
    // All N so large that x^-α underflows at the default scale.
    let data = dir.join("huge-n.csv");
    write(&data, &runs_csv(|n| n * 1e290, |_, l| l));
    let out = dir.join("out");
    let (code, stdout, err) = run(&dark_matter_args(
        &data,
        &out,
        &["--json", "--bootstrap", "5", "--metrics", "size"],
    ));
    match code {
        Some(2) => assert!(err.contains("not computable"), "{err}"),
        Some(0) => assert!(!stdout.contains("null"), "{stdout}"),
        other => panic!("{other:?}: {err}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn closed_stdout_is_exit_1_and_a_broken_pipe_is_quiet() {
    let (w, b) = ("0.5", bin());
    let closed = Command::new("sh")
        .args([
            "-c",
            &format!("exec '{b}' vertex-shift --alpha 0.34 --beta 0.28 --width {w} >&-"),
        ])
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&closed.stderr).contains("standard output is closed"));
    // `> /dev/null` is not closed.
    let null = Command::new(b)
        .args([
            "vertex-shift",
            "--alpha",
            "0.34",
            "--beta",
            "0.28",
            "--width",
            w,
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(null.success());
    // A reader that stops at once: many lines (a registry list past the
    // pipe's 64 KiB), `head -n 1`.
    let dir = scratch("pipe");
    let mut reg = String::new();
    for k in 0..3000 {
        reg.push_str(&format!(
            "[[dataset]]\nname = \"dataset_with_a_long_name_{k:05}\"\nfiles = [ {{ path = \"x.csv\", n = 1000 }} ]\n"
        ));
    }
    let r = dir.join("reg.toml");
    write(&r, &reg);
    let piped: Output = Command::new("sh")
        .args([
            "-c",
            &format!(
                "'{b}' hitchhiker --registry '{}' list | head -n 1 >/dev/null",
                r.display()
            ),
        ])
        .output()
        .unwrap();
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------- 5. names

#[test]
fn hitchhiker_refuses_empty_and_colliding_dataset_names_with_out() {
    let dir = scratch("names");
    let files = curve_files(&dir, |_, l| l);
    let entry = |name: &str| {
        let (p, n) = files[0].rsplit_once('=').unwrap();
        format!("[[dataset]]\nname = \"{name}\"\nfiles = [ {{ path = \"{p}\", n = {n} }} ]\n")
    };
    let out = dir.join("out");
    for (names, needle) in [
        (vec![""], "empty name"),
        (vec!["a.b", "a_b"], "'a.b' and 'a_b'"),
    ] {
        let reg = dir.join("reg.toml");
        write(&reg, &names.iter().map(|n| entry(n)).collect::<String>());
        refused(
            &[
                "hitchhiker",
                "--registry",
                reg.to_str().unwrap(),
                "--all",
                "--out",
                out.to_str().unwrap(),
            ],
            &[needle],
        );
        assert!(!dir.join("out.csv").exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

// ------------------------------------------------------- 6. messages

#[test]
fn unreadable_paths_are_named_by_their_cause() {
    let dir = scratch("causes");
    let d = dir.to_str().unwrap();
    refused(
        &["hitchhiker", "--registry", d, "list"],
        &["it is a folder"],
    );
    refused(
        &[
            "hitchhiker",
            "--file",
            &format!("{d}=1000"),
            "--bootstrap",
            "0",
        ],
        &["it is a folder"],
    );
    let link = dir.join("loop");
    std::os::unix::fs::symlink(&link, &link).unwrap();
    refused(
        &["hitchhiker", "--registry", link.to_str().unwrap(), "list"],
        &["symbolic-link loop"],
    );
    refused(
        &[
            "hitchhiker",
            "--registry",
            dir.join("absent.toml").to_str().unwrap(),
            "list",
        ],
        &["file not found"],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn more_folds_than_runs_report_the_folds_made() {
    let (dir, data) = scratch_with_runs("folds");
    let out = dir.join("out");
    let (code, stdout, err) = run(&dark_matter_args(
        &data,
        &out,
        &[
            "--json",
            "--bootstrap",
            "0",
            "--metrics",
            "size",
            "--folds",
            "1000",
        ],
    ));
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let cv = &v["size"]["cv_rmse"];
    // 12 runs in 6 sizes.
    assert_eq!(cv["random"]["folds"], 12, "{cv}");
    assert_eq!(cv["by_model_size"]["folds"], 6, "{cv}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn crlf_files_report_the_line_the_user_counts() {
    let dir = scratch("crlf");
    let data = dir.join("crlf.csv");
    write(
        &data,
        "params,tokens,loss\r\n1e8,2e9,3.1\r\n2e8,4e9,oops\r\n4e8,8e9,2.9\r\n",
    );
    refused(
        &["fit", "--method", "vpnls", "--data", data.to_str().unwrap()],
        &["line 3"],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn negative_hitchhiker_settings_reach_the_typed_check() {
    // `--min-tokens -1` keeps every checkpoint: it is parsed, not taken for
    // an option (the file is absent, so the run ends on that).
    let e = refused(
        &[
            "hitchhiker",
            "--file",
            "absent.csv=1000",
            "--min-tokens",
            "-1",
        ],
        &[],
    );
    assert!(e.contains("file not found"), "{e}");
    refused(
        &[
            "hitchhiker",
            "--file",
            "absent.csv=1000",
            "--skip-first",
            "-0.5",
        ],
        &["skip-first"],
    );
}

#[test]
fn isoflops_studies_report_a_missing_experiment_and_go_on() {
    let dir = scratch("studies");
    let data = dir.join("iso.csv");
    write(&data, &isoflops_csv(|_, n| n));
    let d = data.to_str().unwrap();
    for study in ["residuals", "cost"] {
        let mut args = vec!["isoflops", study, "--data", d, "--json"];
        if study == "cost" {
            args.extend(["--bootstrap", "10"]);
        }
        let (code, out, err) = run(&args);
        assert_eq!(code, Some(0), "{study}: {err}");
        assert!(out.contains("not in the IsoFLOP file"), "{study}: {out}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
