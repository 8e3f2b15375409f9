//! `scaling-laws fit`: fit a scaling law to loss measurements in a CSV file.

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value};

use super::columns::ColumnArgs;
use super::law_json::{add_law, allocation_json, num, spread_json};
use super::{law_json, CliError};
use crate::analysis::law::{surface_of, Approach2Law, FittedLaw, LawMethod};
use crate::analysis::predict::DataSpread;
use crate::fitters::approach3::{Approach3Start, Objective};
use crate::fitters::grid5::Grid5Params;
use crate::fitters::{fit_approach2, pool_budgets, FitStatus, SurfaceData, SurfaceMethod};
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
    #[command(flatten)]
    pub(crate) cols: ColumnArgs,
    /// Budgets C (FLOPs, C = 6ND) at which to report the compute-optimal
    /// N*, D*, L*, comma separated.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true, value_parser = super::finite_f64)]
    pub(crate) budget: Vec<f64>,
    /// Approach 2 only: group budgets within this relative tolerance (each
    /// group's budget becomes its geometric mean), for a budget column
    /// computed per row (6·N·D). Default 0: only equal budgets group.
    #[arg(long, value_parser = super::finite_f64)]
    pub(crate) budget_tolerance: Option<f64>,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
    /// Bootstrap replicates for 95 % percentile intervals on every number (0: none).
    #[arg(long, default_value_t = 0, value_parser = super::replicates)]
    pub(crate) bootstrap: usize,
    /// The bootstrap seed.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// What the bootstrap resamples: points (within each budget for
    /// approach2) or whole budgets (needs the budget column).
    #[arg(long, default_value = "points", value_parser = clap::builder::PossibleValuesParser::new(["points", "budgets"]))]
    pub(crate) resample: String,
}

/// One bootstrap replicate: the reported numbers (NaN where the method
/// failed), whether the fit ended on a bound, and the companion method's
/// N* at each budget.
pub(super) struct Replicate {
    numbers: Vec<f64>,
    on_bound: bool,
    companion: Vec<f64>,
}

/// The method's numbers on one set of points: the parameters (`keys`), then
/// N*, D*, L* per budget; and whether the fit ended on a bound.
pub(super) type Numbers<'a> = dyn Fn(&[IsoflopPoint<f64>]) -> (Vec<f64>, bool) + Sync + 'a;

/// Run the replicates: resample (plain, within budgets or whole budgets),
/// then `numbers` and the companion's N* per budget.
pub(super) fn replicates(
    a: &FitArgs,
    points: &[IsoflopPoint<f64>],
    within_budgets: bool,
    numbers: &Numbers<'_>,
    companion: Option<&LawMethod>,
) -> Vec<Replicate> {
    use crate::analysis::bootstrap::{resample_indices, run_replicates};
    use crate::studies::isoflops::fits::{budget_groups, Resample};
    let groups = budget_groups(points);
    run_replicates(a.bootstrap, a.seed, |rng| {
        let idx = if a.resample == "budgets" {
            Resample::Budgets.draw(rng, &groups)
        } else if within_budgets {
            Resample::WithinBudgets.draw(rng, &groups)
        } else {
            resample_indices(rng, points.len())
        };
        let pts: Vec<IsoflopPoint<f64>> = idx.iter().map(|&i| points[i].clone()).collect();
        let (numbers, on_bound) = numbers(&pts);
        let companion = match companion.map(|m| m.fit(&pts)) {
            Some(Ok((law, FitStatus::Converged))) => {
                a.budget.iter().map(|&c| law.allocation(c).n_opt).collect()
            }
            Some(_) => vec![f64::NAN; a.budget.len()],
            None => Vec::new(),
        };
        Some(Replicate {
            numbers,
            on_bound,
            companion,
        })
    })
}

/// An interval as JSON and text, or the reason there is none (never `null`).
fn interval_entry(iv: Option<[f64; 2]>, finite: usize, replicates: usize) -> (Value, String) {
    match iv {
        Some([l, h]) if l.abs().max(h.abs()) >= 1e5 => {
            (json!([l, h]), format!("[{l:.4e}, {h:.4e}]"))
        }
        Some([l, h]) => (json!([l, h]), format!("[{l:.6}, {h:.6}]")),
        None => {
            let why =
                format!("unavailable: {finite} of {replicates} replicates gave a finite value");
            (json!(why), format!("[{why}]"))
        }
    }
}

/// The bootstrap of an Approach 2 fit (plain or corrected): points resampled
/// within budgets, VPNLS's N* intervals beside when VPNLS converges on the
/// full data; returns the text block (after a newline) and fills `v`.
#[allow(clippy::too_many_arguments)]
pub(super) fn approach2_bootstrap(
    a: &FitArgs,
    points: &[IsoflopPoint<f64>],
    numbers: &Numbers<'_>,
    keys: &[&str],
    method: &str,
    v: &mut Value,
    warnings: &mut Vec<String>,
) -> String {
    let companion = LawMethod::Surface(SurfaceMethod::vpnls());
    let companion = (!a.budget.is_empty()
        && companion
            .fit(points)
            .is_ok_and(|(_, s)| s == FitStatus::Converged))
    .then_some(companion);
    let rows = replicates(a, points, true, numbers, companion.as_ref());
    format!(
        "\n{}",
        bootstrap_report(a, v, keys, &rows, method, companion.as_ref(), warnings)
    )
}

/// The bootstrap's intervals: parameters into `v["interval"]`, allocations
/// into each `v["allocations"][i]["interval"]`, the share on a bound, and
/// the companion comparison (a warning when the N* intervals do not
/// overlap). Returns the text lines.
pub(super) fn bootstrap_report(
    a: &FitArgs,
    v: &mut Value,
    keys: &[&str],
    rows: &[Replicate],
    method: &str,
    companion: Option<&LawMethod>,
    warnings: &mut Vec<String>,
) -> String {
    use crate::studies::isoflops::fits::column_intervals;
    let numbers: Vec<Vec<f64>> = rows.iter().map(|r| r.numbers.clone()).collect();
    let width = keys.len() + 3 * a.budget.len();
    let iv = column_intervals(&numbers, width);
    let mut m = serde_json::Map::new();
    let mut text = format!(
        "95% intervals ({} replicates, resampling {}):",
        a.bootstrap, a.resample
    );
    for (k, &(i, finite)) in keys.iter().zip(&iv) {
        let (j, t) = interval_entry(i, finite, a.bootstrap);
        m.insert((*k).to_string(), j);
        text.push_str(&format!(" {k} {t}"));
    }
    v["interval"] = Value::Object(m);
    let on_bound = rows.iter().filter(|r| r.on_bound).count() as f64 / a.bootstrap as f64;
    v["on_bound_share"] = json!(on_bound);
    text.push_str(&format!(
        "\nreplicates whose fit ended on a bound: {:.1} %",
        100.0 * on_bound
    ));
    let comp: Vec<Vec<f64>> = rows.iter().map(|r| r.companion.clone()).collect();
    let comp_iv = companion.map(|_| column_intervals(&comp, a.budget.len()));
    for (b, &c) in a.budget.iter().enumerate() {
        let mut obj = serde_json::Map::new();
        text.push_str(&format!("\nC = {c:.3e}:"));
        for (q, name) in ["n_opt", "d_opt", "loss_opt"].iter().enumerate() {
            let (i, finite) = iv[keys.len() + 3 * b + q];
            let (j, t) = interval_entry(i, finite, a.bootstrap);
            obj.insert((*name).to_string(), j);
            text.push_str(&format!(" {name} {t}"));
        }
        if let (Some(cm), Some(civ)) = (companion, &comp_iv) {
            let (ci, finite) = civ[b];
            let (j, t) = interval_entry(ci, finite, a.bootstrap);
            let cname = cm.name();
            obj.insert(format!("n_opt_{}", cname.replace('-', "_")), j);
            text.push_str(&format!(" ({cname} n_opt {t})"));
            if let (Some([l1, h1]), Some([l2, h2])) = (iv[keys.len() + 3 * b].0, ci) {
                if h1 < l2 || h2 < l1 {
                    warnings.push(format!(
                        "at C = {c:e} the N* intervals of {method} [{l1:e}, {h1:e}] and {cname} \
                         [{l2:e}, {h2:e}] do not overlap: the two methods disagree beyond their \
                         resampling uncertainty (Approach 2's parabola bias, or a surface that \
                         does not describe the data)"
                    ));
                }
            }
        }
        if let Some(x) = v["allocations"].get_mut(b) {
            x["interval"] = Value::Object(obj);
        }
    }
    text
}

/// The allocation numbers of `law` at the budgets (N*, D*, L*; NaN for a
/// missing L*).
pub(super) fn allocation_numbers(law: &FittedLaw, budgets: &[f64]) -> Vec<f64> {
    budgets
        .iter()
        .flat_map(|&c| {
            let al = law.allocation(c);
            [al.n_opt, al.d_opt, al.loss_opt.unwrap_or(f64::NAN)]
        })
        .collect()
}

/// The allocation table of `law` at the budgets, as text.
pub(crate) fn allocation_text(law: &FittedLaw, budgets: &[f64]) -> String {
    let (ea, eb) = law.exponents();
    let mut s = format!("\na = {ea:.6}, b = {eb:.6}");
    if budgets.is_empty() {
        return s;
    }
    s.push_str(&format!(
        "\n{:>12} {:>14} {:>14} {:>10} {:>12}",
        "budget C", "N*", "D*", "D*/N*", "L*"
    ));
    for &c in budgets {
        let al = law.allocation(c);
        s.push_str(&format!(
            "\n{:>12.3e} {:>14.6e} {:>14.6e} {:>10.3} {:>12}",
            c,
            al.n_opt,
            al.d_opt,
            al.d_opt / al.n_opt,
            match &al.loss_opt {
                Ok(l) => format!("{l:.6}"),
                Err(e) => format!("- ({e})"),
            }
        ));
    }
    s
}

/// The residual sd of ln L of a law on its points (None when the law
/// gives no loss).
fn residual_sd(law: &FittedLaw, points: &[IsoflopPoint<f64>]) -> Option<f64> {
    let r = crate::analysis::predict::ln_residuals(law, points).ok()?;
    let m = r.len() as f64;
    let p = law.parameter_count() as f64;
    let mean = r.iter().sum::<f64>() / m;
    (m > p).then(|| (r.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (m - p)).sqrt())
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
    if let Some(c) = a.budget.iter().find(|c| **c <= 0.0) {
        return Err(CliError::Usage(format!(
            "--budget must be positive, got {c}"
        )));
    }
    if a.method == "approach2-corrected" {
        return super::approach2_corrected::fit_corrected_cmd(a);
    }
    let mut warnings: Vec<String> = Vec::new();
    if a.method == "approach2" {
        let mut points = a.cols.read(&a.data, true)?;
        if let Some(t) = a.budget_tolerance {
            if t < 0.0 {
                return Err(CliError::Usage(format!(
                    "--budget-tolerance must be a non-negative relative tolerance, got {t}"
                )));
            }
            pool_budgets(&mut points, t)?;
        }
        let fit = fit_approach2(&points)?;
        let law = FittedLaw::Approach2(Approach2Law::from_fit(&fit));
        let mut v = law_json(
            (fit.n_law.exponent, fit.n_law.intercept),
            (fit.d_law.exponent, fit.d_law.intercept),
        );
        add_law(&mut v, "approach2", &law, &a.budget);
        let mut extra = String::new();
        if a.bootstrap > 0 {
            let budgets = a.budget.clone();
            let numbers = move |pts: &[IsoflopPoint<f64>]| -> (Vec<f64>, bool) {
                match fit_approach2(pts) {
                    Ok(f) => {
                        let law = FittedLaw::Approach2(Approach2Law::from_fit(&f));
                        let mut v = vec![
                            f.n_law.exponent,
                            f.d_law.exponent,
                            f.n_law.intercept,
                            f.d_law.intercept,
                        ];
                        v.extend(allocation_numbers(&law, &budgets));
                        (v, false)
                    }
                    Err(_) => (vec![f64::NAN; 4 + 3 * budgets.len()], false),
                }
            };
            extra = approach2_bootstrap(
                a,
                &points,
                &numbers,
                &["a", "b", "a_intercept", "b_intercept"],
                "approach2",
                &mut v,
                &mut warnings,
            );
        }
        v["data"] = spread_json(&DataSpread::of(&points), residual_sd(&law, &points));
        v["warnings"] = json!(warnings);
        return Ok(if a.json {
            v.to_string()
        } else {
            let w: String = warnings.iter().map(|w| format!("\nwarning: {w}")).collect();
            format!(
                "Approach 2 on {} points, {} budgets\nN* = 10^{:.6} · C^{:.6}\nD* = 10^{:.6} · C^{:.6}",
                points.len(),
                fit.vertices.len(),
                fit.n_law.intercept,
                fit.n_law.exponent,
                fit.d_law.intercept,
                fit.d_law.exponent
            ) + &allocation_text(&law, &a.budget)
                + &extra
                + &w
        });
    }
    let need_budget = a.bootstrap > 0 && a.resample == "budgets";
    let (points, has_budget) = if need_budget {
        (a.cols.read(&a.data, true)?, true)
    } else if a.bootstrap > 0 && !a.budget.is_empty() {
        a.cols.read_with_optional_budget(&a.data)?
    } else {
        (a.cols.read(&a.data, false)?, false)
    };
    let data = SurfaceData::from_points(&points)?;
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
    // Exit 0 only with finite numbers: a fit whose RSS or parameters overflow
    // (status non_finite, as VPNLS or the grid on extreme losses) is exit 2,
    // as Approach 3's overflow is.
    let values = [f.e, f.a, f.b, f.alpha, f.beta, f.rss];
    if f.status == crate::fitters::FitStatus::NonFinite || !values.iter().all(|x| x.is_finite()) {
        return Err(CliError::Usage(format!(
            "{}: {} ended without a finite answer (status {}; E, A, B, α, β, RSS = {values:?}): the data's N, D or losses are too extreme for f64 in the fit's sums; rescale them",
            a.data.display(),
            method.label(),
            f.status.as_str()
        )));
    }
    let law = surface_of(&f).ok().map(FittedLaw::Surface);
    let (mut interval_v, mut extra) = (json!({"allocations": []}), String::new());
    if a.bootstrap > 0 {
        let budgets = a.budget.clone();
        let method_ref = &method;
        let numbers = move |pts: &[IsoflopPoint<f64>]| -> (Vec<f64>, bool) {
            match SurfaceData::from_points(pts).and_then(|d| method_ref.fit(&d)) {
                // A replicate counts when the method gave its own kind of
                // answer: a converged fit, or the grid search's grid point.
                Ok(f)
                    if f.status == FitStatus::Converged
                        || (matches!(method_ref, SurfaceMethod::Grid5(_))
                            && f.status == FitStatus::GridPoint) =>
                {
                    let mut v = vec![f.e, f.a, f.b, f.alpha, f.beta];
                    match surface_of(&f) {
                        Ok(s) => v.extend(allocation_numbers(&FittedLaw::Surface(s), &budgets)),
                        Err(_) => v.extend(vec![f64::NAN; 3 * budgets.len()]),
                    }
                    (v, false)
                }
                Ok(f) => (
                    vec![f64::NAN; 5 + 3 * budgets.len()],
                    f.status == FitStatus::BoundHit,
                ),
                Err(_) => (vec![f64::NAN; 5 + 3 * budgets.len()], false),
            }
        };
        // Approach 2 beside the surface when the data have budgets it can fit.
        let companion =
            (has_budget && fit_approach2(&points).is_ok()).then_some(LawMethod::Approach2);
        let rows = replicates(a, &points, false, &numbers, companion.as_ref());
        if let Some(l) = &law {
            interval_v["allocations"] = a
                .budget
                .iter()
                .map(|&c| allocation_json(&l.allocation(c)))
                .collect();
        }
        extra = format!(
            "\n{}",
            bootstrap_report(
                a,
                &mut interval_v,
                &["E", "A", "B", "alpha", "beta"],
                &rows,
                &method.label(),
                companion.as_ref(),
                &mut warnings,
            )
        );
    }
    let mut all_warnings = f.warnings.clone();
    all_warnings.extend(warnings);
    if a.json {
        let mut v = json!({
            "E": num(f.e), "A": num(f.a), "B": num(f.b), "alpha": num(f.alpha),
            "beta": num(f.beta), "rss": num(f.rss), "status": f.status.as_str(),
            "iterations": f.iterations, "warnings": all_warnings
        });
        if let Some(c) = &f.certificate {
            v["certificate"] = super::law_json::certificate_json(c, num);
        }
        match &law {
            Some(l) => {
                add_law(&mut v, &a.method, l, &a.budget);
                v["data"] = spread_json(&DataSpread::of(&points), residual_sd(l, &points));
            }
            None => {
                v["schema_version"] = json!(super::law_json::SCHEMA_VERSION);
                v["method"] = json!(a.method);
                v["allocations"] = json!([]);
            }
        }
        if a.bootstrap > 0 {
            v["interval"] = interval_v["interval"].take();
            v["on_bound_share"] = interval_v["on_bound_share"].take();
            if law.is_some() {
                v["allocations"] = interval_v["allocations"].take();
            }
        }
        return Ok(v.to_string());
    }
    let w: String = all_warnings
        .iter()
        .map(|w| format!("\nwarning: {w}"))
        .collect();
    let alloc = law
        .as_ref()
        .map_or_else(String::new, |l| allocation_text(l, &a.budget));
    Ok(format!(
        "{} on {} points: status {}, {} iterations, RSS {:.3e}\n\
         L(N, D) = {:.6} + {:.6}/N^{:.6} + {:.6}/D^{:.6}{alloc}{extra}{w}",
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
