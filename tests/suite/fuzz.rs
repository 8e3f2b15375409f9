//! Issue 7 §3: a bounded fuzz of the CSV loader and every fit method,
//! in-process through the command line's own `run`: arbitrary bytes and
//! CSV text with extreme numbers. Properties: no panic; an answer is one
//! valid JSON object; a `converged` fit has only finite numbers. The case
//! count is small in `cargo test` (`PROPTEST_CASES` runs it longer).

use clap::Parser;
use proptest::prelude::*;
use scaling_laws::cli::{run, Cli};

use crate::common::cases;

const METHODS: [&str; 4] = ["vpnls", "approach3", "approach2", "grid"];

/// Run `fit` on `body` with every method (and every Approach 3 objective);
/// check the properties of each answer.
fn check_all(body: &[u8], tag: u64) -> Result<(), TestCaseError> {
    let path = std::env::temp_dir().join(format!(
        "scaling-laws-fuzz-{}-{tag}.csv",
        std::process::id()
    ));
    std::fs::write(&path, body).unwrap();
    let p = path.to_str().unwrap();
    let mut runs: Vec<Vec<&str>> = METHODS
        .iter()
        .map(|m| vec!["scaling-laws", "fit", "--method", m, "--data", p, "--json"])
        .collect();
    for o in ["rss-log-params", "log-loss", "huber-log"] {
        runs.push(vec![
            "scaling-laws",
            "fit",
            "--method",
            "approach3",
            "--objective",
            o,
            "--data",
            p,
            "--json",
        ]);
    }
    for args in runs {
        let cli = Cli::try_parse_from(&args).unwrap();
        let out = std::panic::catch_unwind(|| run(cli));
        let Ok(result) = out else {
            let _ = std::fs::remove_file(&path);
            return Err(TestCaseError::fail(format!("panic: {args:?}")));
        };
        let Ok(text) = result else { continue };
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("{args:?}: invalid JSON {e}: {text}")))?;
        prop_assert!(v.is_object(), "{text}");
        if v["status"] == "converged" {
            for k in ["E", "A", "B", "alpha", "beta", "rss"] {
                prop_assert!(
                    v[k].as_f64().is_some_and(f64::is_finite),
                    "{args:?}: converged with {k} = {}",
                    v[k]
                );
            }
        }
        if args[3] == "approach2" {
            for k in ["a", "b", "a_intercept", "b_intercept"] {
                prop_assert!(v[k].as_f64().is_some_and(f64::is_finite), "{text}");
            }
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

/// A number as CSV text: ordinary, extreme, zero, negative, or not a number.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-30.0f64..30.0).prop_map(|l| format!("{:e}", 10f64.powf(l))),
        1 => prop_oneof![
            Just("0".to_string()), Just("-1".to_string()), Just("1e400".to_string()),
            Just("1e-320".to_string()), Just("nan".to_string()), Just("inf".to_string()),
            Just("".to_string()), Just("x".to_string()), Just("1e308".to_string()),
        ],
    ]
}

/// CSV text with the expected header and 0–40 rows: rows from a few
/// shared (N, D, budget) values so that budgets group and N = D happens,
/// losses near 2, sometimes an extreme cell.
fn csv_text() -> impl Strategy<Value = String> {
    let row = (
        prop_oneof![40 => (6.0f64..12.0).prop_map(|l| format!("{:e}", 10f64.powf(l))), 1 => cell()],
        prop_oneof![40 => (8.0f64..13.0).prop_map(|l| format!("{:e}", 10f64.powf(l))), 1 => cell()],
        prop_oneof![40 => (1.5f64..4.0).prop_map(|l| format!("{l}")), 1 => cell()],
        prop_oneof![40 => (0usize..3).prop_map(|k| format!("1e{}", 18 + k)), 1 => cell()],
        any::<bool>(),
    )
        .prop_map(|(n, d, l, c, same)| {
            let d = if same { n.clone() } else { d };
            format!("{n},{d},{l},{c}\n")
        });
    proptest::collection::vec(row, 0..30)
        .prop_map(|rows| format!("params,tokens,loss,budget\n{}", rows.concat()))
}

proptest! {
    #![proptest_config(cases(16))]

    #[test]
    fn fit_never_panics_and_answers_in_valid_json_on_arbitrary_bytes(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        tag in any::<u64>(),
    ) {
        check_all(&body, tag)?;
    }

    #[test]
    fn fit_never_panics_and_never_converges_non_finite_on_extreme_csv(
        body in csv_text(),
        tag in any::<u64>(),
    ) {
        check_all(body.as_bytes(), tag)?;
    }
}

/// The losses and points of a real surface, with a few cells replaced:
/// the fits run to the end on most cases.
#[test]
fn fit_survives_surface_data_with_extreme_cells() {
    use scaling_laws::models::LossSurface;
    use scaling_laws::sampling::*;
    let pts = sample_isoflops(
        &LossSurface::<f64>::chinchilla(),
        &default_budgets(),
        &IsoflopGrid::new(0.9, 5).unwrap(),
        &SamplingBias::none(),
    )
    .unwrap();
    for (k, bad) in ["1e300", "1e-300", "1e308", "4.9e-324"].iter().enumerate() {
        let mut body = String::from("params,tokens,loss,budget\n");
        for (i, p) in pts.iter().enumerate() {
            let loss = if i == 3 * k + 1 {
                bad.to_string()
            } else {
                format!("{:?}", p.loss)
            };
            body.push_str(&format!("{:?},{:?},{loss},{:?}\n", p.n, p.d, p.budget));
        }
        check_all(body.as_bytes(), k as u64).unwrap();
    }
}
