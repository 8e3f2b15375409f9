//! Grouped bar charts: categories along x, one bar per group in each
//! category, optional interval whiskers and value labels. A [`Panel`] with
//! `bars` set is drawn as a bar chart (its `series` are ignored).
//!
//! [`Panel`]: super::Panel

use std::ops::Range;

use plotters::prelude::*;

use super::{color, style, tick_label, LegendPosition, Panel};

/// One group of bars: a value per category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    /// Legend text.
    pub label: String,
    /// One value per category (non-finite: no bar).
    pub values: Vec<f64>,
    /// Optional interval per category, drawn as a whisker.
    pub intervals: Option<Vec<[f64; 2]>>,
    /// Palette index.
    pub color: usize,
}

impl BarGroup {
    /// A group without intervals.
    pub fn new(label: impl Into<String>, values: Vec<f64>, color: usize) -> Self {
        Self {
            label: label.into(),
            values,
            intervals: None,
            color,
        }
    }

    /// The same group with an interval per category.
    pub fn with_intervals(mut self, intervals: Vec<[f64; 2]>) -> Self {
        self.intervals = Some(intervals);
        self
    }
}

/// A grouped bar chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bars {
    /// Category names along x.
    pub categories: Vec<String>,
    /// The groups, drawn side by side within each category.
    pub groups: Vec<BarGroup>,
    /// Print each bar's value above (or below, if negative) it, with this
    /// many significant digits (`None`: no labels).
    pub value_digits: Option<usize>,
    /// A fixed y range `[lo, hi]` (linear axes): bars beyond it are cut at
    /// its edge and their labels still give the true value.
    pub y_limits: Option<[f64; 2]>,
}

/// A value with `digits` significant digits.
fn value_text(v: f64, digits: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().log10().floor() as i32;
    let decimals = (digits as i32 - 1 - mag).max(0) as usize;
    if !(-4..6).contains(&mag) {
        format!("{v:.*e}", digits.saturating_sub(1))
    } else {
        format!("{v:.decimals$}")
    }
}

fn y_range(bars: &Bars, log: bool) -> Range<f64> {
    if let Some([lo, hi]) = bars.y_limits {
        if !log && lo < hi {
            return super::axes::linear_range(lo, hi, 0.0);
        }
    }
    let mut vals: Vec<f64> = Vec::new();
    for g in &bars.groups {
        vals.extend(g.values.iter().copied());
        if let Some(iv) = &g.intervals {
            vals.extend(iv.iter().flat_map(|i| i.iter().copied()));
        }
    }
    vals.retain(|v| !log || *v > 0.0);
    let Some((lo, hi)) = super::axes::finite_extent(vals.into_iter()) else {
        return if log { 0.1..10.0 } else { 0.0..1.0 };
    };
    if log {
        super::axes::log_range(lo, hi, 0.0, 0.15)
    } else {
        // Bars start at zero: the range includes it, with room for labels.
        let r = super::axes::linear_range(lo.min(0.0), hi.max(0.0), 0.0);
        let span = r.end - r.start;
        (r.start - if lo < 0.0 { 0.2 * span } else { 0.0 })..(r.end + 0.2 * span)
    }
}

/// Draw `panel` (whose `bars` is set) in `area`.
pub(crate) fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel,
    bars: &Bars,
) -> Result<(), String> {
    let e = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let n = bars.categories.len().max(1);
    // Plain f64 x: with up to 2n+1 labels plotters picks a step of 1 or a
    // divisor of it, so every category centre is a tick (others are blank).
    let xr = -0.5f64..n as f64 - 0.5;
    let yr = y_range(bars, panel.y_log);
    let cats = bars.categories.clone();
    let fmt_x = move |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            cats.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let fmt_y = |v: &f64| tick_label(*v);
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&panel.title, style::panel_title_font(&panel.title, area))
        .margin(style::MARGIN)
        .x_label_area_size(style::X_LABEL_AREA)
        .y_label_area_size(style::Y_LABEL_AREA);
    let groups = bars.groups.len().max(1) as f64;
    let width = 0.8 / groups;
    let left = |gi: usize, ci: usize| ci as f64 - 0.4 + gi as f64 * width;
    macro_rules! draw_body {
        ($chart:expr, $base:expr) => {{
            let chart = &mut $chart;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_desc(panel.x_label.as_str())
                .y_desc(panel.y_label.as_str())
                .x_label_formatter(&fmt_x)
                .y_label_formatter(&fmt_y)
                .x_labels(2 * n + 1)
                .y_labels(7)
                .label_style(("sans-serif", style::TICK))
                .axis_desc_style(("sans-serif", style::AXIS_LABEL))
                .light_line_style(RGBColor(235, 235, 235))
                .bold_line_style(RGBColor(210, 210, 210))
                .draw()
                .map_err(e)?;
            let base: f64 = $base;
            if !panel.y_log {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                        BLACK.stroke_width(style::THIN),
                    )))
                    .map_err(e)?;
            }
            for (gi, g) in bars.groups.iter().enumerate() {
                let c = color(g.color);
                let rects: Vec<Rectangle<(f64, f64)>> = g
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite() && (!panel.y_log || **v > 0.0))
                    .map(|(ci, &v)| {
                        let v = v.clamp(yr.start, yr.end);
                        let x0 = left(gi, ci) + 0.05 * width;
                        let x1 = left(gi, ci) + 0.95 * width;
                        Rectangle::new([(x0, base), (x1, v)], c.mix(0.8).filled())
                    })
                    .collect();
                let style = c.filled();
                let h = style::LEGEND as i32 / 2;
                chart
                    .draw_series(rects)
                    .map_err(e)?
                    .label(g.label.as_str())
                    .legend(move |(x, y)| Rectangle::new([(x, y - h), (x + 2 * h, y + h)], style));
                if let Some(iv) = &g.intervals {
                    for (ci, i) in iv.iter().enumerate() {
                        if !(i[0].is_finite() && i[1].is_finite()) {
                            continue;
                        }
                        let xm = left(gi, ci) + 0.5 * width;
                        let w = 0.15 * width;
                        let i = [i[0].clamp(yr.start, yr.end), i[1].clamp(yr.start, yr.end)];
                        for seg in [
                            vec![(xm, i[0]), (xm, i[1])],
                            vec![(xm - w, i[0]), (xm + w, i[0])],
                            vec![(xm - w, i[1]), (xm + w, i[1])],
                        ] {
                            chart
                                .draw_series(std::iter::once(PathElement::new(
                                    seg,
                                    BLACK.stroke_width(style::THIN),
                                )))
                                .map_err(e)?;
                        }
                    }
                }
                if let Some(d) = bars.value_digits {
                    for (ci, &v) in g.values.iter().enumerate() {
                        if !v.is_finite() || (panel.y_log && v <= 0.0) {
                            continue;
                        }
                        let xm = left(gi, ci) + 0.5 * width;
                        let text = value_text(v, d);
                        // Beyond the bar's end and its interval's, so the
                        // text meets neither the error bar nor the bar.
                        let up = v >= 0.0 || panel.y_log;
                        let end = match g.intervals.as_ref().and_then(|iv| iv.get(ci)) {
                            Some(i) if i[0].is_finite() && i[1].is_finite() => {
                                if up {
                                    v.max(i[1])
                                } else {
                                    v.min(i[0])
                                }
                            }
                            _ => v,
                        };
                        let v = end.clamp(yr.start, yr.end);
                        let dx = -(style::text_width(&text, style::BAR_TEXT) as i32) / 2;
                        let dy = if up { -(style::BAR_TEXT as i32) - 8 } else { 8 };
                        chart
                            .plotting_area()
                            .draw(
                                &(EmptyElement::at((xm, v))
                                    + Text::new(text, (dx, dy), ("sans-serif", style::BAR_TEXT))),
                            )
                            .map_err(e)?;
                    }
                }
            }
            if panel.legend != LegendPosition::None && !bars.groups.is_empty() {
                super::legend::draw_legend(
                    chart,
                    super::legend::series_label_position(panel.legend),
                )?;
            }
            for (k, text) in panel.annotations.iter().enumerate() {
                chart
                    .plotting_area()
                    .draw(
                        &(EmptyElement::at((-0.5, yr.end))
                            + Text::new(
                                text.clone(),
                                (12, 12 + (style::LEGEND as i32 + 6) * k as i32),
                                ("sans-serif", style::LEGEND),
                            )),
                    )
                    .map_err(e)?;
            }
        }};
    }
    if panel.y_log {
        let base = yr.start;
        let mut chart = builder
            .build_cartesian_2d(xr, super::axes::log_axis(&yr))
            .map_err(e)?;
        draw_body!(chart, base);
    } else {
        let mut chart = builder.build_cartesian_2d(xr, yr.clone()).map_err(e)?;
        draw_body!(chart, 0.0);
    }
    Ok(())
}
