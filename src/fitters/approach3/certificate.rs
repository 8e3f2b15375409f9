//! The certificate and the global stage of an Approach 3 fit
//! (proofs/18_global_stage.md).
//!
//! After the local fit from the configured start, the objective there is
//! compared with its value at the best basins of the variable-projection
//! profile of the same data: for fixed (α, β) the coefficients (E, A, B)
//! enter linearly, so the profile ρ(α, β) = min over (E, A, B) ≥ 0 of the
//! RSS is solved exactly (NNLS) on the VPNLS (α, β) grid, its local minima
//! are refined by Levenberg–Marquardt ([`vpnls_basins`]), and each refined
//! point, projected into the objective's box, is scored by the objective
//! itself. For the two RSS objectives the best of them is the profile's
//! minimum; for the log objectives it is the log objective at the RSS
//! profile's basins, an upper bound of the log profile there (proofs/18
//! §18.4).

use super::{evaluate, objective_resolution, Objective, Workspace};
use crate::fitters::outcome::SurfaceData;
use crate::fitters::vpnls::{vpnls_basins, VpnlsParams};

/// How many basins of the profile (best first) are scored and may start
/// the global stage.
pub const PROFILE_BASINS: usize = 3;

/// The profile's candidate points in the objective's coordinates, each
/// projected into the objective's box, with the objective there; best
/// first. Empty when no basin could be refined (every design along the
/// way ill-conditioned).
///
/// `fit` = (E, A, B, α, β) of the local fit: the profile is also refined
/// from its (α, β), which stands for the grid basins next to it
/// ([`vpnls_basins`]).
pub(super) fn profile_candidates(
    data: &SurfaceData<f64>,
    ln_loss: &[f64],
    objective: Objective,
    fit: &[f64; 5],
) -> Vec<([f64; 5], f64)> {
    let (lo, hi) = objective.bounds();
    let mut work = Workspace::new();
    let near = Some([fit[3], fit[4]]).filter(|t| t.iter().all(|v| v.is_finite()));
    let mut out: Vec<([f64; 5], f64)> =
        vpnls_basins(data, &VpnlsParams::default(), PROFILE_BASINS, near)
            .into_iter()
            .filter_map(|fit| {
                let x = objective.to_coordinates(&fit.parameters());
                // ln 0 = −∞ (a coefficient NNLS pinned at 0) projects onto
                // the lower bound; NaN does not occur (the fit is finite).
                let x: [f64; 5] = std::array::from_fn(|k| x[k].clamp(lo[k], hi[k]));
                let (f, _) = evaluate(data, ln_loss, objective, &x, &mut work);
                f.is_finite().then_some((x, f))
            })
            .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1));
    out
}

/// The objective's rounding at these data near the value `best`: its
/// resolution [`objective_resolution`] (every residual at its own rounding
/// error) plus the rounding of the sum itself, 2mε·|best| for m points
/// (proofs/18 §18.3). A fit within this of `best` is at `best`.
pub fn certificate_tolerance(data: &SurfaceData<f64>, objective: Objective, best: f64) -> f64 {
    objective_resolution(data, objective) + 2.0 * data.len() as f64 * f64::EPSILON * best.abs()
}
