//! Approach 2 corrected: IsoFLOP profiles fitted with their exact shape, so
//! the vertices carry no bias.
//!
//! Approach 2 fits a parabola to each IsoFLOP curve; the loss along the curve
//! is not a parabola, and the vertex misses the optimum by the vertex shift
//! δw(α, β, W, n, o) (`proofs/02`–`05`). Along budget k, with
//! `v = log10 N − c_k` measured from the grid's centre `c_k`, the loss of the
//! surface `L = E + A/N^α + B/D^β` is exactly
//!
//! ```text
//! L(v) = E_k + P_k·10^(−αv) + Q_k·10^(βv)
//! ```
//!
//! (`D = C_k/(6N)`), with `P_k, Q_k > 0` and its minimum at
//! `v* = log10(αP_k/(βQ_k))/(α+β)` (`proofs/15_approach2_corrected.md`,
//! eqs. 15.1–15.3). This fitter replaces each parabola by that profile:
//! (α, β) shared by all budgets, (E_k, P_k, Q_k) per budget. For fixed (α, β)
//! the profile is linear in (E_k, P_k, Q_k), so the fit is a variable
//! projection over two parameters \[GP73\]: a coarse grid over (α, β), then
//! Levenberg–Marquardt with the Kaufman Jacobian \[K75\] on the stacked
//! projected residuals. The vertices `log10 N̂*_k = c_k + v*_k` (and the
//! same along log10 D) then go through Approach 2's own power-law fit.
//!
//! On noise-free data from the surface the profile is exact, the residual at
//! the true (α, β) is zero, and with at least 5 distinct points on some
//! budget that zero is unique (proof §15.3): the estimator is exact by
//! construction, for any grid width, point count and sampling bias.
//!
//! ## References
//! - \[GP73\] G. Golub, V. Pereyra, SIAM J. Numer. Anal. 10 (1973), doi:10.1137/0710036.
//! - \[K75\] L. Kaufman, BIT 15 (1975), doi:10.1007/BF01932995.

use nalgebra::{DMatrix, DVector, RealField};
use thiserror::Error;

use super::approach2::{check_budget_size, group_budgets, Approach2Error, PowerLaw};
use super::outcome::{FitStatus, BOUND_TOLERANCE};
use crate::numerics::{int, is_positive_finite, lit, ratio, to_f64};
use crate::sampling::IsoflopPoint;

/// Points needed on at least one budget for the exponents to be identified
/// (`proofs/15_approach2_corrected.md` §15.3): with 3 points every (α, β)
/// interpolates a budget exactly, with 4 a budget gives one equation for two
/// unknowns.
pub const POINTS_FOR_EXPONENTS: usize = 5;

/// Why the corrected Approach 2 could not be fitted, with the evidence.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CorrectedError {
    /// The checks Approach 2 itself makes: bad points, fewer than 3 points or
    /// 3 distinct abscissae on a budget, fewer than 2 budgets.
    #[error(transparent)]
    Approach2(#[from] Approach2Error),
    /// No budget has enough distinct model sizes to identify (α, β).
    #[error("the exponents need at least {needed} distinct model sizes on one budget; the most on any budget is {most}")]
    TooFewPointsForExponents {
        /// Distinct points needed on at least one budget (5).
        needed: usize,
        /// The largest number of distinct model sizes on any budget.
        most: usize,
    },
    /// At the fitted (α, β) a budget's profile has no minimum: P ≤ 0 or
    /// Q ≤ 0 makes it monotone or concave.
    #[error("budget C = {budget:e}: the fitted profile in log10 {axis} has no minimum (coefficients {p:e}, {q:e} must both be positive)")]
    NoMinimum {
        /// The budget.
        budget: f64,
        /// `N` or `D`.
        axis: &'static str,
        /// The coefficient of the falling term (P for N, P′ for D).
        p: f64,
        /// The coefficient of the rising term.
        q: f64,
    },
    /// The fit ended at a non-finite value.
    #[error("the fit ended non-finite at alpha = {alpha}, beta = {beta}")]
    NonFinite {
        /// α at the end.
        alpha: f64,
        /// β at the end.
        beta: f64,
    },
}

/// Settings of [`fit_approach2_corrected`].
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectedParams {
    /// Grid points per axis of the (α, β) start grid.
    pub grid: usize,
    /// Range of the start grid (both axes).
    pub grid_range: (f64, f64),
    /// Bounds of the refinement (both axes).
    pub bounds: (f64, f64),
    /// Iteration limit of the Levenberg–Marquardt refinement (noise-free
    /// data converge in 5–15; the limit only guards against a stalled search).
    pub max_iter: usize,
}

impl Default for CorrectedParams {
    /// 8×8 start grid on [0.05, 0.95]², bounds [0.01, 0.99] (those of
    /// VPNLS), 100 iterations.
    fn default() -> Self {
        Self {
            grid: 8,
            grid_range: (0.05, 0.95),
            bounds: (0.01, 0.99),
            max_iter: 100,
        }
    }
}

/// One budget's result.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectedVertex<T> {
    /// The compute budget C.
    pub budget: T,
    /// Points on this budget.
    pub points: usize,
    /// `log10 N̂*`: the minimum of the fitted profile in log10 N.
    pub log10_n_opt: T,
    /// `log10 D̂*`: the minimum of the fitted profile in log10 D.
    pub log10_d_opt: T,
    /// The fitted loss at the minimum (the estimate of L at N̂*).
    pub loss_at_optimum: T,
    /// `log10 N̂* − (vertex of Approach 2's parabola)`: the correction this
    /// fitter applied (−δw on noise-free data).
    pub correction: Option<T>,
}

/// The corrected Approach 2 fit: Approach 2's power laws through unbiased
/// vertices, and the exponents (α̂, β̂) that located them.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectedFit<T> {
    /// `log10 N̂* = â0 + â·log10 C`.
    pub n_law: PowerLaw<T>,
    /// `log10 D̂* = b̂0 + b̂·log10 C`.
    pub d_law: PowerLaw<T>,
    /// α̂, shared by all profiles.
    pub alpha: T,
    /// β̂, shared by all profiles.
    pub beta: T,
    /// The vertices, one per budget, in increasing budget.
    pub vertices: Vec<CorrectedVertex<T>>,
    /// Residual sum of squares of the profile fit (along log10 N).
    pub rss: T,
    /// `Converged`, `MaxIter`, `BoundHit` (α̂ or β̂ within
    /// [`BOUND_TOLERANCE`] of a bound: the data did not locate it inside) or
    /// `Abnormal` (no descent and a gradient above rounding).
    pub status: FitStatus,
    /// Levenberg–Marquardt iterations, in f64 and then in `T` (the status
    /// is that of the second run).
    pub iterations: usize,
}

/// One budget's data, in coordinates about the grid's centre.
struct Budget<T> {
    budget: T,
    points: usize,
    /// Centre of log10 N (midpoint of the range).
    c_n: T,
    /// `log10 N − c_n`.
    v: Vec<T>,
    /// Centre of log10 D.
    c_d: T,
    /// `log10 D − c_d`.
    u: Vec<T>,
    loss: DVector<T>,
}

fn distinct<T: RealField>(x: &[T]) -> usize {
    let mut n = 0;
    for (i, a) in x.iter().enumerate() {
        if !x[..i].contains(a) {
            n += 1;
        }
    }
    n
}

fn midpoint<T: RealField>(x: &[T]) -> T {
    let lo = x.iter().cloned().fold(x[0].clone(), |a, b| a.min(b));
    let hi = x.iter().cloned().fold(x[0].clone(), |a, b| a.max(b));
    (lo + hi) / int::<T>(2)
}

/// Group points by exactly equal budget, in increasing budget, and check
/// them as Approach 2 does (its own grouping,
/// [`group_budgets`](super::approach2::group_budgets)).
fn group<T: RealField>(points: &[IsoflopPoint<T>]) -> Result<Vec<Budget<T>>, CorrectedError> {
    let groups = group_budgets(points)?;
    let mut out = Vec::with_capacity(groups.runs.len());
    for run in groups.runs {
        let idx = &groups.order[run];
        let c = &points[idx[0]].budget;
        let budget = to_f64(c);
        check_budget_size(budget, idx.len())?;
        let ln = |f: fn(&IsoflopPoint<T>) -> &T| -> Vec<T> {
            idx.iter().map(|&i| f(&points[i]).clone().log10()).collect()
        };
        let (w, z) = (ln(|p| &p.n), ln(|p| &p.d));
        for (axis, x) in [("N", &w), ("D", &z)] {
            if distinct(x) < 3 {
                return Err(Approach2Error::Degenerate { budget, axis }.into());
            }
        }
        let (c_n, c_d) = (midpoint(&w), midpoint(&z));
        out.push(Budget {
            budget: c.clone(),
            points: idx.len(),
            v: w.into_iter().map(|x| x - c_n.clone()).collect(),
            u: z.into_iter().map(|x| x - c_d.clone()).collect(),
            c_n,
            c_d,
            loss: DVector::from_iterator(idx.len(), idx.iter().map(|&i| points[i].loss.clone())),
        });
    }
    if out.len() < 2 {
        return Err(Approach2Error::TooFewBudgets {
            needed: 2,
            got: out.len(),
        }
        .into());
    }
    let most = out.iter().map(|b| distinct(&b.v)).max().unwrap_or(0);
    if most < POINTS_FOR_EXPONENTS {
        return Err(CorrectedError::TooFewPointsForExponents {
            needed: POINTS_FOR_EXPONENTS,
            most,
        });
    }
    Ok(out)
}

/// The profile's design along one axis: columns `1`,
/// `10^(−s·v) − 1` and `10^(t·v) − 1` (by `exp_m1`: the constant is taken
/// out so that the two exponential columns do not cancel against it).
fn design<T: RealField>(v: &[T], s: &T, t: &T) -> DMatrix<T> {
    let ln10 = T::ln_10();
    DMatrix::from_fn(v.len(), 3, |i, j| match j {
        0 => T::one(),
        1 => (-s.clone() * ln10.clone() * v[i].clone()).exp_m1(),
        _ => (t.clone() * ln10.clone() * v[i].clone()).exp_m1(),
    })
}

/// Least squares of `y` on `phi` by Householder QR: the coefficients, the
/// residual and Q (for the Kaufman projector); `None` when rank deficient.
struct Solved<T: RealField> {
    coef: DVector<T>,
    resid: DVector<T>,
    q: DMatrix<T>,
}

fn solve<T: RealField>(phi: DMatrix<T>, y: &DVector<T>) -> Option<Solved<T>> {
    if phi.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let m = phi.nrows();
    let qr = phi.clone().qr();
    let r = qr.r();
    let rmax = (0..3)
        .map(|i| r[(i, i)].clone().abs())
        .fold(T::zero(), |a, b| a.max(b));
    let tiny = rmax * T::default_epsilon() * int::<T>(16 * m as i64);
    if (0..3).any(|i| r[(i, i)].clone().abs() <= tiny) {
        return None;
    }
    let q = qr.q();
    let coef = r.solve_upper_triangular(&(q.transpose() * y))?;
    let resid = y - phi * &coef;
    Some(Solved { coef, resid, q })
}

/// The stacked projection at θ = (α, β): total RSS, and (when asked) the
/// normal-equation pieces JᵀJ and Jᵀr of the Kaufman Jacobian
/// `J_k = −P⊥_k (∂Φ_k/∂θ) c_k`.
struct Stack<T: RealField> {
    rss: T,
    jtj: [[T; 2]; 2],
    jtr: [T; 2],
}

fn stack<T: RealField>(budgets: &[Budget<T>], theta: &[T; 2], jacobian: bool) -> Option<Stack<T>> {
    let [alpha, beta] = theta;
    let ln10 = T::ln_10();
    let mut rss = T::zero();
    let mut jtj = [[T::zero(), T::zero()], [T::zero(), T::zero()]];
    let mut jtr = [T::zero(), T::zero()];
    for b in budgets {
        let s = solve(design(&b.v, alpha, beta), &b.loss)?;
        rss += s.resid.dot(&s.resid);
        if !jacobian {
            continue;
        }
        // −(∂Φ/∂α)c = P·ln10·v·10^(−αv);  −(∂Φ/∂β)c = −Q·ln10·v·10^(βv).
        let (p, q) = (s.coef[1].clone(), s.coef[2].clone());
        let m = b.v.len();
        let mut j = DMatrix::from_fn(m, 2, |i, k| {
            let v = b.v[i].clone();
            if k == 0 {
                p.clone() * ln10.clone() * v.clone() * (-alpha.clone() * ln10.clone() * v).exp()
            } else {
                -q.clone() * ln10.clone() * v.clone() * (beta.clone() * ln10.clone() * v).exp()
            }
        });
        let proj = &s.q * (s.q.transpose() * &j);
        j -= proj;
        for (k, row) in jtj.iter_mut().enumerate() {
            jtr[k] += j.column(k).dot(&s.resid);
            for (l, entry) in row.iter_mut().enumerate() {
                *entry += j.column(k).dot(&j.column(l));
            }
        }
    }
    rss.is_finite().then_some(Stack { rss, jtj, jtr })
}

/// The (α, β) grid cell with the least stacked RSS (in f64).
fn grid_start(budgets: &[Budget<f64>], params: &CorrectedParams) -> [f64; 2] {
    let g = params.grid.max(2);
    let (lo, hi) = params.grid_range;
    let values: Vec<f64> = (0..g)
        .map(|i| lo + (hi - lo) * i as f64 / (g - 1) as f64)
        .collect();
    let mut best = (f64::INFINITY, 0, 0);
    for (i, a) in values.iter().enumerate() {
        for (j, b) in values.iter().enumerate() {
            if let Some(s) = stack(budgets, &[*a, *b], false) {
                if s.rss < best.0 {
                    best = (s.rss, i, j);
                }
            }
        }
    }
    [values[best.1], values[best.2]]
}

/// Levenberg–Marquardt on the stacked projected residual from `start`,
/// inside `bounds`. Returns (θ, status, iterations).
fn refine<T: RealField>(
    budgets: &[Budget<T>],
    start: [T; 2],
    params: &CorrectedParams,
) -> ([T; 2], FitStatus, usize) {
    let (lo, hi) = (lit::<T>(params.bounds.0), lit::<T>(params.bounds.1));
    let mut theta = start.map(|t| t.clamp(lo.clone(), hi.clone()));
    let Some(mut cur) = stack(budgets, &theta, true) else {
        return (theta, FitStatus::Abnormal, 0);
    };
    let mut lambda = ratio::<T>(1, 1000);
    let tiny = T::default_epsilon() * int::<T>(4);
    let mut iterations = 0;
    let mut status = FitStatus::MaxIter;
    while iterations < params.max_iter {
        iterations += 1;
        if cur.rss == T::zero() {
            status = FitStatus::Converged;
            break;
        }
        // Marquardt's damping λ·diag(JᵀJ), each entry floored at ε·tr(JᵀJ).
        let floor = T::default_epsilon() * (cur.jtj[0][0].clone() + cur.jtj[1][1].clone());
        let mut accepted = false;
        let mut lambda_steps = 0;
        while lambda_steps < 30 {
            lambda_steps += 1;
            let a00 =
                cur.jtj[0][0].clone() + lambda.clone() * cur.jtj[0][0].clone().max(floor.clone());
            let a11 =
                cur.jtj[1][1].clone() + lambda.clone() * cur.jtj[1][1].clone().max(floor.clone());
            let a01 = cur.jtj[0][1].clone();
            let det = a00.clone() * a11.clone() - a01.clone() * a01.clone();
            if !(det.is_finite() && det > T::zero()) {
                lambda *= int::<T>(10);
                continue;
            }
            // Solve A·step = −Jᵀr by Cramer's rule (2×2, A positive definite).
            let (g0, g1) = (cur.jtr[0].clone(), cur.jtr[1].clone());
            let mut step = [
                -(a11.clone() * g0.clone() - a01.clone() * g1.clone()) / det.clone(),
                -(a00.clone() * g1.clone() - a01 * g0.clone()) / det,
            ];
            // A coordinate at a bound whose step points outward stays there;
            // the other takes its one-dimensional step (a projected
            // Gauss–Newton step, so that a boundary minimum converges).
            let pinned = |k: usize, st: &T| {
                (theta[k] <= lo && *st < T::zero()) || (theta[k] >= hi && *st > T::zero())
            };
            match (pinned(0, &step[0]), pinned(1, &step[1])) {
                (true, false) => step = [T::zero(), -g1 / a11],
                (false, true) => step = [-g0 / a00, T::zero()],
                (true, true) => step = [T::zero(), T::zero()],
                (false, false) => {}
            }
            let cand = [
                (theta[0].clone() + step[0].clone()).clamp(lo.clone(), hi.clone()),
                (theta[1].clone() + step[1].clone()).clamp(lo.clone(), hi.clone()),
            ];
            let moved = (cand[0].clone() - theta[0].clone()).abs()
                + (cand[1].clone() - theta[1].clone()).abs();
            if moved <= tiny.clone() * (theta[0].clone().abs() + theta[1].clone().abs()) {
                status = FitStatus::Converged;
                break;
            }
            match stack(budgets, &cand, true) {
                Some(next) if next.rss <= cur.rss => {
                    theta = cand;
                    cur = next;
                    lambda = (lambda / int::<T>(10)).max(lit(1e-12));
                    accepted = true;
                    break;
                }
                _ => lambda *= int::<T>(10),
            }
        }
        if status == FitStatus::Converged {
            break;
        }
        if !accepted {
            // No step lowers the RSS: the rounding floor, or stuck.
            let gnorm = (cur.jtr[0].clone().powi(2) + cur.jtr[1].clone().powi(2)).sqrt();
            let jnorm = (cur.jtj[0][0].clone() + cur.jtj[1][1].clone()).sqrt();
            let scale = jnorm * cur.rss.clone().sqrt() + T::default_epsilon();
            status = if gnorm <= scale * lit(1e-6) {
                FitStatus::Converged
            } else {
                FitStatus::Abnormal
            };
            break;
        }
    }
    (theta, status, iterations)
}

/// The minimum of a fitted profile `E + P·(10^(−s·v) − 1) + Q·(10^(t·v) − 1)`:
/// `v* = log10(sP/(tQ))/(s+t)`, and the loss there. `None` unless P, Q > 0.
fn profile_minimum<T: RealField>(coef: &DVector<T>, s: &T, t: &T) -> Option<(T, T)> {
    let (e, p, q) = (coef[0].clone(), coef[1].clone(), coef[2].clone());
    if !(is_positive_finite(&p) && is_positive_finite(&q)) {
        return None;
    }
    let st = s.clone() + t.clone();
    let v = ((s.clone() * p.clone()).log10() - (t.clone() * q.clone()).log10()) / st;
    let ln10 = T::ln_10();
    let loss = e
        + p * (-s.clone() * ln10.clone() * v.clone()).exp_m1()
        + q * (t.clone() * ln10 * v.clone()).exp_m1();
    Some((v, loss))
}

fn to_f64_budgets<T: RealField>(budgets: &[Budget<T>]) -> Vec<Budget<f64>> {
    budgets
        .iter()
        .map(|b| Budget {
            budget: to_f64(&b.budget),
            points: b.points,
            c_n: to_f64(&b.c_n),
            v: b.v.iter().map(to_f64).collect(),
            c_d: to_f64(&b.c_d),
            u: b.u.iter().map(to_f64).collect(),
            loss: b.loss.map(|x| to_f64(&x)),
        })
        .collect()
}

/// Fit the corrected Approach 2 to IsoFLOP points `(N, D, L, C)`.
///
/// Per budget, the exact IsoFLOP profile
/// `L = E_k + P_k·10^(−α v) + Q_k·10^(β v)` (`v = log10 N − c_k`) with
/// (α, β) shared; its minimum `log10 N̂*_k = c_k + log10(αP_k/(βQ_k))/(α+β)`.
/// Along log10 D (`ν = log10 D − c′_k`) the same (α̂, β̂) give
/// `L = E′_k + P′_k·10^(αν) + Q′_k·10^(−βν)` and
/// `log10 D̂*_k = c′_k + log10(βQ′_k/(αP′_k))/(α+β)`. Ordinary least squares
/// of the vertices on log10 C gives the power laws, as in Approach 2
/// (`proofs/15_approach2_corrected.md`).
///
/// The search: the best cell of a `grid × grid` start grid (scored in f64),
/// Levenberg–Marquardt in f64, then Levenberg–Marquardt in `T` from there
/// (one confirming iteration when `T` is f64; a few quadratic steps to the
/// rounding floor at 256 bits).
///
/// # Errors
/// [`CorrectedError::Approach2`] for the checks Approach 2 makes (bad point,
/// a budget with fewer than 3 points or 3 distinct abscissae, fewer than 2
/// budgets); [`CorrectedError::TooFewPointsForExponents`] when no budget has
/// 5 distinct model sizes; [`CorrectedError::NoMinimum`] when a fitted
/// profile has no minimum; [`CorrectedError::NonFinite`].
///
/// ```
/// use scaling_laws::fitters::approach2_corrected::{fit_approach2_corrected, CorrectedParams};
/// use scaling_laws::models::LossSurface;
/// use scaling_laws::sampling::*;
/// let s = LossSurface::<f64>::chinchilla();
/// let grid = IsoflopGrid::new(16f64.log10(), 15).unwrap();
/// let pts = sample_isoflops(&s, &default_budgets(), &grid, &SamplingBias::none()).unwrap();
/// let fit = fit_approach2_corrected(&pts, &CorrectedParams::default()).unwrap();
/// assert!((fit.n_law.intercept - s.a0()).abs() < 1e-10); // Approach 2 misses by δw ≈ 0.0227
/// ```
pub fn fit_approach2_corrected<T: RealField>(
    points: &[IsoflopPoint<T>],
    params: &CorrectedParams,
) -> Result<CorrectedFit<T>, CorrectedError> {
    let budgets = group(points)?;
    let low = to_f64_budgets(&budgets);
    let start = grid_start(&low, params);
    let (theta64, _, first) = refine(&low, start, params);
    let (theta, mut status, second) = refine(&budgets, theta64.map(lit::<T>), params);
    let iterations = first + second;
    let [alpha, beta] = theta.clone();
    let non_finite = || CorrectedError::NonFinite {
        alpha: to_f64(&alpha),
        beta: to_f64(&beta),
    };
    let mut rss = T::zero();
    let mut vertices = Vec::with_capacity(budgets.len());
    for b in &budgets {
        let budget = to_f64(&b.budget);
        let sn = solve(design(&b.v, &alpha, &beta), &b.loss).ok_or_else(non_finite)?;
        rss += sn.resid.dot(&sn.resid);
        let (vn, loss) =
            profile_minimum(&sn.coef, &alpha, &beta).ok_or(CorrectedError::NoMinimum {
                budget,
                axis: "N",
                p: to_f64(&sn.coef[1]),
                q: to_f64(&sn.coef[2]),
            })?;
        // Along log10 D the falling term is Q′·10^(−βν), the rising one P′·10^(αν).
        let sd = solve(design(&b.u, &beta, &alpha), &b.loss).ok_or_else(non_finite)?;
        let (vd, _) =
            profile_minimum(&sd.coef, &beta, &alpha).ok_or(CorrectedError::NoMinimum {
                budget,
                axis: "D",
                p: to_f64(&sd.coef[1]),
                q: to_f64(&sd.coef[2]),
            })?;
        let log10_n_opt = b.c_n.clone() + vn;
        let correction = super::approach2::fit_parabola(&b.v, b.loss.as_slice())
            .map(|par| log10_n_opt.clone() - b.c_n.clone() - par.vertex);
        vertices.push(CorrectedVertex {
            budget: b.budget.clone(),
            points: b.points,
            log10_n_opt,
            log10_d_opt: b.c_d.clone() + vd,
            loss_at_optimum: loss,
            correction,
        });
    }
    let x: Vec<T> = vertices.iter().map(|v| v.budget.clone().log10()).collect();
    let yn: Vec<T> = vertices.iter().map(|v| v.log10_n_opt.clone()).collect();
    let yd: Vec<T> = vertices.iter().map(|v| v.log10_d_opt.clone()).collect();
    let too_few = || {
        CorrectedError::from(Approach2Error::TooFewBudgets {
            needed: 2,
            got: x.len(),
        })
    };
    let n_law = PowerLaw::fit_log10(&x, &yn).ok_or_else(too_few)?;
    let d_law = PowerLaw::fit_log10(&x, &yd).ok_or_else(too_few)?;
    let all = [
        &n_law.exponent,
        &n_law.intercept,
        &d_law.exponent,
        &d_law.intercept,
        &rss,
    ];
    if all.iter().any(|x| !x.is_finite()) {
        return Err(non_finite());
    }
    let (lo, hi) = (lit::<T>(params.bounds.0), lit::<T>(params.bounds.1));
    let near = |x: &T, b: &T| (x.clone() - b.clone()).abs() <= lit(BOUND_TOLERANCE);
    let at_bound = [&alpha, &beta].iter().any(|t| near(t, &lo) || near(t, &hi));
    if matches!(status, FitStatus::Converged | FitStatus::MaxIter) && at_bound {
        status = FitStatus::BoundHit;
    }
    Ok(CorrectedFit {
        n_law,
        d_law,
        alpha,
        beta,
        vertices,
        rss,
        status,
        iterations,
    })
}
