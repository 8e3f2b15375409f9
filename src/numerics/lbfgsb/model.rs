//! The limited-memory model matrix B, kept dense (proofs/10 §10.1), and the
//! Cholesky solve its free blocks use.

use std::collections::VecDeque;

use super::dot;

/// The limited-memory model: stored pairs (s, y), oldest first, and the
/// dense matrix B they define.
pub(super) struct Model {
    pub(super) n: usize,
    memory: usize,
    pub(super) pairs: VecDeque<(Vec<f64>, Vec<f64>)>,
    pub(super) theta: f64,
    /// B, row-major n × n.
    pub(super) b: Vec<f64>,
    /// Scratch: B s, and a k × k Cholesky factor.
    pub(super) bs: Vec<f64>,
    pub(super) chol: Vec<f64>,
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
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub(super) fn clear(&mut self) {
        self.pairs.clear();
        self.theta = 1.0;
    }

    /// Store (s, y) when the curvature condition `sᵀy > ε·(−gᵀs)` holds
    /// (`matupd`'s test); θ = yᵀy / sᵀy.
    pub(super) fn push(&mut self, s: Vec<f64>, y: Vec<f64>, descent: f64) {
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
    pub(super) fn form(&mut self) -> bool {
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

    pub(super) fn b_times(&self, v: &[f64], out: &mut [f64]) {
        let n = self.n;
        for (i, o) in out.iter_mut().enumerate() {
            *o = dot(&self.b[i * n..(i + 1) * n], v);
        }
    }
}

/// Solve A v = b in place for symmetric positive definite A (k × k,
/// row-major, overwritten by its Cholesky factor). `false` when A is not
/// numerically positive definite.
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
