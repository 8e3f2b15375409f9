//! Training runs from any CSV file: the columns holding model size,
//! training compute, (optionally) training tokens and loss are named by the
//! caller; tokens default to `D = C/(6N)`.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{read_positive_columns, DataError};

/// The column names of a runs file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunColumns {
    /// Model size N (parameters).
    pub size: String,
    /// Training compute C (FLOPs).
    pub flops: String,
    /// Training tokens D; `None`: derived as C/(6N).
    pub tokens: Option<String>,
    /// Final loss.
    pub loss: String,
}

impl Default for RunColumns {
    /// The columns of the Chinchilla extraction (`Model Size`,
    /// `Training FLOP`, `loss`), tokens derived.
    fn default() -> Self {
        Self {
            size: "Model Size".into(),
            flops: "Training FLOP".into(),
            tokens: None,
            loss: "loss".into(),
        }
    }
}

/// Runs read from a file, every value positive and finite, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Runs {
    /// The file.
    pub path: PathBuf,
    /// Model size per run.
    pub size: Vec<f64>,
    /// Training compute per run.
    pub flops: Vec<f64>,
    /// Training tokens per run (read, or C/(6N)).
    pub tokens: Vec<f64>,
    /// Whether tokens were derived from C/(6N).
    pub tokens_derived: bool,
    /// Final loss per run.
    pub loss: Vec<f64>,
}

/// A runs file that cannot be analysed.
#[derive(Debug, Error)]
pub enum RunsError {
    /// A malformed file, naming the line and column.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Fewer runs than the analysis needs.
    #[error("{path}: {rows} data rows, at least {needed} needed (the two-term law has {needed} parameters)")]
    TooFewRows {
        /// The file.
        path: PathBuf,
        /// Data rows found.
        rows: usize,
        /// Rows needed.
        needed: usize,
    },
}

/// Read runs from `path`, requiring at least `min_rows` rows.
///
/// # Errors
/// [`RunsError::Data`] naming the file, line and column of the first
/// missing column or bad cell (not a number, not positive, not finite);
/// [`RunsError::TooFewRows`].
pub fn read_runs(path: &Path, columns: &RunColumns, min_rows: usize) -> Result<Runs, RunsError> {
    let mut names = vec![
        columns.size.as_str(),
        columns.flops.as_str(),
        columns.loss.as_str(),
    ];
    if let Some(t) = &columns.tokens {
        names.push(t.as_str());
    }
    let mut cols = read_positive_columns(path, &names)?;
    let rows = cols[0].len();
    if rows < min_rows {
        return Err(RunsError::TooFewRows {
            path: path.to_path_buf(),
            rows,
            needed: min_rows,
        });
    }
    let (tokens, tokens_derived) = if columns.tokens.is_some() {
        (cols.pop().unwrap_or_default(), false)
    } else {
        (
            cols[1]
                .iter()
                .zip(&cols[0])
                .map(|(c, n)| c / (6.0 * n))
                .collect(),
            true,
        )
    };
    let loss = cols.pop().unwrap_or_default();
    let flops = cols.pop().unwrap_or_default();
    let size = cols.pop().unwrap_or_default();
    Ok(Runs {
        path: path.to_path_buf(),
        size,
        flops,
        tokens,
        tokens_derived,
        loss,
    })
}
