//! `numerics::vmath` against std's scalar libm calls in a loop, on slices of
//! 75 (one Approach 3 objective's worth) and 1024 elements; seeded inputs.
//! exp inputs are uniform on [−20, 20], ln inputs log-uniform on [1e-3, 1e3].
//! `*_into` dispatches (AVX-512 where present), `*_into_avx2` forces the
//! AVX2+FMA code, `*_into_portable` the baseline build (libm `fma` calls on
//! x86-64 without FMA at compile time).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scaling_laws::numerics::vmath;

/// Uniform values on [lo, hi) from a fixed SplitMix64 stream.
fn inputs(n: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9e3779b97f4a7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
            z ^= z >> 31;
            lo + (hi - lo) * ((z >> 11) as f64 * 2f64.powi(-53))
        })
        .collect()
}

fn bench_vmath(c: &mut Criterion) {
    for n in [75usize, 1024] {
        let xe = inputs(n, -20.0, 20.0, 1);
        let xl: Vec<f64> = inputs(n, -3.0, 3.0, 2)
            .iter()
            .map(|t| 10f64.powf(*t))
            .collect();
        let mut out = vec![0.0; n];
        let mut g = c.benchmark_group("vmath");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("exp_into/n={n}"), |b| {
            b.iter(|| vmath::exp_into(black_box(&xe), &mut out))
        });
        g.bench_function(format!("std_exp_loop/n={n}"), |b| {
            b.iter(|| {
                for (o, x) in out.iter_mut().zip(black_box(&xe)) {
                    *o = x.exp();
                }
            })
        });
        g.bench_function(format!("exp_into_avx2/n={n}"), |b| {
            b.iter(|| vmath::exp_into_avx2(black_box(&xe), &mut out))
        });
        g.bench_function(format!("exp_into_portable/n={n}"), |b| {
            b.iter(|| vmath::exp_into_portable(black_box(&xe), &mut out))
        });
        g.bench_function(format!("ln_into/n={n}"), |b| {
            b.iter(|| vmath::ln_into(black_box(&xl), &mut out))
        });
        g.bench_function(format!("std_ln_loop/n={n}"), |b| {
            b.iter(|| {
                for (o, x) in out.iter_mut().zip(black_box(&xl)) {
                    *o = x.ln();
                }
            })
        });
        g.bench_function(format!("ln_into_avx2/n={n}"), |b| {
            b.iter(|| vmath::ln_into_avx2(black_box(&xl), &mut out))
        });
        g.bench_function(format!("ln_into_portable/n={n}"), |b| {
            b.iter(|| vmath::ln_into_portable(black_box(&xl), &mut out))
        });
        g.finish();
    }
}

criterion_group!(benches, bench_vmath);
criterion_main!(benches);
