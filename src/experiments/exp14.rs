//! Experiment 14: designing the sweep. For the Chinchilla and the
//! asymmetric surfaces, the expected error of ln N*(1e24) for each method
//! (closed forms of proofs/19) over designs on budgets 1e18 … 1e21, by
//! width, points and budgets at fixed compute; the recommended design per
//! method; the compute the habit (±8×, 9 points, one budget per decade)
//! wastes for the same error; the closed form checked by simulation on the
//! recommended designs (specs/experiment-14.md).

use crate::analysis::design::{expected_error, DesignMethod, SweepDesign};
use crate::analysis::design_search::{candidate_designs, pareto_front, rank_designs, ScoredDesign};
use crate::io::{fmt_f64, Table};
use crate::models::{LossSurface, Preset};
use crate::plots::{Figure, LegendPosition, Panel, Series};
use crate::sampling::{IsoflopGrid, SamplingBias};

use super::design_check::monte_carlo;
use super::{ExperimentError, ExperimentFiles};

/// The settings of Experiment 14.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp14Config {
    /// The surfaces.
    pub surfaces: Vec<Preset>,
    /// Noise σ on L.
    pub sigma: f64,
    /// The budget whose N* is predicted.
    pub target: f64,
    /// Candidate budgets (designs use runs of ≥ 2 consecutive ones).
    pub budgets: Vec<f64>,
    /// Candidate width factors.
    pub widths: Vec<f64>,
    /// Candidate points per curve.
    pub points: Vec<usize>,
    /// Grid centres this factor below N* (the guess's error).
    pub centring: f64,
    /// The compute of the "fixed compute" comparisons: the habit's.
    pub cap: f64,
    /// Monte Carlo draws per checked design, and the seed.
    pub draws: usize,
    /// The seed of the check.
    pub seed: u64,
}

impl Default for Exp14Config {
    /// σ = 0.005, target 1e24, budgets 1e18 … 1e21 in half decades,
    /// widths ±2× … ±32×, 5 … 31 points, centres 1.5× below N*, the cap the
    /// habit's cost on 1e18 … 1e21 (9·(1e18 + 1e19 + 1e20 + 1e21) FLOPs),
    /// 400 draws (seed 14).
    fn default() -> Self {
        Self {
            surfaces: vec![Preset::Chinchilla, Preset::Asymmetric],
            sigma: 0.005,
            target: 1e24,
            budgets: (0..7).map(|i| 10f64.powf(18.0 + 0.5 * i as f64)).collect(),
            widths: vec![2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 32.0],
            points: vec![5, 7, 9, 11, 15, 21, 31],
            centring: 1.5,
            cap: 9.0 * (1e18 + 1e19 + 1e20 + 1e21),
            draws: 400,
            seed: 14,
        }
    }
}

/// One surface's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp14Surface {
    /// The surface.
    pub surface: Preset,
    /// Every (design, method) ranked (no cap).
    pub ranked: Vec<ScoredDesign>,
    /// The habit's mean MSE of ln N* per method.
    pub habit: Vec<(DesignMethod, f64)>,
    /// Per method: the best design under the cap, its Monte Carlo MSE and
    /// standard error.
    pub checked: Vec<(ScoredDesign, f64, f64)>,
}

/// The result of Experiment 14.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp14Result {
    /// The configuration.
    pub config: Exp14Config,
    /// One entry per surface.
    pub surfaces: Vec<Exp14Surface>,
}

const METHODS: [DesignMethod; 3] = [
    DesignMethod::Approach2,
    DesignMethod::Approach2Corrected,
    DesignMethod::Vpnls,
];

fn habit(bias: &SamplingBias<f64>) -> Result<SweepDesign<f64>, ExperimentError> {
    Ok(SweepDesign {
        budgets: vec![1e18, 1e19, 1e20, 1e21],
        grid: IsoflopGrid::from_factor(8.0, 9)?,
        bias: bias.clone(),
    })
}

/// Run Experiment 14.
///
/// # Errors
/// Invalid settings ([`ExperimentError`]).
pub fn run_exp14(config: &Exp14Config) -> Result<Exp14Result, ExperimentError> {
    let bias = SamplingBias::new(0.0, config.centring)?;
    let designs = candidate_designs(&config.budgets, &config.widths, &config.points, &bias);
    let habit = habit(&bias)?;
    let mut surfaces = Vec::new();
    for &p in &config.surfaces {
        let s = LossSurface::<f64>::preset(p);
        let ranked = rank_designs(
            std::slice::from_ref(&s),
            &designs,
            &METHODS,
            config.sigma,
            config.target,
            f64::INFINITY,
        )?;
        let mut hab = Vec::new();
        for m in METHODS {
            let e = expected_error(&s, &habit, &config.sigma, &config.target, m)?;
            hab.push((m, e.mse_ln_n()));
        }
        let mut checked = Vec::new();
        for m in METHODS {
            if let Some(best) = ranked
                .iter()
                .find(|r| r.method == m && r.cost <= config.cap)
            {
                let mc = monte_carlo(
                    &s,
                    &best.design,
                    config.sigma,
                    config.target,
                    m,
                    config.draws,
                    config.seed,
                )?;
                checked.push((best.clone(), mc.mse[0], mc.mse_se[0]));
            }
        }
        surfaces.push(Exp14Surface {
            surface: p,
            ranked,
            habit: hab,
            checked,
        });
    }
    Ok(Exp14Result {
        config: config.clone(),
        surfaces,
    })
}

/// The width factor 10^W, rounded to 3 decimals (10^log10 32 is 32.00000000000001).
fn factor(d: &SweepDesign<f64>) -> String {
    format!("{}", (10f64.powf(*d.grid.half_width()) * 1e3).round() / 1e3)
}

fn describe(d: &SweepDesign<f64>) -> String {
    format!(
        "±{}×, {} points, {} budgets {:.2e}…{:.2e}",
        factor(d),
        d.grid.points(),
        d.budgets.len(),
        d.budgets[0],
        d.budgets[d.budgets.len() - 1]
    )
}

impl Exp14Result {
    /// The cheapest design of `m` whose expected MSE is at most `mse`.
    fn cheapest_at(ranked: &[ScoredDesign], m: DesignMethod, mse: f64) -> Option<&ScoredDesign> {
        ranked
            .iter()
            .filter(|r| r.method == m && r.mse_ln_n <= mse)
            .min_by(|a, b| a.cost.total_cmp(&b.cost))
    }

    /// Tables, figure and report.
    pub fn files(&self) -> ExperimentFiles {
        let c = &self.config;
        let mut profiles = Table::new(&[
            "surface",
            "method",
            "parameter",
            "value",
            "best_rmse_ln_n",
            "design",
        ]);
        let mut recommended = Table::new(&[
            "surface",
            "method",
            "design",
            "cost_flops",
            "rmse_ln_n_analytic",
            "rmse_ln_n_monte_carlo",
            "mse_se",
            "habit_rmse_ln_n",
            "habit_cost_flops",
            "cheapest_cost_for_habit_error",
            "habit_waste_factor",
        ]);
        let mut report = format!(
            "Experiment 14 — designing the sweep (σ = {}, target {:e} FLOPs, budgets {:.0e}…{:.0e}, grid centres {}× below N*, fixed compute {:.3e} FLOPs = the habit ±8×, 9 points, one budget per decade)\n",
            c.sigma, c.target, c.budgets[0], c.budgets[c.budgets.len() - 1], c.centring, c.cap
        );
        let mut panels = Vec::new();
        let habit_cost = 9.0 * (1e18 + 1e19 + 1e20 + 1e21);
        for s in &self.surfaces {
            report.push_str(&format!("\n{}:\n", s.surface.name()));
            let mut series = Vec::new();
            for (ci, m) in METHODS.iter().enumerate() {
                let under: Vec<&ScoredDesign> = s
                    .ranked
                    .iter()
                    .filter(|r| r.method == *m && r.cost <= c.cap)
                    .collect();
                // Profiles at fixed compute: the best design with each width, points, budget count.
                let mut prof = |name: &str, key: &dyn Fn(&ScoredDesign) -> String| {
                    let mut seen: Vec<String> = Vec::new();
                    for r in &under {
                        let k = key(r);
                        if !seen.contains(&k) {
                            seen.push(k.clone());
                            profiles.push(vec![
                                s.surface.name().into(),
                                m.name().into(),
                                name.into(),
                                k,
                                fmt_f64(r.mse_ln_n.sqrt()),
                                describe(&r.design),
                            ]);
                        }
                    }
                };
                prof("width_factor", &|r| {
                    fmt_f64(10f64.powf(*r.design.grid.half_width()))
                });
                prof("points", &|r| r.design.grid.points().to_string());
                prof("budgets", &|r| r.design.budgets.len().to_string());
                let front: Vec<(f64, f64)> = pareto_front(&s.ranked, *m)
                    .iter()
                    .map(|r| (r.cost, r.mse_ln_n.sqrt()))
                    .collect();
                series.push(Series::line(m.name(), front, ci).with_markers());
                let hab = s.habit.iter().find(|h| h.0 == *m).map_or(f64::NAN, |h| h.1);
                series.push(Series::markers("", vec![(habit_cost, hab.sqrt())], ci).size(9));
                let cheapest = Self::cheapest_at(&s.ranked, *m, hab);
                let waste = cheapest.map_or(f64::NAN, |r| habit_cost / r.cost);
                if let Some((best, mc, se)) = s.checked.iter().find(|x| x.0.method == *m) {
                    recommended.push(vec![
                        s.surface.name().into(),
                        m.name().into(),
                        describe(&best.design),
                        fmt_f64(best.cost),
                        fmt_f64(best.mse_ln_n.sqrt()),
                        fmt_f64(mc.sqrt()),
                        fmt_f64(*se),
                        fmt_f64(hab.sqrt()),
                        fmt_f64(habit_cost),
                        fmt_f64(cheapest.map_or(f64::NAN, |r| r.cost)),
                        fmt_f64(waste),
                    ]);
                    report.push_str(&format!(
                        "  {:<20} best at the habit's compute: {} — RMSE ln N* {:.4} (Monte Carlo {:.4}, {} draws); habit {:.4}; the habit's error costs {:.3e} FLOPs with the best design, {:.1}× less\n",
                        m.name(),
                        describe(&best.design),
                        best.mse_ln_n.sqrt(),
                        mc.sqrt(),
                        c.draws,
                        hab.sqrt(),
                        cheapest.map_or(f64::NAN, |r| r.cost),
                        waste
                    ));
                }
            }
            panels.push(Panel {
                title: format!(
                    "{}: Pareto front per method (dots: the habit)",
                    s.surface.name()
                ),
                x_label: "compute spent on the sweep (FLOPs)".into(),
                y_label: "expected RMSE of ln N*(1e24)".into(),
                x_log: true,
                y_log: true,
                series,
                legend: LegendPosition::UpperRight,
                ..Panel::default()
            });
        }
        report.push_str("\nAll errors assume the surface form holds exactly: extrapolating from small budgets is then free of model error, which real sweeps do not enjoy (proofs/19 §19.5).\n");
        ExperimentFiles {
            tables: vec![
                ("exp14_profiles".into(), profiles),
                ("exp14_recommended".into(), recommended),
            ],
            figures: vec![(
                "exp14_pareto".into(),
                Figure::new(
                    "Experiment 14: expected error against compute",
                    1,
                    2,
                    panels,
                ),
            )],
            report,
        }
    }
}
