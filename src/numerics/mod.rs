//! The scalar abstraction and small numeric helpers.
//!
//! Numeric code in this crate is written once over `T: nalgebra::RealField`
//! (values are cloned, never copied) and runs in `f64` in production and in
//! [`Mpf`](mpf::Mpf) (a `rug::Float` with its precision in the type) in the
//! cross-checks.
//!
//! Constants enter generic code through [`ratio`] and [`int`], which are exact
//! in every precision, or through [`lit`] for a value that *is* an `f64`
//! (a user input), which every precision represents exactly.

use nalgebra::RealField;

pub mod finite_diff;
pub mod lbfgsb;
pub mod mpf;
pub mod nnls;
pub mod student_t;
pub mod vmath;

/// `p / q` in `T`, rounded once at `T`'s precision (exact when representable).
pub fn ratio<T: RealField>(p: i64, q: i64) -> T {
    int::<T>(p) / int::<T>(q)
}

/// The integer `k` in `T` (exact for |k| < 2^53 in `f64`, and in any wider type).
pub fn int<T: RealField>(k: i64) -> T {
    T::from_subset(&(k as f64))
}

/// An `f64` value carried into `T` exactly (every `RealField` of at least
/// double precision represents every finite `f64`).
pub fn lit<T: RealField>(x: f64) -> T {
    T::from_subset(&x)
}

/// `T` rounded to the nearest `f64` (for messages, reports and plots).
pub fn to_f64<T: RealField>(x: &T) -> f64 {
    x.to_subset().unwrap_or(f64::NAN)
}

/// `10^x` in `T`, computed as `exp(x · ln 10)` with `ln 10` at `T`'s precision.
pub fn pow10<T: RealField>(x: T) -> T {
    (x * T::ln_10()).exp()
}

/// Machine epsilon of `T` (2^-52 for `f64`, 2^(1-P) for a P-bit float).
pub fn epsilon<T: RealField>() -> T {
    T::default_epsilon()
}

/// `x > 0` and finite (false for NaN).
pub fn is_positive_finite<T: RealField>(x: &T) -> bool {
    x.is_finite() && x.clone() > T::zero()
}

/// `count` values evenly spaced on `[lo, hi]`, both ends included.
pub fn linspace(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    match count {
        0 => Vec::new(),
        1 => vec![lo],
        _ => (0..count)
            .map(|i| lo + (hi - lo) * i as f64 / (count - 1) as f64)
            .collect(),
    }
}
