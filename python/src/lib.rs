//! `scaling_laws._native`: the PyO3 layer of the Python package.
//!
//! Each function is a thin call into the `scaling_laws` crate: it copies the
//! inputs once into the crate's types, releases the GIL for the computation,
//! and returns plain dicts whose keys are the command line's JSON keys. The
//! Python package (`python/python/scaling_laws/`) turns them into frozen
//! dataclasses. No numerical logic lives here.

use std::fmt::Display;

use numpy::{AllowTypeChange, IntoPyArray, PyArrayLike1};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat};
use rayon::prelude::*;

use scaling_laws::analysis::allocation_cost as cost;
use scaling_laws::analysis::{
    predict_approach2, vertex_shift_continuum, vertex_shift_offset, vertex_shift_small_width,
    AnalysisError, InterceptErrors,
};
use scaling_laws::fitters::approach3::{Approach3Start, Objective};
use scaling_laws::fitters::grid5::Grid5Params;
use scaling_laws::fitters::vpnls::VpnlsMethod;
use scaling_laws::fitters::{
    fit_approach2, Approach2Error, Approach2Fit, FitError, PowerLaw, SurfaceData, SurfaceFit,
    SurfaceMethod,
};
use scaling_laws::io::MAX_DATA_ROWS;
use scaling_laws::models::{LossSurface, ModelError, Preset};
use scaling_laws::numerics::lbfgsb::GradientSource;
use scaling_laws::sampling::{
    default_budgets, sample_isoflops, IsoflopGrid, IsoflopPoint, SamplingBias, SamplingError,
};

create_exception!(
    _native,
    ScalingLawsError,
    PyException,
    "Base class of every error raised by scaling_laws; the message is the Rust library's."
);
create_exception!(
    _native,
    InvalidInputError,
    ScalingLawsError,
    "The input is outside what the method accepts (a non-positive or NaN value, too few points, an unknown name)."
);
create_exception!(
    _native,
    FitFailedError,
    ScalingLawsError,
    "The input was valid but the fit could not produce an answer (ill-conditioned, optimizer failure)."
);

fn invalid(e: impl Display) -> PyErr {
    InvalidInputError::new_err(e.to_string())
}

fn failed(e: impl Display) -> PyErr {
    FitFailedError::new_err(e.to_string())
}

fn model_err(e: ModelError) -> PyErr {
    invalid(e)
}

fn sampling_err(e: SamplingError) -> PyErr {
    invalid(e)
}

fn analysis_err(e: AnalysisError) -> PyErr {
    invalid(e)
}

/// Errors about the data are the caller's; the rest are failed fits.
fn fit_err(e: FitError) -> PyErr {
    match e {
        FitError::TooFewPoints { .. }
        | FitError::BadPoint { .. }
        | FitError::Degenerate { .. }
        | FitError::BadSetting { .. }
        // A point whose N^−α or D^−β overflows f64, or an objective that
        // overflows at the start: the data are out of f64's reach (the CLI
        // answers both with status 2, a user error).
        | FitError::DesignOverflow { .. }
        | FitError::ObjectiveOverflow { at_start: true, .. } => invalid(e),
        _ => failed(e),
    }
}

fn approach2_err(e: Approach2Error) -> PyErr {
    match e {
        Approach2Error::BadPoint { .. }
        | Approach2Error::TooFewPoints { .. }
        | Approach2Error::TooFewBudgets { .. }
        | Approach2Error::Degenerate { .. } => invalid(e),
        _ => failed(e),
    }
}

/// A 1-D float array argument: a numpy array (any stride), a list, or a
/// pandas column, converted by numpy when its dtype is not float64. Taken
/// as any object, so that a wrong one (None, a scalar, a 2-D array) is an
/// error naming the argument rather than PyO3's own TypeError.
type Column<'py> = Bound<'py, PyAny>;

/// One pass over the 1-D array-like argument `name` into a vector of f64;
/// values are validated by the library.
fn column(name: &str, a: &Column<'_>) -> PyResult<Vec<f64>> {
    let what = || -> String {
        if a.is_none() {
            return "None".into();
        }
        match a.getattr("ndim").and_then(|d| d.extract::<usize>()) {
            Ok(0) => "a 0-dimensional array (a scalar)".into(),
            Ok(k) => format!("a {k}-dimensional array"),
            Err(_) => a
                .get_type()
                .name()
                .map_or_else(|_| "another object".into(), |n| format!("a {n}")),
        }
    };
    if a.is_none() {
        return Err(invalid(format!(
            "{name}: expected a 1-D array of numbers (a list, numpy array or pandas column), got None"
        )));
    }
    let arr: PyArrayLike1<'_, f64, AllowTypeChange> = a.extract().map_err(|e| {
        invalid(format!(
            "{name}: expected a 1-D array of numbers (a list, numpy array or pandas column), got {} ({e})",
            what()
        ))
    })?;
    let v: Vec<f64> = arr.as_array().iter().copied().collect();
    Ok(v)
}

/// Refuse more than [`MAX_DATA_ROWS`] points, as the command line does.
fn within_rows(n: usize) -> PyResult<()> {
    if n > MAX_DATA_ROWS {
        return Err(invalid(format!(
            "{n} points is more than the limit of {MAX_DATA_ROWS} (the VPNLS grid holds 256 bytes per point)"
        )));
    }
    Ok(())
}

/// A positive finite argument, or an error naming it.
/// Every value positive and finite, or an error naming the argument and the
/// first bad value.
fn all_positive<'a>(name: &str, mut values: impl Iterator<Item = &'a f64>) -> PyResult<()> {
    match values.find(|v| !(v.is_finite() && **v > 0.0)) {
        Some(v) => Err(invalid(format!(
            "{name} must be positive and finite, got {v}"
        ))),
        None => Ok(()),
    }
}

fn same_length(names: &[&str], lens: &[usize]) -> PyResult<()> {
    if lens.iter().any(|&l| l != lens[0]) {
        let shown: Vec<String> = names
            .iter()
            .zip(lens)
            .map(|(n, l)| format!("{n}: {l}"))
            .collect();
        return Err(InvalidInputError::new_err(format!(
            "the arrays must have the same length, got {}",
            shown.join(", ")
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------- surface

/// A number or an array of any shape (numpy, list, pandas column), as float64.
type Values<'py> = numpy::PyArrayLikeDyn<'py, f64, AllowTypeChange>;

/// `f` over `v`: a Python float for a number, a numpy array of the same
/// shape for an array.
fn map_values<'py>(py: Python<'py>, v: &Values<'py>, f: impl Fn(f64) -> f64) -> Bound<'py, PyAny> {
    let a = v.as_array();
    if a.ndim() == 0 {
        return PyFloat::new(py, f(a.iter().next().copied().unwrap_or(f64::NAN))).into_any();
    }
    a.mapv(f).into_pyarray(py).into_any()
}

/// The loss surface L(N, D) = E + A/N^α + B/D^β and its compute-optimal
/// frontier under C = 6ND.
#[pyclass(name = "LossSurface", module = "scaling_laws", frozen)]
#[derive(Clone)]
struct PySurface {
    inner: LossSurface<f64>,
}

#[pymethods]
impl PySurface {
    /// A surface from its five parameters (all positive and finite).
    #[new]
    #[pyo3(signature = (E, A, B, alpha, beta))]
    #[allow(non_snake_case)]
    fn new(E: f64, A: f64, B: f64, alpha: f64, beta: f64) -> PyResult<Self> {
        Ok(Self {
            inner: LossSurface::new(E, A, B, alpha, beta).map_err(model_err)?,
        })
    }

    /// A named surface: chinchilla, symmetric, balanced, ratio_1.5, ratio_2,
    /// asymmetric, ratio_9.
    #[staticmethod]
    fn preset(name: &str) -> PyResult<Self> {
        Ok(Self {
            inner: LossSurface::preset(Preset::from_name(name).map_err(model_err)?),
        })
    }

    /// E, the irreducible loss.
    #[getter(E)]
    fn e(&self) -> f64 {
        *self.inner.e()
    }
    /// A, the model-size coefficient.
    #[getter(A)]
    fn a(&self) -> f64 {
        *self.inner.a()
    }
    /// B, the data coefficient.
    #[getter(B)]
    fn b(&self) -> f64 {
        *self.inner.b()
    }
    /// α, the model-size exponent.
    #[getter]
    fn alpha(&self) -> f64 {
        *self.inner.alpha()
    }
    /// β, the data exponent.
    #[getter]
    fn beta(&self) -> f64 {
        *self.inner.beta()
    }
    /// a = β/(α + β), the exponent of N* ∝ C^a.
    #[getter]
    fn exponent_a(&self) -> f64 {
        self.inner.exponent_a()
    }
    /// b = α/(α + β), the exponent of D* ∝ C^b.
    #[getter]
    fn exponent_b(&self) -> f64 {
        self.inner.exponent_b()
    }
    /// log10 of the prefactor of N*(C).
    #[getter]
    fn a0(&self) -> f64 {
        self.inner.a0()
    }
    /// log10 of the prefactor of D*(C).
    #[getter]
    fn b0(&self) -> f64 {
        self.inner.b0()
    }

    /// L(N, D) for N, D positive and finite (InvalidInputError otherwise):
    /// numbers give a number; arrays (numpy, lists, pandas
    /// columns) give a numpy array, broadcast as numpy does for equal shapes
    /// or one of size 1.
    fn loss<'py>(
        &self,
        py: Python<'py>,
        n: Values<'py>,
        d: Values<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (a, b) = (n.as_array(), d.as_array());
        all_positive("N", a.iter())?;
        all_positive("D", b.iter())?;
        let f = |x: f64, y: f64| self.inner.loss(&x, &y);
        if a.ndim() == 0 && b.ndim() == 0 {
            let (x, y) = (a.iter().next().copied(), b.iter().next().copied());
            return Ok(
                PyFloat::new(py, f(x.unwrap_or(f64::NAN), y.unwrap_or(f64::NAN))).into_any(),
            );
        }
        let out = if a.shape() == b.shape() {
            numpy::ndarray::Zip::from(&a)
                .and(&b)
                .map_collect(|&x, &y| f(x, y))
        } else if let Some(bb) = b.broadcast(a.raw_dim()) {
            numpy::ndarray::Zip::from(&a)
                .and(&bb)
                .map_collect(|&x, &y| f(x, y))
        } else if let Some(aa) = a.broadcast(b.raw_dim()) {
            numpy::ndarray::Zip::from(&aa)
                .and(&b)
                .map_collect(|&x, &y| f(x, y))
        } else {
            return Err(InvalidInputError::new_err(format!(
                "loss(n, d): n of shape {:?} and d of shape {:?} do not broadcast",
                a.shape(),
                b.shape()
            )));
        };
        Ok(out.into_pyarray(py).into_any())
    }
    /// The compute-optimal model size N*(C) (a number, or an array for an array C).
    fn n_opt<'py>(&self, py: Python<'py>, c: Values<'py>) -> PyResult<Bound<'py, PyAny>> {
        all_positive("C", c.as_array().iter())?;
        Ok(map_values(py, &c, |x| self.inner.n_opt(&x)))
    }
    /// The compute-optimal token count D*(C) (a number, or an array for an array C).
    fn d_opt<'py>(&self, py: Python<'py>, c: Values<'py>) -> PyResult<Bound<'py, PyAny>> {
        all_positive("C", c.as_array().iter())?;
        Ok(map_values(py, &c, |x| self.inner.d_opt(&x)))
    }
    /// The loss at the compute-optimal point, L(N*(C), D*(C)) (a number, or
    /// an array for an array C).
    fn loss_opt<'py>(&self, py: Python<'py>, c: Values<'py>) -> PyResult<Bound<'py, PyAny>> {
        all_positive("C", c.as_array().iter())?;
        Ok(map_values(py, &c, |x| self.inner.loss_opt(&x)))
    }
    /// C(L): the budget whose optimum reaches loss L (L > E).
    fn compute_for_loss(&self, loss: f64) -> PyResult<f64> {
        self.inner.compute_for_loss(&loss).map_err(model_err)
    }
    fn __repr__(&self) -> String {
        let p = self.inner.parameters();
        format!(
            "LossSurface(E={}, A={}, B={}, alpha={}, beta={})",
            p[0], p[1], p[2], p[3], p[4]
        )
    }
}

// ---------------------------------------------------------------- closed forms

/// The Approach 2 vertex shift δw (decades) and the prefactor errors it
/// implies; keys as `scaling-laws vertex-shift --json`.
#[pyfunction]
#[pyo3(signature = (alpha, beta, width, points, offset = 0.0))]
fn vertex_shift<'py>(
    py: Python<'py>,
    alpha: f64,
    beta: f64,
    width: f64,
    points: usize,
    offset: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let grid = IsoflopGrid::new(width, points).map_err(sampling_err)?;
    let dw = vertex_shift_offset(&alpha, &beta, &grid, &offset).map_err(analysis_err)?;
    let e = InterceptErrors::from_shift(&dw);
    let d = PyDict::new(py);
    d.set_item("delta_w", dw)?;
    d.set_item("n_intercept_error", e.n)?;
    d.set_item("d_intercept_error", e.d)?;
    Ok(d)
}

/// The continuum (n → ∞) limit of the vertex shift on a centred grid.
#[pyfunction]
fn vertex_shift_continuum_limit(alpha: f64, beta: f64, width: f64) -> PyResult<f64> {
    vertex_shift_continuum(&alpha, &beta, &width).map_err(analysis_err)
}

/// The small-width expansion δw ≈ d₂W² + d₄W⁴ on an n-point centred grid
/// (`points=None`: the continuum): returns (d2, d4).
#[pyfunction]
#[pyo3(signature = (alpha, beta, points = None))]
fn vertex_shift_small_width_coefficients(
    alpha: f64,
    beta: f64,
    points: Option<usize>,
) -> PyResult<(f64, f64)> {
    let s = vertex_shift_small_width(&alpha, &beta, points).map_err(analysis_err)?;
    Ok((s.d2, s.d4))
}

fn law_dict<'py>(py: Python<'py>, fit: &Approach2Fit<f64>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    set_laws(&d, &fit.n_law, &fit.d_law)?;
    let budgets: Vec<f64> = fit.vertices.iter().map(|v| v.budget).collect();
    let n_opt: Vec<f64> = fit.vertices.iter().map(|v| v.log10_n_opt).collect();
    let d_opt: Vec<f64> = fit.vertices.iter().map(|v| v.log10_d_opt).collect();
    d.set_item("budgets", budgets.into_pyarray(py))?;
    d.set_item("log10_n_opt", n_opt.into_pyarray(py))?;
    d.set_item("log10_d_opt", d_opt.into_pyarray(py))?;
    Ok(d)
}

/// Approach 2's two laws under the JSON keys `a`, `b`, `a_intercept`,
/// `b_intercept`.
fn set_laws(d: &Bound<'_, PyDict>, n_law: &PowerLaw<f64>, d_law: &PowerLaw<f64>) -> PyResult<()> {
    d.set_item("a", n_law.exponent)?;
    d.set_item("b", d_law.exponent)?;
    d.set_item("a_intercept", n_law.intercept)?;
    d.set_item("b_intercept", d_law.intercept)
}

/// The simulated design: budgets (default 1e17 … 1e21), the IsoFLOP grid and
/// the sampling bias, validated by the library.
fn design(
    width: f64,
    points: usize,
    budgets: Option<Column<'_>>,
    drift: f64,
    scale: f64,
) -> PyResult<(Vec<f64>, IsoflopGrid<f64>, SamplingBias<f64>)> {
    let budgets = match budgets {
        Some(b) => column("budgets", &b)?,
        None => default_budgets(),
    };
    let grid = IsoflopGrid::new(width, points).map_err(sampling_err)?;
    let bias = SamplingBias::new(drift, scale).map_err(sampling_err)?;
    Ok((budgets, grid, bias))
}

/// What Approach 2 will report on noise-free IsoFLOP data, in closed form
/// (keys as the `predicted` object of `scaling-laws approach2 --json`).
#[pyfunction]
#[pyo3(signature = (surface, width, points = 15, budgets = None, drift = 0.0, scale = 1.0))]
fn predict_approach2_fit<'py>(
    py: Python<'py>,
    surface: &PySurface,
    width: f64,
    points: usize,
    budgets: Option<Column<'_>>,
    drift: f64,
    scale: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let (budgets, grid, bias) = design(width, points, budgets, drift, scale)?;
    let p = predict_approach2(&surface.inner, &budgets, &grid, &bias).map_err(analysis_err)?;
    let d = PyDict::new(py);
    set_laws(&d, &p.n_law, &p.d_law)?;
    Ok(d)
}

/// What a misallocated budget costs on `surface`: train with `tokens` (and
/// N = C/(6·tokens)) instead of D*(C), or, given `token_error` = log10(D̂/D*)
/// instead, the same in closed form. Keys: the fields of the crate's
/// `AllocationCost` plus `wasted_dollars`.
#[pyfunction]
#[pyo3(signature = (surface, budget, tokens = None, token_error = None))]
fn allocation_cost<'py>(
    py: Python<'py>,
    surface: &PySurface,
    budget: f64,
    tokens: Option<f64>,
    token_error: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let cost = match (tokens, token_error) {
        (Some(t), None) => cost::allocation_cost(&surface.inner, &budget, &t),
        (None, Some(e)) => cost::allocation_cost_closed_form(&surface.inner, &budget, &e),
        _ => {
            return Err(InvalidInputError::new_err(
                "give exactly one of tokens and token_error",
            ))
        }
    }
    .map_err(invalid)?;
    let d = PyDict::new(py);
    d.set_item("budget", cost.budget)?;
    d.set_item("tokens", cost.tokens)?;
    d.set_item("params", cost.params)?;
    d.set_item("token_error", cost.token_error)?;
    d.set_item("loss", cost.loss)?;
    d.set_item("optimal_loss", cost.optimal_loss)?;
    d.set_item("loss_gap", cost.loss_gap)?;
    d.set_item("compute_for_loss", cost.compute_for_loss)?;
    d.set_item("wasted_compute", cost.wasted_compute)?;
    d.set_item("wasted_share", cost.wasted_share)?;
    d.set_item("wasted_dollars", cost.wasted_dollars())?;
    Ok(d)
}

// ---------------------------------------------------------------- sampling

/// The most points `simulate_isoflops` makes (budgets × points): the
/// command line's `approach2` limit.
const MAX_SIMULATED_POINTS: usize = 1_000_000;

/// Noise-free IsoFLOP samples of a surface: a dict of numpy arrays
/// `N`, `D`, `loss`, `budget` (one row per point, budgets in order).
#[pyfunction]
#[pyo3(signature = (surface, width, points = 15, budgets = None, drift = 0.0, scale = 1.0))]
fn simulate_isoflops<'py>(
    py: Python<'py>,
    surface: &PySurface,
    width: f64,
    points: usize,
    budgets: Option<Column<'_>>,
    drift: f64,
    scale: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let (budgets, grid, bias) = design(width, points, budgets, drift, scale)?;
    // The command line's limit, before anything is simulated.
    let total = budgets.len().saturating_mul(points);
    if total > MAX_SIMULATED_POINTS {
        return Err(invalid(format!(
            "points = {points} on {} budget(s) asks for {total} simulated points; the limit is {MAX_SIMULATED_POINTS}",
            budgets.len()
        )));
    }
    let pts = sample_isoflops(&surface.inner, &budgets, &grid, &bias).map_err(sampling_err)?;
    // A width, drift or scale that moves a grid beyond f64's range gives N or
    // D of 0 or ∞: refused, naming the arguments.
    if let Some(p) = pts
        .iter()
        .find(|p| ![p.n, p.d, p.loss].iter().all(|v| v.is_finite() && *v > 0.0))
    {
        return Err(invalid(format!(
            "budget C = {:e}: width = {width:?}, drift = {drift:?}, scale = {scale:?} place the grid at N = {:e}, D = {:e}, L = {:e}, outside f64's positive finite range; use a smaller width, drift or scale",
            p.budget, p.n, p.d, p.loss
        )));
    }
    let d = PyDict::new(py);
    let pick = |f: fn(&IsoflopPoint<f64>) -> f64| pts.iter().map(f).collect::<Vec<f64>>();
    d.set_item("N", pick(|p| p.n).into_pyarray(py))?;
    d.set_item("D", pick(|p| p.d).into_pyarray(py))?;
    d.set_item("loss", pick(|p| p.loss).into_pyarray(py))?;
    d.set_item("budget", pick(|p| p.budget).into_pyarray(py))?;
    Ok(d)
}

// ---------------------------------------------------------------- fits

/// Approach 2 (a parabola in log10 N per budget, then power laws through the
/// vertices) on measured points; keys as `scaling-laws fit --method
/// approach2 --json`, plus the per-budget optima.
#[pyfunction]
#[pyo3(signature = (N, D, loss, budget))]
#[allow(non_snake_case)]
fn fit_approach2_points<'py>(
    py: Python<'py>,
    N: Column<'_>,
    D: Column<'_>,
    loss: Column<'_>,
    budget: Column<'_>,
) -> PyResult<Bound<'py, PyDict>> {
    let (n, d, l, c) = (
        column("N", &N)?,
        column("D", &D)?,
        column("loss", &loss)?,
        column("budget", &budget)?,
    );
    within_rows(n.len())?;
    same_length(
        &["N", "D", "loss", "budget"],
        &[n.len(), d.len(), l.len(), c.len()],
    )?;
    let points: Vec<IsoflopPoint<f64>> = (0..n.len())
        .map(|i| IsoflopPoint {
            n: n[i],
            d: d[i],
            loss: l[i],
            budget: c[i],
        })
        .collect();
    let fit = py
        .detach(|| fit_approach2(&points))
        .map_err(approach2_err)?;
    law_dict(py, &fit)
}

fn surface_method(method: &str, objective: Option<&str>) -> PyResult<SurfaceMethod> {
    let vpnls = |m: &str| -> PyResult<VpnlsMethod> {
        Ok(match m {
            "lm" => VpnlsMethod::LevenbergMarquardt,
            "nelder-mead" => VpnlsMethod::NelderMead,
            "lbfgsb" => VpnlsMethod::Lbfgsb(GradientSource::Analytic),
            "grid" => VpnlsMethod::Grid,
            other => {
                return Err(InvalidInputError::new_err(format!(
                    "unknown VPNLS method '{other}' (known: lm, nelder-mead, lbfgsb, grid)"
                )))
            }
        })
    };
    match method {
        "vpnls" | "approach3" | "grid5" => {}
        other => {
            return Err(InvalidInputError::new_err(format!(
                "unknown surface method '{other}' (known: vpnls, approach3, grid5)"
            )))
        }
    }
    if method == "approach3" {
        let name = objective.unwrap_or("rss");
        let obj = Objective::from_name(name).ok_or_else(|| {
            InvalidInputError::new_err(format!(
                "unknown objective '{name}' (known: rss, rss-log-params, log-loss, huber-log)"
            ))
        })?;
        let start = if obj == Objective::HuberLog {
            Approach3Start::ChinchillaGrid
        } else {
            Approach3Start::Grid
        };
        return Ok(SurfaceMethod::approach3(obj, start));
    }
    if method == "grid5" {
        if objective.is_some() {
            return Err(InvalidInputError::new_err(
                "objective applies to approach3 only",
            ));
        }
        return Ok(SurfaceMethod::Grid5(Grid5Params::default()));
    }
    Ok(SurfaceMethod::vpnls_with(vpnls(objective.unwrap_or("lm"))?))
}

fn fit_dict<'py>(py: Python<'py>, f: &SurfaceFit<f64>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("E", f.e)?;
    d.set_item("A", f.a)?;
    d.set_item("B", f.b)?;
    d.set_item("alpha", f.alpha)?;
    d.set_item("beta", f.beta)?;
    d.set_item("rss", f.rss)?;
    d.set_item("status", f.status.as_str())?;
    d.set_item("iterations", f.iterations)?;
    d.set_item("warnings", f.warnings.clone())?;
    if let Some(c) = &f.certificate {
        let cd = PyDict::new(py);
        cd.set_item("objective", c.objective)?;
        cd.set_item("value", c.value)?;
        cd.set_item("profile_best", c.profile_best)?;
        cd.set_item("gap", c.gap)?;
        cd.set_item("tolerance", c.tolerance)?;
        cd.set_item("global_stage", c.global_stage)?;
        d.set_item("certificate", cd)?;
    }
    Ok(d)
}

fn surface_data(n: &Column<'_>, d: &Column<'_>, l: &Column<'_>) -> PyResult<SurfaceData<f64>> {
    let (n, d, l) = (column("N", n)?, column("D", d)?, column("loss", l)?);
    same_length(&["N", "D", "loss"], &[n.len(), d.len(), l.len()])?;
    within_rows(n.len())?;
    SurfaceData::new(&n, &d, &l).map_err(fit_err)
}

/// Fit the five-parameter surface with `method` (vpnls, approach3, grid5);
/// `variant` is the VPNLS outer search (lm, nelder-mead, lbfgsb, grid) or
/// Approach 3's objective (rss, rss-log-params, log-loss, huber-log).
/// Keys as `scaling-laws fit --json`.
#[pyfunction]
#[pyo3(signature = (N, D, loss, method = "vpnls", variant = None))]
#[allow(non_snake_case)]
fn fit_surface<'py>(
    py: Python<'py>,
    N: Column<'_>,
    D: Column<'_>,
    loss: Column<'_>,
    method: &str,
    variant: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let m = surface_method(method, variant)?;
    let data = surface_data(&N, &D, &loss)?;
    let fit = py
        .detach(|| m.fit_with_global_check(&data))
        .map_err(fit_err)?;
    fit_dict(py, &fit)
}

/// Fit many data sets in parallel (rayon, GIL released); each item is an
/// (N, D, loss) triple. Returns one dict per data set, or an exception
/// object in its place when that fit failed.
#[pyfunction]
#[pyo3(signature = (datasets, method = "vpnls", variant = None))]
fn fit_surfaces<'py>(
    py: Python<'py>,
    datasets: Vec<(Column<'py>, Column<'py>, Column<'py>)>,
    method: &str,
    variant: Option<&str>,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let m = surface_method(method, variant)?;
    // Arguments that are not arrays are raised (they are the caller's
    // mistake, not one data set's failure).
    let mut columns = Vec::with_capacity(datasets.len());
    for (k, (n, d, l)) in datasets.iter().enumerate() {
        let name = |a: &str| format!("datasets[{k}].{a}");
        let (n, d, l) = (
            column(&name("N"), n)?,
            column(&name("D"), d)?,
            column(&name("loss"), l)?,
        );
        within_rows(n.len())?;
        // Mismatched lengths are the caller's mistake too: raised, naming
        // the data set, its arrays and their lengths.
        same_length(
            &[
                name("N").as_str(),
                name("D").as_str(),
                name("loss").as_str(),
            ],
            &[n.len(), d.len(), l.len()],
        )?;
        columns.push((n, d, l));
    }
    let data: Vec<Result<SurfaceData<f64>, FitError>> = columns
        .iter()
        .map(|(n, d, l)| SurfaceData::new(n, d, l))
        .collect();
    let fits: Vec<Result<SurfaceFit<f64>, FitError>> = py.detach(|| {
        data.par_iter()
            .map(|d| {
                d.as_ref()
                    .map_err(Clone::clone)
                    .and_then(|d| m.fit_with_global_check(d))
            })
            .collect()
    });
    fits.into_iter()
        .map(|f| match f {
            Ok(f) => Ok(fit_dict(py, &f)?.into_any()),
            Err(e) => Ok(fit_err(e).into_value(py).into_bound(py).into_any()),
        })
        .collect()
}

/// Run one of the crate's commands (the arguments after `scaling-laws`) and
/// return what it prints: the real-data analyses (`dark-matter`,
/// `hitchhiker`) are bound this way, so that their JSON is the command
/// line's own, key for key. The GIL is released while it runs.
#[pyfunction]
fn run_command(py: Python<'_>, args: Vec<String>) -> PyResult<String> {
    use clap::Parser;
    let argv = std::iter::once("scaling-laws".to_string()).chain(args);
    let cli = scaling_laws::cli::Cli::try_parse_from(argv).map_err(invalid)?;
    py.detach(|| scaling_laws::cli::run(cli))
        .map_err(|e| match e {
            scaling_laws::cli::CliError::Fit(f) => fit_err(f),
            other => invalid(other),
        })
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ScalingLawsError", py.get_type::<ScalingLawsError>())?;
    m.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    m.add("FitFailedError", py.get_type::<FitFailedError>())?;
    m.add_class::<PySurface>()?;
    m.add_function(wrap_pyfunction!(vertex_shift, m)?)?;
    m.add_function(wrap_pyfunction!(vertex_shift_continuum_limit, m)?)?;
    m.add_function(wrap_pyfunction!(vertex_shift_small_width_coefficients, m)?)?;
    m.add_function(wrap_pyfunction!(predict_approach2_fit, m)?)?;
    m.add_function(wrap_pyfunction!(allocation_cost, m)?)?;
    m.add_function(wrap_pyfunction!(simulate_isoflops, m)?)?;
    m.add_function(wrap_pyfunction!(fit_approach2_points, m)?)?;
    m.add_function(wrap_pyfunction!(fit_surface, m)?)?;
    m.add_function(wrap_pyfunction!(fit_surfaces, m)?)?;
    m.add_function(wrap_pyfunction!(run_command, m)?)?;
    Ok(())
}
