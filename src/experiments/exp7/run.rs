//! Running Experiment 7: the noise-free sweep and the noisy repeats.

use rayon::prelude::*;

use crate::fitters::approach3::Approach3Start;
use crate::fitters::{SurfaceData, SurfaceMethod};
use crate::models::LossSurface;
use crate::progress::{Progress, Silent, Tick};
use crate::sampling::noise::{add_loss_noise, Rng};
use crate::sampling::{sample_isoflops, IsoflopGrid, SamplingBias};

use super::{
    CleanRow, Estimate, Exp7Config, Exp7Output, ExponentMethod, NoisyConfig, NoisySummary,
    STATUS_WORDS,
};
use crate::experiments::{geometric_mean, logspace, ExperimentError, ERROR_FLOOR};

pub(super) fn budgets(range: (f64, f64), count: usize) -> Vec<f64> {
    if count == 1 {
        return vec![10f64.powf(range.0)];
    }
    logspace(range.0, range.1, count)
}

fn with_seed(m: &ExponentMethod, seed: u64) -> ExponentMethod {
    use crate::fitters::approach3::{Approach3Params, GlobalStage};
    match m {
        ExponentMethod::Surface(SurfaceMethod::Approach3(p)) => {
            // The random starts study the local optimiser from the
            // reference's start: no global stage (proofs/18).
            let (start, global_stage) = match p.start {
                Approach3Start::Random(_) => (Approach3Start::Random(seed), GlobalStage::Off),
                Approach3Start::RandomLogUniform(_) => {
                    (Approach3Start::RandomLogUniform(seed), GlobalStage::Off)
                }
                other => (other, p.global_stage),
            };
            ExponentMethod::Surface(SurfaceMethod::Approach3(Approach3Params {
                start,
                global_stage,
                ..p.clone()
            }))
        }
        other => other.clone(),
    }
}

/// Run Experiment 7 (in parallel; each noisy repeat draws from its own
/// stream `Rng::for_task(seed, index)`, so the result depends only on the
/// seed, not on the thread count).
///
/// # Errors
/// Invalid widths, points, budgets or bias.
pub fn run_exp7(config: &Exp7Config) -> Result<Exp7Output, ExperimentError> {
    run_exp7_with(config, &Silent)
}

/// [`run_exp7`], reporting to `progress` two stages: the noise-free cells
/// (one unit per cell) and the noisy fits (one unit per (cell, repeat)).
///
/// # Errors
/// As [`run_exp7`].
pub fn run_exp7_with(
    config: &Exp7Config,
    progress: &dyn Progress,
) -> Result<Exp7Output, ExperimentError> {
    let surface = LossSurface::<f64>::preset(config.surface);
    let (a_true, b_true) = (surface.exponent_a(), surface.exponent_b());
    let bias = SamplingBias::new(config.drift_rate, 1.0)?;
    let clean_budgets = budgets(config.budget_range, config.budget_count);
    let mut cells = Vec::new();
    for &(label, w) in &config.widths {
        for &n in &config.points {
            cells.push((label, IsoflopGrid::new(w, n)?));
        }
    }
    progress.start("noise-free cells", cells.len() as u64);
    let clean: Vec<Vec<CleanRow>> = cells
        .par_iter()
        .map(|(label, grid)| {
            let _tick = Tick(progress);
            let pts = sample_isoflops(&surface, &clean_budgets, grid, &bias)?;
            let data = SurfaceData::from_points(&pts);
            Ok(config
                .methods
                .iter()
                .map(|m| {
                    let e = m.exponents(&pts, &data);
                    CleanRow {
                        width_label: label,
                        points: grid.points(),
                        method: m.label(),
                        status: e.status,
                        error_a: (e.a / a_true - 1.0).abs(),
                        error_b: (e.b / b_true - 1.0).abs(),
                    }
                })
                .collect())
        })
        .collect::<Result<_, ExperimentError>>()?;
    progress.finish("noise-free cells");

    let noisy = match &config.noisy {
        Some(nc) => run_noisy(&surface, config, nc, (a_true, b_true), progress)?,
        None => Vec::new(),
    };
    Ok(Exp7Output {
        config: config.clone(),
        clean: clean.into_iter().flatten().collect(),
        noisy,
    })
}

fn run_noisy(
    surface: &LossSurface<f64>,
    config: &Exp7Config,
    nc: &NoisyConfig,
    (a_true, b_true): (f64, f64),
    progress: &dyn Progress,
) -> Result<Vec<NoisySummary>, ExperimentError> {
    let bias = SamplingBias::new(config.drift_rate, 1.0)?;
    let mut cells = Vec::new();
    for &sigma in &nc.sigmas {
        for &nb in &nc.budget_counts {
            for &np in &nc.points {
                let grid = IsoflopGrid::new(nc.half_width, np)?;
                let pts =
                    sample_isoflops(surface, &budgets(config.budget_range, nb), &grid, &bias)?;
                cells.push((sigma, nb, np, pts));
            }
        }
    }
    let m = nc.methods.len();
    // Every (cell, repeat) is one task with its own random stream.
    let tasks: Vec<(usize, usize)> = (0..cells.len())
        .flat_map(|c| (0..nc.repeats).map(move |r| (c, r)))
        .collect();
    progress.start("noisy fits", tasks.len() as u64);
    let results: Vec<Vec<Estimate>> = tasks
        .par_iter()
        .map(|&(c, r)| {
            let _tick = Tick(progress);
            let index = (c * nc.repeats + r) as u64;
            let mut rng = Rng::for_task(nc.seed, index);
            let mut pts = cells[c].3.clone();
            add_loss_noise(&mut pts, cells[c].0, &mut rng);
            let start_seed = rng.next_u64();
            let data = SurfaceData::from_points(&pts);
            nc.methods
                .iter()
                .map(|meth| with_seed(meth, start_seed).exponents(&pts, &data))
                .collect()
        })
        .collect();
    progress.finish("noisy fits");
    let mut out = Vec::with_capacity(cells.len() * m);
    for (c, (sigma, nb, np, _)) in cells.iter().enumerate() {
        for (k, meth) in nc.methods.iter().enumerate() {
            let ests: Vec<&Estimate> = (0..nc.repeats)
                .map(|r| &results[c * nc.repeats + r][k])
                .collect();
            let ea: Vec<f64> = ests.iter().map(|e| (e.a / a_true - 1.0).abs()).collect();
            let eb: Vec<f64> = ests.iter().map(|e| (e.b / b_true - 1.0).abs()).collect();
            let max = |v: &[f64]| {
                v.iter().filter(|x| x.is_finite()).fold(f64::NAN, |m, &x| {
                    if m.is_nan() {
                        x
                    } else {
                        m.max(x)
                    }
                })
            };
            let mut counts = [0usize; STATUS_WORDS.len()];
            for e in &ests {
                if let Some(i) = STATUS_WORDS.iter().position(|w| *w == e.status) {
                    counts[i] += 1;
                }
            }
            out.push(NoisySummary {
                sigma: *sigma,
                budgets: *nb,
                points: *np,
                method: meth.label(),
                repeats: nc.repeats,
                geomean_error_a: geometric_mean(&ea, ERROR_FLOOR),
                max_error_a: max(&ea),
                geomean_error_b: geometric_mean(&eb, ERROR_FLOOR),
                max_error_b: max(&eb),
                counts,
                errors_a: ea,
                errors_b: eb,
            });
        }
    }
    Ok(out)
}
