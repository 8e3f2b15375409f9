//! The limited-memory model matrix B, kept dense (proofs/10 §10.1), and the
//! Cholesky solve its free blocks use.

use std::collections::VecDeque;

use super::dot;

/// A stored correction pair: s, y, sᵀy and the upper triangle of y yᵀ/sᵀy
/// (row by row), the part of the BFGS update that depends on the pair alone.
#[derive(Default)]
pub(super) struct Pair {
    pub(super) s: Vec<f64>,
    pub(super) y: Vec<f64>,
    pub(super) sy: f64,
    pub(super) yy: Vec<f64>,
}

impl Pair {
    fn with_capacity(n: usize) -> Self {
        Self {
            s: Vec::with_capacity(n),
            y: Vec::with_capacity(n),
            sy: 0.0,
            yy: Vec::with_capacity(n * (n + 1) / 2),
        }
    }
}

/// The limited-memory model: stored pairs (s, y), oldest first, and the
/// dense matrix B they define.
pub(super) struct Model {
    pub(super) n: usize,
    memory: usize,
    pub(super) pairs: VecDeque<Pair>,
    pub(super) theta: f64,
    /// B, row-major n × n.
    pub(super) b: Vec<f64>,
    /// Scratch: B s, and a k × k Cholesky factor.
    pub(super) bs: Vec<f64>,
    pub(super) chol: Vec<f64>,
    /// The pair being staged by [`Model::stage`].
    spare: Pair,
    /// Workspace of the Cauchy point and the subspace step, reused across
    /// iterations: the Cauchy point, which variables are free there, their
    /// indices, three n-vectors, the subspace step and the sorted
    /// breakpoints.
    pub(super) xc: Vec<f64>,
    pub(super) free: Vec<bool>,
    pub(super) free_index: Vec<usize>,
    pub(super) d: Vec<f64>,
    pub(super) z: Vec<f64>,
    pub(super) bd: Vec<f64>,
    pub(super) delta: Vec<f64>,
    pub(super) breaks: Vec<(f64, usize)>,
}

impl Model {
    pub(super) fn new(n: usize, memory: usize) -> Self {
        Self {
            n,
            memory,
            pairs: VecDeque::with_capacity(memory),
            theta: 1.0,
            b: vec![0.0; n * n],
            bs: vec![0.0; n],
            chol: vec![0.0; n * n],
            spare: Pair::with_capacity(n),
            xc: vec![0.0; n],
            free: vec![true; n],
            free_index: Vec::with_capacity(n),
            d: vec![0.0; n],
            z: vec![0.0; n],
            bd: vec![0.0; n],
            delta: Vec::with_capacity(n),
            breaks: Vec::with_capacity(n),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub(super) fn clear(&mut self) {
        self.pairs.clear();
        self.theta = 1.0;
    }

    /// Write s = x_new − x and y = g_new − g into the spare pair (no
    /// allocation once the memory is full) and return `−gᵀs`.
    pub(super) fn stage(&mut self, x_new: &[f64], x: &[f64], g_new: &[f64], g: &[f64]) -> f64 {
        let Pair { s, y, .. } = &mut self.spare;
        s.clear();
        s.extend(x_new.iter().zip(x).map(|(a, b)| a - b));
        y.clear();
        y.extend(g_new.iter().zip(g).map(|(a, b)| a - b));
        -dot(g, s)
    }

    /// Store the staged (s, y) when the curvature condition
    /// `sᵀy > ε·(−gᵀs)` holds (`matupd`'s test); θ = yᵀy / sᵀy. The pair
    /// dropped from a full memory becomes the next spare.
    pub(super) fn commit(&mut self, descent: f64) {
        let Pair { s, y, sy, yy } = &mut self.spare;
        *sy = dot(s, y);
        if *sy <= f64::EPSILON * descent {
            return;
        }
        self.theta = dot(y, y) / *sy;
        // y yᵀ/sᵀy depends on the pair alone, not on θ or the other pairs:
        // computed once here (upper triangle, row by row), by the operations
        // `form_n` would otherwise repeat every iteration.
        yy.clear();
        for i in 0..y.len() {
            for j in i..y.len() {
                yy.push(y[i] * y[j] / *sy);
            }
        }
        let next = if self.pairs.len() == self.memory {
            self.pairs.pop_front().unwrap_or_default()
        } else {
            Pair::with_capacity(self.n)
        };
        let pair = std::mem::replace(&mut self.spare, next);
        self.pairs.push_back(pair);
    }

    /// B = θI updated by every stored pair, oldest first. `false` when an
    /// update is not positive (rounding on an ill-conditioned history).
    ///
    /// B stays exactly symmetric: each entry of the upper triangle is
    /// computed once and written to both (i, j) and (j, i) (the same values
    /// as the full loop, whose (i, j) and (j, i) products are equal).
    /// One reciprocal of `sᵀBs` per pair instead of n(n+1)/2 divisions was
    /// measured to save ~15 µs of ~245 µs per Approach 3 fit
    /// (`examples/approach3_profile 2000`), but rounds differently, and a run
    /// on the edge of a failed line search (the 10⁵-point test of
    /// `approach3.rs`) follows the rounding; the cost here is the chain from
    /// pair to pair, not the divisions.
    ///
    /// `n` is `self.n`, passed so that a caller knowing it (n = 5) gets a
    /// copy with the loops unrolled.
    #[inline(always)]
    pub(super) fn form_n(&mut self, n: usize) -> bool {
        let b = &mut self.b[..n * n];
        let bs = &mut self.bs[..n];
        b.fill(0.0);
        for i in 0..n {
            b[i * n + i] = self.theta;
        }
        for Pair { s, sy, yy, .. } in &self.pairs {
            let (s, yy, sy) = (&s[..n], &yy[..n * (n + 1) / 2], *sy);
            for (bsi, row) in bs.iter_mut().zip(b.chunks_exact(n)) {
                *bsi = dot(row, s);
            }
            let sbs = dot(s, bs);
            if !(sbs > 0.0 && sy > 0.0) {
                return false;
            }
            let mut k = 0;
            for i in 0..n {
                let bsi = bs[i];
                for j in i..n {
                    let v = b[i * n + j] + (yy[k] - bsi * bs[j] / sbs);
                    b[i * n + j] = v;
                    b[j * n + i] = v;
                    k += 1;
                }
            }
        }
        true
    }
}

/// out = B v for B row-major n × n.
#[inline(always)]
pub(super) fn b_times(b: &[f64], n: usize, v: &[f64], out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(b.chunks_exact(n)) {
        *o = dot(row, v);
    }
}

/// Solve A v = b in place for symmetric positive definite A (k × k,
/// row-major, overwritten by its Cholesky factor). `false` when A is not
/// numerically positive definite.
#[inline(always)]
pub(super) fn cholesky_solve(a: &mut [f64], k: usize, b: &mut [f64]) -> bool {
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
