//! `exp` on slices (proofs/16 §16.1).

use super::tables::{EXP_INV_LN2_N, EXP_LN2_N_HI, EXP_LN2_N_LO, EXP_TAIL_BITS, EXP_T_BITS};
use super::SHIFT;

/// The common path covers `|x| ≤ EXP_MAIN_MAX`: there `2^m·T_i` is a normal
/// double and the result is normal and finite (proofs/16 §16.1.5).
const EXP_MAIN_MAX: f64 = 708.0;
/// Above this `exp` overflows to +∞ (e^709.79 > 2^1024), below `-EXP_ZERO`
/// it underflows to +0 (e^-746 < 2^-1075); in between the scaled path.
const EXP_INF_FROM: f64 = 709.79;
const EXP_ZERO_BELOW: f64 = -746.0;

/// Taylor coefficients 1/2 … 1/120 (rounded to nearest; 1/2 exact).
const C2: f64 = 0.5;
const C3: f64 = 1.0 / 6.0;
const C4: f64 = 1.0 / 24.0;
const C5: f64 = 1.0 / 120.0;

/// `(ki, tmp)`: `ki`'s bits carry k = round(x·128/ln2) (two's complement in
/// the low bits), and `exp(x) ≈ 2^(k>>7)·T_i·(1 + tmp)`.
#[inline(always)]
fn reduce(x: f64) -> (u64, f64) {
    let z = x * EXP_INV_LN2_N;
    let kd_shifted = z + SHIFT;
    let ki = kd_shifted.to_bits();
    let kd = kd_shifted - SHIFT;
    // Cody–Waite: kd·HI is exact (35-bit HI, |k| < 2^18) and x − kd·HI is
    // exact (Sterbenz), so only the second step rounds.
    let r = kd.mul_add(-EXP_LN2_N_HI, x);
    let r = kd.mul_add(-EXP_LN2_N_LO, r);
    let tail = f64::from_bits(EXP_TAIL_BITS[(ki % 128) as usize]);
    let r2 = r * r;
    let p = r.mul_add(C5, C4);
    let q = r.mul_add(C3, C2);
    let p = r2.mul_add(p, q);
    let tmp = r2.mul_add(p, r + tail);
    (ki, tmp)
}

/// The common path, valid for |x| ≤ [`EXP_MAIN_MAX`].
#[inline(always)]
fn exp_main(x: f64) -> f64 {
    let (ki, tmp) = reduce(x);
    let sbits = EXP_T_BITS[(ki % 128) as usize].wrapping_add(ki << 45);
    let scale = f64::from_bits(sbits);
    scale.mul_add(tmp, scale)
}

/// Everything off the common path: NaN, ±∞, overflow, and results near or
/// below the smallest normal (rounded once onto the subnormal grid).
fn exp_special(x: f64) -> f64 {
    if x.is_nan() {
        return x + x;
    }
    if x > EXP_INF_FROM {
        return f64::INFINITY;
    }
    if x < EXP_ZERO_BELOW {
        return 0.0;
    }
    let (ki, tmp) = reduce(x);
    let sbits = EXP_T_BITS[(ki % 128) as usize].wrapping_add(ki << 45);
    if x > 0.0 {
        // 2^m·T_i may exceed the largest exponent: scale by 2^-1009 first.
        // The product by 2^1009 is exact unless it overflows, and then +∞ is
        // the correctly rounded value (IEEE rounds with unbounded exponent).
        let scale = f64::from_bits(sbits.wrapping_sub(1009u64 << 52));
        return scale.mul_add(tmp, scale) * f64::from_bits(0x7f00000000000000); // 2^1009
    }
    // Scale by 2^1022, round once at the subnormal grid (which is 2^-52 at
    // this scale, the grid of [1, 2)), then scale back exactly.
    let scale = f64::from_bits(sbits.wrapping_add(1022u64 << 52));
    let y = scale.mul_add(tmp, scale);
    if y >= 1.0 {
        return y * f64::from_bits(0x0010000000000000); // 2^-1022, exact
    }
    // y + lo = scale·(1 + tmp) (scale − y is exact by Sterbenz; the fma
    // rounds only the tiny residual).
    let lo = scale.mul_add(tmp, scale - y);
    let hi = 1.0 + y;
    let lo = (1.0 - hi) + y + lo; // Fast2Sum: (1 − hi) + y is the exact error of hi
    let y = (hi + lo) - 1.0; // rounded on the grid of [1, 2): multiples of 2^-52
    (y + 0.0) * f64::from_bits(0x0010000000000000)
}

/// `x` on the common path: |x| ≤ [`EXP_MAIN_MAX`] (false for NaN).
#[inline(always)]
fn is_main(x: f64) -> bool {
    x.abs() <= EXP_MAIN_MAX
}

#[inline(always)]
fn exp_block(x: &[f64], out: &mut [f64]) -> bool {
    let mut special = false;
    for (o, &v) in out.iter_mut().zip(x) {
        *o = exp_main(v);
        special |= !is_main(v);
    }
    special
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn exp_block_avx2(x: &[f64], out: &mut [f64]) -> bool {
    exp_block(x, out)
}

/// The same code with 512-bit vectors (8 lanes, and AVX-512's gathers and
/// 64-bit shifts); it pays for ln (see benches/vmath.rs).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx2,fma")]
fn exp_block_avx512(x: &[f64], out: &mut [f64]) -> bool {
    exp_block(x, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn exp_avx2(x: f64) -> f64 {
    exp_scalar(x)
}

#[inline(always)]
fn exp_scalar(x: f64) -> f64 {
    if is_main(x) {
        exp_main(x)
    } else {
        exp_special(x)
    }
}

fn fix_up(x: &[f64], out: &mut [f64]) {
    for (o, &v) in out.iter_mut().zip(x) {
        if !is_main(v) {
            *o = exp_special(v);
        }
    }
}

const KERNEL: super::Kernel = super::Kernel {
    #[cfg(target_arch = "x86_64")]
    avx512: exp_block_avx512,
    #[cfg(target_arch = "x86_64")]
    avx2: exp_block_avx2,
    portable: exp_block,
    fix_up,
};

/// `out[i] = eˣ⁽ⁱ⁾` for `i < min(x.len(), out.len())`, within 0.514 ulp
/// (proofs/16 §16.1).
///
/// IEEE special values: `exp(NaN) = NaN`, `exp(+∞) = +∞`, `exp(−∞) = +0`;
/// `+∞` above 709.782712893384 (overflow); below −708.4 correctly rounded
/// subnormals, and `+0` below −745.14. Lengths should be equal (checked in debug
/// builds); only the common prefix is written.
///
/// ```
/// use scaling_laws::numerics::vmath::exp_into;
/// let x = [0.0, 1.0, -745.2, 710.0];
/// let mut y = [0.0; 4];
/// exp_into(&x, &mut y);
/// assert_eq!(y[0], 1.0);
/// assert_eq!(y[1], std::f64::consts::E);
/// assert_eq!(y[2], 0.0);
/// assert_eq!(y[3], f64::INFINITY);
/// ```
pub fn exp_into(x: &[f64], out: &mut [f64]) {
    debug_assert_eq!(x.len(), out.len(), "exp_into: slices of unequal length");
    super::run(&KERNEL, super::Build::Best, x, out);
}

/// [`exp_into`] through the AVX2+FMA code even where AVX-512 is present
/// (the portable code where AVX2 or FMA is missing); the same bits. Public so
/// that the tests can check that on an AVX-512 machine.
#[doc(hidden)]
pub fn exp_into_avx2(x: &[f64], out: &mut [f64]) {
    super::run(&KERNEL, super::Build::Avx2, x, out);
}

/// [`exp_into`] without run-time dispatch: the same code compiled for the
/// baseline target. It returns the same bits as [`exp_into`]; it is public
/// so that the tests can check that.
#[doc(hidden)]
pub fn exp_into_portable(x: &[f64], out: &mut [f64]) {
    super::run(&KERNEL, super::Build::Portable, x, out);
}

/// `x[i] ← eˣ⁽ⁱ⁾` in place; the same bits as [`exp_into`].
pub fn exp_in_place(x: &mut [f64]) {
    super::in_place(x, exp_into);
}

/// `eˣ` for one value: the same bits as [`exp_into`] gives for `x`.
///
/// ```
/// assert_eq!(scaling_laws::numerics::vmath::exp(0.0), 1.0);
/// ```
pub fn exp(x: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if super::has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        #[allow(unsafe_code)]
        return unsafe { exp_avx2(x) };
    }
    exp_scalar(x)
}
