//! `Mpf<P>`: a `rug::Float` whose precision P (bits) is part of the type,
//! implementing `nalgebra::RealField`, so that numeric code written once over
//! `T: RealField` runs at any precision (QR, SVD, symmetric eigen included).
//!
//! Every operation rounds its result once, to nearest, at P bits (MPFR's
//! correct rounding). Constants (π, e, ln 2, ln 10) are computed at P bits,
//! never converted from `f64`. `f64` values convert exactly (P ≥ 53).

#![allow(unsafe_code)] // only the two `unsafe fn` signatures SimdValue demands; their bodies are safe.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{
    Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign,
};

use approx::{AbsDiffEq, RelativeEq, UlpsEq};
use nalgebra::{ComplexField, Field, RealField, SimdValue};
use num_traits::{FromPrimitive, Num, One, Signed, Zero};
use rug::float::Constant;
use rug::ops::Pow;
use rug::Float;
use simba::scalar::SubsetOf;

/// A P-bit binary floating-point number (P ≥ 53).
#[derive(Clone, PartialEq, PartialOrd)]
pub struct Mpf<const P: u32>(pub Float);

/// 256 bits (~77 decimal digits): the precision of the cross-checks.
pub type Mpf256 = Mpf<256>;

/// 512 bits (~154 decimal digits).
pub type Mpf512 = Mpf<512>;

impl<const P: u32> Mpf<P> {
    /// Wrap anything rug can assign to a `Float`, rounded once at P bits.
    pub fn new<V>(v: V) -> Self
    where
        Float: rug::Assign<V>,
    {
        Self(Float::with_val(P, v))
    }

    /// The `f64` value `x`, exactly.
    pub fn from_f64(x: f64) -> Self {
        Self::new(x)
    }

    /// `num/den`, correctly rounded at P bits.
    pub fn from_ratio(num: i64, den: i64) -> Self {
        Self(Float::with_val(P, num) / Float::with_val(P, den))
    }

    /// Rounded to the nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        self.0.to_f64()
    }

    /// The precision in bits.
    pub const fn precision() -> u32 {
        P
    }

    fn map(&self, f: impl FnOnce(Float) -> Float) -> Self {
        Self(f(self.0.clone()))
    }
}

impl<const P: u32> fmt::Debug for Mpf<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl<const P: u32> fmt::Display for Mpf<P> {
    /// All the digits needed to read the value back at P bits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

macro_rules! binop {
    ($Tr:ident, $f:ident, $TrA:ident, $fa:ident, $op:tt) => {
        impl<const P: u32> $Tr for Mpf<P> {
            type Output = Self;
            fn $f(self, rhs: Self) -> Self {
                Self(Float::with_val(P, &self.0 $op &rhs.0))
            }
        }
        impl<const P: u32> $TrA for Mpf<P> {
            fn $fa(&mut self, rhs: Self) {
                self.0 = Float::with_val(P, &self.0 $op &rhs.0);
            }
        }
    };
}
binop!(Add, add, AddAssign, add_assign, +);
binop!(Sub, sub, SubAssign, sub_assign, -);
binop!(Mul, mul, MulAssign, mul_assign, *);
binop!(Div, div, DivAssign, div_assign, /);
binop!(Rem, rem, RemAssign, rem_assign, %);

impl<const P: u32> Neg for Mpf<P> {
    type Output = Self;
    fn neg(self) -> Self {
        Self(-self.0)
    }
}

impl<const P: u32> Zero for Mpf<P> {
    fn zero() -> Self {
        Self::new(0)
    }
    fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}

impl<const P: u32> One for Mpf<P> {
    fn one() -> Self {
        Self::new(1)
    }
}

/// A string that is not a number in the given radix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a number: {0}")]
pub struct MpfParseError(String);

impl<const P: u32> Num for Mpf<P> {
    type FromStrRadixErr = MpfParseError;
    fn from_str_radix(s: &str, radix: u32) -> Result<Self, MpfParseError> {
        let radix = i32::try_from(radix).map_err(|_| MpfParseError(s.to_string()))?;
        Float::parse_radix(s, radix)
            .map(Self::new)
            .map_err(|_| MpfParseError(s.to_string()))
    }
}

impl<const P: u32> Signed for Mpf<P> {
    fn abs(&self) -> Self {
        self.map(Float::abs)
    }
    fn abs_sub(&self, other: &Self) -> Self {
        if self.0 <= other.0 {
            Self::zero()
        } else {
            self.clone() - other.clone()
        }
    }
    fn signum(&self) -> Self {
        if self.0.is_nan() {
            self.clone()
        } else {
            self.map(Float::signum)
        }
    }
    fn is_positive(&self) -> bool {
        self.0.is_sign_positive() && !self.0.is_nan()
    }
    fn is_negative(&self) -> bool {
        self.0.is_sign_negative() && !self.0.is_nan()
    }
}

impl<const P: u32> FromPrimitive for Mpf<P> {
    fn from_i64(n: i64) -> Option<Self> {
        Some(Self::new(n))
    }
    fn from_u64(n: u64) -> Option<Self> {
        Some(Self::new(n))
    }
    fn from_f64(n: f64) -> Option<Self> {
        Some(Self::new(n))
    }
}

impl<const P: u32> AbsDiffEq for Mpf<P> {
    type Epsilon = Self;
    /// 2^(1−P), the unit roundoff doubled (machine epsilon at P bits).
    fn default_epsilon() -> Self {
        Self(Float::with_val(P, Float::i_exp(1, 1 - P as i32)))
    }
    fn abs_diff_eq(&self, other: &Self, epsilon: Self) -> bool {
        Float::with_val(P, &self.0 - &other.0).abs() <= epsilon.0
    }
}

impl<const P: u32> RelativeEq for Mpf<P> {
    fn default_max_relative() -> Self {
        Self::default_epsilon()
    }
    fn relative_eq(&self, other: &Self, epsilon: Self, max_relative: Self) -> bool {
        if self.0 == other.0 {
            return true;
        }
        let diff = Float::with_val(P, &self.0 - &other.0).abs();
        if diff <= epsilon.0 {
            return true;
        }
        let largest =
            Float::with_val(P, self.0.abs_ref()).max(&Float::with_val(P, other.0.abs_ref()));
        diff <= largest * max_relative.0
    }
}

impl<const P: u32> UlpsEq for Mpf<P> {
    fn default_max_ulps() -> u32 {
        4
    }
    /// Within `max_ulps` units in the last place of the larger magnitude.
    fn ulps_eq(&self, other: &Self, epsilon: Self, max_ulps: u32) -> bool {
        if self.abs_diff_eq(other, epsilon) {
            return true;
        }
        let largest =
            Float::with_val(P, self.0.abs_ref()).max(&Float::with_val(P, other.0.abs_ref()));
        let ulp = largest * Self::default_epsilon().0 / 2u32;
        Float::with_val(P, &self.0 - &other.0).abs() <= ulp * max_ulps
    }
}

impl<const P: u32> SubsetOf<Mpf<P>> for Mpf<P> {
    fn to_superset(&self) -> Mpf<P> {
        self.clone()
    }
    fn from_superset_unchecked(element: &Mpf<P>) -> Self {
        element.clone()
    }
    fn is_in_subset(_: &Mpf<P>) -> bool {
        true
    }
}

impl<const P: u32> SubsetOf<Mpf<P>> for f64 {
    fn to_superset(&self) -> Mpf<P> {
        Mpf::new(*self)
    }
    fn from_superset_unchecked(element: &Mpf<P>) -> Self {
        element.0.to_f64()
    }
    fn is_in_subset(_: &Mpf<P>) -> bool {
        true
    }
}

impl<const P: u32> SubsetOf<Mpf<P>> for f32 {
    fn to_superset(&self) -> Mpf<P> {
        Mpf::new(*self)
    }
    fn from_superset_unchecked(element: &Mpf<P>) -> Self {
        element.0.to_f32()
    }
    fn is_in_subset(_: &Mpf<P>) -> bool {
        true
    }
}

impl<const P: u32> SimdValue for Mpf<P> {
    const LANES: usize = 1;
    type Element = Self;
    type SimdBool = bool;
    fn splat(val: Self) -> Self {
        val
    }
    fn extract(&self, _: usize) -> Self {
        self.clone()
    }
    unsafe fn extract_unchecked(&self, _: usize) -> Self {
        self.clone()
    }
    fn replace(&mut self, _: usize, val: Self) {
        *self = val;
    }
    unsafe fn replace_unchecked(&mut self, _: usize, val: Self) {
        *self = val;
    }
    fn select(self, cond: bool, other: Self) -> Self {
        if cond {
            self
        } else {
            other
        }
    }
}

impl<const P: u32> Field for Mpf<P> {}

macro_rules! unary {
    ($($name:ident => $e:expr;)*) => {$(
        fn $name(self) -> Self {
            let f: fn(Float) -> Float = $e;
            Self(f(self.0))
        }
    )*};
}

impl<const P: u32> ComplexField for Mpf<P> {
    type RealField = Self;

    fn from_real(re: Self) -> Self {
        re
    }
    fn real(self) -> Self {
        self
    }
    fn imaginary(self) -> Self {
        Self::zero()
    }
    fn modulus(self) -> Self {
        self.map(Float::abs)
    }
    fn modulus_squared(self) -> Self {
        Self(Float::with_val(P, self.0.square_ref()))
    }
    fn argument(self) -> Self {
        if self.0.is_sign_negative() {
            <Self as RealField>::pi()
        } else {
            Self::zero()
        }
    }
    fn norm1(self) -> Self {
        self.map(Float::abs)
    }
    fn scale(self, factor: Self) -> Self {
        self * factor
    }
    fn unscale(self, factor: Self) -> Self {
        self / factor
    }
    fn mul_add(self, a: Self, b: Self) -> Self {
        Self(self.0.mul_add(&a.0, &b.0))
    }
    fn abs(self) -> Self {
        self.map(Float::abs)
    }
    fn hypot(self, other: Self) -> Self {
        Self(self.0.hypot(&other.0))
    }
    fn conjugate(self) -> Self {
        self
    }
    fn sin_cos(self) -> (Self, Self) {
        let (s, c) = self.0.sin_cos(Float::new(P));
        (Self(s), Self(c))
    }
    fn log(self, base: Self) -> Self {
        Self(self.0.ln() / base.0.ln())
    }
    fn powi(self, n: i32) -> Self {
        Self(self.0.pow(n))
    }
    fn powf(self, n: Self) -> Self {
        Self(self.0.pow(&n.0))
    }
    fn powc(self, n: Self) -> Self {
        Self(self.0.pow(&n.0))
    }
    fn is_finite(&self) -> bool {
        self.0.is_finite()
    }
    fn try_sqrt(self) -> Option<Self> {
        if self.0.is_sign_negative() && !self.0.is_zero() {
            None
        } else {
            Some(self.map(Float::sqrt))
        }
    }
    unary! {
        floor => Float::floor;
        ceil => Float::ceil;
        round => Float::round;
        trunc => Float::trunc;
        fract => Float::fract;
        recip => Float::recip;
        sin => Float::sin;
        cos => Float::cos;
        tan => Float::tan;
        asin => Float::asin;
        acos => Float::acos;
        atan => Float::atan;
        sinh => Float::sinh;
        cosh => Float::cosh;
        tanh => Float::tanh;
        asinh => Float::asinh;
        acosh => Float::acosh;
        atanh => Float::atanh;
        log2 => Float::log2;
        log10 => Float::log10;
        ln => Float::ln;
        ln_1p => Float::ln_1p;
        sqrt => Float::sqrt;
        exp => Float::exp;
        exp2 => Float::exp2;
        exp_m1 => Float::exp_m1;
        cbrt => Float::cbrt;
        signum => Float::signum;
    }
}

impl<const P: u32> RealField for Mpf<P> {
    fn is_sign_positive(&self) -> bool {
        self.0.is_sign_positive()
    }
    fn is_sign_negative(&self) -> bool {
        self.0.is_sign_negative()
    }
    fn copysign(self, sign: Self) -> Self {
        Self(self.0.copysign(&sign.0))
    }
    fn max(self, other: Self) -> Self {
        match self.0.partial_cmp(&other.0) {
            Some(Ordering::Less) => other,
            _ => self,
        }
    }
    fn min(self, other: Self) -> Self {
        match self.0.partial_cmp(&other.0) {
            Some(Ordering::Greater) => other,
            _ => self,
        }
    }
    fn clamp(self, min: Self, max: Self) -> Self {
        RealField::min(RealField::max(self, min), max)
    }
    fn atan2(self, other: Self) -> Self {
        Self(self.0.atan2(&other.0))
    }
    fn min_value() -> Option<Self> {
        None
    }
    fn max_value() -> Option<Self> {
        None
    }
    fn pi() -> Self {
        Self::new(Constant::Pi)
    }
    fn two_pi() -> Self {
        Self::pi() * Self::new(2)
    }
    fn frac_pi_2() -> Self {
        Self::pi() / Self::new(2)
    }
    fn frac_pi_3() -> Self {
        Self::pi() / Self::new(3)
    }
    fn frac_pi_4() -> Self {
        Self::pi() / Self::new(4)
    }
    fn frac_pi_6() -> Self {
        Self::pi() / Self::new(6)
    }
    fn frac_pi_8() -> Self {
        Self::pi() / Self::new(8)
    }
    fn frac_1_pi() -> Self {
        Self::one() / Self::pi()
    }
    fn frac_2_pi() -> Self {
        Self::new(2) / Self::pi()
    }
    fn frac_2_sqrt_pi() -> Self {
        Self::new(2) / Self::pi().sqrt()
    }
    fn e() -> Self {
        Self::one().exp()
    }
    fn log2_e() -> Self {
        Self::one() / Self::ln_2()
    }
    fn log10_e() -> Self {
        Self::one() / Self::ln_10()
    }
    fn ln_2() -> Self {
        Self::new(Constant::Log2)
    }
    fn ln_10() -> Self {
        Self::new(10).ln()
    }
}
