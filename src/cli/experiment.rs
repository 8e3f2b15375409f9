//! `scaling-laws experiment`: run experiments and write their files.

use std::path::{Path, PathBuf};

use clap::Args;

use super::CliError;
use crate::experiments::{exp13, exp5, exp6, exp7, exp8, ExperimentFiles};
use crate::io::{create_dir, write_atomic};
use crate::plots::write_figure;

#[derive(Debug, Args)]
pub(crate) struct ExperimentArgs {
    /// The experiment number (5, 6, 7, 8, 13; 11, 12, 0 on published data) or `all`.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(["5", "6", "7", "8", "13", "11", "12", "0", "all"]))]
    pub(crate) number: String,
    /// Output directory (created if absent).
    #[arg(long, default_value = "out")]
    pub(crate) out: PathBuf,
    /// The shared data folder (with isoflops/ and chinchilla/) for
    /// experiments 11, 12 and 0; without it their file parts are skipped.
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
}

pub(crate) fn experiment_cmd(a: &ExperimentArgs) -> Result<String, CliError> {
    create_dir(&a.out)?;
    let numbers: Vec<&str> = match a.number.as_str() {
        "all" => EXPERIMENTS
            .iter()
            .chain(&super::isoflops::STUDY_EXPERIMENTS)
            .copied()
            .collect(),
        one => vec![one],
    };
    let mut out = String::new();
    for n in numbers {
        let start = std::time::Instant::now();
        let files = match n {
            "5" => exp5::run_exp5(&exp5::Exp5Config::default())?.files(),
            "6" => exp6::run_exp6(&exp6::Exp6Config::default())?.files(),
            "7" => exp7::run_exp7(&exp7::Exp7Config::default())?.files(),
            "8" => exp8::run_exp8(&exp8::Exp8Config::default())?.files(),
            "13" => exp13::run_exp13(&exp13::Exp13Config::default())?.files(),
            "11" | "12" | "0" => super::isoflops::study_experiment(n, a.data_dir.as_deref())?,
            other => {
                return Err(CliError::Usage(format!(
                    "experiment {other} is not available (available: {}, all)",
                    EXPERIMENTS.join(", ")
                )))
            }
        };
        let dir = a.out.join(format!("exp{n}"));
        let written = write_experiment(&dir, &files)?;
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&files.report);
        for f in written {
            out.push_str(&format!("wrote {}\n", f.display()));
        }
        out.push_str(&format!(
            "experiment {n} ran in {:.2} s\n",
            start.elapsed().as_secs_f64()
        ));
    }
    Ok(out.trim_end().to_string())
}

/// The experiments `experiment all` runs, in order.
const EXPERIMENTS: [&str; 5] = ["5", "6", "7", "8", "13"];

/// Write an experiment's tables, figures and report under `dir`, each file
/// atomically; returns the paths written.
fn write_experiment(dir: &Path, files: &ExperimentFiles) -> Result<Vec<PathBuf>, CliError> {
    create_dir(dir)?;
    let mut written = Vec::new();
    for (stem, table) in &files.tables {
        let path = dir.join(format!("{stem}.csv"));
        table.write_csv(&path)?;
        written.push(path);
    }
    for (stem, fig) in &files.figures {
        written.extend(write_figure(fig, &dir.join(stem))?);
    }
    let report = dir.join("report.txt");
    write_atomic(&report, files.report.as_bytes())?;
    written.push(report);
    Ok(written)
}
