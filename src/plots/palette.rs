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

/// Palette colour `i`: the 15 colours above (repeating after the 15th),
/// except the indices [`RAMP`] … `RAMP + RAMP_STEPS − 1`, which are the
/// sequential ramp ([`ramp`]).
pub fn color(i: usize) -> RGBColor {
    match i.checked_sub(RAMP) {
        Some(step) if step < RAMP_STEPS => ramp_rgb(step as f64 / (RAMP_STEPS - 1) as f64),
        _ => PALETTE[i % PALETTE.len()],
    }
}

/// The first palette index of the sequential ramp: indices `RAMP + s`,
/// `s < RAMP_STEPS`, are [`ramp`]`(s / (RAMP_STEPS − 1))`. Far above the
/// 15 listed colours, so no caller's index reaches it by accident.
pub const RAMP: usize = 1 << 20;

/// Steps of the ramp (its indices are `RAMP … RAMP + RAMP_STEPS − 1`).
pub const RAMP_STEPS: usize = 256;

/// Viridis (matplotlib's perceptually uniform, colour-blind-safe map) at
/// t = 0, 1/8, …, 1; [`ramp`] uses t in 0 … [`RAMP_END`] of it.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 82, 139),
    (44, 113, 142),
    (33, 145, 140),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The part of viridis the ramp runs over: its last, yellow, eighth does
/// not read on white.
const RAMP_END: f64 = 0.85;

/// The ramp's colour at `t` in 0 … 1 (clamped; NaN is 0): viridis from
/// dark violet to green, interpolated linearly between its ninths.
fn ramp_rgb(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) } * RAMP_END;
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + f * (f64::from(b) - f64::from(a))).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The palette index of the sequential ramp at `t` in 0 … 1 (clamped; NaN
/// is 0): dark violet at 0, through blue and teal, to green at 1. For an
/// ordered quantity with too many values for distinct colours (IsoFLOP
/// budgets): colour-blind safe, never black nor the reference grey.
pub fn ramp(t: f64) -> usize {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    RAMP + (t * (RAMP_STEPS - 1) as f64).round() as usize
}

/// The most budgets coloured with distinct palette colours
/// ([`budget_color`]); more are coloured along the ramp ([`budget_colors`]).
pub const MAX_DISTINCT_BUDGETS: usize = 10;

/// Budgets that get a legend entry when the ramp colours them
/// ([`budget_in_legend`]).
pub const RAMP_LEGEND_ENTRIES: usize = 6;

/// The palette indices of `n` budgets in increasing order: distinct
/// colours ([`budget_color`]) for at most [`MAX_DISTINCT_BUDGETS`], else
/// the ramp from its dark end (smallest budget) to its light end (largest),
/// evenly in budget order.
pub fn budget_colors(n: usize) -> Vec<usize> {
    if n <= MAX_DISTINCT_BUDGETS {
        (0..n).map(budget_color).collect()
    } else {
        (0..n).map(|k| ramp(k as f64 / (n - 1) as f64)).collect()
    }
}

/// Whether budget `k` of `n` gets a legend entry: every one with distinct
/// colours; on the ramp, [`RAMP_LEGEND_ENTRIES`] evenly spaced ones, the
/// first and the last included.
pub fn budget_in_legend(k: usize, n: usize) -> bool {
    if n <= MAX_DISTINCT_BUDGETS {
        return k < n;
    }
    let m = RAMP_LEGEND_ENTRIES;
    (0..m).any(|i| (i * (n - 1) + (m - 1) / 2) / (m - 1) == k)
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
