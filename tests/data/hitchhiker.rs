//! The training-curve study on the seed's own runs (published data, not
//! shipped): the fit flags α as not identified; the command line's file mode.

use std::path::{Path, PathBuf};

use scaling_laws::fitters::training_curve::profile::{basins, Profile, ProfileSettings};
use scaling_laws::fitters::training_curve::{CurvePoints, HUBER_DELTA};
use scaling_laws::io::training_curves::{CurveOptions, Registry};
use scaling_laws::studies::hitchhiker::{fit_training_curve_files, HitchhikerSettings};

use super::common::published;
use super::support::run_status;

/// Run the binary: (exit code, −1 when a signal ended it; stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = run_status(args);
    (code.unwrap_or(-1), out, err)
}

/// The seed's data set: N spans only 2.06× (1,683,000 … 3,463,000), so the
/// fit runs but α is reported as not identified. The published procedure
/// stops at `max_iter` above the profile's minimum (issue 22 §3); the
/// global stage ends at or below 0.0031774387 + 1e-9 (the profile's
/// minimum as measured independently), `converged`, α = −0.1650 with the
/// flat range [−0.2597, −0.0701] (within 1e-6; the digits
/// specs/hitchhiker.md prints), and all 200 bootstrap replicates converge
/// (none on the exponent box).
pub fn hitchhiker_runs_fit_and_alpha_is_flagged_as_not_identified() {
    let dir = published("hitchhiker_runs");
    let files: Vec<(PathBuf, u64)> = [
        (32, 1_683_000),
        (40, 2_098_000),
        (48, 2_545_000),
        (56, 3_015_000),
        (64, 3_463_000),
    ]
    .iter()
    .map(|(w, n)| (dir.join(format!("optimal_lr_sgd_{w}d.csv")), *n))
    .collect();
    let settings = HitchhikerSettings::default();
    let (set, r) = fit_training_curve_files(&files, &CurveOptions::default(), &settings).unwrap();
    assert_eq!(set.len(), 307);
    assert_eq!(r.fit.num_points, 307);
    assert!(r.fit.objective.is_finite());
    assert!(
        r.warnings
            .iter()
            .any(|w| w.starts_with("alpha not identified: N spans only 2.06x")),
        "{:?}",
        r.warnings
    );
    assert_eq!(r.status.as_str(), "not_identified");
    assert!(
        r.fit.objective <= 0.0031774387 + 1e-9,
        "{}",
        r.fit.objective
    );
    assert_eq!(r.fit.status.as_str(), "converged");
    let c = r.fit.certificate.as_ref().unwrap();
    assert!(c.global_stage && c.holds(), "{c:?}");
    assert_eq!(format!("{:.4}", r.fit.law.alpha), "-0.1650");
    let w =
        "alpha not identified: alpha in [-0.2597, -0.0701] within 1e-6 of the minimum objective";
    assert!(r.warnings.iter().any(|x| x == w), "{:?}", r.warnings);
    assert!(r.warnings.iter().any(|x| x.starts_with(
        "the published procedure (Adam + L-BFGS) ends max_iter at objective 3.1777143078e-3"
    )));
    let iv = r.intervals.unwrap();
    assert_eq!((iv.used, iv.at_bound), (200, 0));
}

/// proofs/13 §13.10: the default 20 × 20 profile grid (spacing 0.21) finds
/// the basins the 40 × 40 grid (0.102) finds, on the three registry data
/// sets (the seed's run, datablations, OPT): as many basin nodes, and the
/// refinement of each ends at the same exponents (to 1e-6) and objective
/// (to 1e-12 relative).
pub fn hitchhiker_coarse_grid_finds_the_fine_grids_basins() {
    let reg =
        Registry::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/registry.toml")).unwrap();
    let coarse = ProfileSettings::default();
    assert_eq!(coarse.nodes, 20, "the spacing proofs/13 §13.10 states");
    let fine = ProfileSettings {
        nodes: 40,
        ..coarse.clone()
    };
    for name in [
        "optimal_lr_sgd_scaling",
        "datablations_c4_1epoch",
        "opt_trajectories",
    ] {
        let d = reg.get(name).unwrap();
        let (set, missing) = d.load(&d.options).unwrap();
        assert!(missing.is_empty(), "{name}: {missing:?}");
        let (n, dd, l) = set.points();
        let pts = CurvePoints::new(&n, &dd, &l).unwrap();
        let refined = |s: &ProfileSettings| {
            let mut p = Profile::new(&pts, HUBER_DELTA);
            let g = p.grid(s);
            basins(&g, s.nodes)
                .into_iter()
                .map(|k| p.refine(g[k], [true; 2], [s.alpha, s.beta]))
                .collect::<Vec<_>>()
        };
        let (a, b) = (refined(&coarse), refined(&fine));
        assert!(!a.is_empty(), "{name}");
        assert_eq!(a.len(), b.len(), "{name}: {a:?} vs {b:?}");
        for (x, y) in a.iter().zip(&b) {
            for k in 0..2 {
                assert!(
                    (x.exponents[k] - y.exponents[k]).abs() <= 1e-6,
                    "{name}: {x:?} vs {y:?}"
                );
            }
            assert!(
                (x.objective - y.objective).abs() <= 1e-12 * y.objective,
                "{name}: {x:?} vs {y:?}"
            );
        }
    }
}

pub fn hitchhiker_file_mode_fits_files_given_on_the_command_line() {
    let dir = published("hitchhiker_runs");
    let arg = |w: u32, n: u64| {
        format!(
            "{}={n}",
            dir.join(format!("optimal_lr_sgd_{w}d.csv")).display()
        )
    };
    let (code, out, err) = run(&[
        "hitchhiker",
        "--file",
        &arg(32, 1_683_000),
        "--file",
        &arg(64, 3_463_000),
        "--bootstrap",
        "0",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("num_points = 123") && out.contains("alpha not identified"));
    let (code, _, err) = run(&[
        "hitchhiker",
        "--file",
        &format!("{}=1.5", dir.join("x.csv").display()),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("N must be a positive integer"));
}
