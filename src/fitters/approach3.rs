//! STUB (replaced by the approach3 branch at merge).
#![allow(missing_docs)]
use super::outcome::{FitError, SurfaceData, SurfaceFit};
use crate::numerics::lbfgsb::{GradientSource, LbfgsbSettings};
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    Rss,
    RssLogParams,
    LogLoss,
    HuberLog,
}
impl Objective {
    pub const ALL: [Objective; 4] = [
        Objective::Rss,
        Objective::RssLogParams,
        Objective::LogLoss,
        Objective::HuberLog,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Objective::Rss => "rss",
            Objective::RssLogParams => "rss-log-params",
            Objective::LogLoss => "log-loss",
            Objective::HuberLog => "huber-log",
        }
    }
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == s)
    }
}
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Approach3Start {
    Grid,
    ChinchillaGrid,
    Point([f64; 5]),
    Random(u64),
}
#[derive(Debug, Clone, PartialEq)]
pub struct Approach3Params {
    pub objective: Objective,
    pub start: Approach3Start,
    pub gradient: GradientSource,
    pub lbfgsb: LbfgsbSettings,
}
impl Default for Approach3Params {
    fn default() -> Self {
        Self {
            objective: Objective::Rss,
            start: Approach3Start::Grid,
            gradient: GradientSource::Analytic,
            lbfgsb: LbfgsbSettings::default(),
        }
    }
}
pub fn fit_approach3(
    data: &SurfaceData<f64>,
    _params: &Approach3Params,
) -> Result<SurfaceFit<f64>, FitError> {
    super::vpnls::fit_vpnls(data, &Default::default())
}
pub fn approach3_start(
    _data: &SurfaceData<f64>,
    _params: &Approach3Params,
) -> Result<[f64; 5], FitError> {
    Ok([1.0; 5])
}
