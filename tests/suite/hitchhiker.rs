//! The training-curve loaders, registry, study on real data, and the
//! `hitchhiker` command (specs/hitchhiker.md).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::run_status;
use scaling_laws::io::training_curves::{
    parse_n, read_curve, read_curves, CurveError, CurveOptions, Registry, TokensMode,
};
use scaling_laws::io::DataError;
use scaling_laws::studies::hitchhiker::{analyse_training_curves, HitchhikerSettings};

fn registry_path() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/registry.toml")).to_path_buf()
}

/// A fresh temporary directory for one test.
fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sl-hh-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn rows_with_the_same_step_are_averaged_and_bad_rows_dropped() {
    let dir = tmp_dir("avg");
    let p = write(
        &dir,
        "a.csv",
        "step,tokens,validation_loss\n\
         0,0,9.0\n\
         10,100,4.0\n\
         10,100,5.0\n\
         20,200,3.0\n\
         30,300,nan\n\
         40,400,\n\
         50,500,2.0\n\
         50,500,inf\n",
    );
    let c = read_curve(&p, 7, &CurveOptions::default()).unwrap();
    assert_eq!(c.n, 7);
    // step 0 (tokens 0) dropped; step 10 averaged; 30 and 40 have no finite
    // loss; at step 50 the infinite loss is masked, the finite one kept.
    assert_eq!(c.tokens, vec![100.0, 200.0, 500.0]);
    assert_eq!(c.loss, vec![4.5, 3.0, 2.0]);
}

#[test]
fn tokens_per_step_mode_multiplies_steps_and_drops_step_zero() {
    let dir = tmp_dir("steps");
    let p = write(&dir, "a.csv", "step,loss\n0,9\n2,4\n4,3\n");
    let opts = CurveOptions {
        loss_column: "loss".into(),
        tokens: TokensMode::PerStep(1000.0),
        ..CurveOptions::default()
    };
    let c = read_curve(&p, 1, &opts).unwrap();
    assert_eq!(c.tokens, vec![2000.0, 4000.0]);
    // Without tokens per step, the missing tokens column is a clear error.
    let e = read_curve(
        &p,
        1,
        &CurveOptions {
            loss_column: "loss".into(),
            ..CurveOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, CurveError::NoTokens { .. }));
    assert!(e.to_string().contains("tokens-per-step") && e.to_string().contains("a.csv"));
}

#[test]
fn loader_errors_name_file_line_and_column() {
    let dir = tmp_dir("errors");
    let missing = dir.join("nope.csv");
    let e = read_curve(&missing, 1, &CurveOptions::default()).unwrap_err();
    assert!(matches!(e, CurveError::MissingFile { .. }) && e.to_string().contains("nope.csv"));
    let p = write(&dir, "b.csv", "step,tokens,loss\n1,10,3\n");
    let e = read_curve(&p, 1, &CurveOptions::default()).unwrap_err();
    assert!(matches!(
        e,
        CurveError::Data(DataError::MissingColumn { .. })
    ));
    assert!(
        e.to_string().contains("validation_loss") && e.to_string().contains("step, tokens, loss")
    );
    let p = write(
        &dir,
        "c.csv",
        "step,tokens,validation_loss\n1,10,3\n2,20,abc\n",
    );
    let e = read_curve(&p, 1, &CurveOptions::default()).unwrap_err();
    match &e {
        CurveError::Data(DataError::NotNumeric {
            line,
            column,
            value,
            ..
        }) => {
            assert_eq!(
                (*line, column.as_str(), value.as_str()),
                (3, "validation_loss", "abc")
            );
        }
        other => panic!("{other:?}"),
    }
    for bad in ["0", "-3", "1.5", "abc", ""] {
        assert!(
            matches!(parse_n(bad, "x"), Err(CurveError::BadN { .. })),
            "{bad}"
        );
    }
    assert_eq!(parse_n("2.8e9", "x").unwrap(), 2_800_000_000);
    assert_eq!(parse_n("1683000", "x").unwrap(), 1_683_000);
    // Nothing left after filtering: an empty dataset.
    let p = write(&dir, "d.csv", "step,tokens,validation_loss\n0,0,3\n");
    let e = read_curves(&[(p, 5)], &CurveOptions::default()).unwrap_err();
    assert!(matches!(e, CurveError::Empty { .. }));
}

#[test]
fn skip_first_and_min_tokens_drop_early_checkpoints() {
    let dir = tmp_dir("skip");
    let rows: String = (1..=10)
        .map(|k| format!("{k},{},{}\n", k * 100, 10 - k))
        .collect();
    let p = write(
        &dir,
        "a.csv",
        &format!("step,tokens,validation_loss\n{rows}"),
    );
    let c = read_curve(
        &p,
        1,
        &CurveOptions {
            skip_first: 0.25,
            ..CurveOptions::default()
        },
    )
    .unwrap();
    assert_eq!(c.tokens.len(), 8); // ⌊0.25 × 10⌋ = 2 dropped
    assert_eq!(c.tokens[0], 300.0);
    let c = read_curve(
        &p,
        1,
        &CurveOptions {
            min_tokens: Some(650.0),
            ..CurveOptions::default()
        },
    )
    .unwrap();
    assert_eq!(c.tokens, vec![700.0, 800.0, 900.0, 1000.0]);
    let e = read_curve(
        &p,
        1,
        &CurveOptions {
            skip_first: 1.0,
            ..CurveOptions::default()
        },
    );
    assert!(matches!(e, Err(CurveError::BadSetting { .. })));
}

#[test]
fn shipped_registry_lists_its_datasets_and_reads_the_long_table() {
    let reg = Registry::load(&registry_path()).unwrap();
    let names: Vec<&str> = reg.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "opt_trajectories",
            "datablations_c4_1epoch",
            "optimal_lr_sgd_scaling"
        ]
    );
    assert_eq!(reg.datasets[0].files_found(), 1);
    assert_eq!(reg.datasets[1].files_found(), 3);
    let e = reg.get("nope").unwrap_err();
    assert!(e
        .to_string()
        .contains("opt_trajectories, datablations_c4_1epoch"));
    // The OPT table: tokens stored as log10, loss as perplexity.
    let (set, missing) = reg.datasets[0].load(&CurveOptions::default()).unwrap();
    assert!(missing.is_empty());
    assert_eq!(set.curves.len(), 6);
    assert_eq!(set.len(), 142);
    let c125 = &set.curves[0];
    assert_eq!(c125.n, 125_000_000);
    // First row of the file: num_token 9.0, ppl 67.52265444265277.
    assert!((c125.tokens[0] - 1e9).abs() < 1e-3);
    assert!((c125.loss[0] - 67.52265444265277f64.ln()).abs() < 1e-15);
}

#[test]
fn registry_errors_are_typed() {
    let dir = tmp_dir("registry");
    let p = write(
        &dir,
        "r.toml",
        "[[dataset]]\nname = \"x\"\nfiles = [{ path = \"a.csv\", n = 0 }]\n",
    );
    assert!(matches!(Registry::load(&p), Err(CurveError::BadN { .. })));
    let p = write(&dir, "s.toml", "[[dataset]]\nname = \"x\"\nbogus = 1\n");
    assert!(matches!(
        Registry::load(&p),
        Err(CurveError::Registry { .. })
    ));
    let p = write(&dir, "t.toml", "[[dataset]]\nname = \"x\"\n");
    assert!(matches!(
        Registry::load(&p),
        Err(CurveError::Registry { .. })
    ));
}

/// The OPT trajectories (125M … 175B, 1400×): a fit with exponent intervals.
#[test]
fn opt_trajectories_fit_with_exponent_intervals() {
    let reg = Registry::load(&registry_path()).unwrap();
    let (set, _) = reg
        .get("opt_trajectories")
        .unwrap()
        .load(&CurveOptions::default())
        .unwrap();
    let settings = HitchhikerSettings {
        replicates: 50,
        ..HitchhikerSettings::default()
    };
    let r = analyse_training_curves(&set, &settings).unwrap();
    let iv = r.intervals.unwrap();
    assert!(iv.used >= 45, "{} of 50 replicates converged", iv.used);
    let b = iv.bounds.unwrap();
    for k in [3, 4] {
        assert!(b[k][0].is_finite() && b[k][0] < b[k][1], "{:?}", b[k]);
    }
}

/// Run the binary: (exit code, −1 when a signal ended it; stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = run_status(args);
    (code.unwrap_or(-1), out, err)
}

#[test]
fn hitchhiker_list_numbers_the_datasets_with_file_counts() {
    let reg = registry_path();
    let (code, out, _) = run(&["hitchhiker", "--registry", reg.to_str().unwrap(), "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("  1. opt_trajectories"));
    assert!(out.contains("3 files"));
    // A registry whose files do not exist.
    let dir = tmp_dir("list");
    let p = write(
        &dir,
        "r.toml",
        "[[dataset]]\nname = \"ghost\"\nfiles = [{ path = \"a.csv\", n = 5 }]\n",
    );
    let (code, out, _) = run(&["hitchhiker", "--registry", p.to_str().unwrap(), "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("ghost") && out.contains("(no files found)"));
}

#[test]
fn hitchhiker_unknown_dataset_exits_2_listing_the_known_ones() {
    let reg = registry_path();
    let (code, _, err) = run(&["hitchhiker", "--registry", reg.to_str().unwrap(), "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown dataset 'nope'") && err.contains("opt_trajectories"));
}

#[test]
fn hitchhiker_json_has_the_contract_keys_and_out_writes_figure_and_csv() {
    let reg = registry_path();
    let out_dir = tmp_dir("out");
    let (code, out, err) = run(&[
        "hitchhiker",
        "--registry",
        reg.to_str().unwrap(),
        "opt_trajectories",
        "datablations_c4_1epoch",
        "--bootstrap",
        "20",
        "--json",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let ds = v["datasets"].as_array().unwrap();
    assert_eq!(ds.len(), 2);
    for d in ds {
        for k in ["E", "A", "B", "alpha", "beta", "final_loss"] {
            assert!(d[k].as_f64().unwrap().is_finite(), "{k}");
        }
        // No null and no non-finite value anywhere (issue 22 §3: the
        // datablations fit used to end with exp(A) = ∞), the exponents'
        // flat ranges and the certificate present.
        fn no_null(v: &serde_json::Value, path: &str) {
            match v {
                serde_json::Value::Null => panic!("null at {path}"),
                serde_json::Value::Array(a) => a.iter().for_each(|x| no_null(x, path)),
                serde_json::Value::Object(o) => o
                    .iter()
                    .for_each(|(k, x)| no_null(x, &format!("{path}.{k}"))),
                serde_json::Value::String(s) => {
                    assert!(!s.contains("inf") && !s.contains("NaN"), "{path}: {s}")
                }
                _ => {}
            }
        }
        no_null(d, d["name"].as_str().unwrap());
        for k in ["exp_E", "exp_A", "exp_B"] {
            assert!(d[k].as_f64().unwrap().is_finite(), "{k}");
        }
        assert!(
            d["certificate"]["gap"].as_f64().unwrap()
                <= d["certificate"]["tolerance"].as_f64().unwrap()
        );
        assert!(d["alpha_range"]["range"].is_array() && d["beta_range"]["range"].is_array());
        assert!(d["num_points"].as_u64().unwrap() > 0);
        assert!(d["warnings"].is_array());
        assert!(d["vpnls"]["alpha"].is_number() || d["vpnls"]["error"].is_string());
        assert!(d["intervals"]["alpha"].is_array());
    }
    let dbl = &ds[1];
    assert_eq!(dbl["alpha"], -4.0);
    assert_eq!(dbl["fit_status"], "bound_hit");
    assert_eq!(dbl["status"], "not_identified");
    for f in [
        "opt_trajectories.png",
        "opt_trajectories.svg",
        "opt_trajectories.csv",
    ] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }
}

/// Run the binary from the repository root with neither a registry nor the
/// published data named in the environment: (exit code, stdout, stderr).
fn run_at_root(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("SCALING_LAWS_REGISTRY")
        .env_remove("SCALING_LAWS_DATA")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn hitchhiker_finds_the_shipped_registry_and_takes_the_positional_all() {
    // Was: `hitchhiker list` exited 2 without --registry.
    let (code, out, err) = run_at_root(&["hitchhiker", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("  1. opt_trajectories"), "{out}");
    assert!(out.contains("optimal_lr_sgd_scaling"), "{out}");
    // From elsewhere, SCALING_LAWS_REGISTRY names it.
    let reg = registry_path();
    let out2 = Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(["hitchhiker", "list"])
        .current_dir(std::env::temp_dir())
        .env("SCALING_LAWS_REGISTRY", &reg)
        .env_remove("SCALING_LAWS_DATA")
        .output()
        .unwrap();
    let body = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&String::from_utf8_lossy(&out2.stdout)), body(&out));
    assert!(
        out.contains("optimal_lr_sgd_scaling           (not shipped: set SCALING_LAWS_DATA"),
        "{out}"
    );
    // The original tool's positional `all` is --all.
    let args = ["--bootstrap", "0", "--json"];
    let (c1, all, e1) = run_at_root(&[&["hitchhiker", "all"][..], &args].concat());
    let (c2, dash_all, _) = run_at_root(&[&["hitchhiker", "--all"][..], &args].concat());
    assert_eq!((c1, c2), (0, 0), "{e1}");
    assert_eq!(all, dash_all);
    assert!(all.contains("opt_trajectories") && all.contains("datablations_c4_1epoch"));
    let (code, _, err) = run_at_root(&["hitchhiker", "all", "--all"]);
    assert_eq!(code, 2);
    assert!(err.contains("not both"), "{err}");
}

#[test]
fn an_unshipped_dataset_says_where_it_is_published() {
    let (code, out, err) = run_at_root(&["hitchhiker", "optimal_lr_sgd_scaling"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("SCALING_LAWS_DATA") && err.contains("hansgundlach/Experimental_Progress"),
        "{err}"
    );
}
