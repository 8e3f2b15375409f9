//! The corrected Approach 2 on the command line:
//! `scaling-laws fit --method approach2-corrected` (a CSV file) and
//! `scaling-laws approach2 --corrected` (simulated data, beside the truth and
//! plain Approach 2).

use serde_json::json;

use super::approach2::Approach2Args;
use super::fit::{allocation_numbers, allocation_text, approach2_bootstrap, FitArgs};
use super::law_json::{add_law, spread_json};
use super::{law_json, CliError};
use crate::analysis::law::{Approach2Law, FittedLaw};
use crate::analysis::predict::DataSpread;
use crate::fitters::approach2_corrected::{fit_approach2_corrected, CorrectedFit, CorrectedParams};
use crate::fitters::{fit_approach2, FitStatus};
use crate::sampling::{default_budgets, sample_isoflops, IsoflopGrid, IsoflopPoint, SamplingBias};

/// Approach 2's keys (`a`, `b`, `a_intercept`, `b_intercept`), then `alpha`,
/// `beta`, `status`, `iterations`, `rss` and one object per budget.
fn corrected_json(fit: &CorrectedFit<f64>) -> serde_json::Value {
    let mut v = law_json(
        (fit.n_law.exponent, fit.n_law.intercept),
        (fit.d_law.exponent, fit.d_law.intercept),
    );
    v["alpha"] = json!(fit.alpha);
    v["beta"] = json!(fit.beta);
    v["status"] = json!(fit.status.as_str());
    v["iterations"] = json!(fit.iterations);
    v["rss"] = json!(fit.rss);
    v["budgets"] = fit
        .vertices
        .iter()
        .map(|b| {
            json!({
                "budget": b.budget,
                "points": b.points,
                "n_opt": 10f64.powf(b.log10_n_opt),
                "d_opt": 10f64.powf(b.log10_d_opt),
                "log10_n_opt": b.log10_n_opt,
                "log10_d_opt": b.log10_d_opt,
                "loss_at_optimum": b.loss_at_optimum,
                "correction": b.correction,
            })
        })
        .collect();
    v
}

fn corrected_text(fit: &CorrectedFit<f64>, what: &str) -> String {
    let mut s = format!(
        "Approach 2 corrected on {what}: status {}, {} iterations, RSS {:.3e}\n\
         alpha = {:.6}, beta = {:.6}\n\
         N* = 10^{:.6} · C^{:.6}\nD* = 10^{:.6} · C^{:.6}\n\
         {:>12} {:>14} {:>14} {:>22}",
        fit.status.as_str(),
        fit.iterations,
        fit.rss,
        fit.alpha,
        fit.beta,
        fit.n_law.intercept,
        fit.n_law.exponent,
        fit.d_law.intercept,
        fit.d_law.exponent,
        "budget",
        "N*",
        "D*",
        "correction (decades)"
    );
    for b in &fit.vertices {
        s.push_str(&format!(
            "\n{:>12.3e} {:>14.6e} {:>14.6e} {:>22}",
            b.budget,
            10f64.powf(b.log10_n_opt),
            10f64.powf(b.log10_d_opt),
            b.correction
                .map_or_else(|| "-".to_string(), |c| format!("{c:.9}"))
        ));
    }
    s
}

/// `fit --method approach2-corrected`: the budget column is required.
pub(crate) fn fit_corrected_cmd(a: &FitArgs) -> Result<String, CliError> {
    let points = a.cols.read(&a.data, true)?;
    // Data plain Approach 2 refuses (a flat or downward parabola: no minimum
    // to correct) are refused here too, with its message, before the
    // corrected fit could report a confident answer on them.
    fit_approach2(&points)?;
    let fit = fit_approach2_corrected(&points, &CorrectedParams::default())?;
    let law = FittedLaw::Approach2(Approach2Law::from_corrected(&fit));
    let mut v = corrected_json(&fit);
    add_law(&mut v, "approach2-corrected", &law, &a.budget);
    let mut warnings = Vec::new();
    let mut extra = String::new();
    if a.bootstrap > 0 {
        // As plain Approach 2's bootstrap: points resampled within each
        // budget (or whole budgets), a replicate counts when its fit
        // converged; VPNLS's N* intervals beside (a warning when they do not
        // overlap).
        let budgets = a.budget.clone();
        let width = 6 + 3 * budgets.len();
        let numbers = move |pts: &[IsoflopPoint<f64>]| -> (Vec<f64>, bool) {
            match fit_approach2_corrected(pts, &CorrectedParams::default()) {
                Ok(f) if f.status == FitStatus::Converged => {
                    let law = FittedLaw::Approach2(Approach2Law::from_corrected(&f));
                    let mut v = vec![
                        f.n_law.exponent,
                        f.d_law.exponent,
                        f.n_law.intercept,
                        f.d_law.intercept,
                        f.alpha,
                        f.beta,
                    ];
                    v.extend(allocation_numbers(&law, &budgets));
                    (v, false)
                }
                Ok(f) => (vec![f64::NAN; width], f.status == FitStatus::BoundHit),
                Err(_) => (vec![f64::NAN; width], false),
            }
        };
        extra = approach2_bootstrap(
            a,
            &points,
            &numbers,
            &["a", "b", "a_intercept", "b_intercept", "alpha", "beta"],
            "approach2-corrected",
            &mut v,
            &mut warnings,
        );
    }
    v["warnings"] = json!(warnings);
    Ok(if a.json {
        v["data"] = spread_json(&DataSpread::of(&points), None);
        v.to_string()
    } else {
        let w: String = warnings.iter().map(|w| format!("\nwarning: {w}")).collect();
        corrected_text(&fit, &format!("{} points", points.len()))
            + &allocation_text(&law, &a.budget)
            + &extra
            + &w
    })
}

/// `approach2 --corrected`: simulate, fit both methods, compare with the truth.
pub(crate) fn simulate_corrected_cmd(a: &Approach2Args) -> Result<String, CliError> {
    let surface = a.surface.surface()?;
    let grid = IsoflopGrid::new(a.width, a.points)?;
    let budgets = a.budgets.clone().unwrap_or_else(default_budgets);
    let bias = SamplingBias::new(a.drift, a.scale)?;
    let points = sample_isoflops(&surface, &budgets, &grid, &bias)?;
    let fit = fit_approach2_corrected(&points, &CorrectedParams::default())?;
    let plain = fit_approach2(&points)?;
    let mut truth = law_json(
        (surface.exponent_a(), surface.a0()),
        (surface.exponent_b(), surface.b0()),
    );
    truth["alpha"] = json!(surface.alpha());
    truth["beta"] = json!(surface.beta());
    let approach2 = law_json(
        (plain.n_law.exponent, plain.n_law.intercept),
        (plain.d_law.exponent, plain.d_law.intercept),
    );
    if a.json {
        let mut v = corrected_json(&fit);
        v["true"] = truth;
        v["approach2"] = approach2;
        return Ok(v.to_string());
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
    let what = format!(
        "{} budgets × {} points, W = {}, drift {}, scale {}",
        budgets.len(),
        a.points,
        a.width,
        a.drift,
        a.scale
    );
    Ok(format!(
        "{}\n\n{:<10} {:>20} {:>20} {:>20} {:>20}\n{}\n{}\n{}",
        corrected_text(&fit, &what),
        "",
        "a",
        "a_intercept",
        "b",
        "b_intercept",
        row("corrected", &corrected_json(&fit)),
        row("approach2", &approach2),
        row("true", &truth)
    ))
}
