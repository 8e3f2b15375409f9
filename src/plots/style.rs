//! The one style of every figure the crate draws.
//!
//! Target: a figure is printed at 300 dpi, one column wide (3.4 in,
//! 1 020 px) when it has one column of panels and a page wide (7 in,
//! 2 100 px) otherwise. The canvas is drawn at exactly that many pixels, so
//! a text of `p` points is `p · 300 / 72` pixels: tick labels, legends and
//! notes 7 pt (29 px), tick labels 8 pt (33 px), axis labels and panel titles 9 pt, the figure
//! title 10 pt. Shrunk to its printed width, every text reads at those
//! sizes. A caller's `panel_size` gives only the panel's aspect ratio.
//!
//! Series are coloured by identity (a method has one colour in every
//! figure, [`super::palette`], Okabe–Ito first); a series lying on an earlier
//! one is drawn on top with a hollow, larger marker and says so in its
//! legend entry ([`super::coincide`]).
//!
//! Text never sits on data: a curve panel's notes take the first corner
//! free of data, else a band added above it ([`super::legend::notes_placement`]);
//! a bar's value label sits beyond the bar's end and its whisker's, along
//! the bar when wider than it, and a bar cut at the axis limit keeps its
//! label inside the axis ([`super::bars::label_end`]); bar panels keep
//! their notes in a band above the bars and their legend below the panel,
//! as a curve panel's legend too tall for a corner, an edge or a band of at
//! most a third of the plot ([`super::legend`]). Bitmap text keeps each
//! glyph's side bearing ([`super::glyphs`]).

/// Dots per inch of the printed figure.
pub const DPI: f64 = 300.0;

/// Printed width of a one-column figure (inches).
pub const COLUMN_WIDTH_IN: f64 = 3.4;

/// Printed width of a figure of two or more panel columns (inches).
pub const PAGE_WIDTH_IN: f64 = 7.0;

/// Pixels of `points` at [`DPI`] (rounded).
pub const fn pt(points: u32) -> u32 {
    (points * 300 + 36) / 72
}

/// Tick labels (8 pt).
pub const TICK: u32 = pt(8);
/// Legend entries and notes (7 pt).
pub const LEGEND: u32 = pt(7);
/// Axis labels (9 pt).
pub const AXIS_LABEL: u32 = pt(9);
/// Panel titles (9 pt).
pub const PANEL_TITLE: u32 = pt(9);
/// The figure title (10 pt).
pub const FIGURE_TITLE: u32 = pt(10);
/// Text written on bars (7 pt).
pub const BAR_TEXT: u32 = pt(7);

/// Line width of curves (about 1.2 pt).
pub const LINE: u32 = 5;
/// Line width of frames, whiskers and error bars.
pub const THIN: u32 = 3;
/// A caller's marker radius (given at the old 96-dpi-like scale) is
/// multiplied by this.
pub const MARKER_SCALE: u32 = 2;
/// Dash and gap of a dashed line (pixels).
pub const DASH: (u32, u32) = (24, 14);
/// Length of a line swatch in a legend (pixels).
pub const SWATCH: u32 = 56;

/// Margin around a panel (pixels).
pub const MARGIN: u32 = 24;
/// Height of the x axis label area (ticks and label).
pub const X_LABEL_AREA: u32 = TICK + AXIS_LABEL + 40;
/// Width of the y axis label area (ticks and label).
pub const Y_LABEL_AREA: u32 = 6 * TICK / 2 + AXIS_LABEL + 40;

/// Canvas width of a figure with `cols` panel columns (pixels).
pub fn figure_width(cols: usize) -> u32 {
    let inches = if cols <= 1 {
        COLUMN_WIDTH_IN
    } else {
        PAGE_WIDTH_IN
    };
    (inches * DPI).round() as u32
}

/// Pixel size of one panel of a figure of `cols` columns whose caller asked
/// for panels of `aspect` = (width, height): the width is the figure's
/// share, the height keeps the aspect ratio.
pub fn panel_pixels(cols: usize, aspect: (u32, u32)) -> (u32, u32) {
    let w = figure_width(cols) / cols.max(1) as u32;
    let (aw, ah) = (aspect.0.max(1), aspect.1.max(1));
    let h = (f64::from(w) * f64::from(ah) / f64::from(aw)).round() as u32;
    (w, h.clamp(w / 3, 2 * w))
}

/// Width in pixels of `text` at font size `size` in the figures' font
/// (measured; about 0.6 em per character if the font cannot lay it out).
pub fn text_width(text: &str, size: u32) -> u32 {
    super::register_font();
    let font: plotters::style::FontDesc = ("sans-serif", f64::from(size)).into();
    font.box_size(text)
        .map(|(w, _)| w)
        .unwrap_or_else(|_| (text.chars().count() as u32 * size * 3).div_ceil(5))
}

/// `text` broken at spaces into lines no wider than `width` pixels at
/// font size `size` (a word longer than the width gets a line of its own).
pub fn wrap(text: &str, size: u32, width: u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, size) > width {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The font of a panel title drawn in `area`: 9 pt, or 8 pt when the title
/// is wider than the panel at 9 pt.
pub fn panel_title_font<DB: plotters::prelude::DrawingBackend>(
    title: &str,
    area: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
) -> (&'static str, u32) {
    let (w, _) = area.dim_in_pixel();
    if text_width(title, PANEL_TITLE) + 2 * MARGIN > w {
        ("sans-serif", TICK)
    } else {
        ("sans-serif", PANEL_TITLE)
    }
}
