//! The Approach 2 vertex shift for your own sampling grid.
//!
//!     cargo run --release --example vertex_shift -- 0.34 0.28 8 15
//!
//! Arguments: α, β, the grid's factor (±8× → 8) and its points per curve.

use std::error::Error;

use scaling_laws::analysis::{vertex_shift, InterceptErrors};
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::IsoflopGrid;

fn main() -> Result<(), Box<dyn Error>> {
    let a: Vec<f64> = std::env::args()
        .skip(1)
        .map(|s| s.parse::<f64>())
        .collect::<Result<_, _>>()?;
    let (alpha, beta, factor, points) = match a.as_slice() {
        [al, be, f, n] => (*al, *be, *f, *n as usize),
        _ => {
            // The crate's Chinchilla surface, ±8×, 15 points.
            let s = LossSurface::<f64>::chinchilla();
            (*s.alpha(), *s.beta(), 8.0, 15)
        }
    };
    let grid = IsoflopGrid::from_factor(factor, points)?;
    let dw = vertex_shift(&alpha, &beta, &grid)?;
    let e = InterceptErrors::from_shift(&dw);
    println!("α = {alpha}, β = {beta}, ±{factor}×, {points} points per IsoFLOP curve");
    println!("vertex shift δw = {dw:.6e} decades");
    println!(
        "N* prefactor off by {:+.4} %, D* prefactor by {:+.4} %",
        100.0 * e.n,
        100.0 * e.d
    );
    Ok(())
}
