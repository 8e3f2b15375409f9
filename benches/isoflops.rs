//! Benches for the published IsoFLOP studies (issue 12): QC of the whole
//! file; each of §2–§5 with the 1,000-resample bootstraps the 2 s
//! target names (§2 the fit bootstrap, three methods per replicate, on
//! Llama 3; §3 the cost study's simulation and its real-data part with a
//! 1,000-replicate bootstrap; §4 the residual study, which has no
//! bootstrap; §5 Epoch's reproduction at 1,000 and at its own 4,000
//! resamples, target 5 s). Reads the published data from `$SCALING_LAWS_DATA`
//! (else `../shared/data` beside the crate).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use scaling_laws::io::isoflops::{read_chinchilla_runs, read_isoflops};
use scaling_laws::models::LossSurface;
use scaling_laws::studies::isoflops::cost::{
    published_surfaces, real_costs, simulate_costs, CHINCHILLA_BUDGET, LLAMA3_405B_BUDGET,
};
use scaling_laws::studies::isoflops::fits::{estimate, fit_experiment, FitSettings};
use scaling_laws::studies::isoflops::reproductions::{fit_subset, reproduce_epoch};
use scaling_laws::studies::isoflops::residuals::{residual_study, RESIDUAL_EXPERIMENTS};
use scaling_laws::studies::isoflops::{experiments, recompute_flags};

/// A published file: below `$SCALING_LAWS_DATA`, else `../shared/data`
/// beside the crate (the bench needs the data; README, section Data).
fn shared(rel: &str) -> PathBuf {
    let dir = scaling_laws::io::published::data_dir()
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")));
    let p = dir.join(rel);
    assert!(
        p.exists(),
        "{} is missing: set SCALING_LAWS_DATA (README, section Data)",
        p.display()
    );
    p
}

fn bench_isoflops(c: &mut Criterion) {
    let rows = read_isoflops(&shared("isoflops/isoflops.csv")).unwrap();
    let exp = |name: &str| {
        experiments(&rows, &[name.to_string()])
            .unwrap()
            .pop()
            .unwrap()
    };
    let mut g = c.benchmark_group("isoflops");
    g.sample_size(10);
    g.bench_function("qc/rows=947", |b| {
        b.iter(|| recompute_flags(black_box(&rows)))
    });
    // §2: one experiment's fits with intervals.
    let llama = exp("llama_3__raw_loss");
    for k in [0usize, 1000] {
        let settings = FitSettings {
            bootstrap: k,
            seed: 1,
            ..FitSettings::default()
        };
        g.bench_function(format!("fits/llama3/points=133/replicates={k}"), |b| {
            b.iter(|| fit_experiment(black_box(&llama), &settings).unwrap())
        });
    }
    // §3: the simulation (4 surfaces) and the real-data costs of Llama 3 and
    // Epoch's Chinchilla, each with a 1,000-replicate bootstrap.
    let chin = exp("epochai_chinchilla__massivetext__chinchilla");
    g.bench_function("cost/simulation+real/replicates=1000", |b| {
        b.iter(|| {
            let f = estimate(&llama.points, &llama.name).unwrap();
            let s = LossSurface::new(f.vpnls.e, f.vpnls.a, f.vpnls.b, f.vpnls.alpha, f.vpnls.beta)
                .unwrap();
            let mut surfaces = vec![("Llama 3".to_string(), s)];
            surfaces.extend(published_surfaces());
            let sim = simulate_costs(&surfaces, LLAMA3_405B_BUDGET).unwrap();
            let a = real_costs(&llama, LLAMA3_405B_BUDGET, 1000, 0).unwrap();
            let c = real_costs(&chin, CHINCHILLA_BUDGET, 1000, 0).unwrap();
            (sim, a, c)
        })
    });
    // §4: the six experiments of the residual study.
    let six: Vec<_> = RESIDUAL_EXPERIMENTS.iter().map(|n| exp(n)).collect();
    g.bench_function("residuals/experiments=6", |b| {
        b.iter(|| {
            six.iter()
                .map(|e| residual_study(black_box(e)).unwrap())
                .collect::<Vec<_>>()
        })
    });
    // §5: Epoch's reproduction (two full fits from the 4,500-point grid,
    // the bootstrap of the Huber fit) and the two Chinchilla subsets.
    let runs = read_chinchilla_runs(&shared("chinchilla/svg_extracted_data.csv")).unwrap();
    let subsets = [exp("ml_scalefit__massivetext__chinchilla"), chin.clone()];
    for k in [1000usize, 4000] {
        g.bench_function(format!("reproduce/runs=240/replicates={k}"), |b| {
            b.iter(|| {
                let e = reproduce_epoch(black_box(&runs), k, 0).unwrap();
                let s: Vec<_> = subsets.iter().map(|x| fit_subset(x).unwrap()).collect();
                (e, s)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_isoflops);
criterion_main!(benches);
