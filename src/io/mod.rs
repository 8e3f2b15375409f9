//! Files: tables as CSV and atomic writes (a failure never leaves a
//! half-written file).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// A file could not be written or read.
#[derive(Debug, Error)]
pub enum IoError {
    /// An operating-system error on a path.
    #[error("{path}: {source}")]
    Os {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A CSV error on a path.
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: csv::Error,
    },
}

fn os(path: &Path) -> impl FnOnce(std::io::Error) -> IoError + '_ {
    move |source| IoError::Os {
        path: path.to_path_buf(),
        source,
    }
}

/// Write `bytes` to `path` atomically: into a temporary file beside it, then
/// renamed into place.
///
/// # Errors
/// [`IoError::Os`] naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let tmp = temp_beside(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(os(&tmp))?;
        f.write_all(bytes).map_err(os(&tmp))?;
        f.sync_all().map_err(os(&tmp))?;
        fs::rename(&tmp, path).map_err(os(path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A temporary name beside `path` (same directory, so rename is atomic).
pub fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Create a directory and its parents.
///
/// # Errors
/// [`IoError::Os`] naming the directory.
pub fn create_dir(dir: &Path) -> Result<(), IoError> {
    fs::create_dir_all(dir).map_err(os(dir))
}

/// A table of named columns, every cell already formatted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new<S: AsRef<str>>(header: &[S]) -> Self {
        Self {
            header: header.iter().map(|s| s.as_ref().to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Append a row.
    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.header.len());
        self.rows.push(row);
    }

    /// The table as CSV text.
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.header)?;
        for r in &self.rows {
            w.write_record(r)?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    /// Write the table to `path` as CSV, atomically.
    ///
    /// # Errors
    /// [`IoError`] naming the path.
    pub fn write_csv(&self, path: &Path) -> Result<(), IoError> {
        let bytes = self.to_csv().map_err(|source| IoError::Csv {
            path: path.to_path_buf(),
            source,
        })?;
        write_atomic(path, &bytes)
    }
}

/// A float formatted for CSV: the shortest text that reads back to the same
/// `f64` (so CSV round-trips exactly); non-finite values as `NaN`/`inf`.
pub fn fmt_f64(x: f64) -> String {
    format!("{x:?}")
}
