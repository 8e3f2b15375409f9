//! The global stage and the certificate of the power-law fits
//! (proofs/12_power_laws.md §12.9–§12.11).
//!
//! For fixed exponents the prediction `E + C₁x^{−α₁} (+ C₂x^{−α₂})` is
//! linear in the coefficients, and on relative residuals `(L − L̂)/L`
//! (the first-order part of the log residual `ln L − ln L̂`) the best
//! non-negative coefficients are a weighted NNLS problem (weights 1/L²),
//! solved exactly for every exponent (single) or exponent pair α₁ > α₂
//! (two-term) on a grid whose range is set by the data's span of ln x.
//! The grid's best basins, each turned into a law and scored by the fit's
//! own objective (Huber on ln L), start the local optimiser; the
//! certificate compares the fit's objective with the best of those scores.

use super::{huber_delta, ln_prediction, objective, PowerLawData, RestartOutcome};
use crate::models::power_law::PowerLawForm;
use crate::numerics::nnls::gram_nnls;

/// The grid covers exponents with |α|·ln(x_max/x_min) ≤ this: a term over
/// the data changes by at most e^64 (proofs/12 §12.9).
pub const PROFILE_SPAN: f64 = 64.0;

/// Within |α|·ln(x_max/x_min) ≤ this the grid steps by [`PROFILE_STEP`],
/// beyond it by [`PROFILE_OUTER_STEP`] (proofs/12 §12.9).
pub const PROFILE_INNER_SPAN: f64 = 16.0;

/// The grid's step in u = α·ln(x_max/x_min) on the inner range.
pub const PROFILE_STEP: f64 = 0.5;

/// The grid's step in u on the outer range (steep terms).
pub const PROFILE_OUTER_STEP: f64 = 2.0;

/// How many basins of the profile (best first by their weighted RSS) are
/// scored by the objective and polished by the local optimiser.
pub const PROFILE_BASINS: usize = 3;

/// A coefficient that NNLS pins at 0 enters a candidate law at this
/// fraction of the smallest loss at every point (so its logarithm is finite
/// and the local optimiser can raise it).
pub const PINNED_FRACTION: f64 = 1e-6;

/// What the fit does besides its local optimiser (proofs/12 §12.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalStage {
    /// The full-data default: the local optimiser runs from the given starts
    /// and from every one of the profile's best basins; the lowest end is
    /// the fit, and the certificate compares it with the best basin's score.
    Always,
    /// The local optimiser from the given starts; only when it ends above
    /// the best basin's score (beyond the rounding) does it run again from
    /// the basins, best first, until certified (the warm-started resampled
    /// fits).
    Search,
    /// The certificate without the global stage: a fit above the best
    /// basin's score is [`PowerLawStatus::LocalMinimum`].
    CertifyOnly,
    /// Neither: the local optimiser's result as it ends.
    Off,
}

/// One basin of the profile as a law: θ in the fit's log coordinates, the
/// weighted RSS of its grid node and the objective F at θ.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileCandidate {
    /// `[ln C, α, ln E]` or `[ln C₁, α₁, ln C₂, α₂, ln E]` (α₁ > α₂).
    pub theta: Vec<f64>,
    /// The weighted (relative-residual) NNLS RSS of the node.
    pub rss: f64,
    /// The fit's objective at θ.
    pub objective: f64,
}

/// The exponent grid: u = α·R (R = ln(x_max/x_min) of the data, R > 0
/// whenever the data have two distinct x) from −[`PROFILE_SPAN`] to
/// [`PROFILE_SPAN`], by [`PROFILE_STEP`]/`refine` within
/// ±[`PROFILE_INNER_SPAN`] and by [`PROFILE_OUTER_STEP`]/`refine` beyond;
/// α = 0 is a node. Ascending.
pub fn exponent_grid(data: &PowerLawData<f64>, refine: usize) -> Vec<f64> {
    let (lo, hi) = ln_x_range(data);
    let r = (hi - lo).max(f64::MIN_POSITIVE);
    let k = refine.max(1) as f64;
    let (inner, outer) = (PROFILE_STEP / k, PROFILE_OUTER_STEP / k);
    let n_in = (PROFILE_INNER_SPAN / inner).round() as i64;
    let n_out = ((PROFILE_SPAN - PROFILE_INNER_SPAN) / outer).round() as i64;
    let mut u: Vec<f64> = (-n_in..=n_in).map(|i| i as f64 * inner).collect();
    for j in 1..=n_out {
        let v = PROFILE_INNER_SPAN + j as f64 * outer;
        u.push(v);
        u.push(-v);
    }
    u.sort_by(f64::total_cmp);
    u.into_iter().map(|v| v / r).collect()
}

fn ln_x_range(data: &PowerLawData<f64>) -> (f64, f64) {
    let lx = data.ln_x();
    (
        lx.iter().copied().fold(f64::INFINITY, f64::min),
        lx.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}

/// The columns of the weighted design for every grid exponent:
/// `u_i(α) = exp(−α(ln x_i − m))/L_i` (m the midpoint of ln x, so that
/// |α(ln x − m)| ≤ span/2), column after column.
struct Columns {
    /// `values[a·n + i]` = u_i(α_a).
    values: Vec<f64>,
    n: usize,
}

fn columns(data: &PowerLawData<f64>, grid: &[f64], mid: f64) -> Columns {
    let n = data.len();
    let mut values = Vec::with_capacity(grid.len() * n);
    for a in grid {
        values.extend(data.ln_x().iter().map(|lx| -a * (lx - mid)));
    }
    crate::numerics::vmath::exp_in_place(&mut values);
    for col in values.chunks_mut(n) {
        for (v, l) in col.iter_mut().zip(data.loss()) {
            *v /= l;
        }
    }
    Columns { values, n }
}

/// The profile table: the weighted NNLS RSS of every node (single: one
/// exponent; two-term: `table[i·g + j]` for α_i > α_j, +∞ elsewhere) and
/// its coefficients (E, C₁, C₂ in units of the centred columns).
fn profile_table(
    data: &PowerLawData<f64>,
    form: PowerLawForm,
    grid: &[f64],
    mid: f64,
) -> Vec<(f64, [f64; 3])> {
    let cols = columns(data, grid, mid);
    let n = cols.n;
    let g = grid.len();
    let inv: Vec<f64> = data.loss().iter().map(|l| 1.0 / l).collect();
    let g00: f64 = inv.iter().map(|v| v * v).sum();
    let h0: f64 = inv.iter().sum();
    let ll = n as f64;
    let col = |a: usize| &cols.values[a * n..(a + 1) * n];
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    // Per column: Σu·(1/L), Σu², Σu.
    let sums: Vec<[f64; 3]> = (0..g)
        .map(|a| {
            let c = col(a);
            [dot(c, &inv), dot(c, c), c.iter().sum()]
        })
        .collect();
    match form {
        PowerLawForm::Single => sums
            .iter()
            .map(|s| {
                let gm = [[g00, s[0], 0.0], [s[0], s[1], 0.0], [0.0, 0.0, 0.0]];
                gram_nnls(&gm, &[h0, s[2], 0.0], &ll, 2)
            })
            .collect(),
        PowerLawForm::TwoTerm => {
            let mut table = vec![(f64::INFINITY, [0.0; 3]); g * g];
            for i in 0..g {
                for j in 0..i {
                    let (si, sj) = (&sums[i], &sums[j]);
                    let cross = dot(col(i), col(j));
                    let gm = [
                        [g00, si[0], sj[0]],
                        [si[0], si[1], cross],
                        [sj[0], cross, sj[1]],
                    ];
                    table[i * g + j] = gram_nnls(&gm, &[h0, si[2], sj[2]], &ll, 3);
                }
            }
            table
        }
    }
}

/// The basin nodes of the table: no higher than any finite neighbour (1-D:
/// two; 2-D: up to eight) and strictly lower than the equal ones scanned
/// before it; best first (ties by scan order).
fn basin_nodes(table: &[(f64, [f64; 3])], g: usize, form: PowerLawForm) -> Vec<usize> {
    let v = |k: usize| table[k].0;
    let mut out = Vec::new();
    match form {
        PowerLawForm::Single => {
            for k in 0..g {
                let lower = (k.saturating_sub(1)..=(k + 1).min(g - 1))
                    .any(|m| v(m) < v(k) || (m < k && v(m) == v(k)));
                if v(k).is_finite() && !lower {
                    out.push(k);
                }
            }
        }
        PowerLawForm::TwoTerm => {
            for i in 0..g {
                'cell: for j in 0..i {
                    let here = v(i * g + j);
                    if !here.is_finite() {
                        continue;
                    }
                    for a in i.saturating_sub(1)..=(i + 1).min(g - 1) {
                        for b in j.saturating_sub(1)..=(j + 1).min(g - 1) {
                            let w = v(a * g + b);
                            if w < here || ((a, b) < (i, j) && w == here) {
                                continue 'cell;
                            }
                        }
                    }
                    out.push(i * g + j);
                }
            }
        }
    }
    out.sort_by(|&a, &b| v(a).total_cmp(&v(b)).then(a.cmp(&b)));
    out
}

/// The profile's best `count` basins as laws, each scored by the objective;
/// sorted by objective (best first). Empty when no node has a finite RSS.
pub fn profile_candidates(
    data: &PowerLawData<f64>,
    form: PowerLawForm,
    count: usize,
) -> Vec<ProfileCandidate> {
    profile_candidates_on(data, form, count, 1)
}

/// [`profile_candidates`] on the grid with its steps divided by `refine`
/// (for measuring what the default grid misses).
pub fn profile_candidates_on(
    data: &PowerLawData<f64>,
    form: PowerLawForm,
    count: usize,
    refine: usize,
) -> Vec<ProfileCandidate> {
    let grid = exponent_grid(data, refine);
    let (lo, hi) = ln_x_range(data);
    let mid = 0.5 * (lo + hi);
    let table = profile_table(data, form, &grid, mid);
    let g = grid.len();
    let l_min = data.loss().iter().copied().fold(f64::INFINITY, f64::min);
    let floor = (PINNED_FRACTION * l_min).ln();
    // ln C of a term: ln c + α·m (the column was centred at m); a pinned
    // term at PINNED_FRACTION·L_min at its largest point on the data.
    let ln_c = |c: f64, a: f64| {
        if c > 0.0 {
            c.ln() + a * mid
        } else {
            floor + (a * lo).min(a * hi)
        }
    };
    let ln_e = |c: f64| if c > 0.0 { c.ln() } else { floor };
    let mut out: Vec<ProfileCandidate> = basin_nodes(&table, g, form)
        .into_iter()
        .take(count)
        .filter_map(|k| {
            let (rss, c) = table[k];
            let theta = match form {
                PowerLawForm::Single => vec![ln_c(c[1], grid[k]), grid[k], ln_e(c[0])],
                PowerLawForm::TwoTerm => {
                    let (a1, a2) = (grid[k / g], grid[k % g]);
                    vec![ln_c(c[1], a1), a1, ln_c(c[2], a2), a2, ln_e(c[0])]
                }
            };
            let f = objective(data, &theta);
            (f.is_finite() && theta.iter().all(|t| t.is_finite())).then_some(ProfileCandidate {
                theta,
                rss,
                objective: f,
            })
        })
        .collect();
    out.sort_by(|a, b| a.objective.total_cmp(&b.objective));
    out
}

/// The largest |ln L − ln L̂| of the law θ on the data.
fn largest_residual(data: &PowerLawData<f64>, theta: &[f64]) -> f64 {
    data.ln_x()
        .iter()
        .zip(data.ln_loss())
        .map(|(lx, ly)| (ly - ln_prediction(theta, lx)).abs())
        .fold(0.0, f64::max)
}

/// The rounding of F at θ in f64 (proofs/12 §12.11):
/// n·min(δ + r, 2r)·200ε with r = max|r_i|.
pub fn objective_rounding(data: &PowerLawData<f64>, theta: &[f64]) -> f64 {
    rounding_at(data.len(), largest_residual(data, theta))
}

/// n·min(δ + r_max, 2·r_max)·200ε: each ρ(r_i) carries |ψ(r_i)| ≤ min(|r_i|, δ)
/// times the rounding of r_i (200 ulps, §12.6), and min(|r|, δ) ≤ min(δ + r, 2r).
pub fn rounding_at(n: usize, r_max: f64) -> f64 {
    let delta: f64 = huber_delta();
    n as f64 * (delta + r_max).min(2.0 * r_max) * 200.0 * f64::EPSILON
}

/// The objective's rounding for a comparison of F at `a` and at `b` on the
/// data (proofs/12 §12.11): each value is within [`objective_rounding`] of
/// its exact value (§12.6), plus 2nε·|F| for the rounding of the two sums.
pub fn certificate_tolerance(data: &PowerLawData<f64>, a: &[f64], b: &[f64], best: f64) -> f64 {
    objective_rounding(data, a)
        + objective_rounding(data, b)
        + 2.0 * data.len() as f64 * f64::EPSILON * best.abs()
}

/// A coefficient whose term is below this share of the prediction at every
/// point is tried at zero (its face of c ≥ 0, proofs/12 §12.10).
pub const FACE_SHARE: f64 = 0.05;

/// How far below the largest term (in nats) a face start puts the
/// coefficient it drops: as the nested start's margin (§12.3), the term
/// then leaves the f64 objective unchanged.
const FACE_MARGIN: f64 = super::NESTED_MARGIN;

/// The face starts of θ: for every coefficient (ln C_k, ln E) whose term
/// is below [`FACE_SHARE`] of L̂ at every point, θ with that term put
/// e⁻⁴⁰ below the largest term at every point (so F there is F of the law
/// without it, bit for bit, as §12.3).
pub fn face_starts(data: &PowerLawData<f64>, theta: &[f64]) -> Vec<Vec<f64>> {
    let p = theta.len();
    let terms = (p - 1) / 2;
    // Coordinates of the coefficients and their exponents (0 for E).
    let coeffs: Vec<(usize, f64)> = (0..terms)
        .map(|k| (2 * k, theta[2 * k + 1]))
        .chain(std::iter::once((p - 1, 0.0)))
        .collect();
    let mut out = Vec::new();
    for &(c, alpha) in &coeffs {
        let mut share: f64 = 0.0;
        let mut bound = f64::INFINITY;
        for lx in data.ln_x() {
            let t = theta[c] - alpha * lx;
            let lp = ln_prediction(theta, lx);
            share = share.max((t - lp).exp());
            // The largest of the other terms at this point.
            let m = coeffs
                .iter()
                .filter(|&&(o, _)| o != c)
                .map(|&(o, a)| theta[o] - a * lx)
                .fold(f64::NEG_INFINITY, f64::max);
            bound = bound.min(m + alpha * lx);
        }
        if share < FACE_SHARE && bound.is_finite() {
            let mut s = theta.to_vec();
            s[c] = bound - FACE_MARGIN;
            out.push(s);
        }
    }
    out
}

/// The best finite end among the runs (the first among equals).
pub(super) fn best_run(runs: &[RestartOutcome]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, r) in runs.iter().enumerate() {
        if r.end.is_some() && best.is_none_or(|b| r.objective < runs[b].objective) {
            best = Some(i);
        }
    }
    best
}
