//! The Approach 2 vertex shift in closed form.
//!
//! Along one IsoFLOP budget, with `w = log10(N/N*)`, the loss is
//!
//! ```text
//! L(w) = E + R·[(β/α)·10^(−αw) + 10^(βw)]
//! ```
//!
//! (`proofs/02_vertex_shift.md`, eq. 2.3). A least-squares parabola through n
//! points equally spaced on `[o − W, o + W]` has its vertex at `w = δw`,
//! not at 0. δw depends only on (α, β, W, n, o): not on C, E, A or B. This
//! module evaluates δw four ways:
//!
//! | function | form | proof |
//! |---|---|---|
//! | [`vertex_shift_sum`] | sums over the grid points (the reference's form) | `02_vertex_shift.md` |
//! | [`vertex_shift_offset`], [`vertex_shift`] | sum-free closed form, any offset o | `03_sum_free_closed_form.md` |
//! | [`vertex_shift_continuum`] | the limit n → ∞ | `04_continuum_and_small_width.md` |
//! | [`vertex_shift_small_width`] | `d₂W² + d₄W⁴ + O(W⁶)` | `04_continuum_and_small_width.md` |
//!
//! and [`predict_approach2`] turns per-budget shifts into the exact exponent
//! and intercept that Approach 2 will report (`05_approach2_errors.md`).

use nalgebra::RealField;
use thiserror::Error;

use super::special::CothSeries;
use crate::fitters::PowerLaw;
use crate::models::LossSurface;
use crate::numerics::{int, is_positive_finite, lit, pow10, ratio, to_f64};
use crate::sampling::{validate_budgets, IsoflopGrid, SamplingBias, SamplingError};

/// Bad arguments to a closed form, with the offending value.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnalysisError {
    /// α and β must be positive and finite.
    #[error("exponent {name} must be positive and finite, got {value}")]
    BadExponent {
        /// `alpha` or `beta`.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The offset must be finite.
    #[error("grid offset must be finite, got {0}")]
    BadOffset(f64),
    /// A prediction needs at least two budgets (one slope).
    #[error("{got} compute budget(s); the power-law fit needs at least 2")]
    TooFewBudgets {
        /// Budgets given.
        got: usize,
    },
    /// Invalid budgets or grid.
    #[error(transparent)]
    Sampling(#[from] SamplingError),
    /// The vertex shift (or a quantity derived from it) has no finite f64
    /// value for these arguments: a grid so wide that its terms overflow
    /// every rescaling, or a shift so large that 10^δw overflows.
    #[error("no finite f64 answer for alpha = {alpha}, beta = {beta}, W = {half_width:?}, n = {points}, offset = {offset:?}: the vertex shift or its terms overflow")]
    NotFinite {
        /// α.
        alpha: f64,
        /// β.
        beta: f64,
        /// W.
        half_width: f64,
        /// n.
        points: usize,
        /// o.
        offset: f64,
    },
    /// The prefactor error 10^δw − 1 (or 10^(−δw) − 1) overflows f64.
    #[error("the vertex shift delta_w = {delta_w:e} decades is finite, but the prefactor errors 10^delta_w - 1 and 10^-delta_w - 1 overflow f64")]
    PrefactorOverflow {
        /// δw.
        delta_w: f64,
    },
}

fn check_exponent<T: RealField>(name: &'static str, v: &T) -> Result<(), AnalysisError> {
    if !is_positive_finite(v) {
        return Err(AnalysisError::BadExponent {
            name,
            value: to_f64(v),
        });
    }
    Ok(())
}

fn check_exponents<T: RealField>(alpha: &T, beta: &T) -> Result<(), AnalysisError> {
    check_exponent("alpha", alpha)?;
    check_exponent("beta", beta)
}

/// The two exponential terms of `L(o + v) − E`, each as (weight ω, rate t):
/// `ω_α = (β/α)·10^(−αo)` with rate `−α·ln 10`, `ω_β = 10^(βo)` with rate
/// `β·ln 10` (`03_sum_free_closed_form.md`, eq. 3.1).
fn terms<T: RealField>(alpha: &T, beta: &T, offset: &T) -> [(T, T); 2] {
    let ln10 = T::ln_10();
    [
        (
            beta.clone() / alpha.clone() * pow10(-alpha.clone() * offset.clone()),
            -alpha.clone() * ln10.clone(),
        ),
        (pow10(beta.clone() * offset.clone()), beta.clone() * ln10),
    ]
}

/// δw by sums over the grid points: the parabola's linear and quadratic
/// coefficients are projections on the orthogonal polynomials `1, v, v² − μ₂`
/// of the symmetric grid, `c₁ = Σv·f/Σv²`, `c₂ = Σ(v²−μ₂)·f/Σ(v²−μ₂)²`, and
/// `δw = o − c₁/(2c₂)` (`02_vertex_shift.md`, eqs. 2.5–2.7).
///
/// `f(v) = ω_α·(10^(−αv) − 1) + ω_β·(10^(βv) − 1)`: the constant is removed
/// with `exp_m1` so the quadratic projection does not cancel against it.
///
/// # Errors
/// [`AnalysisError::BadExponent`], [`AnalysisError::BadOffset`].
pub fn vertex_shift_sum<T: RealField>(
    alpha: &T,
    beta: &T,
    grid: &IsoflopGrid<T>,
    offset: &T,
) -> Result<T, AnalysisError> {
    check_exponents(alpha, beta)?;
    if !offset.is_finite() {
        return Err(AnalysisError::BadOffset(to_f64(offset)));
    }
    let v = grid.offsets();
    let n = int::<T>(v.len() as i64);
    let mu2 = v.iter().fold(T::zero(), |s, x| s + x.clone() * x.clone()) / n;
    let tm = terms(alpha, beta, offset);
    let (mut s1, mut s11, mut s2, mut s22) = (T::zero(), T::zero(), T::zero(), T::zero());
    for vi in &v {
        let f = tm.iter().fold(T::zero(), |acc, (w, t)| {
            acc + w.clone() * (t.clone() * vi.clone()).exp_m1()
        });
        let p2 = vi.clone() * vi.clone() - mu2.clone();
        s1 += vi.clone() * f.clone();
        s11 += vi.clone() * vi.clone();
        s2 += p2.clone() * f;
        s22 += p2.clone() * p2;
    }
    let c1 = s1 / s11;
    let c2 = s2 / s22;
    Ok(offset.clone() - c1 / (int::<T>(2) * c2))
}

/// δw for a grid centred on the optimum (o = 0), sum-free closed form.
///
/// ```text
/// δw = −(2u²n(n²−4)/15) · Σ ω F ρ / Σ ω F Q,   u = W/(n−1)
/// ```
///
/// (`proofs/03_sum_free_closed_form.md`, eq. 3.9); see
/// [`vertex_shift_offset`]. Odd under α ↔ β, zero for α = β, independent of
/// C, E, A, B.
///
/// # Errors
/// [`AnalysisError::BadExponent`].
///
/// ```
/// use scaling_laws::analysis::vertex_shift;
/// use scaling_laws::sampling::IsoflopGrid;
/// let grid = IsoflopGrid::new(16f64.log10(), 15).unwrap();
/// let dw = vertex_shift(&0.34, &0.28, &grid).unwrap();
/// assert!((dw - 0.0227349).abs() < 1e-7);
/// ```
pub fn vertex_shift<T: RealField>(
    alpha: &T,
    beta: &T,
    grid: &IsoflopGrid<T>,
) -> Result<T, AnalysisError> {
    vertex_shift_offset(alpha, beta, grid, &T::zero())
}

/// δw(o) for a grid of n points on `[o − W, o + W]`, sum-free: the vertex
/// `o + v*` with
///
/// ```text
/// v* = −(2u²n(n²−4)/15) · [ω_β F(t_β) ρ(t_β) + ω_α F(t_α) ρ(t_α)]
///                       / [ω_β F(t_β) Q(t_β) + ω_α F(t_α) Q(t_α)]
/// F(t) = sinh(nx)/sinh(x),   x = u·t
/// ρ(t) = F'/F = u·x·[n²φ(nx) − φ(x)]
/// Q(t) = (nF'' − M₂F)/F = n·ρ² − n·u²·[n²k̃(nx) − k̃(x)]
/// ```
///
/// with `t_α = −α ln 10`, `t_β = β ln 10` (eq. 3.1; ρ is odd, so the
/// numerator is eq. 3.9's `ω_β F ρ(t_β) − ω_α F ρ(|t_α|)`), `ω_α = (β/α)10^(−αo)`,
/// `ω_β = 10^(βo)` and φ, k̃ from [`CothSeries`]
/// (`proofs/03_sum_free_closed_form.md`, eqs. 3.2–3.9). No sum over the grid:
/// the cost does not depend on n.
///
/// # Errors
/// [`AnalysisError::BadExponent`], [`AnalysisError::BadOffset`].
pub fn vertex_shift_offset<T: RealField>(
    alpha: &T,
    beta: &T,
    grid: &IsoflopGrid<T>,
    offset: &T,
) -> Result<T, AnalysisError> {
    vertex_shift_with(&CothSeries::cached(), alpha, beta, grid, offset)
}

/// Below `z = max(α, β)·ln 10·W = SMALL_WIDTH_SWITCH` (in f64; scaled by
/// (ε_T/ε_f64)^(1/6) for a wider `T`) a centred grid's δw is evaluated by the
/// two-term small-width expansion ([`vertex_shift_small_width`]) instead of
/// the closed form. The closed form's numerator cancels (its two leading
/// terms are equal and opposite for o = 0), so its *relative* error grows
/// like K·ε/z², K ≈ 26 for (α, β) = (0.34, 0.28) and larger as α → β (W =
/// 1e-8 gave noise of 100 %); the expansion's relative truncation error is
/// at most [`SMALL_WIDTH_TRUNCATION`]·z⁴ for every α, β > 0 and n ≥ 3
/// (proofs/04 §4.3). The two cross near z ≈ 1e-2; the switch sits at 5e-3,
/// just below the smallest z of the closed form's precision domain (α, β ≥
/// 0.05, W ≥ 0.05: z ≥ 5.8e-3, proofs/06), so the closed form is what is
/// checked there, and below the switch the f64 result is within
/// 2.1e-3·z⁴ + 16ε ≤ 1.32e-12 relative of exact (the test
/// `robustness::small_width_expansion_is_within_its_truncation_bound_below_the_switch`).
pub const SMALL_WIDTH_SWITCH: f64 = 5e-3;

/// The constant C of the small-width expansion's truncation bound: for a
/// centred grid, |d₂W² + d₄W⁴ − δw| ≤ C·z⁴·|δw| with z = max(α, β)·ln 10·W
/// ≤ [`SMALL_WIDTH_SWITCH`], every α, β > 0 and n ≥ 3. The ratio depends only
/// on r = min(α, β)/max(α, β), n and z (δw(λα, λβ, W/λ) = δw(α, β, W)/λ);
/// its z⁴ coefficient is largest as r → 0 with n = 5, 2.0777e-3 (measured
/// at 256 bits; proofs/04 §4.3), rounded up to 2.1e-3.
pub const SMALL_WIDTH_TRUNCATION: f64 = 2.1e-3;

/// [`vertex_shift_offset`] with the series coefficients supplied (built once
/// by the caller when many shifts are evaluated).
///
/// Evaluated so that nothing overflows or underflows before the answer does
/// (issue 7): n and its powers are `T`, never integer products; ρ and Q are
/// divided by u² and u⁴ (ρ̂ = ρ/u², Q̂ = Q/u⁴, which cancel against the
/// prefactor's u²) so a tiny W does not underflow them; and the two terms'
/// weights enter only through their ratio `r = ω_α F(t_α)/(ω_β F(t_β))`,
/// taken from logarithms when F or ω would overflow (a wide grid or a far
/// offset), with the larger term as the unit.
fn vertex_shift_with<T: RealField>(
    series: &CothSeries<T>,
    alpha: &T,
    beta: &T,
    grid: &IsoflopGrid<T>,
    offset: &T,
) -> Result<T, AnalysisError> {
    check_exponents(alpha, beta)?;
    if !offset.is_finite() {
        return Err(AnalysisError::BadOffset(to_f64(offset)));
    }
    let w = grid.half_width().clone();
    let ln10 = T::ln_10();
    let not_finite = || AnalysisError::NotFinite {
        alpha: to_f64(alpha),
        beta: to_f64(beta),
        half_width: to_f64(&w),
        points: grid.points(),
        offset: to_f64(offset),
    };
    let z = alpha.clone().max(beta.clone()) * ln10.clone() * w.clone();
    let switch = lit::<T>(SMALL_WIDTH_SWITCH)
        * (T::default_epsilon() / lit::<T>(f64::EPSILON)).powf(ratio::<T>(1, 6));
    if offset.is_zero() && z <= switch {
        let e = vertex_shift_small_width(alpha, beta, Some(grid.points()))?;
        return Ok(e.two_term(&w));
    }
    // n as T (exact below 2^53), never an integer product: n² overflows i64
    // for n > 3.04e9.
    let n = lit::<T>(grid.points() as f64);
    let n2 = n.clone() * n.clone();
    let u = w.clone() / (n.clone() - T::one());
    // ρ̂ = ρ/u² = t·[n²φ(nx) − φ(x)],  Q̂ = Q/u⁴ = n·ρ̂² − n·t²·[n⁴k̂(nx) − k̂(x)].
    let term = |t: &T| -> (T, T) {
        let x = u.clone() * t.clone();
        let nx = n.clone() * x.clone();
        let rho = t.clone() * (n2.clone() * series.phi(&nx) - series.phi(&x));
        let q = n.clone() * rho.clone() * rho.clone()
            - n.clone()
                * t.clone()
                * t.clone()
                * (n2.clone() * n2.clone() * series.k_tilde_over_y2(&nx)
                    - series.k_tilde_over_y2(&x));
        (rho, q)
    };
    let ta = -alpha.clone() * ln10.clone();
    let tb = beta.clone() * ln10.clone();
    let (rho_a, q_a) = term(&ta);
    let (rho_b, q_b) = term(&tb);
    // r = ω_α F(t_α) / (ω_β F(t_β)),  ω_α/ω_β = (β/α)·10^(−(α+β)o),
    // F(t) = sinh(nx)/sinh(x) (even in t).
    let f_of = |t: &T| {
        let x = u.clone() * t.clone();
        (n.clone() * x.clone()).sinh() / x.sinh()
    };
    let ln_omega = -(alpha.clone() + beta.clone()) * offset.clone() * ln10;
    let ratio_ab = beta.clone() / alpha.clone();
    let direct = ratio_ab.clone() * ln_omega.clone().exp() * f_of(&ta) / f_of(&tb);
    let r = if is_positive_finite(&direct) {
        direct
    } else {
        // ln F(t) = ln sinh(n|x|) − ln sinh(|x|),
        // ln sinh y = y + ln(−expm1(−2y)/2) for y > 0.
        let ln_sinh = |y: T| y.clone() + (-(-(y * int::<T>(2))).exp_m1() / int::<T>(2)).ln();
        let ln_f = |t: &T| {
            let x = (u.clone() * t.clone()).abs();
            ln_sinh(n.clone() * x.clone()) - ln_sinh(x)
        };
        (ratio_ab.ln() + ln_omega + ln_f(&ta) - ln_f(&tb)).exp()
    };
    let (num, den) = if r <= T::one() {
        (r.clone() * rho_a + rho_b, r * q_a + q_b)
    } else {
        let s = T::one() / r;
        (rho_a + s.clone() * rho_b, q_a + s * q_b)
    };
    let pref = int::<T>(2) * n.clone() * (n2 - int::<T>(4)) / int::<T>(15);
    let dw = offset.clone() - pref * num / den;
    if dw.is_finite() {
        Ok(dw)
    } else {
        Err(not_finite())
    }
}

/// δw in the continuum limit n → ∞ (a centred grid sampled uniformly on
/// `[−W, W]`):
///
/// ```text
/// δw∞ = −(2W²/15) · Σ ω G ρ∞ / Σ ω G Q∞,   y = W·t
/// G = sinh(y)/y,  ρ∞ = W·y·φ(y),  Q∞ = W²·[y²φ(y)² − k̃(y)]
/// ```
///
/// (`proofs/04_continuum_and_small_width.md`, eq. 4.4).
///
/// # Errors
/// [`AnalysisError::BadExponent`]; [`SamplingError::BadWidth`] for W ≤ 0.
pub fn vertex_shift_continuum<T: RealField>(
    alpha: &T,
    beta: &T,
    half_width: &T,
) -> Result<T, AnalysisError> {
    check_exponents(alpha, beta)?;
    if !is_positive_finite(half_width) {
        return Err(SamplingError::BadWidth(to_f64(half_width)).into());
    }
    let series = CothSeries::<T>::cached();
    let w = half_width.clone();
    let term = |t: T| -> (T, T) {
        let y = w.clone() * t;
        let g = y.clone().sinh() / y.clone();
        let phi = series.phi(&y);
        let rho = w.clone() * y.clone() * phi.clone();
        let q = w.clone()
            * w.clone()
            * (y.clone() * y.clone() * phi.clone() * phi - series.k_tilde(&y));
        (g.clone() * rho, g * q)
    };
    let [(wa, ta), (wb, tb)] = terms(alpha, beta, &T::zero());
    let (fra, fqa) = term(ta);
    let (frb, fqb) = term(tb);
    let num = wa.clone() * fra + wb.clone() * frb;
    let den = wa * fqa + wb * fqb;
    Ok(-int::<T>(2) * w.clone() * w / int::<T>(15) * num / den)
}

/// The small-width expansion of the centred vertex shift,
/// `δw = d₂·W² + d₄·W⁴ + O(W⁶)`.
#[derive(Debug, Clone, PartialEq)]
pub struct SmallWidthExpansion<T> {
    /// `d₂ = ln10·(α−β)·r₄/(6r₂)`; `ln10·(α−β)/10` as n → ∞.
    pub d2: T,
    /// `d₄ = ln³10·(α−β)/(2r₂)·[(α²+β²)r₆/60 − (α²−αβ+β²)r₄κ/36]`.
    pub d4: T,
}

impl<T: RealField> SmallWidthExpansion<T> {
    /// The leading term `d₂W²`.
    pub fn leading(&self, half_width: &T) -> T {
        self.d2.clone() * half_width.clone() * half_width.clone()
    }

    /// The two-term value `d₂W² + d₄W⁴`.
    pub fn two_term(&self, half_width: &T) -> T {
        let w2 = half_width.clone() * half_width.clone();
        (self.d2.clone() + self.d4.clone() * w2.clone()) * w2
    }
}

/// The coefficients of δw's expansion in W for a centred grid of `points`
/// points (`points = None`: the continuum limit).
///
/// With the grid's normalised moments `r_k = (1/n)Σ x_i^k`, `x_i ∈ [−1, 1]`:
/// `r₂ = (n+1)/(3(n−1))`, `r₄ = (n+1)(3n²−7)/(15(n−1)³)`,
/// `r₆ = (n+1)(3n⁴−18n²+31)/(21(n−1)⁵)` and `κ = (r₆ − r₂r₄)/(r₄ − r₂²)`
/// (`proofs/04_continuum_and_small_width.md`, eqs. 4.6–4.9).
///
/// # Errors
/// [`AnalysisError::BadExponent`]; [`SamplingError::TooFewPoints`] for n < 3.
pub fn vertex_shift_small_width<T: RealField>(
    alpha: &T,
    beta: &T,
    points: Option<usize>,
) -> Result<SmallWidthExpansion<T>, AnalysisError> {
    check_exponents(alpha, beta)?;
    let (r2, r4, r6) = match points {
        None => (ratio::<T>(1, 3), ratio::<T>(1, 5), ratio::<T>(1, 7)),
        Some(p) if p < 3 => return Err(SamplingError::TooFewPoints(p).into()),
        Some(p) => {
            let n = p as i64;
            let nt = int::<T>(n);
            let m = int::<T>(n - 1);
            let n2 = nt.clone() * nt.clone();
            let r2 = int::<T>(n + 1) / (int::<T>(3) * m.clone());
            let r4 = int::<T>(n + 1) * (int::<T>(3) * n2.clone() - int::<T>(7))
                / (int::<T>(15) * m.clone().powi(3));
            let r6 = int::<T>(n + 1)
                * (int::<T>(3) * n2.clone() * n2.clone() - int::<T>(18) * n2 + int::<T>(31))
                / (int::<T>(21) * m.powi(5));
            (r2, r4, r6)
        }
    };
    let kappa = (r6.clone() - r2.clone() * r4.clone()) / (r4.clone() - r2.clone() * r2.clone());
    let ln10 = T::ln_10();
    let diff = alpha.clone() - beta.clone();
    let d2 = ln10.clone() * diff.clone() * r4.clone() / (int::<T>(6) * r2.clone());
    let a2 = alpha.clone() * alpha.clone();
    let b2 = beta.clone() * beta.clone();
    let ab = alpha.clone() * beta.clone();
    let bracket =
        (a2.clone() + b2.clone()) * r6 / int::<T>(60) - (a2 - ab + b2) * r4 * kappa / int::<T>(36);
    let d4 = ln10.clone().powi(3) * diff / (int::<T>(2) * r2) * bracket;
    Ok(SmallWidthExpansion { d2, d4 })
}

/// Relative errors of the fitted N* and D* prefactors implied by a vertex
/// shift: `10^δw − 1` and `10^(−δw) − 1` (`proofs/05_approach2_errors.md`, eq. 5.2).
#[derive(Debug, Clone, PartialEq)]
pub struct InterceptErrors<T> {
    /// `10^δw − 1`: relative error of the N* prefactor.
    pub n: T,
    /// `10^(−δw) − 1`: relative error of the D* prefactor.
    pub d: T,
}

impl InterceptErrors<f64> {
    /// [`from_shift`](Self::from_shift) in f64, refusing a shift whose
    /// prefactor errors overflow (|δw| beyond ~308 decades).
    ///
    /// # Errors
    /// [`AnalysisError::PrefactorOverflow`].
    pub fn checked(delta_w: f64) -> Result<Self, AnalysisError> {
        let e = Self::from_shift(&delta_w);
        if e.n.is_finite() && e.d.is_finite() {
            Ok(e)
        } else {
            Err(AnalysisError::PrefactorOverflow { delta_w })
        }
    }
}

impl<T: RealField> InterceptErrors<T> {
    /// The prefactor errors for a shift δw (by `exp_m1`, exact for tiny δw).
    pub fn from_shift(delta_w: &T) -> Self {
        let z = delta_w.clone() * T::ln_10();
        Self {
            n: z.clone().exp_m1(),
            d: (-z).exp_m1(),
        }
    }
}

/// What Approach 2 will report, predicted in closed form.
#[derive(Debug, Clone, PartialEq)]
pub struct Approach2Prediction<T> {
    /// Predicted `log10 N̂* = â0 + â·log10 C`.
    pub n_law: PowerLaw<T>,
    /// Predicted `log10 D̂* = b̂0 + b̂·log10 C`.
    pub d_law: PowerLaw<T>,
    /// The vertex shift δw(o_k) of each budget, in the order given.
    pub shifts: Vec<T>,
}

/// The exact exponents and intercepts Approach 2 reports on noise-free data
/// sampled from `surface` on `grid` at `budgets` with `bias`.
///
/// Budget k's grid is centred at offset `o_k` (from the bias), so its N
/// vertex lands at `log10 N*(C_k) + δw(o_k)` and its D vertex at
/// `log10 D*(C_k) − δw(o_k)`. Least squares on log10 C is linear, so
///
/// ```text
/// â = a + s,   â0 = a0 + i,   b̂ = b − s,   b̂0 = b0 − i
/// ```
///
/// where (s, i) is the least-squares line of δw(o_k) on log10 C_k
/// (`proofs/05_approach2_errors.md`, eqs. 5.3–5.5). With no drift all o_k are
/// equal, s = 0 and the exponents are exact.
///
/// # Errors
/// Bad exponents or budgets; [`AnalysisError::TooFewBudgets`] for fewer than 2.
pub fn predict_approach2<T: RealField>(
    surface: &LossSurface<T>,
    budgets: &[T],
    grid: &IsoflopGrid<T>,
    bias: &SamplingBias<T>,
) -> Result<Approach2Prediction<T>, AnalysisError> {
    validate_budgets(budgets)?;
    if budgets.len() < 2 {
        return Err(AnalysisError::TooFewBudgets { got: budgets.len() });
    }
    let offsets = bias.offsets(budgets);
    let series = CothSeries::cached();
    let shifts = offsets
        .iter()
        .map(|o| vertex_shift_with(&series, surface.alpha(), surface.beta(), grid, o))
        .collect::<Result<Vec<T>, _>>()?;
    let x: Vec<T> = budgets.iter().map(|c| c.clone().log10()).collect();
    let line = PowerLaw::fit_log10(&x, &shifts)
        .ok_or(AnalysisError::TooFewBudgets { got: budgets.len() })?;
    Ok(Approach2Prediction {
        n_law: PowerLaw {
            exponent: surface.exponent_a() + line.exponent.clone(),
            intercept: surface.a0() + line.intercept.clone(),
        },
        d_law: PowerLaw {
            exponent: surface.exponent_b() - line.exponent,
            intercept: surface.b0() - line.intercept,
        },
        shifts,
    })
}
