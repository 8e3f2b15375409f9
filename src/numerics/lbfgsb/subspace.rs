//! The subspace step (proofs/10 §10.3): Newton step of the model on the
//! variables left free at the Cauchy point, with the Morales–Nocedal
//! projection.

use super::model::{cholesky_solve, Model};

impl Model {
    /// The end point of the step: generalized Cauchy point, then the
    /// subspace minimiser on the free variables. `None` when the model
    /// cannot be factorised (the caller discards the memory).
    pub(super) fn target(
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
}
