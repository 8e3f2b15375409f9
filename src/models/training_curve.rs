//! The training-curve law `L(N, D) = e^E + e^A·N^α + e^B·D^β` in the
//! log-coefficient parametrisation of the "Hitchhiker" fitter (seed 001).
//!
//! It is the Chinchilla surface with `E_c = e^E`, `A_c = e^A`, `B_c = e^B`
//! and the exponents' signs flipped (`α = −α_c`, `β = −β_c`): the same law,
//! with all five parameters free (no positivity constraint is needed, since
//! the coefficients are exponentials). The derivatives are in
//! `proofs/13_training_curve.md` §13.1.

use nalgebra::RealField;

use super::surface::{LossSurface, ModelError};
use crate::numerics::to_f64;

/// `L(N, D) = e^E + e^A·N^α + e^B·D^β`, α and β expected negative.
///
/// Fields: `e` = E, `a` = A, `b` = B (natural logs of the irreducible loss
/// and of the two coefficients), `alpha` = α, `beta` = β.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingCurveLaw<T> {
    /// E = ln(irreducible loss).
    pub e: T,
    /// A = ln(model-size coefficient).
    pub a: T,
    /// B = ln(data coefficient).
    pub b: T,
    /// α, the model-size exponent (negative when loss falls with N).
    pub alpha: T,
    /// β, the data exponent (negative when loss falls with D).
    pub beta: T,
}

/// The three terms of the law at one point and its five partial derivatives.
#[derive(Debug, Clone, PartialEq)]
pub struct LawTerms<T> {
    /// e^E.
    pub irreducible: T,
    /// e^A·N^α = exp(A + α ln N).
    pub n_term: T,
    /// e^B·D^β = exp(B + β ln D).
    pub d_term: T,
}

impl<T: RealField> LawTerms<T> {
    /// The loss, the sum of the three terms.
    pub fn loss(&self) -> T {
        self.irreducible.clone() + self.n_term.clone() + self.d_term.clone()
    }
}

impl<T: RealField> TrainingCurveLaw<T> {
    /// A law from its parameters in the order (E, A, B, α, β).
    pub fn from_parameters(p: [T; 5]) -> Self {
        let [e, a, b, alpha, beta] = p;
        Self {
            e,
            a,
            b,
            alpha,
            beta,
        }
    }

    /// The parameters in the order (E, A, B, α, β).
    pub fn parameters(&self) -> [T; 5] {
        [
            self.e.clone(),
            self.a.clone(),
            self.b.clone(),
            self.alpha.clone(),
            self.beta.clone(),
        ]
    }

    /// The three terms at (ln N, ln D), each one exponential.
    pub fn terms_ln(&self, ln_n: &T, ln_d: &T) -> LawTerms<T> {
        LawTerms {
            irreducible: self.e.clone().exp(),
            n_term: (self.a.clone() + self.alpha.clone() * ln_n.clone()).exp(),
            d_term: (self.b.clone() + self.beta.clone() * ln_d.clone()).exp(),
        }
    }

    /// `L(N, D)`.
    ///
    /// ```
    /// use scaling_laws::models::TrainingCurveLaw;
    /// let law = TrainingCurveLaw::from_parameters([1.7f64.ln(), 406.4f64.ln(), 410.7f64.ln(), -0.34, -0.28]);
    /// assert!((law.loss(&70e9, &1.4e12) - 1.9467).abs() < 1e-4);
    /// ```
    pub fn loss(&self, n: &T, d: &T) -> T {
        self.terms_ln(&n.clone().ln(), &d.clone().ln()).loss()
    }

    /// The gradient of `L` with respect to (E, A, B, α, β) at (ln N, ln D):
    /// `(e^E, t_N, t_D, t_N ln N, t_D ln D)` with `t_N = e^A N^α`,
    /// `t_D = e^B D^β` (proofs/13 §13.1).
    pub fn gradient_ln(&self, ln_n: &T, ln_d: &T) -> [T; 5] {
        let t = self.terms_ln(ln_n, ln_d);
        [
            t.irreducible,
            t.n_term.clone(),
            t.d_term.clone(),
            t.n_term * ln_n.clone(),
            t.d_term * ln_d.clone(),
        ]
    }

    /// `αβ/(α+β)`, the exponent of the loss in compute along the optimal
    /// allocation (the seed's "combined exponent"). NaN when α + β = 0.
    pub fn combined_exponent(&self) -> T {
        let s = self.alpha.clone() + self.beta.clone();
        if s == T::zero() {
            return T::zero() / T::zero();
        }
        self.alpha.clone() * self.beta.clone() / s
    }

    /// The same law as a Chinchilla [`LossSurface`]: `E_c = e^E`,
    /// `A_c = e^A`, `B_c = e^B`, `α_c = −α`, `β_c = −β`.
    ///
    /// # Errors
    /// [`ModelError::NotPositiveFinite`] when α or β is not negative (the
    /// surface needs positive exponents) or a coefficient overflows.
    pub fn to_surface(&self) -> Result<LossSurface<T>, ModelError> {
        LossSurface::new(
            self.e.clone().exp(),
            self.a.clone().exp(),
            self.b.clone().exp(),
            -self.alpha.clone(),
            -self.beta.clone(),
        )
    }

    /// The law of a Chinchilla surface (the inverse of [`to_surface`](Self::to_surface)).
    pub fn from_surface(s: &LossSurface<T>) -> Self {
        Self {
            e: s.e().clone().ln(),
            a: s.a().clone().ln(),
            b: s.b().clone().ln(),
            alpha: -s.alpha().clone(),
            beta: -s.beta().clone(),
        }
    }

    /// The law rounded to `f64`.
    pub fn to_f64(&self) -> TrainingCurveLaw<f64> {
        TrainingCurveLaw::from_parameters(self.parameters().map(|v| to_f64(&v)))
    }
}
