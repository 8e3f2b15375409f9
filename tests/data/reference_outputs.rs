//! The reference study's Experiment 11 and 12 outputs (issue 26) on the
//! published IsoFLOP file: written with the right columns, and their
//! numbers recomputed here from the other tables the run writes.

use std::collections::BTreeMap;
use std::path::Path;

use super::common::published;
use super::support::run_status;

fn csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

fn run_experiment(n: &str) -> std::path::PathBuf {
    let data = published("isoflops/isoflops.csv");
    let data_dir = data.parent().unwrap().parent().unwrap();
    let out = std::env::temp_dir().join(format!("sl-ref-{n}-{}", std::process::id()));
    let (code, _, err) = run_status(&[
        "experiment",
        n,
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    out.join(format!("exp{n}"))
}

pub fn exp12_residual_summary_is_recomputed_from_the_residuals_table() {
    let dir = run_experiment("12");
    for stem in [
        "isoflops_log_loss",
        "isoflops_log_loss_adj",
        "residuals_lin_loss",
        "residuals_log_loss",
        "residuals_log_loss_adj",
        "residuals_summary",
    ] {
        assert!(dir.join(format!("{stem}.png")).exists(), "{stem}.png");
    }
    let (rh, rows) = csv(&dir.join("residuals.csv"));
    let (sh, summary) = csv(&dir.join("residuals_summary.csv"));
    let mut groups: BTreeMap<(String, String), Vec<[f64; 3]>> = BTreeMap::new();
    for r in &rows {
        let v = |c: &str| r[col(&rh, c)].parse::<f64>().unwrap();
        groups
            .entry((
                r[col(&rh, "experiment")].clone(),
                r[col(&rh, "budget")].clone(),
            ))
            .or_default()
            .push([
                v("residual_log_loss"),
                v("residual_loss"),
                v("residual_flop_factor"),
            ]);
    }
    assert_eq!(summary.len(), groups.len());
    for s in &summary {
        let key = (
            s[col(&sh, "experiment")].clone(),
            s[col(&sh, "budget")].clone(),
        );
        let g = &groups[&key];
        assert_eq!(s[col(&sh, "points")].parse::<usize>().unwrap(), g.len());
        for (i, name) in ["sd_log_loss", "sd_loss", "sd_flop_factor"]
            .iter()
            .enumerate()
        {
            // Σx²/n − mean²: another formula than the study's two-pass one.
            let n = g.len() as f64;
            let m = g.iter().map(|x| x[i]).sum::<f64>() / n;
            let want = (g.iter().map(|x| x[i] * x[i]).sum::<f64>() / n - m * m)
                .max(0.0)
                .sqrt();
            let got: f64 = s[col(&sh, name)].parse().unwrap();
            assert!(
                (got - want).abs() <= 1e-9 * want.max(1e-6),
                "{key:?} {name}: {got} vs {want}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

pub fn exp11_allocation_table_and_filter_figures_are_written() {
    let dir = run_experiment("11");
    for stem in [
        "token_allocation_errors",
        "compute_allocation_errors",
        "progressive_filter_llama3_vpnls",
        "progressive_filter_llama3_a3",
        "progressive_filter_chinchilla_vpnls",
        "progressive_filter_chinchilla_a3",
    ] {
        assert!(dir.join(format!("{stem}.png")).exists(), "{stem}.png");
    }
    let (h, rows) = csv(&dir.join("allocation.csv"));
    let (rh, real) = csv(&dir.join("real_costs.csv"));
    // Two real studies × two truths, then 4 surfaces × (simulated, closed form).
    assert_eq!(rows.len(), 4 + 8);
    for r in rows.iter().filter(|r| r[col(&h, "group")] == "real") {
        let f = |c: &str| r[col(&h, c)].parse::<f64>().unwrap();
        let (lo, hi, w) = (
            f("wasted_flops_low"),
            f("wasted_flops_high"),
            f("wasted_flops"),
        );
        assert!(lo <= hi && w > 0.0, "{r:?}");
        // The same wasted compute as real_costs.csv's all-points row.
        let truth = if r[0].contains("VPNLS") {
            "vpnls"
        } else {
            "approach3"
        };
        let study = if r[0].starts_with("Llama") {
            "llama_3"
        } else {
            "epochai"
        };
        let m = real
            .iter()
            .find(|x| {
                x[col(&rh, "truth")] == truth
                    && x[col(&rh, "experiment")].starts_with(study)
                    && x[col(&rh, "level")] == "all points"
            })
            .unwrap();
        let w2: f64 = m[col(&rh, "wasted_flops")].parse().unwrap();
        assert_eq!(w, w2);
        // N forced by the budget: C/(6D̂).
        assert!((f("n_inferred") * 6.0 * f("d_inferred") / f("eval_budget") - 1.0).abs() < 1e-12);
    }
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}
