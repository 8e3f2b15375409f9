//! The colours of every figure, and the fixed colour of each fitting method
//! (the same method has the same colour in every experiment's figures;
//! surfaces and biases have theirs in `experiments::sweep`).

use plotters::style::RGBColor;

/// The Okabe–Ito colour-blind-safe colours (yellow left out: it does not
/// read on white), then seven more distinct ones for figures with many
/// curves, then the
/// grey of reference lines.
const PALETTE: [RGBColor; 15] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(127, 127, 127),
    RGBColor(140, 86, 75),
    RGBColor(148, 103, 189),
    RGBColor(188, 189, 34),
    RGBColor(214, 39, 40),
    RGBColor(85, 107, 47),
    RGBColor(102, 0, 102),
    RGBColor(150, 150, 150),
];

/// A neutral grey for reference lines (floors, zero), no method's colour.
pub const REFERENCE: usize = 14;

/// Black: marked points (optima, vertices) drawn over coloured curves.
pub const BLACK: usize = 6;

/// The palette index of the `k`-th curve of a sequence (IsoFLOP budgets):
/// the palette in order without [`BLACK`] and [`REFERENCE`], so that
/// points marked in black stand apart from every curve.
pub fn budget_color(k: usize) -> usize {
    let usable: Vec<usize> = (0..PALETTE.len())
        .filter(|&i| i != BLACK && i != REFERENCE)
        .collect();
    usable[k % usable.len()]
}

/// Palette colour `i` (colours repeat after the 15th).
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The methods with a fixed colour, by the label their fitter gives them
/// (`SurfaceMethod::label`, "approach2", "approach2-corrected"), and the
/// palette index of each. Every method an experiment draws is here, so no
/// two methods of one figure share a colour.
pub const METHOD_COLORS: [(&str, usize); 13] = [
    ("approach2", 0),
    ("approach3-rss", 1),
    ("vpnls-lm", 2),
    ("approach2-corrected", 3),
    ("approach3-log-loss", 4),
    ("vpnls-lbfgsb-3-point", 5),
    ("vpnls-nelder-mead", 6),
    ("vpnls-lbfgsb-analytic-scipy-defaults", 7),
    ("approach3-rss-random-log-uniform", 8),
    ("vpnls-lbfgsb-analytic", 9),
    ("vpnls-grid", 10),
    ("approach3-rss-random", 11),
    ("approach3-log-loss-fd-3-point", 12),
];

/// The palette index of a fitting method by its label: the same colour in
/// every figure. A label not in [`METHOD_COLORS`] gets the last palette
/// colour not given to a listed method.
pub fn method_color(label: &str) -> usize {
    METHOD_COLORS
        .iter()
        .find(|(l, _)| *l == label)
        .map_or(13, |&(_, c)| c)
}
