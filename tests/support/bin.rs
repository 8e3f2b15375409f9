//! Running the command-line binary from a test, shared by the integration
//! test targets `suite` and `data` (each includes this file by path).

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
