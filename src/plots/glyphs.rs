//! Text on bitmaps with each glyph at its place.
//!
//! plotters 0.3.7 rasterises text with `ab_glyph` but draws each glyph's
//! pixels from the left edge of the glyph's ink box, dropping its left side
//! bearing: a narrow glyph with a wide bearing ("1", "i", "l") sits at the
//! left of its advance and leaves a gap after it ("1e10" reads "1 e10",
//! "tokens" reads "token s"). [`Glyphs`] wraps a bitmap backend and draws
//! text itself with the bearing kept; everything else goes to the wrapped
//! backend unchanged. The text's layout box (and so every anchor and width
//! the figures compute) is plotters' own: advances plus kerning.

use ab_glyph::{Font, FontRef, ScaleFont};
use plotters_backend::{
    text_anchor::{HPos, VPos},
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// A backend whose text keeps every glyph's left side bearing.
pub struct Glyphs<DB> {
    inner: DB,
    font: Option<FontRef<'static>>,
}

impl<DB> Glyphs<DB> {
    /// `inner` with its text drawn in the figures' font (DejaVu Sans).
    pub fn new(inner: DB) -> Self {
        Self {
            inner,
            font: FontRef::try_from_slice(dejavu::sans::regular()).ok(),
        }
    }
}

/// The pixel offsets of `text`'s glyph `k`, where each glyph starts (its
/// pen position plus its left side bearing), at `size` pixels per em.
/// Glyph pixels are `(x, y, coverage)` with the pen at 0 and the text's top
/// at `size / 2 + ink top`, as plotters places them.
pub fn glyph_pixels(font: &FontRef<'static>, size: f64, text: &str) -> Vec<(i32, i32, f32)> {
    let scaled = font.as_scaled(size as f32);
    let mut out = Vec::new();
    let mut pen = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        prev = Some(id);
        if let Some(q) = scaled.outline_glyph(scaled.scaled_glyph(c)) {
            let rect = q.px_bounds();
            let y_shift = ((size as f32) / 2.0 + rect.min.y) as i32;
            // The bearing plotters leaves out: the ink box's left edge.
            let x_shift = (pen + rect.min.x).round() as i32;
            q.draw(|x, y, a| out.push((x as i32 + x_shift, y as i32 + y_shift, a)));
        }
        pen += scaled.h_advance(id);
    }
    out
}

impl<DB: DrawingBackend> DrawingBackend for Glyphs<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    /// plotters' own text drawing (anchor, rotation, clipping to the
    /// canvas) with [`glyph_pixels`] in place of its glyph placement.
    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let Some(font) = self.font.clone() else {
            return self.inner.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.inner.get_size();
        for (x, y, a) in glyph_pixels(&font, style.size(), text) {
            let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                self.inner.draw_pixel((x, y), color.mix(f64::from(a)))?;
            }
        }
        Ok(())
    }
}
