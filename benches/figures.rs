//! Experiment 2, the figure-heavy experiment of the simulation study: its
//! Approach 2 sweep against drawing its seven figures (PNG + SVG).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use scaling_laws::experiments::exp2::{run_exp2, Exp2Config};
use scaling_laws::experiments::sweep::{Approach2Sweep, SweepMethod};
use scaling_laws::plots::write_figure;

fn bench_exp2(c: &mut Criterion) {
    let config = Exp2Config::default();
    let cells = config.cells();
    let out = run_exp2(&config).unwrap();
    let files = out.files();
    let dir = std::env::temp_dir().join(format!("scaling-laws-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut g = c.benchmark_group("exp2");
    g.sample_size(10);
    g.bench_function(format!("sweep/cells={}", cells.len()), |b| {
        b.iter(|| {
            Approach2Sweep::run(
                black_box(&cells),
                &config.budgets,
                config.points,
                &[SweepMethod::approach2()],
            )
            .unwrap()
        })
    });
    g.bench_function("build_figures/count=7", |b| {
        b.iter(|| black_box(&out).files())
    });
    g.bench_function("draw_figures/count=7/png+svg", |b| {
        b.iter(|| {
            for (stem, fig) in &files.figures {
                write_figure(black_box(fig), &dir.join(stem)).unwrap();
            }
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_exp2);
criterion_main!(benches);
