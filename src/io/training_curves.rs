//! Training logs: one CSV per model size (loss against step or tokens), or
//! one long table holding several sizes; and the dataset registry (TOML)
//! that names them. The rules are in `specs/hitchhiker.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use super::DataError;

/// Where a curve's token counts come from.
#[derive(Debug, Clone, PartialEq)]
pub enum TokensMode {
    /// A column of the file (default `tokens`).
    Column(String),
    /// `tokens = step × K` (K tokens per step); any tokens column is ignored.
    PerStep(f64),
}

/// How to read a dataset's curves.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveOptions {
    /// The loss column (default `validation_loss`).
    pub loss_column: String,
    /// The step column (default `step`).
    pub step_column: String,
    /// Where tokens come from (default the column `tokens`).
    pub tokens: TokensMode,
    /// Drop the first `⌊fraction × rows⌋` checkpoints of each curve (after
    /// averaging and filtering); 0 keeps all.
    pub skip_first: f64,
    /// Drop checkpoints with fewer tokens than this.
    pub min_tokens: Option<f64>,
}

impl Default for CurveOptions {
    fn default() -> Self {
        Self {
            loss_column: "validation_loss".into(),
            step_column: "step".into(),
            tokens: TokensMode::Column("tokens".into()),
            skip_first: 0.0,
            min_tokens: None,
        }
    }
}

/// A long table: several model sizes in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct LongTable {
    /// The file.
    pub path: PathBuf,
    /// The column naming the model size.
    pub size_column: String,
    /// Size label → parameter count N.
    pub sizes: BTreeMap<String, u64>,
    /// The tokens column.
    pub tokens_column: String,
    /// Tokens are stored as log10.
    pub tokens_log10: bool,
    /// The loss column.
    pub loss_column: String,
    /// The loss column holds perplexity; the loss is its natural log.
    pub loss_perplexity: bool,
}

/// One model size's curve, sorted by tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Parameter count N.
    pub n: u64,
    /// Where it came from (file name, or the size label of a long table).
    pub label: String,
    /// Token counts D.
    pub tokens: Vec<f64>,
    /// Losses L.
    pub loss: Vec<f64>,
}

/// The curves of one dataset, sorted by N.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveSet {
    /// The curves.
    pub curves: Vec<Curve>,
}

impl CurveSet {
    /// All checkpoints concatenated: (N, D, L).
    pub fn points(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (mut n, mut d, mut l) = (Vec::new(), Vec::new(), Vec::new());
        for c in &self.curves {
            n.extend(std::iter::repeat_n(c.n as f64, c.tokens.len()));
            d.extend_from_slice(&c.tokens);
            l.extend_from_slice(&c.loss);
        }
        (n, d, l)
    }

    /// The point indices of each curve (in [`points`](Self::points) order).
    pub fn groups(&self) -> Vec<Vec<usize>> {
        let mut start = 0;
        self.curves
            .iter()
            .map(|c| {
                let g: Vec<usize> = (start..start + c.tokens.len()).collect();
                start += c.tokens.len();
                g
            })
            .collect()
    }

    /// Number of checkpoints.
    pub fn len(&self) -> usize {
        self.curves.iter().map(|c| c.tokens.len()).sum()
    }

    /// No checkpoint at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why training logs or a registry could not be read.
#[derive(Debug, Error)]
pub enum CurveError {
    /// A malformed CSV file (a missing column, a non-numeric cell), naming
    /// the file, line and column.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A file that does not exist.
    #[error("{path}: file not found")]
    MissingFile {
        /// The file.
        path: PathBuf,
    },
    /// A parameter count that is not a positive integer.
    #[error("{context}: N must be a positive integer, got '{value}'")]
    BadN {
        /// The file or dataset it belongs to.
        context: String,
        /// The text given.
        value: String,
    },
    /// Steps but no tokens: the file has no tokens column and no tokens per
    /// step were given.
    #[error("{path}: no column '{column}' (columns: {available}); give tokens per step (--tokens-per-step K) to use tokens = step × K")]
    NoTokens {
        /// The file.
        path: PathBuf,
        /// The tokens column asked for.
        column: String,
        /// The header's columns.
        available: String,
    },
    /// A setting out of its domain.
    #[error("{name} must be {domain}, got {value}")]
    BadSetting {
        /// The setting.
        name: &'static str,
        /// What it must be.
        domain: &'static str,
        /// Its value.
        value: f64,
    },
    /// A long table names a size the registry does not map to N.
    #[error("{path}: line {line}, column '{column}': size '{value}' has no parameter count (known: {known})")]
    UnknownSize {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The size column.
        column: String,
        /// The label.
        value: String,
        /// The labels that have an N.
        known: String,
    },
    /// No checkpoint is left.
    #[error("{what}: no data points (after dropping non-finite values, tokens ≤ 0 and the skipped checkpoints)")]
    Empty {
        /// The dataset or file.
        what: String,
    },
    /// A registry that does not parse or is inconsistent.
    #[error("{path}: {message}")]
    Registry {
        /// The registry file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A dataset name that is not in the registry.
    #[error("unknown dataset '{name}'; known: {known}")]
    UnknownDataset {
        /// The name given.
        name: String,
        /// The names that exist.
        known: String,
    },
}

/// Parse a parameter count: a positive integer (`1683000`, or `2.8e9` when
/// that is an exact integer below 2^53).
///
/// # Errors
/// [`CurveError::BadN`] naming `context`.
pub fn parse_n(text: &str, context: &str) -> Result<u64, CurveError> {
    let bad = || CurveError::BadN {
        context: context.to_string(),
        value: text.to_string(),
    };
    let t = text.trim();
    if let Ok(v) = t.parse::<u64>() {
        return if v > 0 { Ok(v) } else { Err(bad()) };
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 1.0 && v.fract() == 0.0 && v < 9_007_199_254_740_992.0 => {
            Ok(v as u64)
        }
        _ => Err(bad()),
    }
}

fn csv_reader(path: &Path) -> Result<csv::Reader<std::fs::File>, CurveError> {
    if !path.is_file() {
        return Err(CurveError::MissingFile {
            path: path.to_path_buf(),
        });
    }
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|source| csv_error(path, source))
}

fn csv_error(path: &Path, source: csv::Error) -> CurveError {
    CurveError::Data(super::csv_data_error(path, None, source))
}

fn column_index(
    path: &Path,
    header: &csv::StringRecord,
    column: &str,
) -> Result<usize, CurveError> {
    header.iter().position(|h| h == column).ok_or_else(|| {
        CurveError::Data(DataError::MissingColumn {
            path: path.to_path_buf(),
            column: column.to_string(),
            available: header.iter().collect::<Vec<_>>().join(", "),
        })
    })
}

/// A cell as a number: empty, `nan` and `inf` cells are non-finite (masked
/// later); any other text that is not a number is an error naming the cell.
fn cell(path: &Path, rec: &csv::StringRecord, i: usize, column: &str) -> Result<f64, CurveError> {
    let text = rec.get(i).unwrap_or("");
    if text.is_empty() {
        return Ok(f64::NAN);
    }
    text.parse::<f64>().map_err(|_| {
        CurveError::Data(DataError::NotNumeric {
            path: path.to_path_buf(),
            line: rec.position().map(|p| p.line()).unwrap_or(0),
            column: column.to_string(),
            value: text.to_string(),
        })
    })
}

/// Group rows by `key` (exact value), averaging each column over its finite
/// entries; rows with a non-finite key are dropped. Returned sorted by key,
/// as (key, mean of column 0, mean of column 1); a mean with no finite entry is NaN.
fn average_by_key(rows: &[(f64, f64, f64)]) -> Vec<(f64, f64, f64)> {
    let mut groups: BTreeMap<u64, (f64, [f64; 2], [usize; 2])> = BTreeMap::new();
    for &(k, a, b) in rows {
        if !k.is_finite() {
            continue;
        }
        // Order-preserving key: the bits of a finite float with the sign
        // flipped into a total order.
        let bits = k.to_bits();
        let key = if k < 0.0 { !bits } else { bits | (1 << 63) };
        let e = groups.entry(key).or_insert((k, [0.0; 2], [0; 2]));
        for (j, v) in [a, b].into_iter().enumerate() {
            if v.is_finite() {
                e.1[j] += v;
                e.2[j] += 1;
            }
        }
    }
    groups
        .into_values()
        .map(|(k, s, c)| {
            let mean = |j: usize| {
                if c[j] > 0 {
                    s[j] / c[j] as f64
                } else {
                    f64::NAN
                }
            };
            (k, mean(0), mean(1))
        })
        .collect()
}

/// The common tail of both loaders: keep finite (tokens > 0, loss), sort by
/// tokens, skip the first fraction, apply the token floor.
fn finish_curve(mut pts: Vec<(f64, f64)>, opts: &CurveOptions, n: u64, label: String) -> Curve {
    pts.retain(|(d, l)| d.is_finite() && *d > 0.0 && l.is_finite());
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let skip = (opts.skip_first * pts.len() as f64).floor() as usize;
    let pts: Vec<(f64, f64)> = pts
        .into_iter()
        .skip(skip)
        .filter(|(d, _)| opts.min_tokens.is_none_or(|t| *d >= t))
        .collect();
    Curve {
        n,
        label,
        tokens: pts.iter().map(|p| p.0).collect(),
        loss: pts.iter().map(|p| p.1).collect(),
    }
}

fn check_options(opts: &CurveOptions) -> Result<(), CurveError> {
    if !(0.0..1.0).contains(&opts.skip_first) {
        return Err(CurveError::BadSetting {
            name: "skip-first",
            domain: "a fraction in [0, 1)",
            value: opts.skip_first,
        });
    }
    if let Some(t) = opts.min_tokens {
        if !t.is_finite() {
            return Err(CurveError::BadSetting {
                name: "min-tokens",
                domain: "finite",
                value: t,
            });
        }
    }
    if let TokensMode::PerStep(k) = opts.tokens {
        if !(k.is_finite() && k > 0.0) {
            return Err(CurveError::BadSetting {
                name: "tokens-per-step",
                domain: "positive and finite",
                value: k,
            });
        }
    }
    Ok(())
}

/// Read one training log: rows with the same step averaged (step, tokens,
/// loss), rows with tokens ≤ 0 (in step mode: step ≤ 0) dropped, non-finite
/// values masked, then the options' skip and floor; paired with N.
///
/// # Errors
/// [`CurveError::MissingFile`], [`CurveError::Data`] (missing column,
/// non-numeric cell: file, line, column), [`CurveError::NoTokens`],
/// [`CurveError::BadSetting`].
pub fn read_curve(path: &Path, n: u64, opts: &CurveOptions) -> Result<Curve, CurveError> {
    check_options(opts)?;
    let mut rdr = csv_reader(path)?;
    let header = rdr
        .headers()
        .map_err(|source| csv_error(path, source))?
        .clone();
    let step_i = column_index(path, &header, &opts.step_column)?;
    let loss_i = column_index(path, &header, &opts.loss_column)?;
    let tokens_i = match &opts.tokens {
        TokensMode::Column(c) => {
            Some(
                header
                    .iter()
                    .position(|h| h == c)
                    .ok_or_else(|| CurveError::NoTokens {
                        path: path.to_path_buf(),
                        column: c.clone(),
                        available: header.iter().collect::<Vec<_>>().join(", "),
                    })?,
            )
        }
        TokensMode::PerStep(_) => None,
    };
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|source| csv_error(path, source))?;
        let step = cell(path, &rec, step_i, &opts.step_column)?;
        let loss = cell(path, &rec, loss_i, &opts.loss_column)?;
        let tokens = match (tokens_i, &opts.tokens) {
            (Some(i), TokensMode::Column(c)) => cell(path, &rec, i, c)?,
            _ => f64::NAN,
        };
        rows.push((step, tokens, loss));
    }
    let pts = average_by_key(&rows)
        .into_iter()
        .map(|(step, tokens, loss)| match opts.tokens {
            TokensMode::PerStep(k) if step > 0.0 => (step * k, loss),
            TokensMode::PerStep(_) => (f64::NAN, loss),
            TokensMode::Column(_) => (tokens, loss),
        })
        .collect();
    let label = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(finish_curve(pts, opts, n, label))
}

/// Read several training logs, each paired with its N, as one dataset.
///
/// # Errors
/// As [`read_curve`]; [`CurveError::Empty`] when no checkpoint is left.
pub fn read_curves(files: &[(PathBuf, u64)], opts: &CurveOptions) -> Result<CurveSet, CurveError> {
    let mut curves = files
        .iter()
        .map(|(p, n)| read_curve(p, *n, opts))
        .collect::<Result<Vec<Curve>, CurveError>>()?;
    curves.retain(|c| !c.tokens.is_empty());
    curves.sort_by_key(|c| c.n);
    let set = CurveSet { curves };
    if set.is_empty() {
        return Err(CurveError::Empty {
            what: files
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(set)
}

/// Read a long table: per size label (mapped to N), rows with the same
/// token count averaged, tokens from log10 and loss from perplexity when so
/// configured, then as [`read_curve`]. The options' loss column and tokens
/// mode are not used (the table names its own).
///
/// # Errors
/// As [`read_curve`]; [`CurveError::UnknownSize`] for a label without N;
/// [`CurveError::Empty`].
pub fn read_long_table(table: &LongTable, opts: &CurveOptions) -> Result<CurveSet, CurveError> {
    check_options(opts)?;
    let path = table.path.as_path();
    let mut rdr = csv_reader(path)?;
    let header = rdr
        .headers()
        .map_err(|source| csv_error(path, source))?
        .clone();
    let size_i = column_index(path, &header, &table.size_column)?;
    let tokens_i = column_index(path, &header, &table.tokens_column)?;
    let loss_i = column_index(path, &header, &table.loss_column)?;
    let mut rows: BTreeMap<String, Vec<(f64, f64, f64)>> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|source| csv_error(path, source))?;
        let label = rec.get(size_i).unwrap_or("").to_string();
        if !table.sizes.contains_key(&label) {
            return Err(CurveError::UnknownSize {
                path: path.to_path_buf(),
                line: rec.position().map(|p| p.line()).unwrap_or(0),
                column: table.size_column.clone(),
                value: label,
                known: table.sizes.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        }
        let t = cell(path, &rec, tokens_i, &table.tokens_column)?;
        let l = cell(path, &rec, loss_i, &table.loss_column)?;
        let tokens = if table.tokens_log10 { 10f64.powf(t) } else { t };
        let loss = if table.loss_perplexity { l.ln() } else { l };
        rows.entry(label).or_default().push((tokens, tokens, loss));
    }
    let mut curves: Vec<Curve> = rows
        .into_iter()
        .map(|(label, r)| {
            let pts = average_by_key(&r)
                .into_iter()
                .map(|(_, d, l)| (d, l))
                .collect();
            finish_curve(pts, opts, table.sizes[&label], label)
        })
        .filter(|c| !c.tokens.is_empty())
        .collect();
    curves.sort_by_key(|c| c.n);
    let set = CurveSet { curves };
    if set.is_empty() {
        return Err(CurveError::Empty {
            what: path.display().to_string(),
        });
    }
    Ok(set)
}

/// What a dataset is made of.
#[derive(Debug, Clone, PartialEq)]
pub enum DatasetSource {
    /// One file per model size, with its N.
    Files(Vec<(PathBuf, u64)>),
    /// A long table.
    Long(LongTable),
}

/// A dataset of the registry, its paths resolved against the registry's folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Its name.
    pub name: String,
    /// A line of description (may be empty).
    pub description: String,
    /// Where its files are published, for files this crate does not ship
    /// (read from the folder named by `SCALING_LAWS_DATA`).
    pub origin: Option<String>,
    /// Its files.
    pub source: DatasetSource,
    /// How to read them.
    pub options: CurveOptions,
}

impl Dataset {
    /// The number of its files that exist.
    pub fn files_found(&self) -> usize {
        match &self.source {
            DatasetSource::Files(f) => f.iter().filter(|(p, _)| p.is_file()).count(),
            DatasetSource::Long(t) => usize::from(t.path.is_file()),
        }
    }

    /// Load its curves from the files that exist (as the published tool
    /// does); returns the curves and the paths that were missing.
    ///
    /// # Errors
    /// As [`read_curves`] / [`read_long_table`]; [`CurveError::Empty`] when
    /// none of its files exists.
    pub fn load(&self, opts: &CurveOptions) -> Result<(CurveSet, Vec<PathBuf>), CurveError> {
        match &self.source {
            DatasetSource::Files(f) => {
                let (found, missing): (Vec<_>, Vec<_>) =
                    f.iter().cloned().partition(|(p, _)| p.is_file());
                if found.is_empty() {
                    let hint = match &self.origin {
                        Some(o) => format!(
                            ": its files are published data this crate does not ship; get them from {o} and set {} to the folder that holds them",
                            super::published::DATA_ENV
                        ),
                        None => String::new(),
                    };
                    return Err(CurveError::Empty {
                        what: format!("dataset '{}' (no files found{hint})", self.name),
                    });
                }
                let set = read_curves(&found, opts)?;
                Ok((set, missing.into_iter().map(|(p, _)| p).collect()))
            }
            DatasetSource::Long(t) => Ok((read_long_table(t, opts)?, Vec::new())),
        }
    }
}

/// The folder of published data: `$SCALING_LAWS_DATA`, or the literal
/// `$SCALING_LAWS_DATA` when it is unset (a path that names the variable in
/// messages and exists nowhere).
fn published_dir() -> PathBuf {
    super::published::data_dir()
        .unwrap_or_else(|| PathBuf::from(format!("${}", super::published::DATA_ENV)))
}

/// The dataset registry: named datasets, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Registry {
    /// The registry file.
    pub path: PathBuf,
    /// Its datasets.
    pub datasets: Vec<Dataset>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryToml {
    #[serde(default)]
    dataset: Vec<DatasetToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    /// Relative to the registry's folder.
    path: Option<PathBuf>,
    /// Relative to the published-data folder (`SCALING_LAWS_DATA`): data
    /// this crate may not ship.
    published: Option<PathBuf>,
    n: toml::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetToml {
    name: String,
    #[serde(default)]
    description: String,
    /// Where unshipped files are published (repository and path).
    origin: Option<String>,
    #[serde(default)]
    files: Vec<FileToml>,
    file: Option<PathBuf>,
    size_column: Option<String>,
    #[serde(default)]
    sizes: BTreeMap<String, toml::Value>,
    loss_column: Option<String>,
    step_column: Option<String>,
    tokens_column: Option<String>,
    #[serde(default)]
    tokens_log10: bool,
    #[serde(default)]
    loss_perplexity: bool,
    tokens_per_step: Option<f64>,
    skip_first: Option<f64>,
    min_tokens: Option<f64>,
}

fn value_n(v: &toml::Value, context: &str) -> Result<u64, CurveError> {
    match v {
        toml::Value::Integer(i) if *i > 0 => Ok(*i as u64),
        toml::Value::Float(f) => parse_n(&f.to_string(), context),
        toml::Value::String(s) => parse_n(s, context),
        other => Err(CurveError::BadN {
            context: context.to_string(),
            value: format!("{other:?}"),
        }),
    }
}

/// The environment variable naming a dataset registry for `hitchhiker`.
pub const REGISTRY_ENV: &str = "SCALING_LAWS_REGISTRY";

impl Registry {
    /// Where `hitchhiker` finds a registry when none is named:
    /// `$SCALING_LAWS_REGISTRY`, else `data/registry.toml` below the working
    /// directory (the repository's root), else the shipped registry of the
    /// source tree this crate was built from, when it still exists.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os(REGISTRY_ENV).filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(p));
        }
        [
            PathBuf::from("data/registry.toml"),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data/registry.toml"),
        ]
        .into_iter()
        .find(|p| p.is_file())
    }

    /// Read a registry file (format in `specs/hitchhiker.md`); relative
    /// paths are taken from the registry's folder.
    ///
    /// # Errors
    /// [`CurveError::MissingFile`], [`CurveError::Registry`] (TOML syntax,
    /// unknown keys, a dataset with neither `files` nor `file`, a long table
    /// without `size_column`/`sizes`, duplicate names), [`CurveError::BadN`].
    pub fn load(path: &Path) -> Result<Self, CurveError> {
        let text = std::fs::read_to_string(path).map_err(|_| CurveError::MissingFile {
            path: path.to_path_buf(),
        })?;
        let reg_err = |message: String| CurveError::Registry {
            path: path.to_path_buf(),
            message,
        };
        let raw: RegistryToml = toml::from_str(&text).map_err(|e| reg_err(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut datasets: Vec<Dataset> = Vec::new();
        for d in raw.dataset {
            if datasets.iter().any(|x| x.name == d.name) {
                return Err(reg_err(format!("dataset '{}' is defined twice", d.name)));
            }
            let ctx = |what: &str| format!("{}: dataset '{}', {what}", path.display(), d.name);
            let mut options = CurveOptions::default();
            if let Some(c) = &d.loss_column {
                options.loss_column = c.clone();
            }
            if let Some(c) = &d.step_column {
                options.step_column = c.clone();
            }
            if let Some(c) = &d.tokens_column {
                options.tokens = TokensMode::Column(c.clone());
            }
            if let Some(k) = d.tokens_per_step {
                options.tokens = TokensMode::PerStep(k);
            }
            options.skip_first = d.skip_first.unwrap_or(0.0);
            options.min_tokens = d.min_tokens;
            check_options(&options).map_err(|e| reg_err(format!("dataset '{}': {e}", d.name)))?;
            let source = match (&d.file, d.files.is_empty()) {
                (Some(file), true) => {
                    let size_column = d.size_column.clone().ok_or_else(|| {
                        reg_err(format!("dataset '{}': a long table needs size_column", d.name))
                    })?;
                    if d.sizes.is_empty() {
                        return Err(reg_err(format!(
                            "dataset '{}': a long table needs sizes (label = N)",
                            d.name
                        )));
                    }
                    let mut sizes = BTreeMap::new();
                    for (label, v) in &d.sizes {
                        sizes.insert(label.clone(), value_n(v, &ctx(&format!("size '{label}'")))?);
                    }
                    DatasetSource::Long(LongTable {
                        path: base.join(file),
                        size_column,
                        sizes,
                        tokens_column: d.tokens_column.clone().unwrap_or_else(|| "tokens".into()),
                        tokens_log10: d.tokens_log10,
                        loss_column: options.loss_column.clone(),
                        loss_perplexity: d.loss_perplexity,
                    })
                }
                (None, false) => {
                    let mut files = Vec::new();
                    for f in &d.files {
                        let p = match (&f.path, &f.published) {
                            (Some(p), None) => base.join(p),
                            (None, Some(p)) => published_dir().join(p),
                            _ => {
                                return Err(reg_err(format!(
                                    "dataset '{}': each file needs either path (relative to the registry) or published (relative to {}), not both or neither",
                                    d.name,
                                    super::published::DATA_ENV
                                )))
                            }
                        };
                        let n = value_n(&f.n, &ctx(&p.display().to_string()))?;
                        files.push((p, n));
                    }
                    DatasetSource::Files(files)
                }
                _ => {
                    return Err(reg_err(format!(
                        "dataset '{}' needs either files = [{{ path, n }}, …] or file = (a long table), not both or neither",
                        d.name
                    )))
                }
            };
            datasets.push(Dataset {
                name: d.name,
                description: d.description,
                origin: d.origin,
                source,
                options,
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            datasets,
        })
    }

    /// The dataset called `name`.
    ///
    /// # Errors
    /// [`CurveError::UnknownDataset`] listing the known names.
    pub fn get(&self, name: &str) -> Result<&Dataset, CurveError> {
        self.datasets
            .iter()
            .find(|d| d.name == name)
            .ok_or_else(|| CurveError::UnknownDataset {
                name: name.to_string(),
                known: self
                    .datasets
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}
