//! The expected error of an IsoFLOP sweep design, before it is run.
//!
//! A design is a set of compute budgets, a grid (n points over ±W decades
//! per budget) and a sampling bias (the grid centre missing log10 N* by a
//! constant factor and by a drift). For a true surface
//! `L = E + A/N^α + B/D^β`, Gaussian noise σ on every loss and a target
//! budget C_t, [`expected_error`] gives, for each method, the bias and the
//! variance of the estimated ln N*(C_t) and of the exponent a; the expected
//! squared error is bias² + variance (`proofs/19_design.md`):
//!
//! | method | bias | variance |
//! |---|---|---|
//! | Approach 2 | the closed-form vertex shift δw (proofs/03) through the power-law fit | per-budget parabola vertex by the delta method, then the power-law fit (eqs. 19.3–19.6) |
//! | Approach 2 corrected | 0 (the profile is exact) | σ²(JᵀJ)⁻¹ over (α, β, E_k, ln P_k, ln Q_k) (eqs. 19.7–19.9) |
//! | VPNLS, Approach 3 (RSS) | 0 to first order | σ²(JᵀJ)⁻¹ over (E, ln A, ln B, α, β) (eqs. 19.10–19.12) |
//!
//! ln D*(C_t) has the same squared error as ln N*(C_t) and b = 1 − a the
//! same as a: along an IsoFLOP curve log10 D = log10(C/6) − log10 N, and
//! every method's D* fit is the reflection of its N* fit (eq. 19.2).

use nalgebra::{DMatrix, DVector, RealField};
use thiserror::Error;

use super::vertex_shift::{vertex_shift_offset, AnalysisError};
use crate::models::LossSurface;
use crate::numerics::{epsilon, int, is_positive_finite, to_f64};
use crate::sampling::{validate_budgets, IsoflopGrid, SamplingBias, SamplingError};

/// Why a design's expected error could not be computed, with the value.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DesignError {
    /// σ must be positive and finite.
    #[error("noise sigma must be positive and finite, got {0}")]
    BadSigma(f64),
    /// The target budget must be positive and finite.
    #[error("target compute budget must be positive and finite, got {0}")]
    BadTarget(f64),
    /// At least two budgets are needed for a slope.
    #[error("{got} compute budget(s); a design needs at least 2")]
    TooFewBudgets {
        /// Budgets given.
        got: usize,
    },
    /// The corrected Approach 2 needs 5 points per budget to identify (α, β).
    #[error("Approach 2 corrected needs at least 5 points per budget to identify alpha and beta, the design has {0}")]
    TooFewPointsForCorrected(usize),
    /// The information matrix is singular at the true surface: the design
    /// does not identify the parameters.
    #[error("the design does not identify the {method} parameters: its information matrix J^T J is singular at the true surface")]
    NotIdentified {
        /// The method's name.
        method: &'static str,
    },
    /// Invalid budgets or grid.
    #[error(transparent)]
    Sampling(#[from] SamplingError),
    /// The vertex shift failed.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
}

/// The four methods whose expected error is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DesignMethod {
    /// Parabola per budget, power law through the vertices.
    Approach2,
    /// Exact IsoFLOP profile per budget, shared (α, β).
    Approach2Corrected,
    /// Variable projection least squares on L over (E, A, B, α, β).
    Vpnls,
    /// The direct five-parameter fit with the RSS objective (the crate's
    /// default Approach 3): the same least-squares problem as VPNLS, so the
    /// same first-order error; they differ only where an optimizer stops
    /// short of the minimum.
    Approach3,
}

impl DesignMethod {
    /// Every method, in a fixed order.
    pub const ALL: [DesignMethod; 4] = [
        DesignMethod::Approach2,
        DesignMethod::Approach2Corrected,
        DesignMethod::Vpnls,
        DesignMethod::Approach3,
    ];

    /// `approach2`, `approach2-corrected`, `vpnls`, `approach3`.
    pub fn name(self) -> &'static str {
        match self {
            DesignMethod::Approach2 => "approach2",
            DesignMethod::Approach2Corrected => "approach2-corrected",
            DesignMethod::Vpnls => "vpnls",
            DesignMethod::Approach3 => "approach3",
        }
    }

    /// The method with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// An IsoFLOP sweep design: budgets, grid shape, and where the grids sit.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepDesign<T> {
    /// The compute budgets (FLOPs), distinct.
    pub budgets: Vec<T>,
    /// Points per budget and half-width W (decades).
    pub grid: IsoflopGrid<T>,
    /// The centring error and drift of the grid centres.
    pub bias: SamplingBias<T>,
}

impl<T: RealField> SweepDesign<T> {
    /// The compute the design spends, counting each run at its budget:
    /// `n·Σ C_k`.
    pub fn cost(&self) -> T {
        let n = int::<T>(self.grid.points() as i64);
        self.budgets.iter().fold(T::zero(), |s, c| s + c.clone()) * n
    }
}

/// The expected error of one method on one design: the bias and variance of
/// ln N̂*(C_t) and of the exponent â. ln D̂*(C_t) has bias −bias_ln_n and the
/// same variance; b̂ = 1 − â has bias −bias_a and the same variance.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedError<T> {
    /// E[ln N̂*(C_t)] − ln N*(C_t), to first order in σ.
    pub bias_ln_n: T,
    /// Var ln N̂*(C_t), to first order (delta method).
    pub var_ln_n: T,
    /// E[â] − a.
    pub bias_a: T,
    /// Var â.
    pub var_a: T,
    /// How far the linearisation reaches: for Approach 2 the largest
    /// relative standard deviation of a per-budget curvature, sd(ĉ₂)/c₂; for
    /// the surface and corrected fits max(sd α̂/α, sd β̂/β). The first-order
    /// error is good while this is small (proofs/19 §19.6 measures where it
    /// breaks down).
    pub linearity: T,
}

impl<T: RealField> ExpectedError<T> {
    /// E[(ln N̂* − ln N*)²] = bias² + variance.
    pub fn mse_ln_n(&self) -> T {
        self.bias_ln_n.clone() * self.bias_ln_n.clone() + self.var_ln_n.clone()
    }
    /// E[(ln D̂* − ln D*)²], equal to [`mse_ln_n`](Self::mse_ln_n) (eq. 19.2).
    pub fn mse_ln_d(&self) -> T {
        self.mse_ln_n()
    }
    /// E[(â − a)²] = bias² + variance.
    pub fn mse_a(&self) -> T {
        self.bias_a.clone() * self.bias_a.clone() + self.var_a.clone()
    }
}

/// The weights of the power-law fit through per-budget values: with
/// `l_k = log10 C_k`, the fitted log10 y at C_t is `Σ h_k y_k` and the slope
/// `Σ s_k y_k` (eq. 19.5): `s_k = (l_k − l̄)/S_ll`,
/// `h_k = 1/K + (l_t − l̄)·s_k`.
fn power_law_weights<T: RealField>(budgets: &[T], target: &T) -> (Vec<T>, Vec<T>) {
    let k = int::<T>(budgets.len() as i64);
    let l: Vec<T> = budgets.iter().map(|c| c.clone().log10()).collect();
    let mean = l.iter().fold(T::zero(), |s, x| s + x.clone()) / k.clone();
    let sll = l.iter().fold(T::zero(), |s, x| {
        s + (x.clone() - mean.clone()) * (x.clone() - mean.clone())
    });
    let s: Vec<T> = l
        .iter()
        .map(|x| (x.clone() - mean.clone()) / sll.clone())
        .collect();
    let lt = target.clone().log10() - mean;
    let h = s
        .iter()
        .map(|sk| T::one() / k.clone() + lt.clone() * sk.clone())
        .collect();
    (h, s)
}

fn check<T: RealField>(design: &SweepDesign<T>, sigma: &T, target: &T) -> Result<(), DesignError> {
    if !is_positive_finite(sigma) {
        return Err(DesignError::BadSigma(to_f64(sigma)));
    }
    if !is_positive_finite(target) {
        return Err(DesignError::BadTarget(to_f64(target)));
    }
    validate_budgets(&design.budgets)?;
    if design.budgets.len() < 2 {
        return Err(DesignError::TooFewBudgets {
            got: design.budgets.len(),
        });
    }
    Ok(())
}

/// The expected error of `method` on `design` for the true `surface`, noise
/// σ on L and the target budget `target` (`proofs/19_design.md`).
///
/// # Errors
/// [`DesignError::BadSigma`], [`DesignError::BadTarget`], invalid budgets
/// ([`DesignError::Sampling`]), [`DesignError::TooFewBudgets`],
/// [`DesignError::TooFewPointsForCorrected`],
/// [`DesignError::NotIdentified`], a vertex shift that fails
/// ([`DesignError::Analysis`]).
///
/// ```
/// use scaling_laws::analysis::design::*;
/// use scaling_laws::models::LossSurface;
/// use scaling_laws::sampling::*;
/// let s = LossSurface::<f64>::chinchilla();
/// let d = SweepDesign {
///     budgets: default_budgets(),
///     grid: IsoflopGrid::from_factor(8.0, 9).unwrap(),
///     bias: SamplingBias::none(),
/// };
/// let a2 = expected_error(&s, &d, &0.01, &1e24, DesignMethod::Approach2).unwrap();
/// let vp = expected_error(&s, &d, &0.01, &1e24, DesignMethod::Vpnls).unwrap();
/// assert!(a2.bias_ln_n > 0.0 && vp.bias_ln_n == 0.0);
/// ```
pub fn expected_error<T: RealField>(
    surface: &LossSurface<T>,
    design: &SweepDesign<T>,
    sigma: &T,
    target: &T,
    method: DesignMethod,
) -> Result<ExpectedError<T>, DesignError> {
    check(design, sigma, target)?;
    match method {
        DesignMethod::Approach2 => approach2(surface, design, sigma, target),
        DesignMethod::Approach2Corrected => corrected(surface, design, sigma, target),
        DesignMethod::Vpnls | DesignMethod::Approach3 => {
            surface_fit(surface, design, sigma, target, method.name())
        }
    }
}

/// Approach 2: per budget the vertex of the least-squares parabola in
/// v = log10 N − c_k has, with the orthogonal basis `1, v, v² − μ₂` of the
/// symmetric grid, coefficients c₁ = Σv·L/Σv², c₂ = Σ(v²−μ₂)·L/Σ(v²−μ₂)²,
/// uncorrelated, of variances σ²/Σv² and σ²/Σ(v²−μ₂)²; the vertex
/// v* = −c₁/(2c₂) has variance (eq. 19.4)
/// `σ²/(4c₂²)·[1/Σv² + 4v*²/Σ(v²−μ₂)²]`, with `v* = δw − o`. The noise-free
/// vertex misses log10 N*_k by δw(α, β, W, n, o_k) (proofs/03).
fn approach2<T: RealField>(
    surface: &LossSurface<T>,
    design: &SweepDesign<T>,
    sigma: &T,
    target: &T,
) -> Result<ExpectedError<T>, DesignError> {
    let (alpha, beta) = (surface.alpha(), surface.beta());
    let offsets = design.bias.offsets(&design.budgets);
    let v = design.grid.offsets();
    let n = int::<T>(v.len() as i64);
    let mu2 = v.iter().fold(T::zero(), |s, x| s + x.clone() * x.clone()) / n;
    let s11 = v.iter().fold(T::zero(), |s, x| s + x.clone() * x.clone());
    let s22 = v.iter().fold(T::zero(), |s, x| {
        let p = x.clone() * x.clone() - mu2.clone();
        s + p.clone() * p
    });
    let ln10 = T::ln_10();
    let six = int::<T>(6);
    let (h, s) = power_law_weights(&design.budgets, target);
    let mut out = ExpectedError {
        bias_ln_n: T::zero(),
        var_ln_n: T::zero(),
        bias_a: T::zero(),
        var_a: T::zero(),
        linearity: T::zero(),
    };
    for (k, (c, o)) in design.budgets.iter().zip(offsets).enumerate() {
        let dw = vertex_shift_offset(alpha, beta, &design.grid, &o)?;
        // R_k = B/D*^β: the loss scale along budget k (proofs/02, eq. 2.3).
        let ln_d_opt = (c.clone() / six.clone()).ln() - surface.n_opt(c).ln();
        let r = surface.b().clone() * (-beta.clone() * ln_d_opt).exp();
        // c₂ in loss units: the projection of L(o + v) − L(o) on v² − μ₂.
        let w_a = beta.clone() / alpha.clone() * (-alpha.clone() * ln10.clone() * o.clone()).exp();
        let w_b = (beta.clone() * ln10.clone() * o.clone()).exp();
        let c2 = v.iter().fold(T::zero(), |acc, x| {
            let f = w_a.clone() * (-alpha.clone() * ln10.clone() * x.clone()).exp_m1()
                + w_b.clone() * (beta.clone() * ln10.clone() * x.clone()).exp_m1();
            acc + (x.clone() * x.clone() - mu2.clone()) * f
        }) * r
            / s22.clone();
        let vstar = dw.clone() - o;
        let var = sigma.clone() * sigma.clone() / (int::<T>(4) * c2.clone() * c2.clone())
            * (T::one() / s11.clone() + int::<T>(4) * vstar.clone() * vstar / s22.clone());
        let cv = sigma.clone() / (s22.clone().sqrt() * c2.abs());
        if cv > out.linearity {
            out.linearity = cv;
        }
        out.bias_ln_n += ln10.clone() * h[k].clone() * dw.clone();
        out.var_ln_n += ln10.clone() * ln10.clone() * h[k].clone() * h[k].clone() * var.clone();
        out.bias_a += s[k].clone() * dw;
        out.var_a += s[k].clone() * s[k].clone() * var;
    }
    Ok(out)
}

/// `gᵢᵀ M⁻¹ gᵢ` for each gradient of `gs`, M symmetric positive
/// definite, solved with M scaled to unit diagonal (the scaled matrix's
/// condition number is what limits the answer). `None` when M is singular
/// to working precision (a Cholesky pivot below √(p·ε) of the scaled matrix).
fn inverse_forms<T: RealField>(m: &DMatrix<T>, gs: &[DVector<T>]) -> Option<Vec<T>> {
    let p = m.nrows();
    let d: Vec<T> = (0..p).map(|i| m[(i, i)].clone().sqrt()).collect();
    if d.iter().any(|x| !is_positive_finite(x)) {
        return None;
    }
    let scaled = DMatrix::from_fn(p, p, |i, j| {
        m[(i, j)].clone() / (d[i].clone() * d[j].clone())
    });
    let chol = scaled.cholesky()?;
    let pivot = (0..p)
        .map(|i| chol.l_dirty()[(i, i)].clone())
        .fold(T::one(), |a, b| a.min(b));
    if pivot.clone() * pivot < int::<T>(p as i64) * epsilon::<T>() {
        return None;
    }
    Some(
        gs.iter()
            .map(|g| {
                let gs = DVector::from_fn(p, |i, _| g[i].clone() / d[i].clone());
                let x = chol.solve(&gs);
                gs.dot(&x)
            })
            .collect(),
    )
}

/// A unit vector of length `p` at `i`.
fn unit<T: RealField>(p: usize, i: usize) -> DVector<T> {
    let mut e = DVector::<T>::zeros(p);
    e[i] = T::one();
    e
}

/// max(sd α̂/α, sd β̂/β) from the inverse forms of the unit vectors.
fn exponent_spread<T: RealField>(q_alpha: &T, q_beta: &T, sigma: &T, alpha: &T, beta: &T) -> T {
    let ra = sigma.clone() * q_alpha.clone().sqrt() / alpha.clone();
    let rb = sigma.clone() * q_beta.clone().sqrt() / beta.clone();
    ra.max(rb)
}

/// The grid of design points (log10 N, budget index) at the true surface.
fn design_points<T: RealField>(
    surface: &LossSurface<T>,
    design: &SweepDesign<T>,
) -> Vec<(usize, T)> {
    let offsets = design.bias.offsets(&design.budgets);
    let v = design.grid.offsets();
    let mut out = Vec::with_capacity(design.budgets.len() * v.len());
    for (k, (c, o)) in design.budgets.iter().zip(offsets).enumerate() {
        let centre = surface.log10_n_opt(c) + o;
        for x in &v {
            out.push((k, centre.clone() + x.clone()));
        }
    }
    out
}

/// The surface-fit Jacobian row at (ln N, ln D) over (E, ln A, ln B, α, β)
/// (eq. 19.9): `[1, A N^−α, B D^−β, −A N^−α ln N, −B D^−β ln D]`.
pub(crate) fn jacobian_row<T: RealField>(s: &LossSurface<T>, ln_n: &T, ln_d: &T) -> [T; 5] {
    let ta = s.a().clone() * (-s.alpha().clone() * ln_n.clone()).exp();
    let tb = s.b().clone() * (-s.beta().clone() * ln_d.clone()).exp();
    [
        T::one(),
        ta.clone(),
        tb.clone(),
        -ta * ln_n.clone(),
        -tb * ln_d.clone(),
    ]
}

/// VPNLS and Approach 3: least squares on L over θ = (E, ln A, ln B, α, β);
/// Cov θ̂ = σ²(JᵀJ)⁻¹ with J_i = (1, A N^−α, B D^−β, −A N^−α ln N,
/// −B D^−β ln D) (eq. 19.10), and ln N*(C) = [ln(α/β) + ln A − ln B]/(α+β)
/// + β/(α+β)·ln(C/6) (eq. 19.11).
fn surface_fit<T: RealField>(
    surface: &LossSurface<T>,
    design: &SweepDesign<T>,
    sigma: &T,
    target: &T,
    method: &'static str,
) -> Result<ExpectedError<T>, DesignError> {
    let [_, _, _, alpha, beta] = surface.parameters();
    let ln10 = T::ln_10();
    let six = int::<T>(6);
    let pts = design_points(surface, design);
    let mut m = DMatrix::<T>::zeros(5, 5);
    for (k, x) in &pts {
        let ln_n = x.clone() * ln10.clone();
        let ln_d = (design.budgets[*k].clone() / six.clone()).ln() - ln_n.clone();
        let j = jacobian_row(surface, &ln_n, &ln_d);
        for r in 0..5 {
            for q in 0..5 {
                m[(r, q)] += j[r].clone() * j[q].clone();
            }
        }
    }
    let sum = alpha.clone() + beta.clone();
    let g_n = ln_n_gradient(surface, target);
    let g_a = DVector::from_vec(vec![
        T::zero(),
        T::zero(),
        T::zero(),
        -beta.clone() / (sum.clone() * sum.clone()),
        alpha / (sum.clone() * sum),
    ]);
    let q = inverse_forms(&m, &[g_n, g_a, unit(5, 3), unit(5, 4)])
        .ok_or(DesignError::NotIdentified { method })?;
    let s2 = sigma.clone() * sigma.clone();
    Ok(ExpectedError {
        bias_ln_n: T::zero(),
        var_ln_n: s2.clone() * q[0].clone(),
        bias_a: T::zero(),
        var_a: s2 * q[1].clone(),
        linearity: exponent_spread(&q[2], &q[3], sigma, surface.alpha(), surface.beta()),
    })
}

/// Approach 2 corrected: along budget k, `L = E_k + P_k 10^(−αv) +
/// Q_k 10^(βv)` with v measured from the grid centre c_k; least squares over
/// θ = (α, β, E_k, ln P_k, ln Q_k …) (eq. 19.7). The fitted vertex is
/// `v*_k = [ln(α/β) + ln P_k − ln Q_k]/((α+β) ln 10)` (proofs/15, eq. 15.3),
/// and the power-law fit goes through `c_k + v*_k`.
fn corrected<T: RealField>(
    surface: &LossSurface<T>,
    design: &SweepDesign<T>,
    sigma: &T,
    target: &T,
) -> Result<ExpectedError<T>, DesignError> {
    if design.grid.points() < 5 {
        return Err(DesignError::TooFewPointsForCorrected(design.grid.points()));
    }
    let [_, a, b, alpha, beta] = surface.parameters();
    let ln10 = T::ln_10();
    let six = int::<T>(6);
    let kk = design.budgets.len();
    let p = 2 + 3 * kk;
    let offsets = design.bias.offsets(&design.budgets);
    let v = design.grid.offsets();
    let mut m = DMatrix::<T>::zeros(p, p);
    let mut vstar = Vec::with_capacity(kk);
    for (k, (c, o)) in design.budgets.iter().zip(offsets).enumerate() {
        let centre = surface.log10_n_opt(c) + o.clone();
        let ln_c6 = (c.clone() / six.clone()).ln();
        // P_k = A·10^(−α c_k), Q_k = B·(C_k/6)^(−β)·10^(β c_k).
        let ln_p = a.clone().ln() - alpha.clone() * ln10.clone() * centre.clone();
        let ln_q = b.clone().ln() - beta.clone() * ln_c6 + beta.clone() * ln10.clone() * centre;
        vstar.push(-o);
        let idx = [0, 1, 2 + 3 * k, 3 + 3 * k, 4 + 3 * k];
        for x in &v {
            let tp = (ln_p.clone() - alpha.clone() * ln10.clone() * x.clone()).exp();
            let tq = (ln_q.clone() + beta.clone() * ln10.clone() * x.clone()).exp();
            let j = [
                -ln10.clone() * x.clone() * tp.clone(),
                ln10.clone() * x.clone() * tq.clone(),
                T::one(),
                tp,
                tq,
            ];
            for r in 0..5 {
                for q in 0..5 {
                    m[(idx[r], idx[q])] += j[r].clone() * j[q].clone();
                }
            }
        }
    }
    let (h, s) = power_law_weights(&design.budgets, target);
    let sum = alpha.clone() + beta.clone();
    let gradient = |w: &[T], scale: T| {
        let mut g = DVector::<T>::zeros(p);
        for k in 0..kk {
            let wk = w[k].clone() * scale.clone();
            // ∂v*/∂α = 1/(α(α+β)ln10) − v*/(α+β), ∂v*/∂β = −1/(β(α+β)ln10) − v*/(α+β).
            g[0] += wk.clone()
                * (T::one() / (alpha.clone() * sum.clone() * ln10.clone())
                    - vstar[k].clone() / sum.clone());
            g[1] += wk.clone()
                * (-T::one() / (beta.clone() * sum.clone() * ln10.clone())
                    - vstar[k].clone() / sum.clone());
            g[3 + 3 * k] = wk.clone() / (sum.clone() * ln10.clone());
            g[4 + 3 * k] = -wk / (sum.clone() * ln10.clone());
        }
        g
    };
    let g_n = gradient(&h, ln10.clone());
    let g_a = gradient(&s, T::one());
    let q = inverse_forms(&m, &[g_n, g_a, unit(p, 0), unit(p, 1)]).ok_or(
        DesignError::NotIdentified {
            method: "approach2-corrected",
        },
    )?;
    let s2 = sigma.clone() * sigma.clone();
    Ok(ExpectedError {
        bias_ln_n: T::zero(),
        var_ln_n: s2.clone() * q[0].clone(),
        bias_a: T::zero(),
        var_a: s2 * q[1].clone(),
        linearity: exponent_spread(&q[2], &q[3], sigma, surface.alpha(), surface.beta()),
    })
}

/// The gradient of ln N*(C_t) over (E, ln A, ln B, α, β) (eq. 19.10).
pub(super) fn ln_n_gradient<T: RealField>(s: &LossSurface<T>, target: &T) -> DVector<T> {
    let [_, a, b, alpha, beta] = s.parameters();
    let sum = alpha.clone() + beta.clone();
    let ln_g = ((alpha.clone() / beta.clone()).ln() + a.ln() - b.ln()) / sum.clone();
    let ln_c = (target.clone() / int::<T>(6)).ln();
    DVector::from_vec(vec![
        T::zero(),
        T::one() / sum.clone(),
        -T::one() / sum.clone(),
        T::one() / (alpha.clone() * sum.clone())
            - ln_g.clone() / sum.clone()
            - beta.clone() / (sum.clone() * sum.clone()) * ln_c.clone(),
        -T::one() / (beta.clone() * sum.clone()) - ln_g / sum.clone()
            + alpha / (sum.clone() * sum) * ln_c,
    ])
}
