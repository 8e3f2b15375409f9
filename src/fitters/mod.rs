//! Fitters: methods that recover scaling-law quantities from loss measurements.
//!
//! - [`approach2`]: Chinchilla's IsoFLOP method (parabola per budget, power
//!   law through the vertices).

pub mod approach2;

pub use approach2::{fit_approach2, Approach2Error, Approach2Fit, BudgetVertex, PowerLaw};
