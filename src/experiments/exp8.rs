//! Experiment 8 — conditioning: why Approach 3 is imprecise on noise-free
//! data and VPNLS is not, and why noise hides the difference. The spec is
//! `specs/experiment-8.md`.
//!
//! Every Hessian, gradient and perturbation here is computed exactly:
//! analytic derivatives evaluated at 256 bits on data generated at 256 bits
//! (the f64 figures beside them show what rounding adds).

use nalgebra::DMatrix;
use rayon::prelude::*;

use crate::analysis::conditioning::{projected_hessian, rss_gradient, rss_hessian, spectrum};
use crate::fitters::approach3::{
    approach3_start, rss_at, Approach3Params, Approach3Start, GlobalStage, Objective,
};
use crate::fitters::vpnls::{
    fit_vpnls_with, vpnls_precision_ladder, PrecisionRung, VpnlsMethod, VpnlsParams,
};
use crate::fitters::{FitError, SurfaceData, SurfaceFit, SurfaceMethod};
use crate::io::{fmt_f64, Table};
use crate::models::{LossSurface, Preset};
use crate::numerics::mpf::Mpf;
use crate::numerics::{lit, to_f64};
use crate::sampling::noise::{add_loss_noise, Rng};
use crate::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};

use super::{
    geometric_mean, relative_errors, status_word, ExperimentError, ExperimentFiles, ERROR_FLOOR,
    PARAMETERS,
};

/// The precision of the exact computations (bits).
pub const BITS: u32 = 256;
type Exact = Mpf<BITS>;

/// What Experiment 8 runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp8Config {
    /// The surface.
    pub surface: Preset,
    /// Grid half-width W (decades).
    pub half_width: f64,
    /// Points per IsoFLOP curve.
    pub points: usize,
    /// Drift rates of the variants (0: centred grids).
    pub drifts: Vec<f64>,
    /// Size of the perturbation along each eigenvector.
    pub perturbation: f64,
    /// Noise levels of the noise study.
    pub sigmas: Vec<f64>,
    /// Seeds per noise level.
    pub repeats: usize,
    /// Seed of the noise study.
    pub seed: u64,
    /// Drift rate of the precision ladder (Approach 2's exponent error needs
    /// a drift to show).
    pub ladder_drift: f64,
}

impl Default for Exp8Config {
    /// Asymmetric surface, ±8×, 5 budgets 1e17 … 1e21 × 15 points; drift 0
    /// and 0.2; perturbation 1e-4; σ ∈ {1e-10, 1e-8, 1e-6, 1e-4, 1e-2}, 32
    /// seeds each, seed 8.
    fn default() -> Self {
        Self {
            surface: Preset::Asymmetric,
            half_width: 8f64.log10(),
            points: 15,
            drifts: vec![0.0, 0.2],
            perturbation: 1e-4,
            sigmas: vec![1e-10, 1e-8, 1e-6, 1e-4, 1e-2],
            repeats: 32,
            seed: 8,
            ladder_drift: 0.2,
        }
    }
}

/// One fit of the study.
#[derive(Debug, Clone, PartialEq)]
pub struct FitRow {
    /// Drift rate of the variant.
    pub drift: f64,
    /// What was run (`default`, `from truth`, `ftol = 0`, `grid start`).
    pub scenario: &'static str,
    /// Method label.
    pub method: String,
    /// Status word.
    pub status: &'static str,
    /// Iterations.
    pub iterations: usize,
    /// RSS.
    pub rss: f64,
    /// Relative errors of (E, A, B, α, β).
    pub errors: [f64; 5],
}

/// One eigen-direction of a Hessian at the truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Direction {
    /// Eigenvalue.
    pub eigenvalue: f64,
    /// Unit eigenvector in (E, A, B, α, β) or (α, β).
    pub vector: Vec<f64>,
    /// The gradient at the Approach 3 solution projected on this direction
    /// (5-D only).
    pub gradient_at_approach3: f64,
    /// |∇RSS| after a step of `perturbation` along this direction from the
    /// truth (5-D only).
    pub perturbed_gradient_norm: f64,
}

/// One variant (drift rate) of the study.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Drift rate.
    pub drift: f64,
    /// The fits.
    pub fits: Vec<FitRow>,
    /// 5-D Hessian of the RSS at the truth, eigen-directions ascending.
    pub hessian5: Vec<Direction>,
    /// Its condition number.
    pub condition5: f64,
    /// The same condition number computed from f64 data in f64.
    pub condition5_f64: f64,
    /// 2-D Hessian of the projected objective at the truth.
    pub hessian2: Vec<Direction>,
    /// Its condition number.
    pub condition2: f64,
    /// |∇RSS| at the truth, exact data (256 bits).
    pub gradient_at_truth_exact: f64,
    /// |∇RSS| at the truth, f64 data in f64 (rounding of L only).
    pub gradient_at_truth_f64: f64,
    /// ∇RSS at the Approach 3 solution, (E, A, B, α, β).
    pub gradient_at_approach3: [f64; 5],
}

/// The noise study: geometric-mean |relative error of α| per σ and method.
#[derive(Debug, Clone, PartialEq)]
pub struct NoiseRow {
    /// σ.
    pub sigma: f64,
    /// Method label.
    pub method: String,
    /// Geometric mean of |α̂/α − 1| over the repeats that produced an estimate.
    pub geomean_error_alpha: f64,
    /// Fits that failed or did not converge.
    pub not_converged: usize,
}

/// Experiment 8's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp8Output {
    /// The configuration run.
    pub config: Exp8Config,
    /// One per drift rate.
    pub variants: Vec<Variant>,
    /// The noise study (centred grids).
    pub noise: Vec<NoiseRow>,
    /// VPNLS and Approach 2 at 53, 64, 128 and 256 bits on the same data.
    pub ladder: Vec<PrecisionRung>,
}

fn approach3_default() -> Approach3Params {
    Approach3Params {
        objective: Objective::Rss,
        start: Approach3Start::Grid,
        ..Approach3Params::default()
    }
}

fn fit_row(
    drift: f64,
    scenario: &'static str,
    method: String,
    truth: &LossSurface<f64>,
    fit: &Result<SurfaceFit<f64>, FitError>,
) -> FitRow {
    let (iterations, rss, errors) = match fit {
        Ok(f) => (f.iterations, f.rss, relative_errors(truth, f)),
        Err(_) => (0, f64::NAN, [f64::NAN; 5]),
    };
    FitRow {
        drift,
        scenario,
        method,
        status: status_word(fit),
        iterations,
        rss,
        errors,
    }
}

fn exact_data(
    preset: Preset,
    grid: &IsoflopGrid<f64>,
    drift: f64,
) -> Result<(LossSurface<Exact>, SurfaceData<Exact>), ExperimentError> {
    let s = LossSurface::<Exact>::preset(preset);
    let g = IsoflopGrid::<Exact>::new(lit(*grid.half_width()), grid.points())?;
    let bias = SamplingBias::<Exact>::new(lit(drift), Exact::from_f64(1.0))?;
    let pts = sample_isoflops(&s, &default_budgets(), &g, &bias)?;
    let data = SurfaceData::from_points(&pts)?;
    Ok((s, data))
}

fn run_variant(config: &Exp8Config, drift: f64) -> Result<Variant, ExperimentError> {
    let truth = LossSurface::<f64>::preset(config.surface);
    let grid = IsoflopGrid::new(config.half_width, config.points)?;
    let bias = SamplingBias::new(drift, 1.0)?;
    let pts = sample_isoflops(&truth, &default_budgets(), &grid, &bias)?;
    let data = SurfaceData::from_points(&pts)?;
    let p_true = truth.parameters();

    // 1, 5, 6: the fits.
    let a3 = approach3_default();
    let vp = SurfaceMethod::vpnls();
    let a3_fit = crate::fitters::approach3::fit_approach3(&data, &a3);
    let mut fits = vec![
        fit_row(
            drift,
            "default",
            SurfaceMethod::Approach3(a3.clone()).label(),
            &truth,
            &a3_fit,
        ),
        fit_row(drift, "default", vp.label(), &truth, &vp.fit(&data)),
    ];
    // The variants study the local optimiser: no global stage (proofs/18).
    let from_truth = Approach3Params {
        start: Approach3Start::Point(p_true),
        global_stage: GlobalStage::Off,
        ..a3.clone()
    };
    fits.push(fit_row(
        drift,
        "from truth",
        SurfaceMethod::Approach3(from_truth.clone()).label(),
        &truth,
        &crate::fitters::approach3::fit_approach3(&data, &from_truth),
    ));
    let mut ftol0 = a3.clone();
    ftol0.lbfgsb.ftol = 0.0;
    ftol0.global_stage = GlobalStage::Off;
    fits.push(fit_row(
        drift,
        "ftol = 0",
        SurfaceMethod::Approach3(ftol0.clone()).label(),
        &truth,
        &crate::fitters::approach3::fit_approach3(&data, &ftol0),
    ));
    // Grid-start quality: Approach 3's 4^5 start and VPNLS's 32² cell.
    let start = approach3_start(&data, &a3)?;
    let start_fit = SurfaceFit::from_parameters(
        start,
        rss_at(&data, &start),
        crate::fitters::FitStatus::Converged,
        0,
    );
    fits.push(fit_row(
        drift,
        "grid start",
        "approach3 4^5 grid".into(),
        &truth,
        &Ok(start_fit),
    ));
    let vgrid = fit_vpnls_with(&data, VpnlsMethod::Grid, &VpnlsParams::default());
    fits.push(fit_row(
        drift,
        "grid start",
        "vpnls 32² grid".into(),
        &truth,
        &vgrid,
    ));

    // 2–4: exact Hessians and gradients at the truth.
    let (s_exact, d_exact) = exact_data(config.surface, &grid, drift)?;
    let p_exact = s_exact.parameters();
    let h5 = rss_hessian(&d_exact, &p_exact);
    let h5 = DMatrix::from_fn(5, 5, |i, j| h5[(i, j)].clone());
    let sp5 = spectrum(&h5);
    let h5_f64 = rss_hessian(&data, &p_true);
    let sp5_f64 = spectrum(&DMatrix::from_fn(5, 5, |i, j| h5_f64[(i, j)]));
    let g_a3: [f64; 5] = match &a3_fit {
        Ok(f) => {
            let g = rss_gradient(&data, &[f.e, f.a, f.b, f.alpha, f.beta]);
            [g[0], g[1], g[2], g[3], g[4]]
        }
        Err(_) => [f64::NAN; 5],
    };
    let step = Exact::from_f64(config.perturbation);
    let hessian5 = sp5
        .eigenvalues
        .iter()
        .zip(&sp5.eigenvectors)
        .map(|(lam, v)| {
            let moved: [Exact; 5] =
                std::array::from_fn(|k| p_exact[k].clone() + step.clone() * v[k].clone());
            let g = rss_gradient(&d_exact, &moved);
            let vf: Vec<f64> = v.iter().map(to_f64).collect();
            Direction {
                eigenvalue: to_f64(lam),
                gradient_at_approach3: vf.iter().zip(&g_a3).map(|(a, b)| a * b).sum(),
                perturbed_gradient_norm: to_f64(&g.norm()),
                vector: vf,
            }
        })
        .collect();
    let h2 = projected_hessian(&d_exact, s_exact.alpha(), s_exact.beta())?;
    let sp2 = spectrum(&DMatrix::from_fn(2, 2, |i, j| h2[(i, j)].clone()));
    let hessian2 = sp2
        .eigenvalues
        .iter()
        .zip(&sp2.eigenvectors)
        .map(|(lam, v)| Direction {
            eigenvalue: to_f64(lam),
            vector: v.iter().map(to_f64).collect(),
            gradient_at_approach3: f64::NAN,
            perturbed_gradient_norm: f64::NAN,
        })
        .collect();
    let g_true_exact = rss_gradient(&d_exact, &p_exact);
    let g_true_f64 = rss_gradient(&data, &p_true);
    Ok(Variant {
        drift,
        fits,
        hessian5,
        condition5: to_f64(&sp5.condition),
        condition5_f64: sp5_f64.condition,
        hessian2,
        condition2: to_f64(&sp2.condition),
        gradient_at_truth_exact: to_f64(&g_true_exact.norm()),
        gradient_at_truth_f64: g_true_f64.norm(),
        gradient_at_approach3: g_a3,
    })
}

fn run_noise(config: &Exp8Config) -> Result<Vec<NoiseRow>, ExperimentError> {
    let truth = LossSurface::<f64>::preset(config.surface);
    let grid = IsoflopGrid::new(config.half_width, config.points)?;
    let clean = sample_isoflops(&truth, &default_budgets(), &grid, &SamplingBias::none())?;
    let methods = [
        SurfaceMethod::Approach3(approach3_default()),
        SurfaceMethod::vpnls(),
    ];
    let tasks: Vec<(usize, usize)> = (0..config.sigmas.len())
        .flat_map(|s| (0..config.repeats).map(move |r| (s, r)))
        .collect();
    let results: Vec<Vec<Option<f64>>> = tasks
        .par_iter()
        .map(|&(s, r)| {
            let mut rng = Rng::for_task(config.seed, (s * config.repeats + r) as u64);
            let mut pts = clean.clone();
            add_loss_noise(&mut pts, config.sigmas[s], &mut rng);
            methods
                .iter()
                .map(
                    |m| match SurfaceData::from_points(&pts).and_then(|d| m.fit(&d)) {
                        Ok(f) if f.status == crate::fitters::FitStatus::Converged => {
                            Some((f.alpha / truth.alpha() - 1.0).abs())
                        }
                        _ => None,
                    },
                )
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for (s, &sigma) in config.sigmas.iter().enumerate() {
        for (k, m) in methods.iter().enumerate() {
            let errs: Vec<f64> = (0..config.repeats)
                .filter_map(|r| results[s * config.repeats + r][k])
                .collect();
            let gm = geometric_mean(&errs, ERROR_FLOOR);
            out.push(NoiseRow {
                sigma,
                method: m.label(),
                geomean_error_alpha: gm,
                not_converged: config.repeats - errs.len(),
            });
        }
    }
    Ok(out)
}

/// Run Experiment 8.
///
/// # Errors
/// Invalid configuration, or a surface fit that cannot run at all on the
/// study's data.
pub fn run_exp8(config: &Exp8Config) -> Result<Exp8Output, ExperimentError> {
    let variants = config
        .drifts
        .iter()
        .map(|&d| run_variant(config, d))
        .collect::<Result<_, _>>()?;
    let grid = IsoflopGrid::new(config.half_width, config.points)?;
    let ladder = vpnls_precision_ladder(
        &LossSurface::preset(config.surface),
        &default_budgets(),
        &grid,
        &SamplingBias::new(config.ladder_drift, 1.0)?,
        &VpnlsParams::default(),
    )?;
    Ok(Exp8Output {
        config: config.clone(),
        variants,
        noise: run_noise(config)?,
        ladder,
    })
}

const AXES5: [&str; 5] = ["E", "A", "B", "α", "β"];

impl Exp8Output {
    /// The fits as CSV.
    pub fn fits_table(&self) -> Table {
        let mut h = vec!["drift", "scenario", "method", "status", "iterations", "rss"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
        h.extend(PARAMETERS.map(|p| format!("rel_error_{p}")));
        let mut t = Table::new(&h);
        for v in &self.variants {
            for f in &v.fits {
                let mut cells = vec![
                    fmt_f64(f.drift),
                    f.scenario.to_string(),
                    f.method.clone(),
                    f.status.to_string(),
                    f.iterations.to_string(),
                    fmt_f64(f.rss),
                ];
                cells.extend(f.errors.map(fmt_f64));
                t.push(cells);
            }
        }
        t
    }

    /// The eigen-directions of both Hessians as CSV.
    pub fn hessian_table(&self) -> Table {
        let mut t = Table::new(&[
            "drift",
            "hessian",
            "index",
            "eigenvalue",
            "v_E",
            "v_A",
            "v_B",
            "v_alpha",
            "v_beta",
            "gradient_at_approach3_projected",
            "gradient_norm_after_perturbation",
        ]);
        for v in &self.variants {
            for (name, dirs) in [("rss_5d", &v.hessian5), ("projected_2d", &v.hessian2)] {
                for (k, d) in dirs.iter().enumerate() {
                    let mut comps = vec![String::new(); 5];
                    let offset = 5 - d.vector.len();
                    for (i, x) in d.vector.iter().enumerate() {
                        comps[offset + i] = fmt_f64(*x);
                    }
                    let mut cells = vec![
                        fmt_f64(v.drift),
                        name.to_string(),
                        k.to_string(),
                        fmt_f64(d.eigenvalue),
                    ];
                    cells.extend(comps);
                    cells.push(fmt_f64(d.gradient_at_approach3));
                    cells.push(fmt_f64(d.perturbed_gradient_norm));
                    t.push(cells);
                }
            }
        }
        t
    }

    /// The noise study as CSV.
    pub fn noise_table(&self) -> Table {
        let mut t = Table::new(&[
            "sigma",
            "method",
            "geomean_abs_rel_error_alpha",
            "not_converged",
        ]);
        for r in &self.noise {
            t.push(vec![
                fmt_f64(r.sigma),
                r.method.clone(),
                fmt_f64(r.geomean_error_alpha),
                r.not_converged.to_string(),
            ]);
        }
        t
    }

    /// The text report.
    pub fn report(&self) -> String {
        let c = &self.config;
        let mut s = format!(
            "Experiment 8 — conditioning analysis\n{} surface, ±{:.0}× grids, {} budgets 1e17…1e21 × {} points, noise-free.\n\
             Hessians, gradients and perturbations: analytic derivatives at {BITS} bits on data generated at {BITS} bits.\n",
            c.surface.name(),
            10f64.powf(c.half_width),
            default_budgets::<f64>().len(),
            c.points
        );
        for v in &self.variants {
            s.push_str(&format!("\n=== drift rate {} ===\n", v.drift));
            s.push_str("\n1. Fits (relative errors of E, A, B, α, β)\n");
            for f in &v.fits {
                s.push_str(&format!(
                    "  {:<11} {:<34} {:<10} it {:>5}  RSS {:>9.2e} |",
                    f.scenario, f.method, f.status, f.iterations, f.rss
                ));
                for e in f.errors {
                    s.push_str(&format!(" {e:>9.1e}"));
                }
                s.push('\n');
            }
            s.push_str(&format!(
                "\n2. Hessian of the 5-D RSS at the truth: condition number {:.3e} (from f64 data in f64: {:.3e})\n",
                v.condition5, v.condition5_f64
            ));
            s.push_str("   eigenvalue     eigenvector (E, A, B, α, β)                           ∇RSS(Approach 3)·v   |∇RSS| after 1e-4·v\n");
            for d in &v.hessian5 {
                s.push_str(&format!("   {:>10.3e}   [", d.eigenvalue));
                s.push_str(
                    &d.vector
                        .iter()
                        .map(|x| format!("{x:>+9.2e}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                s.push_str(&format!(
                    "]   {:>+10.2e}           {:>10.2e}   (largest: {})\n",
                    d.gradient_at_approach3,
                    d.perturbed_gradient_norm,
                    dominant(&d.vector, &AXES5)
                ));
            }
            s.push_str(&format!(
                "   Hessian of the projected 2-D objective ρ(α, β): condition number {:.3e}\n",
                v.condition2
            ));
            for d in &v.hessian2 {
                s.push_str(&format!(
                    "   {:>10.3e}   [{:>+9.2e} {:>+9.2e}] (α, β)\n",
                    d.eigenvalue, d.vector[0], d.vector[1]
                ));
            }
            let spread = v
                .hessian5
                .iter()
                .map(|d| d.perturbed_gradient_norm)
                .fold(0.0, f64::max)
                / v.hessian5
                    .iter()
                    .map(|d| d.perturbed_gradient_norm)
                    .fold(f64::INFINITY, f64::min);
            s.push_str(&format!(
                "\n3. Gradients: |∇RSS| at the truth {:.2e} (exact data), {:.2e} (f64 data: rounding of L);\n   at the Approach 3 solution [{}];\n   the perturbation test spreads gradient norms over a factor {:.2e} (condition number {:.2e}).\n",
                v.gradient_at_truth_exact,
                v.gradient_at_truth_f64,
                v.gradient_at_approach3.iter().map(|x| format!("{x:+.2e}")).collect::<Vec<_>>().join(", "),
                spread,
                v.condition5
            ));
        }
        for v in &self.variants {
            s.push_str(&format!(
                "\n4–6. Conditioning vs precision (drift rate {}):\n",
                v.drift
            ));
            s.push_str(&self.conclusions(v));
        }
        s.push_str(&format!(
            "\n7. Noise hides the gap: geometric mean |relative error of α| over {} seeds, centred grids\n",
            self.config.repeats
        ));
        for r in &self.noise {
            s.push_str(&format!(
                "   σ = {:<8.0e} {:<34} {:.3e}  (not converged: {})\n",
                r.sigma, r.method, r.geomean_error_alpha, r.not_converged
            ));
        }
        s.push_str(&format!(
            "\n8. Rounding, not bias: noise-free data (drift rate {}) generated and fitted at each precision\n   \
             bits   VPNLS max rel. error   Approach 2 rel. error of a\n",
            self.config.ladder_drift
        ));
        for r in &self.ladder {
            s.push_str(&format!(
                "   {:>4}   {:>20.2e}   {:>26.6e}\n",
                r.bits, r.vpnls_max_rel_error, r.approach2_a_rel_error
            ));
        }
        s.push_str("   VPNLS's error falls with the precision (it is rounding); Approach 2's does not (it is structural).\n");
        s
    }

    /// The precision ladder as CSV.
    pub fn ladder_table(&self) -> Table {
        let mut t = Table::new(&[
            "bits",
            "vpnls_max_rel_error",
            "vpnls_a_rel_error",
            "vpnls_status",
            "vpnls_iterations",
            "approach2_a_rel_error",
            "approach2_b_rel_error",
        ]);
        for r in &self.ladder {
            t.push(vec![
                r.bits.to_string(),
                fmt_f64(r.vpnls_max_rel_error),
                fmt_f64(r.vpnls_a_rel_error),
                r.vpnls_status.as_str().to_string(),
                r.vpnls_iterations.to_string(),
                fmt_f64(r.approach2_a_rel_error),
                fmt_f64(r.approach2_b_rel_error),
            ]);
        }
        t
    }

    /// Sections 4–6 of the report, worded from the measured numbers.
    fn conclusions(&self, v: &Variant) -> String {
        let find = |scenario: &str, prefix: &str| {
            v.fits
                .iter()
                .find(|f| f.scenario == scenario && f.method.starts_with(prefix))
        };
        let worst = |f: Option<&FitRow>| {
            f.map_or(f64::NAN, |f| {
                f.errors.iter().map(|e| e.abs()).fold(0.0, f64::max)
            })
        };
        let (a3, vp) = (find("default", "approach3"), find("default", "vpnls"));
        let (truth, ftol0) = (
            find("from truth", "approach3"),
            find("ftol = 0", "approach3"),
        );
        let (e_a3, e_vp, e_truth, e_ftol0) = (worst(a3), worst(vp), worst(truth), worst(ftol0));
        let mut s = format!(
            "   largest relative error: Approach 3 {e_a3:.1e}, VPNLS {e_vp:.1e} (condition numbers {:.1e} vs {:.1e}).\n",
            v.condition5, v.condition2
        );
        s.push_str(&format!(
            "   Started at the truth, Approach 3 ends '{}' with error {e_truth:.1e}: the start is not the cause{}.\n",
            truth.map_or("failed", |f| f.status),
            if e_truth <= e_a3 { " (the flat A/B directions give it no reason to leave the truth)" } else { "" }
        ));
        let proj = |d: &[Direction]| {
            d.iter()
                .map(|d| d.gradient_at_approach3.abs())
                .fold(0.0, f64::max)
        };
        let (flat, steep) = v.hessian5.split_at(2.min(v.hessian5.len()));
        if e_ftol0 < e_a3 / 100.0 {
            s.push_str(&format!(
                "   With ftol = 0 the same optimizer reaches {e_ftol0:.1e} after {} evaluations and ends '{}':\n   \
                 with the reference tolerances it stops while the two flattest directions are unresolved\n   \
                 (the gradient at its solution projected on them is at most {:.1e}, against up to {:.1e} on the others).\n",
                ftol0.map_or(0, |f| f.iterations),
                ftol0.map_or("failed", |f| f.status),
                proj(flat),
                proj(steep)
            ));
        } else {
            s.push_str(&format!(
                "   With ftol = 0 the error is still {e_ftol0:.1e}: early stopping is not the cause.\n"
            ));
        }
        let gs = |p: &str| find("grid start", p);
        s.push_str(&format!(
            "   Grid starts: Approach 3's best 4^5 point has RSS {:.1e} and error {:.1e}; VPNLS's best 32² cell RSS {:.1e}, error {:.1e}.\n",
            gs("approach3").map_or(f64::NAN, |f| f.rss),
            worst(gs("approach3")),
            gs("vpnls").map_or(f64::NAN, |f| f.rss),
            worst(gs("vpnls"))
        ));
        s
    }

    /// Everything to write.
    pub fn files(&self) -> ExperimentFiles {
        ExperimentFiles {
            tables: vec![
                ("fits".into(), self.fits_table()),
                ("hessians".into(), self.hessian_table()),
                ("noise".into(), self.noise_table()),
                ("precision_ladder".into(), self.ladder_table()),
            ],
            figures: Vec::new(),
            report: self.report(),
        }
    }
}

fn dominant(v: &[f64], names: &[&str]) -> String {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[b].abs().total_cmp(&v[a].abs()));
    idx.iter()
        .take(2)
        .filter(|&&i| v[i].abs() > 0.2)
        .map(|&i| names[i])
        .collect::<Vec<_>>()
        .join("/")
}
