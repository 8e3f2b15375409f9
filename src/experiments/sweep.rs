//! The Approach 2 sweep shared by Experiments 1–4 and 10: noise-free IsoFLOP
//! data for every (surface, sampling bias, grid half-width) cell asked for,
//! each fitted by every Approach-2-like method of the sweep and predicted in
//! closed form by [`predict_approach2`].
//!
//! The experiments ask for cells ([`CellKey`]); `experiment all` runs the
//! union once ([`Approach2Sweep::run`]) and every experiment reads its cells
//! from it. A method is a function from points to an [`Approach2Fit`]: adding
//! one adds a column to every experiment's numbers, not another sweep.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::analysis::{predict_approach2, Approach2Prediction};
use crate::fitters::{fit_approach2, Approach2Error, Approach2Fit, PowerLaw};
use crate::io::{fmt_f64, Table};
use crate::models::{LossSurface, Preset};
use crate::plots::Series;
use crate::sampling::{sample_isoflops, IsoflopGrid, IsoflopPoint, SamplingBias, SamplingError};

use super::ExperimentError;

/// A sampling bias with a name for tables and legends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NamedBias {
    /// The name (`baseline`, `drift_0.2`, …).
    pub name: &'static str,
    /// Drift rate r (decades at the largest budget).
    pub drift_rate: f64,
    /// Centre scale s.
    pub center_scale: f64,
}

impl NamedBias {
    /// No bias: grids centred on the true optimum.
    pub const BASELINE: Self = Self::new("baseline", 0.0, 1.0);
    /// Drift 0.2 decades at the largest budget.
    pub const DRIFT_0_2: Self = Self::new("drift_0.2", 0.2, 1.0);
    /// Drift 0.4.
    pub const DRIFT_0_4: Self = Self::new("drift_0.4", 0.4, 1.0);
    /// Centre scale 1.5.
    pub const SCALE_1_5: Self = Self::new("scale_1.5", 0.0, 1.5);
    /// Centre scale 2.
    pub const SCALE_2_0: Self = Self::new("scale_2.0", 0.0, 2.0);
    /// The five standard configurations, in [`SamplingBias::NAMES`] order.
    pub const STANDARD: [Self; 5] = [
        Self::BASELINE,
        Self::DRIFT_0_2,
        Self::DRIFT_0_4,
        Self::SCALE_1_5,
        Self::SCALE_2_0,
    ];

    /// A named bias (validated when used, by [`sampling`](Self::sampling)).
    pub const fn new(name: &'static str, drift_rate: f64, center_scale: f64) -> Self {
        Self {
            name,
            drift_rate,
            center_scale,
        }
    }

    /// The bias as a validated [`SamplingBias`].
    ///
    /// # Errors
    /// [`SamplingError::BadBias`].
    pub fn sampling(&self) -> Result<SamplingBias<f64>, SamplingError> {
        SamplingBias::new(self.drift_rate, self.center_scale)
    }
}

/// Marker size and opacity of budget k (of up to five, increasing): larger
/// and more opaque for larger budgets, in every figure.
pub const BUDGET_STYLE: [(u32, f64); 5] = [(2, 0.35), (3, 0.5), (4, 0.65), (5, 0.8), (6, 1.0)];

/// A numerical curve as markers (labelled) and its closed form as a line of
/// the same colour (unlabelled): the convention of every Approach 2 figure.
pub fn fit_and_closed_form(
    label: impl Into<String>,
    numerical: Vec<(f64, f64)>,
    closed_form: Vec<(f64, f64)>,
    color: usize,
) -> Vec<Series> {
    vec![
        Series::markers(label, numerical, color),
        Series::line("", closed_form, color),
    ]
}

/// A file stem from a case name: a dot would read as an extension
/// (`drift_0.2` → `drift_0p2`).
pub fn file_stem(name: &str) -> String {
    name.replace('.', "p")
}

/// The palette index of a surface: the same colour in every figure.
pub fn surface_color(p: Preset) -> usize {
    match p {
        Preset::Symmetric => 0,
        Preset::Chinchilla => 1,
        Preset::Balanced => 2,
        Preset::Ratio1_5 => 3,
        Preset::Ratio2 => 8,
        Preset::Asymmetric => 9,
        Preset::Ratio9 => 11,
    }
}

/// The palette index of a bias by name: the same colour in every figure.
pub fn bias_color(name: &str) -> usize {
    match name {
        "baseline" => 6,
        "drift_0.2" => 5,
        "drift_0.4" => 0,
        "scale_1.5" => 4,
        "scale_2.0" => 1,
        "offset_3x" => 3,
        "drift_to_3x" => 2,
        _ => 7,
    }
}

/// The fit of an Approach-2-like method.
pub type Approach2LikeFit = fn(&[IsoflopPoint<f64>]) -> Result<Approach2Fit<f64>, Approach2Error>;

/// An Approach-2-like method: IsoFLOP points in, power laws for N* and D*
/// (and per-budget vertices) out.
#[derive(Debug, Clone, Copy)]
pub struct SweepMethod {
    /// Label for tables and legends.
    pub name: &'static str,
    /// The fit.
    pub fit: Approach2LikeFit,
}

impl SweepMethod {
    /// Chinchilla's Approach 2 ([`fit_approach2`]).
    pub fn approach2() -> Self {
        Self {
            name: "approach2",
            fit: fit_approach2::<f64>,
        }
    }
}

/// One cell of the sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct CellKey {
    /// The surface.
    pub surface: Preset,
    /// The sampling bias.
    pub bias: NamedBias,
    /// Grid half-width W (decades).
    pub half_width: f64,
}

/// Every cell surface × bias × width, nested in that order (surfaces
/// outermost).
pub fn grid_cells(surfaces: &[Preset], biases: &[NamedBias], widths: &[f64]) -> Vec<CellKey> {
    let mut v = Vec::with_capacity(surfaces.len() * biases.len() * widths.len());
    for &surface in surfaces {
        for &bias in biases {
            for &half_width in widths {
                v.push(CellKey {
                    surface,
                    bias,
                    half_width,
                });
            }
        }
    }
    v
}

type KeyBits = (Preset, &'static str, u64, u64, u64);

impl CellKey {
    fn bits(&self) -> KeyBits {
        (
            self.surface,
            self.bias.name,
            self.bias.drift_rate.to_bits(),
            self.bias.center_scale.to_bits(),
            self.half_width.to_bits(),
        )
    }
}

/// A computed cell: the data, each method's fit and the closed form.
#[derive(Debug, Clone)]
pub struct SweepCell {
    /// Which cell.
    pub key: CellKey,
    /// The noise-free IsoFLOP points, budget by budget.
    pub points: Vec<IsoflopPoint<f64>>,
    /// One fit per method of the sweep, in its order.
    pub fits: Vec<Approach2Fit<f64>>,
    /// The closed-form prediction of Approach 2.
    pub predicted: Approach2Prediction<f64>,
}

/// The computed sweep.
#[derive(Debug, Clone)]
pub struct Approach2Sweep {
    /// Compute budgets, increasing.
    pub budgets: Vec<f64>,
    /// Points per IsoFLOP curve.
    pub points: usize,
    /// The methods, one fit each per cell.
    pub methods: Vec<SweepMethod>,
    cells: Vec<SweepCell>,
    index: HashMap<KeyBits, usize>,
}

impl Approach2Sweep {
    /// Approach 2 alone on `keys`: what an experiment run on its own
    /// computes (`experiment all` runs one sweep for all of them).
    ///
    /// # Errors
    /// As [`run`](Self::run).
    pub fn approach2(
        keys: &[CellKey],
        budgets: &[f64],
        points: usize,
    ) -> Result<Self, ExperimentError> {
        Self::run(keys, budgets, points, &[SweepMethod::approach2()])
    }

    /// Compute every distinct cell of `keys` (in parallel; the result does not
    /// depend on the thread count).
    ///
    /// # Errors
    /// A bad width, bias or budget, or a method's or the closed form's failure.
    pub fn run(
        keys: &[CellKey],
        budgets: &[f64],
        points: usize,
        methods: &[SweepMethod],
    ) -> Result<Self, ExperimentError> {
        let mut distinct: Vec<CellKey> = Vec::new();
        let mut index = HashMap::new();
        for k in keys {
            if let std::collections::hash_map::Entry::Vacant(e) = index.entry(k.bits()) {
                e.insert(distinct.len());
                distinct.push(k.clone());
            }
        }
        let cells = distinct
            .into_par_iter()
            .map(|key| -> Result<SweepCell, ExperimentError> {
                let surface = LossSurface::<f64>::preset(key.surface);
                let grid = IsoflopGrid::new(key.half_width, points)?;
                let bias = key.bias.sampling()?;
                let pts = sample_isoflops(&surface, budgets, &grid, &bias)?;
                let fits = methods
                    .iter()
                    .map(|m| (m.fit)(&pts))
                    .collect::<Result<Vec<_>, _>>()?;
                let predicted = predict_approach2(&surface, budgets, &grid, &bias)?;
                Ok(SweepCell {
                    key,
                    points: pts,
                    fits,
                    predicted,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            budgets: budgets.to_vec(),
            points,
            methods: methods.to_vec(),
            cells,
            index,
        })
    }

    /// The cell for (surface, bias, W), if the sweep computed it.
    pub fn get(&self, surface: Preset, bias: &NamedBias, half_width: f64) -> Option<&SweepCell> {
        let key = CellKey {
            surface,
            bias: *bias,
            half_width,
        };
        self.index.get(&key.bits()).map(|&i| &self.cells[i])
    }

    /// The cell, or an error naming it.
    ///
    /// # Errors
    /// [`ExperimentError::MissingCell`] when the sweep does not hold it.
    pub fn cell(
        &self,
        surface: Preset,
        bias: &NamedBias,
        half_width: f64,
    ) -> Result<&SweepCell, ExperimentError> {
        self.get(surface, bias, half_width)
            .ok_or_else(|| ExperimentError::MissingCell {
                surface: surface.name(),
                bias: bias.name,
                half_width,
            })
    }

    /// The cells of `keys`, in their order (for an experiment's loop over
    /// its own cells, e.g. [`grid_cells`]).
    ///
    /// # Errors
    /// [`ExperimentError::MissingCell`] for a cell this sweep does not hold.
    pub fn cells_of(&self, keys: &[CellKey]) -> Result<Vec<&SweepCell>, ExperimentError> {
        keys.iter()
            .map(|k| self.cell(k.surface, &k.bias, k.half_width))
            .collect()
    }

    /// The cells, in the order first asked for.
    pub fn cells(&self) -> &[SweepCell] {
        &self.cells
    }

    /// A sweep of just these cells, in this order (duplicates once).
    ///
    /// # Errors
    /// [`ExperimentError::MissingCell`] for a cell this sweep does not hold.
    pub fn subset(&self, keys: &[CellKey]) -> Result<Self, ExperimentError> {
        let mut cells = Vec::new();
        let mut index = HashMap::new();
        for k in keys {
            if index.contains_key(&k.bits()) {
                continue;
            }
            let c = self.cell(k.surface, &k.bias, k.half_width)?;
            index.insert(k.bits(), cells.len());
            cells.push(c.clone());
        }
        Ok(Self {
            budgets: self.budgets.clone(),
            points: self.points,
            methods: self.methods.clone(),
            cells,
            index,
        })
    }

    /// Number of distinct cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True if the sweep has no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// `10^x − 1` without cancellation for small x.
pub fn prefactor_error(log10_ratio: f64) -> f64 {
    (log10_ratio * std::f64::consts::LN_10).exp_m1()
}

/// The errors of one Approach 2 result (fitted or predicted) against the
/// truth. Exponent errors `(â − a)/a`; intercept errors on the log10
/// intercept `(â0 − a0)/|a0|`, and as prefactor errors `10^(â0 − a0) − 1`;
/// per-budget optimum errors `(N̂*_k − N*_k)/N*_k` and the same for D*.
#[derive(Debug, Clone, PartialEq)]
pub struct Approach2Errors {
    /// (â − a)/a.
    pub a: f64,
    /// (b̂ − b)/b.
    pub b: f64,
    /// (â0 − a0)/|a0|, log10 intercepts.
    pub a0: f64,
    /// (b̂0 − b0)/|b0|.
    pub b0: f64,
    /// 10^(â0 − a0) − 1.
    pub a0_prefactor: f64,
    /// 10^(b̂0 − b0) − 1.
    pub b0_prefactor: f64,
    /// Per budget, (N̂*_k − N*_k)/N*_k.
    pub n_opt: Vec<f64>,
    /// Per budget, (D̂*_k − D*_k)/D*_k.
    pub d_opt: Vec<f64>,
}

impl Approach2Errors {
    /// The errors of power laws and per-budget log10 optima against `surface`.
    pub fn new(
        surface: &LossSurface<f64>,
        n_law: &PowerLaw<f64>,
        d_law: &PowerLaw<f64>,
        budgets: &[f64],
        log10_n: &[f64],
        log10_d: &[f64],
    ) -> Self {
        let (a, b, a0, b0) = (
            surface.exponent_a(),
            surface.exponent_b(),
            surface.a0(),
            surface.b0(),
        );
        Self {
            a: (n_law.exponent - a) / a,
            b: (d_law.exponent - b) / b,
            a0: (n_law.intercept - a0) / a0.abs(),
            b0: (d_law.intercept - b0) / b0.abs(),
            a0_prefactor: prefactor_error(n_law.intercept - a0),
            b0_prefactor: prefactor_error(d_law.intercept - b0),
            n_opt: budgets
                .iter()
                .zip(log10_n)
                .map(|(c, n)| prefactor_error(n - surface.log10_n_opt(c)))
                .collect(),
            d_opt: budgets
                .iter()
                .zip(log10_d)
                .map(|(c, d)| prefactor_error(d - surface.log10_d_opt(c)))
                .collect(),
        }
    }

    /// All the errors as one list (for the largest deviation).
    fn values(&self) -> Vec<f64> {
        let mut v = vec![
            self.a,
            self.b,
            self.a0,
            self.b0,
            self.a0_prefactor,
            self.b0_prefactor,
        ];
        v.extend(&self.n_opt);
        v.extend(&self.d_opt);
        v
    }

    /// The largest |self − other| over every error.
    pub fn max_deviation(&self, other: &Self) -> f64 {
        self.values()
            .iter()
            .zip(other.values())
            .fold(0.0, |m, (x, y)| m.max((x - y).abs()))
    }
}

impl SweepCell {
    /// The true surface.
    pub fn surface(&self) -> LossSurface<f64> {
        LossSurface::preset(self.key.surface)
    }

    /// Errors of method `m`'s fit.
    pub fn fitted_errors(&self, m: usize, budgets: &[f64]) -> Approach2Errors {
        let f = &self.fits[m];
        let ln: Vec<f64> = f.vertices.iter().map(|v| v.log10_n_opt).collect();
        let ld: Vec<f64> = f.vertices.iter().map(|v| v.log10_d_opt).collect();
        Approach2Errors::new(&self.surface(), &f.n_law, &f.d_law, budgets, &ln, &ld)
    }

    /// Errors Approach 2 makes according to the closed form.
    pub fn predicted_errors(&self, budgets: &[f64]) -> Approach2Errors {
        let s = self.surface();
        let ln: Vec<f64> = budgets
            .iter()
            .zip(&self.predicted.shifts)
            .map(|(c, dw)| s.log10_n_opt(c) + dw)
            .collect();
        let ld: Vec<f64> = budgets
            .iter()
            .zip(&self.predicted.shifts)
            .map(|(c, dw)| s.log10_d_opt(c) - dw)
            .collect();
        Approach2Errors::new(
            &s,
            &self.predicted.n_law,
            &self.predicted.d_law,
            budgets,
            &ln,
            &ld,
        )
    }
}

/// How many of the errors table's quantities (a, b, a0, b0) carry their true
/// value and estimates beside their errors; the prefactor errors are of
/// `10^a0` and `10^b0`, whose estimates the log10 intercepts already give.
const ESTIMATED: usize = 4;

/// The errors table of the sweep's cells: per cell, the true exponents and
/// log10 intercepts, each method's and the closed form's estimates of them,
/// and the fitted errors of each method and the closed form's.
pub fn errors_table(sweep: &Approach2Sweep) -> Table {
    let quantities = ["a", "b", "a0", "b0", "a0_prefactor", "b0_prefactor"];
    let mut header = vec![
        "surface".to_string(),
        "bias".into(),
        "half_width".into(),
        "factor".into(),
    ];
    for (i, q) in quantities.iter().enumerate() {
        if i < ESTIMATED {
            header.push(format!("{q}_true"));
            for m in &sweep.methods {
                header.push(format!("{q}_hat_{}", m.name));
            }
            header.push(format!("{q}_hat_closed_form"));
        }
        for m in &sweep.methods {
            header.push(format!("{q}_error_{}", m.name));
        }
        header.push(format!("{q}_error_closed_form"));
    }
    header.push("max_abs_deviation".into());
    let mut t = Table::new(&header);
    for c in &sweep.cells {
        let fitted: Vec<Approach2Errors> = (0..sweep.methods.len())
            .map(|m| c.fitted_errors(m, &sweep.budgets))
            .collect();
        let pred = c.predicted_errors(&sweep.budgets);
        let pick = |e: &Approach2Errors, q: usize| match q {
            0 => e.a,
            1 => e.b,
            2 => e.a0,
            3 => e.b0,
            4 => e.a0_prefactor,
            _ => e.b0_prefactor,
        };
        let mut row = vec![
            c.key.surface.name().to_string(),
            c.key.bias.name.to_string(),
            fmt_f64(c.key.half_width),
            fmt_f64(10f64.powf(c.key.half_width)),
        ];
        let s = c.surface();
        let truth: [f64; ESTIMATED] = [s.exponent_a(), s.exponent_b(), s.a0(), s.b0()];
        let laws: Vec<(&PowerLaw<f64>, &PowerLaw<f64>)> = c
            .fits
            .iter()
            .map(|f| (&f.n_law, &f.d_law))
            .chain([(&c.predicted.n_law, &c.predicted.d_law)])
            .collect();
        let estimate = |(n, d): (&PowerLaw<f64>, &PowerLaw<f64>), q: usize| match q {
            0 => n.exponent,
            1 => d.exponent,
            2 => n.intercept,
            _ => d.intercept,
        };
        for q in 0..quantities.len() {
            if let Some(&t) = truth.get(q) {
                row.push(fmt_f64(t));
                row.extend(laws.iter().map(|&l| fmt_f64(estimate(l, q))));
            }
            for f in &fitted {
                row.push(fmt_f64(pick(f, q)));
            }
            row.push(fmt_f64(pick(&pred, q)));
        }
        let dev = fitted
            .iter()
            .map(|f| f.max_deviation(&pred))
            .fold(0.0, f64::max);
        row.push(fmt_f64(dev));
        t.push(row);
    }
    t
}

/// The per-budget optima table of the sweep's cells: per cell and budget, relative and
/// signed N* and D* errors, each method's and the closed form's.
pub fn optima_table(sweep: &Approach2Sweep) -> Table {
    let mut header = vec![
        "surface".to_string(),
        "bias".into(),
        "half_width".into(),
        "budget".into(),
        "n_opt_true".into(),
        "d_opt_true".into(),
    ];
    for q in ["n_opt", "d_opt"] {
        for m in &sweep.methods {
            header.push(format!("{q}_hat_{}", m.name));
        }
        header.push(format!("{q}_hat_closed_form"));
    }
    for q in ["n_opt_rel", "d_opt_rel", "n_opt_signed", "d_opt_signed"] {
        for m in &sweep.methods {
            header.push(format!("{q}_error_{}", m.name));
        }
        header.push(format!("{q}_error_closed_form"));
    }
    let mut t = Table::new(&header);
    for c in &sweep.cells {
        let s = c.surface();
        let fitted: Vec<Approach2Errors> = (0..sweep.methods.len())
            .map(|m| c.fitted_errors(m, &sweep.budgets))
            .collect();
        let pred = c.predicted_errors(&sweep.budgets);
        for (k, budget) in sweep.budgets.iter().enumerate() {
            let (n, d) = (s.n_opt(budget), s.d_opt(budget));
            let mut row = vec![
                c.key.surface.name().to_string(),
                c.key.bias.name.to_string(),
                fmt_f64(c.key.half_width),
                fmt_f64(*budget),
                fmt_f64(n),
                fmt_f64(d),
            ];
            let all: Vec<&Approach2Errors> = fitted.iter().chain([&pred]).collect();
            // N̂* = N*·(1 + rel. error), the estimate the error was taken of.
            row.extend(all.iter().map(|e| fmt_f64(n + e.n_opt[k] * n)));
            row.extend(all.iter().map(|e| fmt_f64(d + e.d_opt[k] * d)));
            row.extend(all.iter().map(|e| fmt_f64(e.n_opt[k])));
            row.extend(all.iter().map(|e| fmt_f64(e.d_opt[k])));
            row.extend(all.iter().map(|e| fmt_f64(e.n_opt[k] * n)));
            row.extend(all.iter().map(|e| fmt_f64(e.d_opt[k] * d)));
            t.push(row);
        }
    }
    t
}

/// The largest |fitted − closed form| over every error of the sweep's cells
/// and every method.
pub fn max_deviation(sweep: &Approach2Sweep) -> f64 {
    sweep
        .cells
        .iter()
        .flat_map(|c| {
            let pred = c.predicted_errors(&sweep.budgets);
            (0..sweep.methods.len())
                .map(move |m| c.fitted_errors(m, &sweep.budgets).max_deviation(&pred))
        })
        .fold(0.0, f64::max)
}
