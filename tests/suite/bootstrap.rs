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
