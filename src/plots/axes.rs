//! Axis ranges and key points that are safe for any finite data.
//!
//! plotters' own key-point search loops forever on a linear range whose
//! span is below the rounding step of its ends (e.g. `1e300 .. 1e300 + 1e284`)
//! or infinite, and on a log range reaching 0 or ∞; a log axis labelled at
//! every decade of `1e-300 … 1e300` would ask for 600 bold and 4 800 light
//! ticks. Every range here is built from finite data (positive on a log
//! axis), kept inside f64's normal range, wide enough relative to its ends,
//! and labelled with at most [`MAX_DECADE_TICKS`] decades.

use std::ops::Range;

use plotters::coord::combinators::{BindKeyPoints, LogCoord, WithKeyPoints};
use plotters::prelude::*;

/// The most decades labelled on a log axis: beyond, every k-th decade is.
pub const MAX_DECADE_TICKS: usize = 12;

/// Largest magnitude kept on a linear axis: the padding and the span of
/// `[-LINEAR_LIMIT, LINEAR_LIMIT]` stay finite.
const LINEAR_LIMIT: f64 = 1e300;

/// Smallest span of a linear axis relative to its largest end: plotters'
/// ticks need a span well above the ends' rounding step.
const MIN_RELATIVE_SPAN: f64 = 1e-9;

/// Decades kept on a log axis (10^-307 … 10^308 are normal f64 values).
const MIN_DECADE: f64 = -307.0;
const MAX_DECADE: f64 = 308.0;

/// The data range of the finite values in `values` (`None`: none finite).
pub fn finite_extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    (lo <= hi).then_some((lo, hi))
}

/// A linear axis range holding `[lo, hi]` with `pad` of its span added on
/// each side: ends clamped to ±1e300, a span at least 1e-9 of the larger
/// end (and positive), so plotters' ticks are finite and few.
pub fn linear_range(lo: f64, hi: f64, pad: f64) -> Range<f64> {
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return 0.0..1.0;
    }
    let (lo, hi) = (
        lo.clamp(-LINEAR_LIMIT, LINEAR_LIMIT),
        hi.clamp(-LINEAR_LIMIT, LINEAR_LIMIT),
    );
    let scale = lo.abs().max(hi.abs());
    let min_span = if scale > 0.0 {
        (scale * MIN_RELATIVE_SPAN).max(f64::MIN_POSITIVE * 1e9)
    } else {
        1.0
    };
    if hi - lo < min_span {
        // Without data spread: a tenth of the value (at least 0.1) each side.
        let mid = lo / 2.0 + hi / 2.0;
        let half = 0.1 * scale.max(1.0);
        return (mid - half)..(mid + half);
    }
    let span = hi - lo;
    (lo - pad * span)..(hi + pad * span)
}

/// A log axis range over whole decades holding the positive finite
/// `[lo, hi]`, with `pad` of its decade span added above and below, kept
/// within 10^-307 … f64::MAX.
pub fn log_range(lo: f64, hi: f64, pad_below: f64, pad_above: f64) -> Range<f64> {
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi >= lo) {
        return 0.1..10.0;
    }
    let l = lo.log10().floor().clamp(MIN_DECADE, MAX_DECADE - 1.0);
    let h = hi.log10().ceil().clamp(l + 1.0, MAX_DECADE);
    let (l, h) = (l - pad_below * (h - l), h + pad_above * (h - l));
    let start = 10f64.powf(l.max(MIN_DECADE)).max(f64::MIN_POSITIVE);
    let end = 10f64.powf(h).min(f64::MAX);
    start..end
}

/// The decades 10^k labelled on a log axis over `r` (every `step`-th one
/// when more than [`MAX_DECADE_TICKS`] are in range), and whether the light
/// lines at 2…9 × each decade are drawn (only when every decade is labelled).
pub fn decade_ticks(r: &Range<f64>) -> (Vec<f64>, Vec<f64>) {
    let (s, e) = (r.start.max(f64::MIN_POSITIVE), r.end.min(f64::MAX));
    if !(s.is_finite() && e.is_finite() && s < e) {
        return (Vec::new(), Vec::new());
    }
    let lo = s.log10().ceil().clamp(MIN_DECADE, MAX_DECADE) as i32;
    let hi = e.log10().floor().clamp(MIN_DECADE, MAX_DECADE) as i32;
    if hi < lo {
        return (Vec::new(), Vec::new());
    }
    let count = (hi - lo + 1) as usize;
    let step = count.div_ceil(MAX_DECADE_TICKS).max(1);
    let parse = |m: i32, k: i32| format!("{m}e{k}").parse::<f64>().unwrap_or(f64::NAN);
    let bold: Vec<f64> = (lo..=hi)
        .step_by(step)
        .map(|k| parse(1, k))
        .filter(|v| r.contains(v))
        .collect();
    let light: Vec<f64> = if step == 1 {
        (lo - 1..=hi)
            .flat_map(|k| (2..10).map(move |m| parse(m, k)))
            .filter(|v| r.contains(v))
            .collect()
    } else {
        Vec::new()
    };
    (bold, light)
}

/// A log axis over `r` labelled at the decades of [`decade_ticks`]
/// (plotters' own choice can skip the end decades, and loops on extreme
/// ranges). `r` must be positive and finite ([`log_range`] makes one).
pub fn log_axis(r: &Range<f64>) -> WithKeyPoints<LogCoord<f64>> {
    let r = if r.start > 0.0 && r.start < r.end && r.end.is_finite() {
        r.clone()
    } else {
        0.1..10.0
    };
    let (bold, light) = decade_ticks(&r);
    r.log_scale().with_key_points(bold).with_light_points(light)
}
