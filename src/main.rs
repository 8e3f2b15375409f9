//! `scaling-laws`: the command-line tool. See `specs/commands.md`.
//!
//! Exit status: 0 success; 2 bad input (arguments, data, or data no method
//! can fit; clap's own usage errors also exit 2); 1 when the answer could
//! not be written (standard output closed or full). Nothing panics.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use scaling_laws::cli::{run, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(text) => {
            // `println!` panics when stdout is closed (`| true`) or full
            // (`> /dev/full`): write and flush by hand and report failure.
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{text}").and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    let _ = writeln!(
                        std::io::stderr(),
                        "error: the result could not be written to standard output: {e}"
                    );
                    ExitCode::from(1)
                }
            }
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(2)
        }
    }
}
