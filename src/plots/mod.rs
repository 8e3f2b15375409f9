//! Figures as data, drawn with `plotters` to PNG and SVG.
//!
//! Experiments build a [`Figure`] (panels of series); [`write_figure`] draws
//! it. Non-finite points are gaps (a line breaks there); on a log axis,
//! non-positive values are gaps too. Files are written to a temporary name
//! and renamed, so a failure never leaves a half-written figure.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::FontStyle;
use thiserror::Error;

use crate::io::temp_beside;

pub mod axes;
pub mod bars;
mod boxplot;
pub mod glyphs;
mod symlog;

pub use boxplot::{BoxPlot, BoxSeries, BoxStats};
pub use symlog::SymLog;

pub mod heatmap;
pub mod kde;
pub mod legend;
pub mod look;
pub mod palette;
pub mod style;

pub use look::Look;

pub use palette::{color, method_color};

/// A figure could not be written.
#[derive(Debug, Error)]
pub enum PlotError {
    /// The figure has no panels.
    #[error("figure '{0}' has no panels")]
    EmptyFigure(String),
    /// Drawing failed (including the file write by the backend).
    #[error("{path}: drawing failed: {message}")]
    Draw {
        /// The file being drawn.
        path: PathBuf,
        /// What plotters reported.
        message: String,
    },
    /// Moving the finished file into place failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesKind {
    /// A line through the points.
    Line,
    /// Markers only.
    Markers,
    /// A line with markers.
    LineMarkers,
}

/// The shape of a series' markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Marker {
    /// A disc.
    #[default]
    Circle,
    /// A square.
    Square,
    /// A triangle pointing up.
    Triangle,
    /// A diamond.
    Diamond,
}

impl Marker {
    /// The outline of the marker of radius `r` around (0, 0), in pixels.
    pub fn outline(self, r: i32) -> Vec<(i32, i32)> {
        match self {
            Self::Circle => (0..16)
                .map(|k| {
                    let t = f64::from(k) * std::f64::consts::PI / 8.0;
                    let r = f64::from(r);
                    ((r * t.cos()).round() as i32, (r * t.sin()).round() as i32)
                })
                .collect(),
            Self::Square => {
                let r = (f64::from(r) * 0.9).round() as i32;
                vec![(-r, -r), (r, -r), (r, r), (-r, r)]
            }
            Self::Triangle => {
                let (h, w) = (
                    (f64::from(r) * 1.15).round() as i32,
                    (f64::from(r) * 1.1).round() as i32,
                );
                vec![(0, -h), (w, h * 2 / 3), (-w, h * 2 / 3)]
            }
            Self::Diamond => {
                let r = (f64::from(r) * 1.2).round() as i32;
                vec![(0, -r), (r, 0), (0, r), (-r, 0)]
            }
        }
    }
}

/// One curve of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// The points (x, y); non-finite ones are gaps.
    pub points: Vec<(f64, f64)>,
    /// Line, markers or both.
    pub kind: SeriesKind,
    /// Dashed line.
    pub dashed: bool,
    /// Palette index ([`palette::color`]; colours repeat after 14).
    pub color: usize,
    /// Marker radius in pixels.
    pub marker_size: u32,
    /// Opacity of line and markers, 0 … 1.
    pub opacity: f64,
    /// Marker shape.
    pub marker: Marker,
    /// Markers drawn as outlines (white inside).
    pub hollow: bool,
    /// Line width in pixels (0: the style's [`style::LINE`]).
    pub width: u32,
    /// An interval (low, high) at each point, drawn as a translucent band
    /// in the series' colour (empty: none). A non-finite or (on a log axis)
    /// non-positive low end reaches the axis' end: the interval includes 0.
    pub band: Vec<(f64, f64)>,
}

impl Series {
    /// A solid line in palette colour `color`.
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>, color: usize) -> Self {
        Self {
            label: label.into(),
            points,
            kind: SeriesKind::Line,
            dashed: false,
            color,
            marker_size: 4,
            opacity: 1.0,
            marker: Marker::Circle,
            hollow: false,
            width: 0,
            band: Vec::new(),
        }
    }

    /// Markers only.
    pub fn markers(label: impl Into<String>, points: Vec<(f64, f64)>, color: usize) -> Self {
        Self {
            kind: SeriesKind::Markers,
            ..Self::line(label, points, color)
        }
    }

    /// The same series, dashed.
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    /// The same series with markers of radius `px`.
    pub fn size(mut self, px: u32) -> Self {
        self.marker_size = px;
        self
    }

    /// The same series drawn with this opacity (0 … 1).
    pub fn opacity(mut self, opacity: f64) -> Self {
        self.opacity = opacity;
        self
    }

    /// The same series with markers of this shape.
    pub fn marker(mut self, marker: Marker) -> Self {
        self.marker = marker;
        self
    }

    /// The same series with an interval (low, high) at each point.
    pub fn band(mut self, band: Vec<(f64, f64)>) -> Self {
        self.band = band;
        self
    }

    /// The same series with hollow markers.
    pub fn hollow(mut self) -> Self {
        self.hollow = true;
        self
    }

    /// The drawing of this series: colour, line, marker (for data and
    /// legend swatch alike).
    pub fn look(&self) -> Look {
        Look {
            color: self.color,
            opacity: self.opacity,
            line: self.kind != SeriesKind::Markers,
            dashed: self.dashed,
            marker: (self.kind != SeriesKind::Line).then_some(self.marker),
            radius: self.marker_size * style::MARKER_SCALE,
            hollow: self.hollow,
            width: if self.width == 0 {
                style::LINE
            } else {
                self.width
            },
        }
    }

    /// The same series with markers on the line.
    pub fn with_markers(mut self) -> Self {
        self.kind = SeriesKind::LineMarkers;
        self
    }
}

/// Where a panel's legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegendPosition {
    /// Upper left.
    #[default]
    UpperLeft,
    /// Upper right.
    UpperRight,
    /// Lower left.
    LowerLeft,
    /// Lower right.
    LowerRight,
    /// Middle of the right edge.
    MiddleRight,
    /// Under the panel, outside the plotting area: the figure grows by a
    /// strip under the panel's row (chosen for a legend too tall for any
    /// place inside, [`legend::place_in_area`]; bar panels always).
    Below,
    /// No legend (another panel of the figure carries it).
    None,
}

/// One chart of a figure.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Panel {
    /// Panel title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Logarithmic x axis.
    pub x_log: bool,
    /// Logarithmic y axis.
    pub y_log: bool,
    /// The curves.
    pub series: Vec<Series>,
    /// Lines of text drawn in the lower right of the plotting area.
    pub annotations: Vec<String>,
    /// Where the legend goes.
    pub legend: LegendPosition,
    /// Draw the panel as a grouped bar chart (its `series` are then ignored).
    pub bars: Option<bars::Bars>,
    /// Box plots instead of curves ([`BoxPlot`]): `series`, `x_log` and
    /// `y_log` are then ignored.
    pub boxes: Option<BoxPlot>,
    /// A heat map drawn instead of the curves (axes and series unused).
    pub heatmap: Option<heatmap::HeatMap>,
    /// Names of the integer y values 0, 1, … (one row per category): drawn
    /// as the y tick labels instead of numbers (empty: numbers).
    pub y_categories: Vec<String>,
}

/// A grid of panels with a title.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Figure title.
    pub title: String,
    /// Panel rows.
    pub rows: usize,
    /// Panel columns.
    pub cols: usize,
    /// Panels, row by row.
    pub panels: Vec<Panel>,
    /// Aspect of one panel (width, height): the drawn size is the
    /// style's ([`style::panel_pixels`]), with this ratio.
    pub panel_size: (u32, u32),
    /// One legend for the whole figure, in a strip under the title, from the
    /// series of the first panel (for figures whose panels share their
    /// curves; the panels then carry none).
    pub shared_legend: bool,
}

impl Figure {
    /// A figure of `rows × cols` panels of 560×420 pixels.
    pub fn new(title: impl Into<String>, rows: usize, cols: usize, panels: Vec<Panel>) -> Self {
        Self {
            title: title.into(),
            rows,
            cols,
            panels,
            panel_size: (560, 420),
            shared_legend: false,
        }
    }
}

/// Height of one row of the shared legend strip (pixels).
const LEGEND_ROW: u32 = style::LEGEND * 3 / 2;

/// The drawn size of one panel of `fig` (pixels).
fn panel_px(fig: &Figure) -> (u32, u32) {
    style::panel_pixels(fig.cols, fig.panel_size)
}

/// The figure title's lines, wrapped to the canvas width.
fn title_lines(fig: &Figure) -> Vec<String> {
    let width = style::figure_width(fig.cols).saturating_sub(2 * style::MARGIN);
    style::wrap(&fig.title, style::FIGURE_TITLE, width)
}

/// Height of the title band (pixels).
fn title_height(fig: &Figure) -> u32 {
    title_lines(fig).len() as u32 * (style::FIGURE_TITLE + 10) + 30
}

/// Rows of the shared legend strip.
fn legend_rows(fig: &Figure) -> u32 {
    if !fig.shared_legend {
        return 0;
    }
    let n = legend_entries(fig).len() as u32;
    let per_row = legend_per_row(fig);
    n.div_ceil(per_row)
}

/// One entry of the shared legend: label, colour, and how it is drawn
/// (`None`: a box swatch).
type LegendEntry = (String, usize, Option<Look>);

/// The shared legend's entries: the first panel's labelled series, or its
/// box series. Unlabelled series (e.g. a closed form drawn beside its
/// markers) have no entry. A series that lies on an earlier one in some
/// panels says so ("on X in k/n panels"), drawn as in those panels.
fn legend_entries(fig: &Figure) -> Vec<LegendEntry> {
    let Some(first) = fig.panels.first() else {
        return Vec::new();
    };
    if let Some(b) = &first.boxes {
        return b
            .series
            .iter()
            .filter(|s| !s.label.is_empty())
            .map(|s| (s.label.clone(), s.color, None))
            .collect();
    }
    let curves: Vec<&Panel> = fig
        .panels
        .iter()
        .filter(|p| p.bars.is_none() && p.boxes.is_none() && p.heatmap.is_none())
        .collect();
    let on: Vec<Vec<Option<usize>>> = curves
        .iter()
        .map(|p| {
            let (xr, yr) = panel_ranges(p);
            look::coincidences(p, &xr, &yr)
        })
        .collect();
    first
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.label.is_empty())
        .map(|(i, s)| {
            // The earlier series this one lies on most often.
            let mut counts: Vec<(usize, usize)> = Vec::new();
            for c in on.iter().filter_map(|o| o.get(i).copied().flatten()) {
                match counts.iter_mut().find(|(j, _)| *j == c) {
                    Some(e) => e.1 += 1,
                    None => counts.push((c, 1)),
                }
            }
            let best = counts.iter().max_by_key(|(_, n)| *n).copied();
            match best {
                Some((j, k)) if !first.series[j].label.is_empty() => {
                    let mut drawn = s.clone();
                    look::separate_series(&mut drawn, &first.series[j]);
                    (
                        format!(
                            "{} (on {} in {k}/{} panels)",
                            s.label,
                            first.series[j].label,
                            curves.len()
                        ),
                        s.color,
                        Some(drawn.look()),
                    )
                }
                _ => (s.label.clone(), s.color, Some(s.look())),
            }
        })
        .collect()
}

/// Width of one shared-legend column (pixels): room for the longest entry.
fn legend_column(fig: &Figure) -> u32 {
    legend_entries(fig)
        .iter()
        .map(|(l, _, _)| style::text_width(l, style::LEGEND) + style::SWATCH + 50)
        .max()
        .unwrap_or(1)
}

fn legend_per_row(fig: &Figure) -> u32 {
    (style::figure_width(fig.cols) / legend_column(fig)).max(1)
}

static FONT: Once = Once::new();

fn register_font() {
    FONT.call_once(|| {
        // DejaVu Sans is valid OpenType: registration cannot fail on it.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

/// Tick label: plain decimals in [1e-3, 1e4), otherwise `1e-6` style.
pub fn tick_label(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e4).contains(&a) {
        let s = format!("{v:.0e}");
        // Keep a mantissa digit only where it carries information.
        if (s.parse::<f64>().unwrap_or(v) - v).abs() <= 1e-9 * a {
            s
        } else {
            format!("{v:.1e}")
        }
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

/// The runs of consecutive points that carry a band: `(x, low, high)` with
/// a finite x (positive on a log axis) and a finite high end; any other
/// point ends a run (the band has a gap there). Never an empty run.
pub fn band_runs(
    points: &[(f64, f64)],
    band: &[(f64, f64)],
    x_log: bool,
) -> Vec<Vec<(f64, f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
    for (p, b) in points.iter().zip(band) {
        if p.0.is_finite() && (!x_log || p.0 > 0.0) && b.1.is_finite() {
            if let Some(last) = runs.last_mut() {
                last.push((p.0, b.0, b.1));
            }
        } else if runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn usable(p: &(f64, f64), x_log: bool, y_log: bool) -> bool {
    p.0.is_finite() && p.1.is_finite() && (!x_log || p.0 > 0.0) && (!y_log || p.1 > 0.0)
}

fn axis_range(values: impl Iterator<Item = f64>, log: bool) -> Range<f64> {
    let Some((lo, hi)) = axes::finite_extent(values) else {
        return if log { 0.1..10.0 } else { 0.0..1.0 };
    };
    if log {
        // Fitted to the data (no empty decade), a little beyond it.
        axes::log_range(lo, hi, 0.04, 0.04)
    } else {
        axes::linear_range(lo, hi, 0.06)
    }
}

/// Draw `fig` to `stem.png` and `stem.svg`; returns the two paths.
///
/// # Errors
/// [`PlotError::EmptyFigure`], [`PlotError::Draw`], [`PlotError::Io`].
pub fn write_figure(fig: &Figure, stem: &Path) -> Result<Vec<PathBuf>, PlotError> {
    if fig.panels.is_empty() || fig.rows == 0 || fig.cols == 0 {
        return Err(PlotError::EmptyFigure(fig.title.clone()));
    }
    register_font();
    let (pw, ph) = panel_px(fig);
    let layout = layout(fig).map_err(|message| PlotError::Draw {
        path: stem.with_extension("png"),
        message,
    })?;
    let strips: u32 = layout.strips.iter().sum();
    let size = (
        pw * fig.cols as u32,
        ph * fig.rows as u32 + title_height(fig) + legend_rows(fig) * LEGEND_ROW + strips,
    );
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    // The temporary keeps the final extension: the bitmap encoder picks the
    // format from it.
    let tmp_png = temp_beside(&png).with_extension("tmp.png");
    let tmp_svg = temp_beside(&svg).with_extension("tmp.svg");
    let draw_err = |path: &Path| {
        let path = path.to_path_buf();
        move |message: String| PlotError::Draw { path, message }
    };
    let result = (|| {
        {
            let root = glyphs::Glyphs::new(BitMapBackend::new(&tmp_png, size)).into_drawing_area();
            draw_figure(&root, fig, &layout).map_err(draw_err(&png))?;
            root.present().map_err(|e| draw_err(&png)(e.to_string()))?;
        }
        {
            let root = SVGBackend::new(&tmp_svg, size).into_drawing_area();
            draw_figure(&root, fig, &layout).map_err(draw_err(&svg))?;
            root.present().map_err(|e| draw_err(&svg)(e.to_string()))?;
        }
        for (tmp, dst) in [(&tmp_png, &png), (&tmp_svg, &svg)] {
            std::fs::rename(tmp, dst).map_err(|source| PlotError::Io {
                path: dst.clone(),
                source,
            })?;
        }
        Ok(vec![png.clone(), svg.clone()])
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_png);
        let _ = std::fs::remove_file(&tmp_svg);
    }
    result
}

/// Draw `fig` like [`write_figure`], except that a figure that cannot be
/// drawn (an empty figure, a drawing error, or a panic inside the plotting
/// library) is skipped with a warning on stderr naming it and the cause:
/// figures never decide whether a run ends, the numbers are still written.
/// Only a failure to move a finished file into place (an OS error the
/// tables would meet too) is returned.
///
/// # Errors
/// [`PlotError::Io`].
pub fn write_figure_or_skip(fig: &Figure, stem: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write_figure(fig, stem)));
    let cause = match drawn {
        Ok(Ok(paths)) => return Ok(paths),
        Ok(Err(e @ PlotError::Io { .. })) => return Err(e),
        Ok(Err(e)) => e.to_string(),
        Err(panic) => {
            for ext in ["png", "svg"] {
                let path = stem.with_extension(ext);
                let _ =
                    std::fs::remove_file(temp_beside(&path).with_extension(format!("tmp.{ext}")));
            }
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "the plotting library panicked".into())
        }
    };
    eprintln!(
        "warning: figure {} ('{}') skipped, the numbers are still written: {cause}",
        stem.display(),
        fig.title
    );
    Ok(Vec::new())
}

/// The shared legend: each series of the first panel drawn as on the data
/// (line, dashes, marker) with its label, left to right in rows.
fn draw_legend_strip<DB: DrawingBackend>(
    strip: &DrawingArea<DB, plotters::coord::Shift>,
    fig: &Figure,
) -> Result<(), String> {
    let grid = EntryGrid {
        x0: style::MARGIN as i32,
        column: legend_column(fig) as i32,
        per_row: legend_per_row(fig) as usize,
    };
    draw_entries(strip, &legend_entries(fig), grid)
}

/// Where legend entries go in a strip: the first column's left edge, the
/// column width and the columns per row (pixels).
#[derive(Debug, Clone, Copy)]
struct EntryGrid {
    x0: i32,
    column: i32,
    per_row: usize,
}

/// Legend entries in rows of `grid.per_row` columns: each drawn as on the
/// data (a box swatch for bars and boxes) with its label.
fn draw_entries<DB: DrawingBackend>(
    strip: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[LegendEntry],
    grid: EntryGrid,
) -> Result<(), String> {
    let e = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let per_row = grid.per_row.max(1);
    for (k, (label, ci, look)) in entries.iter().enumerate() {
        let (col, row) = ((k % per_row) as i32, (k / per_row) as i32);
        let (x, y) = (
            grid.x0 + col * grid.column,
            row * LEGEND_ROW as i32 + LEGEND_ROW as i32 / 2,
        );
        match look {
            None => {
                let h = style::LEGEND as i32 / 2;
                strip
                    .draw(&Rectangle::new(
                        [(x + 10, y - h), (x + style::SWATCH as i32 - 10, y + h)],
                        color(*ci).mix(0.6).filled(),
                    ))
                    .map_err(e)?;
            }
            Some(look) => strip.draw(&look.swatch((x, y))).map_err(e)?,
        }
        strip
            .draw(&Text::new(
                label.clone(),
                (x + style::SWATCH as i32 + 14, y - style::LEGEND as i32 / 2),
                ("sans-serif", style::LEGEND),
            ))
            .map_err(e)?;
    }
    Ok(())
}

/// A curve panel as it is drawn: coinciding series separated
/// ([`look::separate`]), its x range, and where its legend and notes go
/// ([`legend::place_in_area`], which also gives the y range).
struct Placed {
    panel: Panel,
    xr: Range<f64>,
    plot: (i32, i32),
    place: legend::LegendPlacement,
}

/// A figure's layout, computed once per figure and shared by the PNG, the
/// SVG and [`covered_marks`]: each curve panel's placement (`None` for bar,
/// box and heat-map panels), each panel's legend entries drawn below it,
/// and the strip height under each row of panels.
struct Layout {
    placed: Vec<Option<Placed>>,
    below: Vec<Vec<LegendEntry>>,
    strips: Vec<u32>,
}

/// A curve panel placed in a cell of `cell` pixels (`None` for bar, box
/// and heat-map panels). `shared`: the figure has a shared legend strip.
fn place_panel(panel: &Panel, cell: (u32, u32), shared: bool) -> Result<Option<Placed>, String> {
    if panel.bars.is_some() || panel.boxes.is_some() || panel.heatmap.is_some() {
        return Ok(None);
    }
    let (xr, yr) = panel_ranges(panel);
    // Series lying on earlier ones are drawn so both show, and say so in
    // the panel's legend (the shared legend says it for the figure).
    let drawn = look::separate(panel, &xr, &yr, !shared);
    let plot = legend::plot_size(&drawn, cell)?;
    let place = legend::place_in_area(&drawn, &xr, yr, plot);
    Ok(Some(Placed {
        panel: drawn,
        xr,
        plot,
        place,
    }))
}

/// The entries of a panel's legend drawn below it ([`LegendPosition::Below`]):
/// a curve panel's when its placement put it there, a bar panel's always
/// (no band above the bars for it); empty otherwise. Box plots and heat
/// maps keep theirs.
fn below_entries(panel: &Panel, placed: Option<&Placed>) -> Vec<LegendEntry> {
    if panel.legend == LegendPosition::None {
        return Vec::new();
    }
    if let Some(b) = &panel.bars {
        return b
            .groups
            .iter()
            .filter(|g| !g.label.is_empty())
            .map(|g| (g.label.clone(), g.color, None))
            .collect();
    }
    let Some(p) = placed.filter(|p| p.place.position == LegendPosition::Below) else {
        return Vec::new();
    };
    p.panel
        .series
        .iter()
        .filter(|s| {
            !s.label.is_empty()
                && s.points
                    .iter()
                    .any(|q| usable(q, p.panel.x_log, p.panel.y_log))
        })
        .map(|s| (s.label.clone(), s.color, Some(s.look())))
        .collect()
}

/// The grid of a below-panel legend of `entries` in a cell `width` pixels
/// wide: aligned with the plotting area when the columns fit beside the y
/// axis' labels, else from the cell's margin.
fn below_grid(entries: &[LegendEntry], width: u32) -> EntryGrid {
    let column = entries
        .iter()
        .map(|(l, _, _)| style::text_width(l, style::LEGEND) + style::SWATCH + 50)
        .max()
        .unwrap_or(1);
    let inset = style::MARGIN + style::Y_LABEL_AREA;
    let x0 = if column + inset + style::MARGIN <= width {
        inset
    } else {
        style::MARGIN
    };
    EntryGrid {
        x0: x0 as i32,
        column: column as i32,
        per_row: (width.saturating_sub(x0 + style::MARGIN) / column).max(1) as usize,
    }
}

/// Height of the strip a below-panel legend of `entries` takes in a cell
/// `width` pixels wide (0 without entries).
fn below_height(entries: &[LegendEntry], width: u32) -> u32 {
    if entries.is_empty() {
        return 0;
    }
    let grid = below_grid(entries, width);
    (entries.len().div_ceil(grid.per_row) as u32) * LEGEND_ROW + 16
}

/// The layout of `fig` (see [`Layout`]).
fn layout(fig: &Figure) -> Result<Layout, String> {
    let cell = panel_px(fig);
    let placed = fig
        .panels
        .iter()
        .map(|p| place_panel(p, cell, fig.shared_legend))
        .collect::<Result<Vec<_>, _>>()?;
    let below: Vec<Vec<LegendEntry>> = fig
        .panels
        .iter()
        .zip(&placed)
        .map(|(p, pl)| below_entries(p, pl.as_ref()))
        .collect();
    // Under each row, the tallest of its panels' below-panel legends.
    let strips = (0..fig.rows)
        .map(|r| {
            below
                .iter()
                .skip(r * fig.cols)
                .take(fig.cols)
                .map(|e| below_height(e, cell.0))
                .max()
                .unwrap_or(0)
        })
        .collect();
    Ok(Layout {
        placed,
        below,
        strips,
    })
}

/// For each panel of `fig`, how many of its data marks (markers and line
/// samples, [`legend::data_marks`]) its legend box and its notes cover as
/// drawn: the placement [`write_figure`] makes, replayed. 0 for a legend
/// below the panel, a shared legend strip, and bar, box and heat-map panels
/// (their legends are outside the bars and boxes by construction), and for
/// every panel of a figure that cannot be laid out (it is not drawn). The
/// check behind "a legend never covers data" on every figure the crate draws.
pub fn covered_marks(fig: &Figure) -> Vec<usize> {
    let Ok(layout) = layout(fig) else {
        return vec![0; fig.panels.len()];
    };
    layout
        .placed
        .iter()
        .map(|placed| {
            let Some(Placed {
                panel,
                xr,
                plot,
                place,
            }) = placed
            else {
                return 0;
            };
            let data = legend::data_marks(panel, xr, &place.y_range, *plot);
            let mut boxes = Vec::new();
            if !matches!(place.position, LegendPosition::None | LegendPosition::Below) {
                if let Some(size) = legend::legend_size(panel) {
                    boxes.push(match place.offset {
                        Some((x0, y0)) => legend::Rect {
                            x0,
                            y0,
                            x1: x0 + size.0,
                            y1: y0 + size.1,
                        },
                        None => legend::legend_rect(place.position, size, *plot),
                    });
                }
            }
            if !panel.annotations.is_empty() {
                boxes.push(legend::notes_rect(&panel.annotations, place.notes, *plot));
            }
            data.iter()
                .filter(|m| boxes.iter().any(|b| b.overlaps(m, 0)))
                .count()
        })
        .collect()
}

/// The axis ranges of a curve panel before its legend is placed.
fn panel_ranges(panel: &Panel) -> (Range<f64>, Range<f64>) {
    let pts = panel
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|p| usable(p, panel.x_log, panel.y_log));
    (
        axis_range(pts.clone().map(|p| p.0), panel.x_log),
        axis_range(pts.map(|p| p.1), panel.y_log),
    )
}

fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    fig: &Figure,
    layout: &Layout,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (top, body) = root.split_vertically(title_height(fig));
    let (w, _) = top.dim_in_pixel();
    let font = ("sans-serif", style::FIGURE_TITLE).into_font();
    for (k, line) in title_lines(fig).iter().enumerate() {
        let x = (w as i32 - style::text_width(line, style::FIGURE_TITLE) as i32) / 2;
        top.draw(&Text::new(
            line.clone(),
            (x.max(4), 20 + k as i32 * (style::FIGURE_TITLE as i32 + 10)),
            font.clone(),
        ))
        .map_err(|e| e.to_string())?;
    }
    let (strip, body) = body.split_vertically(legend_rows(fig) * LEGEND_ROW);
    if fig.shared_legend {
        draw_legend_strip(&strip, fig)?;
    }
    // Rows of panels, each with the strip of its below-panel legends.
    let (_, ph) = panel_px(fig);
    let mut areas = Vec::new();
    let mut strip_areas = Vec::new();
    let mut rest = body;
    for strip_h in &layout.strips {
        let (row, after) = rest.split_vertically(ph + strip_h);
        rest = after;
        for cell in row.split_evenly((1, fig.cols)) {
            let (chart, strip) = cell.split_vertically(ph);
            areas.push(chart);
            strip_areas.push(strip);
        }
    }
    for (k, (area, panel)) in areas.iter().zip(&fig.panels).enumerate() {
        let entries = &layout.below[k];
        if !entries.is_empty() {
            let (w, _) = strip_areas[k].dim_in_pixel();
            let strip = strip_areas[k].margin(8, 0, 0, 0);
            draw_entries(&strip, entries, below_grid(entries, w))?;
        }
        if let Some(b) = &panel.bars {
            let legend = if entries.is_empty() {
                LegendPosition::None
            } else {
                LegendPosition::Below
            };
            let panel = Panel {
                legend,
                ..panel.clone()
            };
            bars::draw_bars(area, &panel, b)?;
            continue;
        }
        if let Some(b) = &panel.boxes {
            boxplot::draw_box_panel(area, panel, b)?;
            continue;
        }
        if let Some(map) = &panel.heatmap {
            heatmap::draw_heatmap(area, &panel.title, map)?;
            continue;
        }
        let Some(Placed {
            panel, xr, place, ..
        }) = &layout.placed[k]
        else {
            continue;
        };
        let xr = xr.clone();
        let at = match place.offset {
            Some((x, y)) => SeriesLabelPosition::Coordinate(x, y),
            None => legend::series_label_position(place.position),
        };
        let yr = place.y_range.clone();
        let panel = &Panel {
            legend: place.position,
            ..panel.clone()
        };
        let ranges = (xr.clone(), yr.clone());
        let xs: Vec<f64> = panel
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|p| usable(p, panel.x_log, panel.y_log))
            .map(|p| p.0)
            .collect();
        // Decade labels no closer than the plotting area holds apart.
        let (aw, ah) = area.dim_in_pixel();
        let plot_w = aw.saturating_sub(2 * style::MARGIN + style::Y_LABEL_AREA);
        let plot_h =
            ah.saturating_sub(2 * style::MARGIN + style::X_LABEL_AREA + style::PANEL_TITLE);
        let x_axis =
            |r: &Range<f64>| axes::log_axis_at(r, &xs, axes::min_label_gap(r, plot_w, true));
        let y_axis =
            |r: &Range<f64>| axes::log_axis_fitting(r, axes::min_label_gap(r, plot_h, false));
        match (panel.x_log, panel.y_log) {
            (false, false) => draw_panel(area, panel, xr, yr, ranges, at, place.notes),
            (true, false) => draw_panel(area, panel, x_axis(&xr), yr, ranges, at, place.notes),
            (false, true) => draw_panel(area, panel, xr, y_axis(&yr), ranges, at, place.notes),
            (true, true) => draw_panel(
                area,
                panel,
                x_axis(&xr),
                y_axis(&yr),
                ranges,
                at,
                place.notes,
            ),
        }?;
    }
    Ok(())
}

/// A curve panel's title drawn at the top of `area`, and the area left
/// under it for the chart: 9 pt, or 8 pt when wider than the panel, and
/// then broken into lines that fit; the gap under it leaves room for the
/// half of the top tick label that stands above the plotting area, so the
/// two never touch.
fn titled_body<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel,
) -> Result<DrawingArea<DB, plotters::coord::Shift>, String> {
    if panel.title.is_empty() {
        return Ok(area.clone());
    }
    let (family, size) = style::panel_title_font(&panel.title, area);
    let (w, h) = area.dim_in_pixel();
    let lines = style::wrap(&panel.title, size, w.saturating_sub(2 * style::MARGIN));
    let line_h = size + 6;
    for (k, line) in lines.iter().enumerate() {
        let x = (w as i32 - style::text_width(line, size) as i32) / 2;
        area.draw(&Text::new(
            line.clone(),
            (x.max(0), style::MARGIN as i32 + k as i32 * line_h as i32),
            (family, size),
        ))
        .map_err(|e| e.to_string())?;
    }
    let top = style::MARGIN + lines.len() as u32 * line_h + style::TICK / 2 + 8;
    Ok(area.clone().shrink((0, top), (w, h.saturating_sub(top))))
}

/// The chart of a curve panel under its title ([`titled_body`]): margins
/// and axis label areas, the y one wide enough for category names (one
/// place, so that [`legend`] measures the plotting area it draws in).
fn chart_builder<'a, 'b, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel,
) -> ChartBuilder<'a, 'b, DB> {
    let names = panel
        .y_categories
        .iter()
        .map(|c| style::text_width(c, style::TICK) + style::AXIS_LABEL + 50)
        .max()
        .unwrap_or(0);
    let mut b = ChartBuilder::on(body);
    b.margin(style::MARGIN)
        .margin_top(if panel.title.is_empty() {
            style::MARGIN
        } else {
            0
        })
        // Room for half of a last x label centred on the axis' end ("1e12"
        // in the last column was cut at the canvas' edge).
        .margin_right(style::MARGIN + style::TICK * 3 / 4)
        .x_label_area_size(style::X_LABEL_AREA)
        .y_label_area_size(names.max(style::Y_LABEL_AREA));
    b
}

/// The axis labels' font size: 9 pt, or 8 pt when a label at 9 pt is
/// longer than its axis (plotters centres it on the plotting area on one
/// line, so a longer one is cut at the canvas' edge).
fn axis_label_size<DB: DrawingBackend, CT: CoordTranslate>(
    panel: &Panel,
    plot: &DrawingArea<DB, CT>,
) -> u32 {
    let (w, h) = plot.dim_in_pixel();
    let fits = |label: &str, len: u32| style::text_width(label, style::AXIS_LABEL) <= len;
    if fits(&panel.x_label, w) && fits(&panel.y_label, h) {
        style::AXIS_LABEL
    } else {
        style::TICK
    }
}

fn draw_panel<'a, DB, X, Y>(
    area: &'a DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel,
    x: X,
    y: Y,
    (xr, yr): (Range<f64>, Range<f64>),
    legend_at: SeriesLabelPosition,
    notes_at: LegendPosition,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let e = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let body = titled_body(area, panel)?;
    let mut chart = chart_builder(&body, panel)
        .build_cartesian_2d(x, y)
        .map_err(e)?;
    // Ticks within 1e-9 of the span of zero are zero (not "6e-30").
    let (span_x, span_y) = ((xr.end - xr.start).abs(), (yr.end - yr.start).abs());
    let fmt_x = move |v: &f64| {
        tick_label(if v.abs() < 1e-9 * span_x && !panel.x_log {
            0.0
        } else {
            *v
        })
    };
    let fmt_y = move |v: &f64| {
        if !panel.y_categories.is_empty() {
            // A name at each integer, nothing between.
            let i = v.round();
            return if (v - i).abs() < 1e-6 && i >= 0.0 {
                panel
                    .y_categories
                    .get(i as usize)
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            };
        }
        tick_label(if v.abs() < 1e-9 * span_y && !panel.y_log {
            0.0
        } else {
            *v
        })
    };
    // With 2n + 1 labels plotters steps by 1 or a divisor of it, so every
    // category's integer is a tick.
    // As many x labels as fit side by side ("0.0001" wide, with a gap).
    let (pw, _) = chart.plotting_area().dim_in_pixel();
    let x_labels = (pw / (style::text_width("0.0001", style::TICK) * 3 / 2)).clamp(3, 7) as usize;
    // Up to one y label per 1.8 tick heights (6 to 10): plotters takes the
    // finest round step (1, 2, 5 × 10^k) giving no more labels than asked,
    // so on a tall panel a range like 2.2–3.4 gets 2.4, 2.6, …, 3.4 rather
    // than 2.5 and 3 alone.
    let (_, ph) = chart.plotting_area().dim_in_pixel();
    let desc_size = axis_label_size(panel, chart.plotting_area());
    let y_labels = if panel.y_categories.is_empty() {
        (ph * 5 / (9 * style::TICK)).clamp(6, 10) as usize
    } else {
        2 * panel.y_categories.len() + 1
    };
    chart
        .configure_mesh()
        .x_desc(panel.x_label.as_str())
        .y_desc(panel.y_label.as_str())
        .x_label_formatter(&fmt_x)
        .y_label_formatter(&fmt_y)
        .x_labels(x_labels)
        .y_labels(y_labels)
        .label_style(("sans-serif", style::TICK))
        .axis_desc_style(("sans-serif", desc_size))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(210, 210, 210))
        .draw()
        .map_err(e)?;
    // Bands first, under every curve; a series drawn on an earlier one
    // (hollow) leaves its band to that one.
    for s in panel
        .series
        .iter()
        .filter(|s| !s.band.is_empty() && !s.hollow)
    {
        let c = color(s.color).mix(0.12);
        let clamp_y = |v: f64| {
            if !v.is_finite() || (panel.y_log && v <= 0.0) {
                yr.start
            } else {
                v.clamp(yr.start, yr.end)
            }
        };
        // A point without a finite high end is a gap: the band stops there
        // and starts again after it; a lone point is a whisker.
        for run in band_runs(&s.points, &s.band, panel.x_log) {
            let mut upper: Vec<(f64, f64)> =
                run.iter().map(|(x, _, hi)| (*x, clamp_y(*hi))).collect();
            let lower: Vec<(f64, f64)> = run
                .iter()
                .rev()
                .map(|(x, lo, _)| (*x, clamp_y(*lo)))
                .collect();
            if upper.len() >= 2 {
                upper.extend(lower);
                chart
                    .draw_series(std::iter::once(Polygon::new(upper, c.filled())))
                    .map_err(e)?;
            } else {
                let whisker = color(s.color).mix(0.35).stroke_width(style::LINE);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![upper[0], lower[0]],
                        whisker,
                    )))
                    .map_err(e)?;
            }
        }
    }
    let mut any = false;
    for s in &panel.series {
        let look = s.look();
        let stroke = look.stroke();
        // Segments between gaps.
        let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for p in &s.points {
            if usable(p, panel.x_log, panel.y_log) {
                if let Some(last) = segments.last_mut() {
                    last.push(*p);
                }
            } else if segments.last().is_some_and(|l| !l.is_empty()) {
                segments.push(Vec::new());
            }
        }
        segments.retain(|seg| !seg.is_empty());
        if segments.is_empty() {
            continue;
        }
        any = true;
        let mut labelled = false;
        let mut label_it = |anno: &mut plotters::chart::SeriesAnno<'a, DB>| {
            if !labelled && !s.label.is_empty() {
                labelled = true;
                anno.label(s.label.as_str())
                    .legend(move |(x, y)| look.swatch((x, y)));
            }
        };
        for seg in &segments {
            if look.line {
                if look.dashed {
                    let (dash, gap) = style::DASH;
                    let anno = chart
                        .draw_series(DashedLineSeries::new(
                            seg.iter().copied(),
                            dash,
                            gap,
                            stroke,
                        ))
                        .map_err(e)?;
                    label_it(anno);
                } else {
                    let anno = chart
                        .draw_series(LineSeries::new(seg.iter().copied(), stroke))
                        .map_err(e)?;
                    label_it(anno);
                }
            }
            if look.marker.is_some() {
                let anno = chart
                    .draw_series(seg.iter().map(|&p| look.marker_at(p)))
                    .map_err(e)?;
                label_it(anno);
            }
        }
    }
    if any && !matches!(panel.legend, LegendPosition::None | LegendPosition::Below) {
        legend::draw_legend(&mut chart, legend_at)?;
    }
    let mut notes = panel.annotations.clone();
    if !any {
        notes.push("no data".into());
    }
    // Notes: in the corner the placement chose (lower right without data).
    let notes_at = if any {
        notes_at
    } else {
        LegendPosition::LowerRight
    };
    let corner = match notes_at {
        LegendPosition::UpperLeft => (xr.start, yr.end),
        LegendPosition::UpperRight => (xr.end, yr.end),
        LegendPosition::LowerLeft => (xr.start, yr.start),
        _ => (xr.end, yr.start),
    };
    legend::draw_notes_at(chart.plotting_area(), corner, notes_at, &notes)?;
    Ok(())
}
