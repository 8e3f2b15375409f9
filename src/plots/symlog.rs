//! A symmetric-log axis: linear within `±threshold`, logarithmic beyond,
//! for values of both signs that span decades (matplotlib's `symlog` with
//! linear scale 1).
//!
//! `t(y) = y/c` for `|y| ≤ c`, `t(y) = sign(y)·(1 + log10(|y|/c))` beyond,
//! with `c` the threshold: continuous, odd and increasing. Values are
//! transformed before drawing on a linear axis; ticks sit at `0, ±c, ±10c, …`
//! and are labelled with the untransformed value.

/// The symmetric-log transform with linear region `[−threshold, threshold]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SymLog {
    /// The half-width of the linear region (positive).
    pub threshold: f64,
}

impl SymLog {
    /// A transform with this linear threshold; `None` unless it is positive
    /// and finite.
    pub fn new(threshold: f64) -> Option<Self> {
        (threshold.is_finite() && threshold > 0.0).then_some(Self { threshold })
    }

    /// The transformed coordinate t(y) (NaN stays NaN).
    pub fn forward(&self, y: f64) -> f64 {
        let r = y / self.threshold;
        if r.abs() <= 1.0 {
            r
        } else {
            r.signum() * (1.0 + r.abs().log10())
        }
    }

    /// The inverse, y(t).
    pub fn inverse(&self, t: f64) -> f64 {
        if t.abs() <= 1.0 {
            t * self.threshold
        } else {
            t.signum() * self.threshold * 10f64.powf(t.abs() - 1.0)
        }
    }

    /// Tick positions (in transformed coordinates) within `[lo, hi]`:
    /// 0, ±c and every ±c·10^k in range (every k-th decade when more than
    /// [`MAX_DECADE_TICKS`](super::axes::MAX_DECADE_TICKS) are).
    pub fn ticks(&self, lo: f64, hi: f64) -> Vec<f64> {
        let mut out = vec![0.0];
        let top = lo.abs().max(hi.abs()).ceil().clamp(1.0, 1e4) as i32;
        let step = (top as usize)
            .div_ceil(super::axes::MAX_DECADE_TICKS)
            .max(1);
        for k in (1..=top).step_by(step) {
            out.push(f64::from(k));
            out.push(-f64::from(k));
        }
        out.retain(|t| (lo..=hi).contains(t));
        out.sort_by(f64::total_cmp);
        out
    }
}
