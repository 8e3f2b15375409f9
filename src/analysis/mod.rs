//! Closed forms: the Approach 2 vertex shift and the exponent and intercept
//! errors it implies; exact conditioning of the surface fits.

pub mod allocation_cost;
pub mod audit;
pub mod bootstrap;
pub mod conditioning;
pub mod design;
pub mod design_search;
pub mod law;
pub mod predict;
pub mod special;
pub mod vertex_shift;

pub use vertex_shift::{
    predict_approach2, vertex_shift, vertex_shift_continuum, vertex_shift_offset,
    vertex_shift_small_width, vertex_shift_sum, AnalysisError, Approach2Prediction,
    InterceptErrors, SmallWidthExpansion, SMALL_WIDTH_SWITCH, SMALL_WIDTH_TRUNCATION,
};
