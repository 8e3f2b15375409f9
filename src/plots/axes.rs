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

/// A log axis range holding the positive finite `[lo, hi]`, with `pad` of
/// its decade span (at least a twentieth of a decade) added above and
/// below, kept within 10^-307 … f64::MAX. The range is fitted to the data,
/// not rounded out to whole decades: data at 8–32 gets an axis of about
/// 7–36, never 1–100 (no empty decade). [`decade_ticks`] labels it.
pub fn log_range(lo: f64, hi: f64, pad_below: f64, pad_above: f64) -> Range<f64> {
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi >= lo) {
        return 0.1..10.0;
    }
    let (l, h) = (
        lo.log10().clamp(MIN_DECADE, MAX_DECADE - 1.0),
        hi.log10().clamp(MIN_DECADE, MAX_DECADE),
    );
    // A single value (or a tiny spread) gets a quarter decade each side.
    let (l, h) = if h - l < 0.05 {
        (l - 0.25, h + 0.25)
    } else {
        (l, h)
    };
    let span = h - l;
    let (l, h) = (
        l - (pad_below * span).max(0.05),
        h + (pad_above * span).max(0.05),
    );
    let start = 10f64.powf(l.max(MIN_DECADE)).max(f64::MIN_POSITIVE);
    let end = 10f64.powf(h.min(MAX_DECADE)).min(f64::MAX);
    start..end
}

/// The fewest labels a log axis gets when its range allows: below this
/// many powers of ten in range, 1-2-5 and then every integer multiple of a
/// power of ten are labelled (data at 2–5 gets 2, 3, 4, 5).
pub const MIN_LOG_TICKS: usize = 3;

/// The labelled ticks of a log axis over `r`, and its light (unlabelled)
/// lines. Every power of ten in range is labelled (every `k`-th one when more
/// than [`MAX_DECADE_TICKS`] are), with light lines at 2…9 × each decade when
/// every decade is labelled; a range holding fewer than [`MIN_LOG_TICKS`]
/// powers of ten is labelled at 1, 3 × 10^k instead, else at 1, 2, 5 × 10^k,
/// else at every integer multiple 1…9 × 10^k (the first of these giving at
/// least [`MIN_LOG_TICKS`] labels); when even those are fewer than
/// [`MIN_FINE_TICKS`] (a range well under a decade, e.g. 2.2 … 3.4), at
/// the multiples of a round step ([`fine_ticks`]: 2, 2.5, 3, 3.5).
pub fn decade_ticks(r: &Range<f64>) -> (Vec<f64>, Vec<f64>) {
    decade_ticks_spaced(r, 0.0)
}

/// [`decade_ticks`] with labels at least `gap` decades apart (so that they
/// do not touch: [`min_label_gap`]). Powers of ten are labelled every
/// `⌈gap⌉`-th decade; of the 1-3, 1-2-5 or 1…9 labels, powers of ten are
/// kept first, then 5, 2, 3 … × 10^k, each only if `gap` from every kept
/// one; the others become light lines.
pub fn decade_ticks_spaced(r: &Range<f64>, gap: f64) -> (Vec<f64>, Vec<f64>) {
    let (bold, light) = decade_candidates(r, gap);
    if gap.is_nan() || gap <= 0.0 || bold.len() < 2 {
        return (bold, light);
    }
    let mantissa = |v: f64| {
        let m = (v / 10f64.powf(v.log10().floor())).round() as usize;
        [1, 5, 2, 3, 4, 6, 7, 8, 9]
            .iter()
            .position(|&x| x == m)
            .unwrap_or(9)
    };
    let mut by_priority = bold.clone();
    by_priority.sort_by_key(|v| mantissa(*v));
    let mut kept: Vec<f64> = Vec::new();
    for v in by_priority {
        if kept
            .iter()
            .all(|k| (v.log10() - k.log10()).abs() >= gap - 1e-12)
        {
            kept.push(v);
        }
    }
    kept.sort_by(f64::total_cmp);
    let mut light = light;
    light.extend(bold.iter().filter(|v| !kept.contains(v)));
    light.sort_by(f64::total_cmp);
    (kept, light)
}

fn decade_candidates(r: &Range<f64>, gap: f64) -> (Vec<f64>, Vec<f64>) {
    let (s, e) = (r.start.max(f64::MIN_POSITIVE), r.end.min(f64::MAX));
    if !(s.is_finite() && e.is_finite() && s < e) {
        return (Vec::new(), Vec::new());
    }
    let lo = s.log10().floor().clamp(MIN_DECADE, MAX_DECADE) as i32;
    let hi = e.log10().ceil().clamp(MIN_DECADE, MAX_DECADE) as i32;
    let parse = |m: i32, k: i32| format!("{m}e{k}").parse::<f64>().unwrap_or(f64::NAN);
    let within = |v: &f64| *v >= s && *v <= e;
    let multiples = |ms: &[i32]| -> Vec<f64> {
        (lo..=hi)
            .flat_map(|k| ms.iter().map(move |&m| (m, k)))
            .map(|(m, k)| parse(m, k))
            .filter(within)
            .collect()
    };
    let decades: Vec<f64> = (lo..=hi).map(|k| parse(1, k)).filter(within).collect();
    if decades.len() >= MIN_LOG_TICKS {
        let need = decades
            .len()
            .div_ceil(MAX_DECADE_TICKS)
            .max(if gap > 1.0 { gap.ceil() as usize } else { 1 })
            .max(1);
        // A round step (1, 2, 5, 10, 20, 50 … decades), labels at the
        // exponents it divides (1e-15 1e-10 1e-5, not 1e-17 1e-11 1e-5).
        let step = nice_step(need);
        let exponent = |v: &f64| v.log10().round() as i64;
        let aligned: Vec<f64> = decades
            .iter()
            .copied()
            .filter(|v| exponent(v).rem_euclid(step as i64) == 0)
            .collect();
        let bold: Vec<f64> = if aligned.len() >= 2 {
            aligned
        } else {
            decades.iter().copied().step_by(step).collect()
        };
        let light = if step == 1 {
            multiples(&[2, 3, 4, 5, 6, 7, 8, 9])
        } else {
            Vec::new()
        };
        return (bold, light);
    }
    let one_three = multiples(&[1, 3]);
    if one_three.len() >= MIN_LOG_TICKS {
        return (one_three, multiples(&[2, 4, 5, 6, 7, 8, 9]));
    }
    let one_two_five = multiples(&[1, 2, 5]);
    if one_two_five.len() >= MIN_LOG_TICKS {
        return (one_two_five, multiples(&[3, 4, 6, 7, 8, 9]));
    }
    let every = multiples(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    if every.len() >= MIN_FINE_TICKS {
        return (every, Vec::new());
    }
    fine_ticks(s, e, gap).unwrap_or((every, Vec::new()))
}

/// The fewest labels of a log axis spanning well under a decade: when the
/// integer multiples 1 … 9 × 10^k give fewer, [`fine_ticks`] labels it at
/// a round linear step instead (data at 2.2 … 3.4 gets 2, 2.5, 3, 3.5, not
/// 3 alone).
pub const MIN_FINE_TICKS: usize = 4;

/// The most labels [`fine_ticks`] gives.
pub const MAX_FINE_TICKS: usize = 6;

/// The labels of a short log axis over `s … e` at the multiples of a round
/// step 1, 2, 2.5 or 5 × 10^j: the finest step giving at most
/// [`MAX_FINE_TICKS`] labels, neighbours at least `gap` decades apart,
/// each printing exactly ([`super::tick_label`] reads back as the value:
/// 2.25e8 prints as 2.2e8, so that step is not used there). Light lines at
/// a fifth of the step. `None` when no step gives two such labels.
fn fine_ticks(s: f64, e: f64, gap: f64) -> Option<(Vec<f64>, Vec<f64>)> {
    let top = (e - s).log10().floor() as i32;
    let at = |step: f64| -> Vec<f64> {
        let (first, last) = ((s / step).ceil(), (e / step).floor());
        if !(first.is_finite() && last.is_finite()) || last - first > 1000.0 {
            return Vec::new();
        }
        (first as i64..=last as i64)
            .map(|i| round_to_tick(i as f64 * step))
            .filter(|v| *v >= s && *v <= e && *v > 0.0)
            .collect()
    };
    let prints_exactly = |v: &f64| {
        super::tick_label(*v)
            .parse::<f64>()
            .is_ok_and(|p| (p - v).abs() <= 1e-9 * v.abs())
    };
    let spaced =
        |v: &[f64]| gap.is_nan() || v.windows(2).all(|w| (w[1] / w[0]).log10() >= gap - 1e-12);
    for j in (top - 2)..=top {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * 10f64.powi(j);
            let bold = at(step);
            if bold.len() >= 2
                && bold.len() <= MAX_FINE_TICKS
                && spaced(&bold)
                && bold.iter().all(prints_exactly)
            {
                let light = at(step / 5.0)
                    .into_iter()
                    .filter(|v| !bold.contains(v))
                    .collect();
                return Some((bold, light));
            }
        }
    }
    None
}

/// The smallest of 1, 2, 5, 10, 20, 50, 100 … that is at least `n`.
pub fn nice_step(n: usize) -> usize {
    let mut base = 1usize;
    loop {
        for m in [1, 2, 5] {
            let v = base.saturating_mul(m);
            if v >= n || v == usize::MAX {
                return v;
            }
        }
        base = base.saturating_mul(10);
    }
}

/// A log axis over `r` labelled at the ticks of [`decade_ticks`]
/// (plotters' own choice can skip the end decades, and loops on extreme
/// ranges). `r` must be positive and finite ([`log_range`] makes one).
pub fn log_axis(r: &Range<f64>) -> WithKeyPoints<LogCoord<f64>> {
    log_axis_fitting(r, 0.0)
}

/// [`log_axis`] with labels at least `gap` decades apart
/// ([`decade_ticks_spaced`]).
pub fn log_axis_fitting(r: &Range<f64>, gap: f64) -> WithKeyPoints<LogCoord<f64>> {
    let r = if r.start > 0.0 && r.start < r.end && r.end.is_finite() {
        r.clone()
    } else {
        0.1..10.0
    };
    let (bold, light) = decade_ticks_spaced(&r, gap);
    r.log_scale().with_key_points(bold).with_light_points(light)
}

/// The most distinct x values for which a log x axis is labelled at the
/// data's own x values (a designed grid such as 8, 16, 32 points).
pub const MAX_DATA_TICKS: usize = 6;

/// A log axis over `r` labelled at `values` (positive, in range) when there
/// are 2 … [`MAX_DATA_TICKS`] distinct ones, else [`log_axis`].
pub fn log_axis_at(r: &Range<f64>, values: &[f64], gap: f64) -> WithKeyPoints<LogCoord<f64>> {
    let mut v: Vec<f64> = values
        .iter()
        .copied()
        .filter(|x| x.is_finite() && *x > 0.0 && r.contains(x))
        .collect();
    v.sort_by(f64::total_cmp);
    v.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * b.abs());
    if (2..=MAX_DATA_TICKS).contains(&v.len()) && r.start > 0.0 && r.end.is_finite() {
        r.clone()
            .log_scale()
            .with_key_points(v)
            .with_light_points(Vec::new())
    } else {
        log_axis_fitting(r, gap)
    }
}

/// The smallest distance (decades) between two labels of a log axis over
/// `r`, `length` pixels long, at which they do not touch: along x
/// (`along_x`) the widest label ([`super::tick_label`] of any 1…9 × 10^k in
/// range, or 2.25 × 10^k on an axis under a decade, at the style's tick
/// size) and a gap of half the tick size; along y, a line and a half of
/// text. 0 for an empty axis.
pub fn min_label_gap(r: &Range<f64>, length: u32, along_x: bool) -> f64 {
    let (s, e) = (r.start.max(f64::MIN_POSITIVE), r.end.min(f64::MAX));
    if !(s.is_finite() && e.is_finite() && s < e) || length == 0 {
        return 0.0;
    }
    let tick = super::style::TICK;
    let (lo, hi) = (s.log10().floor() as i32, e.log10().ceil() as i32);
    let each = if along_x {
        // Many decades are labelled only at powers of ten; under a decade,
        // at a linear step with up to three digits (2.25, `fine_ticks`).
        let ms: &[f64] = if hi - lo > 4 {
            &[1.0]
        } else if e / s < 10.0 {
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 2.25]
        } else {
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
        };
        (lo..=hi)
            .flat_map(|k| ms.iter().map(move |&m| m * 10f64.powi(k)))
            .map(|v| super::style::text_width(&super::tick_label(round_to_tick(v)), tick))
            .max()
            .unwrap_or(tick)
            + tick / 2
    } else {
        3 * tick / 2
    };
    (e / s).log10() * f64::from(each) / f64::from(length)
}

/// `v` rounded to 12 significant digits (a tick computed as 10^log10(x)
/// prints as x, not 1.9999999999999996).
pub fn round_to_tick(v: f64) -> f64 {
    if v.is_finite() && v != 0.0 {
        format!("{v:.11e}").parse().unwrap_or(v)
    } else {
        v
    }
}
