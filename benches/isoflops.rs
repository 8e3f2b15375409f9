//! Benches for the published IsoFLOP studies (issue 12): QC of the whole
//! file, the fit bootstrap (three methods per replicate) on Llama 3, and
//! Epoch's Huber bootstrap on the 240 Chinchilla runs. Reads the data from
//! `../shared/data` beside the crate.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use scaling_laws::io::isoflops::{read_chinchilla_runs, read_isoflops};
use scaling_laws::studies::isoflops::fits::{fit_experiment, FitSettings};
use scaling_laws::studies::isoflops::reproductions::reproduce_epoch;
use scaling_laws::studies::isoflops::{experiments, recompute_flags};

fn shared(rel: &str) -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).join(rel);
    assert!(p.exists(), "shared data file {} is missing", p.display());
    p
}

fn bench_isoflops(c: &mut Criterion) {
    let rows = read_isoflops(&shared("isoflops/isoflops.csv")).unwrap();
    let mut g = c.benchmark_group("isoflops");
    g.sample_size(10);
    g.bench_function("qc/rows=947", |b| {
        b.iter(|| recompute_flags(black_box(&rows)))
    });
    let llama = experiments(&rows, &["llama_3__raw_loss".to_string()])
        .unwrap()
        .pop()
        .unwrap();
    for k in [0usize, 100] {
        let settings = FitSettings {
            bootstrap: k,
            seed: 1,
            ..FitSettings::default()
        };
        g.bench_function(
            format!("fit_bootstrap/llama3/points=133/replicates={k}"),
            |b| b.iter(|| fit_experiment(black_box(&llama), &settings).unwrap()),
        );
    }
    let runs = read_chinchilla_runs(&shared("chinchilla/svg_extracted_data.csv")).unwrap();
    g.bench_function("epoch_huber_bootstrap/runs=240/replicates=100", |b| {
        b.iter(|| reproduce_epoch(black_box(&runs), 100, 1).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench_isoflops);
criterion_main!(benches);
