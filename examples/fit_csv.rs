//! Fit the five-parameter surface L = E + A/N^α + B/D^β to a CSV file.
//!
//!     cargo run --release --example fit_csv -- points.csv [params tokens loss]
//!
//! Without arguments it writes noise-free Chinchilla IsoFLOP data to a
//! temporary file first, so the example runs as it is.

use std::error::Error;
use std::path::PathBuf;

use scaling_laws::fitters::{fit_vpnls, SurfaceData, VpnlsParams};
use scaling_laws::io::read_positive_columns;
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, demo) = match args.first() {
        Some(p) => (PathBuf::from(p), false),
        None => (demo_file()?, true),
    };
    let cols: Vec<&str> = if args.len() >= 4 {
        args[1..4].iter().map(String::as_str).collect()
    } else {
        vec!["params", "tokens", "loss"]
    };
    let c = read_positive_columns(&path, &cols);
    if demo {
        std::fs::remove_file(&path)?;
    }
    let c = c?;
    let data = SurfaceData::new(&c[0], &c[1], &c[2])?;
    let fit = fit_vpnls(&data, &VpnlsParams::default())?;
    println!(
        "{} points: L = {:.6} + {:.4}/N^{:.6} + {:.4}/D^{:.6}  (status {}, RSS {:.3e})",
        data.len(),
        fit.e,
        fit.a,
        fit.alpha,
        fit.b,
        fit.beta,
        fit.status.as_str(),
        fit.rss
    );
    let surface = LossSurface::new(fit.e, fit.a, fit.b, fit.alpha, fit.beta)?;
    let budget = 1e24;
    println!(
        "at C = {budget:e}: N* = {:.4e}, D* = {:.4e}, {:.1} tokens per parameter",
        surface.n_opt(&budget),
        surface.d_opt(&budget),
        surface.d_opt(&budget) / surface.n_opt(&budget)
    );
    Ok(())
}

fn demo_file() -> Result<PathBuf, Box<dyn Error>> {
    let surface = LossSurface::<f64>::chinchilla();
    let grid = IsoflopGrid::new(8f64.log10(), 15)?;
    let points = sample_isoflops(&surface, &default_budgets(), &grid, &SamplingBias::none())?;
    let mut text = String::from("params,tokens,loss,budget\n");
    for p in &points {
        text.push_str(&format!(
            "{:e},{:e},{:e},{:e}\n",
            p.n, p.d, p.loss, p.budget
        ));
    }
    let path = std::env::temp_dir().join(format!("scaling-laws-demo-{}.csv", std::process::id()));
    std::fs::write(&path, text)?;
    println!(
        "no file given: fitting noise-free Chinchilla data written to {}",
        path.display()
    );
    Ok(path)
}
