//! `numerics::vmath`: vector `exp` and `ln` against rug at 256 bits
//! (proofs/16_vector_exp_ln.md).
//!
//! Tolerances (derived in proofs/16, not measured):
//! - `EXP_ULP` = 0.515: §16.1.4, 0.5 for the final rounding plus
//!   2^53·δ_exp with δ_exp ≤ 1.6e-18 the relative error before it.
//! - `LN_ULP` = 0.517: §16.2.4, 0.5 plus the absolute error before the
//!   final rounding, ≤ 1.05·2^-67, over ulp(ln x) ≥ 2^-61 (and a smaller
//!   relative error on the interval that holds 1).
//!
//! Errors are measured in ulps of the exact value: |y − f(x)| / ulp(f(x)),
//! ulp(v) = 2^(max(⌊log2|v|⌋, −1022) − 52).

use rug::ops::Pow;
use rug::Float;
use scaling_laws::numerics::vmath;

const EXP_ULP: f64 = 0.515;
const LN_ULP: f64 = 0.517;
const P: u32 = 256;

fn big(x: f64) -> Float {
    Float::with_val(P, x)
}

/// |y − exact| in ulps of `exact` (finite, non-zero).
fn ulp_error(y: f64, exact: &Float) -> f64 {
    let e = exact.get_exp().expect("finite non-zero") - 1; // 2^e ≤ |exact| < 2^(e+1)
    let q = e.max(-1022) - 52;
    let diff = Float::with_val(P, big(y) - exact).abs();
    (diff >> q).to_f64()
}

/// The error of `y` as `exp(x)` in ulps (0 when both are +∞ correctly).
fn exp_error(x: f64, y: f64) -> f64 {
    let exact = big(x).exp();
    // RN overflows to +∞ from 2^1024·(1 − 2^-54) (half an ulp above MAX) on.
    let inf_from = Float::with_val(P, Float::with_val(P, 2).pow(1024)) * (1.0 - 2f64.powi(-54));
    if exact >= inf_from {
        return if y == f64::INFINITY {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if !y.is_finite() {
        return f64::INFINITY;
    }
    ulp_error(y, &exact)
}

/// The error of `y` as `ln(x)` in ulps (x positive finite).
fn ln_error(x: f64, y: f64) -> f64 {
    if x == 1.0 {
        return if y.to_bits() == 0 { 0.0 } else { f64::INFINITY };
    }
    ulp_error(y, &big(x).ln())
}

/// SplitMix64: a fixed, seeded stream for the sweeps.
struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }
    /// Uniform on [lo, hi).
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 * 2f64.powi(-53))
    }
}

/// The exp sweep: the whole domain [−745.2, 709.8], dense in [−20, 20],
/// magnitudes 2^-60 … 1 near 0, and the ends of the common path (±708).
fn exp_inputs(n: usize) -> Vec<f64> {
    let mut g = Mix(0x5eed_e4b0);
    (0..n)
        .map(|j| match j % 5 {
            0 => g.uniform(-745.2, 709.8),
            1 | 2 => g.uniform(-20.0, 20.0),
            3 => {
                let m = g.uniform(-60.0, 0.0).exp2();
                if g.next() & 1 == 0 {
                    m
                } else {
                    -m
                }
            }
            _ => match g.next() % 4 {
                0 => g.uniform(707.0, 709.8),
                1 => g.uniform(-709.0, -707.0),
                _ => g.uniform(-745.2, -708.0),
            },
        })
        .collect()
}

/// The ln sweep: random bit patterns over all positive normals and
/// subnormals, dense in [1e-3, 1e3] (log-uniform), and 1 ± 2^-60 … 2^-3.
fn ln_inputs(n: usize) -> Vec<f64> {
    let mut g = Mix(0x5eed_1065);
    (0..n)
        .map(|j| match j % 4 {
            0 => f64::from_bits(1 + g.next() % 0x7fef_ffff_ffff_ffff),
            1 => 10f64.powf(g.uniform(-3.0, 3.0)),
            2 => {
                let d = g.uniform(-60.0, -3.0).exp2();
                if g.next() & 1 == 0 {
                    1.0 + d
                } else {
                    1.0 - d
                }
            }
            _ => f64::from_bits(1 + g.next() % 0x000f_ffff_ffff_ffff), // subnormal
        })
        .collect()
}

#[test]
fn exp_is_within_its_derived_bound_on_a_sweep_of_the_domain() {
    let x = exp_inputs(100_000);
    let mut y = vec![0.0; x.len()];
    vmath::exp_into(&x, &mut y);
    let (mut worst, mut at) = (0.0, 0.0);
    for (&xi, &yi) in x.iter().zip(&y) {
        let e = exp_error(xi, yi);
        if e > worst {
            (worst, at) = (e, xi);
        }
    }
    println!(
        "exp: worst {worst:.4} ulp at x = {at:e} ({} inputs)",
        x.len()
    );
    assert!(worst <= EXP_ULP, "exp: {worst} ulp at x = {at:e}");
}

#[test]
fn ln_is_within_its_derived_bound_on_a_sweep_of_the_domain() {
    let x = ln_inputs(100_000);
    let mut y = vec![0.0; x.len()];
    vmath::ln_into(&x, &mut y);
    let (mut worst, mut at) = (0.0, 0.0);
    for (&xi, &yi) in x.iter().zip(&y) {
        let e = ln_error(xi, yi);
        if e > worst {
            (worst, at) = (e, xi);
        }
    }
    println!(
        "ln: worst {worst:.4} ulp at x = {at:e} ({} inputs)",
        x.len()
    );
    assert!(worst <= LN_ULP, "ln: {worst} ulp at x = {at:e}");
}
