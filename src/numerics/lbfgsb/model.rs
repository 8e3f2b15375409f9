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
    /// s and y padded with zeros to [`LANES`] (for n = [`FIXED_N`], whose
    /// model step does not use `yy`), written when the pair is stored:
    /// [`Model::form_fixed`] loads them whole.
    sp: Row,
    yp: Row,
}

impl Pair {
    fn with_capacity(n: usize) -> Self {
        Self {
            s: Vec::with_capacity(n),
            y: Vec::with_capacity(n),
            sy: 0.0,
            yy: Vec::with_capacity(n * (n + 1) / 2),
            sp: [0.0; LANES],
            yp: [0.0; LANES],
        }
    }
}

/// The limited-memory model: stored pairs (s, y), oldest first, and the
/// dense matrix B they define.
pub(super) struct Model {
    pub(super) n: usize,
    memory: usize,
    /// Boxed: storing a pair moves a pointer, not the pair.
    pub(super) pairs: VecDeque<Box<Pair>>,
    pub(super) theta: f64,
    /// B, row-major n × n.
    pub(super) b: Vec<f64>,
    /// Scratch: B s, and a k × k Cholesky factor.
    pub(super) bs: Vec<f64>,
    pub(super) chol: Vec<f64>,
    /// The pair being staged by [`Model::stage`].
    spare: Box<Pair>,
    /// Workspace of the Cauchy point and the subspace step, reused across
    /// iterations: the Cauchy point, which variables are free there, their
    /// indices, three n-vectors, the subspace step and the breakpoints
    /// (put in order one at a time by the Cauchy walk).
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
            spare: Box::new(Pair::with_capacity(n)),
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
        let Pair { s, y, .. } = &mut *self.spare;
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
        let Pair {
            s,
            y,
            sy,
            yy,
            sp,
            yp,
        } = &mut *self.spare;
        *sy = dot(s, y);
        if *sy <= f64::EPSILON * descent {
            return;
        }
        self.theta = dot(y, y) / *sy;
        if self.n == FIXED_N {
            // What `form_fixed` loads: s and y padded.
            *sp = [0.0; LANES];
            *yp = [0.0; LANES];
            sp[..FIXED_N].copy_from_slice(&s[..FIXED_N]);
            yp[..FIXED_N].copy_from_slice(&y[..FIXED_N]);
        } else {
            // y yᵀ/sᵀy depends on the pair alone, not on θ or the other
            // pairs: computed once here, by the operations `form_n` would
            // otherwise repeat every iteration.
            fill_yy(yy, y, *sy);
        }
        let next = if self.pairs.len() == self.memory {
            self.pairs.pop_front().unwrap_or_default()
        } else {
            Box::new(Pair::with_capacity(self.n))
        };
        let pair = std::mem::replace(&mut self.spare, next);
        self.pairs.push_back(pair);
    }

    /// [`form_n`](Self::form_n) for n = 5, in its own rounding: B's rows
    /// padded to [`LANES`] so that one row operation is one vector
    /// instruction where the processor has them (the AVX-512, AVX2 and
    /// portable builds are the same code without fused multiply-adds, so
    /// they give the same bits). See [`form_fixed`](Self::form_fixed).
    #[inline(never)]
    pub(super) fn form5(&mut self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the processor supports AVX-512F (checked just above).
                #[allow(unsafe_code)]
                return unsafe { self.form5_avx512() };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor supports AVX2 (checked just above).
                #[allow(unsafe_code)]
                return unsafe { self.form5_avx2() };
            }
        }
        self.form_fixed::<FIXED_N>()
    }

    /// B by the n = 5 copy in the build asked for (`Some(true)`: the best
    /// the processor has, as [`form5`](Self::form5); `Some(false)`: the
    /// portable code) or by the general recursion (`None`). For the tests.
    pub(super) fn form_variant(&mut self, fixed: Option<bool>) -> bool {
        match fixed {
            Some(true) => self.form5(),
            Some(false) => self.form_fixed::<FIXED_N>(),
            None => {
                for pair in self.pairs.iter_mut() {
                    let Pair { y, sy, yy, .. } = &mut **pair;
                    fill_yy(yy, y, *sy);
                }
                self.form_n(self.n)
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn form5_avx512(&mut self) -> bool {
        self.form_fixed::<FIXED_N>()
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn form5_avx2(&mut self) -> bool {
        self.form_fixed::<FIXED_N>()
    }

    /// B = θI updated by every stored pair, oldest first, for n = `N` ≤
    /// [`LANES`] known at compile time (proofs/10 §10.1, "The n = 5 copy").
    /// The same recursion as [`form_n`](Self::form_n), arranged to shorten
    /// its chain from pair to pair: with `bs = B⁽ʲ⁾s_j` and `r = 1/sᵀbs`,
    ///
    /// ```text
    /// B⁽ʲ⁺¹⁾ = B⁽ʲ⁾ + y yᵀ/sᵀy − bs bsᵀ r
    /// B⁽ʲ⁺¹⁾ s_{j+1} = B⁽ʲ⁾ s_{j+1} + y (yᵀs_{j+1})/sᵀy − bs (bsᵀs_{j+1}) r
    /// ```
    ///
    /// so the next product is formed from B⁽ʲ⁾ while B⁽ʲ⁺¹⁾ is being
    /// updated. B is kept exactly symmetric: entry (i, j) is
    /// `(b_ij + (y_i y_j)/sᵀy) − (bs_i bs_j) r`, whose products commute.
    #[inline(always)]
    fn form_fixed<const N: usize>(&mut self) -> bool {
        let theta = self.theta;
        // Rows of B (= its columns), padded with zeros.
        let mut b = [[0.0f64; LANES]; N];
        for (i, row) in b.iter_mut().enumerate() {
            row[i] = theta;
        }
        let pairs = &self.pairs;
        let mut ok = true;
        if let Some(first) = pairs.front() {
            let s0 = first.sp;
            let mut bs: Row = std::array::from_fn(|l| theta * s0[l]);
            let m = pairs.len();
            for j in 0..m {
                let p = &pairs[j];
                let (s, y, sy) = (&p.sp, &p.yp, p.sy);
                let sbs = dot4(&s[..N], &bs[..N]);
                if !(sbs > 0.0 && sy > 0.0) {
                    ok = false;
                    break;
                }
                let (r, rsy) = (1.0 / sbs, 1.0 / sy);
                let mut next = [0.0f64; LANES];
                if j + 1 < m {
                    let s1 = &pairs[j + 1].sp;
                    let c = dot4(&bs[..N], &s1[..N]) * r;
                    let ys = dot4(&y[..N], &s1[..N]) * rsy;
                    // B⁽ʲ⁾ s1 by columns, in dot4's order of additions.
                    let mut acc = [[0.0f64; LANES]; 4];
                    for (k, row) in b.iter().enumerate() {
                        for l in 0..LANES {
                            acc[k % 4][l] += row[l] * s1[k];
                        }
                    }
                    for l in 0..LANES {
                        let t = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
                        next[l] = (t + y[l] * ys) - bs[l] * c;
                    }
                }
                for (k, row) in b.iter_mut().enumerate() {
                    let (yk, bsk) = (y[k], bs[k]);
                    for l in 0..LANES {
                        row[l] = (row[l] + y[l] * yk * rsy) - bs[l] * bsk * r;
                    }
                }
                bs = next;
            }
        }
        for (dst, row) in self.b.chunks_exact_mut(N).zip(&b) {
            dst.copy_from_slice(&row[..N]);
        }
        ok
    }

    /// B = θI updated by every stored pair, oldest first. `false` when an
    /// update is not positive (rounding on an ill-conditioned history).
    ///
    /// B stays exactly symmetric: each entry of the upper triangle is
    /// computed once and written to both (i, j) and (j, i) (the same values
    /// as the full loop, whose (i, j) and (j, i) products are equal).
    ///
    /// The arithmetic of every n but 5 (which has [`form5`](Self::form5),
    /// in its own rounding), kept bit for bit: the reproductions' six-
    /// parameter Huber likelihood stops, under scipy's rule, where its
    /// rounding leads it (Epoch's A = 482.01; giving it the n = 5 copy's
    /// rounding moved it to 472.5, measured while that copy was written).
    ///
    /// `n` is `self.n`.
    #[inline(always)]
    pub(super) fn form_n(&mut self, n: usize) -> bool {
        let b = &mut self.b[..n * n];
        let bs = &mut self.bs[..n];
        b.fill(0.0);
        for i in 0..n {
            b[i * n + i] = self.theta;
        }
        for pair in &self.pairs {
            let Pair { s, sy, yy, .. } = &**pair;
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

/// The upper triangle of y yᵀ/sᵀy, row by row.
fn fill_yy(yy: &mut Vec<f64>, y: &[f64], sy: f64) {
    yy.clear();
    for i in 0..y.len() {
        for j in i..y.len() {
            yy.push(y[i] * y[j] / sy);
        }
    }
}

/// Lanes of a padded row of B in [`Model::form_fixed`] (one AVX-512
/// register, two AVX2 registers).
const LANES: usize = 8;
/// A padded row of B.
type Row = [f64; LANES];
/// The dimension whose model step has its own copy ([`Model::form5`],
/// all five free in the subspace solve): Approach 3 and the other
/// five-parameter fits.
pub(super) const FIXED_N: usize = 5;

/// Σ aᵢbᵢ in four interleaved partial sums (term i into sum i mod 4, added
/// pairwise at the end): the dependency chain of a 5-term dot product is
/// three additions instead of five.
#[inline(always)]
pub(super) fn dot4(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        acc[k % 4] += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
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

/// Solve A v = b in place for symmetric positive definite A (`K` × `K`
/// known at compile time, row-major, left unchanged) by A = L D Lᵀ with
/// unit lower-triangular L: no square roots, one division per pivot, the
/// factor in local arrays. `false` when a pivot is not positive and finite
/// (A not numerically positive definite; as [`cholesky_solve`], whose
/// pivots are the square roots of these).
#[inline(always)]
pub(super) fn ldl_solve<const K: usize>(a: &[f64], b: &mut [f64]) -> bool {
    let mut l = [[0.0f64; K]; K];
    let (mut dv, mut inv_d) = ([0.0f64; K], [0.0f64; K]);
    for j in 0..K {
        // v_p = L_jp d_p, kept in row j of l until the pivot is known.
        let mut d = a[j * K + j];
        let mut v = [0.0f64; K];
        for p in 0..j {
            v[p] = l[j][p] * dv[p];
            d -= l[j][p] * v[p];
        }
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        dv[j] = d;
        inv_d[j] = 1.0 / d;
        for i in j + 1..K {
            let mut w = a[i * K + j];
            for p in 0..j {
                w -= l[i][p] * v[p];
            }
            l[i][j] = w * inv_d[j];
        }
    }
    let mut z = [0.0f64; K];
    for i in 0..K {
        let mut w = b[i];
        for p in 0..i {
            w -= l[i][p] * z[p];
        }
        z[i] = w;
    }
    for i in (0..K).rev() {
        let mut w = z[i] * inv_d[i];
        for p in i + 1..K {
            w -= l[p][i] * b[p];
        }
        b[i] = w;
    }
    true
}
