//! Finite-difference gradients, for the optimizer comparison studies and for
//! checking analytic gradients.
//!
//! Forward differences `(f(x + h e_k) − f(x))/h` have truncation error O(h)
//! and rounding error O(ε|f|/h); central differences
//! `(f(x + h e_k) − f(x − h e_k))/(2h)` have truncation error O(h²).

/// A finite-difference scheme with its step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FdScheme {
    /// Forward differences with absolute step `h` (scipy's default: 1e-8).
    Forward(f64),
    /// Central (3-point) differences with absolute step `h`.
    Central(f64),
}

impl FdScheme {
    /// A short name: `forward(1e-8)`, `central(1e-8)`.
    pub fn name(&self) -> String {
        match self {
            FdScheme::Forward(h) => format!("forward({h:e})"),
            FdScheme::Central(h) => format!("central({h:e})"),
        }
    }
}

/// The finite-difference gradient of `f` at `x` (`fx` = f(x), reused by the
/// forward scheme). Steps that would leave `[lo, hi]` are taken backwards
/// (forward scheme) or shortened to stay inside (central scheme), as scipy does.
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
        }
        xk[k] = x[k];
    }
    g
}
