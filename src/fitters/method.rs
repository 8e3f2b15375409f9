//! One name for every surface-fitting method, so that experiments and the
//! command line can run "a method" without knowing its settings type.

use super::approach3::{fit_approach3, Approach3Params, Approach3Start, Objective};
use super::grid5::{fit_grid5, Grid5Params};
use super::outcome::{FitError, SurfaceData, SurfaceFit};
use super::vpnls::{fit_vpnls_with, VpnlsMethod, VpnlsParams};
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

    /// Fit `data` with this method.
    ///
    /// # Errors
    /// The method's [`FitError`].
    pub fn fit(&self, data: &SurfaceData<f64>) -> Result<SurfaceFit<f64>, FitError> {
        match self {
            Self::Vpnls { method, params } => fit_vpnls_with(data, *method, params),
            Self::Approach3(p) => fit_approach3(data, p),
            Self::Grid5(p) => fit_grid5(data, p),
        }
    }
}
