//! The variable-projection profile of the training-curve fit
//! (proofs/13 §13.9–13.11).
//!
//! For fixed exponents (α, β) the law `c₀ + c₁·(N/N₀)^α + c₂·(D/D₀)^β`
//! (N₀, D₀ the smallest N and D; `c₀ = e^E`, `c₁ = e^A·N₀^α`,
//! `c₂ = e^B·D₀^β`) is linear in c, and the SmoothL1 objective is convex in
//! c. The profile `p(α, β) = min over c ≥ 0 of f` is computed by iteratively
//! reweighted least squares (a majorise–minimise iteration, monotone in f),
//! each step an exact non-negative weighted least-squares solve over the
//! 2³ supports; when every residual is inside δ one step is exact.
//! The profile is scored on a grid over (α, β), its best basins are refined
//! by a projected Newton iteration on the exponents (the gradient by the
//! envelope theorem), and the flat range of each exponent is the interval
//! around the minimiser where the profile (minimised over the other
//! exponent) stays within a tolerance of the minimum.

use super::{smooth_l1_f64, CurvePoints, Scratch};

/// Where and how finely the profile is searched.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileSettings {
    /// The box of α (lower, upper); the grid spans it and the refinement
    /// stays inside it.
    pub alpha: (f64, f64),
    /// The box of β.
    pub beta: (f64, f64),
    /// Grid nodes per axis.
    pub nodes: usize,
    /// How many of the grid's basins (best first) are refined.
    pub basins: usize,
    /// An exponent is reported flat over the interval where the profile is
    /// within this (absolute, in the objective's units) of its minimum.
    pub flat_tolerance: f64,
    /// An exponent whose flat interval is wider than this is `not
    /// identified`.
    pub flat_width: f64,
}

impl Default for ProfileSettings {
    fn default() -> Self {
        Self {
            alpha: (-4.0, -0.01),
            beta: (-4.0, -0.01),
            nodes: 20,
            basins: 3,
            flat_tolerance: 1e-6,
            flat_width: 0.05,
        }
    }
}

/// A point of the profile: exponents, the scaled coefficients c ≥ 0 and the
/// objective there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfilePoint {
    /// (α, β).
    pub exponents: [f64; 2],
    /// (c₀, c₁, c₂) = (e^E, e^A·N₀^α, e^B·D₀^β).
    pub c: [f64; 3],
    /// The SmoothL1 objective.
    pub objective: f64,
}

/// The interval of one exponent over which the profile is flat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlatRange {
    /// Lower and upper end (to [`FLAT_RESOLUTION`]).
    pub range: [f64; 2],
    /// Whether the interval reaches the box's lower/upper bound (the
    /// profile may keep falling beyond it).
    pub at_bound: [bool; 2],
    /// The tolerance: the profile is within this of its minimum on the interval.
    pub within: f64,
}

impl FlatRange {
    /// The interval's width.
    pub fn width(&self) -> f64 {
        self.range[1] - self.range[0]
    }
}

/// The profile of one data set: the offsets ln N − ln N₀, ln D − ln D₀ and
/// the buffers of one evaluation.
pub struct Profile<'a> {
    points: &'a CurvePoints<f64>,
    delta: f64,
    dn: Vec<f64>,
    dd: Vec<f64>,
    ln_n0: f64,
    ln_d0: f64,
    u: Vec<f64>,
    v: Vec<f64>,
    w: Vec<f64>,
    /// Profile evaluations so far.
    pub evaluations: usize,
    /// Inner steps (Newton or majorise–minimise) so far.
    pub steps: usize,
}

/// Weighted sums of one least-squares step.
struct Sums {
    w: f64,
    mu: [f64; 3],
    cuu: f64,
    cuv: f64,
    cvv: f64,
    cul: f64,
    cvl: f64,
}

impl<'a> Profile<'a> {
    /// The profile of `points` under SmoothL1 with threshold `delta`.
    pub fn new(points: &'a CurvePoints<f64>, delta: f64) -> Self {
        let ln_n0 = points.ln_n.iter().cloned().fold(f64::INFINITY, f64::min);
        let ln_d0 = points.ln_d.iter().cloned().fold(f64::INFINITY, f64::min);
        Self {
            points,
            delta,
            dn: points.ln_n.iter().map(|l| l - ln_n0).collect(),
            dd: points.ln_d.iter().map(|l| l - ln_d0).collect(),
            ln_n0,
            ln_d0,
            u: Vec::new(),
            v: Vec::new(),
            w: Vec::new(),
            evaluations: 0,
            steps: 0,
        }
    }

    /// The law's parameters (E, A, B, α, β) of a profile point. A
    /// coefficient pinned at 0 becomes `ln 1e-300` (its term is below 1e-300
    /// at every point, so the objective is unchanged): the parameters stay finite.
    pub fn parameters(&self, p: &ProfilePoint) -> [f64; 5] {
        let ln = |c: f64| c.max(1e-300).ln();
        let [a, b] = p.exponents;
        [
            ln(p.c[0]),
            ln(p.c[1]) - a * self.ln_n0,
            ln(p.c[2]) - b * self.ln_d0,
            a,
            b,
        ]
    }

    fn columns(&mut self, e: [f64; 2]) {
        self.u.clear();
        self.u.extend(self.dn.iter().map(|x| (e[0] * x).exp()));
        self.v.clear();
        self.v.extend(self.dd.iter().map(|x| (e[1] * x).exp()));
    }

    fn residual(&self, c: &[f64; 3], i: usize) -> f64 {
        let p = self.points;
        c[0] + c[1] * self.u[p.n_index[i]] + c[2] * self.v[p.d_index[i]] - p.loss_f64[i]
    }

    fn objective(&self, c: &[f64; 3]) -> f64 {
        let (d, m) = (self.delta, self.points.len());
        (0..m)
            .map(|i| {
                let r = self.residual(c, i);
                if r.abs() < d {
                    r * r / (2.0 * d)
                } else {
                    r.abs() - d / 2.0
                }
            })
            .sum::<f64>()
            / m as f64
    }

    fn sums(&self) -> Sums {
        let p = self.points;
        let (mut w, mut su, mut sv, mut sl) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..p.len() {
            let wi = self.w[i];
            w += wi;
            su += wi * self.u[p.n_index[i]];
            sv += wi * self.v[p.d_index[i]];
            sl += wi * p.loss_f64[i];
        }
        let mu = [su / w, sv / w, sl / w];
        let mut s = Sums {
            w,
            mu,
            cuu: 0.0,
            cuv: 0.0,
            cvv: 0.0,
            cul: 0.0,
            cvl: 0.0,
        };
        for i in 0..p.len() {
            let wi = self.w[i];
            let (x, y, l) = (
                self.u[p.n_index[i]] - mu[0],
                self.v[p.d_index[i]] - mu[1],
                p.loss_f64[i] - mu[2],
            );
            s.cuu += wi * x * x;
            s.cuv += wi * x * y;
            s.cvv += wi * y * y;
            s.cul += wi * x * l;
            s.cvl += wi * y * l;
        }
        s
    }

    /// The non-negative minimiser of `Σ w_i r_i(c)² + 2 tᵀc` (weights
    /// `self.w`, `t` a linear term; t = 0 is weighted least squares): the
    /// feasible solution of least value among the eight supports (proofs/13
    /// §13.9: the optimum of a convex quadratic over the orthant is the
    /// unconstrained solution on its own support). Also whether the full
    /// support's system was non-singular (then the quadratic is strictly
    /// convex and the answer is its exact minimiser over c ≥ 0).
    fn weighted_nnls(&self, t: &[f64; 3]) -> ([f64; 3], bool) {
        let s = self.sums();
        let [mu, mv, ml] = s.mu;
        // Uncentred moments for the supports without the constant.
        let (guu, guv, gvv) = (
            s.cuu + s.w * mu * mu,
            s.cuv + s.w * mu * mv,
            s.cvv + s.w * mv * mv,
        );
        let (gul, gvl) = (s.cul + s.w * mu * ml, s.cvl + s.w * mv * ml);
        // The linear term: with the constant free it shifts the constant by
        // −t₀/w and the centred right-hand sides by −(t_k − t₀·μ_k).
        let (s0, su, sv) = (t[0] / s.w, t[1] - t[0] * mu, t[2] - t[0] * mv);
        let solve2 = |a: f64, b: f64, d: f64, y1: f64, y2: f64| {
            let det = a * d - b * b;
            (det > 1e-13 * a * d).then(|| [(d * y1 - b * y2) / det, (a * y2 - b * y1) / det])
        };
        let solve1 = |a: f64, y: f64| (a > 0.0).then(|| y / a);
        // The full support's solution is the unconstrained optimum: when it
        // is feasible it is the answer.
        let full = solve2(s.cuu, s.cuv, s.cvv, s.cul - su, s.cvl - sv)
            .map(|[c1, c2]| [ml - s0 - c1 * mu - c2 * mv, c1, c2]);
        let strict = full.is_some() && s.w > 0.0;
        let ok = |c: &[f64; 3]| c.iter().all(|v| v.is_finite() && *v >= 0.0);
        if let Some(c) = full.filter(ok) {
            return (c, strict);
        }
        let mut cands: Vec<[f64; 3]> = Vec::with_capacity(8);
        // With the constant free (centred systems).
        if let Some(c1) = solve1(s.cuu, s.cul - su) {
            cands.push([ml - s0 - c1 * mu, c1, 0.0]);
        }
        if let Some(c2) = solve1(s.cvv, s.cvl - sv) {
            cands.push([ml - s0 - c2 * mv, 0.0, c2]);
        }
        if s.w > 0.0 {
            cands.push([ml - s0, 0.0, 0.0]);
        }
        // Without it.
        if let Some([c1, c2]) = solve2(guu, guv, gvv, gul - t[1], gvl - t[2]) {
            cands.push([0.0, c1, c2]);
        }
        if let Some(c1) = solve1(guu, gul - t[1]) {
            cands.push([0.0, c1, 0.0]);
        }
        if let Some(c2) = solve1(gvv, gvl - t[2]) {
            cands.push([0.0, 0.0, c2]);
        }
        cands.push([0.0; 3]);
        let value = |c: &[f64; 3]| {
            (0..self.points.len())
                .map(|i| {
                    let r = self.residual(c, i);
                    self.w[i] * r * r
                })
                .sum::<f64>()
                + 2.0 * (t[0] * c[0] + t[1] * c[1] + t[2] * c[2])
        };
        let c = cands
            .into_iter()
            .filter(ok)
            .map(|c| (value(&c), c))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map_or([0.0; 3], |(_, c)| c);
        (c, strict)
    }

    /// The Newton candidate at `c` (proofs/13 §13.9): on the current pattern
    /// (which residuals are inside δ, the signs of the others) f is the
    /// quadratic `(1/(2δm))·[Σ_in r_i² + 2δ Σ_out s_i r_i] + const`; its
    /// minimiser over c ≥ 0. `None` when no residual is inside δ (the
    /// piece is linear) or its quadratic is singular.
    fn newton(&mut self, c: &[f64; 3]) -> Option<[f64; 3]> {
        let p = self.points;
        let d = self.delta;
        let mut t = [0.0; 3];
        self.w.clear();
        for i in 0..p.len() {
            let r = self.residual(c, i);
            if r.abs() < d {
                self.w.push(1.0);
            } else {
                self.w.push(0.0);
                let sd = d * r.signum();
                t[0] += sd;
                t[1] += sd * self.u[p.n_index[i]];
                t[2] += sd * self.v[p.d_index[i]];
            }
        }
        if !self.w.contains(&1.0) {
            return None;
        }
        let (cn, strict) = self.weighted_nnls(&t);
        strict.then_some(cn)
    }

    /// Whether every residual at `cn` lies on the side of δ (closed) that
    /// it had at `c`, with the same sign outside: then f and the Newton
    /// quadratic of `c` have the same gradient at `cn`.
    fn same_pattern(&self, c: &[f64; 3], cn: &[f64; 3]) -> bool {
        let d = self.delta;
        (0..self.points.len()).all(|i| {
            let (r, q) = (self.residual(c, i), self.residual(cn, i));
            if r.abs() < d {
                q.abs() <= d
            } else {
                q * r.signum() >= d
            }
        })
    }

    /// The profile at `exponents`: c ≥ 0 minimising SmoothL1 from `warm`
    /// (or from least squares) by Newton steps on the pattern's quadratic,
    /// exact when the pattern holds, with a majorise–minimise (IRLS) step
    /// whenever the Newton step does not lower f; f never rises (proofs/13 §13.9).
    pub fn at(&mut self, exponents: [f64; 2], warm: Option<[f64; 3]>) -> ProfilePoint {
        self.evaluations += 1;
        self.columns(exponents);
        let m = self.points.len();
        let d = self.delta;
        let (mut c, mut f) = match warm {
            Some(c) => (c, self.objective(&c)),
            None => {
                self.w.clear();
                self.w.resize(m, 1.0);
                let c = self.weighted_nnls(&[0.0; 3]).0;
                (c, self.objective(&c))
            }
        };
        for _ in 0..100 {
            self.steps += 1;
            if let Some(cn) = self.newton(&c) {
                let fnew = self.objective(&cn);
                if fnew <= f {
                    let exact = self.same_pattern(&c, &cn);
                    let small = f - fnew <= 1e-15 * f.abs();
                    c = cn;
                    f = fnew;
                    if exact || small {
                        break;
                    }
                    continue;
                }
            }
            // The majorise–minimise step (never raises f).
            self.w.clear();
            for i in 0..m {
                let r = self.residual(&c, i).abs();
                self.w.push(d / r.max(d));
            }
            let cm = self.weighted_nnls(&[0.0; 3]).0;
            let fm = self.objective(&cm);
            if fm.partial_cmp(&f) != Some(std::cmp::Ordering::Less) {
                break;
            }
            let small = f - fm <= 1e-15 * f.abs();
            c = cm;
            f = fm;
            if small {
                break;
            }
        }
        let objective = if f.is_finite() { f } else { f64::INFINITY };
        ProfilePoint {
            exponents,
            c,
            objective,
        }
    }

    /// The profile's gradient in (α, β) at a point (the envelope theorem:
    /// the partial derivatives of f at the optimal c; proofs/13 §13.10).
    fn gradient(&mut self, p: &ProfilePoint) -> [f64; 2] {
        self.columns(p.exponents);
        let pts = self.points;
        let (mut ga, mut gb) = (0.0, 0.0);
        for i in 0..pts.len() {
            let r = self.residual(&p.c, i);
            let dh = if r.abs() < self.delta {
                r / self.delta
            } else {
                r.signum()
            };
            let (k, j) = (pts.n_index[i], pts.d_index[i]);
            ga += dh * p.c[1] * self.u[k] * self.dn[k];
            gb += dh * p.c[2] * self.v[j] * self.dd[j];
        }
        let m = pts.len() as f64;
        [ga / m, gb / m]
    }

    /// Minimise the profile from `start` over the free exponents (`free`)
    /// inside the box: projected Newton steps, the Hessian by differences
    /// of the envelope gradient, backtracking on the profile itself (so the
    /// value never rises).
    pub fn refine(
        &mut self,
        start: ProfilePoint,
        free: [bool; 2],
        bounds: [(f64, f64); 2],
    ) -> ProfilePoint {
        let mut x = start;
        let clamp = |e: [f64; 2]| -> [f64; 2] {
            std::array::from_fn(|k| e[k].clamp(bounds[k].0, bounds[k].1))
        };
        for _ in 0..60 {
            let g = self.gradient(&x);
            // Active: a free coordinate on its bound with the gradient pushing out.
            let act: [bool; 2] = std::array::from_fn(|k| {
                free[k]
                    && !((x.exponents[k] <= bounds[k].0 && g[k] > 0.0)
                        || (x.exponents[k] >= bounds[k].1 && g[k] < 0.0))
            });
            if !act[0] && !act[1] {
                break;
            }
            let mut h = [[0.0; 2]; 2];
            for k in 0..2 {
                if !act[k] {
                    continue;
                }
                let step = 1e-6 * x.exponents[k].abs().max(1.0);
                let mut e = x.exponents;
                e[k] += if e[k] + step <= bounds[k].1 {
                    step
                } else {
                    -step
                };
                let s = e[k] - x.exponents[k];
                let y = self.at(e, Some(x.c));
                let gy = self.gradient(&y);
                for j in 0..2 {
                    h[j][k] = (gy[j] - g[j]) / s;
                }
            }
            let hs = 0.5 * (h[0][1] + h[1][0]);
            let dir: [f64; 2] = match act {
                [true, true] => {
                    let det = h[0][0] * h[1][1] - hs * hs;
                    if h[0][0] > 0.0 && det > 0.0 {
                        [
                            -(h[1][1] * g[0] - hs * g[1]) / det,
                            -(h[0][0] * g[1] - hs * g[0]) / det,
                        ]
                    } else {
                        let s = h[0][0].abs().max(h[1][1].abs()).max(1e-300);
                        [-g[0] / s, -g[1] / s]
                    }
                }
                [true, false] => [-g[0] / h[0][0].abs().max(1e-300), 0.0],
                [false, true] => [0.0, -g[1] / h[1][1].abs().max(1e-300)],
                [false, false] => unreachable!(),
            };
            // A step whose first-order decrease −g·d is below the rounding
            // of p (10⁻¹⁵ relative, the test that ends the descent below)
            // cannot be told from it: the descent ends without a line search.
            if -(g[0] * dir[0] + g[1] * dir[1]) <= 1e-15 * x.objective.abs() {
                break;
            }
            // Cap the step at a quarter of the box per coordinate.
            let cap = dir
                .iter()
                .zip(bounds)
                .map(|(d, b)| {
                    if d.abs() > 0.0 {
                        0.25 * (b.1 - b.0) / d.abs()
                    } else {
                        f64::INFINITY
                    }
                })
                .fold(1.0f64, f64::min);
            let mut t = cap;
            let mut moved = false;
            for _ in 0..40 {
                let e = clamp([x.exponents[0] + t * dir[0], x.exponents[1] + t * dir[1]]);
                if e == x.exponents {
                    break;
                }
                let y = self.at(e, Some(x.c));
                if y.objective < x.objective {
                    let gain = x.objective - y.objective;
                    x = y;
                    moved = gain > 1e-15 * x.objective.abs();
                    break;
                }
                t *= 0.5;
            }
            if !moved {
                break;
            }
        }
        x
    }

    /// The profile on the grid: `nodes × nodes` points, α outer, each warm
    /// started from its neighbour.
    pub fn grid(&mut self, s: &ProfileSettings) -> Vec<ProfilePoint> {
        let n = s.nodes.max(2);
        let mut out = Vec::with_capacity(n * n);
        let mut warm = None;
        for i in 0..n {
            let a = node(s.alpha, n, i);
            for j in 0..n {
                let b = node(s.beta, n, if i.is_multiple_of(2) { j } else { n - 1 - j });
                let p = self.at([a, b], warm);
                warm = Some(p.c);
                out.push(p);
            }
        }
        // Rows of odd i were scanned backwards: restore β order.
        for i in (1..n).step_by(2) {
            out[i * n..(i + 1) * n].reverse();
        }
        out
    }

    /// The flat range of exponent `axis` (0: α, 1: β) around the minimiser
    /// `best`: outward from it along the grid's nodes, the profile minimised
    /// over the other exponent, until a node exceeds `best + tolerance`
    /// (or the box ends); the crossing located by safeguarded Newton steps to [`FLAT_RESOLUTION`].
    pub fn flat_range(
        &mut self,
        best: &ProfilePoint,
        axis: usize,
        s: &ProfileSettings,
    ) -> FlatRange {
        let bounds = [s.alpha, s.beta];
        let (lo, hi) = bounds[axis];
        let level = best.objective + s.flat_tolerance;
        let h = (hi - lo) / (s.nodes.max(2) - 1) as f64;
        let mut free = [true; 2];
        free[axis] = false;
        let mut range = [best.exponents[axis]; 2];
        let mut at_bound = [false; 2];
        for (side, sign) in [(0usize, -1.0f64), (1, 1.0)] {
            let mut inside = *best;
            let mut outside: Option<ProfilePoint> = None;
            loop {
                let x = inside.exponents[axis] + sign * h;
                let x = x.clamp(lo, hi);
                if x == inside.exponents[axis] {
                    at_bound[side] = true;
                    break;
                }
                let mut e = inside.exponents;
                e[axis] = x;
                let p = self.at(e, Some(inside.c));
                let p = self.refine(p, free, bounds);
                if p.objective <= level {
                    inside = p;
                } else {
                    outside = Some(p);
                    break;
                }
            }
            if let Some(mut out) = outside {
                // Safeguarded Newton on P(x) − level, P the profile minimised
                // over the other exponent (P' = ∂p/∂x there, the envelope
                // theorem) from the last point, inside the bracket
                // [inside, out]; a bisection instead when the Newton point
                // leaves the bracket or the last step did not halve the one
                // before (so the bracket at least halves every second step).
                // A point within half the resolution of a bracket end is
                // pushed to that distance, so the bracket closes once Newton
                // has converged. Each point is warm-started from the nearer end.
                let mut last = out;
                let mut dx_old = (out.exponents[axis] - inside.exponents[axis]).abs();
                let mut dx = dx_old;
                for _ in 0..FLAT_STEPS {
                    let (xi, xo) = (inside.exponents[axis], out.exponents[axis]);
                    if (xo - xi).abs() <= FLAT_RESOLUTION {
                        break;
                    }
                    let (a, b) = (xi.min(xo), xi.max(xo));
                    let g = self.gradient(&last)[axis];
                    let step = (last.objective - level) / g;
                    let xn = last.exponents[axis] - step;
                    let newton = xn.is_finite() && xn > a && xn < b && 2.0 * step.abs() <= dx_old;
                    dx_old = dx;
                    let x = if newton {
                        dx = step.abs();
                        let half = 0.5 * FLAT_RESOLUTION;
                        xn.clamp(a + half, b - half)
                    } else {
                        dx = 0.5 * (b - a);
                        0.5 * (a + b)
                    };
                    let near = if (x - xi).abs() <= (x - xo).abs() {
                        inside
                    } else {
                        out
                    };
                    let mut e = near.exponents;
                    e[axis] = x;
                    let p = self.at(e, Some(near.c));
                    let p = self.refine(p, free, bounds);
                    if p.objective <= level {
                        inside = p;
                    } else {
                        out = p;
                    }
                    last = p;
                }
            }
            range[side] = inside.exponents[axis];
        }
        FlatRange {
            range,
            at_bound,
            within: s.flat_tolerance,
        }
    }
}

/// The flat range's ends are located to this (in the exponent's units):
/// the bracket between the last point within the level and the first
/// beyond is closed to at most this width.
pub const FLAT_RESOLUTION: f64 = 1e-5;

/// At most this many root-finding steps per end of a flat range (bisection
/// alone closes a bracket of the box's width 3.99 to 10⁻⁵ in 19).
const FLAT_STEPS: usize = 40;

/// Node `i` of `n` evenly spaced on `[lo, hi]`.
pub fn node(range: (f64, f64), n: usize, i: usize) -> f64 {
    range.0 + (range.1 - range.0) * i as f64 / (n - 1) as f64
}

/// The grid's basins: nodes no higher than any of their (up to eight)
/// neighbours (ties to the node scanned first), best first.
pub fn basins(grid: &[ProfilePoint], n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let k = i * n + j;
            let f = grid[k].objective;
            let mut is_min = f.is_finite();
            for di in -1i64..=1 {
                for dj in -1i64..=1 {
                    let (a, b) = (i as i64 + di, j as i64 + dj);
                    if (di, dj) == (0, 0) || a < 0 || b < 0 || a >= n as i64 || b >= n as i64 {
                        continue;
                    }
                    let q = (a as usize) * n + b as usize;
                    let g = grid[q].objective;
                    if g < f || (g == f && q < k) {
                        is_min = false;
                    }
                }
            }
            if is_min {
                out.push(k);
            }
        }
    }
    out.sort_by(|a, b| grid[*a].objective.total_cmp(&grid[*b].objective));
    out
}

/// The objective at law parameters, by the fit's own evaluation.
pub fn objective_at(points: &CurvePoints<f64>, theta: &[f64; 5], delta: f64) -> f64 {
    smooth_l1_f64(points, theta, delta, &mut Scratch::default()).0
}
