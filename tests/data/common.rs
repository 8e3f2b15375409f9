//! Where the published data are found, and the runner that says so when
//! they are not.
//!
//! The data (Epoch AI's Chinchilla runs, the IsoFLOP file of five studies,
//! the seed's training runs) may not be redistributed, so they are never in
//! this repository. They are read from the folder named by
//! `SCALING_LAWS_DATA`, else from `../shared/data` beside the crate. When
//! neither exists the tests are not run and one line says so; with
//! `SCALING_LAWS_REQUIRE_DATA=1` (as `.ci/run` sets) that is a failure.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

/// The environment variable naming the data folder.
pub const ENV: &str = "SCALING_LAWS_DATA";
/// Set to 1 to make missing data a failure instead of a skip.
pub const REQUIRE_ENV: &str = "SCALING_LAWS_REQUIRE_DATA";

/// The data folder: `$SCALING_LAWS_DATA`, else `../shared/data` beside the
/// crate when it exists. `Err` when `SCALING_LAWS_DATA` names a folder that
/// does not exist (a mistake, never a skip).
pub fn data_dir() -> Result<Option<PathBuf>, String> {
    if let Some(v) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        let p = PathBuf::from(v);
        return if p.is_dir() {
            Ok(Some(p))
        } else {
            Err(format!("{ENV}={} is not a folder", p.display()))
        };
    }
    let fallback = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    Ok(fallback.is_dir().then_some(fallback))
}

/// A published file, `rel` below the data folder (e.g.
/// `isoflops/isoflops.csv`). Panics (failing the test) when it is missing:
/// the runner only starts the tests when the folder exists.
pub fn published(rel: &str) -> PathBuf {
    let dir = data_dir()
        .ok()
        .flatten()
        .expect("the runner starts data tests only with a data folder");
    let p = dir.join(rel);
    assert!(
        p.exists(),
        "{} is missing from the data folder {} (README, section Data, lists the files)",
        rel,
        dir.display()
    );
    p
}

/// Run `tests` (name, function) under libtest's command line, or say in
/// one line why they are not run.
pub fn run(tests: &[(&'static str, fn())]) {
    let args = Arguments::from_args();
    let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
    match data_dir() {
        // The commands these tests run, and the library's registry, read
        // SCALING_LAWS_DATA: name the folder found (set before any thread).
        Ok(Some(dir)) => std::env::set_var(ENV, dir),
        Ok(None) => {
            println!(
                "data tests: {} not run: the published data were not found ({ENV} is unset and \
                 ../shared/data does not exist beside the crate); README, section Data, says \
                 where to get them and how to point {ENV} at them",
                tests.len()
            );
            if required {
                eprintln!("{REQUIRE_ENV}=1: the data tests must run");
                std::process::exit(1);
            }
            return;
        }
        Err(e) => {
            // A folder named but absent is a mistake, never a skip.
            eprintln!("data tests: {} cannot run: {e}", tests.len());
            std::process::exit(1);
        }
    }
    let trials = tests
        .iter()
        .map(|&(name, f)| {
            Trial::test(name, move || {
                std::panic::catch_unwind(f).map_err(|e| {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_string()))
                        .unwrap_or_else(|| "panicked".to_string());
                    Failed::from(msg)
                })
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
