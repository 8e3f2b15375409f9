//! Approach 2's input checks: typed errors naming the evidence.

use scaling_laws::fitters::{fit_approach2, Approach2Error};
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::*;

fn points(n: usize) -> Vec<IsoflopPoint<f64>> {
    let s = LossSurface::<f64>::chinchilla();
    sample_isoflops(
        &s,
        &default_budgets(),
        &IsoflopGrid::new(1.0, n).unwrap(),
        &SamplingBias::none(),
    )
    .unwrap()
}

#[test]
fn a_budget_with_two_points_is_too_few() {
    let mut p = points(3);
    p.remove(0);
    assert!(matches!(
        fit_approach2(&p),
        Err(Approach2Error::TooFewPoints {
            needed: 3,
            got: 2,
            ..
        })
    ));
}

#[test]
fn a_single_budget_is_too_few() {
    let p: Vec<_> = points(5).into_iter().take(5).collect();
    assert!(matches!(
        fit_approach2(&p),
        Err(Approach2Error::TooFewBudgets { needed: 2, got: 1 })
    ));
}

#[test]
fn a_concave_budget_reports_its_curvature() {
    let mut p = points(7);
    for q in p.iter_mut().take(7) {
        q.loss = 10.0 - q.loss; // turn budget 1e17's curve upside down
    }
    match fit_approach2(&p) {
        Err(Approach2Error::NonPositiveCurvature {
            budget,
            axis,
            curvature,
        }) => {
            assert_eq!(budget, 1e17);
            assert_eq!(axis, "N");
            assert!(curvature < 0.0);
        }
        other => panic!("expected NonPositiveCurvature, got {other:?}"),
    }
}

#[test]
fn non_finite_or_non_positive_values_are_named() {
    let mut p = points(5);
    p[3].loss = f64::NAN;
    assert!(matches!(
        fit_approach2(&p),
        Err(Approach2Error::BadPoint {
            index: 3,
            field: "L",
            ..
        })
    ));
    let mut p = points(5);
    p[7].n = -1.0;
    assert!(
        matches!(fit_approach2(&p), Err(Approach2Error::BadPoint { index: 7, field: "N", value }) if value == -1.0)
    );
}

#[test]
fn repeated_abscissae_are_degenerate() {
    let mut p = points(3);
    let n0 = p[0].n;
    for q in p.iter_mut().take(3) {
        q.n = n0;
    }
    assert!(matches!(
        fit_approach2(&p),
        Err(Approach2Error::Degenerate { axis: "N", .. })
    ));
}

#[test]
fn budgets_are_reported_in_increasing_order_whatever_the_input_order() {
    let mut p = points(5);
    p.reverse();
    let fit = fit_approach2(&p).unwrap();
    let b: Vec<f64> = fit.vertices.iter().map(|v| v.budget).collect();
    assert_eq!(b, default_budgets::<f64>());
}

#[test]
fn points_in_budget_order_and_shuffled_points_give_the_same_fit_bit_for_bit() {
    // In budget order the fit groups in one pass without sorting; any other
    // order is stably sorted first. Within a budget the points keep their
    // input order, so both paths see the same sequence of points.
    let p = points(9);
    let ordered = fit_approach2(&p).unwrap();
    // Interleave the budgets (point i of every budget, then point i + 1 …):
    // the same order within each budget, no two neighbours share a budget.
    let mut shuffled = Vec::new();
    for i in 0..9 {
        for b in 0..5 {
            shuffled.push(p[9 * b + i].clone());
        }
    }
    assert_eq!(fit_approach2(&shuffled).unwrap(), ordered);
}

#[test]
fn the_first_bad_point_in_input_order_is_named_whatever_the_budget_order() {
    // Budgets in decreasing order (the sorting path): the point named is the
    // first bad one in the input, not in budget order.
    let mut p = points(5);
    p.reverse();
    p[12].d = f64::INFINITY;
    p[2].budget = 0.0;
    assert!(matches!(
        fit_approach2(&p),
        Err(Approach2Error::BadPoint {
            index: 2,
            field: "C",
            value
        }) if value == 0.0
    ));
}

#[test]
fn a_budget_order_broken_by_one_point_is_sorted() {
    // Budgets non-decreasing except one point moved to the end: grouped by
    // sorting, the fit equals that of the ordered points (the moved point is
    // the last of its budget in both).
    let p = points(5);
    let mut q = p.clone();
    let moved = q.remove(4); // the last point of budget 1e17
    q.push(moved);
    assert_eq!(fit_approach2(&q).unwrap(), fit_approach2(&p).unwrap());
}
