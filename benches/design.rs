//! Bench for `scaling-laws design`'s core: rank ≥ 10,000 candidate sweep
//! designs (proofs/19) on the Chinchilla surface, every method.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use scaling_laws::analysis::design::DesignMethod;
use scaling_laws::analysis::design_search::{candidate_designs, rank_designs};
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::SamplingBias;

fn bench_rank(c: &mut Criterion) {
    let s = vec![LossSurface::<f64>::chinchilla()];
    // 17 budgets 1e17 … 1e21 (quarter decades): 136 runs of ≥ 2
    // consecutive budgets × 10 widths × 9 point counts = 12,240 designs,
    // 48,960 (design, method) pairs.
    let budgets: Vec<f64> = (0..17)
        .map(|i| 10f64.powf(17.0 + 0.25 * i as f64))
        .collect();
    let designs = candidate_designs(
        &budgets,
        &[2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 16.0, 32.0],
        &[5, 7, 9, 11, 13, 15, 21, 25, 31],
        &SamplingBias::new(0.0, 1.5).unwrap(),
    );
    assert!(designs.len() >= 10_000);
    let mut g = c.benchmark_group("design");
    g.sample_size(10);
    g.bench_function(
        format!("rank/chinchilla/designs={}/methods=4", designs.len()),
        |b| {
            b.iter(|| {
                rank_designs(
                    black_box(&s),
                    &designs,
                    &DesignMethod::ALL,
                    0.005,
                    1e24,
                    f64::INFINITY,
                )
                .unwrap()
            })
        },
    );
    g.bench_function(
        format!("rank/chinchilla/designs={}/approach2+vpnls", designs.len()),
        |b| {
            b.iter(|| {
                rank_designs(
                    black_box(&s),
                    &designs,
                    &[DesignMethod::Approach2, DesignMethod::Vpnls],
                    0.005,
                    1e24,
                    f64::INFINITY,
                )
                .unwrap()
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench_rank);
criterion_main!(benches);
