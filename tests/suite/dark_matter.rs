//! The two-term ("dark matter") analysis: the published numbers on the
//! Chinchilla runs, the verdict rules, the honest comparison on synthetic
//! data, the loader's errors.

use scaling_laws::io::runs::{read_runs, RunColumns};
use scaling_laws::models::power_law::PowerLawSum;
use scaling_laws::sampling::noise::Rng;
use scaling_laws::studies::dark_matter::stats::assign_folds;
use scaling_laws::studies::dark_matter::{
    analyse_metric, information_criteria, CvScheme, DarkMatterInput, DarkMatterParams, Evidence,
    Metric, MetricColumn, Preference,
};

#[test]
fn published_verdict_rule_has_its_thresholds() {
    assert_eq!(Evidence::from_improvement(5.01), Evidence::Strong);
    assert_eq!(Evidence::from_improvement(5.0), Evidence::Weak);
    assert_eq!(Evidence::from_improvement(1.01), Evidence::Weak);
    assert_eq!(Evidence::from_improvement(1.0), Evidence::None);
    assert_eq!(Evidence::from_improvement(-3.0), Evidence::None);
    assert_eq!(Preference::from_delta(-10.5), Preference::TwoTermStrongly);
    assert_eq!(Preference::from_delta(-2.5), Preference::TwoTerm);
    assert_eq!(Preference::from_delta(2.0), Preference::Neither);
    assert_eq!(Preference::from_delta(5.0), Preference::Single);
    assert_eq!(Preference::from_delta(10.5), Preference::SingleStrongly);
}

#[test]
fn information_criteria_follow_the_gaussian_likelihood() {
    // n = 10, RMSE 0.5, p = 3 → k = 4: ln L = −5(ln(2π·0.25) + 1).
    let ic = information_criteria(0.5, 10, 3);
    let ln_l = -5.0 * ((2.0 * std::f64::consts::PI * 0.25).ln() + 1.0);
    assert_eq!(ic.k, 4);
    assert!((ic.ln_likelihood - ln_l).abs() < 1e-14);
    assert!((ic.aic - (8.0 - 2.0 * ln_l)).abs() < 1e-13);
    assert!((ic.aicc - (ic.aic + 40.0 / 5.0)).abs() < 1e-13);
    assert!((ic.bic - (4.0 * 10f64.ln() - 2.0 * ln_l)).abs() < 1e-13);
    // ΔAIC between two laws is 2n·ln(RMSE₂/RMSE₁) + 2·Δk.
    let (a, b) = (
        information_criteria(0.2, 245, 3),
        information_criteria(0.18, 245, 5),
    );
    assert!((b.aic - a.aic - (490.0 * (0.9f64).ln() + 4.0)).abs() < 1e-10);
}

#[test]
fn model_size_folds_hold_out_whole_sizes() {
    let group: Vec<f64> = (0..60).map(|i| (1 + i % 12) as f64 * 1e8).collect();
    let folds = assign_folds(&group, CvScheme::ByModelSize, 5, 1);
    assert_eq!(folds, assign_folds(&group, CvScheme::ByModelSize, 5, 1));
    for i in 0..group.len() {
        for j in 0..group.len() {
            if group[i] == group[j] {
                assert_eq!(folds[i], folds[j]);
            }
        }
    }
    for f in 0..5 {
        assert!(folds.contains(&f), "fold {f} empty");
    }
    let random = assign_folds(&group, CvScheme::Random, 5, 1);
    for f in 0..5 {
        assert_eq!(random.iter().filter(|&&v| v == f).count(), 12);
    }
}

/// Synthetic runs: 12 model sizes × 8 token counts, loss from `law` on
/// tokens (x = D/1e9) with multiplicative noise e^{σ·z}.
fn synthetic(law: &PowerLawSum<f64>, sigma: f64, seed: u64) -> DarkMatterInput {
    let mut rng = Rng::new(seed);
    let (mut loss, mut group, mut x) = (Vec::new(), Vec::new(), Vec::new());
    for s in 0..12 {
        let n = 1e8 * 10f64.powf(s as f64 / 4.0);
        for t in 0..8 {
            let d = 1e8 * 10f64.powf((s as f64 + 3.0 * t as f64) / 8.0);
            group.push(n);
            x.push(d);
            loss.push(law.predict(&(d / 1e9)) * (sigma * rng.normal()).exp());
        }
    }
    DarkMatterInput {
        loss,
        group,
        metrics: vec![MetricColumn {
            metric: Metric::Tokens,
            x,
            scale: 1e9,
        }],
    }
}

#[test]
fn honest_comparison_picks_the_true_law_on_synthetic_runs() {
    let params = DarkMatterParams {
        bootstrap: 20,
        ..DarkMatterParams::default()
    };
    let single = PowerLawSum::from_theta(&[0.5f64.ln(), 0.3, 1.7f64.ln()]).unwrap();
    let two = PowerLawSum::from_theta(&[0.3f64.ln(), 1.2, 0.8f64.ln(), 0.15, 1.2f64.ln()]).unwrap();
    for (law, truth_two) in [(single, false), (two, true)] {
        let input = synthetic(&law, 0.01, 5);
        let m = analyse_metric(&input.metrics[0], &input.loss, &input.group, &params).unwrap();
        let verdict = m.honest.overall;
        if truth_two {
            assert_eq!(verdict, "supported", "{:?}", m.cv);
        } else {
            assert_ne!(verdict, "supported", "{:?}", m.cv);
        }
    }
}

#[test]
fn loader_names_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("sl-dm-loader-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cols = RunColumns {
        size: "N".into(),
        flops: "C".into(),
        tokens: None,
        loss: "loss".into(),
    };
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let p = write("missing.csv", "N,loss\n1,2\n");
    let e = read_runs(&p, &cols, 5).unwrap_err().to_string();
    assert!(e.contains("missing.csv") && e.contains("'C'"), "{e}");
    let p = write("neg.csv", "N,C,loss\n1,2,3\n1,2,-3\n");
    let e = read_runs(&p, &cols, 1).unwrap_err().to_string();
    assert!(
        e.contains("neg.csv") && e.contains("line 3") && e.contains("'loss'"),
        "{e}"
    );
    let p = write("few.csv", "N,C,loss\n1,2,3\n1,3,3\n");
    let e = read_runs(&p, &cols, 5).unwrap_err().to_string();
    assert!(e.contains("few.csv") && e.contains("2 data rows"), "{e}");
    let p = write("ok.csv", "N,C,loss\n2,12,3\n");
    let r = read_runs(&p, &cols, 1).unwrap();
    assert_eq!(r.tokens, vec![1.0]);
    std::fs::remove_dir_all(&dir).unwrap();
}
