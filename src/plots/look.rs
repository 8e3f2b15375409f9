//! How a series looks, drawn the same way on the data and in its legend
//! swatch (a dashed series has a dashed swatch, a line with markers shows
//! both), and which series of a panel lie on top of an earlier one.

use std::ops::Range;

use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters_backend::{BackendCoord, DrawingErrorKind};

use super::{color, legend::to_pixel, style, usable, Marker, Panel};

/// Colour, line and marker of a series ([`super::Series::look`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// Palette index.
    pub color: usize,
    /// Opacity 0 … 1.
    pub opacity: f64,
    /// A line is drawn.
    pub line: bool,
    /// The line is dashed.
    pub dashed: bool,
    /// Markers of this shape are drawn.
    pub marker: Option<Marker>,
    /// Marker radius (pixels).
    pub radius: u32,
    /// Markers are outlines, transparent inside.
    pub hollow: bool,
    /// Line width (pixels).
    pub width: u32,
}

impl Look {
    /// The line's colour and width.
    pub fn stroke(&self) -> ShapeStyle {
        ShapeStyle {
            color: color(self.color).mix(self.opacity.clamp(0.0, 1.0)),
            filled: false,
            stroke_width: self.width,
        }
    }

    /// The marker of this look at `at` (data markers).
    pub fn marker_at<C>(&self, at: C) -> Glyph<C> {
        Glyph {
            at,
            look: *self,
            swatch: false,
        }
    }

    /// The legend swatch with its left end at `(x, y)`: the line (dashed as
    /// on the data) and the marker in its middle.
    pub fn swatch(&self, at: (i32, i32)) -> Glyph<(i32, i32)> {
        Glyph {
            at,
            look: *self,
            swatch: true,
        }
    }
}

/// A marker or a legend swatch of a [`Look`], drawn at one point.
#[derive(Debug, Clone, Copy)]
pub struct Glyph<C> {
    at: C,
    look: Look,
    swatch: bool,
}

impl<'b, C> PointCollection<'b, C> for &'b Glyph<C> {
    type Point = &'b C;
    type IntoIter = std::iter::Once<&'b C>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<C, DB: DrawingBackend> Drawable<DB> for Glyph<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x, y)) = pos.next() else {
            return Ok(());
        };
        let look = &self.look;
        let c = color(look.color).mix(look.opacity.clamp(0.0, 1.0));
        let mut centre = (x, y);
        if self.swatch {
            let len = style::SWATCH as i32;
            centre = (x + len / 2, y);
            if look.line {
                let dashes: Vec<(i32, i32)> = if look.dashed {
                    let d = len / 4;
                    vec![(0, d), (len / 2 - d / 2, len / 2 + d / 2), (len - d, len)]
                } else {
                    vec![(0, len)]
                };
                for (a, b) in dashes {
                    backend.draw_line((x + a, y), (x + b, y), &look.stroke())?;
                }
            }
        }
        let Some(shape) = look.marker else {
            return Ok(());
        };
        let pts: Vec<BackendCoord> = shape
            .outline(look.radius as i32)
            .into_iter()
            .map(|(a, b)| (centre.0 + a, centre.1 + b))
            .collect();
        if !look.hollow {
            backend.fill_polygon(pts.iter().copied(), &c.filled())?;
        }
        let mut ring = pts.clone();
        ring.push(pts[0]);
        let outline = ShapeStyle {
            color: c,
            filled: false,
            stroke_width: if look.hollow { style::THIN } else { 1 },
        };
        backend.draw_path(ring, &outline)
    }
}

/// How close (as a share of each axis) two points must be to coincide.
pub const COINCIDE: f64 = 0.012;

/// For each series of `panel`, the earlier series it lies on (every usable
/// point within [`COINCIDE`] of the axis spans of the earlier series' point
/// of the same index, both with the same number of points, at least one),
/// drawn with axes `xr`, `yr`.
pub fn coincidences(panel: &Panel, xr: &Range<f64>, yr: &Range<f64>) -> Vec<Option<usize>> {
    let frac = |p: &(f64, f64)| {
        (
            to_pixel(p.0, xr, panel.x_log, 1_000_000) / 1e6,
            to_pixel(p.1, yr, panel.y_log, 1_000_000) / 1e6,
        )
    };
    let pts: Vec<Vec<(f64, f64)>> = panel
        .series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .filter(|p| usable(p, panel.x_log, panel.y_log))
                .map(frac)
                .collect()
        })
        .collect();
    (0..pts.len())
        .map(|i| {
            (0..i).find(|&j| {
                !pts[i].is_empty()
                    && pts[i].len() == pts[j].len()
                    && panel.series[j].kind == panel.series[i].kind
                    && pts[i].iter().zip(&pts[j]).all(|(a, b)| {
                        (a.0 - b.0).abs() <= COINCIDE && (a.1 - b.1).abs() <= COINCIDE
                    })
            })
        })
        .collect()
}

/// `panel` with every series that lies on an earlier one drawn so that both
/// show (a thinner line, hollow and larger markers, a different marker
/// shape) and, when `label` is set, its legend entry saying so.
pub fn separate(panel: &Panel, xr: &Range<f64>, yr: &Range<f64>, label: bool) -> Panel {
    let on = coincidences(panel, xr, yr);
    let mut out = panel.clone();
    for (i, j) in on.iter().enumerate() {
        let Some(j) = *j else { continue };
        let below = panel.series[j].clone();
        let s = &mut out.series[i];
        separate_series(s, &below);
        if label && !s.label.is_empty() && !below.label.is_empty() {
            s.label = format!("{} (on {})", s.label, below.label);
        }
    }
    out
}

/// Draw `s` so that `below`, under it, still shows.
pub fn separate_series(s: &mut super::Series, below: &super::Series) {
    s.width = style::THIN.min(below.look().width.saturating_sub(2)).max(1);
    s.hollow = true;
    s.marker_size = s.marker_size.max(below.marker_size) + 2;
    if s.marker == below.marker {
        s.marker = match below.marker {
            Marker::Circle => Marker::Square,
            _ => Marker::Circle,
        };
    }
}
