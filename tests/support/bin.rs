//! Running the command-line binary from a test, shared by the integration
//! test targets `suite` and `data` (each includes this file by path; each
//! uses a part of it).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Run the binary: (exit status, stdout, stderr); the status is `None`
/// when a signal ended the process.
pub fn run_status(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The words of a command line written as one string (for arguments
/// without spaces).
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Run a command that must exit 0 and print one JSON object; the object.
pub fn json_of(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = run_status(args);
    assert_eq!(code, Some(0), "{args:?} failed: {err}");
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

/// Check the result `(status, stdout, stderr)` of running `args` as a
/// refusal of bad input: exit status 2, no panic, every needle in the
/// message, nothing on stdout (no partial answer). Returns the message.
pub fn assert_refused(
    args: &[&str],
    (code, out, err): (Option<i32>, String, String),
    needles: &[&str],
) -> String {
    assert_eq!(code, Some(2), "{args:?} should exit 2: {err}\n{out}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(out.is_empty(), "{args:?} printed {out}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {err} lacks {n:?}");
    }
    err
}

/// A fresh, empty folder for one test: `sl-TAG-PID` in the temporary folder.
pub fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sl-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `dark-matter --data DATA --out OUT` followed by `extra`.
pub fn dark_matter_args<'a>(data: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "dark-matter",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args
}
