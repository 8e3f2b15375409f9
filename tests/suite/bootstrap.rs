//! The shared bootstrap: quantiles, resampling plans, thread-count independence.

use scaling_laws::analysis::bootstrap::{
    quantile, resample_groups, resample_indices, resample_within_groups, run_replicates,
};
use scaling_laws::sampling::noise::Rng;

#[test]
fn quantile_matches_numpy_type_7() {
    // numpy.quantile([1, 2, 3, 4], 0.25) = 1.75 (linear interpolation).
    let v = [4.0, 1.0, 3.0, 2.0];
    assert_eq!(quantile(&v, 0.25), Some(1.75));
    assert_eq!(quantile(&v, 0.0), Some(1.0));
    assert_eq!(quantile(&v, 1.0), Some(4.0));
    assert_eq!(quantile(&[f64::NAN], 0.5), None);
    assert_eq!(quantile(&v, 1.5), None);
}

#[test]
fn replicates_do_not_depend_on_thread_count() {
    let f = |rng: &mut Rng| Some(resample_indices(rng, 7));
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| run_replicates(50, 9, f));
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| run_replicates(50, 9, f));
    assert_eq!(one, two);
    assert!(one.iter().flatten().all(|&i| i < 7));
}

#[test]
fn group_resampling_keeps_group_structure() {
    let groups = vec![vec![0, 1, 2], vec![3, 4], vec![5]];
    let mut rng = Rng::new(3);
    let within = resample_within_groups(&mut rng, &groups);
    assert_eq!(within.len(), 6);
    assert!(within[..3].iter().all(|&i| i < 3));
    assert!(within[3..5].iter().all(|&i| (3..5).contains(&i)));
    assert_eq!(within[5], 5);
    let whole = resample_groups(&mut rng, &groups);
    // Whole groups: every drawn group appears complete and in order.
    let mut k = 0;
    while k < whole.len() {
        let g = groups.iter().find(|g| g[0] == whole[k]).unwrap();
        assert_eq!(&whole[k..k + g.len()], g.as_slice());
        k += g.len();
    }
}

/// The IsoFLOP studies' default bootstrap (`isoflops --bootstrap K`, the
/// cost study's intervals) resamples points within each budget: every
/// resample keeps each budget's point count, and each point of a budget of
/// g points is drawn with probability 1/g per draw, so R replicates draw
/// every point R times on average (binomial spread √(R(1 − 1/g)); the test
/// allows 5 of them). Whole-budget resampling or a point never drawn fails.
#[test]
fn isoflop_bootstrap_keeps_each_budget_and_draws_each_point_uniformly() {
    use scaling_laws::sampling::IsoflopPoint;
    use scaling_laws::studies::isoflops::fits::{bootstrap_points, FitSettings, Resample};
    assert_eq!(FitSettings::default().resample, Resample::WithinBudgets);
    let sizes = [5usize, 7, 9];
    let mut points = Vec::new();
    for (b, &g) in sizes.iter().enumerate() {
        let budget = 10f64.powi(18 + b as i32);
        for j in 0..g {
            // A unique N identifies each point in the resamples.
            let n = (points.len() + 1) as f64 * 1e6;
            points.push(IsoflopPoint {
                n,
                d: budget / (6.0 * n),
                loss: 3.0 + j as f64 * 0.01,
                budget,
            });
        }
    }
    let total = points.len();
    let r = 4000usize;
    let draws = bootstrap_points(&points, Resample::WithinBudgets, r, 11, |pts| {
        let mut per_budget = [0usize; 3];
        let mut per_point = vec![0usize; total];
        for p in pts {
            let i = (p.n / 1e6).round() as usize - 1;
            per_point[i] += 1;
            per_budget[(p.budget.log10().round() as usize) - 18] += 1;
        }
        Some((per_budget, per_point))
    });
    assert_eq!(draws.len(), r);
    let mut counts = vec![0usize; total];
    for (per_budget, per_point) in &draws {
        assert_eq!(per_budget, &sizes, "each budget keeps its point count");
        for (c, k) in counts.iter_mut().zip(per_point) {
            *c += k;
        }
    }
    let mut start = 0;
    for &g in &sizes {
        let spread = (r as f64 * (1.0 - 1.0 / g as f64)).sqrt();
        for (i, &c) in counts[start..start + g].iter().enumerate() {
            assert!(
                (c as f64 - r as f64).abs() <= 5.0 * spread,
                "point {} of a budget of {g}: drawn {c} times in {r} replicates",
                i + 1
            );
        }
        start += g;
    }
}
