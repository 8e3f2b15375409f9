//! `scaling-laws vertex-shift`: the Approach 2 vertex shift in closed form.

use clap::Args;
use serde_json::json;

use super::{finite_f64, CliError};
use crate::analysis::{vertex_shift_offset, InterceptErrors};
use crate::sampling::IsoflopGrid;

#[derive(Debug, Args)]
pub(crate) struct VertexShiftArgs {
    /// α, the model-size exponent.
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) alpha: f64,
    /// β, the data exponent.
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) beta: f64,
    /// W, the grid half-width in decades (±16× is W = log10 16 ≈ 1.204).
    #[arg(long, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) width: f64,
    /// Points per IsoFLOP curve.
    #[arg(long, default_value_t = 15)]
    pub(crate) points: usize,
    /// Grid centre offset from the true optimum, in decades.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = finite_f64)]
    pub(crate) offset: f64,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn vertex_shift_cmd(a: &VertexShiftArgs) -> Result<String, CliError> {
    let grid = IsoflopGrid::new(a.width, a.points)?;
    let dw = vertex_shift_offset(&a.alpha, &a.beta, &grid, &a.offset)?;
    let e = InterceptErrors::checked(dw)?;
    if a.json {
        Ok(json!({"delta_w": dw, "n_intercept_error": e.n, "d_intercept_error": e.d}).to_string())
    } else {
        Ok(format!(
            "vertex shift δw = {dw:.10e} decades (α = {:?}, β = {:?}, W = {:?}, n = {}, offset = {:?})\n\
             N* prefactor error 10^δw − 1  = {:+.6e}\n\
             D* prefactor error 10^−δw − 1 = {:+.6e}",
            a.alpha, a.beta, a.width, a.points, a.offset, e.n, e.d
        ))
    }
}
