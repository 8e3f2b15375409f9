//! Seeded randomness for noisy experiments: a small, portable generator
//! (SplitMix64 seeding xoshiro256**) and Gaussian draws by Box–Muller, so a
//! given seed gives the same numbers on every machine and in every thread
//! layout (each task derives its own stream from `(seed, task index)`).
//!
//! ## References
//! - D. Blackman, S. Vigna, *Scrambled linear pseudorandom number
//!   generators*, ACM TOMS 47 (2021), doi:10.1145/3460772.
//! - G. E. P. Box, M. E. Muller, Ann. Math. Statist. 29 (1958),
//!   doi:10.1214/aoms/1177706645.

use crate::sampling::IsoflopPoint;

/// xoshiro256** seeded through SplitMix64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        let mut st = seed;
        Self {
            s: [
                splitmix(&mut st),
                splitmix(&mut st),
                splitmix(&mut st),
                splitmix(&mut st),
            ],
        }
    }

    /// An independent stream for task `index` of a run seeded with `seed`.
    pub fn for_task(seed: u64, index: u64) -> Self {
        let mut st = seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
        Self::new(splitmix(&mut st))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform on [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform on [lo, hi).
    pub fn uniform_in(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// A standard normal draw (Box–Muller; one of the pair is used).
    pub fn normal(&mut self) -> f64 {
        // 1 − u is in (0, 1]: the log is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Add Gaussian noise of standard deviation `sigma` to every loss.
///
/// A noisy loss can be ≤ 0 for large σ; such a point is kept as drawn (the
/// fitters reject it with an error naming it), so nothing is hidden.
pub fn add_loss_noise(points: &mut [IsoflopPoint<f64>], sigma: f64, rng: &mut Rng) {
    for p in points {
        p.loss += sigma * rng.normal();
    }
}
