//! Legends and notes: where a curve panel's legend goes so that it covers
//! no data, and drawing legends and notes in the one style every figure
//! shares (curve, box and bar panels).
//!
//! Placement: the panel's own [`LegendPosition`] is a preference. The
//! legend box (measured with the font it is drawn in) is tried there, then
//! in the other corners and the middle of the right edge, then at every
//! height along the right and the left edge; the first place where it
//! covers no marker, no line and no note wins. When every place covers data, the
//! y axis is extended upward by the legend's height, so the legend sits in
//! an empty band above the data, if that band takes at most a third of the
//! plotting area ([`MAX_HEADROOM`]); a taller legend goes below the panel
//! ([`LegendPosition::Below`]: the figure grows by a strip under that row of
//! panels, and the legend never covers data nor leaves the axis half empty).

use std::ops::Range;

use plotters::element::MultiLineText;
use plotters::prelude::*;

use super::{usable, LegendPosition, Panel, SeriesKind};

/// Font size of legend entries and notes (pixels).
const TEXT_SIZE: u32 = super::style::LEGEND;

/// plotters' legend box geometry (`SeriesLabelStyle` defaults): width of
/// the symbol column, inner margin, and the gap to the plotting area's edge.
const SYMBOL_WIDTH: i32 = super::style::SWATCH as i32 + 20;
const INNER_MARGIN: i32 = 16;
const EDGE_GAP: i32 = 5;

/// Height of one line of notes (pixels).
const LINE_HEIGHT: i32 = TEXT_SIZE as i32 + 8;

/// Clearance kept between the legend box and any data (pixels).
pub const CLEARANCE: i32 = 3;

/// The largest share of the plotting area an empty band above the data may
/// take to hold a legend; a legend needing more goes below the panel.
pub const MAX_HEADROOM: f64 = 1.0 / 3.0;

/// Where plotters puts a legend at `pos` (`None` is never drawn; it maps to
/// the lower right only to be total).
pub(crate) fn series_label_position(pos: LegendPosition) -> SeriesLabelPosition {
    match pos {
        LegendPosition::UpperLeft => SeriesLabelPosition::UpperLeft,
        LegendPosition::UpperRight => SeriesLabelPosition::UpperRight,
        LegendPosition::LowerLeft => SeriesLabelPosition::LowerLeft,
        LegendPosition::MiddleRight => SeriesLabelPosition::MiddleRight,
        LegendPosition::LowerRight | LegendPosition::None | LegendPosition::Below => {
            SeriesLabelPosition::LowerRight
        }
    }
}

/// Draw the chart's legend at `pos` in the figures' style (white, slightly
/// transparent box with a grey border).
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .label_font(("sans-serif", TEXT_SIZE))
        .legend_area_size(SYMBOL_WIDTH)
        .margin(INNER_MARGIN)
        .draw()
        .map_err(|e| e.to_string())
}

/// Width in pixels of a note line as [`draw_notes`] lays it out.
fn note_width(text: &str) -> i32 {
    super::style::text_width(text, TEXT_SIZE) as i32 + 20
}

/// Draw `notes` right-aligned above `corner` (a data coordinate, normally
/// the lower right of the plotting area), one line per note.
pub(crate) fn draw_notes<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    corner: CT::From,
    notes: &[String],
) -> Result<(), String>
where
    CT::From: Clone,
{
    draw_notes_at(area, corner, LegendPosition::LowerRight, notes)
}

/// Draw `notes` in the corner `pos` of a plotting area whose corner point
/// (in data coordinates) is `corner`: right-aligned in the right corners,
/// left-aligned in the left ones, above a lower corner or below an upper one.
pub(crate) fn draw_notes_at<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    corner: CT::From,
    pos: LegendPosition,
    notes: &[String],
) -> Result<(), String>
where
    CT::From: Clone,
{
    let n = notes.len() as i32;
    let right = !matches!(pos, LegendPosition::UpperLeft | LegendPosition::LowerLeft);
    let upper = matches!(pos, LegendPosition::UpperLeft | LegendPosition::UpperRight);
    for (k, text) in notes.iter().enumerate() {
        let dy = if upper {
            LINE_HEIGHT * k as i32 + 10
        } else {
            -LINE_HEIGHT * (n - k as i32) - 10
        };
        let dx = if right { -note_width(text) } else { 10 };
        area.draw(
            &(EmptyElement::at(corner.clone())
                + Text::new(text.clone(), (dx, dy), ("sans-serif", TEXT_SIZE))),
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The pixel box of `notes` drawn in corner `pos` of a plotting area of
/// `area` pixels ([`draw_notes_at`]).
pub fn notes_rect(notes: &[String], pos: LegendPosition, area: (i32, i32)) -> Rect {
    let (w, h) = area;
    let width = notes.iter().map(|t| note_width(t)).max().unwrap_or(0) + 10;
    let height = LINE_HEIGHT * notes.len() as i32 + 10;
    let (x0, x1) = match pos {
        LegendPosition::UpperLeft | LegendPosition::LowerLeft => (0, width),
        _ => (w - width, w),
    };
    let (y0, y1) = match pos {
        LegendPosition::UpperLeft | LegendPosition::UpperRight => (0, height),
        _ => (h - height, h),
    };
    Rect { x0, y0, x1, y1 }
}

/// The corners a panel's notes may take, in order of preference.
pub const NOTE_CORNERS: [LegendPosition; 4] = [
    LegendPosition::LowerRight,
    LegendPosition::UpperRight,
    LegendPosition::LowerLeft,
    LegendPosition::UpperLeft,
];

/// Where a curve panel's notes go in a plotting area of `area` pixels with
/// axes `xr`, `yr`: the first of [`NOTE_CORNERS`] where they cover no
/// marker and no line, else the corner where they cover the fewest.
pub fn notes_corner(
    panel: &Panel,
    xr: &Range<f64>,
    yr: &Range<f64>,
    area: (i32, i32),
) -> LegendPosition {
    if panel.annotations.is_empty() {
        return LegendPosition::LowerRight;
    }
    corner_among(&panel.annotations, &data_marks(panel, xr, yr, area), area)
}

/// [`notes_corner`] among the data marks `data`.
fn corner_among(notes: &[String], data: &[Rect], area: (i32, i32)) -> LegendPosition {
    let covered = |pos: LegendPosition| {
        let r = notes_rect(notes, pos, area);
        data.iter().filter(|m| r.overlaps(m, CLEARANCE)).count()
    };
    NOTE_CORNERS
        .iter()
        .copied()
        .enumerate()
        .min_by_key(|&(i, p)| (covered(p), i))
        .map_or(LegendPosition::LowerRight, |(_, p)| p)
}

/// How far a panel's largest marker (or widest line) reaches from its
/// point (pixels).
fn reach(panel: &Panel) -> i32 {
    panel
        .series
        .iter()
        .map(|s| {
            let look = s.look();
            if look.marker.is_some() {
                look.radius as i32
            } else {
                look.width as i32 / 2 + 1
            }
        })
        .max()
        .unwrap_or(1)
}

/// Where a curve panel's notes go and the y range that leaves them room:
/// a corner free of data ([`notes_corner`]) with `yr` unchanged, or, when
/// every corner covers data, the upper right of `yr` extended upward by
/// the notes' height (an empty band above the data).
pub fn notes_placement(
    panel: &Panel,
    xr: &Range<f64>,
    yr: &Range<f64>,
    area: (i32, i32),
) -> (LegendPosition, Range<f64>) {
    if panel.annotations.is_empty() {
        return (LegendPosition::LowerRight, yr.clone());
    }
    let data = data_marks(panel, xr, yr, area);
    let (corner, extended) = place_notes(panel, yr, area, &data);
    (corner, extended.unwrap_or_else(|| yr.clone()))
}

/// [`notes_placement`] given the panel's data marks `data` at `yr`: the
/// corner, and the extended y range when the notes need a band.
fn place_notes(
    panel: &Panel,
    yr: &Range<f64>,
    area: (i32, i32),
    data: &[Rect],
) -> (LegendPosition, Option<Range<f64>>) {
    if panel.annotations.is_empty() {
        return (LegendPosition::LowerRight, None);
    }
    let corner = corner_among(&panel.annotations, data, area);
    let rect = notes_rect(&panel.annotations, corner, area);
    if !data.iter().any(|m| rect.overlaps(m, CLEARANCE)) {
        return (corner, None);
    }
    // Room for the notes and for the largest marker under them.
    let band = rect.y1 - rect.y0 + 2 * CLEARANCE + reach(panel) + 2;
    if band >= area.1 / 2 {
        return (corner, None);
    }
    (
        LegendPosition::UpperRight,
        Some(with_headroom(yr, band, area.1, panel.y_log)),
    )
}

/// A rectangle in pixels, relative to the plotting area's upper left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub x0: i32,
    /// Top.
    pub y0: i32,
    /// Right.
    pub x1: i32,
    /// Bottom.
    pub y1: i32,
}

impl Rect {
    /// The square of half-side `r` around (x, y).
    pub fn around(x: i32, y: i32, r: i32) -> Self {
        Self {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
        }
    }

    /// Whether the two overlap once `self` is grown by `pad` on every side.
    pub fn overlaps(&self, o: &Rect, pad: i32) -> bool {
        self.x0 - pad <= o.x1
            && o.x0 <= self.x1 + pad
            && self.y0 - pad <= o.y1
            && o.y0 <= self.y1 + pad
    }
}

/// The legend box of `size` at `pos` inside a plotting area of `area`
/// pixels, as plotters lays it out.
pub fn legend_rect(pos: LegendPosition, size: (i32, i32), area: (i32, i32)) -> Rect {
    let (w, h) = size;
    let x0 = match pos {
        LegendPosition::UpperLeft | LegendPosition::LowerLeft => EDGE_GAP,
        _ => area.0 - w - EDGE_GAP,
    };
    let y0 = match pos {
        LegendPosition::UpperLeft | LegendPosition::UpperRight => EDGE_GAP,
        LegendPosition::MiddleRight => (area.1 - h) / 2,
        _ => area.1 - h - EDGE_GAP,
    };
    Rect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    }
}

/// Where a legend goes: a free place, or a y range with room above the data
/// and the place in that room.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendPlacement {
    /// The position to draw at.
    pub position: LegendPosition,
    /// Or, when set, the legend box's upper left corner in pixels from the
    /// plotting area's (a free gap along the right or left edge).
    pub offset: Option<(i32, i32)>,
    /// The y range to draw with (the data's, or extended upward).
    pub y_range: Range<f64>,
    /// The corner of the panel's notes ([`notes_corner`]).
    pub notes: LegendPosition,
}

/// Choose a place among `candidates` (in order) where a legend of `size`
/// covers none of `marks` in a plotting area of `area` pixels; `None` when
/// every place covers some.
pub fn free_place(
    candidates: &[LegendPosition],
    size: (i32, i32),
    area: (i32, i32),
    marks: &[Rect],
) -> Option<LegendPosition> {
    candidates.iter().copied().find(|&pos| {
        let r = legend_rect(pos, size, area);
        !marks.iter().any(|m| r.overlaps(m, CLEARANCE))
    })
}

/// The first free place for a legend of `size` along the right edge, then
/// the left edge, of a plotting area of `area` pixels, top to bottom in
/// steps of 6 pixels: its upper left corner, or `None`.
pub fn free_gap(size: (i32, i32), area: (i32, i32), marks: &[Rect]) -> Option<(i32, i32)> {
    let (w, h) = size;
    for x0 in [area.0 - w - EDGE_GAP, EDGE_GAP] {
        let mut y0 = EDGE_GAP;
        while y0 + h + EDGE_GAP <= area.1 {
            let r = Rect {
                x0,
                y0,
                x1: x0 + w,
                y1: y0 + h,
            };
            if !marks.iter().any(|m| r.overlaps(m, CLEARANCE)) {
                return Some((x0, y0));
            }
            y0 += 6;
        }
    }
    None
}

/// `range` extended upward so that the band of `band` pixels at the top of
/// a `height`-pixel axis lies above all of `range` (in log10 for a log
/// axis).
pub fn with_headroom(range: &Range<f64>, band: i32, height: i32, log: bool) -> Range<f64> {
    let f = f64::from(band) / f64::from((height - band).max(1));
    if log {
        let (lo, hi) = (range.start.log10(), range.end.log10());
        // Kept finite: an extreme range gets less headroom, never ∞.
        range.start..10f64.powf(hi + (hi - lo) * f).min(f64::MAX)
    } else {
        range.start..(range.end + (range.end - range.start) * f).min(4e300)
    }
}

/// Pixel offset of `v` from the start of an axis of `len` pixels spanning
/// `r` (log10 for a log axis).
pub fn to_pixel(v: f64, r: &Range<f64>, log: bool, len: i32) -> f64 {
    let t = if log {
        (v.log10() - r.start.log10()) / (r.end.log10() - r.start.log10())
    } else {
        (v - r.start) / (r.end - r.start)
    };
    t * f64::from(len)
}

/// The pixels a curve panel's data covers in a plotting area of `area`
/// pixels with axis ranges `xr`, `yr`: every marker, every line (sampled
/// every 2 pixels) and the notes' block in its corner ([`notes_corner`]).
pub fn marks(panel: &Panel, xr: &Range<f64>, yr: &Range<f64>, area: (i32, i32)) -> Vec<Rect> {
    let mut out = data_marks(panel, xr, yr, area);
    if !panel.annotations.is_empty() {
        let corner = notes_corner(panel, xr, yr, area);
        out.push(notes_rect(&panel.annotations, corner, area));
    }
    out
}

/// [`marks`] without the notes: the markers and lines only.
pub fn data_marks(panel: &Panel, xr: &Range<f64>, yr: &Range<f64>, area: (i32, i32)) -> Vec<Rect> {
    let (w, h) = area;
    let px = |p: &(f64, f64)| {
        (
            to_pixel(p.0, xr, panel.x_log, w),
            f64::from(h) - to_pixel(p.1, yr, panel.y_log, h),
        )
    };
    let mut out = Vec::new();
    for s in &panel.series {
        // The drawn extent: the marker's radius as drawn (scaled), else
        // half the line's width.
        let look = s.look();
        let r = if s.kind == SeriesKind::Line {
            (look.width as i32 + 1) / 2
        } else {
            look.radius as i32
        };
        let mut last: Option<(f64, f64)> = None;
        for p in &s.points {
            if !usable(p, panel.x_log, panel.y_log) {
                last = None;
                continue;
            }
            let (x, y) = px(p);
            out.push(Rect::around(x.round() as i32, y.round() as i32, r));
            if let (Some((x0, y0)), true) = (last, s.kind != SeriesKind::Markers) {
                let steps = ((x - x0).hypot(y - y0) / 2.0).ceil().min(2000.0) as usize;
                for k in 1..steps {
                    let t = k as f64 / steps as f64;
                    let (xs, ys) = (x0 + t * (x - x0), y0 + t * (y - y0));
                    out.push(Rect::around(
                        xs.round() as i32,
                        ys.round() as i32,
                        (look.width as i32 + 1) / 2,
                    ));
                }
            }
            last = Some((x, y));
        }
    }
    out
}

/// The legend box size of a curve panel in pixels (plotters' own layout of
/// the labelled series that have a drawable point), or `None` without one.
pub fn legend_size(panel: &Panel) -> Option<(i32, i32)> {
    super::register_font();
    let labels: Vec<&str> = panel
        .series
        .iter()
        .filter(|s| {
            !s.label.is_empty() && s.points.iter().any(|p| usable(p, panel.x_log, panel.y_log))
        })
        .map(|s| s.label.as_str())
        .collect();
    if labels.is_empty() {
        return None;
    }
    labels_size(&labels)
}

/// The size in pixels of a legend box listing `labels` (plotters' layout:
/// the text block, the symbol column and the inner margins), or `None`
/// without labels.
pub fn labels_size(labels: &[&str]) -> Option<(i32, i32)> {
    if labels.is_empty() {
        return None;
    }
    super::register_font();
    let font: TextStyle = ("sans-serif", TEXT_SIZE).into_font().into();
    let mut text = MultiLineText::<(i32, i32), &str>::new((0, 0), font);
    for l in labels {
        text.push_line(*l);
    }
    let (w, h) = text.estimate_dimension().ok()?;
    Some((w + SYMBOL_WIDTH + 2 * INNER_MARGIN, h + 2 * INNER_MARGIN))
}

/// The size in pixels of the plotting area a curve panel leaves in an area
/// of `cell` pixels: a dry run on an in-memory SVG of that size (axis
/// ranges do not change it).
pub(crate) fn plot_size(panel: &Panel, cell: (u32, u32)) -> Result<(i32, i32), String> {
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, cell).into_drawing_area();
    let body = super::titled_body(&root, panel)?;
    let chart = super::chart_builder(&body, panel)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)
        .map_err(|e| e.to_string())?;
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    Ok((xs.end - xs.start, ys.end - ys.start))
}

/// Where a curve panel's legend goes (see the module docs) when its
/// plotting area is `plot` pixels and its axes span `xr` and `yr`.
pub fn place_in_area(
    panel: &Panel,
    xr: &Range<f64>,
    yr: Range<f64>,
    plot: (i32, i32),
) -> LegendPlacement {
    let wants_legend = !matches!(panel.legend, LegendPosition::None | LegendPosition::Below);
    if !wants_legend && panel.annotations.is_empty() {
        return LegendPlacement {
            position: panel.legend,
            offset: None,
            y_range: yr,
            notes: LegendPosition::LowerRight,
        };
    }
    // The data's marks, computed once (again only if the notes' band moves
    // the data), and the notes' block where they are drawn.
    let mut data = data_marks(panel, xr, &yr, plot);
    let (notes, extended) = place_notes(panel, &yr, plot, &data);
    let yr = match extended {
        Some(r) => {
            data = data_marks(panel, xr, &r, plot);
            r
        }
        None => yr,
    };
    if !panel.annotations.is_empty() {
        data.push(notes_rect(&panel.annotations, notes, plot));
    }
    let unchanged = |position| LegendPlacement {
        position,
        offset: None,
        y_range: yr.clone(),
        notes,
    };
    if !wants_legend {
        return unchanged(panel.legend);
    }
    let Some(size) = legend_size(panel) else {
        return unchanged(panel.legend);
    };
    let mut candidates = vec![panel.legend];
    candidates.extend(
        [
            LegendPosition::UpperRight,
            LegendPosition::UpperLeft,
            LegendPosition::LowerRight,
            LegendPosition::LowerLeft,
            LegendPosition::MiddleRight,
        ]
        .into_iter()
        .filter(|p| *p != panel.legend),
    );
    if let Some(position) = free_place(&candidates, size, plot, &data) {
        return unchanged(position);
    }
    if let Some(offset) = free_gap(size, plot, &data) {
        return LegendPlacement {
            offset: Some(offset),
            ..unchanged(panel.legend)
        };
    }
    let band = size.1 + 2 * EDGE_GAP + 2 * CLEARANCE + reach(panel) + 2;
    if f64::from(band) > MAX_HEADROOM * f64::from(plot.1) {
        // Too tall to make room for: under the panel, outside the data.
        return unchanged(LegendPosition::Below);
    }
    // The band's other side when the notes hold one of its corners.
    let position = match (panel.legend, notes) {
        (_, LegendPosition::UpperLeft) => LegendPosition::UpperRight,
        (_, LegendPosition::UpperRight) => LegendPosition::UpperLeft,
        (LegendPosition::UpperLeft, _) => LegendPosition::UpperLeft,
        _ => LegendPosition::UpperRight,
    };
    LegendPlacement {
        position,
        offset: None,
        y_range: with_headroom(&yr, band, plot.1, panel.y_log),
        notes,
    }
}
