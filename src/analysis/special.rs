//! Two smooth functions of the hyperbolic cotangent, evaluated without
//! cancellation in any precision:
//!
//! ```text
//! φ(y) = (y·coth y − 1)/y²        → 1/3 as y → 0
//! k̃(y) = 1/3 − 1/y² + csch² y     → y²/15 as y → 0
//! ```
//!
//! Both are even. Written directly they cancel catastrophically for small
//! |y| (φ loses ~3/y² ulps, k̃ ~15/y⁴). Below |y| = 1 they are summed from
//! the Maclaurin series of `y·coth y = Σ a_j y^{2j}` instead, with as many
//! terms as the precision of `T` needs (19 in f64, 81 at 256 bits); above it
//! the direct forms lose at most 15 ulps of k̃ and 3 of φ. (At the former
//! threshold 1/2 the direct k̃ lost 240 ulps, which cost the f64 vertex shift
//! up to 4.6e-13 on off-centre grids; proofs/06 §6.1.)
//!
//! Derivation: `proofs/03_sum_free_closed_form.md`, §"Evaluating without
//! cancellation"; checked by `precision::special_functions_match_direct_forms_at_high_precision`
//! in `tests/suite/precision.rs`.

use std::any::Any;
use std::borrow::Cow;
use std::sync::OnceLock;

use nalgebra::RealField;

use crate::numerics::{int, ratio};

/// The Maclaurin coefficients `a_1 … a_J` of `y·coth y = Σ_{j≥0} a_j y^{2j}`
/// (`a_j = 2^{2j} B_{2j}/(2j)!`, so `|a_j| = 2ζ(2j)·π^{−2j}`: a_1 = 1/3,
/// a_2 = −1/45), enough of them for `T`'s precision on |y| < 1.
#[derive(Debug, Clone)]
pub struct CothSeries<T> {
    coef: Vec<T>,
}

impl<T: RealField> CothSeries<T> {
    /// The coefficients for `T`: the fewest J terms with
    /// `16(J+1)·π^{−2J} ≤ ε` (ε the machine epsilon; 19 for f64, 81 at 256
    /// bits): the first omitted term is below `4·π^{−2J}` at |y| < 1 (ζ(2j) < 2),
    /// and the k̃ series, relative to k̃ ≥ 0.86·y²/15 there, costs a further
    /// factor below 4(J+1).
    ///
    /// They follow from `y·coth y · (sinh y / y) = cosh y`: equating the
    /// coefficients of y^{2m},
    /// `a_m = 1/(2m)! − Σ_{k<m} a_k/(2(m−k)+1)!`, a_0 = 1.
    pub fn new() -> Self {
        // |a_j| y^{2j} = 2ζ(2j)(y/π)^{2j} ≤ 2ζ(2)(y/π)^{2j} < 4(y/π)^{2j};
        // at the threshold y = 1 this is 4·π^{−2j}.
        let eps = T::default_epsilon();
        let step = T::one() / (T::pi() * T::pi()); // π^−2
        let mut terms = 1usize;
        let mut bound = int::<T>(4) * step.clone();
        // The k̃ series is relative to k̃ ≈ y²/15, which costs a further
        // factor ~15·(2J+1)/π² < 4(J+1): keep going until that is below ε too.
        while bound.clone() * int::<T>(4 * (terms as i64 + 1)) > eps && terms < 400 {
            terms += 1;
            bound *= step.clone();
        }
        // Factorials as T (exact in wide types, rounded once per step in f64).
        let mut fact = vec![T::one()];
        for k in 1..=(2 * terms + 2) {
            let next = fact[k - 1].clone() * int::<T>(k as i64);
            fact.push(next);
        }
        let mut a = vec![T::one()];
        for m in 1..=terms {
            let mut s = T::one() / fact[2 * m].clone();
            for (k, ak) in a.iter().enumerate() {
                s -= ak.clone() / fact[2 * (m - k) + 1].clone();
            }
            a.push(s);
        }
        a.remove(0);
        Self { coef: a }
    }

    /// The coefficients for `T`, computed once per process for `f64` (the hot
    /// path) and afresh for other types.
    pub fn cached() -> Cow<'static, Self> {
        static F64: OnceLock<CothSeries<f64>> = OnceLock::new();
        let f: &'static CothSeries<f64> = F64.get_or_init(CothSeries::new);
        match (f as &dyn Any).downcast_ref::<Self>() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(Self::new()),
        }
    }

    /// Number of series terms kept.
    pub fn terms(&self) -> usize {
        self.coef.len()
    }

    /// The coefficients `a_1 … a_J`.
    pub fn coefficients(&self) -> &[T] {
        &self.coef
    }

    /// Below |y| = 1 the series, above it the direct forms.
    fn threshold() -> T {
        T::one()
    }

    /// `φ(y) = (y·coth y − 1)/y² = Σ_{j≥1} a_j y^{2j−2}`.
    pub fn phi(&self, y: &T) -> T {
        let y = y.clone().abs();
        if y < Self::threshold() {
            let y2 = y.clone() * y;
            // Horner in y².
            self.coef
                .iter()
                .rev()
                .fold(T::zero(), |acc, c| acc * y2.clone() + c.clone())
        } else {
            (y.clone() / y.clone().tanh() - T::one()) / (y.clone() * y)
        }
    }

    /// `k̃(y) = 1/3 − 1/y² + csch² y = −Σ_{j≥2} (2j−1)·a_j·y^{2j−2}`.
    pub fn k_tilde(&self, y: &T) -> T {
        let y = y.clone().abs();
        if y < Self::threshold() {
            self.k_tilde_over_y2(&y) * (y.clone() * y)
        } else {
            let s = y.clone().sinh();
            ratio::<T>(1, 3) - T::one() / (y.clone() * y) + T::one() / (s.clone() * s)
        }
    }

    /// `k̂(y) = k̃(y)/y² = −Σ_{j≥2} (2j−1)·a_j·y^{2j−4}` (→ −3a₂ = 1/15 as
    /// y → 0): k̃ without its y² factor, so that a caller scaling y out of
    /// its formula does not underflow for tiny y.
    pub fn k_tilde_over_y2(&self, y: &T) -> T {
        let y = y.clone().abs();
        if y < Self::threshold() {
            let y2 = y.clone() * y;
            let mut acc = T::zero();
            for (j0, c) in self.coef.iter().enumerate().skip(1).rev() {
                let j = (j0 + 1) as i64;
                acc = acc * y2.clone() - int::<T>(2 * j - 1) * c.clone();
            }
            acc
        } else {
            self.k_tilde(&y) / (y.clone() * y)
        }
    }
}

impl<T: RealField> Default for CothSeries<T> {
    fn default() -> Self {
        Self::new()
    }
}
