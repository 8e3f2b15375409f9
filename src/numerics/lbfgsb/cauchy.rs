//! The generalized Cauchy point (proofs/10 §10.2).

use super::dot;
use super::model::Model;

impl Model {
    /// The generalized Cauchy point: the first local minimiser of the
    /// quadratic model along the projected path x(t) = P(x − t g), and which
    /// variables are free there (not held at a bound).
    pub(super) fn cauchy(
        &self,
        x: &[f64],
        g: &[f64],
        lo: &[f64],
        hi: &[f64],
    ) -> (Vec<f64>, Vec<bool>) {
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
