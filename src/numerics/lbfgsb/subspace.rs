//! The subspace step (proofs/10 §10.3): Newton step of the model on the
//! variables left free at the Cauchy point, with the Morales–Nocedal
//! projection.

use super::model::{b_times, cholesky_solve, ldl_solve, Model, FIXED_N};

impl Model {
    /// The end point of the step, written to `point`: generalized Cauchy
    /// point, then the subspace minimiser on the free variables. `false`
    /// when the model cannot be factorised (the caller discards the memory).
    pub(super) fn target(
        &mut self,
        x: &[f64],
        g: &[f64],
        lo: &[f64],
        hi: &[f64],
        constrained: bool,
        point: &mut [f64],
    ) -> bool {
        // The five-parameter fits (Approach 3, Huber, training curves) get a
        // copy of the same body with n a constant: unrolled, fewer checks.
        match self.n {
            5 => self.target_n(5, x, g, lo, hi, constrained, point),
            n => self.target_n(n, x, g, lo, hi, constrained, point),
        }
    }

    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn target_n(
        &mut self,
        n: usize,
        x: &[f64],
        g: &[f64],
        lo: &[f64],
        hi: &[f64],
        constrained: bool,
        point: &mut [f64],
    ) -> bool {
        let (x, g, lo, hi, point) = (&x[..n], &g[..n], &lo[..n], &hi[..n], &mut point[..n]);
        let formed = if n == FIXED_N {
            self.form5()
        } else {
            self.form_n(n)
        };
        if !formed {
            return false;
        }
        if !constrained && !self.pairs.is_empty() {
            self.xc.copy_from_slice(x);
            self.free.fill(true);
        } else {
            self.cauchy(n, x, g, lo, hi);
        }
        let Model {
            b,
            chol,
            xc,
            free,
            free_index,
            d: dz,
            bd: bdz,
            delta,
            pairs,
            ..
        } = self;
        free_index.clear();
        free_index.extend((0..n).filter(|&i| free[i]));
        if free_index.is_empty() || pairs.is_empty() {
            point.copy_from_slice(xc);
            return true;
        }
        // Reduced gradient r = g + B (xc − x) on the free variables; solve
        // B_FF Δ = −r_F.
        for ((d, a), b) in dz.iter_mut().zip(xc.iter()).zip(x) {
            *d = a - b;
        }
        b_times(&b[..n * n], n, &dz[..n], &mut bdz[..n]);
        let k = free_index.len();
        delta.clear();
        delta.extend(free_index.iter().map(|&i| -(g[i] + bdz[i])));
        let solved = if k == FIXED_N && n == FIXED_N {
            // All five free (the usual interior step): B itself, in the
            // n = 5 copy's rounding.
            ldl_solve::<FIXED_N>(&b[..FIXED_N * FIXED_N], &mut delta[..FIXED_N])
        } else {
            for (r, &i) in free_index.iter().enumerate() {
                let row = &b[i * n..(i + 1) * n];
                for (c, &j) in free_index.iter().enumerate() {
                    chol[r * k + c] = row[j];
                }
            }
            cholesky_solve(&mut chol[..k * k], k, delta)
        };
        if !solved {
            return false;
        }
        // Morales–Nocedal: project xc + Δ into the box; keep it if it is a
        // descent direction from x, else truncate Δ at the first bound.
        point.copy_from_slice(xc);
        let mut touched = false;
        for (r, &i) in free_index.iter().enumerate() {
            let v = (xc[i] + delta[r]).clamp(lo[i], hi[i]);
            touched |= v == lo[i] || v == hi[i];
            point[i] = v;
        }
        if !touched {
            return true;
        }
        let slope: f64 = (0..n).map(|i| (point[i] - x[i]) * g[i]).sum();
        if slope <= 0.0 {
            return true;
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
        point.copy_from_slice(xc);
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
        true
    }
}
