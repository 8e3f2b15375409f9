//! Figure kinds beyond curves (box plots, the symmetric-log axis) and
//! where legends go.

use scaling_laws::plots::{
    write_figure, BoxPlot, BoxSeries, BoxStats, Figure, LegendPosition, Panel, SymLog,
};

#[test]
fn box_stats_are_type_7_quartiles_with_tukey_whiskers() {
    // numpy.percentile([1..9, 100], [25, 50, 75]) = 3.25, 5.5, 7.75 (type 7:
    // positions 2.25, 4.5, 6.75 of the sorted values).
    let v = [9.0, 2.0, 100.0, 4.0, 1.0, 3.0, 5.0, 6.0, 7.0, 8.0];
    let b = BoxStats::from_values(&v).unwrap();
    assert_eq!((b.q1, b.median, b.q3), (3.25, 5.5, 7.75));
    // Fences 3.25 − 1.5·4.5 = −3.5 and 7.75 + 6.75 = 14.5.
    assert_eq!((b.low, b.high), (1.0, 9.0));
    assert_eq!(b.outliers, vec![100.0]);
    assert_eq!(b.count, 10);
    // Non-finite values are left out; nothing finite gives no box.
    let b = BoxStats::from_values(&[f64::NAN, 2.0, f64::INFINITY]).unwrap();
    assert_eq!((b.count, b.low, b.median, b.high), (1, 2.0, 2.0, 2.0));
    assert!(BoxStats::from_values(&[f64::NAN]).is_none());
    assert!(BoxStats::from_values(&[]).is_none());
}

#[test]
fn symlog_is_odd_continuous_and_inverted_exactly() {
    let s = SymLog::new(1e-3).unwrap();
    for y in [-5e-1, -2e-3, -1e-3, -3e-4, 0.0, 7e-4, 1e-3, 1e-2, 0.3] {
        assert_eq!(s.forward(-y), -s.forward(y));
        assert!((s.inverse(s.forward(y)) - y).abs() <= 1e-15 * y.abs().max(1e-3));
    }
    // Continuous at the threshold, one unit per decade beyond it.
    assert_eq!(s.forward(1e-3), 1.0);
    assert!((s.forward(1e-2) - 2.0).abs() < 1e-15);
    assert_eq!(s.ticks(-2.2, 3.1), vec![-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]);
    assert!(SymLog::new(0.0).is_none() && SymLog::new(f64::NAN).is_none());
}

#[test]
fn a_box_panel_draws_to_png_and_svg() {
    let series = |label: &str, color, shift: f64| BoxSeries {
        label: label.into(),
        color,
        boxes: (0..3)
            .map(|k| {
                let v: Vec<f64> = (0..40)
                    .map(|i| shift + (i as f64 - 20.0) * 1e-3 * 10f64.powi(k))
                    .collect();
                BoxStats::from_values(&v)
            })
            .collect(),
    };
    let fig = Figure::new(
        "box plot",
        1,
        2,
        vec![
            Panel {
                title: "linear".into(),
                x_label: "group".into(),
                y_label: "value".into(),
                boxes: Some(BoxPlot {
                    categories: vec!["a".into(), "b".into(), "c".into()],
                    series: vec![series("one", 0, 0.0), series("two", 1, 0.01)],
                    symlog: None,
                    reference: Some(0.0),
                }),
                legend: LegendPosition::UpperLeft,
                ..Panel::default()
            },
            Panel {
                title: "symmetric log".into(),
                boxes: Some(BoxPlot {
                    categories: vec!["a".into(), "b".into(), "c".into()],
                    series: vec![series("one", 0, 0.0), series("two", 1, 0.01)],
                    symlog: SymLog::new(1e-3),
                    reference: Some(0.0),
                }),
                ..Panel::default()
            },
        ],
    );
    let dir = std::env::temp_dir().join(format!("scaling-laws-boxplot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let written = write_figure(&fig, &dir.join("boxes")).unwrap();
    for f in &written {
        assert!(std::fs::metadata(f).unwrap().len() > 1000, "{f:?}");
    }
    if std::env::var_os("KEEP_FIGURES").is_none() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A panel of one curve through the given points, its legend preferred in
/// the upper right.
fn curve_panel(points: Vec<(f64, f64)>) -> Panel {
    use scaling_laws::plots::Series;
    Panel {
        title: "t".into(),
        series: vec![
            Series::line("a curve with a long label", points, 0).with_markers(),
            Series::markers("a second entry", vec![], 1),
        ],
        legend: LegendPosition::UpperRight,
        ..Panel::default()
    }
}

#[test]
fn a_legend_moves_off_data_in_its_preferred_corner() {
    use scaling_laws::plots::legend::{legend_rect, legend_size, marks, place_in_area, CLEARANCE};
    // Data rising to the upper right corner of a 400 × 300 px plotting
    // area (axes 0 … 1): the legend cannot stay there.
    let panel = curve_panel(
        (0..=20)
            .map(|k| (k as f64 / 20.0, k as f64 / 20.0))
            .collect(),
    );
    let (xr, yr) = (0.0..1.0, 0.0..1.0);
    let plot = (400, 300);
    let place = place_in_area(&panel, &xr, yr.clone(), plot);
    assert_ne!(place.position, LegendPosition::UpperRight);
    assert_eq!(place.y_range, yr, "a free corner needs no extra room");
    let size = legend_size(&panel).unwrap();
    let rect = legend_rect(place.position, size, plot);
    assert!(marks(&panel, &xr, &yr, plot)
        .iter()
        .all(|m| !rect.overlaps(m, CLEARANCE)));
}

#[test]
fn a_legend_gets_room_above_data_that_fills_every_corner() {
    use scaling_laws::plots::legend::{legend_rect, legend_size, marks, place_in_area, CLEARANCE};
    // A zigzag over the whole area: every corner and edge middle has data.
    let points: Vec<(f64, f64)> = (0..=40)
        .map(|k| (k as f64 / 40.0, if k % 2 == 0 { 0.0 } else { 1.0 }))
        .collect();
    let panel = curve_panel(points);
    let (xr, yr) = (0.0..1.0, 0.0..1.0);
    let plot = (400, 300);
    let place = place_in_area(&panel, &xr, yr.clone(), plot);
    assert!(place.y_range.end > yr.end, "the y axis is extended upward");
    assert_eq!(place.y_range.start, yr.start);
    let size = legend_size(&panel).unwrap();
    let rect = legend_rect(place.position, size, plot);
    assert!(marks(&panel, &xr, &place.y_range, plot)
        .iter()
        .all(|m| !rect.overlaps(m, CLEARANCE)));
}

/// Every figure kind (curves on each of the four axis pairs, bars on linear
/// and log axes, box plots on linear and symmetric-log axes, a heat map) on
/// data spanning `values`: drawn, or skipped by `write_figure_or_skip`, but
/// never a hang or an unbounded allocation.
fn every_figure_kind(values: &[f64]) -> Figure {
    use scaling_laws::plots::bars::{BarGroup, Bars};
    use scaling_laws::plots::heatmap::HeatMap;
    use scaling_laws::plots::Series;
    let pts: Vec<(f64, f64)> = values.iter().map(|&v| (v, v)).collect();
    let curve = |x_log, y_log| Panel {
        title: format!("curves x_log={x_log} y_log={y_log}"),
        x_log,
        y_log,
        series: vec![
            Series::line("line", pts.clone(), 0).with_markers(),
            Series::markers("markers", pts.iter().map(|p| (p.0, 2.0 * p.1)).collect(), 1),
        ],
        annotations: vec!["a note".into()],
        ..Panel::default()
    };
    let bars = |y_log| Panel {
        title: "bars".into(),
        y_log,
        bars: Some(Bars {
            categories: (0..values.len()).map(|k| format!("c{k}")).collect(),
            groups: vec![BarGroup::new("g", values.to_vec(), 0)
                .with_intervals(values.iter().map(|&v| [v / 2.0, v * 2.0]).collect())],
            value_digits: Some(3),
            y_limits: None,
        }),
        ..Panel::default()
    };
    let boxes = |symlog| Panel {
        title: "boxes".into(),
        boxes: Some(BoxPlot {
            categories: vec!["a".into()],
            series: vec![BoxSeries {
                label: "s".into(),
                color: 0,
                boxes: vec![BoxStats::from_values(values)],
            }],
            symlog,
            reference: Some(0.0),
        }),
        ..Panel::default()
    };
    let heat = Panel {
        title: "heat".into(),
        heatmap: Some(HeatMap {
            rows: vec!["r".into()],
            cols: (0..values.len()).map(|k| format!("c{k}")).collect(),
            values: vec![values.to_vec()],
            text: vec![values.iter().map(|v| format!("{v:e}")).collect()],
        }),
        ..Panel::default()
    };
    Figure::new(
        "extreme",
        3,
        3,
        vec![
            curve(false, false),
            curve(true, false),
            curve(false, true),
            curve(true, true),
            bars(false),
            bars(true),
            boxes(None),
            boxes(SymLog::new(1e-3)),
            heat,
        ],
    )
}

#[test]
fn every_figure_kind_draws_quickly_on_extreme_data() {
    use scaling_laws::plots::axes::{decade_ticks, log_range, MAX_DECADE_TICKS};
    use scaling_laws::plots::write_figure_or_skip;
    let dir = std::env::temp_dir().join(format!("scaling-laws-extreme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: [(&str, Vec<f64>); 6] = [
        ("span", vec![1e-300, 1e-100, 1.0, 1e100, 1e300]),
        ("one_huge", vec![1.0, 2.0, 3.0, 1e300]),
        ("one_tiny", vec![1.0, 2.0, 3.0, 5e-324]),
        ("one_max", vec![1.0, 2.0, f64::MAX]),
        ("all_tiny", vec![1e-300, 1.1e-300, 1.2e-300]),
        ("no_spread_huge", vec![1e300, 1e300 * (1.0 + 1e-15), -1e300]),
    ];
    for (name, values) in cases {
        let t = std::time::Instant::now();
        let written = write_figure_or_skip(&every_figure_kind(&values), &dir.join(name)).unwrap();
        assert!(
            t.elapsed().as_secs_f64() < 10.0,
            "{name}: {:?}",
            t.elapsed()
        );
        // These ranges draw: the figure is not skipped.
        assert_eq!(written.len(), 2, "{name}");
    }
    // A log range over the whole of f64 stays finite and positive, with a
    // bounded number of labelled decades.
    let r = log_range(5e-324, f64::MAX, 0.03, 0.03);
    assert!(
        r.start > 0.0 && r.end.is_finite() && r.start < r.end,
        "{r:?}"
    );
    let (bold, light) = decade_ticks(&r);
    assert!(
        !bold.is_empty() && bold.len() <= MAX_DECADE_TICKS,
        "{}",
        bold.len()
    );
    assert!(light.is_empty());
    if std::env::var_os("KEEP_FIGURES").is_none() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
