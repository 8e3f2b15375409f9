//! The published IsoFLOP file (`isoflops.csv`) and the Chinchilla runs file
//! (`svg_extracted_data.csv`): typed loaders and the writer of QC output.
//!
//! The IsoFLOP file has the columns
//! `source,dataset,model,condition,experiment,tokens,params,budget,loss`,
//! and optionally `outlier,reason` (the flags of a previous QC run).

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{fmt_f64, read_positive_columns, DataError, IoError, Table};

/// One row of an IsoFLOP file.
#[derive(Debug, Clone, PartialEq)]
pub struct IsoflopRow {
    /// The study the row comes from (`llama_3`, …).
    pub source: String,
    /// The training data set.
    pub dataset: String,
    /// The model family.
    pub model: String,
    /// A condition within the study (may be empty).
    pub condition: String,
    /// The family of IsoFLOP curves the row belongs to.
    pub experiment: String,
    /// Training tokens D.
    pub tokens: f64,
    /// Model size N (parameters).
    pub params: f64,
    /// The nominal compute budget C of the curve (FLOPs).
    pub budget: f64,
    /// The loss L.
    pub loss: f64,
    /// The outlier flag in the file, when it has the column.
    pub outlier: Option<bool>,
    /// The outlier reason in the file, when it has the column.
    pub reason: Option<String>,
}

/// A malformed IsoFLOP file.
#[derive(Debug, Error)]
pub enum IsoflopFileError {
    /// A numeric column or the CSV itself is malformed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// An `outlier` cell is neither `True` nor `False`.
    #[error("{path}: line {line}, column 'outlier': '{value}' is not True or False")]
    NotBoolean {
        /// The file.
        path: PathBuf,
        /// 1-based line (the header is line 1).
        line: u64,
        /// The cell's text.
        value: String,
    },
    /// The file has a header but no rows.
    #[error("{path}: no data rows")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// The text columns every IsoFLOP file has, in order.
pub const TEXT_COLUMNS: [&str; 5] = ["source", "dataset", "model", "condition", "experiment"];
/// The numeric columns every IsoFLOP file has, in order.
pub const NUMERIC_COLUMNS: [&str; 4] = ["tokens", "params", "budget", "loss"];

/// Read an IsoFLOP file. Numbers must be positive and finite; `outlier`, if
/// present, must be `True`/`False` (any case).
///
/// # Errors
/// [`IsoflopFileError`] naming the file, line and column of the first bad
/// cell (a missing column, a non-number, a non-positive number, a bad flag).
pub fn read_isoflops(path: &Path) -> Result<Vec<IsoflopRow>, IsoflopFileError> {
    let numbers = read_positive_columns(path, &NUMERIC_COLUMNS)?;
    let csv_err = |source| {
        DataError::Io(IoError::Csv {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(csv_err)?;
    let header = rdr.headers().map_err(csv_err)?.clone();
    let find = |c: &str| header.iter().position(|h| h == c);
    let mut text_idx = Vec::with_capacity(TEXT_COLUMNS.len());
    for c in TEXT_COLUMNS {
        text_idx.push(find(c).ok_or_else(|| DataError::MissingColumn {
            path: path.to_path_buf(),
            column: c.to_string(),
            available: header.iter().collect::<Vec<_>>().join(", "),
        })?);
    }
    let (outlier_idx, reason_idx) = (find("outlier"), find("reason"));
    let mut rows = Vec::with_capacity(numbers[0].len());
    for (k, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(csv_err)?;
        let text = |i: usize| rec.get(text_idx[i]).unwrap_or("").to_string();
        let outlier = match outlier_idx.map(|i| rec.get(i).unwrap_or("")) {
            None => None,
            Some(v) if v.eq_ignore_ascii_case("true") => Some(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Some(false),
            Some(v) => {
                return Err(IsoflopFileError::NotBoolean {
                    path: path.to_path_buf(),
                    line: super::record_line(path, rec.position()),
                    value: v.to_string(),
                })
            }
        };
        rows.push(IsoflopRow {
            source: text(0),
            dataset: text(1),
            model: text(2),
            condition: text(3),
            experiment: text(4),
            tokens: numbers[0][k],
            params: numbers[1][k],
            budget: numbers[2][k],
            loss: numbers[3][k],
            outlier,
            reason: reason_idx.map(|i| rec.get(i).unwrap_or("").to_string()),
        });
    }
    if rows.is_empty() {
        return Err(IsoflopFileError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(rows)
}

/// The rows as a table with the file's columns, `outlier` written as
/// `True`/`False` (as in the published file) and numbers in shortest
/// round-trip form.
pub fn isoflops_table(rows: &[IsoflopRow]) -> Table {
    let mut header: Vec<&str> = TEXT_COLUMNS.to_vec();
    header.extend(NUMERIC_COLUMNS);
    header.extend(["outlier", "reason"]);
    let mut t = Table::new(&header);
    for r in rows {
        t.push(vec![
            r.source.clone(),
            r.dataset.clone(),
            r.model.clone(),
            r.condition.clone(),
            r.experiment.clone(),
            fmt_f64(r.tokens),
            fmt_f64(r.params),
            fmt_f64(r.budget),
            fmt_f64(r.loss),
            match r.outlier {
                Some(true) => "True".into(),
                Some(false) => "False".into(),
                None => String::new(),
            },
            r.reason.clone().unwrap_or_default(),
        ]);
    }
    t
}

/// The Chinchilla training runs of Epoch AI's extraction: model size N,
/// training compute C and final loss L (columns `Model Size`,
/// `Training FLOP`, `loss`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChinchillaRuns {
    /// Model sizes N.
    pub n: Vec<f64>,
    /// Training compute C (FLOPs).
    pub c: Vec<f64>,
    /// Final losses L.
    pub loss: Vec<f64>,
}

/// Read the Chinchilla runs file.
///
/// # Errors
/// [`DataError`] naming the file, line and column of the first bad cell.
pub fn read_chinchilla_runs(path: &Path) -> Result<ChinchillaRuns, DataError> {
    let mut cols = read_positive_columns(path, &["Model Size", "Training FLOP", "loss"])?;
    let loss = cols.pop().unwrap_or_default();
    let c = cols.pop().unwrap_or_default();
    let n = cols.pop().unwrap_or_default();
    Ok(ChinchillaRuns { n, c, loss })
}
