//! One Approach 3 fit (RSS, the standard case) repeated `N` times (argument,
//! default 1): the workload of `callgrind` instruction counts per fit.
//!
//! ```text
//! cargo build --profile profiling --example approach3_profile
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//!     target/profiling/examples/approach3_profile 10
//! ```
//! Instructions per fit = (Ir of the run with 10 fits − Ir with 0 fits) / 10.

use scaling_laws::fitters::approach3::Approach3Params;
use scaling_laws::fitters::{fit_approach3, SurfaceData};
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};

fn main() {
    let fits: usize = std::env::args()
        .nth(1)
        .map_or(1, |a| a.parse().expect("a count of fits"));
    let s = LossSurface::<f64>::chinchilla();
    let grid = IsoflopGrid::new(8f64.log10(), 15).unwrap();
    let pts = sample_isoflops(&s, &default_budgets(), &grid, &SamplingBias::none()).unwrap();
    let data = SurfaceData::from_points(&pts).unwrap();
    let params = Approach3Params::default();
    let mut checksum = 0.0;
    let mut evaluations = 0;
    // The fastest batch of 100 fits: a wall-clock time per fit that other
    // load on the machine can only lengthen.
    let mut fastest = f64::INFINITY;
    for batch in 0..fits.div_ceil(100) {
        let start = std::time::Instant::now();
        let count = (fits - 100 * batch).min(100);
        for _ in 0..count {
            let fit = fit_approach3(std::hint::black_box(&data), &params).unwrap();
            checksum += fit.alpha;
            evaluations = fit.iterations;
        }
        if count == 100 {
            fastest = fastest.min(start.elapsed().as_secs_f64() / 100.0);
        }
    }
    println!(
        "{fits} fits, sum of alpha {checksum:.17e}, {evaluations} evaluations per fit, \
         fastest batch of 100 {:.1} µs per fit",
        fastest * 1e6
    );
}
