//! Box plots: along a categorical x axis, one box per series in each
//! category — Tukey's box: quartiles, the median, whiskers to the most
//! extreme value within 1.5 IQR of the box, values beyond drawn one by one.
//!
//! A [`Panel`] with `boxes: Some(…)` is drawn by [`draw_box_panel`] instead of
//! as curves: its title, axis labels, annotations and legend position apply;
//! its `series`, `x_log` and `y_log` are ignored. The y axis is linear or
//! symmetric-log ([`SymLog`]) for errors of both signs spanning decades.

use plotters::coord::ranged1d::{
    AsRangedCoord, DefaultFormatting, KeyPointHint, Ranged, ValueFormatter,
};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::symlog::SymLog;
use super::{color, tick_label, LegendPosition, Panel};
use crate::analysis::bootstrap::quantile;

/// The five numbers and outliers of one box.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxStats {
    /// Number of finite values summarised.
    pub count: usize,
    /// Lower whisker end: the smallest value ≥ Q1 − 1.5·IQR.
    pub low: f64,
    /// First quartile (type 7).
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
    /// Upper whisker end: the largest value ≤ Q3 + 1.5·IQR.
    pub high: f64,
    /// Values beyond the whiskers, increasing.
    pub outliers: Vec<f64>,
}

impl BoxStats {
    /// The box of the finite values among `values`; `None` if there are none.
    pub fn from_values(values: &[f64]) -> Option<Self> {
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        // Type-7 quantiles (numpy's default), as everywhere in the crate.
        let (q1, median, q3) = (quantile(&v, 0.25)?, quantile(&v, 0.5)?, quantile(&v, 0.75)?);
        let iqr = q3 - q1;
        let fences = (q1 - 1.5 * iqr)..=(q3 + 1.5 * iqr);
        let inside = v.iter().copied().filter(|x| fences.contains(x));
        // The median's neighbours are always inside the fences; min/max with
        // the quartiles only guards the type.
        let low = inside.clone().fold(f64::INFINITY, f64::min).min(q1);
        let high = inside.fold(f64::NEG_INFINITY, f64::max).max(q3);
        let mut outliers: Vec<f64> = v.iter().copied().filter(|x| !fences.contains(x)).collect();
        outliers.sort_by(f64::total_cmp);
        Some(Self {
            count: v.len(),
            low,
            q1,
            median,
            q3,
            high,
            outliers,
        })
    }
}

/// One series of boxes: a box (or a gap) per category, in one colour.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxSeries {
    /// Legend text.
    pub label: String,
    /// Palette index.
    pub color: usize,
    /// One entry per category of the plot; `None` draws nothing there.
    pub boxes: Vec<Option<BoxStats>>,
}

/// The boxes of a panel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoxPlot {
    /// Category labels along x, left to right.
    pub categories: Vec<String>,
    /// The series; in each category their boxes stand side by side.
    pub series: Vec<BoxSeries>,
    /// A symmetric-log y axis (None: linear).
    pub symlog: Option<SymLog>,
    /// A dashed horizontal reference line (e.g. zero error).
    pub reference: Option<f64>,
    /// A logarithmic y axis (for positive values such as |errors|; takes
    /// precedence over `symlog`; values ≤ 0 sit at the axis' bottom).
    pub log: bool,
    /// The y axis fitted to the whiskers, not the outliers: outliers beyond
    /// it are drawn at its edge as triangles and counted in a note.
    pub fit_whiskers: bool,
}

/// A linear f64 axis with ticks exactly where asked (categories, or the
/// decades of a symmetric-log axis).
struct KeyedAxis {
    range: std::ops::Range<f64>,
    keys: Vec<f64>,
}

impl Ranged for KeyedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (lo, hi) = (self.range.start, self.range.end);
        let t = (value - lo) / (hi - lo);
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

/// Draw a box panel into `area`.
pub(super) fn draw_box_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    plot: &BoxPlot,
) -> Result<(), String> {
    let tf = |y: f64| transform(plot, y);
    let values = plot
        .series
        .iter()
        .flat_map(|s| s.boxes.iter().flatten())
        .flat_map(|b| {
            [b.low, b.high]
                .into_iter()
                .chain(b.outliers.iter().copied().filter(|_| !plot.fit_whiskers))
        })
        .chain(plot.reference)
        .map(tf);
    let (lo, hi) = super::axes::finite_extent(values).unwrap_or((-1.0, 1.0));
    let yr = super::axes::linear_range(lo, hi, 0.06);
    if plot.log {
        // t = log10(y): labelled at 1, 2, 5 × 10^k as a log axis would be.
        let r = 10f64.powf(yr.start)..10f64.powf(yr.end);
        let (bold, _) = super::axes::decade_ticks(&r);
        let keys = bold.iter().map(|v| v.log10()).collect();
        let fmt = move |t: &f64| tick_label(super::axes::round_to_tick(10f64.powf(*t)));
        return draw_boxes(
            area,
            panel,
            plot,
            KeyedAxis {
                range: yr.clone(),
                keys,
            },
            yr,
            &fmt,
        );
    }
    match plot.symlog {
        Some(s) => {
            let keys = s.ticks(yr.start, yr.end);
            let fmt = move |t: &f64| tick_label(s.inverse(*t));
            draw_boxes(
                area,
                panel,
                plot,
                KeyedAxis {
                    range: yr.clone(),
                    keys,
                },
                yr,
                &fmt,
            )
        }
        None => {
            let span = yr.end - yr.start;
            let fmt = move |v: &f64| tick_label(if v.abs() < 1e-9 * span { 0.0 } else { *v });
            draw_boxes(area, panel, plot, yr.clone(), yr, &fmt)
        }
    }
}

fn draw_boxes<DB, Y>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    plot: &BoxPlot,
    y: Y,
    yr: std::ops::Range<f64>,
    fmt_y: &dyn Fn(&f64) -> String,
) -> Result<(), String>
where
    DB: DrawingBackend,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let e = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let tf = |y: f64| transform(plot, y).clamp(yr.start, yr.end);
    // Outliers beyond the axis are counted in the x label.
    let beyond = plot
        .series
        .iter()
        .flat_map(|s| s.boxes.iter().flatten())
        .flat_map(|b| b.outliers.iter())
        .filter(|&&o| {
            let t = transform(plot, o);
            !(t.is_finite() && (yr.start..=yr.end).contains(&t))
        })
        .count();
    let x_desc = if beyond > 0 {
        format!("{} ({beyond} beyond the axis: ▲▼)", panel.x_label)
    } else {
        panel.x_label.clone()
    };
    let ncat = plot.categories.len().max(1);
    let xr = -0.5..(ncat as f64 - 0.5);
    let x = KeyedAxis {
        range: xr.clone(),
        keys: (0..ncat).map(|i| i as f64).collect(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(
            &panel.title,
            super::style::panel_title_font(&panel.title, area),
        )
        .margin(super::style::MARGIN)
        .x_label_area_size(super::style::X_LABEL_AREA)
        .y_label_area_size(super::style::Y_LABEL_AREA)
        .build_cartesian_2d(x, y)
        .map_err(e)?;
    let cats = &plot.categories;
    let fmt_x = |v: &f64| {
        let i = v.round();
        if i >= 0.0 && (i as usize) < cats.len() && (v - i).abs() < 1e-9 {
            cats[i as usize].clone()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(x_desc.as_str())
        .y_desc(panel.y_label.as_str())
        .x_label_formatter(&fmt_x)
        .y_label_formatter(&fmt_y)
        .x_labels(ncat)
        .y_labels(9)
        .label_style(("sans-serif", super::style::TICK))
        .axis_desc_style(("sans-serif", super::style::AXIS_LABEL))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(210, 210, 210))
        .draw()
        .map_err(e)?;
    if let Some(r) = plot.reference {
        let r = tf(r);
        chart
            .draw_series(DashedLineSeries::new(
                [(xr.start, r), (xr.end, r)],
                8,
                5,
                RGBColor(120, 120, 120).stroke_width(super::style::THIN),
            ))
            .map_err(e)?;
    }
    // Each category's width 0.8 is shared by the series' slots.
    let m = plot.series.len().max(1) as f64;
    let slot = 0.8 / m;
    let half = 0.36 * slot;
    for (j, s) in plot.series.iter().enumerate() {
        let c = color(s.color);
        let offset = (j as f64 - (m - 1.0) / 2.0) * slot;
        let mut shapes: Vec<DynElement<'static, DB, (f64, f64)>> = Vec::new();
        for (i, b) in s.boxes.iter().enumerate() {
            let Some(b) = b else { continue };
            let xc = i as f64 + offset;
            let (x0, x1) = (xc - half, xc + half);
            let (lw, q1, md, q3, hw) = (tf(b.low), tf(b.q1), tf(b.median), tf(b.q3), tf(b.high));
            let line = c.stroke_width(super::style::THIN);
            shapes.push(Rectangle::new([(x0, q1), (x1, q3)], c.mix(0.35).filled()).into_dyn());
            shapes.push(
                Rectangle::new([(x0, q1), (x1, q3)], c.stroke_width(super::style::THIN)).into_dyn(),
            );
            shapes.push(PathElement::new(vec![(xc, q3), (xc, hw)], line).into_dyn());
            shapes.push(PathElement::new(vec![(xc, q1), (xc, lw)], line).into_dyn());
            for w in [lw, hw] {
                shapes.push(
                    PathElement::new(vec![(xc - half / 2.0, w), (xc + half / 2.0, w)], line)
                        .into_dyn(),
                );
            }
            shapes.push(
                PathElement::new(
                    vec![(x0, md), (x1, md)],
                    BLACK.stroke_width(super::style::LINE),
                )
                .into_dyn(),
            );
            for &o in &b.outliers {
                let t = transform(plot, o);
                if t.is_finite() && (yr.start..=yr.end).contains(&t) {
                    shapes.push(
                        Circle::new((xc, t), 8, c.stroke_width(super::style::THIN)).into_dyn(),
                    );
                } else {
                    // Beyond the axis: a triangle at its edge, pointing out.
                    // Above the axis, or below it (also a value ≤ 0 on a log axis).
                    let up = t > yr.end;
                    let edge = if up { yr.end } else { yr.start };
                    let inner = edge + if up { -0.04 } else { 0.04 } * (yr.end - yr.start);
                    shapes.push(
                        Polygon::new(
                            vec![
                                (xc - half / 2.0, inner),
                                (xc + half / 2.0, inner),
                                (xc, edge),
                            ],
                            c.filled(),
                        )
                        .into_dyn(),
                    );
                }
            }
        }
        let anno = chart.draw_series(shapes).map_err(e)?;
        if !s.label.is_empty() {
            let h = super::style::LEGEND as i32 / 2;
            anno.label(s.label.as_str()).legend(move |(x, y)| {
                Rectangle::new(
                    [(x + 10, y - h), (x + 10 + 3 * h, y + h)],
                    c.mix(0.6).filled(),
                )
            });
        }
    }
    if panel.legend != LegendPosition::None && plot.series.iter().any(|s| !s.label.is_empty()) {
        super::legend::draw_legend(
            &mut chart,
            super::legend::series_label_position(panel.legend),
        )?;
    }
    super::legend::draw_notes(
        chart.plotting_area(),
        (xr.end, yr.start),
        &panel.annotations,
    )?;
    Ok(())
}

/// The drawn coordinate of `y`: log10 on a log axis (NaN for y ≤ 0), the
/// symmetric-log transform, or `y`.
fn transform(plot: &BoxPlot, y: f64) -> f64 {
    if plot.log {
        if y > 0.0 {
            y.log10()
        } else {
            f64::NAN
        }
    } else {
        plot.symlog.map_or(y, |s| s.forward(y))
    }
}
