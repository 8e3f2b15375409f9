//! `scaling-laws fit`: fit a scaling law to loss measurements in a CSV file.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::{law_json, CliError};
use crate::fitters::approach3::{Approach3Start, Objective};
use crate::fitters::grid5::Grid5Params;
use crate::fitters::{fit_approach2, pool_budgets, SurfaceData, SurfaceMethod};
use crate::io::read_positive_columns;
use crate::sampling::IsoflopPoint;

#[derive(Debug, Args)]
pub(crate) struct FitArgs {
    /// The method: vpnls (five-parameter surface by variable projection),
    /// approach3 (direct five-parameter fit), grid (plain 5-D grid search) or
    /// approach2 (IsoFLOP parabolas; needs the budget column) or
    /// approach2-corrected (exact IsoFLOP profiles, unbiased; needs the budget column).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["vpnls", "approach3", "approach2", "grid", "approach2-corrected"]))]
    pub(crate) method: String,
    /// Approach 3's objective (approach3 only; default rss): rss,
    /// rss-log-params, log-loss or huber-log (the Chinchilla paper's Huber
    /// loss on log L, started from its grid, with its own wider box
    /// α, β ∈ [0, 5]).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["rss", "rss-log-params", "log-loss", "huber-log"]))]
    pub(crate) objective: Option<String>,
    /// The CSV file (with a header line).
    #[arg(long)]
    pub(crate) data: PathBuf,
    /// Column of model sizes N.
    #[arg(long, default_value = "params")]
    pub(crate) n_col: String,
    /// Column of token counts D.
    #[arg(long, default_value = "tokens")]
    pub(crate) d_col: String,
    /// Column of losses L.
    #[arg(long, default_value = "loss")]
    pub(crate) loss_col: String,
    /// Column of compute budgets C (Approach 2 only).
    #[arg(long, default_value = "budget")]
    pub(crate) budget_col: String,
    /// Approach 2 only: group budgets within this relative tolerance (each
    /// group's budget becomes its geometric mean), for a budget column
    /// computed per row (6·N·D). Default 0: only equal budgets group.
    #[arg(long, value_parser = super::finite_f64)]
    pub(crate) budget_tolerance: Option<f64>,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
    /// Bootstrap replicates for 95 % percentile intervals on every number (0: none).
    #[arg(long, default_value_t = 0)]
    pub(crate) bootstrap: usize,
    /// The bootstrap seed.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// What the bootstrap resamples: points (within each budget for
    /// approach2) or whole budgets (needs the budget column).
    #[arg(long, default_value = "points", value_parser = clap::builder::PossibleValuesParser::new(["points", "budgets"]))]
    pub(crate) resample: String,
}

/// Percentile intervals of `numbers` over `bootstrap` resamples of the
/// points (plain, within budgets, or whole budgets), as a JSON object keyed
/// like `keys`, and a text line.
fn bootstrap_intervals(
    a: &FitArgs,
    points: &[IsoflopPoint<f64>],
    within_budgets: bool,
    keys: &[&str],
    numbers: &(dyn Fn(&[IsoflopPoint<f64>]) -> Vec<f64> + Sync),
) -> (serde_json::Value, String) {
    use crate::analysis::bootstrap::{resample_indices, run_replicates};
    use crate::studies::isoflops::fits::{budget_groups, column_intervals, Resample};
    let groups = budget_groups(points);
    let rows = run_replicates(a.bootstrap, a.seed, |rng| {
        let idx = if a.resample == "budgets" {
            Resample::Budgets.draw(rng, &groups)
        } else if within_budgets {
            Resample::WithinBudgets.draw(rng, &groups)
        } else {
            resample_indices(rng, points.len())
        };
        let pts: Vec<IsoflopPoint<f64>> = idx.iter().map(|&i| points[i].clone()).collect();
        Some(numbers(&pts))
    });
    let iv = column_intervals(&rows, keys.len());
    let mut m = serde_json::Map::new();
    let mut text = format!(
        "95% intervals ({} replicates, resampling {}):",
        a.bootstrap, a.resample
    );
    for (k, (iv, finite)) in keys.iter().zip(iv) {
        match iv {
            Some([l, h]) => {
                m.insert((*k).to_string(), json!([l, h]));
                text.push_str(&format!(" {k} [{l:.6}, {h:.6}]"));
            }
            None => {
                // Never `null`: say why there is no interval.
                let why = format!(
                    "unavailable: {finite} of {} replicates gave a finite value",
                    a.bootstrap
                );
                text.push_str(&format!(" {k} [{why}]"));
                m.insert((*k).to_string(), json!(why));
            }
        }
    }
    (serde_json::Value::Object(m), text)
}

fn approach2_numbers(pts: &[IsoflopPoint<f64>]) -> Vec<f64> {
    match fit_approach2(pts) {
        Ok(f) => vec![
            f.n_law.exponent,
            f.d_law.exponent,
            f.n_law.intercept,
            f.d_law.intercept,
        ],
        Err(_) => vec![f64::NAN; 4],
    }
}

pub(crate) fn fit_cmd(a: &FitArgs) -> Result<String, CliError> {
    if let (Some(objective), false) = (&a.objective, a.method == "approach3") {
        return Err(CliError::Usage(format!(
            "--objective {objective} applies to --method approach3 only; {} has no objective to choose",
            a.method
        )));
    }
    if let (Some(t), false) = (a.budget_tolerance, a.method == "approach2") {
        return Err(CliError::Usage(format!(
            "--budget-tolerance {t} applies to --method approach2 only"
        )));
    }
    if a.method == "approach2-corrected" {
        if a.bootstrap > 0 {
            return Err(CliError::Usage(format!(
                "--bootstrap {} is not available for --method approach2-corrected (only for vpnls, approach3, grid and approach2)",
                a.bootstrap
            )));
        }
        return super::approach2_corrected::fit_corrected_cmd(a);
    }
    if a.method == "approach2" {
        let cols = read_positive_columns(
            &a.data,
            &[
                a.n_col.as_str(),
                a.d_col.as_str(),
                a.loss_col.as_str(),
                a.budget_col.as_str(),
            ],
        )?;
        let mut points: Vec<IsoflopPoint<f64>> = (0..cols[0].len())
            .map(|i| IsoflopPoint {
                n: cols[0][i],
                d: cols[1][i],
                loss: cols[2][i],
                budget: cols[3][i],
            })
            .collect();
        if let Some(t) = a.budget_tolerance {
            if t < 0.0 {
                return Err(CliError::Usage(format!(
                    "--budget-tolerance must be a non-negative relative tolerance, got {t}"
                )));
            }
            pool_budgets(&mut points, t)?;
        }
        let fit = fit_approach2(&points)?;
        let mut v = law_json(
            (fit.n_law.exponent, fit.n_law.intercept),
            (fit.d_law.exponent, fit.d_law.intercept),
        );
        let mut extra = String::new();
        if a.bootstrap > 0 {
            let (iv, text) = bootstrap_intervals(
                a,
                &points,
                true,
                &["a", "b", "a_intercept", "b_intercept"],
                &approach2_numbers,
            );
            v["interval"] = iv;
            extra = format!("\n{text}");
        }
        return Ok(if a.json {
            v.to_string()
        } else {
            format!(
                "Approach 2 on {} points, {} budgets\nN* = 10^{:.6} · C^{:.6}\nD* = 10^{:.6} · C^{:.6}",
                points.len(),
                fit.vertices.len(),
                fit.n_law.intercept,
                fit.n_law.exponent,
                fit.d_law.intercept,
                fit.d_law.exponent
            ) + &extra
        });
    }
    let mut names = vec![a.n_col.as_str(), a.d_col.as_str(), a.loss_col.as_str()];
    if a.bootstrap > 0 && a.resample == "budgets" {
        names.push(a.budget_col.as_str());
    }
    let cols = read_positive_columns(&a.data, &names)?;
    let data = SurfaceData::new(&cols[0], &cols[1], &cols[2])?;
    let method = match a.method.as_str() {
        "approach3" => {
            let name = a.objective.as_deref().unwrap_or("rss");
            let objective = Objective::from_name(name)
                .ok_or_else(|| CliError::Usage(format!("unknown objective '{name}'")))?;
            let start = if objective == Objective::HuberLog {
                Approach3Start::ChinchillaGrid
            } else {
                Approach3Start::Grid
            };
            SurfaceMethod::approach3(objective, start)
        }
        "grid" => SurfaceMethod::Grid5(Grid5Params::default()),
        _ => SurfaceMethod::vpnls(),
    };
    let f = method.fit_with_global_check(&data)?;
    let (mut interval, mut extra) = (None, String::new());
    if a.bootstrap > 0 {
        let points: Vec<IsoflopPoint<f64>> = (0..cols[0].len())
            .map(|i| IsoflopPoint {
                n: cols[0][i],
                d: cols[1][i],
                loss: cols[2][i],
                budget: cols.get(3).map_or(1.0, |c| c[i]),
            })
            .collect();
        let numbers = |pts: &[IsoflopPoint<f64>]| -> Vec<f64> {
            match SurfaceData::from_points(pts).and_then(|d| method.fit(&d)) {
                // A replicate counts when the method gave its own kind of
                // answer: a converged fit, or the grid search's grid point.
                Ok(f)
                    if f.status == crate::fitters::FitStatus::Converged
                        || (matches!(method, SurfaceMethod::Grid5(_))
                            && f.status == crate::fitters::FitStatus::GridPoint) =>
                {
                    vec![f.e, f.a, f.b, f.alpha, f.beta]
                }
                _ => vec![f64::NAN; 5],
            }
        };
        let (iv, text) = bootstrap_intervals(
            a,
            &points,
            false,
            &["E", "A", "B", "alpha", "beta"],
            &numbers,
        );
        interval = Some(iv);
        extra = format!("\n{text}");
    }
    if a.json {
        // JSON has no NaN or ∞: a non-finite number is written as a string
        // ("NaN", "inf"), and the status is then `non_finite`.
        let num = |x: f64| {
            if x.is_finite() {
                json!(x)
            } else {
                json!(format!("{x}"))
            }
        };
        let mut v = json!({
            "E": num(f.e), "A": num(f.a), "B": num(f.b), "alpha": num(f.alpha),
            "beta": num(f.beta), "rss": num(f.rss), "status": f.status.as_str(),
            "iterations": f.iterations, "warnings": f.warnings
        });
        if let Some(c) = &f.certificate {
            v["certificate"] = json!({
                "objective": c.objective, "value": num(c.value),
                "profile_best": num(c.profile_best), "gap": num(c.gap),
                "tolerance": num(c.tolerance), "global_stage": c.global_stage
            });
        }
        if let Some(iv) = interval {
            v["interval"] = iv;
        }
        return Ok(v.to_string());
    }
    let warnings: String = f
        .warnings
        .iter()
        .map(|w| format!("\nwarning: {w}"))
        .collect();
    Ok(extra_after(
        format!(
            "{} on {} points: status {}, {} iterations, RSS {:.3e}\n\
         L(N, D) = {:.6} + {:.6}/N^{:.6} + {:.6}/D^{:.6}{warnings}",
            method.label(),
            data.len(),
            f.status.as_str(),
            f.iterations,
            f.rss,
            f.e,
            f.a,
            f.alpha,
            f.b,
            f.beta
        ),
        &extra,
    ))
}

fn extra_after(mut s: String, extra: &str) -> String {
    s.push_str(extra);
    s
}
