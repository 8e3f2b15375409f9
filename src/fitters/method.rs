//! One name for every surface-fitting method, so that experiments and the
//! command line can run "a method" without knowing its settings type.

use super::approach3::{
    fit_approach3, objective_value_and_gradient, Approach3Params, Approach3Start, Objective,
};
use super::grid5::{fit_grid5, Grid5Params};
use super::outcome::{
    jacobian_condition, FitError, FitStatus, SurfaceData, SurfaceFit, IDENTIFIABILITY_LIMIT,
};
use super::vpnls::{fit_vpnls, fit_vpnls_with, VpnlsMethod, VpnlsParams};
use crate::numerics::finite_diff::FdScheme;
use crate::numerics::lbfgsb::{GradientSource, LbfgsbSettings};

/// A surface-fitting method with its settings, and a label for tables and
/// legends.
#[derive(Debug, Clone, PartialEq)]
pub enum SurfaceMethod {
    /// Variable projection over (α, β) with the given outer search.
    Vpnls {
        /// The outer search.
        method: VpnlsMethod,
        /// Grid and bounds.
        params: VpnlsParams,
    },
    /// The direct five-parameter fit.
    Approach3(Approach3Params),
    /// The plain five-dimensional grid.
    Grid5(Grid5Params),
}

impl SurfaceMethod {
    /// The default VPNLS: 32×32 grid, then Levenberg–Marquardt with the
    /// Kaufman Jacobian.
    pub fn vpnls() -> Self {
        Self::Vpnls {
            method: VpnlsMethod::LevenbergMarquardt,
            params: VpnlsParams::default(),
        }
    }

    /// VPNLS with another outer search (`Grid` uses the 256×256 grid).
    pub fn vpnls_with(method: VpnlsMethod) -> Self {
        let params = if method == VpnlsMethod::Grid {
            VpnlsParams::fine_grid()
        } else {
            VpnlsParams::default()
        };
        Self::Vpnls { method, params }
    }

    /// VPNLS with L-BFGS-B on scipy's own default tolerances (ftol 2.2e-9,
    /// gtol 1e-5, 15,000 iterations) instead of the reference's: the
    /// labelled variant `vpnls-lbfgsb-…-scipy-defaults`.
    pub fn vpnls_lbfgsb_scipy_defaults(source: GradientSource) -> Self {
        Self::Vpnls {
            method: VpnlsMethod::Lbfgsb(source),
            params: VpnlsParams {
                lbfgsb: LbfgsbSettings::default(),
                ..VpnlsParams::default()
            },
        }
    }

    /// Approach 3 with an objective and a start, analytic gradients.
    pub fn approach3(objective: Objective, start: Approach3Start) -> Self {
        Self::Approach3(Approach3Params {
            objective,
            start,
            ..Approach3Params::default()
        })
    }

    /// Approach 3 with a finite-difference gradient.
    pub fn approach3_fd(objective: Objective, scheme: FdScheme) -> Self {
        Self::Approach3(Approach3Params {
            objective,
            gradient: GradientSource::FiniteDifference(scheme),
            ..Approach3Params::default()
        })
    }

    /// A short label: `vpnls-lm`, `vpnls-lbfgsb-3-point`,
    /// `vpnls-lbfgsb-analytic-scipy-defaults`, `approach3-log-loss`,
    /// `approach3-log-loss-fd-3-point`, `approach3-rss-random`,
    /// `approach3-rss-random-log-uniform`, `grid5`, …
    pub fn label(&self) -> String {
        match self {
            Self::Vpnls { method, params } => {
                let mut s = format!("vpnls-{}", method.name());
                if matches!(method, VpnlsMethod::Lbfgsb(_)) && params.lbfgsb.is_scipy_default() {
                    s.push_str("-scipy-defaults");
                }
                s
            }
            Self::Approach3(p) => {
                let mut s = format!("approach3-{}", p.objective.name());
                match p.start {
                    Approach3Start::Random(_) => s.push_str("-random"),
                    Approach3Start::RandomLogUniform(_) => s.push_str("-random-log-uniform"),
                    Approach3Start::Point(_) => s.push_str("-from-point"),
                    Approach3Start::ChinchillaGrid if p.objective != Objective::HuberLog => {
                        s.push_str("-chinchilla-grid")
                    }
                    _ => {}
                }
                if let GradientSource::FiniteDifference(fd) = p.gradient {
                    s.push_str(&format!("-fd-{}", fd.name()));
                }
                if p.lbfgsb.is_scipy_default() {
                    s.push_str("-scipy-defaults");
                }
                s
            }
            Self::Grid5(_) => "grid5".into(),
        }
    }

    /// Fit `data` with this method, then check the result's conditioning:
    /// when the column-scaled residual Jacobian at the result
    /// ([`jacobian_condition`]) exceeds [`IDENTIFIABILITY_LIMIT`] the status
    /// becomes [`FitStatus::NotIdentifiable`] and a warning names the
    /// condition number and what the optimizer had reported. A non-finite
    /// result is [`FitStatus::NonFinite`] (never `Converged`).
    ///
    /// # Errors
    /// The method's [`FitError`].
    pub fn fit(&self, data: &SurfaceData<f64>) -> Result<SurfaceFit<f64>, FitError> {
        let mut fit = match self {
            Self::Vpnls { method, params } => fit_vpnls_with(data, *method, params),
            Self::Approach3(p) => fit_approach3(data, p),
            Self::Grid5(p) => fit_grid5(data, p),
        }?;
        if fit.status != FitStatus::NonFinite {
            let condition = jacobian_condition(data, &fit.parameters());
            mark_unidentified(&mut fit, condition, "at the result");
        }
        Ok(fit)
    }

    /// [`fit`](Self::fit), then a cheap global check: the default VPNLS fit
    /// (grid over (α, β), then Levenberg–Marquardt; ~0.1 ms on 75 points) is
    /// scored by this method's own objective. When it is lower by more than
    /// [`GLOBAL_CHECK_MARGIN`] (relative) and [`GLOBAL_CHECK_FLOOR`] (of the
    /// objective of the best constant model), a warning says so, with the
    /// VPNLS point and whether it lies inside this method's bounds: the fit
    /// stopped in a local minimum (or, for the grid, at a coarse point). The
    /// status stays what the optimizer reported. When the VPNLS answer itself
    /// is not identified ([`jacobian_condition`] above the limit), the data
    /// cannot identify the model whatever this method found: the status
    /// becomes [`FitStatus::NotIdentifiable`]. For VPNLS itself the check is
    /// [`fit`](Self::fit)'s.
    ///
    /// # Errors
    /// The method's [`FitError`] (a failure of the check is a warning).
    pub fn fit_with_global_check(
        &self,
        data: &SurfaceData<f64>,
    ) -> Result<SurfaceFit<f64>, FitError> {
        let mut fit = self.fit(data)?;
        let objective = match self {
            Self::Vpnls { .. } => return Ok(fit),
            Self::Approach3(p) => p.objective,
            Self::Grid5(_) => Objective::Rss,
        };
        let reference = match fit_vpnls(data, &VpnlsParams::default()) {
            Ok(r) => r,
            Err(e) => {
                fit.warnings
                    .push(format!("the global check (VPNLS) could not run: {e}"));
                return Ok(fit);
            }
        };
        if fit.status != FitStatus::NonFinite {
            let condition = jacobian_condition(data, &reference.parameters());
            mark_unidentified(&mut fit, condition, "at the VPNLS (global) fit");
        }
        let value = |p: &[f64; 5]| {
            objective_value_and_gradient(data, objective, &objective.to_coordinates(p)).0
        };
        let here = value(&fit.parameters());
        let there = value(&reference.parameters());
        let mean = data.loss().iter().sum::<f64>() / data.len() as f64;
        let constant = value(&[mean, 0.0, 0.0, 0.5, 0.5]);
        let lower = there < here * (1.0 - GLOBAL_CHECK_MARGIN)
            && here - there > GLOBAL_CHECK_FLOOR * constant;
        if there.is_finite() && (lower || !here.is_finite()) {
            let (lo, hi) = match self {
                Self::Grid5(g) => (g.lo, g.hi),
                _ => {
                    let (lo, hi) = objective.bounds();
                    (
                        objective.from_coordinates(&lo),
                        objective.from_coordinates(&hi),
                    )
                }
            };
            let p = reference.parameters();
            let inside = (0..5).all(|k| p[k] >= lo[k] && p[k] <= hi[k]);
            fit.warnings.push(format!(
                "a lower {} objective exists: the VPNLS fit reaches {there:e} (RSS {:e}) at \
                 (E, A, B, alpha, beta) = ({:e}, {:e}, {:e}, {}, {}), {} this method's bounds, \
                 against {here:e} here: this result is {}",
                objective.name(),
                reference.rss,
                p[0],
                p[1],
                p[2],
                p[3],
                p[4],
                if inside { "inside" } else { "outside" },
                if matches!(self, Self::Grid5(_)) {
                    "a coarse grid point, not the minimum"
                } else {
                    "a local minimum, or the optimizer stopped early"
                }
            ));
        }
        Ok(fit)
    }
}

/// The global check reports a lower objective only when it is lower by this
/// fraction of the fit's own value: a 10 % difference is not rounding.
pub const GLOBAL_CHECK_MARGIN: f64 = 0.1;

/// … and by more than this fraction of the objective of the best constant
/// model (E = mean L, A = B = 0): noise-free fits that end at RSS 1e-20
/// where VPNLS reaches 1e-29 are both at the minimum for every purpose.
pub const GLOBAL_CHECK_FLOOR: f64 = 1e-9;

/// Make `fit` [`FitStatus::NotIdentifiable`] with a warning when `condition`
/// exceeds [`IDENTIFIABILITY_LIMIT`].
fn mark_unidentified(fit: &mut SurfaceFit<f64>, condition: f64, place: &str) {
    if condition > IDENTIFIABILITY_LIMIT || condition.is_nan() {
        fit.warnings.push(format!(
            "the data do not identify the parameters: the column-scaled residual Jacobian \
             {place} has condition number {condition:e} (limit {IDENTIFIABILITY_LIMIT:e}), so \
             some combination of E, A, B, alpha, beta is not determined (e.g. N = D with \
             alpha = beta fixes only A + B){}",
            if fit.status == FitStatus::NotIdentifiable {
                String::new()
            } else {
                format!("; the optimizer reported {}", fit.status.as_str())
            }
        ));
        fit.status = FitStatus::NotIdentifiable;
    }
}
