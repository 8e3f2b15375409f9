//! `scaling-laws approach2`: simulate IsoFLOP data, fit Approach 2, compare
//! with the truth and the closed form.

use clap::Args;

use super::{finite_f64, law_json, CliError, SurfaceArgs};
use crate::analysis::predict_approach2;
use crate::fitters::{fit_approach2, Approach2Fit};
use crate::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};

#[derive(Debug, Args)]
pub(crate) struct Approach2Args {
    #[command(flatten)]
    pub(crate) surface: SurfaceArgs,
    /// W, the grid half-width in decades.
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) width: f64,
    /// Points per IsoFLOP curve.
    #[arg(long, default_value_t = 15)]
    pub(crate) points: usize,
    /// Compute budgets in FLOPs, comma separated (default 1e17,1e18,1e19,1e20,1e21).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) budgets: Option<Vec<f64>>,
    /// Drift rate: decades toward smaller N at the largest budget.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) drift: f64,
    /// Centre scale: grids centred at N*/scale.
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) scale: f64,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
    /// Fit the corrected Approach 2 (exact IsoFLOP profiles) and show it
    /// beside plain Approach 2 and the truth.
    #[arg(long)]
    pub(crate) corrected: bool,
}

/// The most points `approach2` simulates (budgets × points per curve):
/// each costs ~100 bytes through sampling and the parabola fits, so 10⁶ is
/// ~0.1 GB; `--points 100000000` asked for 16 GB and aborted (issue 7).
pub(crate) const MAX_SIMULATED_POINTS: usize = 1_000_000;

pub(crate) fn approach2_cmd(a: &Approach2Args) -> Result<String, CliError> {
    // The limit holds for the plain and the corrected fit alike, before
    // anything is simulated (after the grid's own check, which names 2^53).
    IsoflopGrid::new(a.width, a.points)?;
    let budgets = a.budgets.clone().unwrap_or_else(default_budgets);
    let total = budgets.len().saturating_mul(a.points);
    if total > MAX_SIMULATED_POINTS {
        return Err(CliError::Usage(format!(
            "--points {} on {} budget(s) asks for {total} simulated points; the limit is {MAX_SIMULATED_POINTS}",
            a.points,
            budgets.len()
        )));
    }
    if a.corrected {
        return super::approach2_corrected::simulate_corrected_cmd(a);
    }
    let surface = a.surface.surface()?;
    let grid = IsoflopGrid::new(a.width, a.points)?;
    let bias = SamplingBias::new(a.drift, a.scale)?;
    let points = sample_isoflops(&surface, &budgets, &grid, &bias)?;
    // A drift or scale that moves a grid beyond f64's range gives N, D or L
    // of 0 or ∞: name the arguments, not "point k".
    for p in &points {
        for (field, value) in [("N", p.n), ("D", p.d), ("L", p.loss)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(CliError::GridOutOfRange {
                    budget: p.budget,
                    field,
                    value,
                    width: a.width,
                    drift: a.drift,
                    scale: a.scale,
                });
            }
        }
    }
    let fit: Approach2Fit<f64> = fit_approach2(&points)?;
    let pred = predict_approach2(&surface, &budgets, &grid, &bias)?;
    let fitted = law_json(
        (fit.n_law.exponent, fit.n_law.intercept),
        (fit.d_law.exponent, fit.d_law.intercept),
    );
    let truth = law_json(
        (surface.exponent_a(), surface.a0()),
        (surface.exponent_b(), surface.b0()),
    );
    let predicted = law_json(
        (pred.n_law.exponent, pred.n_law.intercept),
        (pred.d_law.exponent, pred.d_law.intercept),
    );
    if a.json {
        let mut obj = fitted;
        obj["true"] = truth;
        obj["predicted"] = predicted;
        return Ok(obj.to_string());
    }
    let row = |name: &str, v: &serde_json::Value| {
        format!(
            "{name:<10} {:>20.15} {:>20.15} {:>20.15} {:>20.15}",
            v["a"].as_f64().unwrap_or(f64::NAN),
            v["a_intercept"].as_f64().unwrap_or(f64::NAN),
            v["b"].as_f64().unwrap_or(f64::NAN),
            v["b_intercept"].as_f64().unwrap_or(f64::NAN)
        )
    };
    Ok(format!(
        "Approach 2 on {} budgets × {} points, W = {}, drift {}, scale {}\n\
         {:<10} {:>20} {:>20} {:>20} {:>20}\n{}\n{}\n{}",
        budgets.len(),
        a.points,
        a.width,
        a.drift,
        a.scale,
        "",
        "a",
        "a_intercept",
        "b",
        "b_intercept",
        row("fitted", &fitted),
        row("predicted", &predicted),
        row("true", &truth)
    ))
}
