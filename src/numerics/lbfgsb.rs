//! Box-constrained L-BFGS (L-BFGS-B) for `f64` objectives, with scipy's
//! default settings and an outcome mapped onto this crate's vocabulary.
//!
//! The algorithm is that of Byrd, Lu, Nocedal and Zhu with the
//! Morales–Nocedal (2011) subspace step that scipy's L-BFGS-B 3.0 uses:
//! generalized Cauchy point along the projected steepest-descent path,
//! Newton step of the limited-memory model on the variables left free, and a
//! Moré–Thuente line search (constants `ftol = 1e-3`, `gtol = 0.9`,
//! `xtol = 0.1`, at most 20 evaluations) bounded to the box. Stopping rules
//! are scipy's: projected-gradient max-norm ≤ `gtol`, relative reduction
//! `(f_old − f)/max(|f_old|, |f|, 1) ≤ ftol`, iteration limit; a failed line
//! search with no stored corrections is `Abnormal` (with stored corrections
//! the memory is discarded and the iteration restarted, as in the Fortran).
//!
//! The problems here have a handful of variables, so the limited-memory
//! matrix `B = θI − W M Wᵀ` is not kept in compact form: it is formed densely
//! (n × n) from `θI` by the stored BFGS updates, which is the same matrix
//! (Byrd, Nocedal, Schnabel 1994, Thm 2.2), and the Cauchy walk and the
//! subspace solve use it directly (Cholesky on the free block). For n ≤ m
//! this costs O(m n²) per iteration instead of the compact form's O(m³).
//!
//! Input validation and the error type are those of `rcompat-lbfgsb`, the
//! crate this module wrapped before (and which the tests use as an oracle).
//!
//! ## References
//! R. H. Byrd, P. Lu, J. Nocedal, C. Zhu, *A limited memory algorithm for
//! bound constrained optimization*, SIAM J. Sci. Comput. 16 (1995),
//! doi:10.1137/0916069.
//! J. L. Morales, J. Nocedal, *Remark on "Algorithm 778: L-BFGS-B"*, ACM
//! TOMS 38 (2011), doi:10.1145/2049662.2049669.
//! J. J. Moré, D. J. Thuente, *Line search algorithms with guaranteed
//! sufficient decrease*, ACM TOMS 20 (1994), doi:10.1145/192115.192132.
//! R. H. Byrd, J. Nocedal, R. B. Schnabel, *Representations of quasi-Newton
//! matrices and their use in limited memory methods*, Math. Prog. 63 (1994).

use std::collections::VecDeque;

use rcompat_lbfgsb::{Bounds, OptimError};

use super::finite_diff::{fd_gradient, FdScheme};

/// Settings, named as in scipy's `minimize(method="L-BFGS-B")`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsbSettings {
    /// Stop when the relative reduction of f is below `ftol` (scipy default
    /// 2.22e-9, i.e. `factr = 1e7`).
    pub ftol: f64,
    /// Stop when the largest projected-gradient entry is below `gtol`
    /// (scipy default 1e-5).
    pub gtol: f64,
    /// Stored correction pairs (scipy default 10).
    pub maxcor: usize,
    /// Iteration limit (scipy default 15000).
    pub maxiter: usize,
}

impl Default for LbfgsbSettings {
    /// scipy's defaults: ftol 2.22e-9, gtol 1e-5, maxcor 10, maxiter 15000.
    fn default() -> Self {
        Self {
            ftol: 2.220_446_049_250_313e-9,
            gtol: 1e-5,
            maxcor: 10,
            maxiter: 15_000,
        }
    }
}

impl LbfgsbSettings {
    /// The reference implementation's settings (its `LBFGSBOptions`
    /// defaults, used by its Experiment 5): `ftol = gtol = 1e-15`, 10,000
    /// iterations, 10 correction pairs. With `ftol` at 4.5 ε the
    /// relative-reduction test fires only once an iteration lowers f by less
    /// than ~1e-15 · max(|f|, 1): on noise-free data that is f ≲ 1e-15.
    pub const fn reference() -> Self {
        Self {
            ftol: 1e-15,
            gtol: 1e-15,
            maxcor: 10,
            maxiter: 10_000,
        }
    }

    /// Whether these are scipy's defaults ([`Default`]).
    pub fn is_scipy_default(&self) -> bool {
        *self == Self::default()
    }
}

/// How the gradient is obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GradientSource {
    /// The analytic gradient supplied by the caller.
    Analytic,
    /// A finite-difference approximation of the objective.
    FiniteDifference(FdScheme),
}

/// How L-BFGS-B ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbfgsbEnd {
    /// Projected gradient or relative reduction below tolerance.
    Converged,
    /// Iteration limit.
    MaxIter,
    /// Line search failure or no descent direction (scipy's ABNORMAL).
    Abnormal,
}

/// The outcome of [`minimize_lbfgsb`].
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsbOutcome {
    /// The final point.
    pub x: Vec<f64>,
    /// f at the final point.
    pub value: f64,
    /// How it ended.
    pub end: LbfgsbEnd,
    /// Function evaluations counted by the optimizer (finite-difference
    /// evaluations excluded).
    pub evaluations: usize,
    /// The optimizer's message.
    pub message: String,
}

/// Moré–Thuente sufficient-decrease constant (L-BFGS-B's `lnsrlb`: 1e-3).
const LS_FTOL: f64 = 1e-3;
/// Moré–Thuente curvature constant (`lnsrlb`: 0.9, a loose quasi-Newton
/// line search).
const LS_GTOL: f64 = 0.9;
/// Moré–Thuente relative width of the bracketing interval (`lnsrlb`: 0.1).
const LS_XTOL: f64 = 0.1;
/// Evaluations one line search may spend before it counts as failed
/// (`mainlb`: `iback >= 20`).
const LS_MAX_EVALUATIONS: usize = 20;
/// Largest step when no bound limits it (`lnsrlb`'s `big`).
const LS_UNBOUNDED_STEP: f64 = 1e10;

const MSG_PGTOL: &str = "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL";
const MSG_FTOL: &str = "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH";
const MSG_MAXITER: &str = "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT";
const MSG_ABNORMAL: &str = "ABNORMAL: LINE SEARCH FAILED WITHOUT STORED CORRECTIONS";

/// Minimise `f` over the box `[lo, hi]` from `x0` (projected into the box).
///
/// `grad` is used for [`GradientSource::Analytic`]; otherwise gradients are
/// finite differences of `f`.
///
/// # Errors
/// [`OptimError`] for invalid input (non-finite start, inconsistent bounds,
/// zero `maxcor`), a non-finite value or gradient at the start
/// (`NonFiniteInitialValue`, `InvalidGradient`) and a non-finite value or
/// gradient during the search (`NonFiniteObjective`, `InvalidGradient`).
pub fn minimize_lbfgsb(
    f: &mut dyn FnMut(&[f64]) -> f64,
    grad: &mut dyn FnMut(&[f64]) -> Vec<f64>,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    source: GradientSource,
    settings: &LbfgsbSettings,
) -> Result<LbfgsbOutcome, OptimError> {
    let n = x0.len();
    validate(x0, lo, hi, settings)?;
    let mut problem = Problem {
        f,
        grad,
        source,
        lo,
        hi,
        evaluations: 0,
    };
    let mut x: Vec<f64> = (0..n).map(|i| x0[i].clamp(lo[i], hi[i])).collect();
    let (mut fx, mut g) = problem.evaluate(&x).map_err(|e| match e {
        OptimError::NonFiniteObjective { value } => OptimError::NonFiniteInitialValue { value },
        other => other,
    })?;
    let finish = |x: Vec<f64>, value: f64, end: LbfgsbEnd, msg: &str, evaluations: usize| {
        Ok(LbfgsbOutcome {
            x,
            value,
            end,
            evaluations,
            message: msg.to_string(),
        })
    };
    if n == 0 || projected_gradient_norm(&x, &g, lo, hi) <= settings.gtol {
        return finish(x, fx, LbfgsbEnd::Converged, MSG_PGTOL, problem.evaluations);
    }
    let constrained = lo.iter().chain(hi).any(|b| b.is_finite());
    let boxed = lo
        .iter()
        .zip(hi)
        .all(|(l, u)| l.is_finite() && u.is_finite());
    let mut model = Model::new(n, settings.maxcor);
    let mut iteration = 0_usize;
    loop {
        // One iteration; a failed factorisation or line search with stored
        // corrections discards them and tries again (the Fortran's restart).
        let (xn, fxn, gn) = loop {
            let target = match model.target(&x, &g, lo, hi, constrained) {
                Some(t) => t,
                None => {
                    model.clear();
                    continue;
                }
            };
            let direction: Vec<f64> = target.iter().zip(&x).map(|(t, x)| t - x).collect();
            let search = line_search(
                &mut problem,
                &x,
                fx,
                &g,
                &direction,
                &target,
                LineSearchStart {
                    first: iteration == 0,
                    constrained,
                    boxed,
                },
            )?;
            match search {
                Some(step) => break step,
                None if model.is_empty() => {
                    return finish(
                        x,
                        fx,
                        LbfgsbEnd::Abnormal,
                        MSG_ABNORMAL,
                        problem.evaluations,
                    );
                }
                None => model.clear(),
            }
        };
        iteration += 1;
        let f_old = fx;
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let descent = -dot(&g, &s);
        x = xn;
        fx = fxn;
        g = gn;
        if iteration >= settings.maxiter {
            return finish(x, fx, LbfgsbEnd::MaxIter, MSG_MAXITER, problem.evaluations);
        }
        if projected_gradient_norm(&x, &g, lo, hi) <= settings.gtol {
            return finish(x, fx, LbfgsbEnd::Converged, MSG_PGTOL, problem.evaluations);
        }
        if f_old - fx <= settings.ftol * f_old.abs().max(fx.abs()).max(1.0) {
            return finish(x, fx, LbfgsbEnd::Converged, MSG_FTOL, problem.evaluations);
        }
        model.push(s, y, descent);
    }
}

/// The checks `rcompat-lbfgsb` made, with its error values.
fn validate(
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    settings: &LbfgsbSettings,
) -> Result<(), OptimError> {
    let n = x0.len();
    let bounds = Bounds::new(lo.to_vec(), hi.to_vec())?;
    bounds.validate_for_dimension(n)?;
    for (index, &value) in x0.iter().enumerate() {
        if value.is_nan() || !value.clamp(lo[index], hi[index]).is_finite() {
            return Err(OptimError::NonFiniteInitialParameter { index, value });
        }
    }
    let bad = |field: &'static str, reason: &str| {
        Err(OptimError::InvalidControl {
            field,
            reason: reason.to_string(),
        })
    };
    if settings.maxcor == 0 {
        return bad("lmm", "must be greater than zero");
    }
    if !(settings.ftol >= 0.0 && settings.ftol.is_finite()) {
        return bad("factr", "must be finite and nonnegative");
    }
    if !(settings.gtol >= 0.0 && settings.gtol.is_finite()) {
        return bad("pgtol", "must be finite and nonnegative");
    }
    Ok(())
}

/// The objective, its gradient source and the evaluation count.
struct Problem<'a> {
    f: &'a mut dyn FnMut(&[f64]) -> f64,
    grad: &'a mut dyn FnMut(&[f64]) -> Vec<f64>,
    source: GradientSource,
    lo: &'a [f64],
    hi: &'a [f64],
    evaluations: usize,
}

impl Problem<'_> {
    fn evaluate(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>), OptimError> {
        let value = (self.f)(x);
        if !value.is_finite() {
            return Err(OptimError::NonFiniteObjective { value });
        }
        let g = match self.source {
            GradientSource::Analytic => (self.grad)(x),
            GradientSource::FiniteDifference(scheme) => {
                fd_gradient(&mut *self.f, x, value, scheme, Some((self.lo, self.hi)))
            }
        };
        if g.len() != x.len() {
            return Err(OptimError::InvalidGradient {
                index: None,
                value: None,
                reason: "gradient dimension mismatch".to_string(),
            });
        }
        if let Some((index, &v)) = g.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(OptimError::InvalidGradient {
                index: Some(index),
                value: Some(v),
                reason: "gradient entry is not finite".to_string(),
            });
        }
        self.evaluations += 1;
        Ok((value, g))
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// max_i |P(x − g) − x|_i: the projected gradient's max-norm.
fn projected_gradient_norm(x: &[f64], g: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
    let mut norm = 0.0_f64;
    for i in 0..x.len() {
        let gi = if g[i] < 0.0 {
            g[i].max(x[i] - hi[i])
        } else {
            g[i].min(x[i] - lo[i])
        };
        norm = norm.max(gi.abs());
    }
    norm
}

/// The limited-memory model: stored pairs (s, y), oldest first, and the
/// dense matrix B they define.
struct Model {
    n: usize,
    memory: usize,
    pairs: VecDeque<(Vec<f64>, Vec<f64>)>,
    theta: f64,
    /// B, row-major n × n.
    b: Vec<f64>,
    /// Scratch: B s, and a k × k Cholesky factor.
    bs: Vec<f64>,
    chol: Vec<f64>,
}

impl Model {
    fn new(n: usize, memory: usize) -> Self {
        Self {
            n,
            memory,
            pairs: VecDeque::with_capacity(memory),
            theta: 1.0,
            b: vec![0.0; n * n],
            bs: vec![0.0; n],
            chol: vec![0.0; n * n],
        }
    }

    fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    fn clear(&mut self) {
        self.pairs.clear();
        self.theta = 1.0;
    }

    /// Store (s, y) when the curvature condition `sᵀy > ε·(−gᵀs)` holds
    /// (`matupd`'s test); θ = yᵀy / sᵀy.
    fn push(&mut self, s: Vec<f64>, y: Vec<f64>, descent: f64) {
        let sy = dot(&s, &y);
        if sy <= f64::EPSILON * descent {
            return;
        }
        self.theta = dot(&y, &y) / sy;
        if self.pairs.len() == self.memory {
            self.pairs.pop_front();
        }
        self.pairs.push_back((s, y));
    }

    /// B = θI updated by every stored pair, oldest first. `false` when an
    /// update is not positive (rounding on an ill-conditioned history).
    fn form(&mut self) -> bool {
        let n = self.n;
        self.b.fill(0.0);
        for i in 0..n {
            self.b[i * n + i] = self.theta;
        }
        for (s, y) in &self.pairs {
            for i in 0..n {
                self.bs[i] = dot(&self.b[i * n..(i + 1) * n], s);
            }
            let sbs = dot(s, &self.bs);
            let sy = dot(s, y);
            if !(sbs > 0.0 && sy > 0.0) {
                return false;
            }
            for i in 0..n {
                for j in 0..n {
                    self.b[i * n + j] += y[i] * y[j] / sy - self.bs[i] * self.bs[j] / sbs;
                }
            }
        }
        true
    }

    fn b_times(&self, v: &[f64], out: &mut [f64]) {
        let n = self.n;
        for (i, o) in out.iter_mut().enumerate() {
            *o = dot(&self.b[i * n..(i + 1) * n], v);
        }
    }

    /// The end point of the step: generalized Cauchy point, then the
    /// subspace minimiser on the free variables. `None` when the model
    /// cannot be factorised (the caller discards the memory).
    fn target(
        &mut self,
        x: &[f64],
        g: &[f64],
        lo: &[f64],
        hi: &[f64],
        constrained: bool,
    ) -> Option<Vec<f64>> {
        let n = self.n;
        if !self.form() {
            return None;
        }
        let (xc, free) = if !constrained && !self.pairs.is_empty() {
            (x.to_vec(), vec![true; n])
        } else {
            self.cauchy(x, g, lo, hi)
        };
        let free_index: Vec<usize> = (0..n).filter(|&i| free[i]).collect();
        if free_index.is_empty() || self.pairs.is_empty() {
            return Some(xc);
        }
        // Reduced gradient r = g + B (xc − x) on the free variables; solve
        // B_FF Δ = −r_F.
        let dz: Vec<f64> = xc.iter().zip(x).map(|(a, b)| a - b).collect();
        let mut bdz = vec![0.0; n];
        self.b_times(&dz, &mut bdz);
        let k = free_index.len();
        let mut delta: Vec<f64> = free_index.iter().map(|&i| -(g[i] + bdz[i])).collect();
        for (r, &i) in free_index.iter().enumerate() {
            for (c, &j) in free_index.iter().enumerate() {
                self.chol[r * k + c] = self.b[i * n + j];
            }
        }
        if !cholesky_solve(&mut self.chol[..k * k], k, &mut delta) {
            return None;
        }
        // Morales–Nocedal: project xc + Δ into the box; keep it if it is a
        // descent direction from x, else truncate Δ at the first bound.
        let mut projected = xc.clone();
        let mut touched = false;
        for (r, &i) in free_index.iter().enumerate() {
            let v = (xc[i] + delta[r]).clamp(lo[i], hi[i]);
            touched |= v == lo[i] || v == hi[i];
            projected[i] = v;
        }
        if !touched {
            return Some(projected);
        }
        let slope: f64 = (0..n).map(|i| (projected[i] - x[i]) * g[i]).sum();
        if slope <= 0.0 {
            return Some(projected);
        }
        let mut alpha = 1.0_f64;
        let mut binding = None;
        for (r, &i) in free_index.iter().enumerate() {
            let d = delta[r];
            let limit = if d < 0.0 && lo[i].is_finite() {
                let room = lo[i] - xc[i];
                if room >= 0.0 {
                    0.0
                } else if d * alpha < room {
                    room / d
                } else {
                    alpha
                }
            } else if d > 0.0 && hi[i].is_finite() {
                let room = hi[i] - xc[i];
                if room <= 0.0 {
                    0.0
                } else if d * alpha > room {
                    room / d
                } else {
                    alpha
                }
            } else {
                alpha
            };
            if limit < alpha {
                alpha = limit;
                binding = Some(r);
            }
        }
        let mut point = xc;
        if alpha < 1.0 {
            if let Some(r) = binding {
                let i = free_index[r];
                point[i] = if delta[r] > 0.0 { hi[i] } else { lo[i] };
                delta[r] = 0.0;
            }
        }
        for (r, &i) in free_index.iter().enumerate() {
            point[i] += alpha * delta[r];
        }
        Some(point)
    }

    /// The generalized Cauchy point: the first local minimiser of the
    /// quadratic model along the projected path x(t) = P(x − t g), and which
    /// variables are free there (not held at a bound).
    fn cauchy(&self, x: &[f64], g: &[f64], lo: &[f64], hi: &[f64]) -> (Vec<f64>, Vec<bool>) {
        let n = self.n;
        let mut d = vec![0.0; n];
        let mut free = vec![true; n];
        let mut breaks: Vec<(f64, usize)> = Vec::with_capacity(n);
        let mut bounded = true;
        for i in 0..n {
            if lo[i] == hi[i] || (x[i] <= lo[i] && g[i] >= 0.0) || (x[i] >= hi[i] && g[i] <= 0.0) {
                free[i] = false;
                continue;
            }
            d[i] = -g[i];
            if g[i] > 0.0 && lo[i].is_finite() {
                breaks.push(((x[i] - lo[i]) / g[i], i));
            } else if g[i] < 0.0 && hi[i].is_finite() {
                breaks.push(((x[i] - hi[i]) / g[i], i));
            } else if g[i] != 0.0 {
                bounded = false;
            }
        }
        let mut xc = x.to_vec();
        if d.iter().all(|&v| v == 0.0) {
            return (xc, free);
        }
        breaks.sort_by(|a, b| a.0.total_cmp(&b.0));
        // On [t_prev, t_next]: m'(t_prev + Δt) = f1 + Δt f2 with
        // f1 = gᵀd + zᵀBd, f2 = dᵀBd, z = x(t_prev) − x.
        let mut z = vec![0.0; n];
        let mut bd = vec![0.0; n];
        self.b_times(&d, &mut bd);
        let mut f1 = dot(g, &d);
        let mut f2 = dot(&d, &bd);
        let f2_original = f2;
        let mut t_prev = 0.0;
        let mut step = None;
        for (k, &(t, i)) in breaks.iter().enumerate() {
            let dtm = if f2 > 0.0 { -f1 / f2 } else { f64::INFINITY };
            if dtm < t - t_prev {
                step = Some(dtm);
                break;
            }
            // Move to the breakpoint and hold variable i at its bound.
            for j in 0..n {
                z[j] += (t - t_prev) * d[j];
            }
            let bound = if d[i] > 0.0 { hi[i] } else { lo[i] };
            z[i] = bound - x[i];
            xc[i] = bound;
            d[i] = 0.0;
            free[i] = false;
            t_prev = t;
            if k + 1 == breaks.len() && bounded {
                step = Some(0.0);
                break;
            }
            self.b_times(&d, &mut bd);
            f1 = dot(g, &d) + dot(&z, &bd);
            f2 = dot(&d, &bd).max(f64::EPSILON * f2_original);
        }
        let dtm = step
            .unwrap_or(if f2 > 0.0 { -f1 / f2 } else { 0.0 })
            .max(0.0);
        let t = t_prev + dtm;
        for j in 0..n {
            if d[j] != 0.0 {
                xc[j] = (x[j] + t * d[j]).clamp(lo[j], hi[j]);
            }
        }
        (xc, free)
    }
}

/// Solve A v = b in place for symmetric positive definite A (k × k,
/// row-major, overwritten by its Cholesky factor). `false` when A is not
/// numerically positive definite.
fn cholesky_solve(a: &mut [f64], k: usize, b: &mut [f64]) -> bool {
    for j in 0..k {
        let mut pivot = a[j * k + j];
        for p in 0..j {
            pivot -= a[j * k + p] * a[j * k + p];
        }
        if !(pivot > 0.0 && pivot.is_finite()) {
            return false;
        }
        let pivot = pivot.sqrt();
        a[j * k + j] = pivot;
        for i in j + 1..k {
            let mut v = a[i * k + j];
            for p in 0..j {
                v -= a[i * k + p] * a[j * k + p];
            }
            a[i * k + j] = v / pivot;
        }
    }
    for i in 0..k {
        let mut v = b[i];
        for p in 0..i {
            v -= a[i * k + p] * b[p];
        }
        b[i] = v / a[i * k + i];
    }
    for i in (0..k).rev() {
        let mut v = b[i];
        for p in i + 1..k {
            v -= a[p * k + i] * b[p];
        }
        b[i] = v / a[i * k + i];
    }
    true
}

/// An accepted step: the new point, f and ∇f there.
type Accepted = (Vec<f64>, f64, Vec<f64>);

#[derive(Debug, Clone, Copy)]
struct LineSearchStart {
    first: bool,
    constrained: bool,
    boxed: bool,
}

/// `lnsrlb`: Moré–Thuente along `direction` from `x`, the step bounded so
/// the box is kept; step 1 lands exactly on `target`. `Ok(None)` when the
/// search fails (not a descent direction, a search error, or 20
/// evaluations without an acceptable step).
fn line_search(
    problem: &mut Problem<'_>,
    x: &[f64],
    fx: f64,
    g: &[f64],
    direction: &[f64],
    target: &[f64],
    start: LineSearchStart,
) -> Result<Option<Accepted>, OptimError> {
    let (lo, hi) = (problem.lo, problem.hi);
    let slope = dot(g, direction);
    if slope >= 0.0 {
        return Ok(None);
    }
    let mut step_max = LS_UNBOUNDED_STEP;
    if start.constrained {
        if start.first {
            step_max = 1.0;
        } else {
            for i in 0..x.len() {
                let d = direction[i];
                if d < 0.0 && lo[i].is_finite() {
                    let room = lo[i] - x[i];
                    if room >= 0.0 {
                        step_max = 0.0;
                    } else if d * step_max < room {
                        step_max = room / d;
                    }
                } else if d > 0.0 && hi[i].is_finite() {
                    let room = hi[i] - x[i];
                    if room <= 0.0 {
                        step_max = 0.0;
                    } else if d * step_max > room {
                        step_max = room / d;
                    }
                }
            }
        }
    }
    let mut step = if start.first && !start.boxed {
        (1.0 / dot(direction, direction).sqrt()).min(step_max)
    } else {
        1.0
    };
    let mut search = match MoreThuente::new(fx, slope, step, 0.0, step_max) {
        Some(s) => s,
        None => return Ok(None),
    };
    let mut trial = vec![0.0; x.len()];
    for _ in 0..LS_MAX_EVALUATIONS {
        if step == 1.0 {
            trial.copy_from_slice(target);
        } else {
            for i in 0..x.len() {
                trial[i] = (x[i] + step * direction[i]).clamp(lo[i], hi[i]);
            }
        }
        let (ft, gt) = problem.evaluate(&trial)?;
        match search.next(step, ft, dot(&gt, direction)) {
            Search::Done => return Ok(Some((trial, ft, gt))),
            Search::Evaluate(next) => step = next,
        }
    }
    Ok(None)
}

enum Search {
    /// Accept the step just evaluated (convergence or a MINPACK-2 warning,
    /// which `lnsrlb` also accepts).
    Done,
    /// Evaluate at this step next.
    Evaluate(f64),
}

/// MINPACK-2 `dcsrch` state (Moré & Thuente 1994).
struct MoreThuente {
    f_init: f64,
    g_init: f64,
    g_test: f64,
    step_min: f64,
    step_max: f64,
    bracketed: bool,
    stage1: bool,
    width: f64,
    width1: f64,
    stx: f64,
    fx: f64,
    gx: f64,
    sty: f64,
    fy: f64,
    gy: f64,
    stmin: f64,
    stmax: f64,
}

impl MoreThuente {
    /// `None` for the inputs `dcsrch` rejects.
    fn new(f: f64, g: f64, step: f64, step_min: f64, step_max: f64) -> Option<Self> {
        if !(step >= step_min && step <= step_max && g < 0.0 && step_max >= step_min) {
            return None;
        }
        Some(Self {
            f_init: f,
            g_init: g,
            g_test: LS_FTOL * g,
            step_min,
            step_max,
            bracketed: false,
            stage1: true,
            width: step_max - step_min,
            width1: 2.0 * (step_max - step_min),
            stx: 0.0,
            fx: f,
            gx: g,
            sty: 0.0,
            fy: f,
            gy: g,
            stmin: 0.0,
            stmax: step + 4.0 * step,
        })
    }

    fn next(&mut self, step: f64, f: f64, g: f64) -> Search {
        let f_test = self.f_init + step * self.g_test;
        if self.stage1 && f <= f_test && g >= 0.0 {
            self.stage1 = false;
        }
        let warning = (self.bracketed
            && (step <= self.stmin
                || step >= self.stmax
                || self.stmax - self.stmin <= LS_XTOL * self.stmax))
            || (step == self.step_max && f <= f_test && g <= self.g_test)
            || (step == self.step_min && (f > f_test || g >= self.g_test));
        let converged = f <= f_test && g.abs() <= LS_GTOL * (-self.g_init);
        if warning || converged {
            return Search::Done;
        }
        let mut stp = step;
        if self.stage1 && f <= self.fx && f > f_test {
            // Modified function ψ(t) = f(t) − f(0) − t·g_test.
            let mut fxm = self.fx - self.stx * self.g_test;
            let mut fym = self.fy - self.sty * self.g_test;
            let mut gxm = self.gx - self.g_test;
            let mut gym = self.gy - self.g_test;
            let fm = f - stp * self.g_test;
            let gm = g - self.g_test;
            cstep(
                &mut self.stx,
                &mut fxm,
                &mut gxm,
                &mut self.sty,
                &mut fym,
                &mut gym,
                &mut stp,
                fm,
                gm,
                &mut self.bracketed,
                self.stmin,
                self.stmax,
            );
            self.fx = fxm + self.stx * self.g_test;
            self.fy = fym + self.sty * self.g_test;
            self.gx = gxm + self.g_test;
            self.gy = gym + self.g_test;
        } else {
            cstep(
                &mut self.stx,
                &mut self.fx,
                &mut self.gx,
                &mut self.sty,
                &mut self.fy,
                &mut self.gy,
                &mut stp,
                f,
                g,
                &mut self.bracketed,
                self.stmin,
                self.stmax,
            );
        }
        if self.bracketed {
            if (self.sty - self.stx).abs() >= 0.66 * self.width1 {
                stp = self.stx + 0.5 * (self.sty - self.stx);
            }
            self.width1 = self.width;
            self.width = (self.sty - self.stx).abs();
            self.stmin = self.stx.min(self.sty);
            self.stmax = self.stx.max(self.sty);
        } else {
            self.stmin = stp + 1.1 * (stp - self.stx);
            self.stmax = stp + 4.0 * (stp - self.stx);
        }
        stp = stp.max(self.step_min).min(self.step_max);
        if self.bracketed
            && (stp <= self.stmin
                || stp >= self.stmax
                || self.stmax - self.stmin <= LS_XTOL * self.stmax)
        {
            stp = self.stx;
        }
        Search::Evaluate(stp)
    }
}

/// MINPACK-2 `dcstep`: a safeguarded cubic/quadratic step, and the update
/// of the interval [stx, sty] that brackets a step satisfying the search
/// conditions.
#[allow(clippy::too_many_arguments)]
fn cstep(
    stx: &mut f64,
    fx: &mut f64,
    dx: &mut f64,
    sty: &mut f64,
    fy: &mut f64,
    dy: &mut f64,
    stp: &mut f64,
    fp: f64,
    dp: f64,
    bracketed: &mut bool,
    stpmin: f64,
    stpmax: f64,
) {
    let sgnd = dp * (*dx / dx.abs());
    let stpf;
    if fp > *fx {
        // Higher value: the minimum is bracketed.
        let theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        let s = theta.abs().max(dx.abs()).max(dp.abs());
        let mut gamma = s * ((theta / s).powi(2) - (*dx / s) * (dp / s)).sqrt();
        if *stp < *stx {
            gamma = -gamma;
        }
        let p = (gamma - *dx) + theta;
        let q = ((gamma - *dx) + gamma) + dp;
        let r = p / q;
        let stpc = *stx + r * (*stp - *stx);
        let stpq = *stx + ((*dx / ((*fx - fp) / (*stp - *stx) + *dx)) / 2.0) * (*stp - *stx);
        stpf = if (stpc - *stx).abs() < (stpq - *stx).abs() {
            stpc
        } else {
            stpc + (stpq - stpc) / 2.0
        };
        *bracketed = true;
    } else if sgnd < 0.0 {
        // Derivatives of opposite sign: bracketed.
        let theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        let s = theta.abs().max(dx.abs()).max(dp.abs());
        let mut gamma = s * ((theta / s).powi(2) - (*dx / s) * (dp / s)).sqrt();
        if *stp > *stx {
            gamma = -gamma;
        }
        let p = (gamma - dp) + theta;
        let q = ((gamma - dp) + gamma) + *dx;
        let r = p / q;
        let stpc = *stp + r * (*stx - *stp);
        let stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
        stpf = if (stpc - *stp).abs() > (stpq - *stp).abs() {
            stpc
        } else {
            stpq
        };
        *bracketed = true;
    } else if dp.abs() < dx.abs() {
        // Same sign, derivative magnitude decreasing.
        let theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        let s = theta.abs().max(dx.abs()).max(dp.abs());
        let mut gamma = s * ((theta / s).powi(2) - (*dx / s) * (dp / s)).max(0.0).sqrt();
        if *stp > *stx {
            gamma = -gamma;
        }
        let p = (gamma - dp) + theta;
        let q = (gamma + (*dx - dp)) + gamma;
        let r = p / q;
        let stpc = if r < 0.0 && gamma != 0.0 {
            *stp + r * (*stx - *stp)
        } else if *stp > *stx {
            stpmax
        } else {
            stpmin
        };
        let stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
        if *bracketed {
            let mut v = if (stpc - *stp).abs() < (stpq - *stp).abs() {
                stpc
            } else {
                stpq
            };
            v = if *stp > *stx {
                v.min(*stp + 0.66 * (*sty - *stp))
            } else {
                v.max(*stp + 0.66 * (*sty - *stp))
            };
            stpf = v;
        } else {
            let v = if (stpc - *stp).abs() > (stpq - *stp).abs() {
                stpc
            } else {
                stpq
            };
            stpf = v.min(stpmax).max(stpmin);
        }
    } else {
        // Same sign, derivative magnitude not decreasing.
        stpf = if *bracketed {
            let theta = 3.0 * (fp - *fy) / (*sty - *stp) + *dy + dp;
            let s = theta.abs().max(dy.abs()).max(dp.abs());
            let mut gamma = s * ((theta / s).powi(2) - (*dy / s) * (dp / s)).sqrt();
            if *stp > *sty {
                gamma = -gamma;
            }
            let p = (gamma - dp) + theta;
            let q = ((gamma - dp) + gamma) + *dy;
            let r = p / q;
            *stp + r * (*sty - *stp)
        } else if *stp > *stx {
            stpmax
        } else {
            stpmin
        };
    }
    if fp > *fx {
        *sty = *stp;
        *fy = fp;
        *dy = dp;
    } else {
        if sgnd < 0.0 {
            *sty = *stx;
            *fy = *fx;
            *dy = *dx;
        }
        *stx = *stp;
        *fx = fp;
        *dx = dp;
    }
    *stp = stpf;
}
