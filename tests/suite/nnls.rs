//! NNLS (Lawson–Hanson): KKT conditions and a brute-force oracle.

use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use scaling_laws::numerics::nnls::{nnls, NnlsError, NnlsParams, NnlsStatus};

fn problem() -> impl Strategy<Value = (DMatrix<f64>, DVector<f64>)> {
    problem_up_to(5)
}

/// Random problems with 1 ..= `max_k` columns and more rows than columns.
fn problem_up_to(max_k: usize) -> impl Strategy<Value = (DMatrix<f64>, DVector<f64>)> {
    (3usize..40, 1usize..=max_k).prop_flat_map(|(m, k)| {
        let m = m.max(k + 1);
        (
            proptest::collection::vec(-1.0f64..1.0, m * k),
            proptest::collection::vec(-1.0f64..1.0, m),
        )
            .prop_map(move |(a, b)| (DMatrix::from_vec(m, k, a), DVector::from_vec(b)))
    })
}

/// Minimum RSS over every subset's least squares that is feasible (x ≥ 0):
/// the NNLS optimum, by enumeration (an oracle independent of the active set
/// logic).
fn brute_force(a: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    let k = a.ncols();
    let mut best = b.dot(b);
    for mask in 1u32..(1 << k) {
        let cols: Vec<usize> = (0..k).filter(|j| mask & (1 << j) != 0).collect();
        let sub = DMatrix::from_fn(a.nrows(), cols.len(), |i, j| a[(i, cols[j])]);
        let Some(z) = sub.clone().svd(true, true).solve(b, 1e-14).ok() else {
            continue;
        };
        if z.iter().all(|v| *v >= 0.0) {
            let r = b - &sub * &z;
            best = best.min(r.dot(&r));
        }
    }
    best
}

proptest! {
    #[test]
    fn nnls_satisfies_kkt_conditions_on_random_problems((a, b) in problem()) {
        let s = nnls(&a, &b, &NnlsParams::default()).unwrap();
        prop_assert_eq!(s.status, NnlsStatus::Converged);
        let g = a.transpose() * (&a * &s.x - &b); // gradient of ½‖Ax − b‖²
        let tol = 1e-12 * (1.0 + a.norm() * b.norm());
        for j in 0..a.ncols() {
            prop_assert!(s.x[j] >= 0.0);
            prop_assert!(g[j] >= -tol, "g[{j}] = {}", g[j]);
            if s.x[j] > 0.0 {
                prop_assert!(g[j].abs() <= tol, "free g[{j}] = {}", g[j]);
            }
        }
    }

    #[test]
    fn nnls_matches_brute_force_enumeration((a, b) in problem_up_to(4)) {
        let s = nnls(&a, &b, &NnlsParams::default()).unwrap();
        let best = brute_force(&a, &b);
        prop_assert!((s.rss - best).abs() <= 1e-10 * (1.0 + best), "{} vs {}", s.rss, best);
    }
}

#[test]
fn nnls_recovers_a_loss_surface_design_exactly() {
    // The VPNLS design [1, N^-α, D^-β] on 5 budgets × 15 points, noise-free.
    let (alpha, beta, e, a, b) = (0.34, 0.28, 1.69, 406.4, 410.7);
    let mut rows = Vec::new();
    for k in 17..=21 {
        let c = 10f64.powi(k);
        for i in 0..15 {
            let n = 10f64.powf(7.0 + (k - 17) as f64 * 0.5 + i as f64 * 0.2);
            let d = c / (6.0 * n);
            rows.push((
                n.powf(-alpha),
                d.powf(-beta),
                e + a * n.powf(-alpha) + b * d.powf(-beta),
            ));
        }
    }
    let m = DMatrix::from_fn(rows.len(), 3, |i, j| [1.0, rows[i].0, rows[i].1][j]);
    let l = DVector::from_iterator(rows.len(), rows.iter().map(|r| r.2));
    let s = nnls(&m, &l, &NnlsParams::default()).unwrap();
    for (got, want) in s.x.iter().zip([e, a, b]) {
        assert!((got / want - 1.0).abs() < 1e-10, "{got} {want}");
    }
}

#[test]
fn nnls_reports_running_out_of_iterations() {
    let a = DMatrix::from_row_slice(
        4,
        3,
        &[1.0, 0.2, 0.1, 0.3, 1.0, 0.2, 0.1, 0.4, 1.0, 1.0, 1.0, 1.0],
    );
    let b = DVector::from_vec(vec![1.0, 2.0, 3.0, 4.0]);
    let s = nnls(&a, &b, &NnlsParams { max_iter: Some(1) }).unwrap();
    assert_eq!(s.status, NnlsStatus::MaxIter);
    assert!(s.x.iter().all(|v| *v >= 0.0));
}

#[test]
fn nnls_rejects_bad_input_with_the_location() {
    let p = NnlsParams::default();
    assert_eq!(
        nnls(&DMatrix::<f64>::zeros(0, 3), &DVector::zeros(0), &p),
        Err(NnlsError::Empty { rows: 0, cols: 3 })
    );
    assert_eq!(
        nnls(&DMatrix::<f64>::zeros(3, 2), &DVector::zeros(4), &p),
        Err(NnlsError::DimensionMismatch {
            rows_a: 3,
            len_b: 4
        })
    );
    let mut a = DMatrix::<f64>::identity(3, 2);
    a[(2, 1)] = f64::NAN;
    assert_eq!(
        nnls(&a, &DVector::zeros(3), &p),
        Err(NnlsError::NonFinite {
            row: 2,
            col: Some(1)
        })
    );
}

proptest! {
    #![proptest_config(crate::common::cases(32))]

    /// The same KKT property at 256 bits: Lawson–Hanson must not depend on
    /// rounding to zero to drop a variable (it once cycled there).
    #[test]
    fn nnls_satisfies_kkt_conditions_at_256_bits((a, b) in problem()) {
        use scaling_laws::numerics::mpf::Mpf256;
        use scaling_laws::numerics::{lit, to_f64};
        let a = a.map(lit::<Mpf256>);
        let b = b.map(lit::<Mpf256>);
        let s = nnls(&a, &b, &NnlsParams::default()).unwrap();
        prop_assert_eq!(s.status, NnlsStatus::Converged);
        let g = a.transpose() * (&a * &s.x - &b);
        let tol = 1e-60 * (1.0 + to_f64(&a.norm()) * to_f64(&b.norm()));
        for j in 0..a.ncols() {
            prop_assert!(to_f64(&s.x[j]) >= 0.0);
            prop_assert!(to_f64(&g[j]) >= -tol, "g[{j}] = {}", g[j]);
            if s.passive[j] {
                prop_assert!(to_f64(&g[j]).abs() <= tol, "free g[{j}] = {}", g[j]);
            }
        }
    }
}
