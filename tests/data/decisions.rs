//! Issue 25 on published data: `fit --budget` with `--flops-col` on the
//! Chinchilla runs file, and `audit` on Llama 3 raw loss against a refit
//! loop written out here.

use super::common::published;
use scaling_laws::fitters::{fit_vpnls, SurfaceData, VpnlsParams};
use scaling_laws::io::isoflops::read_isoflops;
use scaling_laws::models::LossSurface;

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `fit --budget` on the Chinchilla runs file (`Model Size`, `Training
/// FLOP`, `loss`; D = C/(6N)): the allocation is the closed form of the
/// fitted surface, and D = C/(6N) gives the same fit as a tokens column.
pub fn fit_budget_on_the_chinchilla_file_with_a_flops_column() {
    let file = published("chinchilla/svg_extracted_data.csv");
    let f = file.to_str().unwrap();
    for method in ["vpnls", "approach3"] {
        let mut args = vec![
            "fit",
            "--method",
            method,
            "--data",
            f,
            "--n-col",
            "Model Size",
            "--flops-col",
            "Training FLOP",
            "--budget",
            "5.76e23,1e25",
            "--json",
        ];
        if method == "approach3" {
            args.extend(["--objective", "huber-log"]);
        }
        let v = json_of(&args);
        assert_eq!(v["schema_version"], 1);
        let g = |k: &str| v[k].as_f64().unwrap();
        let s = LossSurface::new(g("E"), g("A"), g("B"), g("alpha"), g("beta")).unwrap();
        assert_eq!(v["data"]["points"], 245);
        for (i, c) in [5.76e23, 1e25].into_iter().enumerate() {
            let al = &v["allocations"][i];
            let n = al["n_opt"].as_f64().unwrap();
            let d = al["d_opt"].as_f64().unwrap();
            assert!((n / s.n_opt(&c) - 1.0).abs() < 1e-12, "{method}");
            assert!((6.0 * n * d / c - 1.0).abs() < 1e-12, "{method}");
            assert!((al["loss_opt"].as_f64().unwrap() - s.loss_opt(&c)).abs() < 1e-12);
            // At Chinchilla's budget, a model between 10^10 and 10^12 parameters
            // (measured: vpnls 2.83e11, huber-log 1.19e11).
            if i == 0 {
                assert!(n > 1e10 && n < 1e12, "{method}: N* = {n:e} at {c:e}");
            }
        }
        assert!((g("a") - s.exponent_a()).abs() < 1e-15);
    }
}

/// `audit --method vpnls` on Llama 3 raw loss (133 points, 10 budgets):
/// the mean held-out RMSE of ln L within 5 % of a plain leave-one-budget-out
/// refit loop written here (VPNLS on the other budgets, RMSE of ln L on the
/// held-out one), worst at 3e21; the ordered split is reported. The peer
/// `scaling-audit`, with our VPNLS as its estimator, reported mean 0.0056 and
/// worst 0.0104 at 3e21; measured here: 0.00559 and 0.01043.
pub fn audit_llama3_vpnls_matches_a_plain_refit_loop() {
    let file = published("isoflops/isoflops.csv");
    let rows: Vec<_> = read_isoflops(&file)
        .unwrap()
        .into_iter()
        .filter(|r| r.experiment == "llama_3__raw_loss")
        .collect();
    assert_eq!(rows.len(), 133);
    let mut budgets: Vec<f64> = rows.iter().map(|r| r.budget).collect();
    budgets.sort_by(f64::total_cmp);
    budgets.dedup();
    let mut scores = Vec::new();
    for &c in &budgets {
        let (train, test): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r.budget != c);
        let col = |f: fn(&&scaling_laws::io::isoflops::IsoflopRow) -> f64| -> Vec<f64> {
            train.iter().map(f).collect()
        };
        let data =
            SurfaceData::new(&col(|r| r.params), &col(|r| r.tokens), &col(|r| r.loss)).unwrap();
        let fit = fit_vpnls(&data, &VpnlsParams::default()).unwrap();
        let mse = test
            .iter()
            .map(|r| {
                let pred =
                    fit.e + fit.a * r.params.powf(-fit.alpha) + fit.b * r.tokens.powf(-fit.beta);
                (r.loss.ln() - pred.ln()).powi(2)
            })
            .sum::<f64>()
            / test.len() as f64;
        scores.push(mse.sqrt());
    }
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let v = json_of(&[
        "audit",
        "--data",
        file.to_str().unwrap(),
        "--experiment",
        "llama_3__raw_loss",
        "--method",
        "vpnls",
        "--ordered",
        "--json",
    ]);
    let x = &v["data"]["llama_3__raw_loss"]["methods"]["vpnls"];
    let got = x["summary"]["mean"].as_f64().unwrap();
    assert!(
        (got / mean - 1.0).abs() < 0.05,
        "audit {got} vs loop {mean}"
    );
    // To the digits the README prints (the peer's figures, 4 decimals).
    assert!((got - 0.0056).abs() <= 0.00005, "peer 0.0056, got {got}");
    assert_eq!(x["summary"]["worst_key"].as_f64().unwrap(), 3e21);
    assert!((x["summary"]["worst"].as_f64().unwrap() - 0.0104).abs() <= 0.00005);
    let ordered = x["ordered"].as_array().unwrap();
    assert_eq!(ordered.len(), budgets.len() - 2);
    assert!(ordered.iter().all(|s| s["rmse_ln"].as_f64().is_some()));
}
