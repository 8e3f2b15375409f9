//! Approach 2 and VPNLS on the same IsoFLOP data, beside the truth and the
//! closed-form prediction of Approach 2's bias.
//!
//!     cargo run --release --example approach2_vs_vpnls
//!
//! On an asymmetric surface (α ≠ β) with sampling drift, Approach 2's
//! intercept is off by exactly the vertex shift; VPNLS recovers the surface.

use std::error::Error;

use scaling_laws::analysis::predict_approach2;
use scaling_laws::fitters::{fit_approach2, fit_vpnls, SurfaceData, VpnlsParams};
use scaling_laws::models::{LossSurface, Preset};
use scaling_laws::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};

fn main() -> Result<(), Box<dyn Error>> {
    let surface = LossSurface::<f64>::preset(Preset::from_name("asymmetric")?);
    let budgets = default_budgets::<f64>();
    let grid = IsoflopGrid::new(16f64.log10(), 15)?;
    let bias = SamplingBias::new(0.2, 1.0)?;
    let points = sample_isoflops(&surface, &budgets, &grid, &bias)?;

    let a2 = fit_approach2(&points)?;
    let predicted = predict_approach2(&surface, &budgets, &grid, &bias)?;
    let vp = fit_vpnls(&SurfaceData::from_points(&points)?, &VpnlsParams::default())?;
    let vp_surface = LossSurface::new(vp.e, vp.a, vp.b, vp.alpha, vp.beta)?;

    println!(
        "{:<22} {:>14} {:>14}",
        "", "a (N* ∝ C^a)", "log10 prefactor"
    );
    println!(
        "{:<22} {:>14.10} {:>14.10}",
        "truth",
        surface.exponent_a(),
        surface.a0()
    );
    println!(
        "{:<22} {:>14.10} {:>14.10}",
        "Approach 2", a2.n_law.exponent, a2.n_law.intercept
    );
    println!(
        "{:<22} {:>14.10} {:>14.10}",
        "Approach 2 predicted", predicted.n_law.exponent, predicted.n_law.intercept
    );
    println!(
        "{:<22} {:>14.10} {:>14.10}",
        "VPNLS",
        vp_surface.exponent_a(),
        vp_surface.a0()
    );
    Ok(())
}
