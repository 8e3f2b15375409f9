//! Vector `exp` and `ln` for `f64` slices: within 0.514 (exp) and 0.513 (ln)
//! ulp of the exact value everywhere (proofs/16_vector_exp_ln.md),
//! branch-free on the common path so that LLVM vectorises it, and
//! bit-identical on every machine.
//!
//! # Why our own
//!
//! No kept crate (argmin, nalgebra, rayon, …) provides vector transcendental
//! functions; std has only the scalar libm calls `f64::exp` / `f64::ln`, one
//! call per element; glibc's libmvec (the `_ZGVdN4v_exp` family) allows up to
//! 4 ulp and exists only on glibc/x86. The fitters evaluate `exp` and `ln` on
//! contiguous slices of 75 points hundreds of times per fit (issue 11 §4).
//!
//! # Method (proofs/16 §16.1 and §16.2)
//!
//! - `exp(x) = 2^m · 2^(i/128) · e^r` with `k = 128m + i = round(x·128/ln 2)`,
//!   `r = x − k·ln2/128` by a Cody–Waite split (exact first step), a 128-entry
//!   table `2^(i/128) = T_i(1 + tail_i)`, and a degree-5 Taylor polynomial on
//!   `|r| ≤ ln2/256`; the result is one fused `s + s·tmp`.
//! - `ln(x) = k·ln 2 + ln c + log1p(r)` with `x = 2^k z`, `z` in one of 128
//!   intervals of `[0.684, 1.367)`, `r = z·(1/c) − 1` exact (one fused
//!   multiply-add, `1/c` a short table value), `ln c` and `ln 2` as
//!   double-double, and `log1p(r) − r` by a degree-9 Taylor polynomial.
//!
//! Inputs off the common path (exp: `|x| > 708` or NaN; ln: zero, negative,
//! subnormal, infinite or NaN) are recomputed by a scalar fix-up pass after
//! the vector loop, so the loop has no branches.
//!
//! # Determinism
//!
//! Every operation is an IEEE-754 basic operation or `f64::mul_add` (a fused
//! multiply-add by definition: one rounding, on every target). The AVX-512
//! and AVX2+FMA versions chosen at run time (`is_x86_feature_detected!`) are
//! the same Rust code compiled with those target features, so they return
//! the same bits as the portable version ([`exp_into_portable`],
//! [`ln_into_portable`]; [`exp_into_avx2`], [`ln_into_avx2`] force the AVX2
//! one), and
//! the scalar [`exp`] / [`ln`] return the same bits as the slice functions.
//! Without a hardware FMA the portable version is correct but slow (`mul_add`
//! becomes a libm call).

mod exp;
mod ln;
pub mod tables;

pub use exp::{exp, exp_in_place, exp_into, exp_into_avx2, exp_into_portable};
pub use ln::{ln, ln_in_place, ln_into, ln_into_avx2, ln_into_portable};

/// Elements processed per block by the in-place variants (copied to a stack
/// buffer, so that the fix-up pass still sees the input).
const BLOCK: usize = 64;

/// `true` when the AVX2+FMA kernels can run on this CPU.
#[cfg(target_arch = "x86_64")]
fn has_avx2_fma() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

/// `true` when the AVX-512 kernels can run on this CPU (F, VL, DQ, and
/// AVX2 + FMA).
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512vl")
        && std::is_x86_feature_detected!("avx512dq")
        && has_avx2_fma()
}

/// One function's vector loop in its three builds (each returns whether an
/// input needs the special-value pass) and that pass.
struct Kernel {
    #[cfg(target_arch = "x86_64")]
    avx512: unsafe fn(&[f64], &mut [f64]) -> bool,
    #[cfg(target_arch = "x86_64")]
    avx2: unsafe fn(&[f64], &mut [f64]) -> bool,
    portable: fn(&[f64], &mut [f64]) -> bool,
    fix_up: fn(&[f64], &mut [f64]),
}

/// Which build of a [`Kernel`] may run: the best this CPU has, at most the
/// AVX2+FMA one, or the portable one (all give the same bits).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Build {
    Best,
    Avx2,
    Portable,
}

/// `kernel` over the common prefix of `x` and `out`, then its special-value
/// pass if the loop flagged an input.
fn run(kernel: &Kernel, build: Build, x: &[f64], out: &mut [f64]) {
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    let special = 'ran: {
        #[cfg(target_arch = "x86_64")]
        {
            if build == Build::Best && has_avx512() {
                // SAFETY: the CPU has AVX-512 F/VL/DQ, AVX2 and FMA (checked
                // just above).
                #[allow(unsafe_code)]
                break 'ran unsafe { (kernel.avx512)(x, out) };
            }
            if build != Build::Portable && has_avx2_fma() {
                // SAFETY: the CPU has AVX2 and FMA (checked just above).
                #[allow(unsafe_code)]
                break 'ran unsafe { (kernel.avx2)(x, out) };
            }
        }
        (kernel.portable)(x, out)
    };
    if special {
        (kernel.fix_up)(x, out);
    }
}

/// `x[i] ← f(x[i])` through the slice function `into`, a block at a time
/// (copied to a stack buffer, so that the fix-up pass still sees the input).
fn in_place(x: &mut [f64], into: fn(&[f64], &mut [f64])) {
    let mut buf = [0.0; BLOCK];
    for chunk in x.chunks_mut(BLOCK) {
        let b = &mut buf[..chunk.len()];
        b.copy_from_slice(chunk);
        into(b, chunk);
    }
}

/// 1.5·2^52: adding it rounds a double of magnitude < 2^51 to an integer,
/// which then sits in the low bits of the sum's representation.
const SHIFT: f64 = 6755399441055744.0;
