//! Power laws in one variable with a floor: the single law
//! `L = C/x^α + E` and the two-term law `L = C₁/x^α₁ + C₂/x^α₂ + E`
//! (the "dark matter" hypothesis: a second, hidden power-law term).
//!
//! Fits work in log coordinates `θ`: single `[ln C, α, ln E]`, two-term
//! `[ln C₁, α₁, ln C₂, α₂, ln E]`. Each term of the sum is the exponential of
//! a function linear in θ,
//!
//! ```text
//! t_E = ln E,    t_k = ln C_k − α_k ln x,    ln L̂ = ln Σ exp(t) ,
//! ```
//!
//! so `ln L̂` is a log-sum-exp, evaluated with the largest term factored out
//! (proofs/12_power_laws.md §12.1): it neither overflows nor loses a small
//! term against a large one. Exponents are free: a negative α is a term
//! that grows with x, and it is reported as such.

use nalgebra::{DMatrix, DVector, RealField};

/// Which power law: one term or two, each plus the floor E.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerLawForm {
    /// `L = C/x^α + E`, θ = `[ln C, α, ln E]`.
    Single,
    /// `L = C₁/x^α₁ + C₂/x^α₂ + E`, θ = `[ln C₁, α₁, ln C₂, α₂, ln E]`.
    TwoTerm,
}

impl PowerLawForm {
    /// Both forms, single first.
    pub const ALL: [PowerLawForm; 2] = [PowerLawForm::Single, PowerLawForm::TwoTerm];

    /// Number of power terms (1 or 2).
    pub fn terms(self) -> usize {
        match self {
            PowerLawForm::Single => 1,
            PowerLawForm::TwoTerm => 2,
        }
    }

    /// Number of parameters, `2·terms + 1`.
    pub fn parameters(self) -> usize {
        2 * self.terms() + 1
    }

    /// `single` or `two_term`.
    pub fn name(self) -> &'static str {
        match self {
            PowerLawForm::Single => "single",
            PowerLawForm::TwoTerm => "two_term",
        }
    }

    /// The form with `parameters` parameters (3 or 5).
    pub fn from_parameters(parameters: usize) -> Option<Self> {
        match parameters {
            3 => Some(PowerLawForm::Single),
            5 => Some(PowerLawForm::TwoTerm),
            _ => None,
        }
    }
}

/// One term `c / x^alpha`.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerTerm<T> {
    /// The coefficient C (> 0).
    pub c: T,
    /// The exponent α (any sign).
    pub alpha: T,
}

/// A sum of power terms plus a floor: `L = Σ_k c_k / x^α_k + e`, with x in
/// the units of the fit (x already divided by its normalisation factor).
#[derive(Debug, Clone, PartialEq)]
pub struct PowerLawSum<T> {
    /// The terms, in the order of θ (a fit reports them steepest first).
    pub terms: Vec<PowerTerm<T>>,
    /// The floor E (> 0).
    pub e: T,
}

impl<T: RealField> PowerLawSum<T> {
    /// The law of log coordinates `theta` (3 or 5 values); `None` for any
    /// other length.
    pub fn from_theta(theta: &[T]) -> Option<Self> {
        let form = PowerLawForm::from_parameters(theta.len())?;
        let terms = (0..form.terms())
            .map(|k| PowerTerm {
                c: theta[2 * k].clone().exp(),
                alpha: theta[2 * k + 1].clone(),
            })
            .collect();
        Some(Self {
            terms,
            e: theta[theta.len() - 1].clone().exp(),
        })
    }

    /// The log coordinates `[ln C₁, α₁, …, ln E]`.
    pub fn theta(&self) -> Vec<T> {
        let mut t: Vec<T> = self
            .terms
            .iter()
            .flat_map(|p| [p.c.clone().ln(), p.alpha.clone()])
            .collect();
        t.push(self.e.clone().ln());
        t
    }

    /// The form (by the number of terms); `None` for 0 or more than 2 terms.
    pub fn form(&self) -> Option<PowerLawForm> {
        PowerLawForm::from_parameters(2 * self.terms.len() + 1)
    }

    /// `L̂(x)` for x in the units of the fit.
    pub fn predict(&self, x: &T) -> T {
        ln_prediction(&self.theta(), &x.clone().ln()).exp()
    }

    /// The same law for x measured in units `factor` times larger
    /// (x' = x/factor): `c'_k = c_k · factor^(−α_k)`, α and E unchanged.
    pub fn rescaled(&self, factor: &T) -> Self {
        let ln_f = factor.clone().ln();
        Self {
            terms: self
                .terms
                .iter()
                .map(|p| PowerTerm {
                    c: p.c.clone() * (-p.alpha.clone() * ln_f.clone()).exp(),
                    alpha: p.alpha.clone(),
                })
                .collect(),
            e: self.e.clone(),
        }
    }

    /// The terms sorted steepest first (largest α first), the canonical
    /// order in which fits are reported.
    pub fn canonical(mut self) -> Self {
        self.terms.sort_by(|a, b| {
            b.alpha
                .partial_cmp(&a.alpha)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        self
    }
}

/// The exponents of the sum's terms at `ln_x`, in summation order:
/// the floor `t_E = θ_last` first, then `t_k = θ_{2k} − θ_{2k+1}·ln x`.
///
/// The floor comes first so that a power term too small to register leaves
/// the f64 sum bit-identical (proofs/12 §12.3, the nested start).
fn term_exponents<T: RealField>(theta: &[T], ln_x: &T) -> Vec<T> {
    let terms = (theta.len() - 1) / 2;
    let mut t = Vec::with_capacity(terms + 1);
    t.push(theta[theta.len() - 1].clone());
    for k in 0..terms {
        t.push(theta[2 * k].clone() - theta[2 * k + 1].clone() * ln_x.clone());
    }
    t
}

/// `(m, s, w)`: the largest exponent m, `s = Σ exp(t − m)` (summed in the
/// order of [`term_exponents`], s ∈ [1, terms + 1]) and the softmax weights
/// `w = exp(t − m)/s`.
fn log_sum_exp_parts<T: RealField>(t: &[T]) -> (T, T, Vec<T>) {
    let m = t.iter().skip(1).fold(
        t[0].clone(),
        |m, v| if v.clone() > m { v.clone() } else { m },
    );
    let e: Vec<T> = t.iter().map(|v| (v.clone() - m.clone()).exp()).collect();
    let s = e.iter().skip(1).fold(e[0].clone(), |s, v| s + v.clone());
    let w = e.into_iter().map(|v| v / s.clone()).collect();
    (m, s, w)
}

/// `ln L̂` at `ln_x` for log coordinates `theta` (3 or 5 values), by
/// log-sum-exp: `ln L̂ = m + ln Σ exp(t_j − m)`, m = max t_j.
///
/// # Derivation
/// proofs/12_power_laws.md §12.1.
///
/// ```
/// use scaling_laws::models::power_law::ln_prediction;
/// // L = 2/x^0.5 + 1 at x = 4: 2/2 + 1 = 2.
/// let theta = [2f64.ln(), 0.5, 0.0];
/// assert!((ln_prediction(&theta, &4f64.ln()) - 2f64.ln()).abs() < 1e-15);
/// ```
pub fn ln_prediction<T: RealField>(theta: &[T], ln_x: &T) -> T {
    let t = term_exponents(theta, ln_x);
    let (m, s, _) = log_sum_exp_parts(&t);
    m + s.ln()
}

/// `ln L̂` and its gradient with respect to θ: the softmax weights of the
/// terms on their linear coefficients,
/// `∂ ln L̂/∂ ln C_k = w_k`, `∂ ln L̂/∂α_k = −w_k ln x`, `∂ ln L̂/∂ ln E = w_E`.
///
/// # Derivation
/// proofs/12_power_laws.md §12.2.
pub fn ln_prediction_and_gradient<T: RealField>(theta: &[T], ln_x: &T) -> (T, Vec<T>) {
    let t = term_exponents(theta, ln_x);
    let (m, s, w) = log_sum_exp_parts(&t);
    let p = theta.len();
    let mut g = vec![T::zero(); p];
    g[p - 1] = w[0].clone();
    for k in 0..(p - 1) / 2 {
        g[2 * k] = w[k + 1].clone();
        g[2 * k + 1] = -(w[k + 1].clone() * ln_x.clone());
    }
    (m + s.ln(), g)
}

/// The Hessian of `ln L̂` with respect to θ: with `a_j` the coefficient
/// vector of term j (`t_j = a_jᵀθ + const`) and `g = Σ w_j a_j`,
/// `∇² ln L̂ = Σ_j w_j a_j a_jᵀ − g gᵀ` (a covariance: positive semidefinite).
///
/// # Derivation
/// proofs/12_power_laws.md §12.2.
pub fn ln_prediction_hessian<T: RealField>(theta: &[T], ln_x: &T) -> DMatrix<T> {
    let t = term_exponents(theta, ln_x);
    let (_, _, w) = log_sum_exp_parts(&t);
    let p = theta.len();
    let mut a: Vec<DVector<T>> = Vec::with_capacity(w.len());
    let mut e = DVector::zeros(p);
    e[p - 1] = T::one();
    a.push(e);
    for k in 0..(p - 1) / 2 {
        let mut v = DVector::zeros(p);
        v[2 * k] = T::one();
        v[2 * k + 1] = -ln_x.clone();
        a.push(v);
    }
    let mut g = DVector::zeros(p);
    let mut h = DMatrix::zeros(p, p);
    for (wj, aj) in w.iter().zip(&a) {
        g += aj * wj.clone();
        h += aj * aj.transpose() * wj.clone();
    }
    h - &g * g.transpose()
}
