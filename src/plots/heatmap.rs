//! Heat maps: a table of cells shaded by value on a log scale, from white
//! (smallest) to black (largest), each cell labelled with its text.
//!
//! A [`HeatMap`] is drawn in place of a panel's curves when the panel
//! carries one ([`super::Panel::heatmap`]).

use plotters::prelude::*;

/// A table of values to shade.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeatMap {
    /// Row labels (left of the table).
    pub rows: Vec<String>,
    /// Column labels (under the table).
    pub cols: Vec<String>,
    /// Values, row by row (`values[r][c]`); non-finite or non-positive ones
    /// are left white.
    pub values: Vec<Vec<f64>>,
    /// The text of each cell, row by row.
    pub text: Vec<Vec<String>>,
}

impl HeatMap {
    /// log10 of the smallest and largest positive finite value.
    fn log_range(&self) -> Option<(f64, f64)> {
        let logs = self
            .values
            .iter()
            .flatten()
            .filter(|v| v.is_finite() && **v > 0.0)
            .map(|v| v.log10());
        let (lo, hi) = logs.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        (lo <= hi).then_some((lo, hi))
    }

    /// Shade of a value in [0, 1] (0 white, 1 black).
    fn shade(&self, v: f64) -> Option<f64> {
        let (lo, hi) = self.log_range()?;
        if !(v.is_finite() && v > 0.0) {
            return None;
        }
        Some(if hi > lo {
            (v.log10() - lo) / (hi - lo)
        } else {
            1.0
        })
    }
}

/// Draw `map` with `title` into `area`.
pub(super) fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    map: &HeatMap,
) -> Result<(), String> {
    let e = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let area = area
        .titled(title, ("sans-serif", super::style::PANEL_TITLE))
        .map_err(e)?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let label_width = map
        .rows
        .iter()
        .map(|r| super::style::text_width(r, super::style::TICK) as i32 + 30)
        .max()
        .unwrap_or(0)
        .min(w / 2);
    let n_rows = map.rows.len().max(1) as i32;
    let n_cols = map.cols.len().max(1) as i32;
    let cell_w = ((w - label_width - 10) / n_cols).max(1);
    // Column labels wrapped to their column's width.
    let line = super::style::TICK as i32 + 6;
    let col_lines: Vec<Vec<String>> = map
        .cols
        .iter()
        .map(|c| super::style::wrap(c, super::style::TICK, (cell_w - 8).max(1) as u32))
        .collect();
    let n_lines = col_lines.iter().map(Vec::len).max().unwrap_or(1).max(1) as i32;
    let (top, bottom) = (20, n_lines * line + super::style::TICK as i32 + 20);
    let cell_h = ((h - top - bottom) / n_rows).max(1);
    let font = ("sans-serif", super::style::TICK).into_font();
    for (r, label) in map.rows.iter().enumerate() {
        let y = top + r as i32 * cell_h + cell_h / 2 - super::style::TICK as i32 / 2;
        area.draw(&Text::new(label.clone(), (6, y), font.clone()))
            .map_err(e)?;
    }
    for (c, lines) in col_lines.iter().enumerate() {
        for (k, label) in lines.iter().enumerate() {
            let x = label_width + c as i32 * cell_w + cell_w / 2
                - super::style::text_width(label, super::style::TICK) as i32 / 2;
            area.draw(&Text::new(
                label.clone(),
                (x, top + n_rows * cell_h + 16 + k as i32 * line),
                font.clone(),
            ))
            .map_err(e)?;
        }
    }
    for (r, row) in map.values.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let x0 = label_width + c as i32 * cell_w;
            let y0 = top + r as i32 * cell_h;
            let shade = map.shade(*v);
            let level = shade.map_or(255, |s| (255.0 * (1.0 - s)).round() as u8);
            area.draw(&Rectangle::new(
                [(x0, y0), (x0 + cell_w, y0 + cell_h)],
                RGBColor(level, level, level).filled(),
            ))
            .map_err(e)?;
            area.draw(&Rectangle::new(
                [(x0, y0), (x0 + cell_w, y0 + cell_h)],
                RGBColor(160, 160, 160).stroke_width(super::style::THIN),
            ))
            .map_err(e)?;
            let text = map
                .text
                .get(r)
                .and_then(|t| t.get(c))
                .cloned()
                .unwrap_or_default();
            let ink = if shade.is_some_and(|s| s > 0.5) {
                WHITE
            } else {
                BLACK
            };
            let tx =
                x0 + cell_w / 2 - super::style::text_width(&text, super::style::TICK) as i32 / 2;
            area.draw(&Text::new(
                text,
                (tx, y0 + cell_h / 2 - super::style::TICK as i32 / 2),
                font.clone().color(&ink),
            ))
            .map_err(e)?;
        }
    }
    Ok(())
}
