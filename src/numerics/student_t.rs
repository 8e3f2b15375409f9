//! Student's t distribution with an integer number of degrees of freedom:
//! the two-sided probability `P(|T| ≤ t)` as a finite trigonometric sum
//! (no incomplete beta function needed), and its inverse by bisection.
//!
//! With θ = atan(t/√ν) (Abramowitz & Stegun 26.7.3–4):
//!
//! ```text
//! ν = 1:        A = 2θ/π
//! ν odd ≥ 3:    A = (2/π)·[θ + sin θ·(cos θ + (2/3)cos³θ + … + (2·4⋯(ν−3))/(1·3⋯(ν−2))·cos^{ν−2}θ)]
//! ν even:       A = sin θ·[1 + (1/2)cos²θ + (1·3)/(2·4)cos⁴θ + … + (1·3⋯(ν−3))/(2·4⋯(ν−2))·cos^{ν−2}θ]
//! ```
//!
//! # Derivation
//! `proofs/14_isoflop_studies.md` §14.2; checked by
//! `isoflops::student_t_quantiles_match_tables` and
//! `isoflops::student_t_probability_inverts_its_quantile`.

use nalgebra::RealField;

use crate::numerics::int;

/// `P(|T| ≤ t)` for Student's t with `nu ≥ 1` degrees of freedom, `t ≥ 0`
/// (A(t|ν) of Abramowitz & Stegun 26.7.1).
///
/// ```
/// use scaling_laws::numerics::student_t::two_sided_probability;
/// // ν = 1 is the Cauchy distribution: P(|T| ≤ 1) = 1/2.
/// assert!((two_sided_probability(1.0f64, 1) - 0.5).abs() < 1e-15);
/// ```
pub fn two_sided_probability<T: RealField>(t: T, nu: u32) -> T {
    let nu = nu.max(1);
    let theta = (t.abs() / int::<T>(i64::from(nu)).sqrt()).atan();
    let (s, c) = (theta.clone().sin(), theta.clone().cos());
    let c2 = c.clone() * c.clone();
    if nu % 2 == 1 {
        // Σ_{j=0}^{(ν−3)/2} term_j, term_0 = cos θ, term_j = term_{j−1}·(2j)/(2j+1)·cos²θ.
        let mut sum = T::zero();
        if nu >= 3 {
            let mut term = c;
            sum = term.clone();
            for j in 1..=((nu - 3) / 2) {
                let j = i64::from(j);
                term = term * int::<T>(2 * j) / int::<T>(2 * j + 1) * c2.clone();
                sum += term.clone();
            }
        }
        int::<T>(2) / T::pi() * (theta + s * sum)
    } else {
        // Σ_{j=0}^{(ν−2)/2} term_j, term_0 = 1, term_j = term_{j−1}·(2j−1)/(2j)·cos²θ.
        let mut term = T::one();
        let mut sum = T::one();
        for j in 1..=((nu - 2) / 2) {
            let j = i64::from(j);
            term = term * int::<T>(2 * j - 1) / int::<T>(2 * j) * c2.clone();
            sum += term.clone();
        }
        s * sum
    }
}

/// The two-sided critical value t with `P(|T| ≤ t) = level` for `nu ≥ 1`
/// degrees of freedom (scipy's `t.ppf((1 + level)/2, nu)`), by bisection
/// on θ = atan(t/√ν) ∈ (0, π/2), where the probability is increasing.
/// `None` unless `0 < level < 1`.
///
/// ```
/// use scaling_laws::numerics::student_t::two_sided_critical_value;
/// let t = two_sided_critical_value(0.95f64, 10).unwrap();
/// assert!((t - 2.228138851986274).abs() < 1e-12);
/// ```
pub fn two_sided_critical_value<T: RealField>(level: T, nu: u32) -> Option<T> {
    if !(level > T::zero() && level < T::one()) {
        return None;
    }
    let nu = nu.max(1);
    let root_nu = int::<T>(i64::from(nu)).sqrt();
    let (mut lo, mut hi) = (T::zero(), T::frac_pi_2());
    // Halving the bracket until it stops shrinking: exact to the last bit of
    // θ in any precision (at most the mantissa width + a few steps).
    loop {
        let mid = (lo.clone() + hi.clone()) / int::<T>(2);
        if mid <= lo || mid >= hi {
            break;
        }
        let t = mid.clone().tan() * root_nu.clone();
        if two_sided_probability(t, nu) < level {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(hi.tan() * root_nu)
}
