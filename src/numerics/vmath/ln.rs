//! `ln` on slices (proofs/16 §16.2).

use super::tables::{LN_INVC_BITS, LN_LN2_HI, LN_LN2_LO, LN_LOGC_HI_BITS, LN_LOGC_LO_BITS};
use super::SHIFT;

/// `x = 2^k·z` with `z ∈ [OFF, 2·OFF)` in value, OFF ≈ 0.6836; interval i of
/// the table is `[OFF + i·2^45, OFF + (i+1)·2^45)` in bit space, and 1 lies
/// in the middle of interval 80 (proofs/16 §16.2.1).
const OFF: u64 = 0x3fe5_f000_0000_0000;
/// `(ix + BIAS) >> 52 = k + 2048` for every positive `ix` (no wrap-around).
const BIAS: u64 = (1u64 << 63) - OFF;

/// Taylor coefficients of `(log1p(r) − r)/r² = −1/2 + r/3 − r²/4 + … + r⁷/9`
/// (rounded to nearest; ±1/2, ±1/4, ±1/8 exact).
const A: [f64; 8] = [
    -0.5,
    1.0 / 3.0,
    -0.25,
    0.2,
    -1.0 / 6.0,
    1.0 / 7.0,
    -0.125,
    1.0 / 9.0,
];

/// `ln` of the positive normal double with bits `ix`, times 2^-`extra`
/// (`extra` = 0 on the common path, 52 for a subnormal scaled by 2^52).
#[inline(always)]
fn ln_reduced(ix: u64, extra: f64) -> f64 {
    let tmp = ix.wrapping_sub(OFF);
    let i = ((tmp >> 45) % 128) as usize;
    // k + 2048 in the low bits of SHIFT's representation, then k as a double.
    let kb = ix.wrapping_add(BIAS) >> 52;
    let kd = f64::from_bits(SHIFT.to_bits() + kb) - (SHIFT + 2048.0 + extra);
    let z = f64::from_bits(ix.wrapping_sub(tmp & (0xfffu64 << 52)));
    let invc = f64::from_bits(LN_INVC_BITS[i]);
    let logc_hi = f64::from_bits(LN_LOGC_HI_BITS[i]);
    let logc_lo = f64::from_bits(LN_LOGC_LO_BITS[i]);
    // Exact: invc is a multiple of 2^-7 (2^-8 for z ≥ 1) and |r| < 2^-7.
    let r = z.mul_add(invc, -1.0);
    // Exact: k·LN2_HI and logc_hi are multiples of 2^-43 below 2^10.
    let w = kd.mul_add(LN_LN2_HI, logc_hi);
    let hi = w + r;
    let lo = (w - hi) + r; // Fast2Sum (|w| ≥ |r| or w = 0)
    let t = lo + kd.mul_add(LN_LN2_LO, logc_lo);
    // P(r) = A0 + r·Q(r), Q by Estrin's scheme (a shorter dependency chain
    // than Horner's; the error analysis is in proofs/16 §16.2.3).
    let r2 = r * r;
    let r4 = r2 * r2;
    let q01 = r.mul_add(A[2], A[1]);
    let q23 = r.mul_add(A[4], A[3]);
    let q45 = r.mul_add(A[6], A[5]);
    let q = r4.mul_add(r2.mul_add(A[7], q45), r2.mul_add(q23, q01));
    let p = r.mul_add(q, A[0]);
    hi + r2.mul_add(p, t)
}

/// `x` on the common path: a positive normal finite double.
#[inline(always)]
fn is_main(x: f64) -> bool {
    (f64::MIN_POSITIVE..f64::INFINITY).contains(&x)
}

/// Everything off the common path: zero, negative, subnormal, +∞, NaN.
fn ln_special(x: f64) -> f64 {
    if x.is_nan() {
        x + x
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x < 0.0 {
        f64::NAN
    } else if x == f64::INFINITY {
        x
    } else {
        // Subnormal: x·2^52 is normal and exact.
        ln_reduced((x * 4503599627370496.0).to_bits(), 52.0)
    }
}

#[inline(always)]
fn ln_main(x: f64) -> f64 {
    ln_reduced(x.to_bits(), 0.0)
}

#[inline(always)]
fn ln_scalar(x: f64) -> f64 {
    if is_main(x) {
        ln_main(x)
    } else {
        ln_special(x)
    }
}

#[inline(always)]
fn ln_block(x: &[f64], out: &mut [f64]) -> bool {
    let mut special = false;
    for (o, &v) in out.iter_mut().zip(x) {
        *o = ln_main(v);
        special |= !is_main(v);
    }
    special
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn ln_block_avx2(x: &[f64], out: &mut [f64]) -> bool {
    ln_block(x, out)
}

/// The same code with 512-bit vectors (8 lanes, and AVX-512's gathers and
/// 64-bit shifts); it pays for ln (see benches/vmath.rs).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx2,fma")]
fn ln_block_avx512(x: &[f64], out: &mut [f64]) -> bool {
    ln_block(x, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn ln_avx2(x: f64) -> f64 {
    ln_scalar(x)
}

fn fix_up(x: &[f64], out: &mut [f64]) {
    for (o, &v) in out.iter_mut().zip(x) {
        if !is_main(v) {
            *o = ln_special(v);
        }
    }
}

const KERNEL: super::Kernel = super::Kernel {
    #[cfg(target_arch = "x86_64")]
    avx512: ln_block_avx512,
    #[cfg(target_arch = "x86_64")]
    avx2: ln_block_avx2,
    portable: ln_block,
    fix_up,
};

/// `out[i] = ln x[i]` for `i < min(x.len(), out.len())`, within 0.513 ulp
/// (proofs/16 §16.2).
///
/// IEEE special values: `ln(±0) = −∞`, `ln(x < 0) = NaN`, `ln(+∞) = +∞`,
/// `ln(NaN) = NaN`, `ln(1) = +0`; subnormal inputs are exact to the same
/// bound. Lengths should be equal (checked in debug builds); only the common
/// prefix is written.
///
/// ```
/// use scaling_laws::numerics::vmath::ln_into;
/// let x = [1.0, std::f64::consts::E, 0.0, -1.0];
/// let mut y = [0.0; 4];
/// ln_into(&x, &mut y);
/// assert_eq!(y[0].to_bits(), 0.0f64.to_bits());
/// assert_eq!(y[1], 1.0);
/// assert_eq!(y[2], f64::NEG_INFINITY);
/// assert!(y[3].is_nan());
/// ```
pub fn ln_into(x: &[f64], out: &mut [f64]) {
    debug_assert_eq!(x.len(), out.len(), "ln_into: slices of unequal length");
    super::run(&KERNEL, super::Build::Best, x, out);
}

/// [`ln_into`] through the AVX2+FMA code even where AVX-512 is present
/// (the portable code where AVX2 or FMA is missing); the same bits. Public so
/// that the tests can check that on an AVX-512 machine.
#[doc(hidden)]
pub fn ln_into_avx2(x: &[f64], out: &mut [f64]) {
    super::run(&KERNEL, super::Build::Avx2, x, out);
}

/// [`ln_into`] without run-time dispatch: the same code compiled for the
/// baseline target. It returns the same bits as [`ln_into`]; it is public so
/// that the tests can check that.
#[doc(hidden)]
pub fn ln_into_portable(x: &[f64], out: &mut [f64]) {
    super::run(&KERNEL, super::Build::Portable, x, out);
}

/// `x[i] ← ln x[i]` in place; the same bits as [`ln_into`].
pub fn ln_in_place(x: &mut [f64]) {
    super::in_place(x, ln_into);
}

/// `ln x` for one value: the same bits as [`ln_into`] gives for `x`.
///
/// ```
/// assert_eq!(scaling_laws::numerics::vmath::ln(1.0).to_bits(), 0);
/// ```
pub fn ln(x: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if super::has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        #[allow(unsafe_code)]
        return unsafe { ln_avx2(x) };
    }
    ln_scalar(x)
}
