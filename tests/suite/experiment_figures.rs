//! Issue 26, the synthetic experiments' figures and text: numbers a reader
//! reads in Experiment 10's report (`io::fmt_sig`), intervals on lines
//! drawn from repeats (Experiment 7's geometric means), Experiment 13's
//! |bias| drawn only where it is told from 0, bands with gaps
//! (`plots::band_runs`), and Experiment 13's shared cell key keeping its
//! CSV columns.

use crate::experiments::exp7_small;
use scaling_laws::experiments::exp10::{run_exp10, Exp10Config};
use scaling_laws::experiments::exp13::{run_exp13, Exp13Cell, Exp13Config};
use scaling_laws::experiments::exp7::run_exp7;
use scaling_laws::experiments::{geometric_mean, geometric_mean_band, ERROR_FLOOR};
use scaling_laws::io::fmt_sig;
use scaling_laws::plots::band_runs;

/// `fmt_sig`: significant digits, plain decimals in [1e-3, 1e4), a short
/// exponent elsewhere, rounding carried into the exponent.
#[test]
fn fmt_sig_writes_numbers_a_reader_reads() {
    let cases: [(f64, usize, &str); 14] = [
        (4.7074e20, 3, "4.71e20"),
        (1.4687e-5, 3, "1.47e-5"),
        (5.614507888383584e-19, 3, "5.61e-19"),
        (264.29, 3, "264"),
        (264.29, 5, "264.29"),
        (0.0471, 3, "0.0471"),
        (0.001, 2, "0.0010"),
        (0.000999, 3, "9.99e-4"),
        (9999.6, 3, "1.00e4"),
        (9.996, 3, "10.0"),
        (-2.5e22, 2, "-2.5e22"),
        (0.0, 3, "0"),
        (1e24, 1, "1e24"),
        (7.0, 0, "7"),
    ];
    for (x, d, want) in cases {
        assert_eq!(fmt_sig(x, d), want, "fmt_sig({x:e}, {d})");
    }
    assert_eq!(fmt_sig(f64::NAN, 3), "NaN");
    assert_eq!(fmt_sig(f64::INFINITY, 3), "inf");
    // Three digits read back within half a unit of the third digit.
    for x in [1.7501e18, 3.7432e21, 2.7770e22, 9.4949e-6, 4.7080e-3] {
        let back: f64 = fmt_sig(x, 3).parse().unwrap();
        assert!((back / x - 1.0).abs() <= 5e-3, "{x:e} -> {back:e}");
    }
}

/// Experiment 10's report: wasted FLOPs and loss gaps with three
/// significant digits (`4.71e20`, `1.47e-5`), never a four-decimal mantissa
/// such as `4.7074e20` or `$2.6429e2`; dollars as `$264.29`.
#[test]
fn exp10_report_prints_three_significant_digits() {
    let out = run_exp10(&Exp10Config::default()).unwrap();
    let report = out.report();
    let lines: Vec<&str> = report.lines().collect();
    assert!(lines[0].contains("$5.61e-19 per FLOP"), "{}", lines[0]);
    assert!(lines[0].contains("989.5 TFLOP/s"), "{}", lines[0]);
    for (row, line) in out.rows.iter().zip(&lines[3..]) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[5], fmt_sig(row.numerical.wasted_compute, 3), "{line}");
        assert_eq!(cols[7], fmt_sig(row.numerical.loss_gap, 3), "{line}");
        assert!(cols[6].starts_with('$') && !cols[6].contains('e'), "{line}");
    }
    // No mantissa with four or more decimals anywhere in the report.
    let b = report.as_bytes();
    for i in 0..b.len().saturating_sub(6) {
        let four_decimals = b[i].is_ascii_digit()
            && b[i + 1] == b'.'
            && b[i + 2..i + 6].iter().all(u8::is_ascii_digit)
            && b[i + 6..].iter().find(|c| !c.is_ascii_digit()) == Some(&b'e');
        assert!(!four_decimals, "{}", &report[i..(i + 14).min(report.len())]);
    }
}

/// `geometric_mean_band`: exp(m ∓ 2 s/√n) of the logs. Values 1 and e²:
/// logs 0 and 2, m = 1, s = √2, n = 2, so 2s/√n = 2 and the band is
/// (e⁻¹, e³) around the geometric mean e. Non-finite values are left out;
/// fewer than 2 finite values give no band.
#[test]
fn geometric_mean_band_is_two_standard_errors_of_the_mean_log() {
    let e = std::f64::consts::E;
    let (lo, hi) = geometric_mean_band(&[1.0, e * e, f64::NAN], 1e-300);
    assert!((lo - 1.0 / e).abs() <= 1e-15, "{lo}");
    assert!((hi - e.powi(3)).abs() <= 1e-13, "{hi}");
    // Four values: logs 0, 0, 2, 2: m = 1, s = √(4/3), 2s/√4 = √(4/3).
    let (lo, hi) = geometric_mean_band(&[1.0, 1.0, e * e, e * e], 1e-300);
    let half = (4.0f64 / 3.0).sqrt();
    assert!((lo.ln() - (1.0 - half)).abs() <= 1e-15, "{lo}");
    assert!((hi.ln() - (1.0 + half)).abs() <= 1e-15, "{hi}");
    let (lo, hi) = geometric_mean_band(&[0.5, f64::NAN], 1e-300);
    assert!(lo.is_nan() && hi.is_nan());
}

/// A band stops at a point without a finite high end and starts again
/// after it (or at a non-positive x on a log axis); a lone point is a run
/// of one (drawn as a whisker).
#[test]
fn band_runs_split_at_gaps() {
    let pts = [
        (1.0, 1.0),
        (2.0, 1.0),
        (3.0, 1.0),
        (4.0, 1.0),
        (0.0, 1.0),
        (6.0, 1.0),
    ];
    let band = [
        (0.5, 2.0),
        (0.5, 2.0),
        (f64::NAN, f64::NAN),
        (f64::NAN, 3.0),
        (0.5, 2.0),
        (0.5, 2.0),
    ];
    let runs = band_runs(&pts, &band, true);
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert_eq!(runs[0], vec![(1.0, 0.5, 2.0), (2.0, 0.5, 2.0)]);
    assert_eq!(runs[1].len(), 1);
    assert_eq!((runs[1][0].0, runs[1][0].2), (4.0, 3.0));
    assert_eq!(runs[2], vec![(6.0, 0.5, 2.0)]);
    // On a linear axis x = 0 is a point like any other.
    assert_eq!(band_runs(&pts, &band, false).len(), 2);
}

/// Experiment 7's noisy figure: every method's geometric-mean line carries
/// the ±2 SE band of its repeats (or none, drawn on another series), and
/// the band holds the line.
#[test]
fn exp7_noisy_lines_carry_two_standard_error_bands() {
    let out = run_exp7(&exp7_small(12)).unwrap();
    let fig = out.noisy_figure().unwrap();
    assert!(fig.title.contains("±2 standard errors"), "{}", fig.title);
    let mut banded = 0;
    for panel in &fig.panels {
        for s in panel.series.iter().filter(|s| !s.label.is_empty()) {
            let method = s.label.split(" (").next().unwrap();
            let cells: Vec<_> = out.noisy.iter().filter(|n| n.method == method).collect();
            assert_eq!(s.band.len(), s.points.len(), "{}", s.label);
            for ((p, b), c) in s.points.iter().zip(&s.band).zip(&cells) {
                assert_eq!(*b, geometric_mean_band(&c.errors_a, ERROR_FLOOR));
                assert_eq!(p.1, geometric_mean(&c.errors_a, ERROR_FLOOR));
                assert!(b.0 < p.1 && p.1 < b.1, "{} {p:?} {b:?}", s.label);
                banded += 1;
            }
        }
    }
    assert!(banded >= 2 * out.config.noisy.as_ref().unwrap().methods.len());
}

fn exp13_small() -> Exp13Config {
    let mut cfg = Exp13Config::default();
    for st in &mut cfg.settings {
        st.sigmas = vec![0.0, st.sigmas[1]];
        st.repeats = 8;
        st.points.truncate(2);
    }
    cfg
}

/// Experiment 13's figures: a |bias| point and its band are drawn exactly
/// where the ±2 SE interval excludes 0 (low end > 0), and nowhere else;
/// the RMSE lines are drawn at every cell.
#[test]
fn exp13_bias_is_drawn_only_where_told_from_zero() {
    let cfg = exp13_small();
    let out = run_exp13(&cfg).unwrap();
    let (mut shown, mut hidden) = (0, 0);
    for st in &cfg.settings {
        for dstar in [false, true] {
            let fig = out.figure(st, dstar);
            for s in fig.panels.iter().flat_map(|p| &p.series) {
                if s.label.contains("RMSE") {
                    assert!(s.points.iter().all(|p| p.1.is_finite()), "{}", s.label);
                    continue;
                }
                assert!(s.label.contains("|bias|"), "{}", s.label);
                for (p, b) in s.points.iter().zip(&s.band) {
                    if p.1.is_finite() {
                        assert!(b.0 > 0.0 && b.0 <= p.1 && p.1 <= b.1, "{p:?} {b:?}");
                        shown += 1;
                    } else {
                        assert!(b.0.is_nan() && b.1.is_nan(), "{b:?}");
                        hidden += 1;
                    }
                }
            }
            // Every hidden point is a row whose band reaches 0.
            let hidden_rows = out
                .rows
                .iter()
                .filter(|r| r.cell.setting == st.name && r.cell.sigma > 0.0)
                .filter(|r| {
                    let e = if dstar { r.d } else { r.a };
                    e.abs_bias_band(r.repeats - r.failed).0.is_nan()
                })
                .count();
            let hidden_here = fig
                .panels
                .iter()
                .flat_map(|p| &p.series)
                .filter(|s| s.label.contains("|bias|"))
                .flat_map(|s| &s.points)
                .filter(|p| p.1.is_nan())
                .count();
            assert_eq!(hidden_here, hidden_rows);
        }
    }
    assert!(shown > 0 && hidden > 0, "{shown} {hidden}");
}

/// Experiment 13's rows and comparisons share one cell key; the CSVs keep
/// their columns.
#[test]
fn exp13_tables_keep_their_columns() {
    assert_eq!(
        Exp13Cell::COLUMNS,
        ["setting", "sigma", "width", "budgets", "points"]
    );
    let mut cfg = exp13_small();
    for st in &mut cfg.settings {
        st.repeats = 3;
        st.points.truncate(1);
    }
    let out = run_exp13(&cfg).unwrap();
    let t = out.table();
    assert_eq!(
        t.header,
        [
            "setting",
            "sigma",
            "width",
            "budgets",
            "points",
            "method",
            "repeats",
            "failed",
            "not_converged",
            "a_bias",
            "a_sd",
            "a_rmse",
            "a_median_abs",
            "log10_dstar_bias",
            "log10_dstar_sd",
            "log10_dstar_rmse",
            "log10_dstar_median_abs",
        ]
    );
    let c = out.comparison_table();
    assert_eq!(
        c.header,
        [
            "setting",
            "sigma",
            "width",
            "budgets",
            "points",
            "method",
            "against",
            "common",
            "failed",
            "failed_against",
            "a_ratio",
            "a_lo",
            "a_hi",
            "a_verdict",
            "log10_dstar_ratio",
            "log10_dstar_lo",
            "log10_dstar_hi",
            "log10_dstar_verdict",
        ]
    );
    for (row, r) in t.rows.iter().zip(&out.rows) {
        assert_eq!(row.len(), t.header.len());
        assert_eq!(row[..5], r.cell.csv_cells()[..]);
        assert_eq!(row[0], r.cell.setting);
        assert_eq!(row[4], r.cell.points.to_string());
    }
    for (row, k) in c.rows.iter().zip(&out.comparisons) {
        assert_eq!(row.len(), c.header.len());
        assert_eq!(row[..5], k.cell.csv_cells()[..]);
    }
}

/// Log-axis labels never touch: with the gap `min_label_gap` gives, any
/// two labels of an axis `length` pixels long are at least the wider label
/// plus half the tick size apart (x), or a line and a half (y). On 475
/// pixels (a panel of a three-column figure) 1e6 … 1e12 is labelled 1e6,
/// 1e8, 1e10, 1e12 (not `1e101e11e12`); 1e17 … 1e21 at every decade; a
/// short y axis over 0.006 … 0.045 keeps 0.01 and drops the crowded
/// 0.008, 0.009.
#[test]
fn log_axis_labels_do_not_touch() {
    use scaling_laws::plots::axes::{decade_ticks_spaced, log_range, min_label_gap};
    use scaling_laws::plots::style::{text_width, TICK};
    use scaling_laws::plots::tick_label;
    let names = |v: &[f64]| -> Vec<String> { v.iter().map(|v| tick_label(*v)).collect() };
    let wide = log_range(1e6, 1e12, 0.04, 0.04);
    let (bold, _) = decade_ticks_spaced(&wide, min_label_gap(&wide, 475, true));
    assert_eq!(names(&bold), ["1e6", "1e8", "1e10", "1e12"]);
    let r = log_range(1e17, 1e21, 0.04, 0.04);
    let (bold, _) = decade_ticks_spaced(&r, min_label_gap(&r, 475, true));
    assert_eq!(bold.len(), 5);
    // A short y axis over 1e-17 … 3e-5: a round step of 5 decades at the
    // exponents it divides (not 1e-17 1e-11 1e-5).
    let r = log_range(1e-17, 3e-5, 0.04, 0.04);
    let (bold, _) = decade_ticks_spaced(&r, min_label_gap(&r, 150, false));
    assert_eq!(names(&bold), ["1e-15", "1e-10", "1e-5"]);
    let r = log_range(0.006, 0.045, 0.04, 0.04);
    let (bold, light) = decade_ticks_spaced(&r, min_label_gap(&r, 300, false));
    assert!(bold.contains(&0.01) && !bold.contains(&0.009), "{bold:?}");
    assert!(light.contains(&0.009), "{light:?}");
    for (lo, hi) in [
        (1e6, 1e12),
        (1e-17, 1e-1),
        (1e17, 1e21),
        (1e-300, 1e300),
        (2.0, 5e4),
        (2.0, 5.0),
        (0.006, 0.045),
        (2e7, 4e9),
        (2.2, 3.4),
        (2.2e8, 3.4e8),
        (0.31, 0.47),
    ] {
        let r = log_range(lo, hi, 0.04, 0.04);
        let span = (r.end / r.start).log10();
        for length in [200u32, 300, 475, 700, 1000, 2000] {
            for along_x in [true, false] {
                let (bold, _) = decade_ticks_spaced(&r, min_label_gap(&r, length, along_x));
                assert!(!bold.is_empty(), "{r:?} {length}");
                for w in bold.windows(2) {
                    let px = f64::from(length) * (w[1] / w[0]).log10() / span;
                    let need = if along_x {
                        let a = text_width(&tick_label(w[0]), TICK);
                        let b = text_width(&tick_label(w[1]), TICK);
                        f64::from(a.max(b) + TICK / 2)
                    } else {
                        f64::from(3 * TICK / 2)
                    };
                    assert!(
                        px + 1e-6 >= need,
                        "{r:?} {length} {along_x}: {w:?} {px} < {need}"
                    );
                }
            }
        }
    }
}

/// A panel whose data leave a legend of eleven entries no free place (one
/// marker in the lower left's middle, data everywhere else).
fn crowded_panel() -> scaling_laws::plots::Panel {
    use scaling_laws::plots::{LegendPosition, Panel, Series};
    let mut pts = Vec::new();
    for i in 0..20 {
        for j in 0..20 {
            let (x, y) = (0.025 + 0.05 * f64::from(i), 0.025 + 0.05 * f64::from(j));
            if x < 0.3 && y < 0.75 && !(i == 1 && j == 7) {
                continue;
            }
            pts.push((x, y));
        }
    }
    let mut series = vec![Series::markers("data", pts, 0)];
    for k in 0..11 {
        series.push(Series::line(
            format!("entry {k}"),
            vec![(0.5, 0.5), (0.5, 0.5)],
            k + 1,
        ));
    }
    Panel {
        series,
        legend: LegendPosition::UpperRight,
        ..Panel::default()
    }
}

/// A legend taller than a third of the plotting area, with data in every
/// place it could go, goes below the panel: it covers no data and the y
/// axis keeps the data's range (no empty band).
#[test]
fn a_legend_with_no_free_place_goes_below_the_panel() {
    use scaling_laws::plots::legend::{legend_size, place_in_area, MAX_HEADROOM};
    use scaling_laws::plots::LegendPosition;
    let panel = crowded_panel();
    let plot = (800, 800);
    let size = legend_size(&panel).unwrap();
    assert!(
        f64::from(size.1) > MAX_HEADROOM * 800.0 && size.1 < 590,
        "{size:?}"
    );
    let place = place_in_area(&panel, &(0.0..1.0), 0.0..1.0, plot);
    assert_eq!(place.position, LegendPosition::Below, "{place:?}");
    assert_eq!(place.offset, None);
    assert_eq!(place.y_range, 0.0..1.0, "no band is added above the data");
}

/// Drawn, a below-panel legend sits in a strip the figure grows by: the
/// canvas is taller than without the legend, and every entry's text lies
/// under the panel (below the height of the figure without it).
#[test]
fn a_below_panel_legend_is_drawn_in_a_strip_under_the_panel() {
    use scaling_laws::plots::{write_figure, Figure, LegendPosition, Panel};
    let dir = std::env::temp_dir().join(format!("scaling-laws-below-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let height = |path: &std::path::Path| {
        let png = std::fs::read(path).unwrap();
        u32::from_be_bytes([png[20], png[21], png[22], png[23]])
    };
    let with = Figure::new("t", 1, 2, vec![crowded_panel(), crowded_panel()]);
    let without = Figure::new(
        "t",
        1,
        2,
        vec![
            Panel {
                legend: LegendPosition::None,
                ..crowded_panel()
            };
            2
        ],
    );
    let a = write_figure(&with, &dir.join("with")).unwrap();
    let b = write_figure(&without, &dir.join("without")).unwrap();
    let (h_with, h_without) = (height(&a[0]), height(&b[0]));
    assert!(h_with > h_without, "{h_with} {h_without}");
    let svg = std::fs::read_to_string(&a[1]).unwrap();
    let mut seen = 0;
    for line in svg.split("<text").skip(1) {
        if !line.contains("entry ") {
            continue;
        }
        seen += 1;
        let y: f64 = line
            .split("y=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        assert!(y > f64::from(h_without), "{y} {h_without}");
    }
    assert_eq!(seen, 22, "eleven entries under each of the two panels");
    let _ = std::fs::remove_dir_all(&dir);
}

/// No legend and no note covers data in any figure of the synthetic
/// experiments (their default settings; Experiments 7 and 13 on smaller
/// grids of the same figures): every legend is in a free place, a band
/// above the data, the figure's strip or below its panel
/// (`plots::covered_marks` replays `write_figure`'s placement).
#[test]
fn no_legend_or_note_covers_data_in_any_experiment_figure() {
    use scaling_laws::experiments::{
        exp1, exp10, exp14, exp2, exp3, exp4, exp5, exp6, exp8, exp9, ExperimentFiles,
    };
    use scaling_laws::plots::covered_marks;
    let runs: Vec<(&str, ExperimentFiles)> = vec![
        (
            "1",
            exp1::run_exp1(&exp1::Exp1Config::default())
                .unwrap()
                .files(),
        ),
        (
            "2",
            exp2::run_exp2(&exp2::Exp2Config::default())
                .unwrap()
                .files(),
        ),
        (
            "3",
            exp3::run_exp3(&exp3::Exp3Config::default())
                .unwrap()
                .files(),
        ),
        (
            "4",
            exp4::run_exp4(&exp4::Exp4Config::default())
                .unwrap()
                .files(),
        ),
        (
            "5",
            exp5::run_exp5(&exp5::Exp5Config::default())
                .unwrap()
                .files(),
        ),
        (
            "6",
            exp6::run_exp6(&exp6::Exp6Config::default())
                .unwrap()
                .files(),
        ),
        ("7", run_exp7(&exp7_small(6)).unwrap().files()),
        (
            "8",
            exp8::run_exp8(&exp8::Exp8Config::default())
                .unwrap()
                .files(),
        ),
        (
            "9",
            exp9::run_exp9(&exp9::Exp9Config::default())
                .unwrap()
                .files(),
        ),
        (
            "10",
            exp10::run_exp10(&exp10::Exp10Config::default())
                .unwrap()
                .files(),
        ),
        ("13", run_exp13(&exp13_small()).unwrap().files()),
        (
            "14",
            exp14::run_exp14(&exp14::Exp14Config::default())
                .unwrap()
                .files(),
        ),
    ];
    let mut figures = 0;
    for (n, files) in &runs {
        for (stem, fig) in &files.figures {
            let covered = covered_marks(fig);
            assert_eq!(covered.len(), fig.panels.len());
            assert!(
                covered.iter().all(|&c| c == 0),
                "experiment {n} {stem}: marks covered per panel {covered:?}"
            );
            figures += 1;
        }
    }
    assert!(figures >= 48, "{figures} figures checked");
}

/// Experiment 5's extrapolation figure says its errors are floating-point
/// rounding and gives the largest (found here plainly) to two digits:
/// 2.0e-14 with the default settings, as specs/experiment-5.md says.
#[test]
fn exp5_extrapolation_title_says_the_errors_are_rounding() {
    use scaling_laws::experiments::exp5::{run_exp5, Exp5Config};
    let out = run_exp5(&Exp5Config::default()).unwrap();
    let mut largest = 0.0f64;
    for r in &out.extrapolation {
        let e = r.relative_error().abs();
        assert!(e < 1e-12, "{e}");
        largest = largest.max(e);
    }
    let title = out.extrapolation_figure().title;
    let clause = format!(
        "every |error| ≤ {}: floating-point rounding",
        fmt_sig(largest, 2)
    );
    assert!(title.contains(&clause), "{title}");
    assert!(title.contains("every |error| ≤ 2.0e-14"), "{title}");
}
