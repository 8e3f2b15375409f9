//! Where the design closed forms' linearisation breaks down (proofs/19
//! §19.6): analytic MSE of ln N*(1e24) against Monte Carlo (2,000 draws)
//! as σ grows, for the habit design (±8×, 9 points, 1e17…1e21) on the
//! Chinchilla surface. `cargo run --release --example design_probe`.
use scaling_laws::analysis::design::*;
use scaling_laws::experiments::design_check::monte_carlo;
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::*;

fn main() {
    let s = LossSurface::<f64>::chinchilla();
    let d = SweepDesign {
        budgets: default_budgets(),
        grid: IsoflopGrid::from_factor(8.0, 9).unwrap(),
        bias: SamplingBias::new(0.0, 1.5).unwrap(),
    };
    println!(
        "| method | sigma | linearity | analytic MSE ln N* | MC MSE ± SE | MC/analytic | failed |"
    );
    println!("|---|---|---|---|---|---|---|");
    for m in DesignMethod::ALL {
        for sigma in [0.001, 0.003, 0.01, 0.03, 0.1] {
            let e = expected_error(&s, &d, &sigma, &1e24, m).unwrap();
            let mc = monte_carlo(&s, &d, sigma, 1e24, m, 2000, 7).unwrap();
            println!(
                "| {} | {sigma} | {:.3} | {:.3e} | {:.3e} ± {:.1e} | {:.3} | {} |",
                m.name(),
                e.linearity,
                e.mse_ln_n(),
                mc.mse[0],
                mc.mse_se[0],
                mc.mse[0] / e.mse_ln_n(),
                mc.failed
            );
        }
    }
}
