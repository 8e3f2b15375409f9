//! Benches for the surface fitters on the standard case: Chinchilla surface,
//! 5 budgets (1e17…1e21) × 15 points, ±8×, centred (75 points).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use nalgebra::{DMatrix, DVector};
use scaling_laws::fitters::{
    fit_vpnls, fit_vpnls_with, projected_objective, refine_vpnls, SurfaceData, VpnlsMethod,
    VpnlsParams,
};
use scaling_laws::models::LossSurface;
use scaling_laws::numerics::nnls::{nnls, NnlsParams};
use scaling_laws::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};

fn standard_case() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let s = LossSurface::<f64>::chinchilla();
    let grid = IsoflopGrid::new(8f64.log10(), 15).unwrap();
    let pts = sample_isoflops(&s, &default_budgets(), &grid, &SamplingBias::none()).unwrap();
    (
        pts.iter().map(|p| p.n).collect(),
        pts.iter().map(|p| p.d).collect(),
        pts.iter().map(|p| p.loss).collect(),
    )
}

fn bench_fitters(c: &mut Criterion) {
    let (n, d, l) = standard_case();
    let data = SurfaceData::new(&n, &d, &l).unwrap();
    let params = VpnlsParams::default();
    let mut g = c.benchmark_group("vpnls");
    g.bench_function("grid32_lm/points=75", |b| {
        b.iter(|| fit_vpnls(black_box(&data), &params).unwrap())
    });
    for method in VpnlsMethod::study() {
        let p = if method == VpnlsMethod::Grid {
            VpnlsParams::fine_grid()
        } else {
            VpnlsParams::default()
        };
        let name = match method {
            VpnlsMethod::Grid => format!("grid-{}/points=75", p.grid),
            _ => format!("{}/points=75", method.name()),
        };
        g.bench_function(name, |b| {
            b.iter(|| fit_vpnls_with(black_box(&data), method, &p).unwrap())
        });
    }
    g.bench_function("refine_from_truth/points=75", |b| {
        b.iter(|| refine_vpnls(black_box(&data), (0.34, 0.28), &params).unwrap())
    });
    g.bench_function("projected_objective/points=75", |b| {
        b.iter(|| projected_objective(black_box(&data), &0.34, &0.28).unwrap())
    });
    g.bench_function("prepare_data/points=75", |b| {
        b.iter(|| SurfaceData::new(black_box(&n), &d, &l).unwrap())
    });
    g.finish();
    // VPNLS at 10⁵ points (5 budgets × 20,000), where the 32² grid's Gram
    // sums run over rayon (`PARALLEL_GRID_POINTS` = 20,000). Bytes moved per
    // fit, estimated: each of the 1,024 cells reads one N column and one D
    // column of 10⁵ f64 (2 × 0.8 MB); with a row's N column cached, the
    // 32 D columns (25.6 MB, beyond L2) stream once per row: 32 × 25.6 MB
    // ≈ 0.82 GB per fit. At 10 GB/s that alone is ≈ 80 ms on one core, so
    // the grid is bandwidth-bound at this size; this machine's bandwidth has
    // not been measured (compare the bench time with 0.82 GB / bandwidth).
    let s = LossSurface::<f64>::chinchilla();
    let grid = IsoflopGrid::new(8f64.log10(), 20_000).unwrap();
    let pts = sample_isoflops(&s, &default_budgets(), &grid, &SamplingBias::none()).unwrap();
    let big = SurfaceData::from_points(&pts).unwrap();
    let mut g = c.benchmark_group("vpnls_large");
    g.sample_size(10);
    g.bench_function("grid32_lm/points=100000", |b| {
        b.iter(|| fit_vpnls(black_box(&big), &params).unwrap())
    });
    g.finish();
    let phi = DMatrix::from_fn(n.len(), 3, |i, j| match j {
        0 => 1.0,
        1 => n[i].powf(-0.34),
        _ => d[i].powf(-0.28),
    });
    let rhs = DVector::from_vec(l.clone());
    c.bench_function("nnls/rows=75/cols=3", |b| {
        b.iter(|| nnls(black_box(&phi), &rhs, &NnlsParams::default()).unwrap())
    });
}

criterion_group!(benches, bench_fitters);
criterion_main!(benches);
