//! The generalized Cauchy point (proofs/10 §10.2).

use super::dot;
use super::model::{b_times, Model};

impl Model {
    /// The generalized Cauchy point: the first local minimiser of the
    /// quadratic model along the projected path x(t) = P(x − t g), and which
    /// variables are free there (not held at a bound). Written to
    /// `self.xc` and `self.free`.
    #[inline(always)]
    pub(super) fn cauchy(&mut self, n: usize, x: &[f64], g: &[f64], lo: &[f64], hi: &[f64]) {
        let Model {
            b,
            xc,
            free,
            d,
            z,
            bd,
            breaks,
            ..
        } = self;
        let b = &b[..n * n];
        let (xc, free, d, z, bd) = (
            &mut xc[..n],
            &mut free[..n],
            &mut d[..n],
            &mut z[..n],
            &mut bd[..n],
        );
        d.fill(0.0);
        free.fill(true);
        breaks.clear();
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
        xc.copy_from_slice(x);
        if d.iter().all(|&v| v == 0.0) {
            return;
        }
        // On [t_prev, t_next]: m'(t_prev + Δt) = f1 + Δt f2 with
        // f1 = gᵀd + zᵀBd, f2 = dᵀBd, z = x(t_prev) − x.
        z.fill(0.0);
        b_times(b, n, d, bd);
        let mut f1 = dot(g, d);
        let mut f2 = dot(d, bd);
        let f2_original = f2;
        let mut t_prev = 0.0;
        let mut step = None;
        // The breakpoints in increasing order, ties in index order, taken
        // one at a time (the walk usually stops at the first).
        let count = breaks.len();
        for k in 0..count {
            let next = (k..count)
                .min_by(|&a, &b| {
                    let (a, b) = (breaks[a], breaks[b]);
                    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
                })
                .unwrap_or(k);
            breaks.swap(k, next);
            let (t, i) = breaks[k];
            let dtm = if f2 > 0.0 { -f1 / f2 } else { f64::INFINITY };
            if dtm < t - t_prev {
                step = Some(dtm);
                break;
            }
            // Move to the breakpoint and hold variable i at its bound.
            for (zj, dj) in z.iter_mut().zip(d.iter()) {
                *zj += (t - t_prev) * dj;
            }
            let bound = if d[i] > 0.0 { hi[i] } else { lo[i] };
            z[i] = bound - x[i];
            xc[i] = bound;
            d[i] = 0.0;
            free[i] = false;
            t_prev = t;
            if k + 1 == count && bounded {
                step = Some(0.0);
                break;
            }
            b_times(b, n, d, bd);
            f1 = dot(g, d) + dot(z, bd);
            f2 = dot(d, bd).max(f64::EPSILON * f2_original);
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
    }
}
