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
    /// `--out` names something other than a folder (or, for a command
    /// writing one file, something other than a regular file): refused
    /// before any work, and left untouched.
    #[error("--out {path}: {what}; nothing was written and it was left untouched")]
    OutTarget {
        /// The path given.
        path: PathBuf,
        /// What it is and what was expected.
        what: String,
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

/// What a file-system object is, in words ("a regular file", "a FIFO", …).
pub fn kind_of(meta: &fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a folder";
    }
    if t.is_file() {
        return "a regular file";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "neither a file nor a folder"
}

/// The output policy for a folder named by `--out`, applied before any
/// work: an existing folder (or a symbolic link to one) is used as it is,
/// an absent one is created with its parents; anything else (a file, a
/// device, a FIFO, a dangling link) is refused with [`IoError::OutTarget`]
/// and left untouched. Temporaries that an interrupted earlier run left in
/// the folder are removed ([`remove_stale_temps`]). Files are then written
/// into it one by one, each atomically ([`write_atomic`]): concurrent runs
/// into one folder both succeed, each file holding one run's whole copy.
///
/// # Errors
/// [`IoError::OutTarget`], or [`IoError::Os`] when the folder cannot be
/// created (naming the OS error: permission denied, read-only file system…).
pub fn prepare_out_dir(dir: &Path) -> Result<(), IoError> {
    if !check_out_dir(dir)? {
        // A parent that is a file is reported by the creation itself
        // ("Not a directory").
        fs::create_dir_all(dir).map_err(os(dir))?;
    }
    remove_stale_temps(dir);
    Ok(())
}

/// The check of [`prepare_out_dir`] alone, for a command's start (before
/// any work; nothing is created, so a run refused later writes nothing):
/// `Ok(true)` for an existing folder, `Ok(false)` for an absent path.
///
/// # Errors
/// [`IoError::OutTarget`], or [`IoError::Os`] when the path cannot be
/// examined (permission denied on a parent…).
pub fn check_out_dir(dir: &Path) -> Result<bool, IoError> {
    let refuse = |what: String| IoError::OutTarget {
        path: dir.to_path_buf(),
        what,
    };
    match fs::symlink_metadata(dir) {
        Ok(link) => match fs::metadata(dir) {
            Ok(m) if m.is_dir() => Ok(true),
            Ok(m) => Err(refuse(format!(
                "it is {}, not a folder (--out names a folder to create or reuse)",
                kind_of(&m)
            ))),
            Err(e) if link.file_type().is_symlink() => Err(refuse(format!(
                "it is a symbolic link that cannot be followed ({e}), not a folder"
            ))),
            Err(e) => Err(os(dir)(e)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(os(dir)(e)),
    }
}

/// The output policy for a single file named by `--out` (as `isoflops qc
/// --out FILE.csv`), applied before any work: an absent path or an existing
/// regular file (or a link to one, which is then replaced by the file) is
/// accepted; a folder, a device, a FIFO or a socket is refused with
/// [`IoError::OutTarget`] and left untouched. Stale temporaries beside it
/// are removed. The file is later written with [`write_atomic`].
///
/// # Errors
/// [`IoError::OutTarget`]; [`IoError::Os`] for an unreadable path.
pub fn prepare_out_file(path: &Path) -> Result<(), IoError> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(m) => {
            return Err(IoError::OutTarget {
                path: path.to_path_buf(),
                what: format!("it is {}, not a regular file", kind_of(&m)),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if fs::symlink_metadata(path).is_ok() {
                return Err(IoError::OutTarget {
                    path: path.to_path_buf(),
                    what: "it is a dangling symbolic link".into(),
                });
            }
        }
        Err(e) => return Err(os(path)(e)),
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    remove_stale_temps(parent.unwrap_or(Path::new(".")));
    Ok(())
}

/// Remove what an interrupted run of an earlier version of `dark-matter`
/// left beside its `--out` folder: hidden folders `.NAME.tmp-PID` (a
/// half-written copy: removed) and `.NAME.old-PID` (the previous copy, moved
/// aside: put back when `out` is absent, otherwise removed), for PIDs no
/// longer running. Returns the number handled.
pub fn sweep_folder_swaps(out: &Path) -> usize {
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return 0;
    };
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    let Ok(entries) = fs::read_dir(parent) else {
        return 0;
    };
    let proc_fs = Path::new("/proc/self").exists();
    let mut handled = 0;
    let mut olds = Vec::new();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&format!(".{name}.")) else {
            continue;
        };
        let Some((tag, pid)) = rest.split_once('-') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let alive = pid == std::process::id()
            || (proc_fs && Path::new("/proc").join(pid.to_string()).exists());
        if alive || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        match tag {
            "tmp" if fs::remove_dir_all(entry.path()).is_ok() => handled += 1,
            "old" => olds.push(entry.path()),
            _ => {}
        }
    }
    for old in olds {
        let restored = !out.exists() && fs::rename(&old, out).is_ok();
        if restored || fs::remove_dir_all(&old).is_ok() {
            handled += 1;
        }
    }
    handled
}

/// Why `path` cannot be read as a regular file, in words naming the OS
/// cause ("file not found", "permission denied", "a symbolic-link loop",
/// "it is a folder, not a regular file", "it is a FIFO (named pipe), not a
/// regular file", …); `None` when it is a regular file that opens.
pub fn unreadable_reason(path: &Path) -> Option<String> {
    let describe = |e: &std::io::Error| -> String {
        match (e.kind(), e.raw_os_error()) {
            (std::io::ErrorKind::NotFound, _) => {
                if fs::symlink_metadata(path).is_ok() {
                    "a dangling symbolic link (its target does not exist)".into()
                } else {
                    "file not found".into()
                }
            }
            (std::io::ErrorKind::PermissionDenied, _) => "permission denied".into(),
            // ELOOP on Linux and the BSDs.
            (_, Some(40 | 62)) => "a symbolic-link loop".into(),
            (std::io::ErrorKind::NotADirectory, _) => {
                "a component of the path is not a folder".into()
            }
            _ => e.to_string(),
        }
    };
    match fs::metadata(path) {
        Err(e) => Some(describe(&e)),
        Ok(m) if !m.is_file() => Some(format!("it is {}, not a regular file", kind_of(&m))),
        Ok(_) => fs::File::open(path).err().map(|e| describe(&e)),
    }
}

/// Whether [`unreadable_reason`] says the file simply does not exist.
pub fn is_absent(path: &Path) -> bool {
    matches!(fs::symlink_metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
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

/// A number for a reader (reports, captions): `digits` significant digits
/// (at least 1), plain decimals for magnitudes in [1e-3, 1e4) (`264`,
/// `0.0471`), otherwise mantissa and exponent with no padding (`4.71e20`,
/// `1.47e-5`, never `4.7074e20` or `1.4687e-05`); a mantissa that rounds
/// to 10 carries into the exponent. Non-finite values as `NaN`/`inf`.
pub fn fmt_sig(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return format!("{x:?}");
    }
    if x == 0.0 {
        return "0".into();
    }
    let digits = digits.max(1);
    let a = x.abs();
    // The exponent after rounding to `digits` (9.996e3 at 3 digits is 1.00e4).
    let s = format!("{:.*e}", digits - 1, x);
    let exp: i32 = s
        .rsplit_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if (-3..4).contains(&exp) && a < 1e4 {
        let decimals = (digits as i32 - 1 - exp).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        s
    }
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
    /// The file has more data rows than [`MAX_DATA_ROWS`].
    #[error("{path}: more than {limit} data rows (line {line}); VPNLS's grid search holds ~256 bytes per row (2.56 GB at 10^7 rows), so files are limited to {limit} rows; subsample or aggregate the runs")]
    TooManyRows {
        /// The file.
        path: PathBuf,
        /// The line where the limit was passed.
        line: u64,
        /// The limit.
        limit: usize,
    },
    /// The file has no header line.
    #[error("{path}: the file is empty (a header line naming the columns is needed)")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// The line of a CSV record as the user counts it (1-based, the header is
/// line 1). The csv reader counts `\n` bytes, and in a file with `\r\n`
/// line ends it records a record's start before consuming the `\n` left
/// from the previous line, one line too low; that `\n` is at the record's
/// byte offset, so it is read back from the file (on the error path only).
pub fn record_line(path: &Path, pos: Option<&csv::Position>) -> u64 {
    use std::io::{Read, Seek, SeekFrom};
    let Some(pos) = pos else {
        return 0;
    };
    let pending_newline = (|| -> std::io::Result<bool> {
        let mut f = fs::File::open(path)?;
        f.seek(SeekFrom::Start(pos.byte()))?;
        let mut b = [0u8; 1];
        Ok(f.read(&mut b)? == 1 && b[0] == b'\n')
    })()
    .unwrap_or(false);
    pos.line() + u64::from(pending_newline)
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
                line: pos.as_ref().map_or(1, |p| record_line(path, Some(p))),
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
            line: record_line(path, pos.as_ref()),
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

/// The most data rows [`read_positive_columns`] reads (and the Python
/// package's surface fits accept): 10⁶. VPNLS's grid search holds two
/// buffers of (grid values × rows) numbers, 256 bytes per row, so 10⁶ rows
/// are 256 MB; 10⁷ asked for 2.56 GB. Refused while reading, before any
/// fit allocates.
pub const MAX_DATA_ROWS: usize = 1_000_000;

/// Read the named columns of a CSV file (with a header) as positive finite
/// numbers; other columns are ignored. At most [`MAX_DATA_ROWS`] rows.
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
    for (row, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| csv_data_error(path, Some(&header), e))?;
        let line = || record_line(path, rec.position());
        if row >= MAX_DATA_ROWS {
            return Err(DataError::TooManyRows {
                path: path.to_path_buf(),
                line: line(),
                limit: MAX_DATA_ROWS,
            });
        }
        for (k, &i) in idx.iter().enumerate() {
            let text = rec.get(i).unwrap_or("");
            let v: f64 = text.parse().map_err(|_| DataError::NotNumeric {
                path: path.to_path_buf(),
                line: line(),
                column: columns[k].to_string(),
                value: text.to_string(),
            })?;
            if !(v.is_finite() && v > 0.0) {
                return Err(DataError::NotPositive {
                    text: text.to_string(),
                    path: path.to_path_buf(),
                    line: line(),
                    column: columns[k].to_string(),
                    value: v,
                });
            }
            out[k].push(v);
        }
    }
    Ok(out)
}
