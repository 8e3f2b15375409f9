//! Bench of the training-curve fit on the seed's five-size run (307
//! checkpoints, read from `$SCALING_LAWS_DATA/hitchhiker_runs` (else
//! `../shared/data` beside the crate), which is not shipped): the full published procedure (start, 4000 Adam steps, L-BFGS),
//! its phases, and one objective evaluation. `full_fit` includes the
//! variable-projection global stage and certificate (proofs/13 §13.10);
//! `published_only` is the published procedure alone.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use scaling_laws::fitters::training_curve::{
    adam_phase, fit_training_curve, fit_training_curve_from, smooth_l1, training_curve_start,
    CurvePoints, TrainingCurveParams,
};
use scaling_laws::io::training_curves::{read_curves, CurveOptions};

fn five_sizes() -> CurvePoints<f64> {
    let dir = scaling_laws::io::published::data_dir()
        .unwrap_or_else(|| {
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).to_path_buf()
        })
        .join("hitchhiker_runs");
    assert!(
        dir.exists(),
        "{} is missing: set SCALING_LAWS_DATA (README, section Data)",
        dir.display()
    );
    let files: Vec<_> = [
        (32, 1_683_000u64),
        (40, 2_098_000),
        (48, 2_545_000),
        (56, 3_015_000),
        (64, 3_463_000),
    ]
    .iter()
    .map(|(w, n)| (dir.join(format!("optimal_lr_sgd_{w}d.csv")), *n))
    .collect();
    let set = read_curves(&files, &CurveOptions::default()).unwrap();
    let (n, d, l) = set.points();
    CurvePoints::new(&n, &d, &l).unwrap()
}

fn bench(c: &mut Criterion) {
    let pts = five_sizes();
    let params = TrainingCurveParams::default();
    let mut g = c.benchmark_group("training_curve");
    g.bench_function("full_fit/points=307", |b| {
        b.iter(|| fit_training_curve(black_box(&pts), &params).unwrap())
    });
    let published = TrainingCurveParams {
        global_stage: false,
        ..params.clone()
    };
    g.bench_function("published_only/points=307", |b| {
        b.iter(|| fit_training_curve(black_box(&pts), &published).unwrap())
    });
    let start = training_curve_start(pts.loss());
    g.bench_function("adam_4000/points=307", |b| {
        b.iter(|| adam_phase(black_box(&pts), start, &params))
    });
    let fit = fit_training_curve(&pts, &params).unwrap();
    let warm = TrainingCurveParams {
        adam_steps: 0,
        ..params.clone()
    };
    g.bench_function("lbfgs_warm/points=307", |b| {
        b.iter(|| fit_training_curve_from(black_box(&pts), fit.law.parameters(), &warm).unwrap())
    });
    g.bench_function("objective_and_gradient/points=307", |b| {
        b.iter(|| smooth_l1(black_box(&pts), &start, &0.1))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
