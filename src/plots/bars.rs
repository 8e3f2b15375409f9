//! Grouped bar charts: categories along x, one bar per group in each
//! category, optional interval whiskers and value labels. A [`Panel`] with
//! `bars` set is drawn as a bar chart (its `series` are ignored).
//!
//! [`Panel`]: super::Panel

use std::ops::Range;

use plotters::prelude::*;
use plotters::style::FontTransform;

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

/// Where a bar's value label goes: the end of the bar or of its interval
/// that lies farther from the base (above for a positive value or on a log
/// axis, below for a negative one), so the text meets neither the bar nor
/// its whisker; with `limits`, a bar cut at a limit is labelled beyond the
/// cut. Returns the label's anchor value and whether it goes up.
pub fn label_end(
    v: f64,
    interval: Option<[f64; 2]>,
    log: bool,
    limits: Option<[f64; 2]>,
) -> (f64, bool) {
    let up = v >= 0.0 || log;
    let end = match interval {
        Some(i) if i[0].is_finite() && i[1].is_finite() => {
            if up {
                v.max(i[0].max(i[1]))
            } else {
                v.min(i[0].min(i[1]))
            }
        }
        _ => v,
    };
    match limits {
        Some([lo, hi]) if !log && lo < hi => (end.clamp(lo, hi), up),
        _ => (end, up),
    }
}

/// Whether value labels are written along their bars (rotated): when the
/// widest label does not fit across a bar of `bar_px` pixels.
pub fn rotate_labels(texts: &[String], bar_px: f64) -> bool {
    texts
        .iter()
        .any(|t| f64::from(style::text_width(t, style::BAR_TEXT)) + 6.0 > bar_px)
}

/// The y range of a bar panel whose plotting area is `plot_h` pixels tall:
/// every bar (cut at `y_limits`), whisker and value label inside, with
/// `label_px` pixels for a label beyond each end that carries one and a
/// free band of `band_px` pixels at the top for the notes.
pub fn y_range(bars: &Bars, log: bool, plot_h: f64, band_px: f64, label_px: f64) -> Range<f64> {
    let limits = bars.y_limits.filter(|[lo, hi]| !log && lo < hi);
    let clamp = |v: f64| match limits {
        Some([lo, hi]) => v.clamp(lo, hi),
        None => v,
    };
    let mut vals: Vec<f64> = Vec::new();
    let (mut label_up, mut label_down) = (false, false);
    for g in &bars.groups {
        for (ci, &v) in g.values.iter().enumerate() {
            if !v.is_finite() || (log && v <= 0.0) {
                continue;
            }
            vals.push(clamp(v));
            let iv = g.intervals.as_ref().and_then(|iv| iv.get(ci)).copied();
            if let Some(i) = iv {
                vals.extend(i.iter().copied().filter(|x| x.is_finite()).map(clamp));
            }
            if bars.value_digits.is_some() {
                let (_, up) = label_end(v, iv, log, limits);
                label_up |= up;
                label_down |= !up;
            }
        }
    }
    vals.retain(|v| v.is_finite() && (!log || *v > 0.0));
    let Some((lo, hi)) = super::axes::finite_extent(vals.into_iter()) else {
        return if log { 0.1..10.0 } else { 0.0..1.0 };
    };
    // The data's extent in axis units (log10 on a log axis); linear bars
    // start at zero.
    let (lo, hi) = if log {
        let r = super::axes::log_range(lo, hi, 0.08, 0.0);
        (r.start.log10(), r.end.log10())
    } else {
        let r = super::axes::linear_range(lo.min(0.0), hi.max(0.0), 0.0);
        (r.start, r.end)
    };
    let above = band_px + if label_up { label_px } else { 0.0 } + 6.0;
    let below = if label_down { label_px + 6.0 } else { 0.0 };
    // Pixels per axis unit for the data: the rest of the plotting area.
    let room = (plot_h - above - below).max(0.3 * plot_h);
    let per = room / (hi - lo);
    let (a, b) = (lo - below / per, hi + above / per);
    if log {
        10f64.powf(a).max(f64::MIN_POSITIVE)..10f64.powf(b).min(f64::MAX)
    } else {
        a..b
    }
}

/// Space between the lines of a category name (pixels).
const CATEGORY_LINE: u32 = style::TICK + 6;

/// Longest line of a category name written vertically (pixels).
const VERTICAL_NAME: u32 = 330;

/// Whether category names wrapped into `names` fit across categories of
/// `cat_w` pixels (every line narrower than its category, with a gap).
pub fn category_names_fit(names: &[Vec<String>], cat_w: f64) -> bool {
    names
        .iter()
        .flatten()
        .all(|l| f64::from(style::text_width(l, style::TICK) + 10) <= cat_w)
}

/// Draw `panel` (whose `bars` is set) in `area`: category names wrapped to
/// their width under the axis, value labels beyond each bar's end and
/// whisker (along the bar when wider than it), bars cut at `y_limits` with
/// a white break and their label beyond the cut, and the notes (upper left)
/// in a band above the bars. The legend is the figure's to draw, below the
/// panel ([`LegendPosition::Below`]).
pub(crate) fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel,
    bars: &Bars,
) -> Result<(), String> {
    let e = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let n = bars.categories.len().max(1);
    let (aw, ah) = area.dim_in_pixel();
    // The plotting area's size before it is built (margins, axis areas,
    // caption), for the layout; the drawing uses the built one.
    let plot_w = f64::from(aw.saturating_sub(2 * style::MARGIN + style::Y_LABEL_AREA + 10));
    let cat_w = plot_w / n as f64;
    let names: Vec<Vec<String>> = bars
        .categories
        .iter()
        .map(|c| style::wrap(c, style::TICK, (cat_w as u32).saturating_sub(12).max(1)))
        .collect();
    // A name with a word wider than its category is written vertically
    // (read bottom to top, ending under the axis), wrapped into columns.
    let vertical = !category_names_fit(&names, cat_w);
    let names = if vertical {
        bars.categories
            .iter()
            .map(|c| style::wrap(c, style::TICK, VERTICAL_NAME))
            .collect()
    } else {
        names
    };
    let lines = names.iter().map(Vec::len).max().unwrap_or(1).max(1) as u32;
    let x_area = if vertical {
        let tallest = names
            .iter()
            .flatten()
            .map(|l| style::text_width(l, style::TICK))
            .max()
            .unwrap_or(0);
        style::X_LABEL_AREA - style::TICK + tallest + 12
    } else {
        style::X_LABEL_AREA + (lines - 1) * CATEGORY_LINE
    };
    let caption = if panel.title.is_empty() {
        0
    } else {
        style::PANEL_TITLE + 16
    };
    let plot_h = f64::from(ah.saturating_sub(2 * style::MARGIN + x_area + caption));
    let groups = bars.groups.len().max(1) as f64;
    let width = 0.8 / groups;
    let bar_px = cat_w * width * 0.9;
    let texts: Vec<String> = bars
        .groups
        .iter()
        .flat_map(|g| g.values.iter())
        .filter(|v| v.is_finite())
        .filter_map(|&v| bars.value_digits.map(|d| value_text(v, d)))
        .collect();
    let rotate = rotate_labels(&texts, bar_px);
    let label_px = if rotate {
        texts
            .iter()
            .map(|t| style::text_width(t, style::BAR_TEXT))
            .max()
            .unwrap_or(0) as f64
            + 14.0
    } else {
        f64::from(style::BAR_TEXT) + 14.0
    };
    // The band above the bars holds the notes (upper left); the legend is
    // drawn below the panel by the figure ([`LegendPosition::Below`]).
    let note_line = style::LEGEND as i32 + 8;
    let band = if panel.annotations.is_empty() {
        0
    } else {
        note_line * panel.annotations.len() as i32 + 14
    };
    let yr = y_range(bars, panel.y_log, plot_h, f64::from(band), label_px);
    let limits = bars.y_limits.filter(|[lo, hi]| !panel.y_log && lo < hi);
    // Plain f64 x: with up to 2n+1 labels plotters picks a step of 1 or a
    // divisor of it, so every category centre is a tick; the names are
    // drawn under it, wrapped.
    let xr = -0.5f64..n as f64 - 0.5;
    let fmt_x = |_: &f64| String::new();
    let fmt_y = |v: &f64| tick_label(*v);
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&panel.title, style::panel_title_font(&panel.title, area))
        .margin(style::MARGIN)
        .x_label_area_size(x_area)
        .y_label_area_size(style::Y_LABEL_AREA);
    let left = |gi: usize, ci: usize| ci as f64 - 0.4 + gi as f64 * width;
    let bar_font = ("sans-serif", style::BAR_TEXT).into_font();
    let along = bar_font.clone().transform(FontTransform::Rotate270);
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
            // Category names, wrapped, centred under their category.
            let (_, py) = chart.plotting_area().get_pixel_range();
            let (bx, by) = area.get_base_pixel();
            for (ci, name) in names.iter().enumerate() {
                let (cx, _) = chart.backend_coord(&(ci as f64, yr.start));
                let m = name.len() as i32;
                for (k, line) in name.iter().enumerate() {
                    let tw = style::text_width(line, style::TICK) as i32;
                    let step = CATEGORY_LINE as i32;
                    let text = if vertical {
                        Text::new(
                            line.clone(),
                            (
                                cx - bx - m * step / 2 + k as i32 * step,
                                py.end - by + 10 + tw,
                            ),
                            ("sans-serif", style::TICK)
                                .into_font()
                                .transform(FontTransform::Rotate270),
                        )
                    } else {
                        Text::new(
                            line.clone(),
                            (
                                cx - bx - tw / 2,
                                py.end - by + style::TICK as i32 / 2 + k as i32 * step,
                            ),
                            ("sans-serif", style::TICK).into_font(),
                        )
                    };
                    area.draw(&text).map_err(e)?;
                }
            }
            let base: f64 = $base;
            if !panel.y_log {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                        BLACK.stroke_width(style::THIN),
                    )))
                    .map_err(e)?;
            }
            // Axis units per pixel, for marks given in pixels.
            let unit = {
                let (a, b) = (
                    chart.backend_coord(&(0.0, yr.start)).1,
                    chart.backend_coord(&(0.0, yr.end)).1,
                );
                let span = if panel.y_log {
                    yr.end.log10() - yr.start.log10()
                } else {
                    yr.end - yr.start
                };
                span / f64::from((a - b).max(1))
            };
            let shift = |v: f64, px: f64| {
                if panel.y_log {
                    10f64.powf(v.log10() + px * unit)
                } else {
                    v + px * unit
                }
            };
            for (gi, g) in bars.groups.iter().enumerate() {
                let c = color(g.color);
                let rects: Vec<Rectangle<(f64, f64)>> = g
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite() && (!panel.y_log || **v > 0.0))
                    .map(|(ci, &v)| {
                        let v = v.clamp(yr.start, yr.end);
                        let v = limits.map_or(v, |[lo, hi]| v.clamp(lo, hi));
                        let x0 = left(gi, ci) + 0.05 * width;
                        let x1 = left(gi, ci) + 0.95 * width;
                        Rectangle::new([(x0, base), (x1, v)], c.mix(0.8).filled())
                    })
                    .collect();
                chart.draw_series(rects).map_err(e)?;
                // A bar cut at a limit: a white break across it near the cut.
                if let Some([lo, hi]) = limits {
                    for (ci, &v) in g.values.iter().enumerate() {
                        if !(v.is_finite() && (v > hi || v < lo)) {
                            continue;
                        }
                        let (cut, dir) = if v > hi { (hi, -1.0) } else { (lo, 1.0) };
                        let (x0, x1) = (left(gi, ci), left(gi, ci) + width);
                        for k in [14.0, 26.0] {
                            chart
                                .draw_series(std::iter::once(PathElement::new(
                                    vec![
                                        (x0, shift(cut, dir * k)),
                                        (x1, shift(cut, dir * (k + 8.0))),
                                    ],
                                    WHITE.stroke_width(style::THIN + 1),
                                )))
                                .map_err(e)?;
                        }
                    }
                }
                if let Some(iv) = &g.intervals {
                    for (ci, i) in iv.iter().enumerate() {
                        if !(i[0].is_finite() && i[1].is_finite()) {
                            continue;
                        }
                        let xm = left(gi, ci) + 0.5 * width;
                        let w = 0.15 * width;
                        let clip = |v: f64| {
                            let v = v.clamp(yr.start, yr.end);
                            limits.map_or(v, |[lo, hi]| v.clamp(lo, hi))
                        };
                        let i = [clip(i[0]), clip(i[1])];
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
                        let iv = g.intervals.as_ref().and_then(|iv| iv.get(ci)).copied();
                        let (end, up) = label_end(v, iv, panel.y_log, limits);
                        let end = end.clamp(yr.start, yr.end);
                        let tw = style::text_width(&text, style::BAR_TEXT) as i32;
                        let size = style::BAR_TEXT as i32;
                        let label = if rotate {
                            // Along the bar, read bottom to top.
                            let dy = if up { -8 } else { 8 + tw };
                            Text::new(text, (-size / 8, dy), along.clone())
                        } else {
                            let dy = if up { -size - 8 } else { 8 };
                            Text::new(text, (-tw / 2, dy), bar_font.clone())
                        };
                        chart
                            .plotting_area()
                            .draw(&(EmptyElement::at((xm, end)) + label))
                            .map_err(e)?;
                    }
                }
            }
            for (k, text) in panel.annotations.iter().enumerate() {
                chart
                    .plotting_area()
                    .draw(
                        &(EmptyElement::at((-0.5, yr.end))
                            + Text::new(
                                text.clone(),
                                (12, 10 + note_line * k as i32),
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

/// One panel of a [`ClosedFormBars`] figure.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedFormPanel {
    /// Panel title.
    pub title: String,
    /// Per group, the value per category (non-finite: no bar).
    pub values: Vec<Vec<f64>>,
    /// Per group, the closed form per category, drawn as a black tick.
    pub closed_form: Vec<Vec<f64>>,
}

/// A figure of grouped bar panels, one per case, each bar with its closed
/// form drawn on it as a black tick (a zero-height whisker) and its value
/// printed: the caller describes it, [`ClosedFormBars::figure`] lays it out.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedFormBars {
    /// Figure title.
    pub title: String,
    /// x-axis label of every panel.
    pub x_label: String,
    /// y-axis label of every panel.
    pub y_label: String,
    /// Category names along x (the same in every panel).
    pub categories: Vec<String>,
    /// Group labels (bar colours 0, 1, … in order).
    pub groups: Vec<String>,
    /// The panels, left to right.
    pub panels: Vec<ClosedFormPanel>,
    /// The note saying what the tick is, in the first panel.
    pub note: String,
    /// The panel under which the legend is drawn.
    pub legend_panel: usize,
    /// Significant digits of the printed values.
    pub value_digits: usize,
    /// Aspect of one panel (width, height).
    pub panel_size: (u32, u32),
}

impl ClosedFormBars {
    /// The figure: one row of panels.
    pub fn figure(&self) -> super::Figure {
        let panels: Vec<Panel> = self
            .panels
            .iter()
            .enumerate()
            .map(|(pi, p)| {
                let groups = self
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(gi, label)| {
                        let values = p.values.get(gi).cloned().unwrap_or_default();
                        let ticks = p
                            .closed_form
                            .get(gi)
                            .map(|v| v.iter().map(|&t| [t, t]).collect())
                            .unwrap_or_default();
                        BarGroup::new(label.clone(), values, gi).with_intervals(ticks)
                    })
                    .collect();
                Panel {
                    title: p.title.clone(),
                    x_label: self.x_label.clone(),
                    y_label: self.y_label.clone(),
                    bars: Some(Bars {
                        categories: self.categories.clone(),
                        groups,
                        value_digits: Some(self.value_digits),
                        y_limits: None,
                    }),
                    annotations: if pi == 0 {
                        vec![self.note.clone()]
                    } else {
                        Vec::new()
                    },
                    legend: if pi == self.legend_panel {
                        LegendPosition::Below
                    } else {
                        LegendPosition::None
                    },
                    ..Panel::default()
                }
            })
            .collect();
        let n = panels.len();
        let mut fig = super::Figure::new(self.title.clone(), 1, n, panels);
        fig.panel_size = self.panel_size;
        fig
    }
}
