//! IsoFLOP sampling: grids of model sizes along fixed compute budgets, and the
//! sampling biases (centre scale, drift) that move those grids off the optimum.

use nalgebra::RealField;
use thiserror::Error;

use crate::models::LossSurface;
use crate::numerics::{int, is_positive_finite, lit, pow10, to_f64};

pub mod noise;

/// A bad sampling specification, with the offending value.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SamplingError {
    /// The half-width W must be positive and finite.
    #[error("grid half-width W must be positive and finite (decades), got {0}")]
    BadWidth(f64),
    /// A parabola needs at least three points per budget.
    #[error("an IsoFLOP grid needs at least 3 points, got {0}")]
    TooFewPoints(usize),
    /// More points than f64 counts exactly (2^53): the grid's offsets and
    /// the closed forms' powers of n would be rounded.
    #[error("an IsoFLOP grid has at most 2^53 = 9007199254740992 points (integers exact in f64), got {0}")]
    TooManyPoints(usize),
    /// A compute budget must be positive and finite.
    #[error("compute budget must be positive and finite, got {0}")]
    BadBudget(f64),
    /// At least one budget is needed.
    #[error("no compute budgets given")]
    NoBudgets,
    /// Budgets must be distinct.
    #[error("compute budget {0} is given twice")]
    DuplicateBudget(f64),
    /// Bias parameters must be finite; the centre scale positive.
    #[error("sampling bias {name} must be {must}, got {value}")]
    BadBias {
        /// `drift_rate` or `center_scale`.
        name: &'static str,
        /// What it must be.
        must: &'static str,
        /// The value given.
        value: f64,
    },
    /// An unknown named bias configuration.
    #[error("unknown sampling bias '{name}'; known: baseline, drift_0.2, drift_0.4, scale_1.5, scale_2.0")]
    UnknownBias {
        /// The name given.
        name: String,
    },
}

/// One loss measurement: model size N, tokens D, loss L, and its budget C.
#[derive(Debug, Clone, PartialEq)]
pub struct IsoflopPoint<T> {
    /// Model size N (parameters).
    pub n: T,
    /// Training tokens D.
    pub d: T,
    /// Loss L(N, D).
    pub loss: T,
    /// The compute budget C the point was sampled on (C = 6ND for synthetic data).
    pub budget: T,
}

/// The shape of a grid along one budget: `points` values of log10 N equally
/// spaced over `[c − W, c + W]`, both ends included.
///
/// `half_width` is W in decades: "±16×" is `W = log10 16`.
#[derive(Debug, Clone, PartialEq)]
pub struct IsoflopGrid<T> {
    half_width: T,
    points: usize,
}

impl<T: RealField> IsoflopGrid<T> {
    /// The default number of points per budget.
    pub const DEFAULT_POINTS: usize = 15;

    /// The most points a grid may have: 2^53, below which every integer (and
    /// so n, n − 1 and the grid indices) is exact in f64.
    pub const MAX_POINTS: usize = 1 << 53;

    /// A validated grid shape.
    ///
    /// # Errors
    /// [`SamplingError::BadWidth`] for W ≤ 0 or non-finite,
    /// [`SamplingError::TooFewPoints`] for fewer than 3 points,
    /// [`SamplingError::TooManyPoints`] for more than [`Self::MAX_POINTS`].
    pub fn new(half_width: T, points: usize) -> Result<Self, SamplingError> {
        if !is_positive_finite(&half_width) {
            return Err(SamplingError::BadWidth(to_f64(&half_width)));
        }
        if points < 3 {
            return Err(SamplingError::TooFewPoints(points));
        }
        if points > Self::MAX_POINTS {
            return Err(SamplingError::TooManyPoints(points));
        }
        Ok(Self { half_width, points })
    }

    /// A grid of `±factor×` around the centre: W = log10(factor).
    ///
    /// # Errors
    /// As [`new`](Self::new); a factor ≤ 1 gives a non-positive width.
    pub fn from_factor(factor: T, points: usize) -> Result<Self, SamplingError> {
        Self::new(factor.log10(), points)
    }

    /// W, the half-width in decades.
    pub fn half_width(&self) -> &T {
        &self.half_width
    }

    /// n, the number of points per budget.
    pub fn points(&self) -> usize {
        self.points
    }

    /// The offsets `v_i = −W + 2W·i/(n−1)`, i = 0 … n−1, in decades.
    ///
    /// Computed as `W·(2i − (n−1))/(n−1)` so the grid is exactly symmetric
    /// (`v_{n−1−i} = −v_i` bit for bit) and `v = 0` is hit exactly for odd n.
    pub fn offsets(&self) -> Vec<T> {
        let m = (self.points - 1) as i64;
        (0..self.points as i64)
            .map(|i| self.half_width.clone() * int::<T>(2 * i - m) / int::<T>(m))
            .collect()
    }
}

/// A systematic displacement of the grid centres from the true optimum:
/// `offset(C) = −log10(center_scale) − drift_rate·f(C)` decades, with f rising
/// linearly in log10 C from 0 at the smallest budget to 1 at the largest.
/// Both parts push the grid toward smaller N.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingBias<T> {
    drift_rate: T,
    center_scale: T,
}

impl<T: RealField> SamplingBias<T> {
    /// A validated bias.
    ///
    /// # Errors
    /// [`SamplingError::BadBias`] for a non-finite drift or a centre scale
    /// that is not positive and finite.
    pub fn new(drift_rate: T, center_scale: T) -> Result<Self, SamplingError> {
        if !drift_rate.is_finite() {
            return Err(SamplingError::BadBias {
                name: "drift_rate",
                must: "finite",
                value: to_f64(&drift_rate),
            });
        }
        if !is_positive_finite(&center_scale) {
            return Err(SamplingError::BadBias {
                name: "center_scale",
                must: "positive and finite",
                value: to_f64(&center_scale),
            });
        }
        Ok(Self {
            drift_rate,
            center_scale,
        })
    }

    /// No bias: grids centred on the true optimum.
    pub fn none() -> Self {
        Self {
            drift_rate: T::zero(),
            center_scale: T::one(),
        }
    }

    /// A named configuration: `baseline`, `drift_0.2`, `drift_0.4`,
    /// `scale_1.5`, `scale_2.0`.
    ///
    /// # Errors
    /// [`SamplingError::UnknownBias`].
    pub fn named(name: &str) -> Result<Self, SamplingError> {
        let (drift, scale) = match name {
            "baseline" => (0.0, 1.0),
            "drift_0.2" => (0.2, 1.0),
            "drift_0.4" => (0.4, 1.0),
            "scale_1.5" => (0.0, 1.5),
            "scale_2.0" => (0.0, 2.0),
            _ => {
                return Err(SamplingError::UnknownBias {
                    name: name.to_string(),
                })
            }
        };
        Self::new(lit(drift), lit(scale))
    }

    /// The names accepted by [`named`](Self::named), in a fixed order.
    pub const NAMES: [&'static str; 5] = [
        "baseline",
        "drift_0.2",
        "drift_0.4",
        "scale_1.5",
        "scale_2.0",
    ];

    /// The drift rate (decades at the largest budget).
    pub fn drift_rate(&self) -> &T {
        &self.drift_rate
    }

    /// The centre scale (a constant multiplier on the centre's N).
    pub fn center_scale(&self) -> &T {
        &self.center_scale
    }

    /// The offsets `o_k` (decades, relative to log10 N*) for each budget.
    ///
    /// `f(C) = (log10 C − log10 C_min)/(log10 C_max − log10 C_min)`; with a
    /// single budget (or all equal) f = 0.
    pub fn offsets(&self, budgets: &[T]) -> Vec<T> {
        let logs: Vec<T> = budgets.iter().map(|c| c.clone().log10()).collect();
        let lo = logs.iter().cloned().reduce(|a, b| a.min(b));
        let hi = logs.iter().cloned().reduce(|a, b| a.max(b));
        let base = -self.center_scale.clone().log10();
        match (lo, hi) {
            (Some(lo), Some(hi)) if hi > lo => logs
                .iter()
                .map(|x| {
                    base.clone()
                        - self.drift_rate.clone() * (x.clone() - lo.clone())
                            / (hi.clone() - lo.clone())
                })
                .collect(),
            _ => vec![base; budgets.len()],
        }
    }
}

/// The default budgets: 1e17, 1e18, 1e19, 1e20, 1e21 FLOPs.
pub fn default_budgets<T: RealField>() -> Vec<T> {
    // Repeated multiplication by 10 is exact up to 10^22 in f64.
    (17..=21)
        .map(|k| (0..k).fold(T::one(), |p, _| p * int::<T>(10)))
        .collect()
}

/// Check budgets: non-empty, positive, finite, distinct.
///
/// # Errors
/// [`SamplingError::NoBudgets`], [`SamplingError::BadBudget`],
/// [`SamplingError::DuplicateBudget`].
pub fn validate_budgets<T: RealField>(budgets: &[T]) -> Result<(), SamplingError> {
    if budgets.is_empty() {
        return Err(SamplingError::NoBudgets);
    }
    for (i, c) in budgets.iter().enumerate() {
        if !is_positive_finite(c) {
            return Err(SamplingError::BadBudget(to_f64(c)));
        }
        if budgets[..i].iter().any(|x| x == c) {
            return Err(SamplingError::DuplicateBudget(to_f64(c)));
        }
    }
    Ok(())
}

/// Noise-free IsoFLOP data: for each budget C, the grid centred at
/// `log10 N*(C) + offset(C)`, with `D = C/(6N)` and `L = L(N, D)`.
///
/// Points come budget by budget, each budget's in increasing N.
///
/// # Errors
/// Invalid budgets (see [`validate_budgets`]).
pub fn sample_isoflops<T: RealField>(
    surface: &LossSurface<T>,
    budgets: &[T],
    grid: &IsoflopGrid<T>,
    bias: &SamplingBias<T>,
) -> Result<Vec<IsoflopPoint<T>>, SamplingError> {
    validate_budgets(budgets)?;
    let offsets = bias.offsets(budgets);
    let v = grid.offsets();
    let six = int::<T>(6);
    let mut out = Vec::with_capacity(budgets.len() * v.len());
    for (c, o) in budgets.iter().zip(offsets) {
        let centre = surface.log10_n_opt(c) + o;
        for vi in &v {
            let n = pow10(centre.clone() + vi.clone());
            let d = c.clone() / (six.clone() * n.clone());
            let loss = surface.loss(&n, &d);
            out.push(IsoflopPoint {
                n,
                d,
                loss,
                budget: c.clone(),
            });
        }
    }
    Ok(out)
}
