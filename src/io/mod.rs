//! Files: tables as CSV and atomic writes (a failure never leaves a
//! half-written file).

pub mod training_curves;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

pub mod isoflops;
pub mod published;
pub mod runs;

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

/// Remove temporary files that an interrupted run of [`write_atomic`] (or
/// a figure writer using [`temp_beside`]) left in `dir`: hidden names
/// `.NAME.PID.tmp` (or `.NAME.PID.tmp.EXT`) whose process is no longer
/// running (on systems without `/proc`, of any other process). Returns the
/// number removed; unreadable directories and entries are skipped.
pub fn remove_stale_temps(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let own = std::process::id();
    let proc_fs = Path::new("/proc/self").exists();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temp_pid(&name) else {
            continue;
        };
        let alive = pid == own || (proc_fs && Path::new("/proc").join(pid.to_string()).exists());
        if !alive && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The PID in a temporary name `.NAME.PID.tmp` or `.NAME.PID.tmp.EXT`.
fn temp_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let stem = match rest.rfind(".tmp") {
        Some(i)
            if rest[i + 4..].is_empty()
                || (rest[i + 4..].starts_with('.') && !rest[i + 5..].contains('.')) =>
        {
            &rest[..i]
        }
        _ => return None,
    };
    let (_, pid) = stem.rsplit_once('.')?;
    pid.parse().ok()
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

/// A malformed data file, naming the line and column.
#[derive(Debug, Error)]
pub enum DataError {
    /// The file could not be read or parsed as CSV.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A required column is absent from the header.
    #[error("{path}: no column '{column}' in the header (columns: {available})")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The header's columns, comma separated.
        available: String,
    },
    /// A cell is not a number.
    #[error("{path}: line {line}, column '{column}': '{value}' is not a number")]
    NotNumeric {
        /// The file.
        path: PathBuf,
        /// 1-based line (the header is line 1).
        line: u64,
        /// Column name.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// A cell is zero, negative, infinite or NaN (or overflows f64, as
    /// `1e400`: the cell's text is quoted, not the `inf` it parses to).
    #[error("{path}: line {line}, column '{column}': '{text}' must be a positive finite number{}", if value.is_infinite() && !text.to_ascii_lowercase().contains("inf") { " (it overflows f64)" } else { "" })]
    NotPositive {
        /// The cell's text.
        text: String,
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// The value.
        value: f64,
    },
    /// A cell is not valid UTF-8 text.
    #[error("{path}: line {line}, column {column}: the cell is not valid UTF-8 text (after its first {valid_bytes} bytes)")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column: its name in quotes (`'tokens'`), or `number k`
        /// (1-based) when the header itself is unreadable.
        column: String,
        /// How many bytes of the cell are valid UTF-8.
        valid_bytes: usize,
    },
    /// A line has more or fewer fields than the header.
    #[error("{path}: line {line} has {got} field(s) where the header has {expected}{}: {}", if header.is_empty() { String::new() } else { format!(" ({header})") }, if got < expected { "a missing cell, or a quote \" that is never closed" } else { "an extra cell, or a comma inside an unquoted cell" })]
    FieldCount {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Fields on that line.
        got: u64,
        /// Fields in the header.
        expected: u64,
        /// The header's columns, comma separated (empty if unknown).
        header: String,
    },
    /// The file has no header line.
    #[error("{path}: the file is empty (a header line naming the columns is needed)")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// A CSV reader's error as a [`DataError`] naming the line and the column
/// (by name from `header` when known, else by 1-based number): invalid
/// UTF-8 and a wrong number of fields get their own variants; any other
/// error (the file cannot be opened or read) stays [`IoError::Csv`].
pub fn csv_data_error(
    path: &Path,
    header: Option<&csv::StringRecord>,
    source: csv::Error,
) -> DataError {
    let header_text = header
        .map(|h| h.iter().collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    match source.kind() {
        csv::ErrorKind::Utf8 { pos, err } => {
            let k = err.field();
            let column = match header.and_then(|h| h.get(k)) {
                Some(name) => format!("'{name}'"),
                None => format!("number {}", k + 1),
            };
            DataError::NotUtf8 {
                path: path.to_path_buf(),
                line: pos.as_ref().map_or(1, |p| p.line()),
                column,
                valid_bytes: err.valid_up_to(),
            }
        }
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => DataError::FieldCount {
            path: path.to_path_buf(),
            line: pos.as_ref().map_or(0, |p| p.line()),
            got: *len,
            expected: *expected_len,
            header: header_text,
        },
        _ => DataError::Io(IoError::Csv {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Read the named columns of a CSV file (with a header) as positive finite
/// numbers; other columns are ignored.
///
/// # Errors
/// [`DataError`] naming the file, line and column of the first bad cell.
pub fn read_positive_columns(path: &Path, columns: &[&str]) -> Result<Vec<Vec<f64>>, DataError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| csv_data_error(path, None, e))?;
    let header = rdr
        .headers()
        .map_err(|e| csv_data_error(path, None, e))?
        .clone();
    if header.iter().all(str::is_empty) {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut idx = Vec::with_capacity(columns.len());
    for c in columns {
        match header.iter().position(|h| h == *c) {
            Some(i) => idx.push(i),
            None => {
                return Err(DataError::MissingColumn {
                    path: path.to_path_buf(),
                    column: (*c).to_string(),
                    available: header.iter().collect::<Vec<_>>().join(", "),
                })
            }
        }
    }
    let mut out = vec![Vec::new(); columns.len()];
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_data_error(path, Some(&header), e))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        for (k, &i) in idx.iter().enumerate() {
            let text = rec.get(i).unwrap_or("");
            let v: f64 = text.parse().map_err(|_| DataError::NotNumeric {
                path: path.to_path_buf(),
                line,
                column: columns[k].to_string(),
                value: text.to_string(),
            })?;
            if !(v.is_finite() && v > 0.0) {
                return Err(DataError::NotPositive {
                    text: text.to_string(),
                    path: path.to_path_buf(),
                    line,
                    column: columns[k].to_string(),
                    value: v,
                });
            }
            out[k].push(v);
        }
    }
    Ok(out)
}
