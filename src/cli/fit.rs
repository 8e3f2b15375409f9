//! `scaling-laws fit`: fit a scaling law to loss measurements in a CSV file.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::{law_json, CliError};
use crate::fitters::approach3::{Approach3Start, Objective};
use crate::fitters::grid5::Grid5Params;
use crate::fitters::{fit_approach2, SurfaceData, SurfaceMethod};
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
    /// Approach 3's objective: rss, rss-log-params, log-loss or huber-log
    /// (the Chinchilla paper's Huber loss on log L, started from its grid).
    #[arg(long, default_value = "rss", value_parser = clap::builder::PossibleValuesParser::new(["rss", "rss-log-params", "log-loss", "huber-log"]))]
    pub(crate) objective: String,
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
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn fit_cmd(a: &FitArgs) -> Result<String, CliError> {
    if a.method == "approach2-corrected" {
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
        let points: Vec<IsoflopPoint<f64>> = (0..cols[0].len())
            .map(|i| IsoflopPoint {
                n: cols[0][i],
                d: cols[1][i],
                loss: cols[2][i],
                budget: cols[3][i],
            })
            .collect();
        let fit = fit_approach2(&points)?;
        let v = law_json(
            (fit.n_law.exponent, fit.n_law.intercept),
            (fit.d_law.exponent, fit.d_law.intercept),
        );
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
            )
        });
    }
    let cols = read_positive_columns(
        &a.data,
        &[a.n_col.as_str(), a.d_col.as_str(), a.loss_col.as_str()],
    )?;
    let data = SurfaceData::new(&cols[0], &cols[1], &cols[2])?;
    let method = match a.method.as_str() {
        "approach3" => {
            let objective = Objective::from_name(&a.objective)
                .ok_or_else(|| CliError::Usage(format!("unknown objective '{}'", a.objective)))?;
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
    let f = method.fit(&data)?;
    if a.json {
        return Ok(json!({
            "E": f.e, "A": f.a, "B": f.b, "alpha": f.alpha, "beta": f.beta,
            "rss": f.rss, "status": f.status.as_str(), "iterations": f.iterations
        })
        .to_string());
    }
    Ok(format!(
        "{} on {} points: status {}, {} iterations, RSS {:.3e}\n\
         L(N, D) = {:.6} + {:.6}/N^{:.6} + {:.6}/D^{:.6}",
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
    ))
}
