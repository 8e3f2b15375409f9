//! VPNLS: variable projection with non-negative least squares.
//!
//! For fixed (α, β) the model `L = E + A·N^−α + B·D^−β` is linear in
//! (E, A, B) ≥ 0, solved by NNLS on the design `Φ = [1, N^−α, D^−β]`; only
//! (α, β) is searched. The default ([`fit_vpnls`]) scores a coarse grid by
//! the projected RSS, then refines by an exact-derivative
//! Levenberg–Marquardt on the reduced problem with the Kaufman Jacobian
//! `∂r/∂θ_k = −P⊥ (∂Φ/∂θ_k) c` \[GP73, K75\]. [`fit_vpnls_with`] runs the
//! other outer searches of the comparison study ([`VpnlsMethod`]): Nelder–Mead,
//! L-BFGS-B with the analytic variable-projection gradient
//! ([`projected_objective`]) or finite differences, and a plain fine grid.
//!
//! Every fit ends with one conditioning check of the design at the returned
//! (α, β) ([`design_condition`], proofs/07 §7.5).
//!
//! ## References
//! - \[GP73\] G. Golub, V. Pereyra, SIAM J. Numer. Anal. 10 (1973), doi:10.1137/0710036.
//! - \[K75\] L. Kaufman, BIT 15 (1975), doi:10.1007/BF01932995.
//! - \[NM65\] J. A. Nelder, R. Mead, Comput. J. 7 (1965), doi:10.1093/comjnl/7.4.308.
//!
//! ## Layout (one file per step)
//! - `project`: the projected objective ρ(α, β) by NNLS, its gradient, the
//!   Kaufman Jacobian.
//! - `grid`: scoring the (α, β) grid from Gram sums (rayon on large data).
//! - `refine`: the Levenberg–Marquardt refinement.
//! - `objective`, `nelder_mead`, `lbfgsb`: the other outer searches.
//! - `condition`: the design's condition number; `finish`: closing a fit.
//! - `ladder`: the precision ladder (f64 to 256 bits).

mod condition;
mod finish;
mod grid;
mod ladder;
mod lbfgsb;
mod nelder_mead;
mod objective;
mod project;
mod refine;

use nalgebra::RealField;

use super::outcome::{FitError, FitStatus, SurfaceData, SurfaceFit};
use crate::numerics::finite_diff::FdScheme;
use crate::numerics::lbfgsb::{GradientSource, LbfgsbSettings};

pub use super::outcome::BOUND_TOLERANCE;
pub use condition::{design_condition, CONDITION_LIMIT};
pub use grid::PARALLEL_GRID_POINTS;
pub use ladder::{vpnls_precision_ladder, PrecisionLadderError, PrecisionRung};
pub use project::{projected_objective, Projected};
pub use refine::refine_vpnls;

use finish::finish;
use grid::{grid_basins, grid_start};
use lbfgsb::fit_lbfgsb;
use nelder_mead::fit_nelder_mead;
use project::project;

/// Nelder–Mead stops when the standard deviation of the RSS over its simplex
/// falls below this fraction of the RSS at the grid start (argmin's only
/// criterion is an absolute spread of the objective, so it is set per fit).
/// It plays the part of scipy's `fatol = 1e-15, xatol = 1e-10`: the RSS
/// spread is relative so that noisy data (RSS ~ mσ²) still stop at their
/// rounding level, and on noise-free data (grid-start RSS ~1e-5, curvature
/// ~0.1) it leaves (α, β) within ~1e-10 (proofs/07 §7.4).
pub const NM_SD_TOLERANCE: f64 = 1e-15;

/// The outer search over (α, β).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VpnlsMethod {
    /// Grid, then Levenberg–Marquardt with the Kaufman Jacobian (the default;
    /// the "exact-derivative refinement").
    LevenbergMarquardt,
    /// Grid, then argmin's Nelder–Mead until the RSS spread over the simplex
    /// is below [`NM_SD_TOLERANCE`]; the simplex starts at the grid point and
    /// one grid spacing along each axis; outside the bounds the objective is +∞.
    NelderMead,
    /// Grid, then L-BFGS-B ([`VpnlsParams::lbfgsb`]: the reference's
    /// ftol = gtol = 1e-15 by default) on the bounds, with the analytic
    /// variable-projection gradient or finite differences.
    Lbfgsb(GradientSource),
    /// The grid alone (`params.grid` per axis; 256 for the study,
    /// [`VpnlsParams::fine_grid`]), no refinement: status
    /// [`FitStatus::GridPoint`], or `BoundHit`
    /// on an edge cell.
    Grid,
}

impl VpnlsMethod {
    /// A short name: `lm`, `nelder-mead`, `lbfgsb-analytic`,
    /// `lbfgsb-3-point`, `lbfgsb-forward-1e-8`, `lbfgsb-central-1e-8`, `grid`.
    pub fn name(&self) -> String {
        match self {
            VpnlsMethod::LevenbergMarquardt => "lm".into(),
            VpnlsMethod::NelderMead => "nelder-mead".into(),
            VpnlsMethod::Lbfgsb(GradientSource::Analytic) => "lbfgsb-analytic".into(),
            VpnlsMethod::Lbfgsb(GradientSource::FiniteDifference(fd)) => {
                format!("lbfgsb-{}", fd.name())
            }
            VpnlsMethod::Grid => "grid".into(),
        }
    }

    /// The 2-D outer searches of the comparison study (Exp 5c), in order:
    /// LM, Nelder–Mead, L-BFGS-B with the analytic gradient and with scipy's
    /// `3-point` differences ([`FdScheme::ThreePoint`], the reference's
    /// numerical gradient), grid (run it with [`VpnlsParams::fine_grid`]).
    pub fn study() -> Vec<VpnlsMethod> {
        use GradientSource::{Analytic, FiniteDifference};
        vec![
            VpnlsMethod::LevenbergMarquardt,
            VpnlsMethod::NelderMead,
            VpnlsMethod::Lbfgsb(Analytic),
            VpnlsMethod::Lbfgsb(FiniteDifference(FdScheme::ThreePoint)),
            VpnlsMethod::Grid,
        ]
    }
}

/// Settings for [`fit_vpnls`], [`fit_vpnls_with`] and [`refine_vpnls`].
#[derive(Debug, Clone, PartialEq)]
pub struct VpnlsParams {
    /// Grid points per axis of the (α, β) grid.
    pub grid: usize,
    /// Range of the grid (both axes).
    pub grid_range: (f64, f64),
    /// Bounds of the refinement (both axes).
    pub bounds: (f64, f64),
    /// Iteration limit of the Levenberg–Marquardt refinement (it converges
    /// in 5–10 on noise-free data; the limit only guards against a stalled
    /// search).
    pub max_iter: usize,
    /// Iteration limit of Nelder–Mead (it needs ~100–200 on these problems).
    pub nm_max_iter: usize,
    /// L-BFGS-B settings (the reference's, [`LbfgsbSettings::reference`];
    /// scipy's own defaults are the study's labelled variant).
    pub lbfgsb: LbfgsbSettings,
    /// Data size from which the grid's columns and cross sums run on
    /// rayon's threads ([`PARALLEL_GRID_POINTS`] by default; `usize::MAX`
    /// keeps every fit on one thread). Both paths give the same cell.
    pub parallel_grid_points: usize,
}

impl Default for VpnlsParams {
    /// 32×32 grid on [0.05, 0.95]², refinement bounds [0.01, 0.99], 100 LM
    /// iterations, 2000 Nelder–Mead iterations, the reference's L-BFGS-B
    /// settings (ftol = gtol = 1e-15, 10,000 iterations), the grid on
    /// rayon's threads from [`PARALLEL_GRID_POINTS`] points.
    fn default() -> Self {
        Self {
            grid: 32,
            grid_range: (0.05, 0.95),
            bounds: (0.01, 0.99),
            max_iter: 100,
            nm_max_iter: 2000,
            lbfgsb: LbfgsbSettings::reference(),
            parallel_grid_points: PARALLEL_GRID_POINTS,
        }
    }
}

impl VpnlsParams {
    /// The defaults with a 256×256 grid (the study's grid-only method).
    pub fn fine_grid() -> Self {
        Self {
            grid: 256,
            ..Self::default()
        }
    }
}

/// Fit `L = E + A/N^α + B/D^β` by VPNLS: grid over (α, β), then
/// Levenberg–Marquardt on the reduced problem with the Kaufman Jacobian
/// ([`refine_vpnls`]). Generic over the scalar.
///
/// `iterations` counts Levenberg–Marquardt iterations (Jacobian evaluations).
///
/// # Errors
/// [`FitError::IllConditioned`] when the design at the result is
/// ill-conditioned; [`FitError::DesignOverflow`] when a design term
/// overflows f64 at an (α, β) the fit visits.
pub fn fit_vpnls<T: RealField>(
    data: &SurfaceData<T>,
    params: &VpnlsParams,
) -> Result<SurfaceFit<T>, FitError> {
    let (theta, _) = grid_start(data, params);
    refine_vpnls(data, (theta[0].clone(), theta[1].clone()), params)
}

/// Fit with any outer search ([`VpnlsMethod`]), in f64.
///
/// `iterations` counts: Levenberg–Marquardt iterations; Nelder–Mead
/// iterations (argmin's count; 1–2 objective evaluations each, more on a
/// shrink); L-BFGS-B objective evaluations (finite-difference evaluations
/// excluded, as scipy's `nfev` with an analytic gradient); grid: the cells
/// scored (`grid²`).
///
/// Status: L-BFGS-B's abnormal end → `Abnormal`, its iteration limit →
/// `MaxIter`; Nelder–Mead's iteration limit → `MaxIter`; the grid method is
/// [`FitStatus::GridPoint`] (its best cell, no convergence claimed), or
/// `BoundHit` when an edge cell is chosen; all: `BoundHit` as in
/// [`FitStatus::BoundHit`].
///
/// # Errors
/// As [`fit_vpnls`]; [`FitError::OptimizerFailed`] when the outer optimizer
/// rejects its input.
pub fn fit_vpnls_with(
    data: &SurfaceData<f64>,
    method: VpnlsMethod,
    params: &VpnlsParams,
) -> Result<SurfaceFit<f64>, FitError> {
    match method {
        VpnlsMethod::LevenbergMarquardt => fit_vpnls(data, params),
        VpnlsMethod::NelderMead => fit_nelder_mead(data, params),
        VpnlsMethod::Lbfgsb(source) => fit_lbfgsb(data, source, params),
        VpnlsMethod::Grid => {
            // The best cell, not refined: a grid point, never `Converged`
            // (issue 7; as `fitters::grid5`).
            let (theta, edge) = grid_start(data, params);
            let p = project(data, &theta[0], &theta[1])?;
            let cells = params.grid.max(2).pow(2);
            finish(data, theta, p, FitStatus::GridPoint, cells, params, edge)
        }
    }
}

/// The best `count` basins of the VPNLS profile ρ(α, β), best first: the
/// local minima of the (α, β) grid (cells no higher than any of their eight
/// neighbours; proofs/18 §18.2), each refined by Levenberg–Marquardt
/// ([`refine_vpnls`]) and sorted by the refined RSS. With `near` = some
/// (α, β) (a fit's exponents), Levenberg–Marquardt also starts there, and
/// a grid basin whose cell lies within 1.5 grid spacings of it on both
/// axes is not refined again: it is the basin `near` lies in, to the grid's
/// resolution. A refinement that fails (an ill-conditioned design there) is
/// left out.
pub fn vpnls_basins(
    data: &SurfaceData<f64>,
    params: &VpnlsParams,
    count: usize,
    near: Option<[f64; 2]>,
) -> Vec<SurfaceFit<f64>> {
    let spacing = (params.grid_range.1 - params.grid_range.0) / (params.grid.max(2) - 1) as f64;
    let close = |t: &[f64; 2]| {
        near.is_some_and(|n| {
            (n[0] - t[0]).abs() <= 1.5 * spacing && (n[1] - t[1]).abs() <= 1.5 * spacing
        })
    };
    let mut starts: Vec<[f64; 2]> = near.into_iter().collect();
    starts.extend(
        grid_basins(data, params, count)
            .into_iter()
            .map(|(theta, _, _)| theta)
            .filter(|t| !close(t)),
    );
    let mut fits: Vec<SurfaceFit<f64>> = starts
        .into_iter()
        .filter_map(|t| refine_vpnls(data, (t[0], t[1]), params).ok())
        .collect();
    fits.sort_by(|a, b| a.rss.total_cmp(&b.rss));
    fits
}
