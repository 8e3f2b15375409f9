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
                    ..BoxPlot::default()
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
                    ..BoxPlot::default()
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
    // Data rising to the upper right corner of a 1000 × 750 px plotting
    // area (axes 0 … 1, a panel of a one-column figure at 300 dpi): the
    // legend cannot stay there.
    let panel = curve_panel(
        (0..=20)
            .map(|k| (k as f64 / 20.0, k as f64 / 20.0))
            .collect(),
    );
    let (xr, yr) = (0.0..1.0, 0.0..1.0);
    let plot = (1000, 750);
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
    let plot = (1000, 750);
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
            log: symlog.is_none(),
            fit_whiskers: symlog.is_none(),
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

#[test]
fn the_style_prints_ticks_at_8_pt_on_a_column_or_page_wide_canvas() {
    use scaling_laws::plots::style::{figure_width, panel_pixels, pt, DPI, LEGEND, TICK};
    // 3.4 in and 7 in at 300 dpi.
    assert_eq!(figure_width(1), 1020);
    assert_eq!(figure_width(3), 2100);
    // 8 pt = 8/72 in = 33.3 px at 300 dpi; legends 7 pt.
    assert_eq!(pt(8), 33);
    assert!(f64::from(TICK) >= 8.0 / 72.0 * DPI - 0.5);
    assert!(f64::from(LEGEND) >= 7.0 / 72.0 * DPI - 0.5);
    // Panels share the width and keep the caller's aspect ratio.
    assert_eq!(panel_pixels(3, (480, 360)), (700, 525));
    assert_eq!(panel_pixels(1, (1000, 500)), (1020, 510));
}

#[test]
fn log_axes_fit_the_data_with_no_empty_decade_and_readable_ticks() {
    use scaling_laws::plots::axes::{decade_ticks, log_axis_at, log_range};
    use scaling_laws::plots::tick_label;
    // Points at 8 … 32: the axis holds them and spans well under a decade
    // more than they do (the old whole-decade axis was 1 … 100).
    let r = log_range(8.0, 32.0, 0.04, 0.04);
    assert!(r.start <= 8.0 && r.end >= 32.0, "{r:?}");
    assert!(
        (r.end / r.start).log10() < (32f64 / 8.0).log10() + 0.2,
        "{r:?}"
    );
    // Data at 2 … 5 is labelled 2, 3, 4, 5.
    let (bold, _) = decade_ticks(&log_range(2.0, 5.0, 0.04, 0.04));
    let labels: Vec<String> = bold.iter().map(|v| tick_label(*v)).collect();
    assert_eq!(labels, ["2", "3", "4", "5"]);
    // Over 2.3 decades: 1 and 3 × 10^k (not 7 crowded 1-2-5 labels).
    let (bold, _) = decade_ticks(&log_range(2e7, 4e9, 0.04, 0.04));
    let labels: Vec<String> = bold.iter().map(|v| tick_label(*v)).collect();
    assert_eq!(labels, ["3e7", "1e8", "3e8", "1e9", "3e9"]);
    // Many decades: powers of ten only.
    let (bold, light) = decade_ticks(&log_range(1e-6, 1e-1, 0.04, 0.04));
    assert_eq!(bold.len(), 6);
    assert!(light.len() > 30);
    // Every tick is inside the range.
    for r in [
        log_range(8.0, 32.0, 0.04, 0.04),
        log_range(3e-17, 2e-2, 0.04, 0.04),
    ] {
        let (bold, light) = decade_ticks(&r);
        assert!(bold.iter().chain(&light).all(|v| r.contains(v)), "{r:?}");
        assert!(bold.len() >= 3, "{r:?}: {bold:?}");
    }
    // A designed grid of 3 x values is labelled at those values.
    let r = log_range(8.0, 32.0, 0.04, 0.04);
    let _ = log_axis_at(&r, &[8.0, 16.0, 32.0, 16.0], 0.0);
}

/// Up to 10 budgets take distinct palette colours, each in the legend;
/// more run along a sequential ramp (dark to light with C, never black or
/// the reference grey, every step distinct), with 6 evenly spaced budgets,
/// first and last included, in the legend. The old colours repeated after
/// 13 budgets and listed all 26.
#[test]
fn many_budgets_run_along_a_ramp_with_six_in_the_legend() {
    use scaling_laws::plots::color;
    use scaling_laws::plots::palette::{
        budget_color, budget_colors, budget_in_legend, ramp, BLACK, REFERENCE,
    };
    let luminance = |i: usize| {
        let c = color(i);
        0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2)
    };
    for n in [1, 7, 10] {
        let c = budget_colors(n);
        assert_eq!(c, (0..n).map(budget_color).collect::<Vec<_>>());
        assert!(c.iter().all(|&i| i != BLACK && i != REFERENCE));
        assert!((0..n).all(|k| budget_in_legend(k, n)));
    }
    for n in [11, 26, 60] {
        let c = budget_colors(n);
        let rgb: Vec<_> = c.iter().map(|&i| color(i)).collect();
        for w in c.windows(2) {
            assert!(luminance(w[1]) > luminance(w[0]), "{n}: {w:?}");
        }
        for (k, x) in rgb.iter().enumerate() {
            assert!(rgb[..k].iter().all(|y| y != x), "{n}: budget {k} repeats");
            assert!(*x != color(BLACK) && *x != color(REFERENCE));
        }
        let shown: Vec<usize> = (0..n).filter(|&k| budget_in_legend(k, n)).collect();
        assert_eq!(shown.len(), 6, "{n}: {shown:?}");
        assert_eq!((shown[0], shown[5]), (0, n - 1));
    }
    let shown: Vec<usize> = (0..26).filter(|&k| budget_in_legend(k, 26)).collect();
    assert_eq!(shown, [0, 5, 10, 15, 20, 25]);
    // The ramp's ends: viridis' dark violet and, short of its yellow, green.
    assert_eq!(color(ramp(0.0)), plotters::style::RGBColor(68, 1, 84));
    assert_eq!(color(ramp(f64::NAN)), color(ramp(-1.0)));
    assert_eq!(color(ramp(2.0)), color(ramp(1.0)));
    let end = color(ramp(1.0));
    assert!(end.1 > end.0 && end.1 > end.2, "{end:?}");
}

/// A log axis well under a decade (a loss axis over 2.2 … 3.4) is labelled
/// at a round linear step, 4 … 6 labels that print exactly; the old ticks
/// labelled it at 3 alone.
#[test]
fn log_axes_under_a_decade_get_four_to_six_exact_labels() {
    use scaling_laws::plots::axes::{decade_ticks, decade_ticks_spaced, log_range, min_label_gap};
    use scaling_laws::plots::tick_label;
    let names = |v: &[f64]| -> Vec<String> { v.iter().map(|v| tick_label(*v)).collect() };
    let r = log_range(2.2, 3.4, 0.04, 0.04);
    let (bold, light) = decade_ticks(&r);
    assert_eq!(names(&bold), ["2", "2.5", "3", "3.5"]);
    assert!(light.contains(&2.1) && !light.contains(&2.5), "{light:?}");
    // A step of 2.5 where 2 gives too many labels: 2.75 prints as itself.
    let (bold, _) = decade_ticks(&log_range(2.8, 3.43, 0.04, 0.04));
    assert_eq!(names(&bold), ["2.5", "2.75", "3", "3.25", "3.5", "3.75"]);
    // Not at 1e8, where 2.75e8 would print as 2.8e8: a step of 5e7.
    let (bold, _) = decade_ticks(&log_range(2.8e8, 3.43e8, 0.04, 0.04));
    assert_eq!(names(&bold), ["2.5e8", "3e8", "3.5e8"]);
    for (lo, hi, fewest) in [
        (2.2, 3.4, 4),
        (2.2e8, 3.4e8, 4),
        (2.8e8, 3.43e8, 3),
        (0.31, 0.47, 4),
        (1.9, 2.05, 4),
        (7.0, 9.5, 4),
        (3.0e-5, 3.3e-5, 4),
    ] {
        let r = log_range(lo, hi, 0.04, 0.04);
        let (bold, light) = decade_ticks(&r);
        assert!((fewest..=6).contains(&bold.len()), "{lo}…{hi}: {bold:?}");
        assert!(bold.iter().chain(&light).all(|v| r.contains(v)), "{r:?}");
        for v in &bold {
            // Each label reads back as its tick (2.25e8 would print 2.2e8).
            let back: f64 = tick_label(*v).parse().unwrap();
            assert!(
                (back - v).abs() <= 1e-9 * v,
                "{v} prints {}",
                tick_label(*v)
            );
        }
        // On a short y axis the labels thin out but stay two or more, a
        // line and a half apart.
        let gap = min_label_gap(&r, 250, false);
        let (bold, _) = decade_ticks_spaced(&r, gap);
        assert!(bold.len() >= 2, "{lo}…{hi}: {bold:?}");
        assert!(bold
            .windows(2)
            .all(|w| (w[1] / w[0]).log10() >= gap - 1e-12));
    }
}

#[test]
fn every_method_has_one_fixed_colour_distinct_from_the_others() {
    use scaling_laws::plots::palette::METHOD_COLORS;
    use scaling_laws::plots::{color, method_color};
    let mut seen = std::collections::HashSet::new();
    for (label, index) in METHOD_COLORS {
        assert_eq!(method_color(label), index, "{label}");
        assert!(seen.insert(index), "{label} shares colour {index}");
    }
    // The methods drawn together in Experiments 7 and 13 differ in hue by
    // more than 30° (two shades of one blue, the old Approach 2 and
    // corrected pair at (0,114,178) and (86,180,233), differ by under 1°).
    let hue = |i: usize| {
        let c = color(i);
        let (r, g, b) = (f64::from(c.0), f64::from(c.1), f64::from(c.2));
        let (max, min) = (r.max(g).max(b), r.min(g).min(b));
        let d = max - min;
        if d == 0.0 {
            0.0
        } else if max == r {
            60.0 * ((g - b) / d).rem_euclid(6.0)
        } else if max == g {
            60.0 * ((b - r) / d + 2.0)
        } else {
            60.0 * ((r - g) / d + 4.0)
        }
    };
    let apart = |a: &str, b: &str| {
        let d = (hue(method_color(a)) - hue(method_color(b))).abs();
        d.min(360.0 - d)
    };
    assert!((hue(0) - 202.0).abs() < 1.0 && (hue(5) - 202.0).abs() < 1.0);
    let shown = [
        "approach2",
        "approach2-corrected",
        "approach3-rss",
        "vpnls-lm",
    ];
    for (i, a) in shown.iter().enumerate() {
        for b in &shown[i + 1..] {
            assert!(apart(a, b) > 30.0, "{a} vs {b}: {}", apart(a, b));
        }
    }
}

#[test]
fn a_legend_swatch_is_drawn_as_its_series_and_coinciding_series_stay_visible() {
    use scaling_laws::plots::look::{coincidences, separate};
    use scaling_laws::plots::{Marker, Series};
    // The swatch's look is the series' look: dashed stays dashed, a line
    // with markers shows both.
    let dashed = Series::line("d", vec![(1.0, 1.0)], 0).dashed().look();
    assert!(dashed.line && dashed.dashed && dashed.marker.is_none());
    let lm = Series::line("m", vec![(1.0, 1.0)], 0).with_markers().look();
    assert!(lm.line && !lm.dashed && lm.marker == Some(Marker::Circle));
    // Two series on the same points: the later one is flagged, drawn thinner
    // with hollow, larger markers of another shape, and says so.
    let pts: Vec<(f64, f64)> = (1..=5).map(|k| (f64::from(k), f64::from(k * k))).collect();
    let mut near = pts.clone();
    near[2].1 *= 1.0 + 1e-4;
    let apart: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1 * 3.0)).collect();
    let panel = Panel {
        series: vec![
            Series::line("under", pts.clone(), 0).with_markers(),
            Series::line("over", near, 1).with_markers(),
            Series::line("apart", apart, 2).with_markers(),
        ],
        x_log: true,
        y_log: true,
        ..Panel::default()
    };
    let (xr, yr) = (0.9..5.5, 0.9..80.0);
    assert_eq!(coincidences(&panel, &xr, &yr), vec![None, Some(0), None]);
    let drawn = separate(&panel, &xr, &yr, true);
    let (under, over) = (drawn.series[0].look(), drawn.series[1].look());
    assert!(over.hollow && !under.hollow);
    assert!(over.width < under.width && over.radius > under.radius);
    assert_ne!(over.marker, under.marker);
    assert_eq!(drawn.series[1].label, "over (on under)");
    assert_eq!(drawn.series[2], panel.series[2]);
}

#[test]
fn bar_value_labels_sit_beyond_whiskers_and_cut_bars_inside_the_axis() {
    use scaling_laws::plots::bars::{label_end, rotate_labels, y_range, BarGroup, Bars};
    // A positive bar's label goes above the higher of the bar and its
    // whisker; a negative bar's below the lower; on a log axis above.
    assert_eq!(label_end(7.7, Some([0.5, 17.9]), false, None), (17.9, true));
    assert_eq!(
        label_end(-0.57, Some([-2.1, 0.4]), false, None),
        (-2.1, false)
    );
    assert_eq!(label_end(0.2, Some([0.1, 0.4]), true, None), (0.4, true));
    // A bar cut at the axis limit is labelled at the cut, inside the axis.
    assert_eq!(
        label_end(-1765.0, None, false, Some([-30.0, 30.0])),
        (-30.0, false)
    );
    // The axis holds every bar end, whisker end and cut, and leaves the
    // label room beyond each labelled end and the band on top.
    let bars = Bars {
        categories: vec!["size".into(), "tokens".into()],
        groups: vec![
            BarGroup::new("a", vec![-0.57, 7.7], 0).with_intervals(vec![[-2.1, 0.4], [0.5, 17.9]]),
            BarGroup::new("b", vec![1.2, -1765.0], 1),
        ],
        value_digits: Some(2),
        y_limits: Some([-30.0, 30.0]),
    };
    let (plot_h, band, label) = (600.0, 100.0, 40.0);
    let r = y_range(&bars, false, plot_h, band, label);
    let per = plot_h / (r.end - r.start);
    // Below the cut at -30: room for the label (within a pixel).
    assert!((-30.0 - r.start) * per >= label - 1.0, "{r:?}");
    // Above the top whisker (17.9): the label and the band.
    assert!((r.end - 17.9) * per >= band + label - 1.0, "{r:?}");
    // Never the whole of -1765: the cut keeps the other bars readable.
    assert!(r.start > -100.0, "{r:?}");
    // Labels wider than their bar are written along it.
    assert!(rotate_labels(&["-1765".into()], 30.0));
    assert!(!rotate_labels(&["7.7".into()], 200.0));
}

#[test]
fn bitmap_text_keeps_each_glyphs_left_side_bearing() {
    use scaling_laws::plots::glyphs::glyph_pixels;
    let font = ab_glyph::FontRef::try_from_slice(dejavu::sans::regular()).unwrap();
    let left = |t: &str| {
        glyph_pixels(&font, 33.0, t)
            .iter()
            .filter(|p| p.2 > 0.5)
            .map(|p| p.0)
            .min()
            .unwrap()
    };
    // "1" has a wide left bearing in DejaVu Sans (225 of 2048 units, 3.6 px
    // at 33 px): its ink starts there. Dropped, it would start at 0 and
    // leave the bearing as a gap after it ("1 e10").
    use ab_glyph::{Font, ScaleFont};
    let scaled = font.as_scaled(33.0);
    let lsb = scaled.h_side_bearing(scaled.glyph_id('1'));
    assert!(lsb > 3.0, "{lsb}");
    assert!(
        (f64::from(left("1")) - f64::from(lsb)).abs() <= 1.0,
        "{} vs {lsb}",
        left("1")
    );
    // Glyph after glyph: the "1" of "e1" starts at the e's advance plus
    // its bearing.
    let e_adv = scaled.h_advance(scaled.glyph_id('e'));
    let after_e = glyph_pixels(&font, 33.0, "e1")
        .iter()
        .filter(|p| p.2 > 0.5 && f64::from(p.0) > f64::from(e_adv) - 0.5)
        .map(|p| p.0)
        .min()
        .unwrap();
    assert!(
        (f64::from(after_e) - f64::from(e_adv + lsb)).abs() <= 1.5,
        "{after_e}"
    );
}

#[test]
fn notes_go_to_a_corner_free_of_data() {
    use scaling_laws::plots::legend::{data_marks, notes_corner, notes_rect, CLEARANCE};
    // Data falling to the lower right (an IsoFLOP fit's lowest budgets):
    // the notes leave the lower right corner for one that covers nothing.
    let mut panel = curve_panel(
        (0..=20)
            .map(|k| (k as f64 / 20.0, 1.0 - k as f64 / 20.0))
            .collect(),
    );
    panel.series.push(scaling_laws::plots::Series::markers(
        "",
        (0..=10).map(|k| (0.6 + 0.04 * k as f64, 0.05)).collect(),
        2,
    ));
    panel.annotations = vec!["a: Approach 2 0.4951, VPNLS 0.6001".into()];
    let (xr, yr, plot) = (0.0..1.0, 0.0..1.0, (1000, 750));
    let corner = notes_corner(&panel, &xr, &yr, plot);
    assert_ne!(corner, LegendPosition::LowerRight);
    let rect = notes_rect(&panel.annotations, corner, plot);
    assert!(data_marks(&panel, &xr, &yr, plot)
        .iter()
        .all(|m| !rect.overlaps(m, CLEARANCE)));
}

#[test]
fn notes_get_room_above_data_that_fills_every_corner() {
    use scaling_laws::plots::legend::{data_marks, notes_placement, notes_rect, CLEARANCE};
    use scaling_laws::plots::Series;
    // Residuals filling the whole panel: no corner is free, so the y axis
    // grows upward and the notes sit in the band above the data.
    let pts: Vec<(f64, f64)> = (0..=40)
        .flat_map(|i| (0..=40).map(move |j| (i as f64 / 40.0, j as f64 / 40.0)))
        .collect();
    let panel = Panel {
        series: vec![Series::markers("", pts, 1)],
        annotations: vec!["sd 0.0160 nats, 85 points".into()],
        legend: LegendPosition::None,
        ..Panel::default()
    };
    let (xr, yr, plot) = (0.0..1.0, 0.0..1.0, (1000, 500));
    let (corner, r) = notes_placement(&panel, &xr, &yr, plot);
    assert!(r.end > yr.end, "{r:?}");
    let rect = notes_rect(&panel.annotations, corner, plot);
    assert!(data_marks(&panel, &xr, &r, plot)
        .iter()
        .all(|m| !rect.overlaps(m, CLEARANCE)));
}

/// A linear y axis on a panel of ordinary height gets enough labels to
/// read: losses 2.2–3.4 on a one-column figure are labelled at a step of
/// 0.2 (six labels), not at 2.5 and 3 alone (plotters' step for 6 asked).
#[test]
fn a_linear_axis_of_a_tall_panel_gets_labels_at_a_fine_round_step() {
    use scaling_laws::plots::{write_figure, Figure, LegendPosition, Panel, Series};
    let points: Vec<(f64, f64)> = (0..=12)
        .map(|k| (f64::from(k), 2.2 + 0.1 * f64::from(k)))
        .collect();
    let panel = Panel {
        title: "t".into(),
        series: vec![Series::markers("", points, 0)],
        legend: LegendPosition::None,
        ..Panel::default()
    };
    let mut fig = Figure::new("linear", 1, 1, vec![panel]);
    fig.panel_size = (560, 520);
    let dir = std::env::temp_dir().join(format!("scaling-laws-linear-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths = write_figure(&fig, &dir.join("linear")).unwrap();
    let svg = std::fs::read_to_string(&paths[1]).unwrap();
    let texts: Vec<String> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split('>').nth(1))
        .map(|t| t.split('<').next().unwrap_or("").trim().to_string())
        .collect();
    for label in ["2.4", "2.6", "2.8", "3", "3.2", "3.4"] {
        assert!(
            texts.iter().any(|t| t == label),
            "{label} missing from {texts:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
