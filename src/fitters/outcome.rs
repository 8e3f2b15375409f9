//! What every surface fitter shares: validated data ([`SurfaceData`]), the
//! outcome ([`SurfaceFit`] with a [`FitStatus`]), and the hard failures
//! ([`FitError`]).

use nalgebra::{DMatrix, DVector, RealField};
use thiserror::Error;

use crate::numerics::nnls::NnlsError;
use crate::numerics::{is_positive_finite, to_f64};
use crate::sampling::IsoflopPoint;

/// Why a surface fit could not run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FitError {
    /// Fewer points than the five parameters can be fitted from.
    #[error("a surface fit needs at least {needed} points, got {got}")]
    TooFewPoints {
        /// Points needed.
        needed: usize,
        /// Points given.
        got: usize,
    },
    /// A value that must be positive and finite is not.
    #[error("point {index}: {field} must be positive and finite, got {value}")]
    BadPoint {
        /// Index of the point.
        index: usize,
        /// `N`, `D` or `L`.
        field: &'static str,
        /// The value.
        value: f64,
    },
    /// The design `[1, N^−α, D^−β]` is rank deficient for every (α, β):
    /// N or D takes a single value.
    #[error("the data have a single distinct {axis} value: E, A, B are not identifiable")]
    Degenerate {
        /// `N` or `D`.
        axis: &'static str,
    },
    /// An iterative fit's objective is not finite at its start (for example a
    /// non-positive coefficient given as the start of a log-parametrised
    /// objective).
    #[error(
        "the {objective} objective is not finite at the start (E, A, B, α, β) = {start:?}: {value}"
    )]
    NonFiniteStart {
        /// The objective's name.
        objective: &'static str,
        /// The start, as (E, A, B, α, β).
        start: [f64; 5],
        /// The objective's value there.
        value: f64,
    },
    /// The objective or its gradient left f64's range where the optimizer
    /// evaluated it, at the start or during the search: the data are so
    /// extreme (N or D near f64's smallest positive number, losses near its
    /// largest) that a power N^−α, D^−β or a product with them overflows.
    /// Not a non-finite *input*: every data value and the start are finite.
    #[error(
        "the {objective} objective's {quantity} overflowed f64 {} at (E, A, B, α, β) = {at:?}: {value} (the data's N, D or L are too extreme for f64 there)",
        if *at_start { "at the start" } else { "during the search" }
    )]
    ObjectiveOverflow {
        /// The objective's name.
        objective: &'static str,
        /// `value`, or the gradient component that is not finite
        /// (`gradient ∂/∂β`, `gradient ∂/∂ln A`, …).
        quantity: &'static str,
        /// Whether the point is the start (otherwise a point of the search).
        at_start: bool,
        /// The point, as (E, A, B, α, β) (boxed: keeps every error small).
        at: Box<[f64; 5]>,
        /// The non-finite number.
        value: f64,
    },
    /// A term of the design `[1, N^−α, D^−β]` overflows f64 at an (α, β) the
    /// fitter visits: N or D is so small that its power leaves f64's range.
    #[error("point {index}: {term} = {base:e}^−{exponent} overflows f64 (the {axis} value is too small for an exponent this large)")]
    DesignOverflow {
        /// Index of the point (0-based, data order).
        index: usize,
        /// `N^−α` or `D^−β`.
        term: &'static str,
        /// `N` or `D`.
        axis: &'static str,
        /// N or D of that point.
        base: f64,
        /// α or β at which it overflows.
        exponent: f64,
    },
    /// A fitter setting outside its domain (a grid with fewer than 2 points
    /// per axis, an empty or inverted range, a non-finite bound).
    #[error("fitter setting {name} is out of its domain: {value}")]
    BadSetting {
        /// The setting.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// (α, β) is not an interior point of the projected problem: NNLS pins one
    /// of E, A, B at zero there (or the 3×3 normal matrix is numerically
    /// singular), so the projected objective has no Hessian by the Schur
    /// complement formula.
    #[error("(α, β) = ({alpha}, {beta}) is not interior: (E, A, B) = {coefficients:?}")]
    NotInterior {
        /// α.
        alpha: f64,
        /// β.
        beta: f64,
        /// The NNLS coefficients (E, A, B) there.
        coefficients: [f64; 3],
    },
    /// The column-equilibrated design `[1, N^−α, D^−β]` at the fitted (α, β)
    /// has a condition number above the limit (`fitters::vpnls::CONDITION_LIMIT`,
    /// 1e12): E, A, B are not determined by the data to any useful precision.
    #[error("the design at alpha = {alpha}, beta = {beta} has condition number {condition:e} (limit 1e12)")]
    IllConditioned {
        /// α of the fit.
        alpha: f64,
        /// β of the fit.
        beta: f64,
        /// The condition number σ_max/σ_min of the design with unit-norm columns.
        condition: f64,
    },
    /// An outer optimizer rejected its input (its own message): a non-finite
    /// start or objective value.
    #[error("{method} failed: {message}")]
    OptimizerFailed {
        /// The optimizer.
        method: &'static str,
        /// Its message.
        message: String,
    },
    /// NNLS failed on the design (non-finite entries).
    #[error(transparent)]
    Nnls(#[from] NnlsError),
}

impl FitError {
    /// The error L-BFGS-B reported on an Approach 3 objective, as what it
    /// means: a non-finite value or gradient at `start` or at `last` (the
    /// last point evaluated, where the search stopped) is
    /// [`FitError::ObjectiveOverflow`] (the start and the data are finite,
    /// both checked before); anything else (bounds or settings rejected) is
    /// [`FitError::OptimizerFailed`] with the optimizer's message. Points are
    /// (E, A, B, α, β); `log_params` names the gradient's first three
    /// components ∂/∂ln E, ∂/∂ln A, ∂/∂ln B.
    pub(crate) fn from_lbfgsb(
        err: rcompat_lbfgsb::OptimError,
        objective: &'static str,
        log_params: bool,
        start: [f64; 5],
        last: Option<[f64; 5]>,
    ) -> Self {
        use rcompat_lbfgsb::OptimError as E;
        const PLAIN: [&str; 5] = [
            "gradient ∂/∂E",
            "gradient ∂/∂A",
            "gradient ∂/∂B",
            "gradient ∂/∂α",
            "gradient ∂/∂β",
        ];
        const LOG: [&str; 5] = [
            "gradient ∂/∂ln E",
            "gradient ∂/∂ln A",
            "gradient ∂/∂ln B",
            "gradient ∂/∂α",
            "gradient ∂/∂β",
        ];
        let at = last.unwrap_or(start);
        let overflow =
            |quantity: &'static str, value: f64, at_start: bool| FitError::ObjectiveOverflow {
                objective,
                quantity,
                at_start,
                at: Box::new(at),
                value,
            };
        match err {
            E::NonFiniteInitialValue { value } => overflow("value", value, true),
            E::NonFiniteObjective { value } => overflow("value", value, at == start),
            E::InvalidGradient {
                index: Some(k),
                value: Some(value),
                ..
            } if k < 5 => {
                let names = if log_params { LOG } else { PLAIN };
                overflow(names[k], value, at == start)
            }
            other => FitError::OptimizerFailed {
                method: "L-BFGS-B",
                message: other.to_string(),
            },
        }
    }
}

/// A coordinate within this of a bound counts as on it, and makes the status
/// [`FitStatus::BoundHit`] (issue 3 §2: 1e-6). Absolute for α, β and log
/// coefficients, relative for plain coefficients (the same to first order).
pub const BOUND_TOLERANCE: f64 = 1e-6;

/// How a fit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FitStatus {
    /// Converged to the tolerance.
    Converged,
    /// Ran out of iterations.
    MaxIter,
    /// The optimizer stopped for another reason (no progress possible).
    Abnormal,
    /// α or β at (within 1e-6 of) a bound or grid edge, or E, A or B pinned at 0.
    BoundHit,
    /// The best point of a grid search, not refined: no convergence claimed.
    GridPoint,
    /// The data do not identify the parameters at the result: the
    /// column-scaled Jacobian of the residuals there has a condition number
    /// above [`IDENTIFIABILITY_LIMIT`] (e.g. N = D with α = β, where only
    /// A + B is determined). The warnings name the condition number.
    NotIdentifiable,
    /// A parameter or the RSS is not finite.
    NonFinite,
    /// The fit ends above the best value of the variable-projection profile
    /// of its own objective on the same data, even after the global stage
    /// (its [`Certificate`] holds the gap; a warning says so): a local
    /// minimum, not the answer.
    LocalMinimum,
}

impl FitStatus {
    /// The status as a lower-case word (`converged`, `max_iter`, `abnormal`,
    /// `bound_hit`, `grid_point`, `not_identifiable`, `non_finite`,
    /// `local_minimum`).
    pub fn as_str(self) -> &'static str {
        match self {
            FitStatus::Converged => "converged",
            FitStatus::MaxIter => "max_iter",
            FitStatus::Abnormal => "abnormal",
            FitStatus::BoundHit => "bound_hit",
            FitStatus::GridPoint => "grid_point",
            FitStatus::NotIdentifiable => "not_identifiable",
            FitStatus::NonFinite => "non_finite",
            FitStatus::LocalMinimum => "local_minimum",
        }
    }

    /// Every status, in the order of [`as_str`](Self::as_str)'s list.
    pub const ALL: [FitStatus; 8] = [
        FitStatus::Converged,
        FitStatus::MaxIter,
        FitStatus::Abnormal,
        FitStatus::BoundHit,
        FitStatus::GridPoint,
        FitStatus::NotIdentifiable,
        FitStatus::NonFinite,
        FitStatus::LocalMinimum,
    ];
}

/// How a fit compares with the best value of the variable-projection
/// profile of its own objective on the same data (Approach 3;
/// proofs/18_global_stage.md). `converged` is reported only when
/// `gap ≤ tolerance`.
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    /// The objective's name (`rss`, `log-loss`, …).
    pub objective: &'static str,
    /// The fit's objective value.
    pub value: f64,
    /// The objective at the best point of the profile, projected into the
    /// fit's box.
    pub profile_best: f64,
    /// The objective's rounding at these data: a gap up to this is no gap.
    pub tolerance: f64,
    /// `value − profile_best` (negative when the fit is below it).
    pub gap: f64,
    /// Whether the global stage ran: the local optimiser was started again
    /// from the profile's best basins (always, for a fitter whose default
    /// global stage polishes every basin; otherwise because the first local
    /// fit ended above `profile_best + tolerance`).
    pub global_stage: bool,
}

impl Certificate {
    /// Whether the fit is at or below the profile's best within the
    /// objective's rounding.
    pub fn holds(&self) -> bool {
        self.gap <= self.tolerance
    }
}

/// A fitted surface: the five parameters (E, A, B may be 0 when NNLS pins
/// them), how the fit ended, its iterations and residual sum of squares.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceFit<T> {
    /// E.
    pub e: T,
    /// A.
    pub a: T,
    /// B.
    pub b: T,
    /// α.
    pub alpha: T,
    /// β.
    pub beta: T,
    /// Residual sum of squares at the estimate.
    pub rss: T,
    /// Outcome.
    pub status: FitStatus,
    /// Refinement iterations.
    pub iterations: usize,
    /// What the user should know beyond the status: a non-finite result,
    /// parameters the data do not identify, a lower objective found by a
    /// global check ([`SurfaceMethod::fit`](super::SurfaceMethod::fit)).
    /// Empty when there is nothing to say.
    pub warnings: Vec<String>,
    /// The comparison with the objective's global profile, for the fitters
    /// that make one (Approach 3); `None` otherwise.
    pub certificate: Option<Certificate>,
}

impl<T: RealField> SurfaceFit<T> {
    /// A fit from its parameters in the order (E, A, B, α, β), with no
    /// warnings — except that a non-finite parameter or RSS makes the status
    /// [`FitStatus::NonFinite`] with a warning naming it (a non-finite result
    /// is never `Converged`).
    pub fn from_parameters(p: [T; 5], rss: T, status: FitStatus, iterations: usize) -> Self {
        let [e, a, b, alpha, beta] = p;
        let mut fit = Self {
            e,
            a,
            b,
            alpha,
            beta,
            rss,
            status,
            iterations,
            warnings: Vec::new(),
            certificate: None,
        };
        fit.check_finite();
        fit
    }

    /// (E, A, B, α, β).
    pub fn parameters(&self) -> [T; 5] {
        [
            self.e.clone(),
            self.a.clone(),
            self.b.clone(),
            self.alpha.clone(),
            self.beta.clone(),
        ]
    }

    /// Mark a fit with a non-finite parameter or RSS [`FitStatus::NonFinite`]
    /// and say which in the warnings.
    fn check_finite(&mut self) {
        let names = ["E", "A", "B", "alpha", "beta", "rss"];
        let mut values = self.parameters().to_vec();
        values.push(self.rss.clone());
        let bad: Vec<String> = names
            .iter()
            .zip(&values)
            .filter(|(_, v)| !v.is_finite())
            .map(|(n, v)| format!("{n} = {}", to_f64(v)))
            .collect();
        if !bad.is_empty() {
            self.status = FitStatus::NonFinite;
            self.warnings
                .push(format!("the result is not finite: {}", bad.join(", ")));
        }
    }
}

/// A fit whose column-scaled residual Jacobian at the result has a condition
/// number above this is [`FitStatus::NotIdentifiable`]: the data determine
/// some combination of the parameters to no better than κ·ε ≈ 2e-8
/// relative (issue 7: N = D with α = β, where only A + B is determined).
pub const IDENTIFIABILITY_LIMIT: f64 = 1e8;

/// The condition number σ_max/σ_min of the residual Jacobian
/// `J = [1, N^−α, D^−β, −A N^−α ln N, −B D^−β ln D]` at `p` = (E, A, B, α, β),
/// its columns scaled to unit norm (units-free; the scaling that bounds each
/// parameter's relative error). A column that is identically zero (A = 0
/// makes α's column vanish) is left out: that pinned coefficient is
/// reported as a bound hit, not here. `+∞` when the remaining columns are
/// linearly dependent to rounding, or the Jacobian is not finite.
pub fn jacobian_condition(data: &SurfaceData<f64>, p: &[f64; 5]) -> f64 {
    let m = data.len();
    let [_, a, b, alpha, beta] = *p;
    let mut cols: Vec<DVector<f64>> = Vec::with_capacity(5);
    let u = DVector::from_iterator(m, data.ln_n().iter().map(|l| (-alpha * l).exp()));
    let v = DVector::from_iterator(m, data.ln_d().iter().map(|l| (-beta * l).exp()));
    let du = DVector::from_iterator(m, (0..m).map(|i| -a * u[i] * data.ln_n()[i]));
    let dv = DVector::from_iterator(m, (0..m).map(|i| -b * v[i] * data.ln_d()[i]));
    for c in [DVector::from_element(m, 1.0), u, v, du, dv] {
        let norm = c.norm();
        if !norm.is_finite() {
            return f64::INFINITY;
        }
        if norm > 0.0 {
            cols.push(c / norm);
        }
    }
    let j = DMatrix::from_columns(&cols);
    let k = cols.len();
    if m < k {
        return f64::INFINITY;
    }
    let r = j.qr().r();
    let sv = r.singular_values();
    let hi = sv.iter().cloned().fold(0.0, f64::max);
    let lo = sv.iter().cloned().fold(f64::INFINITY, f64::min);
    if lo > 0.0 {
        hi / lo
    } else {
        f64::INFINITY
    }
}

/// Loss measurements prepared for surface fitting: natural logs of N and D
/// computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceData<T> {
    ln_n: Vec<T>,
    ln_d: Vec<T>,
    loss: Vec<T>,
}

impl<T: RealField> SurfaceData<T> {
    /// Validate and prepare `(N, D, L)` triples.
    ///
    /// # Errors
    /// [`FitError::TooFewPoints`] (< 4), [`FitError::BadPoint`],
    /// [`FitError::Degenerate`] when N or D has a single distinct value.
    pub fn new(n: &[T], d: &[T], loss: &[T]) -> Result<Self, FitError> {
        let len = n.len().min(d.len()).min(loss.len());
        if len < 4 || n.len() != d.len() || d.len() != loss.len() {
            return Err(FitError::TooFewPoints {
                needed: 4,
                got: len,
            });
        }
        for i in 0..len {
            for (field, v) in [("N", &n[i]), ("D", &d[i]), ("L", &loss[i])] {
                if !is_positive_finite(v) {
                    return Err(FitError::BadPoint {
                        index: i,
                        field,
                        value: to_f64(v),
                    });
                }
            }
        }
        if n.iter().all(|x| *x == n[0]) {
            return Err(FitError::Degenerate { axis: "N" });
        }
        if d.iter().all(|x| *x == d[0]) {
            return Err(FitError::Degenerate { axis: "D" });
        }
        Ok(Self {
            ln_n: n.iter().map(|x| x.clone().ln()).collect(),
            ln_d: d.iter().map(|x| x.clone().ln()).collect(),
            loss: loss.to_vec(),
        })
    }

    /// Validate and prepare IsoFLOP points (their N, D and L; the budget is
    /// not used by surface fits).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn from_points(points: &[IsoflopPoint<T>]) -> Result<Self, FitError> {
        let n: Vec<T> = points.iter().map(|p| p.n.clone()).collect();
        let d: Vec<T> = points.iter().map(|p| p.d.clone()).collect();
        let l: Vec<T> = points.iter().map(|p| p.loss.clone()).collect();
        Self::new(&n, &d, &l)
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.loss.len()
    }

    /// Always false (construction needs 4 points).
    pub fn is_empty(&self) -> bool {
        self.loss.is_empty()
    }

    /// Natural logs of the model sizes, `ln N`.
    pub fn ln_n(&self) -> &[T] {
        &self.ln_n
    }

    /// Natural logs of the token counts, `ln D`.
    pub fn ln_d(&self) -> &[T] {
        &self.ln_d
    }

    /// The losses L.
    pub fn loss(&self) -> &[T] {
        &self.loss
    }

    /// The design matrix `[1, N^−α, D^−β]`.
    pub fn design(&self, alpha: &T, beta: &T) -> DMatrix<T> {
        DMatrix::from_fn(self.len(), 3, |i, j| match j {
            0 => T::one(),
            1 => (-alpha.clone() * self.ln_n[i].clone()).exp(),
            _ => (-beta.clone() * self.ln_d[i].clone()).exp(),
        })
    }

    /// The losses as a vector.
    pub fn rhs(&self) -> DVector<T> {
        DVector::from_iterator(self.len(), self.loss.iter().cloned())
    }
}
