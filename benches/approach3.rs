//! Benches for Approach 3, the 5-D grid search and the exact Hessians on the
//! standard case: Chinchilla surface, 5 budgets (1e17…1e21) × 15 points,
//! ±8×, centred (75 points). `approach3/<objective>/points=75` is the
//! default fit (local fit, certificate, global stage when needed);
//! `…/local-only/…` the local fit alone ([`GlobalStage::Off`]).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use nalgebra::ComplexField;
use scaling_laws::analysis::conditioning::{projected_hessian, rss_hessian, spectrum};
use scaling_laws::fitters::approach3::{Approach3Params, GlobalStage, Objective};
use scaling_laws::fitters::{fit_approach3, fit_grid5, Grid5Params, SurfaceData};
use scaling_laws::models::LossSurface;
use scaling_laws::numerics::mpf::Mpf256;
use scaling_laws::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};

fn standard_case<T: nalgebra::RealField>(w: T) -> (LossSurface<T>, SurfaceData<T>) {
    let s = LossSurface::<T>::chinchilla();
    let grid = IsoflopGrid::new(w, 15).unwrap();
    let pts = sample_isoflops(&s, &default_budgets(), &grid, &SamplingBias::none()).unwrap();
    let data = SurfaceData::from_points(&pts).unwrap();
    (s, data)
}

fn bench_approach3(c: &mut Criterion) {
    let (s, data) = standard_case(8f64.log10());
    let mut g = c.benchmark_group("approach3");
    for objective in Objective::ALL {
        let params = Approach3Params {
            objective,
            ..Approach3Params::default()
        };
        g.bench_function(format!("{}/points=75", objective.name()), |b| {
            b.iter(|| fit_approach3(black_box(&data), &params).unwrap())
        });
        // The local fit alone (the fit before the certificate and global
        // stage existed): the default costs at most twice this (issue 22).
        let local = Approach3Params {
            global_stage: GlobalStage::Off,
            ..params.clone()
        };
        g.bench_function(format!("{}/local-only/points=75", objective.name()), |b| {
            b.iter(|| fit_approach3(black_box(&data), &local).unwrap())
        });
    }
    g.finish();
    let params = Grid5Params::default();
    c.bench_function("grid5/k=10/points=75", |b| {
        b.iter(|| fit_grid5(black_box(&data), &params).unwrap())
    });
    let p = s.parameters();
    let mut g = c.benchmark_group("hessian");
    g.bench_function("rss_f64/points=75", |b| {
        b.iter(|| rss_hessian(black_box(&data), &p))
    });
    g.bench_function("projected_f64/points=75", |b| {
        b.iter(|| projected_hessian(black_box(&data), s.alpha(), s.beta()).unwrap())
    });
    let (sm, dm) = standard_case(Mpf256::from_f64(8.0).log10());
    let pm = sm.parameters();
    g.bench_function("rss_256bit/points=75", |b| {
        b.iter(|| rss_hessian(black_box(&dm), &pm))
    });
    g.bench_function("projected_256bit/points=75", |b| {
        b.iter(|| projected_hessian(black_box(&dm), sm.alpha(), sm.beta()).unwrap())
    });
    let h = rss_hessian(&dm, &pm);
    let hd = nalgebra::DMatrix::from_fn(5, 5, |i, j| h[(i, j)].clone());
    g.bench_function("spectrum_256bit/5x5", |b| {
        b.iter(|| spectrum(black_box(&hd)))
    });
    g.finish();
}

criterion_group!(benches, bench_approach3);
criterion_main!(benches);
