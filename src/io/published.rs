//! Published data that this crate may not redistribute: where a command
//! looks for them and what it says when they are absent.
//!
//! Epoch AI's extraction of the Chinchilla runs, the IsoFLOP file of five
//! studies and the seed's training runs carry no licence, so they are never
//! shipped. A command reads them from a path given on its command line or,
//! failing that, from the folder named by [`DATA_ENV`] (laid out as in
//! [`PublishedFile::rel`]); when neither is there, the error names the file
//! and where it is published.

use std::path::PathBuf;

use thiserror::Error;

/// The environment variable naming the folder of published data.
pub const DATA_ENV: &str = "SCALING_LAWS_DATA";

/// A published data file: its place in the data folder and its origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedFile {
    /// Its path below the data folder.
    pub rel: &'static str,
    /// What it holds.
    pub what: &'static str,
    /// Where it is published: repository and path.
    pub origin: &'static str,
}

/// The 947-row IsoFLOP file of five published studies.
pub const ISOFLOPS: PublishedFile = PublishedFile {
    rel: "isoflops/isoflops.csv",
    what: "the IsoFLOP measurements of five published studies",
    origin: "GitHub repository Open-Athena/scaling-law-analysis, file data/isoflops/transform/isoflops.csv",
};

/// Epoch AI's extraction of the 245 Chinchilla training runs.
pub const CHINCHILLA_RUNS: PublishedFile = PublishedFile {
    rel: "chinchilla/svg_extracted_data.csv",
    what: "Epoch AI's extraction of the 245 Chinchilla training runs",
    origin:
        "GitHub repository epoch-research/analyzing-chinchilla, file data/svg_extracted_data.csv",
};

/// A published file that could not be found.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{} needs {} ({rel}), which is published data this crate may not ship: get it from the {}, then pass {flag} FILE or set {DATA_ENV} to a folder holding {rel} ({state})", .command, .file.what, .file.origin, rel = .file.rel)]
pub struct MissingPublished {
    /// The command that needs it.
    pub command: String,
    /// The file.
    pub file: PublishedFile,
    /// The option that names it.
    pub flag: String,
    /// What was looked at: `SCALING_LAWS_DATA is unset` or the missing path.
    pub state: String,
}

/// The folder named by [`DATA_ENV`], when it is set and not empty.
pub fn data_dir() -> Option<PathBuf> {
    std::env::var_os(DATA_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The path of `file`: `given` when the user named one, else
/// `$SCALING_LAWS_DATA/<rel>` when that file exists.
///
/// # Errors
/// [`MissingPublished`] naming the file, its origin, `flag` and what was
/// looked at.
pub fn locate(
    given: Option<&std::path::Path>,
    file: PublishedFile,
    command: &str,
    flag: &str,
) -> Result<PathBuf, MissingPublished> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    let missing = |state: String| MissingPublished {
        command: command.to_string(),
        file,
        flag: flag.to_string(),
        state,
    };
    match data_dir() {
        None => Err(missing(format!("{DATA_ENV} is unset"))),
        Some(dir) => {
            let p = dir.join(file.rel);
            if p.is_file() {
                Ok(p)
            } else {
                Err(missing(format!("{} does not exist", p.display())))
            }
        }
    }
}
