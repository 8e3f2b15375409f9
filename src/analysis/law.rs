//! A fitted scaling law as a decision: the compute-optimal allocation
//! N*(C), D*(C), L*(C) at any budget and the loss at any (N, D), for the
//! five-parameter surface fits and for Approach 2.
//!
//! - A surface `L = E + A/N^α + B/D^β` answers by its closed forms
//!   (proofs/01): `a = β/(α+β)`, `N* = G·(C/6)^a`, `D* = (C/6)^b/G`,
//!   `L* = E + K·(C/6)^(−γ)`.
//! - Approach 2 fits no surface. Its allocation is its two power laws; its
//!   loss is **the law of its fitted parabolas** (proofs/17): the vertex
//!   losses give `L*(C) = E + K·(C/6)^(−γ)` (least squares, profiled over γ),
//!   the curvatures in log10 N give a power law `k(C)`, and a point (N, D)
//!   at compute C = 6ND is predicted on the parabola of its budget,
//!   `L̂ = L*(C) + k(C)·(log10 N − log10 N*(C))²`.

use crate::fitters::approach2_corrected::{fit_approach2_corrected, CorrectedFit, CorrectedParams};
use crate::fitters::{
    fit_approach2, Approach2Fit, FitStatus, PowerLaw, SurfaceData, SurfaceFit, SurfaceMethod,
};
use crate::models::LossSurface;
use crate::sampling::IsoflopPoint;

/// `L*(C) = E + K·(C/6)^(−γ)`: the lowest loss reachable at compute C.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptimalLossLaw {
    /// E, the loss as C → ∞.
    pub e: f64,
    /// K (at C/6 = 1).
    pub k: f64,
    /// γ.
    pub gamma: f64,
}

impl OptimalLossLaw {
    /// `L*(C)`, evaluated as `E + exp(ln K − γ·ln(C/6))` (no overflow of K
    /// alone for small γ and large C).
    pub fn at(&self, c: f64) -> f64 {
        self.e + (self.k.ln() - self.gamma * (c / 6.0).ln()).exp()
    }

    /// Least squares of `L*(C) = E + K·(C/6)^(−γ)` through `(C_k, L_k)`:
    /// for each γ, (E, K) by linear least squares; γ by a log-spaced grid on
    /// [1e-3, 3] refined by golden-section search between the grid
    /// neighbours of the best point. Only γ with K > 0 count.
    ///
    /// # Errors
    /// A sentence when there are fewer than 3 budgets (3 parameters) or no
    /// γ gives a decreasing law (K > 0).
    pub fn fit(budgets: &[f64], losses: &[f64]) -> Result<Self, String> {
        let m = budgets.len();
        if m < 3 || losses.len() != m {
            return Err(format!(
                "the optimal-loss law E + K·(C/6)^(−γ) needs at least 3 budgets, got {m}"
            ));
        }
        // x_k = (C_k/C_ref)^(−γ) with C_ref the geometric mean: O(1) values.
        let ln_ref = budgets.iter().map(|c| c.ln()).sum::<f64>() / m as f64;
        let ln_rel: Vec<f64> = budgets.iter().map(|c| c.ln() - ln_ref).collect();
        let lm = losses.iter().sum::<f64>() / m as f64;
        // (rss, E, K') at γ; K' is K at C = C_ref.
        let solve = |gamma: f64| -> Option<(f64, f64, f64)> {
            let x: Vec<f64> = ln_rel.iter().map(|u| (-gamma * u).exp()).collect();
            let xm = x.iter().sum::<f64>() / m as f64;
            let (mut sxy, mut sxx) = (0.0, 0.0);
            for (xi, li) in x.iter().zip(losses) {
                sxy += (xi - xm) * (li - lm);
                sxx += (xi - xm) * (xi - xm);
            }
            if sxx <= 0.0 || sxx.is_nan() {
                return None;
            }
            let kk = sxy / sxx;
            if kk <= 0.0 || kk.is_nan() {
                return None;
            }
            let e = lm - kk * xm;
            let rss = x
                .iter()
                .zip(losses)
                .map(|(xi, li)| (li - e - kk * xi).powi(2))
                .sum::<f64>();
            rss.is_finite().then_some((rss, e, kk))
        };
        let grid: Vec<f64> = (0..=400)
            .map(|i| 10f64.powf(-3.0 + (3f64.log10() + 3.0) * i as f64 / 400.0))
            .collect();
        let scores: Vec<Option<(f64, f64, f64)>> = grid.iter().map(|&g| solve(g)).collect();
        let best = (0..grid.len())
            .filter_map(|i| scores[i].map(|s| (i, s.0)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .ok_or_else(|| {
                "no exponent γ in [1e-3, 3] gives a decreasing optimal-loss law (the vertex losses do not fall with C)".to_string()
            })?
            .0;
        // Golden section on ln γ between the grid neighbours.
        let (mut lo, mut hi) = (
            grid[best.saturating_sub(1)].ln(),
            grid[(best + 1).min(grid.len() - 1)].ln(),
        );
        let f = |lg: f64| solve(lg.exp()).map_or(f64::INFINITY, |s| s.0);
        let r = (5f64.sqrt() - 1.0) / 2.0;
        let (mut x1, mut x2) = (hi - r * (hi - lo), lo + r * (hi - lo));
        let (mut f1, mut f2) = (f(x1), f(x2));
        for _ in 0..80 {
            if f1 <= f2 {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - r * (hi - lo);
                f1 = f(x1);
            } else {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + r * (hi - lo);
                f2 = f(x2);
            }
        }
        let mut gamma = ((lo + hi) / 2.0).exp();
        let mut sol = solve(gamma);
        if sol.is_none_or(|s| s.0 > scores[best].map_or(f64::INFINITY, |b| b.0)) {
            gamma = grid[best];
            sol = scores[best];
        }
        let (_, e, kk) = sol.ok_or("the optimal-loss law could not be fitted")?;
        // K at C/6 = 1: ln K = ln K' + γ·(ln C_ref − ln 6).
        let k = (kk.ln() + gamma * (ln_ref - 6f64.ln())).exp();
        if !(k.is_finite() && k > 0.0) {
            return Err(format!(
                "the optimal-loss law's K = {k:e} at C/6 = 1 is outside f64's range (γ = {gamma})"
            ));
        }
        Ok(Self { e, k, gamma })
    }
}

/// Approach 2's laws: the allocation (`n_law`, `d_law`), and the law of its
/// parabolas for L (`loss_law`, `curvature_law`), each `Err` with the
/// reason when it could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Approach2Law {
    /// `log10 N* = a0 + a·log10 C`.
    pub n_law: PowerLaw<f64>,
    /// `log10 D* = b0 + b·log10 C`.
    pub d_law: PowerLaw<f64>,
    /// `L*(C)` through the vertex losses.
    pub loss_law: Result<OptimalLossLaw, String>,
    /// `log10 k(C)` (k: curvature of L in log10 N, per decade²) against
    /// log10 C.
    pub curvature_law: Result<PowerLaw<f64>, String>,
}

impl Approach2Law {
    /// The laws of a plain Approach 2 fit.
    pub fn from_fit(fit: &Approach2Fit<f64>) -> Self {
        let c: Vec<f64> = fit.vertices.iter().map(|v| v.budget).collect();
        let l: Vec<f64> = fit.vertices.iter().map(|v| v.loss_at_vertex).collect();
        let lc: Vec<f64> = c.iter().map(|x| x.log10()).collect();
        let lk: Vec<f64> = fit.vertices.iter().map(|v| v.n_curvature.log10()).collect();
        Self {
            n_law: fit.n_law.clone(),
            d_law: fit.d_law.clone(),
            loss_law: OptimalLossLaw::fit(&c, &l),
            curvature_law: PowerLaw::fit_log10(&lc, &lk)
                .filter(|p| p.exponent.is_finite() && p.intercept.is_finite())
                .ok_or_else(|| {
                    "the curvature law needs at least 2 budgets with finite curvatures".to_string()
                }),
        }
    }
}

impl Approach2Law {
    /// The laws of a corrected Approach 2 fit: its power laws, the loss law
    /// through its profiles' minima, and no curvature law (its profiles are
    /// not parabolas).
    pub fn from_corrected(f: &CorrectedFit<f64>) -> Self {
        let c: Vec<f64> = f.vertices.iter().map(|v| v.budget).collect();
        let l: Vec<f64> = f.vertices.iter().map(|v| v.loss_at_optimum).collect();
        Self {
            n_law: f.n_law.clone(),
            d_law: f.d_law.clone(),
            loss_law: OptimalLossLaw::fit(&c, &l),
            curvature_law: Err(
                "the corrected Approach 2 predicts no loss off its budgets' profiles".into(),
            ),
        }
    }
}

/// A fitted law: a surface, or Approach 2's laws.
#[derive(Debug, Clone, PartialEq)]
pub enum FittedLaw {
    /// A five-parameter surface (vpnls, approach3, grid).
    Surface(LossSurface<f64>),
    /// Approach 2 (plain or corrected).
    Approach2(Approach2Law),
}

/// The compute-optimal allocation at one budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// The budget C (FLOPs, C = 6ND).
    pub budget: f64,
    /// N*(C).
    pub n_opt: f64,
    /// D*(C).
    pub d_opt: f64,
    /// L*(C), or why the law gives none.
    pub loss_opt: Result<f64, String>,
}

impl FittedLaw {
    /// The exponents (a, b) of N* ∝ C^a and D* ∝ C^b.
    pub fn exponents(&self) -> (f64, f64) {
        match self {
            Self::Surface(s) => (s.exponent_a(), s.exponent_b()),
            Self::Approach2(l) => (l.n_law.exponent, l.d_law.exponent),
        }
    }

    /// N*, D*, L* at budget `c`.
    pub fn allocation(&self, c: f64) -> Allocation {
        match self {
            Self::Surface(s) => Allocation {
                budget: c,
                n_opt: 10f64.powf(s.log10_n_opt(&c)),
                d_opt: 10f64.powf(s.log10_d_opt(&c)),
                loss_opt: Ok(s.loss_opt(&c)),
            },
            Self::Approach2(l) => Allocation {
                budget: c,
                n_opt: 10f64.powf(l.n_law.log10_at(&c)),
                d_opt: 10f64.powf(l.d_law.log10_at(&c)),
                loss_opt: l
                    .loss_law
                    .as_ref()
                    .map(|law| law.at(c))
                    .map_err(Clone::clone),
            },
        }
    }

    /// The predicted loss at (N, D); for Approach 2 on the parabola of the
    /// budget C = 6ND (module docs).
    ///
    /// # Errors
    /// Why Approach 2's laws give no loss (a law that could not be fitted).
    pub fn loss(&self, n: f64, d: f64) -> Result<f64, String> {
        match self {
            Self::Surface(s) => Ok(s.loss(&n, &d)),
            Self::Approach2(l) => {
                let law = l.loss_law.as_ref().map_err(Clone::clone)?;
                let k = l.curvature_law.as_ref().map_err(Clone::clone)?;
                let c = 6.0 * n * d;
                let u = n.log10() - l.n_law.log10_at(&c);
                Ok(law.at(c) + 10f64.powf(k.log10_at(&c)) * u * u)
            }
        }
    }

    /// Parameters the loss prediction uses (for the residual-variance
    /// correction n/(n − p)): 5 for a surface, 7 for Approach 2 (the N* law,
    /// the optimal-loss law, the curvature law).
    pub fn parameter_count(&self) -> usize {
        match self {
            Self::Surface(_) => 5,
            Self::Approach2(_) => 7,
        }
    }
}

/// A method that yields a [`FittedLaw`] from points.
#[derive(Debug, Clone, PartialEq)]
pub enum LawMethod {
    /// A surface method.
    Surface(SurfaceMethod),
    /// Plain Approach 2 (needs the budgets).
    Approach2,
    /// The corrected Approach 2 (needs the budgets); its loss law is fitted
    /// through its profiles' minima, and it has no curvature law.
    Approach2Corrected,
}

impl LawMethod {
    /// The method's command-line name.
    pub fn name(&self) -> String {
        match self {
            Self::Surface(SurfaceMethod::Vpnls { .. }) => "vpnls".into(),
            Self::Surface(SurfaceMethod::Approach3(p)) => {
                format!("approach3-{}", p.objective.name())
            }
            Self::Surface(SurfaceMethod::Grid5(_)) => "grid".into(),
            Self::Approach2 => "approach2".into(),
            Self::Approach2Corrected => "approach2-corrected".into(),
        }
    }

    /// Fit the law to `points`. A surface fit counts when it is finite and
    /// the method gave its own kind of answer (converged, or the grid's grid
    /// point); the status is returned beside it.
    ///
    /// # Errors
    /// A sentence naming the failure.
    pub fn fit(&self, points: &[IsoflopPoint<f64>]) -> Result<(FittedLaw, FitStatus), String> {
        match self {
            Self::Surface(m) => {
                let data = SurfaceData::from_points(points).map_err(|e| e.to_string())?;
                let f = m.fit(&data).map_err(|e| e.to_string())?;
                let s = surface_of(&f)?;
                Ok((FittedLaw::Surface(s), f.status))
            }
            Self::Approach2 => {
                let f = fit_approach2(points).map_err(|e| e.to_string())?;
                Ok((
                    FittedLaw::Approach2(Approach2Law::from_fit(&f)),
                    FitStatus::Converged,
                ))
            }
            Self::Approach2Corrected => {
                let f = fit_approach2_corrected(points, &CorrectedParams::default())
                    .map_err(|e| e.to_string())?;
                Ok((
                    FittedLaw::Approach2(Approach2Law::from_corrected(&f)),
                    f.status,
                ))
            }
        }
    }
}

/// The surface of a fit, or why there is none (a non-positive or
/// non-finite parameter).
///
/// # Errors
/// The model's message.
pub fn surface_of(f: &SurfaceFit<f64>) -> Result<LossSurface<f64>, String> {
    LossSurface::new(f.e, f.a, f.b, f.alpha, f.beta).map_err(|e| e.to_string())
}
