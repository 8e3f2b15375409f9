//! One Approach 2 fit (the standard case: Chinchilla surface, 5 budgets ×
//! 15 points, ±8×, centred) repeated `N` times (argument, default 1): the
//! workload of `callgrind` instruction counts and `perf` profiles per fit.
//!
//! ```text
//! cargo build --profile profiling --example approach2_profile
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//!     target/profiling/examples/approach2_profile 1000
//! ```
//! Instructions per fit = (Ir of the run with 1000 fits − Ir with 0 fits) / 1000.

use scaling_laws::fitters::fit_approach2;
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};

fn main() {
    let fits: usize = std::env::args()
        .nth(1)
        .map_or(1, |a| a.parse().expect("a count of fits"));
    let s = LossSurface::<f64>::chinchilla();
    let grid = IsoflopGrid::new(8f64.log10(), 15).unwrap();
    let pts = sample_isoflops(&s, &default_budgets(), &grid, &SamplingBias::none()).unwrap();
    let mut checksum = 0.0;
    for _ in 0..fits {
        let fit = fit_approach2(std::hint::black_box(&pts)).unwrap();
        checksum += fit.n_law.exponent;
    }
    println!("{fits} fits, sum of a {checksum:.17e}");
}
