//! `scaling-laws design`: rank IsoFLOP sweep designs by the expected error
//! of ln N*(target) (proofs/19), or, with `--data`, suggest the next runs.

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value};

use super::columns::ColumnArgs;
use super::{finite_f64, law_json, CliError, SurfaceArgs};
use crate::analysis::design::{expected_error, DesignMethod, SweepDesign};
use crate::analysis::design_search::{
    candidate_designs, pareto_front, rank_designs, suggest_next, ScoredDesign,
};
use crate::analysis::law::FittedLaw;
use crate::fitters::{SurfaceData, SurfaceMethod};
use crate::io::{fmt_f64, Table};
use crate::models::LossSurface;
use crate::plots::{write_figure, Figure, Panel, Series};
use crate::sampling::{IsoflopGrid, SamplingBias};

#[derive(Debug, Args)]
pub(crate) struct DesignArgs {
    #[command(flatten)]
    pub(crate) surface: SurfaceArgs,
    /// The prior's α range `LO,HI` (with --beta-range): the designs are
    /// scored on the 3×3 grid of (α, β) at LO, mid, HI (A, B, E of the
    /// surface), averaged, and at the worst.
    #[arg(long, value_delimiter = ',', value_parser = finite_f64)]
    pub(crate) alpha_range: Option<Vec<f64>>,
    /// The prior's β range `LO,HI`.
    #[arg(long, value_delimiter = ',', value_parser = finite_f64)]
    pub(crate) beta_range: Option<Vec<f64>>,
    /// The surface (and σ, from its residuals) of a `fit --json` result of
    /// a surface method (vpnls, approach3).
    #[arg(long, conflicts_with_all = ["surface", "alpha", "beta", "a_coef", "b_coef", "e"])]
    pub(crate) fit: Option<PathBuf>,
    /// Noise standard deviation on L (default: from --fit's residuals, or
    /// from --data's VPNLS fit).
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) sigma: Option<f64>,
    /// The budget whose N* is to be predicted (FLOPs).
    #[arg(long, allow_hyphen_values = true, default_value_t = 1e24, value_parser = finite_f64)]
    pub(crate) target: f64,
    /// Candidate budgets (FLOPs); designs use runs of ≥ 2 consecutive ones
    /// (default 1e17, 10^17.5, …, 1e21).
    #[arg(long, value_delimiter = ',', value_parser = finite_f64)]
    pub(crate) budgets: Option<Vec<f64>>,
    /// Candidate points per IsoFLOP curve.
    #[arg(long, value_delimiter = ',', default_value = "5,7,9,11,15,21,31")]
    pub(crate) points: Vec<usize>,
    /// Candidate grid half-widths, as factors (±F× around the guessed N*).
    #[arg(long, value_delimiter = ',', value_parser = finite_f64, default_value = "2,3,4,6,8,12,16,32")]
    pub(crate) widths: Vec<f64>,
    /// Centring error: the grid centre sits this factor below the true N*
    /// (1: centred).
    #[arg(long, allow_hyphen_values = true, default_value_t = 1.0, value_parser = finite_f64)]
    pub(crate) centring: f64,
    /// Drift of the grid centre toward smaller N, decades at the largest budget.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) drift: f64,
    /// Largest compute a design may spend (FLOPs, each run at its budget).
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) compute_cap: Option<f64>,
    /// Methods to score (approach2, approach2-corrected, vpnls, approach3).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "approach2,approach2-corrected,vpnls,approach3"
    )]
    pub(crate) methods: Vec<String>,
    /// Rows printed in the text ranking.
    #[arg(long, default_value_t = 10)]
    pub(crate) top: usize,
    /// Print one JSON object (the recommended design, the habit, the top rows).
    #[arg(long)]
    pub(crate) json: bool,
    /// Write every ranked design under the cap to this CSV file.
    #[arg(long)]
    pub(crate) csv: Option<PathBuf>,
    /// Draw expected error against compute (Pareto front per method, the
    /// habit marked) to STEM.png and STEM.svg.
    #[arg(long)]
    pub(crate) figure: Option<PathBuf>,
    /// Runs already done (a CSV like `fit`'s): suggest the next runs instead.
    #[arg(long)]
    pub(crate) data: Option<PathBuf>,
    /// How many next runs to suggest with --data.
    #[arg(long, default_value_t = 5)]
    pub(crate) next: usize,
    #[command(flatten)]
    pub(crate) columns: ColumnArgs,
}

/// The habit: ±8×, 9 points, budgets 1e17 … 1e21 (one per decade).
fn habit(bias: &SamplingBias<f64>) -> Result<SweepDesign<f64>, CliError> {
    Ok(SweepDesign {
        budgets: crate::sampling::default_budgets(),
        grid: IsoflopGrid::from_factor(8.0, 9)?,
        bias: bias.clone(),
    })
}

fn usage(s: String) -> CliError {
    CliError::Usage(s)
}

/// The prior surfaces and σ from the arguments.
fn prior(a: &DesignArgs) -> Result<(Vec<LossSurface<f64>>, Option<f64>), CliError> {
    let (base, sigma) = match &a.fit {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("--fit {}: cannot be read: {e}", path.display())))?;
            let v: Value = serde_json::from_str(&text)
                .map_err(|e| usage(format!("--fit {}: not JSON: {e}", path.display())))?;
            let (law, _) = law_json::law_from_json(&v)
                .map_err(|e| usage(format!("--fit {}: {e}", path.display())))?;
            let FittedLaw::Surface(s) = law else {
                return Err(usage(format!(
                    "--fit {}: an Approach 2 fit has no surface; design needs a vpnls or approach3 fit",
                    path.display()
                )));
            };
            // σ on L ≈ (residual sd of ln L) × the middle of the loss range.
            let sd = v["data"]["residual_sd_ln"].as_f64();
            let mid = v["data"]["loss_range"]
                .as_array()
                .and_then(|r| Some((r.first()?.as_f64()? + r.get(1)?.as_f64()?) / 2.0));
            (s, sd.zip(mid).map(|(s, m)| s * m))
        }
        None => (a.surface.surface()?, None),
    };
    let mut out = Vec::new();
    match (&a.alpha_range, &a.beta_range) {
        (None, None) => out.push(base),
        (Some(ar), Some(br)) => {
            for (name, r) in [("--alpha-range", ar), ("--beta-range", br)] {
                if r.len() != 2 {
                    return Err(usage(format!(
                        "{name} takes two numbers LO,HI, got {}",
                        r.len()
                    )));
                }
                if r[0].partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || r[0] > r[1] {
                    return Err(usage(format!(
                        "{name} must be LO,HI with 0 < LO <= HI, got {},{}",
                        r[0], r[1]
                    )));
                }
            }
            for al in [ar[0], (ar[0] + ar[1]) / 2.0, ar[1]] {
                for be in [br[0], (br[0] + br[1]) / 2.0, br[1]] {
                    out.push(LossSurface::new(*base.e(), *base.a(), *base.b(), al, be)?);
                }
            }
        }
        _ => {
            return Err(usage(
                "--alpha-range and --beta-range go together".to_string(),
            ))
        }
    }
    Ok((out, sigma))
}

fn design_label(d: &SweepDesign<f64>) -> String {
    format!(
        "±{:.3}×, {} points, {} budgets {:.3e}…{:.3e}",
        10f64.powf(*d.grid.half_width()),
        d.grid.points(),
        d.budgets.len(),
        d.budgets[0],
        d.budgets[d.budgets.len() - 1]
    )
}

fn row_json(s: &ScoredDesign) -> Value {
    json!({
        "method": s.method.name(),
        "width_factor": 10f64.powf(*s.design.grid.half_width()),
        "points": s.design.grid.points(),
        "budgets": s.design.budgets,
        "cost_flops": s.cost,
        "mse_ln_n": s.mse_ln_n,
        "rmse_ln_n": s.mse_ln_n.sqrt(),
        "worst_mse_ln_n": s.worst_mse_ln_n,
        "bias2_ln_n": s.bias2_ln_n,
        "mse_ln_d": s.mse_ln_n,
        "mse_a": s.mse_a,
    })
}

pub(crate) fn design_cmd(a: &DesignArgs) -> Result<String, CliError> {
    if let Some(data) = &a.data {
        return next_runs(a, data);
    }
    let (prior, fit_sigma) = prior(a)?;
    let sigma = a.sigma.or(fit_sigma).ok_or_else(|| {
        usage("--sigma is needed (or --fit with residuals in its 'data' object)".into())
    })?;
    let methods: Vec<DesignMethod> = a
        .methods
        .iter()
        .map(|m| {
            DesignMethod::from_name(m).ok_or_else(|| {
                usage(format!(
                    "unknown method '{m}' (known: approach2, approach2-corrected, vpnls, approach3)"
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let bias = SamplingBias::new(a.drift, a.centring)?;
    let budgets = a
        .budgets
        .clone()
        .unwrap_or_else(|| (0..9).map(|i| 10f64.powf(17.0 + 0.5 * i as f64)).collect());
    crate::sampling::validate_budgets(&budgets)?;
    for &f in &a.widths {
        if f.partial_cmp(&1.0) != Some(std::cmp::Ordering::Greater) {
            return Err(usage(format!("--widths: a factor must exceed 1, got {f}")));
        }
    }
    for &n in &a.points {
        IsoflopGrid::<f64>::new(1.0, n)?;
    }
    let cap = a.compute_cap.unwrap_or(f64::INFINITY);
    if cap.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(usage(format!("--compute-cap must be positive, got {cap}")));
    }
    let designs = candidate_designs(&budgets, &a.widths, &a.points, &bias);
    let ranked = rank_designs(&prior, &designs, &methods, sigma, a.target, cap)?;
    let habit = habit(&bias)?;
    let habit_rows: Vec<(DesignMethod, f64)> = methods
        .iter()
        .filter_map(|&m| {
            let errs: Vec<f64> = prior
                .iter()
                .map(|s| expected_error(s, &habit, &sigma, &a.target, m).map(|e| e.mse_ln_n()))
                .collect::<Result<_, _>>()
                .ok()?;
            Some((m, errs.iter().sum::<f64>() / errs.len() as f64))
        })
        .collect();
    if let Some(path) = &a.csv {
        let mut t = Table::new(&[
            "rank",
            "method",
            "width_factor",
            "points",
            "budgets",
            "budget_min",
            "budget_max",
            "cost_flops",
            "mse_ln_n",
            "worst_mse_ln_n",
            "bias2_ln_n",
            "mse_a",
        ]);
        for (i, s) in ranked.iter().enumerate() {
            t.push(vec![
                (i + 1).to_string(),
                s.method.name().to_string(),
                fmt_f64(10f64.powf(*s.design.grid.half_width())),
                s.design.grid.points().to_string(),
                s.design.budgets.len().to_string(),
                fmt_f64(s.design.budgets[0]),
                fmt_f64(s.design.budgets[s.design.budgets.len() - 1]),
                fmt_f64(s.cost),
                fmt_f64(s.mse_ln_n),
                fmt_f64(s.worst_mse_ln_n),
                fmt_f64(s.bias2_ln_n),
                fmt_f64(s.mse_a),
            ]);
        }
        crate::io::prepare_out_file(path)?;
        t.write_csv(path)?;
    }
    if let Some(stem) = &a.figure {
        crate::io::prepare_out_file(&stem.with_extension("png"))?;
        write_figure(&figure(&ranked, &methods, &habit, &habit_rows), stem)?;
    }
    let Some(best) = ranked.first() else {
        return Err(usage(format!(
            "no candidate design costs at most --compute-cap {cap:e} FLOPs"
        )));
    };
    if a.json {
        return Ok(json!({
            "target": a.target,
            "sigma": sigma,
            "prior_surfaces": prior.len(),
            "candidates": designs.len(),
            "ranked": ranked.len(),
            "recommended": row_json(best),
            "habit": habit_rows.iter().map(|(m, e)| json!({
                "method": m.name(), "cost_flops": habit.cost(), "mse_ln_n": e
            })).collect::<Vec<_>>(),
            "top": ranked.iter().take(a.top).map(row_json).collect::<Vec<_>>(),
        })
        .to_string());
    }
    let mut out = format!(
        "{} candidate designs × {} methods scored ({} under the cap), σ = {sigma:e}, target {:e} FLOPs, {} prior surface(s)\n\
         recommended: {} with {}, cost {:.3e} FLOPs, RMSE of ln N* {:.4} (×{:.4})\n\
         habit (±8×, 9 points, 1e17…1e21, cost {:.3e}):",
        designs.len(),
        methods.len(),
        ranked.len(),
        a.target,
        prior.len(),
        best.method.name(),
        design_label(&best.design),
        best.cost,
        best.mse_ln_n.sqrt(),
        best.mse_ln_n.sqrt().exp(),
        habit.cost(),
    );
    for (m, e) in &habit_rows {
        out.push_str(&format!(" {} RMSE {:.4};", m.name(), e.sqrt()));
    }
    out.push_str("\n\nrank  method               cost (FLOPs)  RMSE ln N*  worst RMSE  bias² share  design\n");
    for (i, s) in ranked.iter().take(a.top).enumerate() {
        out.push_str(&format!(
            "{:>4}  {:<20} {:>12.3e}  {:>10.4}  {:>10.4}  {:>11.3}  {}\n",
            i + 1,
            s.method.name(),
            s.cost,
            s.mse_ln_n.sqrt(),
            s.worst_mse_ln_n.sqrt(),
            s.bias2_ln_n / s.mse_ln_n,
            design_label(&s.design)
        ));
    }
    Ok(out.trim_end().to_string())
}

/// Expected RMSE of ln N* against compute: each method's Pareto front, and
/// the habit marked per method.
fn figure(
    ranked: &[ScoredDesign],
    methods: &[DesignMethod],
    habit: &SweepDesign<f64>,
    habit_rows: &[(DesignMethod, f64)],
) -> Figure {
    let mut series = Vec::new();
    for (c, &m) in methods.iter().enumerate() {
        let front: Vec<(f64, f64)> = pareto_front(ranked, m)
            .iter()
            .map(|s| (s.cost, s.mse_ln_n.sqrt()))
            .collect();
        let line = Series::line(m.name(), front, c).with_markers();
        // Approach 3 (RSS) has VPNLS's error: dashed, so both stay visible.
        series.push(if m == DesignMethod::Approach3 {
            line.dashed()
        } else {
            line
        });
    }
    for (c, (_, e)) in habit_rows.iter().enumerate() {
        series.push(Series::markers("", vec![(habit.cost(), e.sqrt())], c).size(9));
    }
    let panel = Panel {
        title: "Pareto front per method; large dots: the habit ±8×, 9 points, 1e17…1e21".into(),
        x_label: "compute spent on the sweep (FLOPs)".into(),
        y_label: "expected RMSE of ln N*(target)".into(),
        x_log: true,
        y_log: true,
        series,
        legend: crate::plots::LegendPosition::UpperRight,
        ..Panel::default()
    };
    let mut f = Figure::new("Expected error of ln N* against compute", 1, 1, vec![panel]);
    f.panel_size = (760, 520);
    f
}

/// `--data`: fit the runs with VPNLS, then choose the next runs greedily.
fn next_runs(a: &DesignArgs, data: &std::path::Path) -> Result<String, CliError> {
    let points = a.columns.read(data, false)?;
    let sd = SurfaceData::from_points(&points)?;
    let fit = SurfaceMethod::vpnls().fit(&sd)?;
    let [e, aa, b, al, be] = fit.parameters();
    let surface = LossSurface::new(e, aa, b, al, be)?;
    let m = points.len();
    let sigma = match a.sigma {
        Some(s) => s,
        None if m > 5 => (fit.rss / (m - 5) as f64).sqrt(),
        None => {
            return Err(usage(format!(
                "{m} runs leave no residual degrees of freedom for σ: give --sigma"
            )))
        }
    };
    let budgets = a
        .budgets
        .clone()
        .unwrap_or_else(|| (0..9).map(|i| 10f64.powf(17.0 + 0.5 * i as f64)).collect());
    crate::sampling::validate_budgets(&budgets)?;
    // Candidate N: from N*(C)/16 to 16·N*(C) in quarter decades.
    let candidates: Vec<(f64, f64)> = budgets
        .iter()
        .flat_map(|&c| {
            let centre = surface.log10_n_opt(&c);
            (-5..=5).map(move |i| (c, 10f64.powf(centre + 0.25 * i as f64)))
        })
        .collect();
    let done: Vec<(f64, f64)> = points.iter().map(|p| (p.n, p.d)).collect();
    let next = suggest_next(&surface, &done, &candidates, &sigma, &a.target, a.next)?;
    if a.json {
        return Ok(json!({
            "sigma": sigma,
            "surface": {"E": e, "A": aa, "B": b, "alpha": al, "beta": be},
            "next": next.iter().map(|s| json!({
                "budget": s.budget, "n": s.n, "d": s.budget / (6.0 * s.n),
                "var_ln_n_after": s.variance_after,
                "reduction_per_flop": s.reduction_per_flop,
            })).collect::<Vec<_>>(),
        })
        .to_string());
    }
    let mut out = format!(
        "{m} runs, VPNLS fit α = {al:.4}, β = {be:.4}, σ = {sigma:.3e}; next runs by reduction of Var ln N*({:e}) per FLOP:\n\
         step  budget (FLOPs)  N              D              sd ln N* after\n",
        a.target
    );
    for (i, s) in next.iter().enumerate() {
        out.push_str(&format!(
            "{:>4}  {:>14.3e}  {:>13.4e}  {:>13.4e}  {:.4}\n",
            i + 1,
            s.budget,
            s.n,
            s.budget / (6.0 * s.n),
            s.variance_after.max(0.0).sqrt()
        ));
    }
    Ok(out.trim_end().to_string())
}
