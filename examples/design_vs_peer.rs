//! The side-by-side with `simple-scaling-laws`' `score_design`
//! (benches/README.md, "Design: side by side with score_design"): for four
//! candidate designs on the Chinchilla surface with σ = 0.005, the analytic
//! RMSE of ln N*(1e24) and of a (proofs/19) next to the Monte Carlo truth
//! (2,000 draws, the crate's sampler and fitters), per method; writes each
//! design's (budget, N, D) points to `$OUT_DIR/design_<k>.csv` (default
//! /tmp) for the peer. `cargo run --release --example design_vs_peer`.
use std::time::Instant;

use scaling_laws::analysis::design::*;
use scaling_laws::experiments::design_check::monte_carlo;
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::*;

fn decades(lo: f64, hi: f64, k: usize) -> Vec<f64> {
    (0..k)
        .map(|i| 10f64.powf(lo + (hi - lo) * i as f64 / (k - 1) as f64))
        .collect()
}

fn main() {
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| "/tmp".into());
    let sigma = 0.005;
    let s = LossSurface::<f64>::chinchilla();
    let designs = [
        (
            "habit ±8×, 9 pts, 5 budgets 1e18–1e21",
            8.0,
            9,
            decades(18.0, 21.0, 5),
        ),
        (
            "±4×, 7 pts, 4 budgets 1e18–1e21",
            4.0,
            7,
            decades(18.0, 21.0, 4),
        ),
        (
            "±16×, 15 pts, 5 budgets 1e18–1e21",
            16.0,
            15,
            decades(18.0, 21.0, 5),
        ),
        (
            "±32×, 11 pts, 3 budgets 1e19–1e21",
            32.0,
            11,
            decades(19.0, 21.0, 3),
        ),
    ];
    println!("| design | method | analytic RMSE ln N* | MC RMSE ln N* | analytic RMSE a | MC RMSE a | failed | analytic s | MC s |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (k, (name, f, n, budgets)) in designs.iter().enumerate() {
        let d = SweepDesign {
            budgets: budgets.clone(),
            grid: IsoflopGrid::from_factor(*f, *n).unwrap(),
            bias: SamplingBias::new(0.0, 1.0).unwrap(),
        };
        let pts = sample_isoflops(&s, &d.budgets, &d.grid, &d.bias).unwrap();
        let mut csv = String::from("budget,n,d\n");
        for p in &pts {
            csv += &format!("{:e},{:e},{:e}\n", p.budget, p.n, p.d);
        }
        std::fs::write(format!("{out}/design_{k}.csv"), csv).unwrap();
        for m in DesignMethod::ALL {
            let t0 = Instant::now();
            let e = expected_error(&s, &d, &sigma, &1e24, m).unwrap();
            let ta = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let mc = monte_carlo(&s, &d, sigma, 1e24, m, 2000, 7).unwrap();
            let tm = t1.elapsed().as_secs_f64();
            println!(
                "| {name} | {} | {:.4} | {:.4} | {:.4} | {:.4} | {} | {ta:.1e} | {tm:.2} |",
                m.name(),
                e.mse_ln_n().sqrt(),
                mc.mse[0].sqrt(),
                e.mse_a().sqrt(),
                mc.mse[2].sqrt(),
                mc.failed,
            );
        }
    }
}
