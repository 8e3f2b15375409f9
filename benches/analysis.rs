//! Benches for the analytical core: the vertex shift (grid sum vs sum-free
//! closed form) and numerical Approach 2 on 5 budgets × 15 points.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use scaling_laws::analysis::{predict_approach2, vertex_shift, vertex_shift_sum};
use scaling_laws::fitters::fit_approach2;
use scaling_laws::models::LossSurface;
use scaling_laws::numerics::lit;
use scaling_laws::numerics::mpf::Mpf256;
use scaling_laws::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};

fn bench_vertex_shift(c: &mut Criterion) {
    let mut g = c.benchmark_group("vertex_shift");
    for n in [15usize, 101, 1001] {
        let grid = IsoflopGrid::new(16f64.log10(), n).unwrap();
        g.bench_with_input(
            BenchmarkId::new("closed_form", format!("points={n}")),
            &grid,
            |b, grid| b.iter(|| vertex_shift(black_box(&0.34), black_box(&0.28), grid).unwrap()),
        );
        g.bench_with_input(
            BenchmarkId::new("grid_sum", format!("points={n}")),
            &grid,
            |b, grid| {
                b.iter(|| vertex_shift_sum(black_box(&0.34), black_box(&0.28), grid, &0.0).unwrap())
            },
        );
    }
    let grid256 = IsoflopGrid::<Mpf256>::new(lit(16f64.log10()), 15).unwrap();
    g.bench_function("closed_form_256bit/points=15", |b| {
        b.iter(|| vertex_shift(black_box(&lit::<Mpf256>(0.34)), &lit(0.28), &grid256).unwrap())
    });
    g.finish();
}

fn bench_approach2(c: &mut Criterion) {
    let s = LossSurface::<f64>::chinchilla();
    let grid = IsoflopGrid::new(8f64.log10(), 15).unwrap();
    let budgets = default_budgets::<f64>();
    let bias = SamplingBias::none();
    let pts = sample_isoflops(&s, &budgets, &grid, &bias).unwrap();
    let mut g = c.benchmark_group("approach2");
    g.bench_function("fit/budgets=5/points=15", |b| {
        b.iter(|| fit_approach2(black_box(&pts)).unwrap())
    });
    g.bench_function("predict/budgets=5/points=15", |b| {
        b.iter(|| predict_approach2(black_box(&s), &budgets, &grid, &bias).unwrap())
    });
    g.bench_function("sample/budgets=5/points=15", |b| {
        b.iter(|| sample_isoflops(black_box(&s), &budgets, &grid, &bias).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench_vertex_shift, bench_approach2);
criterion_main!(benches);
