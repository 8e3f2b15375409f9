//! Finite-difference gradients, for the optimizer comparison studies and for
//! checking analytic gradients.
//!
//! Forward differences `(f(x + h e_k) − f(x))/h` have truncation error O(h)
//! and rounding error O(ε|f|/h); central differences
//! `(f(x + h e_k) − f(x − h e_k))/(2h)` have truncation error O(h²).
//! [`FdScheme::ThreePoint`] is scipy's `3-point` scheme as
//! `scipy.optimize.minimize(jac="3-point")` runs it: central differences
//! with a step scaled per coordinate, `h_k = ∛ε · max(1, |x_k|)` (∛ε balances
//! the O(h²) truncation against the O(ε/h) rounding), switched to the
//! one-sided three-point formula `(−3f(x) + 4f(x + h) − f(x + 2h))/(2h)`
//! where the box leaves no room on one side (scipy's
//! `_adjust_scheme_to_bounds`).

/// A finite-difference scheme with its step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FdScheme {
    /// Forward differences with absolute step `h` (scipy's default: 1e-8).
    Forward(f64),
    /// Central differences with absolute step `h` (shortened at a bound).
    Central(f64),
    /// scipy's `3-point`: central with step `∛ε · max(1, |x_k|)` per
    /// coordinate, one-sided three-point at a bound.
    ThreePoint,
}

/// The relative step of scipy's `3-point` scheme, ∛ε = 2^(−52/3) ≈ 6.06e-6
/// (`EPS**(1/3)` in `scipy.optimize._numdiff`).
pub fn three_point_relative_step() -> f64 {
    f64::EPSILON.cbrt()
}

impl FdScheme {
    /// A short name: `forward-1e-8`, `central-1e-8`, `3-point`.
    pub fn name(&self) -> String {
        match self {
            FdScheme::Forward(h) => format!("forward-{h:e}"),
            FdScheme::Central(h) => format!("central-{h:e}"),
            FdScheme::ThreePoint => "3-point".into(),
        }
    }
}

/// The finite-difference gradient of `f` at `x` (`fx` = f(x), reused by the
/// forward and one-sided schemes). Steps that would leave `[lo, hi]` are
/// taken backwards (forward scheme), shortened to stay inside (central
/// scheme) or made one-sided ([`FdScheme::ThreePoint`]), as scipy does.
pub fn fd_gradient(
    f: &mut dyn FnMut(&[f64]) -> f64,
    x: &[f64],
    fx: f64,
    scheme: FdScheme,
    bounds: Option<(&[f64], &[f64])>,
) -> Vec<f64> {
    let mut xk = x.to_vec();
    let mut g = vec![0.0; x.len()];
    for k in 0..x.len() {
        let (lo, hi) = bounds.map_or((f64::NEG_INFINITY, f64::INFINITY), |(l, u)| (l[k], u[k]));
        match scheme {
            FdScheme::Forward(h) => {
                let h = if x[k] + h > hi { -h } else { h };
                xk[k] = x[k] + h;
                let step = xk[k] - x[k];
                g[k] = (f(&xk) - fx) / step;
            }
            FdScheme::Central(h) => {
                let hp = h.min(hi - x[k]).max(0.0);
                let hm = h.min(x[k] - lo).max(0.0);
                xk[k] = x[k] + hp;
                let fp = f(&xk);
                xk[k] = x[k] - hm;
                let fm = f(&xk);
                let span = hp + hm;
                g[k] = if span > 0.0 { (fp - fm) / span } else { 0.0 };
            }
            FdScheme::ThreePoint => {
                let h = three_point_relative_step() * x[k].abs().max(1.0);
                let (below, above) = (x[k] - lo, hi - x[k]);
                if below >= h && above >= h {
                    xk[k] = x[k] - h;
                    let fm = f(&xk);
                    xk[k] = x[k] + h;
                    let fp = f(&xk);
                    g[k] = (fp - fm) / (xk[k] - (x[k] - h));
                } else if below.min(above) >= h.min(0.5 * below.max(above)) {
                    // scipy's "adjusted central": the one-sided step would
                    // be no longer than the room on the short side.
                    let h = below.min(above);
                    xk[k] = x[k] - h;
                    let fm = f(&xk);
                    xk[k] = x[k] + h;
                    let fp = f(&xk);
                    let dx = xk[k] - (x[k] - h);
                    g[k] = if dx > 0.0 { (fp - fm) / dx } else { 0.0 };
                } else {
                    // One-sided three-point towards the roomier side, its
                    // two steps within the box.
                    let h = if above >= below {
                        h.min(0.5 * above)
                    } else {
                        -h.min(0.5 * below)
                    };
                    xk[k] = x[k] + h;
                    let f1 = f(&xk);
                    xk[k] = x[k] + 2.0 * h;
                    let f2 = f(&xk);
                    let dx = xk[k] - x[k];
                    g[k] = if dx != 0.0 {
                        (-3.0 * fx + 4.0 * f1 - f2) / dx
                    } else {
                        0.0
                    };
                }
            }
        }
        xk[k] = x[k];
    }
    g
}
