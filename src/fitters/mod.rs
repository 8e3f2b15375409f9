//! Fitters: methods that recover scaling-law quantities from loss measurements.
//!
//! - [`approach2`]: Chinchilla's IsoFLOP method (parabola per budget, power
//!   law through the vertices).
//! - [`approach2_corrected`]: Approach 2 with the exact IsoFLOP profile in
//!   place of the parabola, so the vertices carry no bias.
//! - [`vpnls`]: variable projection with NNLS over (α, β).
//! - [`approach3`]: direct five-parameter fit by L-BFGS-B (four objectives).
//! - [`grid5`]: a plain five-dimensional grid search.
//! - [`training_curve`]: the training-curve law `e^E + e^A·N^α + e^B·D^β`
//!   by SmoothL1, Adam then L-BFGS (the "Hitchhiker" procedure).

pub mod approach2;
pub mod approach2_corrected;
pub mod approach3;
pub mod grid5;
pub mod method;
pub mod outcome;
pub mod power_law;
pub mod training_curve;
pub mod vpnls;

pub use approach2::{
    fit_approach2, pool_budgets, Approach2Error, Approach2Fit, BudgetVertex, PowerLaw,
};
pub use approach3::{fit_approach3, Approach3Params, Approach3Start, Objective};
pub use grid5::{fit_grid5, Grid5Params};
pub use method::SurfaceMethod;
pub use outcome::{
    jacobian_condition, Certificate, FitError, FitStatus, SurfaceData, SurfaceFit,
    IDENTIFIABILITY_LIMIT,
};
pub use vpnls::{
    fit_vpnls, fit_vpnls_with, projected_objective, refine_vpnls, vpnls_precision_ladder,
    PrecisionRung, Projected, VpnlsMethod, VpnlsParams,
};
