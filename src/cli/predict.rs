//! `scaling-laws predict`: the loss a fitted law predicts at given (N, D),
//! with percentile intervals for the mean and for a new run, and how far
//! each point lies from the data (`analysis::predict`).

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value};

use super::columns::{law_method, ColumnArgs};
use super::law_json::{law_from_json, num, SCHEMA_VERSION};
use super::CliError;
use crate::analysis::predict::{predict, Prediction};

#[derive(Debug, Args)]
pub(crate) struct PredictArgs {
    /// A `fit --json` output (schema_version 1) to predict from, instead of
    /// --data and --method.
    #[arg(long, conflicts_with_all = ["data", "method", "bootstrap"])]
    pub(crate) fit: Option<PathBuf>,
    /// The CSV file to fit (with a header line).
    #[arg(long, requires = "method")]
    pub(crate) data: Option<PathBuf>,
    /// The method: vpnls, approach3, grid, approach2 (approach2 predicts
    /// through the law of its parabolas; see specs/commands.md).
    #[arg(long, requires = "data")]
    pub(crate) method: Option<String>,
    /// Approach 3's objective (approach3 only; default rss).
    #[arg(long)]
    pub(crate) objective: Option<String>,
    #[command(flatten)]
    pub(crate) cols: ColumnArgs,
    /// A point N,D to predict at (repeat for more).
    #[arg(long, required = true)]
    pub(crate) at: Vec<String>,
    /// Bootstrap replicates for the intervals (0: none; needs --data).
    #[arg(long, default_value_t = 0)]
    pub(crate) bootstrap: usize,
    /// The bootstrap seed.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Coverage of the intervals.
    #[arg(long, default_value_t = 0.95, value_parser = super::finite_f64)]
    pub(crate) level: f64,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

fn parse_at(text: &str) -> Result<(f64, f64), CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--at '{text}' is not N,D (two positive finite numbers, e.g. --at 7e10,1.4e12)"
        ))
    };
    let mut it = text.split(',');
    let (Some(n), Some(d), None) = (it.next(), it.next(), it.next()) else {
        return Err(bad());
    };
    let (n, d) = (
        super::finite_f64(n).map_err(|_| bad())?,
        super::finite_f64(d).map_err(|_| bad())?,
    );
    if n > 0.0 && d > 0.0 {
        Ok((n, d))
    } else {
        Err(bad())
    }
}

fn interval(iv: Option<[f64; 2]>, why: &str) -> Value {
    iv.map_or_else(|| json!(why), |[l, h]| json!([l, h]))
}

pub(crate) fn predict_cmd(a: &PredictArgs) -> Result<String, CliError> {
    let at: Vec<(f64, f64)> = a.at.iter().map(|t| parse_at(t)).collect::<Result<_, _>>()?;
    if !(a.level > 0.0 && a.level < 1.0) {
        return Err(CliError::Usage(format!(
            "--level must lie strictly between 0 and 1, got {}",
            a.level
        )));
    }
    let (method, predictions, residual_sd, used) = if let Some(path) = &a.fit {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("--fit {}: cannot read: {e}", path.display())))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| CliError::Usage(format!("--fit {}: not JSON: {e}", path.display())))?;
        let (law, spread) = law_from_json(&v)
            .map_err(|e| CliError::Usage(format!("--fit {}: {e}", path.display())))?;
        let mut out = Vec::with_capacity(at.len());
        for &(n, d) in &at {
            let loss = law.loss(n, d).map_err(CliError::Usage)?;
            out.push(Prediction {
                n,
                d,
                loss,
                distance: spread.as_ref().map_or(f64::NAN, |s| s.distance(n, d)),
                outside_range: spread.as_ref().is_some_and(|s| s.outside_range(n, d)),
                mean_interval: None,
                new_run_interval: None,
            });
        }
        let m = v["method"].as_str().unwrap_or("").to_string();
        (m, out, None, 0)
    } else {
        let (Some(data), Some(name)) = (&a.data, &a.method) else {
            return Err(CliError::Usage(
                "predict needs --fit FILE, or --data FILE with --method".into(),
            ));
        };
        let method = law_method(name, a.objective.as_deref())?;
        let needs_budget = matches!(
            method,
            crate::analysis::law::LawMethod::Approach2
                | crate::analysis::law::LawMethod::Approach2Corrected
        );
        let points = a.cols.read(data, needs_budget)?;
        let r = predict(&method, &points, &at, a.bootstrap, a.seed, a.level)
            .map_err(|e| CliError::Usage(format!("{name} on {}: {e}", data.display())))?;
        (
            name.clone(),
            r.predictions,
            Some(r.residual_sd),
            r.replicates_used,
        )
    };
    let why = if a.bootstrap == 0 {
        "unavailable: no bootstrap (--bootstrap K with --data)".to_string()
    } else {
        format!(
            "unavailable: {used} of {} replicates gave a loss",
            a.bootstrap
        )
    };
    if a.json {
        let preds: Vec<Value> = predictions
            .iter()
            .map(|p| {
                json!({
                    "n": p.n, "d": p.d, "budget": 6.0 * p.n * p.d, "loss": num(p.loss),
                    "distance": if p.distance.is_nan() {
                        json!("unavailable: the fit file has no 'data' object")
                    } else {
                        num(p.distance)
                    },
                    "outside_range": p.outside_range,
                    "mean_interval": interval(p.mean_interval, &why),
                    "new_run_interval": interval(p.new_run_interval, &why),
                })
            })
            .collect();
        let mut v = json!({
            "schema_version": SCHEMA_VERSION, "method": method, "level": a.level,
            "replicates": a.bootstrap, "replicates_used": used, "predictions": preds,
        });
        if let Some(sd) = residual_sd {
            v["residual_sd_ln"] = num(sd);
        }
        return Ok(v.to_string());
    }
    let pct = 100.0 * a.level;
    let mut s = format!(
        "{method}: predictions ({} bootstrap replicates used of {}; distance: Mahalanobis on (ln N, ln D) from the training data)\n{:>12} {:>12} {:>10} {:>9} {:>26} {:>26}",
        used,
        a.bootstrap,
        "N",
        "D",
        "L",
        "distance",
        format!("{pct}% mean"),
        format!("{pct}% new run")
    );
    let fmt = |iv: Option<[f64; 2]>| {
        iv.map_or_else(|| "-".to_string(), |[l, h]| format!("[{l:.5}, {h:.5}]"))
    };
    for p in &predictions {
        s.push_str(&format!(
            "\n{:>12.4e} {:>12.4e} {:>10.5} {:>9.2}{} {:>26} {:>26}",
            p.n,
            p.d,
            p.loss,
            p.distance,
            if p.outside_range { "*" } else { " " },
            fmt(p.mean_interval),
            fmt(p.new_run_interval)
        ));
    }
    if predictions.iter().any(|p| p.outside_range) {
        s.push_str("\n* outside the training range of N or D: an extrapolation");
    }
    if let Some(sd) = residual_sd {
        s.push_str(&format!("\nresidual sd of ln L: {sd:.5}"));
    }
    Ok(s)
}
